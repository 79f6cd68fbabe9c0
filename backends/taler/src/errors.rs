//! From the merchant backend's error answers (`ErrorDetail`: a `TALER_EC` code and a hint) to
//! polypay's [`Error`].
//!
//! The mapping branches on the HTTP status and on the code, never on the hint (human text that
//! may change). The raw code always survives: in [`Error::Provider::code`], or in the message
//! of the other variants as `[TALER_EC 2005 MERCHANT_GENERIC_ORDER_UNKNOWN]`.
//!
//! | HTTP | polypay |
//! |---|---|
//! | 400 | `InvalidInput` (the backend refused the request as malformed: a bad deadline, a bad forget path, ...) |
//! | 401 | `Provider` (credentials refused: check `token` / `password`) |
//! | 403, code 2532 (refunds not allowed by the contract) | `Conflict` |
//! | 403, other codes | `Provider` (forbidden: the token lacks a permission) |
//! | 404 | `NotFound` |
//! | 409 | `Conflict` |
//! | 410 | `Expired` |
//! | 202 (second-factor challenge) and everything else | `Provider` (5xx is retryable) |

use polypay_core::{Error, HttpResponse, Result};
use serde::Deserialize;
use serde_json::Value;

/// The body of every non-2xx JSON answer of the merchant backend.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorDetail {
    /// The `TALER_EC_*` number; an open set.
    #[serde(default)]
    pub code: Option<i64>,
    /// Human text: log it, never branch on it.
    #[serde(default)]
    pub hint: Option<String>,
    /// More human text.
    #[serde(default)]
    pub detail: Option<String>,
}

/// Known `TALER_EC` numbers the merchant API returns, with their names (GANA registry).
const NAMES: &[(i64, &str)] = &[
    (0, "NONE"),
    (12, "GENERIC_VERSION_MALFORMED"),
    (16, "GENERIC_TOKEN_PERMISSION_INSUFFICIENT"),
    (20, "GENERIC_METHOD_INVALID"),
    (21, "GENERIC_ENDPOINT_UNKNOWN"),
    (22, "GENERIC_JSON_INVALID"),
    (23, "GENERIC_HTTP_HEADERS_MALFORMED"),
    (24, "GENERIC_PAYTO_URI_MALFORMED"),
    (25, "GENERIC_PARAMETER_MISSING"),
    (26, "GENERIC_PARAMETER_MALFORMED"),
    (30, "GENERIC_CURRENCY_MISMATCH"),
    (32, "GENERIC_UPLOAD_EXCEEDS_LIMIT"),
    (40, "GENERIC_UNAUTHORIZED"),
    (41, "GENERIC_TOKEN_UNKNOWN"),
    (42, "GENERIC_TOKEN_EXPIRED"),
    (43, "GENERIC_TOKEN_MALFORMED"),
    (50, "GENERIC_DB_SETUP_FAILED"),
    (51, "GENERIC_DB_START_FAILED"),
    (52, "GENERIC_DB_STORE_FAILED"),
    (53, "GENERIC_DB_FETCH_FAILED"),
    (54, "GENERIC_DB_COMMIT_FAILED"),
    (55, "GENERIC_DB_SOFT_FAILURE"),
    (56, "GENERIC_DB_INVARIANT_FAILURE"),
    (60, "GENERIC_INTERNAL_INVARIANT_FAILURE"),
    (61, "GENERIC_FAILED_COMPUTE_JSON_HASH"),
    (2000, "MERCHANT_GENERIC_INSTANCE_UNKNOWN"),
    (2005, "MERCHANT_GENERIC_ORDER_UNKNOWN"),
    (2006, "MERCHANT_GENERIC_PRODUCT_UNKNOWN"),
    (2008, "MERCHANT_GENERIC_DB_CONTRACT_CONTENT_INVALID"),
    (2019, "MERCHANT_GENERIC_WEBHOOK_UNKNOWN"),
    (2024, "MERCHANT_GENERIC_CURRENCY_MISMATCH"),
    (2160, "MERCHANT_POST_ORDERS_ID_PAY_ALREADY_PAID"),
    (2161, "MERCHANT_POST_ORDERS_ID_PAY_OFFER_EXPIRED"),
    (2300, "MERCHANT_POST_ORDERS_ID_CLAIM_NOT_FOUND"),
    (2301, "MERCHANT_POST_ORDERS_ID_CLAIM_ALREADY_CLAIMED"),
    (
        2500,
        "MERCHANT_PRIVATE_POST_ORDERS_INSTANCE_CONFIGURATION_LACKS_WIRE",
    ),
    (2502, "MERCHANT_PRIVATE_POST_ORDERS_PROPOSAL_PARSE_ERROR"),
    (2503, "MERCHANT_PRIVATE_POST_ORDERS_ALREADY_EXISTS"),
    (
        2504,
        "MERCHANT_PRIVATE_POST_ORDERS_REFUND_AFTER_WIRE_DEADLINE",
    ),
    (2505, "MERCHANT_PRIVATE_POST_ORDERS_DELIVERY_DATE_IN_PAST"),
    (2506, "MERCHANT_PRIVATE_POST_ORDERS_WIRE_DEADLINE_IS_NEVER"),
    (
        2510,
        "MERCHANT_PRIVATE_PATCH_ORDERS_ID_FORGET_PATH_SYNTAX_INCORRECT",
    ),
    (
        2511,
        "MERCHANT_PRIVATE_PATCH_ORDERS_ID_FORGET_PATH_NOT_FORGETTABLE",
    ),
    (2520, "MERCHANT_PRIVATE_DELETE_ORDERS_AWAITING_PAYMENT"),
    (2521, "MERCHANT_PRIVATE_DELETE_ORDERS_ALREADY_PAID"),
    (
        2530,
        "MERCHANT_PRIVATE_POST_ORDERS_ID_REFUND_INCONSISTENT_AMOUNT",
    ),
    (2531, "MERCHANT_PRIVATE_POST_ORDERS_ID_REFUND_ORDER_UNPAID"),
    (
        2532,
        "MERCHANT_PRIVATE_POST_ORDERS_ID_REFUND_NOT_ALLOWED_BY_CONTRACT",
    ),
    (
        2800,
        "MERCHANT_PRIVATE_GET_ORDERS_ID_AMOUNT_ARITHMETIC_FAILURE",
    ),
    (
        2900,
        "MERCHANT_PRIVATE_POST_WEBHOOKS_CONFLICT_WEBHOOK_EXISTS",
    ),
];

/// Codes by name, for the code that reads better with a name than a number.
pub(crate) mod code {
    pub(crate) const REFUND_NOT_ALLOWED_BY_CONTRACT: i64 = 2532;
    pub(crate) const FORGET_PATH_NOT_FORGETTABLE: i64 = 2511;
    pub(crate) const WEBHOOK_EXISTS: i64 = 2900;
}

/// The GANA name of a `TALER_EC` number, when polypay knows it.
pub fn error_name(code: i64) -> Option<&'static str> {
    NAMES
        .iter()
        .find(|(n, _)| *n == code)
        .map(|(_, name)| *name)
}

/// `[TALER_EC 2005 MERCHANT_GENERIC_ORDER_UNKNOWN]: hint (detail)`, or the HTTP status alone.
fn describe(status: u16, detail: &ErrorDetail) -> String {
    let mut out = match detail.code {
        Some(c) => match error_name(c) {
            Some(name) => format!("[HTTP {status}, TALER_EC {c} {name}]"),
            None => format!("[HTTP {status}, TALER_EC {c}]"),
        },
        None => format!("[HTTP {status}]"),
    };
    if let Some(hint) = detail.hint.as_deref().filter(|h| !h.is_empty()) {
        out.push_str(": ");
        out.push_str(hint);
    }
    if let Some(more) = detail.detail.as_deref().filter(|d| !d.is_empty()) {
        out.push_str(" (");
        out.push_str(more);
        out.push(')');
    }
    out
}

/// The error for an answer that is not the expected success. `what` says what was being done
/// (`creating order X`), for the message.
pub(crate) fn from_response(response: &HttpResponse, what: &str) -> Error {
    // A body that is not an ErrorDetail (an HTML error page from a proxy) still gets its
    // status mapped; only its code is unknown.
    let detail: ErrorDetail = serde_json::from_slice(&response.body).unwrap_or_default();
    let status = response.status;
    let text = describe(status, &detail);
    let provider = |message: String| Error::Provider {
        status: Some(status),
        code: detail.code.map(|c| c.to_string()),
        message,
    };
    match status {
        400 => Error::invalid_input(format!(
            "{what}: the merchant backend refused the request as malformed {text}"
        )),
        401 => provider(format!(
            "the merchant backend refused the credentials while {what} (check `token` or \
             `password`) {text}"
        )),
        403 if detail.code == Some(code::REFUND_NOT_ALLOWED_BY_CONTRACT) => Error::Conflict(
            format!("{what}: the contract allows no refund (zero refund delay) {text}"),
        ),
        403 => provider(format!(
            "the merchant backend forbids {what} (does the token have the permission?) {text}"
        )),
        404 => Error::NotFound(format!("{what}: unknown to the merchant backend {text}")),
        409 => Error::Conflict(format!("{what}: refused by the merchant backend {text}")),
        410 => Error::Expired(format!("{what}: too late for the merchant backend {text}")),
        202 => provider(format!(
            "{what}: the merchant backend asks for a second factor (2FA challenge); use a \
             token whose use needs none {text}"
        )),
        _ => provider(format!("{what}: unexpected answer {text}")),
    }
}

/// [`from_response`], except that a `409 Conflict` whose code `explain` knows becomes a
/// `Conflict` opening with that explanation (what the code means, what to do), followed by
/// the generic message.
pub(crate) fn conflict_explained(
    response: &HttpResponse,
    what: &str,
    explain: impl FnOnce(i64) -> Option<String>,
) -> Error {
    let generic = from_response(response, what);
    let detail: ErrorDetail = serde_json::from_slice(&response.body).unwrap_or_default();
    match detail
        .code
        .filter(|_| response.status == 409)
        .and_then(explain)
    {
        Some(explanation) => Error::Conflict(format!("{explanation} — {generic}")),
        None => generic,
    }
}

/// The entries of a `200 OK` list answer: the JSON array under `key` (`orders`), each a
/// `noun` (`order`). Another status is the backend's error for `listing the KEY`.
pub(crate) fn list_entries(response: &HttpResponse, key: &str, noun: &str) -> Result<Vec<Value>> {
    if response.status != 200 {
        return Err(from_response(response, &format!("listing the {key}")));
    }
    let mut body: Value = response.json()?;
    match body.get_mut(key).map(Value::take) {
        Some(Value::Array(entries)) => Ok(entries),
        _ => Err(Error::malformed(format!(
            "the {noun} list has no `{key}` array"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polypay_core::ErrorKind;

    fn err(status: u16, body: &str) -> Error {
        from_response(&HttpResponse::new(status, body), "getting order O1")
    }

    #[test]
    fn statuses_and_codes() {
        let e = err(404, r#"{"code": 2005, "hint": "order unknown"}"#);
        assert_eq!(e.kind(), ErrorKind::NotFound);
        let text = e.to_string();
        assert!(
            text.contains("TALER_EC 2005 MERCHANT_GENERIC_ORDER_UNKNOWN")
                && text.contains("order unknown")
                && text.contains("O1"),
            "{text}"
        );
        assert_eq!(err(409, r#"{"code": 2521}"#).kind(), ErrorKind::Conflict);
        let e = err(400, r#"{"code": 2510, "hint": "bad path"}"#);
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        assert!(
            e.to_string().contains(
                "TALER_EC 2510 MERCHANT_PRIVATE_PATCH_ORDERS_ID_FORGET_PATH_SYNTAX_INCORRECT"
            ),
            "{e}"
        );
        assert_eq!(err(410, r#"{"code": 0}"#).kind(), ErrorKind::Expired);
        assert_eq!(err(403, r#"{"code": 2532}"#).kind(), ErrorKind::Conflict);
        match err(403, r#"{"code": 16, "hint": "nope"}"#) {
            Error::Provider { status, code, .. } => {
                assert_eq!((status, code.as_deref()), (Some(403), Some("16")));
            }
            other => panic!("{other:?}"),
        }
        match err(401, r#"{"code": 41}"#) {
            Error::Provider {
                status, message, ..
            } => {
                assert_eq!(status, Some(401));
                assert!(message.contains("GENERIC_TOKEN_UNKNOWN") && message.contains("token"));
            }
            other => panic!("{other:?}"),
        }
        let e = err(503, "<html>busy</html>");
        assert!(e.is_retryable());
        assert!(matches!(e, Error::Provider { code: None, .. }));
        match err(451, r#"{"code": 99999, "detail": "kyc"}"#) {
            Error::Provider { code, message, .. } => {
                assert_eq!(code.as_deref(), Some("99999"));
                assert!(message.contains("TALER_EC 99999") && message.contains("(kyc)"));
            }
            other => panic!("{other:?}"),
        }
        assert!(err(202, "{}").to_string().contains("second factor"));
        assert_eq!(
            error_name(2503),
            Some("MERCHANT_PRIVATE_POST_ORDERS_ALREADY_EXISTS")
        );
        assert_eq!(error_name(1), None);
    }
}
