//! Reading any bytes as a log file (gzip or not, every shape ingest accepts) must never panic;
//! the records counted are never more than those read, and a file that is not read to its end
//! says why.
#![no_main]

use std::collections::HashSet;

use libfuzzer_sys::fuzz_target;
use remit_aws_activity::{Batch, Ingester, Input};

fuzz_target!(|data: &[u8]| {
    // Parquet goes through the parquet crate, which panics on some damaged pages; Remit catches
    // those (one issue per file, tested in tests/ocsf.rs), but libFuzzer's panic hook aborts
    // before any unwinding could be caught, so this target covers every other shape.
    if data.starts_with(b"PAR1") {
        return;
    }
    let mut events = 0;
    let mut ingester = Ingester::new(HashSet::new(), HashSet::new(), |batch: Batch| {
        events += batch.rollups.events();
        Ok::<(), ()>(())
    });
    let _ = ingester.add(Input { location: "fuzz.json.gz".into(), bytes: data.to_vec() });
    let Ok((totals, issues)) = ingester.finish() else { return };
    assert!(totals.stats.usage + totals.stats.not_authorized + totals.stats.unmapped <= totals.stats.records);
    assert!(totals.stats.complete || !issues.is_empty(), "incomplete without an issue");
    assert!(totals.stats.malformed as usize <= issues.len());
    let _ = events;
});
