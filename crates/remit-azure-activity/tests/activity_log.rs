//! The Azure Activity Log in its export shapes, each mapping rule positive and negative.
//!
//! Fixture shapes follow the Activity Log schema page
//! (<https://learn.microsoft.com/azure/azure-monitor/essentials/activity-log-schema>): its
//! "Administrative" REST sample (what `az monitor activity-log list` prints) and its "Schema
//! from storage account and event hubs" sample (diagnostic-setting export), and the Log
//! Analytics `AzureActivity` table reference
//! (<https://learn.microsoft.com/azure/azure-monitor/reference/tables/azureactivity>).
#![allow(clippy::unwrap_used)]

use std::io::Write;

use remit_activity::{CallerKind, Outcome};
use remit_azure_activity::{ACTIVITY_STREAM, Input, read_file, read_files, read_paths};
use serde_json::{Value, json};

const SUB: &str = "00000000-1111-2222-3333-444444444444";
const ROB: &str = "a0a0a0a0-bbbb-cccc-dddd-e1e1e1e1e1e1";
const APP: &str = "c3c3c3c3-0000-4000-8000-000000000003";
const OID: &str = "http://schemas.microsoft.com/identity/claims/objectidentifier";
const UPN: &str = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn";

fn nsg() -> String {
    format!(
        "/subscriptions/{SUB}/resourcegroups/myResourceGroup/providers/Microsoft.Network/networkSecurityGroups/myNSG"
    )
}

fn rob_claims() -> Value {
    json!({
        "aud": "https://management.core.windows.net/",
        "iss": "https://sts.windows.net/1114444b-7467-4144-a616-e3a5d63e147b/",
        "appid": "355249ed-15d9-460d-8481-84026b065942",
        "appidacr": "2",
        "name": "Rob Robertson",
        OID: ROB,
        "http://schemas.microsoft.com/identity/claims/scope": "user_impersonation",
        "http://schemas.microsoft.com/identity/claims/tenantid": "aaaabbbb-0000-cccc-1111-dddd2222eeee",
        "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name": "rob@contoso.com",
        UPN: "rob@contoso.com",
        "ver": "1.0"
    })
}

/// An event of the REST shape (the schema page's Administrative sample).
fn rest(status: &str, sub_status: &str, operation_id: &str, time: &str, action: Option<&str>) -> Value {
    let mut event = json!({
        "caller": "rob@contoso.com",
        "channels": "Operation",
        "claims": rob_claims(),
        "correlationId": "b5768deb-836b-41cc-803e-3f4de2f9e40b",
        "description": "",
        "eventDataId": "d0d36f97-b29c-4cd9-9d3d-ea2b92af3e9d",
        "eventName": {"value": "EndRequest", "localizedValue": "End request"},
        "category": {"value": "Administrative", "localizedValue": "Administrative"},
        "eventTimestamp": time,
        "id": format!("{}/events/d0d36f97/ticks/636528553513810679", nsg()),
        "level": "Informational",
        "operationId": operation_id,
        "operationName": {"value": "Microsoft.Network/networkSecurityGroups/write", "localizedValue": "Microsoft.Network/networkSecurityGroups/write"},
        "resourceGroupName": "myResourceGroup",
        "resourceProviderName": {"value": "Microsoft.Network", "localizedValue": "Microsoft.Network"},
        "resourceType": {"value": "Microsoft.Network/networkSecurityGroups", "localizedValue": "Microsoft.Network/networkSecurityGroups"},
        "resourceId": nsg(),
        "status": {"value": status, "localizedValue": status},
        "subStatus": {"value": sub_status, "localizedValue": sub_status},
        "submissionTimestamp": "2018-01-29T20:42:50.0724829Z",
        "subscriptionId": SUB,
        "properties": {"statusCode": "Created", "serviceRequestId": "a4c11dbd-697e-47c5-9663-12362307157d"},
        "relatedEvents": []
    });
    if let Some(action) = action {
        event["authorization"] = json!({"action": action, "scope": nsg()});
    }
    event
}

/// A record of the diagnostic-setting export (the schema page's storage sample), with the
/// role assignment evidence real records carry.
fn diagnostic(result: &str, signature: &str, evidence_type: &str) -> Value {
    let scope = format!(
        "/subscriptions/{SUB}/resourceGroups/MSSupportGroup/providers/microsoft.support/supporttickets/115012112305841"
    );
    json!({
        "time": "2019-01-21T22:14:26.9792776Z",
        "resourceId": scope.to_ascii_uppercase(),
        "operationName": "MICROSOFT.SUPPORT/SUPPORTTICKETS/WRITE",
        "category": "Administrative",
        "resultType": result,
        "resultSignature": signature,
        "durationMs": "2826",
        "callerIpAddress": "111.111.111.11",
        "correlationId": "c776f9f4-36e5-4e0e-809b-c9b3c3fb9785",
        "identity": {
            "authorization": {
                "scope": scope,
                "action": "microsoft.support/supporttickets/write",
                "evidence": {
                    "role": "Contributor",
                    "roleAssignmentScope": format!("/subscriptions/{SUB}"),
                    "roleAssignmentId": "7f7c8a2b1d5e4c3a9b8d7e6f5a4b3c2d",
                    "roleDefinitionId": "b24988ac618042a0ab8820f7382dd24c",
                    "principalId": if evidence_type == "Group" { "dddddddd0000400080000000000000dd" } else { "a0a0a0a0bbbbccccdddde1e1e1e1e1e1" },
                    "principalType": evidence_type
                }
            },
            "claims": rob_claims()
        },
        "level": "Information",
        "location": "global",
        "properties": {"statusCode": "Created", "serviceRequestId": "50d5cddb-8ca0-47ad-9b80-6cde2207f97c", "eventCategory": "Administrative", "entity": scope, "hierarchy": ""}
    })
}

fn lines(records: &[Value]) -> String {
    records.iter().map(|r| format!("{r}\n")).collect()
}

#[test]
fn rest_array_counts_an_operation_once_by_its_terminal_event() {
    let action = "Microsoft.Network/networkSecurityGroups/write";
    let file = json!([
        rest("Started", "", "op-1", "2018-01-29T20:42:01.0000000Z", Some(action)),
        rest("Succeeded", "Created", "op-1", "2018-01-29T20:42:31.3810679Z", Some(action)),
    ]);
    let read = read_file("rest.json", file.to_string().as_bytes());
    assert!(read.issues.is_empty(), "{:?}", read.issues);
    assert_eq!((read.stats.records, read.stats.usage, read.stats.paired), (2, 1, 1));
    let usage = read.rollups.usage();
    assert_eq!(usage.len(), 1);
    assert_eq!(&*usage[0].principal, ROB);
    assert_eq!(&*usage[0].action, action);
    assert_eq!(&*usage[0].resource, nsg().to_ascii_lowercase());
    assert_eq!((usage[0].counts.allowed, usage[0].counts.first_seen), (1, 1_517_258_551));
    let principals = read.rollups.principals();
    assert_eq!(
        (principals[0].kind, &*principals[0].account),
        (CallerKind::User, "aaaabbbb-0000-cccc-1111-dddd2222eeee")
    );
    assert_eq!(&*read.rollups.coverage()[0].account, SUB);
    assert_eq!(&*read.rollups.coverage()[0].region, ACTIVITY_STREAM);
    // The same pair with the terminal event first is counted the same.
    let reversed = json!([
        rest("Succeeded", "Created", "op-1", "2018-01-29T20:42:31Z", Some(action)),
        rest("Started", "", "op-1", "2018-01-29T20:42:01Z", Some(action)),
    ]);
    let read = read_file("rest.json", reversed.to_string().as_bytes());
    assert_eq!((read.stats.usage, read.stats.paired), (1, 1));
}

#[test]
fn a_started_event_whose_end_is_elsewhere_is_counted() {
    let action = "Microsoft.Network/networkSecurityGroups/write";
    let file = json!([
        rest("Started", "", "op-1", "2018-01-29T20:42:01Z", Some(action)),
        rest("Succeeded", "Created", "op-2", "2018-01-29T20:42:31Z", Some(action)),
    ]);
    let read = read_file("rest.json", file.to_string().as_bytes());
    assert_eq!((read.stats.usage, read.stats.paired), (2, 0));
    assert_eq!(read.rollups.usage()[0].counts.allowed, 2);
}

#[test]
fn authorization_failures_are_denied_and_other_failures_failed() {
    let action = "Microsoft.Network/networkSecurityGroups/write";
    let mut refused = rest("Failed", "Forbidden", "op-1", "2018-01-29T20:42:31Z", Some(action));
    refused["properties"] = json!({"statusCode": "Forbidden", "statusMessage": "{\"error\":{\"code\":\"AuthorizationFailed\",\"message\":\"The client does not have authorization\"}}"});
    let mut conflict = rest("Failed", "Conflict", "op-2", "2018-01-29T20:43:31Z", Some(action));
    conflict["properties"] =
        json!({"statusCode": "Conflict", "statusMessage": "{\"error\":{\"code\":\"InUseSubnetCannotBeDeleted\"}}"});
    let read = read_file("rest.json", json!([refused, conflict]).to_string().as_bytes());
    let counts = read.rollups.usage()[0].counts;
    assert_eq!((counts.allowed, counts.denied, counts.failed), (0, 1, 1));
    // Only AuthorizationFailed / 403 is a refusal: an HTTP 403 status code alone is one too.
    let mut forbidden = rest("Failed", "", "op-3", "2018-01-29T20:44:31Z", Some(action));
    forbidden["properties"] = json!({"statusCode": "403"});
    let read = read_file("rest.json", json!([forbidden]).to_string().as_bytes());
    assert_eq!(read.rollups.usage()[0].counts.denied, 1);
}

#[test]
fn events_without_an_action_are_unmapped_never_dropped() {
    let health = json!({
        "channels": "Admin", "correlationId": "c550176b-8f52-4380-bdc5-36c1b59d3a44", "description": "Active: Network Infrastructure - UK South",
        "eventDataId": "c5bc4514-6642-2be3-453e-c6a67841b073", "eventName": {"value": null},
        "category": {"value": "ServiceHealth", "localizedValue": "Service Health"},
        "eventTimestamp": "2017-07-20T23:30:14.8022297Z", "id": format!("/subscriptions/{SUB}/events/c5bc4514/ticks/636361902148022297"),
        "level": "Warning", "operationName": {"value": "Microsoft.ServiceHealth/incident/action", "localizedValue": "Microsoft.ServiceHealth/incident/action"},
        "resourceProviderName": {"value": null}, "resourceType": {"value": null, "localizedValue": ""},
        "resourceId": format!("/subscriptions/{SUB}"), "status": {"value": "Active", "localizedValue": "Active"},
        "subStatus": {"value": null}, "submissionTimestamp": "2017-07-20T23:30:34.7431946Z", "subscriptionId": SUB,
        "properties": {"title": "Network Infrastructure - UK South", "service": "Service Fabric", "region": "UK South"}
    });
    let read = read_file("health.json", json!([health]).to_string().as_bytes());
    assert!(read.issues.is_empty());
    assert_eq!((read.stats.unmapped, read.stats.usage), (1, 0));
    let unmapped = read.rollups.unmapped();
    assert_eq!(
        (&*unmapped[0].source, &*unmapped[0].name),
        ("ServiceHealth", "Microsoft.ServiceHealth/incident/action")
    );
    assert!(read.rollups.principals().is_empty());
    // With an action, the same kind of event is usage, not unmapped.
    let action = "Microsoft.Network/networkSecurityGroups/write";
    let read = read_file(
        "r.json",
        json!([rest("Succeeded", "", "o", "2018-01-29T20:42:31Z", Some(action))]).to_string().as_bytes(),
    );
    assert_eq!((read.stats.unmapped, read.stats.usage), (0, 1));
    // Without one, an administrative event is unmapped and still the caller's activity.
    let read =
        read_file("r.json", json!([rest("Succeeded", "", "o", "2018-01-29T20:42:31Z", None)]).to_string().as_bytes());
    assert_eq!((read.stats.unmapped, read.rollups.principals().len()), (1, 1));
}

#[test]
fn diagnostic_json_lines_keep_the_role_assignment_that_granted_the_call() {
    let text = lines(&[diagnostic("Start", "Started.", "User"), diagnostic("Success", "Succeeded.Created", "User")]);
    let read = read_file("PT1H.json", text.as_bytes());
    assert!(read.issues.is_empty(), "{:?}", read.issues);
    assert_eq!((read.stats.usage, read.stats.paired), (1, 1));
    let usage = read.rollups.usage();
    assert_eq!(&*usage[0].action, "microsoft.support/supporttickets/write");
    assert!(usage[0].resource.starts_with("/subscriptions/"), "resource ids are lower-cased: {}", usage[0].resource);
    let assignments = read.assignments.rows();
    assert_eq!(assignments.len(), 1);
    let a = &assignments[0];
    assert_eq!((a.principal.as_str(), a.role.as_str(), a.assignee_type.as_str()), (ROB, "Contributor", "User"));
    assert_eq!(a.assignment_id, "7f7c8a2b-1d5e-4c3a-9b8d-7e6f5a4b3c2d", "dashed, as az names it");
    assert_eq!(a.role_definition_id, "b24988ac-6180-42a0-ab88-20f7382dd24c");
    assert_eq!(a.scope, format!("/subscriptions/{SUB}"));
    assert!(a.actions.contains("microsoft.support/supporttickets/write"));
    // Evidence without an assignment id (a classic administrator's) names no assignment.
    let mut classic = diagnostic("Success", "Succeeded.Created", "User");
    classic["identity"]["authorization"]["evidence"] = json!({"role": "Subscription Admin"});
    let read = read_file("PT1H.json", lines(&[classic]).as_bytes());
    assert!(read.assignments.is_empty());
    assert_eq!(read.stats.usage, 1);
}

#[test]
fn the_evidence_names_the_caller_when_the_claims_do_not() {
    let mut record = diagnostic("Success", "Succeeded.Created", "User");
    record["identity"]["claims"] = json!({});
    let read = read_file("PT1H.json", lines(&[record.clone()]).as_bytes());
    assert_eq!(&*read.rollups.usage()[0].principal, ROB, "the 32-digit principalId is the dashed object id");
    // A group's assignment does not: the record is an issue.
    record["identity"]["authorization"]["evidence"]["principalType"] = json!("Group");
    let read = read_file("PT1H.json", lines(&[record]).as_bytes());
    assert_eq!((read.stats.usage, read.stats.malformed), (0, 1));
}

#[test]
fn a_group_assignment_does_not_replace_the_caller() {
    let read = read_file("PT1H.json", lines(&[diagnostic("Success", "Succeeded.Created", "Group")]).as_bytes());
    let a = &read.assignments.rows()[0];
    assert_eq!((a.principal.as_str(), a.assignee_type.as_str()), (ROB, "Group"));
    assert_eq!(a.assignee, "dddddddd-0000-4000-8000-0000000000dd");
}

#[test]
fn event_hub_records_and_gzip_are_read_alike() {
    let hub = json!({"records": [diagnostic("Success", "Succeeded.Created", "User")]}).to_string();
    let plain = read_file("hub.json", hub.as_bytes());
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(hub.as_bytes()).unwrap();
    let zipped = read_file("hub.json.gz", &gz.finish().unwrap());
    assert_eq!(plain.rollups.usage(), zipped.rollups.usage());
    assert_eq!(plain.stats.usage, 1);
    assert!(zipped.stats.complete);
}

#[test]
fn a_truncated_gzip_keeps_what_came_before_and_says_so() {
    let text = lines(&(0..200).map(|_| diagnostic("Success", "Succeeded.Created", "User")).collect::<Vec<_>>());
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(text.as_bytes()).unwrap();
    let bytes = gz.finish().unwrap();
    let read = read_file("PT1H.json.gz", &bytes[..bytes.len() / 2]);
    assert!(!read.stats.complete);
    assert!(read.issues.iter().any(|i| i.message.contains("gzip")), "{:?}", read.issues);
}

#[test]
fn log_analytics_azure_activity_rows_are_read() {
    let row = json!({
        "TenantId": "aaaabbbb-0000-cccc-1111-dddd2222eeee", "SourceSystem": "Azure",
        "TimeGenerated": "2024-05-01T10:00:00.123Z", "CategoryValue": "Administrative",
        "OperationNameValue": "MICROSOFT.COMPUTE/VIRTUALMACHINES/WRITE", "Level": "Informational",
        "ActivityStatusValue": "Success", "ActivitySubstatusValue": "Created",
        "Authorization": format!("{{\"action\":\"Microsoft.Compute/virtualMachines/write\",\"scope\":\"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1\"}}"),
        "Caller": APP, "CallerIpAddress": "10.0.0.1", "CorrelationId": "0b8d6a0c-1111-4222-8333-444455556666",
        "Claims": format!("{{\"appid\":\"{APP}\",\"{OID}\":\"{APP}\",\"idtyp\":\"app\"}}"),
        "Properties": "{\"statusCode\":\"Created\"}",
        "_ResourceId": format!("/subscriptions/{SUB}/resourcegroups/rg/providers/microsoft.compute/virtualmachines/vm1"),
        "SubscriptionId": SUB, "Type": "AzureActivity"
    });
    let read = read_file("azureactivity.json", json!([row]).to_string().as_bytes());
    assert!(read.issues.is_empty(), "{:?}", read.issues);
    let usage = read.rollups.usage();
    assert_eq!((&*usage[0].principal, &*usage[0].action), (APP, "Microsoft.Compute/virtualMachines/write"));
    assert_eq!(read.rollups.principals()[0].kind, CallerKind::Role);
}

#[test]
fn an_action_without_a_caller_is_an_issue_not_usage() {
    let mut event =
        rest("Succeeded", "", "o", "2018-01-29T20:42:31Z", Some("Microsoft.Network/networkSecurityGroups/write"));
    event.as_object_mut().unwrap().remove("claims");
    let read = read_file("r.json", json!([event]).to_string().as_bytes());
    assert_eq!((read.stats.usage, read.stats.malformed), (0, 1));
    assert_eq!(read.issues[0].record, Some(0));
    assert!(read.issues[0].message.contains("no caller"), "{}", read.issues[0]);
}

#[test]
fn damaged_input_is_reported_with_where() {
    let good =
        rest("Succeeded", "", "o1", "2018-01-29T20:42:31Z", Some("Microsoft.Network/networkSecurityGroups/write"));
    // A truncated array: the record before the damage is read.
    let text = format!("[\n{good},\n{{\"eventTimestamp\": \"2018-");
    let read = read_file("cut.json", text.as_bytes());
    assert_eq!(read.stats.usage, 1);
    assert!(!read.stats.complete);
    assert_eq!(read.issues.len(), 1);
    assert_eq!(read.issues[0].line, Some(3));
    assert!(read.issues[0].message.contains("ends early"));
    // A wrong type: eventTimestamp a number.
    let mut wrong = good.clone();
    wrong["eventTimestamp"] = json!(1517258551);
    let read = read_file("types.json", format!("[\n{good},\n{wrong}\n]").as_bytes());
    assert_eq!((read.stats.usage, read.stats.malformed), (1, 1));
    assert_eq!((read.issues[0].record, read.issues[0].line), (Some(1), Some(3)));
    assert!(read.stats.complete);
    // JSON Lines: the bad line is named by its number.
    let text = format!(
        "{}\n{{\"time\": \"2019-01-21T22:14:26Z\", \"operationName\": \n{}\n",
        diagnostic("Success", "", "User"),
        diagnostic("Success", "", "User")
    );
    let read = read_file("PT1H.json", text.as_bytes());
    assert_eq!((read.stats.records, read.stats.malformed), (3, 1));
    assert_eq!(read.issues[0].line, Some(2));
    assert_eq!(read.issues[0].to_string().split(':').take(2).collect::<Vec<_>>(), ["PT1H.json", "2"]);
    // Not an array of records at all.
    let read = read_file("x.json", b"\"hello\"");
    assert_eq!(read.issues.len(), 1);
}

#[test]
fn many_files_on_every_core_equal_one_after_another() {
    let action = "Microsoft.Network/networkSecurityGroups/write";
    let inputs: Vec<Input> = (0..12)
        .map(|i| Input {
            location: format!("f{i}.json"),
            bytes: json!([rest(
                if i % 3 == 0 { "Failed" } else { "Succeeded" },
                "",
                &format!("op{i}"),
                &format!("2018-01-{:02}T20:42:31Z", i + 1),
                Some(action)
            )])
            .to_string()
            .into_bytes(),
        })
        .collect();
    let all = read_files(&inputs);
    let mut one = remit_azure_activity::Read::default();
    for input in &inputs {
        one.merge(read_file(&input.location, &input.bytes));
    }
    assert_eq!(all.rollups.usage(), one.rollups.usage());
    assert_eq!(all.stats, one.stats);
    let counts = all.rollups.usage()[0].counts;
    assert_eq!((counts.allowed, counts.failed), (8, 4));
    // Paths: a missing one is an issue and makes the read incomplete.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.json");
    std::fs::write(&path, &inputs[0].bytes).unwrap();
    let read = read_paths(&[path, dir.path().join("missing.json")]);
    assert_eq!(read.stats.usage, 1);
    assert!(!read.stats.complete);
    assert!(read.issues[0].message.contains("cannot be read"));
}

#[test]
fn outcomes_are_the_rollups_outcomes() {
    // Guards the mapping of outcomes into remit-activity: denied requests are not "authorized".
    let c = remit_activity::Counts::one(0, Outcome::Denied);
    assert_eq!(c.authorized(), 0);
}

#[test]
fn a_large_file_on_one_line_is_read_in_one_pass() {
    // 5,000 Event Hub records on one line (over the JSON Lines probe's megabyte).
    let records: Vec<Value> = (0..5_000).map(|_| diagnostic("Success", "Succeeded.Created", "User")).collect();
    let text = json!({"records": records}).to_string();
    assert!(text.len() > 1 << 20);
    let read = read_file("hub.json", text.as_bytes());
    assert!(read.issues.is_empty());
    assert_eq!(read.stats.usage, 5_000);
    assert_eq!(read.rollups.usage()[0].counts.allowed, 5_000);
}
