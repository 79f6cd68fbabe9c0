//! `polypay demo` as a process, driven over HTTP on 127.0.0.1 like a browser would (without
//! following redirects, so every hop is checked).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use reqwest::redirect::Policy;
use url::Url;

/// A `polypay demo` process on 127.0.0.1 (a free port), killed on drop.
pub struct Demo {
    child: Child,
    /// The shop's base URL.
    pub base: Url,
    http: reqwest::Client,
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Demo {
    /// The demo on its embedded dummy backend.
    pub fn start() -> Demo {
        Demo::start_with(&[])
    }

    /// The demo with the instances of a configuration file.
    pub fn with_config(path: &std::path::Path) -> Demo {
        Demo::start_with(&["--config", path.to_str().expect("UTF-8 path")])
    }

    fn start_with(extra: &[&str]) -> Demo {
        let mut child = Command::new(env!("CARGO_BIN_EXE_polypay"))
            .args(["demo", "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start polypay demo");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("demo prints its URL");
        if line.is_empty() {
            let status = child.wait().expect("demo exit status");
            panic!("polypay demo did not start ({status}); its error is above");
        }
        let base: Url = line
            .trim()
            .rsplit(' ')
            .next()
            .unwrap()
            .parse()
            .expect("URL");
        assert_eq!(base.host_str(), Some("127.0.0.1"));
        let http = reqwest::Client::builder()
            .redirect(Policy::none())
            .build()
            .unwrap();
        Demo { child, base, http }
    }

    /// An absolute URL of the shop.
    pub fn url(&self, path: &str) -> Url {
        self.base.join(path).unwrap()
    }

    async fn get(&self, url: &str) -> reqwest::Response {
        self.http.get(url).send().await.expect("GET")
    }

    async fn post(&self, url: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http.post(url).form(form).send().await.expect("POST")
    }

    fn location(&self, r: &reqwest::Response) -> String {
        assert_eq!(r.status(), 303, "expected a redirect");
        let loc = r.headers()["location"].to_str().unwrap();
        self.base.join(loc).unwrap().to_string()
    }

    /// Buys the first product; returns the bank page URL.
    async fn buy(&self, manual: bool) -> String {
        let mut form = vec![
            ("product", "0"),
            ("instance", "dummy"),
            ("email", "buyer@example.com"),
        ];
        if manual {
            form.push(("manual_validation", "1"));
        }
        let r = self.post(self.url("orders").as_str(), &form).await;
        let bank = self.location(&r);
        assert!(bank.starts_with(self.url("dummy-bank/").as_str()), "{bank}");
        bank
    }

    /// Picks an outcome on the bank page; returns the browser-return URL.
    async fn answer(&self, bank: &str, outcome: &str) -> String {
        let page = self.get(bank).await.text().await.unwrap();
        assert!(
            page.contains("Dummy bank") && page.contains("10.00 EUR"),
            "{page}"
        );
        let r = self
            .post(
                self.url("dummy-bank/answer").as_str(),
                &[("request", bank), ("outcome", outcome)],
            )
            .await;
        self.location(&r)
    }

    /// Follows the return; returns the order page URL and its HTML.
    async fn come_back(&self, ret: &str) -> (String, String) {
        let r = self.get(ret).await;
        let order = self.location(&r);
        let html = self.get(&order).await.text().await.unwrap();
        (order, html)
    }
}

fn status_of(html: &str) -> &str {
    let start = html.find("id=\"order-status\"").expect("order status");
    let rest = &html[start..];
    let s = rest.find("data-status=\"").unwrap() + "data-status=\"".len();
    &rest[s..s + rest[s..].find('"').unwrap()]
}

#[tokio::test]
async fn buy_and_pay_with_the_dummy_bank() {
    let demo = Demo::start();
    let home = demo.get(demo.base.as_str()).await.text().await.unwrap();
    assert!(home.contains("polypay demo shop") && home.contains("Pay"));

    let bank = demo.buy(false).await;
    let ret = demo.answer(&bank, "paid").await;
    let (order, html) = demo.come_back(&ret).await;
    assert_eq!(status_of(&html), "paid", "{html}");
    // Both the notification and the return were verified: no line of the page is unverified.
    assert!(!html.contains("(not verified)"), "{html}");

    // The notification and the return both arrived: the order changed once per distinct
    // report; replaying the return changes nothing.
    let before = html.matches("<tr>").count();
    let (_, again) = demo.come_back(&ret).await;
    assert_eq!(
        again.matches("<tr>").count(),
        before,
        "a replayed return is ignored"
    );

    let orders = demo
        .get(demo.url("orders").as_str())
        .await
        .text()
        .await
        .unwrap();
    assert!(
        orders.contains("data-status=\"paid\"") && orders.contains(">yes<"),
        "{orders}"
    );
    assert!(order.contains("/orders/"));
}

#[tokio::test]
async fn refused_and_cancelled_payments() {
    let demo = Demo::start();
    for outcome in ["denied", "cancelled", "waiting"] {
        let bank = demo.buy(false).await;
        let ret = demo.answer(&bank, outcome).await;
        let (_, html) = demo.come_back(&ret).await;
        assert_eq!(status_of(&html), outcome);
    }
}

#[tokio::test]
async fn authorise_then_validate_from_the_order_page() {
    let demo = Demo::start();
    let bank = demo.buy(true).await;
    let ret = demo.answer(&bank, "accepted").await;
    let (order, html) = demo.come_back(&ret).await;
    assert_eq!(status_of(&html), "accepted");
    assert!(html.contains("id=\"validate\""));
    let r = demo
        .post(&format!("{order}/validate"), &[("amount", "10.00")])
        .await;
    let back = demo.location(&r);
    let html = demo.get(&back).await.text().await.unwrap();
    assert_eq!(status_of(&html), "paid", "{html}");
    // Then a partial refund.
    let r = demo
        .post(&format!("{order}/refund"), &[("amount", "2.50")])
        .await;
    let html = demo.get(&demo.location(&r)).await.text().await.unwrap();
    assert_eq!(status_of(&html), "refunded", "{html}");
}

#[tokio::test]
async fn a_forged_return_never_marks_the_order_paid() {
    let demo = Demo::start();
    let bank = demo.buy(false).await;
    let ret = demo.answer(&bank, "denied").await;
    // The attacker rewrites the result of a signed return.
    let forged = ret.replace("result=denied", "result=paid");
    assert_ne!(forged, ret);
    let r = demo.get(&forged).await;
    if r.status() == 303 {
        let html = demo.get(&demo.location(&r)).await.text().await.unwrap();
        assert_ne!(status_of(&html), "paid");
    } else {
        assert_eq!(r.status(), 400);
    }
    let orders = demo
        .get(demo.url("orders").as_str())
        .await
        .text()
        .await
        .unwrap();
    assert!(!orders.contains("data-status=\"paid\""), "{orders}");
}

#[tokio::test]
async fn a_tampered_payment_request_is_refused_by_the_bank() {
    let demo = Demo::start();
    let bank = demo.buy(false).await;
    let forged = bank.replace("amount=10.00", "amount=0.01");
    let r = demo.get(&forged).await;
    assert_eq!(r.status(), 400);
}
