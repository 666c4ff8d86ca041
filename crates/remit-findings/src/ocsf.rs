//! OCSF output: each finding as an OCSF Detection Finding (class 2004), schema version
//! [`OCSF_VERSION`] (1.9.0, the current 1.x release).
//!
//! Security lakes and SIEMs ingest the Open Cybersecurity Schema Framework, one JSON object per
//! line, and correlate findings from many tools by its fields; a finding in their schema is
//! triaged beside everything else, where a finding in ours would need a parser first. Detection
//! Finding is the class for what a detection engine concludes, and every attribute used here
//! exists since 1.6.0, so consumers pinned to an older 1.x still read what they know.
//!
//! Choices the schema leaves open (the table in `docs/report-formats.md` lists every field):
//! - A finding is about principals, so the principals are its `resources` (role `Target`, typed
//!   by their ARN: `AWS::IAM::Role`), beside the resources it concerns (role `Affected`). No
//!   `actor`: a finding of an analysis has no actor, no activity having taken place.
//! - `time` is when the scan ran (the report's `generatedAt`), so that a lake partitions each
//!   scan's findings together; when Remit first reported the finding is
//!   `finding_info.first_seen_time`, and a finding reported before is an `Update`.
//! - An escalation path is the finding's `finding_info.attack_graph` (its steps are the edges,
//!   labelled by technique), and each piece of evidence one of `evidences`, Remit's own record
//!   in `data`: a policy statement has no OCSF object of its own.
//! - Whether the risk holds outright or under conditions, and who suppressed it until when,
//!   have no attribute: they are in `unmapped`.
//!
//! The objects are built as JSON maps (insertion order kept), never through a fallible step,
//! so that any report renders and the same report renders byte for byte the same.

use std::io::{self, Write};

use serde_json::{Map, Value, json};

use crate::names::{self, Arn};
use crate::{Finding, PathStep, Report, Severity, Timestamp};

/// The OCSF schema version written in each event's `metadata.version`.
pub const OCSF_VERSION: &str = "1.9.0";

/// Detection Finding.
const CLASS_UID: u32 = 2004;
/// Findings.
const CATEGORY_UID: u32 = 2;

/// Each finding of `report` as an OCSF Detection Finding, in the report's order.
pub fn to_ocsf(report: &Report) -> Vec<Value> {
    let generated = Timestamp::parse(report.generated_at.trim()).ok();
    report.findings.iter().map(|f| detection_finding(report, generated, f)).collect()
}

/// Writes [`to_ocsf`]'s objects one per line (NDJSON), as security lakes and SIEM HTTP
/// collectors ingest them.
pub fn write_ocsf_lines<W: Write>(report: &Report, mut writer: W) -> io::Result<()> {
    for event in to_ocsf(report) {
        serde_json::to_writer(&mut writer, &event)?;
        writer.write_all(b"\n")?;
    }
    writer.flush()
}

/// OCSF's `severity_id` and its caption.
fn severity_id(severity: Severity) -> (u8, &'static str) {
    match severity {
        Severity::Info => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

fn detection_finding(report: &Report, generated: Option<Timestamp>, f: &Finding) -> Value {
    let first_seen = f.first_seen.as_deref().and_then(|t| Timestamp::parse(t.trim()).ok());
    let (activity_id, activity) = match (first_seen, generated) {
        (Some(first), Some(now)) if first < now => (2u32, "Update"),
        _ => (1, "Create"),
    };
    let (severity_id, severity) = severity_id(f.severity);
    let mut event = Map::new();
    put(&mut event, "activity_id", activity_id);
    put(&mut event, "activity_name", activity);
    put(&mut event, "category_uid", CATEGORY_UID);
    put(&mut event, "category_name", "Findings");
    put(&mut event, "class_uid", CLASS_UID);
    put(&mut event, "class_name", "Detection Finding");
    put(&mut event, "type_uid", CLASS_UID * 100 + activity_id);
    put(&mut event, "type_name", format!("Detection Finding: {activity}"));
    put(&mut event, "severity_id", severity_id);
    put(&mut event, "severity", severity);
    // A report whose `generatedAt` is not a timestamp (only a hand-edited one) is dated 0: the
    // attribute is required, and no other time says when the scan ran.
    put(&mut event, "time", generated.map_or(0, millis));
    if let Some(t) = generated {
        put(&mut event, "time_dt", t.to_string());
    }
    match &f.suppressed {
        None => {
            put(&mut event, "status_id", 1);
            put(&mut event, "status", "New");
        }
        Some(s) => {
            put(&mut event, "status_id", 3);
            put(&mut event, "status", "Suppressed");
            put(&mut event, "status_detail", s.reason.as_str());
        }
    }
    put(&mut event, "is_alert", f.is_open());
    put(&mut event, "message", f.title.as_str());
    put(&mut event, "metadata", metadata(report));
    put(&mut event, "finding_info", finding_info(report, generated, first_seen, f));
    put(&mut event, "risk_details", f.severity_rationale.as_str());
    let resources: Vec<Value> = (f.principals.iter().map(|p| resource(f, p, 1, "Target")))
        .chain(f.resources.iter().map(|r| resource(f, r, 3, "Affected")))
        .collect();
    if !resources.is_empty() {
        put(&mut event, "resources", resources);
    }
    if !f.evidence.is_empty() {
        let evidences: Vec<Value> =
            f.evidence.iter().map(|e| json!({ "name": e.layer.as_str(), "data": to_value(e) })).collect();
        put(&mut event, "evidences", evidences);
    }
    put(&mut event, "remediation", json!({ "desc": f.remediation.as_str() }));
    put(&mut event, "cloud", cloud(f));
    put(&mut event, "unmapped", unmapped(f));
    Value::Object(event)
}

fn metadata(report: &Report) -> Value {
    json!({
        "product": {
            "name": report.tool.name.as_str(),
            "vendor_name": "Remit",
            "version": report.tool.version.as_str(),
        },
        "version": OCSF_VERSION,
        "profiles": ["cloud", "datetime"],
    })
}

fn finding_info(report: &Report, generated: Option<Timestamp>, first_seen: Option<Timestamp>, f: &Finding) -> Value {
    let mut info = Map::new();
    put(&mut info, "uid", f.id.as_str());
    put(&mut info, "title", f.title.as_str());
    put(&mut info, "desc", description(f));
    let types: Vec<&str> = std::iter::once(f.kind.as_str()).chain(f.categories.iter().map(String::as_str)).collect();
    put(&mut info, "types", types);
    put(
        &mut info,
        "analytic",
        json!({
            "uid": f.rule.as_str(),
            "name": f.rule.as_str(),
            "type_id": 1,
            "type": "Rule",
            "category": f.kind.as_str(),
        }),
    );
    if let Some(created) = first_seen.or(generated) {
        put(&mut info, "created_time", millis(created));
        put(&mut info, "created_time_dt", created.to_string());
    }
    if let Some(first) = first_seen {
        put(&mut info, "first_seen_time", millis(first));
        put(&mut info, "first_seen_time_dt", first.to_string());
    }
    if let Some(last) = generated {
        put(&mut info, "last_seen_time", millis(last));
        put(&mut info, "last_seen_time_dt", last.to_string());
    }
    put(&mut info, "data_sources", [report.source.as_str()]);
    if !f.path.is_empty() {
        put(&mut info, "attack_graph", attack_graph(f));
    }
    Value::Object(info)
}

/// The title, with what a reader of the description alone would miss: the conditions the risk
/// depends on and the path.
fn description(f: &Finding) -> String {
    let mut out = f.title.trim().to_owned();
    let mut sentence = |text: String| {
        if !out.is_empty() && !out.ends_with('.') {
            out.push('.');
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&text);
    };
    if !f.reach.conditions.is_empty() {
        sentence(format!("Holds only when: {}.", f.reach.conditions.join("; ")));
    }
    if let Some(first) = f.path.first() {
        let mut path = first.from.clone();
        for step in &f.path {
            path.push_str(&format!(" -[{}]-> {}", step.technique, step.to));
        }
        sentence(format!("Path: {path}."));
    }
    out
}

/// The path as a graph: each principal once, each step an edge labelled by its technique.
fn attack_graph(f: &Finding) -> Value {
    let mut nodes: Vec<&str> = Vec::new();
    for step in &f.path {
        for p in [step.from.as_str(), step.to.as_str()] {
            if !nodes.contains(&p) {
                nodes.push(p);
            }
        }
    }
    let nodes: Vec<Value> = nodes
        .into_iter()
        .map(|p| {
            let mut node = Map::new();
            put(&mut node, "uid", p);
            put(&mut node, "name", names::label(p).0);
            if let Some(t) = names::type_of(p) {
                put(&mut node, "type", t.ocsf);
            }
            Value::Object(node)
        })
        .collect();
    let edges: Vec<Value> = f.path.iter().enumerate().map(|(i, step)| edge(i, step)).collect();
    json!({
        "uid": format!("{}/path", f.id),
        "name": "Escalation path",
        "type": "privilege-escalation-path",
        "is_directed": true,
        "nodes": nodes,
        "edges": edges,
    })
}

fn edge(i: usize, step: &PathStep) -> Value {
    let mut data = Map::new();
    put(&mut data, "description", step.description.as_str());
    put(&mut data, "permissions", step.permissions.clone());
    put(&mut data, "access", step.reach.access.as_str());
    if !step.reach.conditions.is_empty() {
        put(&mut data, "conditions", step.reach.conditions.clone());
    }
    if !step.evidence.is_empty() {
        put(&mut data, "evidence", step.evidence.iter().map(to_value).collect::<Vec<_>>());
    }
    json!({
        "uid": format!("step-{}", i + 1),
        "name": step.technique.as_str(),
        "relation": "gains the power of",
        "source": step.from.as_str(),
        "target": step.to.as_str(),
        "is_directed": true,
        "data": data,
    })
}

/// A principal or resource the finding names, as a Resource Details object.
fn resource(f: &Finding, name: &str, role_id: u8, role: &str) -> Value {
    let arn = Arn::parse(name);
    let mut out = Map::new();
    put(&mut out, "uid", name);
    put(&mut out, "name", names::label(name).0);
    if let Some(t) = names::type_of(name) {
        put(&mut out, "type", t.ocsf);
    }
    put(&mut out, "role_id", role_id);
    put(&mut out, "role", role);
    if let Some(arn) = arn {
        put(&mut out, "cloud_partition", arn.partition);
        if !arn.region.is_empty() {
            put(&mut out, "region", arn.region);
        }
    }
    let account = arn.map(|a| a.account).filter(|a| !a.is_empty()).or(f.account.as_deref());
    if let Some(account) = account {
        put(&mut out, "owner", json!({ "account": account_object(&f.cloud, account) }));
    }
    Value::Object(out)
}

fn cloud(f: &Finding) -> Value {
    let provider = match f.cloud.as_str() {
        "aws" => "AWS",
        "azure" => "Azure",
        "gcp" => "GCP",
        other => other,
    };
    let mut out = Map::new();
    put(&mut out, "provider", provider);
    if let Some(account) = &f.account {
        put(&mut out, "account", account_object(&f.cloud, account));
    }
    Value::Object(out)
}

/// An Account object: OCSF's `type_id` for the cloud's unit of ownership.
fn account_object(cloud: &str, uid: &str) -> Value {
    let mut out = Map::new();
    put(&mut out, "uid", uid);
    let typed = match cloud {
        "aws" => Some((10, "AWS Account")),
        "azure" => Some((13, "Azure Subscription")),
        "gcp" => Some((11, "GCP Project")),
        _ => None,
    };
    if let Some((id, caption)) = typed {
        put(&mut out, "type_id", id);
        put(&mut out, "type", caption);
    }
    Value::Object(out)
}

fn unmapped(f: &Finding) -> Value {
    let mut out = Map::new();
    put(&mut out, "access", f.reach.access.as_str());
    if !f.reach.conditions.is_empty() {
        put(&mut out, "conditions", f.reach.conditions.clone());
    }
    if let Some(s) = &f.suppressed {
        put(&mut out, "suppressed_by", s.by.as_str());
        if let Some(expires) = &s.expires {
            put(&mut out, "suppression_expires", expires.as_str());
        }
    }
    Value::Object(out)
}

fn millis(t: Timestamp) -> i64 {
    t.unix().saturating_mul(1000)
}

fn put(map: &mut Map<String, Value>, key: &str, value: impl Into<Value>) {
    map.insert(key.to_owned(), value.into());
}

/// Remit's own record of a value, as in the JSON report. Serializing these derived types
/// cannot fail (string keys only); were it to, the error is written in its place rather than
/// the event lost.
fn to_value<T: serde::Serialize>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or_else(|e| Value::String(format!("unserializable: {e}")))
}

#[cfg(test)]
mod tests;
