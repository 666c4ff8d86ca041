//! The people directory of an environment bundle, read in one call.
//!
//! Each source is optional (a company may have HR but no Okta, or the reverse): what is
//! present is read fully, what is absent is simply empty. Members and assignments are joined
//! to their group or application here, so correlation never reads files.

use std::path::Path;

use crate::error::{Issue, PeopleError};
use crate::hr::{HrRecord, read_hr};
use crate::okta::{
    OktaApp, OktaGroup, OktaUser, read_app_users, read_apps, read_group_members, read_groups, read_users,
};

/// Everything read from `ENV/people/`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeopleInputs {
    /// `okta/users.json`.
    pub okta_users: Vec<OktaUser>,
    /// `okta/groups.json`, with members from `okta/group-members/`.
    pub okta_groups: Vec<OktaGroup>,
    /// `okta/apps.json`, with assignments from `okta/app-users/`.
    pub okta_apps: Vec<OktaApp>,
    /// `hr.csv`.
    pub hr: Vec<HrRecord>,
    /// The malformed entries skipped and fields ignored.
    pub issues: Vec<Issue>,
}

impl PeopleInputs {
    /// Reads the people directory (`ENV/people/`). Absent files are empty sources; a file
    /// that cannot be read is an error naming it.
    pub fn load(dir: &Path) -> Result<PeopleInputs, PeopleError> {
        let mut inputs = PeopleInputs::default();
        if let Some(bytes) = read_optional(dir, "okta/users.json")? {
            let (users, mut issues) = read_users("okta/users.json", &bytes)?;
            inputs.okta_users = users;
            inputs.issues.append(&mut issues);
        }
        if let Some(bytes) = read_optional(dir, "okta/groups.json")? {
            let (groups, mut issues) = read_groups("okta/groups.json", &bytes)?;
            inputs.okta_groups = groups;
            inputs.issues.append(&mut issues);
        }
        for (id, file, bytes) in read_dir_json(dir, "okta/group-members")? {
            let (members, mut issues) = read_group_members(&file, &bytes)?;
            inputs.issues.append(&mut issues);
            match inputs.okta_groups.iter_mut().find(|g| g.id == id) {
                Some(group) => group.members = members,
                None => inputs.issues.push(Issue {
                    file,
                    location: "$".to_owned(),
                    message: format!("group `{id}` is not in okta/groups.json; members ignored"),
                }),
            }
        }
        if let Some(bytes) = read_optional(dir, "okta/apps.json")? {
            let (apps, mut issues) = read_apps("okta/apps.json", &bytes)?;
            inputs.okta_apps = apps;
            inputs.issues.append(&mut issues);
        }
        for (id, file, bytes) in read_dir_json(dir, "okta/app-users")? {
            let (users, mut issues) = read_app_users(&file, &bytes)?;
            inputs.issues.append(&mut issues);
            match inputs.okta_apps.iter_mut().find(|a| a.id == id) {
                Some(app) => app.users = users,
                None => inputs.issues.push(Issue {
                    file,
                    location: "$".to_owned(),
                    message: format!("application `{id}` is not in okta/apps.json; assignments ignored"),
                }),
            }
        }
        if let Some(bytes) = read_optional(dir, "hr.csv")? {
            let (records, mut issues) = read_hr("hr.csv", &bytes)?;
            inputs.hr = records;
            inputs.issues.append(&mut issues);
        }
        Ok(inputs)
    }
}

fn read_optional(dir: &Path, file: &str) -> Result<Option<Vec<u8>>, PeopleError> {
    match std::fs::read(dir.join(file)) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(PeopleError::Io { file: file.to_owned(), source }),
    }
}

/// `(stem, relative file, bytes)` of each `*.json` in `dir/sub`, sorted by name.
fn read_dir_json(dir: &Path, sub: &str) -> Result<Vec<(String, String, Vec<u8>)>, PeopleError> {
    let entries = match std::fs::read_dir(dir.join(sub)) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(PeopleError::Io { file: sub.to_owned(), source }),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| PeopleError::Io { file: sub.to_owned(), source })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(stem) = name.strip_suffix(".json") {
            names.push((stem.to_owned(), name.clone()));
        }
    }
    names.sort();
    let mut out = Vec::new();
    for (stem, name) in names {
        let file = format!("{sub}/{name}");
        let bytes = std::fs::read(dir.join(&file)).map_err(|source| PeopleError::Io { file: file.clone(), source })?;
        out.push((stem, file, bytes));
    }
    Ok(out)
}
