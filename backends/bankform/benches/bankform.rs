//! Throughput of request generation and response verification for every bank-form backend,
//! next to the bare signature primitive over the same bytes (the target: within 5×).
//!
//! Run with `cargo bench -p polypay-bankform`.

use std::hint::black_box;
use std::sync::Arc;

use base64::Engine as _;
use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use polypay_core::{Amount, Backend, Context, Incoming, PaymentRequest, Registry, Timestamp};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use sha1::{Digest, Sha1};
use sha2::{Sha256, Sha512};

const TEST_KEY: &str = include_str!("../testdata/paybox_test_key.pem");
const TEST_PUBKEY: &str = include_str!("../testdata/paybox_test_pubkey.pem");

fn backend(kind: &str, config: serde_json::Value) -> Arc<dyn Backend> {
    polypay_bankform::link();
    let registry = Registry::from_inventory().expect("registry");
    registry
        .build(kind, config.as_object().expect("object"))
        .expect("configuration")
}

fn cx() -> Context<'static> {
    Context::fixed(
        "2024-05-01T10:00:00Z".parse::<Timestamp>().expect("time"),
        [7; 32],
    )
}

fn request() -> PaymentRequest {
    PaymentRequest::new(Amount::parse("EUR:15.24").expect("amount"))
        .with_order_id("order42")
        .with_email("buyer@example.com")
}

fn bench_backend(c: &mut Criterion, kind: &str, config: serde_json::Value, ret: &Incoming) {
    let b = backend(kind, config);
    let req = request();
    c.bench_function(&format!("{kind}/request"), |bench| {
        bench.iter(|| black_box(b.request(black_box(&req), cx()).expect("request")))
    });
    c.bench_function(&format!("{kind}/response"), |bench| {
        bench.iter(|| black_box(b.response(black_box(ret), cx()).expect("response")))
    });
}

const SYSTEMPAY_RETURN: &str = "vads_amount=1042&vads_auth_mode=FULL&vads_auth_number=3feadf&vads_auth_result=00&vads_capture_delay=0&vads_card_brand=CB&vads_result=00&vads_card_number=497010XXXXXX0000&vads_payment_certificate=582ba2b725057618706d7a06e9e59acdbf69ff53&vads_ctx_mode=TEST&vads_currency=978&vads_effective_amount=1042&vads_site_id=70168983&vads_trans_date=20161013101355&vads_trans_id=226787&vads_trans_uuid=4b5053b3b1fe4b02a07753e7a&vads_effective_creation_date=20200330162530&signature=c17fab393f94dc027dc029510c85d5fc46c4710f";
const SIPS_RETURN: &str = "Data=captureDay%3D0%7CcaptureMode%3DAUTHOR_CAPTURE%7CcurrencyCode%3D978%7CmerchantId%3D002001000000001%7CorderChannel%3DINTERNET%7CresponseCode%3D00%7CtransactionDateTime%3D2016-02-01T17%3A44%3A20%2B01%3A00%7CtransactionReference%3D668930%7CkeyVersion%3D1%7CacquirerResponseCode%3D00%7Camount%3D1200%7CauthorisationId%3D12345%7CcardCSCResultCode%3D4E%7CpanExpiryDate%3D201605%7CpaymentMeanBrand%3DMASTERCARD%7CpaymentMeanType%3DCARD%7CcustomerIpAddress%3D82.244.203.243%7CmaskedPan%3D5100%23%23%23%23%23%23%23%23%23%23%23%2300%7CorderId%3Dd4903de7027f4d56ac01634fd7ab9526%7CholderAuthentRelegation%3DN%7CholderAuthentStatus%3D3D_ERROR%7CtransactionOrigin%3DINTERNET%7CpaymentPattern%3DONE_SHOT&Seal=6ca3247765a19b45d25ad54ef4076483e7d55583166bd5ac9c64357aac097602&InterfaceVersion=HP_2.0&Encode=";
const OGONE_RETURN: &str = "orderID=lRXK4Rl1N2yIR3R5z7Kc&currency=EUR&amount=7%2E5&PM=CreditCard&ACCEPTANCE=test123&STATUS=9&CARDNO=XXXXXXXXXXXX9999&ED=0118&CN=Miha%EF+Serghe%EF&TRXDATE=10%2F24%2F16&PAYID=3011228911&NCERROR=0&BRAND=MasterCard&IP=80%2E12%2E92%2E47&SHASIGN=C429BE892FACFBFCE5E2CC809B102D866DD3D48C";
const PAYBOX_SIGNED: &str = "montant=1524&reference=2024-05-01T120000_ABCDEFGHJKMN!order42&code_autorisation=XXXXXX&erreur=00000&numero_appel=30310733&numero_transaction=13957441&date_transaction=20240501&heure_transaction=12:00:00";

fn paybox_return() -> (String, Vec<u8>) {
    let key = RsaPrivateKey::from_pkcs1_pem(TEST_KEY).expect("key");
    let digest: [u8; 20] = Sha1::digest(PAYBOX_SIGNED.as_bytes()).into();
    let sig = key
        .sign(Pkcs1v15Sign::new::<Sha1>(), &digest)
        .expect("signature");
    let b64 = base64::engine::general_purpose::STANDARD.encode(&sig);
    let enc: String = url::form_urlencoded::byte_serialize(b64.as_bytes()).collect();
    (format!("{PAYBOX_SIGNED}&signature={enc}"), sig)
}

fn backends(c: &mut Criterion) {
    let sp = serde_json::json!({"secret_test": "1122334455667788", "vads_site_id": "12345678",
        "normal_return_url": "https://shop.example/return"});
    bench_backend(c, "systempayv2", sp, &Incoming::get(SYSTEMPAY_RETURN));
    bench_backend(
        c,
        "sips2",
        serde_json::json!({"normal_return_url": "https://shop.example/return"}),
        &Incoming::post_form(SIPS_RETURN),
    );
    let (paybox_ret, _) = paybox_return();
    bench_backend(
        c,
        "paybox",
        serde_json::json!({"site": "1999888", "rang": "32",
        "identifiant": "107904482", "shared_secret": "0123456789ABCDEF".repeat(8),
        "normal_return_url": "https://shop.example/return", "public_key": TEST_PUBKEY}),
        &Incoming::get(paybox_ret),
    );
    bench_backend(
        c,
        "ogone",
        serde_json::json!({"pspid": "shop", "sha_in": "sécret",
        "sha_out": "sécret", "normal_return_url": "https://shop.example/return"}),
        &Incoming::get(OGONE_RETURN),
    );
    bench_backend(
        c,
        "tipi",
        serde_json::json!({"numcli": "123456",
        "automatic_return_url": "https://shop.example/notify"}),
        &Incoming::get(
            "refdet=999900000000999999&resultrans=P&montant=1524&saisie=T&numcli=123456",
        ),
    );
}

/// The bare primitives over the bytes each backend signs or checks.
fn primitives(c: &mut Criterion) {
    let sp = "INTERACTIVE+1524++eopayment+TEST+978+FR+fr+order42+PAYMENT++SINGLE+GET+12345678+20240501100000+AAAAAB++https://shop.example/return+V2+1122334455667788";
    c.bench_function("primitive/sha1 (systempay request)", |b| {
        b.iter(|| black_box(hex::encode(Sha1::digest(black_box(sp.as_bytes())))))
    });
    let sips = "merchantId=002001000000001|keyVersion=1|normalReturnUrl=https://shop.example/return|currencyCode=978|captureMode=AUTHOR_CAPTURE|transactionReference=0123456789abcdef0123456789abcdef|orderId=order42|statementReference=0123456789abcdef0123456789abcdef|amount=1524|billingContact.email=buyer@example.com002001000000001_KEY1";
    c.bench_function("primitive/sha256 (sips request)", |b| {
        b.iter(|| black_box(hex::encode(Sha256::digest(black_box(sips.as_bytes())))))
    });
    let key = hex::decode("0123456789ABCDEF".repeat(8)).expect("hex");
    let paybox = "PBX_SITE=1999888&PBX_RANG=32&PBX_IDENTIFIANT=107904482&PBX_TOTAL=1524&PBX_DEVISE=978&PBX_CMD=2024-05-01T120000_ABCDEFGHJKMN!order42&PBX_PORTEUR=buyer@example.com&PBX_RETOUR=montant:M;reference:R;code_autorisation:A;erreur:E;numero_appel:T;numero_transaction:S;date_transaction:W;heure_transaction:Q;signature:K&PBX_HASH=SHA512&PBX_TIME=2024-05-01T10:00:00+00:00&PBX_ARCHIVAGE=ABCDEFGHJKMN&PBX_EFFECTUE=https://shop.example/return&PBX_REFUSE=https://shop.example/return&PBX_ANNULE=https://shop.example/return&PBX_ATTENTE=https://shop.example/return&PBX_AUTOSEULE=N";
    c.bench_function("primitive/hmac-sha512 (paybox request)", |b| {
        b.iter(|| {
            let mut mac = <Hmac<Sha512> as Mac>::new_from_slice(&key).expect("key");
            mac.update(black_box(paybox.as_bytes()));
            black_box(hex::encode_upper(mac.finalize().into_bytes()))
        })
    });
    let public = RsaPublicKey::from_public_key_pem(TEST_PUBKEY).expect("public key");
    let (_, sig) = paybox_return();
    c.bench_function("primitive/rsa-sha1 verify (paybox response)", |b| {
        b.iter(|| {
            let digest: [u8; 20] = Sha1::digest(black_box(PAYBOX_SIGNED.as_bytes())).into();
            black_box(
                public
                    .verify(Pkcs1v15Sign::new::<Sha1>(), &digest, &sig)
                    .is_ok(),
            )
        })
    });
}

criterion_group!(benches, backends, primitives);
criterion_main!(benches);
