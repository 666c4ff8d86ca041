//! The rules that tie a cloud user to a person, strongest first.
//!
//! Exact identifiers (the IdP subject, the user name an Okta application assignment gives,
//! the employee id, the canonical address) decide; an alias decides less surely; names are
//! only a hint, tried when nothing exact matches, because two people can share a name.

use remit_model::Cloud;

use crate::identity::CloudIdentity;
use crate::index::Index;
use crate::link::{Rule, Scored};
use crate::person::Person;

/// The cloud an Okta catalog application signs in to, by its `name`:
/// - `amazon_aws_sso`: AWS IAM Identity Center, whose users Okta provisions by SCIM with the
///   assignment's `credentials.userName` as their user name
///   (<https://docs.aws.amazon.com/singlesignon/latest/userguide/gs-okta.html>);
/// - `amazon_aws`: the AWS account federation (SAML) app, whose user name is the session's;
/// - `google`: Google Workspace, whose users are Google Cloud's `user:` members;
/// - `office365`: Microsoft Office 365 / Entra ID, whose user name is the UPN.
///
/// Application users and their `credentials.userName`:
/// <https://developer.okta.com/docs/api/openapi/okta-management/management/tag/ApplicationUsers/>.
pub fn app_cloud(app_name: &str) -> Option<Cloud> {
    match app_name {
        "amazon_aws_sso" | "amazon_aws" => Some(Cloud::Aws),
        "google" => Some(Cloud::Gcp),
        "office365" => Some(Cloud::Azure),
        _ => None,
    }
}

/// Every exact candidate (IdP subject, app assignment, employee id, addresses) for a user.
pub(crate) fn exact(identity: &CloudIdentity, persons: &[Person], index: &Index) -> Vec<Scored> {
    let mut out = Vec::new();
    idp_subject(identity, persons, index, &mut out);
    app_assignment(identity, persons, index, &mut out);
    employee_id(identity, persons, index, &mut out);
    addresses(identity, persons, index, &mut out);
    out
}

fn key(persons: &[Person], i: usize) -> &str {
    persons.get(i).map_or("", |p| p.key.as_str())
}

/// IdP subject: Identity Center's `ExternalIds` for an Okta-provisioned user hold the Okta
/// user id (<https://docs.aws.amazon.com/singlesignon/latest/IdentityStoreAPIReference/API_ExternalId.html>);
/// an Entra object id names the Entra user a person was merged from.
fn idp_subject(identity: &CloudIdentity, persons: &[Person], index: &Index, out: &mut Vec<Scored>) {
    let Some((idp, subject)) = &identity.idp_subject else { return };
    let idp = idp.to_ascii_lowercase();
    let hits = match idp.as_str() {
        "okta" => index.okta_id(subject),
        "entra" | "entra-id" | "azure-ad" | "aad" => index.entra_id(subject),
        _ => &[],
    };
    for &i in hits {
        out.push(Scored {
            person: i,
            rule: Rule::IdpSubject,
            score: Rule::IdpSubject.score(),
            reason: format!("IdP subject {idp}:{subject} is {}'s {idp} user", key(persons, i)),
        });
    }
}

fn app_assignment(identity: &CloudIdentity, persons: &[Person], index: &Index, out: &mut Vec<Scored>) {
    for name in identity.sign_in_names() {
        for assignment in index.app_user_name(identity.cloud, &name) {
            for &i in index.okta_id(&assignment.okta_user) {
                out.push(Scored {
                    person: i,
                    rule: Rule::AppAssignment,
                    score: Rule::AppAssignment.score(),
                    reason: format!(
                        "Okta app {} ({}) assigns Okta user {} ({}) as user name {name}",
                        assignment.app_label,
                        assignment.app_name,
                        assignment.okta_user,
                        key(persons, i)
                    ),
                });
            }
        }
    }
}

fn employee_id(identity: &CloudIdentity, persons: &[Person], index: &Index, out: &mut Vec<Scored>) {
    let Some(id) = identity.employee_id.as_deref().map(str::trim).filter(|e| !e.is_empty()) else { return };
    for &i in index.employee_id(id) {
        out.push(Scored {
            person: i,
            rule: Rule::EmployeeId,
            score: Rule::EmployeeId.score(),
            reason: format!("employee id {id} is {}'s", key(persons, i)),
        });
    }
}

fn addresses(identity: &CloudIdentity, persons: &[Person], index: &Index, out: &mut Vec<Scored>) {
    for (address, source) in identity.addresses() {
        for &i in index.address(&address) {
            let canonical = key(persons, i) == address;
            let (rule, what) = if canonical { (Rule::Email, "canonical address") } else { (Rule::Alias, "alias") };
            out.push(Scored {
                person: i,
                rule,
                score: rule.score(),
                reason: format!("{source} {address} is {}'s {what}", key(persons, i)),
            });
        }
    }
}

/// Name heuristics: the local part of the identity's name reads as the person's names
/// (`alice.smith`, `alice_smith`, `alicesmith`, `smith.alice`) or as an initial and the
/// family name (`asmith`, `a.smith`).
pub(crate) fn names(identity: &CloudIdentity, persons: &[Person], index: &Index) -> Vec<Scored> {
    let mut out: Vec<Scored> = Vec::new();
    let mut locals: Vec<String> = identity
        .sign_in_names()
        .into_iter()
        .map(|n| n.split_once('@').map_or(n.clone(), |(local, _)| local.to_owned()))
        .collect();
    locals.dedup();
    for local in locals.iter().filter(|l| l.chars().count() >= 3) {
        for &(i, rule) in index.name_form(local) {
            if out.iter().any(|s| s.person == i) {
                continue;
            }
            let p = persons.get(i);
            out.push(Scored {
                person: i,
                rule,
                score: rule.score(),
                reason: format!(
                    "name `{local}` reads as {} ({})",
                    p.map_or("", |p| p.display_name.as_str()),
                    key(persons, i)
                ),
            });
        }
    }
    out
}
