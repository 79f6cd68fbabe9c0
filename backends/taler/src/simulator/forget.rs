//! `PATCH private/orders/$ID/forget`: erasing contract fields marked forgettable.
//!
//! An object of the contract marks its forgettable fields in a `_forgettable` object (field
//! name → `true` or a salt). Forgetting a field removes it and records it under `_forgotten`
//! (field name → the salted hash the backend keeps, so the contract's hash stays the same;
//! the simulator writes a placeholder). Every path is checked before anything is erased: one
//! bad path leaves the contract untouched.

use serde_json::{Map, Value};

use super::model::{SimError, SimResult};

/// One step of a path: a field, maybe followed by `[N]` or `[*]`.
struct Segment<'a> {
    name: &'a str,
    index: Option<Index>,
}

enum Index {
    At(usize),
    All,
}

fn syntax(path: &str) -> SimError {
    SimError::new(400, 2510, format!("the path {path:?} is malformed"))
}

fn not_forgettable(path: &str) -> SimError {
    SimError::new(409, 2511, format!("the path {path:?} is not forgettable"))
}

/// Parses `$.a.b[0].c`; the last segment may not carry an index.
fn parse(path: &str) -> SimResult<Vec<Segment<'_>>> {
    let rest = path.strip_prefix("$.").ok_or_else(|| syntax(path))?;
    let parts: Vec<&str> = rest.split('.').collect();
    let last = parts.len() - 1;
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            let (name, index) = match part.split_once('[') {
                None => (*part, None),
                Some((name, tail)) => {
                    let inner = tail.strip_suffix(']').ok_or_else(|| syntax(path))?;
                    let index = match inner {
                        "*" => Index::All,
                        n => Index::At(n.parse().map_err(|_| syntax(path))?),
                    };
                    (name, Some(index))
                }
            };
            let bad_name = name.is_empty() || name.contains(['[', ']', '$']);
            if bad_name || (i == last && index.is_some()) {
                return Err(syntax(path));
            }
            Ok(Segment { name, index })
        })
        .collect()
}

/// Erases the field `segments` name under `value`.
fn apply(value: &mut Value, segments: &[Segment<'_>], path: &str) -> SimResult<()> {
    let object = value.as_object_mut().ok_or_else(|| not_forgettable(path))?;
    let Some((first, rest)) = segments.split_first() else {
        return Err(syntax(path));
    };
    if rest.is_empty() {
        return erase(object, first.name, path);
    }
    let child = object
        .get_mut(first.name)
        .ok_or_else(|| not_forgettable(path))?;
    match &first.index {
        None => apply(child, rest, path),
        Some(index) => {
            let items = child.as_array_mut().ok_or_else(|| not_forgettable(path))?;
            match index {
                Index::At(n) => {
                    let item = items.get_mut(*n).ok_or_else(|| not_forgettable(path))?;
                    apply(item, rest, path)
                }
                Index::All => items
                    .iter_mut()
                    .try_for_each(|item| apply(item, rest, path)),
            }
        }
    }
}

fn erase(object: &mut Map<String, Value>, name: &str, path: &str) -> SimResult<()> {
    let marked = object
        .get("_forgettable")
        .and_then(|f| f.get(name))
        .is_some();
    if !marked {
        return Err(not_forgettable(path));
    }
    if object.remove(name).is_some() {
        let forgotten = object
            .entry("_forgotten")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(f) = forgotten.as_object_mut() {
            f.insert(
                name.to_owned(),
                format!("SIMULATED-SALTED-HASH-OF-{name}").into(),
            );
        }
    }
    Ok(())
}

/// Forgets every path of the request body `{"fields": [...]}` in `contract`, all or none.
pub(super) fn forget(contract: &mut Map<String, Value>, body: &Value) -> SimResult<()> {
    let fields = body
        .get("fields")
        .and_then(Value::as_array)
        .ok_or_else(|| SimError::new(400, 25, "parameter fields is missing"))?;
    let paths: Vec<&str> = fields
        .iter()
        .map(|f| {
            f.as_str()
                .ok_or_else(|| SimError::new(400, 26, "parameter fields is malformed"))
        })
        .collect::<SimResult<_>>()?;
    let parsed: Vec<Vec<Segment<'_>>> = paths.iter().map(|p| parse(p)).collect::<SimResult<_>>()?;
    let mut draft = Value::Object(contract.clone());
    for (segments, path) in parsed.iter().zip(&paths) {
        apply(&mut draft, segments, path)?;
    }
    if let Value::Object(done) = draft {
        *contract = done;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn contract() -> Map<String, Value> {
        json!({
            "summary": "s",
            "extra": { "email": "a@b.example", "note": "n", "_forgettable": { "email": true } },
            "products": [
                { "description": "d1", "_forgettable": { "description": true } },
                { "description": "d2", "_forgettable": { "description": "SALT" } }
            ]
        })
        .as_object()
        .cloned()
        .unwrap()
    }

    fn codes(paths: &[&str]) -> Result<Map<String, Value>, i64> {
        let mut c = contract();
        forget(&mut c, &json!({ "fields": paths }))
            .map(|()| c)
            .map_err(|e| e.code)
    }

    #[test]
    fn forgetting() {
        let c = codes(&["$.extra.email", "$.products[*].description"]).unwrap();
        assert!(c["extra"].get("email").is_none());
        assert_eq!(c["extra"]["note"], "n");
        assert!(c["extra"]["_forgotten"]["email"].is_string());
        assert!(c["products"][1].get("description").is_none());
        // Forgetting again changes nothing and succeeds.
        let mut again = c.clone();
        forget(&mut again, &json!({ "fields": ["$.extra.email"] })).unwrap();
        assert_eq!(again, c);
        assert!(
            codes(&["$.products[0].description"]).unwrap()["products"][1]
                .get("description")
                .is_some()
        );
        // Syntax: 2510; not marked or not there: 2511; nothing is erased on failure.
        for (paths, code) in [
            (vec!["extra.email"], 2510),
            (vec!["$.extra.email[0]"], 2510),
            (vec!["$.products[x].description"], 2510),
            (vec!["$.extra.note"], 2511),
            (vec!["$.extra.email", "$.summary"], 2511),
            (vec!["$.nothing.here"], 2511),
            (vec!["$.products[5].description"], 2511),
            (vec!["$.summary.x"], 2511),
        ] {
            assert_eq!(codes(&paths).unwrap_err(), code, "{paths:?}");
        }
        let mut c = contract();
        assert!(forget(&mut c, &json!({ "fields": ["$.extra.email", "$.summary"] })).is_err());
        assert_eq!(c, contract(), "all or nothing");
        assert_eq!(forget(&mut c, &json!({})).unwrap_err().code, 25);
        assert_eq!(
            forget(&mut c, &json!({ "fields": [1] })).unwrap_err().code,
            26
        );
    }
}
