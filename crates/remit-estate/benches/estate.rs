//! Remit on a large Azure tenant and a large Google Cloud organization, beside an AWS
//! organization: what each phase costs (import, index, every principal's what-can, who-can and
//! explain latency, the risk rules, one person across clouds), so that the three clouds'
//! figures can be read side by side and a slow phase found before users do.
//!
//! `cargo bench -p remit-estate --bench estate -- [BUNDLE] [--json] [--parts azure,gcp,aws,people]
//! [--questions N] [--seed N]` (or `REMIT_ESTATE_BUNDLE=BUNDLE`). Without a bundle it generates
//! one into a temporary directory first (the AWS `org` organization, then
//! `EstateSpec::large(1)` beside it; `--no-aws` skips the AWS part), timing the generation
//! apart. `--generate DIR` only generates, into `DIR`. `scripts/bench-estate.sh` generates once
//! and runs each part in a process of its own, so that each part's peak memory is its own.
//!
//! Questions are drawn (seeded) from the bundle itself: Azure's from its role assignments (the
//! assignment's scope, or a resource under it, and an action its role grants), Google Cloud's
//! from its bindings (the bound resource and a permission of the bound role), and each is
//! explained for the principal of the assignment or binding it was drawn from.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
    time::{Duration, Instant},
};

use rand::{Rng, SeedableRng, seq::IndexedRandom};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use remit_aws_analysis::{AwsAnalysis, WhatCanFilter};
use remit_azure::AzureAnalysis;
use remit_estate::{Estate, Parts};
use remit_gcp::GcpAnalysis;
use remit_model::{Entitlement, Principal};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// One measured phase.
struct Phase {
    cloud: &'static str,
    name: &'static str,
    wall: Duration,
    cpu_ms: Option<f64>,
    peak_mib: Option<f64>,
    result: String,
    extra: Value,
}

/// The options of a run.
struct Options {
    bundle: Option<PathBuf>,
    generate_only: Option<PathBuf>,
    json: bool,
    aws_generated: bool,
    parts: Vec<String>,
    questions: usize,
    seed: u64,
}

fn parse_options() -> Options {
    let mut options = Options {
        bundle: std::env::var_os("REMIT_ESTATE_BUNDLE").map(PathBuf::from),
        generate_only: None,
        json: false,
        aws_generated: true,
        parts: ["azure", "gcp", "aws", "people"].map(String::from).to_vec(),
        questions: 200,
        seed: 1,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            // `cargo bench` passes `--bench`.
            "--bench" => {}
            "--json" => options.json = true,
            "--no-aws" => options.aws_generated = false,
            "--generate" => options.generate_only = args.next().map(PathBuf::from),
            "--parts" => {
                options.parts = args.next().unwrap_or_default().split(',').map(str::to_owned).collect();
            }
            "--questions" => options.questions = args.next().and_then(|v| v.parse().ok()).unwrap_or(200),
            "--seed" => options.seed = args.next().and_then(|v| v.parse().ok()).unwrap_or(1),
            other if !other.starts_with("--") => options.bundle = Some(PathBuf::from(other)),
            other => eprintln!("ignored argument `{other}`"),
        }
    }
    options
}

fn status_kib(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The process's peak resident memory so far (the kernel's high-water mark), in MiB.
fn peak_mib() -> Option<f64> {
    status_kib("VmHWM:").map(|k| k / 1024.0)
}

/// CPU time of this process so far (user and system, every thread), in milliseconds (10 ms
/// resolution).
fn cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks * 10.0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs `f`, timing it (wall and CPU) and reading the peak memory after it.
fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration, Option<f64>, Option<f64>) {
    let cpu_before = cpu_ms();
    let started = Instant::now();
    let out = f();
    let wall = started.elapsed();
    let cpu = cpu_before.zip(cpu_ms()).map(|(b, a)| a - b);
    (out, wall, cpu, peak_mib())
}

/// Median and 99th percentile of latencies, in milliseconds.
fn percentiles(mut latencies: Vec<Duration>) -> (f64, f64) {
    latencies.sort();
    let at = |p: f64| {
        if latencies.is_empty() {
            return 0.0;
        }
        let idx = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        ms(latencies[idx.min(latencies.len() - 1)])
    };
    (at(0.5), at(0.99))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// sha256 of every (principal, entitlement) line, sorted: equal for two builds that give the
/// same answers, whatever order they list them in.
fn entitlement_digest(principals: &[Arc<Principal>], answers: &[Vec<Entitlement>]) -> String {
    let mut per_principal: Vec<(String, Vec<u8>)> = principals
        .par_iter()
        .zip(answers.par_iter())
        .map(|(p, entitlements)| {
            let mut lines: Vec<String> = entitlements
                .iter()
                .map(|e| {
                    format!(
                        "{}\t{}\t{:?}\t{}\t{}\t{:?}\t{:?}\n",
                        p.id, e.action, e.except, e.data_plane, e.resource, e.access, e.via
                    )
                })
                .collect();
            lines.sort_unstable();
            let mut hasher = Sha256::new();
            lines.iter().for_each(|l| hasher.update(l.as_bytes()));
            (p.id.clone(), hasher.finalize().to_vec())
        })
        .collect();
    per_principal.sort();
    let mut hasher = Sha256::new();
    for (id, digest) in &per_principal {
        hasher.update(id.as_bytes());
        hasher.update(digest);
    }
    hex(&hasher.finalize())[..16].to_owned()
}

/// A question: the action, the resource, and the principal to explain it for.
struct Question {
    action: String,
    resource: String,
    principal: String,
}

/// Concrete Azure actions the generated and real roles grant, control and data plane: a
/// question's action is one its role grants (so that answers are not empty).
const AZURE_ACTIONS: [&str; 16] = [
    "Microsoft.Authorization/roleAssignments/write",
    "Microsoft.Authorization/roleAssignments/read",
    "Microsoft.Resources/subscriptions/resourceGroups/read",
    "Microsoft.Resources/deployments/write",
    "Microsoft.Storage/storageAccounts/read",
    "Microsoft.Storage/storageAccounts/listKeys/action",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read",
    "Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write",
    "Microsoft.KeyVault/vaults/read",
    "Microsoft.KeyVault/vaults/secrets/getSecret/action",
    "Microsoft.Compute/virtualMachines/read",
    "Microsoft.Compute/virtualMachines/start/action",
    "Microsoft.Compute/virtualMachines/runCommand/action",
    "Microsoft.Web/sites/write",
    "Microsoft.Insights/logs/read",
    "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action",
];

fn azure_questions(analysis: &AzureAnalysis, count: usize, seed: u64) -> Vec<Question> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut grants: Vec<_> = analysis.all_grants().iter().collect();
    grants.sort_by(|a, b| {
        (&a.scope_key, &a.principal_id, &a.role_guid).cmp(&(&b.scope_key, &b.principal_id, &b.role_guid))
    });
    let mut resources: Vec<String> =
        analysis.environment().resources.iter().map(|r| r.id.to_ascii_lowercase()).collect();
    resources.sort();
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let Some(grant) = grants.choose(&mut rng) else { break };
        let granted: Vec<&str> = match analysis.role(&grant.role_guid) {
            Some(role) => AZURE_ACTIONS
                .iter()
                .copied()
                .filter(|a| {
                    remit_azure::action::granted_by(&role.permissions, a, false)
                        || remit_azure::action::granted_by(&role.permissions, a, true)
                })
                .collect(),
            None => Vec::new(),
        };
        let action = granted.choose(&mut rng).copied().unwrap_or(AZURE_ACTIONS[2]);
        // A resource under the scope, when there is one (else the scope itself).
        let prefix = format!("{}/", grant.scope_key);
        let start = resources.partition_point(|r| r.as_str() < prefix.as_str());
        let end = start + resources[start..].partition_point(|r| r.starts_with(&prefix));
        let resource = match end > start && rng.random_bool(0.5) {
            true => resources[rng.random_range(start..end)].clone(),
            false => grant.scope.clone(),
        };
        out.push(Question { action: action.to_owned(), resource, principal: grant.principal_id.clone() });
    }
    out
}

fn gcp_questions(analysis: &GcpAnalysis, count: usize, seed: u64) -> Vec<Question> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let engine = analysis.engine();
    let mut bindings: Vec<(&str, &str, &remit_gcp::member::Member)> = engine
        .nodes()
        .flat_map(|n| {
            n.bindings
                .iter()
                .flat_map(move |(b, members)| members.iter().map(move |m| (n.id.as_str(), b.role.as_str(), m)))
        })
        .filter(|(_, _, m)| !m.is_broad())
        .collect();
    bindings.sort_by(|a, b| (a.0, a.1, a.2.canonical()).cmp(&(b.0, b.1, b.2.canonical())));
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let Some((node, role, member)) = bindings.choose(&mut rng) else { break };
        let mut permissions: Vec<&str> = engine.role_permissions(role).map(|(p, _)| p.collect()).unwrap_or_default();
        permissions.sort_unstable();
        let permission = permissions.choose(&mut rng).copied().unwrap_or("resourcemanager.projects.get");
        out.push(Question {
            action: permission.to_owned(),
            resource: (*node).to_owned(),
            principal: member.canonical(),
        });
    }
    out
}

/// sha256 of the `Debug` form of `items`, shortened: equal for two builds that answer alike.
fn debug_digest<T: std::fmt::Debug>(items: &[T]) -> String {
    let mut hasher = Sha256::new();
    for item in items {
        hasher.update(format!("{item:?}\n").as_bytes());
    }
    hex(&hasher.finalize())[..16].to_owned()
}

/// What asking the questions measured.
struct Asked {
    who: Vec<Duration>,
    why: Vec<Duration>,
    holders: usize,
    errors: usize,
    allowed: usize,
    /// A digest of every answer, in the order asked (hashed after each question's timing).
    digest: String,
}

/// Times each question alone: who-can (the holders' count summed) and explain.
fn ask(
    questions: &[Question],
    who_can: impl Fn(&str, &str) -> Option<Vec<remit_model::Holder>>,
    explain: impl Fn(&str, &str, &str) -> bool,
) -> Asked {
    let (mut who, mut why) = (Vec::new(), Vec::new());
    let (mut holders, mut errors, mut allowed) = (0, 0, 0);
    let mut digest = Sha256::new();
    for q in questions {
        let started = Instant::now();
        let answer = who_can(&q.action, &q.resource);
        who.push(started.elapsed());
        match answer {
            Some(found) => {
                holders += found.len();
                digest.update(debug_digest(&found).as_bytes());
            }
            None => errors += 1,
        }
        let started = Instant::now();
        allowed += usize::from(explain(&q.principal, &q.action, &q.resource));
        why.push(started.elapsed());
    }
    Asked { who, why, holders, errors, allowed, digest: hex(&digest.finalize())[..16].to_owned() }
}

fn phase(
    cloud: &'static str,
    name: &'static str,
    measured: (Duration, Option<f64>, Option<f64>),
    result: String,
) -> Phase {
    let (wall, cpu_ms, peak_mib) = measured;
    let measured = Phase { cloud, name, wall, cpu_ms, peak_mib, result, extra: Value::Null };
    progress(&measured);
    measured
}

/// Each phase on stderr as soon as it is measured (a slow run shows where it is).
fn progress(p: &Phase) {
    eprintln!("{} {}: {:.3} s, {}", p.cloud, p.name, p.wall.as_secs_f64(), p.result);
}

fn latency_phases(
    cloud: &'static str,
    questions: &[Question],
    Asked { who, why, holders, errors, allowed, digest }: Asked,
) -> Vec<Phase> {
    let total_who: Duration = who.iter().sum();
    let total_why: Duration = why.iter().sum();
    let (who_p50, who_p99) = percentiles(who);
    let (why_p50, why_p99) = percentiles(why);
    let measured = vec![
        Phase {
            cloud,
            name: "who-can",
            wall: total_who,
            cpu_ms: None,
            peak_mib: peak_mib(),
            result: format!(
                "{} questions, p50 {who_p50:.2} ms, p99 {who_p99:.2} ms, {holders} holders, {errors} errors, digest {digest}",
                questions.len()
            ),
            extra: json!({"questions": questions.len(), "p50_ms": who_p50, "p99_ms": who_p99, "holders": holders, "errors": errors, "digest": digest}),
        },
        Phase {
            cloud,
            name: "explain",
            wall: total_why,
            cpu_ms: None,
            peak_mib: peak_mib(),
            result: format!(
                "{} questions, p50 {why_p50:.3} ms, p99 {why_p99:.3} ms, {allowed} allowed or conditional",
                questions.len()
            ),
            extra: json!({"questions": questions.len(), "p50_ms": why_p50, "p99_ms": why_p99, "allowed": allowed}),
        },
    ];
    measured.iter().for_each(progress);
    measured
}

fn azure(bundle: &Path, options: &Options, phases: &mut Vec<Phase>, sizes: &mut serde_json::Map<String, Value>) {
    let tenants = sub_directories(&bundle.join("azure"));
    for dir in tenants {
        let (loaded, wall, cpu, peak) = timed(|| remit_azure::load(&dir));
        let (env, issues) = match loaded {
            Ok(found) => found,
            Err(e) => {
                eprintln!("{}: {e}", dir.display());
                std::process::exit(1);
            }
        };
        let env_sizes = json!({
            "users": env.users.len(),
            "groups": env.groups.len(),
            "service_principals": env.service_principals.len(),
            "subscriptions": env.subscriptions.len(),
            "role_assignments": env.role_assignments.len(),
            "eligible_assignments": env.eligible_assignments.len(),
            "resources": env.resources.len(),
        });
        phases.push(phase("azure", "import", (wall, cpu, peak), format!("{} issues; {env_sizes}", issues.len())));
        let (analysis, wall, cpu, peak) = timed(|| AzureAnalysis::new(env));
        let principals = analysis.principals().to_vec();
        let mut sized = env_sizes;
        sized["principals"] = json!(principals.len());
        sized["grants"] = json!(analysis.all_grants().len());
        sizes.insert("azure".into(), sized);
        phases.push(phase(
            "azure",
            "index",
            (wall, cpu, peak),
            format!("{} principals, {} grants", principals.len(), analysis.all_grants().len()),
        ));

        let (answers, wall, cpu, peak) =
            timed(|| principals.par_iter().map(|p| analysis.what_can(&p.id).unwrap_or_default()).collect::<Vec<_>>());
        let total: usize = answers.iter().map(Vec::len).sum();
        let digest = entitlement_digest(&principals, &answers);
        drop(answers);
        let mut what =
            phase("azure", "what-can (all)", (wall, cpu, peak), format!("{total} entitlements, digest {digest}"));
        what.extra = json!({"entitlements": total, "digest": digest});
        phases.push(what);

        let questions = azure_questions(&analysis, options.questions, options.seed);
        let measured = ask(
            &questions,
            |a, r| analysis.who_can(a, r).ok(),
            |p, a, r| analysis.explain(p, a, r).is_ok_and(|e| !matches!(e.verdict, remit_model::Verdict::Denied)),
        );
        phases.extend(latency_phases("azure", &questions, measured));

        let (findings, wall, cpu, peak) = timed(|| remit_azure::findings(&analysis));
        phases.push(phase(
            "azure",
            "findings",
            (wall, cpu, peak),
            format!("{} findings, digest {}", findings.len(), debug_digest(&findings)),
        ));
    }
}

fn gcp(bundle: &Path, options: &Options, phases: &mut Vec<Phase>, sizes: &mut serde_json::Map<String, Value>) {
    for dir in sub_directories(&bundle.join("gcp")) {
        let (loaded, wall, cpu, peak) = timed(|| remit_gcp::load(&dir));
        let (env, issues) = match loaded {
            Ok(found) => found,
            Err(e) => {
                eprintln!("{}: {e}", dir.display());
                std::process::exit(1);
            }
        };
        let bindings: usize = env.policies.iter().flat_map(|p| &p.bindings).map(|b| b.members.len()).sum();
        let env_sizes = json!({
            "folders": env.folders.len(),
            "projects": env.projects.len(),
            "groups": env.groups.len(),
            "service_accounts": env.service_accounts.len(),
            "policies": env.policies.len(),
            "bindings": bindings,
            "resources": env.resources.len(),
        });
        phases.push(phase("gcp", "import", (wall, cpu, peak), format!("{} issues; {env_sizes}", issues.len())));
        let (analysis, wall, cpu, peak) = timed(|| GcpAnalysis::new(env));
        let principals = analysis.principals().to_vec();
        let mut sized = env_sizes;
        sized["members"] = json!(principals.len());
        sizes.insert("gcp".into(), sized);
        phases.push(phase("gcp", "index", (wall, cpu, peak), format!("{} members", principals.len())));

        let (answers, wall, cpu, peak) =
            timed(|| principals.par_iter().map(|p| analysis.what_can(&p.id).unwrap_or_default()).collect::<Vec<_>>());
        let total: usize = answers.iter().map(Vec::len).sum();
        let digest = entitlement_digest(&principals, &answers);
        drop(answers);
        let mut what =
            phase("gcp", "what-can (all)", (wall, cpu, peak), format!("{total} entitlements, digest {digest}"));
        what.extra = json!({"entitlements": total, "digest": digest});
        phases.push(what);

        let questions = gcp_questions(&analysis, options.questions, options.seed);
        let measured = ask(
            &questions,
            |a, r| analysis.who_can(a, r).ok(),
            |p, a, r| analysis.explain(p, a, r).is_ok_and(|e| !matches!(e.verdict, remit_model::Verdict::Denied)),
        );
        phases.extend(latency_phases("gcp", &questions, measured));

        let (findings, wall, cpu, peak) = timed(|| remit_gcp::risk::findings(&analysis));
        phases.push(phase(
            "gcp",
            "findings",
            (wall, cpu, peak),
            format!("{} findings, digest {}", findings.len(), debug_digest(&findings)),
        ));
    }
}

fn aws(bundle: &Path, phases: &mut Vec<Phase>, sizes: &mut serde_json::Map<String, Value>) {
    if !remit_estate::has_aws(bundle) {
        return;
    }
    let (loaded, wall, cpu, peak) = timed(|| remit_aws_import::load(bundle));
    let env = match loaded {
        Ok(env) => env,
        Err(e) => {
            eprintln!("{}: {e}", bundle.display());
            std::process::exit(1);
        }
    };
    phases.push(phase("aws", "import", (wall, cpu, peak), format!("{} accounts", env.accounts.len())));
    let (analysis, wall, cpu, peak) = timed(|| AwsAnalysis::new(env));
    let ids: Vec<String> = analysis.principals().map(|p| p.id.clone()).collect();
    sizes.insert("aws".into(), json!({"accounts": analysis.environment().accounts.len(), "principals": ids.len()}));
    phases.push(phase("aws", "index", (wall, cpu, peak), format!("{} principals", ids.len())));
    let (grants, wall, cpu, peak) = timed(|| {
        ids.par_iter()
            .map(|id| analysis.effective_permissions(id, &WhatCanFilter::default()).unwrap_or_default())
            .collect::<Vec<_>>()
    });
    let pairs: usize = grants.iter().flatten().map(|g| g.action_count() * g.resources.len()).sum();
    let mut what = phase("aws", "what-can (all)", (wall, cpu, peak), format!("{pairs} action-resource grants"));
    what.extra = json!({"grants": pairs});
    phases.push(what);
}

fn people(bundle: &Path, phases: &mut Vec<Phase>, sizes: &mut serde_json::Map<String, Value>) {
    let (loaded, wall, cpu, peak) = timed(|| Estate::load(bundle, Parts::ALL));
    let estate = match loaded {
        Ok(estate) => estate,
        Err(e) => {
            eprintln!("{}: {e}", bundle.display());
            std::process::exit(1);
        }
    };
    phases.push(phase("estate", "load (all parts)", (wall, cpu, peak), format!("{} issues", estate.issues.len())));
    // The correlation alone, on the clouds already loaded.
    let ((directory, identities), wall, cpu, peak) = timed(|| {
        let inputs = remit_people::PeopleInputs::load(&bundle.join("people")).unwrap_or_default();
        let identities = remit_estate::identities::all(&estate, None);
        (remit_people::correlate(&inputs, &identities), identities.len())
    });
    let linked = directory.persons().len();
    sizes.insert(
        "people".into(),
        json!({"persons": linked, "identities": identities, "unlinked": directory.unlinked().len()}),
    );
    phases.push(phase(
        "people",
        "correlate",
        (wall, cpu, peak),
        format!("{linked} persons, {identities} identities, {} unlinked", directory.unlinked().len()),
    ));
    let (findings, wall, cpu, peak) = timed(|| estate.findings());
    phases.push(phase(
        "estate",
        "findings (Azure, GCP, people)",
        (wall, cpu, peak),
        format!("{} findings, digest {}", findings.len(), debug_digest(&findings)),
    ));
}

/// The sub-directories of `dir`, sorted (each a tenant or an organization).
fn sub_directories(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_dir()).collect())
        .unwrap_or_default();
    out.sort();
    out
}

/// Generates the AWS `org` organization (unless `--no-aws`) and the large estate beside it.
fn generate(dir: &Path, options: &Options, phases: &mut Vec<Phase>) {
    if options.aws_generated {
        let (made, wall, cpu, peak) =
            timed(|| remit_gen::aws_org::generate(options.seed, remit_gen::aws_org::Size::Org, dir));
        match made {
            Ok(summary) => phases.push(phase(
                "generate",
                "AWS org",
                (wall, cpu, peak),
                format!("{} accounts, {} files", summary.accounts, summary.files),
            )),
            Err(e) => {
                eprintln!("generating the AWS organization into {}: {e}", dir.display());
                std::process::exit(1);
            }
        }
    }
    let spec = remit_gen::estate::EstateSpec::large(options.seed);
    let (made, wall, cpu, peak) = timed(|| remit_gen::estate::write_estate(&spec, dir));
    match made {
        Ok(truth) => phases.push(phase(
            "generate",
            "estate (large)",
            (wall, cpu, peak),
            format!(
                "{} people, {} Entra users, {} role assignments, {} projects, {} bindings",
                truth.people.persons,
                truth.azure.users,
                truth.azure.role_assignments,
                truth.gcp.projects,
                truth.gcp.bindings
            ),
        )),
        Err(e) => {
            eprintln!("generating the estate into {}: {e}", dir.display());
            std::process::exit(1);
        }
    }
}

fn print_table(phases: &[Phase], sizes: &serde_json::Map<String, Value>) {
    println!("| cloud | phase | wall | CPU | peak RSS | result |");
    println!("|---|---|---|---|---|---|");
    for p in phases {
        let cpu = p.cpu_ms.map_or_else(|| "".to_owned(), |c| format!("{:.2} s", c / 1000.0));
        let peak = p.peak_mib.map_or_else(|| "".to_owned(), |m| format!("{m:.0} MiB"));
        println!("| {} | {} | {:.3} s | {cpu} | {peak} | {} |", p.cloud, p.name, p.wall.as_secs_f64(), p.result);
    }
    for (part, size) in sizes {
        println!("{part}: {size}");
    }
}

fn main() {
    let options = parse_options();
    let mut phases = Vec::new();
    if let Some(dir) = &options.generate_only {
        generate(dir, &options, &mut phases);
        print_table(&phases, &serde_json::Map::new());
        return;
    }
    // Without a bundle: one generated into a temporary directory, removed at the end.
    let temporary;
    let bundle = match &options.bundle {
        Some(bundle) => bundle.clone(),
        None => {
            temporary = match tempfile::tempdir() {
                Ok(dir) => dir,
                Err(e) => {
                    eprintln!("a temporary directory: {e}");
                    std::process::exit(1);
                }
            };
            generate(temporary.path(), &options, &mut phases);
            temporary.path().to_path_buf()
        }
    };
    let mut sizes = serde_json::Map::new();
    let wants = |part: &str| options.parts.iter().any(|p| p == part);
    if wants("azure") {
        azure(&bundle, &options, &mut phases, &mut sizes);
    }
    if wants("gcp") {
        gcp(&bundle, &options, &mut phases, &mut sizes);
    }
    if wants("aws") {
        aws(&bundle, &mut phases, &mut sizes);
    }
    if wants("people") {
        people(&bundle, &mut phases, &mut sizes);
    }
    if options.json {
        let rows: Vec<Value> = phases
            .iter()
            .map(|p| {
                json!({
                    "cloud": p.cloud,
                    "phase": p.name,
                    "wall_s": p.wall.as_secs_f64(),
                    "cpu_s": p.cpu_ms.map(|c| c / 1000.0),
                    "peak_mib": p.peak_mib,
                    "result": p.result,
                    "measures": p.extra,
                })
            })
            .collect();
        let report = json!({
            "threads": rayon::current_num_threads(),
            "questions": options.questions,
            "seed": options.seed,
            "sizes": sizes,
            "phases": rows,
        });
        println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
    } else {
        print_table(&phases, &sizes);
    }
}
