//! Walking a bundle's directories in a deterministic order, and the file-name encoding of
//! names a file system cannot hold.

use std::{fs, path::Path};

use crate::json::Sink;

/// One entry of a directory.
pub(crate) struct Entry {
    /// Its file name.
    pub(crate) name: String,
    /// Whether it is a directory (following symbolic links).
    pub(crate) is_dir: bool,
}

/// The entries of `dir`, sorted by name; `None` when it does not exist. An unreadable
/// directory or a name that is not UTF-8 is an issue.
pub(crate) fn list(dir: &Path, sink: &mut Sink<'_>) -> Option<Vec<Entry>> {
    let read = match fs::read_dir(dir) {
        Ok(read) => read,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return None,
        Err(err) => {
            sink.push("", format!("cannot read the directory: {err}"));
            return Some(Vec::new());
        }
    };
    let mut entries = Vec::new();
    for entry in read {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                sink.push("", format!("cannot read the directory: {err}"));
                continue;
            }
        };
        let name = match entry.file_name().into_string() {
            Ok(name) => name,
            Err(name) => {
                sink.push("", format!("the name {name:?} is not UTF-8 (ignored)"));
                continue;
            }
        };
        if name.starts_with('.') {
            continue;
        }
        let is_dir = fs::metadata(entry.path()).map(|meta| meta.is_dir()).unwrap_or(false);
        entries.push(Entry { name, is_dir });
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    Some(entries)
}

/// Decodes a name written to the file system: `%2F` is `/`, `%25` is `%`; anything else is
/// kept as written.
pub(crate) fn decode_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        if let Some(tail) = after.strip_prefix("%2F").or_else(|| after.strip_prefix("%2f")) {
            out.push('/');
            rest = tail;
        } else if let Some(tail) = after.strip_prefix("%25") {
            out.push('%');
            rest = tail;
        } else {
            out.push('%');
            rest = &after[1..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_decode() {
        assert_eq!(decode_name("prod%2Fdb%2Fpassword"), "prod/db/password");
        assert_eq!(decode_name("100%25%2f"), "100%/");
        assert_eq!(decode_name("a%41%"), "a%41%");
        assert_eq!(decode_name("plain"), "plain");
    }
}
