//! The generator's CloudTrail logs of a generated environment, ingested: every call counted
//! toward the principal and the action it was written for, and every principal's right-sized
//! policy still allowing everything it was seen doing.

use std::{
    collections::{BTreeMap, HashSet},
    path::Path,
};

use remit_aws_activity::{Batch, Ingester, Input, Rollups, plan, rightsize};
use remit_aws_analysis::AwsAnalysis;

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = entry.path();
        if p.is_dir() {
            files(&p, out);
        } else if p.to_string_lossy().ends_with(".json.gz") {
            out.push(p);
        }
    }
}

type Counts = BTreeMap<(String, String), (u64, u64, u64)>;

#[test]
fn generated_activity_is_counted_exactly_and_rightsizing_replays_it() {
    let root = tempfile::tempdir().expect("tempdir");
    let env_dir = root.path().join("env");
    remit_gen::aws_org::generate_with(
        &remit_gen::aws_org::Options { seed: 5, size: remit_gen::aws_org::Size::Small, org_accounts: None },
        &env_dir,
    )
    .expect("generate environment");
    let analysis = AwsAnalysis::new(remit_aws_import::load(&env_dir).expect("load"));
    let end = 1_772_355_600;
    let spec = plan::plan(&analysis, &plan::PlanOptions { seed: 5, end, days: 14, target_events: 12_000 });
    assert!(spec.actors.len() > 20, "{}", spec.actors.len());
    let trail = root.path().join("trail");
    let written = remit_gen::cloudtrail::write_cloudtrail(&spec, &trail).expect("write");

    let mut paths = Vec::new();
    files(&trail, &mut paths);
    paths.sort();
    let mut rollups = Rollups::new();
    let mut ingester = Ingester::new(HashSet::new(), HashSet::new(), |batch: Batch| {
        rollups.merge(&batch.rollups);
        Ok::<(), ()>(())
    });
    for p in &paths {
        ingester.add(Input { location: p.display().to_string(), bytes: std::fs::read(p).expect("read") }).expect("add");
    }
    let (totals, issues) = ingester.finish().expect("finish");
    assert!(issues.is_empty(), "{issues:?}");
    assert_eq!(totals.stats.records, written.records);
    assert_eq!(totals.stats.unmapped, 0, "{:?}", rollups.unmapped());

    // Every call of the truth, per principal and action, equals what ingestion counted.
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(trail.join("activity-truth.json")).expect("truth")).expect("json");
    let mut expected: Counts = BTreeMap::new();
    for p in truth["principals"].as_array().expect("principals") {
        let arn = p["arn"].as_str().expect("arn");
        for c in p["calls"].as_array().expect("calls") {
            // Needs no permission (an explicit deny cannot stop it), so it is activity, not use:
            // https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
            if c["label"] == "sts:GetCallerIdentity" {
                continue;
            }
            let e = expected.entry((arn.to_owned(), c["label"].as_str().expect("label").to_owned())).or_default();
            e.0 += c["allowed"].as_u64().expect("n");
            e.1 += c["denied"].as_u64().expect("n");
            e.2 += c["failed"].as_u64().expect("n");
        }
    }
    let actors: HashSet<&str> = spec.actors.iter().map(|a| a.arn.as_str()).collect();
    let mut counted: Counts = BTreeMap::new();
    for row in rollups.usage() {
        if !actors.contains(&*row.principal) {
            continue;
        }
        let e = counted.entry((row.principal.to_string(), row.action.to_string())).or_default();
        e.0 += row.counts.allowed;
        e.1 += row.counts.denied;
        e.2 += row.counts.failed;
    }
    assert!(expected.len() > 50, "{}", expected.len());
    let differences: Vec<_> = expected
        .iter()
        .filter(|(k, v)| counted.get(*k) != Some(v))
        .map(|(k, v)| (k.clone(), *v, counted.get(k).copied()))
        .take(10)
        .collect();
    assert!(differences.is_empty(), "{differences:?}");
    assert_eq!(expected.len(), counted.len());

    // Inactive principals made no request at all.
    for arn in truth["inactive"].as_array().expect("inactive") {
        let arn = arn.as_str().expect("arn");
        assert!(rollups.principals().iter().all(|p| &*p.principal != arn), "{arn}");
    }

    // Right-sizing every active principal keeps every observed request.
    let usage = rollups.usage();
    let mut by_principal: BTreeMap<&str, Vec<remit_activity::UsageRow>> = BTreeMap::new();
    for row in &usage {
        by_principal.entry(&row.principal).or_default().push(row.clone());
    }
    let mut checked = 0;
    for actor in spec.actors.iter().filter(|a| a.weight > 0.0 && !a.calls.is_empty()).take(12) {
        let Some(rows) = by_principal.get(actor.arn.as_str()) else { continue };
        let r = rightsize::rightsize(&analysis, &actor.arn, rows, &[]).expect("rightsize");
        let (kept, observed) = r.replay_counts();
        assert!(
            r.replay_holds(),
            "{}: {:?}",
            actor.arn,
            r.replay.iter().filter(|x| x.after == "denied").collect::<Vec<_>>()
        );
        assert_eq!(kept, observed);
        assert!(r.actions_after <= r.actions_before);
        checked += 1;
    }
    assert!(checked >= 5, "{checked}");
}
