//! Bank-form backends through the CLI: `polypay request` then `polypay response` on the bank's
//! published answer (spec bankform.md §1.8), and check-config warnings for weak modes.

use crate::support::*;

const CONFIG: &str = "[backends.cards]\nkind = \"systempayv2\"\nsecret_test = \"1122334455667788\"\n\
vads_site_id = \"12345678\"\nnormal_return_url = \"https://site.example.net/return/\"\n\
automatic_return_url = \"https://site.example.net/callback/\"\nsignature_algo = \"hmac_sha256\"\n";

/// The published response (eopayment's test suite, spec §1.8), HMAC-SHA-256 signed.
const RESPONSE: &str = "vads_amount=1042&vads_auth_mode=FULL&vads_auth_number=3feadf&vads_auth_result=00&vads_capture_delay=0&vads_card_brand=CB&vads_result=00&vads_card_number=497010XXXXXX0000&vads_payment_certificate=582ba2b725057618706d7a06e9e59acdbf69ff53&vads_ctx_mode=TEST&vads_currency=978&vads_effective_amount=1042&vads_site_id=70168983&vads_trans_date=20161013101355&vads_trans_id=226787&vads_trans_uuid=4b5053b3b1fe4b02a07753e7a&vads_effective_creation_date=20200330162530&signature=Wbz3bP6R6wDvAwb2HnSiH9%2FiUUoRVCxK7mdLtCMz8Xw%3D";

#[test]
fn systempay_request_then_response_through_the_cli() {
    let files = Files::new();
    let cfg = files.write("bank.toml", CONFIG);
    let cfg = cfg.to_str().unwrap();
    let intent = polypay_json(&[
        "request",
        "--config",
        cfg,
        "--amount",
        "10.42",
        "--now",
        "2016-10-13T10:13:55Z",
        "--set",
        "vads_trans_id=226787",
    ]);
    assert_eq!(intent["action"]["type"], "form");
    let fields = intent["action"]["fields"].as_array().unwrap();
    let field = |name: &str| {
        fields
            .iter()
            .find(|f| f[0] == name)
            .map(|f| f[1].as_str().unwrap().to_owned())
    };
    assert_eq!(field("vads_trans_id").as_deref(), Some("226787"));
    assert_eq!(field("vads_amount").as_deref(), Some("1042"));
    assert_eq!(field("vads_trans_date").as_deref(), Some("20161013101355"));
    assert!(field("signature").is_some());

    let resp = polypay_json(&["response", "--config", cfg, "--query", RESPONSE]);
    assert_eq!(resp["status"], "paid");
    assert_eq!(resp["verified"], true);
    assert_eq!(resp["amount"], "10.42");

    // One flipped byte in a signed field: not verified, never paid.
    let forged = RESPONSE.replace("vads_amount=1042", "vads_amount=1043");
    let resp = polypay_json(&["response", "--config", cfg, "--query", &forged]);
    assert_eq!(resp["verified"], false);
    assert_ne!(resp["status"], "paid");
}

#[test]
fn weak_signature_modes_are_flagged_by_check_config() {
    let files = Files::new();
    let weak = files.write("weak.toml", &CONFIG.replace("hmac_sha256", "sha1"));
    let out = polypay(&["check-config", weak.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("warning: backends.cards.signature_algo"),
        "{err}"
    );
    let strong = files.write("strong.toml", CONFIG);
    let out = polypay(&["check-config", strong.to_str().unwrap()]);
    assert!(
        out.status.success() && !stderr(&out).contains("warning"),
        "{}",
        stderr(&out)
    );
}
