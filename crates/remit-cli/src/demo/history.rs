//! The demo's history: two snapshots of the demo organization a month apart, so that the
//! console's trend, diff and time travel have something to show, and its users.
//!
//! The earlier snapshot is the organization as it was before a few changes a real month brings:
//! three users and three roles did not exist yet, and three users had not yet been attached
//! the managed policies they hold today. It is written beside the bundle (`earlier/`) from the
//! generated files, so the diff between the two is exactly those changes.

use std::path::Path;

use anyhow::Context as _;
use remit_history::History;
use remit_store::UserRow;
use serde_json::{Value, json};

use crate::service::{cli_event, runtime};

/// The environment's name in the demo's store.
const ENV: &str = "demo-org";
/// Days between the two snapshots.
const MONTH: i64 = 30 * 86_400;
/// A date between the demo's two snapshots, for the printed `--at` example.
pub(super) fn between(data: &Path) -> anyhow::Result<String> {
    let rt = runtime()?;
    let store = rt.block_on(remit_store::Store::open(data)).context("cannot open the demo's store")?;
    let snapshots = rt.block_on(store.snapshots(Some(ENV)))?;
    rt.block_on(store.close());
    let middle = match (snapshots.last(), snapshots.first()) {
        (Some(oldest), Some(newest)) => (oldest.taken_at + newest.taken_at) / 2,
        _ => remit_findings::Timestamp::now().unix(),
    };
    let t = remit_findings::Timestamp::from_unix(middle).to_string();
    Ok(t.get(..10).unwrap_or(&t).to_owned())
}

/// The demo users: name, role.
const USERS: [(&str, &str); 3] = [("admin", "admin"), ("analyst", "security-analyst"), ("auditor", "auditor")];

/// Captures the two snapshots (once) and creates the demo users; returns the password when
/// Remit chose it (to print once).
pub(super) fn prepare(out: &Path, data: &Path, password: Option<String>) -> anyhow::Result<Option<String>> {
    let rt = runtime()?;
    let store = rt.block_on(remit_store::Store::open(data)).context("cannot open the demo's store")?;
    let history = History::new(store.clone());
    let existing = rt.block_on(store.snapshots(Some(ENV)))?;
    if existing.is_empty() {
        // The newer snapshot is taken when the demo's activity ends, so that the console's
        // history and its usage tell one story; without activity, now.
        let activity_end = rt.block_on(store.coverage())?.iter().map(|c| c.counts.last_seen).max();
        let now = activity_end.unwrap_or_else(|| remit_findings::Timestamp::now().unix());
        let earlier = out.join("earlier");
        write_earlier(out, &earlier)?;
        for (path, taken_at) in [(earlier.as_path(), now - MONTH), (out, now)] {
            let event = cli_event("snapshot.capture", ENV, json!({"source": path.display().to_string(), "demo": true}));
            let captured = rt
                .block_on(history.capture(path, ENV, Some(taken_at), &event))
                .with_context(|| format!("cannot capture `{}`", path.display()))?;
            let s = &captured.snapshot;
            println!(
                "snapshot {} taken {}: {} principals, {} open findings; {} of {} blobs new",
                s.id,
                remit_findings::Timestamp::from_unix(s.taken_at),
                s.summary["principals"],
                s.summary["findings"],
                captured.new_blobs,
                captured.blobs
            );
        }
    } else {
        println!("{} snapshot(s) of `{ENV}` already in {}", existing.len(), data.display());
    }
    let given = password.or_else(|| std::env::var("REMIT_DEMO_PASSWORD").ok().filter(|p| !p.is_empty()));
    let users = rt.block_on(store.users())?;
    let mut chosen = None;
    let password = match (&given, users.is_empty()) {
        (Some(p), _) => Some(p.clone()),
        (None, true) => {
            let random = remit_auth::secret::new_csrf_token()?;
            let p = format!("Demo-{}", random.get(..16).unwrap_or(&random));
            chosen = Some(p.clone());
            Some(p)
        }
        (None, false) => None,
    };
    if let Some(password) = password {
        remit_auth::password::check_strength(&password).map_err(|e| anyhow::anyhow!("the demo password: {e}"))?;
        let hash = remit_auth::password::hash(&password)?;
        for (name, role) in USERS {
            match users.iter().find(|u| u.name == name) {
                Some(_) => rt.block_on(store.set_password(
                    name,
                    &hash,
                    &cli_event("user.password", name, json!({"demo": true})),
                ))?,
                None => {
                    let user = UserRow {
                        name: name.to_owned(),
                        display: format!("Demo {name}"),
                        email: Some(format!("{name}@demo.example")),
                        role: role.to_owned(),
                        password_hash: Some(hash.clone()),
                        oidc_subject: None,
                        disabled: false,
                        created_at: remit_findings::Timestamp::now().unix(),
                    };
                    rt.block_on(
                        store.create_user(&user, &cli_event("user.create", name, json!({"role": role, "demo": true}))),
                    )?;
                }
            }
        }
    }
    rt.block_on(store.close());
    Ok(chosen)
}

/// Writes the earlier state of the bundle in `out` into `earlier`.
fn write_earlier(out: &Path, earlier: &Path) -> anyhow::Result<()> {
    if earlier.exists() {
        std::fs::remove_dir_all(earlier).with_context(|| format!("cannot replace `{}`", earlier.display()))?;
    }
    copy_dir(out, earlier, &["bundle.json", "organization", "accounts", "identity-center", "azure", "gcp", "people"])?;
    // The account with the most users changes.
    let accounts = earlier.join("accounts");
    let mut best: Option<(usize, std::path::PathBuf, Value)> = None;
    for entry in std::fs::read_dir(&accounts).with_context(|| format!("cannot list `{}`", accounts.display()))? {
        let path = entry?.path().join("authorization-details.json");
        let Ok(bytes) = std::fs::read(&path) else { continue };
        let Ok(doc) = serde_json::from_slice::<Value>(&bytes) else { continue };
        let users = doc["UserDetailList"].as_array().map_or(0, Vec::len);
        if best.as_ref().is_none_or(|(n, _, _)| users > *n) {
            best = Some((users, path, doc));
        }
    }
    let Some((_, path, mut doc)) = best else { return Ok(()) };
    for list in ["UserDetailList", "RoleDetailList"] {
        if let Some(items) = doc[list].as_array_mut() {
            let keep = items.len().saturating_sub(3);
            items.truncate(keep);
        }
    }
    if let Some(users) = doc["UserDetailList"].as_array_mut() {
        for user in
            users.iter_mut().filter(|u| u["AttachedManagedPolicies"].as_array().is_some_and(|a| !a.is_empty())).take(3)
        {
            user["AttachedManagedPolicies"] = json!([]);
        }
    }
    std::fs::write(&path, serde_json::to_vec_pretty(&doc)?)
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    Ok(())
}

fn copy_dir(from: &Path, to: &Path, only: &[&str]) -> anyhow::Result<()> {
    std::fs::create_dir_all(to).with_context(|| format!("cannot create `{}`", to.display()))?;
    for entry in std::fs::read_dir(from).with_context(|| format!("cannot list `{}`", from.display()))? {
        let entry = entry?;
        let name = entry.file_name();
        if !only.is_empty() && !only.iter().any(|o| name == *o) {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target, &[])?;
        } else {
            std::fs::copy(entry.path(), &target)
                .with_context(|| format!("cannot copy `{}`", entry.path().display()))?;
        }
    }
    Ok(())
}
