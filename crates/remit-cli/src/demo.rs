//! `remit demo`: the whole AWS analysis on a generated organization, in one command, for a
//! first look (and the README's first command). It writes the bundle where the user can keep
//! asking questions about it, and prints the commands to do so.

use std::path::{Path, PathBuf};

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
    // Azure, Google Cloud and the people behind every identity, beside the AWS organization
    // (whose Identity Center users become the first people).
    if !out.join("people").is_dir() {
        let truth = remit_gen::estate::write_estate(&remit_gen::estate::EstateSpec::demo(seed), &out)
            .with_context(|| format!("cannot write the demo's Azure and Google Cloud into `{}`", out.display()))?;
        println!(
            "Generated beside it: an Entra tenant ({} users, {} service principals, {} subscriptions, {} role assignments, {} eligible), a Google Cloud organization ({} projects, {} members, {} bindings) and {} people in Okta and the HR feed\n",
            truth.azure.users,
            truth.azure.service_principals,
            truth.azure.subscriptions,
            truth.azure.role_assignments,
            truth.azure.eligible,
            truth.gcp.projects,
            truth.gcp.members,
            truth.gcp.bindings,
            truth.people.persons,
        );
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
    println!();
    let azure_logs: Vec<PathBuf> = glob_activity(&out, "azure");
    let gcp_logs: Vec<PathBuf> = glob_activity(&out, "gcp");
    if !azure_logs.is_empty() {
        crate::cloud_logs::ingest(
            crate::cloud_logs::LogCloud::Azure,
            &azure_logs,
            Some(&data),
            queries::Format::Table,
        )?;
    }
    if !gcp_logs.is_empty() {
        crate::cloud_logs::ingest(crate::cloud_logs::LogCloud::Gcp, &gcp_logs, Some(&data), queries::Format::Table)?;
    }

    let people_example = cross_cloud(env)?;

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
    println!("  remit people --env {}", env.display());
    if let Some(person) = &people_example {
        println!("  remit what-can person:{person} --env {}", env.display());
    }
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

/// The activity directories of every Azure tenant or Google Cloud organization of the bundle.
fn glob_activity(out: &Path, cloud: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(out.join(cloud)) else { return Vec::new() };
    let mut dirs: Vec<PathBuf> =
        entries.filter_map(Result::ok).map(|e| e.path().join("activity")).filter(|p| p.is_dir()).collect();
    dirs.sort();
    dirs
}

/// The estate across clouds: people, their identities in each cloud, and the findings of Azure,
/// Google Cloud and the people; one person with identities in several clouds, whose access
/// everywhere is printed (`remit what-can person:...`). Returns that person's email.
fn cross_cloud(env: &Path) -> anyhow::Result<Option<String>> {
    use remit_model::Cloud;
    let estate = crate::estate::load(env, remit_estate::Parts::ALL)?;
    let Some(people) = &estate.people else { return Ok(None) };
    println!("\n== One person across clouds (remit people, remit what-can person:EMAIL)");
    let clouds_of = |p: &remit_people::Person| -> Vec<Cloud> {
        let mut c: Vec<Cloud> = people.identities_of(p).iter().map(|(i, _)| i.cloud).collect();
        c.sort();
        c.dedup();
        c
    };
    let multi = people.persons().iter().filter(|p| clouds_of(p).len() >= 2).count();
    let findings = estate.findings();
    let count = |cloud: &str| findings.iter().filter(|f| f.cloud == cloud && f.is_open()).count();
    let leavers = findings.iter().filter(|f| f.rule.starts_with("people-leaver")).count();
    println!(
        "{} people, {multi} of them with identities in two clouds or more; {} unlinked identities (machines without an owner, guests of other organizations)",
        people.persons().len(),
        people.unlinked().len()
    );
    println!(
        "findings: {} in Azure, {} in Google Cloud, {leavers} identities of people who have left still active",
        count("azure"),
        count("gcp")
    );
    // A leaver if there is one (what they still hold is the point), else the person in the most clouds.
    let person = people
        .persons()
        .iter()
        .filter(|p| clouds_of(p).len() >= 2)
        .max_by_key(|p| (p.is_leaver(), clouds_of(p).len(), std::cmp::Reverse(p.key.clone())));
    let Some(person) = person else { return Ok(None) };
    let access = estate.person_access(&person.key)?;
    println!("{} <{}>{}:", person.display_name, person.key, if person.is_leaver() { " — HAS LEFT" } else { "" });
    for i in &access.identities {
        let what = match &i.access {
            Ok(remit_estate::WhatCan::Entitlements { entitlements, .. }) => {
                let eligible = entitlements.iter().filter(|e| e.eligible()).count();
                format!("{} entitlement(s), {eligible} eligible", entitlements.len())
            }
            Ok(remit_estate::WhatCan::Aws { permissions, roles, .. }) => {
                format!("{} action(s) of its own, can become {} role(s)", permissions.len(), roles.len())
            }
            Err(e) => format!("cannot tell: {e}"),
        };
        println!(
            "  {:<5} {} — {what}; linked with {} confidence: {}",
            i.identity.cloud.as_str(),
            i.identity.name,
            i.link.confidence.level.as_str(),
            i.link.rule.as_str()
        );
    }
    Ok(Some(person.key.clone()))
}
