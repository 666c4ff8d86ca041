//! Checks each finding becomes one Detection Finding that OCSF 1.9.0 accepts, mapped as
//! `docs/report-formats.md` says, and that output does not vary between runs.

use serde_json::Value;

use super::*;
use crate::sample;

/// A JSON type as OCSF's dictionary types map to JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Json {
    /// `integer_t`, `long_t`, `timestamp_t`.
    Int,
    /// `string_t`, `datetime_t`.
    Str,
    /// `boolean_t`.
    Bool,
    /// An object.
    Obj,
    /// An array of objects.
    Objs,
    /// An array of strings.
    Strs,
}

/// The attributes OCSF 1.9.0 requires of a Detection Finding with the `cloud` profile applied
/// (the base event's, the Finding's and the profile's), and of the objects they hold, by path.
/// From the schema: `base_event` (activity_id, category_uid, class_uid, metadata, severity_id,
/// time, type_uid), `finding` (finding_info), the `cloud` profile (cloud), `metadata` (product,
/// version), `finding_info` (uid), `cloud` (provider).
const REQUIRED: &[(&str, Json)] = &[
    ("activity_id", Json::Int),
    ("category_uid", Json::Int),
    ("class_uid", Json::Int),
    ("cloud", Json::Obj),
    ("cloud.provider", Json::Str),
    ("finding_info", Json::Obj),
    ("finding_info.uid", Json::Str),
    ("metadata", Json::Obj),
    ("metadata.product", Json::Obj),
    ("metadata.version", Json::Str),
    ("severity_id", Json::Int),
    ("time", Json::Int),
    ("type_uid", Json::Int),
];

/// What Remit always writes beyond the required: the recommended attributes it has a value for.
const ALWAYS: &[(&str, Json)] = &[
    ("activity_name", Json::Str),
    ("category_name", Json::Str),
    ("class_name", Json::Str),
    ("type_name", Json::Str),
    ("severity", Json::Str),
    ("status_id", Json::Int),
    ("status", Json::Str),
    ("is_alert", Json::Bool),
    ("message", Json::Str),
    ("time_dt", Json::Str),
    ("metadata.product.name", Json::Str),
    ("metadata.product.vendor_name", Json::Str),
    ("metadata.product.version", Json::Str),
    ("metadata.profiles", Json::Strs),
    ("finding_info.title", Json::Str),
    ("finding_info.desc", Json::Str),
    ("finding_info.types", Json::Strs),
    ("finding_info.analytic", Json::Obj),
    ("finding_info.analytic.type_id", Json::Int),
    ("finding_info.analytic.uid", Json::Str),
    ("finding_info.created_time", Json::Int),
    ("finding_info.last_seen_time", Json::Int),
    ("finding_info.data_sources", Json::Strs),
    ("risk_details", Json::Str),
    ("resources", Json::Objs),
    ("remediation", Json::Obj),
    ("remediation.desc", Json::Str),
    ("unmapped", Json::Obj),
];

fn get<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |v, key| match key.parse::<usize>() {
        Ok(i) => v.get(i),
        Err(_) => v.get(key),
    })
}

fn is(value: &Value, json: Json) -> bool {
    match json {
        Json::Int => value.is_i64() || value.is_u64(),
        Json::Str => value.is_string(),
        Json::Bool => value.is_boolean(),
        Json::Obj => value.is_object(),
        Json::Objs => value.as_array().is_some_and(|a| a.iter().all(Value::is_object)),
        Json::Strs => value.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
    }
}

fn int(value: &Value, path: &str) -> i64 {
    get(value, path).and_then(Value::as_i64).unwrap_or_else(|| panic!("{path} in {value}"))
}

fn text<'a>(value: &'a Value, path: &str) -> &'a str {
    get(value, path).and_then(Value::as_str).unwrap_or_else(|| panic!("{path} in {value}"))
}

#[test]
fn every_finding_is_a_valid_detection_finding() {
    let report = sample::report();
    let events = to_ocsf(&report);
    assert_eq!(events.len(), report.findings.len());
    for (event, finding) in events.iter().zip(&report.findings) {
        for (path, json) in REQUIRED.iter().chain(ALWAYS) {
            let value = get(event, path).unwrap_or_else(|| panic!("{} has no {path}", finding.id));
            assert!(is(value, *json), "{}: {path} is {value}, not {json:?}", finding.id);
        }
        assert_eq!(int(event, "class_uid"), 2004);
        assert_eq!(int(event, "category_uid"), 2);
        assert_eq!(int(event, "type_uid"), 2004 * 100 + int(event, "activity_id"));
        assert!([1, 2].contains(&int(event, "activity_id")));
        assert_eq!(text(event, "metadata.version"), OCSF_VERSION);
        assert_eq!(text(event, "finding_info.uid"), finding.id.as_str());
        assert_eq!(text(event, "finding_info.title"), finding.title);
        assert_eq!(text(event, "remediation.desc"), finding.remediation);
        assert_eq!(text(event, "cloud.provider"), "AWS");
        assert_eq!(text(event, "finding_info.analytic.uid"), finding.rule);
        assert_eq!(
            get(event, "finding_info.types").and_then(|t| t.get(0)).and_then(Value::as_str),
            Some(finding.kind.as_str())
        );
        assert_eq!(int(event, "time"), 1_796_555_834_000, "2026-12-06T11:17:14Z");
        // Objects' own requirements and constraints: a resource has a name or uid; evidence
        // has one of the attributes OCSF asks at least one of (Remit's record in `data`); a
        // graph has nodes with uids and edges with both ends.
        let resources = get(event, "resources").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
        assert_eq!(resources.len(), finding.principals.len() + finding.resources.len());
        for r in resources {
            assert!(r.get("uid").is_some_and(Value::is_string) && r.get("name").is_some_and(Value::is_string), "{r}");
            assert!([1, 3].contains(&int(r, "role_id")), "{r}");
        }
        for e in get(event, "evidences").and_then(Value::as_array).map_or(&[][..], Vec::as_slice) {
            assert!(e.get("data").is_some_and(Value::is_object), "{e}");
        }
        match get(event, "finding_info.attack_graph") {
            None => assert!(finding.path.is_empty(), "{}", finding.id),
            Some(graph) => {
                let nodes = get(graph, "nodes").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
                let edges = get(graph, "edges").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
                assert!(!nodes.is_empty() && nodes.iter().all(|n| n.get("uid").is_some_and(Value::is_string)));
                assert_eq!(edges.len(), finding.path.len());
                for (edge, step) in edges.iter().zip(&finding.path) {
                    assert_eq!((text(edge, "source"), text(edge, "target")), (step.from.as_str(), step.to.as_str()));
                    assert_eq!(text(edge, "name"), step.technique);
                    assert!(nodes.iter().any(|n| n.get("uid") == edge.get("target")));
                }
            }
        }
    }
}

#[test]
fn severity_and_status_map_to_ocsf_ids() {
    let report = sample::report();
    let events = to_ocsf(&report);
    for (event, finding) in events.iter().zip(&report.findings) {
        let expected = match finding.severity {
            Severity::Info => (1, "Informational"),
            Severity::Low => (2, "Low"),
            Severity::Medium => (3, "Medium"),
            Severity::High => (4, "High"),
            Severity::Critical => (5, "Critical"),
        };
        assert_eq!((int(event, "severity_id"), text(event, "severity")), expected);
        match &finding.suppressed {
            None => {
                assert_eq!((int(event, "status_id"), text(event, "status")), (1, "New"));
                assert_eq!(get(event, "is_alert"), Some(&Value::Bool(true)));
                assert!(get(event, "status_detail").is_none());
            }
            Some(s) => {
                assert_eq!((int(event, "status_id"), text(event, "status")), (3, "Suppressed"));
                assert_eq!(text(event, "status_detail"), s.reason);
                assert_eq!(text(event, "unmapped.suppressed_by"), s.by);
                assert_eq!(get(event, "is_alert"), Some(&Value::Bool(false)));
            }
        }
    }
    let suppressed = report.findings.iter().filter(|f| !f.is_open()).count();
    assert!(suppressed >= 2 && suppressed < report.findings.len(), "the sample covers both");
}

#[test]
fn principals_are_typed_resources_and_times_say_when_first_seen() {
    let report = sample::report();
    let events = to_ocsf(&report);
    let first = &events[0];
    let alice = &report.findings[0];
    assert_eq!(alice.rule, "aws-admin-equivalent");
    let principal = get(first, "resources").and_then(|r| r.get(0)).unwrap_or(&Value::Null);
    assert_eq!(text(principal, "uid"), "arn:aws:iam::111122223333:user/alice");
    assert_eq!(text(principal, "name"), "alice");
    assert_eq!(text(principal, "type"), "AWS::IAM::User");
    assert_eq!((int(principal, "role_id"), text(principal, "role")), (1, "Target"));
    assert_eq!(text(principal, "cloud_partition"), "aws");
    assert_eq!(text(principal, "owner.account.uid"), sample::ACCOUNT);
    assert_eq!(int(principal, "owner.account.type_id"), 10);
    assert_eq!(text(first, "cloud.account.uid"), sample::ACCOUNT);
    // Reported before this scan: an update, first seen then.
    assert_eq!((int(first, "activity_id"), text(first, "type_name")), (2, "Detection Finding: Update"));
    assert_eq!(int(first, "finding_info.first_seen_time"), 1_793_606_400_000, "2026-11-02T08:00:00Z");
    assert_eq!(int(first, "finding_info.created_time"), 1_793_606_400_000);
    // Never seen before: created now.
    let new = events.iter().find(|e| get(e, "finding_info.first_seen_time").is_none()).unwrap_or(&Value::Null);
    assert_eq!(int(new, "activity_id"), 1);
    assert_eq!(int(new, "finding_info.created_time"), int(new, "time"));

    let public =
        events.iter().find(|e| text(e, "finding_info.analytic.uid") == "aws-public-resource").unwrap_or(&Value::Null);
    let kinds: Vec<(&str, &str, i64)> = (get(public, "resources").and_then(Value::as_array).into_iter().flatten())
        .map(|r| (text(r, "uid"), text(r, "type"), int(r, "role_id")))
        .collect();
    assert_eq!(kinds, [("*", "Anyone", 1), ("arn:aws:s3:::public-data", "AWS::S3::Bucket", 3)]);

    let conditional = events.iter().find(|e| text(e, "unmapped.access") == "conditional").unwrap_or(&Value::Null);
    assert!(text(conditional, "finding_info.desc").contains("Holds only when: aws:SourceIp IpAddress 10.0.0.0/8."));
    assert!(text(conditional, "finding_info.desc").contains("-[lambda-passrole-create-function]->"));
    let root =
        events.iter().find(|e| text(e, "finding_info.analytic.uid") == "aws-root-no-mfa").unwrap_or(&Value::Null);
    assert!(get(root, "cloud.account").is_none(), "no account on the finding: none invented");
    assert_eq!(text(root, "resources.0.type"), "AWS::Account");
}

#[test]
fn output_is_deterministic_ndjson() {
    let report = sample::report();
    let mut first = Vec::new();
    write_ocsf_lines(&report, &mut first).unwrap();
    let mut second = Vec::new();
    write_ocsf_lines(&report.clone(), &mut second).unwrap();
    assert_eq!(first, second);
    let text = String::from_utf8(first).unwrap();
    assert!(text.ends_with('\n'));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), report.findings.len());
    for (line, event) in lines.iter().zip(to_ocsf(&report)) {
        let parsed: Value = serde_json::from_str(line).unwrap();
        assert_eq!(parsed, event);
        // Key order is the order written, the class's identity first.
        assert!(line.starts_with("{\"activity_id\":"), "{line}");
    }
}

#[test]
fn odd_reports_still_render() {
    let mut report = sample::report();
    report.generated_at = "not a time".to_owned();
    for f in &mut report.findings {
        f.first_seen = Some("yesterday".to_owned());
        f.cloud = "oci".to_owned();
        f.principals.push(String::new());
        f.title = String::new();
    }
    let events = to_ocsf(&report);
    assert_eq!(events.len(), report.findings.len());
    for event in &events {
        assert_eq!(int(event, "time"), 0);
        assert_eq!(int(event, "activity_id"), 1);
        assert!(get(event, "time_dt").is_none() && get(event, "finding_info.created_time").is_none());
        assert_eq!(text(event, "cloud.provider"), "oci");
    }
    let empty = crate::Report::new(report.tool.clone(), String::new(), String::new(), 0, Vec::new());
    assert!(to_ocsf(&empty).is_empty());
    let mut out = Vec::new();
    write_ocsf_lines(&empty, &mut out).unwrap();
    assert!(out.is_empty());
}
