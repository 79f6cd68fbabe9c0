//! Drives a sans-IO operation to completion with a synchronous HTTP function (tests, plugins,
//! command-line tools without a runtime). The async [`crate::Payment`] facade does the same
//! with its HTTP executor.

use crate::{Context, Error, Exchange, HttpRequest, HttpResponse, Result, Step};

/// Default bound on the HTTP steps of one operation.
pub const DEFAULT_MAX_STEPS: usize = 8;

/// Calls `op` until it is done, performing each requested exchange with `http`; at most
/// `max_steps` exchanges.
///
/// ```
/// use polypay_core::{drive_sync, Context, Step, HttpResponse};
/// let out = drive_sync(|_cx| Ok(Step::Done(42)), Context::now(), |_req| Ok(HttpResponse::new(200, "")), 4)?;
/// assert_eq!(out, 42);
/// # Ok::<(), polypay_core::Error>(())
/// ```
pub fn drive_sync<T>(
    mut op: impl FnMut(Context<'_>) -> Result<Step<T>>,
    cx: Context<'_>,
    mut http: impl FnMut(&HttpRequest) -> Result<HttpResponse>,
    max_steps: usize,
) -> Result<T> {
    let mut exchange: Option<Exchange> = None;
    for _ in 0..=max_steps {
        let step = match &exchange {
            None => op(Context { prior: None, ..cx })?,
            Some(ex) => op(cx.with_prior(ex))?,
        };
        match step {
            Step::Done(t) => return Ok(t),
            Step::Http { request, state } => {
                let response = http(&request)?;
                exchange = Some(Exchange { state, response });
            }
        }
    }
    Err(Error::Provider {
        status: None,
        code: None,
        message: format!("the operation did not finish within {max_steps} HTTP exchanges"),
    })
}
