//! Known answers and behaviour of the Paybox backend, with a bank-side signer.

use base64::Engine as _;
use polypay_core::{
    Action, Adjustment, Amount, Context, Customer, Exchange, HttpResponse, PaymentStatus, Timestamp,
};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use serde_json::json;

use super::*;

const TEST_KEY: &str = include_str!("../../testdata/paybox_test_key.pem");
const TEST_PUBKEY: &str = include_str!("../../testdata/paybox_test_pubkey.pem");

/// eopayment's test configuration (its 8-digit site is refused by polypay's validation, D5,
/// so the configuration is deserialized without it).
fn eopayment_backend() -> Paybox {
    let config: Config = serde_json::from_value(json!({
        "platform": "test", "site": "12345678", "rang": "001", "identifiant": "12345678",
        "shared_secret": "0123456789ABCDEF".repeat(8),
        "automatic_return_url": "http://example.com/callback",
    }))
    .unwrap();
    Paybox::from_config(config, description()).unwrap()
}

fn backend(extra: serde_json::Value) -> Paybox {
    let mut c = json!({
        "site": "1999888", "rang": "32", "identifiant": "107904482",
        "shared_secret": "0123456789ABCDEF".repeat(8), "cle": "1999888I",
        "normal_return_url": "https://shop.example/return",
        "public_key": TEST_PUBKEY,
    })
    .as_object()
    .cloned()
    .unwrap();
    c.extend(extra.as_object().cloned().unwrap());
    Paybox::build(&c).unwrap()
}

fn cx() -> Context<'static> {
    Context::fixed(
        "2015-07-15T16:26:32Z".parse::<Timestamp>().unwrap(),
        [9; 32],
    )
}

fn fields(intent: &PaymentIntent) -> Vec<(String, String)> {
    match &intent.action {
        Action::Form { fields, .. } => fields.to_vec(),
        other => panic!("{other:?}"),
    }
}

/// eopayment's upstream test_request (spec §3.7), through the whole backend.
#[test]
fn published_requests() {
    let b = eopayment_backend();
    for (amount, total, hmac) in [
        (
            "EUR:19.99",
            "1999",
            "EC9B753691D804F15B3369BEF9CA49F20585BE32E849A9758815903CE5A89822C251C7EBC712145FCA6321C6A6F90EE45EBEC618FFC8B7A69CC23E1BFC6CACC7",
        ),
        (
            "EUR:0.25",
            "025",
            "C5244DDB62C71D819E50464AD96C8B1AFB423A1A11DC2FE88112EB73FF80E9F46C7E6D047C4B666179653683FE979EED6F42288298F89892C20B7FA0339FBE5C",
        ),
    ] {
        let mut customer = Customer::default();
        customer.email = Some("bdauvergne@entrouvert.com".into());
        customer.first_name = Some("Kyan <oo>".into());
        customer.last_name = Some("Khojandi".into());
        customer.address = Some("169 rue du Château".into());
        let req = PaymentRequest::new(Amount::parse(amount).unwrap())
            .with_customer(customer)
            .with_order_id("20160216")
            .with_transaction_id("1234")
            .with_extra("time", "2015-07-15T18:26:32+02:00")
            .with_extra("PBX_ARCHIVAGE", "4YQEFSFZSNWA")
            .with_extra("total_quantity", "1")
            .with_extra("zipcode", "75014")
            .with_extra("city", "Paris")
            .with_extra("country_code", "250");
        let intent = b.build_request(&req, &cx()).unwrap();
        assert_eq!(intent.transaction_id, "1234!20160216");
        let f = fields(&intent);
        let get = |n: &str| f.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
        assert_eq!(get("PBX_TOTAL"), Some(total));
        assert_eq!(get("PBX_RANG"), Some("001"));
        assert_eq!(
            get("PBX_BILLING"),
            Some(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?><Billing><Address><FirstName>Kyan &lt;oo&gt;</FirstName><LastName>Khojandi</LastName><Address1>169 rue du Château</Address1><ZipCode>75014</ZipCode><City>Paris</City><CountryCode>250</CountryCode></Address></Billing>"
            )
        );
        assert_eq!(get("PBX_HMAC"), Some(hmac));
        assert_eq!(f.last().unwrap().0, "PBX_HMAC");
    }
}

#[test]
fn generated_request() {
    let b = backend(json!({ "capture_day": "7", "capture_mode": "AUTHOR_CAPTURE" }));
    let req = PaymentRequest::new(Amount::parse("EUR:10").unwrap()).with_email("a@example.com");
    let intent = b.build_request(&req, &cx()).unwrap();
    let f = fields(&intent);
    let get = |n: &str| f.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    // PBX_CMD is Paris time + archive reference.
    let archive = get("PBX_ARCHIVAGE").unwrap();
    assert_eq!(archive.len(), 12);
    assert_eq!(
        intent.transaction_id,
        format!("2015-07-15T182632_{archive}")
    );
    assert_eq!(
        get("PBX_TIME").as_deref(),
        Some("2015-07-15T16:26:32+00:00")
    );
    assert_eq!(get("PBX_DIFF").as_deref(), Some("07"));
    assert_eq!(get("PBX_AUTOSEULE").as_deref(), Some("O"));
    assert_eq!(
        get("PBX_EFFECTUE").as_deref(),
        Some("https://shop.example/return")
    );
    // The e-mail is required; other currencies and bad extras are refused.
    for req in [
        PaymentRequest::new(Amount::parse("EUR:10").unwrap()),
        PaymentRequest::new(Amount::parse("USD:10").unwrap()).with_email("a@example.com"),
        PaymentRequest::new(Amount::parse("EUR:10").unwrap())
            .with_email("a@example.com")
            .with_extra("PBX_ARCHIVAGE", "bad value!"),
        PaymentRequest::new(Amount::parse("EUR:10").unwrap())
            .with_email("a@example.com")
            .with_extra("nope", "1"),
    ] {
        assert!(b.build_request(&req, &cx()).is_err(), "{req:?}");
    }
}

/// Signs a return the way Paybox does: RSA-SHA1 over the text before `&signature=`.
pub(crate) fn bank_sign(query: &str) -> String {
    let key = RsaPrivateKey::from_pkcs1_pem(TEST_KEY).unwrap();
    let digest = crate::common::sign::sha1(query.as_bytes());
    let sig = key
        .sign(Pkcs1v15Sign::new::<sha1::Sha1>(), &digest)
        .unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(sig);
    let encoded: String = url::form_urlencoded::byte_serialize(b64.as_bytes()).collect();
    format!("{query}&signature={encoded}")
}

const RETURN: &str = "montant=4242&reference=1234!20160216&code_autorisation=XXXXXX&erreur=00000&numero_appel=30310733&numero_transaction=13957441&date_transaction=20200101&heure_transaction=01:01:01";

#[test]
fn signed_returns() {
    let b = backend(json!({}));
    let r = b.parse_response(&Incoming::get(bank_sign(RETURN))).unwrap();
    assert!(r.is_verified());
    assert_eq!(r.status(), PaymentStatus::Paid);
    assert_eq!(r.order_id.as_deref(), Some("1234!20160216"));
    assert_eq!(r.transaction_id.as_deref(), Some("13957441"));
    assert_eq!(r.amount, Some(Amount::parse("EUR:42.42").unwrap()));
    assert_eq!(
        r.transaction_date,
        Some("2020-01-01T00:01:01Z".parse().unwrap())
    );
    assert!(r.test);
    // Every signed variable, changed: not verified, never paid.
    for (i, _) in RETURN.split('&').enumerate() {
        let signed = bank_sign(RETURN);
        let mut parts: Vec<String> = signed.split('&').map(str::to_owned).collect();
        parts[i].push('9');
        let r = b.parse_response(&Incoming::get(parts.join("&"))).unwrap();
        assert!(!r.is_verified(), "{}", parts[i]);
        assert_ne!(r.status(), PaymentStatus::Paid);
    }
    // eopayment's re-encoded text (`!` as %21) is accepted too (D14).
    let reencoded = RETURN.replace('!', "%21").replace(':', "%3A");
    let signed = bank_sign(&reencoded);
    assert!(
        b.parse_response(&Incoming::get(
            signed.replace("%21", "!").replace("%3A", ":")
        ))
        .unwrap()
        .is_verified()
    );
    // Not signed: parsed, not verified (eopayment's own test return).
    let r = b.parse_response(&Incoming::get("montant=4242&reference=1234%2120160216&code_autorisation=A&erreur=00000&date_transaction=20200101&heure_transaction=01%3A01%3A01")).unwrap();
    assert!(!r.is_verified());
    assert_eq!(
        r.transaction_date.unwrap().to_string(),
        "2020-01-01T00:01:01Z"
    );
    // Garbage signature, missing fields, signature not last.
    assert!(
        !b.parse_response(&Incoming::get(format!("{RETURN}&signature=a")))
            .unwrap()
            .is_verified()
    );
    assert!(b.parse_response(&Incoming::get("foo=bar")).is_err());
    assert!(
        b.parse_response(&Incoming::get(format!("{}&x=1", bank_sign(RETURN))))
            .is_err()
    );
    // The published key is the default.
    let mut c = json!({"site": "1999888", "rang": "32", "identifiant": "1", "shared_secret": "00"})
        .as_object()
        .cloned()
        .unwrap();
    assert!(
        !Paybox::build(&c)
            .unwrap()
            .parse_response(&Incoming::get(bank_sign(RETURN)))
            .unwrap()
            .is_verified()
    );
    c.insert("public_key".into(), json!("garbage"));
    assert!(
        Paybox::build(&c)
            .unwrap_err()
            .to_string()
            .contains("public_key")
    );
}

#[test]
fn paybox_direct() {
    let b = backend(json!({}));
    let mut data = serde_json::Map::new();
    data.insert("numero_transaction".into(), json!("13957441"));
    data.insert("numero_appel".into(), json!(["30310733"]));
    data.insert("reference".into(), json!("830657461681"));
    let adj =
        Adjustment::new("830657461681", Amount::parse("EUR:10").unwrap()).with_bank_data(data);
    for (op, code) in [
        ("validate", "00002"),
        ("cancel", "00005"),
        ("refund", "00014"),
    ] {
        let call = |cx: Context<'_>| match op {
            "validate" => b.validate(&adj, cx),
            "cancel" => b.cancel(&adj, cx),
            _ => b.refund(&adj, cx),
        };
        let Step::Http { request, state } = call(cx()).unwrap() else {
            panic!()
        };
        assert_eq!(
            request.url.as_str(),
            "https://preprod-ppps.paybox.com/PPPS.php"
        );
        let body = String::from_utf8(request.body.clone()).unwrap();
        let sent: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
            .into_owned()
            .collect();
        let get = |n: &str| sent.iter().find(|(k, _)| k == n).map(|(_, v)| v.as_str());
        assert_eq!(get("TYPE"), Some(code));
        assert_eq!(get("MONTANT"), Some("1000"));
        assert_eq!(get("NUMAPPEL"), Some("30310733"));
        assert_eq!(get("NUMQUESTION").unwrap().len(), 10);
        assert_eq!(get("DATEQ"), Some("15072015182632"));
        assert!(!request.idempotent);
        let ok = "NUMTRANS=0013989865&NUMAPPEL=0030378572&NUMQUESTION=0013989862&SITE=1999888&RANG=32&AUTORISATION=XXXXXX&CODEREPONSE=00000&COMMENTAIRE=Demande trait\u{e9}e avec succ\u{e8}s&REFABONNE=&PORTEUR=";
        let latin1: Vec<u8> = ok.chars().map(|c| c as u8).collect();
        let exchange = Exchange {
            state: state.clone(),
            response: HttpResponse::new(200, latin1),
        };
        let r = call(cx().with_prior(&exchange)).unwrap().done().unwrap();
        assert!(r.is_verified());
        assert_eq!(r.bank_data["COMMENTAIRE"], "Demande traitée avec succès");
        let refused = Exchange {
            state,
            response: HttpResponse::new(
                200,
                "CODEREPONSE=00015&COMMENTAIRE=PAYBOX : Transaction non trouv%E9e",
            ),
        };
        let err = call(cx().with_prior(&refused)).unwrap_err();
        assert!(err.to_string().contains("00015"), "{err}");
    }
    // Without the key, or without the return's bank data: clear errors.
    let no_key = backend(json!({ "cle": "" }));
    assert!(
        no_key
            .validate(&adj, cx())
            .unwrap_err()
            .to_string()
            .contains("cle")
    );
    let bare = Adjustment::new("x", Amount::parse("EUR:1").unwrap());
    assert!(
        b.validate(&bare, cx())
            .unwrap_err()
            .to_string()
            .contains("numero_transaction")
    );
}
