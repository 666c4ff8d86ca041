//! Cloud Audit Logs in their export shapes, each mapping rule positive and negative.
//!
//! Fixture shapes: the LogEntry with an `AuditLog` payload of
//! <https://cloud.google.com/logging/docs/audit/understanding-audit-logs> (its sample entry),
//! the `AuditLog` message (<https://cloud.google.com/logging/docs/reference/audit/auditlog/rest/Shared.Types/AuditLog>),
//! `gcloud logging read --format=json` (a JSON array of entries), Cloud Storage sinks (one entry
//! per line, <https://cloud.google.com/logging/docs/export/storage>) and BigQuery exports
//! (`protopayload_auditlog`, <https://cloud.google.com/logging/docs/export/bigquery>).
#![allow(clippy::unwrap_used)]

use std::io::Write;

use remit_activity::{CallerKind, IdentityKind};
use remit_gcp_activity::{Input, Read, read_file, read_files, read_paths};
use serde_json::{Value, json};

const VM: &str = "projects/my-project/zones/us-central1-a/instances/vm-1";

fn entry(principal: Value, method: &str, status: Value, authorization: Option<Value>, log: &str) -> Value {
    let mut payload = json!({
        "@type": "type.googleapis.com/google.cloud.audit.AuditLog",
        "status": status,
        "authenticationInfo": principal,
        "requestMetadata": {
            "callerIp": "203.0.113.10",
            "callerSuppliedUserAgent": "google-cloud-sdk gcloud/290.0.1 command/gcloud.compute.instances.create",
            "requestAttributes": {"time": "2021-03-18T18:38:34.926563Z", "auth": {}},
            "destinationAttributes": {}
        },
        "serviceName": "compute.googleapis.com",
        "methodName": method,
        "resourceName": VM,
        "request": {"@type": "type.googleapis.com/compute.instances.insert", "name": "vm-1"},
        "resourceLocation": {"currentLocations": ["us-central1-a"]}
    });
    if let Some(authorization) = authorization {
        payload["authorizationInfo"] = authorization;
    }
    json!({
        "protoPayload": payload,
        "insertId": "-ql1ykte1cyi",
        "resource": {"type": "gce_instance", "labels": {"instance_id": "4615491000000000000", "zone": "us-central1-a", "project_id": "my-project"}},
        "timestamp": "2021-03-18T18:38:33.898264Z",
        "severity": "NOTICE",
        "logName": format!("projects/my-project/logs/cloudaudit.googleapis.com%2F{log}"),
        "operation": {"id": "operation-1616092713", "producer": "compute.googleapis.com", "first": true},
        "receiveTimestamp": "2021-03-18T18:38:34.933290209Z"
    })
}

fn alice() -> Value {
    json!({"principalEmail": "alice@example.com", "principalSubject": "user:alice@example.com"})
}

fn insert(principal: Value) -> Value {
    entry(
        principal,
        "v1.compute.instances.insert",
        json!({}),
        Some(json!([
            {"permission": "compute.instances.create", "granted": true, "resourceAttributes": {"service": "compute", "name": VM, "type": "compute.instances"}},
            {"resource": "projects/my-project/zones/us-central1-a/disks/vm-1", "permission": "compute.disks.create", "granted": true, "resourceAttributes": {}},
            {"resource": "projects/my-project/global/networks/default", "permission": "compute.networks.use", "granted": true}
        ])),
        "activity",
    )
}

fn read_array(entries: &[Value]) -> Read {
    read_file("entries.json", Value::Array(entries.to_vec()).to_string().as_bytes())
}

#[test]
fn every_granted_check_is_usage_of_the_user_member() {
    let read = read_array(&[insert(alice())]);
    assert!(read.issues.is_empty(), "{:?}", read.issues);
    assert_eq!((read.stats.usage, read.stats.checks), (1, 3));
    let usage = read.rollups.usage();
    let names: Vec<(&str, &str, &str)> = usage.iter().map(|u| (&*u.principal, &*u.action, &*u.resource)).collect();
    assert_eq!(
        names,
        [
            ("user:alice@example.com", "compute.disks.create", "projects/my-project/zones/us-central1-a/disks/vm-1"),
            ("user:alice@example.com", "compute.instances.create", VM),
            ("user:alice@example.com", "compute.networks.use", "projects/my-project/global/networks/default"),
        ]
    );
    assert!(usage.iter().all(|u| u.counts.allowed == 1 && u.counts.first_seen == 1_616_092_713));
    let principals = read.rollups.principals();
    assert_eq!((principals[0].kind, &*principals[0].account), (CallerKind::User, "projects/my-project"));
    let coverage = read.rollups.coverage();
    assert_eq!((&*coverage[0].account, &*coverage[0].region), ("projects/my-project", "activity"));
}

#[test]
fn denied_checks_are_denied_and_granted_ones_of_a_denied_call_are_used() {
    let denied = entry(
        alice(),
        "storage.buckets.get",
        json!({"code": 7, "message": "PERMISSION_DENIED"}),
        Some(json!([
            {"resource": "projects/_/buckets/secret", "permission": "storage.buckets.get", "resourceAttributes": {}},
            {"resource": "projects/_/buckets/secret", "permission": "storage.buckets.getIamPolicy", "granted": false}
        ])),
        "data_access",
    );
    let mixed = entry(
        alice(),
        "v1.compute.instances.insert",
        json!({"code": 7, "message": "Required 'compute.subnetworks.use' permission"}),
        Some(json!([
            {"resource": VM, "permission": "compute.instances.create", "granted": true},
            {"resource": "projects/my-project/regions/us-central1/subnetworks/s", "permission": "compute.subnetworks.use"}
        ])),
        "activity",
    );
    let read = read_array(&[denied, mixed]);
    assert!(read.issues.is_empty(), "{:?}", read.issues);
    let usage = read.rollups.usage();
    let outcome = |p: &str| {
        usage.iter().find(|u| &*u.action == p).map(|u| (u.counts.allowed, u.counts.denied, u.counts.failed)).unwrap()
    };
    assert_eq!(outcome("storage.buckets.get"), (0, 1, 0));
    assert_eq!(outcome("storage.buckets.getIamPolicy"), (0, 1, 0));
    assert_eq!(outcome("compute.instances.create"), (0, 0, 1), "granted but the call failed: used");
    assert_eq!(outcome("compute.subnetworks.use"), (0, 1, 0));
    assert_eq!(read.rollups.principals()[0].counts.denied, 2);
}

#[test]
fn the_delegation_chain_names_who_was_behind_the_service_account() {
    let impersonated = insert(json!({
        "principalEmail": "deployer@my-project.iam.gserviceaccount.com",
        "serviceAccountDelegationInfo": [
            {"firstPartyPrincipal": {"principalEmail": "alice@example.com"}},
            {"firstPartyPrincipal": {"principalEmail": "hop@my-project.iam.gserviceaccount.com"}}
        ],
        "principalSubject": "serviceAccount:deployer@my-project.iam.gserviceaccount.com"
    }));
    let read = read_array(&[impersonated]);
    let member = "serviceAccount:deployer@my-project.iam.gserviceaccount.com";
    assert_eq!(&*read.rollups.usage()[0].principal, member);
    assert_eq!(read.rollups.principals()[0].kind, CallerKind::Role);
    let identities = read.rollups.identities();
    assert_eq!(identities.len(), 1);
    assert_eq!(
        (&*identities[0].principal, identities[0].kind, &*identities[0].identity),
        (member, IdentityKind::SourceIdentity, "user:alice@example.com")
    );
    // Without delegation nobody is recorded behind the call.
    assert!(read_array(&[insert(alice())]).rollups.identities().is_empty());
}

#[test]
fn workforce_identities_are_named_by_their_subject() {
    let subject = "principal://iam.googleapis.com/locations/global/workforcePools/pool/subject/alice";
    let read = read_array(&[insert(json!({"principalSubject": subject}))]);
    assert_eq!(&*read.rollups.usage()[0].principal, subject);
    assert_eq!(read.rollups.principals()[0].kind, CallerKind::FederatedUser);
}

#[test]
fn calls_without_authorization_info_are_unmapped_never_dropped() {
    let restart = entry(
        json!({"principalEmail": "system@google.com"}),
        "compute.instances.automaticRestart",
        json!({}),
        None,
        "system_event",
    );
    let read = read_array(&[restart]);
    assert!(read.issues.is_empty());
    assert_eq!((read.stats.unmapped, read.stats.usage), (1, 0));
    let unmapped = read.rollups.unmapped();
    assert_eq!(
        (&*unmapped[0].source, &*unmapped[0].name),
        ("compute.googleapis.com", "compute.instances.automaticRestart")
    );
    // An empty list is no checks either.
    let empty = entry(alice(), "v1.compute.instances.get", json!({}), Some(json!([])), "data_access");
    assert_eq!(read_array(&[empty]).stats.unmapped, 1);
    // The last entry of a long-running operation is its end, not another unmapped call.
    let mut end = entry(alice(), "v1.compute.instances.insert", json!({}), None, "activity");
    end["operation"] = json!({"id": "operation-1616092713", "producer": "compute.googleapis.com", "last": true});
    let read = read_array(&[insert(alice()), end]);
    assert_eq!((read.stats.unmapped, read.stats.operation_ends, read.stats.usage), (0, 1, 1));
}

#[test]
fn ndjson_gzip_and_bigquery_shapes_are_read_alike() {
    let text: String = [insert(alice()), insert(alice())].iter().map(|e| format!("{e}\n")).collect();
    let lines = read_file("sink.json", text.as_bytes());
    assert!(lines.issues.is_empty(), "{:?}", lines.issues);
    assert_eq!(lines.stats.usage, 2);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    let zipped = read_file("sink.json.gz", &gz.finish().unwrap());
    assert_eq!(zipped.rollups.usage(), lines.rollups.usage());
    // BigQuery: snake_case payload column, its timestamp format, INT64 as a string.
    let bq = json!({
        "logName": "projects/my-project/logs/cloudaudit.googleapis.com%2Factivity",
        "resource": {"type": "gce_instance", "labels": {"project_id": "my-project"}},
        "timestamp": "2021-03-18 18:38:33.898264 UTC",
        "protopayload_auditlog": {
            "serviceName": "compute.googleapis.com", "methodName": "v1.compute.instances.insert", "resourceName": VM,
            "status": {"code": "0"},
            "authenticationInfo": {"principalEmail": "alice@example.com"},
            "authorizationInfo": [{"resource": VM, "permission": "compute.instances.create", "granted": true}]
        }
    });
    let read = read_file("bq.json", format!("{bq}\n").as_bytes());
    assert!(read.issues.is_empty(), "{:?}", read.issues);
    assert_eq!(read.rollups.usage()[0].counts.first_seen, 1_616_092_713);
    // The entries.list response wraps them in "entries".
    let wrapped = json!({"entries": [insert(alice())], "nextPageToken": "x"});
    assert_eq!(read_file("list.json", wrapped.to_string().as_bytes()).stats.usage, 1);
}

#[test]
fn entries_that_are_not_audit_logs_are_counted_apart() {
    let text =
        json!({"textPayload": "hello", "timestamp": "2021-03-18T18:38:33Z", "logName": "projects/p/logs/stdout"});
    let mut other = insert(alice());
    other["protoPayload"]["@type"] = json!("type.googleapis.com/google.appengine.logging.v1.RequestLog");
    let read = read_array(&[text, other]);
    assert_eq!((read.stats.other_entries, read.stats.usage, read.issues.len()), (2, 0, 0));
}

#[test]
fn damaged_input_is_reported_with_where() {
    let good = insert(alice());
    let cut = format!("[\n{good},\n{{\"protoPayload\": {{\"serviceName\"");
    let read = read_file("cut.json", cut.as_bytes());
    assert_eq!(read.stats.usage, 1);
    assert!(!read.stats.complete);
    assert_eq!(read.issues[0].line, Some(3));
    // Wrong types: authorizationInfo an object, granted a string, status.code a word.
    let mut wrong = insert(alice());
    wrong["protoPayload"]["authorizationInfo"] = json!({"permission": "x"});
    let mut granted = insert(alice());
    granted["protoPayload"]["authorizationInfo"][0]["granted"] = json!("yes");
    let mut code = insert(alice());
    code["protoPayload"]["status"] = json!({"code": "seven"});
    let mut nobody = insert(alice());
    nobody["protoPayload"]["authenticationInfo"] = json!({});
    let text: String = [good.clone(), wrong, granted, code, nobody].iter().map(|e| format!("{e}\n")).collect();
    let read = read_file("sink.json", text.as_bytes());
    assert_eq!((read.stats.usage, read.stats.malformed), (1, 4));
    let lines: Vec<Option<u64>> = read.issues.iter().map(|i| i.line).collect();
    assert_eq!(lines, [Some(2), Some(3), Some(4), Some(5)]);
    assert!(read.issues[0].message.contains("authorizationInfo is not an array"));
    assert!(read.issues[1].message.contains("granted"));
    assert!(read.issues[3].message.contains("names no principal"));
    assert!(read.stats.complete);
    let read = read_file(
        "time.json",
        format!("{}\n", json!({"protoPayload": {"methodName": "m"}, "timestamp": 5})).as_bytes(),
    );
    assert!(read.issues[0].message.contains("timestamp"));
}

#[test]
fn many_files_on_every_core_equal_one_after_another() {
    let inputs: Vec<Input> = (0..10)
        .map(|i| {
            let mut e = insert(alice());
            e["timestamp"] = json!(format!("2021-03-{:02}T00:00:00Z", i + 1));
            Input { location: format!("f{i}.json"), bytes: json!([e]).to_string().into_bytes() }
        })
        .collect();
    let all = read_files(&inputs);
    let mut one = Read::default();
    for input in &inputs {
        one.merge(read_file(&input.location, &input.bytes));
    }
    assert_eq!(all.rollups.usage(), one.rollups.usage());
    assert_eq!(all.stats, one.stats);
    assert_eq!(all.rollups.usage()[0].counts.allowed, 10);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.json");
    std::fs::write(&path, &inputs[0].bytes).unwrap();
    let read = read_paths(&[path, dir.path().join("missing.json")]);
    assert_eq!(read.stats.usage, 1);
    assert!(!read.stats.complete);
    assert!(read.issues[0].message.contains("cannot be read"));
}
