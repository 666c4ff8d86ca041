//! Query answers as JSON: one encoding for the CLI's `--format json` and the HTTP API, so a
//! program gets the same document from either (documented in docs/queries.md).

use std::collections::BTreeMap;

use remit_aws_analysis::{AccessLevel, Explained, Exposure, Permission};
use remit_model::{Access, Entitlement, Explanation, Holder, Principal, Step, Verdict};
use serde_json::{Value, json};

/// A path step.
pub fn step(step: &Step) -> Value {
    match step {
        Step::Direct { sources } => {
            json!({"type": "policies", "sources": sources.iter().map(|s| &**s).collect::<Vec<&str>>()})
        }
        Step::Group { group } => json!({"type": "group", "group": &**group}),
        Step::Assume { target } => json!({"type": "assume", "role": &**target}),
        Step::ResourcePolicy { source } => json!({"type": "resourcePolicy", "grant": &**source}),
        Step::Activate { source } => json!({"type": "activate", "eligibility": &**source}),
        Step::Inherited { scope } => json!({"type": "inherited", "scope": &**scope}),
    }
}

/// A principal holding access, with how and under which conditions.
pub fn holder(h: &Holder) -> Value {
    json!({
        "arn": h.principal.id,
        "kind": h.principal.kind.as_str(),
        "account": h.principal.scope,
        "decision": h.access.as_str(),
        "via": h.via.iter().map(step).collect::<Vec<_>>(),
        "path": h.via.iter().map(|s| s.describe()).collect::<Vec<_>>().join(" → "),
        "conditions": h.access.conditions().iter().map(|c| json!({
            "source": &*c.source, "condition": &*c.expression, "onDeny": c.on_deny,
        })).collect::<Vec<_>>(),
        "incomplete": h.principal.incomplete,
    })
}

/// `who-can`.
pub fn who_can(action: &str, resource: &str, holders: &[Holder], import_issues: usize) -> Value {
    json!({
        "action": action,
        "resource": resource,
        "principals": holders.iter().map(holder).collect::<Vec<_>>(),
        "importIssues": import_issues,
    })
}

/// `explain`.
pub fn explain(explained: &Explained, action: &str, resource: &str) -> Value {
    json!({
        "principal": explained.principal.id,
        "action": action,
        "resource": resource,
        "decision": explained.verdict.as_str(),
        "reason": explained.reason,
        "statements": explained.statements.iter().map(|s| json!({
            "layer": s.layer, "source": s.source, "statement": s.statement, "effect": s.effect, "conditions": s.conditions,
        })).collect::<Vec<_>>(),
    })
}

/// `can-become`.
pub fn can_become(query: &str, holders: &[Holder]) -> Value {
    json!({"query": query, "principals": holders.iter().map(holder).collect::<Vec<_>>()})
}

/// `exposure`.
pub fn exposure(exposures: &[Exposure]) -> Value {
    let out: Vec<Value> = exposures
        .iter()
        .map(|e| {
            json!({
                "resource": e.resource, "outsider": e.outsider, "decision": e.access.as_str(),
                "actions": e.actions, "statement": e.statement,
                "conditions": e.access.conditions().iter().map(|c| &*c.expression).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({"exposures": out})
}

/// Per service and access level: `(allowed, conditional)` action counts, levels in
/// [`AccessLevel::ALL`] order.
pub type LevelCounts = BTreeMap<String, [(usize, usize); 5]>;

/// What-can's summary: actions per service and access level.
pub fn permission_summary(permissions: &[Permission]) -> LevelCounts {
    let mut summary: LevelCounts = BTreeMap::new();
    for p in permissions {
        let row = summary.entry(p.service.clone()).or_default();
        let conditional = p.resources.iter().all(|(_, a)| matches!(a, remit_model::Access::Conditional(_)));
        for level in &p.access_levels {
            let i = AccessLevel::ALL.iter().position(|l| l == level).unwrap_or(0);
            if conditional {
                row[i].1 += 1;
            } else {
                row[i].0 += 1;
            }
        }
    }
    summary
}

/// `what-can`.
pub fn what_can(principal: &str, permissions: &[Permission]) -> Value {
    let summary = permission_summary(permissions);
    json!({
        "principal": principal,
        "summary": summary.iter().map(|(service, row)| json!({
            "service": service,
            "accessLevels": AccessLevel::ALL.iter().zip(row).filter(|(_, (a, c))| a + c > 0).map(|(l, (a, c))| json!({
                "level": l.as_str(), "allowed": a, "conditional": c,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "actions": permissions.iter().map(|p| json!({
            "action": p.action,
            "accessLevels": p.access_levels.iter().map(|l| l.as_str()).collect::<Vec<_>>(),
            "resources": p.resources.iter().map(|(r, a)| json!({
                "resource": r, "decision": a.as_str(),
                "conditions": a.conditions().iter().map(|c| &*c.expression).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// Conditions of a grant or decision.
fn conditions(conditions: &[remit_model::Condition]) -> Vec<Value> {
    conditions.iter().map(|c| json!({"source": &*c.source, "condition": &*c.expression, "onDeny": c.on_deny})).collect()
}

/// A principal of any cloud.
pub fn principal(p: &Principal) -> Value {
    json!({
        "id": p.id,
        "cloud": p.cloud.as_str(),
        "kind": p.kind.as_str(),
        "name": p.name,
        "scope": p.scope,
        "incomplete": p.incomplete,
    })
}

/// One entitlement (Azure, Google Cloud): an action or pattern on a resource or scope.
pub fn entitlement(e: &Entitlement) -> Value {
    json!({
        "action": &*e.action,
        "except": e.except.iter().map(|x| &**x).collect::<Vec<&str>>(),
        "dataPlane": e.data_plane,
        "resource": &*e.resource,
        "decision": e.access.as_str(),
        "eligible": e.eligible(),
        "conditions": conditions(e.access.conditions()),
        "via": e.via.iter().map(step).collect::<Vec<_>>(),
        "path": e.via.iter().map(|s| s.describe()).collect::<Vec<_>>().join(" → "),
    })
}

/// `what-can` of an Azure or Google Cloud principal.
pub fn entitlements(principal_found: &Principal, entitlements: &[Entitlement]) -> Value {
    let standing = entitlements.iter().filter(|e| !e.eligible()).count();
    json!({
        "principal": principal(principal_found),
        "summary": {
            "entitlements": entitlements.len(),
            "standing": standing,
            "eligible": entitlements.len() - standing,
            "conditional": entitlements.iter().filter(|e| matches!(e.access, Access::Conditional(_))).count(),
        },
        "entitlements": entitlements.iter().map(entitlement).collect::<Vec<_>>(),
    })
}

/// `explain` of an Azure or Google Cloud decision.
pub fn explanation(principal_found: &Principal, action: &str, resource: &str, explained: &Explanation) -> Value {
    let conditions_of = match &explained.verdict {
        Verdict::Conditional(c) => conditions(c),
        _ => Vec::new(),
    };
    json!({
        "principal": principal(principal_found),
        "action": action,
        "resource": resource,
        "decision": explained.verdict.as_str(),
        "conditions": conditions_of,
        "reasons": explained.reasons,
        "via": explained.via.iter().map(step).collect::<Vec<_>>(),
    })
}

/// What any principal can do: an AWS principal's permissions (and the roles it can become, each
/// summarized), or an Azure or Google Cloud principal's entitlements.
pub fn what_can_any(answer: &remit_estate::WhatCan) -> Value {
    match answer {
        remit_estate::WhatCan::Entitlements { principal: found, entitlements: list } => entitlements(found, list),
        remit_estate::WhatCan::Aws { principal: found, permissions, roles } => json!({
            "principal": principal(found),
            "summary": permission_summary(permissions),
            "permissions": what_can(&found.id, permissions)["permissions"].clone(),
            "roles": roles.iter().map(|(holder, permissions)| json!({
                "role": holder.principal.id,
                "via": holder.via.iter().map(step).collect::<Vec<_>>(),
                "decision": holder.access.as_str(),
                "summary": permission_summary(permissions),
            })).collect::<Vec<_>>(),
        }),
    }
}

/// A person, as the people directory knows them.
pub fn person(p: &remit_people::Person) -> Value {
    json!({
        "key": p.key,
        "name": p.display_name,
        "emails": p.emails,
        "department": p.department,
        "title": p.title,
        "manager": p.manager,
        "employeeId": p.employee_id,
        "leaver": p.is_leaver(),
        "leaverReason": p.leaver_reason(),
    })
}

/// Why an identity is a person's, with what confidence.
pub fn link(link: &remit_people::Link) -> Value {
    json!({
        "confidence": link.confidence.level.as_str(),
        "score": link.confidence.score,
        "rule": link.rule.as_str(),
        "reason": link.reason,
    })
}

/// `what-can person:EMAIL`: every identity of the person, with why it is theirs and its access,
/// and the machines they own.
pub fn person_access(access: &remit_estate::PersonAccess<'_>) -> Value {
    json!({
        "person": person(access.person),
        "identities": access.identities.iter().map(|i| json!({
            "cloud": i.identity.cloud.as_str(),
            "id": i.identity.id,
            "name": i.identity.name,
            "kind": i.identity.kind.as_str(),
            "federated": i.federated,
            "link": link(i.link),
            "access": match &i.access {
                Ok(answer) => what_can_any(answer),
                Err(e) => json!({"error": e.to_string()}),
            },
        })).collect::<Vec<_>>(),
        "owns": access.owned.iter().map(|(identity, l)| json!({
            "cloud": identity.cloud.as_str(), "id": identity.id, "name": identity.name, "link": link(l),
        })).collect::<Vec<_>>(),
    })
}
