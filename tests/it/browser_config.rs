//! The configuration admin page in a real browser: a SystemPay instance added with wrong
//! values, every error shown next to its field, fixed, saved; the file written validates.

use polypay::RegistryExt as _;
use polypay::config::ConfigFile;

use crate::browser::Browser;
use crate::demo::Demo;
use crate::support::Files;

/// The text of the errors shown in the field of parameter `name`.
async fn errors_of(browser: &Browser, name: &str) -> String {
    let js = format!(
        "var f=document.querySelector('[name={name:?}]');var d=f&&f.closest('div.field');\
         return d?Array.from(d.querySelectorAll('p.error')).map(function(p){{return p.textContent;}}).join(' | '):null;"
    );
    browser
        .script(&js)
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// The generated form asks the browser to check patterns and required fields too; switching
/// that off shows what the server says, as for a browser that does not check.
async fn let_the_server_check(browser: &Browser) {
    browser
        .script("document.querySelector('form.polypay-config').noValidate = true; return true;")
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_values_errors_next_to_fields_fixed_saved() {
    let files = Files::new();
    let path = files.write(
        "shop.toml",
        "[backends.dummy]\nkind = \"dummy\"\nnormal_return_url = \"http://127.0.0.1/return\"\n\
         secret = \"browser-test-secret\"\n",
    );
    let demo = Demo::with_config(&path);
    let mut browser = Browser::start("config").await;

    browser.goto(demo.url("admin/config").as_str()).await;
    let instances = browser.find("#instances").await.text().await.unwrap();
    assert!(instances.contains("dummy"), "{instances}");
    browser.fill("#new-name", "cards").await;
    browser.click("#new-kind option[value=systempayv2]").await;
    browser.shot("overview").await;
    browser.click("#add").await;

    // The form generated from the SystemPay description.
    browser.find("form.polypay-config").await;
    assert!(browser.url().await.contains("/admin/config/cards"));
    browser.shot("form").await;
    let_the_server_check(&browser).await;
    browser.fill("[name=vads_site_id]", "12").await;
    browser.fill("[name=secret_test]", "not a key!").await;
    browser
        .fill("[name=normal_return_url]", "ftp://shop.example/")
        .await;
    browser
        .click("form.polypay-config button[type=submit]")
        .await;

    // Every error, next to its field.
    browser.find("#form-errors").await;
    let site = errors_of(&browser, "vads_site_id").await;
    assert!(site.contains("pattern"), "vads_site_id: {site:?}");
    let secret = errors_of(&browser, "secret_test").await;
    assert!(!secret.is_empty(), "secret_test has no error");
    assert!(
        !secret.contains("not a key!"),
        "a secret is never echoed: {secret}"
    );
    let url = errors_of(&browser, "normal_return_url").await;
    assert!(!url.is_empty(), "normal_return_url has no error");
    assert!(errors_of(&browser, "vads_ctx_mode").await.is_empty());
    // The wrong text is shown again for correction; the secret is not.
    let site_value = browser
        .find("[name=vads_site_id]")
        .await
        .value()
        .await
        .unwrap();
    assert_eq!(site_value.as_deref(), Some("12"));
    let secret_input = browser.find("[name=secret_test]").await;
    assert_eq!(secret_input.value().await.unwrap().as_deref(), Some(""));
    // Nothing was saved, so the form does not pretend the secret is kept.
    assert_eq!(secret_input.attr("placeholder").await.unwrap(), None);
    browser.shot("errors").await;
    assert_eq!(
        std::fs::read_to_string(&path)
            .unwrap()
            .matches("[backends.")
            .count(),
        1,
        "nothing is saved while there are errors"
    );

    // Fixed, then saved.
    let_the_server_check(&browser).await;
    browser.fill("[name=vads_site_id]", "12345678").await;
    browser.fill("[name=secret_test]", "1122334455667788").await;
    browser
        .fill("[name=normal_return_url]", "https://shop.example/return")
        .await;
    browser
        .click("form.polypay-config button[type=submit]")
        .await;
    let saved = browser.find("#saved-toml").await.text().await.unwrap();
    assert!(saved.contains("vads_site_id = \"12345678\""), "{saved}");
    assert!(
        !saved.contains("1122334455667788"),
        "the secret is masked: {saved}"
    );
    // Saved, with the backend's advice: the form kept the compatible SHA-1 default.
    let warnings = browser.find("#warnings").await.text().await.unwrap();
    assert!(warnings.contains("signature_algo"), "{warnings}");
    browser.shot("saved").await;

    // The file holds both instances and is a valid configuration.
    let file = ConfigFile::load(&path).unwrap();
    assert_eq!(file.names(), ["dummy", "cards"]);
    let cards = file.instance(Some("cards")).unwrap();
    assert_eq!(cards.kind, "systempayv2");
    assert_eq!(cards.params["secret_test"], "1122334455667788");
    let registry = polypay::Registry::builtin().unwrap();
    let problems = file.check(&registry);
    assert!(problems.is_empty(), "{problems:?}");

    // Editing keeps the secret when its field is left empty.
    browser.goto(demo.url("admin/config/cards").as_str()).await;
    browser.fill("[name=vads_site_id]", "87654321").await;
    browser
        .click("form.polypay-config button[type=submit]")
        .await;
    browser.find("#saved-toml").await;
    let file = ConfigFile::load(&path).unwrap();
    let cards = file.instance(Some("cards")).unwrap();
    assert_eq!(cards.params["vads_site_id"], "87654321");
    assert_eq!(cards.params["secret_test"], "1122334455667788");
}
