//! Remit as a service from the command line: snapshots and history (`snapshot`, `snapshots`,
//! `diff`, `--at` on every query), the server (`serve`), Remit's own users and API tokens, and
//! the audit trail (`audit verify`, `audit export`).
//!
//! Every change made here is recorded in the audit trail like a change made through the API,
//! with the operating-system user as the actor and `cli` as the source.

use std::{
    io::{IsTerminal, Read as _, Write as _},
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::OnceLock,
};

use anyhow::Context as _;
use remit_history::{History, Selection};
use remit_store::{AuditEvent, SnapshotRow, Store, TokenRow, UserRow};
use serde_json::json;

use crate::{EXIT_OK, EXIT_SOME_FAILED, queries::Format};

/// `--database`, when given (else the SQLite store in the data directory).
static DATABASE: OnceLock<Option<String>> = OnceLock::new();

/// Records `--database` for every command of this process.
pub(crate) fn set_database(url: Option<String>) {
    let _ = DATABASE.set(url);
}

pub(crate) fn database() -> Option<&'static str> {
    DATABASE.get().and_then(|d| d.as_deref())
}

pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")
}

/// The store: `--database`, or SQLite in the data directory.
pub(crate) fn open(rt: &tokio::runtime::Runtime, data_dir: Option<&Path>) -> anyhow::Result<Store> {
    match database() {
        Some(url) => rt.block_on(Store::connect(url)).context("cannot open the database given by --database"),
        None => {
            let dir = crate::scan::data_dir(data_dir)
                .context("no data directory: give --data-dir, or set XDG_DATA_HOME or HOME")?;
            rt.block_on(Store::open(&dir)).with_context(|| format!("cannot open Remit's store in {}", dir.display()))
        }
    }
}

/// An audit event for a change made from the command line.
pub(crate) fn cli_event(action: &str, target: &str, detail: serde_json::Value) -> AuditEvent {
    let user = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_else(|_| "unknown".to_owned());
    AuditEvent::new(&format!("cli:{user}"), action, target, "cli").with_detail(detail)
}

fn time(t: i64) -> String {
    remit_findings::Timestamp::from_unix(t).to_string()
}

fn parse_time(text: &str, what: &str) -> anyhow::Result<i64> {
    Ok(remit_findings::Timestamp::parse(text)
        .map_err(|_| anyhow::anyhow!("{what} `{text}`: expected {}", remit_history::TAKEN_AT_FORMAT))?
        .unix())
}

/// Which snapshot a query reads, when it reads the store rather than `--env`.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct AtArgs {
    /// Ask about the environment as it was at this time: the newest snapshot taken then or
    /// before (`YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ`). Reads the store, not --env.
    #[arg(long, conflicts_with = "snapshot")]
    pub(crate) at: Option<String>,
    /// Ask about this snapshot (`remit snapshots` lists them).
    #[arg(long)]
    pub(crate) snapshot: Option<i64>,
    /// The environment's name in the store (default: the one most recently captured).
    #[arg(long = "name")]
    pub(crate) name: Option<String>,
}

/// An environment on disk: given, or a snapshot written back to a temporary directory (removed
/// when this drops).
pub(crate) struct EnvPath {
    pub(crate) path: PathBuf,
    _guard: Option<tempfile::TempDir>,
}

impl std::ops::Deref for EnvPath {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AtArgs {
    fn selection(&self) -> anyhow::Result<Selection> {
        Ok(Selection {
            env: self.name.clone(),
            at: self.at.as_deref().map(|t| parse_time(t, "--at")).transpose()?,
            snapshot: self.snapshot,
        })
    }

    fn given(&self) -> bool {
        self.at.is_some() || self.snapshot.is_some() || self.name.is_some()
    }

    /// The environment to read: `--env` when given (and no snapshot selection), else the
    /// snapshot the selection names.
    pub(crate) fn resolve(&self, env: Option<&Path>, data_dir: Option<&Path>) -> anyhow::Result<EnvPath> {
        if let Some(env) = env {
            if self.given() {
                anyhow::bail!("give either --env PATH or a snapshot of the store (--at, --snapshot, --name), not both");
            }
            return Ok(EnvPath { path: env.to_path_buf(), _guard: None });
        }
        let rt = runtime()?;
        let store = open(&rt, data_dir)?;
        let history = History::new(store);
        let selection = self.selection()?;
        let snapshot = rt
            .block_on(history.resolve(&selection))
            .map_err(|e| anyhow::anyhow!("{e} (or give --env PATH to read an environment from disk)"))?;
        if std::io::stderr().is_terminal() {
            eprintln!("remit: snapshot {} of `{}`, taken {}", snapshot.id, snapshot.env, time(snapshot.taken_at));
        }
        let (guard, path) = rt.block_on(history.materialize(&snapshot))?;
        Ok(EnvPath { path, _guard: Some(guard) })
    }
}

/// `remit snapshot PATH`: captures an environment into the store.
pub(crate) fn snapshot(
    path: &Path,
    name: Option<&str>,
    taken_at: Option<&str>,
    data_dir: Option<&Path>,
    format: Format,
) -> anyhow::Result<u8> {
    let taken_at = taken_at.map(|t| parse_time(t, "--taken-at")).transpose()?;
    let name = match name {
        Some(n) => n.to_owned(),
        None => default_name(path),
    };
    let rt = runtime()?;
    let store = open(&rt, data_dir)?;
    let history = History::new(store);
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    spinner.set_message(format!("capturing {}: reading, analysing, storing what changed", path.display()));
    let started = std::time::Instant::now();
    let event = cli_event("snapshot.capture", &name, json!({"source": path.display().to_string()}));
    let captured = rt.block_on(history.capture(path, &name, taken_at, &event));
    spinner.finish_and_clear();
    let captured = captured.with_context(|| format!("cannot capture `{}`", path.display()))?;
    let s = &captured.snapshot;
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json!({
                "snapshot": s.id, "env": s.env, "taken_at": time(s.taken_at), "previous": s.previous,
                "summary": s.summary, "blobs": captured.blobs, "new_blobs": captured.new_blobs,
                "changed": captured.changed, "import_issues": captured.issues,
            }))?
        ),
        Format::Table => {
            println!(
                "snapshot {} of `{}` taken {}: {} principals, {} resources, {} open findings ({:.1} s)",
                s.id,
                s.env,
                time(s.taken_at),
                s.summary["principals"],
                s.summary["resources"],
                s.summary["findings"],
                started.elapsed().as_secs_f64()
            );
            let changed: Vec<String> = captured.changed.iter().map(|(k, n)| format!("{n} {k}(s)")).collect();
            match s.previous {
                Some(p) => println!(
                    "  changed since snapshot {p}: {}; {} of {} blobs new (the rest shared)",
                    if changed.is_empty() { "nothing".to_owned() } else { changed.join(", ") },
                    captured.new_blobs,
                    captured.blobs
                ),
                None => println!("  the first snapshot of `{}`: {} blobs", s.env, captured.blobs),
            }
            if captured.issues > 0 {
                eprintln!(
                    "remit: {} import issue(s): `remit aws check --snapshot {}` lists them",
                    captured.issues, s.id
                );
            }
        }
    }
    Ok(if captured.issues > 0 { EXIT_SOME_FAILED } else { EXIT_OK })
}

/// The environment name of a path: its directory's (or file's) name.
fn default_name(path: &Path) -> String {
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let base = if canonical.is_dir() { canonical.file_name() } else { canonical.file_stem() };
    base.map(|n| n.to_string_lossy().into_owned()).filter(|n| !n.is_empty()).unwrap_or_else(|| "default".to_owned())
}

/// `remit snapshots`.
pub(crate) fn snapshots(name: Option<&str>, data_dir: Option<&Path>, format: Format) -> anyhow::Result<u8> {
    let rt = runtime()?;
    let store = open(&rt, data_dir)?;
    let rows = rt.block_on(store.snapshots(name))?;
    match format {
        Format::Json => {
            let items: Vec<_> = rows.iter().map(snapshot_json).collect();
            println!("{}", serde_json::to_string_pretty(&json!({"snapshots": items}))?);
        }
        Format::Table => {
            if rows.is_empty() {
                println!("No snapshot yet: `remit snapshot PATH` captures one.");
                return Ok(EXIT_OK);
            }
            let mut t = crate::queries::table(&[
                "id",
                "environment",
                "taken",
                "principals",
                "resources",
                "open findings",
                "source",
            ]);
            for s in &rows {
                t.add_row(vec![
                    s.id.to_string(),
                    s.env.clone(),
                    time(s.taken_at),
                    s.summary["principals"].to_string(),
                    s.summary["resources"].to_string(),
                    s.summary["findings"].to_string(),
                    s.source.clone(),
                ]);
            }
            println!("{t}");
        }
    }
    Ok(EXIT_OK)
}

fn snapshot_json(s: &SnapshotRow) -> serde_json::Value {
    json!({"id": s.id, "env": s.env, "cloud": s.cloud, "source": s.source, "taken_at": time(s.taken_at),
        "created_at": time(s.created_at), "previous": s.previous, "summary": s.summary})
}

/// `remit diff A B`.
pub(crate) fn diff(
    from: Option<i64>,
    to: Option<i64>,
    name: Option<&str>,
    data_dir: Option<&Path>,
    format: Format,
) -> anyhow::Result<u8> {
    let rt = runtime()?;
    let store = open(&rt, data_dir)?;
    let history = History::new(store);
    let to = rt.block_on(history.resolve(&Selection { env: name.map(str::to_owned), at: None, snapshot: to }))?;
    let from = match from.or(to.previous) {
        Some(id) => rt.block_on(history.resolve(&Selection { env: None, at: None, snapshot: Some(id) }))?,
        None => anyhow::bail!("snapshot {} is the first of `{}`: nothing to compare it with", to.id, to.env),
    };
    if from.env != to.env {
        anyhow::bail!(
            "snapshots {} (`{}`) and {} (`{}`) are of different environments",
            from.id,
            from.env,
            to.id,
            to.env
        );
    }
    let d = rt.block_on(history.diff(&from, &to))?;
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&d)?),
        Format::Table => {
            println!(
                "From snapshot {} ({}) to {} ({}) of `{}`:",
                from.id,
                time(from.taken_at),
                to.id,
                time(to.taken_at),
                to.env
            );
            if d.is_empty() {
                println!("  nothing changed.");
                return Ok(EXIT_OK);
            }
            for (sign, list, what) in
                [("+", &d.principals_added, "principal"), ("-", &d.principals_removed, "principal")]
            {
                for p in list {
                    println!("  {sign} {what} {} ({})", p.key, p.meta["kind"].as_str().unwrap_or(""));
                }
            }
            let mut t = crate::queries::table(&["principal", "gained", "lost", "first changes"]);
            for g in &d.grants {
                let first: Vec<String> = g
                    .added
                    .iter()
                    .take(3)
                    .map(|l| format!("+ {}", l.replace('\t', " ")))
                    .chain(g.removed.iter().take(3).map(|l| format!("- {}", l.replace('\t', " "))))
                    .collect();
                t.add_row(vec![
                    g.principal.clone(),
                    g.added.len().to_string(),
                    g.removed.len().to_string(),
                    first.join("\n"),
                ]);
            }
            if !d.grants.is_empty() {
                println!("Effective permissions changed for {} principal(s):\n{t}", d.grants.len());
            }
            for (sign, list) in [("+", &d.findings_added), ("-", &d.findings_removed)] {
                for f in list {
                    println!(
                        "  {sign} finding {} [{}] {}",
                        f.key,
                        f.meta["severity"].as_str().unwrap_or(""),
                        f.meta["title"].as_str().unwrap_or("")
                    );
                }
            }
            println!(
                "{} principal(s) added, {} removed; {} with changed permissions; {} finding(s) added, {} removed.",
                d.principals_added.len(),
                d.principals_removed.len(),
                d.grants.len(),
                d.findings_added.len(),
                d.findings_removed.len()
            );
        }
    }
    Ok(EXIT_OK)
}

/// OIDC settings from the command line.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct OidcArgs {
    /// OIDC single sign-on: the issuer URL (discovery at ISSUER/.well-known/openid-configuration).
    #[arg(long, requires_all = ["oidc_client_id", "oidc_redirect_url"])]
    pub(crate) oidc_issuer: Option<String>,
    /// The client id registered with the provider.
    #[arg(long)]
    pub(crate) oidc_client_id: Option<String>,
    /// The name of the environment variable holding the client secret (never on the command
    /// line, where other users can read it).
    #[arg(long, default_value = "REMIT_OIDC_CLIENT_SECRET")]
    pub(crate) oidc_client_secret_env: String,
    /// The redirect URL registered with the provider (`https://remit.example.com/auth/oidc/callback`).
    #[arg(long)]
    pub(crate) oidc_redirect_url: Option<String>,
    /// The role of users signing on the first time (admins change it later).
    #[arg(long, default_value = "requester")]
    pub(crate) oidc_default_role: String,
}

/// `remit serve`.
pub(crate) fn serve(
    listen: SocketAddr,
    insecure_cookies: bool,
    oidc: &OidcArgs,
    data_dir: Option<&Path>,
    on_ready: impl FnOnce(SocketAddr),
) -> anyhow::Result<u8> {
    let rt = runtime()?;
    let store = open(&rt, data_dir)?;
    let mut config = remit_server::ServerConfig::new(listen);
    config.secure_cookies = !insecure_cookies;
    config.data_dir = data_dir.map(Path::to_path_buf);
    config.oidc_default_role = oidc.oidc_default_role.parse().map_err(|_| {
        anyhow::anyhow!("--oidc-default-role `{}`: expected one of Remit's roles", oidc.oidc_default_role)
    })?;
    if let (Some(issuer), Some(client_id), Some(redirect_url)) =
        (&oidc.oidc_issuer, &oidc.oidc_client_id, &oidc.oidc_redirect_url)
    {
        let mut settings = remit_auth::oidc::OidcSettings::new(issuer, client_id, redirect_url);
        settings.client_secret = std::env::var(&oidc.oidc_client_secret_env).ok().filter(|s| !s.is_empty());
        config.oidc = Some(settings);
    }
    let users = rt.block_on(store.users())?;
    if users.is_empty() && config.oidc.is_none() {
        eprintln!("remit: warning: no user can sign in yet: `remit user add NAME --role admin` creates one");
    }
    rt.block_on(remit_server::serve(store, config, on_ready))?;
    Ok(EXIT_OK)
}

/// A password from an environment variable or standard input (never an argument).
fn read_password(env_var: &str) -> anyhow::Result<String> {
    if let Ok(p) = std::env::var(env_var)
        && !p.is_empty()
    {
        return Ok(p);
    }
    if std::io::stdin().is_terminal() {
        eprint!("password (at least 12 characters, not echoed is not supported: type and press Enter): ");
        let _ = std::io::stderr().flush();
    }
    let mut line = String::new();
    std::io::stdin().read_to_string(&mut line).context("cannot read the password from standard input")?;
    let p = line.lines().next().unwrap_or("").to_owned();
    if p.is_empty() {
        anyhow::bail!("no password: set {env_var} or pipe it on standard input");
    }
    Ok(p)
}

/// `remit user add`.
pub(crate) fn user_add(
    name: &str,
    role: &str,
    display: Option<&str>,
    email: Option<&str>,
    data_dir: Option<&Path>,
) -> anyhow::Result<u8> {
    let role: remit_auth::Role = role.parse().map_err(|_| {
        anyhow::anyhow!("--role `{role}`: expected admin, security-analyst, auditor, approver or requester")
    })?;
    let password = read_password("REMIT_PASSWORD")?;
    remit_auth::password::check_strength(&password).map_err(|e| anyhow::anyhow!("{e}"))?;
    let hash = remit_auth::password::hash(&password)?;
    let rt = runtime()?;
    let store = open(&rt, data_dir)?;
    if rt.block_on(store.user(name))?.is_some() {
        anyhow::bail!("a user `{name}` exists (`remit user set-role` changes its role)");
    }
    let user = UserRow {
        name: name.to_owned(),
        display: display.unwrap_or(name).to_owned(),
        email: email.map(str::to_owned),
        role: role.as_str().to_owned(),
        password_hash: Some(hash),
        oidc_subject: None,
        disabled: false,
        created_at: remit_findings::Timestamp::now().unix(),
    };
    rt.block_on(store.create_user(&user, &cli_event("user.create", name, json!({"role": role.as_str()}))))?;
    println!("user `{name}` created with role {}", role.as_str());
    Ok(EXIT_OK)
}

/// `remit user list`.
pub(crate) fn user_list(data_dir: Option<&Path>, format: Format) -> anyhow::Result<u8> {
    let rt = runtime()?;
    let store = open(&rt, data_dir)?;
    let users = rt.block_on(store.users())?;
    match format {
        Format::Json => {
            let items: Vec<_> = users
                .iter()
                .map(|u| json!({"name": u.name, "display": u.display, "email": u.email, "role": u.role, "sso": u.oidc_subject.is_some(), "disabled": u.disabled, "created_at": time(u.created_at)}))
                .collect();
            println!("{}", serde_json::to_string_pretty(&json!({"users": items}))?);
        }
        Format::Table => {
            let mut t = crate::queries::table(&["name", "role", "sign-in", "disabled", "created"]);
            for u in &users {
                let how = match (u.password_hash.is_some(), u.oidc_subject.is_some()) {
                    (true, true) => "password, SSO",
                    (true, false) => "password",
                    (false, true) => "SSO",
                    (false, false) => "none",
                };
                t.add_row(vec![
                    u.name.clone(),
                    u.role.clone(),
                    how.to_owned(),
                    u.disabled.to_string(),
                    time(u.created_at),
                ]);
            }
            println!("{t}");
        }
    }
    Ok(EXIT_OK)
}

/// `remit user set-role`.
pub(crate) fn user_set_role(name: &str, role: &str, data_dir: Option<&Path>) -> anyhow::Result<u8> {
    let role: remit_auth::Role = role.parse().map_err(|_| {
        anyhow::anyhow!("role `{role}`: expected admin, security-analyst, auditor, approver or requester")
    })?;
    let rt = runtime()?;
    let store = open(&rt, data_dir)?;
    let user = rt.block_on(store.user(name))?.with_context(|| format!("no user `{name}`"))?;
    rt.block_on(store.set_role(
        name,
        role.as_str(),
        &cli_event("user.role", name, json!({"from": user.role, "to": role.as_str()})),
    ))?;
    println!("user `{name}`: role {} (was {})", role.as_str(), user.role);
    Ok(EXIT_OK)
}

/// `remit token create`.
pub(crate) fn token_create(
    user: &str,
    name: &str,
    scopes: &[String],
    days: i64,
    data_dir: Option<&Path>,
) -> anyhow::Result<u8> {
    if !(1..=366).contains(&days) {
        anyhow::bail!("--days: 1 to 366");
    }
    for scope in scopes {
        scope
            .parse::<remit_auth::authorize::Action>()
            .map_err(|_| anyhow::anyhow!("--scope `{scope}`: not one of Remit's actions"))?;
    }
    let rt = runtime()?;
    let store = open(&rt, data_dir)?;
    rt.block_on(store.user(user))?.with_context(|| format!("no user `{user}`"))?;
    let new = remit_auth::secret::NewToken::generate()?;
    let now = remit_findings::Timestamp::now().unix();
    let row = TokenRow {
        id: new.id.clone(),
        user: user.to_owned(),
        name: name.to_owned(),
        hash: new.hash.clone(),
        scopes: scopes.to_vec(),
        created_at: now,
        expires_at: now + days * 86_400,
        last_used: None,
        revoked: false,
    };
    rt.block_on(store.create_token(
        &row,
        &cli_event("token.create", &new.id, json!({"user": user, "name": name, "scopes": scopes, "days": days})),
    ))?;
    eprintln!(
        "remit: token {} for `{user}`, expires {}; shown once, only its hash is stored:",
        new.id,
        time(row.expires_at)
    );
    println!("{}", new.token);
    Ok(EXIT_OK)
}

/// `remit audit verify`.
pub(crate) fn audit_verify(expect_head: Option<&str>, data_dir: Option<&Path>, format: Format) -> anyhow::Result<u8> {
    let rt = runtime()?;
    let store = open(&rt, data_dir)?;
    let expect = match expect_head {
        Some(text) => Some(text.parse::<remit_store::AuditHead>().map_err(|e| {
            anyhow::anyhow!("--expect-head `{text}`: {e} (give it as `remit audit verify` printed it)")
        })?),
        None => None,
    };
    let v = rt.block_on(store.audit_verify(expect.as_ref()))?;
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&remit_server::verification_json(&v))?),
        Format::Table => {
            let head = v.head.as_ref().map_or_else(|| "none".to_owned(), ToString::to_string);
            if v.problems.is_empty() {
                println!(
                    "The audit trail holds: {} record(s); head {head} (keep it: --expect-head checks it later).",
                    v.records
                );
            } else {
                let mut t = crate::queries::table(&["record", "problem"]);
                for p in &v.problems {
                    t.add_row(vec![p.seq.to_string(), p.message.clone()]);
                }
                println!("{t}");
                println!("The audit trail is NOT intact: {} problem(s) in {} record(s).", v.problems.len(), v.records);
            }
        }
    }
    Ok(if v.problems.is_empty() { EXIT_OK } else { EXIT_SOME_FAILED })
}

/// Export formats of the audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum AuditFormat {
    /// One JSON object per line.
    Jsonl,
    /// ArcSight Common Event Format lines, for syslog and SIEMs.
    Cef,
}

/// `remit audit export`.
pub(crate) fn audit_export(format: AuditFormat, data_dir: Option<&Path>) -> anyhow::Result<u8> {
    let rt = runtime()?;
    let store = open(&rt, data_dir)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut after = 0;
    loop {
        let records = rt.block_on(store.audit_records(after, 1000))?;
        let Some(last) = records.last() else { break };
        after = last.seq;
        for r in &records {
            let line = match format {
                AuditFormat::Jsonl => remit_store::audit_jsonl(r),
                AuditFormat::Cef => remit_store::audit_cef(r),
            };
            writeln!(out, "{line}")?;
        }
    }
    out.flush()?;
    Ok(EXIT_OK)
}
