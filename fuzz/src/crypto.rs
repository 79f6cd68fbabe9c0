//! What the crypto targets share (`bitcoin` through Esplora or Bitcoin Core, `chainside`):
//! driving an operation through its HTTP steps while recording every exchange, so that a
//! target can check the final answer against the replies the backend was actually given.

use polypay_core::{Context, Error, Exchange, HttpRequest, HttpResponse, Result, Step, Timestamp};
use serde_json::Value;

/// One answered call: what the backend asked, and the fuzzed reply it got.
pub type Call = (HttpRequest, HttpResponse);

/// How an operation driven by [`drive`] ended.
pub struct Driven<T> {
    /// The last step: `Done`, an error, or a call left unanswered when the replies ran out.
    pub last: Result<Step<T>>,
    /// Every call answered, in order.
    pub calls: Vec<Call>,
    /// The step state of every call the backend asked for (answered or not): what crosses
    /// the host, to check it carries no secret.
    pub states: Vec<Value>,
}

/// Runs `op` at `now` through its steps, answering its requests with `replies` in turn;
/// `check_request` sees every request the backend asks for.
pub fn drive<T>(
    now: Timestamp,
    op: impl Fn(Context<'_>) -> Result<Step<T>>,
    replies: &[HttpResponse],
    check_request: impl Fn(&HttpRequest),
) -> Driven<T> {
    let cx = Context::fixed(now, [7; 32]);
    let mut calls = Vec::new();
    let mut states = Vec::new();
    let mut last = op(cx);
    for reply in replies {
        let Ok(Step::Http { request, state }) = last else {
            break;
        };
        check_request(&request);
        states.push(state.clone());
        let exchange = Exchange {
            state,
            response: reply.clone(),
        };
        last = op(cx.with_prior(&exchange));
        calls.push((request, reply.clone()));
    }
    if let Ok(Step::Http { request, state }) = &last {
        check_request(request);
        states.push(state.clone());
    }
    Driven {
        last,
        calls,
        states,
    }
}

/// Splits fuzz bytes into at most `max` HTTP replies separated by a line `--` (each an
/// optional status line, then the body: see [`crate::http_reply`]).
pub fn replies(data: &[u8], max: usize) -> Vec<HttpResponse> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Some(i) = rest.windows(4).position(|w| w == b"\n--\n") {
        out.push(crate::http_reply(&rest[..i]));
        rest = &rest[i + 4..];
        if out.len() == max {
            return out;
        }
    }
    out.push(crate::http_reply(rest));
    out
}

/// Whether the input could spell `secret` itself, so that seeing it in an answer is an echo
/// of the input (error messages quote what a server said, `bank_data` keeps its objects),
/// not a leak: its letters and digits appear in a row in the input's (control characters
/// are dropped from quotes), or the input has JSON `\u` escapes. libFuzzer learns the
/// secrets from these very comparisons, so such inputs do come.
pub fn input_spells(input: &[u8], secret: &str) -> bool {
    let skeleton = |s: &str| {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .collect::<String>()
    };
    let text = String::from_utf8_lossy(input);
    text.contains("\\u") || skeleton(&text).contains(&skeleton(secret))
}

/// An error must say something, and never quote a secret the input did not hold.
pub fn check_error(e: &Error, secrets: &[&str], input: &[u8]) {
    let text = e.to_string();
    assert!(!text.trim().is_empty(), "an error without a message: {e:?}");
    for s in secrets {
        if !input_spells(input, s) {
            assert!(!text.contains(s), "an error quotes a secret: {text}");
            assert!(
                !format!("{e:?}").contains(s),
                "an error's Debug quotes a secret"
            );
        }
    }
}

/// Credentials travel in headers marked sensitive (redacted in `Debug` and logs), never in
/// the URL.
pub fn check_credentials(request: &HttpRequest, secrets: &[&str]) {
    for h in &request.headers {
        if h.name.eq_ignore_ascii_case("authorization") {
            assert!(h.sensitive, "an Authorization header not marked sensitive");
        }
    }
    let shown = format!("{request:?}");
    for s in secrets {
        assert!(!shown.contains(s), "a request shows a secret: {shown}");
    }
}

/// Whether `haystack` holds `needle`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// Whether `POLYPAY_FUZZ_TRACE` is set: the crypto targets then print how each input ended
/// (to check what the seeds reach: `POLYPAY_FUZZ_TRACE=1 target/…/bitcoin_esplora -runs=0
/// corpus/bitcoin_esplora`).
static TRACE: std::sync::LazyLock<bool> =
    std::sync::LazyLock::new(|| std::env::var_os("POLYPAY_FUZZ_TRACE").is_some());

/// Prints how an operation ended, when tracing.
pub fn trace<T: std::fmt::Debug>(what: &str, last: &Result<Step<T>>) {
    if !*TRACE {
        return;
    }
    match last {
        Ok(Step::Done(t)) => eprintln!("{what}: done {t:?}"),
        Ok(Step::Http { request, .. }) => eprintln!("{what}: unanswered {}", request.url),
        Err(e) => eprintln!("{what}: error {e}"),
    }
}
