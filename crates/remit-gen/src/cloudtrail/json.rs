//! A minimal JSON writer that keeps fields in the order it is given.
//!
//! CloudTrail writes a record's fields in a fixed order (`eventVersion`, `userIdentity`,
//! `eventTime` ...), and readers that sniff records by their first bytes rely on it, so records
//! are written field by field rather than through a map. It is also what makes a million
//! records a matter of seconds: nothing is built but the text.

/// Appends `text` as a JSON string.
pub(super) fn push_str(out: &mut String, text: &str) {
    out.push('"');
    if text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push_str(text);
    } else {
        for c in text.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 => {
                    out.push_str("\\u00");
                    let v = c as u32;
                    out.push(char::from(b"0123456789abcdef"[(v >> 4) as usize]));
                    out.push(char::from(b"0123456789abcdef"[(v & 15) as usize]));
                }
                c => out.push(c),
            }
        }
    }
    out.push('"');
}

/// An object being written.
pub(super) struct Obj<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Obj<'a> {
    pub(super) fn open(out: &'a mut String) -> Obj<'a> {
        out.push('{');
        Obj { out, first: true }
    }

    /// Writes `"key":` and leaves the value to the caller.
    pub(super) fn key(&mut self, key: &str) -> &mut String {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        self.out.push('"');
        self.out.push_str(key);
        self.out.push_str("\":");
        self.out
    }

    pub(super) fn str(&mut self, key: &str, value: &str) {
        let out = self.key(key);
        push_str(out, value);
    }

    /// A value that is already JSON text.
    pub(super) fn raw(&mut self, key: &str, json: &str) {
        self.key(key).push_str(json);
    }

    pub(super) fn bool(&mut self, key: &str, value: bool) {
        self.key(key).push_str(if value { "true" } else { "false" });
    }

    pub(super) fn num(&mut self, key: &str, value: u64) {
        self.key(key).push_str(&value.to_string());
    }

    pub(super) fn null(&mut self, key: &str) {
        self.key(key).push_str("null");
    }

    /// A nested object under `key`.
    pub(super) fn obj(&mut self, key: &str) -> Obj<'_> {
        let out = self.key(key);
        Obj::open(out)
    }

    pub(super) fn close(self) {
        self.out.push('}');
    }
}

/// A one-field object `{"key":"value"}` as JSON text.
pub(super) fn one(key: &str, value: &str) -> String {
    let mut out = String::new();
    let mut obj = Obj::open(&mut out);
    obj.str(key, value);
    obj.close();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_in_order_and_escapes() {
        let mut out = String::new();
        let mut obj = Obj::open(&mut out);
        obj.str("b", "a\"b\\c\n");
        obj.num("a", 7);
        let mut inner = obj.obj("c");
        inner.bool("x", true);
        inner.null("y");
        inner.close();
        obj.raw("d", "[1]");
        obj.close();
        assert_eq!(out, r#"{"b":"a\"b\\c\n","a":7,"c":{"x":true,"y":null},"d":[1]}"#);
        let value: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
        assert_eq!(value["b"], "a\"b\\c\n");
    }
}
