//! The correlated directory: every person, and for every cloud identity who it is or who
//! owns it, with how sure and why.
//!
//! Questions about people ("what can Alice do across clouds", "who still has access after
//! leaving", "who owns this service principal") all start from the same correlation; it is
//! done once, here, and answered by lookups.

use std::collections::HashMap;

use remit_findings::Finding;

use crate::error::Issue;
use crate::identity::CloudIdentity;
use crate::index::Index;
use crate::inputs::PeopleInputs;
use crate::link::{Ambiguity, Candidate, Link, Resolution, decide};
use crate::person::{Person, build};
use crate::{federation, leavers, matching, owners};

/// Persons, cloud identities and what correlation decided for each.
#[derive(Debug, Clone)]
pub struct Directory {
    persons: Vec<Person>,
    identities: Vec<CloudIdentity>,
    resolutions: Vec<Resolution>,
    by_id: HashMap<String, usize>,
    by_key: HashMap<String, usize>,
    /// The persons each identity (by index) is used by through federation.
    federated: HashMap<usize, Vec<Link>>,
    findings: Vec<Finding>,
    issues: Vec<Issue>,
}

/// Correlates every identity to a person (users) or an owner (service accounts, service
/// principals, managed identities, roles), and finds leavers' active identities and orphaned
/// machine identities. Entra users among `identities` (Azure, kind user, not guests) also
/// make persons.
pub fn correlate(people_inputs: &PeopleInputs, identities: &[CloudIdentity]) -> Directory {
    let (persons, issues) = build(people_inputs, identities);
    let index = Index::new(&persons, people_inputs);
    let key = |i: usize| persons.get(i).map(|p| p.key.clone()).unwrap_or_default();
    let mut resolutions: Vec<Resolution> = Vec::with_capacity(identities.len());
    let mut linked: HashMap<String, (usize, Link)> = HashMap::new();
    for identity in identities {
        if !identity.is_human() {
            resolutions.push(Resolution::NotApplicable);
            continue;
        }
        let mut scored = matching::exact(identity, &persons, &index);
        if scored.is_empty() {
            scored = matching::names(identity, &persons, &index);
        }
        let resolution = match decide(scored, key) {
            Some(Ok(link)) => {
                if let Some(i) = index.key(&link.person) {
                    linked.insert(identity.id.clone(), (i, link.clone()));
                }
                Resolution::Person(link)
            }
            Some(Err(ambiguity)) => Resolution::Ambiguous(ambiguity),
            None => Resolution::Unlinked(no_person(identity)),
        };
        resolutions.push(resolution);
    }
    for (identity, resolution) in identities.iter().zip(resolutions.iter_mut()) {
        let wants_owner = identity.is_non_human()
            || (matches!(resolution, Resolution::Unlinked(_))
                && (!identity.owners.is_empty() || has_owner_tag(identity)));
        if !wants_owner {
            continue;
        }
        let (scored, notes) = owners::candidates(identity, &persons, &index, &linked);
        *resolution = match owners::owner_links(scored, &persons) {
            Ok(links) if !links.is_empty() => Resolution::Owned(links),
            Ok(_) => Resolution::Unlinked(no_owner(&notes)),
            Err(tied) => Resolution::Ambiguous(Ambiguity {
                confidence: crate::link::Confidence::new(tied.first().map_or(0, |s| s.score)),
                reason: format!("an owner tag names {} persons of the same name: not decided", tied.len()),
                candidates: tied
                    .into_iter()
                    .map(|s| Candidate { person: key(s.person), rule: s.rule, reason: s.reason })
                    .collect(),
            }),
        };
    }
    let federation = federation::links(people_inputs, identities, &persons, &index);
    let mut issues = issues;
    issues.extend(federation.issues);
    for (i, (identity, resolution)) in identities.iter().zip(resolutions.iter_mut()).enumerate() {
        if let Resolution::Unlinked(why) = resolution
            && let Some(note) = federation_note(identity, federation.users.get(&i).map_or(0, Vec::len))
        {
            why.push_str("; ");
            why.push_str(&note);
        }
    }
    let find = |key: &str| index.key(key).and_then(|i| persons.get(i));
    let mut findings = leavers::findings(&find, identities, &resolutions);
    findings.extend(leavers::federated_findings(&find, identities, &federation.users));
    let mut by_id = HashMap::new();
    for (i, identity) in identities.iter().enumerate() {
        by_id.entry(identity.id.clone()).or_insert(i);
    }
    let by_key = persons.iter().enumerate().map(|(i, p)| (p.key.clone(), i)).rev().collect();
    Directory {
        persons,
        identities: identities.to_vec(),
        resolutions,
        by_id,
        by_key,
        federated: federation.users,
        findings,
        issues,
    }
}

/// What federation says of an identity without owner: who uses a SAML role, or that nobody
/// known does.
fn federation_note(identity: &CloudIdentity, users: usize) -> Option<String> {
    let provider = identity.federated_via.as_deref()?.strip_prefix(federation::AWS_SAML)?;
    Some(match users {
        0 => format!(
            "it is federated through SAML provider {provider} and no Okta `{}` assignment (profile.samlRoles) names it: the persons who use it are unknown",
            federation::OKTA_AWS_SAML_APP
        ),
        n => format!(
            "it is used through SAML provider {provider} by {n} person{} an Okta `{}` assignment names (its federated users), but nobody owns it",
            if n == 1 { "" } else { "s" },
            federation::OKTA_AWS_SAML_APP
        ),
    })
}

fn has_owner_tag(identity: &CloudIdentity) -> bool {
    identity.tags.iter().any(|(k, _)| owners::OWNER_TAG_KEYS.iter().any(|o| o.eq_ignore_ascii_case(k.trim())))
}

fn no_person(identity: &CloudIdentity) -> String {
    let mut why =
        vec!["no person matches its IdP subject, Okta app assignments, employee id, addresses or name".to_owned()];
    if let Some((idp, subject)) = &identity.idp_subject {
        why.push(format!("IdP subject {idp}:{subject} is no known person's"));
    }
    let addresses: Vec<String> = identity.addresses().into_iter().map(|(a, _)| a).collect();
    if !addresses.is_empty() {
        why.push(format!("addresses {} are no known person's", addresses.join(", ")));
    }
    why.join("; ")
}

fn no_owner(notes: &[String]) -> String {
    match notes.is_empty() {
        true => "no owner found: the cloud records no owner and no owner or contact tag is set".to_owned(),
        false => format!("no owner found: {}", notes.join("; ")),
    }
}

impl Directory {
    /// Every person, HR's first, then Okta's, then Entra's.
    pub fn persons(&self) -> &[Person] {
        &self.persons
    }

    /// Every identity correlated, in the order given.
    pub fn identities(&self) -> &[CloudIdentity] {
        &self.identities
    }

    /// The person a query names: an address (canonical or alias), an employee id, or a display
    /// name (any case; `None` when several persons share it), with or without a `person:`
    /// prefix.
    pub fn person(&self, query: &str) -> Option<&Person> {
        let q = query.trim();
        let q = q.strip_prefix("person:").unwrap_or(q).trim();
        if q.is_empty() {
            return None;
        }
        let lower = q.to_lowercase();
        if let Some(p) = self
            .persons
            .iter()
            .find(|p| p.key == lower)
            .or_else(|| self.persons.iter().find(|p| p.emails.contains(&lower)))
        {
            return Some(p);
        }
        if let Some(p) =
            self.persons.iter().find(|p| p.employee_id.as_deref().is_some_and(|e| e.eq_ignore_ascii_case(q)))
        {
            return Some(p);
        }
        let mut named = self.persons.iter().filter(|p| p.display_name.to_lowercase() == lower);
        match (named.next(), named.next()) {
            (Some(p), None) => Some(p),
            _ => None,
        }
    }

    /// The person's own identities (not those they own), with their links.
    pub fn identities_of(&self, person: &Person) -> Vec<(&CloudIdentity, &Link)> {
        self.identities
            .iter()
            .zip(&self.resolutions)
            .filter_map(|(i, r)| match r {
                Resolution::Person(link) if link.person == person.key => Some((i, link)),
                _ => None,
            })
            .collect()
    }

    /// The identities the person owns (machine identities, or users attributed by owner
    /// tags), with the owner links.
    pub fn owned_by(&self, person: &Person) -> Vec<(&CloudIdentity, &Link)> {
        self.identities
            .iter()
            .zip(&self.resolutions)
            .filter_map(|(i, r)| match r {
                Resolution::Owned(links) => links.iter().find(|l| l.person == person.key).map(|l| (i, l)),
                _ => None,
            })
            .collect()
    }

    /// The persons who use the identity through federation, by person key: an AWS role that
    /// an Okta `amazon_aws` assignment's `samlRoles` names (rule `app-assignment`), a Google
    /// Cloud workforce pool group (`principalSet://…/group/GROUP`) whose Okta group they are
    /// members of (rule `group-membership`). Empty for any other identity.
    pub fn federated_users_of(&self, identity_id: &str) -> Vec<(&Person, &Link)> {
        let Some(links) = self.by_id.get(identity_id).and_then(|i| self.federated.get(i)) else {
            return Vec::new();
        };
        links.iter().filter_map(|l| Some((self.find(&l.person)?, l))).collect()
    }

    /// The identities the person uses through federation (AWS SAML roles, Google Cloud
    /// workforce pool groups), with their links, in the order the identities were given. Not
    /// the person's own identities ([`Directory::identities_of`]).
    pub fn federated_roles_of(&self, person: &Person) -> Vec<(&CloudIdentity, &Link)> {
        let mut out: Vec<(usize, &CloudIdentity, &Link)> = self
            .federated
            .iter()
            .filter_map(|(&i, links)| {
                let link = links.iter().find(|l| l.person == person.key)?;
                Some((i, self.identities.get(i)?, link))
            })
            .collect();
        out.sort_by_key(|(i, _, _)| *i);
        out.into_iter().map(|(_, identity, link)| (identity, link)).collect()
    }

    /// What correlation decided for the identity with this id.
    pub fn resolution(&self, identity_id: &str) -> Option<&Resolution> {
        self.by_id.get(identity_id).and_then(|&i| self.resolutions.get(i))
    }

    /// The person whose identity this is.
    pub fn person_of(&self, identity_id: &str) -> Option<(&Person, &Link)> {
        match self.resolution(identity_id)? {
            Resolution::Person(link) => Some((self.find(&link.person)?, link)),
            _ => None,
        }
    }

    /// The identity's most certain owner.
    pub fn owner_of(&self, identity_id: &str) -> Option<(&Person, &Link)> {
        self.owners_of(identity_id).into_iter().next()
    }

    /// Every owner of the identity, the most certain first.
    pub fn owners_of(&self, identity_id: &str) -> Vec<(&Person, &Link)> {
        match self.resolution(identity_id) {
            Some(Resolution::Owned(links)) => links.iter().filter_map(|l| Some((self.find(&l.person)?, l))).collect(),
            _ => Vec::new(),
        }
    }

    /// Users no person matches and machine identities with no owner, each with why.
    pub fn unlinked(&self) -> Vec<(&CloudIdentity, &str)> {
        self.identities
            .iter()
            .zip(&self.resolutions)
            .filter_map(|(i, r)| match r {
                Resolution::Unlinked(why) => Some((i, why.as_str())),
                _ => None,
            })
            .collect()
    }

    /// Identities several persons match equally, with the candidates.
    pub fn ambiguous(&self) -> Vec<(&CloudIdentity, &Ambiguity)> {
        self.identities
            .iter()
            .zip(&self.resolutions)
            .filter_map(|(i, r)| match r {
                Resolution::Ambiguous(a) => Some((i, a)),
                _ => None,
            })
            .collect()
    }

    /// Leavers' active identities (high) and orphaned machine identities (medium).
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// Problems met while merging persons (inputs' own issues are in
    /// [`PeopleInputs::issues`]).
    pub fn issues(&self) -> &[Issue] {
        &self.issues
    }

    fn find(&self, key: &str) -> Option<&Person> {
        self.by_key.get(key).and_then(|&i| self.persons.get(i))
    }
}
