//! Collects a Google Cloud organization from the live APIs into Remit's environment bundle, so
//! that Google Cloud can be analysed without anyone running `gcloud` by hand.
//!
//! **What it reads.** Cloud Resource Manager v3 (the organization, its folders and projects),
//! Cloud Asset Inventory (every allow policy and, optionally, every resource in the
//! organization), IAM v1 (predefined and custom roles, service accounts and their keys), IAM v2
//! (deny policies at every attachment point) and Cloud Identity (memberships of the groups the
//! policies name). The calls are listed in [`GcpCall`], each with what authorizes it. The files
//! are the `ENV/gcp/<organization-id>/` layout of docs/environment-bundle.md.
//!
//! **Security.** Read-only: [`COLLECTOR_ROLE`] (`collector-role.yaml`) is a custom role with
//! exactly the permissions of the calls, checked by a test. Credentials (a service account key
//! or an access token) are [`Secret`]s, never printed, and redacted from error messages.

// `CollectError` is `remit_rest`'s: the same enum as when it was defined here (its largest
// variant is 122 bytes), but clippy measures a foreign enum whole (128 bytes with its tag).
#![allow(clippy::result_large_err)]

mod calls;
mod collect;
mod config;
mod gcloud_shape;
mod jwt;
mod rest;

pub use calls::{Authorization, COLLECTOR_ROLE, GcpCall, role_permissions};
pub use collect::{Summary, collect, collect_blocking};
pub use config::{
    Config, Credentials, DEFAULT_CLOUD_ASSET_URL, DEFAULT_CLOUD_IDENTITY_URL, DEFAULT_IAM_URL,
    DEFAULT_RESOURCE_MANAGER_URL, Endpoints, RetryPolicy, SCOPE, ServiceAccountKey,
};
pub use remit_rest::{CollectError, Secret};
