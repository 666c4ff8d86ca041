//! `remit demo`: the whole AWS analysis on a generated organization, in one command, for a
//! first look (and the README's first command). It writes the bundle where the user can keep
//! asking questions about it, and prints the commands to do so.

use std::path::PathBuf;

use anyhow::Context as _;
use remit_model::{Access, PrincipalKind};

use crate::queries;

mod history;

/// How the demo serves its console.
pub(crate) struct DemoServe {
    /// Where to listen.
    pub(crate) listen: std::net::SocketAddr,
    /// Analyse and print only.
    pub(crate) no_serve: bool,
    /// The demo users' password (else REMIT_DEMO_PASSWORD, else a random one printed once).
    pub(crate) password: Option<String>,
}

/// Generates (or reuses) the demo organization in `out`, analyses it, captures it into the
/// demo's store with a month of history, and serves the console.
pub(crate) fn run(out: Option<PathBuf>, seed: u64, serve: DemoServe) -> anyhow::Result<u8> {
    if crate::service::database().is_some() {
        anyhow::bail!(
            "the demo keeps its own embedded store (OUT/data): drop --database (it is for serve, snapshot and the queries)"
        );
    }
    let out = out.unwrap_or_else(|| std::env::temp_dir().join(format!("remit-demo-seed{seed}")));
    if !out.join("bundle.json").is_file() {
        let options = remit_gen::aws_org::Options {
            seed,
            size: remit_gen::aws_org::Size::Org,
            // Twelve of the organization's accounts: every kind of account, in seconds.
            org_accounts: Some(12),
        };
        std::fs::create_dir_all(&out).with_context(|| format!("cannot create `{}`", out.display()))?;
        let summary = remit_gen::aws_org::generate_with(&options, &out)
            .with_context(|| format!("cannot write the demo bundle into `{}`", out.display()))?;
        println!(
            "Generated a demo organization (seed {seed}): {} accounts, {} users, {} roles, {} policies, {} resources\n  in {}\n",
            summary.accounts,
            summary.users,
            summary.roles,
            summary.policies,
            summary.resources,
            out.display()
        );
    } else {
        println!("Using the demo organization in {}\n", out.display());
    }
    let env = out.as_path();
    let analysis = queries::load(env)?;

    println!("== Who outside the organization, or anyone, can get in (remit exposure)");
    let exposures = analysis.exposure();
    let public: Vec<_> = exposures.iter().filter(|e| e.outsider == "*").collect();
    println!(
        "{} grants to outsiders, {} of them to anyone ({} outright); the first ones:",
        exposures.len(),
        public.len(),
        public.iter().filter(|e| e.access == Access::Allowed).count()
    );
    queries::print_exposures(&exposures.iter().take(8).cloned().collect::<Vec<_>>());

    // A bucket anyone may read: who else can?
    let buckets = || public.iter().filter(|e| e.resource.starts_with("arn:aws:s3:::"));
    if let Some(bucket) = buckets().find(|e| e.access == Access::Allowed).or_else(|| buckets().next()) {
        let object = format!("{}/exports/latest.csv", bucket.resource);
        println!("\n== Who can read {object} (remit who-can)");
        queries::who_can_limited(&analysis, "s3:GetObject", &object, 12)?;
    }

    // The role that the most principals can become.
    let roles: Vec<String> =
        analysis.principals().filter(|p| p.kind == PrincipalKind::Role).map(|p| p.id.clone()).collect();
    let mut best: Option<(usize, String)> = None;
    for role in &roles {
        let n = analysis.can_become(role).map(|h| h.len()).unwrap_or(0);
        if best.as_ref().is_none_or(|(m, _)| n > *m) {
            best = Some((n, role.clone()));
        }
    }
    if let Some((n, role)) = best {
        println!("\n== {n} principals can become {role} (remit can-become), the first ones:");
        queries::can_become_limited(&analysis, &role, 12)?;
    }

    // Activity: a week of generated CloudTrail logs, ingested into a store of the demo's own
    // (not the user's data directory), then usage against permissions.
    let logs = out.join("cloudtrail");
    let data = out.join("data");
    println!(
        "\n== What principals use, and what they do not (remit ingest cloudtrail, remit creep, remit rightsize --all)"
    );
    if !logs.join("activity-truth.json").is_file() {
        crate::activity::generate_cloudtrail(env, &logs, 100_000, 7, None, seed, true)?;
    }
    let logs_dir = logs.join("AWSLogs").display().to_string();
    crate::activity::ingest(std::slice::from_ref(&logs_dir), Some(&data), queries::Format::Table)?;
    println!();
    crate::activity::creep(env, 7, None, Some(&data), queries::Format::Table)?;
    println!();
    crate::activity::rightsize_everyone(env, 7, None, &[], Some(&data), crate::activity::RightsizeFormat::Table)?;
    let busiest = crate::activity::busiest_principal(&data)?;

    println!("\n== History: snapshots in the demo's store (remit snapshot, remit diff)");
    let password = history::prepare(&out, &data, serve.password.clone())?;

    let example_user = analysis.principals().find(|p| p.kind == PrincipalKind::User).map(|p| p.id.clone());
    println!("\nKeep asking:");
    println!("  remit exposure --env {}", env.display());
    println!("  remit who-can iam:PassRole '*' --env {}", env.display());
    if let Some(user) = example_user {
        println!("  remit what-can {user} --env {}", env.display());
        println!("  remit explain {user} s3:PutObject arn:aws:s3:::some-bucket/x --env {}", env.display());
    }
    println!("  remit aws check --env {}", env.display());
    println!("  remit scan {}", env.display());
    if let Some(principal) = busiest {
        let d = data.display();
        println!("  remit --data-dir {d} usage {principal}");
        println!("  remit --data-dir {d} unused {principal} --env {} --days 7", env.display());
        println!("  remit --data-dir {d} rightsize {principal} --env {} --days 7 --format terraform", env.display());
    }
    let d = data.display();
    println!("  remit --data-dir {d} snapshots");
    println!("  remit --data-dir {d} diff");
    println!("  remit --data-dir {d} who-can s3:GetObject '*' --at {}", history::between(&data)?);
    println!("(add --format json to any of them)");
    if serve.no_serve {
        return Ok(0);
    }
    let password_note = match &password {
        Some(p) => format!("password `{p}` (shown once; REMIT_DEMO_PASSWORD or --password sets it)"),
        None => "the password you gave".to_owned(),
    };
    let oidc = crate::service::OidcArgs { oidc_default_role: "requester".to_owned(), ..Default::default() };
    crate::service::serve(serve.listen, false, &oidc, Some(&data), |addr| {
        println!("\n== The console: http://{addr}/");
        println!("Sign in as admin, analyst (security-analyst) or auditor, with {password_note}.");
        println!("The API: http://{addr}/api/openapi.json. Ctrl-C stops.");
    })
}
