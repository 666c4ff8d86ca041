//! Google Cloud activity: Cloud Audit Logs into Remit's cloud-neutral usage rollups, and
//! least-privilege custom roles from the permissions used.
//!
//! Why a crate of its own: reading audit logs is work over untrusted files with its own
//! knowledge (how allow policies name principals, who was behind an impersonated service
//! account, which checks were granted), independent of the Google Cloud decision engine; the
//! analyses that compare usage with grants read [`Rollups`] from here.
//!
//! - [`read_file`], [`read_paths`], [`read_files`]: files into a [`Read`] (rollups, counts,
//!   issues).
//! - [`rightsize`]: a custom role (YAML for `gcloud iam roles create`, gcloud commands,
//!   Terraform) from a principal's used permissions.

mod audit;
mod json;
mod read;
pub mod rightsize;

pub use crate::read::{FileStats, Read, read_file, read_files, read_path, read_paths};
pub use remit_activity::{
    Rollups,
    input::{Input, Issue},
};
