//! The fields a backend reads from a return, declared once: a struct of their text values and
//! the [`NameSet`](polypay_core::NameSet) that finds them all in one pass.

/// Declares `struct $name<'r>` whose fields are `Option<&'r str>`, each read from the return
/// field named by its string, with `$name::of(&BankData)` filling them in one pass over the
/// return (through a constant `NameSet`, fingerprints computed at compile time).
///
/// ```text
/// read_fields! {
///     /// What a return is read by.
///     Fields { status: "STATUS", pay_id: "PAYID" }
/// }
/// let fields = Fields::of(&data);
/// ```
macro_rules! read_fields {
    ($(#[$meta:meta])* $name:ident { $($field:ident: $text:literal),* $(,)? }) => {
        $(#[$meta])*
        pub(crate) struct $name<'r> {
            $(
                #[doc = concat!("`", $text, "`.")]
                pub(crate) $field: Option<&'r str>,
            )*
        }

        impl<'r> $name<'r> {
            /// The names, in the order of the fields.
            const NAMES: polypay_core::NameSet<{ [$($text),*].len() }> =
                polypay_core::NameSet::new([$($text),*]);

            /// The fields of `data`, found in one pass.
            pub(crate) fn of(data: &'r polypay_core::BankData) -> $name<'r> {
                let [$($field),*] = data.get_strs(&Self::NAMES);
                $name { $($field),* }
            }
        }
    };
}

pub(crate) use read_fields;
