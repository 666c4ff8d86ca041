//! Shell and Terraform (HCL) quoting for the right-sized roles the cloud readers write.
//!
//! Why here: the Azure and Google Cloud right-sizers both print a custom role as CLI commands
//! and a Terraform resource built from strings found in logs (untrusted), and both need the same
//! quoting so that no log text can end a word or a string or start an interpolation. The
//! commands and resources themselves are each cloud's; only the quoting is shared.

/// A word for a POSIX shell: as is when it is plain, else single-quoted.
pub fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/' | b':' | b'@' | b'=' | b','));
    if plain { text.to_owned() } else { format!("'{}'", text.replace('\'', r"'\''")) }
}

/// A string in HCL's quoted form (`\`, `"`, control characters escaped; `${` and `%{` doubled
/// so Terraform reads them literally).
pub fn hcl_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A list of quoted strings, one a line indented two spaces past `indent`, the closing bracket
/// at `indent` (`[]` when empty).
pub fn hcl_list(items: &[String], indent: &str) -> String {
    if items.is_empty() {
        return "[]".to_owned();
    }
    let mut out = String::from("[\n");
    for item in items {
        out.push_str(&format!("{indent}  {},\n", hcl_string(item)));
    }
    out.push_str(indent);
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_word("user:a@b.c"), "user:a@b.c");
        assert_eq!(shell_word("Remit VM reader"), "'Remit VM reader'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
    }

    #[test]
    fn strings_cannot_end_early_or_interpolate() {
        assert_eq!(hcl_string("a\"b\\c\n"), r#""a\"b\\c\n""#);
        assert_eq!(hcl_string("${x} %{y} $z"), r#""$${x} %%{y} $z""#);
        assert_eq!(hcl_string("\u{1}"), r#""\u0001""#);
    }

    #[test]
    fn lists_are_one_item_a_line() {
        assert_eq!(hcl_list(&[], "  "), "[]");
        assert_eq!(hcl_list(&["a".to_owned(), "b".to_owned()], "  "), "[\n    \"a\",\n    \"b\",\n  ]");
    }
}
