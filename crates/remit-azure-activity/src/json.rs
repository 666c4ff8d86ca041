//! Field lookups that tolerate the casing differences between Azure's export shapes.
//!
//! Why: the same field is `operationName` in the REST shape, `operationName` or `OperationName`
//! in diagnostic exports (casing varies by resource provider) and `OperationNameValue` in Log
//! Analytics; a lookup that cares about case would silently miss records.

use serde_json::Value;

/// The member `name` of an object, compared without regard to ASCII case (an exact match first).
pub(crate) fn field<'v>(value: &'v Value, name: &str) -> Option<&'v Value> {
    let map = value.as_object()?;
    map.get(name).or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

/// The first of `names` present and not null.
pub(crate) fn first<'v>(value: &'v Value, names: &[&str]) -> Option<&'v Value> {
    names.iter().filter_map(|n| field(value, n)).find(|v| !v.is_null())
}

/// A string field, or the `value` of a localizable `{"value": …, "localizedValue": …}` object
/// (the REST shape's spelling); empty strings are absent.
pub(crate) fn text(value: Option<&Value>) -> Option<&str> {
    let value = value?;
    let text = match value {
        Value::String(s) => s.as_str(),
        Value::Object(_) => field(value, "value")?.as_str()?,
        _ => return None,
    };
    (!text.trim().is_empty()).then_some(text)
}

/// An object field, or one written as a JSON string (Log Analytics exports `Authorization`,
/// `Claims` and `Properties` so).
pub(crate) fn object(value: Option<&Value>) -> Option<Value> {
    match value? {
        v @ Value::Object(_) => Some(v.clone()),
        Value::String(s) => serde_json::from_str::<Value>(s).ok().filter(Value::is_object),
        _ => None,
    }
}

/// Whether `text` is a GUID (an Entra object id).
pub(crate) fn is_guid(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 36
        && b.iter()
            .enumerate()
            .all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() })
}

/// A GUID in its dashed lower-case form, from the dashed or the 32-digit form (the Activity
/// Log's `evidence` writes ids without dashes).
pub(crate) fn normalize_guid(text: &str) -> Option<String> {
    if is_guid(text) {
        return Some(text.to_ascii_lowercase());
    }
    let b = text.as_bytes();
    if b.len() != 32 || !b.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let t = text.to_ascii_lowercase();
    Some(format!("{}-{}-{}-{}-{}", &t[0..8], &t[8..12], &t[12..16], &t[16..20], &t[20..32]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_ignore_case_and_unwrap_localized_values() {
        let v = json!({"OperationName": {"value": "x", "localizedValue": "X"}, "a": "", "b": null, "B2": "y"});
        assert_eq!(text(field(&v, "operationName")), Some("x"));
        assert_eq!(text(field(&v, "a")), None);
        assert_eq!(text(first(&v, &["b", "b2"])), Some("y"));
        assert_eq!(text(field(&v, "missing")), None);
        assert!(object(Some(&json!("{\"action\":\"a\"}"))).is_some());
        assert!(object(Some(&json!("nope"))).is_none());
        assert!(is_guid("0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"));
        assert!(!is_guid("alice@contoso.com"));
        assert_eq!(
            normalize_guid("A0A0A0A0BBBBCCCCDDDDE1E1E1E1E1E1").as_deref(),
            Some("a0a0a0a0-bbbb-cccc-dddd-e1e1e1e1e1e1")
        );
        assert_eq!(normalize_guid("not-a-guid"), None);
    }
}
