//! The web console end to end, in real headless Chromium: `remit demo` serves the demo
//! organization on a free loopback port, and `tests/browser/scenario.mjs` (Playwright, through
//! the `playwright-core` package, driving Debian's `chromium`) signs in as the analyst, reads the
//! dashboard, searches, opens an identity with its escalation graph, explains a decision, lists
//! and suppresses a finding, signs in as the auditor and is refused, compares two snapshots and
//! is refused a wrong password, with no console error and no CSP violation on the way.
//!
//! A PNG of every page is kept in `REMIT_SCREENSHOT_DIR` (default: `browser-screenshots` in the
//! target directory) to be looked at.
//!
//! The test builds nothing: it runs the `remit` binary from `REMIT_BIN`, else Cargo's
//! `CARGO_BIN_EXE_remit` (when this file is a test of the crate with the binary), else the one
//! next to this test's executable (`target/<profile>/remit`). `playwright-core` comes from
//! `REMIT_BROWSER_DIR` (scripts/test.sh installs it there), Chromium from `REMIT_CHROMIUM` or
//! `PATH`. When something is missing the test says what and passes, unless
//! `REMIT_REQUIRE_BROWSER=1` (CI), which makes it a failure.

use std::{
    env, fs,
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    thread,
    time::{Duration, Instant},
};

/// The demo users' password in this test (admin, analyst and auditor share it).
const PASSWORD: &str = "browser-test-correct-horse";

#[test]
fn console_end_to_end_in_chromium() {
    let setup = match Setup::find() {
        Ok(setup) => setup,
        Err(why) => {
            let required = env::var("REMIT_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
            assert!(!required, "the browser test cannot run: {why}");
            eprintln!("skipping the browser test: {why} (REMIT_REQUIRE_BROWSER=1 makes this a failure)");
            return;
        }
    };
    eprintln!(
        "browser test: remit {}, chromium {}, playwright-core in {}",
        setup.remit.display(),
        setup.chromium.display(),
        setup.browser_dir.display()
    );

    let work = env::temp_dir().join(format!("remit-browser-{}", std::process::id()));
    let _ = fs::remove_dir_all(&work);
    fs::create_dir_all(&work).expect("a temporary directory");
    let port = free_port().expect("a free port");
    let listen = format!("127.0.0.1:{port}");
    let mut server = Server::start(&setup.remit, &work, &listen).expect("remit demo starts");
    let startup =
        Duration::from_secs(env::var("REMIT_BROWSER_STARTUP_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(900));
    if let Err(why) = server.wait_healthy(&listen, startup) {
        let log = server.log();
        drop(server);
        panic!("remit demo did not come up on {listen}: {why}\n--- its output ---\n{log}");
    }

    let shots = screenshot_dir();
    let _ = fs::create_dir_all(&shots);
    for entry in fs::read_dir(&shots).into_iter().flatten().flatten() {
        if entry.path().extension().is_some_and(|e| e == "png") {
            let _ = fs::remove_file(entry.path());
        }
    }
    let out = Command::new(&setup.node)
        .arg(&setup.scenario)
        .env("REMIT_URL", format!("http://{listen}"))
        .env("REMIT_PASSWORD", PASSWORD)
        .env("REMIT_SCREENSHOT_DIR", &shots)
        .env("REMIT_BROWSER_DIR", &setup.browser_dir)
        .env("REMIT_CHROMIUM", &setup.chromium)
        .output()
        .expect("node runs the scenario");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    let log = server.log();
    drop(server);
    assert!(
        out.status.success(),
        "the browser scenario failed ({}):\n{stderr}\nscreenshots in {}\n--- the server's output ---\n{}",
        out.status,
        shots.display(),
        tail(&log, 60)
    );
    let _ = fs::remove_dir_all(&work);
}

/// The rules that keep the strict CSP and the DOM safe, checked on the files themselves (the
/// browser test sees only the pages it visits): no inline script, style or event handler, no
/// `innerHTML`-like sink, nothing loaded from another origin.
#[test]
fn console_assets_keep_the_csp_rules() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../remit-server/console");
    let mut checked = 0;
    for entry in fs::read_dir(&dir).expect("the console folder").flatten() {
        let path = entry.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        if name.ends_with(".md") {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap_or_default();
        for sink in
            ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "javascript:"]
        {
            assert!(!text.contains(sink), "{name} uses `{sink}`");
        }
        for origin in ["http://", "https://"] {
            let external = text.match_indices(origin).any(|(i, _)| !text[i..].starts_with("http://www.w3.org/"));
            assert!(!external, "{name} names another origin ({origin})");
        }
        if name.ends_with(".html") {
            let lower = text.to_lowercase();
            assert!(!lower.contains(" style="), "{name} has a style attribute");
            assert!(!lower.contains("<style"), "{name} has an inline stylesheet");
            assert!(!has_event_attribute(&lower), "{name} has an inline event handler");
            for script in lower.split("<script").skip(1) {
                let tag = script.split('>').next().unwrap_or_default();
                assert!(tag.contains("src="), "{name} has an inline script");
            }
        }
        checked += 1;
    }
    assert!(checked >= 3, "the console has index.html, app.js and app.css");
}

/// True when the markup has an `on…=` attribute (`onclick=`, `onload =` …).
fn has_event_attribute(html: &str) -> bool {
    html.match_indices(" on").any(|(i, _)| {
        let rest = &html[i + 3..];
        let name_len = rest.chars().take_while(char::is_ascii_alphabetic).count();
        name_len > 0 && rest[name_len..].trim_start().starts_with('=')
    })
}

/// What the test needs, found on this machine.
struct Setup {
    remit: PathBuf,
    node: PathBuf,
    chromium: PathBuf,
    browser_dir: PathBuf,
    scenario: PathBuf,
}

impl Setup {
    fn find() -> Result<Setup, String> {
        let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("../remit-server/tests/browser/scenario.mjs");
        if !scenario.is_file() {
            return Err(format!("no scenario at {}", scenario.display()));
        }
        let remit = remit_binary().ok_or("no `remit` binary: set REMIT_BIN or build it (cargo build -p remit-cli)")?;
        let node = on_path("node").ok_or("node is not installed")?;
        let chromium = env::var_os("REMIT_CHROMIUM")
            .map(PathBuf::from)
            .or_else(|| on_path("chromium"))
            .or_else(|| on_path("chromium-browser"))
            .ok_or("chromium is not installed (apt-get install chromium) and REMIT_CHROMIUM is not set")?;
        let browser_dir = browser_dir(&scenario)
            .ok_or("playwright-core is not installed: scripts/test.sh installs it and sets REMIT_BROWSER_DIR")?;
        Ok(Setup { remit, node, chromium, browser_dir, scenario })
    }
}

/// `REMIT_BIN`, Cargo's path to the binary when this test belongs to its crate, or the binary
/// next to this test's executable (`target/<profile>/deps/browser-…` → `target/<profile>/remit`).
fn remit_binary() -> Option<PathBuf> {
    if let Some(path) = env::var_os("REMIT_BIN") {
        return Some(PathBuf::from(path));
    }
    if let Some(path) = option_env!("CARGO_BIN_EXE_remit") {
        return Some(PathBuf::from(path));
    }
    let exe = env::current_exe().ok()?;
    let candidate = exe.parent()?.parent()?.join(format!("remit{}", env::consts::EXE_SUFFIX));
    candidate.is_file().then_some(candidate)
}

/// Where `playwright-core` is installed: `REMIT_BROWSER_DIR`, the cache scripts/test.sh
/// installs into, or `node_modules` beside the scenario.
fn browser_dir(scenario: &Path) -> Option<PathBuf> {
    let cache = env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .map(|c| c.join("remit/browser"));
    env::var_os("REMIT_BROWSER_DIR")
        .map(PathBuf::from)
        .into_iter()
        .chain(cache)
        .chain(scenario.parent().map(Path::to_path_buf))
        .find(|dir| dir.join("node_modules/playwright-core/package.json").is_file())
}

fn on_path(name: &str) -> Option<PathBuf> {
    env::split_paths(&env::var_os("PATH")?).map(|dir| dir.join(name)).find(|p| p.is_file())
}

/// `REMIT_SCREENSHOT_DIR`, else `browser-screenshots` in the target directory.
fn screenshot_dir() -> PathBuf {
    if let Some(dir) = env::var_os("REMIT_SCREENSHOT_DIR") {
        return PathBuf::from(dir);
    }
    let target = env::current_exe().ok().and_then(|exe| Some(exe.parent()?.parent()?.parent()?.to_path_buf()));
    target.unwrap_or_else(|| PathBuf::from("target")).join("browser-screenshots")
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// `remit demo` serving on a port, killed on drop.
struct Server {
    child: Child,
    log: PathBuf,
}

impl Server {
    fn start(remit: &Path, work: &Path, listen: &str) -> std::io::Result<Server> {
        let log = work.join("server.log");
        let out = fs::File::create(&log)?;
        let err = out.try_clone()?;
        // A demo of its own (OUT holds the bundle and the store): suppressions of an earlier run
        // are not there.
        let child = Command::new(remit)
            .arg("demo")
            .arg("--out")
            .arg(work.join("demo"))
            .args(["--listen", listen, "--password", PASSWORD])
            .env("REMIT_DEMO_PASSWORD", PASSWORD)
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()?;
        Ok(Server { child, log })
    }

    fn wait_healthy(&mut self, listen: &str, within: Duration) -> Result<(), String> {
        let start = Instant::now();
        while start.elapsed() < within {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("remit demo exited ({status})"));
            }
            if healthz(listen) {
                return Ok(());
            }
            thread::sleep(Duration::from_millis(500));
        }
        Err(format!("no answer on /healthz within {} s", within.as_secs()))
    }

    fn log(&self) -> String {
        fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// True when `GET /healthz` answers 200.
fn healthz(listen: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(listen) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {listen}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    answer.starts_with(b"HTTP/1.1 200")
}
