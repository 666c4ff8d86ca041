//! Findings about people who have left and machine identities nobody answers for.
//!
//! Removing a leaver's access is the most basic access control, and the one most often
//! missed across clouds: HR terminates the person, Okta deprovisions them, but an IAM user,
//! a Google account or a service principal they own keeps working. NIST SP 800-53 Rev. 5
//! PS-4 (personnel termination: disable system access) and AC-2 (account management: disable
//! accounts no longer associated with a user), and CIS Controls v8 safeguards 5.3 (disable
//! dormant accounts) and 6.2 (establish an access revoking process) require it.

use std::collections::HashMap;

use remit_findings::{Evidence, Finding, FindingId, Kind, Reach, Severity, Timestamp};
use remit_model::Cloud;

use crate::identity::CloudIdentity;
use crate::link::{Level, Link, Resolution};
use crate::person::Person;

/// A leaver's identity that can still act.
pub const RULE_LEAVER: &str = "people-leaver-active-identity";
/// A machine identity whose every known owner has left.
pub const RULE_OWNER_LEFT: &str = "people-orphaned-owner-left";
/// A machine identity with no owner found.
pub const RULE_NO_OWNER: &str = "people-orphaned-no-owner";

const LEAVER_RATIONALE: &str = "a person who has left still holds working access to the cloud: NIST SP 800-53 Rev. 5 \
PS-4 and AC-2 require disabling a leaver's accounts at termination, CIS Controls v8 safeguard 6.2 requires revoking \
access on departure";

const ORPHAN_RATIONALE: &str = "a machine identity nobody answers for keeps its permissions and credentials with no \
one to rotate them or notice misuse: NIST SP 800-53 Rev. 5 AC-2 requires account managers for every account and CIS \
Controls v8 safeguard 5.5 an inventory of service accounts with their owners; not high because using it still needs \
its credentials";

/// Where each cloud documents removing a leaver's or an orphan's access.
fn remediation_doc(cloud: Cloud) -> &'static str {
    match cloud {
        Cloud::Aws => "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html",
        Cloud::Azure => "https://learn.microsoft.com/en-us/entra/id-governance/access-reviews-overview",
        Cloud::Gcp => "https://cloud.google.com/iam/docs/service-account-overview",
    }
}

/// The findings over every identity and what correlation decided for it.
pub(crate) fn findings<'p>(
    person: &dyn Fn(&str) -> Option<&'p Person>,
    identities: &[CloudIdentity],
    resolutions: &[Resolution],
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (identity, resolution) in identities.iter().zip(resolutions) {
        if !identity.is_active() {
            continue;
        }
        match resolution {
            Resolution::Person(link) => {
                if let Some(p) = person(&link.person)
                    && let Some(why) = p.leaver_reason()
                {
                    out.push(leaver(identity, p, link, &why));
                }
            }
            // Owned identities are machine identities, or users that owner evidence shows are
            // machine users (`ci-bot` tagged with its owner).
            Resolution::Owned(links) => {
                let owners: Vec<(&Person, &Link)> =
                    links.iter().filter_map(|l| person(&l.person).map(|p| (p, l))).collect();
                if !owners.is_empty() && owners.iter().all(|(p, _)| p.is_leaver()) {
                    out.push(owner_left(identity, &owners));
                }
            }
            Resolution::Unlinked(why) if identity.is_non_human() => {
                out.push(no_owner(identity, why, Vec::new()));
            }
            Resolution::Ambiguous(a) if identity.is_non_human() => {
                out.push(no_owner(identity, &a.reason, vec![format!("the owner is one of: {}", a.reason)]));
            }
            _ => {}
        }
    }
    out
}

/// Okta states in which a user cannot sign in, so cannot federate: suspended and deprovisioned
/// (<https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserLifecycle/>).
fn okta_blocks_sign_in(person: &Person) -> bool {
    person
        .okta_status
        .as_deref()
        .is_some_and(|s| s.eq_ignore_ascii_case("SUSPENDED") || s.eq_ignore_ascii_case("DEPROVISIONED"))
}

/// Leavers who still reach an active identity through federation: HR has terminated them but
/// Okta still signs them in, and Okta still assigns them the SAML role (or holds them in the
/// workforce pool group's group). A leaver whose Okta user is suspended or deprovisioned cannot
/// federate, and makes no finding.
pub(crate) fn federated_findings<'p>(
    person: &dyn Fn(&str) -> Option<&'p Person>,
    identities: &[CloudIdentity],
    federated: &HashMap<usize, Vec<Link>>,
) -> Vec<Finding> {
    let mut indices: Vec<&usize> = federated.keys().collect();
    indices.sort_unstable();
    let mut out = Vec::new();
    for i in indices {
        let Some(identity) = identities.get(*i).filter(|i| i.is_active()) else { continue };
        for link in federated.get(i).into_iter().flatten() {
            let Some(p) = person(&link.person) else { continue };
            let Some(why) = p.leaver_reason() else { continue };
            if okta_blocks_sign_in(p) {
                continue;
            }
            let mut finding = leaver(identity, p, link, &why);
            finding.title = format!(
                "{} {} {} is still reachable through federation by {} ({}), who has left",
                identity.cloud.as_str(),
                identity.kind.as_str(),
                identity.name,
                p.display_name,
                p.key
            );
            finding.evidence = vec![
                Evidence::fact("people", format!("{} ({}) has left: {why}", p.display_name, p.key)),
                Evidence::fact(
                    "federation",
                    format!(
                        "{} is used by them through federation, with {} confidence ({}): {}",
                        identity.id,
                        link.confidence.level.as_str(),
                        link.confidence.score,
                        link.reason
                    ),
                ),
            ];
            finding.evidence.extend(activity(identity));
            if link.confidence.level == Level::Medium {
                finding.reach = Reach::conditional(vec![format!(
                    "the person reaches it only if the identity provider's configuration is as assumed: {}",
                    link.reason
                )]);
            }
            finding.remediation = format!(
                "Deactivate the person's Okta user, or remove the assignment that gives them this identity \
(the `amazon_aws` application's samlRoles, the group the workforce pool names); make the leaver process \
deactivate identity-provider users at termination (see {}).",
                remediation_doc(identity.cloud)
            );
            out.push(finding);
        }
    }
    out
}

fn link_reach(link: &Link) -> Reach {
    match link.confidence.level {
        Level::Low => Reach::conditional(vec![format!(
            "the identity is {}'s only by a low-confidence guess ({}): confirm before acting",
            link.person, link.reason
        )]),
        _ => Reach::allowed(),
    }
}

fn activity(identity: &CloudIdentity) -> Vec<Evidence> {
    identity
        .last_active
        .map(|t| {
            Evidence::fact(
                format!("{} activity", identity.cloud.as_str()),
                format!("last active {}", Timestamp::from_unix(t)),
            )
        })
        .into_iter()
        .collect()
}

fn leaver(identity: &CloudIdentity, person: &Person, link: &Link, why: &str) -> Finding {
    let mut evidence = vec![
        Evidence::fact("people", format!("{} ({}) has left: {why}", person.display_name, person.key)),
        Evidence::fact(
            "correlation",
            format!(
                "{} is theirs with {} confidence ({}): {}",
                identity.id,
                link.confidence.level.as_str(),
                link.confidence.score,
                link.reason
            ),
        ),
    ];
    evidence.extend(activity(identity));
    Finding {
        id: FindingId::new(RULE_LEAVER, &[identity.id.as_str()], &[person.key.as_str()]),
        kind: Kind::InactiveIdentity,
        rule: RULE_LEAVER.to_owned(),
        title: format!(
            "{} {} {} is still active for {} ({}), who has left",
            identity.cloud.as_str(),
            identity.kind.as_str(),
            identity.name,
            person.display_name,
            person.key
        ),
        severity: Severity::High,
        severity_rationale: LEAVER_RATIONALE.to_owned(),
        cloud: identity.cloud.as_str().to_owned(),
        account: None,
        principals: vec![identity.id.clone()],
        resources: Vec::new(),
        categories: Vec::new(),
        reach: link_reach(link),
        evidence,
        path: Vec::new(),
        remediation: format!(
            "Disable the identity and remove its credentials and role assignments now, then delete it once its \
resources are handed over; make the leaver process remove cloud identities (see {}).",
            remediation_doc(identity.cloud)
        ),
        first_seen: None,
        suppressed: None,
    }
}

fn orphan(identity: &CloudIdentity, rule: &str, title: String, reach: Reach, mut evidence: Vec<Evidence>) -> Finding {
    evidence.extend(activity(identity));
    Finding {
        id: FindingId::new(rule, &[identity.id.as_str()], &[] as &[&str]),
        kind: Kind::InactiveIdentity,
        rule: rule.to_owned(),
        title,
        severity: Severity::Medium,
        severity_rationale: ORPHAN_RATIONALE.to_owned(),
        cloud: identity.cloud.as_str().to_owned(),
        account: None,
        principals: vec![identity.id.clone()],
        resources: Vec::new(),
        categories: Vec::new(),
        reach,
        evidence,
        path: Vec::new(),
        remediation: format!(
            "Name an active owner (the cloud's owner field, or an `owner` tag with their email); if nobody claims it, \
disable it and remove its credentials (see {}).",
            remediation_doc(identity.cloud)
        ),
        first_seen: None,
        suppressed: None,
    }
}

fn owner_left(identity: &CloudIdentity, owners: &[(&Person, &Link)]) -> Finding {
    let evidence = owners
        .iter()
        .map(|(p, l)| {
            Evidence::fact(
                "people",
                format!("owner {} has left ({}); owner by: {}", p.key, p.leaver_reason().unwrap_or_default(), l.reason),
            )
        })
        .collect();
    let names: Vec<&str> = owners.iter().map(|(p, _)| p.key.as_str()).collect();
    let reach = match owners.iter().all(|(_, l)| l.confidence.level == Level::Low) {
        true => Reach::conditional(vec!["every owner is known only by a low-confidence guess".to_owned()]),
        false => Reach::allowed(),
    };
    orphan(
        identity,
        RULE_OWNER_LEFT,
        format!(
            "{} {} {} is active but every owner has left ({})",
            identity.cloud.as_str(),
            identity.kind.as_str(),
            identity.name,
            names.join(", ")
        ),
        reach,
        evidence,
    )
}

fn no_owner(identity: &CloudIdentity, why: &str, conditions: Vec<String>) -> Finding {
    orphan(
        identity,
        RULE_NO_OWNER,
        format!("{} {} {} is active and has no owner", identity.cloud.as_str(), identity.kind.as_str(), identity.name),
        Reach::conditional(conditions),
        vec![Evidence::fact("correlation", why.to_owned())],
    )
}
