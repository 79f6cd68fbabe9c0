//! OAuth: one login cached across operations, renewal before expiry (one renewal for many
//! concurrent operations), `1004` and `1007` answered by a new login and one retry, refusals.

use polypay_core::{Error, PaymentStatus, StatusQuery};
use polypay_crypto::simulator::chainside::ChainsideSimulator;
use serde_json::json;

use super::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_login_serves_every_operation() {
    let Env { sim, payment, .. } = env().await;
    let intent = payment.request(&req("2.00", "auth-1")).await.unwrap();
    payment.status(&query(&intent)).await.unwrap();
    payment.status(&query(&intent)).await.unwrap();
    assert_eq!(sim.hits("POST /token"), 1, "{:?}", sim.log());
    assert_eq!(
        sim.log(),
        [
            "POST /token".to_owned(),
            "POST /payment-order".to_owned(),
            format!("GET /payment-order/{}", uuid(&intent)),
            format!("GET /payment-order/{}", uuid(&intent)),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_or_revoked_token_means_a_new_login_and_one_retry() {
    let Env { sim, payment, .. } = env().await;
    let intent = payment.request(&req("2.00", "auth-2")).await.unwrap();
    sim.expire_tokens();
    let r = payment.status(&query(&intent)).await.unwrap();
    assert_eq!(r.status(), PaymentStatus::Waiting);
    assert_eq!(sim.hits("POST /token"), 2);
    assert_eq!(
        sim.hits(&format!("GET /payment-order/{}", uuid(&intent))),
        2
    );
    sim.revoke_tokens();
    payment.status(&query(&intent)).await.unwrap();
    assert_eq!(sim.hits("POST /token"), 3);
    // A token refused twice in a row is an error, not a loop.
    let body = r#"{"error_code":"1004","message":"expired","request_id":"rq-7"}"#;
    let path = format!("/payment-order/{}", uuid(&intent));
    sim.script("GET", &path, 401, body);
    sim.script("GET", &path, 401, body);
    match payment.status(&query(&intent)).await.unwrap_err() {
        Error::Provider {
            status,
            code,
            message,
        } => {
            assert_eq!((status, code.as_deref()), (Some(401), Some("1004")));
            assert!(message.contains("AccessTokenExpired") && message.contains("rq-7"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sim.hits("POST /token"), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_lived_tokens_are_renewed_ahead_once_for_many_operations() {
    let env = env_with(ChainsideSimulator::builder().token_lifetime(100), json!({})).await;
    let Env { sim, payment, .. } = &env;
    let intent = payment.request(&req("2.00", "auth-3")).await.unwrap();
    assert_eq!(sim.hits("POST /token"), 1);
    // 100 s tokens: used until 90 s, renewed from 70 s. At 75 s, eight concurrent
    // operations: one renews, the others keep the still-valid token.
    let late = later(payment, 75);
    let q = query(&intent);
    let runs: Vec<_> = (0..8)
        .map(|_| {
            let p = late.clone();
            let q = q.clone();
            tokio::spawn(async move { p.status(&q).await })
        })
        .collect();
    for run in runs {
        run.await.unwrap().unwrap();
    }
    assert_eq!(sim.hits("POST /token"), 2, "{:?}", sim.log());
    // Past the usable time, with the server's clock too: a new login before the call.
    sim.advance(200);
    later(payment, 200).status(&q).await.unwrap();
    assert_eq!(sim.hits("POST /token"), 3);
    // ... and before the call: no 1004 on the way.
    let log = sim.log();
    assert_eq!(log[log.len() - 2], "POST /token");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_the_server_expired_early_is_replaced() {
    // The server's clock runs ahead of polypay's: its tokens expire sooner than polypay thinks.
    let env = env_with(ChainsideSimulator::builder().token_lifetime(60), json!({})).await;
    let Env { sim, payment, .. } = &env;
    let intent = payment.request(&req("2.00", "auth-4")).await.unwrap();
    sim.advance(61);
    payment.status(&query(&intent)).await.unwrap();
    assert_eq!(sim.hits("POST /token"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_are_a_clear_error_without_the_secret() {
    let sim = ChainsideSimulator::builder().start().await.unwrap();
    let env = env_for(sim, json!({ "secret": "wrong-secret-value" }));
    let err = env
        .payment
        .request(&req("1.00", "auth-5"))
        .await
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(text.contains("1001 UnauthorizedClient"), "{text}");
    assert!(text.contains("check client_id and secret"), "{text}");
    assert!(!text.contains("wrong-secret-value"), "{text}");
    assert_eq!(env.sim.hits("POST /payment-order"), 0);
    let err = env
        .payment
        .status(&StatusQuery::new("00000000-0000-4000-8000-000000000001"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Provider {
                status: Some(401),
                ..
            }
        ),
        "{err:?}"
    );
}
