//! Time zones and date formats. Each protocol's zone is explicit (spec D16): UTC for SystemPay,
//! the configured zone (Europe/Paris by default) for Paybox and Sips, Paris for TIPI. The zone
//! database is bundled into the binary, so results never depend on the machine.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use polypay_core::{Error, Result, Timestamp};

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

/// `now` in UTC as `YYYYMMDDHHMMSS` (SystemPay's dates), without a format parser.
pub(crate) fn compact_utc(now: Timestamp) -> String {
    let dt = TimeZone::UTC.to_datetime(now);
    format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    )
}

/// A civil date and time read with `pattern` and placed in `tz` (`None` when it does not
/// parse or does not exist there).
pub(crate) fn parse_civil(text: &str, pattern: &str, tz: &TimeZone) -> Option<Timestamp> {
    let dt = DateTime::strptime(pattern, text).ok()?;
    tz.to_ambiguous_zoned(dt)
        .compatible()
        .ok()
        .map(|z| z.timestamp())
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
}
