//! A throw-away PostgreSQL cluster for tests: `initdb` into a temporary directory, `pg_ctl
//! start` on a free loopback port (its socket in that directory too, so nothing outside it is
//! touched), stopped when dropped.
//!
//! Why a real server and not a mock: what must hold on PostgreSQL (types, locks across
//! connections, two pools on one database) only shows on PostgreSQL. Why each test gets its
//! own cluster: test runners give each test its own process, and a cluster must not outlive
//! the test that started it; `initdb` with `--no-sync` and `fsync=off` take about a second.
//!
//! The binaries come from `REMIT_PG_BINDIR` if set, else Debian's
//! `/usr/lib/postgresql/<version>/bin` (the newest), else `PATH`. Without them a test is skipped with the reason printed — unless
//! `REMIT_REQUIRE_POSTGRES=1` (CI), where that is a failure. As root, the server runs as the
//! `postgres` user (or `nobody`): PostgreSQL refuses to run as root.
//!
//! Other crates' tests use it with
//! `#[path = "../../remit-store/tests/support/pg.rs"] mod pg;` (it needs only `tempfile`).
// Test support: a setup that cannot go on fails the test, loudly.
#![allow(dead_code, clippy::panic)]

use std::{
    net::TcpListener,
    os::unix::fs::MetadataExt as _,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
    time::Duration,
};

/// A running cluster, with a superuser `remit` trusted on loopback.
pub(crate) struct PgCluster {
    dir: tempfile::TempDir,
    bindir: PathBuf,
    port: u16,
    /// `setpriv` arguments when running as root.
    run_as: Option<(u32, u32)>,
}

/// Whether tests must fail rather than skip without PostgreSQL.
pub(crate) fn postgres_required() -> bool {
    std::env::var("REMIT_REQUIRE_POSTGRES").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// The directory with `initdb` and `pg_ctl`: the newest Debian cluster version, or `PATH`.
pub(crate) fn find_bindir() -> Option<PathBuf> {
    // An explicit directory is the only one looked at (and a wrong one means none).
    if let Some(dir) = std::env::var_os("REMIT_PG_BINDIR") {
        let dir = PathBuf::from(dir);
        return dir.join("initdb").is_file().then_some(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path).find(|dir| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file())
    })
}

/// The uid and gid to run the server as when this process is root.
fn unprivileged() -> Option<(u32, u32)> {
    let me = std::fs::metadata("/proc/self").ok()?;
    if me.uid() != 0 {
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let find = |name: &str| {
        passwd.lines().find_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            (fields.first() == Some(&name) && fields.len() > 3)
                .then(|| Some((fields[2].parse().ok()?, fields[3].parse().ok()?)))
                .flatten()
        })
    };
    find("postgres").or_else(|| find("nobody"))
}

fn free_port() -> Option<u16> {
    TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok().map(|a| a.port())
}

impl PgCluster {
    /// Starts a cluster; `None` (after printing why) when PostgreSQL is not installed and not
    /// required. Panics when it is installed (or required) but does not start.
    pub(crate) fn start() -> Option<PgCluster> {
        let Some(bindir) = find_bindir() else {
            let reason = "no PostgreSQL binaries (initdb, pg_ctl) in /usr/lib/postgresql/*/bin or PATH";
            assert!(!postgres_required(), "REMIT_REQUIRE_POSTGRES is set but there are {reason}");
            eprintln!("skipping the PostgreSQL half of this test: {reason}");
            return None;
        };
        let dir = tempfile::Builder::new().prefix("remit-pg-").tempdir().expect("a temporary directory");
        let run_as = unprivileged();
        if let Some((uid, gid)) = run_as {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).expect("give the cluster's directory away");
        }
        let mut cluster = PgCluster { dir, bindir, port: 0, run_as };
        let data = cluster.data();
        let out = cluster.run(
            "initdb",
            &[
                "-D".as_ref(),
                data.as_os_str(),
                "-A".as_ref(),
                "trust".as_ref(),
                "-U".as_ref(),
                "remit".as_ref(),
                "-E".as_ref(),
                "UTF8".as_ref(),
                "--locale=C".as_ref(),
                "--no-sync".as_ref(),
                "--no-instructions".as_ref(),
            ],
        );
        assert!(out.status.success(), "initdb failed: {}", String::from_utf8_lossy(&out.stderr));
        // A port free now may be taken by the time the server binds it (tests run in
        // parallel): try a few.
        let mut last = String::new();
        for _ in 0..5 {
            let Some(port) = free_port() else { continue };
            cluster.port = port;
            let options = format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
                 -c full_page_writes=off -c max_connections=50",
                cluster.dir.path().display()
            );
            let log = cluster.dir.path().join("server.log");
            let out = cluster.run(
                "pg_ctl",
                &[
                    "-D".as_ref(),
                    data.as_os_str(),
                    "-l".as_ref(),
                    log.as_os_str(),
                    "-w".as_ref(),
                    "-t".as_ref(),
                    "60".as_ref(),
                    "-o".as_ref(),
                    options.as_ref(),
                    "start".as_ref(),
                ],
            );
            if out.status.success() {
                return Some(cluster);
            }
            last = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stderr),
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("PostgreSQL did not start: {last}");
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn run(&self, program: &str, args: &[&std::ffi::OsStr]) -> Output {
        let binary = self.bindir.join(program);
        let mut command = match self.run_as {
            Some((uid, gid)) => {
                let mut c = Command::new("setpriv");
                c.arg(format!("--reuid={uid}")).arg(format!("--regid={gid}")).arg("--clear-groups").arg(&binary);
                c
            }
            None => Command::new(&binary),
        };
        command.args(args).stdin(Stdio::null()).current_dir(self.dir.path());
        command.output().unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()))
    }

    /// The port it listens on (127.0.0.1).
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// The directory holding its socket.
    pub(crate) fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The URL of a database (`postgres` exists; others are made with [`PgCluster::create_database`]).
    pub(crate) fn url(&self, database: &str) -> String {
        format!("postgres://remit@127.0.0.1:{}/{database}", self.port)
    }

    /// Creates a database; its URL.
    pub(crate) fn create_database(&self, name: &str) -> String {
        let port = self.port.to_string();
        let out = self.run(
            "createdb",
            &[
                "-h".as_ref(),
                "127.0.0.1".as_ref(),
                "-p".as_ref(),
                port.as_ref(),
                "-U".as_ref(),
                "remit".as_ref(),
                name.as_ref(),
            ],
        );
        assert!(out.status.success(), "createdb {name} failed: {}", String::from_utf8_lossy(&out.stderr));
        self.url(name)
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.data();
        let stopped = self
            .run(
                "pg_ctl",
                &["-D".as_ref(), data.as_os_str(), "-m".as_ref(), "immediate".as_ref(), "-w".as_ref(), "stop".as_ref()],
            )
            .status
            .success();
        if !stopped {
            // The postmaster's pid is the first line of postmaster.pid.
            if let Some(pid) = std::fs::read_to_string(data.join("postmaster.pid"))
                .ok()
                .and_then(|s| s.lines().next().map(str::to_owned))
            {
                let _ = Command::new("kill").arg("-KILL").arg(pid).status();
            }
        }
    }
}
