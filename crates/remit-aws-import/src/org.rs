//! `organization/`: the tree of roots, OUs and accounts, and the SCPs and RCPs attached in it.
//! <https://docs.aws.amazon.com/organizations/latest/APIReference/API_DescribePolicy.html>

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

use crate::{
    dir,
    env::{ImportIssue, OrgNode, OrgNodeKind, OrgPolicy, OrgPolicyType, Organization},
    json::{self, FileRead, Obj, Sink},
};
use remit_aws_policy::PolicyKind;

/// Reads `organization/` (which exists).
pub(crate) fn read(bundle: &Path, issues: &mut Vec<ImportIssue>) -> Organization {
    let org_rel = PathBuf::from("organization");
    let mut org = Organization::default();

    // describe-organization: {"Organization": {"Id", "MasterAccountId", "FeatureSet", ...}}
    let rel = org_rel.join("describe-organization.json");
    let mut sink = Sink::new(rel.clone(), issues);
    match json::read_json(&bundle.join(&rel), &mut sink) {
        FileRead::Absent => sink.push("", "missing: the organization's id and management account are unknown"),
        FileRead::Bad => {}
        FileRead::Json(value) => {
            if let Some(root) = Obj::new(&value, "", &mut sink) {
                let mut path = String::new();
                if let Some(described) = root.obj("Organization", &mut path, &mut sink) {
                    org.id = described.required_str("Id", &mut sink).unwrap_or_default().to_owned();
                    org.management_account =
                        described.required_str("MasterAccountId", &mut sink).unwrap_or_default().to_owned();
                    org.feature_set = described.string("FeatureSet", &mut sink);
                } else if !root.has("Organization") {
                    sink.push("Organization", "missing");
                }
            }
        }
    }

    // list-roots: {"Roots": [{"Id", "Arn", "Name", "PolicyTypes": [{"Type", "Status"}]}]}
    let rel = org_rel.join("roots.json");
    let mut sink = Sink::new(rel.clone(), issues);
    let mut roots = Vec::new();
    match json::read_json(&bundle.join(&rel), &mut sink) {
        FileRead::Absent => sink.push("", "missing: the organization tree is unknown"),
        FileRead::Bad => {}
        FileRead::Json(value) => {
            if let Some(root) = Obj::new(&value, "", &mut sink) {
                root.check_not_truncated(&mut sink);
                for (path, map) in root.objects("Roots", &mut sink) {
                    let item = Obj { map, path: &path };
                    let Some(id) = item.required_str("Id", &mut sink) else { continue };
                    if item.has("PolicyTypes") {
                        let enabled = org.enabled_policy_types.get_or_insert_with(Vec::new);
                        for (type_path, type_map) in item.objects("PolicyTypes", &mut sink) {
                            let entry = Obj { map: type_map, path: &type_path };
                            let kind = entry.str("Type", &mut sink);
                            let status = entry.str("Status", &mut sink);
                            let kind = match kind {
                                Some("SERVICE_CONTROL_POLICY") => OrgPolicyType::ServiceControl,
                                Some("RESOURCE_CONTROL_POLICY") => OrgPolicyType::ResourceControl,
                                _ => continue,
                            };
                            if status == Some("ENABLED") && !enabled.contains(&kind) {
                                enabled.push(kind);
                            }
                        }
                    }
                    roots.push(OrgNode {
                        id: id.to_owned(),
                        kind: OrgNodeKind::Root,
                        name: item.string("Name", &mut sink).unwrap_or_default(),
                        parent: None,
                        attached_policies: Vec::new(),
                        arn: item.string("Arn", &mut sink),
                        status: None,
                    });
                }
            }
        }
    }
    roots.sort_by(|a, b| a.id.cmp(&b.id));

    org.nodes = read_tree(bundle, &org_rel.join("children"), roots, issues);
    read_policies(bundle, &org_rel.join("policies"), &mut org, issues);
    org
}

/// Walks the tree from the roots: parents before children, children by id (OUs, then
/// accounts).
fn read_tree(bundle: &Path, children_rel: &Path, roots: Vec<OrgNode>, issues: &mut Vec<ImportIssue>) -> Vec<OrgNode> {
    let mut nodes = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut stack: Vec<OrgNode> = roots.into_iter().rev().collect();
    while let Some(node) = stack.pop() {
        if !seen.insert(node.id.clone()) {
            let mut sink = Sink::new(children_rel.to_path_buf(), issues);
            sink.push("", format!("`{}` appears twice in the organization tree (ignored the second time)", node.id));
            continue;
        }
        let mut children = Vec::new();
        if node.kind != OrgNodeKind::Account {
            // list-organizational-units-for-parent: {"OrganizationalUnits": [{"Id", "Arn", "Name"}]}
            // list-accounts-for-parent: {"Accounts": [{"Id", "Arn", "Name", "Status", ...}]}
            for (suffix, key, kind) in [
                ("ous.json", "OrganizationalUnits", OrgNodeKind::OrganizationalUnit),
                ("accounts.json", "Accounts", OrgNodeKind::Account),
            ] {
                let rel = children_rel.join(format!("{}.{suffix}", node.id));
                let mut sink = Sink::new(rel.clone(), issues);
                let FileRead::Json(value) = json::read_json(&bundle.join(&rel), &mut sink) else { continue };
                let Some(root) = Obj::new(&value, "", &mut sink) else { continue };
                root.check_not_truncated(&mut sink);
                let mut found = Vec::new();
                for (path, map) in root.objects(key, &mut sink) {
                    let item = Obj { map, path: &path };
                    let Some(id) = item.required_str("Id", &mut sink) else { continue };
                    if kind == OrgNodeKind::Account && !remit_aws_policy::is_account_id(id) {
                        sink.push(item.at("Id"), format!("`{id}` is not a 12-digit account id"));
                        continue;
                    }
                    found.push(OrgNode {
                        id: id.to_owned(),
                        kind,
                        name: item.string("Name", &mut sink).unwrap_or_default(),
                        parent: Some(node.id.clone()),
                        attached_policies: Vec::new(),
                        arn: item.string("Arn", &mut sink),
                        status: if kind == OrgNodeKind::Account { item.string("Status", &mut sink) } else { None },
                    });
                }
                found.sort_by(|a, b| a.id.cmp(&b.id));
                children.extend(found);
            }
        }
        nodes.push(node);
        stack.extend(children.into_iter().rev());
    }

    // Children files of parents the walk never reached: a subtree lost on the way.
    let mut sink = Sink::new(children_rel.to_path_buf(), issues);
    for entry in dir::list(&bundle.join(children_rel), &mut sink).unwrap_or_default() {
        let parent = entry.name.strip_suffix(".ous.json").or_else(|| entry.name.strip_suffix(".accounts.json"));
        if let Some(parent) = parent
            && !seen.contains(parent)
        {
            let mut sink = Sink::new(children_rel.join(&entry.name), issues);
            sink.push("", format!("`{parent}` is not in the organization tree reached from the roots (ignored)"));
        }
    }
    nodes
}

/// The SCP and RCP lists, each policy's document and targets.
fn read_policies(bundle: &Path, policies_rel: &Path, org: &mut Organization, issues: &mut Vec<ImportIssue>) {
    let mut attachments: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (file, policy_type, type_name) in [
        ("service-control-policies.json", OrgPolicyType::ServiceControl, "SERVICE_CONTROL_POLICY"),
        ("resource-control-policies.json", OrgPolicyType::ResourceControl, "RESOURCE_CONTROL_POLICY"),
    ] {
        // list-policies: {"Policies": [{"Id", "Arn", "Name", "Type", "AwsManaged"}]}
        let rel = policies_rel.join(file);
        let mut sink = Sink::new(rel.clone(), issues);
        let value = match json::read_json(&bundle.join(&rel), &mut sink) {
            FileRead::Json(value) => value,
            FileRead::Bad => continue,
            FileRead::Absent => {
                // Missing matters only where the policy type is (or may be) enabled.
                let enabled = org.enabled_policy_types.as_ref().is_none_or(|enabled| enabled.contains(&policy_type));
                if enabled {
                    sink.push("", format!("missing: the organization's {type_name} policies were not collected"));
                }
                continue;
            }
        };
        let Some(root) = Obj::new(&value, "", &mut sink) else { continue };
        root.check_not_truncated(&mut sink);
        let listed: Vec<(String, String, String, bool)> = root
            .objects("Policies", &mut sink)
            .into_iter()
            .filter_map(|(path, map)| {
                let item = Obj { map, path: &path };
                let id = item.required_str("Id", &mut sink)?.to_owned();
                if let Some(listed_type) = item.str("Type", &mut sink)
                    && listed_type != type_name
                {
                    sink.push(item.at("Type"), format!("a `{listed_type}` policy in the {type_name} list (ignored)"));
                    return None;
                }
                let arn = item.string("Arn", &mut sink).unwrap_or_default();
                let name = item.string("Name", &mut sink).unwrap_or_default();
                let aws_managed = item.bool("AwsManaged", &mut sink).unwrap_or(false);
                Some((id, arn, name, aws_managed))
            })
            .collect();
        for (id, arn, name, aws_managed) in listed {
            let mut policy = OrgPolicy { id, arn, name, policy_type, aws_managed, document: None, incomplete: false };
            read_policy(bundle, policies_rel, &mut policy, &mut attachments, issues);
            org.policies.push(policy);
        }
    }
    org.policies.sort_by(|a, b| a.id.cmp(&b.id));
    org.policies.dedup_by(|later, earlier| later.id == earlier.id);

    for node in &mut org.nodes {
        if let Some(mut attached) = attachments.remove(&node.id) {
            attached.sort();
            attached.dedup();
            node.attached_policies = attached;
        }
    }
    for (target, policy_ids) in attachments {
        for policy_id in policy_ids {
            let rel = policies_rel.join(format!("{policy_id}.targets.json"));
            let mut sink = Sink::new(rel, issues);
            sink.push("", format!("target `{target}` is not in the organization tree: where it applies is unknown"));
        }
    }
}

/// describe-policy (`<id>.json`) and list-targets-for-policy (`<id>.targets.json`).
fn read_policy(
    bundle: &Path,
    policies_rel: &Path,
    policy: &mut OrgPolicy,
    attachments: &mut BTreeMap<String, Vec<String>>,
    issues: &mut Vec<ImportIssue>,
) {
    let subject = if policy.arn.is_empty() { policy.id.clone() } else { policy.arn.clone() };
    let kind = match policy.policy_type {
        OrgPolicyType::ServiceControl => PolicyKind::ServiceControl,
        OrgPolicyType::ResourceControl => PolicyKind::ResourceControl,
    };

    // {"Policy": {"PolicySummary": {...}, "Content": "<json>"}}
    let rel = policies_rel.join(format!("{}.json", policy.id));
    let mut sink = Sink::new(rel.clone(), issues);
    sink.subject = Some(subject.clone());
    let mark = sink.mark();
    match json::read_json(&bundle.join(&rel), &mut sink) {
        FileRead::Absent => sink.push("", "missing: the policy's document was not collected"),
        FileRead::Bad => {}
        FileRead::Json(value) => {
            if let Some(root) = Obj::new(&value, "", &mut sink) {
                let mut path = String::new();
                match root.obj("Policy", &mut path, &mut sink) {
                    Some(described) => match described.get("Content") {
                        Some(content) => {
                            policy.document = json::policy(content, kind, &described.at("Content"), &mut sink);
                        }
                        None => sink.push(described.at("Content"), "missing"),
                    },
                    None if !root.has("Policy") => sink.push("Policy", "missing"),
                    None => {}
                }
            }
        }
    }

    // {"Targets": [{"TargetId", "Arn", "Name", "Type"}]}
    let rel = policies_rel.join(format!("{}.targets.json", policy.id));
    let mut sink_targets = Sink::new(rel.clone(), sink.into_out());
    sink_targets.subject = Some(subject);
    match json::read_json(&bundle.join(&rel), &mut sink_targets) {
        FileRead::Absent => sink_targets.push("", "missing: where the policy is attached was not collected"),
        FileRead::Bad => {}
        FileRead::Json(value) => {
            if let Some(root) = Obj::new(&value, "", &mut sink_targets) {
                root.check_not_truncated(&mut sink_targets);
                for (path, map) in root.objects("Targets", &mut sink_targets) {
                    let item = Obj { map, path: &path };
                    if let Some(target) = item.required_str("TargetId", &mut sink_targets) {
                        attachments.entry(target.to_owned()).or_default().push(policy.id.clone());
                    }
                }
            }
        }
    }
    policy.incomplete = sink_targets.since(mark);
}
