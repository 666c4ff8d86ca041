//! Okta's users, groups and application assignments, as its management API returns them.
//!
//! Okta is where most organizations say who a person is and which clouds they may sign in to:
//! its user id is the subject that IAM Identity Center and SAML assertions carry, and an
//! application assignment names the user name the person has in that cloud. Shapes:
//! - users: <https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/>
//! - groups and members: <https://developer.okta.com/docs/api/openapi/okta-management/management/tag/Group/>
//! - apps and app users: <https://developer.okta.com/docs/api/openapi/okta-management/management/tag/Application/>
//!   (app users: `…/tag/ApplicationUsers/`)

use serde_json::Value;

use crate::error::{Issue, PeopleError};
use crate::json::{Entry, parse_array};

/// An Okta user (`GET /api/v1/users`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OktaUser {
    /// `id` (`00u…`): the subject IdPs and provisioning carry.
    pub id: String,
    /// `status`: `STAGED`, `PROVISIONED`, `ACTIVE`, `RECOVERY`, `PASSWORD_EXPIRED`,
    /// `LOCKED_OUT`, `SUSPENDED` or `DEPROVISIONED`.
    pub status: String,
    /// `created` (RFC 3339).
    pub created: Option<String>,
    /// `lastLogin` (RFC 3339), null when never.
    pub last_login: Option<String>,
    /// `profile.login` (usually an email).
    pub login: String,
    /// `profile.email`.
    pub email: Option<String>,
    /// `profile.secondEmail`.
    pub second_email: Option<String>,
    /// `profile.firstName`.
    pub first_name: Option<String>,
    /// `profile.lastName`.
    pub last_name: Option<String>,
    /// `profile.displayName`.
    pub display_name: Option<String>,
    /// `profile.employeeNumber`.
    pub employee_number: Option<String>,
    /// `profile.department`.
    pub department: Option<String>,
    /// `profile.title`.
    pub title: Option<String>,
    /// `profile.manager` (a name or an email, as the directory holds it).
    pub manager: Option<String>,
    /// `profile.managerId`.
    pub manager_id: Option<String>,
    /// True when a field of it could not be read (reported as an issue).
    pub incomplete: bool,
}

impl OktaUser {
    /// True for `DEPROVISIONED`: Okta's state for a user who left (sign-in and app access
    /// removed): <https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserLifecycle/>.
    pub fn is_deprovisioned(&self) -> bool {
        self.status.eq_ignore_ascii_case("DEPROVISIONED")
    }

    /// Every address it is known by (login, email, second email), lowercased, without repeats.
    pub fn addresses(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for a in [Some(&self.login), self.email.as_ref(), self.second_email.as_ref()].into_iter().flatten() {
            let a = a.to_lowercase();
            if a.contains('@') && !out.contains(&a) {
                out.push(a);
            }
        }
        out
    }
}

/// An Okta group (`GET /api/v1/groups`), with its members when `group-members/<id>.json` is
/// present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OktaGroup {
    /// `id` (`00g…`).
    pub id: String,
    /// `profile.name`.
    pub name: String,
    /// `profile.description`.
    pub description: Option<String>,
    /// `type`: `OKTA_GROUP`, `APP_GROUP` or `BUILT_IN`.
    pub group_type: String,
    /// The ids of its member users.
    pub members: Vec<String>,
}

/// An Okta application (`GET /api/v1/apps`), with its assignments when
/// `app-users/<id>.json` is present.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OktaApp {
    /// `id` (`0oa…`).
    pub id: String,
    /// `name`: the catalog integration (`amazon_aws_sso`, `amazon_aws`, `google`,
    /// `office365`), which tells the cloud.
    pub name: String,
    /// `label`: the display name.
    pub label: String,
    /// `status`: `ACTIVE` or `INACTIVE`.
    pub status: String,
    /// Its assigned users.
    pub users: Vec<AppUser>,
}

/// An application user (`GET /api/v1/apps/<app-id>/users`): an Okta user assigned to the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppUser {
    /// `id`: the Okta user id.
    pub user_id: String,
    /// `credentials.userName`: the user's name in the application (the cloud's user name).
    pub user_name: Option<String>,
    /// `scope`: `USER` (assigned directly) or `GROUP` (through a group).
    pub scope: String,
    /// `status` (`ACTIVE`, `PROVISIONED`, `INACTIVE`, …).
    pub status: String,
    /// `profile.samlRoles` (AWS SAML app): the role ARNs the user may choose.
    pub saml_roles: Vec<String>,
}

/// Reads `okta/users.json`: entries without `id`, `status` or `profile.login` are skipped and
/// reported.
pub fn read_users(file: &str, bytes: &[u8]) -> Result<(Vec<OktaUser>, Vec<Issue>), PeopleError> {
    let mut users = Vec::new();
    let mut issues = Vec::new();
    for (i, item) in parse_array(file, bytes)?.iter().enumerate() {
        let mut entry = Entry::new(file, i);
        if let Some(user) = read_user(&mut entry, item) {
            users.push(user);
        }
        issues.append(&mut entry.issues);
    }
    Ok((users, issues))
}

fn read_user(entry: &mut Entry<'_>, item: &Value) -> Option<OktaUser> {
    let map = entry.object(item, "")?;
    let mut incomplete = false;
    let id = entry.required(map, "", "id");
    let status = entry.required(map, "", "status");
    let created = entry.optional(map, "", "created", &mut incomplete);
    let last_login = entry.optional(map, "", "lastLogin", &mut incomplete);
    let Some(profile_value) = map.get("profile") else {
        entry.issue("profile", "is missing; user skipped");
        return None;
    };
    let profile = entry.object(profile_value, "profile")?;
    let login = entry.required(profile, "profile", "login");
    let (Some(id), Some(status), Some(login)) = (id, status, login) else {
        entry.issue("", "user skipped");
        return None;
    };
    let mut field = |key: &str| entry.optional(profile, "profile", key, &mut incomplete);
    let email = field("email");
    let second_email = field("secondEmail");
    let first_name = field("firstName");
    let last_name = field("lastName");
    let display_name = field("displayName");
    let employee_number = field("employeeNumber");
    let department = field("department");
    let title = field("title");
    let manager = field("manager");
    let manager_id = field("managerId");
    Some(OktaUser {
        id,
        status,
        created,
        last_login,
        login,
        email,
        second_email,
        first_name,
        last_name,
        display_name,
        employee_number,
        department,
        title,
        manager,
        manager_id,
        incomplete,
    })
}

/// Reads `okta/groups.json` (members are added from `group-members/` by the loader).
pub fn read_groups(file: &str, bytes: &[u8]) -> Result<(Vec<OktaGroup>, Vec<Issue>), PeopleError> {
    let mut groups = Vec::new();
    let mut issues = Vec::new();
    for (i, item) in parse_array(file, bytes)?.iter().enumerate() {
        let mut entry = Entry::new(file, i);
        if let Some(group) = read_group(&mut entry, item) {
            groups.push(group);
        }
        issues.append(&mut entry.issues);
    }
    Ok((groups, issues))
}

fn read_group(entry: &mut Entry<'_>, item: &Value) -> Option<OktaGroup> {
    let map = entry.object(item, "")?;
    let mut incomplete = false;
    let id = entry.required(map, "", "id");
    let group_type = entry.optional(map, "", "type", &mut incomplete).unwrap_or_default();
    let profile = match map.get("profile") {
        Some(p) => entry.object(p, "profile"),
        None => {
            entry.issue("profile", "is missing");
            None
        }
    };
    let name = profile.and_then(|p| entry.required(p, "profile", "name"));
    let description = profile.and_then(|p| entry.optional(p, "profile", "description", &mut incomplete));
    match (id, name) {
        (Some(id), Some(name)) => Some(OktaGroup { id, name, description, group_type, members: Vec::new() }),
        _ => {
            entry.issue("", "group skipped");
            None
        }
    }
}

/// Reads `okta/group-members/<group-id>.json`: the ids of the member users.
pub fn read_group_members(file: &str, bytes: &[u8]) -> Result<(Vec<String>, Vec<Issue>), PeopleError> {
    let mut ids = Vec::new();
    let mut issues = Vec::new();
    for (i, item) in parse_array(file, bytes)?.iter().enumerate() {
        let mut entry = Entry::new(file, i);
        if let Some(map) = entry.object(item, "")
            && let Some(id) = entry.required(map, "", "id")
        {
            ids.push(id);
        } else {
            entry.issue("", "member skipped");
        }
        issues.append(&mut entry.issues);
    }
    Ok((ids, issues))
}

/// Reads `okta/apps.json` (assignments are added from `app-users/` by the loader).
pub fn read_apps(file: &str, bytes: &[u8]) -> Result<(Vec<OktaApp>, Vec<Issue>), PeopleError> {
    let mut apps = Vec::new();
    let mut issues = Vec::new();
    for (i, item) in parse_array(file, bytes)?.iter().enumerate() {
        let mut entry = Entry::new(file, i);
        if let Some(map) = entry.object(item, "") {
            let mut incomplete = false;
            let id = entry.required(map, "", "id");
            let name = entry.required(map, "", "name");
            let label = entry.optional(map, "", "label", &mut incomplete);
            let status = entry.optional(map, "", "status", &mut incomplete).unwrap_or_default();
            match (id, name) {
                (Some(id), Some(name)) => apps.push(OktaApp {
                    label: label.unwrap_or_else(|| name.clone()),
                    id,
                    name,
                    status,
                    users: Vec::new(),
                }),
                _ => entry.issue("", "application skipped"),
            }
        }
        issues.append(&mut entry.issues);
    }
    Ok((apps, issues))
}

/// Reads `okta/app-users/<app-id>.json`.
pub fn read_app_users(file: &str, bytes: &[u8]) -> Result<(Vec<AppUser>, Vec<Issue>), PeopleError> {
    let mut users = Vec::new();
    let mut issues = Vec::new();
    for (i, item) in parse_array(file, bytes)?.iter().enumerate() {
        let mut entry = Entry::new(file, i);
        if let Some(user) = read_app_user(&mut entry, item) {
            users.push(user);
        }
        issues.append(&mut entry.issues);
    }
    Ok((users, issues))
}

fn read_app_user(entry: &mut Entry<'_>, item: &Value) -> Option<AppUser> {
    let map = entry.object(item, "")?;
    let mut incomplete = false;
    let Some(user_id) = entry.required(map, "", "id") else {
        entry.issue("", "assignment skipped");
        return None;
    };
    let scope = entry.optional(map, "", "scope", &mut incomplete).unwrap_or_default();
    let status = entry.optional(map, "", "status", &mut incomplete).unwrap_or_default();
    let user_name = match map.get("credentials") {
        None | Some(Value::Null) => None,
        Some(c) => {
            entry.object(c, "credentials").and_then(|c| entry.optional(c, "credentials", "userName", &mut incomplete))
        }
    };
    let mut saml_roles = Vec::new();
    if let Some(Value::Object(profile)) = map.get("profile") {
        match profile.get("samlRoles") {
            None | Some(Value::Null) => {}
            Some(Value::Array(roles)) => {
                for (j, role) in roles.iter().enumerate() {
                    match role {
                        Value::String(r) => saml_roles.push(r.clone()),
                        other => entry.issue(
                            &format!("profile.samlRoles[{j}]"),
                            format!("expected a string, found {}; ignored", crate::json::kind(other)),
                        ),
                    }
                }
            }
            Some(other) => entry
                .issue("profile.samlRoles", format!("expected an array, found {}; ignored", crate::json::kind(other))),
        }
    }
    Some(AppUser { user_id, user_name, scope, status, saml_roles })
}
