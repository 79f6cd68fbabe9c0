//! Authentication: the legacy token, login tokens from the instance password (cached,
//! renewed before expiry and once on a 401), refusals, and secrets kept out of sight.

use polypay_core::{Error, ErrorKind, PaymentStatus, StatusQuery};
use polypay_taler::simulator::Simulator;
use serde_json::json;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_login_tokens_are_obtained_cached_and_renewed() {
    let env = env_with(
        Simulator::builder().password("pw-123").instance("shop"),
        json!({ "token": null, "password": "pw-123", "instance": "shop" }),
    )
    .await;
    let (sim, payment) = (&env.sim, &env.payment);
    payment.request(&req("1", "A1")).await.unwrap();
    payment.status(&StatusQuery::new("A1")).await.unwrap();
    assert_eq!(
        sim.hits("POST /instances/shop/private/token"),
        1,
        "{:?}",
        sim.log()
    );
    // Revoked (backend restart): a 401, a new token, the call again — once.
    sim.revoke_tokens();
    let r = payment.status(&StatusQuery::new("A1")).await.unwrap();
    assert_eq!(r.status(), PaymentStatus::Waiting);
    assert_eq!(sim.hits("POST /instances/shop/private/token"), 2);
    // Close to expiry (an hour): renewed before use, without a 401.
    let late = later(payment, 3600 - 30);
    sim.advance(3600 - 30);
    late.status(&StatusQuery::new("A1")).await.unwrap();
    assert_eq!(sim.hits("POST /instances/shop/private/token"), 3);
    assert_eq!(sim.hits("GET /instances/shop/config"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_or_token_is_a_clear_error() {
    let env = env_with(
        Simulator::builder().password("right"),
        json!({ "token": null, "password": "wrong-password" }),
    )
    .await;
    let err = env.payment.request(&req("1", "B")).await.unwrap_err();
    match &err {
        Error::Provider {
            status,
            code,
            message,
        } => {
            assert_eq!((*status, code.as_deref()), (Some(401), Some("40")));
            assert!(
                message.contains("login token") && message.contains("password"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(!format!("{err} {err:?}").contains("wrong-password"));

    let env = env_with(
        Simulator::builder(),
        json!({ "token": "secret-token:nope" }),
    )
    .await;
    let err = env.payment.request(&req("1", "C")).await.unwrap_err();
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
    assert!(err.to_string().contains("GENERIC_TOKEN_UNKNOWN"));
    assert!(!format!("{err} {err:?}").contains("nope"));
    assert_eq!(
        env.sim.hits("POST /private/orders"),
        1,
        "no retry with a static token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renewed_token_that_is_refused_again_is_an_error() {
    let env = env_with(
        Simulator::builder().password("pw"),
        json!({ "token": null, "password": "pw" }),
    )
    .await;
    env.payment.request(&req("1", "D")).await.unwrap();
    env.sim
        .script("GET", "/private/orders/D", 401, r#"{"code": 42}"#);
    env.sim
        .script("GET", "/private/orders/D", 401, r#"{"code": 42}"#);
    let err = env
        .payment
        .status(&StatusQuery::new("D"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("GENERIC_TOKEN_EXPIRED"), "{err}");
    assert_eq!(env.sim.hits("POST /private/token"), 2);
    assert_eq!(env.sim.hits("GET /private/orders/D"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_tokens_need_a_recent_backend() {
    let env = env_with(
        Simulator::builder().version("18:0:6").password("pw"),
        json!({ "token": null, "password": "pw" }),
    )
    .await;
    let err = env.payment.request(&req("1", "E")).await.unwrap_err();
    assert!(err.to_string().contains("configure `token`"), "{err}");
    assert_eq!(env.sim.hits("POST /private/token"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_and_the_token_in_headers() {
    let Env { sim, payment } = env().await;
    sim.script(
        "POST",
        "/private/orders",
        403,
        r#"{"code": 16, "hint": "scope"}"#,
    );
    match payment.request(&req("1", "F")).await.unwrap_err() {
        Error::Provider {
            status: Some(403),
            code,
            message,
        } => {
            assert_eq!(code.as_deref(), Some("16"));
            assert!(message.contains("permission"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // The backend is reached with the bearer token; Debug output of requests redacts it.
    let backend = backend(config(&sim, json!({})));
    let step = polypay_core::Backend::status(
        backend.as_ref(),
        &StatusQuery::new("F"),
        polypay_core::Context::now(),
    )
    .unwrap();
    let text = format!("{step:?}");
    assert!(!text.contains("sandbox"), "{text}");
    assert_eq!(
        payment
            .status(&StatusQuery::new("F"))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
}
