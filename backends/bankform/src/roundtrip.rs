//! Every kind, end to end against the bank simulator: request, signed answer, response; every
//! signed field flipped; hostile input.

use polypay_core::{
    Amount, Backend, Context, Incoming, PaymentRequest, PaymentStatus, Registry, Timestamp,
};

use crate::simulator::{KINDS, answer, config, incoming};

fn backend(kind: &str) -> std::sync::Arc<dyn Backend> {
    crate::link();
    Registry::from_inventory()
        .unwrap()
        .build(kind, &config(kind))
        .unwrap()
}

fn cx() -> Context<'static> {
    Context::fixed(
        "2024-05-01T10:00:00Z".parse::<Timestamp>().unwrap(),
        [8; 32],
    )
}

fn request() -> PaymentRequest {
    PaymentRequest::new(Amount::parse("EUR:15.24").unwrap())
        .with_email("buyer@example.com")
        .with_order_id("order42")
}

#[test]
fn every_outcome_round_trips() {
    let amount = Amount::parse("EUR:15.24").unwrap();
    for kind in KINDS {
        let b = backend(kind);
        let intent = b.request(&request(), cx()).unwrap().done().unwrap();
        for status in [
            PaymentStatus::Paid,
            PaymentStatus::Denied,
            PaymentStatus::Cancelled,
        ] {
            let (q, _) = answer(kind, &intent, &amount, status);
            let r = b
                .response(&incoming(kind, q), cx())
                .unwrap()
                .done()
                .unwrap();
            assert_eq!(
                r.order_id.as_deref(),
                Some(intent.transaction_id.as_str()),
                "{kind}"
            );
            assert_eq!(r.amount, Some(amount), "{kind}");
            if kind == "tipi" {
                assert!(!r.is_verified());
                assert_eq!(r.claimed_status(), Some(status), "{kind}");
            } else {
                assert!(r.is_verified(), "{kind} {status}");
                assert_eq!(r.status(), status, "{kind}");
                if status == PaymentStatus::Paid {
                    r.check(&amount, &intent.transaction_id).unwrap();
                }
            }
            assert_eq!(
                b.guess(&incoming(kind, answer(kind, &intent, &amount, status).0))
                    .as_deref(),
                Some(intent.transaction_id.as_str()),
                "{kind}"
            );
        }
    }
}

/// Replaces the value of `name` in a query string with a changed one.
fn flip(query: &str, name: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((n, v)) if n == name => {
                let changed = match v.strip_suffix('1') {
                    Some(rest) => format!("{rest}2"),
                    None => format!("{}1", v.get(..v.len().saturating_sub(1)).unwrap_or("")),
                };
                format!("{n}={changed}")
            }
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[test]
fn every_signed_field_flipped_fails_verification() {
    let amount = Amount::parse("EUR:15.24").unwrap();
    for kind in KINDS.into_iter().filter(|k| *k != "tipi") {
        let b = backend(kind);
        let intent = b.request(&request(), cx()).unwrap().done().unwrap();
        let (q, signed) = answer(kind, &intent, &amount, PaymentStatus::Paid);
        assert!(!signed.is_empty());
        for name in signed {
            let forged = flip(&q, &name);
            assert_ne!(forged, q, "{kind} {name}");
            // An error is fine too; a verified answer is not.
            if let Ok(step) = b.response(&incoming(kind, forged), cx()) {
                let r = step.done().unwrap();
                assert!(!r.is_verified(), "{kind}: {name} flipped still verifies");
                assert!(!r.is_paid());
            }
        }
        // The signature itself removed.
        let sig_name = match kind {
            "sips2" => "Seal",
            "ogone" => "SHASIGN",
            _ => "signature",
        };
        let unsigned: Vec<&str> = q
            .split('&')
            .filter(|p| !p.starts_with(&format!("{sig_name}=")))
            .collect();
        if let Ok(step) = b.response(&incoming(kind, unsigned.join("&")), cx()) {
            assert!(!step.done().unwrap().is_paid(), "{kind}");
        }
    }
}

#[test]
fn hostile_input_gives_errors_not_panics() {
    let amount = Amount::parse("EUR:15.24").unwrap();
    for kind in KINDS {
        let b = backend(kind);
        let intent = b.request(&request(), cx()).unwrap().done().unwrap();
        let (q, _) = answer(kind, &intent, &amount, PaymentStatus::Paid);
        let mut inputs: Vec<Incoming> = Vec::new();
        // Truncated at every position.
        for cut in 0..q.len() {
            if q.is_char_boundary(cut) {
                inputs.push(incoming(kind, q[..cut].to_owned()));
            }
        }
        let first = q.split('&').next().unwrap();
        inputs.push(incoming(kind, format!("{q}&{first}")));
        inputs.push(incoming(kind, format!("{first}&{q}")));
        inputs.push(incoming(kind, q.replacen('=', "=%zz", 3)));
        inputs.push(incoming(kind, q.replace('=', "=%ff")));
        inputs.push(incoming(kind, q.replace('&', "&&=&")));
        inputs.push(incoming(kind, format!("{q}&x={}", "A".repeat(100_000))));
        inputs.push(incoming(kind, "%".repeat(5000)));
        inputs.push(Incoming::post_form(vec![0xff, 0xfe, b'=', 0x80]));
        inputs.push(Incoming::post_form(
            q.as_bytes().iter().map(|b| b ^ 0x80).collect::<Vec<u8>>(),
        ));
        inputs.push(Incoming::new(
            "POST",
            "",
            vec![("content-type".into(), "application/json".into())],
            "{}",
        ));
        for input in inputs {
            if let Ok(step) = b.response(&input, cx()) {
                let r = step.done().unwrap();
                // Only the genuine, complete message may verify as paid.
                if r.is_paid() {
                    let genuine = b
                        .response(&incoming(kind, q.clone()), cx())
                        .unwrap()
                        .done()
                        .unwrap();
                    assert_eq!(r.order_id, genuine.order_id, "{kind}");
                    assert_eq!(r.amount, genuine.amount, "{kind}");
                }
            }
        }
    }
}

#[test]
fn every_kind_describes_itself() {
    crate::link();
    let registry = Registry::from_inventory().unwrap();
    for kind in KINDS {
        let d = registry.describe(kind).unwrap();
        assert!(d.parameters.iter().all(|p| !p.caption.is_empty()), "{kind}");
        let template = d.toml_template("shop");
        let parsed: toml::Table =
            toml::from_str(&template).unwrap_or_else(|e| panic!("{kind}: {e}\n{template}"));
        assert_eq!(parsed["backends"]["shop"]["kind"].as_str(), Some(kind));
        assert!(
            d.html_form(
                "/configure",
                &serde_json::Map::new(),
                &polypay_core::ConfigErrors::default()
            )
            .contains("<form"),
            "{kind}"
        );
        // The test configuration is valid as a whole.
        assert!(
            d.validate(&config(kind)).is_empty(),
            "{kind}: {:?}",
            d.validate(&config(kind))
        );
    }
}
