//! What the history, crash and audit tests share: running `remit`, generating environments,
//! reading (and tampering with) the SQLite store behind its back, and killing a writer.

#![allow(dead_code)]

use std::{
    io::Write as _,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
};

use serde_json::Value;

pub(crate) fn s(p: &Path) -> String {
    p.display().to_string()
}

/// `remit ARGS` with extra environment variables, and optional standard input.
pub(crate) fn remit_with(args: &[&str], envs: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_remit"))
        .args(args)
        .envs(envs.iter().copied())
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("remit runs");
    if let Some(text) = stdin {
        child.stdin.take().expect("stdin").write_all(text.as_bytes()).expect("write stdin");
    }
    child.wait_with_output().expect("remit ends")
}

pub(crate) fn remit(args: &[&str]) -> Output {
    remit_with(args, &[], None)
}

pub(crate) fn text(out: &Output) -> String {
    format!("stdout: {}\nstderr: {}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

pub(crate) fn ok(out: &Output) {
    assert!(out.status.success(), "status {:?}\n{}", out.status, text(out));
}

pub(crate) fn ok_json(out: &Output) -> Value {
    ok(out);
    serde_json::from_slice(&out.stdout).map_err(|e| format!("{e}: {}", text(out))).expect("JSON on stdout")
}

/// `remit generate aws-org --size SIZE --seed SEED --out OUT`.
pub(crate) fn generate(size: &str, seed: u64, out: &Path) {
    ok(&remit(&["generate", "aws-org", "--size", size, "--seed", &seed.to_string(), "--out", &s(out)]));
}

pub(crate) fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// The store's database in a data directory.
pub(crate) fn db(data: &Path) -> PathBuf {
    data.join("remit.db")
}

/// How SQL reaches the SQLite file: the `sqlite3` command, else Python's sqlite3 module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SqlTool {
    Sqlite3,
    Python,
}

fn runs(cmd: &str, args: &[&str]) -> bool {
    Command::new(cmd).args(args).output().is_ok_and(|o| o.status.success())
}

/// The SQL tool available, if any.
pub(crate) fn sql_tool() -> Option<SqlTool> {
    if runs("sqlite3", &["-version"]) {
        Some(SqlTool::Sqlite3)
    } else if runs("python3", &["-c", "import sqlite3"]) {
        Some(SqlTool::Python)
    } else {
        None
    }
}

/// Runs SQL against the database (statements separated by `;`); rows come back one per line,
/// columns separated by `|`.
pub(crate) fn sql(db: &Path, query: &str) -> String {
    let tool = sql_tool().expect("sqlite3 or python3 (the caller checks sql_tool() first)");
    let out = match tool {
        SqlTool::Sqlite3 => Command::new("sqlite3").arg("-cmd").arg(".timeout 10000").arg(db).arg(query).output(),
        SqlTool::Python => Command::new("python3")
            .arg("-c")
            .arg(
                "import sqlite3, sys\n\
                 c = sqlite3.connect(sys.argv[1], timeout=10, isolation_level=None)\n\
                 c.execute('BEGIN')\n\
                 out = []\n\
                 for stmt in [s for s in sys.argv[2].split(';') if s.strip()]:\n\
                 \x20   for row in c.execute(stmt):\n\
                 \x20       out.append('|'.join('' if v is None else str(v) for v in row))\n\
                 c.execute('COMMIT')\n\
                 print('\\n'.join(out))\n",
            )
            .arg(db)
            .arg(query)
            .output(),
    }
    .expect("the SQL tool runs");
    assert!(out.status.success(), "SQL `{query}` failed: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).trim_end().to_owned()
}

/// One integer from SQL.
pub(crate) fn count(db: &Path, query: &str) -> i64 {
    let out = sql(db, query);
    out.trim().parse().map_err(|_| format!("`{query}` gave {out:?}")).expect("a number")
}

/// Skips a test (with the reason printed) when neither SQL tool exists.
#[macro_export]
macro_rules! need_sql {
    () => {
        match common::sql_tool() {
            Some(tool) => eprintln!("reading the store with {tool:?}"),
            None => {
                eprintln!("SKIPPED: neither the sqlite3 command nor python3's sqlite3 module is installed");
                return;
            }
        }
    };
}

/// Whether process `pid` holds SQLite's WAL write lock on the database in `data`: a POSIX
/// write lock on byte 120 of `remit.db-shm` (WAL_WRITE_LOCK), which a connection takes when
/// its write transaction begins and drops when it commits or rolls back. Read from
/// /proc/locks, without touching the database. `None` when /proc/locks cannot be read.
pub(crate) fn holds_write_lock(pid: u32, data: &Path) -> Option<bool> {
    use std::os::unix::fs::MetadataExt as _;
    let locks = std::fs::read_to_string("/proc/locks").ok()?;
    let Ok(meta) = std::fs::metadata(data.join("remit.db-shm")) else { return Some(false) };
    let inode = format!(":{}", meta.ino());
    let pid = pid.to_string();
    Some(locks.lines().any(|line| {
        let f: Vec<&str> = line.split_whitespace().collect();
        // "N: POSIX ADVISORY WRITE PID MAJ:MIN:INODE START END"
        f.len() >= 8 && f[1] == "POSIX" && f[3] == "WRITE" && f[4] == pid && f[5].ends_with(&inode) && f[6] == "120"
    }))
}
