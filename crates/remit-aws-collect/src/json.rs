//! JSON as the AWS CLI prints it: the CLI's key names and order, ISO 8601 timestamps, policy
//! documents decoded where the CLI decodes them, 4-space indentation and a final newline.
//!
//! The CLI formats with Python's `json.dumps(response, indent=4, ensure_ascii=False)` and prints
//! timestamps with `datetime.isoformat()`; serde_json's pretty printer with a 4-space indent
//! writes the same bytes for the same value (`[]`/`{}` for empty containers, raw UTF-8, `\uXXXX`
//! in lower-case hex for control characters).

use aws_sdk_sts::primitives::DateTime;
use remit_model::calendar::civil_from_days;
use serde_json::{Map, Value};

/// Builds one JSON object in the order its members are added (the model's order, which is the
/// order the CLI prints), leaving out members AWS did not send, as the CLI does.
#[derive(Default)]
pub(crate) struct Obj(Map<String, Value>);

impl Obj {
    pub(crate) fn new() -> Obj {
        Obj(Map::new())
    }

    pub(crate) fn s<'a>(mut self, key: &str, value: impl Into<Option<&'a str>>) -> Obj {
        if let Some(value) = value.into() {
            self.0.insert(key.to_owned(), Value::String(value.to_owned()));
        }
        self
    }

    pub(crate) fn os(self, key: &str, value: &Option<String>) -> Obj {
        self.s(key, value.as_deref())
    }

    pub(crate) fn t(mut self, key: &str, value: Option<&DateTime>) -> Obj {
        if let Some(value) = value {
            self.0.insert(key.to_owned(), Value::String(timestamp(value)));
        }
        self
    }

    pub(crate) fn b(mut self, key: &str, value: impl Into<Option<bool>>) -> Obj {
        if let Some(value) = value.into() {
            self.0.insert(key.to_owned(), Value::Bool(value));
        }
        self
    }

    pub(crate) fn i(mut self, key: &str, value: impl Into<Option<i64>>) -> Obj {
        if let Some(value) = value.into() {
            self.0.insert(key.to_owned(), Value::from(value));
        }
        self
    }

    pub(crate) fn v(mut self, key: &str, value: impl Into<Option<Value>>) -> Obj {
        if let Some(value) = value.into() {
            self.0.insert(key.to_owned(), value);
        }
        self
    }

    /// A list member: absent when AWS sent none, `[]` when it sent an empty one.
    pub(crate) fn list<T>(self, key: &str, items: Option<&[T]>, f: impl Fn(&T) -> Value) -> Obj {
        let value = items.map(|items| Value::Array(items.iter().map(f).collect()));
        self.v(key, value)
    }

    /// A list of strings (or of enums, through `as_str`).
    pub(crate) fn strs<T>(self, key: &str, items: Option<&[T]>, f: impl Fn(&T) -> &str) -> Obj {
        self.list(key, items, |item| Value::String(f(item).to_owned()))
    }

    /// A string-to-string map, keys sorted (AWS's order is not kept by the SDK's `HashMap`).
    pub(crate) fn map(self, key: &str, map: Option<&std::collections::HashMap<String, String>>) -> Obj {
        let value = map.map(|map| {
            let mut pairs: Vec<(&String, &String)> = map.iter().collect();
            pairs.sort();
            Value::Object(pairs.into_iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect())
        });
        self.v(key, value)
    }

    pub(crate) fn build(self) -> Value {
        Value::Object(self.0)
    }
}

/// A timestamp as the AWS CLI v2 prints it: `2024-05-01T12:34:56+00:00`, with `.ffffff`
/// microseconds only when they are not zero (Python's `datetime.isoformat()`).
pub(crate) fn timestamp(value: &DateTime) -> String {
    let secs = value.secs();
    let days = secs.div_euclid(86_400);
    let of_day = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let mut out =
        format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}", of_day / 3600, of_day % 3600 / 60, of_day % 60);
    let micros = value.subsec_nanos() / 1000;
    if micros != 0 {
        out.push_str(&format!(".{micros:06}"));
    }
    out.push_str("+00:00");
    out
}

/// Percent-decoding as Python's `urllib.parse.unquote` does it (`+` stays `+`; a `%` not
/// followed by two hex digits stays as it is; invalid UTF-8 is replaced).
pub(crate) fn url_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut idx = 0;
    while idx < bytes.len() {
        if bytes[idx] == b'%'
            && let (Some(hi), Some(lo)) =
                (bytes.get(idx + 1).and_then(|b| hex(*b)), bytes.get(idx + 2).and_then(|b| hex(*b)))
        {
            out.push(hi << 4 | lo);
            idx += 3;
            continue;
        }
        out.push(bytes[idx]);
        idx += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// An IAM policy document as the CLI prints it: IAM returns documents URL-encoded, and the CLI
/// (botocore's `json_decode_policies` handler) decodes them into JSON objects. A document that
/// is not JSON after decoding is kept as the string AWS sent, which the bundle reader accepts.
pub(crate) fn iam_document(raw: Option<&str>) -> Option<Value> {
    let raw = raw?;
    let decoded = url_decode(raw);
    Some(serde_json::from_str::<Value>(&decoded).unwrap_or(Value::String(raw.to_owned())))
}

/// The bytes the CLI prints for a value.
pub(crate) fn to_cli_bytes(value: &Value) -> Vec<u8> {
    use serde::Serialize;
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, formatter);
    // Serializing a `Value` into a `Vec` cannot fail: every key is a string and writes to a
    // `Vec` do not fail.
    if value.serialize(&mut ser).is_err() {
        out.clear();
        out.extend_from_slice(b"null");
    }
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_print_as_python_isoformat() {
        assert_eq!(timestamp(&DateTime::from_secs(0)), "1970-01-01T00:00:00+00:00");
        assert_eq!(timestamp(&DateTime::from_secs(1_709_251_199)), "2024-02-29T23:59:59+00:00");
        assert_eq!(
            timestamp(&DateTime::from_secs_and_nanos(1_700_000_000, 123_456_789)),
            "2023-11-14T22:13:20.123456+00:00"
        );
        assert_eq!(timestamp(&DateTime::from_secs(-1)), "1969-12-31T23:59:59+00:00");
    }

    #[test]
    fn url_decoding_matches_unquote() {
        assert_eq!(url_decode("%7B%22a%22%3A+1%7D"), "{\"a\":+1}");
        assert_eq!(url_decode("100%"), "100%");
        assert_eq!(url_decode("%zz%4"), "%zz%4");
        assert_eq!(url_decode("caf%C3%A9"), "café");
    }

    #[test]
    fn iam_documents_become_objects_in_their_order() {
        let doc = iam_document(Some("%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D"));
        assert_eq!(serde_json::to_string(&doc).ok().as_deref(), Some(r#"{"Version":"2012-10-17","Statement":[]}"#));
        assert_eq!(iam_document(Some("not json")), Some(Value::String("not json".into())));
    }

    #[test]
    fn printed_like_json_dumps_indent_4() {
        let value = serde_json::json!({"a": [], "b": {}, "c": [1, "é\u{1}"], "d": {"e": null}});
        let text = String::from_utf8(to_cli_bytes(&value)).unwrap_or_default();
        assert_eq!(
            text,
            "{\n    \"a\": [],\n    \"b\": {},\n    \"c\": [\n        1,\n        \"é\\u0001\"\n    ],\n    \"d\": {\n        \"e\": null\n    }\n}\n"
        );
    }
}
