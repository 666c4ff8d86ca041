//! A whole estate in one bundle: the people, an Entra tenant with its Azure estate and a Google
//! Cloud organization, all peopled by the same persons, next to an AWS bundle when there is one.
//!
//! Remit's "one person across clouds" view is tested on it: the same employee is an AWS Identity
//! Center user (when the bundle holds one written by `aws_org`), an Entra user, a Google Cloud
//! `user:` member and an Okta user, and `people-ground-truth.json` says so, because the clouds
//! were generated from one list of people.

use std::path::Path;

use crate::{
    azure_tenant::{AzureSpec, AzureTruth, write_azure_with},
    cloud_activity::{ActivityTruth, CloudActivitySpec, write_azure_activity, write_gcp_activity},
    gcp_org::{GcpSpec, GcpTruth, write_gcp_with},
    json_out::GenError,
    people::{PeopleSpec, PeopleTruth, people, write::write_people_of, write::write_truth},
};

/// What estate to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EstateSpec {
    /// The people. Their count grows to hold every user of an AWS bundle already in the
    /// directory; the clouds' own `people` specs are ignored in favour of this one.
    pub people: PeopleSpec,
    /// The tenant.
    pub azure: AzureSpec,
    /// The organization.
    pub gcp: GcpSpec,
    /// Activity to generate for both clouds (`None`: none).
    pub activity: Option<CloudActivitySpec>,
}

impl EstateSpec {
    /// The demo presets of every part, seed `seed`, with a week of activity.
    pub fn demo(seed: u64) -> EstateSpec {
        EstateSpec {
            people: PeopleSpec { seed, ..PeopleSpec::demo() },
            azure: AzureSpec { seed, ..AzureSpec::demo() },
            gcp: GcpSpec { seed, ..GcpSpec::demo() },
            activity: Some(CloudActivitySpec { seed, ..CloudActivitySpec::demo() }),
        }
    }

    /// The large presets of every part, seed `seed`, without activity.
    pub fn large(seed: u64) -> EstateSpec {
        EstateSpec {
            people: PeopleSpec { seed, ..PeopleSpec::large() },
            azure: AzureSpec { seed, ..AzureSpec::large() },
            gcp: GcpSpec { seed, ..GcpSpec::large() },
            activity: None,
        }
    }
}

/// What was written.
#[derive(Debug, Clone)]
pub struct EstateTruth {
    /// The people (with every identity of every cloud linked).
    pub people: PeopleTruth,
    /// The tenant.
    pub azure: AzureTruth,
    /// The organization.
    pub gcp: GcpTruth,
    /// Azure activity, when generated.
    pub azure_activity: Option<ActivityTruth>,
    /// Google Cloud activity, when generated.
    pub gcp_activity: Option<ActivityTruth>,
}

/// Writes people, Azure and Google Cloud into the bundle directory `out` (which may already
/// hold an AWS bundle: its identity-store users become the first people).
pub fn write_estate(spec: &EstateSpec, out: &Path) -> Result<EstateTruth, GenError> {
    let people_spec = spec.people.clone().with_aws_bundle(out)?;
    let people = people(&people_spec)?;
    let azure = write_azure_with(&spec.azure, &people, out)?;
    let gcp = write_gcp_with(&spec.gcp, &people, out)?;
    let mut people_truth = write_people_of(&people, out)?;
    people_truth.identities.extend(azure.identities.iter().cloned());
    people_truth.identities.extend(gcp.identities.iter().cloned());
    people_truth.non_human.extend(azure.non_human.iter().cloned());
    people_truth.non_human.extend(gcp.non_human.iter().cloned());
    write_truth(&people, &mut people_truth, out)?;
    let (azure_activity, gcp_activity) = match &spec.activity {
        Some(activity) => {
            (Some(write_azure_activity(activity, &azure, out)?), Some(write_gcp_activity(activity, &gcp, out)?))
        }
        None => (None, None),
    };
    Ok(EstateTruth { people: people_truth, azure, gcp, azure_activity, gcp_activity })
}
