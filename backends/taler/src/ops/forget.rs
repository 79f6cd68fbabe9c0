//! `forget`: `PATCH private/orders/$ID/forget` with `{"fields": ["$.path", ...]}` erases
//! contract fields the order marked forgettable (personal data kept out of the merchant's
//! records once it is no longer needed; the contract's hash stays valid because the backend
//! keeps a salted hash of each erased value).
//!
//! A path starts with `$.`, names object fields separated by dots, may step into arrays with
//! `[N]` or `[*]`, and must end with a field name (not an array index), e.g.
//! `$.extra.customer_email` or `$.products[*].description`. polypay checks that syntax before
//! sending; the backend answers `204`, or `400` (code 2510, syntax), `409` (code 2511, a field
//! that was not marked forgettable) or `404` (code 2005, unknown order).

use polypay_core::{Context, Error, HttpRequest, HttpResponse, Method, Result};
use serde_json::{Value, json};

use crate::Taler;
use crate::errors::{code, conflict_explained};
use crate::flow::{Next, Op};

/// The `forget` operation.
pub(crate) struct ForgetOp<'a> {
    order_id: &'a str,
    fields: &'a [&'a str],
}

impl<'a> ForgetOp<'a> {
    pub(crate) fn new(order_id: &'a str, fields: &'a [&'a str]) -> Self {
        ForgetOp { order_id, fields }
    }
}

/// Whether `path` is a forget path: `$.` then dot-separated field names, each optionally
/// followed by one `[N]` or `[*]`, the last one without.
pub(crate) fn valid_forget_path(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("$.") else {
        return false;
    };
    let segments: Vec<&str> = rest.split('.').collect();
    let last = segments.len() - 1;
    segments.iter().enumerate().all(|(i, segment)| {
        let (name, index) = match segment.split_once('[') {
            Some((name, tail)) => match tail.strip_suffix(']') {
                Some(inner) => (name, Some(inner)),
                None => return false,
            },
            None => (*segment, None),
        };
        let name_ok = !name.is_empty() && !name.contains([']', '[', '$']);
        let index_ok = match index {
            None => true,
            Some(_) if i == last => false,
            Some("*") => true,
            Some(n) => !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()),
        };
        name_ok && index_ok
    })
}

impl Op<()> for ForgetOp<'_> {
    fn start(&self, _taler: &Taler, _cx: &Context<'_>) -> Result<Next<()>> {
        super::order_id(self.order_id)?;
        if self.fields.is_empty() {
            return Err(Error::invalid_input("forget needs at least one field path"));
        }
        if let Some(bad) = self.fields.iter().find(|p| !valid_forget_path(p)) {
            return Err(Error::invalid_input(format!(
                "{bad:?} is not a forget path: write $.field or $.a.b, stepping into arrays \
                 with [N] or [*], and end with a field name"
            )));
        }
        Ok(Next::Call(Value::Null))
    }

    fn request(&self, taler: &Taler, _state: &Value) -> Result<HttpRequest> {
        let url = taler.url(&format!("private/orders/{}/forget", self.order_id))?;
        Ok(HttpRequest::new(Method::Patch, url)
            .with_json(&json!({ "fields": self.fields }))
            // Forgetting twice leaves the same contract: safe to resend.
            .idempotent(true))
    }

    fn finish(
        &self,
        _taler: &Taler,
        _cx: &Context<'_>,
        _state: &Value,
        response: &HttpResponse,
    ) -> Result<Next<()>> {
        if response.is_success() {
            return Ok(Next::Done(()));
        }
        let what = format!("forgetting fields of order {}", self.order_id);
        Err(conflict_explained(response, &what, |c| {
            (c == code::FORGET_PATH_NOT_FORGETTABLE).then(|| {
                format!(
                    "{what}: a field is not marked forgettable in the contract (mark it with \
                     `_forgettable` when creating the order)"
                )
            })
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forget_paths() {
        for good in [
            "$.a",
            "$.extra.customer_email",
            "$.products[*].description",
            "$.products[0].taxes[1].name",
            "$.delivery_location.street",
        ] {
            assert!(valid_forget_path(good), "{good}");
        }
        for bad in [
            "",
            "$",
            "$.",
            "a.b",
            "$..a",
            "$.a.",
            "$.a[0]",
            "$.a[*]",
            "$.a[x].b",
            "$.a[].b",
            "$.a[0",
            "$.a]0[.b",
            "$.$.a",
            "$.a[0][1].b",
        ] {
            assert!(!valid_forget_path(bad), "{bad}");
        }
    }
}
