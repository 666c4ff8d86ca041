//! What the server's integration tests share: a store holding two snapshots of a generated
//! organization and Remit's users (one per role), the real application served over real HTTP
//! on a loopback port, and a small client that keeps the session cookie and CSRF token by hand
//! (so that tests can leave either out, or send a wrong one).
//!
//! Why over HTTP and not `tower::ServiceExt::oneshot`: cookies, the peer address (the audit
//! trail's `source`, the rate limit's key), `Origin` and the security headers are what these
//! tests check, and they are only real on a socket.

// Test support: a setup that cannot go on fails the test, loudly; not every test binary uses
// every helper.
#![allow(dead_code, unreachable_pub, clippy::panic, clippy::unwrap_used)]

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::OnceLock,
    time::{Duration, Instant},
};

use remit_history::History;
use remit_server::{AppState, ServerConfig};
use remit_store::{AuditEvent, AuditRecord, SnapshotRow, Store, UserRow};
use serde_json::{Value, json};

/// The password of every test user (and the one the "no secret in answers" checks look for).
pub const PASSWORD: &str = "Correct-Horse-Battery-42";

/// One user per role: (name, role).
pub const USERS: [(&str, &str); 5] = [
    ("admin", "admin"),
    ("analyst", "security-analyst"),
    ("auditor", "auditor"),
    ("approver", "approver"),
    ("requester", "requester"),
];

/// The environment's name.
pub const ENV: &str = "test-org";
/// When the earlier snapshot was taken (2025-01-01T00:00:00Z).
pub const EARLIER: i64 = 1_735_689_600;
/// When the later one was (2025-02-01T00:00:00Z).
pub const LATER: i64 = 1_738_368_000;

/// Users and roles the earlier snapshot lacks (removed from its bundle).
pub const REMOVED: usize = 3;

/// The argon2id hash of [`PASSWORD`], computed once per test process (hashing is slow in debug
/// builds).
pub fn password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| remit_auth::password::hash(PASSWORD).expect("hash the test password")).clone()
}

/// A CLI-style audit event for the fixture's own changes.
pub fn setup_event(action: &str, target: &str) -> AuditEvent {
    AuditEvent::new("test-setup", action, target, "cli").with_detail(json!({}))
}

/// A generated organization (one small account) in `dir/later`, and the same organization a
/// month earlier in `dir/earlier`: [`REMOVED`] users and roles did not exist yet.
pub fn write_bundles(dir: &Path) {
    let later = dir.join("later");
    remit_gen::aws_org::generate_with(
        &remit_gen::aws_org::Options { seed: 11, size: remit_gen::aws_org::Size::Small, org_accounts: None },
        &later,
    )
    .expect("generate the organization");
    let earlier = dir.join("earlier");
    copy_dir(&later, &earlier);
    let mut changed = false;
    for entry in std::fs::read_dir(earlier.join("accounts")).expect("the bundle's accounts").flatten() {
        let path = entry.path().join("authorization-details.json");
        let Ok(bytes) = std::fs::read(&path) else { continue };
        let mut doc: Value = serde_json::from_slice(&bytes).expect("authorization details are JSON");
        for list in ["UserDetailList", "RoleDetailList"] {
            if let Some(items) = doc[list].as_array_mut()
                && items.len() > REMOVED
            {
                let keep = items.len() - REMOVED;
                items.truncate(keep);
                changed = true;
            }
        }
        std::fs::write(&path, serde_json::to_vec_pretty(&doc).expect("serialize")).expect("write the earlier bundle");
        break;
    }
    assert!(changed, "the generated bundle has no account with users and roles to remove");
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a directory");
    for entry in std::fs::read_dir(from).expect("list a directory").flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a file");
        }
    }
}

/// The two snapshots a populated store holds.
#[derive(Clone, Debug)]
pub struct Snapshots {
    /// Taken at [`EARLIER`].
    pub earlier: SnapshotRow,
    /// Taken at [`LATER`].
    pub later: SnapshotRow,
}

/// Captures both bundles of `dir` (see [`write_bundles`]) into `store` and creates [`USERS`].
pub async fn populate(store: &Store, dir: &Path) -> Snapshots {
    if !dir.join("later").exists() {
        write_bundles(dir);
    }
    let history = History::new(store.clone());
    let earlier = history
        .capture(&dir.join("earlier"), ENV, Some(EARLIER), &setup_event("snapshot.capture", ENV))
        .await
        .expect("capture the earlier snapshot")
        .snapshot;
    let later = history
        .capture(&dir.join("later"), ENV, Some(LATER), &setup_event("snapshot.capture", ENV))
        .await
        .expect("capture the later snapshot")
        .snapshot;
    create_users(store).await;
    Snapshots { earlier, later }
}

/// Creates [`USERS`], each with [`PASSWORD`].
pub async fn create_users(store: &Store) {
    let hash = password_hash();
    for (name, role) in USERS {
        let user = UserRow {
            name: name.to_owned(),
            display: format!("Test {name}"),
            email: Some(format!("{name}@example.test")),
            role: role.to_owned(),
            password_hash: Some(hash.clone()),
            oidc_subject: None,
            disabled: false,
            created_at: remit_findings::Timestamp::now().unix(),
        };
        store.create_user(&user, &setup_event("user.create", name)).await.expect("create a test user");
    }
}

/// A store in a temporary directory (SQLite), populated; the directory holds the bundles too.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub snapshots: Snapshots,
}

impl Fixture {
    /// A fresh SQLite store with both snapshots and every user: a copy of a template built
    /// once per test binary (capturing two snapshots takes seconds in a debug build, and each
    /// test runs in a process of its own).
    pub async fn sqlite() -> Fixture {
        let template = template().await;
        let dir = tempfile::Builder::new().prefix("remit-server-test-").tempdir().expect("a temporary directory");
        let data = dir.path().join("data");
        copy_dir(&template, &data);
        let store = Store::open(&data).await.expect("open the store");
        let all = store.snapshots(Some(ENV)).await.expect("the snapshots");
        let [later, earlier] = <[SnapshotRow; 2]>::try_from(all).expect("two snapshots in the template");
        assert_eq!((earlier.taken_at, later.taken_at), (EARLIER, LATER));
        Fixture { dir, store, snapshots: Snapshots { earlier, later } }
    }

    /// The bytes of the SQLite database files (the database and its write-ahead log), to check
    /// that a secret is stored nowhere in them.
    pub fn database_bytes(&self) -> Vec<u8> {
        let mut all = Vec::new();
        for entry in std::fs::read_dir(self.dir.path().join("data")).expect("the data directory").flatten() {
            if entry.file_name().to_string_lossy().starts_with("remit.db") {
                all.extend(std::fs::read(entry.path()).expect("read a database file"));
            }
        }
        assert!(!all.is_empty(), "no database file found");
        all
    }
}

/// The data directory of a populated SQLite store, built once per test binary (and build):
/// the first process to take the lock builds it into a directory of its own and renames it
/// into place, the others wait for it.
async fn template() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary");
    let meta = std::fs::metadata(&exe).expect("the test binary's metadata");
    let modified = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).unwrap_or_default();
    let stem = exe.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let key = format!("{stem}-{}-{}", meta.len(), modified.as_nanos());
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("remit-server-fixtures");
    std::fs::create_dir_all(&root).expect("the fixtures' directory");
    let ready = root.join(&key);
    let lock = root.join(format!("{key}.lock"));
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        if ready.join("data").join("remit.db").is_file() {
            return ready.join("data");
        }
        match std::fs::create_dir(&lock) {
            Ok(()) => {
                let building = root.join(format!("{key}.building-{}", std::process::id()));
                let _ = std::fs::remove_dir_all(&building);
                std::fs::create_dir_all(&building).expect("a directory to build the fixture in");
                let store = Store::open(&building.join("data")).await.expect("open the template store");
                populate(&store, &building).await;
                store.close().await;
                for bundle in ["earlier", "later"] {
                    let _ = std::fs::remove_dir_all(building.join(bundle));
                }
                std::fs::rename(&building, &ready).expect("put the fixture in place");
                let _ = std::fs::remove_dir(&lock);
                // Templates of earlier builds of this binary are of no more use.
                for entry in std::fs::read_dir(&root).into_iter().flatten().flatten() {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    if name.starts_with(&format!("{stem}-")) && !name.starts_with(&key) {
                        let _ = std::fs::remove_dir_all(entry.path());
                    }
                }
                return ready.join("data");
            }
            Err(_) => {
                // Another process builds it; a lock left by a killed one goes stale.
                let stale = std::fs::metadata(&lock)
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age > Duration::from_secs(300));
                if stale {
                    let _ = std::fs::remove_dir(&lock);
                }
                assert!(Instant::now() < deadline, "the fixture was not built within 10 minutes");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
}

/// Whether `haystack` contains `needle`'s bytes.
pub fn contains_bytes(haystack: &[u8], needle: &str) -> bool {
    let needle = needle.as_bytes();
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// The application served on a loopback port until dropped.
pub struct Server {
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    pub addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Serves `store` with the default configuration (secure cookies, no OIDC).
    pub async fn start(store: &Store) -> Server {
        Server::start_with(store, |_| {}).await
    }

    /// Serves `store`: binds first, so that `configure` sees the address (an OIDC redirect URL
    /// names it), discovers the OIDC provider when configured (as `remit_server::serve` does),
    /// then serves `remit_server::app` with the peer's address.
    pub async fn start_with(store: &Store, configure: impl FnOnce(&mut ServerConfig)) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a loopback port");
        let addr = listener.local_addr().expect("the bound address");
        let mut config = ServerConfig::new(addr);
        configure(&mut config);
        let oidc = match &config.oidc {
            Some(settings) => {
                Some(remit_auth::oidc::OidcClient::discover(settings).await.expect("discover the OIDC provider"))
            }
            None => None,
        };
        let state = AppState::new(History::new(store.clone()), config, oidc);
        let app = remit_server::app(state).into_make_service_with_connect_info::<SocketAddr>();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("serve");
        });
        Server { base: format!("http://{addr}"), addr, task }
    }

    /// A client of this server.
    pub fn client(&self) -> Client {
        Client::new(&self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A signed-in browser session: the cookie's value and the CSRF token.
#[derive(Clone, Debug)]
pub struct Session {
    pub cookie: String,
    pub csrf: String,
    pub user: Value,
}

/// How a request authenticates.
#[derive(Clone, Copy, Debug)]
pub enum Auth<'a> {
    /// Nothing.
    None,
    /// The session cookie and its CSRF token.
    Session(&'a Session),
    /// The session cookie without a CSRF token.
    SessionNoCsrf(&'a Session),
    /// The session cookie with this CSRF token.
    SessionCsrf(&'a Session, &'a str),
    /// `Authorization: Bearer <token>`.
    Bearer(&'a str),
}

/// An answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Answer {
    /// The body as JSON (panics with the body when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): status {}: {}", self.status, self.body))
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Every `Set-Cookie` header.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect()
    }

    /// The `Set-Cookie` header of cookie `name`.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.set_cookies().into_iter().find(|c| c.starts_with(&format!("{name}=")))
    }

    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Answer {
        assert_eq!(self.status, status, "unexpected status; body: {}", short(&self.body));
        self
    }

    /// Asserts an error answer: the status and `{"error": {"code": code, "message": ...}}`.
    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str) -> &Answer {
        self.expect(status);
        let body = self.json();
        assert_eq!(body["error"]["code"], json!(code), "error code; body: {}", self.body);
        assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "no message: {}", self.body);
        self
    }
}

/// The start of a long text, for assertion messages.
pub fn short(text: &str) -> &str {
    let end = text.char_indices().nth(600).map_or(text.len(), |(i, _)| i);
    &text[..end]
}

/// A plain HTTP client that follows no redirect and keeps no cookie by itself.
#[derive(Clone)]
pub struct Client {
    pub base: String,
    http: reqwest::Client,
}

impl Client {
    pub fn new(base: &str) -> Client {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(300))
            .build()
            .expect("an HTTP client");
        Client { base: base.to_owned(), http }
    }

    /// Sends a request; `headers` are added last.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        auth: Auth<'_>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        match auth {
            Auth::None => {}
            Auth::Session(s) => {
                request =
                    request.header("cookie", format!("remit_session={}", s.cookie)).header("x-csrf-token", &s.csrf);
            }
            Auth::SessionNoCsrf(s) => request = request.header("cookie", format!("remit_session={}", s.cookie)),
            Auth::SessionCsrf(s, csrf) => {
                request = request.header("cookie", format!("remit_session={}", s.cookie)).header("x-csrf-token", csrf);
            }
            Auth::Bearer(token) => request = request.header("authorization", format!("Bearer {token}")),
        }
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body.to_string());
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap_or_else(|e| panic!("{path}: reading the body: {e}"));
        Answer { status, headers, body }
    }

    pub async fn get(&self, path: &str, auth: Auth<'_>) -> Answer {
        self.send("GET", path, auth, None, &[]).await
    }

    pub async fn post(&self, path: &str, auth: Auth<'_>, body: &Value) -> Answer {
        self.send("POST", path, auth, Some(body), &[]).await
    }

    pub async fn put(&self, path: &str, auth: Auth<'_>, body: &Value) -> Answer {
        self.send("PUT", path, auth, Some(body), &[]).await
    }

    pub async fn patch(&self, path: &str, auth: Auth<'_>, body: &Value) -> Answer {
        self.send("PATCH", path, auth, Some(body), &[]).await
    }

    pub async fn delete(&self, path: &str, auth: Auth<'_>) -> Answer {
        self.send("DELETE", path, auth, None, &[]).await
    }

    /// `POST /api/login`, as it answers.
    pub async fn try_login(&self, name: &str, password: &str) -> Answer {
        self.post("/api/login", Auth::None, &json!({"username": name, "password": password})).await
    }

    /// Signs in (panics unless it works): the session.
    pub async fn login(&self, name: &str, password: &str) -> Session {
        let answer = self.try_login(name, password).await;
        answer.expect(200);
        let cookie = answer.set_cookie("remit_session").expect("a session cookie");
        let value = cookie_value(&cookie).to_owned();
        assert!(!value.is_empty(), "an empty session cookie: {cookie}");
        let body = answer.json();
        let csrf = body["csrf"].as_str().expect("a CSRF token").to_owned();
        Session { cookie: value, csrf, user: body["user"].clone() }
    }
}

/// The value of a `Set-Cookie` header.
pub fn cookie_value(set_cookie: &str) -> &str {
    let first = set_cookie.split(';').next().unwrap_or("");
    first.split_once('=').map_or("", |(_, v)| v)
}

/// The attributes of a `Set-Cookie` header, lowercased and trimmed (`httponly`, `samesite=strict`).
pub fn cookie_attributes(set_cookie: &str) -> Vec<String> {
    set_cookie.split(';').skip(1).map(|a| a.trim().to_lowercase()).collect()
}

/// Every audit record.
pub async fn audit_trail(store: &Store) -> Vec<AuditRecord> {
    let mut all = Vec::new();
    let mut after = 0;
    loop {
        let page = store.audit_records(after, 1000).await.expect("read the audit trail");
        let Some(last) = page.last() else { break };
        after = last.seq;
        all.extend(page);
    }
    all
}

/// Asserts that the audit trail verifies.
#[track_caller]
pub fn assert_intact(verification: &remit_store::AuditVerification) {
    assert!(verification.is_ok(), "the audit trail does not verify: {:?}", verification.problems);
}

/// Every route the API serves besides `/api/openapi.json` itself: (method, path template).
/// The OpenAPI document must list exactly these, and the role table covers each.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/auth/methods"),
    ("post", "/api/login"),
    ("post", "/api/logout"),
    ("get", "/api/me"),
    ("get", "/auth/oidc/login"),
    ("get", "/auth/oidc/callback"),
    ("get", "/healthz"),
    ("get", "/api/snapshots"),
    ("get", "/api/dashboard"),
    ("get", "/api/principals"),
    ("get", "/api/principals/{arn}"),
    ("get", "/api/resources"),
    ("get", "/api/resources/{arn}"),
    ("get", "/api/findings"),
    ("get", "/api/findings/{id}"),
    ("post", "/api/findings/{id}/suppression"),
    ("delete", "/api/findings/{id}/suppression"),
    ("get", "/api/diff"),
    ("get", "/api/search"),
    ("get", "/api/who-can"),
    ("get", "/api/what-can"),
    ("get", "/api/explain"),
    ("get", "/api/can-become"),
    ("get", "/api/exposure"),
    ("get", "/api/usage"),
    ("get", "/api/unused"),
    ("get", "/api/creep"),
    ("get", "/api/rightsize"),
    ("get", "/api/audit"),
    ("get", "/api/audit/verify"),
    ("get", "/api/audit/export"),
    ("get", "/api/users"),
    ("post", "/api/users"),
    ("patch", "/api/users/{name}"),
    ("get", "/api/tokens"),
    ("post", "/api/tokens"),
    ("delete", "/api/tokens/{id}"),
    ("get", "/api/policies"),
    ("put", "/api/policies/{name}"),
    ("delete", "/api/policies/{name}"),
];

/// Percent-encodes a path segment (ARNs hold `:` and `/`).
pub fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
