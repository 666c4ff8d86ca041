//! Reads AWS environments from the formats AWS's own CLI writes (see
//! `docs/environment-bundle.md`): a whole organization laid out as a bundle directory, or one
//! `aws iam get-account-authorization-details` file.
//!
//! Import is strict but forgiving: unknown fields are ignored, a malformed policy is reported
//! with its file and JSON path and its principal is marked incomplete, and the rest imports.

mod env;

pub use crate::env::*;
