//! Importing any bytes as a workload inventory of any kind must never panic, every workload it
//! reads belongs to the file's account and region, and whatever it marks incomplete it reports.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use remit_aws_import::{WorkloadKind, parse_workloads};

fuzz_target!(|data: &[u8]| {
    let Some((first, bytes)) = data.split_first() else { return };
    let kind = WorkloadKind::ALL[usize::from(*first) % WorkloadKind::ALL.len()];
    let (workloads, issues) = parse_workloads(kind, bytes, Path::new("inventory.json"), "111111111111", "eu-west-1");
    for workload in &workloads {
        assert_eq!(workload.kind, kind);
        assert!(workload.arn.contains(":eu-west-1:111111111111:"), "{}", workload.arn);
    }
    let incomplete = workloads.iter().any(|workload| workload.incomplete);
    assert!(!incomplete || !issues.is_empty(), "marked incomplete without an issue");
});
