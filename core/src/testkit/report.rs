//! The result of a conformance run: one named verdict per check.

use std::fmt;

/// The verdict of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The backend behaves as required.
    Pass,
    /// It does not; the text says how.
    Fail(String),
    /// The check does not apply to this backend; the text says why.
    Skip(String),
}

/// One named check and its verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// What was checked (`response.tampered_never_paid`).
    pub name: String,
    /// How it went.
    pub verdict: Verdict,
}

/// Every check of a conformance run, in the order they ran.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// The backend kind tested.
    pub kind: String,
    /// The checks.
    pub checks: Vec<Check>,
}

impl Report {
    /// Records a verdict.
    pub fn push(&mut self, name: impl Into<String>, verdict: Verdict) {
        self.checks.push(Check {
            name: name.into(),
            verdict,
        });
    }

    /// The failed checks.
    pub fn failures(&self) -> impl Iterator<Item = &Check> {
        self.checks
            .iter()
            .filter(|c| matches!(c.verdict, Verdict::Fail(_)))
    }

    /// Whether no check failed.
    pub fn is_success(&self) -> bool {
        self.failures().next().is_none()
    }

    /// The verdict of the check named `name`, if it ran.
    pub fn verdict(&self, name: &str) -> Option<&Verdict> {
        self.checks
            .iter()
            .find(|c| c.name == name)
            .map(|c| &c.verdict)
    }

    /// How many checks passed.
    pub fn passed(&self) -> usize {
        self.checks
            .iter()
            .filter(|c| c.verdict == Verdict::Pass)
            .count()
    }

    /// For a backend's conformance test: asserts that no check failed and that each check
    /// named in `names` ran and passed (a skipped or missing one is not enough).
    ///
    /// # Panics
    ///
    /// When it does not hold, with the check's name and the whole report.
    ///
    /// ```
    /// use polypay_core::testkit::{Report, Verdict};
    /// let mut report = Report::default();
    /// report.push("description.sane", Verdict::Pass);
    /// report.assert_passed(&["description.sane"]);
    /// ```
    #[track_caller]
    pub fn assert_passed(&self, names: &[&str]) {
        assert!(self.is_success(), "{self}");
        for name in names {
            assert_eq!(self.verdict(name), Some(&Verdict::Pass), "{name}\n{self}");
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failed = self.failures().count();
        writeln!(
            f,
            "conformance of {:?}: {} checks, {} passed, {failed} failed",
            self.kind,
            self.checks.len(),
            self.passed()
        )?;
        for c in &self.checks {
            match &c.verdict {
                Verdict::Pass => writeln!(f, "  PASS {}", c.name)?,
                Verdict::Fail(why) => writeln!(f, "  FAIL {}: {why}", c.name)?,
                Verdict::Skip(why) => writeln!(f, "  SKIP {}: {why}", c.name)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_display() {
        let mut r = Report {
            kind: "x".into(),
            ..Report::default()
        };
        r.push("a", Verdict::Pass);
        r.push("b", Verdict::Skip("n/a".into()));
        assert!(r.is_success());
        r.push("c", Verdict::Fail("broken".into()));
        assert!(!r.is_success());
        assert_eq!(r.passed(), 1);
        assert_eq!(r.verdict("b"), Some(&Verdict::Skip("n/a".into())));
        let text = r.to_string();
        assert!(text.contains("3 checks, 1 passed, 1 failed"), "{text}");
        assert!(text.contains("  FAIL c: broken"), "{text}");
    }

    #[test]
    fn assert_passed_names_what_did_not_pass() {
        let mut r = Report::default();
        r.push("a", Verdict::Pass);
        r.push("b", Verdict::Skip("n/a".into()));
        r.assert_passed(&["a"]);
        for names in [&["b"][..], &["missing"][..]] {
            let caught = std::panic::catch_unwind(|| r.assert_passed(names));
            assert!(caught.is_err(), "{names:?}");
        }
        r.push("c", Verdict::Fail("broken".into()));
        assert!(std::panic::catch_unwind(|| r.assert_passed(&[])).is_err());
    }
}
