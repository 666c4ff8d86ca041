//! `identity-center/`: the IAM Identity Center instance, its permission sets and account
//! assignments, and the identity store's users, groups and memberships.
//! <https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_DescribePermissionSet.html>

use std::path::{Path, PathBuf};

use remit_aws_policy::PolicyKind;
use serde_json::Value;

use crate::{
    dir::{self, decode_name},
    env::{AccountAssignment, IdentityCenter, IdentityStoreProfile, ImportIssue, PermissionSet},
    json::{self, FileRead, Obj, Sink},
};

/// Reads `identity-center/` (which exists).
pub(crate) fn read(bundle: &Path, issues: &mut Vec<ImportIssue>) -> IdentityCenter {
    let ic_rel = PathBuf::from("identity-center");
    let mut center = IdentityCenter::default();

    // list-instances: {"Instances": [{"InstanceArn", "IdentityStoreId", ...}]}
    let rel = ic_rel.join("instances.json");
    let mut sink = Sink::new(rel.clone(), issues);
    match json::read_json(&bundle.join(&rel), &mut sink) {
        FileRead::Absent => sink.push("", "missing: the Identity Center instance is unknown"),
        FileRead::Bad => {}
        FileRead::Json(value) => {
            if let Some(root) = Obj::new(&value, "", &mut sink) {
                let instances = root.objects("Instances", &mut sink);
                if instances.len() > 1 {
                    sink.push("Instances", "more than one instance: read the first");
                }
                match instances.first() {
                    Some((path, map)) => {
                        let item = Obj { map, path };
                        center.instance_arn =
                            item.required_str("InstanceArn", &mut sink).unwrap_or_default().to_owned();
                        center.identity_store_id = item.string("IdentityStoreId", &mut sink).unwrap_or_default();
                    }
                    None if root.has("Instances") => sink.push("Instances", "empty: no Identity Center instance"),
                    None => sink.push("Instances", "missing"),
                }
            }
        }
    }

    let sets_rel = ic_rel.join("permission-sets");
    let entries = dir::list(&bundle.join(&sets_rel), &mut Sink::new(sets_rel.clone(), issues)).unwrap_or_default();
    for entry in entries.iter().filter(|entry| entry.is_dir) {
        let (set, assignments) = read_permission_set(bundle, &sets_rel.join(&entry.name), &entry.name, &center, issues);
        center.permission_sets.push(set);
        center.assignments.extend(assignments);
    }
    center.permission_sets.sort_by(|a, b| a.arn.cmp(&b.arn));
    center.assignments.sort_by(|a, b| {
        (&a.account_id, &a.permission_set_arn, &a.principal_type, &a.principal_id).cmp(&(
            &b.account_id,
            &b.permission_set_arn,
            &b.principal_type,
            &b.principal_id,
        ))
    });
    center.assignments.dedup();

    read_identity_store(bundle, &ic_rel.join("identity-store"), &mut center, issues);
    center
}

fn read_permission_set(
    bundle: &Path,
    rel: &Path,
    id: &str,
    center: &IdentityCenter,
    issues: &mut Vec<ImportIssue>,
) -> (PermissionSet, Vec<AccountAssignment>) {
    // arn:aws:sso:::instance/ssoins-... → arn:aws:sso:::permissionSet/ssoins-.../ps-...
    let rebuilt = center
        .instance_arn
        .split_once(":instance/")
        .map(|(head, instance)| format!("{head}:permissionSet/{instance}/{id}"));
    let mut set =
        PermissionSet { id: id.to_owned(), arn: rebuilt.clone().unwrap_or_default(), ..PermissionSet::default() };
    let start = issues.len();

    // describe-permission-set: {"PermissionSet": {"Name", "PermissionSetArn", "SessionDuration", ...}}
    let file = rel.join("describe.json");
    let mut sink = Sink::new(file.clone(), issues);
    match json::read_json(&bundle.join(&file), &mut sink) {
        FileRead::Absent => sink.push("", "missing: the permission set's name is unknown"),
        FileRead::Bad => {}
        FileRead::Json(value) => {
            if let Some(root) = Obj::new(&value, "", &mut sink) {
                let mut path = String::new();
                match root.obj("PermissionSet", &mut path, &mut sink) {
                    Some(described) => {
                        set.name = described.required_str("Name", &mut sink).unwrap_or_default().to_owned();
                        set.session_duration = described.string("SessionDuration", &mut sink);
                        set.description = described.string("Description", &mut sink);
                        if let Some(arn) = described.required_str("PermissionSetArn", &mut sink) {
                            if !arn.ends_with(&format!("/{id}")) {
                                sink.push(
                                    described.at("PermissionSetArn"),
                                    format!("`{arn}` is not the ARN of permission set `{id}`, the directory's name"),
                                );
                            } else if let Some(rebuilt) = &rebuilt
                                && arn != rebuilt
                            {
                                sink.push(
                                    described.at("PermissionSetArn"),
                                    format!("`{arn}` is not a permission set of instance `{}`", center.instance_arn),
                                );
                            }
                            set.arn = arn.to_owned();
                        }
                    }
                    None if !root.has("PermissionSet") => sink.push("PermissionSet", "missing"),
                    None => {}
                }
            }
        }
    }
    let issues = sink.into_out();

    // get-inline-policy-for-permission-set: {"InlinePolicy": "<json>"} ("" for none)
    let file = rel.join("inline-policy.json");
    let mut sink = Sink::new(file.clone(), issues);
    match json::read_json(&bundle.join(&file), &mut sink) {
        FileRead::Absent => sink.push("", "missing: the permission set's inline policy was not collected"),
        FileRead::Bad => {}
        FileRead::Json(value) => {
            if let Some(root) = Obj::new(&value, "", &mut sink) {
                match root.get("InlinePolicy") {
                    Some(Value::String(text)) if text.trim().is_empty() => {}
                    Some(document) => {
                        set.inline_policy = json::policy(document, PolicyKind::Identity, "InlinePolicy", &mut sink);
                    }
                    None => {}
                }
            }
        }
    }
    let issues = sink.into_out();

    // list-managed-policies-in-permission-set: {"AttachedManagedPolicies": [{"Name", "Arn"}]}
    let file = rel.join("managed-policies.json");
    let mut sink = Sink::new(file.clone(), issues);
    match json::read_json(&bundle.join(&file), &mut sink) {
        FileRead::Absent => sink.push("", "missing: the permission set's managed policies were not collected"),
        FileRead::Bad => {}
        FileRead::Json(value) => {
            if let Some(root) = Obj::new(&value, "", &mut sink) {
                root.check_not_truncated(&mut sink);
                for (path, map) in root.objects("AttachedManagedPolicies", &mut sink) {
                    let item = Obj { map, path: &path };
                    if let Some(arn) = item.required_str("Arn", &mut sink) {
                        set.managed_policies.push(arn.to_owned());
                    }
                }
            }
        }
    }
    let issues = sink.into_out();

    // list-customer-managed-policy-references-in-permission-set:
    // {"CustomerManagedPolicyReferences": [{"Name", "Path"}]}
    let file = rel.join("customer-managed-policies.json");
    let mut sink = Sink::new(file.clone(), issues);
    match json::read_json(&bundle.join(&file), &mut sink) {
        FileRead::Absent => {
            sink.push("", "missing: the permission set's customer-managed policy references were not collected");
        }
        FileRead::Bad => {}
        FileRead::Json(value) => {
            if let Some(root) = Obj::new(&value, "", &mut sink) {
                root.check_not_truncated(&mut sink);
                for (path, map) in root.objects("CustomerManagedPolicyReferences", &mut sink) {
                    let item = Obj { map, path: &path };
                    if let Some(name) = item.required_str("Name", &mut sink) {
                        let policy_path = item.str("Path", &mut sink).unwrap_or("/");
                        set.customer_managed_policies.push((name.to_owned(), policy_path.to_owned()));
                    }
                }
            }
        }
    }
    let issues = sink.into_out();

    // get-permissions-boundary-for-permission-set (absent when there is none):
    // {"PermissionsBoundary": {"CustomerManagedPolicyReference": {"Name", "Path"}, "ManagedPolicyArn"}}
    let file = rel.join("permissions-boundary.json");
    let mut sink = Sink::new(file.clone(), issues);
    if let FileRead::Json(value) = json::read_json(&bundle.join(&file), &mut sink)
        && let Some(root) = Obj::new(&value, "", &mut sink)
    {
        let mut path = String::new();
        let mut inner = String::new();
        if let Some(boundary) = root.obj("PermissionsBoundary", &mut path, &mut sink) {
            if let Some(arn) = boundary.str("ManagedPolicyArn", &mut sink) {
                set.permissions_boundary = Some(arn.to_owned());
            } else if let Some(reference) = boundary.obj("CustomerManagedPolicyReference", &mut inner, &mut sink) {
                if let Some(name) = reference.required_str("Name", &mut sink) {
                    let policy_path = reference.str("Path", &mut sink).unwrap_or("/");
                    let separator = if policy_path.ends_with('/') { "" } else { "/" };
                    set.permissions_boundary = Some(format!("{policy_path}{separator}{name}"));
                }
            } else {
                sink.push(
                    boundary.path,
                    "neither `ManagedPolicyArn` nor `CustomerManagedPolicyReference`: the boundary is unknown",
                );
            }
        } else if !root.has("PermissionsBoundary") {
            sink.push("PermissionsBoundary", "missing");
        }
    }
    let issues = sink.into_out();

    // list-account-assignments: {"AccountAssignments": [{"AccountId", "PermissionSetArn", "PrincipalType", "PrincipalId"}]}
    let mut assignments = Vec::new();
    let assignments_rel = rel.join("assignments");
    let entries =
        dir::list(&bundle.join(&assignments_rel), &mut Sink::new(assignments_rel.clone(), issues)).unwrap_or_default();
    for entry in entries.iter().filter(|entry| !entry.is_dir) {
        let Some(account) = entry.name.strip_suffix(".json") else { continue };
        let account = decode_name(account);
        let file = assignments_rel.join(&entry.name);
        let mut sink = Sink::new(file.clone(), issues);
        let FileRead::Json(value) = json::read_json(&bundle.join(&file), &mut sink) else { continue };
        let Some(root) = Obj::new(&value, "", &mut sink) else { continue };
        root.check_not_truncated(&mut sink);
        for (path, map) in root.objects("AccountAssignments", &mut sink) {
            let item = Obj { map, path: &path };
            let account_id = item.required_str("AccountId", &mut sink);
            let set_arn = item.str("PermissionSetArn", &mut sink);
            let principal_type = item.required_str("PrincipalType", &mut sink);
            let principal_id = item.required_str("PrincipalId", &mut sink);
            let (Some(account_id), Some(principal_type), Some(principal_id)) =
                (account_id, principal_type, principal_id)
            else {
                continue;
            };
            if account_id != account {
                sink.push(item.at("AccountId"), format!("account `{account_id}` in the file of account `{account}`"));
                continue;
            }
            if let Some(set_arn) = set_arn
                && !set.arn.is_empty()
                && set_arn != set.arn
            {
                sink.push(
                    item.at("PermissionSetArn"),
                    format!("`{set_arn}` is not this permission set, `{}`", set.arn),
                );
                continue;
            }
            assignments.push(AccountAssignment {
                account_id: account_id.to_owned(),
                permission_set_arn: set.arn.clone(),
                principal_type: principal_type.to_owned(),
                principal_id: principal_id.to_owned(),
            });
        }
    }

    // Every issue of this permission set names it.
    let subject = if set.arn.is_empty() { id.to_owned() } else { set.arn.clone() };
    for issue in issues.iter_mut().skip(start) {
        issue.subject.get_or_insert_with(|| subject.clone());
    }
    set.incomplete = issues.len() > start;
    (set, assignments)
}

/// A user's profile from its `list-users` entry: lenient, as the fields are optional
/// (<https://docs.aws.amazon.com/singlesignon/latest/IdentityStoreAPIReference/API_User.html>);
/// the primary email first.
fn profile(id: &str, item: &Obj<'_, '_>) -> IdentityStoreProfile {
    let text = |v: &Value, key: &str| v.get(key).and_then(|x| x.as_str()).map(str::to_owned);
    let mut emails: Vec<(bool, String)> = item
        .get("Emails")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|e| Some((e.get("Primary").and_then(|p| p.as_bool()) == Some(true), text(e, "Value")?)))
        .collect();
    emails.sort_by_key(|(primary, _)| !*primary);
    let external_ids = item
        .get("ExternalIds")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|e| Some((text(e, "Issuer")?, text(e, "Id")?)))
        .collect();
    IdentityStoreProfile {
        user_id: id.to_owned(),
        display_name: item.get("DisplayName").and_then(|v| v.as_str()).map(str::to_owned),
        emails: emails.into_iter().map(|(_, e)| e).collect(),
        external_ids,
    }
}

fn read_identity_store(bundle: &Path, store_rel: &Path, center: &mut IdentityCenter, issues: &mut Vec<ImportIssue>) {
    // list-users: {"Users": [{"UserName", "UserId", ...}]}
    let rel = store_rel.join("users.json");
    let mut sink = Sink::new(rel.clone(), issues);
    match json::read_json(&bundle.join(&rel), &mut sink) {
        FileRead::Absent => sink.push("", "missing: the identity store's users were not collected"),
        FileRead::Bad => {}
        FileRead::Json(value) => {
            if let Some(root) = Obj::new(&value, "", &mut sink) {
                root.check_not_truncated(&mut sink);
                for (path, map) in root.objects("Users", &mut sink) {
                    let item = Obj { map, path: &path };
                    if let Some(id) = item.required_str("UserId", &mut sink) {
                        let name = item.str("UserName", &mut sink).unwrap_or_default();
                        center.users.push((id.to_owned(), name.to_owned()));
                        center.profiles.push(profile(id, &item));
                    }
                }
            }
        }
    }
    let issues = sink.into_out();

    // list-groups: {"Groups": [{"GroupId", "DisplayName", ...}]}
    let rel = store_rel.join("groups.json");
    let mut sink = Sink::new(rel.clone(), issues);
    let groups_listed = match json::read_json(&bundle.join(&rel), &mut sink) {
        FileRead::Absent => {
            sink.push("", "missing: the identity store's groups were not collected");
            false
        }
        FileRead::Bad => false,
        FileRead::Json(value) => match Obj::new(&value, "", &mut sink) {
            Some(root) => {
                root.check_not_truncated(&mut sink);
                for (path, map) in root.objects("Groups", &mut sink) {
                    let item = Obj { map, path: &path };
                    if let Some(id) = item.required_str("GroupId", &mut sink) {
                        let name = item.str("DisplayName", &mut sink).unwrap_or_default();
                        center.groups.push((id.to_owned(), name.to_owned()));
                    }
                }
                true
            }
            None => false,
        },
    };
    let issues = sink.into_out();
    center.users.sort();
    center.users.dedup_by(|later, earlier| later.0 == earlier.0);
    center.groups.sort();
    center.groups.dedup_by(|later, earlier| later.0 == earlier.0);

    // list-group-memberships: {"GroupMemberships": [{"GroupId", "MemberId": {"UserId"}, ...}]}, one
    // file per group of groups.json (or, when groups.json could not be read, per file present).
    let memberships_rel = store_rel.join("memberships");
    let files: Vec<String> = dir::list(&bundle.join(&memberships_rel), &mut Sink::new(memberships_rel.clone(), issues))
        .unwrap_or_default()
        .into_iter()
        .filter(|entry| !entry.is_dir)
        .filter_map(|entry| entry.name.strip_suffix(".json").map(str::to_owned))
        .collect();
    let group_ids: Vec<String> = if groups_listed {
        for group_id in files.iter().filter(|id| center.groups.binary_search_by(|(g, _)| g.cmp(id)).is_err()) {
            let mut sink = Sink::new(memberships_rel.join(format!("{group_id}.json")), issues);
            sink.push("", format!("group `{group_id}` is not in `groups.json` (ignored)"));
        }
        center.groups.iter().map(|(id, _)| id.clone()).collect()
    } else {
        files
    };
    for group_id in &group_ids {
        let rel = memberships_rel.join(format!("{group_id}.json"));
        let mut sink = Sink::new(rel.clone(), issues);
        match json::read_json(&bundle.join(&rel), &mut sink) {
            FileRead::Absent => sink.push("", format!("missing: the members of group `{group_id}` were not collected")),
            FileRead::Bad => {}
            FileRead::Json(value) => {
                let Some(root) = Obj::new(&value, "", &mut sink) else { continue };
                root.check_not_truncated(&mut sink);
                for (path, map) in root.objects("GroupMemberships", &mut sink) {
                    let item = Obj { map, path: &path };
                    if let Some(listed) = item.str("GroupId", &mut sink)
                        && listed != group_id
                    {
                        sink.push(item.at("GroupId"), format!("group `{listed}` in the file of group `{group_id}`"));
                        continue;
                    }
                    let mut member_path = String::new();
                    let Some(member) = item.obj("MemberId", &mut member_path, &mut sink) else {
                        if !item.has("MemberId") {
                            sink.push(item.at("MemberId"), "missing");
                        }
                        continue;
                    };
                    if let Some(user_id) = member.required_str("UserId", &mut sink) {
                        center.memberships.push((group_id.clone(), user_id.to_owned()));
                    }
                }
            }
        }
    }
    center.memberships.sort();
    center.memberships.dedup();
}
