//! Lookups from each identifier to the persons that hold it, built once per correlation.
//!
//! An organization has tens of thousands of people and several times as many cloud
//! identities: comparing every identity with every person would be quadratic. Every rule
//! instead asks this index for the few persons that could match.

use std::collections::HashMap;

use remit_model::Cloud;

use crate::inputs::PeopleInputs;
use crate::link::Rule;
use crate::matching::app_cloud;
use crate::person::Person;

/// One Okta application assignment, as the app-assignment rule cites it.
pub(crate) struct Assignment {
    pub(crate) app_label: String,
    pub(crate) app_name: String,
    pub(crate) okta_user: String,
}

#[derive(Default)]
pub(crate) struct Index {
    by_key: HashMap<String, usize>,
    by_address: HashMap<String, Vec<usize>>,
    by_employee_id: HashMap<String, Vec<usize>>,
    by_okta_id: HashMap<String, Vec<usize>>,
    by_entra_id: HashMap<String, Vec<usize>>,
    by_display_name: HashMap<String, Vec<usize>>,
    by_name_form: HashMap<String, Vec<(usize, Rule)>>,
    by_app_user_name: HashMap<(Cloud, String), Vec<Assignment>>,
}

impl Index {
    pub(crate) fn new(persons: &[Person], inputs: &PeopleInputs) -> Index {
        let mut index = Index::default();
        for (i, p) in persons.iter().enumerate() {
            index.by_key.entry(p.key.clone()).or_insert(i);
            for a in &p.emails {
                index.by_address.entry(a.clone()).or_default().push(i);
            }
            if let Some(e) = &p.employee_id {
                index.by_employee_id.entry(e.trim().to_owned()).or_default().push(i);
            }
            if let Some(o) = &p.okta_id {
                index.by_okta_id.entry(o.clone()).or_default().push(i);
            }
            if let Some(e) = &p.entra_id {
                index.by_entra_id.entry(e.to_lowercase()).or_default().push(i);
            }
            index.by_display_name.entry(p.display_name.trim().to_lowercase()).or_default().push(i);
            for (form, rule) in name_forms(p) {
                let entry = index.by_name_form.entry(form).or_default();
                if !entry.iter().any(|(x, _)| *x == i) {
                    entry.push((i, rule));
                }
            }
        }
        for app in &inputs.okta_apps {
            let Some(cloud) = app_cloud(&app.name) else { continue };
            for user in &app.users {
                let Some(name) = &user.user_name else { continue };
                index.by_app_user_name.entry((cloud, name.trim().to_lowercase())).or_default().push(Assignment {
                    app_label: app.label.clone(),
                    app_name: app.name.clone(),
                    okta_user: user.user_id.clone(),
                });
            }
        }
        index
    }

    /// The person whose canonical address is `key`.
    pub(crate) fn key(&self, key: &str) -> Option<usize> {
        self.by_key.get(key).copied()
    }

    pub(crate) fn address(&self, address: &str) -> &[usize] {
        self.by_address.get(address).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn employee_id(&self, id: &str) -> &[usize] {
        self.by_employee_id.get(id.trim()).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn okta_id(&self, id: &str) -> &[usize] {
        self.by_okta_id.get(id).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn entra_id(&self, id: &str) -> &[usize] {
        self.by_entra_id.get(&id.to_lowercase()).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn display_name(&self, name: &str) -> &[usize] {
        self.by_display_name.get(&name.trim().to_lowercase()).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn name_form(&self, local: &str) -> &[(usize, Rule)] {
        self.by_name_form.get(local).map_or(&[], Vec::as_slice)
    }

    pub(crate) fn app_user_name(&self, cloud: Cloud, name: &str) -> &[Assignment] {
        self.by_app_user_name.get(&(cloud, name.to_owned())).map_or(&[], Vec::as_slice)
    }
}

/// The forms a person's name takes in user names, full forms first: `alice.smith`,
/// `alice_smith`, `alice-smith`, `alice smith`, `alicesmith`, `smith.alice` (…), then
/// `asmith`, `a.smith`.
fn name_forms(person: &Person) -> Vec<(String, Rule)> {
    let Some((given, family)) = person.names() else { return Vec::new() };
    let Some(initial) = given.chars().next() else { return Vec::new() };
    let mut out = Vec::new();
    for sep in [".", "_", "-", " ", ""] {
        out.push((format!("{given}{sep}{family}"), Rule::FullName));
        out.push((format!("{family}{sep}{given}"), Rule::FullName));
    }
    out.push((format!("{initial}{family}"), Rule::InitialAndName));
    out.push((format!("{initial}.{family}"), Rule::InitialAndName));
    out
}
