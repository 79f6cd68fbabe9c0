//! What the integrator's web handler received from the bank or the browser.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// An incoming HTTP request (a browser return or a server-to-server notification), kept raw:
/// signatures are verified over exactly these bytes, before anything is trusted.
///
/// ```
/// use polypay_core::Incoming;
/// let inc = Incoming::get("a=1&b=x%20y");
/// assert_eq!(inc.params()?, vec![("a".into(), "1".into()), ("b".into(), "x y".into())]);
/// let post = Incoming::post_form("c=3").with_header("X-Test", "yes");
/// assert_eq!(post.header("x-test"), Some("yes"));
/// # Ok::<(), polypay_core::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Incoming {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The raw query string, without the `?`.
    #[serde(default)]
    pub query: String,
    /// Headers as received.
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// The raw body.
    #[serde(default)]
    pub body: Vec<u8>,
}

impl Incoming {
    /// A `GET` with this query string (a leading `?` is dropped).
    pub fn get(query: impl Into<String>) -> Incoming {
        let query: String = query.into();
        Incoming {
            method: "GET".into(),
            query: query.strip_prefix('?').map(str::to_owned).unwrap_or(query),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A `POST` with a form-urlencoded body.
    pub fn post_form(body: impl Into<Vec<u8>>) -> Incoming {
        Incoming {
            method: "POST".into(),
            query: String::new(),
            headers: vec![(
                "content-type".into(),
                "application/x-www-form-urlencoded".into(),
            )],
            body: body.into(),
        }
    }

    /// A request with any method, query, headers and body.
    pub fn new(
        method: impl Into<String>,
        query: impl Into<String>,
        headers: Vec<(String, String)>,
        body: impl Into<Vec<u8>>,
    ) -> Incoming {
        Incoming {
            method: method.into().to_ascii_uppercase(),
            query: query.into(),
            headers,
            body: body.into(),
        }
    }

    /// Adds a header.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Incoming {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The first header of this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        crate::http::first_header(&self.headers, name)
    }

    /// Whether the body is form-urlencoded (declared so, or a `POST` without a content type).
    pub fn body_is_form(&self) -> bool {
        const FORM: &str = "application/x-www-form-urlencoded";
        match self.header("content-type") {
            // A case-insensitive prefix test, without lower-casing a copy of the header.
            Some(ct) => ct
                .as_bytes()
                .get(..FORM.len())
                .is_some_and(|p| p.eq_ignore_ascii_case(FORM.as_bytes())),
            None => self.method.eq_ignore_ascii_case("POST"),
        }
    }

    /// The query-string pairs, decoded. Invalid UTF-8 after decoding is an error.
    pub fn query_params(&self) -> Result<Vec<(String, String)>> {
        decode_pairs(self.query.as_bytes(), "query string")
    }

    /// The body's pairs when the body is a form, decoded; empty otherwise.
    pub fn body_params(&self) -> Result<Vec<(String, String)>> {
        if self.body_is_form() {
            decode_pairs(&self.body, "body")
        } else {
            Ok(Vec::new())
        }
    }

    /// Query pairs followed by body pairs.
    pub fn params(&self) -> Result<Vec<(String, String)>> {
        let mut all = self.query_params()?;
        all.extend(self.body_params()?);
        Ok(all)
    }

    /// The body as UTF-8 text.
    pub fn body_text(&self) -> Result<&str> {
        std::str::from_utf8(&self.body).map_err(|_| Error::malformed("the body is not UTF-8"))
    }
}

/// Decodes `application/x-www-form-urlencoded` bytes strictly: a decoded name or value that is
/// not UTF-8 is an error, not silently replaced.
fn decode_pairs(raw: &[u8], what: &str) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for piece in raw.split(|b| *b == b'&') {
        if piece.is_empty() {
            continue;
        }
        let (name, value) = match piece.iter().position(|b| *b == b'=') {
            Some(i) => (&piece[..i], &piece[i + 1..]),
            None => (piece, &b""[..]),
        };
        out.push((decode_one(name, what)?, decode_one(value, what)?));
    }
    Ok(out)
}

fn decode_one(raw: &[u8], what: &str) -> Result<String> {
    let plus_as_space: Vec<u8> = raw
        .iter()
        .map(|b| if *b == b'+' { b' ' } else { *b })
        .collect();
    let decoded: Vec<u8> = percent_encoding::percent_decode(&plus_as_space).collect();
    String::from_utf8(decoded)
        .map_err(|_| Error::malformed(format!("the {what} is not valid UTF-8 once decoded")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_decoding() {
        assert!(Incoming::get("a=%ff").params().is_err());
        assert_eq!(
            Incoming::get("a=%zz&b=%41+c&&d").params().unwrap(),
            vec![
                ("a".into(), "%zz".into()),
                ("b".into(), "A c".into()),
                ("d".into(), "".into())
            ]
        );
        // A JSON body is not read as a form.
        let json = Incoming::new(
            "POST",
            "",
            vec![("Content-Type".into(), "application/json".into())],
            "{}",
        );
        assert!(json.body_params().unwrap().is_empty());
        let typed =
            |ct: &str| Incoming::new("POST", "", vec![("Content-Type".into(), ct.into())], "");
        assert!(typed("Application/X-WWW-Form-URLencoded; charset=UTF-8").body_is_form());
        assert!(!typed("application/x-www-form").body_is_form());
        assert!(!typed("é").body_is_form());
        assert!(Incoming::new("post", "", vec![], "").body_is_form());
    }
}
