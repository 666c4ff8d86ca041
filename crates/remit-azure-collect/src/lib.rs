//! Collects an Azure tenant from the live APIs into Remit's environment bundle, so that Azure
//! can be analysed without anyone running `az` by hand.
//!
//! **What it reads.** Azure Resource Manager (management groups, subscriptions, resource
//! groups, resources, role definitions, role and deny assignments, PIM schedule instances) and
//! Microsoft Graph v1.0 (users, groups and members, service principals, applications, owners,
//! directory roles, app role assignments). The calls are listed in [`ArmCall`] and
//! [`GraphCall`], each with the permission it needs. The files are the `ENV/azure/<tenant-id>/`
//! layout of docs/environment-bundle.md; docs/collect-azure-gcp.md says how each REST answer is
//! converted to the `az` shape the bundle names.
//!
//! **Security.** Read-only: [`COLLECTOR_ROLE`] (`collector-role.json`) is a custom role with
//! only the `read` actions of the calls, and [`GRAPH_PERMISSIONS`] lists the three read
//! application permissions; tests check both against the calls. Credentials are [`Secret`]s,
//! never printed, and redacted from error messages.

// `CollectError` is `remit_rest`'s: the same enum as when it was defined here (its largest
// variant is 122 bytes), but clippy measures a foreign enum whole (128 bytes with its tag).
#![allow(clippy::result_large_err)]

mod az_shape;
mod calls;
mod collect;
mod config;
mod rest;

pub use calls::{ArmCall, COLLECTOR_ROLE, Call, GRAPH_PERMISSIONS, GraphCall};
pub use collect::{Summary, collect, collect_blocking};
pub use config::{Config, Credentials, DEFAULT_ARM_URL, DEFAULT_GRAPH_URL, DEFAULT_LOGIN_URL, Endpoints, RetryPolicy};
pub use remit_rest::{CollectError, Secret};
