//! AWS activity: CloudTrail (and Security Lake) logs into usage rollups, and what they tell
//! about permissions.
//!
//! Why here and not in the analysis crate: reading logs is streaming work over untrusted files
//! at hundreds of thousands of events a second, with its own failure modes (truncated gzip,
//! malformed records) and its own knowledge (which IAM action an API call needs); the analyses
//! that compare usage with permissions need both this and the decision engine, and live in
//! `unused` and `rightsize` beside it.
//!
//! - [`ingest`]: files (gzip or not, CloudTrail's shapes, or Security Lake's OCSF Parquet) into
//!   batches of [`Rollups`], skipping files already ingested.
//! - `identity`, `actions`: who made a request, and which action on which resource it used.

mod actions;
mod identity;
pub mod ingest;
mod ocsf;
pub mod plan;
mod read;
mod record;
pub mod rightsize;
pub mod usage;

pub use crate::{
    ingest::{Batch, Ingester, Input, SourceEntry, Totals, account_of_log_name},
    read::{FileStats, Issue},
};
pub use remit_activity::Rollups;
