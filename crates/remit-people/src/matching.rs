//! The rules that tie a cloud user to a person, strongest first.
//!
//! Exact identifiers (the IdP subject, the user name an Okta application assignment gives,
//! the employee id, the canonical address) decide; an alias decides less surely; names are
//! only a hint, tried when nothing exact matches, because two people can share a name.

use remit_model::Cloud;

use crate::identity::CloudIdentity;
use crate::inputs::PeopleInputs;
use crate::link::{Rule, Scored};
use crate::person::Person;

/// The cloud an Okta catalog application signs in to, by its `name`:
/// - `amazon_aws_sso`: AWS IAM Identity Center, whose user names are the assignment's
///   `credentials.userName` (<https://help.okta.com/en-us/content/topics/deploymentguides/aws/aws-configure-identity-center.htm>);
/// - `amazon_aws`: the AWS account federation (SAML) app
///   (<https://help.okta.com/en-us/content/topics/deploymentguides/aws/aws-deployment.htm>);
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
pub(crate) fn exact(identity: &CloudIdentity, persons: &[Person], inputs: &PeopleInputs) -> Vec<Scored> {
    let mut out = Vec::new();
    idp_subject(identity, persons, &mut out);
    app_assignment(identity, persons, inputs, &mut out);
    employee_id(identity, persons, &mut out);
    addresses(identity, persons, &mut out);
    out
}

/// IdP subject: Identity Center's `ExternalIds` for an Okta-provisioned user hold the Okta
/// user id (<https://docs.aws.amazon.com/singlesignon/latest/IdentityStoreAPIReference/API_ExternalId.html>);
/// an Entra object id names the Entra user a person was merged from.
fn idp_subject(identity: &CloudIdentity, persons: &[Person], out: &mut Vec<Scored>) {
    let Some((idp, subject)) = &identity.idp_subject else { return };
    let idp = idp.to_ascii_lowercase();
    for (i, p) in persons.iter().enumerate() {
        let hit = match idp.as_str() {
            "okta" => p.okta_id.as_deref() == Some(subject.as_str()),
            "entra" | "entra-id" | "azure-ad" | "aad" => {
                p.entra_id.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(subject))
            }
            _ => false,
        };
        if hit {
            out.push(Scored {
                person: i,
                rule: Rule::IdpSubject,
                score: Rule::IdpSubject.score(),
                reason: format!("IdP subject {idp}:{subject} is {}'s {idp} user", p.key),
            });
        }
    }
}

fn app_assignment(identity: &CloudIdentity, persons: &[Person], inputs: &PeopleInputs, out: &mut Vec<Scored>) {
    let names = identity.sign_in_names();
    for app in inputs.okta_apps.iter().filter(|a| app_cloud(&a.name) == Some(identity.cloud)) {
        for assignment in &app.users {
            let Some(user_name) = &assignment.user_name else { continue };
            let user_name = user_name.trim().to_lowercase();
            if !names.contains(&user_name) {
                continue;
            }
            for (i, p) in persons.iter().enumerate().filter(|(_, p)| p.okta_id.as_deref() == Some(&assignment.user_id))
            {
                out.push(Scored {
                    person: i,
                    rule: Rule::AppAssignment,
                    score: Rule::AppAssignment.score(),
                    reason: format!(
                        "Okta app {} ({}) assigns Okta user {} ({}) as user name {user_name}",
                        app.label, app.name, assignment.user_id, p.key
                    ),
                });
            }
        }
    }
}

fn employee_id(identity: &CloudIdentity, persons: &[Person], out: &mut Vec<Scored>) {
    let Some(id) = identity.employee_id.as_deref().map(str::trim).filter(|e| !e.is_empty()) else { return };
    for (i, p) in persons.iter().enumerate().filter(|(_, p)| p.employee_id.as_deref() == Some(id)) {
        out.push(Scored {
            person: i,
            rule: Rule::EmployeeId,
            score: Rule::EmployeeId.score(),
            reason: format!("employee id {id} is {}'s", p.key),
        });
    }
}

fn addresses(identity: &CloudIdentity, persons: &[Person], out: &mut Vec<Scored>) {
    for (address, source) in identity.addresses() {
        for (i, p) in persons.iter().enumerate() {
            let rule = if p.key == address {
                Rule::Email
            } else if p.emails.contains(&address) {
                Rule::Alias
            } else {
                continue;
            };
            let what = if rule == Rule::Email { "canonical address" } else { "alias" };
            out.push(Scored {
                person: i,
                rule,
                score: rule.score(),
                reason: format!("{source} {address} is {}'s {what}", p.key),
            });
        }
    }
}

/// Name heuristics: the local part of the identity's name reads as the person's names
/// (`alice.smith`, `alice_smith`, `alicesmith`, `smith.alice`) or as an initial and the
/// family name (`asmith`, `a.smith`).
pub(crate) fn names(identity: &CloudIdentity, persons: &[Person]) -> Vec<Scored> {
    let mut out = Vec::new();
    let mut locals: Vec<String> = identity
        .sign_in_names()
        .into_iter()
        .map(|n| n.split_once('@').map_or(n.clone(), |(local, _)| local.to_owned()))
        .collect();
    locals.dedup();
    for local in locals.iter().filter(|l| l.chars().count() >= 3) {
        for (i, p) in persons.iter().enumerate() {
            let Some((given, family)) = p.names() else { continue };
            let Some(initial) = given.chars().next() else { continue };
            let full = [".", "_", "-", ""]
                .iter()
                .any(|sep| *local == format!("{given}{sep}{family}") || *local == format!("{family}{sep}{given}"));
            let short = *local == format!("{initial}{family}") || *local == format!("{initial}.{family}");
            let rule = match (full, short) {
                (true, _) => Rule::FullName,
                (false, true) => Rule::InitialAndName,
                _ => continue,
            };
            out.push(Scored {
                person: i,
                rule,
                score: rule.score(),
                reason: format!("name `{local}` reads as {} ({})", p.display_name, p.key),
            });
        }
    }
    out
}
