//! Writing files as the AWS CLI and the AWS services print them.
//!
//! The AWS CLI (v2) prints JSON with Python's `json.dumps(response, indent=4,
//! ensure_ascii=False)` and a final newline, and timestamps as ISO 8601 with a `+00:00` offset;
//! [`write_cli_json`] reproduces that byte for byte. Some services return policy documents as
//! strings in their own formatting: KMS and Secrets Manager pretty-print them with Jackson's
//! default printer ([`jackson`]), the others return them compact ([`compact`]).

use std::{
    fs::{self, File},
    io::{self, BufWriter, Write},
    path::{Path, PathBuf},
};

use serde_json::Value;

use crate::stable::civil_from_days;

/// The bundle directory being written, with running totals.
pub(super) struct Out {
    root: PathBuf,
    pub(super) files: usize,
    pub(super) bytes: u64,
}

impl Out {
    pub(super) fn new(root: &Path) -> Out {
        Out { root: root.to_path_buf(), files: 0, bytes: 0 }
    }

    /// Opens `rel` (a `/`-separated path inside the bundle) for writing, creating its directory.
    pub(super) fn create(&mut self, rel: &str) -> io::Result<Counted<BufWriter<File>>> {
        let path = rel.split('/').fold(self.root.clone(), |path, part| path.join(part));
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        self.files += 1;
        Ok(Counted { inner: BufWriter::with_capacity(1 << 16, File::create(path)?), bytes: 0 })
    }

    /// Writes `value` as the AWS CLI prints it.
    pub(super) fn json(&mut self, rel: &str, value: &Value) -> io::Result<()> {
        let mut file = self.create(rel)?;
        write_cli_json(&mut file, value, 0)?;
        file.write_all(b"\n")?;
        self.finish(file)
    }

    pub(super) fn finish(&mut self, mut file: Counted<BufWriter<File>>) -> io::Result<()> {
        file.flush()?;
        self.bytes += file.bytes;
        Ok(())
    }
}

/// A writer that counts what goes through it.
pub(super) struct Counted<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A file or directory name for an AWS name that may hold `/` (secret names): `%` becomes
/// `%25` and `/` becomes `%2F`, as `docs/environment-bundle.md` specifies.
pub(super) fn file_name(name: &str) -> String {
    name.replace('%', "%25").replace('/', "%2F")
}

fn indent(out: &mut impl Write, level: usize) -> io::Result<()> {
    const SPACES: &[u8] = &[b' '; 64];
    let mut n = level * 4;
    while n > 0 {
        let k = n.min(SPACES.len());
        out.write_all(&SPACES[..k])?;
        n -= k;
    }
    Ok(())
}

/// JSON string escaping as Python's `json.dumps(..., ensure_ascii=False)` does it (the same
/// short escapes and `\u00XX` for other control characters as `serde_json`).
fn write_string(out: &mut impl Write, s: &str) -> io::Result<()> {
    let mut buf = [0u8; 4];
    out.write_all(b"\"")?;
    for c in s.chars() {
        match c {
            '"' => out.write_all(b"\\\"")?,
            '\\' => out.write_all(b"\\\\")?,
            '\n' => out.write_all(b"\\n")?,
            '\r' => out.write_all(b"\\r")?,
            '\t' => out.write_all(b"\\t")?,
            '\u{8}' => out.write_all(b"\\b")?,
            '\u{c}' => out.write_all(b"\\f")?,
            c if (c as u32) < 0x20 => write!(out, "\\u{:04x}", c as u32)?,
            c => out.write_all(c.encode_utf8(&mut buf).as_bytes())?,
        }
    }
    out.write_all(b"\"")
}

/// Writes `value` as `json.dumps(value, indent=4)` would, as if nested `level` deep (the first
/// line is not indented; the following lines are).
pub(super) fn write_cli_json(out: &mut impl Write, value: &Value, level: usize) -> io::Result<()> {
    match value {
        Value::Null => out.write_all(b"null"),
        Value::Bool(b) => out.write_all(if *b { b"true" } else { b"false" }),
        Value::Number(n) => write!(out, "{n}"),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            if items.is_empty() {
                return out.write_all(b"[]");
            }
            out.write_all(b"[\n")?;
            for (idx, item) in items.iter().enumerate() {
                if idx > 0 {
                    out.write_all(b",\n")?;
                }
                indent(out, level + 1)?;
                write_cli_json(out, item, level + 1)?;
            }
            out.write_all(b"\n")?;
            indent(out, level)?;
            out.write_all(b"]")
        }
        Value::Object(map) => {
            if map.is_empty() {
                return out.write_all(b"{}");
            }
            out.write_all(b"{\n")?;
            for (idx, (key, item)) in map.iter().enumerate() {
                if idx > 0 {
                    out.write_all(b",\n")?;
                }
                indent(out, level + 1)?;
                write_string(out, key)?;
                out.write_all(b": ")?;
                write_cli_json(out, item, level + 1)?;
            }
            out.write_all(b"\n")?;
            indent(out, level)?;
            out.write_all(b"}")
        }
    }
}

/// A top-level object whose members are long lists, written one element at a time (the
/// authorization details of a large account never exist in memory as a whole).
pub(super) struct ListsWriter<W: Write> {
    out: W,
    lists: usize,
    items: usize,
}

impl<W: Write> ListsWriter<W> {
    pub(super) fn new(mut out: W) -> io::Result<ListsWriter<W>> {
        out.write_all(b"{")?;
        Ok(ListsWriter { out, lists: 0, items: 0 })
    }

    /// A member that is not a list, written whole.
    pub(super) fn value(&mut self, key: &str, value: &Value) -> io::Result<()> {
        self.out.write_all(if self.lists == 0 { b"\n" } else { b",\n" })?;
        indent(&mut self.out, 1)?;
        write_string(&mut self.out, key)?;
        self.out.write_all(b": ")?;
        write_cli_json(&mut self.out, value, 1)?;
        self.lists += 1;
        Ok(())
    }

    pub(super) fn begin_list(&mut self, key: &str) -> io::Result<()> {
        self.out.write_all(if self.lists == 0 { b"\n" } else { b",\n" })?;
        indent(&mut self.out, 1)?;
        write_string(&mut self.out, key)?;
        self.out.write_all(b": [")?;
        self.lists += 1;
        self.items = 0;
        Ok(())
    }

    pub(super) fn item(&mut self, value: &Value) -> io::Result<()> {
        self.out.write_all(if self.items == 0 { b"\n" } else { b",\n" })?;
        indent(&mut self.out, 2)?;
        write_cli_json(&mut self.out, value, 2)?;
        self.items += 1;
        Ok(())
    }

    pub(super) fn end_list(&mut self) -> io::Result<()> {
        if self.items > 0 {
            self.out.write_all(b"\n")?;
            indent(&mut self.out, 1)?;
        }
        self.out.write_all(b"]")
    }

    pub(super) fn finish(mut self) -> io::Result<W> {
        self.out.write_all(if self.lists == 0 { b"}\n" } else { b"\n}\n" })?;
        Ok(self.out)
    }
}

/// A policy document as most services return it inside their responses: compact JSON text.
pub(super) fn compact(value: &Value) -> String {
    value.to_string()
}

/// A policy document as KMS and Secrets Manager return it: Jackson's default pretty printer
/// (`"key" : value`, two-space indents, arrays of scalars on one line, `[ {` ... `}, {` ... `} ]`).
pub(super) fn jackson(value: &Value) -> String {
    fn go(out: &mut String, value: &Value, level: usize) {
        let pad = |out: &mut String, level: usize| out.extend(std::iter::repeat_n(' ', level * 2));
        match value {
            Value::Array(items) if items.is_empty() => out.push_str("[ ]"),
            Value::Array(items) => {
                out.push_str("[ ");
                for (idx, item) in items.iter().enumerate() {
                    if idx > 0 {
                        out.push_str(", ");
                    }
                    go(out, item, level);
                }
                out.push_str(" ]");
            }
            Value::Object(map) if map.is_empty() => out.push_str("{ }"),
            Value::Object(map) => {
                out.push_str("{\n");
                for (idx, (key, item)) in map.iter().enumerate() {
                    if idx > 0 {
                        out.push_str(",\n");
                    }
                    pad(out, level + 1);
                    out.push_str(&Value::String(key.clone()).to_string());
                    out.push_str(" : ");
                    go(out, item, level + 1);
                }
                out.push('\n');
                pad(out, level);
                out.push('}');
            }
            scalar => out.push_str(&scalar.to_string()),
        }
    }
    let mut out = String::new();
    go(&mut out, value, 0);
    out
}

/// Unix seconds as the AWS CLI v2 prints a timestamp: `2021-03-04T12:34:56+00:00`.
pub(super) fn iso(epoch: i64) -> String {
    let (y, m, d) = civil_from_days(epoch.div_euclid(86_400));
    let secs = epoch.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+00:00", secs / 3600, secs / 60 % 60, secs % 60)
}

/// Unix seconds as a `Z` timestamp (`bundle.json`, policy conditions).
pub(super) fn iso_z(epoch: i64) -> String {
    let (y, m, d) = civil_from_days(epoch.div_euclid(86_400));
    let secs = epoch.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs / 60 % 60, secs % 60)
}

pub(super) const DAY: i64 = 86_400;
