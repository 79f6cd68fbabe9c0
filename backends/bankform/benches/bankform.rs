//! Throughput of request generation and response verification for every bank-form backend,
//! next to the bare signature primitive over the same bytes (the target: within 5×),
//! and next to the "floor" the public types impose: building the owned form
//! (`Vec<(String, String)>`) or the owned `bank_data` map of the same fields, without any
//! signing, parsing or checking.
//!
//! Run with `cargo bench -p polypay-bankform`. With `POLYPAY_BENCH_RATIOS=1` it prints instead
//! the ratio of every operation to its primitive measured interleaved (see [`ratios`]), the
//! figure that a loaded machine distorts least.

use std::hint::black_box;
use std::sync::Arc;

use base64::Engine as _;
use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, Mac};
use polypay_core::{
    Action, Amount, Backend, Context, Incoming, PaymentRequest, Registry, Step, Timestamp,
};
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;
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

/// A fixed context (its time parsed once, not in every measured call).
fn cx() -> Context<'static> {
    static NOW: std::sync::OnceLock<Timestamp> = std::sync::OnceLock::new();
    let now = *NOW.get_or_init(|| "2024-05-01T10:00:00Z".parse().expect("time"));
    Context::fixed(now, [7; 32])
}

fn request() -> PaymentRequest {
    PaymentRequest::new(Amount::parse("EUR:15.24").expect("amount"))
        .with_order_id("order42")
        .with_email("buyer@example.com")
}

/// The request and response benchmarks of one backend.
fn bench_backend(c: &mut Criterion, kind: &str, b: &dyn Backend, ret: &Incoming) {
    let req = request();
    c.bench_function(&format!("{kind}/request"), |bench| {
        bench.iter(|| black_box(b.request(black_box(&req), cx()).expect("request")))
    });
    c.bench_function(&format!("{kind}/response"), |bench| {
        bench.iter(|| black_box(b.response(black_box(ret), cx()).expect("response")))
    });
}

/// The form fields of a request.
fn form(b: &dyn Backend) -> Vec<(String, String)> {
    match b.request(&request(), cx()).expect("request") {
        Step::Done(intent) => match intent.action {
            Action::Form { fields, .. } => fields.to_vec(),
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
}

/// The decoded pairs of a query string.
fn pairs(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

const SYSTEMPAY_RETURN: &str = "vads_amount=1042&vads_auth_mode=FULL&vads_auth_number=3feadf&vads_auth_result=00&vads_capture_delay=0&vads_card_brand=CB&vads_result=00&vads_card_number=497010XXXXXX0000&vads_payment_certificate=582ba2b725057618706d7a06e9e59acdbf69ff53&vads_ctx_mode=TEST&vads_currency=978&vads_effective_amount=1042&vads_site_id=70168983&vads_trans_date=20161013101355&vads_trans_id=226787&vads_trans_uuid=4b5053b3b1fe4b02a07753e7a&vads_effective_creation_date=20200330162530&signature=c17fab393f94dc027dc029510c85d5fc46c4710f";
const SIPS_RETURN: &str = "Data=captureDay%3D0%7CcaptureMode%3DAUTHOR_CAPTURE%7CcurrencyCode%3D978%7CmerchantId%3D002001000000001%7CorderChannel%3DINTERNET%7CresponseCode%3D00%7CtransactionDateTime%3D2016-02-01T17%3A44%3A20%2B01%3A00%7CtransactionReference%3D668930%7CkeyVersion%3D1%7CacquirerResponseCode%3D00%7Camount%3D1200%7CauthorisationId%3D12345%7CcardCSCResultCode%3D4E%7CpanExpiryDate%3D201605%7CpaymentMeanBrand%3DMASTERCARD%7CpaymentMeanType%3DCARD%7CcustomerIpAddress%3D82.244.203.243%7CmaskedPan%3D5100%23%23%23%23%23%23%23%23%23%23%23%2300%7CorderId%3Dd4903de7027f4d56ac01634fd7ab9526%7CholderAuthentRelegation%3DN%7CholderAuthentStatus%3D3D_ERROR%7CtransactionOrigin%3DINTERNET%7CpaymentPattern%3DONE_SHOT&Seal=6ca3247765a19b45d25ad54ef4076483e7d55583166bd5ac9c64357aac097602&InterfaceVersion=HP_2.0&Encode=";
const OGONE_RETURN: &str = "orderID=lRXK4Rl1N2yIR3R5z7Kc&currency=EUR&amount=7%2E5&PM=CreditCard&ACCEPTANCE=test123&STATUS=9&CARDNO=XXXXXXXXXXXX9999&ED=0118&CN=Miha%EF+Serghe%EF&TRXDATE=10%2F24%2F16&PAYID=3011228911&NCERROR=0&BRAND=MasterCard&IP=80%2E12%2E92%2E47&SHASIGN=C429BE892FACFBFCE5E2CC809B102D866DD3D48C";
/// The SHA-OUT string of `OGONE_RETURN` (names upper-cased, signed ones sorted, key "sécret").
const OGONE_SHA_OUT: &str = "ACCEPTANCE=test123sécretAMOUNT=7.5sécretBRAND=MasterCardsécretCARDNO=XXXXXXXXXXXX9999sécretCN=Mihaï SergheïsécretCURRENCY=EURsécretED=0118sécretIP=80.12.92.47sécretNCERROR=0sécretORDERID=lRXK4Rl1N2yIR3R5z7KcsécretPAYID=3011228911sécretPM=CreditCardsécretSTATUS=9sécretTRXDATE=10/24/16sécret";
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

/// Every backend with a signed (or, for TIPI, plain) paid return of its own.
fn setups() -> Vec<(&'static str, Arc<dyn Backend>, Incoming)> {
    let (paybox_ret, _) = paybox_return();
    vec![
        (
            "systempayv2",
            backend(
                "systempayv2",
                serde_json::json!({"secret_test": "1122334455667788", "vads_site_id": "12345678",
                "normal_return_url": "https://shop.example/return"}),
            ),
            Incoming::get(SYSTEMPAY_RETURN),
        ),
        (
            "sips2",
            backend(
                "sips2",
                serde_json::json!({"normal_return_url": "https://shop.example/return"}),
            ),
            Incoming::post_form(SIPS_RETURN),
        ),
        (
            "paybox",
            backend(
                "paybox",
                serde_json::json!({"site": "1999888", "rang": "32",
                "identifiant": "107904482", "shared_secret": "0123456789ABCDEF".repeat(8),
                "normal_return_url": "https://shop.example/return", "public_key": TEST_PUBKEY}),
            ),
            Incoming::get(paybox_ret),
        ),
        (
            "ogone",
            backend(
                "ogone",
                serde_json::json!({"pspid": "shop", "sha_in": "sécret",
                "sha_out": "sécret", "normal_return_url": "https://shop.example/return"}),
            ),
            Incoming::get(OGONE_RETURN),
        ),
        (
            "tipi",
            backend(
                "tipi",
                serde_json::json!({"numcli": "123456",
                "automatic_return_url": "https://shop.example/notify"}),
            ),
            Incoming::get(
                "refdet=999900000000999999&resultrans=P&montant=1524&saisie=T&numcli=123456",
            ),
        ),
    ]
}

fn backends(c: &mut Criterion) {
    let setups = setups();
    let signed = [0, 1, 2, 3].map(|i| &*setups[i].1);
    let primitives = primitives(signed);
    if std::env::var_os("POLYPAY_BENCH_RATIOS").is_some() {
        ratios(&setups, &primitives);
        return;
    }
    for (kind, b, ret) in &setups {
        bench_backend(c, kind, &**b, ret);
    }
    bench_primitives(c, &primitives);
    floors(c, signed[0]);
}

/// The latin-1 bytes of text that has them.
fn latin1(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| u8::try_from(u32::from(c)).expect("latin-1"))
        .collect()
}

/// A bare primitive over the bytes one backend operation signs or checks.
struct Primitive {
    /// The criterion name.
    name: &'static str,
    /// The backend operation (`kind/request`, `kind/response`) it stands next to.
    next_to: &'static str,
    /// One computation.
    run: Box<dyn Fn()>,
}

/// The bare primitives over the bytes each backend signs or checks.
fn primitives([systempay, sips, paybox, ogone]: [&dyn Backend; 4]) -> Vec<Primitive> {
    let mut out = Vec::new();
    let mut add = |name, next_to, run: Box<dyn Fn()>| out.push(Primitive { name, next_to, run });
    // SystemPay: SHA-1 of the vads values sorted by name, joined by "+", then the secret.
    let signing = |fields: &[(String, String)]| {
        let mut vads: Vec<&(String, String)> = fields
            .iter()
            .filter(|(n, _)| n.starts_with("vads_"))
            .collect();
        vads.sort_by(|a, b| a.0.cmp(&b.0));
        vads.iter()
            .map(|(_, v)| format!("{v}+"))
            .collect::<String>()
            + "1122334455667788"
    };
    let sp_request = signing(&form(systempay));
    add(
        "primitive/sha1 (systempay request)",
        "systempayv2/request",
        Box::new(move || {
            black_box(hex::encode(Sha1::digest(black_box(sp_request.as_bytes()))));
        }),
    );
    let sp_return = signing(&pairs(SYSTEMPAY_RETURN));
    add(
        "primitive/sha1 (systempay response)",
        "systempayv2/response",
        Box::new(move || {
            black_box(hex::encode(Sha1::digest(black_box(sp_return.as_bytes()))));
        }),
    );
    // Sips: SHA-256 of Data then the secret key (the public simulation key here).
    let key = polypay_bankform::sips2::SIMULATION_SECRET_KEY;
    let sips = form(sips)
        .into_iter()
        .find(|(n, _)| n == "Data")
        .expect("Data")
        .1
        + key;
    add(
        "primitive/sha256 (sips request)",
        "sips2/request",
        Box::new(move || {
            black_box(hex::encode(Sha256::digest(black_box(sips.as_bytes()))));
        }),
    );
    let data = pairs(SIPS_RETURN)
        .into_iter()
        .find(|(n, _)| n == "Data")
        .expect("Data")
        .1
        + key;
    add(
        "primitive/sha256 (sips response)",
        "sips2/response",
        Box::new(move || {
            black_box(hex::encode(Sha256::digest(black_box(data.as_bytes()))));
        }),
    );
    // Paybox: HMAC-SHA-512 of the fields; RSA-SHA1 verification of the return.
    let key = hex::decode("0123456789ABCDEF".repeat(8)).expect("hex");
    let paybox = form(paybox)
        .iter()
        .filter(|(n, _)| n != "PBX_HMAC")
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    add(
        "primitive/hmac-sha512 (paybox request)",
        "paybox/request",
        Box::new(move || {
            let mut mac = <Hmac<Sha512> as Mac>::new_from_slice(&key).expect("key");
            mac.update(black_box(paybox.as_bytes()));
            black_box(hex::encode_upper(mac.finalize().into_bytes()));
        }),
    );
    let public = RsaPublicKey::from_public_key_pem(TEST_PUBKEY).expect("public key");
    let (_, sig) = paybox_return();
    let (n, e) = (public.n().to_bytes_be(), public.e().to_bytes_be());
    let rsa_sig = sig.clone();
    add(
        "primitive/rsa-sha1 verify, ring (paybox response)",
        "paybox/response",
        Box::new(move || {
            black_box(
                ring::signature::RsaPublicKeyComponents { n: &n, e: &e }
                    .verify(
                        &ring::signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
                        black_box(PAYBOX_SIGNED.as_bytes()),
                        &rsa_sig,
                    )
                    .is_ok(),
            );
        }),
    );
    add(
        "primitive/rsa-sha1 verify, rsa crate (before)",
        "",
        Box::new(move || {
            let digest: [u8; 20] = Sha1::digest(black_box(PAYBOX_SIGNED.as_bytes())).into();
            black_box(
                public
                    .verify(Pkcs1v15Sign::new::<Sha1>(), &digest, &sig)
                    .is_ok(),
            );
        }),
    );
    // Ogone: SHA-1 of NAME=value+key for the signed fields sorted by name, in latin-1 (every
    // field polypay sends is signed); returns are checked over latin-1 and UTF-8 bytes.
    let mut fields: Vec<(String, String)> = form(ogone)
        .into_iter()
        .filter(|(n, v)| n != "SHASIGN" && !v.is_empty())
        .collect();
    fields.sort();
    let sha_in = latin1(
        &fields
            .iter()
            .map(|(n, v)| format!("{n}={v}sécret"))
            .collect::<String>(),
    );
    add(
        "primitive/sha1 (ogone request)",
        "ogone/request",
        Box::new(move || {
            black_box(hex::encode_upper(Sha1::digest(black_box(&sha_in))));
        }),
    );
    let sha_out_latin1 = latin1(OGONE_SHA_OUT);
    add(
        "primitive/2 x sha1 (ogone response)",
        "ogone/response",
        Box::new(move || {
            black_box(Sha1::digest(black_box(OGONE_SHA_OUT.as_bytes())));
            black_box(Sha1::digest(black_box(&sha_out_latin1)));
        }),
    );
    out
}

/// One measured call.
type Op<'a> = Box<dyn Fn() + 'a>;

/// Each primitive as a criterion benchmark.
fn bench_primitives(c: &mut Criterion, primitives: &[Primitive]) {
    for p in primitives {
        c.bench_function(p.name, |b| b.iter(|| (p.run)()));
    }
}

/// The ratio of each backend operation to its primitive, measured interleaved: every round
/// runs a short batch of the operation then a short batch of the primitive, so both see the
/// same machine (on a shared machine the load drifts faster than criterion's benchmarks run,
/// and a batch of a few hundred microseconds is rarely preempted). Prints the ratio of the
/// fastest batches of each (the least disturbed by other work: load slows the operation,
/// which touches more memory, more than the primitive) and the median of the per-round
/// ratios. Enabled by `POLYPAY_BENCH_RATIOS=1`.
fn ratios(setups: &[(&'static str, Arc<dyn Backend>, Incoming)], primitives: &[Primitive]) {
    const ROUNDS: usize = 201;
    const BATCH: u32 = 64;
    let per_call = |f: &dyn Fn()| {
        let start = std::time::Instant::now();
        for _ in 0..BATCH {
            f();
        }
        start.elapsed().as_nanos() as f64 / f64::from(BATCH)
    };
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let req = request();
    for (kind, b, ret) in setups {
        let ops: [(&str, Op<'_>); 2] = [
            (
                "request",
                Box::new(|| {
                    black_box(b.request(black_box(&req), cx()).expect("request"));
                }),
            ),
            (
                "response",
                Box::new(|| {
                    black_box(b.response(black_box(ret), cx()).expect("response"));
                }),
            ),
        ];
        for (op, run) in ops {
            let name = format!("{kind}/{op}");
            let Some(p) = primitives.iter().find(|p| p.next_to == name) else {
                continue;
            };
            // Warm up (caches, branch predictors, the CPU's clock) before measuring.
            for _ in 0..20 {
                per_call(&*run);
                per_call(&*p.run);
            }
            let (mut ours, mut bare, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
            for _ in 0..ROUNDS {
                let a = per_call(&*run);
                let b = per_call(&*p.run);
                ours.push(a);
                bare.push(b);
                ratio.push(a / b);
            }
            let fastest = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
            println!(
                "ratio {name}: {:.2}x the primitive, fastest batches ({:.2} µs / {:.2} µs); \
                 median of the ratios {:.2}x ({ROUNDS} interleaved rounds of {BATCH} calls)",
                fastest(&ours) / fastest(&bare),
                fastest(&ours) / 1000.0,
                fastest(&bare) / 1000.0,
                median(ratio),
            );
        }
    }
}

/// What the public types cost by themselves: the owned form of a SystemPay request, and the
/// owned `bank_data` of a SystemPay return, built from fields at hand (as the
/// `serde_json::Map` it was, and as the `BankData` it is).
fn floors(c: &mut Criterion, systempay: &dyn Backend) {
    let fields = form(systempay);
    let url = url::Url::parse("https://paiement.systempay.fr/vads-payment/").expect("url");
    let names: Vec<&str> = fields.iter().map(|(n, _)| n.as_str()).collect();
    let values: Vec<&str> = fields.iter().map(|(_, v)| v.as_str()).collect();
    c.bench_function(
        "floor/Vec<(String, String)> form of the systempay request",
        |b| {
            b.iter(|| {
                let mut form = Vec::with_capacity(names.len());
                for (n, v) in names.iter().zip(&values) {
                    form.push((String::from(*n), String::from(*v)));
                }
                black_box((url.clone(), form))
            })
        },
    );
    let ret = pairs(SYSTEMPAY_RETURN);
    c.bench_function("floor/FormFields of the systempay request", |b| {
        b.iter(|| {
            let bytes = names
                .iter()
                .zip(&values)
                .map(|(n, v)| n.len() + v.len())
                .sum();
            let mut form = polypay_core::FormFields::with_capacity(names.len(), bytes);
            for (n, v) in names.iter().zip(&values) {
                form.push(n, v);
            }
            black_box((url.clone(), form))
        })
    });
    c.bench_function("floor/owned bank_data of the systempay response", |b| {
        b.iter(|| {
            let mut map = serde_json::Map::with_capacity(ret.len());
            for (n, v) in &ret {
                map.insert(
                    n.as_str().into(),
                    serde_json::Value::String(v.as_str().into()),
                );
            }
            black_box(map)
        })
    });
    c.bench_function("floor/BankData of the systempay response", |b| {
        b.iter(|| black_box(polypay_core::BankData::from_text_pairs(black_box(&ret))))
    });
}

criterion_group!(benches, backends);
criterion_main!(benches);
