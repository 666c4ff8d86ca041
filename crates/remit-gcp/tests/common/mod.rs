//! The fixture organization `org-a`, loaded once per test.
//!
//! Its files are in the exact shapes of the commands the bundle layout names
//! (docs/environment-bundle.md, "Google Cloud"): `gcloud organizations describe`,
//! `gcloud resource-manager folders list`, `gcloud projects list` (v1 `parent: {type, id}`),
//! `gcloud asset search-all-iam-policies` (IamPolicySearchResult,
//! https://cloud.google.com/asset-inventory/docs/reference/rest/v1/TopLevel/searchAllIamPolicies),
//! `gcloud asset search-all-resources` (ResourceSearchResult with `tags`),
//! `gcloud iam roles describe`, `gcloud iam policies list --kind=denypolicies`
//! (https://cloud.google.com/iam/docs/reference/rest/v2/policies),
//! `gcloud iam service-accounts list` / `keys list`, `gcloud identity groups memberships list`
//! and `gcloud iam workforce-pools list`.
//!
//! The predefined roles under `roles/` are written by hand in that shape and abbreviated: each
//! keeps only a few of its real permissions (those these tests use, plus a few neighbours), and
//! its `description` says so. The full roles belong to the shared data set, which is never
//! copied into the repository; `tests/dataset.rs` reads it when present.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use remit_gcp::{GcpAnalysis, GcpEnvironment};

pub(crate) fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/org-a")
}

pub(crate) fn env() -> GcpEnvironment {
    let (env, issues) = remit_gcp::load(&fixture()).unwrap();
    assert!(issues.is_empty(), "{issues:?}");
    env
}

/// 2026-12-06T00:00:00Z.
pub(crate) const NOW: i64 = 1_796_515_200;

pub(crate) fn analysis() -> GcpAnalysis {
    GcpAnalysis::at(env(), NOW)
}

pub(crate) fn verdict(a: &GcpAnalysis, who: &str, permission: &str, resource: &str) -> &'static str {
    a.explain(who, permission, resource).unwrap().verdict.as_str()
}
