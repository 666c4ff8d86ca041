//! Activity rollups: what each principal actually did, reduced to one row per
//! (principal, action, resource) with first and last use and counts.
//!
//! Why rollups and not events: the questions users ask of activity ("what does this role never
//! use?", "when did anyone last touch this bucket?") need, per key, only the first and last time
//! and how often, so a year of logs fits in memory proportional to the *distinct* things done,
//! not to the events; ingestion can then stream any amount of logs in flat memory. Rollups are
//! also mergeable (commutative and associative), so files can be read on every core in any
//! order, and an ingest can be split into batches committed one at a time.
//!
//! This crate is cloud-neutral: the CloudTrail reader (`remit-aws-activity`) and the Azure and
//! Google Cloud log readers (`remit-azure-activity`, `remit-gcp-activity`) turn their events into
//! [`Rollups`]; the store keeps them; analyses ([`window`], [`creep`]) read them back. The Azure
//! and Google Cloud readers share [`input`] (JSON log containers, gzip, positions, files on
//! every core) and [`quote`] (shell and Terraform quoting of right-sized roles), which know no cloud's
//! record format.

pub mod creep;
pub mod input;
pub mod quote;
mod rollups;
pub mod window;

pub use crate::rollups::{
    CallerKind, Counts, CoverageRow, IdentityKind, IdentityRow, Outcome, PrincipalRow, Rollups, UnmappedRow, UsageRow,
};
