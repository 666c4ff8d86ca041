//! Reading any bytes as a Cloud Audit Logs export (JSON array, entries list, NDJSON, BigQuery
//! rows, gzip or not) must never panic; what it counts is never more than it read, every entry
//! skipped is an issue, and a file not read to its end says why.
#![no_main]

use libfuzzer_sys::fuzz_target;
use remit_gcp_activity::read_file;

fuzz_target!(|data: &[u8]| {
    let read = read_file("fuzz.json", data);
    let s = &read.stats;
    assert!(s.usage + s.unmapped + s.operation_ends + s.other_entries + s.malformed <= s.records);
    assert!(s.malformed as usize <= read.issues.len());
    assert!(s.complete || !read.issues.is_empty(), "incomplete without an issue");
    assert!(read.rollups.usage().len() as u64 <= s.checks);
});
