//! A generated Google Cloud organization, written in the bundle's Google Cloud layout
//! (`docs/environment-bundle.md`, "Google Cloud") with a `gcp-ground-truth.json` beside it.
//!
//! Remit's Google Cloud importer and its IAM evaluation (inheritance down the resource
//! hierarchy, conditions, deny policies, groups, service-account impersonation) need
//! organizations of real size and shape, with the escalation paths findings are about. This
//! module makes them from a seed and records, as each grant is planted, what it was written to
//! do (`docs/generator.md`).

pub(crate) mod plan;
mod predefined;
mod write;

use std::path::Path;

use crate::{
    json_out::GenError,
    people::{IdentityLink, NonHumanOwner, PeopleSpec, people},
};

/// What organization to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GcpSpec {
    /// The seed: the same spec gives the same bytes.
    pub seed: u64,
    /// The people the organization's users are.
    pub people: PeopleSpec,
    /// Top-level folders beside the planted ones (each with one sub-folder).
    pub folders: usize,
    /// Projects (at least 4).
    pub projects: usize,
    /// Groups beside the planted ones.
    pub groups: usize,
    /// Role grants in all (a member in a binding counts once), planted ones included.
    pub bindings: usize,
    /// Service accounts in each project.
    pub service_accounts_per_project: usize,
    /// Buckets in each project.
    pub buckets_per_project: usize,
}

impl GcpSpec {
    /// A small organization: 40 people, 6 projects, about 300 grants.
    pub fn demo() -> GcpSpec {
        GcpSpec {
            seed: 1,
            people: PeopleSpec::demo(),
            folders: 2,
            projects: 6,
            groups: 8,
            bindings: 300,
            service_accounts_per_project: 2,
            buckets_per_project: 2,
        }
    }

    /// A large organization, for benchmarks: 500 projects, about 20,000 members, 100,000 grants.
    pub fn large() -> GcpSpec {
        GcpSpec {
            seed: 1,
            people: PeopleSpec::large(),
            folders: 20,
            projects: 500,
            groups: 1_000,
            bindings: 100_000,
            service_accounts_per_project: 3,
            buckets_per_project: 2,
        }
    }
}

/// What was generated, and what is known of it.
#[derive(Debug, Clone)]
pub struct GcpTruth {
    /// The organization's numeric id (the bundle directory is `gcp/<organization_id>/`).
    pub organization_id: String,
    /// Folders.
    pub folders: usize,
    /// Projects.
    pub projects: usize,
    /// Distinct members granted anything (users, groups, service accounts, others).
    pub members: usize,
    /// Role grants (member in a binding).
    pub bindings: usize,
    /// Service accounts.
    pub service_accounts: usize,
    /// Principals admin-equivalent by construction.
    pub admin_equivalent: usize,
    /// Principals with a planted escalation path.
    pub escalations: usize,
    /// Every user known to be a person's.
    pub identities: Vec<IdentityLink>,
    /// Service accounts and their owners.
    pub non_human: Vec<NonHumanOwner>,
    /// Files written.
    pub files: usize,
    /// Bytes written.
    pub bytes: u64,
    pub(crate) org: std::sync::Arc<plan::Org>,
}

/// Generates the organization `spec` describes into the bundle directory `out` (its files go
/// to `out/gcp/<organization-id>/` and `out/gcp-ground-truth.json`).
pub fn write_gcp_org(spec: &GcpSpec, out: &Path) -> Result<GcpTruth, GenError> {
    let people = people(&spec.people)?;
    write_gcp_with(spec, &people, out)
}

pub(crate) fn write_gcp_with(spec: &GcpSpec, people: &crate::people::People, out: &Path) -> Result<GcpTruth, GenError> {
    if spec.projects < 4 {
        return Err(GenError::InvalidSpec(format!("gcp: {} projects, at least 4 needed", spec.projects)));
    }
    let org = plan::build(spec, people);
    write::write(spec, org, people, out)
}
