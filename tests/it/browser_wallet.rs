//! A payment URI in a real browser: a GNU Taler order (polypay-taler's loopback merchant
//! backend) shown as a `taler://` link and a QR code, and the order page following the payment
//! by itself (it polls the shop, which long-polls the merchant backend) until a wallet pays.

use polypay_taler::simulator::Simulator;

use crate::browser::Browser;
use crate::demo::Demo;
use crate::support::Files;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taler_uri_with_its_qr_code_and_a_status_that_updates_by_itself() {
    let sim = Simulator::start().await.expect("Taler simulator");
    let files = Files::new();
    let config = files.write(
        "shop.toml",
        &format!(
            "[http]\nallow_http = true\n\n\
             [backends.dummy]\nkind = \"dummy\"\nnormal_return_url = \"http://127.0.0.1/return\"\n\n\
             [backends.taler]\nkind = \"taler\"\nallow_http = true\nbase_url = \"{}\"\ntoken = \"{}\"\n\
             fulfillment_url = \"https://shop.example/thanks/${{ORDER_ID}}\"\n",
            sim.base_url(),
            sim.token()
        ),
    );
    let demo = Demo::with_config(&config);
    let mut browser = Browser::start("taler").await;
    browser.goto(demo.base.as_str()).await;
    browser.click("input[name=instance][value=taler]").await;
    browser.click("#pay").await;

    // The order page shows the URI, its QR code, and follows the payment.
    let link = browser.find("#pay-uri").await;
    let uri = link.attr("href").await.unwrap().unwrap_or_default();
    assert!(uri.starts_with("taler+http://pay/"), "{uri}");
    browser
        .wait_for(
            "the QR code to load",
            "var i=document.getElementById('qr');return !!i&&i.complete&&i.naturalWidth>=200;",
        )
        .await;
    assert_eq!(browser.status().await, "waiting");
    let page = browser.source().await;
    assert!(page.contains("updates by itself"), "{page}");
    browser.shot("wallet").await;

    // A wallet pays; nobody touches the page.
    let order_id = browser
        .find("#order-status + p code")
        .await
        .text()
        .await
        .unwrap();
    sim.pay("admin", &order_id, None).expect("the wallet pays");
    browser.wait_for_status("paid").await;
    let history = browser.find("#history").await.text().await.unwrap();
    assert!(history.contains("status"), "{history}");
    browser.shot("paid").await;
    assert!(
        !browser.source().await.contains("id=\"wallet\""),
        "a paid order no longer offers to pay"
    );
}
