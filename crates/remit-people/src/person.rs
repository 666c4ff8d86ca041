//! Persons: one record per human, merged from HR, Okta and Entra ID.
//!
//! The same person appears as an HR row, an Okta user and an Entra user, under addresses
//! that differ (a contractor's own domain, a `onmicrosoft.com` UPN). Correlating cloud
//! identities is only sound if those records are first merged into one person, keyed by the
//! most authoritative address: HR's, then Okta's, then Entra's.

use std::collections::HashMap;

use remit_model::{Cloud, PrincipalKind};

use crate::error::Issue;
use crate::hr::{HrRecord, HrStatus};
use crate::identity::CloudIdentity;
use crate::inputs::PeopleInputs;
use crate::okta::OktaUser;

/// A human, as HR and the identity providers know them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The canonical address (lowercased): HR's email, else Okta's, else Entra's.
    pub key: String,
    /// Display name (HR, else Okta, else Entra).
    pub display_name: String,
    /// Given name, when a source states it (Okta `firstName`).
    pub given_name: Option<String>,
    /// Family name, when a source states it (Okta `lastName`).
    pub family_name: Option<String>,
    /// Every address (lowercased), the canonical one first, then the aliases.
    pub emails: Vec<String>,
    /// Department (HR, else Okta).
    pub department: Option<String>,
    /// Job title (HR, else Okta).
    pub title: Option<String>,
    /// Manager: HR's `manager_email`, else Okta's `manager`, else the login of Okta's
    /// `managerId`.
    pub manager: Option<String>,
    /// Employee id (HR, else Okta `employeeNumber`, else Entra `employeeId`).
    pub employee_id: Option<String>,
    /// HR status, when HR knows the person.
    pub hr_status: Option<HrStatus>,
    /// The HR row's line.
    pub hr_line: Option<u64>,
    /// HR's `end_date`.
    pub end_date: Option<String>,
    /// The Okta user id.
    pub okta_id: Option<String>,
    /// The Okta status (`ACTIVE`, `SUSPENDED`, `DEPROVISIONED`, …).
    pub okta_status: Option<String>,
    /// The Entra user's object id.
    pub entra_id: Option<String>,
    /// True when a record of it had fields that could not be read.
    pub incomplete: bool,
}

impl Person {
    fn new(key: String, display_name: String) -> Person {
        Person {
            emails: vec![key.clone()],
            key,
            display_name,
            given_name: None,
            family_name: None,
            department: None,
            title: None,
            manager: None,
            employee_id: None,
            hr_status: None,
            hr_line: None,
            end_date: None,
            okta_id: None,
            okta_status: None,
            entra_id: None,
            incomplete: false,
        }
    }

    /// Why the person has left, when they have: HR says terminated, or Okta has them
    /// `DEPROVISIONED`.
    pub fn leaver_reason(&self) -> Option<String> {
        let mut reasons = Vec::new();
        if self.hr_status == Some(HrStatus::Terminated) {
            let end = self.end_date.as_deref().map(|d| format!(" (end date {d})")).unwrap_or_default();
            let line = self.hr_line.map(|l| format!(" on line {l}")).unwrap_or_default();
            reasons.push(format!("HR status terminated{end}{line} of hr.csv"));
        }
        if self.okta_status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("DEPROVISIONED")) {
            reasons.push(format!("Okta user {} is DEPROVISIONED", self.okta_id.as_deref().unwrap_or("?")));
        }
        (!reasons.is_empty()).then(|| reasons.join("; "))
    }

    /// True when HR has terminated the person or Okta has deprovisioned them.
    pub fn is_leaver(&self) -> bool {
        self.leaver_reason().is_some()
    }

    fn add_address(&mut self, address: &str) {
        let a = address.trim().to_lowercase();
        if a.contains('@') && !self.emails.contains(&a) {
            self.emails.push(a);
        }
    }

    /// Given and family names: stated, else the first and last words of the display name.
    pub fn names(&self) -> Option<(String, String)> {
        if let (Some(g), Some(f)) = (&self.given_name, &self.family_name) {
            return Some((g.to_lowercase(), f.to_lowercase()));
        }
        let words: Vec<&str> = self.display_name.split_whitespace().collect();
        match words.as_slice() {
            [first, .., last] => Some((first.to_lowercase(), last.to_lowercase())),
            _ => None,
        }
    }
}

/// Persons being merged, with lookups by employee id and address kept current.
#[derive(Default)]
struct Merger {
    persons: Vec<Person>,
    by_employee_id: HashMap<String, usize>,
    by_address: HashMap<String, usize>,
}

impl Merger {
    fn push(&mut self, person: Person) -> usize {
        let i = self.persons.len();
        self.persons.push(person);
        self.index(i);
        i
    }

    /// Records the person's employee id and addresses (the first holder keeps each).
    fn index(&mut self, i: usize) {
        let Some(p) = self.persons.get(i) else { return };
        if let Some(e) = &p.employee_id {
            self.by_employee_id.entry(e.trim().to_owned()).or_insert(i);
        }
        for a in &p.emails {
            self.by_address.entry(a.clone()).or_insert(i);
        }
    }

    /// The person an employee id names, else the one the first matching address names.
    fn find(&self, employee_id: Option<&str>, addresses: &[String]) -> Found {
        let by_id = employee_id.and_then(|e| self.by_employee_id.get(e.trim()).copied());
        let by_address = addresses.iter().find_map(|a| self.by_address.get(a).copied());
        match (by_id, by_address) {
            (Some(i), Some(j)) if i != j => Found::Conflict(i, j),
            (Some(i), _) | (None, Some(i)) => Found::One(i),
            (None, None) => Found::None,
        }
    }

    fn key(&self, i: usize) -> &str {
        self.persons.get(i).map_or("", |p| p.key.as_str())
    }
}

/// Merges HR rows, Okta users and Entra users (`identities` of Azure of kind user, not
/// guests) into persons.
pub(crate) fn build(inputs: &PeopleInputs, identities: &[CloudIdentity]) -> (Vec<Person>, Vec<Issue>) {
    let mut merger = Merger::default();
    for record in &inputs.hr {
        merger.push(from_hr(record));
    }
    let okta_logins: HashMap<&str, String> =
        inputs.okta_users.iter().map(|u| (u.id.as_str(), u.login.to_lowercase())).collect();
    let mut issues = Vec::new();
    for user in &inputs.okta_users {
        let addresses = user.addresses();
        let index = match merger.find(user.employee_number.as_deref(), &addresses) {
            Found::One(i) => i,
            Found::None => {
                let key = addresses.first().cloned().unwrap_or_else(|| user.login.to_lowercase());
                merger.push(Person::new(key, okta_display_name(user)))
            }
            Found::Conflict(i, other) => {
                issues.push(Issue {
                    file: "okta/users.json".to_owned(),
                    location: format!("user {}", user.id),
                    message: format!(
                        "its employee number and addresses match different persons ({} and {}); merged into {}",
                        merger.key(i),
                        merger.key(other),
                        merger.key(i)
                    ),
                });
                i
            }
        };
        if let Some(person) = merger.persons.get_mut(index) {
            merge_okta(person, user, &okta_logins);
        }
        merger.index(index);
    }
    for identity in identities.iter().filter(|i| is_entra_member(i)) {
        let addresses: Vec<String> = identity.addresses().into_iter().map(|(a, _)| a).collect();
        let index = match merger.find(identity.employee_id.as_deref(), &addresses) {
            Found::One(i) | Found::Conflict(i, _) => i,
            Found::None => match addresses.first() {
                Some(key) => merger.push(Person::new(key.clone(), identity.name.clone())),
                None => continue,
            },
        };
        if let Some(person) = merger.persons.get_mut(index) {
            for a in &addresses {
                person.add_address(a);
            }
            person.entra_id.get_or_insert_with(|| identity.id.clone());
            if person.employee_id.is_none() {
                person.employee_id.clone_from(&identity.employee_id);
            }
        }
        merger.index(index);
    }
    (merger.persons, issues)
}

/// Entra ID members create persons; guests (B2B) are outsiders and only link to persons
/// known otherwise.
fn is_entra_member(identity: &CloudIdentity) -> bool {
    identity.cloud == Cloud::Azure && identity.kind == PrincipalKind::User && !identity.is_guest()
}

fn from_hr(record: &HrRecord) -> Person {
    let mut p = Person::new(record.email.clone(), record.display_name.clone().unwrap_or_else(|| record.email.clone()));
    p.department.clone_from(&record.department);
    p.title.clone_from(&record.title);
    p.manager.clone_from(&record.manager_email);
    p.employee_id.clone_from(&record.employee_id);
    p.hr_status = Some(record.status);
    p.hr_line = Some(record.line);
    p.end_date.clone_from(&record.end_date);
    p.incomplete = record.incomplete;
    p
}

fn okta_display_name(user: &OktaUser) -> String {
    if let Some(d) = &user.display_name {
        return d.clone();
    }
    match (&user.first_name, &user.last_name) {
        (Some(f), Some(l)) => format!("{f} {l}"),
        _ => user.login.clone(),
    }
}

fn merge_okta(person: &mut Person, user: &OktaUser, okta_logins: &HashMap<&str, String>) {
    for a in user.addresses() {
        person.add_address(&a);
    }
    person.okta_id = Some(user.id.clone());
    person.okta_status = Some(user.status.clone());
    if person.hr_status.is_none() {
        person.display_name = okta_display_name(user);
    }
    person.given_name.clone_from(&user.first_name);
    person.family_name.clone_from(&user.last_name);
    if person.department.is_none() {
        person.department.clone_from(&user.department);
    }
    if person.title.is_none() {
        person.title.clone_from(&user.title);
    }
    if person.manager.is_none() {
        person.manager =
            user.manager.clone().or_else(|| user.manager_id.as_deref().and_then(|id| okta_logins.get(id).cloned()));
    }
    if person.employee_id.is_none() {
        person.employee_id.clone_from(&user.employee_number);
    }
    person.incomplete |= user.incomplete;
}

enum Found {
    None,
    One(usize),
    /// The first is kept (the employee id's match, else the first address's).
    Conflict(usize, usize),
}
