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
    pub(crate) http: reqwest::Client,
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

    pub(crate) async fn get(&self, url: &str) -> reqwest::Response {
        self.http.get(url).send().await.expect("GET")
    }

    /// What `GET url` answers, as text.
    async fn text(&self, url: &str) -> String {
        self.get(url).await.text().await.unwrap()
    }

    /// What `GET` of the shop's `path` answers, as text.
    pub(crate) async fn page(&self, path: &str) -> String {
        self.text(self.url(path).as_str()).await
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
        let page = self.text(bank).await;
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
        let html = self.text(&order).await;
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
    let home = demo.text(demo.base.as_str()).await;
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

    let orders = demo.page("orders").await;
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
    let html = demo.text(&back).await;
    assert_eq!(status_of(&html), "paid", "{html}");
    // Then a partial refund.
    let r = demo
        .post(&format!("{order}/refund"), &[("amount", "2.50")])
        .await;
    let html = demo.text(&demo.location(&r)).await;
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
        let html = demo.text(&demo.location(&r)).await;
        assert_ne!(status_of(&html), "paid");
    } else {
        assert_eq!(r.status(), 400);
    }
    let orders = demo.page("orders").await;
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

/// A demo on a configuration file with the given dummy instances (name, secret).
pub(crate) fn demo_with_dummies(files: &crate::support::Files, instances: &[(&str, &str)]) -> Demo {
    let text: String = instances
        .iter()
        .map(|(name, secret)| {
            format!(
                "[backends.{name}]\nkind = \"dummy\"\nnormal_return_url = \"http://127.0.0.1/r\"\n\
                 secret = \"{secret}\"\n\n"
            )
        })
        .collect();
    Demo::with_config(&files.write("shop.toml", &text))
}

/// What the dummy bank would send for the payment page `bank`: the notification and the
/// browser return, signed with `secret`.
pub(crate) fn signed_reports(bank: &str, secret: &str) -> (polypay::Incoming, Url, Url) {
    use polypay::dummy::{Outcome, Simulator};
    let sim = Simulator::new(Some(polypay::Secret::new(secret)));
    let page = sim.payment_page(&bank.parse().unwrap()).unwrap();
    let now = polypay::Timestamp::now();
    let notification = sim.notification(&page, Outcome::Paid, now);
    let target = page.notification_url.clone().expect("notification URL");
    (
        notification,
        target,
        sim.browser_return(&page, Outcome::Paid, now),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_notifications_and_a_racing_return_change_the_order_once() {
    let files = crate::support::Files::new();
    let demo = demo_with_dummies(&files, &[("dummy", "race-secret")]);
    let bank = demo.buy(false).await;
    let (notification, target, ret) = signed_reports(&bank, "race-secret");
    // Three deliveries of the notification and three returns, all at once.
    let mut tasks = Vec::new();
    for _ in 0..3 {
        let http = demo.http.clone();
        let (target, body) = (target.clone(), notification.body.clone());
        tasks.push(tokio::spawn(async move {
            let r = http
                .post(target)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
        }));
        let (http, ret) = (demo.http.clone(), ret.clone());
        tasks.push(tokio::spawn(async move {
            let r = http.get(ret).send().await.unwrap();
            assert_eq!(r.status(), 303);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let html = demo.page("orders/1").await;
    assert_eq!(status_of(&html), "paid");
    // Header, created, started, paid: one change for six deliveries.
    assert_eq!(html.matches("<tr>").count(), 4, "{html}");
    assert!(html.contains("5 report(s) received again"), "{html}");

    let json: serde_json::Value =
        serde_json::from_str(&demo.page("orders/1/status.json").await).unwrap();
    assert_eq!(json["status"], "paid");
    assert_eq!(json["final"], true);
    assert_eq!(json["duplicates"], 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shared_callback_url_routes_to_the_one_instance_or_says_why_not() {
    let files = crate::support::Files::new();
    let demo = demo_with_dummies(&files, &[("dummy", "one-secret")]);
    let bank = demo.buy(false).await;
    let (notification, _, _) = signed_reports(&bank, "one-secret");
    let callback = demo.url("callback");
    let post = |body: Vec<u8>| {
        demo.http
            .post(callback.clone())
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let r = post(notification.body.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    let html = demo.page("orders/1").await;
    assert_eq!(status_of(&html), "paid");
    let r = post(b"hello=world".to_vec()).await.unwrap();
    assert_eq!(r.status(), 400);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("no configured backend instance recognises"),
        "{text}"
    );
    drop(demo);

    // Two instances of one kind both claim it: refused, naming them.
    let files = crate::support::Files::new();
    let demo = demo_with_dummies(&files, &[("first", "s1"), ("second", "s2")]);
    let r = demo
        .post(
            demo.url("orders").as_str(),
            &[("product", "0"), ("instance", "first")],
        )
        .await;
    let bank = demo.location(&r);
    let (notification, _, _) = signed_reports(&bank, "s1");
    let r = demo
        .http
        .post(demo.url("callback"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(notification.body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("several backend instances claim")
            && text.contains("first (dummy")
            && text.contains("second (dummy"),
        "{text}"
    );
}

#[tokio::test]
async fn the_configuration_page_without_a_file_keeps_it_in_memory() {
    let demo = Demo::start();
    let page = demo.page("admin/config/extra?kind=dummy").await;
    assert!(
        page.contains("class=\"polypay-config\"") && page.contains("in memory"),
        "{page}"
    );
    let save = demo.url("admin/config/extra");
    let r = demo
        .post(
            save.as_str(),
            &[("kind", "dummy"), ("normal_return_url", "")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("is required"), "{page}");
    let r = demo
        .post(
            save.as_str(),
            &[
                ("kind", "dummy"),
                ("normal_return_url", "https://shop.example/return"),
                ("secret", "in-memory-secret"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Kept in memory") && !page.contains("in-memory-secret"),
        "{page}"
    );
    let r = demo.get(demo.url("admin/config.toml").as_str()).await;
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let toml = r.text().await.unwrap();
    let file = polypay::config::ConfigFile::from_toml_str(&toml).unwrap();
    assert_eq!(file.names(), ["dummy", "extra"]);
    // Bad names and kinds are refused clearly.
    let r = demo
        .get(demo.url("admin/config?name=a.b&kind=dummy").as_str())
        .await;
    assert_eq!(r.status(), 422);
    let r = demo
        .get(demo.url("admin/config/x?kind=nope").as_str())
        .await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("unknown backend kind"));
}
