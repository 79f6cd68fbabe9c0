//! The `vads_*` fields of the payment form: their type and length, checked before signing.

use polypay_core::BankData;

/// The character class of a field's value (the bank's type letters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `n`: digits.
    Numeric,
    /// `a`: letters.
    Alpha,
    /// `an`: letters and digits.
    Alnum,
    /// `an-`: letters, digits and `-`.
    AlnumDash,
    /// `an;`: letters, digits and `;` (and `_`, which card brand names use).
    AlnumSemicolon,
    /// `ans` and anything else: not checked.
    Any,
}

/// One field: name, kind, exact or maximal length, allowed values.
pub(crate) struct Spec {
    pub(crate) name: &'static str,
    pub(crate) kind: Kind,
    pub(crate) exact: Option<usize>,
    pub(crate) max: Option<usize>,
    pub(crate) choices: &'static [&'static str],
}

const fn spec(
    name: &'static str,
    kind: Kind,
    exact: Option<usize>,
    max: Option<usize>,
    choices: &'static [&'static str],
) -> Spec {
    Spec {
        name,
        kind,
        exact,
        max,
        choices,
    }
}

use Kind::*;

/// The fields polypay knows, sorted by name (looked up through [`INDEX`]). Other `vads_*`
/// fields are accepted, unchecked beyond a length of 1024 characters (the longest the bank
/// documents), and signed.
pub(crate) const SPECS: &[Spec] = &[
    spec(
        "vads_action_mode",
        Any,
        None,
        None,
        &["INTERACTIVE", "SILENT"],
    ),
    spec("vads_amount", Numeric, None, Some(12), &[]),
    spec("vads_capture_delay", Numeric, None, Some(3), &[]),
    spec("vads_contracts", Any, None, Some(255), &[]),
    spec("vads_contrib", Any, None, Some(255), &[]),
    spec("vads_ctx_mode", Alpha, None, None, &["TEST", "PRODUCTION"]),
    spec("vads_currency", Numeric, Some(3), None, &[]),
    // The bank's type is `an`, but addresses have spaces: eopayment's check rejects every
    // real address (D11), polypay checks only the length.
    spec("vads_cust_address", Any, None, Some(255), &[]),
    spec("vads_cust_city", Any, None, Some(63), &[]),
    spec("vads_cust_country", Alpha, Some(2), None, &[]),
    spec("vads_cust_email", Any, None, Some(127), &[]),
    spec("vads_cust_first_name", Any, None, Some(63), &[]),
    spec("vads_cust_id", Any, None, Some(63), &[]),
    spec("vads_cust_last_name", Any, None, Some(63), &[]),
    spec("vads_cust_name", Any, None, Some(127), &[]),
    spec("vads_cust_phone", Any, None, Some(63), &[]),
    spec("vads_cust_title", Any, None, Some(63), &[]),
    spec("vads_cust_zip", Any, None, Some(63), &[]),
    spec("vads_language", Alpha, Some(2), None, &[]),
    spec("vads_order_id", AlnumDash, None, Some(32), &[]),
    spec("vads_order_info", Any, None, Some(255), &[]),
    spec("vads_order_info2", Any, None, Some(255), &[]),
    spec("vads_order_info3", Any, None, Some(255), &[]),
    spec("vads_page_action", Any, None, None, &["PAYMENT"]),
    spec("vads_payment_cards", AlnumSemicolon, None, Some(127), &[]),
    spec("vads_payment_config", Any, None, None, &["SINGLE", "MULTI"]),
    spec(
        "vads_return_mode",
        Any,
        None,
        None,
        &["", "NONE", "POST", "GET"],
    ),
    spec("vads_site_id", Numeric, Some(8), None, &[]),
    spec("vads_theme_config", Any, None, Some(255), &[]),
    spec("vads_trans_date", Numeric, Some(14), None, &[]),
    spec("vads_trans_id", Alnum, Some(6), None, &[]),
    spec("vads_url_cancel", Any, None, Some(1024), &[]),
    spec("vads_url_check", Any, None, Some(1024), &[]),
    spec("vads_url_error", Any, None, Some(1024), &[]),
    spec("vads_url_referral", Any, None, Some(127), &[]),
    spec("vads_url_refused", Any, None, Some(1024), &[]),
    spec("vads_url_return", Any, None, Some(1024), &[]),
    spec("vads_url_success", Any, None, Some(1024), &[]),
    spec("vads_user_info", Any, None, Some(255), &[]),
    spec(
        "vads_validation_mode",
        Numeric,
        None,
        Some(1),
        &["", "0", "1"],
    ),
    spec("vads_version", Any, None, None, &["V2"]),
];

/// Longest value accepted for a field polypay does not know.
const MAX_UNKNOWN: usize = 1024;

/// The slot of the hash index a name starts its probe at: the top bits of its
/// [`BankData::name_fingerprint`] (its length and first and last eight bytes, two loads;
/// hashing every byte of the name cost more than the rest of a check). Usable in constants.
const fn home(name: &str) -> usize {
    (BankData::name_fingerprint(name) >> (64 - SLOTS.trailing_zeros())) as usize
}

/// Slots of the hash index of [`SPECS`] (a power of two, about three times the number of
/// specs, so that probes are short).
const SLOTS: usize = 128;

/// An empty slot.
const EMPTY: u8 = u8::MAX;

/// Open-addressing index of [`SPECS`] by a hash of the name ([`home`]), built at compile time:
/// finding a field's spec costs one hash and, almost always, one comparison.
const INDEX: [u8; SLOTS] = {
    assert!(SPECS.len() < SLOTS / 2 && SLOTS.is_power_of_two());
    let mut index = [EMPTY; SLOTS];
    let mut k = 0;
    while k < SPECS.len() {
        let mut slot = home(SPECS[k].name);
        while index[slot] != EMPTY {
            slot = (slot + 1) % SLOTS;
        }
        index[slot] = k as u8;
        k += 1;
    }
    index
};

/// The spec of `name`, if polypay knows the field.
fn lookup(name: &str) -> Option<&'static Spec> {
    let mut slot = home(name);
    loop {
        let k = *INDEX.get(slot)?;
        let spec = SPECS.get(usize::from(k))?;
        if spec.name == name {
            return Some(spec);
        }
        slot = (slot + 1) % SLOTS;
    }
}

/// Why `value` is not acceptable for the field `name`, if it is not. An empty value is
/// always acceptable (the bank treats it as absent).
pub(crate) fn problem(name: &str, value: &str) -> Option<String> {
    if value.is_empty() {
        return None;
    }
    let ascii = value.is_ascii();
    let len = if ascii {
        value.len()
    } else {
        value.chars().count()
    };
    let Some(spec) = lookup(name) else {
        return (len > MAX_UNKNOWN)
            .then(|| format!("{name} must be at most {MAX_UNKNOWN} characters"));
    };
    if let Some(exact) = spec.exact
        && len != exact
    {
        return Some(format!("{name} must be exactly {exact} characters"));
    }
    if let Some(max) = spec.max
        && len > max
    {
        return Some(format!("{name} must be at most {max} characters"));
    }
    if !spec.choices.is_empty() && !spec.choices.contains(&value) {
        return Some(format!("{name} must be one of {}", spec.choices.join(", ")));
    }
    let ok = match spec.kind {
        Numeric => value.bytes().all(|b| b.is_ascii_digit()),
        Alpha => value.bytes().all(|b| b.is_ascii_alphabetic()),
        Alnum => value.bytes().all(|b| b.is_ascii_alphanumeric()),
        AlnumDash => value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-'),
        AlnumSemicolon => value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b';' || b == b'_'),
        // ASCII text has no control characters but these (`char::is_control` on ASCII).
        Any if ascii => !value.bytes().any(|b| b < 0x20 || b == 0x7f),
        Any => !value.chars().any(char::is_control),
    };
    (!ok).then(|| {
        let what = match spec.kind {
            Numeric => "digits",
            Alpha => "letters",
            Alnum => "letters and digits",
            AlnumDash => "letters, digits and -",
            AlnumSemicolon => "letters, digits and ;",
            Any => "printable characters",
        };
        format!("{name} must contain only {what}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_are_sorted() {
        assert!(SPECS.windows(2).all(|w| w[0].name < w[1].name));
    }

    #[test]
    fn types_and_lengths() {
        assert_eq!(
            problem("vads_trans_id", "12345"),
            Some("vads_trans_id must be exactly 6 characters".into())
        );
        assert!(problem("vads_trans_id", "12a45b").is_none());
        assert!(problem("vads_trans_id", "12-45b").is_some());
        assert!(problem("vads_order_id", "order-42").is_none());
        assert!(problem("vads_order_id", "order 42").is_some());
        assert!(problem("vads_cust_address", "12 rue de la Paix").is_none());
        assert!(problem("vads_return_mode", "PUT").is_some());
        assert!(problem("vads_capture_delay", "").is_none());
        assert!(problem("vads_whatever", &"x".repeat(1025)).is_some());
        assert!(problem("vads_contrib", "a\nb").is_some());
        assert!(problem("vads_payment_cards", "CB;VISA;AMEX").is_none());
        assert!(problem("vads_contrib", "a\u{85}b").is_some());
        assert!(problem("vads_contrib", "a\u{7f}b").is_some());
        assert!(problem("vads_contrib", "Mihaï").is_none());
    }

    /// The hash index finds exactly what a binary search finds.
    #[test]
    fn index_finds_every_spec() {
        let mut names: Vec<&str> = SPECS.iter().map(|s| s.name).collect();
        names.extend([
            "vads_a",
            "vads_zzz",
            "vads_cust",
            "vads_url",
            "other",
            "",
            "vads_trans_idx",
        ]);
        for n in names {
            let expected = SPECS
                .binary_search_by(|s| s.name.cmp(n))
                .ok()
                .map(|i| SPECS[i].name);
            assert_eq!(lookup(n).map(|s| s.name), expected, "{n}");
        }
        assert_eq!(INDEX.iter().filter(|k| **k != EMPTY).count(), SPECS.len());
    }
}
