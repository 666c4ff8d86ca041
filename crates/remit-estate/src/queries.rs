//! Questions across the estate: routed to the engine of the cloud their names belong to, and
//! for a person, asked of every identity that is theirs.

use std::sync::Arc;

use remit_aws_analysis::{Permission, WhatCanFilter};
use remit_model::{Cloud, Entitlement, Explanation, Holder, Principal};
use remit_people::{CloudIdentity, Link, Person};

use crate::{Estate, route};

/// Why a question could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum CloudQueryError {
    /// The cloud the names belong to is not in the bundle (or was not loaded).
    #[error("the bundle holds no {0} part")]
    NotLoaded(&'static str),
    /// No cloud knows the principal.
    #[error(
        "no principal `{0}` in any cloud of the bundle (an ARN, an Entra object id or user principal name, a Google Cloud member such as user:alice@corp.com, or person:EMAIL)"
    )]
    UnknownPrincipal(String),
    /// No person matches.
    #[error(
        "no person `{0}`: the people are read from the bundle's people/ directory (identity provider and HR feed) and every cloud's identities"
    )]
    UnknownPerson(String),
    /// The names' syntax belongs to no cloud.
    #[error(
        "cannot tell which cloud `{0}` belongs to: give an ARN, an Azure resource id (/subscriptions/...) or a Google Cloud resource name (//service.googleapis.com/..., projects/...)"
    )]
    UnknownCloud(String),
    /// The engine refused the question.
    #[error("{0}")]
    Engine(String),
}

/// What a principal can do, in its cloud's terms.
pub enum WhatCan {
    /// An AWS principal's effective permissions, and the roles it can become with theirs.
    Aws {
        /// The principal.
        principal: Principal,
        /// Its own effective permissions.
        permissions: Vec<Permission>,
        /// The roles it can become, each with how and with its effective permissions.
        roles: Vec<(Holder, Vec<Permission>)>,
    },
    /// An Azure or Google Cloud principal's entitlements.
    Entitlements {
        /// The principal.
        principal: Arc<Principal>,
        /// Its entitlements.
        entitlements: Vec<Entitlement>,
    },
}

/// One identity of a person, how it is known to be theirs, and what it can do.
pub struct IdentityAccess<'a> {
    /// The identity.
    pub identity: &'a CloudIdentity,
    /// Why it is the person's, with what confidence.
    pub link: &'a Link,
    /// What it can do (an error when its cloud's engine cannot say).
    pub access: Result<WhatCan, CloudQueryError>,
    /// True when the person reaches it through federation (an AWS role an Okta assignment lets
    /// them assume by SAML, a Google Cloud workforce pool group of theirs), which many persons
    /// may share; false for the person's own identity.
    pub federated: bool,
}

/// What a person can do across every cloud.
pub struct PersonAccess<'a> {
    /// The person.
    pub person: &'a Person,
    /// Their identities, each with its access: their own first, then those they reach through
    /// federation (`federated`).
    pub identities: Vec<IdentityAccess<'a>>,
    /// The non-human identities they own, with how that is known.
    pub owned: Vec<(&'a CloudIdentity, &'a Link)>,
}

impl Estate {
    /// What `principal` can do: an AWS ARN is asked of AWS, a Google Cloud member of Google
    /// Cloud; any other name (an Entra object id, a UPN, an email) of every cloud that knows it,
    /// Azure first.
    pub fn what_can(&self, principal: &str) -> Result<WhatCan, CloudQueryError> {
        match route::principal_cloud(principal) {
            Some(Cloud::Aws) => self.aws_what_can(principal),
            Some(Cloud::Gcp) => self.gcp_what_can(principal),
            _ => self
                .azure_what_can(principal)
                .or_else(|_| self.gcp_what_can(principal))
                .or_else(|_| self.aws_what_can(principal)),
        }
    }

    fn aws_what_can(&self, principal: &str) -> Result<WhatCan, CloudQueryError> {
        aws_what_can(self.aws.as_ref(), principal)
    }
}

/// What an AWS principal can do, from `aws` (the estate's own, or one kept beside it).
fn aws_what_can(aws: Option<&remit_aws_analysis::AwsAnalysis>, principal: &str) -> Result<WhatCan, CloudQueryError> {
    let aws = aws.ok_or(CloudQueryError::NotLoaded("AWS"))?;
    if let Some(user_id) = principal.strip_prefix("arn:aws:identitystore:::user/") {
        return identity_center_what_can(aws, principal, user_id);
    }
    let found = aws
        .principals()
        .find(|p| p.id == principal || p.name == principal)
        .cloned()
        .ok_or_else(|| CloudQueryError::UnknownPrincipal(principal.to_owned()))?;
    let filter = WhatCanFilter::default();
    // An Identity Center user holds nothing itself: its access is the roles it becomes.
    let permissions = aws.what_can(&found.id, &filter).unwrap_or_default();
    let roles = aws
        .can_become_from(&found.id)
        .unwrap_or_default()
        .into_iter()
        .map(|holder| {
            let permissions = aws.what_can(&holder.principal.id, &filter).unwrap_or_default();
            (holder, permissions)
        })
        .collect();
    Ok(WhatCan::Aws { principal: found, permissions, roles })
}

impl Estate {
    fn azure_what_can(&self, principal: &str) -> Result<WhatCan, CloudQueryError> {
        if self.azure.is_empty() {
            return Err(CloudQueryError::NotLoaded("Azure"));
        }
        for tenant in &self.azure {
            if let Some(found) = tenant.analysis.find_principal(principal) {
                let entitlements =
                    tenant.analysis.what_can(&found.id).map_err(|e| CloudQueryError::Engine(e.to_string()))?;
                return Ok(WhatCan::Entitlements { principal: found, entitlements });
            }
        }
        Err(CloudQueryError::UnknownPrincipal(principal.to_owned()))
    }

    fn gcp_what_can(&self, principal: &str) -> Result<WhatCan, CloudQueryError> {
        if self.gcp.is_empty() {
            return Err(CloudQueryError::NotLoaded("Google Cloud"));
        }
        for org in &self.gcp {
            if let Some(found) = org.analysis.find_principal(principal) {
                let found = Arc::clone(found);
                let entitlements =
                    org.analysis.what_can(&found.id).map_err(|e| CloudQueryError::Engine(e.to_string()))?;
                return Ok(WhatCan::Entitlements { principal: found, entitlements });
            }
        }
        Err(CloudQueryError::UnknownPrincipal(principal.to_owned()))
    }

    /// Who can perform `action` on `resource`, asked of the cloud the resource belongs to (every
    /// tenant or organization of it that knows the resource).
    pub fn who_can(&self, action: &str, resource: &str) -> Result<Vec<Holder>, CloudQueryError> {
        match route::resource_cloud(resource) {
            Some(Cloud::Aws) => {
                let aws = self.aws.as_ref().ok_or(CloudQueryError::NotLoaded("AWS"))?;
                aws.who_can(action, resource).map_err(|e| CloudQueryError::Engine(e.to_string()))
            }
            Some(Cloud::Azure) => first_answer(
                self.azure.iter().map(|t| t.analysis.who_can(action, resource).map_err(|e| e.to_string())),
                "Azure",
            ),
            Some(Cloud::Gcp) => first_answer(
                self.gcp.iter().map(|o| o.analysis.who_can(action, resource).map_err(|e| e.to_string())),
                "Google Cloud",
            ),
            None => Err(CloudQueryError::UnknownCloud(resource.to_owned())),
        }
    }

    /// Why `principal` can or cannot perform `action` on `resource` (Azure and Google Cloud;
    /// AWS explains in its own, richer terms).
    pub fn explain(
        &self,
        principal: &str,
        action: &str,
        resource: &str,
    ) -> Result<(Arc<Principal>, Explanation), CloudQueryError> {
        match route::resource_cloud(resource) {
            Some(Cloud::Azure) => {
                for tenant in &self.azure {
                    if let Some(found) = tenant.analysis.find_principal(principal) {
                        let explained = tenant
                            .analysis
                            .explain(&found.id, action, resource)
                            .map_err(|e| CloudQueryError::Engine(e.to_string()))?;
                        return Ok((found, explained));
                    }
                }
                Err(CloudQueryError::UnknownPrincipal(principal.to_owned()))
            }
            Some(Cloud::Gcp) => {
                for org in &self.gcp {
                    if let Some(found) = org.analysis.find_principal(principal) {
                        let found = Arc::clone(found);
                        let explained = org
                            .analysis
                            .explain(&found.id, action, resource)
                            .map_err(|e| CloudQueryError::Engine(e.to_string()))?;
                        return Ok((found, explained));
                    }
                }
                Err(CloudQueryError::UnknownPrincipal(principal.to_owned()))
            }
            Some(Cloud::Aws) => Err(CloudQueryError::Engine("AWS decisions are explained by the AWS engine".into())),
            None => Err(CloudQueryError::UnknownCloud(resource.to_owned())),
        }
    }

    /// What a person can do in every cloud: each identity linked to them, then each they reach
    /// through federation (SAML roles, workforce pool groups), with its access.
    pub fn person_access(&self, query: &str) -> Result<PersonAccess<'_>, CloudQueryError> {
        self.person_access_beside(query, self.aws.as_ref())
    }

    /// [`Estate::person_access`], with AWS asked of `aws` (an analysis kept beside the estate,
    /// as a snapshot loaded by the server keeps it).
    pub fn person_access_beside(
        &self,
        query: &str,
        aws: Option<&remit_aws_analysis::AwsAnalysis>,
    ) -> Result<PersonAccess<'_>, CloudQueryError> {
        let people = self.people.as_ref().ok_or(CloudQueryError::NotLoaded("people"))?;
        let person = people.person(query).ok_or_else(|| CloudQueryError::UnknownPerson(query.to_owned()))?;
        let own = people.identities_of(person).into_iter().map(|(i, l)| (i, l, false));
        let federated = people.federated_roles_of(person).into_iter().map(|(i, l)| (i, l, true));
        let identities = own
            .chain(federated)
            .map(|(identity, link, federated)| {
                let access = match identity.cloud {
                    Cloud::Aws => aws_what_can(aws, &identity.id),
                    Cloud::Azure => self.azure_what_can(&identity.id),
                    Cloud::Gcp => self.gcp_what_can(&identity.id),
                };
                IdentityAccess { identity, link, access, federated }
            })
            .collect();
        Ok(PersonAccess { person, identities, owned: people.owned_by(person) })
    }

    /// The findings of Azure, Google Cloud and the people (AWS's come from its own scan, which
    /// needs its probes: `remit_aws_risk::scan`). The people's (leavers, orphaned machine
    /// identities) only when the bundle has a `people/` directory to tell them from.
    pub fn findings(&self) -> Vec<remit_findings::Finding> {
        let mut out = Vec::new();
        for tenant in &self.azure {
            out.extend(remit_azure::findings(&tenant.analysis));
        }
        for org in &self.gcp {
            out.extend(remit_gcp::risk::findings(&org.analysis));
        }
        if let Some(people) = self.people.as_ref().filter(|_| self.people_collected) {
            out.extend(people.findings().iter().cloned());
        }
        out
    }
}

impl Estate {
    /// Names the people behind each finding's principals, as evidence: the person an identity
    /// is (with the confidence and the rule), or the owners of a machine identity. Findings of
    /// every cloud, AWS's included, so that a report says whose access it is.
    pub fn name_people(&self, findings: &mut [remit_findings::Finding]) {
        let Some(people) = self.people.as_ref().filter(|_| self.people_collected) else { return };
        for finding in findings.iter_mut() {
            let mut added = Vec::new();
            for principal in &finding.principals {
                let person = people.person_of(principal).map(|(person, link)| {
                    format!(
                        "{principal} is {} <{}>{} ({} confidence: {})",
                        person.display_name,
                        person.key,
                        if person.is_leaver() { ", who has left" } else { "" },
                        link.confidence.level.as_str(),
                        link.rule.as_str()
                    )
                });
                let owners: Vec<String> = people
                    .owners_of(principal)
                    .iter()
                    .map(|(person, link)| {
                        format!(
                            "{principal} is owned by {} <{}>{} ({} confidence: {})",
                            person.display_name,
                            person.key,
                            if person.is_leaver() { ", who has left" } else { "" },
                            link.confidence.level.as_str(),
                            link.rule.as_str()
                        )
                    })
                    .collect();
                for detail in person.into_iter().chain(owners) {
                    let mut evidence = remit_findings::Evidence::fact("people", detail);
                    evidence.layer = "person".to_owned();
                    evidence.principal = Some(principal.clone());
                    added.push(evidence);
                }
            }
            finding.evidence.extend(added);
        }
    }
}

/// The answers of every tenant or organization that knows the resource, joined; the first
/// error when none does.
fn first_answer(
    answers: impl Iterator<Item = Result<Vec<Holder>, String>>,
    cloud: &'static str,
) -> Result<Vec<Holder>, CloudQueryError> {
    let mut holders = Vec::new();
    let mut error = None;
    let mut any = false;
    for answer in answers {
        match answer {
            Ok(found) => {
                any = true;
                holders.extend(found);
            }
            Err(e) => error = error.or(Some(e)),
        }
    }
    match (any, error) {
        (true, _) => Ok(holders),
        (false, Some(e)) => Err(CloudQueryError::Engine(e)),
        (false, None) => Err(CloudQueryError::NotLoaded(cloud)),
    }
}

/// What an IAM Identity Center user can do: nothing of its own; the roles its permission-set
/// assignments (its own and its groups') provision in each account, each with its effective
/// permissions.
/// <https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html>
fn identity_center_what_can(
    aws: &remit_aws_analysis::AwsAnalysis,
    arn: &str,
    user_id: &str,
) -> Result<WhatCan, CloudQueryError> {
    use remit_model::{Access, PrincipalKind, Step};
    let center =
        aws.environment().identity_center.as_ref().ok_or_else(|| CloudQueryError::UnknownPrincipal(arn.to_owned()))?;
    let name = center
        .users
        .iter()
        .find(|(id, _)| id == user_id)
        .map(|(_, name)| name.clone())
        .ok_or_else(|| CloudQueryError::UnknownPrincipal(arn.to_owned()))?;
    let groups: Vec<&str> =
        center.memberships.iter().filter(|(_, member)| member == user_id).map(|(group, _)| group.as_str()).collect();
    let group_name = |id: &str| center.groups.iter().find(|(g, _)| g == id).map_or(id.to_owned(), |(_, n)| n.clone());
    let filter = WhatCanFilter::default();
    let mut roles = Vec::new();
    for assignment in &center.assignments {
        let through_group = match assignment.principal_type.as_str() {
            "USER" if assignment.principal_id == user_id => None,
            "GROUP" if groups.contains(&assignment.principal_id.as_str()) => Some(group_name(&assignment.principal_id)),
            _ => continue,
        };
        let Some(set) = center.permission_sets.iter().find(|p| p.arn == assignment.permission_set_arn) else {
            continue;
        };
        let prefix = format!("AWSReservedSSO_{}_", set.name);
        for role in aws.principals().filter(|p| {
            p.kind == PrincipalKind::Role
                && p.scope.as_deref() == Some(assignment.account_id.as_str())
                && p.name.starts_with(&prefix)
        }) {
            let mut via = Vec::new();
            if let Some(group) = &through_group {
                via.push(Step::Group { group: group.as_str().into() });
            }
            via.push(Step::Direct { sources: vec![format!("IAM Identity Center permission set {}", set.name).into()] });
            via.push(Step::Assume { target: role.id.as_str().into() });
            let permissions = aws.what_can(&role.id, &filter).unwrap_or_default();
            let holder = remit_model::Holder { principal: Arc::new(role.clone()), access: Access::Allowed, via };
            roles.push((holder, permissions));
        }
    }
    let principal = Principal {
        cloud: Cloud::Aws,
        kind: PrincipalKind::User,
        id: arn.to_owned(),
        name,
        scope: Some(center.identity_store_id.clone()),
        incomplete: false,
    };
    Ok(WhatCan::Aws { principal, permissions: Vec::new(), roles })
}
