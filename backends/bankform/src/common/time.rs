//! Time zones and date formats. Each protocol's zone is explicit (spec D16): UTC for SystemPay,
//! the configured zone (Europe/Paris by default) for Paybox and Sips, Paris for TIPI. The zone
//! database is bundled into the binary, so results never depend on the machine.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use polypay_core::{Error, Result, Timestamp};

use super::text::push_padded;

/// The zone of French banks.
pub(crate) const PARIS: &str = "Europe/Paris";

/// The time zone called `name` from the bundled database.
pub(crate) fn zone(name: &str) -> Result<TimeZone> {
    TimeZone::get(name).map_err(|_| Error::invalid_input(format!("unknown time zone {name:?}")))
}

/// Whether `name` is a time zone of the bundled database (for configuration checks).
pub(crate) fn is_zone(name: &str) -> bool {
    TimeZone::get(name).is_ok()
}

/// `now` formatted with a `strftime` pattern in `tz`.
pub(crate) fn format_in(now: Timestamp, tz: &TimeZone, pattern: &str) -> String {
    now.to_zoned(tz.clone()).strftime(pattern).to_string()
}

/// How [`civil_text`] lays out a date and time: `Y{date}m{date}d{middle}H{time}M{time}S`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    /// Between year, month and day.
    pub(crate) date: &'static str,
    /// Between the date and the time.
    pub(crate) middle: &'static str,
    /// Between hours, minutes and seconds.
    pub(crate) time: &'static str,
    /// The `strftime` pattern of the same layout (used for years outside 0–9999).
    pub(crate) pattern: &'static str,
}

/// `YYYYMMDDHHMMSS`.
pub(crate) const COMPACT: Layout = Layout {
    date: "",
    middle: "",
    time: "",
    pattern: "%Y%m%d%H%M%S",
};

/// `now` in `tz` written with `layout`, without a format parser (this runs for every request).
pub(crate) fn civil_text(now: Timestamp, tz: &TimeZone, layout: Layout) -> String {
    let mut s = String::with_capacity(
        14 + 2 * layout.date.len() + layout.middle.len() + 2 * layout.time.len(),
    );
    push_civil_text(&mut s, now, tz, layout);
    s
}

/// Appends [`civil_text`] to `out`.
pub(crate) fn push_civil_text(out: &mut String, now: Timestamp, tz: &TimeZone, layout: Layout) {
    let dt = tz.to_datetime(now);
    let year = u64::try_from(dt.year()).ok().filter(|y| *y <= 9999);
    let Some(year) = year else {
        out.push_str(&format_in(now, tz, layout.pattern));
        return;
    };
    let two = |s: &mut String, n: i8| push_padded(s, u64::try_from(n).unwrap_or(0), 2);
    push_padded(out, year, 4);
    out.push_str(layout.date);
    two(out, dt.month());
    out.push_str(layout.date);
    two(out, dt.day());
    out.push_str(layout.middle);
    two(out, dt.hour());
    out.push_str(layout.time);
    two(out, dt.minute());
    out.push_str(layout.time);
    two(out, dt.second());
}

/// Appends `now` in UTC as `YYYYMMDDHHMMSS` (SystemPay's dates) to `out`.
pub(crate) fn push_compact_utc(out: &mut String, now: Timestamp) {
    push_civil_text(out, now, &TimeZone::UTC, COMPACT);
}

/// A civil date and time read with `pattern` and placed in `tz` (`None` when it does not
/// parse or does not exist there).
pub(crate) fn parse_civil(text: &str, pattern: &str, tz: &TimeZone) -> Option<Timestamp> {
    let dt = DateTime::strptime(pattern, text).ok()?;
    place(dt, tz)
}

/// `dt` in `tz` (the earlier instant of a repeated hour, the later of a skipped one).
fn place(dt: DateTime, tz: &TimeZone) -> Option<Timestamp> {
    tz.to_ambiguous_timestamp(dt).compatible().ok()
}

/// [`parse_civil`] with `%Y%m%d%H%M%S` (SystemPay's dates), read directly when the text is
/// 14 digits of an ordinary date and time, else by the general parser: same results, without
/// interpreting a pattern for every return.
pub(crate) fn parse_compact(text: &str, tz: &TimeZone) -> Option<Timestamp> {
    let b = text.as_bytes();
    if b.len() == 14 && b.iter().all(u8::is_ascii_digit) {
        let n = |i: usize, len: usize| {
            b[i..i + len]
                .iter()
                .fold(0i16, |acc, d| acc * 10 + i16::from(d - b'0'))
        };
        let small = |i: usize| i8::try_from(n(i, 2)).unwrap_or(i8::MAX);
        let (month, day, hour, minute, second) =
            (small(4), small(6), small(8), small(10), small(12));
        if (1..=12).contains(&month)
            && (1..=31).contains(&day)
            && hour < 24
            && minute < 60
            && second < 60
            && let Ok(dt) = DateTime::new(n(0, 4), month, day, hour, minute, second, 0)
        {
            return place(dt, tz);
        }
    }
    parse_civil(text, "%Y%m%d%H%M%S", tz)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paris_and_utc() {
        let paris = zone(PARIS).unwrap();
        let t: Timestamp = "2018-10-02T23:50:00Z".parse().unwrap();
        assert_eq!(format_in(t, &paris, "%Y-%m-%d"), "2018-10-03");
        assert_eq!(
            format_in(t, &TimeZone::UTC, "%Y%m%d%H%M%S"),
            "20181002235000"
        );
        let back = parse_civil("20181003 01:50:00", "%Y%m%d %H:%M:%S", &paris).unwrap();
        assert_eq!(back, t);
        assert!(parse_civil("2018-13-03", "%Y-%m-%d", &paris).is_none());
        assert!(zone("Mars/Olympus").is_err());
        assert!(is_zone("UTC"));
    }

    /// The direct formatter and parser agree with jiff's `strftime` / `strptime`.
    #[test]
    fn fast_paths_match_the_format_parser() {
        let paris = zone(PARIS).unwrap();
        let layouts = [
            COMPACT,
            Layout {
                date: "-",
                middle: "T",
                time: "",
                pattern: "%Y-%m-%dT%H%M%S",
            },
            Layout {
                date: "-",
                middle: "T",
                time: ":",
                pattern: "%Y-%m-%dT%H:%M:%S",
            },
        ];
        for t in [
            "2018-10-02T23:50:00Z",
            "2024-03-31T01:30:07Z",
            "0500-01-01T00:00:00Z",
            "-000001-06-15T12:00:00Z",
            "9999-12-30T20:00:00Z",
            "1970-01-01T00:00:00.999Z",
        ] {
            let t: Timestamp = t.parse().unwrap();
            for tz in [&TimeZone::UTC, &paris] {
                for layout in layouts {
                    assert_eq!(civil_text(t, tz, layout), format_in(t, tz, layout.pattern));
                }
            }
        }
        for text in [
            "20200330162530",
            "20161013101355",
            "20240229000000",
            "20230229000000",
            "20241301000000",
            "20240431120000",
            "20240101240000",
            "20240101006000",
            "20240101000060",
            "00000101000000",
            "20240101",
            "2024010100000a",
            "202401010000000",
            "20240331023000",
            "20241027023000",
            "",
            "99991231235959",
            "20240100000000",
        ] {
            for tz in [&TimeZone::UTC, &paris] {
                // The zoned way of placing a civil time gives the same instants.
                let zoned = DateTime::strptime("%Y%m%d%H%M%S", text)
                    .ok()
                    .and_then(|dt| tz.to_ambiguous_zoned(dt).compatible().ok())
                    .map(|z| z.timestamp());
                assert_eq!(parse_compact(text, tz), zoned, "{text}");
                assert_eq!(
                    parse_compact(text, tz),
                    parse_civil(text, "%Y%m%d%H%M%S", tz),
                    "{text}"
                );
            }
        }
    }
}
