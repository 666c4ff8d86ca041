//! Google Cloud IAM for Remit: who can do what on which resource of an organization, and why.
//!
//! Google Cloud grants access through allow policies bound at every level of a hierarchy
//! (organization, folders, projects, and resources such as buckets or service accounts),
//! restricted by deny policies and IAM Conditions, to members written in a dozen syntaxes.
//! This crate reads an organization as the bundle stores it (`docs/environment-bundle.md`,
//! "Google Cloud"), decides access exactly as IAM documents it, answers the cloud-neutral
//! queries of `remit-model`, and reports risks as `remit-findings`. Conditions it cannot decide
//! offline are reported as conditional, never guessed (`docs/gcp.md`).

pub mod analysis;
pub mod cel;
pub mod eval;
pub mod import;
pub mod member;
pub mod risk;

pub use crate::analysis::{GcpAnalysis, QueryError};
pub use crate::import::{GcpEnvironment, ImportError, ImportIssue, load};
