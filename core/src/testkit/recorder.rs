//! What a loopback simulator records and plays back for tests.

/// The requests a loopback simulator received, as `METHOD /path`, and the one-shot answers a
/// test scripted to replace the real ones (a failure, an old server's field names, ...).
///
/// Pure data: the simulator calls [`Recorder::record`] for each request it receives, under
/// its own lock, and sends the scripted answer when there is one.
///
/// ```
/// use polypay_core::testkit::Recorder;
/// let mut r = Recorder::default();
/// r.script("get", "/orders/1", 500, "{}");
/// assert_eq!(r.record("POST", "/orders/1"), None);
/// let answer = r.record("GET", "/x/orders/1").expect("scripted");
/// assert_eq!((answer.status, answer.body.as_str()), (500, "{}"));
/// assert_eq!(r.record("GET", "/x/orders/1"), None, "used once");
/// assert_eq!(r.log(), ["POST /orders/1", "GET /x/orders/1", "GET /x/orders/1"]);
/// assert_eq!(r.hits("GET /x/orders/1"), 2);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    scripted: Vec<Scripted>,
    log: Vec<String>,
}

#[derive(Debug, Clone)]
struct Scripted {
    /// Upper case; `None` for any method.
    method: Option<String>,
    path_suffix: String,
    answer: ScriptedAnswer,
}

/// An answer a test scripted (see [`Recorder`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptedAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The body.
    pub body: String,
}

impl Recorder {
    /// Answers the next `method` request (any case) whose path ends with `path_suffix` with
    /// `status` and `body` instead of the real answer.
    pub fn script(&mut self, method: &str, path_suffix: &str, status: u16, body: &str) {
        self.push(Some(method.to_ascii_uppercase()), path_suffix, status, body);
    }

    /// Answers the next request of any method whose path ends with `path_suffix` with
    /// `status` and `body` instead of the real answer.
    pub fn script_any_method(&mut self, path_suffix: &str, status: u16, body: &str) {
        self.push(None, path_suffix, status, body);
    }

    fn push(&mut self, method: Option<String>, path_suffix: &str, status: u16, body: &str) {
        self.scripted.push(Scripted {
            method,
            path_suffix: path_suffix.to_owned(),
            answer: ScriptedAnswer {
                status,
                body: body.to_owned(),
            },
        });
    }

    /// Records a request of `method` (upper case, as on the wire) for `path`, and takes the
    /// first answer scripted for it, if any.
    pub fn record(&mut self, method: &str, path: &str) -> Option<ScriptedAnswer> {
        self.log.push(format!("{method} {path}"));
        let found = self.scripted.iter().position(|s| {
            s.method.as_deref().is_none_or(|m| m == method) && path.ends_with(&s.path_suffix)
        })?;
        Some(self.scripted.remove(found).answer)
    }

    /// `METHOD /path` of every request recorded so far.
    pub fn log(&self) -> &[String] {
        &self.log
    }

    /// How many requests `METHOD /path` (exactly) were recorded.
    pub fn hits(&self, request: &str) -> usize {
        self.log.iter().filter(|l| *l == request).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_taken_in_order_and_any_method_matches_every_method() {
        let mut r = Recorder::default();
        r.script_any_method("/tip", 503, "first");
        r.script_any_method("/tip", 200, "second");
        r.script("post", "/tip", 201, "post only");
        let take = |r: &mut Recorder, m: &str| r.record(m, "/api/tip").map(|a| a.body);
        assert_eq!(take(&mut r, "POST").as_deref(), Some("first"));
        assert_eq!(take(&mut r, "GET").as_deref(), Some("second"));
        assert_eq!(
            take(&mut r, "GET"),
            None,
            "the POST answer is not for a GET"
        );
        assert_eq!(take(&mut r, "POST").as_deref(), Some("post only"));
        assert_eq!(r.hits("GET /api/tip"), 2);
        assert_eq!(r.log().len(), 4);
    }
}
