//! The people of a generated estate, shared by every cloud.
//!
//! Remit's "one person across clouds" joins an AWS Identity Center user, an Entra user, a Google
//! Cloud `user:` member and an Okta user to one employee of the HR feed. To test that join the
//! generated clouds must be peopled by the *same* people, with the mismatches real estates have:
//! a leaver still active in the clouds, a contractor known by two e-mail addresses, a machine
//! identity whose owner has left. This module draws those people once, from the seed, and every
//! cloud generator takes its users from them, so the ground truth of who is who is known by
//! construction.

pub(crate) mod write;

use std::{collections::HashSet, path::Path};

use serde_json::Value;

use crate::{
    aws_org::{
        names::{FIRST_NAMES, LAST_NAMES},
        rng::Rng,
    },
    json_out::{DAY, GenError, NOW},
};

pub use write::{PeopleTruth, write_people};

/// Who the people are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeopleSpec {
    /// The seed: the same spec gives the same people.
    pub seed: u64,
    /// How many people (at least [`PeopleSpec::MIN_COUNT`]).
    pub count: usize,
    /// The company's e-mail domain: addresses are `first.last@<domain>`.
    pub domain: String,
    /// People who must be among them, first, in this order (the users of an AWS bundle's
    /// identity store, see [`PeopleSpec::with_aws_bundle`]).
    pub known: Vec<KnownPerson>,
}

/// A person the spec names in advance, with the AWS Identity Center user they already are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownPerson {
    /// Given name, lower case.
    pub first: String,
    /// Family name, lower case.
    pub last: String,
    /// E-mail address (the identity store's `UserName`).
    pub email: String,
    /// The identity store's `UserId`.
    pub aws_user_id: String,
}

impl PeopleSpec {
    /// The fewest people the planted cases need.
    pub const MIN_COUNT: usize = 24;

    /// Forty people of `contoso.example.com`, seed 1.
    pub fn demo() -> PeopleSpec {
        PeopleSpec { seed: 1, count: 40, domain: "contoso.example.com".into(), known: Vec::new() }
    }

    /// Twenty thousand people, for benchmarks.
    pub fn large() -> PeopleSpec {
        PeopleSpec { count: 20_000, ..PeopleSpec::demo() }
    }

    /// The same spec whose first people are the users of the AWS bundle at `aws_bundle`
    /// (`identity-center/identity-store/users.json`, as `remit_gen::aws_org` writes it), and whose
    /// domain is theirs. A bundle without that file leaves the spec as it is. `count` grows to
    /// hold them all.
    pub fn with_aws_bundle(mut self, aws_bundle: &Path) -> Result<PeopleSpec, GenError> {
        let path = aws_bundle.join("identity-center").join("identity-store").join("users.json");
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(self),
            Err(source) => return Err(GenError::Io { path, source }),
        };
        let bad = |message: String| GenError::Input { path: path.clone(), message };
        let doc: Value = serde_json::from_str(&text).map_err(|err| bad(format!("not JSON: {err}")))?;
        let users = doc.get("Users").and_then(Value::as_array).ok_or_else(|| bad("no `Users` list".into()))?;
        let mut known = Vec::with_capacity(users.len());
        for (idx, user) in users.iter().enumerate() {
            let field = |key: &str| {
                user.get(key)
                    .and_then(Value::as_str)
                    .ok_or_else(|| bad(format!("$.Users[{idx}].{key}: missing or not a string")))
            };
            let email = field("UserName")?.to_string();
            let aws_user_id = field("UserId")?.to_string();
            let local = email.split('@').next().unwrap_or_default();
            let (first, last) = local.split_once('.').unwrap_or((local, "unknown"));
            known.push(KnownPerson { first: first.to_lowercase(), last: last.to_lowercase(), email, aws_user_id });
        }
        if let Some(domain) = known.first().and_then(|k| k.email.split_once('@')).map(|(_, d)| d.to_string()) {
            self.domain = domain;
        }
        self.count = self.count.max(known.len() + PeopleSpec::MIN_COUNT);
        self.known = known;
        Ok(self)
    }
}

/// What a person's HR record says of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Working.
    Active,
    /// On leave.
    Leave,
    /// Gone.
    Terminated,
}

impl Status {
    /// `active`, `leave` or `terminated`, as `hr.csv` writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Leave => "leave",
            Status::Terminated => "terminated",
        }
    }
}

/// One person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// HR's employee id (`E01001` ...).
    pub employee_id: String,
    /// Given name, lower case.
    pub first: String,
    /// Family name, lower case.
    pub last: String,
    /// The company address, `first.last@<domain>` (a digit after the family name tells apart
    /// people of the same name).
    pub email: String,
    /// A second address the person is known by in some systems (the contractor's agency's).
    pub alt_email: Option<String>,
    /// `First Last`.
    pub display_name: String,
    /// Department.
    pub department: &'static str,
    /// Job title.
    pub title: String,
    /// The index of their manager among the people (`None`: the chief executive).
    pub manager: Option<usize>,
    /// HR status.
    pub status: Status,
    /// Start (Unix seconds, midnight).
    pub start: i64,
    /// End of employment for those who left.
    pub end: Option<i64>,
    /// A contractor, not an employee.
    pub contractor: bool,
    /// The AWS Identity Center user they are, when the spec named them.
    pub aws_user_id: Option<String>,
}

/// The people of an estate, with the places of the people the generators plant cases on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct People {
    /// The seed they were drawn from.
    pub seed: u64,
    /// The company domain.
    pub domain: String,
    /// Everyone, the planted people first after the known ones' places are kept.
    pub persons: Vec<Person>,
}

/// The places, among [`People::persons`], of the people the generators give a part.
/// Index `n` of the planted roles is person `n`, so every cloud agrees on who plays what.
pub(crate) mod cast {
    /// A cloud administrator (Entra Global Administrator, organization administrator in GCP).
    pub(crate) const PLATFORM_LEAD: usize = 1;
    /// A security engineer (Privileged Role Administrator, eligible).
    pub(crate) const SECURITY: usize = 2;
    /// Terminated in HR, still active in Azure and Google Cloud, owner of a privileged service principal.
    pub(crate) const LEAVER: usize = 3;
    /// A contractor known by two addresses.
    pub(crate) const CONTRACTOR: usize = 4;
    /// On leave.
    pub(crate) const ON_LEAVE: usize = 5;
    /// Virtual Machine Contributor on a VM whose managed identity is Owner.
    pub(crate) const VM_OPERATOR: usize = 6;
    /// Member of a group holding a custom role with `roleAssignments/write`.
    pub(crate) const DEPLOYER: usize = 7;
    /// Eligible (PIM) for Owner, never active.
    pub(crate) const ELIGIBLE_OWNER: usize = 8;
    /// Storage Blob Data Reader under an ABAC condition.
    pub(crate) const ANALYST: usize = 9;
    /// Contributor on the automation resource group.
    pub(crate) const AUTOMATION_DEV: usize = 10;
    /// GCP: `iam.serviceAccounts.actAs` and `run.services.create`.
    pub(crate) const RUN_DEPLOYER: usize = 11;
    /// GCP: `iam.serviceAccounts.getAccessToken` on a privileged service account.
    pub(crate) const TOKEN_CREATOR: usize = 12;
    /// GCP: `resourcemanager.projects.setIamPolicy`.
    pub(crate) const PROJECT_IAM_ADMIN: usize = 13;
    /// GCP: `iam.serviceAccountKeys.create` on a privileged service account.
    pub(crate) const KEY_ADMIN: usize = 14;
    /// Excluded from the Azure deny assignment.
    pub(crate) const BREAK_GLASS: usize = 15;
    /// Entra Application Administrator.
    pub(crate) const APP_ADMIN: usize = 16;
    /// The last planted person: those after get only random grants.
    pub(crate) const LAST: usize = APP_ADMIN;
}

const DEPARTMENTS: &[(&str, &[&str])] = &[
    ("Engineering", &["Software Engineer", "Senior Software Engineer", "Staff Engineer", "Engineering Manager"]),
    ("Platform", &["Platform Engineer", "Site Reliability Engineer", "Cloud Architect"]),
    ("Security", &["Security Engineer", "Security Analyst"]),
    ("Data", &["Data Engineer", "Data Scientist", "Analytics Manager"]),
    ("Finance", &["Accountant", "Financial Analyst", "Controller"]),
    ("Sales", &["Account Executive", "Sales Engineer", "Sales Manager"]),
    ("Support", &["Support Engineer", "Support Manager"]),
    ("IT", &["IT Administrator", "Service Desk Analyst"]),
];

/// The contractor's agency domain: the contractor's second address is there.
pub(crate) const AGENCY_DOMAIN: &str = "northwind-contracting.example.net";

/// Draws the people of `spec`.
pub fn people(spec: &PeopleSpec) -> Result<People, GenError> {
    if spec.count < PeopleSpec::MIN_COUNT {
        return Err(GenError::InvalidSpec(format!("people: count {} is below {}", spec.count, PeopleSpec::MIN_COUNT)));
    }
    if spec.domain.is_empty() || spec.domain.contains(['@', '/', ' ']) {
        return Err(GenError::InvalidSpec(format!("people: `{}` is not a domain", spec.domain)));
    }
    let mut rng = Rng::new(spec.seed, "people", 0);
    let mut taken: HashSet<String> = spec.known.iter().map(|k| k.email.clone()).collect();
    let mut persons = Vec::with_capacity(spec.count);
    for idx in 0..spec.count {
        let (first, last, email, aws_user_id) = match spec.known.get(idx) {
            Some(k) => (k.first.clone(), k.last.clone(), k.email.clone(), Some(k.aws_user_id.clone())),
            None => {
                let first = (*rng.pick(FIRST_NAMES)).to_string();
                let last = (*rng.pick(LAST_NAMES)).to_string();
                let mut email = format!("{first}.{last}@{}", spec.domain);
                let mut n = 2;
                while !taken.insert(email.clone()) {
                    email = format!("{first}.{last}{n}@{}", spec.domain);
                    n += 1;
                }
                (first, last, email, None)
            }
        };
        let (department, titles) = match idx {
            cast::PLATFORM_LEAD | cast::VM_OPERATOR | cast::DEPLOYER | cast::AUTOMATION_DEV | cast::RUN_DEPLOYER => {
                DEPARTMENTS[1]
            }
            cast::SECURITY | cast::BREAK_GLASS | cast::APP_ADMIN => DEPARTMENTS[2],
            cast::ANALYST => DEPARTMENTS[3],
            _ => *rng.pick(DEPARTMENTS),
        };
        let contractor = idx == cast::CONTRACTOR;
        let title = if idx == 0 {
            "Chief Executive Officer".to_string()
        } else if contractor {
            "Contractor".to_string()
        } else {
            (*rng.pick(titles)).to_string()
        };
        let manager = match idx {
            0 => None,
            1..=7 => Some(0),
            _ => Some(rng.range(1, (idx / 8).max(1))),
        };
        let start = NOW - rng.range_i64(60, 3000) * DAY;
        let start = start - start.rem_euclid(DAY);
        let status = match idx {
            cast::LEAVER => Status::Terminated,
            cast::ON_LEAVE => Status::Leave,
            i if i > cast::LAST && rng.chance(0.01) => Status::Terminated,
            _ => Status::Active,
        };
        let end = (status == Status::Terminated).then(|| {
            let end = NOW - rng.range_i64(10, 50) * DAY;
            end - end.rem_euclid(DAY)
        });
        let alt_email = contractor.then(|| format!("{first}.{last}@{AGENCY_DOMAIN}"));
        persons.push(Person {
            employee_id: format!("E{:05}", 1001 + idx),
            display_name: format!("{} {}", capitalized(&first), capitalized(&last)),
            first,
            last,
            email,
            alt_email,
            department,
            title,
            manager,
            status,
            start,
            end,
            contractor,
            aws_user_id,
        });
    }
    Ok(People { seed: spec.seed, domain: spec.domain.clone(), persons })
}

impl People {
    /// Whether the person at `idx` has a working account in the clouds: everyone but those who
    /// left, except the planted leaver, who still has.
    pub(crate) fn in_clouds(&self, idx: usize) -> bool {
        self.persons[idx].status != Status::Terminated || idx == cast::LEAVER
    }

    /// The local part of a company domain's tenant name (`contoso` for `contoso.example.com`).
    pub(crate) fn company(&self) -> &str {
        self.domain.split('.').next().unwrap_or("contoso")
    }
}

pub(crate) fn capitalized(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Where a person appears, for `people-ground-truth.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityLink {
    /// The person's company address.
    pub person: String,
    /// `okta`, `aws-identity-center`, `entra` or `gcp`.
    pub system: &'static str,
    /// The identity's id there (Okta id, identity store `UserId`, Entra object id, GCP member).
    pub id: String,
    /// Its name there (login, UPN, member e-mail).
    pub name: String,
}

/// A machine identity and the person who owns it, for `people-ground-truth.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonHumanOwner {
    /// `entra` or `gcp`.
    pub system: &'static str,
    /// Entra object id or service account e-mail.
    pub id: String,
    /// Display name.
    pub name: String,
    /// `service-principal`, `managed-identity`, `service-account`.
    pub kind: &'static str,
    /// The owning person's company address (`None`: no owner recorded).
    pub owner: Option<String>,
}
