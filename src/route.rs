//! Callback routing: which configured backend instance a return or a notification belongs
//! to, for shops that give every instance the same callback URL (eopayment's `guess`).
//!
//! Each backend's [`Backend::guess`] looks at the raw request and claims it when it has the
//! shape of its own messages. Nothing is verified at this point: routing only picks the
//! instance whose `response` will then verify the message.
//!
//! Exactly one instance must claim the request. None is a [`Error::NotFound`]; several (two
//! instances of one kind, or SystemPay and PayZen, which share one wire format) is an
//! [`Error::Conflict`] naming them: such instances need callback URLs of their own
//! (`/notify/NAME`), which is what the demo shop does.
//!
//! ```
//! use polypay::prelude::*;
//! use polypay::route::guess_instance;
//!
//! let registry = Registry::builtin()?;
//! let config = polypay::config::ConfigFile::from_toml_str(r#"
//!     [backends.cards]
//!     kind = "systempayv2"
//!     vads_site_id = "12345678"
//!     secret_test = "1122334455667788"
//!     normal_return_url = "https://shop.example/return"
//!
//!     [backends.test]
//!     kind = "dummy"
//!     normal_return_url = "https://shop.example/return"
//!     secret = "change me"
//! "#)?;
//! let instances = config.build(&registry)?;
//!
//! let ret = Incoming::get("vads_ctx_mode=TEST&vads_auth_result=00&vads_trans_date=20240501100000\
//!                          &vads_trans_id=123456&signature=x");
//! let routed = guess_instance(&instances, &ret)?;
//! assert_eq!((routed.instance, routed.transaction_id.as_str()), ("cards", "20240501100000_123456"));
//!
//! let err = guess_instance(&instances, &Incoming::get("hello=world")).unwrap_err();
//! assert!(err.to_string().contains("no configured backend instance recognises"));
//! # Ok::<(), polypay::Error>(())
//! ```

use crate::config::Instances;
use crate::{Backend, Error, Incoming, Result};

/// The instance a request belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed<'a> {
    /// The instance name (as in the configuration file).
    pub instance: &'a str,
    /// The id `request` returned, as the message names it (unverified until `response`).
    pub transaction_id: String,
}

/// The instance of `instances` that `incoming` belongs to (see the module documentation).
pub fn guess_instance<'a>(instances: &'a Instances, incoming: &Incoming) -> Result<Routed<'a>> {
    guess_among(
        instances.iter().map(|(name, backend)| (name, &**backend)),
        incoming,
    )
}

/// The candidate that `incoming` belongs to, among `(instance name, backend)` pairs: for
/// applications that keep their backends elsewhere than in [`Instances`] (a `Payment` per
/// instance: `(name, &**payment.backend())`).
pub fn guess_among<'a>(
    candidates: impl IntoIterator<Item = (&'a str, &'a dyn Backend)>,
    incoming: &Incoming,
) -> Result<Routed<'a>> {
    let mut tried = Vec::new();
    let mut claims = Vec::new();
    for (name, backend) in candidates {
        tried.push(format!("{name} ({})", backend.kind()));
        if let Some(transaction_id) = backend.guess(incoming) {
            claims.push((name, backend.kind().to_owned(), transaction_id));
        }
    }
    match claims.len() {
        1 => {
            let (instance, _, transaction_id) = claims.remove(0);
            Ok(Routed {
                instance,
                transaction_id,
            })
        }
        0 => Err(Error::NotFound(format!(
            "no configured backend instance recognises this {} request (tried: {}); check the \
             callback URL set at the bank",
            incoming.method,
            if tried.is_empty() {
                "none configured".to_owned()
            } else {
                tried.join(", ")
            }
        ))),
        _ => {
            let named: Vec<String> = claims
                .iter()
                .map(|(name, kind, id)| format!("{name} ({kind}, transaction {id})"))
                .collect();
            Err(Error::Conflict(format!(
                "several backend instances claim this request: {}; give each of them its own \
                 callback URL",
                named.join(", ")
            )))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // Tests may unwrap.
mod tests {
    use super::*;
    use crate::{
        Capabilities, Context, ErrorKind, PaymentIntent, PaymentRequest, PaymentResponse, Step,
    };

    /// Claims requests whose query starts with its prefix.
    struct Claims(&'static str);

    impl Backend for Claims {
        fn kind(&self) -> &str {
            "claims"
        }
        fn capabilities(&self) -> Capabilities {
            Capabilities::new(&[])
        }
        fn request(&self, _: &PaymentRequest, _: Context<'_>) -> Result<Step<PaymentIntent>> {
            Err(Error::invalid_input("not used"))
        }
        fn response(&self, _: &Incoming, _: Context<'_>) -> Result<Step<PaymentResponse>> {
            Err(Error::invalid_input("not used"))
        }
        fn guess(&self, incoming: &Incoming) -> Option<String> {
            incoming
                .query
                .strip_prefix(self.0)
                .map(|rest| rest.to_owned())
        }
    }

    #[test]
    fn one_none_or_several() {
        let a = Claims("a=");
        let b = Claims("b=");
        let also_a = Claims("a=");
        let set = [("one", &a as &dyn Backend), ("two", &b)];
        let routed = guess_among(set, &Incoming::get("b=T42")).unwrap();
        assert_eq!(routed.instance, "two");
        assert_eq!(routed.transaction_id, "T42");

        let none = guess_among(set, &Incoming::get("c=1")).unwrap_err();
        assert_eq!(none.kind(), ErrorKind::NotFound);
        assert!(
            none.to_string()
                .contains("tried: one (claims), two (claims)"),
            "{none}"
        );

        let ambiguous = [("one", &a as &dyn Backend), ("three", &also_a)];
        let several = guess_among(ambiguous, &Incoming::get("a=T1")).unwrap_err();
        assert_eq!(several.kind(), ErrorKind::Conflict);
        let text = several.to_string();
        assert!(text.contains("one (claims, transaction T1)"), "{text}");
        assert!(text.contains("three (claims, transaction T1)"), "{text}");

        let empty = guess_among([], &Incoming::get("a=1")).unwrap_err();
        assert!(empty.to_string().contains("none configured"), "{empty}");
    }
}
