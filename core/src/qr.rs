//! QR codes of payment URIs (`taler://pay/…`, `bitcoin:…`), as SVG (the `qrcode` crate's SVG
//! renderer; feature `qr`).
//!
//! The SVG is rendered on demand from the intent's [`Action::Uri`] rather than stored in the
//! intent: an intent stays small (it is kept with the order and may be serialized), and the
//! picture is derived data.

use crate::{Action, Error, PaymentIntent, Result};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// The QR code of `text` (a `taler://pay/...` or `bitcoin:...` URI) as a standalone SVG
/// document, at least 200 × 200 pixels, with a quiet zone.
///
/// ```
/// let svg = polypay_core::qr_svg("bitcoin:bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu?amount=0.001")?;
/// assert!(svg.contains("<svg") && svg.contains("</svg>"));
/// # Ok::<(), polypay_core::Error>(())
/// ```
pub fn qr_svg(text: &str) -> Result<String> {
    // Medium error correction: what wallets scan reliably from screens.
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| Error::invalid_input(format!("cannot make a QR code of this URI: {e}")))?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

/// The QR code (SVG) of an intent's payment URI: what a shop shows next to the `taler://` or
/// `bitcoin:` link. Fails when the intent's action is not [`Action::Uri`].
pub fn intent_qr_svg(intent: &PaymentIntent) -> Result<String> {
    match &intent.action {
        Action::Uri { uri, .. } => qr_svg(uri),
        _ => Err(Error::invalid_input(
            "this payment intent has no payment URI to show as a QR code",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_refuses() {
        let svg = qr_svg("taler://pay/backend.example.com/instances/x/ORD-1/?c=TOKEN").unwrap();
        assert!(svg.starts_with("<?xml") && svg.contains("<svg") && svg.contains("<path"));
        let too_long = "x".repeat(5000);
        assert!(qr_svg(&too_long).is_err());
        let intent = PaymentIntent::new(
            "T",
            Action::Uri {
                uri: "taler://pay/a.example/o/".into(),
                url: None,
            },
        );
        assert!(intent_qr_svg(&intent).is_ok());
        let redirect = PaymentIntent::new(
            "T",
            Action::Redirect {
                url: "https://a.example/".parse().unwrap(),
            },
        );
        assert!(intent_qr_svg(&redirect).is_err());
    }
}
