//! The collector against Azure's REST APIs as they answer: a mock, because no Azure emulator
//! runs locally. wiremock serves the recorded responses in `tests/responses/`, which have the
//! exact shape of the documented answers:
//! - token: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow#successful-response-1
//!   and its error response (#error-response-1);
//! - tenants: https://learn.microsoft.com/rest/api/resources/tenants/list;
//! - management group tree: https://learn.microsoft.com/rest/api/managementgroups/management-groups/get;
//! - subscriptions, resource groups, resources: https://learn.microsoft.com/rest/api/resources/subscriptions/list,
//!   https://learn.microsoft.com/rest/api/resources/resource-groups/list, https://learn.microsoft.com/rest/api/resources/resources/list;
//! - role definitions, role assignments, deny assignments: https://learn.microsoft.com/rest/api/authorization/role-definitions/list,
//!   https://learn.microsoft.com/rest/api/authorization/role-assignments/list-for-scope,
//!   https://learn.microsoft.com/rest/api/authorization/deny-assignments/list-for-scope;
//! - PIM: https://learn.microsoft.com/rest/api/authorization/role-eligibility-schedule-instances/list-for-scope,
//!   https://learn.microsoft.com/rest/api/authorization/role-assignment-schedule-instances/list-for-scope;
//! - ARM errors (AuthorizationFailed, TooManyRequests): https://learn.microsoft.com/azure/azure-resource-manager/troubleshooting/error-authorization-failed,
//!   https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling;
//! - Graph v1.0: https://learn.microsoft.com/graph/api/user-list, group-list, group-list-members,
//!   serviceprincipal-list, serviceprincipal-list-approleassignments, application-list,
//!   application-list-owners, rbacapplication-list-roledefinitions, rbacapplication-list-roleassignments,
//!   rbacapplication-list-roleeligibilityscheduleinstances (all under https://learn.microsoft.com/graph/api/),
//!   paging: https://learn.microsoft.com/graph/paging; errors: https://learn.microsoft.com/graph/errors.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{collections::BTreeSet, path::Path, time::Duration};

use remit_azure_collect::{CollectError, Config, Credentials, Endpoints, RetryPolicy, Secret, collect};
use remit_rest::testing::{files_under, read_json as read};
use serde_json::Value;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{body_string_contains, header, method, path, path_regex, query_param},
};

const TENANT: &str = "3f1c7a52-9d4e-4b8a-a6f2-0c5e8d7b1a94";
const SUB: &str = "b2e4c6d8-1a3f-4e5b-9c7d-2f4a6b8c0d1e";
const CLIENT_ID: &str = "4c5d6e7f-8a9b-4c0d-9e1f-2a3b4c5d6e7f";
const CLIENT_SECRET: &str = "Q~7pX9sEcReT.value-Never-Logged_42";
const ARM_TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.ARM-SCOPE.sig";
const GRAPH_TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.GRAPH-SCOPE.sig";
const ROOT: &str = "/providers/Microsoft.Management/managementGroups/3f1c7a52-9d4e-4b8a-a6f2-0c5e8d7b1a94";
const MG_PROD: &str = "/providers/Microsoft.Management/managementGroups/mg-prod";
const ADMINS: &str = "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a";
const DEVS: &str = "6e5d4c3b-2a1f-4e0d-9c8b-7a6f5e4d3c2b";
const APP_SP: &str = "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e";
const APP_OBJ: &str = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f";

/// A recorded response's text, with the public cloud's hosts in its next links pointed at the mock.
fn recorded(name: &str, server: &MockServer) -> String {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/responses").join(name);
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    text.replace("https://management.azure.com", &server.uri()).replace("https://graph.microsoft.com", &server.uri())
}

fn response(name: &str, server: &MockServer) -> ResponseTemplate {
    status(200, name, server)
}

fn status(code: u16, name: &str, server: &MockServer) -> ResponseTemplate {
    ResponseTemplate::new(code).set_body_raw(recorded(name, server), "application/json")
}

fn config(server: &MockServer) -> Config {
    let mut config = Config::new(
        TENANT,
        Credentials::ClientSecret { client_id: CLIENT_ID.into(), secret: Secret::new(CLIENT_SECRET) },
    );
    config.endpoints = Endpoints { arm: server.uri(), graph: server.uri(), login: server.uri() };
    config.retry = RetryPolicy { max_retries: 3, max_wait: Duration::from_millis(50) };
    config
}

async fn arm(server: &MockServer, at: &str, version: &str, file: &str) {
    Mock::given(method("GET"))
        .and(path(at))
        .and(query_param("api-version", version))
        .and(header("authorization", format!("Bearer {ARM_TOKEN}").as_str()))
        .respond_with(response(file, server))
        .mount(server)
        .await;
}

async fn graph(server: &MockServer, at: &str, file: &str) {
    Mock::given(method("GET"))
        .and(path(at))
        .and(header("authorization", format!("Bearer {GRAPH_TOKEN}").as_str()))
        .respond_with(response(file, server))
        .mount(server)
        .await;
}

/// Every response of a small tenant: one management group below the root, one subscription of
/// this tenant (and one of another tenant, which is not read), three users over two pages,
/// two groups, three service principals, one application.
async fn small_tenant(server: &MockServer) {
    let token = format!("/{TENANT}/oauth2/v2.0/token");
    Mock::given(method("POST"))
        .and(path(token.as_str()))
        .and(body_string_contains("scope=https%3A%2F%2Fmanagement.azure.com%2F.default"))
        .respond_with(response("token.json", server))
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path(token.as_str()))
        .and(body_string_contains("scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"))
        .respond_with(response("token-graph.json", server))
        .mount(server)
        .await;

    arm(server, "/tenants", "2022-12-01", "tenants.json").await;
    Mock::given(method("GET"))
        .and(path(ROOT))
        .and(query_param("$expand", "children"))
        .and(query_param("$recurse", "true"))
        .and(query_param("api-version", "2020-05-01"))
        .respond_with(response("management-group.json", server))
        .mount(server)
        .await;
    arm(server, "/subscriptions", "2022-12-01", "subscriptions.json").await;

    let defs = format!("{ROOT}/providers/Microsoft.Authorization/roleDefinitions");
    Mock::given(method("GET"))
        .and(path(defs.as_str()))
        .and(query_param("$skiptoken", "eyJuZXh0IjoyfQ=="))
        .respond_with(response("role-definitions-root-page2.json", server))
        .with_priority(1)
        .mount(server)
        .await;
    arm(server, &defs, "2022-04-01", "role-definitions-root-page1.json").await;
    let sub = format!("/subscriptions/{SUB}");
    arm(
        server,
        &format!("{sub}/providers/Microsoft.Authorization/roleDefinitions"),
        "2022-04-01",
        "role-definitions-subscription.json",
    )
    .await;
    arm(
        server,
        &format!("{sub}/providers/Microsoft.Authorization/roleDefinitions/e52f8a3b-6c7d-4e8f-9a0b-1c2d3e4f5a6b"),
        "2022-04-01",
        "role-definition-rg-custom.json",
    )
    .await;
    arm(server, &format!("{sub}/resourcegroups"), "2021-04-01", "resource-groups.json").await;
    arm(server, &format!("{sub}/resources"), "2021-04-01", "resources.json").await;
    let authz = |scope: &str, kind: &str| format!("{scope}/providers/Microsoft.Authorization/{kind}");
    arm(server, &authz(&sub, "roleAssignments"), "2022-04-01", "role-assignments-subscription.json").await;
    arm(server, &authz(&sub, "denyAssignments"), "2022-04-01", "deny-assignments.json").await;
    arm(
        server,
        &authz(&sub, "roleEligibilityScheduleInstances"),
        "2020-10-01",
        "role-eligibility-schedule-instances.json",
    )
    .await;
    arm(
        server,
        &authz(&sub, "roleAssignmentScheduleInstances"),
        "2020-10-01",
        "role-assignment-schedule-instances.json",
    )
    .await;
    for (scope, assignments) in [(ROOT, "role-assignments-root.json"), (MG_PROD, "role-assignments-mg.json")] {
        for (kind, version, file) in [
            ("roleAssignments", "2022-04-01", assignments),
            ("denyAssignments", "2022-04-01", "empty-arm-list.json"),
            ("roleEligibilityScheduleInstances", "2020-10-01", "empty-arm-list.json"),
        ] {
            Mock::given(method("GET"))
                .and(path(authz(scope, kind).as_str()))
                .and(query_param("api-version", version))
                .and(query_param("$filter", "atScope()"))
                .respond_with(response(file, server))
                .mount(server)
                .await;
        }
    }

    Mock::given(method("GET"))
        .and(path("/v1.0/users"))
        .and(query_param("$skiptoken", "RFNwdAIAAQAAACU6YWxpY2VAY29udG9zby5vbm1pY3Jvc29mdC5jb20"))
        .respond_with(response("users-page2.json", server))
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1.0/users"))
        .and(query_param(
            "$select",
            "id,displayName,userPrincipalName,mail,accountEnabled,userType,externalUserState,onPremisesImmutableId,createdDateTime,employeeId",
        ))
        .and(header("authorization", format!("Bearer {GRAPH_TOKEN}").as_str()))
        .respond_with(response("users-page1.json", server))
        .mount(server)
        .await;
    graph(server, "/v1.0/groups", "groups.json").await;
    graph(server, &format!("/v1.0/groups/{ADMINS}/members"), "group-members-admins.json").await;
    graph(server, &format!("/v1.0/groups/{DEVS}/members"), "group-members-devs.json").await;
    graph(server, "/v1.0/servicePrincipals", "service-principals.json").await;
    graph(
        server,
        &format!("/v1.0/servicePrincipals/{APP_SP}/appRoleAssignments"),
        "app-role-assignments-collector.json",
    )
    .await;
    graph(server, "/v1.0/applications", "applications.json").await;
    graph(server, &format!("/v1.0/applications/{APP_OBJ}/owners"), "owners-app.json").await;
    graph(server, "/v1.0/roleManagement/directory/roleDefinitions", "directory-role-definitions.json").await;
    graph(server, "/v1.0/roleManagement/directory/roleAssignments", "directory-role-assignments.json").await;
    graph(
        server,
        "/v1.0/roleManagement/directory/roleEligibilityScheduleInstances",
        "directory-role-eligibility-schedule-instances.json",
    )
    .await;
    // Objects without owners or app role assignments: the documented empty collections.
    Mock::given(method("GET"))
        .and(path_regex(r"^/v1\.0/(groups|servicePrincipals|applications)/[^/]+/owners$"))
        .respond_with(response("empty-directory-objects.json", server))
        .with_priority(10)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/v1\.0/servicePrincipals/[^/]+/appRoleAssignments$"))
        .respond_with(response("empty-app-role-assignments.json", server))
        .with_priority(10)
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_small_tenant_is_collected_into_the_documented_layout() {
    let server = MockServer::start().await;
    small_tenant(&server).await;
    let out = tempfile::tempdir().unwrap();
    let lines = std::sync::Mutex::new(Vec::new());
    let summary =
        collect(&config(&server), out.path(), |line| lines.lock().unwrap().push(line.to_owned())).await.unwrap();

    let bundle = out.path().join("azure").join(TENANT);
    assert_eq!(summary.bundle, bundle);
    let expected: BTreeSet<String> = [
        "tenant.json".to_owned(),
        "management-groups.json".into(),
        "subscriptions.json".into(),
        "role-definitions.json".into(),
        format!("subscriptions/{SUB}/resource-groups.json"),
        format!("subscriptions/{SUB}/resources.json"),
        format!("subscriptions/{SUB}/role-assignments.json"),
        format!("subscriptions/{SUB}/deny-assignments.json"),
        format!("subscriptions/{SUB}/role-eligibility-schedule-instances.json"),
        format!("subscriptions/{SUB}/role-assignment-schedule-instances.json"),
        format!("management-groups/{TENANT}/role-assignments.json"),
        format!("management-groups/{TENANT}/deny-assignments.json"),
        format!("management-groups/{TENANT}/role-eligibility-schedule-instances.json"),
        "management-groups/mg-prod/role-assignments.json".into(),
        "management-groups/mg-prod/deny-assignments.json".into(),
        "management-groups/mg-prod/role-eligibility-schedule-instances.json".into(),
        "entra/users.json".into(),
        "entra/groups.json".into(),
        format!("entra/group-members/{ADMINS}.json"),
        format!("entra/group-members/{DEVS}.json"),
        "entra/service-principals.json".into(),
        "entra/applications.json".into(),
        format!("entra/owners/{ADMINS}.json"),
        format!("entra/owners/{DEVS}.json"),
        format!("entra/owners/{APP_SP}.json"),
        "entra/owners/7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d.json".into(),
        "entra/owners/e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b.json".into(),
        format!("entra/owners/{APP_OBJ}.json"),
        format!("entra/app-role-assignments/{APP_SP}.json"),
        "entra/app-role-assignments/7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d.json".into(),
        "entra/app-role-assignments/e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b.json".into(),
        "entra/directory-role-definitions.json".into(),
        "entra/directory-role-assignments.json".into(),
        "entra/directory-role-eligibility-schedule-instances.json".into(),
    ]
    .into_iter()
    .collect();
    assert_eq!(files_under(&bundle), expected);
    // Nothing but the tenant's directory is left in the bundle root (no staging directory).
    let names: Vec<_> = std::fs::read_dir(out.path().join("azure")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, vec![std::ffi::OsString::from(TENANT)]);

    // The tenant and its tree, in az's flattened shape.
    assert_eq!(read(&bundle.join("tenant.json"))["defaultDomain"], "contoso.onmicrosoft.com");
    let tree = read(&bundle.join("management-groups.json"));
    assert_eq!(tree["displayName"], "Tenant Root Group");
    assert_eq!(tree["children"][0]["name"], "mg-prod");
    assert!(tree.get("properties").is_none());
    // Only this tenant's subscription, as `az account list` prints it.
    let subscriptions = read(&bundle.join("subscriptions.json"));
    assert_eq!(subscriptions.as_array().unwrap().len(), 1);
    assert_eq!(subscriptions[0]["id"], SUB);
    assert_eq!(subscriptions[0]["name"], "Contoso Prod");
    assert_eq!(subscriptions[0]["user"]["name"], CLIENT_ID);
    // Role definitions: both pages of the root listing and the subscription's custom role, merged once each.
    let definitions = read(&bundle.join("role-definitions.json"));
    let names: BTreeSet<&str> =
        definitions.as_array().unwrap().iter().map(|d| d["roleName"].as_str().unwrap()).collect();
    // The resource group's custom role, not in any list, was read by its id.
    assert_eq!(
        names,
        ["App Operator", "Contributor", "Key Vault Secrets Rotator", "Owner", "Reader"].into_iter().collect()
    );
    assert!(definitions.as_array().unwrap().iter().all(|d| d["type"] == "Microsoft.Authorization/roleDefinitions"));
    let custom = definitions.as_array().unwrap().iter().find(|d| d["roleName"] == "App Operator").unwrap();
    assert_eq!(custom["roleType"], "CustomRole");
    // Role assignments flattened, with the role's name.
    let assignments = read(&bundle.join(format!("subscriptions/{SUB}/role-assignments.json")));
    assert_eq!(assignments.as_array().unwrap().len(), 4);
    assert_eq!(assignments[3]["roleDefinitionName"], "Key Vault Secrets Rotator");
    assert_eq!(assignments[0]["principalType"], "User");
    assert_eq!(assignments[0]["roleDefinitionName"], "Owner");
    assert_eq!(assignments[1]["roleDefinitionName"], "App Operator");
    assert!(assignments[0].get("properties").is_none());
    // REST-shaped files keep `{"value": [...]}` and `properties`.
    let eligible = read(&bundle.join(format!("subscriptions/{SUB}/role-eligibility-schedule-instances.json")));
    assert_eq!(eligible["value"][0]["properties"]["memberType"], "Direct");
    let deny = read(&bundle.join(format!("subscriptions/{SUB}/deny-assignments.json")));
    assert_eq!(deny["value"][0]["properties"]["principals"][0]["type"], "SystemDefined");
    // At a management group only what is assigned at the group itself is kept.
    let at_mg = read(&bundle.join("management-groups/mg-prod/role-assignments.json"));
    assert_eq!(at_mg.as_array().unwrap().len(), 1);
    assert_eq!(at_mg[0]["scope"], MG_PROD);
    let at_root = read(&bundle.join(format!("management-groups/{TENANT}/role-assignments.json")));
    assert_eq!(at_root.as_array().unwrap().len(), 1);
    // Resources carry their resource group, as `az resource list` prints them.
    let resources = read(&bundle.join(format!("subscriptions/{SUB}/resources.json")));
    assert_eq!(resources[0]["resourceGroup"], "rg-app");
    assert_eq!(resources[0]["identity"]["type"], "SystemAssigned");

    // Graph: both pages of users, members with their @odata.type, app role assignments.
    let users = read(&bundle.join("entra/users.json"));
    assert_eq!(users.as_array().unwrap().len(), 3);
    assert_eq!(users[2]["userType"], "Guest");
    let members = read(&bundle.join(format!("entra/group-members/{ADMINS}.json")));
    assert_eq!(members[1]["@odata.type"], "#microsoft.graph.group");
    let owners = read(&bundle.join(format!("entra/owners/{APP_OBJ}.json")));
    assert_eq!(owners.as_array().unwrap().len(), 1);
    let granted = read(&bundle.join(format!("entra/app-role-assignments/{APP_SP}.json")));
    assert_eq!(granted["value"][0]["resourceDisplayName"], "Microsoft Graph");
    let directory = read(&bundle.join("entra/directory-role-assignments.json"));
    assert_eq!(directory["value"][0]["directoryScopeId"], "/");

    assert_eq!(summary.subscriptions, 1);
    assert_eq!(summary.management_groups, 2);
    assert_eq!(summary.role_definitions, 5);
    assert_eq!(summary.role_assignments, 6);
    assert_eq!(summary.deny_assignments, 1);
    assert_eq!(summary.eligibility_instances, 1);
    assert_eq!((summary.users, summary.groups, summary.service_principals, summary.applications), (3, 2, 3, 1));
    assert_eq!(summary.directory_role_assignments, 1);
    assert!(summary.skipped.is_empty());
    assert!(!lines.lock().unwrap().is_empty());

    // Every ARM action the run exercised is granted by the collector's role, and every Graph
    // permission is among those to grant.
    let role: Value = serde_json::from_str(remit_azure_collect::COLLECTOR_ROLE).unwrap();
    let actions: BTreeSet<String> =
        role["Actions"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_owned()).collect();
    assert!(summary.arm_actions.is_subset(&actions), "{:?}", summary.arm_actions);
    assert_eq!(summary.arm_actions, actions, "every granted action is used");
    let graph: Value = serde_json::from_str(remit_azure_collect::GRAPH_PERMISSIONS).unwrap();
    let permissions: BTreeSet<String> =
        graph["applicationPermissions"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_owned()).collect();
    assert_eq!(summary.graph_permissions, permissions);

    // No credential in any written file.
    for file in files_under(&bundle) {
        let text = std::fs::read_to_string(bundle.join(&file)).unwrap();
        for secret in [CLIENT_SECRET, ARM_TOKEN, GRAPH_TOKEN] {
            assert!(!text.contains(secret), "{file} holds a credential");
        }
    }
}

/// The token request is the client credentials grant: a form POST to the tenant's v2.0
/// endpoint with client_id, scope, client_secret and grant_type, one per resource.
#[tokio::test]
async fn token_requests_are_client_credentials_grants_per_resource() {
    let server = MockServer::start().await;
    small_tenant(&server).await;
    let out = tempfile::tempdir().unwrap();
    collect(&config(&server), out.path(), |_| {}).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    let tokens: Vec<_> = requests.iter().filter(|r| r.method.as_str() == "POST").collect();
    assert_eq!(tokens.len(), 2, "one token per resource, cached for the run");
    let mut scopes = BTreeSet::new();
    for request in tokens {
        assert_eq!(request.url.path(), format!("/{TENANT}/oauth2/v2.0/token"));
        let content_type = request.headers.get("content-type").unwrap().to_str().unwrap();
        assert_eq!(content_type, "application/x-www-form-urlencoded");
        let form: std::collections::BTreeMap<String, String> = url_form(std::str::from_utf8(&request.body).unwrap());
        assert_eq!(form["grant_type"], "client_credentials");
        assert_eq!(form["client_id"], CLIENT_ID);
        assert_eq!(form["client_secret"], CLIENT_SECRET);
        scopes.insert(form["scope"].clone());
        assert_eq!(form.len(), 4);
    }
    let expected: BTreeSet<String> =
        ["https://graph.microsoft.com/.default".to_owned(), "https://management.azure.com/.default".into()]
            .into_iter()
            .collect();
    assert_eq!(scopes, expected);
    // Every other request carries a bearer token and never the secret.
    for request in requests.iter().filter(|r| r.method.as_str() == "GET") {
        let auth = request.headers.get("authorization").unwrap().to_str().unwrap();
        assert!(auth == format!("Bearer {ARM_TOKEN}") || auth == format!("Bearer {GRAPH_TOKEN}"));
        assert!(!request.url.as_str().contains(CLIENT_SECRET));
    }
}

fn url_form(body: &str) -> std::collections::BTreeMap<String, String> {
    body.split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap();
            let decode = |s: &str| percent_decode(&s.replace('+', " "));
            (decode(k), decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// Static access tokens (e.g. from `az account get-access-token`) are sent as given, each to its API.
#[tokio::test]
async fn static_access_tokens_are_used_without_a_token_request() {
    let server = MockServer::start().await;
    small_tenant(&server).await;
    let mut config = config(&server);
    config.credentials = Credentials::AccessTokens { arm: Secret::new(ARM_TOKEN), graph: Secret::new(GRAPH_TOKEN) };
    let out = tempfile::tempdir().unwrap();
    let summary = collect(&config, out.path(), |_| {}).await.unwrap();
    assert_eq!(summary.users, 3);
    let requests = server.received_requests().await.unwrap();
    assert!(requests.iter().all(|r| r.method.as_str() == "GET"));
}

/// A throttled call is retried after Retry-After, and the collection completes.
#[tokio::test]
async fn throttled_calls_are_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/subscriptions"))
        .respond_with(status(429, "too-many-requests.json", &server).insert_header("Retry-After", "0"))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    small_tenant(&server).await;
    let out = tempfile::tempdir().unwrap();
    let summary = collect(&config(&server), out.path(), |_| {}).await.unwrap();
    assert_eq!(summary.subscriptions, 1);
    let calls = server.received_requests().await.unwrap().iter().filter(|r| r.url.path() == "/subscriptions").count();
    assert_eq!(calls, 3);
}

/// Retries are bounded: a call throttled every time fails with its status, and nothing is written.
#[tokio::test]
async fn retries_are_bounded() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/subscriptions"))
        .respond_with(status(429, "too-many-requests.json", &server).insert_header("Retry-After", "1"))
        .with_priority(1)
        .mount(&server)
        .await;
    small_tenant(&server).await;
    let out = tempfile::tempdir().unwrap();
    let mut config = config(&server);
    config.retry = RetryPolicy { max_retries: 2, max_wait: Duration::from_millis(10) };
    let error = collect(&config, out.path(), |_| {}).await.unwrap_err();
    assert!(matches!(error, CollectError::Status { status: 429, .. }), "{error}");
    assert!(error.to_string().contains("list subscriptions"), "{error}");
    let calls = server.received_requests().await.unwrap().iter().filter(|r| r.url.path() == "/subscriptions").count();
    assert_eq!(calls, 3);
    assert!(!out.path().join("azure").join(TENANT).exists());
}

/// A 403 names the call, the status, Azure's code and message, and the action to grant; the
/// earlier collection of the tenant is left as it was.
#[tokio::test]
async fn a_forbidden_call_names_the_missing_permission() {
    let server = MockServer::start().await;
    let at = format!("/subscriptions/{SUB}/providers/Microsoft.Authorization/roleAssignments");
    Mock::given(method("GET"))
        .and(path(at.as_str()))
        .respond_with(status(403, "authorization-failed.json", &server))
        .with_priority(1)
        .mount(&server)
        .await;
    small_tenant(&server).await;
    let out = tempfile::tempdir().unwrap();
    let previous = out.path().join("azure").join(TENANT);
    std::fs::create_dir_all(&previous).unwrap();
    std::fs::write(previous.join("subscriptions.json"), "[]").unwrap();
    let error = collect(&config(&server), out.path(), |_| {}).await.unwrap_err();
    let text = error.to_string();
    assert!(text.contains("list role assignments"), "{text}");
    assert!(text.contains("HTTP 403"), "{text}");
    assert!(text.contains("AuthorizationFailed"), "{text}");
    assert!(text.contains("the collector needs the action Microsoft.Authorization/roleAssignments/read"), "{text}");
    assert!(text.contains(&at), "{text}");
    assert_eq!(std::fs::read_to_string(previous.join("subscriptions.json")).unwrap(), "[]");
    let names: Vec<_> = std::fs::read_dir(out.path().join("azure")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 1, "no staging directory is left behind");
}

/// A Graph 403 names the Graph application permission.
#[tokio::test]
async fn a_forbidden_graph_call_names_the_application_permission() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/servicePrincipals"))
        .respond_with(
            ResponseTemplate::new(403).set_body_raw(
                r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation.","innerError":{"date":"2026-12-06T10:15:42","request-id":"3b4c5d6e-7f8a-4b9c-8d0e-1f2a3b4c5d6e","client-request-id":"3b4c5d6e-7f8a-4b9c-8d0e-1f2a3b4c5d6e"}}}"#,
                "application/json",
            ),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    small_tenant(&server).await;
    let out = tempfile::tempdir().unwrap();
    let text = collect(&config(&server), out.path(), |_| {}).await.unwrap_err().to_string();
    assert!(text.contains("list service principals"), "{text}");
    assert!(text.contains("Authorization_RequestDenied"), "{text}");
    assert!(text.contains("Microsoft Graph application permission Application.Read.All"), "{text}");
}

/// Without Entra ID P2 the directory eligibility list is refused: the file is left out and the
/// summary says so; the rest is collected.
#[tokio::test]
async fn directory_eligibility_without_a_license_is_reported_and_left_out() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/roleManagement/directory/roleEligibilityScheduleInstances"))
        .respond_with(status(403, "graph-license-required.json", &server))
        .with_priority(1)
        .mount(&server)
        .await;
    small_tenant(&server).await;
    let out = tempfile::tempdir().unwrap();
    let summary = collect(&config(&server), out.path(), |_| {}).await.unwrap();
    assert_eq!(summary.skipped.len(), 1);
    assert!(summary.skipped[0].contains("AadPremiumLicenseRequired"), "{:?}", summary.skipped);
    assert!(!summary.bundle.join("entra/directory-role-eligibility-schedule-instances.json").exists());
    assert!(summary.bundle.join("entra/directory-role-assignments.json").exists());
}

/// A next link to another host would carry the bearer token there: refused.
#[tokio::test]
async fn a_next_link_to_another_host_is_refused() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/groups"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#groups","@odata.nextLink":"https://attacker.example/v1.0/groups?$skiptoken=x","value":[]}"#,
            "application/json",
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    small_tenant(&server).await;
    let out = tempfile::tempdir().unwrap();
    let error = collect(&config(&server), out.path(), |_| {}).await.unwrap_err();
    assert!(matches!(error, CollectError::Shape { .. }), "{error}");
    assert!(error.to_string().contains("attacker.example"), "{error}");
}

/// A refused token request says why (Entra's error code), and holds no secret even when the
/// response echoes it.
#[tokio::test]
async fn a_refused_token_request_reports_entra_error_without_the_secret() {
    let server = MockServer::start().await;
    let mut body = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/responses/token-invalid-client.json"),
    )
    .unwrap();
    // A contrived echo: the collector must redact it all the same.
    body =
        body.replace("Invalid client secret provided.", &format!("Invalid client secret provided ({CLIENT_SECRET})."));
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(401).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;
    let out = tempfile::tempdir().unwrap();
    let error = collect(&config(&server), out.path(), |_| {}).await.unwrap_err();
    let text = error.to_string();
    let debug = format!("{error:?}");
    assert!(matches!(error, CollectError::Token { .. }), "{text}");
    assert!(text.contains("HTTP 401 invalid_client"), "{text}");
    assert!(text.contains("AADSTS7000215"), "{text}");
    assert!(!text.contains(CLIENT_SECRET) && !debug.contains(CLIENT_SECRET), "{text}");
    assert!(format!("{:?}", config(&server)).contains("***"));
    assert!(!format!("{:?}", config(&server)).contains(CLIENT_SECRET));
}

/// A tenant without a management group hierarchy: the tree is reported as not collected, built-in
/// roles are read at the root scope, and the subscriptions are collected as usual.
#[tokio::test]
async fn a_tenant_without_management_groups_is_collected_without_them() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(ROOT))
        .respond_with(ResponseTemplate::new(404).set_body_raw(
            r#"{"error":{"code":"NotFound","message":"'3f1c7a52-9d4e-4b8a-a6f2-0c5e8d7b1a94' not found"}}"#,
            "application/json",
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    arm(
        &server,
        "/providers/Microsoft.Authorization/roleDefinitions",
        "2022-04-01",
        "role-definitions-tenant-root-scope.json",
    )
    .await;
    small_tenant(&server).await;
    let out = tempfile::tempdir().unwrap();
    let summary = collect(&config(&server), out.path(), |_| {}).await.unwrap();
    assert_eq!(summary.management_groups, 0);
    assert_eq!(summary.skipped.len(), 1, "{:?}", summary.skipped);
    assert!(summary.skipped[0].contains("management-groups.json"), "{:?}", summary.skipped);
    assert!(!summary.bundle.join("management-groups.json").exists());
    assert!(!summary.bundle.join("management-groups").exists());
    let names: BTreeSet<String> = read(&summary.bundle.join("role-definitions.json"))
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["roleName"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        ["App Operator", "Contributor", "Key Vault Secrets Rotator", "Owner", "Reader"]
            .into_iter()
            .map(str::to_owned)
            .collect()
    );
    assert_eq!(summary.role_assignments, 4);
}

/// A role definition an assignment uses that cannot be found (deleted) is reported, and the
/// assignment is written without a `roleDefinitionName`.
#[tokio::test]
async fn a_role_definition_that_cannot_be_found_is_reported() {
    let server = MockServer::start().await;
    let custom = format!(
        "/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/e52f8a3b-6c7d-4e8f-9a0b-1c2d3e4f5a6b"
    );
    Mock::given(method("GET"))
        .and(path(custom.as_str()))
        .respond_with(ResponseTemplate::new(404).set_body_raw(
            r#"{"error":{"code":"RoleDefinitionDoesNotExist","message":"The specified role definition with ID 'e52f8a3b-6c7d-4e8f-9a0b-1c2d3e4f5a6b' does not exist."}}"#,
            "application/json",
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    small_tenant(&server).await;
    let out = tempfile::tempdir().unwrap();
    let summary = collect(&config(&server), out.path(), |_| {}).await.unwrap();
    assert_eq!(summary.skipped.len(), 1);
    assert!(summary.skipped[0].contains("RoleDefinitionDoesNotExist"), "{:?}", summary.skipped);
    let assignments = read(&summary.bundle.join(format!("subscriptions/{SUB}/role-assignments.json")));
    assert!(assignments[3].get("roleDefinitionName").is_none());
    assert_eq!(assignments[0]["roleDefinitionName"], "Owner");
}

/// `collect_blocking` runs on a runtime of its own; inside a runtime it refuses instead of panicking.
#[tokio::test]
async fn collect_blocking_runs_outside_a_runtime_and_refuses_inside_one() {
    let server = MockServer::start().await;
    small_tenant(&server).await;
    let out = tempfile::tempdir().unwrap();
    let inside = remit_azure_collect::collect_blocking(&config(&server), out.path(), |_| {}).unwrap_err();
    assert!(inside.to_string().contains("await collect"), "{inside}");
    let (config, root) = (config(&server), out.path().to_owned());
    let thread = std::thread::spawn(move || {
        remit_azure_collect::collect_blocking(&config, &root, |_| {}).map(|s| s.users).map_err(|e| e.to_string())
    });
    while !thread.is_finished() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(thread.join().unwrap().unwrap(), 3);
}

/// A tenant id that cannot name a directory is refused before any call.
#[tokio::test]
async fn a_tenant_id_that_cannot_name_a_directory_is_refused() {
    let server = MockServer::start().await;
    let mut config = config(&server);
    config.tenant_id = "../elsewhere".into();
    let out = tempfile::tempdir().unwrap();
    let error = collect(&config, out.path(), |_| {}).await.unwrap_err();
    assert!(matches!(error, CollectError::Config(_)), "{error}");
    assert!(server.received_requests().await.unwrap().is_empty());
}
