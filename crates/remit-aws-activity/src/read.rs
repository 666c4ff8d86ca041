//! One log file's bytes into rollups.
//!
//! Accepted shapes (detected from the bytes, gzip or not; Parquet is Security Lake's OCSF,
//! read by [`crate::ocsf`]):
//! - CloudTrail's delivery to S3: one object `{"Records":[…]}` (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-log-file-examples.html>);
//! - a bare array of records (what `jq '.Records'` and several tools export);
//! - `lookup-events` output, `{"Events":[{"CloudTrailEvent":"<record as a JSON string>"},…]}`;
//! - JSON Lines, one record per line (CloudTrail Lake and EventBridge exports).
//!
//! Records are read in one pass into borrowed structs, straight into the rollups: nothing of a
//! file is kept once it is read. A file that ends early (a truncated gzip stream, a JSON syntax
//! error) keeps every record read before the damage and reports where it is; a record without
//! what usage needs (time, source, name, a caller) is reported by its index and byte offset and
//! the others are read.

use std::{
    collections::HashSet,
    fmt,
    io::{self, Read},
};

use bytes::Bytes;
use flate2::read::MultiGzDecoder;
use remit_activity::{CallerKind, Outcome, Rollups, window::parse_time};
use serde::{
    Deserialize, Deserializer,
    de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor},
};

use crate::{
    actions::{Exercised, exercised},
    identity::caller,
    ocsf::{is_parquet, read_parquet},
    record::{Lenient, Record, Text},
};

/// A problem with part of a file; the rest of the file was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// The file (path or `s3://bucket/key`).
    pub location: String,
    /// Byte offset in the file's (decompressed) JSON where the problem is, when known (never
    /// for Parquet, whose problems name the row group in the message).
    pub offset: Option<u64>,
    /// The record's index in the file (0-based; the row of a Parquet file), when the problem is
    /// one record's.
    pub record: Option<u64>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.location)?;
        if let Some(record) = self.record {
            write!(f, ": record #{record}")?;
        }
        if let Some(offset) = self.offset {
            write!(f, " (byte {offset})")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// What reading one file gave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileStats {
    /// Records read.
    pub records: u64,
    /// Records that used a permission (counted in the usage rollups).
    pub usage: u64,
    /// Records not authorized by identity policies (sign-ins, service events): activity only.
    pub not_authorized: u64,
    /// Records whose action the catalogue does not know (counted by source and name).
    pub unmapped: u64,
    /// Copies of cross-account requests already counted from the caller's own log.
    pub duplicates: u64,
    /// Records skipped as malformed (each an [`Issue`]).
    pub malformed: u64,
    /// The file was read to its end.
    pub complete: bool,
}

impl FileStats {
    /// Adds another file's counts (`complete` only when both are).
    pub fn add(&mut self, other: &FileStats) {
        self.records += other.records;
        self.usage += other.usage;
        self.not_authorized += other.not_authorized;
        self.unmapped += other.unmapped;
        self.duplicates += other.duplicates;
        self.malformed += other.malformed;
        self.complete &= other.complete;
    }
}

/// Error codes of requests that authorization refused, as services spell them
/// (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html>,
/// `errorCode`; EC2: <https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html>;
/// SNS: <https://docs.aws.amazon.com/sns/latest/api/CommonErrors.html>).
const DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "Client.UnauthorizedOperation",
    "UnauthorizedOperation",
    "AuthorizationError",
    "AuthorizationErrorException",
    "UnauthorizedAccess",
    "UnauthorizedException",
    "Forbidden",
];

/// How a record's request ended.
fn outcome(error_code: Option<&str>) -> Outcome {
    match error_code {
        None | Some("") => Outcome::Allowed,
        Some(code) if DENIED.contains(&code) => Outcome::Denied,
        Some(_) => Outcome::Failed,
    }
}

/// Where a file's records go, and what is known of the other logs being read.
pub(crate) struct Sink<'s> {
    pub(crate) rollups: &'s mut Rollups,
    /// Accounts whose own logs are (or were) ingested: the resource owner's copy of a
    /// cross-account request is skipped when the caller's account's log holds the caller's.
    pub(crate) covered: &'s HashSet<String>,
    pub(crate) stats: FileStats,
    /// Indexes of records without what usage needs, with why.
    pub(crate) bad: Vec<(u64, String)>,
}

/// How a log format names what a record lacks, for the issues of records without what usage
/// needs.
pub(crate) struct Names {
    pub(crate) time: &'static str,
    pub(crate) source_or_name: &'static str,
    pub(crate) caller: &'static str,
}

/// CloudTrail's names.
const CLOUDTRAIL: Names = Names {
    time: "eventTime is missing or not an ISO 8601 time",
    source_or_name: "eventSource or eventName is missing",
    caller: "userIdentity names no caller",
};

impl Sink<'_> {
    fn record(&mut self, record: &Record<'_>) {
        let time = record.event_time.get().and_then(parse_time);
        self.record_at(record, time, &CLOUDTRAIL);
    }

    /// Counts `record`, which happened at `time` (Unix seconds; `None` when the record has no
    /// valid time): every log format goes through here, so identity and action mapping are
    /// the same whatever the format.
    pub(crate) fn record_at(&mut self, record: &Record<'_>, time: Option<i64>, names: &Names) {
        let index = self.stats.records;
        self.stats.records += 1;
        let Some(time) = time else {
            self.bad.push((index, names.time.into()));
            return;
        };
        let (Some(source), Some(name)) = (record.event_source.get(), record.event_name.get()) else {
            self.bad.push((index, names.source_or_name.into()));
            return;
        };
        let Some(who) = caller(record) else {
            self.bad.push((index, names.caller.into()));
            return;
        };
        let recipient = record.recipient_account_id.get().unwrap_or(&who.account);
        // CloudTrail logs a cross-account request in both accounts, the copies sharing a
        // sharedEventID: https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html
        if record.shared_event_id.get().is_some()
            && recipient != who.account
            && matches!(who.kind, CallerKind::User | CallerKind::Role | CallerKind::Root)
            && self.covered.contains(who.account.as_ref())
        {
            self.stats.duplicates += 1;
            return;
        }
        let region = record.aws_region.get().unwrap_or("");
        let outcome = outcome(record.error_code.get());
        self.rollups.record_event(&who.principal, who.kind, &who.account, recipient, region, time, outcome);
        if let Some((kind, identity)) = &who.identity {
            self.rollups.record_identity(&who.principal, *kind, identity, time, outcome);
        }
        match exercised(record) {
            Exercised::Action { action, resource } => {
                self.stats.usage += 1;
                self.rollups.record_usage(&who.principal, action, &resource, time, outcome);
            }
            Exercised::NotAuthorized => self.stats.not_authorized += 1,
            Exercised::Unmapped => {
                self.stats.unmapped += 1;
                self.rollups.record_unmapped(source, name, time, outcome);
            }
        }
    }
}

/// A sequence of records, each read and counted as it is parsed.
struct Records<'a, 's>(&'a mut Sink<'s>);

impl<'de> DeserializeSeed<'de> for Records<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Records<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of CloudTrail records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(record) = seq.next_element::<Lenient<Record<'de>>>()? {
            match record.get() {
                Some(record) => self.0.record(record),
                None => {
                    let index = self.0.stats.records;
                    self.0.stats.records += 1;
                    self.0.bad.push((index, "not a JSON object".into()));
                }
            }
        }
        Ok(())
    }
}

/// `lookup-events` entries: the record is a JSON string in `CloudTrailEvent`.
struct LookupEvents<'a, 's>(&'a mut Sink<'s>);

#[derive(Deserialize)]
struct LookupEvent<'a> {
    #[serde(borrow, rename = "CloudTrailEvent", default)]
    event: Text<'a>,
}

impl<'de> DeserializeSeed<'de> for LookupEvents<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for LookupEvents<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of lookup-events entries")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(entry) = seq.next_element::<Lenient<LookupEvent<'de>>>()? {
            let index = self.0.stats.records;
            let parsed = entry.get().and_then(|e| e.event.get()).map(serde_json::from_str::<Record<'_>>);
            match parsed {
                Some(Ok(record)) => self.0.record(&record),
                Some(Err(err)) => {
                    self.0.stats.records += 1;
                    self.0.bad.push((index, format!("CloudTrailEvent is not a record: {err}")));
                }
                None => {
                    self.0.stats.records += 1;
                    self.0.bad.push((index, "no CloudTrailEvent string".into()));
                }
            }
        }
        Ok(())
    }
}

/// The top of a file: `{"Records": […]}`, `{"Events": […]}` or `[…]`.
struct Top<'a, 's>(&'a mut Sink<'s>);

impl<'de> Visitor<'de> for Top<'_, '_> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(r#"{"Records": [...]}, {"Events": [...]} or an array of records"#)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match key.as_ref() {
                "Records" => {
                    map.next_value_seed(Records(self.0))?;
                    found = true;
                }
                "Events" => {
                    map.next_value_seed(LookupEvents(self.0))?;
                    found = true;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(found)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<bool, A::Error> {
        Records(self.0).visit_seq(seq).map(|()| true)
    }
}

/// Reads a whole document; `Ok(false)` when it holds no records array at all.
fn parse_top<'de, R: serde_json::de::Read<'de>>(
    mut de: serde_json::Deserializer<R>,
    sink: &mut Sink<'_>,
) -> Result<bool, serde_json::Error> {
    let found = de.deserialize_any(Top(sink))?;
    de.end()?;
    Ok(found)
}

/// The byte offset of a (1-based) line and column.
fn offset_of(json: &[u8], line: usize, column: usize) -> u64 {
    let mut start = 0usize;
    for _ in 1..line {
        match json[start..].iter().position(|&b| b == b'\n') {
            Some(i) => start += i + 1,
            None => break,
        }
    }
    (start + column.saturating_sub(1)) as u64
}

/// Byte offsets of the records of a `{"Records":[…]}` or `[…]` document, in order, for
/// reporting the few records found malformed (the fast path does not track positions).
fn record_offsets(json: &[u8]) -> Vec<u64> {
    #[derive(Deserialize)]
    struct Wrapped<'a> {
        #[serde(borrow, rename = "Records")]
        records: Vec<&'a serde_json::value::RawValue>,
    }
    let base = json.as_ptr() as usize;
    let raws: Vec<&serde_json::value::RawValue> = match serde_json::from_slice::<Wrapped<'_>>(json) {
        Ok(w) => w.records,
        Err(_) => serde_json::from_slice(json).unwrap_or_default(),
    };
    raws.iter().map(|r| (r.get().as_ptr() as usize).saturating_sub(base) as u64).collect()
}

/// Whether the bytes are gzip (RFC 1952's magic number).
pub(crate) fn is_gzip(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x1f, 0x8b])
}

/// Decompresses `bytes` into `out` when gzip (all members, as `gzip -d` does), else copies
/// nothing and returns `None`; a stream that ends early keeps what was decompressed and says so.
pub(crate) fn gunzip(bytes: &[u8], out: &mut Vec<u8>) -> Option<Option<String>> {
    if !is_gzip(bytes) {
        return None;
    }
    if whole_member(bytes, out) {
        return Some(None);
    }
    out.clear();
    // CloudTrail files are compressed about 10:1.
    out.reserve(bytes.len().saturating_mul(10));
    let mut decoder = MultiGzDecoder::new(bytes);
    match decoder.read_to_end(out) {
        Ok(_) => Some(None),
        Err(err) => {
            let message = match err.kind() {
                io::ErrorKind::UnexpectedEof => "the gzip stream ends early (truncated file)".to_owned(),
                _ => format!("the gzip stream is damaged: {err}"),
            };
            Some(Some(format!("{message}; {} bytes of JSON recovered before it", out.len())))
        }
    }
}

thread_local! {
    static INFLATE: std::cell::RefCell<libdeflater::Decompressor> = std::cell::RefCell::new(libdeflater::Decompressor::new());
}

/// The fast path: a file that is one whole gzip member, inflated in one call into a buffer of
/// the size its trailer states (ISIZE, RFC 1952 §2.3.1). Accepted only when the output has that
/// size and the CRC-32 the file ends with (libdeflate checks the member's own): anything else —
/// several members, damage, more than 4 GiB — goes to the streaming decoder.
fn whole_member(bytes: &[u8], out: &mut Vec<u8>) -> bool {
    let Some(trailer) = bytes.len().checked_sub(8).and_then(|at| bytes.get(at..)) else {
        return false;
    };
    let crc = u32::from_le_bytes([trailer[0], trailer[1], trailer[2], trailer[3]]);
    let size = u32::from_le_bytes([trailer[4], trailer[5], trailer[6], trailer[7]]) as usize;
    // A stated size beyond what deflate can reach (1032:1) is damage, not a reason to allocate.
    if size > bytes.len().saturating_mul(1032) {
        return false;
    }
    out.clear();
    out.resize(size, 0);
    let inflated = INFLATE.with(|d| d.borrow_mut().gzip_decompress(bytes, out));
    matches!(inflated, Ok(n) if n == size) && libdeflater::crc32(out) == crc
}

/// Reads one file's bytes (CloudTrail JSON, gzip or not, or Security Lake's OCSF Parquet) into
/// `rollups`.
pub(crate) fn read_file(
    location: &str,
    bytes: &Bytes,
    rollups: &mut Rollups,
    covered: &HashSet<String>,
    buffer: &mut Vec<u8>,
) -> (FileStats, Vec<Issue>) {
    let mut issues = Vec::new();
    if is_parquet(bytes) {
        let mut sink =
            Sink { rollups, covered, stats: FileStats { complete: true, ..FileStats::default() }, bad: Vec::new() };
        read_parquet(location, bytes.clone(), &mut sink, &mut issues);
        return (sink.stats, issues);
    }
    let bytes: &[u8] = bytes;
    let json: &[u8] = match gunzip(bytes, buffer) {
        None => bytes,
        Some(damage) => {
            if let Some(message) = damage {
                issues.push(Issue { location: location.to_owned(), offset: None, record: None, message });
            }
            buffer
        }
    };
    let mut sink =
        Sink { rollups, covered, stats: FileStats { complete: true, ..FileStats::default() }, bad: Vec::new() };
    let first = json.iter().copied().find(|b| !b.is_ascii_whitespace());
    let lines = first == Some(b'{') && looks_like_json_lines(json);
    if lines {
        read_lines(location, json, &mut sink, &mut issues);
    } else {
        // Valid UTF-8 (checked once, quickly) lets the parser skip checking each string.
        let result = match std::str::from_utf8(json) {
            Ok(text) => parse_top(serde_json::Deserializer::from_str(text), &mut sink),
            Err(_) => parse_top(serde_json::Deserializer::from_slice(json), &mut sink),
        };
        let result = match result {
            Ok(false) => {
                issues.push(Issue {
                    location: location.to_owned(),
                    offset: None,
                    record: None,
                    message: "not a CloudTrail log: no `Records` or `Events` array".to_owned(),
                });
                Ok(())
            }
            other => other.map(|_| ()),
        };
        if let Err(err) = result {
            sink.stats.complete = false;
            let offset = offset_of(json, err.line(), err.column());
            let message = match err.classify() {
                serde_json::error::Category::Eof => format!("the JSON ends early: {err}"),
                _ => format!("not CloudTrail JSON: {err}"),
            };
            issues.push(Issue {
                location: location.to_owned(),
                offset: Some(offset),
                record: Some(sink.stats.records),
                message: format!("{message}; the {} records before it were read", sink.stats.records),
            });
        }
        sink.stats.malformed += sink.bad.len() as u64;
        if !sink.bad.is_empty() {
            let offsets = record_offsets(json);
            for (index, message) in std::mem::take(&mut sink.bad) {
                let offset = usize::try_from(index).ok().and_then(|i| offsets.get(i)).copied();
                issues.push(Issue { location: location.to_owned(), offset, record: Some(index), message });
            }
        }
    }
    if issues.iter().any(|i| i.record.is_none()) {
        // The gzip stream was damaged.
        sink.stats.complete = false;
    }
    (sink.stats, issues)
}

/// JSON Lines: the first line is a whole object and more lines follow.
/// JSON Lines: the first line is a whole object that is a record, not a file of them (no
/// `Records` or `Events` key) — one record alone on its line is JSON Lines too.
fn looks_like_json_lines(json: &[u8]) -> bool {
    #[derive(Deserialize)]
    struct Probe {
        #[serde(rename = "Records")]
        records: Option<IgnoredAny>,
        #[serde(rename = "Events")]
        events: Option<IgnoredAny>,
    }
    let end = json.iter().position(|&b| b == b'\n').unwrap_or(json.len());
    // A large first line is a whole `{"Records":…}` file, not a record (CloudTrail records are
    // a few kilobytes): not parsed twice.
    if end > 1 << 20 {
        return false;
    }
    matches!(serde_json::from_slice::<Probe>(&json[..end]), Ok(Probe { records: None, events: None }))
}

fn read_lines(location: &str, json: &[u8], sink: &mut Sink<'_>, issues: &mut Vec<Issue>) {
    let mut offset = 0usize;
    for line in json.split(|&b| b == b'\n') {
        let start = offset;
        offset += line.len() + 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let index = sink.stats.records;
        match serde_json::from_slice::<Record<'_>>(line) {
            Ok(record) => {
                sink.record(&record);
                sink.stats.malformed += sink.bad.len() as u64;
                for (i, message) in std::mem::take(&mut sink.bad) {
                    issues.push(Issue {
                        location: location.to_owned(),
                        offset: Some(start as u64),
                        record: Some(i),
                        message,
                    });
                }
            }
            Err(err) => {
                sink.stats.records += 1;
                sink.stats.malformed += 1;
                issues.push(Issue {
                    location: location.to_owned(),
                    offset: Some((start + err.column().saturating_sub(1)) as u64),
                    record: Some(index),
                    message: format!("not a CloudTrail record: {err}"),
                });
            }
        }
    }
}
