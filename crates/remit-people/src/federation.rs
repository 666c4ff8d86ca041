//! Who reaches a cloud identity through federation: the persons behind a SAML role or a
//! workforce pool group, which are not anyone's own account.
//!
//! A person signs in to Okta and becomes an AWS role through SAML, or a Google Cloud workforce
//! pool group through the groups Okta asserts. Neither the role nor the group is theirs, and
//! many persons use each; but "what can Alice do" must include them, and a role used this way
//! is not an orphan nobody answers for. The links come from what the identity provider records:
//! the `samlRoles` of Okta's AWS Account Federation application users, and Okta group members.

use std::collections::{BTreeMap, HashMap};

use remit_model::{Cloud, PrincipalKind};

use crate::error::Issue;
use crate::identity::CloudIdentity;
use crate::index::Index;
use crate::inputs::PeopleInputs;
use crate::link::{Confidence, Link, Rule};
use crate::person::Person;

/// The prefix of `federated_via` for a role an AWS SAML provider is trusted to federate.
pub const AWS_SAML: &str = "aws-saml:";
/// The prefix of `federated_via` for a role an OIDC (web identity) provider is trusted to
/// federate.
pub const AWS_OIDC: &str = "aws-oidc:";
/// The Okta catalog name of the AWS Account Federation (SAML) application.
pub const OKTA_AWS_SAML_APP: &str = "amazon_aws";

const WORKFORCE_SET: &str = "principalSet://iam.googleapis.com/locations/global/workforcePools/";

/// What one `profile.samlRoles` value of Okta's AWS Account Federation app names.
///
/// Okta's app sends each value as the SAML `Role` attribute: either a role name (the app joins
/// it with the account and the provider it is configured for), or a `role ARN,provider ARN`
/// pair (group mapping). AWS reads the pair in either order:
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml_assertions.html>,
/// <https://help.okta.com/en-us/content/topics/deploymentguides/aws/aws-deployment.htm>.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SamlRole {
    /// A role name (`Admin`).
    Name(String),
    /// A role ARN alone.
    Arn(String),
    /// A role ARN and the SAML provider ARN it is assumed through.
    Pair {
        /// `arn:aws:iam::<account>:role/<name>`.
        role: String,
        /// `arn:aws:iam::<account>:saml-provider/<name>`.
        provider: String,
    },
    /// Neither: the value is reported, not guessed at.
    Invalid(String),
}

/// Reads one `samlRoles` value.
pub fn parse_saml_role(value: &str) -> SamlRole {
    let value = value.trim();
    let is_role = |s: &str| s.starts_with("arn:") && s.contains(":role/") && role_parts(s).is_some();
    let is_provider = |s: &str| s.starts_with("arn:") && s.contains(":saml-provider/");
    if let Some((a, b)) = value.split_once(',') {
        let (a, b) = (a.trim(), b.trim());
        return match (is_role(a), is_provider(a), is_role(b), is_provider(b)) {
            (true, _, _, true) => SamlRole::Pair { role: a.to_owned(), provider: b.to_owned() },
            (_, true, true, _) => SamlRole::Pair { role: b.to_owned(), provider: a.to_owned() },
            _ => SamlRole::Invalid(value.to_owned()),
        };
    }
    if is_role(value) {
        return SamlRole::Arn(value.to_owned());
    }
    // IAM role names: letters, digits and `+=,.@_-`, 1 to 64 characters:
    // https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
    let name_ok =
        (1..=64).contains(&value.len()) && value.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    match name_ok {
        true => SamlRole::Name(value.to_owned()),
        false => SamlRole::Invalid(value.to_owned()),
    }
}

/// `(account, name)` of a role ARN `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`.
fn role_parts(arn: &str) -> Option<(&str, &str)> {
    let mut fields = arn.splitn(6, ':');
    let (Some("arn"), Some(_), Some("iam"), Some(""), Some(account), Some(resource)) =
        (fields.next(), fields.next(), fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return None;
    };
    let name = resource.strip_prefix("role/")?.rsplit('/').next()?;
    (!account.is_empty() && !name.is_empty()).then_some((account, name))
}

/// A role a SAML provider is trusted to federate, by its index among the identities.
struct SamlTarget<'a> {
    index: usize,
    arn: &'a str,
    account: &'a str,
    name: &'a str,
    provider: &'a str,
}

/// The persons each identity (by index) is used by through federation, and the problems met.
pub(crate) struct Federation {
    pub(crate) users: HashMap<usize, Vec<Link>>,
    pub(crate) issues: Vec<Issue>,
}

pub(crate) fn links(
    inputs: &PeopleInputs,
    identities: &[CloudIdentity],
    persons: &[Person],
    index: &Index,
) -> Federation {
    let mut scored: HashMap<usize, Vec<(usize, Link)>> = HashMap::new();
    let mut issues = Vec::new();
    saml_roles(inputs, identities, persons, index, &mut scored, &mut issues);
    workforce_groups(inputs, identities, persons, index, &mut scored);
    let users = scored
        .into_iter()
        .map(|(identity, mut links)| {
            // One link per person: the most certain.
            links.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.confidence.score.cmp(&a.1.confidence.score)));
            links.dedup_by_key(|(person, _)| *person);
            let mut links: Vec<Link> = links.into_iter().map(|(_, l)| l).collect();
            links.sort_by(|a, b| a.person.cmp(&b.person));
            (identity, links)
        })
        .collect();
    Federation { users, issues }
}

/// AWS: every `samlRoles` value of every user of an active `amazon_aws` application, matched to
/// the roles whose trust policy lets that SAML provider `sts:AssumeRoleWithSAML`
/// (`federated_via` = `aws-saml:<provider arn>`, set by the integrator from the trust policy:
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_saml.html>).
fn saml_roles(
    inputs: &PeopleInputs,
    identities: &[CloudIdentity],
    persons: &[Person],
    index: &Index,
    out: &mut HashMap<usize, Vec<(usize, Link)>>,
    issues: &mut Vec<Issue>,
) {
    let targets: Vec<SamlTarget<'_>> = identities
        .iter()
        .enumerate()
        .filter(|(_, i)| i.cloud == Cloud::Aws && i.kind == PrincipalKind::Role)
        .filter_map(|(index, i)| {
            let provider = i.federated_via.as_deref()?.strip_prefix(AWS_SAML)?;
            let (account, name) = role_parts(&i.id)?;
            Some(SamlTarget { index, arn: &i.id, account, name, provider })
        })
        .collect();
    // Unmatched values, reported once per application and value with how many users carry it.
    let mut unmatched: BTreeMap<(String, String), (String, usize)> = BTreeMap::new();
    // An inactive application signs nobody in:
    // https://developer.okta.com/docs/api/openapi/okta-management/management/tag/Application/
    for app in
        inputs.okta_apps.iter().filter(|a| a.name == OKTA_AWS_SAML_APP && !a.status.eq_ignore_ascii_case("INACTIVE"))
    {
        let file = format!("okta/app-users/{}.json", app.id);
        for user in &app.users {
            let holders = index.okta_id(&user.user_id);
            for value in &user.saml_roles {
                let parsed = parse_saml_role(value);
                let (found, note) = match_saml_role(&parsed, &targets);
                if found.is_empty() {
                    let why = note.unwrap_or_else(|| match &parsed {
                        SamlRole::Invalid(_) => {
                            "is neither a role name, a role ARN nor a `role ARN,saml-provider ARN` pair; ignored"
                                .to_owned()
                        }
                        _ => "names no role whose trust policy lets a SAML provider assume it; ignored".to_owned(),
                    });
                    unmatched.entry((file.clone(), value.clone())).or_insert((why, 0)).1 += 1;
                    continue;
                }
                let ambiguous_name = matches!(parsed, SamlRole::Name(_)) && found.len() > 1;
                for target in &found {
                    for &person in holders {
                        let key = persons.get(person).map_or("", |p| p.key.as_str());
                        let mut reason = format!(
                            "Okta app {} ({}) assigns Okta user {} ({key}) SAML role `{value}` (profile.samlRoles, scope {}); role {} trusts SAML provider {} (sts:AssumeRoleWithSAML)",
                            app.label, app.name, user.user_id, user.scope, target.arn, target.provider
                        );
                        let score = match ambiguous_name {
                            true => {
                                let accounts: Vec<&str> = found.iter().map(|t| t.account).collect();
                                reason.push_str(&format!(
                                    "; the role name alone names roles in {} accounts ({}): the application's account settings are not read, so which of them it signs in to is not known",
                                    accounts.len(),
                                    accounts.join(", ")
                                ));
                                Rule::Alias.score()
                            }
                            false => Rule::AppAssignment.score(),
                        };
                        let link = Link {
                            person: key.to_owned(),
                            confidence: Confidence::new(score),
                            rule: Rule::AppAssignment,
                            reason,
                        };
                        out.entry(target.index).or_default().push((person, link));
                    }
                }
            }
        }
    }
    for ((file, value), (why, users)) in unmatched {
        issues.push(Issue {
            file,
            location: format!("profile.samlRoles `{value}` ({users} user{})", if users == 1 { "" } else { "s" }),
            message: why,
        });
    }
}

/// The targets a parsed value names; with none, why (when it is not simply unknown).
fn match_saml_role<'t, 'a>(
    parsed: &SamlRole,
    targets: &'t [SamlTarget<'a>],
) -> (Vec<&'t SamlTarget<'a>>, Option<String>) {
    // Role names are unique in an account; an ARN with or without a path names the same role.
    let same_role = |t: &SamlTarget<'_>, arn: &str| t.arn == arn || role_parts(arn) == Some((t.account, t.name));
    match parsed {
        SamlRole::Name(name) => (targets.iter().filter(|t| t.name == name).collect(), None),
        SamlRole::Arn(arn) => (targets.iter().filter(|t| same_role(t, arn)).collect(), None),
        SamlRole::Pair { role, provider } => {
            let roles: Vec<&SamlTarget<'_>> = targets.iter().filter(|t| same_role(t, role)).collect();
            let (trusted, other): (Vec<_>, Vec<_>) = roles.into_iter().partition(|t| t.provider == provider);
            let note = other.first().map(|t| {
                format!(
                    "names provider {provider}, but role {} trusts SAML provider {}: AWS refuses an assertion naming a provider the role does not trust; not linked",
                    t.arn, t.provider
                )
            });
            (trusted, note)
        }
        SamlRole::Invalid(_) => (Vec::new(), None),
    }
}

/// Google Cloud: a workforce pool group
/// (`principalSet://iam.googleapis.com/locations/global/workforcePools/POOL/group/GROUP`) holds
/// the pool's identities whose `google.groups` attribute, mapped from the identity provider's
/// assertion, contains GROUP: <https://cloud.google.com/iam/docs/workforce-identity-federation>,
/// <https://cloud.google.com/iam/docs/principal-identifiers>. Okta asserts its group names, so
/// the members of the Okta group of that name are linked, with medium confidence: the pool's
/// attribute mapping and the application's group filter are not read.
fn workforce_groups(
    inputs: &PeopleInputs,
    identities: &[CloudIdentity],
    persons: &[Person],
    index: &Index,
    out: &mut HashMap<usize, Vec<(usize, Link)>>,
) {
    for (i, identity) in identities.iter().enumerate().filter(|(_, i)| i.cloud == Cloud::Gcp) {
        let Some((pool, group)) = workforce_group(&identity.id) else { continue };
        for okta_group in inputs.okta_groups.iter().filter(|g| g.name == group) {
            for member in &okta_group.members {
                for &person in index.okta_id(member) {
                    let key = persons.get(person).map_or("", |p| p.key.as_str());
                    let reason = format!(
                        "Okta user {member} ({key}) is a member of Okta group {} ({group}), the group workforce pool {pool} names; assumes the pool maps google.groups from the Okta groups asserted (its attribute mapping is not read)",
                        okta_group.id
                    );
                    let link = Link {
                        person: key.to_owned(),
                        confidence: Confidence::new(Rule::GroupMembership.score()),
                        rule: Rule::GroupMembership,
                        reason,
                    };
                    out.entry(i).or_default().push((person, link));
                }
            }
        }
    }
}

/// `(pool, group)` of a workforce pool group principal set.
pub fn workforce_group(member: &str) -> Option<(&str, &str)> {
    let rest = member.trim().strip_prefix(WORKFORCE_SET)?;
    let (pool, group) = rest.split_once("/group/")?;
    (!pool.is_empty() && !pool.contains('/') && !group.is_empty()).then_some((pool, group))
}
