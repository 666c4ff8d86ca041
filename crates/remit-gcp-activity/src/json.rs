//! Field lookups that tolerate the spelling differences between audit log exports.
//!
//! Why: `gcloud logging read` and Cloud Storage sinks write the LogEntry's proto JSON names
//! (`protoPayload`, `authenticationInfo`), BigQuery exports write snake_case column names
//! (`protopayload_auditlog`, `authentication_info` in some schemas); a lookup that cared about
//! case or underscores would silently miss records.

use serde_json::Value;

fn same(a: &str, b: &str) -> bool {
    let mut a = a.bytes().filter(|&c| c != b'_');
    let mut b = b.bytes().filter(|&c| c != b'_');
    loop {
        match (a.next(), b.next()) {
            (None, None) => return true,
            (Some(x), Some(y)) if x.eq_ignore_ascii_case(&y) => {}
            _ => return false,
        }
    }
}

/// The member `name` of an object, compared without regard to ASCII case or underscores (an
/// exact match first).
pub(crate) fn field<'v>(value: &'v Value, name: &str) -> Option<&'v Value> {
    let map = value.as_object()?;
    map.get(name).or_else(|| map.iter().find(|(k, _)| same(k, name)).map(|(_, v)| v))
}

/// The first of `names` present and not null.
pub(crate) fn first<'v>(value: &'v Value, names: &[&str]) -> Option<&'v Value> {
    names.iter().filter_map(|n| field(value, n)).find(|v| !v.is_null())
}

/// A non-empty string field.
pub(crate) fn text(value: Option<&Value>) -> Option<&str> {
    value.and_then(Value::as_str).filter(|s| !s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_ignore_case_and_underscores() {
        let v = json!({"principal_email": "a@b.c", "ProtoPayload": {}, "x": ""});
        assert_eq!(text(field(&v, "principalEmail")), Some("a@b.c"));
        assert!(field(&v, "protoPayload").is_some());
        assert_eq!(text(field(&v, "x")), None);
        assert!(field(&v, "principalEmails").is_none());
        assert!(!same("ab", "a"));
    }
}
