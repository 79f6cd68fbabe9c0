//! The steps every operation shares: the `GET /config` check (once per backend), the login
//! token (with a `password` configuration: obtained, cached until shortly before it expires,
//! renewed once on a 401), then the operation's own calls.
//!
//! Each operation is an [`Op`]: it names its calls by a JSON state, builds the request of a
//! state, and reads the answer into either its result or the next call. The state that crosses
//! the host is `{"phase": "config" | "token" | "main", "op": <the operation's state>,
//! "renewed": bool}`.

use std::time::Duration;

use base64::Engine as _;
use polypay_core::{
    Context, Error, HttpRequest, HttpResponse, Method, Result, Secret, Step, Timestamp,
};
use serde_json::{Value, json};

use crate::Taler;
use crate::config::Auth;
use crate::errors::from_response;
use crate::version::{LOGIN_TOKENS_SINCE, check_config};

/// What an operation does next.
pub(crate) enum Next<T> {
    /// It finished.
    Done(T),
    /// It needs the call described by this state.
    Call(Value),
}

/// One operation as a sequence of authenticated calls to the instance.
pub(crate) trait Op<T> {
    /// The first call, or the result when no call is needed.
    fn start(&self, taler: &Taler, cx: &Context<'_>) -> Result<Next<T>>;
    /// The request of the call described by `state`, without credentials.
    fn request(&self, taler: &Taler, state: &Value) -> Result<HttpRequest>;
    /// Reads the answer to the call described by `state`.
    fn finish(
        &self,
        taler: &Taler,
        cx: &Context<'_>,
        state: &Value,
        response: &HttpResponse,
    ) -> Result<Next<T>>;
}

/// A login token and when polypay stops using it.
#[derive(Debug, Clone)]
pub(crate) struct LoginToken {
    value: Secret,
    renew_after: Timestamp,
}

/// How long a requested login token lives.
const LOGIN_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);
/// Renew a login token this long before it expires.
const RENEW_MARGIN_SECONDS: i64 = 60;

/// Runs one step of `op`.
pub(crate) fn step<T>(taler: &Taler, cx: Context<'_>, op: &impl Op<T>) -> Result<Step<T>> {
    let Some(prior) = cx.prior else {
        if taler.info().is_none() {
            let url = taler.url("config")?;
            return Ok(Step::Http {
                request: HttpRequest::new(Method::Get, url),
                state: json!({ "phase": "config" }),
            });
        }
        return begin(taler, &cx, op);
    };
    let response = &prior.response;
    let state = &prior.state;
    let renewed = state["renewed"].as_bool().unwrap_or(false);
    match state["phase"].as_str() {
        Some("config") => {
            if !response.is_success() {
                return Err(from_response(response, "reading the backend's /config"));
            }
            let info = check_config(&response.body)?;
            if matches!(taler.settings.auth, Auth::Password(_)) && info.current < LOGIN_TOKENS_SINCE
            {
                return Err(Error::Provider {
                    status: None,
                    code: None,
                    message: format!(
                        "the merchant backend speaks protocol v{}, which has no login tokens \
                         (v{LOGIN_TOKENS_SINCE}+): configure `token` instead of `password`",
                        info.current
                    ),
                });
            }
            taler.set_info(info);
            begin(taler, &cx, op)
        }
        Some("token") => {
            if !response.is_success() {
                return Err(from_response(response, "obtaining a login token"));
            }
            taler.store_login(read_login(response, cx.now)?);
            send(taler, &cx, op, state["op"].clone(), renewed)
        }
        Some("main") => {
            let password_auth = matches!(taler.settings.auth, Auth::Password(_));
            if response.status == 401 && password_auth && !renewed {
                // The token expired or was revoked early: get a new one, once.
                taler.forget_login();
                return token_step(taler, state["op"].clone(), true);
            }
            match op.finish(taler, &cx, &state["op"], response)? {
                Next::Done(t) => Ok(Step::Done(t)),
                Next::Call(next) => send(taler, &cx, op, next, renewed),
            }
        }
        _ => Err(Error::invalid_input(
            "the prior exchange does not belong to this taler operation",
        )),
    }
}

fn begin<T>(taler: &Taler, cx: &Context<'_>, op: &impl Op<T>) -> Result<Step<T>> {
    match op.start(taler, cx)? {
        Next::Done(t) => Ok(Step::Done(t)),
        Next::Call(state) => send(taler, cx, op, state, false),
    }
}

/// Sends the operation's call with credentials, getting a login token first when needed.
fn send<T>(
    taler: &Taler,
    cx: &Context<'_>,
    op: &impl Op<T>,
    op_state: Value,
    renewed: bool,
) -> Result<Step<T>> {
    let bearer = match &taler.settings.auth {
        Auth::Token(token) => token.clone(),
        Auth::Password(_) => match taler.login(cx.now) {
            Some(token) => token,
            None => return token_step(taler, op_state, renewed),
        },
    };
    let request = op.request(taler, &op_state)?.with_bearer(bearer.expose());
    Ok(Step::Http {
        request,
        state: json!({ "phase": "main", "op": op_state, "renewed": renewed }),
    })
}

/// `POST private/token` with HTTP Basic (instance id and password), for a `write` token.
fn token_step<T>(taler: &Taler, op_state: Value, renewed: bool) -> Result<Step<T>> {
    let Auth::Password(password) = &taler.settings.auth else {
        return Err(Error::invalid_input("no password is configured"));
    };
    let basic = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        taler.settings.instance,
        password.expose()
    ));
    let micros = u64::try_from(LOGIN_TOKEN_LIFETIME.as_micros()).unwrap_or(u64::MAX);
    let request = HttpRequest::new(Method::Post, taler.url("private/token")?)
        .with_sensitive_header("Authorization", format!("Basic {basic}"))
        .with_json(&json!({
            "scope": "write",
            "duration": { "d_us": micros },
            "description": "polypay",
        }));
    Ok(Step::Http {
        request,
        state: json!({ "phase": "token", "op": op_state, "renewed": renewed }),
    })
}

/// Reads `{access_token | token, expiration: {t_s}}`.
fn read_login(response: &HttpResponse, now: Timestamp) -> Result<LoginToken> {
    let body: Value = response.json()?;
    let token = body["access_token"]
        .as_str()
        .or_else(|| body["token"].as_str())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| Error::malformed("the login token answer has no access_token"))?;
    let value = if token.starts_with("secret-token:") {
        Secret::new(token)
    } else {
        Secret::new(format!("secret-token:{token}"))
    };
    let renew_after = match &body["expiration"]["t_s"] {
        Value::Number(n) => n
            .as_i64()
            .and_then(|s| Timestamp::from_second(s - RENEW_MARGIN_SECONDS).ok())
            .ok_or_else(|| Error::malformed("the login token's expiration is out of range"))?,
        // "never"
        Value::String(s) if s == "never" => Timestamp::MAX,
        _ => {
            return Err(Error::malformed(
                "the login token answer has no expiration {t_s}",
            ));
        }
    };
    if renew_after <= now {
        return Err(Error::malformed(
            "the merchant backend issued a login token that expires within a minute",
        ));
    }
    Ok(LoginToken { value, renew_after })
}

impl LoginToken {
    /// The token, while it is still fresh at `now`.
    pub(crate) fn fresh(&self, now: Timestamp) -> Option<Secret> {
        (now < self.renew_after).then(|| self.value.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(s).unwrap()
    }

    #[test]
    fn login_answers() {
        let ok = HttpResponse::new(
            200,
            r#"{"access_token":"secret-token:abc","token":"secret-token:abc","scope":"write","expiration":{"t_s":10000},"refreshable":false}"#,
        );
        let t = read_login(&ok, at(1000)).unwrap();
        assert_eq!(t.fresh(at(1000)).unwrap().expose(), "secret-token:abc");
        assert!(t.fresh(at(9950)).is_none(), "renewed a minute early");
        let bare = HttpResponse::new(200, r#"{"token":"xyz","expiration":{"t_s":"never"}}"#);
        assert_eq!(
            read_login(&bare, at(0))
                .unwrap()
                .fresh(at(i64::from(i32::MAX)))
                .unwrap()
                .expose(),
            "secret-token:xyz"
        );
        for bad in [
            r#"{"expiration":{"t_s":10000}}"#,
            r#"{"access_token":"a"}"#,
            r#"{"access_token":"a","expiration":{"t_s":1030}}"#,
            "nope",
        ] {
            assert!(
                read_login(&HttpResponse::new(200, bad), at(1000)).is_err(),
                "{bad}"
            );
        }
    }
}
