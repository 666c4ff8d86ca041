//! The collector against Google Cloud's REST APIs as they answer:
//! a mock, because no Google Cloud emulator runs locally.
//! wiremock serves the recorded responses in `tests/responses/`, which have the exact shape of
//! the documented answers:
//! - token (JWT bearer grant) and its errors: https://developers.google.com/identity/protocols/oauth2/service-account#httprest
//!   and #error-codes; the key file: https://cloud.google.com/iam/docs/keys-create-delete#creating
//!   (the key in `service-account-key.json` was generated for these tests and grants nothing);
//! - Resource Manager v3: https://cloud.google.com/resource-manager/reference/rest/v3/organizations/get,
//!   https://cloud.google.com/resource-manager/reference/rest/v3/folders/list,
//!   https://cloud.google.com/resource-manager/reference/rest/v3/projects/list;
//! - Cloud Asset: https://cloud.google.com/asset-inventory/docs/reference/rest/v1/TopLevel/searchAllIamPolicies,
//!   https://cloud.google.com/asset-inventory/docs/reference/rest/v1/TopLevel/searchAllResources;
//! - IAM: https://cloud.google.com/iam/docs/reference/rest/v1/roles/list (and organizations.roles,
//!   projects.roles), https://cloud.google.com/iam/docs/reference/rest/v2/policies/listPolicies,
//!   https://cloud.google.com/iam/docs/reference/rest/v2/policies/get,
//!   https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts/list,
//!   https://cloud.google.com/iam/docs/reference/rest/v1/projects.serviceAccounts.keys/list;
//! - Cloud Identity: https://cloud.google.com/identity/docs/reference/rest/v1/groups/lookup,
//!   https://cloud.google.com/identity/docs/reference/rest/v1/groups.memberships/list;
//! - errors: https://cloud.google.com/apis/design/errors (PERMISSION_DENIED, RESOURCE_EXHAUSTED).
//!
//! An empty list is the empty object `{}` (proto3 JSON omits empty repeated fields).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{collections::BTreeSet, path::Path, time::Duration};

use base64::Engine;
use remit_gcp_collect::{
    CollectError, Config, Credentials, Endpoints, RetryPolicy, Secret, ServiceAccountKey, collect,
};
use remit_rest::testing::{files_under, read_json as read};
use serde_json::Value;
use wiremock::{
    Mock, MockServer, ResponseTemplate,
    matchers::{header, method, path, path_regex, query_param},
};

const ORG: &str = "123456789012";
const TOKEN: &str = "ya29.c.c0ASRK0GbTestOnlyAccessToken";
const COLLECTOR: &str = "remit-collector@admin-tools.iam.gserviceaccount.com";
const DEPLOYER: &str = "deployer@app-prod-eu.iam.gserviceaccount.com";
const COMPUTE: &str = "100000000002-compute@developer.gserviceaccount.com";
const ORG_POINT: &str = "cloudresourcemanager.googleapis.com%2Forganizations%2F123456789012";

fn recorded(name: &str) -> String {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/responses").join(name);
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

fn status(code: u16, name: &str) -> ResponseTemplate {
    ResponseTemplate::new(code).set_body_raw(recorded(name), "application/json")
}

fn response(name: &str) -> ResponseTemplate {
    status(200, name)
}

fn key() -> ServiceAccountKey {
    ServiceAccountKey::from_json(&recorded("service-account-key.json")).unwrap()
}

fn config(server: &MockServer) -> Config {
    let mut config = Config::new(ORG, Credentials::ServiceAccountKey(key()));
    config.endpoints = Endpoints {
        resource_manager: server.uri(),
        cloud_asset: server.uri(),
        iam: server.uri(),
        cloud_identity: server.uri(),
        token: Some(format!("{}/token", server.uri())),
    };
    config.retry = RetryPolicy { max_retries: 3, max_wait: Duration::from_millis(20) };
    config
}

async fn get(server: &MockServer, at: &str, file: &str) {
    Mock::given(method("GET"))
        .and(path(at))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(response(file))
        .mount(server)
        .await;
}

async fn get_query(server: &MockServer, at: &str, key: &str, value: &str, file: &str) {
    Mock::given(method("GET"))
        .and(path(at))
        .and(query_param(key, value))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(response(file))
        .mount(server)
        .await;
}

async fn page_two(server: &MockServer, at: &str, token: &str, file: &str) {
    Mock::given(method("GET"))
        .and(path(at))
        .and(query_param("pageToken", token))
        .respond_with(response(file))
        .with_priority(1)
        .mount(server)
        .await;
}

/// A small organization: folders Production (with EU below it) and Sandbox, a project at the
/// organization and one in EU, allow policies over two pages, a deny policy at the
/// organization, three service accounts, two groups (one nested) and a group of another domain.
async fn small_organization(server: &MockServer) {
    Mock::given(method("POST")).and(path("/token")).respond_with(response("token.json")).mount(server).await;
    get(server, &format!("/v3/organizations/{ORG}"), "organization.json").await;
    page_two(server, "/v3/folders", "AF2Hx8nB2y6qV3", "folders-org-page2.json").await;
    get_query(server, "/v3/folders", "parent", &format!("organizations/{ORG}"), "folders-org-page1.json").await;
    get_query(server, "/v3/folders", "parent", "folders/111111111111", "folders-production.json").await;
    get_query(server, "/v3/projects", "parent", &format!("organizations/{ORG}"), "projects-org.json").await;
    get_query(server, "/v3/projects", "parent", "folders/333333333333", "projects-eu.json").await;
    let search = format!("/v1/organizations/{ORG}:searchAllIamPolicies");
    page_two(server, &search, "CiRhc3NldHMvc2VhcmNoL3BhZ2UvMg==", "iam-policies-page2.json").await;
    get(server, &search, "iam-policies-page1.json").await;
    get(server, &format!("/v1/organizations/{ORG}:searchAllResources"), "resources.json").await;
    page_two(server, "/v1/roles", "cm9sZXMvaWFtLnNlcnZpY2VBY2NvdW50VXNlcg", "roles-predefined-page2.json").await;
    get_query(server, "/v1/roles", "view", "FULL", "roles-predefined-page1.json").await;
    get_query(server, &format!("/v1/organizations/{ORG}/roles"), "view", "FULL", "roles-org.json").await;
    get_query(server, "/v1/projects/app-prod-eu/roles", "view", "FULL", "roles-app-prod-eu.json").await;
    get(server, &format!("/v2/policies/{ORG_POINT}/denypolicies"), "deny-policies-org-list.json").await;
    get(server, &format!("/v2/policies/{ORG_POINT}/denypolicies/deny-sa-keys"), "deny-policy-get.json").await;
    get(server, "/v1/projects/admin-tools/serviceAccounts", "service-accounts-admin-tools.json").await;
    get(server, "/v1/projects/app-prod-eu/serviceAccounts", "service-accounts-app-prod-eu.json").await;
    get(server, &format!("/v1/projects/-/serviceAccounts/{COLLECTOR}/keys"), "keys-collector.json").await;
    get(server, &format!("/v1/projects/-/serviceAccounts/{DEPLOYER}/keys"), "keys-deployer.json").await;
    get_query(server, "/v1/groups:lookup", "groupKey.id", "cloud-admins@example.com", "group-lookup-admins.json").await;
    get_query(server, "/v1/groups:lookup", "groupKey.id", "developers@example.com", "group-lookup-developers.json")
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/groups:lookup"))
        .and(query_param("groupKey.id", "partners@partner.example"))
        .respond_with(status(403, "group-lookup-denied.json"))
        .mount(server)
        .await;
    get_query(server, "/v1/groups/01egqt2p2ffkq3t/memberships", "view", "FULL", "memberships-admins.json").await;
    get_query(server, "/v1/groups/03ygebqi3cz6ktu/memberships", "view", "FULL", "memberships-developers.json").await;
    // Everything else is an empty list: `{}`.
    for pattern in [
        r"^/v3/folders$",
        r"^/v3/projects$",
        r"^/v1/projects/[^/]+/roles$",
        r"^/v2/policies/[^/]+/denypolicies$",
        r"^/v1/projects/-/serviceAccounts/[^/]+/keys$",
    ] {
        Mock::given(method("GET"))
            .and(path_regex(pattern))
            .respond_with(response("empty.json"))
            .with_priority(10)
            .mount(server)
            .await;
    }
}

fn len(value: &Value) -> usize {
    value.as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_small_organization_is_collected_into_the_documented_layout() {
    let server = MockServer::start().await;
    small_organization(&server).await;
    let out = tempfile::tempdir().unwrap();
    let summary = collect(&config(&server), out.path(), |_| {}).await.unwrap();
    let bundle = out.path().join("gcp").join(ORG);
    assert_eq!(summary.bundle, bundle);

    let point = |p: &str| format!("deny-policies/cloudresourcemanager.googleapis.com%2F{p}.json");
    let expected: BTreeSet<String> = [
        "organization.json".to_owned(),
        "folders.json".into(),
        "projects.json".into(),
        "iam-policies.json".into(),
        "resources.json".into(),
        "roles.json".into(),
        point(&format!("organizations%2F{ORG}")),
        point("folders%2F111111111111"),
        point("folders%2F222222222222"),
        point("folders%2F333333333333"),
        point("projects%2Fadmin-tools"),
        point("projects%2Fapp-prod-eu"),
        "service-accounts/admin-tools.json".into(),
        "service-accounts/app-prod-eu.json".into(),
        format!("service-account-keys/{COLLECTOR}.json"),
        format!("service-account-keys/{DEPLOYER}.json"),
        format!("service-account-keys/{COMPUTE}.json"),
        "groups/cloud-admins@example.com.json".into(),
        "groups/developers@example.com.json".into(),
    ]
    .into_iter()
    .collect();
    assert_eq!(files_under(&bundle), expected);

    // The hierarchy in gcloud's shape.
    let organization = read(&bundle.join("organization.json"));
    assert_eq!(organization["name"], format!("organizations/{ORG}"));
    assert_eq!(organization["owner"]["directoryCustomerId"], "C03xk2l9p");
    assert_eq!(organization["lifecycleState"], "ACTIVE");
    let folders = read(&bundle.join("folders.json"));
    let names: BTreeSet<&str> = folders.as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["folders/111111111111", "folders/222222222222", "folders/333333333333"].into_iter().collect());
    let projects = read(&bundle.join("projects.json"));
    assert_eq!(len(&projects), 2);
    let eu = projects.as_array().unwrap().iter().find(|p| p["projectId"] == "app-prod-eu").unwrap();
    assert_eq!(eu["projectNumber"], "100000000002");
    assert_eq!(eu["parent"], serde_json::json!({"id": "333333333333", "type": "folder"}));
    assert_eq!(eu["name"], "App prod EU");

    // Both pages of allow policies, as IamPolicySearchResult, conditions kept.
    let policies = read(&bundle.join("iam-policies.json"));
    assert_eq!(len(&policies), 3);
    assert_eq!(policies[1]["policy"]["bindings"][0]["condition"]["title"], "until 2027");
    assert_eq!(policies[2]["policy"]["bindings"][0]["members"][0], "allUsers");
    // Roles: predefined (two pages), the organization's and the project's custom roles.
    let roles = read(&bundle.join("roles.json"));
    let names: BTreeSet<&str> = roles.as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert!(names.contains("roles/storage.objectViewer"));
    assert!(names.contains(format!("organizations/{ORG}/roles/remitCollector").as_str()));
    assert!(names.contains("projects/app-prod-eu/roles/deployer"));
    assert_eq!(len(&roles), 7);
    // The deny policy with its rules (from get, not the list, which omits them).
    let deny = read(&bundle.join(point(&format!("organizations%2F{ORG}"))));
    assert_eq!(deny[0]["rules"][0]["denyRule"]["deniedPermissions"][0], "iam.googleapis.com/serviceAccountKeys.create");
    assert_eq!(len(&read(&bundle.join(point("projects%2Fapp-prod-eu")))), 0);
    // Service accounts and keys as gcloud lists them.
    assert_eq!(len(&read(&bundle.join("service-accounts/app-prod-eu.json"))), 2);
    let keys = read(&bundle.join(format!("service-account-keys/{COLLECTOR}.json")));
    assert_eq!(keys[0]["keyType"], "USER_MANAGED");
    assert_eq!(len(&read(&bundle.join(format!("service-account-keys/{COMPUTE}.json")))), 0);
    // Groups named in bindings, and the group nested in one of them.
    let admins = read(&bundle.join("groups/cloud-admins@example.com.json"));
    assert_eq!(admins[1]["type"], "GROUP");
    let developers = read(&bundle.join("groups/developers@example.com.json"));
    assert_eq!(developers[1]["preferredMemberKey"]["id"], DEPLOYER);

    assert_eq!((summary.folders, summary.projects, summary.iam_policies, summary.resources), (3, 2, 3, 1));
    assert_eq!((summary.roles, summary.deny_policies), (7, 1));
    assert_eq!((summary.service_accounts, summary.service_account_keys, summary.groups), (3, 3, 2));
    // The group of another domain is reported, not silently dropped.
    assert_eq!(summary.skipped.len(), 1);
    assert!(summary.skipped[0].contains("groups/partners@partner.example.json"), "{:?}", summary.skipped);
    assert!(summary.skipped[0].contains("PERMISSION_DENIED"), "{:?}", summary.skipped);

    // Every permission exercised is granted by the collector's role, and every granted one is used.
    let granted: BTreeSet<String> =
        remit_gcp_collect::role_permissions(remit_gcp_collect::COLLECTOR_ROLE).into_iter().collect();
    assert_eq!(summary.permissions, granted);

    // No credential in any written file.
    let key = key();
    let pem_line = recorded("service-account-key.json");
    let pem_body: Vec<&str> = pem_line.split("\\n").filter(|l| l.len() > 40 && !l.contains("PRIVATE KEY")).collect();
    assert!(!pem_body.is_empty());
    for file in files_under(&bundle) {
        let text = std::fs::read_to_string(bundle.join(&file)).unwrap();
        assert!(!text.contains(TOKEN), "{file} holds the access token");
        assert!(pem_body.iter().all(|line| !text.contains(line)), "{file} holds the private key");
    }
    assert!(!format!("{key:?}").contains(pem_body[0]));
}

/// The token request is the JWT bearer grant: a form with grant_type and an RS256 assertion
/// whose claims are those Google documents, signed by the key file's key.
#[tokio::test]
async fn the_token_request_is_a_signed_jwt_bearer_grant() {
    let server = MockServer::start().await;
    small_organization(&server).await;
    let out = tempfile::tempdir().unwrap();
    collect(&config(&server), out.path(), |_| {}).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    let tokens: Vec<_> = requests.iter().filter(|r| r.method.as_str() == "POST").collect();
    assert_eq!(tokens.len(), 1, "the token is cached for the run");
    assert!(requests.iter().all(|r| r.headers.get("x-goog-user-project").is_none()), "no quota project unless set");
    let request = tokens[0];
    assert_eq!(request.headers.get("content-type").unwrap().to_str().unwrap(), "application/x-www-form-urlencoded");
    let body = std::str::from_utf8(&request.body).unwrap();
    let form: std::collections::BTreeMap<&str, &str> = body.split('&').map(|p| p.split_once('=').unwrap()).collect();
    assert_eq!(form["grant_type"], "urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer");
    assert_eq!(form.len(), 2);
    let assertion = form["assertion"];
    let parts: Vec<&str> = assertion.split('.').collect();
    assert_eq!(parts.len(), 3);
    let decode = |p: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(p).unwrap();
    let header: Value = serde_json::from_slice(&decode(parts[0])).unwrap();
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["kid"], "3f5e7d9c1b2a4e6f8d0c2b4a6e8f0d2c4b6a8e0f");
    let claims: Value = serde_json::from_slice(&decode(parts[1])).unwrap();
    assert_eq!(claims["iss"], COLLECTOR);
    assert_eq!(claims["scope"], "https://www.googleapis.com/auth/cloud-platform");
    assert_eq!(claims["aud"], format!("{}/token", server.uri()));
    assert_eq!(claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(), 3600);
    // The signature verifies with the key's public half.
    let pem = key().private_key;
    let pem = format!("{pem:?}");
    assert_eq!(pem, "***");
    let file: Value = serde_json::from_str(&recorded("service-account-key.json")).unwrap();
    let pem = file["private_key"].as_str().unwrap();
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(body).unwrap();
    let pair = ring::signature::RsaKeyPair::from_pkcs8(&der).unwrap();
    let public =
        ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, pair.public().as_ref());
    let signed = format!("{}.{}", parts[0], parts[1]);
    public.verify(signed.as_bytes(), &decode(parts[2])).unwrap();
    // Negative: a changed claim does not verify.
    assert!(public.verify(format!("{signed}x").as_bytes(), &decode(parts[2])).is_err());
}

/// A given access token is sent as is, with the quota project when one is set; no token request.
#[tokio::test]
async fn a_given_access_token_is_used_without_a_token_request() {
    let server = MockServer::start().await;
    small_organization(&server).await;
    let mut config = config(&server);
    config.credentials = Credentials::AccessToken(Secret::new(TOKEN));
    config.quota_project = Some("admin-tools".into());
    let out = tempfile::tempdir().unwrap();
    let summary = collect(&config, out.path(), |_| {}).await.unwrap();
    assert_eq!(summary.projects, 2);
    let requests = server.received_requests().await.unwrap();
    assert!(requests.iter().all(|r| r.method.as_str() == "GET"));
    // The quota project goes with every call.
    assert!(requests.iter().all(|r| r.headers.get("x-goog-user-project").is_some_and(|v| v == "admin-tools")));
}

/// Switching off resources and groups leaves their files out and makes no such call.
#[tokio::test]
async fn optional_reads_can_be_left_out() {
    let server = MockServer::start().await;
    small_organization(&server).await;
    let mut config = config(&server);
    config.include_resources = false;
    config.include_groups = false;
    let out = tempfile::tempdir().unwrap();
    let summary = collect(&config, out.path(), |_| {}).await.unwrap();
    assert!(!summary.bundle.join("resources.json").exists());
    assert!(!summary.bundle.join("groups").exists());
    assert!(!summary.permissions.contains("cloudasset.assets.searchAllResources"));
    let requests = server.received_requests().await.unwrap();
    assert!(
        requests
            .iter()
            .all(|r| !r.url.path().contains("searchAllResources") && !r.url.path().starts_with("/v1/groups"))
    );
}

/// RESOURCE_EXHAUSTED is retried, and the collection completes.
#[tokio::test]
async fn throttled_calls_are_retried() {
    let server = MockServer::start().await;
    let search = format!("/v1/organizations/{ORG}:searchAllIamPolicies");
    Mock::given(method("GET"))
        .and(path(search.as_str()))
        .respond_with(status(429, "resource-exhausted.json"))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    small_organization(&server).await;
    let out = tempfile::tempdir().unwrap();
    let summary = collect(&config(&server), out.path(), |_| {}).await.unwrap();
    assert_eq!(summary.iam_policies, 3);
    let calls = server.received_requests().await.unwrap().iter().filter(|r| r.url.path() == search).count();
    assert_eq!(calls, 4, "two refused, then the two pages");
}

/// Retries are bounded: a call throttled every time fails with its status, nothing is written.
#[tokio::test]
async fn retries_are_bounded() {
    let server = MockServer::start().await;
    let search = format!("/v1/organizations/{ORG}:searchAllIamPolicies");
    Mock::given(method("GET"))
        .and(path(search.as_str()))
        .respond_with(status(429, "resource-exhausted.json"))
        .with_priority(1)
        .mount(&server)
        .await;
    small_organization(&server).await;
    let mut config = config(&server);
    config.retry = RetryPolicy { max_retries: 2, max_wait: Duration::from_millis(5) };
    let out = tempfile::tempdir().unwrap();
    let error = collect(&config, out.path(), |_| {}).await.unwrap_err();
    assert!(matches!(error, CollectError::Status { status: 429, .. }), "{error}");
    assert!(error.to_string().contains("RESOURCE_EXHAUSTED"), "{error}");
    let calls = server.received_requests().await.unwrap().iter().filter(|r| r.url.path() == search).count();
    assert_eq!(calls, 3);
    assert!(!out.path().join("gcp").join(ORG).exists());
}

/// A 403 names the call, the status, Google's message and the permission to grant.
#[tokio::test]
async fn a_forbidden_call_names_the_missing_permission() {
    let server = MockServer::start().await;
    let search = format!("/v1/organizations/{ORG}:searchAllIamPolicies");
    Mock::given(method("GET"))
        .and(path(search.as_str()))
        .respond_with(status(403, "permission-denied-asset.json"))
        .with_priority(1)
        .mount(&server)
        .await;
    small_organization(&server).await;
    let out = tempfile::tempdir().unwrap();
    let text = collect(&config(&server), out.path(), |_| {}).await.unwrap_err().to_string();
    assert!(text.contains("search all IAM policies"), "{text}");
    assert!(text.contains("HTTP 403 PERMISSION_DENIED"), "{text}");
    assert!(text.contains("the collector needs the IAM permission cloudasset.assets.searchAllIamPolicies"), "{text}");
    assert!(text.contains(&search), "{text}");
    let names: Vec<_> = std::fs::read_dir(out.path().join("gcp")).unwrap().collect();
    assert!(names.is_empty(), "no staging directory is left behind");
}

/// A refused token request says why, without any key material.
#[tokio::test]
async fn a_refused_token_request_reports_google_error_without_the_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST")).respond_with(status(400, "token-invalid-grant.json")).mount(&server).await;
    let out = tempfile::tempdir().unwrap();
    let error = collect(&config(&server), out.path(), |_| {}).await.unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, CollectError::Token { .. }), "{text}");
    assert!(text.contains("HTTP 400 invalid_grant: Invalid JWT Signature."), "{text}");
    let file: Value = serde_json::from_str(&recorded("service-account-key.json")).unwrap();
    let pem = file["private_key"].as_str().unwrap();
    for line in pem.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!text.contains(line) && !format!("{error:?}").contains(line));
    }
    assert!(!format!("{:?}", config(&server)).contains(pem.lines().nth(1).unwrap()));
}

/// A repeated page token (a server bug) stops the collection instead of looping.
#[tokio::test]
async fn a_repeated_page_token_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/roles"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(r#"{"roles":[],"nextPageToken":"same"}"#, "application/json"),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    small_organization(&server).await;
    let out = tempfile::tempdir().unwrap();
    let error = collect(&config(&server), out.path(), |_| {}).await.unwrap_err();
    assert!(matches!(error, CollectError::Shape { .. }), "{error}");
    assert!(error.to_string().contains("list predefined roles"), "{error}");
}

/// `collect_blocking` runs on a runtime of its own; inside a runtime it refuses instead of panicking.
#[tokio::test]
async fn collect_blocking_runs_outside_a_runtime_and_refuses_inside_one() {
    let server = MockServer::start().await;
    small_organization(&server).await;
    let out = tempfile::tempdir().unwrap();
    let inside = remit_gcp_collect::collect_blocking(&config(&server), out.path(), |_| {}).unwrap_err();
    assert!(inside.to_string().contains("await collect"), "{inside}");
    let (config, root) = (config(&server), out.path().to_owned());
    let thread = std::thread::spawn(move || {
        remit_gcp_collect::collect_blocking(&config, &root, |_| {}).map(|s| s.projects).map_err(|e| e.to_string())
    });
    while !thread.is_finished() {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(thread.join().unwrap().unwrap(), 2);
}

/// An organization given as `organizations/<id>` (or anything not numeric) is refused before any call.
#[tokio::test]
async fn a_non_numeric_organization_id_is_refused() {
    let server = MockServer::start().await;
    let mut config = config(&server);
    config.organization_id = format!("organizations/{ORG}");
    let out = tempfile::tempdir().unwrap();
    let error = collect(&config, out.path(), |_| {}).await.unwrap_err();
    assert!(matches!(error, CollectError::Config(_)), "{error}");
    config.organization_id = "example.com".into();
    let error = collect(&config, out.path(), |_| {}).await.unwrap_err();
    assert!(error.to_string().contains("not numeric"), "{error}");
    assert!(server.received_requests().await.unwrap().is_empty());
}
