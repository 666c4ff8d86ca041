//! The order of the reads and where each answer is written in the bundle.
//!
//! The hierarchy first (organization, folders recursively, projects under each), then what
//! applies to it: allow policies (Cloud Asset), roles, deny policies at every attachment point,
//! service accounts and keys per project, and the groups the policies name. Each file is written
//! as the bundle layout of docs/environment-bundle.md names it.

use std::{
    collections::{BTreeMap, BTreeSet, VecDeque},
    future::Future,
    path::{Path, PathBuf},
};

use futures_util::{StreamExt, stream};
use remit_rest::{
    CollectError,
    bundle::{Staging, file_name, segment},
    http::{self, encode},
};
use serde_json::Value;

use crate::{
    calls::{Authorization, GcpCall},
    config::Config,
    gcloud_shape,
    rest::Rest,
};

/// What a collection read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Where the organization's files are: `<out>/gcp/<organization-id>`.
    pub bundle: PathBuf,
    /// Folders, at every depth.
    pub folders: usize,
    /// Projects.
    pub projects: usize,
    /// Allow policies found by searchAllIamPolicies (one per resource that has one).
    pub iam_policies: usize,
    /// Resources found by searchAllResources (0 when not read).
    pub resources: usize,
    /// Roles: predefined, and custom of the organization and its projects.
    pub roles: usize,
    /// Deny policies, over all attachment points.
    pub deny_policies: usize,
    /// Service accounts.
    pub service_accounts: usize,
    /// Service account keys (user- and system-managed).
    pub service_account_keys: usize,
    /// Groups whose memberships were read.
    pub groups: usize,
    /// Reads that could not be made, with the reason (their files are not written, which the
    /// bundle reads as "not collected").
    pub skipped: Vec<String>,
    /// The IAM permissions the run exercised.
    pub permissions: BTreeSet<String>,
}

/// Collects the organization of `config` into `<out>/gcp/<organization-id>/`, replacing an
/// earlier collection of it only once everything was read. `progress` receives one line per step.
pub async fn collect(config: &Config, out: &Path, progress: impl Fn(&str)) -> Result<Summary, CollectError> {
    let organization = segment(&config.organization_id)?.to_owned();
    if !organization.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CollectError::Config(format!(
            "organization id {organization:?} is not numeric (give the number, without organizations/)"
        )));
    }
    let rest = Rest::new(config)?;
    let staging = Staging::new(out, "gcp", &organization)?;
    let collector = Collector { rest: &rest, staging: &staging, organization: &organization };
    let mut summary = Summary::default();
    collector.run(&mut summary, &progress).await?;
    for call in rest.calls_made() {
        if let Authorization::Permission(permission) = call.authorization() {
            summary.permissions.insert(permission.to_owned());
        }
    }
    summary.bundle = staging.commit()?;
    progress(&format!("wrote {}", summary.bundle.display()));
    Ok(summary)
}

/// Runs `collect` on a runtime of its own, for callers without one (called from inside a
/// tokio runtime it returns an error instead of blocking that runtime: await `collect` there).
pub fn collect_blocking(config: &Config, out: &Path, progress: impl Fn(&str)) -> Result<Summary, CollectError> {
    http::block_on(collect(config, out, progress))
}

struct Collector<'a> {
    rest: &'a Rest,
    staging: &'a Staging,
    organization: &'a str,
}

fn text<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str)
}

impl Collector<'_> {
    fn endpoints(&self) -> &crate::config::Endpoints {
        &self.rest.config().endpoints
    }

    /// Runs `make(item)` for every item, several at once, in the items' order.
    async fn each<'i, T, F, Fut>(&self, items: &'i [T], make: F) -> Vec<Fut::Output>
    where
        F: Fn(&'i T) -> Fut,
        Fut: Future,
    {
        let concurrency = self.rest.config().concurrency.max(1);
        stream::iter(items.iter().map(make)).buffered(concurrency).collect().await
    }

    async fn run(&self, summary: &mut Summary, progress: &impl Fn(&str)) -> Result<(), CollectError> {
        let org = self.organization;
        let crm = self.endpoints().resource_manager.clone();
        let iam = self.endpoints().iam.clone();

        progress("reading the organization");
        let organization =
            self.rest.get_object(GcpCall::OrganizationGet, &format!("{crm}/v3/organizations/{org}")).await?;
        self.staging.write_json("organization.json", &gcloud_shape::organization(&organization))?;

        progress("reading folders");
        let mut folders = Vec::new();
        let mut parents = VecDeque::from([format!("organizations/{org}")]);
        let mut seen = BTreeSet::new();
        while let Some(parent) = parents.pop_front() {
            let url = format!("{crm}/v3/folders?parent={}", encode(&parent));
            for folder in self.rest.get_list(GcpCall::FoldersList, &url, "folders").await? {
                if let Some(name) = text(&folder, "name")
                    && seen.insert(name.to_owned())
                {
                    parents.push_back(name.to_owned());
                    folders.push(folder);
                }
            }
        }
        summary.folders = folders.len();
        let listed: Vec<Value> = folders.iter().map(gcloud_shape::folder).collect();
        self.staging.write_json("folders.json", &Value::Array(listed))?;

        progress("reading projects");
        let mut containers = vec![format!("organizations/{org}")];
        containers.extend(folders.iter().filter_map(|f| text(f, "name")).map(str::to_owned));
        let pages = self
            .each(&containers, |parent| {
                let url = format!("{crm}/v3/projects?parent={}", encode(parent));
                async move { self.rest.get_list(GcpCall::ProjectsList, &url, "projects").await }
            })
            .await;
        let mut projects = Vec::new();
        for page in pages {
            projects.extend(page?);
        }
        summary.projects = projects.len();
        let project_ids: Vec<String> =
            projects.iter().filter_map(|p| text(p, "projectId")).map(str::to_owned).collect();
        let listed: Vec<Value> = projects.iter().map(gcloud_shape::project).collect();
        self.staging.write_json("projects.json", &Value::Array(listed))?;

        progress("searching allow policies");
        let asset = self.endpoints().cloud_asset.clone();
        let url = format!("{asset}/v1/organizations/{org}:searchAllIamPolicies?pageSize=500");
        let policies = self.rest.get_list(GcpCall::SearchAllIamPolicies, &url, "results").await?;
        summary.iam_policies = policies.len();
        let group_emails = bound_groups(&policies);
        self.staging.write_json("iam-policies.json", &Value::Array(policies))?;

        if self.rest.config().include_resources {
            progress("searching resources");
            let url = format!("{asset}/v1/organizations/{org}:searchAllResources?pageSize=500");
            let resources = self.rest.get_list(GcpCall::SearchAllResources, &url, "results").await?;
            summary.resources = resources.len();
            self.staging.write_json("resources.json", &Value::Array(resources))?;
        }

        progress("reading roles");
        let mut roles = self
            .rest
            .get_list(GcpCall::PredefinedRolesList, &format!("{iam}/v1/roles?view=FULL&pageSize=1000"), "roles")
            .await?;
        let url = format!("{iam}/v1/organizations/{org}/roles?view=FULL&pageSize=1000");
        roles.extend(self.rest.get_list(GcpCall::OrganizationRolesList, &url, "roles").await?);
        let project_roles = self
            .each(&project_ids, |project| {
                let url = format!("{iam}/v1/projects/{}/roles?view=FULL&pageSize=1000", encode(project));
                async move { self.rest.get_list(GcpCall::ProjectRolesList, &url, "roles").await }
            })
            .await;
        for listed in project_roles {
            roles.extend(listed?);
        }
        summary.roles = roles.len();
        self.staging.write_json("roles.json", &Value::Array(roles))?;

        progress("reading deny policies");
        let mut attachment_points = vec![format!("cloudresourcemanager.googleapis.com/organizations/{org}")];
        attachment_points.extend(
            folders.iter().filter_map(|f| text(f, "name")).map(|n| format!("cloudresourcemanager.googleapis.com/{n}")),
        );
        attachment_points
            .extend(project_ids.iter().map(|p| format!("cloudresourcemanager.googleapis.com/projects/{p}")));
        let denied = self.each(&attachment_points, |point| self.deny_policies(point)).await;
        for (point, policies) in attachment_points.iter().zip(denied) {
            let policies = policies?;
            summary.deny_policies += policies.len();
            self.staging.write_json(&format!("deny-policies/{}.json", file_name(point)), &Value::Array(policies))?;
        }

        progress("reading service accounts and their keys");
        let accounts = self
            .each(&project_ids, |project| {
                let url = format!("{iam}/v1/projects/{}/serviceAccounts?pageSize=100", encode(project));
                async move { self.rest.get_list(GcpCall::ServiceAccountsList, &url, "accounts").await }
            })
            .await;
        let mut emails = Vec::new();
        for (project, accounts) in project_ids.iter().zip(accounts) {
            let accounts = accounts?;
            summary.service_accounts += accounts.len();
            emails.extend(accounts.iter().filter_map(|a| text(a, "email")).map(str::to_owned));
            self.staging
                .write_json(&format!("service-accounts/{}.json", segment(project)?), &Value::Array(accounts))?;
        }
        let keys = self
            .each(&emails, |email| {
                let url = format!("{iam}/v1/projects/-/serviceAccounts/{}/keys", encode(email));
                async move { self.rest.get_list(GcpCall::ServiceAccountKeysList, &url, "keys").await }
            })
            .await;
        for (email, keys) in emails.iter().zip(keys) {
            let keys = keys?;
            summary.service_account_keys += keys.len();
            self.staging.write_json(&format!("service-account-keys/{}.json", segment(email)?), &Value::Array(keys))?;
        }

        if self.rest.config().include_groups {
            progress("reading the memberships of the groups the policies name");
            self.groups(group_emails, summary, progress).await?;
        }
        Ok(())
    }

    /// The deny policies attached at `point`, each with its rules (the list omits them).
    async fn deny_policies(&self, point: &str) -> Result<Vec<Value>, CollectError> {
        let iam = &self.endpoints().iam;
        let url = format!("{iam}/v2/policies/{}/denypolicies", encode(point));
        let listed = self.rest.get_list(GcpCall::DenyPoliciesList, &url, "policies").await?;
        let mut full = Vec::with_capacity(listed.len());
        for policy in listed {
            let Some(name) = text(&policy, "name") else {
                return Err(self.rest.shape(GcpCall::DenyPoliciesList, &url, "a policy has no name".into()));
            };
            // The name is already escaped (`policies/<url-encoded attachment point>/denypolicies/<id>`).
            if name.contains("..") || !name.starts_with("policies/") {
                return Err(self.rest.shape(
                    GcpCall::DenyPoliciesList,
                    &url,
                    format!("unexpected policy name {name:?}"),
                ));
            }
            full.push(self.rest.get_object(GcpCall::DenyPolicyGet, &format!("{iam}/v2/{name}")).await?);
        }
        Ok(full)
    }

    /// The direct memberships of each group, and of the groups found among the members.
    /// A group Cloud Identity does not know or will not show (another customer's, or a group
    /// of a consumer domain) is reported in `skipped`.
    async fn groups(
        &self,
        start: BTreeSet<String>,
        summary: &mut Summary,
        progress: &impl Fn(&str),
    ) -> Result<(), CollectError> {
        let identity = self.endpoints().cloud_identity.clone();
        let mut queue: VecDeque<String> = start.iter().cloned().collect();
        let mut seen: BTreeSet<String> = start;
        let mut files: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        while let Some(email) = queue.pop_front() {
            let url = format!("{identity}/v1/groups:lookup?groupKey.id={}", encode(&email));
            let found = match self.rest.get_object(GcpCall::GroupLookup, &url).await {
                Ok(found) => found,
                Err(error @ CollectError::Status { status: 403 | 404, .. }) => {
                    let line = format!("not collected: groups/{email}.json: {error}");
                    progress(&line);
                    summary.skipped.push(line);
                    continue;
                }
                Err(error) => return Err(error),
            };
            let Some(name) = text(&found, "name").filter(|n| n.starts_with("groups/") && !n.contains("..")) else {
                return Err(self.rest.shape(GcpCall::GroupLookup, &url, "no group name in the answer".into()));
            };
            let url = format!("{identity}/v1/{name}/memberships?view=FULL&pageSize=500");
            let members = self.rest.get_list(GcpCall::MembershipsList, &url, "memberships").await?;
            for member in &members {
                let is_group = text(member, "type") == Some("GROUP");
                let key = member.pointer("/preferredMemberKey/id").and_then(Value::as_str);
                if let (true, Some(key)) = (is_group, key)
                    && seen.insert(key.to_ascii_lowercase())
                {
                    queue.push_back(key.to_ascii_lowercase());
                }
            }
            files.insert(email, members);
        }
        summary.groups = files.len();
        for (email, members) in files {
            self.staging.write_json(&format!("groups/{}.json", segment(&email)?), &Value::Array(members))?;
        }
        Ok(())
    }
}

/// The groups named in the allow policies' bindings (`group:<email>`; `deleted:group:` members
/// are not looked up), lower-cased.
fn bound_groups(policies: &[Value]) -> BTreeSet<String> {
    let mut groups = BTreeSet::new();
    for policy in policies {
        let bindings = policy.pointer("/policy/bindings").and_then(Value::as_array);
        for binding in bindings.into_iter().flatten() {
            let members = binding.get("members").and_then(Value::as_array);
            for member in members.into_iter().flatten().filter_map(Value::as_str) {
                if let Some(email) = member.strip_prefix("group:") {
                    groups.insert(email.to_ascii_lowercase());
                }
            }
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn groups_are_read_from_bindings_only_when_live() {
        let policies = [json!({"policy": {"bindings": [
            {"role": "roles/viewer", "members": ["group:Admins@example.com", "user:a@example.com", "deleted:group:old@example.com?uid=1"]},
            {"role": "roles/editor", "members": ["group:admins@example.com", "serviceAccount:s@p.iam.gserviceaccount.com"]}]}})];
        assert_eq!(bound_groups(&policies), ["admins@example.com".to_owned()].into_iter().collect());
        assert!(bound_groups(&[json!({"resource": "x"})]).is_empty());
    }
}
