//! A bank-side simulator for the tests: it answers a payment form the way each bank does,
//! signing the return with the bank's algorithm (Paybox with a test RSA key whose public half
//! the test configuration names).

use base64::Engine as _;
use polypay_core::{Action, Amount, Incoming, PaymentIntent, PaymentStatus};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use serde_json::{Value, json};

use crate::common::sign;

pub(crate) const TEST_KEY: &str = include_str!("../testdata/paybox_test_key.pem");
pub(crate) const TEST_PUBKEY: &str = include_str!("../testdata/paybox_test_pubkey.pem");

/// A test configuration of each kind.
pub(crate) fn config(kind: &str) -> serde_json::Map<String, Value> {
    let v = match kind {
        "systempayv2" | "payzen" => {
            json!({"secret_test": "1122334455667788", "vads_site_id": "12345678",
            "signature_algo": "hmac_sha256", "normal_return_url": "https://shop.example/return"})
        }
        "sips2" => json!({"normal_return_url": "https://shop.example/return"}),
        "paybox" => json!({"site": "1999888", "rang": "32", "identifiant": "107904482",
            "shared_secret": "0123456789ABCDEF".repeat(8), "cle": "1999888I",
            "normal_return_url": "https://shop.example/return", "public_key": TEST_PUBKEY}),
        "ogone" => json!({"pspid": "shop", "sha_in": "in-secret", "sha_out": "out-sécret",
            "hash_algorithm": "sha512", "normal_return_url": "https://shop.example/return"}),
        "tipi" => {
            json!({"numcli": "123456", "automatic_return_url": "https://town.example/notify"})
        }
        other => panic!("unknown kind {other}"),
    };
    v.as_object().cloned().unwrap_or_default()
}

/// Every kind of this crate.
pub(crate) const KINDS: [&str; 6] = ["systempayv2", "payzen", "sips2", "paybox", "ogone", "tipi"];

fn form_field<'a>(intent: &'a PaymentIntent, name: &str) -> Option<&'a str> {
    match &intent.action {
        Action::Form { fields, .. } => fields.get(name),
        _ => None,
    }
}

fn query(pairs: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// The bank's answer to `intent` for `amount`, with the outcome `status` (paid, denied,
/// cancelled, waiting, expired), as the query string the bank sends, and the names of the
/// signed fields.
pub(crate) fn answer(
    kind: &str,
    intent: &PaymentIntent,
    amount: &Amount,
    status: PaymentStatus,
) -> (String, Vec<String>) {
    let units = amount.to_minor_units().unwrap_or(0).to_string();
    let id = intent.transaction_id.clone();
    let p = |n: &str, v: &str| (n.to_owned(), v.to_owned());
    match kind {
        "systempayv2" | "payzen" => {
            let (result, trans) = match status {
                PaymentStatus::Paid => ("00", "AUTHORISED"),
                PaymentStatus::Accepted => ("00", "AUTHORISED_TO_VALIDATE"),
                PaymentStatus::Denied => ("05", "REFUSED"),
                PaymentStatus::Cancelled => ("17", "ABANDONED"),
                PaymentStatus::Expired => ("00", "EXPIRED"),
                PaymentStatus::Error => ("96", "CAPTURE_FAILED"),
                _ => ("00", "WAITING_AUTHORISATION"),
            };
            let mut pairs = vec![
                p("vads_amount", &units),
                p("vads_auth_result", result),
                p("vads_ctx_mode", "TEST"),
                p("vads_currency", "978"),
                p("vads_result", result),
                p("vads_site_id", "12345678"),
                p(
                    "vads_trans_date",
                    form_field(intent, "vads_trans_date").unwrap_or_default(),
                ),
                p(
                    "vads_trans_id",
                    form_field(intent, "vads_trans_id").unwrap_or_default(),
                ),
                p("vads_trans_status", trans),
                p("vads_effective_creation_date", "20240501100130"),
            ];
            if let Some(x) = form_field(intent, "vads_ext_info_eopayment_trans_id") {
                pairs.push(p("vads_ext_info_eopayment_trans_id", x));
            }
            pairs.sort();
            let s: String = pairs
                .iter()
                .map(|(_, v)| format!("{v}+"))
                .collect::<String>()
                + "1122334455667788";
            let sig = base64::engine::general_purpose::STANDARD
                .encode(sign::hmac_sha256(b"1122334455667788", s.as_bytes()));
            let signed = pairs.iter().map(|(n, _)| n.clone()).collect();
            pairs.push(p("signature", &sig));
            (query(&pairs), signed)
        }
        "sips2" => {
            let (code, mode) = match status {
                PaymentStatus::Paid => ("00", "AUTHOR_CAPTURE"),
                PaymentStatus::Accepted => ("00", "VALIDATION"),
                PaymentStatus::Denied => ("05", "AUTHOR_CAPTURE"),
                PaymentStatus::Cancelled => ("17", "AUTHOR_CAPTURE"),
                PaymentStatus::Expired => ("97", "AUTHOR_CAPTURE"),
                PaymentStatus::Error => ("03", "AUTHOR_CAPTURE"),
                _ => ("60", "AUTHOR_CAPTURE"),
            };
            let data = format!(
                "merchantId=002001000000001|transactionReference={id}|amount={units}|currencyCode=978|responseCode={code}|authorisationId=4242|transactionDateTime=2024-05-01T12:00:00+02:00|captureMode={mode}"
            );
            let seal = hex::encode(sign::sha256(
                format!("{data}002001000000001_KEY1").as_bytes(),
            ));
            let pairs = vec![
                p("Data", &data),
                p("Seal", &seal),
                p("InterfaceVersion", "HP_2.3"),
            ];
            (query(&pairs), vec!["Data".into()])
        }
        "paybox" => {
            let code = match status {
                PaymentStatus::Paid => "00000",
                PaymentStatus::Denied => "00105",
                PaymentStatus::Cancelled => "00001",
                PaymentStatus::Expired => "00030",
                PaymentStatus::Error => "00003",
                _ => "99999",
            };
            let pairs = vec![
                p("montant", &units),
                p("reference", &id),
                p("code_autorisation", "XXXXXX"),
                p("erreur", code),
                p("numero_appel", "30310733"),
                p("numero_transaction", "13957441"),
                p("date_transaction", "20240501"),
                p("heure_transaction", "12:00:00"),
            ];
            let text = query(&pairs);
            let key =
                RsaPrivateKey::from_pkcs1_pem(TEST_KEY).unwrap_or_else(|_| panic!("test key"));
            let sig = key
                .sign(
                    Pkcs1v15Sign::new::<sha1::Sha1>(),
                    &sign::sha1(text.as_bytes()),
                )
                .unwrap_or_else(|_| panic!("signature"));
            let b64 = base64::engine::general_purpose::STANDARD.encode(sig);
            let enc: String = url::form_urlencoded::byte_serialize(b64.as_bytes()).collect();
            let signed = pairs.iter().map(|(n, _)| n.clone()).collect();
            (format!("{text}&signature={enc}"), signed)
        }
        "ogone" => {
            let code = match status {
                PaymentStatus::Paid => "9",
                PaymentStatus::Denied => "2",
                PaymentStatus::Cancelled => "1",
                PaymentStatus::Accepted => "5",
                PaymentStatus::Error => "0",
                _ => "51",
            };
            let value = amount.value().normalize().to_string();
            let mut pairs = vec![
                p("AMOUNT", &value),
                p("COMPLUS", &id),
                p("CURRENCY", "EUR"),
                p("NCERROR", "0"),
                p("ORDERID", form_field(intent, "ORDERID").unwrap_or_default()),
                p("PAYID", "3011228911"),
                p("STATUS", code),
            ];
            let s: String = pairs
                .iter()
                .map(|(n, v)| format!("{n}={v}out-sécret"))
                .collect();
            let bytes: Vec<u8> = s.chars().map(|c| c as u8).collect();
            let sig = hex::encode_upper(sign::sha512(&bytes));
            let signed = pairs.iter().map(|(n, _)| n.clone()).collect();
            pairs.push(p("SHASIGN", &sig));
            let latin: String = url::form_urlencoded::Serializer::new(String::new())
                .encoding_override(Some(&|s: &str| {
                    s.chars().map(|c| c as u8).collect::<Vec<u8>>().into()
                }))
                .extend_pairs(&pairs)
                .finish();
            (latin, signed)
        }
        "tipi" => {
            let code = match status {
                PaymentStatus::Paid => "P",
                PaymentStatus::Denied => "R",
                PaymentStatus::Cancelled => "A",
                _ => "V",
            };
            let pairs = vec![
                p("refdet", &id),
                p("resultrans", code),
                p("montant", &format!("{units:0>3}")),
                p("saisie", "T"),
            ];
            (query(&pairs), Vec::new())
        }
        other => panic!("unknown kind {other}"),
    }
}

/// The answer as the bank delivers it: Sips posts a form, the others redirect (GET).
pub(crate) fn incoming(kind: &str, query: String) -> Incoming {
    if kind == "sips2" {
        Incoming::post_form(query)
    } else {
        Incoming::get(query)
    }
}
