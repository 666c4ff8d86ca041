//! A JSON log file's bytes into records, each with where it is in the file, and files read on
//! every core.
//!
//! Why a module of its own, here: the clouds' log exports carry their records in the same few
//! containers (a JSON array, an object wrapping an array, one record per line, gzip or not), and
//! every problem must say where it is. This module knows the containers and positions, none of
//! any cloud's record format: the callers name the keys that wrap their records and read the
//! records themselves (`remit-azure-activity`, `remit-gcp-activity`). A file damaged part-way
//! keeps every record before the damage and says where it is.

use std::{
    borrow::Cow,
    fmt,
    io::{self, Read},
    path::{Path, PathBuf},
};

use flate2::read::MultiGzDecoder;
use rayon::prelude::*;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Value, value::RawValue};

/// A problem with part of a file; the rest of the file was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// The file.
    pub location: String,
    /// The line (1-based) of a JSON Lines file, or of the JSON syntax error.
    pub line: Option<u64>,
    /// The byte offset in the (decompressed) file.
    pub offset: Option<u64>,
    /// The record's index in the file (0-based), when the problem is one record's.
    pub record: Option<u64>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.location)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(record) = self.record {
            write!(f, ": record #{record}")?;
        }
        if let Some(offset) = self.offset {
            write!(f, " (byte {offset})")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Where a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    /// The record's index in the file (0-based).
    pub record: u64,
    /// The line (1-based) where the record starts.
    pub line: Option<u64>,
    /// The byte offset (in the decompressed file) where the record starts.
    pub offset: Option<u64>,
}

impl Position {
    /// A problem with the record here.
    pub fn issue(&self, location: &str, message: impl Into<String>) -> Issue {
        Issue {
            location: location.to_owned(),
            line: self.line,
            offset: self.offset,
            record: Some(self.record),
            message: message.into(),
        }
    }
}

/// What walking a file gave besides its records.
#[derive(Debug, Default)]
pub struct Walked {
    /// Problems of the container (not of one record's content).
    pub issues: Vec<Issue>,
    /// The file was read to its end.
    pub complete: bool,
}

/// A problem with a whole file (no line, offset or record).
pub fn file_issue(location: &str, message: impl Into<String>) -> Issue {
    Issue { location: location.to_owned(), line: None, offset: None, record: None, message: message.into() }
}

/// One file's bytes and where they came from.
#[derive(Debug, Clone)]
pub struct Input {
    /// A path or a URL, for issues.
    pub location: String,
    /// The file as stored (JSON, JSON Lines, gzip or not).
    pub bytes: Vec<u8>,
}

/// What reading log files gives: mergeable, so files are read on every core and merged in the
/// order given.
pub trait LogRead: Default + Send {
    /// Adds another file's read.
    fn merge_read(&mut self, other: Self);
    /// The read of a file that cannot be read at all: the issue, and incomplete.
    fn unreadable(issue: Issue) -> Self;
}

/// Reads a file from disk with `read_file`; `Err` only when it cannot be read at all.
pub fn read_path<R>(path: &Path, read_file: impl FnOnce(&str, &[u8]) -> R) -> Result<R, Issue> {
    let location = path.display().to_string();
    match std::fs::read(path) {
        Ok(bytes) => Ok(read_file(&location, &bytes)),
        Err(err) => Err(file_issue(&location, format!("cannot be read: {err}"))),
    }
}

/// Reads many files on every core and merges them in the order given (files that cannot be
/// read are issues, and make the result incomplete).
pub fn read_paths<R: LogRead>(paths: &[PathBuf], read_file: impl Fn(&str, &[u8]) -> R + Sync) -> R {
    let reads: Vec<R> =
        paths.par_iter().map(|path| read_path(path, &read_file).unwrap_or_else(R::unreadable)).collect();
    merge_all(reads)
}

/// Reads many files' bytes on every core and merges them in the order given.
pub fn read_files<R: LogRead>(inputs: &[Input], read_file: impl Fn(&str, &[u8]) -> R + Sync) -> R {
    let reads: Vec<R> = inputs.par_iter().map(|input| read_file(&input.location, &input.bytes)).collect();
    merge_all(reads)
}

fn merge_all<R: LogRead>(reads: Vec<R>) -> R {
    let mut all = R::default();
    for read in reads {
        all.merge_read(read);
    }
    all
}

/// The file's JSON: inflated when gzip (RFC 1952's magic number; every member, as `gzip -d`
/// does), with what was recovered before any damage.
fn inflate<'b>(location: &str, bytes: &'b [u8], walked: &mut Walked) -> Cow<'b, [u8]> {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return Cow::Borrowed(bytes);
    }
    let mut out = Vec::new();
    if let Err(err) = MultiGzDecoder::new(bytes).read_to_end(&mut out) {
        walked.complete = false;
        let what = match err.kind() {
            io::ErrorKind::UnexpectedEof => "the gzip stream ends early (truncated file)".to_owned(),
            _ => format!("the gzip stream is damaged: {err}"),
        };
        walked.issues.push(file_issue(location, format!("{what}; {} bytes of JSON recovered before it", out.len())));
    }
    Cow::Owned(out)
}

/// Lines counted up to an offset, onward from the last one asked (records come in order, so
/// a file is scanned once however many records it holds).
struct Lines {
    offset: usize,
    line: u64,
}

impl Lines {
    /// The 1-based line of `offset` (at or after the last offset asked).
    fn at(&mut self, json: &[u8], offset: usize) -> u64 {
        if offset >= self.offset {
            let between = json.get(self.offset..offset).unwrap_or(&[]);
            self.line += between.iter().filter(|&&b| b == b'\n').count() as u64;
            self.offset = offset;
        }
        self.line
    }
}

/// Byte offset of a 1-based line and column.
fn offset_of(json: &[u8], line: usize, column: usize) -> u64 {
    let mut start = 0usize;
    for _ in 1..line {
        match json.get(start..).and_then(|rest| rest.iter().position(|&b| b == b'\n')) {
            Some(i) => start += i + 1,
            None => break,
        }
    }
    (start + column.saturating_sub(1)) as u64
}

/// Reads every record of `bytes` and hands each to `each` with its position.
///
/// Containers: a JSON array of records; an object whose key in `wrappers` (compared without
/// regard to case) holds the array (`{"records":[…]}`, `{"value":[…]}`); one record per line
/// (JSON Lines); a single object that is itself a record.
pub fn walk(
    location: &str,
    bytes: &[u8],
    wrappers: &[&str],
    mut each: impl FnMut(Position, Result<Value, String>),
) -> Walked {
    let mut walked = Walked { issues: Vec::new(), complete: true };
    let json = inflate(location, bytes, &mut walked);
    let json: &[u8] = json.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&json);
    let first = json.iter().copied().find(|b| !b.is_ascii_whitespace());
    match first {
        None => {}
        Some(b'{') if looks_like_json_lines(json, wrappers) => read_lines(json, &mut each),
        Some(_) => read_document(location, json, wrappers, &mut walked, &mut each),
    }
    walked
}

/// JSON Lines: the first line is a whole object that is not a wrapper of records.
fn looks_like_json_lines(json: &[u8], wrappers: &[&str]) -> bool {
    let end = json.iter().position(|&b| b == b'\n').unwrap_or(json.len());
    // A first line of more than a megabyte is a whole wrapped file on one line, not a record
    // (records are a few kilobytes): not parsed into a tree only to be parsed again.
    if end > 1 << 20 {
        return false;
    }
    match serde_json::from_slice::<Value>(&json[..end]) {
        Ok(Value::Object(map)) => !map.keys().any(|k| wrappers.iter().any(|w| w.eq_ignore_ascii_case(k))),
        _ => false,
    }
}

fn read_lines(json: &[u8], each: &mut impl FnMut(Position, Result<Value, String>)) {
    let mut offset = 0usize;
    let mut record = 0u64;
    for (index, line) in json.split(|&b| b == b'\n').enumerate() {
        let start = offset;
        offset += line.len() + 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let position = Position { record, line: Some(index as u64 + 1), offset: Some(start as u64) };
        record += 1;
        let parsed = serde_json::from_slice::<Value>(line).map_err(|err| {
            let what = if err.is_eof() { "the line ends early" } else { "the line is not JSON" };
            format!("{what}: {err}")
        });
        each(position, parsed);
    }
}

/// The elements of the records array, each handed on as it is parsed.
struct Elements<'a, F> {
    base: usize,
    json: &'a [u8],
    record: &'a mut u64,
    lines: Lines,
    each: &'a mut F,
}

impl<'de, F: FnMut(Position, Result<Value, String>)> DeserializeSeed<'de> for Elements<'_, F> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(Position, Result<Value, String>)> Visitor<'de> for Elements<'_, F> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of records")
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            let offset = (raw.get().as_ptr() as usize).saturating_sub(self.base);
            let line = self.lines.at(self.json, offset);
            let position = Position { record: *self.record, line: Some(line), offset: Some(offset as u64) };
            *self.record += 1;
            let parsed = serde_json::from_str::<Value>(raw.get()).map_err(|err| format!("not JSON: {err}"));
            (self.each)(position, parsed);
        }
        Ok(())
    }
}

/// The top of a document: an array of records, or an object holding one under a wrapper key.
struct Top<'a, F> {
    elements: Elements<'a, F>,
    wrappers: &'a [&'a str],
}

impl<'de, F: FnMut(Position, Result<Value, String>)> Visitor<'de> for Top<'_, F> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of records or an object wrapping one")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let Top { elements, wrappers } = self;
        let mut elements = Some(elements);
        let mut found = false;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let wrapper = wrappers.iter().any(|w| w.eq_ignore_ascii_case(&key));
            match elements.take() {
                Some(seed) if wrapper => {
                    map.next_value_seed(seed)?;
                    found = true;
                }
                other => {
                    elements = other;
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(found)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<bool, A::Error> {
        self.elements.visit_seq(seq).map(|()| true)
    }
}

fn read_document(
    location: &str,
    json: &[u8],
    wrappers: &[&str],
    walked: &mut Walked,
    each: &mut impl FnMut(Position, Result<Value, String>),
) {
    let mut record = 0u64;
    let result = {
        let elements = Elements {
            base: json.as_ptr() as usize,
            json,
            record: &mut record,
            lines: Lines { offset: 0, line: 1 },
            each: &mut *each,
        };
        let mut de = serde_json::Deserializer::from_slice(json);
        de.deserialize_any(Top { elements, wrappers }).and_then(|found| de.end().map(|()| found))
    };
    match result {
        Ok(true) => {}
        Ok(false) => {
            // An object that wraps nothing: a single record, pretty-printed.
            match serde_json::from_slice::<Value>(json) {
                Ok(value @ Value::Object(_)) => {
                    each(Position { record: 0, line: Some(1), offset: Some(0) }, Ok(value));
                }
                _ => walked.issues.push(file_issue(location, "no records: neither an array nor a record")),
            }
        }
        Err(err) => {
            walked.complete = false;
            let what = if err.is_eof() { "the JSON ends early" } else { "the JSON is damaged" };
            walked.issues.push(Issue {
                location: location.to_owned(),
                line: Some(err.line() as u64),
                offset: Some(offset_of(json, err.line(), err.column())),
                record: Some(record),
                message: format!("{what}: {err}; the {record} records before it were read"),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn positions(text: &str) -> (Vec<(Position, bool)>, Walked) {
        let mut seen = Vec::new();
        let walked = walk("f", text.as_bytes(), &["records", "value"], |p, v| seen.push((p, v.is_ok())));
        (seen, walked)
    }

    #[test]
    fn arrays_wrappers_and_lines_give_positions() {
        let (seen, walked) = positions("[\n{\"a\":1},\n{\"a\":2}\n]");
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[1].0.line, Some(3));
        assert!(walked.complete);
        let (seen, _) = positions("{\"records\":[{\"a\":1}]}");
        assert_eq!(seen.len(), 1);
        let (seen, _) = positions("{\"a\":1}\n\n{\"a\":\n");
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[1].0.line, Some(3));
        assert!(!seen[1].1);
    }

    #[test]
    fn truncated_documents_keep_what_came_before() {
        let (seen, walked) = positions("[{\"a\":1},{\"a\":");
        assert_eq!(seen.len(), 1);
        assert!(!walked.complete);
        assert_eq!(walked.issues[0].record, Some(1));
    }

    /// Records and issues per file, to check the order and the unreadable files.
    #[derive(Debug, Default, PartialEq)]
    struct Seen {
        locations: Vec<String>,
        issues: Vec<Issue>,
        complete: bool,
    }

    impl LogRead for Seen {
        fn merge_read(&mut self, other: Seen) {
            self.locations.extend(other.locations);
            self.issues.extend(other.issues);
            self.complete &= other.complete;
        }
        fn unreadable(issue: Issue) -> Seen {
            Seen { locations: Vec::new(), issues: vec![issue], complete: false }
        }
    }

    fn seen(location: &str, _bytes: &[u8]) -> Seen {
        Seen { locations: vec![location.to_owned()], issues: Vec::new(), complete: true }
    }

    #[test]
    fn many_files_merge_in_the_order_given_and_a_missing_one_is_an_issue() {
        let inputs: Vec<Input> = (0..20).map(|i| Input { location: format!("f{i}"), bytes: Vec::new() }).collect();
        let read = read_files(&inputs, seen);
        let order: Vec<String> = (0..20).map(|i| format!("f{i}")).collect();
        assert_eq!(read.locations, order);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        std::fs::write(&path, b"[]").unwrap();
        let missing = dir.path().join("missing.json");
        let read = read_paths(&[path, missing.clone()], seen);
        assert_eq!(read.locations.len(), 1);
        assert!(!read.complete);
        assert_eq!(read.issues[0].location, missing.display().to_string());
        assert!(read.issues[0].message.starts_with("cannot be read: "), "{}", read.issues[0]);
    }

    #[test]
    fn a_lone_pretty_record_is_one_record() {
        let (seen, walked) = positions("{\n \"a\": 1\n}");
        assert_eq!(seen.len(), 1);
        assert!(walked.issues.is_empty());
        let (seen, walked) = positions("42");
        assert!(seen.is_empty());
        assert_eq!(walked.issues.len(), 1);
    }
}
