//! Entra sign-in logs: that an identity was active, never a permission used.
//!
//! Fixture shapes: the diagnostic-setting export of the `SignInLogs` categories (envelope fields
//! of <https://learn.microsoft.com/azure/azure-monitor/reference/tables/signinlogs>, with the
//! Graph `signIn` as `properties`) and the Microsoft Graph `signIn` list response
//! (<https://learn.microsoft.com/graph/api/resources/signin>, `GET /auditLogs/signIns`).
#![allow(clippy::unwrap_used)]

use remit_activity::CallerKind;
use remit_azure_activity::{SIGNIN_STREAM, SignInKind, read_file};
use serde_json::{Value, json};

const TENANT: &str = "aaaabbbb-0000-cccc-1111-dddd2222eeee";
const USER: &str = "d1d1d1d1-0000-4000-8000-00000000000a";
const SP: &str = "e2e2e2e2-0000-4000-8000-00000000000b";

fn envelope(category: &str, time: &str, result: &str, properties: Value) -> Value {
    json!({
        "time": time,
        "resourceId": format!("/tenants/{TENANT}/providers/Microsoft.aadiam"),
        "operationName": "Sign-in activity",
        "operationVersion": "1.0",
        "category": category,
        "tenantId": TENANT,
        "resultType": result,
        "resultSignature": "None",
        "resultDescription": if result == "0" { "" } else { "Invalid username or password." },
        "durationMs": 0,
        "callerIpAddress": "203.0.113.7",
        "correlationId": "8a9b0c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d",
        "identity": "Alex Wilber",
        "Level": 4,
        "location": "US",
        "properties": properties
    })
}

fn user_signin(id: &str, code: i64) -> Value {
    json!({
        "id": id,
        "createdDateTime": "2026-03-01T09:00:00Z",
        "userDisplayName": "Alex Wilber",
        "userPrincipalName": "AlexW@contoso.com",
        "userId": USER,
        "appId": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        "appDisplayName": "Microsoft Azure CLI",
        "ipAddress": "203.0.113.7",
        "clientAppUsed": "Mobile Apps and Desktop clients",
        "correlationId": "8a9b0c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d",
        "conditionalAccessStatus": "notApplied",
        "isInteractive": true,
        "riskDetail": "none",
        "riskLevelAggregated": "none",
        "riskLevelDuringSignIn": "none",
        "riskState": "none",
        "riskEventTypes_v2": [],
        "resourceDisplayName": "Windows Azure Service Management API",
        "resourceId": "797f4846-ba00-4fd7-ba43-dac1f8f63013",
        "status": {"errorCode": code, "failureReason": if code == 0 { "Other." } else { "Invalid username or password or Invalid on-premise username or password." }, "additionalDetails": null},
        "deviceDetail": {"deviceId": "", "displayName": null, "operatingSystem": "Windows 10", "browser": "", "isCompliant": false, "isManaged": false, "trustType": ""},
        "location": {"city": "Redmond", "state": "Washington", "countryOrRegion": "US", "geoCoordinates": {"altitude": null, "latitude": 47.68, "longitude": -122.12}},
        "appliedConditionalAccessPolicies": []
    })
}

#[test]
fn a_successful_user_sign_in_is_activity_and_a_failed_one_is_not() {
    let text = [
        envelope("SignInLogs", "2026-03-01T09:00:00.1234567Z", "0", user_signin("1", 0)),
        envelope("SignInLogs", "2026-03-05T09:00:00Z", "50126", user_signin("2", 50126)),
    ]
    .iter()
    .map(|r| format!("{r}\n"))
    .collect::<String>();
    let read = read_file("PT1H.json", text.as_bytes());
    assert!(read.issues.is_empty(), "{:?}", read.issues);
    assert_eq!((read.stats.signins, read.stats.failed_signins, read.stats.usage), (1, 1, 0));
    let principals = read.rollups.principals();
    assert_eq!(principals.len(), 1);
    assert_eq!((&*principals[0].principal, principals[0].kind), (USER, CallerKind::User));
    // The failed attempt on the 5th does not make the user look active then.
    assert_eq!(principals[0].counts.last_seen, 1_772_355_600);
    assert_eq!(&*read.rollups.coverage()[0].region, SIGNIN_STREAM);
    assert_eq!(&*read.rollups.coverage()[0].account, TENANT);
    let rows = read.signins.rows();
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].counts.allowed, rows[0].counts.denied), (1, 1));
    assert_eq!(rows[0].last_success, Some(1_772_355_600));
    assert_eq!(rows[0].user_principal_name.as_deref(), Some("AlexW@contoso.com"));
    assert!(read.rollups.usage().is_empty(), "sign-ins use no permission");
}

#[test]
fn service_principal_and_managed_identity_sign_ins_name_the_service_principal() {
    let sp = json!({
        "id": "3", "createdDateTime": "2026-03-02T00:00:00Z", "appId": "f3f3f3f3-0000-4000-8000-00000000000c",
        "appDisplayName": "deploy-bot", "servicePrincipalId": SP, "servicePrincipalName": "deploy-bot",
        "userId": "", "userPrincipalName": "", "ipAddress": "198.51.100.4", "resourceDisplayName": "Azure Resource Manager",
        "status": {"errorCode": 0}
    });
    let text = format!(
        "{}\n{}\n",
        envelope("ServicePrincipalSignInLogs", "2026-03-02T00:00:00Z", "0", sp.clone()),
        envelope(
            "ManagedIdentitySignInLogs",
            "2026-03-03T00:00:00Z",
            "0",
            json!({"servicePrincipalId": "F0F0F0F0-0000-4000-8000-00000000000D", "appId": "x", "status": {"errorCode": 0}})
        )
    );
    let read = read_file("sp.json", text.as_bytes());
    assert!(read.issues.is_empty(), "{:?}", read.issues);
    let rows = read.signins.rows();
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0].principal.as_str(), rows[0].kind), (SP, SignInKind::ServicePrincipal));
    assert_eq!(rows[0].display_name.as_deref(), Some("deploy-bot"));
    assert_eq!(rows[1].kind, SignInKind::ManagedIdentity);
    assert_eq!(rows[1].principal, "f0f0f0f0-0000-4000-8000-00000000000d");
    assert!(read.rollups.principals().iter().all(|p| p.kind == CallerKind::Role));
}

#[test]
fn graph_sign_in_lists_are_read() {
    let page = json!({
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#auditLogs/signIns",
        "value": [user_signin("1", 0), user_signin("2", 0)]
    });
    let read = read_file("signins.json", page.to_string().as_bytes());
    assert!(read.issues.is_empty(), "{:?}", read.issues);
    assert_eq!(read.stats.signins, 2);
    assert_eq!(read.signins.rows()[0].counts.allowed, 2);
}

#[test]
fn a_sign_in_without_an_identity_or_a_status_is_an_issue() {
    let mut nobody = user_signin("1", 0);
    nobody["userId"] = json!("");
    let mut no_status = user_signin("2", 0);
    no_status.as_object_mut().unwrap().remove("status");
    let read =
        read_file("signins.json", json!({"value": [nobody, no_status, user_signin("3", 0)]}).to_string().as_bytes());
    assert_eq!((read.stats.signins, read.stats.malformed), (1, 2));
    assert_eq!(read.issues[0].record, Some(0));
    assert_eq!(read.issues[1].record, Some(1));
    assert!(read.issues[0].message.starts_with("sign-in record"));
}
