//! A generated Microsoft Entra tenant and its Azure estate, written in the bundle's Azure layout
//! (`docs/environment-bundle.md`, "Azure") with an `azure-ground-truth.json` beside it.
//!
//! Remit's Azure importer, its RBAC and Entra evaluation and its escalation analysis need tenants
//! the size of real ones, with what real ones hold: management-group trees, thousands of role
//! assignments at every scope, nested groups, guests, managed identities, PIM, ABAC conditions,
//! deny assignments, and the mistakes escalation findings are about. This module makes them
//! from a seed, and because it makes them it knows the answers (`docs/generator.md`): they are
//! recorded from what each grant was planted to do, never by reading the files back.

pub(crate) mod plan;
pub(crate) mod roles;
mod write;

use std::path::Path;

use crate::{
    json_out::GenError,
    people::{IdentityLink, NonHumanOwner, PeopleSpec, people},
};

pub(crate) use plan::Tenant;

/// What tenant to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzureSpec {
    /// The seed: the same spec gives the same bytes.
    pub seed: u64,
    /// The people the tenant's users are (its member users are every person still employed, and
    /// the planted leaver).
    pub people: PeopleSpec,
    /// Security groups, beside the planted ones.
    pub groups: usize,
    /// Service principals of applications, beside the planted ones and the managed identities.
    pub app_service_principals: usize,
    /// Subscriptions (at least 4).
    pub subscriptions: usize,
    /// Resource groups in each subscription, beside the planted ones.
    pub resource_groups_per_subscription: usize,
    /// Resources in each resource group.
    pub resources_per_group: usize,
    /// Role assignments in all, planted ones included (at least the planted ones are written).
    pub role_assignments: usize,
    /// B2B guests from partner organizations, beside the contractor.
    pub guests: usize,
}

impl AzureSpec {
    /// A small tenant: 40 people, 4 subscriptions, about 300 role assignments.
    pub fn demo() -> AzureSpec {
        AzureSpec {
            seed: 1,
            people: PeopleSpec::demo(),
            groups: 12,
            app_service_principals: 10,
            subscriptions: 4,
            resource_groups_per_subscription: 3,
            resources_per_group: 4,
            role_assignments: 300,
            guests: 3,
        }
    }

    /// A large tenant, for benchmarks: 20,000 users, 2,000 groups, 5,000 service principals (with
    /// the managed identities), 200 subscriptions, 100,000 role assignments.
    pub fn large() -> AzureSpec {
        AzureSpec {
            seed: 1,
            people: PeopleSpec::large(),
            groups: 2_000,
            app_service_principals: 3_600,
            subscriptions: 200,
            resource_groups_per_subscription: 5,
            resources_per_group: 4,
            role_assignments: 100_000,
            guests: 200,
        }
    }
}

/// What was generated, and what is known of it.
#[derive(Debug, Clone)]
pub struct AzureTruth {
    /// The tenant id (the bundle directory is `azure/<tenant_id>/`).
    pub tenant_id: String,
    /// Entra users (members and guests).
    pub users: usize,
    /// Entra groups.
    pub groups: usize,
    /// Service principals (applications and managed identities).
    pub service_principals: usize,
    /// Subscriptions.
    pub subscriptions: usize,
    /// Resources.
    pub resources: usize,
    /// Active role assignments (each written once at its own scope; a subscription's file also
    /// repeats those inherited from management groups).
    pub role_assignments: usize,
    /// PIM eligibility schedule instances (Azure RBAC and Entra roles).
    pub eligible: usize,
    /// Principals admin-equivalent by construction.
    pub admin_equivalent: usize,
    /// Principals with a planted escalation path.
    pub escalations: usize,
    /// Every user known to be a person's.
    pub identities: Vec<IdentityLink>,
    /// Service principals and managed identities, with their owners.
    pub non_human: Vec<NonHumanOwner>,
    /// Files written.
    pub files: usize,
    /// Bytes written.
    pub bytes: u64,
    /// The plan, for the activity generator.
    pub(crate) tenant: std::sync::Arc<Tenant>,
}

/// Generates the tenant `spec` describes into the bundle directory `out` (its files go to
/// `out/azure/<tenant-id>/` and `out/azure-ground-truth.json`).
pub fn write_azure_tenant(spec: &AzureSpec, out: &Path) -> Result<AzureTruth, GenError> {
    let people = people(&spec.people)?;
    write_azure_with(spec, &people, out)
}

pub(crate) fn write_azure_with(
    spec: &AzureSpec,
    people: &crate::people::People,
    out: &Path,
) -> Result<AzureTruth, GenError> {
    if spec.subscriptions < 4 {
        return Err(GenError::InvalidSpec(format!("azure: {} subscriptions, at least 4 needed", spec.subscriptions)));
    }
    let tenant = plan::build(spec, people);
    write::write(spec, tenant, people, out)
}
