//! Integration tests of the AWS importer: bundles and exports built in temporary directories
//! in the exact shapes the AWS CLI writes, and the public fixtures when present.

// Fixture helpers abort the test on a failed write or parse, like the tests themselves.
#![allow(clippy::unwrap_used)]

mod authz;
mod bundle;
mod fixtures;
mod props;
mod support;
mod workloads;
