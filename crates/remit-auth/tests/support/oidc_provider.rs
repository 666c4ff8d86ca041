//! A real OpenID Connect provider for tests: `oidc-provider-mock` (PyPI, MIT), run as a child
//! process on a free loopback port and killed on drop.
//!
//! Dependency-free (std only) so that any crate's tests can include it:
//! `#[path = "../../remit-auth/tests/support/oidc_provider.rs"] mod oidc_provider;`.
//! The Python with the provider installed is named by `REMIT_OIDC_PYTHON` (scripts/test.sh
//! installs it in a virtual environment and sets it). When unset, [`OidcProvider::start`]
//! prints why and returns `None`, so the test can return early; with `REMIT_REQUIRE_OIDC=1`
//! (CI) it panics instead, so a missing provider cannot pass as a green run.
//!
//! The provider signs ID tokens with RS256, binds each code to its client, deletes a code when
//! it is redeemed, and does not check PKCE. Any client id and secret are accepted. A predefined
//! user's claims (`--user-claims`, see [`OidcProvider::start`]) are copied into its ID token
//! *over* the standard ones, which lets tests have a properly signed token with a wrong `aud`,
//! `iss`, `exp` or `nonce`.

// Test support: a failure to start the provider ends the test, with the provider's log.
#![allow(dead_code, unreachable_pub, clippy::panic)]

use std::{
    fs::File,
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// A running provider.
pub struct OidcProvider {
    child: Child,
    /// `http://127.0.0.1:<port>`: the issuer, and the base of every endpoint.
    pub issuer: String,
    port: u16,
    log: PathBuf,
}

impl OidcProvider {
    /// Starts the provider with the given predefined users, each a JSON object of claims with
    /// at least `sub` (e.g. `{"sub": "alice", "email": "alice@example.com", "groups": ["x"]}`),
    /// and waits for its discovery document. Nonces are required. `None` (with the reason
    /// printed) when `REMIT_OIDC_PYTHON` is unset and `REMIT_REQUIRE_OIDC` is not `1`.
    pub fn start(users: &[&str]) -> Option<OidcProvider> {
        let Some(python) = std::env::var_os("REMIT_OIDC_PYTHON") else {
            let reason = "REMIT_OIDC_PYTHON is unset (scripts/test.sh installs oidc-provider-mock and sets it)";
            if std::env::var("REMIT_REQUIRE_OIDC").as_deref() == Ok("1") {
                panic!("REMIT_REQUIRE_OIDC=1 but {reason}");
            }
            eprintln!("skipped: {reason}");
            return None;
        };
        let port = free_port();
        let log = std::env::temp_dir().join(format!("remit-oidc-provider-{}-{port}.log", std::process::id()));
        let log_file = File::create(&log).expect("create the provider's log file");
        let mut command = Command::new(python);
        command
            .args(["-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port"])
            .arg(port.to_string())
            .args(["--require-nonce", "true"])
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().expect("clone the log file"))
            .stderr(log_file);
        for user in users {
            command.args(["--user-claims", user]);
        }
        let child = command.spawn().expect("start oidc-provider-mock with REMIT_OIDC_PYTHON");
        let mut provider = OidcProvider { child, issuer: format!("http://127.0.0.1:{port}"), port, log };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = provider.child.try_wait() {
                panic!("oidc-provider-mock exited ({status}) before serving:\n{}", provider.log());
            }
            if let Ok(response) = provider.request("GET", "/.well-known/openid-configuration", None)
                && response.status == 200
                && response.body.contains("\"issuer\"")
            {
                return Some(provider);
            }
            if Instant::now() > deadline {
                panic!("oidc-provider-mock did not serve its discovery document within 60 s:\n{}", provider.log());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// What the provider has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Signs `subject` in as a browser would: opens `authorize_url` (which must be this
    /// provider's) and submits its form; returns the `Location` the provider redirects to (our
    /// redirect URL with `code` and `state`), without following it.
    pub fn sign_in(&self, authorize_url: &str, subject: &str) -> String {
        let path = authorize_url
            .strip_prefix(&self.issuer)
            .unwrap_or_else(|| panic!("`{authorize_url}` is not at {}", self.issuer));
        let form = self.request("GET", path, None).expect("GET the authorize form");
        assert_eq!(form.status, 200, "authorize form: {}\n{}", form.body, self.log());
        assert!(form.body.contains("name=\"sub\""), "no subject field in the form: {}", form.body);
        let body = format!("sub={}", form_encode(subject));
        let answer = self.request("POST", path, Some(&body)).expect("POST the authorize form");
        assert_eq!(answer.status, 302, "authorize: {}\n{}", answer.body, self.log());
        answer.header("location").expect("a Location header").to_owned()
    }

    fn request(&self, method: &str, path: &str, form: Option<&str>) -> std::io::Result<Response> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        let body = form.unwrap_or("");
        let content_type = if form.is_some() { "Content-Type: application/x-www-form-urlencoded\r\n" } else { "" };
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n{content_type}Content-Length: {}\r\n\r\n{body}",
            self.port,
            body.len()
        )?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw)?;
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let mut lines = head.lines();
        let status =
            lines.next().and_then(|line| line.split(' ').nth(1)).and_then(|code| code.parse().ok()).unwrap_or(0);
        let headers = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
            .collect();
        Ok(Response { status, headers, body: body.to_owned() })
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(it, _)| it == name).map(|(_, value)| value.as_str())
    }
}

/// A port nobody listens on now (the OS's pick for port 0).
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free loopback port");
    listener.local_addr().expect("the bound address").port()
}

/// `application/x-www-form-urlencoded` encoding of one value.
fn form_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => (b as char).to_string(),
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
