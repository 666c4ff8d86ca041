//! Remit on a whole AWS environment: import, index, every principal's effective permissions,
//! and `who-can` latency over random queries. One environment per process, so that the peak
//! memory it reports (the kernel's high-water mark of this process) is that environment's.
//!
//! `cargo bench -p remit-aws-analysis --bench environment -- BUNDLE [QUERIES] [SEED]` prints one
//! JSON object; `scripts/bench-aws-env.py` runs it next to Cloudsplaining and PMapper on the
//! same bundles and prints the comparison.
//!
//! Queries are drawn (seeded) from the environment itself: a resource of the bundle (a bucket
//! object, key, queue, topic, function, secret or role) and an action of its service that
//! policies commonly grant, so that answers are non-trivial. Each query is timed alone, on
//! the analysis built once, as the service will answer it.

use std::{
    path::PathBuf,
    sync::Arc,
    time::{Duration, Instant},
};

use rand::{SeedableRng, seq::IndexedRandom};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use remit_aws_analysis::{AwsAnalysis, Grant, WhatCanFilter};
use serde_json::json;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn actions_for(service: &str) -> &'static [&'static str] {
    match service {
        "s3" => &["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:PutBucketPolicy"],
        "kms" => &["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:PutKeyPolicy"],
        "sqs" => &["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage"],
        "sns" => &["sns:Publish", "sns:Subscribe"],
        "lambda" => &["lambda:InvokeFunction", "lambda:UpdateFunctionCode", "lambda:GetFunction"],
        "secretsmanager" => &["secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"],
        "iam" => &["sts:AssumeRole", "iam:PassRole", "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy"],
        _ => &["ec2:DescribeInstances"],
    }
}

fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU time of this process so far (user and system, every thread), in milliseconds: what
/// a phase costs whatever else the machine runs (10 ms resolution: Linux counts in USER_HZ,
/// 100 per second).
fn cpu_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks * 10.0)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    ms(sorted[idx.min(sorted.len() - 1)])
}

fn main() {
    // `cargo bench` passes `--bench`; the rest are ours.
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let Some(bundle) = args.first().map(PathBuf::from) else {
        eprintln!("usage: cargo bench -p remit-aws-analysis --bench environment -- BUNDLE [QUERIES] [SEED]");
        eprintln!("(no bundle given: nothing measured; see scripts/bench-aws-env.py)");
        return;
    };
    let queries: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let seed: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1);

    let started = Instant::now();
    let env = match remit_aws_import::load(&bundle) {
        Ok(env) => env,
        Err(e) => {
            eprintln!("{}: {e}", bundle.display());
            std::process::exit(1);
        }
    };
    let import = started.elapsed();
    let issues = env.issues.len();
    let started = Instant::now();
    let analysis = AwsAnalysis::new(env);
    let index = started.elapsed();
    let (principals, edges) = analysis.size();

    // Every principal's effective permissions, decided and kept (the index a full scan builds:
    // per principal, the actions allowed on each resource and how).
    let started = Instant::now();
    let cpu_before = cpu_ms();
    let ids: Vec<String> = analysis.principals().map(|p| p.id.clone()).collect();
    // `REMIT_BENCH_PRINCIPALS=N` measures the first N only (to profile the rest).
    let limit = std::env::var("REMIT_BENCH_PRINCIPALS").ok().and_then(|v| v.parse().ok()).unwrap_or(ids.len());
    let effective_index: Vec<Vec<Grant>> = ids[..limit.min(ids.len())]
        .par_iter()
        .map(|id| analysis.effective_permissions(id, &WhatCanFilter::default()).unwrap_or_default())
        .collect();
    let effective = started.elapsed();
    let effective_cpu = cpu_before.zip(cpu_ms()).map(|(before, after)| after - before);
    // Grants counted as (action, resource) pairs, as what-can lists them (bookkeeping of the
    // benchmark, after the timing).
    let grants: usize = effective_index.iter().flatten().map(|g| g.action_count() * g.resources.len()).sum();

    // `REMIT_BENCH_QUERY="ACTION RESOURCE"` asks that one query `QUERIES` times (to profile it).
    if let Some((action, resource)) = std::env::var("REMIT_BENCH_QUERY")
        .ok()
        .and_then(|q| q.split_once(' ').map(|(a, r)| (a.to_owned(), r.to_owned())))
    {
        let started = Instant::now();
        let holders: usize = (0..queries).map(|_| analysis.who_can(&action, &resource).map_or(0, |h| h.len())).sum();
        eprintln!("{} holders, {:.3} ms each", holders / queries.max(1), ms(started.elapsed()) / queries.max(1) as f64);
        return;
    }
    // A digest of every grant (principal, resources, actions, access), to compare the answers
    // of two builds (computed after the timing).
    let digest = {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::hash::DefaultHasher::new();
        for (id, grants) in ids.iter().zip(&effective_index) {
            id.hash(&mut hasher);
            for grant in grants {
                for part in grant.parts() {
                    grant.resources.hash(&mut hasher);
                    part.actions().for_each(|a| a.0.hash(&mut hasher));
                    format!("{:?}", Arc::new(part.access.clone())).hash(&mut hasher);
                }
            }
        }
        format!("{:016x}", hasher.finish())
    };
    // `REMIT_BENCH_CANONICAL=1`: a digest of every (principal, resource, action, access), however
    // grants group them (to compare two builds that group resources or actions differently).
    let canonical = std::env::var("REMIT_BENCH_CANONICAL").is_ok().then(|| {
        use std::hash::{BuildHasher, Hash, Hasher};
        let fixed = std::hash::BuildHasherDefault::<std::hash::DefaultHasher>::default();
        let mut hasher = std::hash::DefaultHasher::new();
        for (id, grants) in ids.iter().zip(&effective_index) {
            id.hash(&mut hasher);
            let mut rows: Vec<(u64, u32, u64)> = Vec::new();
            for grant in grants {
                let resources: Vec<u64> = grant.resources.iter().map(|r| fixed.hash_one(&**r)).collect();
                for part in grant.parts() {
                    let access = fixed.hash_one(format!("{:?}", Arc::new(part.access.clone())));
                    for action in part.actions() {
                        rows.extend(resources.iter().map(|r| (*r, action.0, access)));
                    }
                }
            }
            rows.sort_unstable();
            rows.len().hash(&mut hasher);
            rows.hash(&mut hasher);
            // `REMIT_BENCH_CANONICAL=2` also lists each (principal, resource)'s rows hashed, on
            // stderr: where two builds differ.
            if std::env::var("REMIT_BENCH_CANONICAL").is_ok_and(|v| v == "2") {
                let mut by_resource: std::collections::BTreeMap<String, Vec<String>> = Default::default();
                for grant in grants {
                    for part in grant.parts() {
                        let access = format!("{:?}", Arc::new(part.access.clone()));
                        for r in grant.resources.iter() {
                            for action in part.actions() {
                                by_resource.entry(r.to_string()).or_default().push(format!("{} {}", action.0, access));
                            }
                        }
                    }
                }
                for (r, mut rows) in by_resource {
                    rows.sort();
                    let h = fixed.hash_one(&rows);
                    eprintln!("P {id} {r} {} {h:016x}", rows.len());
                }
            }
        }
        format!("{:016x}", hasher.finish())
    });
    // Random who-can queries.
    let mut targets: Vec<(String, String)> = Vec::new();
    for account in &analysis.environment().accounts {
        for r in &account.resources {
            let arn = if r.service == "s3" { format!("{}/reports/2026/q3.csv", r.arn) } else { r.arn.clone() };
            targets.push((r.service.clone(), arn));
        }
        for role in &account.roles {
            targets.push(("iam".to_owned(), role.arn.clone()));
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut latencies = Vec::with_capacity(queries);
    let mut by_size: Vec<(usize, Duration)> = Vec::with_capacity(queries);
    let mut asked: Vec<(Duration, &str, String)> = Vec::with_capacity(queries);
    // `REMIT_BENCH_ANSWERS=1` hashes every answer (to compare two builds; the timings then
    // include the hashing and mean nothing).
    let mut answers_digest = std::env::var("REMIT_BENCH_ANSWERS").is_ok().then(std::hash::DefaultHasher::new);
    let mut answers = 0usize;
    let mut errors = 0usize;
    for _ in 0..queries {
        let Some((service, resource)) = targets.choose(&mut rng) else { break };
        let action = actions_for(service).choose(&mut rng).copied().unwrap_or("s3:GetObject");
        let resource = match action {
            "s3:ListBucket" | "s3:PutBucketPolicy" => resource.split('/').next().unwrap_or(resource).to_owned(),
            _ => resource.clone(),
        };
        let started = Instant::now();
        let holders = match analysis.who_can(action, &resource) {
            Ok(holders) => {
                if let Some(hasher) = answers_digest.as_mut() {
                    use std::hash::Hash;
                    for holder in &holders {
                        format!("{:?}{:?}{:?}", holder.principal, holder.access, holder.via).hash(hasher);
                    }
                }
                holders.len()
            }
            Err(_) => {
                errors += 1;
                0
            }
        };
        let took = started.elapsed();
        answers += holders;
        latencies.push(took);
        by_size.push((holders, took));
        asked.push((took, action, resource));
    }
    // `REMIT_BENCH_SLOWEST=N` names the N slowest queries on stderr (to profile them alone).
    if let Some(n) = std::env::var("REMIT_BENCH_SLOWEST").ok().and_then(|v| v.parse::<usize>().ok()) {
        asked.sort_by_key(|(took, ..)| std::cmp::Reverse(*took));
        for (took, action, resource) in asked.iter().take(n) {
            eprintln!("{:.2} ms\t{action}\t{resource}", ms(*took));
        }
    }
    latencies.sort();
    // Latency by the size of the answer: a query listing ten thousand principals, each with its
    // path and conditions, costs more than one listing ten.
    let buckets: Vec<serde_json::Value> = [(0, 100), (100, 1_000), (1_000, 5_000), (5_000, usize::MAX)]
        .iter()
        .map(|&(lo, hi)| {
            let mut in_bucket: Vec<Duration> =
                by_size.iter().filter(|(n, _)| *n >= lo && *n < hi).map(|(_, d)| *d).collect();
            in_bucket.sort();
            json!({
                "holdersFrom": lo,
                "holdersBelow": if hi == usize::MAX { None } else { Some(hi) },
                "queries": in_bucket.len(),
                "p50Ms": percentile(&in_bucket, 0.50),
                "p99Ms": percentile(&in_bucket, 0.99),
            })
        })
        .collect();

    let out = json!({
        "bundle": bundle.display().to_string(),
        "accounts": analysis.environment().accounts.len(),
        "principals": principals,
        "assumeEdges": edges,
        "importIssues": issues,
        "importMs": ms(import),
        "indexMs": ms(index),
        "effectivePermissionsMs": ms(effective),
        "effectivePermissionsCpuMs": effective_cpu,
        "effectiveGrants": grants,
        "effectiveDigest": digest,
        "effectiveCanonicalDigest": canonical,
        "effectiveGrantSets": effective_index.iter().flatten().map(|g| g.parts().count()).sum::<usize>(),
        "effectiveConditions": effective_index
            .iter()
            .flatten()
            .flat_map(Grant::parts)
            .map(|part| part.access.conditions().len())
            .sum::<usize>(),
        "whoCan": {
            "answersDigest": answers_digest.map(|h| format!("{:016x}", std::hash::Hasher::finish(&h))),
            "queries": latencies.len(),
            "errors": errors,
            "holdersTotal": answers,
            "meanMs": latencies.iter().map(|d| ms(*d)).sum::<f64>() / latencies.len().max(1) as f64,
            "p50Ms": percentile(&latencies, 0.50),
            "p90Ms": percentile(&latencies, 0.90),
            "p99Ms": percentile(&latencies, 0.99),
            "maxMs": latencies.last().map(|d| ms(*d)).unwrap_or(0.0),
            "byAnswerSize": buckets,
        },
        "peakMemoryMiB": peak_memory_kib().map(|k| k as f64 / 1024.0),
        "threads": rayon::current_num_threads(),
    });
    println!("{out}");
}
