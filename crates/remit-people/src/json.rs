//! Reading Okta's JSON by hand, field by field, so that each problem names its JSON path.
//!
//! serde's derived readers stop at the first wrong field and name no path a user can find in
//! a 40 MB export; these helpers read one entry at a time and turn each problem into an
//! [`Issue`] at `$[i].profile.email`, so one bad user does not hide the other ten thousand.

use serde_json::Value;

use crate::error::{Issue, PeopleError};

/// Parses `bytes` as JSON and requires a top-level array.
pub(crate) fn parse_array(file: &str, bytes: &[u8]) -> Result<Vec<Value>, PeopleError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| PeopleError::Json {
        file: file.to_owned(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    match value {
        Value::Array(items) => Ok(items),
        other => Err(PeopleError::Shape {
            file: file.to_owned(),
            path: "$".to_owned(),
            message: format!("expected an array (the API's pages merged into one), found {}", kind(&other)),
        }),
    }
}

/// The JSON type of `value`, for messages.
pub(crate) fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// One entry being read: its file and path, and the issues found so far.
pub(crate) struct Entry<'a> {
    pub(crate) file: &'a str,
    pub(crate) path: String,
    pub(crate) issues: Vec<Issue>,
}

impl<'a> Entry<'a> {
    pub(crate) fn new(file: &'a str, index: usize) -> Entry<'a> {
        Entry { file, path: format!("$[{index}]"), issues: Vec::new() }
    }

    /// An issue at `path` (relative to this entry).
    pub(crate) fn issue(&mut self, relative: &str, message: impl Into<String>) {
        let location = if relative.is_empty() { self.path.clone() } else { format!("{}.{relative}", self.path) };
        self.issues.push(Issue { file: self.file.to_owned(), location, message: message.into() });
    }

    /// The object at `relative` (`""` for the entry itself), or an issue.
    pub(crate) fn object<'v>(
        &mut self,
        value: &'v Value,
        relative: &str,
    ) -> Option<&'v serde_json::Map<String, Value>> {
        match value {
            Value::Object(map) => Some(map),
            other => {
                self.issue(relative, format!("expected an object, found {}", kind(other)));
                None
            }
        }
    }

    /// A required non-empty string field `key` of `map` (at `relative`), or an issue.
    pub(crate) fn required(
        &mut self,
        map: &serde_json::Map<String, Value>,
        relative: &str,
        key: &str,
    ) -> Option<String> {
        let at = join(relative, key);
        match map.get(key) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_owned()),
            Some(Value::String(_)) => {
                self.issue(&at, "is empty");
                None
            }
            None | Some(Value::Null) => {
                self.issue(&at, "is missing");
                None
            }
            Some(other) => {
                self.issue(&at, format!("expected a string, found {}", kind(other)));
                None
            }
        }
    }

    /// An optional string field: absent, null or empty is `None`; another type is an issue
    /// (and `None`), and sets `*incomplete`.
    pub(crate) fn optional(
        &mut self,
        map: &serde_json::Map<String, Value>,
        relative: &str,
        key: &str,
        incomplete: &mut bool,
    ) -> Option<String> {
        match map.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.trim().is_empty() => None,
            Some(Value::String(s)) => Some(s.trim().to_owned()),
            Some(other) => {
                self.issue(&join(relative, key), format!("expected a string, found {}; ignored", kind(other)));
                *incomplete = true;
                None
            }
        }
    }
}

fn join(relative: &str, key: &str) -> String {
    if relative.is_empty() { key.to_owned() } else { format!("{relative}.{key}") }
}
