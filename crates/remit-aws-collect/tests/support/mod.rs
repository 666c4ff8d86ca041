//! The moto server the end-to-end tests run against (each test file that uses it declares
//! `mod support;`).
//!
//! `REMIT_MOTO_SERVER` names the `moto_server` binary (`scripts/test.sh` installs it); else
//! `moto_server` on `PATH`. Without either a test is skipped, except under `CI`, where it fails.

use std::{
    net::{TcpListener, TcpStream},
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// The moto release `scripts/test.sh` installs and the tests' notes about moto describe.
pub(crate) const MOTO_VERSION: &str = "5.2.5";

/// moto_server on a free port of 127.0.0.1, killed on drop.
pub(crate) struct Moto {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub(crate) endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn moto_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("REMIT_MOTO_SERVER") {
        let path = PathBuf::from(path);
        assert!(path.is_file(), "REMIT_MOTO_SERVER={} does not exist", path.display());
        return Some(path);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join("moto_server")).find(|candidate| candidate.is_file())
}

/// moto_server started on a free port; none (the test is skipped) when it is not installed,
/// except under `CI`, where that fails the test.
pub(crate) fn start_moto() -> Option<Moto> {
    let Some(binary) = moto_binary() else {
        let install = format!(
            "install it with `python3 -m venv DIR && DIR/bin/pip install 'moto[server]=={MOTO_VERSION}'` and set \
             REMIT_MOTO_SERVER=DIR/bin/moto_server (scripts/test.sh does this)"
        );
        assert!(std::env::var_os("CI").is_none(), "moto_server not found: {install}");
        eprintln!("skipping the moto test: moto_server not found; {install}");
        return None;
    };
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    let child = Command::new(&binary)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|err| format!("starting {}: {err}", binary.display()))
        .expect("moto_server starts");
    let moto = Moto { child, endpoint: format!("http://127.0.0.1:{port}") };
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto_server did not answer on port {port} within 60 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(moto)
}
