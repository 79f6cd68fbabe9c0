//! The steps every authenticated call shares: an access token (from the token store, or a
//! login `POST /token` with the client credentials), then the call itself; on
//! `AccessTokenExpired` (1004) a new token and the call again, once — what the SDKs do — and
//! the same on `InvalidAccessToken` (1007, a revoked token).
//!
//! Each operation is an [`Op`]: it names its calls by a JSON state, builds the request of a
//! state (without credentials), and reads the answer into its result or its next call. The
//! state that crosses the host is `{"phase": "login" | "main", "op": <the operation's state>,
//! "renewed": bool, "lease": bool, "token": <fingerprint of the token used>}`: never the
//! token itself.

use base64::Engine as _;
use polypay_core::{Context, Error, HttpRequest, HttpResponse, Method, Result, Secret, Step};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Chainside;
use super::errors::{ApiError, code, from_response};
use super::token::{Acquire, CachedToken};

/// What an operation does next.
pub(crate) enum Next<T> {
    /// It finished.
    Done(T),
    /// It needs the call described by this state.
    Call(Value),
}

/// One operation as a sequence of authenticated calls.
pub(crate) trait Op<T> {
    /// The first call, or the result when no call is needed.
    fn start(&self, cs: &Chainside, cx: &Context<'_>) -> Result<Next<T>>;
    /// The request of the call described by `state`, without credentials.
    fn request(&self, cs: &Chainside, state: &Value) -> Result<HttpRequest>;
    /// Reads the answer to the call described by `state`.
    fn finish(
        &self,
        cs: &Chainside,
        cx: &Context<'_>,
        state: &Value,
        response: &HttpResponse,
    ) -> Result<Next<T>>;
}

/// Runs one step of `op`.
pub(crate) fn step<T>(cs: &Chainside, cx: Context<'_>, op: &impl Op<T>) -> Result<Step<T>> {
    let Some(prior) = cx.prior else {
        return match op.start(cs, &cx)? {
            Next::Done(t) => Ok(Step::Done(t)),
            Next::Call(state) => send(cs, &cx, op, state, false, None),
        };
    };
    let response = &prior.response;
    let state = &prior.state;
    let renewed = state["renewed"].as_bool().unwrap_or(false);
    match state["phase"].as_str() {
        Some("login") => {
            let lease = state["lease"].as_bool().unwrap_or(false);
            let token = match read_login(response, &cx) {
                Ok(token) => token,
                Err(e) => {
                    if lease {
                        cs.tokens.release();
                    }
                    return Err(e);
                }
            };
            cs.tokens.store(&token, cx.now, lease);
            let request = op.request(cs, &state["op"])?;
            main(
                request,
                &token.access_token,
                &token.fingerprint(),
                state["op"].clone(),
                renewed,
            )
        }
        Some("main") => {
            let refused = !response.is_success() && {
                let e = ApiError::parse(response);
                e.is(code::ACCESS_TOKEN_EXPIRED) || e.is(code::INVALID_ACCESS_TOKEN)
            };
            if refused && !renewed {
                // The token expired early (clock skew) or was revoked (1007: the SDKs only
                // handle 1004, but a revoked token would otherwise fail every call until it
                // expires): drop it, get another, repeat the call once.
                let used = state["token"].as_str().unwrap_or_default().to_owned();
                cs.tokens.forget(&used);
                return send(cs, &cx, op, state["op"].clone(), true, Some(&used));
            }
            match op.finish(cs, &cx, &state["op"], response)? {
                Next::Done(t) => Ok(Step::Done(t)),
                Next::Call(next) => send(cs, &cx, op, next, renewed, None),
            }
        }
        _ => Err(Error::invalid_input(
            "the prior exchange does not belong to this chainside operation",
        )),
    }
}

/// Sends the operation's call with a token, logging in first when there is none to use.
fn send<T>(
    cs: &Chainside,
    cx: &Context<'_>,
    op: &impl Op<T>,
    op_state: Value,
    renewed: bool,
    avoid: Option<&str>,
) -> Result<Step<T>> {
    match cs.tokens.acquire(cx.now, avoid) {
        Acquire::Use(token, fingerprint) => {
            let request = op.request(cs, &op_state)?;
            main(request, &token, &fingerprint, op_state, renewed)
        }
        Acquire::Login { lease } => Ok(Step::Http {
            request: login_request(cs)?,
            state: json!({ "phase": "login", "op": op_state, "renewed": renewed, "lease": lease }),
        }),
    }
}

fn main<T>(
    request: HttpRequest,
    token: &Secret,
    fingerprint: &str,
    op_state: Value,
    renewed: bool,
) -> Result<Step<T>> {
    Ok(Step::Http {
        request: request.with_bearer(token.expose()),
        state: json!({ "phase": "main", "op": op_state, "renewed": renewed, "token": fingerprint }),
    })
}

/// `POST /token`: HTTP Basic with the client credentials, `grant_type=client_credentials`.
pub(crate) fn login_request(cs: &Chainside) -> Result<HttpRequest> {
    let s = &cs.settings;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        s.client_id,
        s.secret.expose()
    ));
    Ok(cs
        .api_request(Method::Post, "token")?
        .with_sensitive_header("Authorization", format!("Basic {basic}"))
        .with_form(&[("grant_type", "client_credentials"), ("scope", "*")])
        // A second login is harmless: let the host retry one that failed in transit.
        .idempotent(true))
}

#[derive(Deserialize)]
struct LoginAnswer {
    access_token: String,
    expires_in: u64,
    #[serde(default)]
    token_type: Option<String>,
}

/// Reads the login answer (`{access_token, id_token, expires_in, token_type, scope}`).
pub(crate) fn read_login(response: &HttpResponse, cx: &Context<'_>) -> Result<CachedToken> {
    if !response.is_success() {
        return Err(from_response(
            response,
            "logging in to Chainside (POST /token)",
        ));
    }
    // Never quote the body: it holds the token.
    let answer: LoginAnswer = crate::json::parse(&response.body).map_err(|_| {
        Error::malformed("the Chainside login answer has no access_token and expires_in")
    })?;
    if answer.access_token.is_empty() || answer.expires_in == 0 {
        return Err(Error::malformed(
            "the Chainside login answer has an empty access_token or expires_in",
        ));
    }
    if let Some(t) = &answer.token_type
        && !t.eq_ignore_ascii_case("bearer")
    {
        return Err(Error::malformed(format!(
            "the Chainside login answer has token_type {t:?}, not Bearer"
        )));
    }
    Ok(CachedToken {
        access_token: Secret::new(answer.access_token),
        token_type: "Bearer".into(),
        obtained_at: cx.now,
        expires_in: answer.expires_in,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use polypay_core::Timestamp;

    #[test]
    fn login_answers() {
        let cx = Context::fixed(Timestamp::from_second(1000).unwrap(), [0; 32]);
        let ok = HttpResponse::new(
            200,
            r#"{"access_token":"AT-1","id_token":"x.y.z","expires_in":3600,"token_type":"Bearer","scope":"*"}"#,
        );
        let t = read_login(&ok, &cx).unwrap();
        assert_eq!((t.access_token.expose(), t.expires_in), ("AT-1", 3600));
        for bad in [
            r#"{"access_token":"","expires_in":5}"#,
            r#"{"access_token":"A","expires_in":0}"#,
            r#"{"access_token":"A","expires_in":5,"token_type":"mac"}"#,
            r#"{"access_token":"SECRET-TOKEN"}"#,
        ] {
            let e = read_login(&HttpResponse::new(200, bad), &cx).unwrap_err();
            assert!(!e.to_string().contains("SECRET-TOKEN"), "{e}");
        }
        let e = read_login(&HttpResponse::new(401, r#"{"error_code":"1001"}"#), &cx).unwrap_err();
        assert!(e.to_string().contains("UnauthorizedClient"), "{e}");
    }
}
