//! Reading JSON leniently: each accessor reports a wrong type as an [`ImportIssue`] with the
//! JSON path of the element and returns `None`, so that one bad field costs one field.
//!
//! Paths are formatted only when an issue is reported; reading a large export allocates one
//! path per object, not one per field.

use std::{
    fs,
    io::ErrorKind,
    path::{Path, PathBuf},
};

use remit_aws_policy::{Policy, PolicyKind};
use serde_json::{Map, Value};

use crate::env::ImportIssue;

/// Where issues go while one file is read.
pub(crate) struct Sink<'a> {
    /// The file, relative to the bundle.
    pub(crate) file: PathBuf,
    /// The principal or resource being read, named by the issues.
    pub(crate) subject: Option<String>,
    out: &'a mut Vec<ImportIssue>,
}

impl<'a> Sink<'a> {
    pub(crate) fn new(file: PathBuf, out: &'a mut Vec<ImportIssue>) -> Sink<'a> {
        Sink { file, subject: None, out }
    }

    /// Gives the issue list back, for the next file's sink.
    pub(crate) fn into_out(self) -> &'a mut Vec<ImportIssue> {
        self.out
    }

    /// Records an issue at `location`.
    pub(crate) fn push(&mut self, location: impl Into<String>, message: impl Into<String>) {
        self.out.push(ImportIssue {
            file: self.file.clone(),
            location: location.into(),
            message: message.into(),
            subject: self.subject.clone(),
        });
    }

    /// A mark to tell, with [`Sink::since`], whether issues were recorded after it.
    pub(crate) fn mark(&self) -> usize {
        self.out.len()
    }

    /// Records issues another sink of the same file recorded.
    pub(crate) fn extend(&mut self, issues: Vec<ImportIssue>) {
        self.out.extend(issues);
    }

    /// Whether issues were recorded since `mark`.
    pub(crate) fn since(&self, mark: usize) -> bool {
        self.out.len() > mark
    }
}

/// `prefix.key`, or `key` at the top.
pub(crate) fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() { key.to_owned() } else { format!("{prefix}.{key}") }
}

/// `prefix[idx]`.
pub(crate) fn index(prefix: &str, idx: usize) -> String {
    format!("{prefix}[{idx}]")
}

/// What reading a file gave.
pub(crate) enum FileRead {
    /// The file does not exist.
    Absent,
    /// The file exists but could not be read or is not JSON (an issue was recorded).
    Bad,
    /// The file's JSON.
    Json(Value),
}

/// Reads a JSON file; an unreadable file or bad JSON is recorded as an issue.
pub(crate) fn read_json(path: &Path, sink: &mut Sink<'_>) -> FileRead {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == ErrorKind::NotFound => return FileRead::Absent,
        Err(err) => {
            sink.push("", format!("cannot read the file: {err}"));
            return FileRead::Bad;
        }
    };
    match serde_json::from_slice(strip_bom(&bytes)) {
        Ok(value) => FileRead::Json(value),
        Err(err) => {
            sink.push(syntax_location(&err), format!("not valid JSON: {}", syntax_message(&err)));
            FileRead::Bad
        }
    }
}

/// Drops a UTF-8 byte-order mark (Windows tools write one).
pub(crate) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

/// `line L column C` of a JSON syntax error.
pub(crate) fn syntax_location(err: &serde_json::Error) -> String {
    format!("line {} column {}", err.line(), err.column())
}

/// A JSON syntax error's message without serde_json's own position suffix.
pub(crate) fn syntax_message(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

/// A JSON object and its path.
#[derive(Clone, Copy)]
pub(crate) struct Obj<'v, 'p> {
    pub(crate) map: &'v Map<String, Value>,
    pub(crate) path: &'p str,
}

impl<'v, 'p> Obj<'v, 'p> {
    /// `value` as an object; anything else is an issue.
    pub(crate) fn new(value: &'v Value, path: &'p str, sink: &mut Sink<'_>) -> Option<Obj<'v, 'p>> {
        match value {
            Value::Object(map) => Some(Obj { map, path }),
            _ => {
                sink.push(path, format!("expected an object, found {}", kind_of(value)));
                None
            }
        }
    }

    /// The path of `key` in this object.
    pub(crate) fn at(&self, key: &str) -> String {
        join(self.path, key)
    }

    /// A member; `null` counts as absent.
    pub(crate) fn get(&self, key: &str) -> Option<&'v Value> {
        self.map.get(key).filter(|value| !value.is_null())
    }

    /// Whether the member is present (and not `null`).
    pub(crate) fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// A string member.
    pub(crate) fn str(&self, key: &str, sink: &mut Sink<'_>) -> Option<&'v str> {
        match self.get(key)? {
            Value::String(text) => Some(text),
            other => {
                sink.push(self.at(key), format!("expected a string, found {}", kind_of(other)));
                None
            }
        }
    }

    /// A string member that must be present.
    pub(crate) fn required_str(&self, key: &str, sink: &mut Sink<'_>) -> Option<&'v str> {
        if !self.has(key) {
            sink.push(self.at(key), "missing");
            return None;
        }
        self.str(key, sink)
    }

    /// A string member as an owned string.
    pub(crate) fn string(&self, key: &str, sink: &mut Sink<'_>) -> Option<String> {
        self.str(key, sink).map(str::to_owned)
    }

    /// A timestamp as exported: text kept as written (the CLI writes `2022-08-07 12:55:43+00:00`,
    /// not ISO 8601), a number (epoch seconds from some SDK dumps) kept as its text.
    pub(crate) fn date(&self, key: &str, sink: &mut Sink<'_>) -> Option<String> {
        match self.get(key)? {
            Value::String(text) => Some(text.clone()),
            Value::Number(number) => Some(number.to_string()),
            other => {
                sink.push(self.at(key), format!("expected a timestamp, found {}", kind_of(other)));
                None
            }
        }
    }

    /// A boolean member (`"true"`/`"false"` strings accepted).
    pub(crate) fn bool(&self, key: &str, sink: &mut Sink<'_>) -> Option<bool> {
        match self.get(key)? {
            Value::Bool(flag) => Some(*flag),
            Value::String(text) if text.eq_ignore_ascii_case("true") => Some(true),
            Value::String(text) if text.eq_ignore_ascii_case("false") => Some(false),
            other => {
                sink.push(self.at(key), format!("expected a boolean, found {}", kind_of(other)));
                None
            }
        }
    }

    /// A non-negative integer member.
    pub(crate) fn u64(&self, key: &str, sink: &mut Sink<'_>) -> Option<u64> {
        let value = self.get(key)?;
        match value.as_u64() {
            Some(number) => Some(number),
            None => {
                sink.push(self.at(key), format!("expected a non-negative integer, found {}", kind_of(value)));
                None
            }
        }
    }

    /// An array member.
    pub(crate) fn array(&self, key: &str, sink: &mut Sink<'_>) -> Option<&'v [Value]> {
        match self.get(key)? {
            Value::Array(items) => Some(items),
            other => {
                sink.push(self.at(key), format!("expected an array, found {}", kind_of(other)));
                None
            }
        }
    }

    /// An object member, with its path in `path` (filled by this call).
    pub(crate) fn obj<'q>(&self, key: &str, path: &'q mut String, sink: &mut Sink<'_>) -> Option<Obj<'v, 'q>> {
        let value = self.get(key)?;
        *path = self.at(key);
        Obj::new(value, path, sink)
    }

    /// An array of strings; non-strings are issues and skipped.
    pub(crate) fn strings(&self, key: &str, sink: &mut Sink<'_>) -> Vec<String> {
        let Some(items) = self.array(key, sink) else { return Vec::new() };
        let mut out = Vec::with_capacity(items.len());
        for (idx, item) in items.iter().enumerate() {
            match item {
                Value::String(text) => out.push(text.clone()),
                other => sink.push(index(&self.at(key), idx), format!("expected a string, found {}", kind_of(other))),
            }
        }
        out
    }

    /// The objects of an array member, each with its path; non-objects are issues and skipped.
    pub(crate) fn objects(&self, key: &str, sink: &mut Sink<'_>) -> Vec<(String, &'v Map<String, Value>)> {
        let Some(items) = self.array(key, sink) else { return Vec::new() };
        let base = self.at(key);
        let mut out = Vec::with_capacity(items.len());
        for (idx, item) in items.iter().enumerate() {
            match item {
                Value::Object(map) => out.push((index(&base, idx), map)),
                other => sink.push(index(&base, idx), format!("expected an object, found {}", kind_of(other))),
            }
        }
        out
    }

    /// A `[{"Key": k, "Value": v}]` tag list.
    pub(crate) fn tags(&self, key: &str, sink: &mut Sink<'_>) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (path, map) in self.objects(key, sink) {
            let tag = Obj { map, path: &path };
            let name = tag.required_str("Key", sink);
            let value = tag.str("Value", sink).unwrap_or("");
            if let Some(name) = name {
                out.push((name.to_owned(), value.to_owned()));
            }
        }
        out
    }

    /// The top-level pagination markers of a list output: an output that still carries a
    /// `NextToken` (or `NextMarker`, or `Truncated: true`) lacks its later pages.
    pub(crate) fn check_not_truncated(&self, sink: &mut Sink<'_>) -> bool {
        for key in ["NextToken", "NextMarker"] {
            if matches!(self.get(key), Some(Value::String(token)) if !token.is_empty()) {
                sink.push(self.at(key), "the output is truncated: later pages were not collected");
                return false;
            }
        }
        if matches!(self.get("Truncated"), Some(Value::Bool(true))) {
            sink.push(self.at("Truncated"), "the output is truncated: later pages were not collected");
            return false;
        }
        true
    }
}

/// A JSON value's kind, for messages.
pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Parses a policy document at `path`; an invalid one is an issue at the offending element.
pub(crate) fn policy(value: &Value, kind: PolicyKind, path: &str, sink: &mut Sink<'_>) -> Option<Policy> {
    match Policy::from_json(value, kind) {
        Ok(policy) => Some(policy),
        Err(err) => {
            let err = err.within(path);
            sink.push(err.path(), err.message());
            None
        }
    }
}

/// The account field of an ARN (`arn:partition:service:region:account:resource`).
pub(crate) fn arn_account(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(6, ':');
    if parts.next()? != "arn" {
        return None;
    }
    let account = parts.nth(3)?;
    parts.next()?;
    Some(account)
}

/// The partition field of an ARN.
pub(crate) fn arn_partition(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(3, ':');
    if parts.next()? != "arn" {
        return None;
    }
    parts.next().filter(|partition| !partition.is_empty())
}

/// The region field of an ARN.
pub(crate) fn arn_region(arn: &str) -> Option<&str> {
    let mut parts = arn.splitn(5, ':');
    if parts.next()? != "arn" {
        return None;
    }
    parts.nth(2)
}

/// The partition a region belongs to.
pub(crate) fn region_partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-isof-") {
        "aws-iso-f"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("eu-isoe-") {
        "aws-iso-e"
    } else {
        "aws"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_fields() {
        assert_eq!(arn_account("arn:aws:iam::123456789012:user/a:b"), Some("123456789012"));
        assert_eq!(arn_account("arn:aws:iam::aws:policy/ReadOnlyAccess"), Some("aws"));
        assert_eq!(arn_account("arn:aws:s3:::bucket"), Some(""));
        assert_eq!(arn_account("arn:aws:iam"), None);
        assert_eq!(arn_account("nope"), None);
        assert_eq!(arn_partition("arn:aws-cn:iam::123456789012:root"), Some("aws-cn"));
        assert_eq!(arn_region("arn:aws:sqs:eu-west-1:123456789012:q"), Some("eu-west-1"));
        assert_eq!(region_partition("us-gov-west-1"), "aws-us-gov");
        assert_eq!(region_partition("cn-north-1"), "aws-cn");
        assert_eq!(region_partition("eu-central-1"), "aws");
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = serde_json::from_str::<Value>("{\n  \"a\": }").unwrap_err();
        assert_eq!(syntax_location(&err), "line 2 column 8");
        assert_eq!(syntax_message(&err), "expected value");
    }

    #[test]
    fn wrong_types_are_issues_with_paths() {
        let value: Value = serde_json::json!({"A": 1, "B": ["x", 2], "C": null, "D": "2022-08-07 12:55:43+00:00"});
        let mut issues = Vec::new();
        let mut sink = Sink::new(PathBuf::from("f.json"), &mut issues);
        let obj = Obj::new(&value, "X[0]", &mut sink).unwrap();
        assert_eq!(obj.str("A", &mut sink), None);
        assert_eq!(obj.strings("B", &mut sink), vec!["x".to_owned()]);
        assert_eq!(obj.str("C", &mut sink), None);
        assert_eq!(obj.required_str("C", &mut sink), None);
        assert_eq!(obj.date("D", &mut sink).as_deref(), Some("2022-08-07 12:55:43+00:00"));
        let locations: Vec<_> = issues.iter().map(|issue| issue.location.as_str()).collect();
        assert_eq!(locations, ["X[0].A", "X[0].B[1]", "X[0].C"]);
    }
}
