//! Reading any bytes as an Azure log file (Activity Log in any export shape, sign-in logs, gzip
//! or not) must never panic; what it counts is never more than it read, every record skipped
//! is an issue, and a file not read to its end says why.
#![no_main]

use libfuzzer_sys::fuzz_target;
use remit_azure_activity::read_file;

fuzz_target!(|data: &[u8]| {
    let read = read_file("fuzz.json", data);
    let s = &read.stats;
    assert!(s.usage + s.unmapped + s.paired + s.signins + s.failed_signins + s.malformed <= s.records);
    assert!(s.malformed as usize <= read.issues.len());
    assert!(s.complete || !read.issues.is_empty(), "incomplete without an issue");
    assert!(read.rollups.usage().len() as u64 <= s.usage);
});
