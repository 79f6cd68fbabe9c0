//! The demo shop with the dummy backend, in a real headless Chromium: buy and pay, refused and
//! cancelled payments, an authorisation validated from the admin actions.

use crate::browser::Browser;
use crate::demo::Demo;

/// From the shop's home page, buys the first product with `instance`; lands on the bank.
async fn buy(browser: &Browser, demo: &Demo, instance: &str, authorise_only: bool) {
    browser.goto(demo.base.as_str()).await;
    browser
        .click(&format!("input[name=instance][value={instance:?}]"))
        .await;
    browser.fill("input[name=email]", "buyer@example.com").await;
    if authorise_only {
        browser.click("input[name=manual_validation]").await;
    }
    browser.click("#pay").await;
}

/// On the dummy bank's page, picks an outcome; the bank notifies the shop then sends the
/// browser back to the order page.
async fn answer(browser: &Browser, outcome: &str) {
    browser.find("#amount").await;
    assert!(browser.source().await.contains("Dummy bank"));
    browser.click(&format!("#outcome-{outcome}")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buy_with_the_dummy_bank_and_reach_paid() {
    let demo = Demo::start();
    let mut browser = Browser::start("dummy-paid").await;
    browser.goto(demo.base.as_str()).await;
    browser.find("#pay").await;
    browser.shot("shop").await;

    buy(&browser, &demo, "dummy", false).await;
    let amount = browser.find("#amount").await.text().await.unwrap();
    assert!(amount.contains("10.00 EUR"), "{amount}");
    browser.shot("dummy-bank").await;
    answer(&browser, "paid").await;

    browser.wait_for_status("paid").await;
    assert!(browser.url().await.contains("/orders/"));
    let page = browser.source().await;
    assert!(!page.contains("(not verified)"), "{page}");
    // The bank notified the shop, then the browser came back with the same signed report:, the return counted as received again.
    // the order changed once (rows: header, created, started, paid by the notification), and
    // the return counted as received again.
    let history = browser.find("#history").await.text().await.unwrap();
    let rows = browser
        .script("return document.querySelectorAll('#history tr').length;")
        .await;
    assert_eq!(rows, 4, "{history}");
    assert!(history.contains("notification"), "{history}");
    let duplicates = browser.find("#duplicates").await.text().await.unwrap();
    assert!(duplicates.starts_with('1'), "{duplicates}");
    browser.shot("order-paid").await;

    browser.goto(demo.url("orders").as_str()).await;
    let orders = browser.find("#orders").await.text().await.unwrap();
    assert!(
        orders.contains("paid") && orders.contains("yes"),
        "{orders}"
    );
    browser.shot("orders").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn denied_and_cancelled_payments() {
    let demo = Demo::start();
    let mut browser = Browser::start("dummy-refused").await;
    for outcome in ["denied", "cancelled"] {
        buy(&browser, &demo, "dummy", false).await;
        answer(&browser, outcome).await;
        browser.wait_for_status(outcome).await;
        browser.shot(&format!("order-{outcome}")).await;
        // Nothing to capture or refund on a failed payment.
        let page = browser.source().await;
        assert!(!page.contains("id=\"validate\"") && !page.contains("id=\"refund\""));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authorised_payment_validated_from_the_admin_actions() {
    let demo = Demo::start();
    let mut browser = Browser::start("dummy-validate").await;
    buy(&browser, &demo, "dummy", true).await;
    answer(&browser, "accepted").await;
    browser.wait_for_status("accepted").await;
    browser.shot("order-accepted").await;

    browser.click("#validate").await;
    browser.wait_for_status("paid").await;
    let history = browser.find("#history").await.text().await.unwrap();
    assert!(history.contains("validate"), "{history}");
    browser.shot("order-validated").await;

    browser.fill("input[name=amount]", "2.50").await;
    browser.click("#refund").await;
    browser.wait_for_status("refunded").await;
    browser.shot("order-refunded").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notification_after_the_return_updates_the_open_order_page() {
    let files = crate::support::Files::new();
    let demo = crate::demo::demo_with_dummies(&files, &[("dummy", "late-secret")]);
    let mut browser = Browser::start("dummy-late").await;
    buy(&browser, &demo, "dummy", false).await;
    browser.find("#amount").await;
    let bank = browser.url().await;
    // The payer leaves the bank before the payment is settled.
    answer(&browser, "waiting").await;
    browser.wait_for_status("waiting").await;
    let order_page = browser.url().await;
    assert!(browser.source().await.contains("updates by itself"));
    browser.shot("order-waiting").await;

    // The bank's server settles it later; nobody touches the page.
    let (notification, target, _) = crate::demo::signed_reports(&bank, "late-secret");
    let r = demo
        .http
        .post(target)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(notification.body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    browser.wait_for_status("paid").await;
    assert_eq!(browser.url().await, order_page);
    browser.shot("order-paid-later").await;
}
