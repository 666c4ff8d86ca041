//! A least-privilege Google Cloud custom role from the permissions a principal was seen using.
//!
//! Why: basic and predefined roles (`roles/editor`, `roles/storage.admin`) grant far more than
//! a principal uses; audit logs name each permission checked, so the role holding exactly the
//! permissions used can be written, with the commands that put it in place.
//!
//! Rules:
//! - a permission is kept when a check of it was granted (`authorizationInfo[].granted`), also
//!   when the request then failed; permissions only ever refused are not granted (listed in
//!   [`CustomRole::denied_only`]);
//! - permissions exactly as logged (they are case-sensitive), never widened;
//! - usage on resources that name another project (`projects/OTHER/…`) belongs to a role in
//!   that project and is listed in [`CustomRole::other_projects`]; resources that name no
//!   project (`projects/_/buckets/…`) are kept;
//! - whether each permission may be used in a custom role (its support level) is not checked
//!   here: `gcloud iam roles create` refuses one that may not, and says which;
//! - everything sorted, so the same usage gives the same bytes.

use std::collections::BTreeSet;

use remit_activity::{
    UsageRow,
    quote::{hcl_list, hcl_string, shell_word},
    window::Window,
};
use serde_json::{Value, json};

/// What to write a role for.
#[derive(Debug, Clone)]
pub struct RoleRequest<'a> {
    /// The member, as allow policies name it (`user:alice@example.com`,
    /// `serviceAccount:ci@p.iam.gserviceaccount.com`).
    pub member: &'a str,
    /// The project id the role is created in and granted on.
    pub project: &'a str,
    /// The project's number, when known (resource names use either).
    pub project_number: Option<&'a str>,
    /// The role's id: 3 to 64 letters, digits, `_` and `.`.
    pub role_id: &'a str,
    /// The role's title.
    pub title: &'a str,
    /// The role's description.
    pub description: &'a str,
    /// Roles whose bindings of the member the new one replaces (`roles/editor`).
    pub replaces: &'a [String],
    /// Only usage seen in this window (a row counts when its first and last use overlap it).
    pub window: Option<Window>,
}

/// A right-sized role and how to apply it.
#[derive(Debug, Clone, PartialEq)]
pub struct CustomRole {
    /// The permissions, sorted.
    pub permissions: Vec<String>,
    /// The role as `gcloud iam roles create ROLE --project P --file role.yaml` takes it
    /// (<https://cloud.google.com/sdk/gcloud/reference/iam/roles/create>).
    pub yaml: String,
    /// The same as JSON (the `Role` resource: <https://cloud.google.com/iam/docs/reference/rest/v1/organizations.roles#Role>).
    pub json: Value,
    /// The gcloud commands: create the role, bind it, remove the bindings it replaces.
    pub commands: Vec<String>,
    /// `google_project_iam_custom_role` and `google_project_iam_member` (Terraform Google
    /// provider documentation).
    pub terraform: String,
    /// Permissions used only on other projects' resources (`permission resource`), not granted.
    pub other_projects: Vec<String>,
    /// Permissions only ever refused, not granted.
    pub denied_only: Vec<String>,
}

/// Why a request cannot be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleError {
    /// The role id breaks the rules of <https://cloud.google.com/iam/docs/reference/rest/v1/projects.roles/create>
    /// (`roleId`: `[a-zA-Z0-9_\.]{3,64}`).
    RoleId(String),
}

impl std::fmt::Display for RoleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RoleError::RoleId(id) => write!(f, "role id {id:?} must be 3 to 64 letters, digits, '_' or '.'"),
        }
    }
}

impl std::error::Error for RoleError {}

fn valid_role_id(id: &str) -> bool {
    (3..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
}

/// The project a resource name names, if any (`projects/P/…`, `//service/projects/P/…`).
fn project_named(resource: &str) -> Option<&str> {
    let mut parts = resource.split('/');
    while let Some(part) = parts.next() {
        if part == "projects" {
            return parts.next().filter(|p| !p.is_empty() && *p != "_" && *p != "-");
        }
    }
    None
}

fn used_in(row: &UsageRow, window: Option<Window>) -> bool {
    window.is_none_or(|w| row.counts.last_seen >= w.start && row.counts.first_seen < w.end)
}

/// The role for `request.member` from `usage` (rows of any principals; others are ignored).
pub fn rightsize(usage: &[UsageRow], request: &RoleRequest<'_>) -> Result<CustomRole, RoleError> {
    if !valid_role_id(request.role_id) {
        return Err(RoleError::RoleId(request.role_id.to_owned()));
    }
    let mut kept: BTreeSet<String> = BTreeSet::new();
    let mut refused: BTreeSet<String> = BTreeSet::new();
    let mut elsewhere: BTreeSet<(String, String)> = BTreeSet::new();
    for row in usage {
        if &*row.principal != request.member || !used_in(row, request.window) {
            continue;
        }
        let ours =
            project_named(&row.resource).is_none_or(|p| p == request.project || Some(p) == request.project_number);
        if row.counts.authorized() == 0 {
            refused.insert(row.action.to_string());
        } else if ours {
            kept.insert(row.action.to_string());
        } else {
            elsewhere.insert((row.action.to_string(), row.resource.to_string()));
        }
    }
    let denied_only: Vec<String> = refused.into_iter().filter(|p| !kept.contains(p)).collect();
    let other_projects: Vec<String> =
        elsewhere.into_iter().filter(|(p, _)| !kept.contains(p)).map(|(p, r)| format!("{p} {r}")).collect();
    let permissions: Vec<String> = kept.into_iter().collect();
    let json = json!({
        "title": request.title,
        "description": request.description,
        "stage": "GA",
        "includedPermissions": permissions,
    });
    Ok(CustomRole {
        yaml: yaml(request, &permissions),
        commands: commands(request),
        terraform: terraform(request, &permissions),
        permissions,
        json,
        other_projects,
        denied_only,
    })
}

/// A YAML scalar: plain for permission names, else double-quoted with JSON's escapes (a
/// JSON string is a valid YAML double-quoted scalar).
fn yaml_scalar(text: &str) -> String {
    let plain = !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if plain { text.to_owned() } else { Value::String(text.to_owned()).to_string() }
}

fn yaml(request: &RoleRequest<'_>, permissions: &[String]) -> String {
    let mut out = String::new();
    out.push_str(&format!("title: {}\n", Value::String(request.title.to_owned())));
    out.push_str(&format!("description: {}\n", Value::String(request.description.to_owned())));
    out.push_str("stage: GA\n");
    if permissions.is_empty() {
        out.push_str("includedPermissions: []\n");
    } else {
        out.push_str("includedPermissions:\n");
        for p in permissions {
            out.push_str(&format!("- {}\n", yaml_scalar(p)));
        }
    }
    out
}

/// The gcloud commands (<https://cloud.google.com/sdk/gcloud/reference/iam/roles/create>,
/// <https://cloud.google.com/sdk/gcloud/reference/projects/add-iam-policy-binding>,
/// <https://cloud.google.com/sdk/gcloud/reference/projects/remove-iam-policy-binding>).
fn commands(request: &RoleRequest<'_>) -> Vec<String> {
    let project = shell_word(request.project);
    let member = shell_word(request.member);
    let mut commands = vec![
        format!("gcloud iam roles create {} --project={project} --file=role.yaml", shell_word(request.role_id)),
        format!(
            "gcloud projects add-iam-policy-binding {project} --member={member} --role={}",
            shell_word(&format!("projects/{}/roles/{}", request.project, request.role_id))
        ),
    ];
    let replaced: BTreeSet<&String> = request.replaces.iter().collect();
    commands.extend(replaced.into_iter().map(|role| {
        format!("gcloud projects remove-iam-policy-binding {project} --member={member} --role={}", shell_word(role))
    }));
    commands
}

fn terraform(request: &RoleRequest<'_>, permissions: &[String]) -> String {
    let project = hcl_string(request.project);
    let mut out = String::new();
    out.push_str("# Written by Remit from observed activity: the permissions this principal used.\n");
    out.push_str("resource \"google_project_iam_custom_role\" \"remit_rightsized\" {\n");
    out.push_str(&format!("  project     = {project}\n"));
    out.push_str(&format!("  role_id     = {}\n", hcl_string(request.role_id)));
    out.push_str(&format!("  title       = {}\n", hcl_string(request.title)));
    out.push_str(&format!("  description = {}\n", hcl_string(request.description)));
    out.push_str("  stage       = \"GA\"\n");
    out.push_str(&format!("  permissions = {}\n", hcl_list(permissions, "  ")));
    out.push_str("}\n\n");
    out.push_str("resource \"google_project_iam_member\" \"remit_rightsized\" {\n");
    out.push_str(&format!("  project = {project}\n"));
    out.push_str("  role    = google_project_iam_custom_role.remit_rightsized.name\n");
    out.push_str(&format!("  member  = {}\n", hcl_string(request.member)));
    out.push_str("}\n");
    let replaced: BTreeSet<&String> = request.replaces.iter().collect();
    if !replaced.is_empty() {
        out.push_str(
            "\n# Remove the bindings of this member that the role replaces (their google_project_iam_member\n",
        );
        out.push_str("# or google_project_iam_binding blocks, or with the gcloud commands):\n");
        for role in replaced {
            out.push_str(&format!("#   {role}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_ids_projects_and_quoting() {
        assert!(valid_role_id("remit.rightsized_1"));
        assert!(!valid_role_id("ab"));
        assert!(!valid_role_id("has-dash"));
        assert_eq!(project_named("projects/p/zones/z/instances/i"), Some("p"));
        assert_eq!(project_named("//cloudresourcemanager.googleapis.com/projects/p"), Some("p"));
        assert_eq!(project_named("projects/_/buckets/b"), None);
        assert_eq!(yaml_scalar("storage.objects.get"), "storage.objects.get");
        assert_eq!(yaml_scalar("a: b"), "\"a: b\"");
        assert_eq!(shell_word("user:a@b.c"), "user:a@b.c");
        assert_eq!(hcl_string("x${y}"), "\"x$${y}\"");
    }
}
