//! [`DummyFactory`]: the dummy's self-description and its registration.

use std::sync::Arc;

use polypay_core::{Backend, BackendFactory, Description, Result, parse_config};

use crate::backend::{DummyBackend, KIND};
use crate::config::{DummyConfig, DummyTransaction};

/// Builds dummy backends from a flat configuration map, and describes their parameters.
///
/// Registered with `polypay_core::register_backend!`, so `Registry::from_inventory()` knows
/// the `dummy` kind once this crate is linked (call [`crate::link`] to make sure it is).
///
/// ```
/// use polypay_core::BackendFactory;
/// use polypay_dummy::DummyFactory;
/// let description = DummyFactory.description();
/// assert_eq!(description.kind, "dummy");
/// assert!(description.parameter("secret").unwrap().secret);
/// let config = serde_json::json!({"normal_return_url": "https://shop.example/r", "secret": "k"});
/// let backend = DummyFactory.build(config.as_object().unwrap())?;
/// assert_eq!(backend.kind(), "dummy");
/// # Ok::<(), polypay_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct DummyFactory;

impl BackendFactory for DummyFactory {
    fn kind(&self) -> &str {
        KIND
    }

    fn description(&self) -> Description {
        Description::from_types::<DummyConfig, DummyTransaction>(
            KIND,
            "Dummy payment backend",
            DummyBackend::capabilities(),
        )
    }

    fn build(
        &self,
        config: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Arc<dyn Backend>> {
        let config: DummyConfig = parse_config(&self.description(), config)?;
        Ok(Arc::new(DummyBackend::new(config)?))
    }
}

polypay_core::register_backend!(DummyFactory);

#[cfg(test)]
mod tests {
    use super::*;
    use polypay_core::{Error, ParamKind, Registry, Scope};
    use serde_json::json;

    #[test]
    fn description_lists_eopayment_names_and_polypay_additions() {
        let d = DummyFactory.description();
        assert_eq!(d.caption, "Dummy payment backend");
        let names: Vec<&str> = d.parameters.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "normal_return_url",
                "automatic_return_url",
                "direct_notification_url",
                "dummy_service_url",
                "origin",
                "consider_all_response_signed",
                "number",
                "choice",
                "choices",
                "capture_day",
                "secret",
                "authorization_validity_days",
                "info1",
                "info2",
                "info3"
            ]
        );
        let p = |n: &str| d.parameter(n).unwrap();
        assert_eq!(p("normal_return_url").caption, "Normal return URL");
        assert!(p("normal_return_url").required && p("normal_return_url").kind == ParamKind::Url);
        assert!(
            p("normal_return_url")
                .help
                .as_deref()
                .unwrap()
                .contains("browser")
        );
        assert_eq!(
            p("dummy_service_url").default,
            Some(json!(crate::config::DEFAULT_SERVICE_URL))
        );
        assert_eq!(p("origin").default, Some(json!("origin")));
        assert_eq!(p("consider_all_response_signed").kind, ParamKind::Boolean);
        assert_eq!(p("choice").choices.len(), 2);
        assert_eq!(
            (p("choices").kind, p("choices").choices.len()),
            (ParamKind::List, 2)
        );
        assert!(p("secret").secret && !p("secret").required);
        assert_eq!(p("authorization_validity_days").default, Some(json!(7)));
        assert!(p("direct_notification_url").deprecated);
        assert_eq!(p("info1").scope, Scope::Transaction);
        assert!(d.help.as_deref().unwrap().contains("compatibility mode"));
        assert!(d.capabilities.test_only);
    }

    #[test]
    fn build_reports_config_errors() {
        let err = DummyFactory.build(&serde_json::Map::new()).err().unwrap();
        assert!(matches!(err, Error::Config(_)), "{err}");
        assert!(err.to_string().contains("normal_return_url"), "{err}");
        let both = json!({"normal_return_url": "https://x.example/", "secret": "k",
                          "consider_all_response_signed": true});
        let err = DummyFactory.build(both.as_object().unwrap()).err().unwrap();
        assert!(
            err.to_string().contains("consider_all_response_signed"),
            "{err}"
        );
    }

    #[test]
    fn registered_through_inventory() {
        let registry = Registry::from_inventory().unwrap();
        assert!(registry.kinds().contains(&"dummy".to_owned()));
        let config = json!({"normal_return_url": "https://x.example/"});
        assert_eq!(
            registry
                .build("dummy", config.as_object().unwrap())
                .unwrap()
                .kind(),
            "dummy"
        );
    }
}
