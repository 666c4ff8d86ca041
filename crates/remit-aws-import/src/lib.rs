//! Reads AWS environments from the formats AWS's own CLI writes (see
//! `docs/environment-bundle.md`): a whole organization laid out as a bundle directory, or one
//! `aws iam get-account-authorization-details` file.
//!
//! Import is strict but forgiving: unknown fields are ignored, a malformed policy is reported
//! with its file and JSON path and its principal is marked incomplete, and the rest imports.
//!
//! - [`load`] reads a bundle directory or a single authorization-details file into an
//!   [`AwsEnvironment`]; it fails ([`LoadError`]) only when nothing can be read.
//! - [`parse_authorization_details`] reads one authorization-details export from bytes, without
//!   touching the disk; [`parse_workloads`] reads one workload inventory file the same way.
//!
//! **Architecture invariant:** no panics on any input; the same bundle always gives the same
//! environment, in the same order (accounts by id, principals, policies and resources by ARN,
//! issues in the order the files are read).

mod authz;
mod bundle;
mod credential_report;
mod dir;
mod env;
mod identity_center;
mod json;
mod org;
mod resources;
mod workloads;

pub use crate::{
    bundle::{LoadError, load, parse_authorization_details},
    env::*,
    workloads::parse_workloads,
};
