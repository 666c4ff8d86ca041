//! Differential test: Remit's AWS decisions against an independent evaluator.
//!
//! Seeded random cases from `remit-gen` are decided by Remit ([`remit_aws_decide::decide_line`]) and by
//! `@cloud-copilot/iam-simulate` through `oracle.mjs` (one `node` process for the whole run; AGPL-3.0, so it
//! is only ever run, never linked or copied).
//! Every disagreement must be a reviewed one, listed in `tests/divergences.toml` with the AWS documentation
//! that shows the reference evaluator to be wrong; an unlisted disagreement fails, and so does a listed one
//! that no longer happens (stale).
//!
//! Environment:
//! - `REMIT_ORACLE_DIR`: the directory made by `scripts/install-oracle.sh`. Without it the test is skipped,
//!   except under `CI`, where it fails.
//! - `REMIT_DIFF_CASES` (default 6000) and `REMIT_DIFF_SEED` (default 1): which cases. The divergence list is
//!   written for the defaults; entries for cases outside the run are not checked.
//! - `REMIT_NODE`: the `node` binary (default `node`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use serde::Deserialize;
use serde_json::Value;

/// The share of cases the reference evaluator may reject before the generator is deemed broken.
const MAX_ORACLE_ERROR_RATE: f64 = 0.005;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DivergenceFile {
    #[serde(default)]
    divergence: Vec<Divergence>,
}

/// A reviewed disagreement: the reference evaluator is wrong on this case, per `doc`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Divergence {
    id: String,
    category: String,
    remit: String,
    oracle: String,
    doc: String,
    why: String,
}

#[test]
fn remit_agrees_with_the_reference_evaluator() {
    let Some(oracle) = oracle_script() else { return };
    let count = env_number("REMIT_DIFF_CASES", 6000);
    let seed = env_number("REMIT_DIFF_SEED", 1);
    let lines = remit_gen::aws_decide_cases(seed, count as usize);

    let oracle_answers = run_oracle(&oracle, &lines);
    let divergences = load_divergences();

    let mut oracle_errors = Vec::new();
    let mut agreements = 0usize;
    let mut listed_seen = BTreeSet::new();
    let mut per_category: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut generated_ids = BTreeSet::new();

    for line in &lines {
        let case: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("generated case is not JSON ({e}): {line}"));
        let id = case["id"].as_str().unwrap_or_default().to_owned();
        generated_ids.insert(id.clone());
        let remit: Value = serde_json::from_str(&remit_aws_decide::decide_line(line, false))
            .unwrap_or_else(|e| panic!("decide_line returned invalid JSON ({e}) for {line}"));
        let remit_decision = match (remit.get("decision").and_then(Value::as_str), remit.get("error")) {
            (Some(d), _) => d.to_owned(),
            (None, Some(err)) => format!("error: {err}"),
            (None, None) => format!("unexpected answer {remit}"),
        };
        let Some(answer) = oracle_answers.get(&id) else {
            failures.push(format!("the oracle gave no answer for {id}"));
            continue;
        };
        if let Some(err) = answer.get("error") {
            oracle_errors.push(format!("{id}: {err}"));
            continue;
        }
        let oracle_decision = answer.get("decision").and_then(Value::as_str).unwrap_or_default().to_owned();
        let listed = divergences.get(id.as_str());
        match (remit_decision == oracle_decision, listed) {
            (true, None) => agreements += 1,
            (true, Some(d)) => failures.push(format!(
                "stale divergence {id} ({}): both now answer {remit_decision}; remove it from divergences.toml",
                d.category
            )),
            (false, Some(d)) if d.remit == remit_decision && d.oracle == oracle_decision => {
                listed_seen.insert(id.clone());
                *per_category.entry(d.category.as_str()).or_default() += 1;
            }
            (false, Some(d)) => failures.push(format!(
                "divergence {id} ({}) changed: listed remit={} oracle={}, now remit={remit_decision} oracle={oracle_decision}\n  case: {line}",
                d.category, d.remit, d.oracle
            )),
            (false, None) => failures.push(format!(
                "unlisted disagreement {id}: remit={remit_decision} oracle={oracle_decision}\n  case: {line}\n  stub:\n[[divergence]]\nid = \"{id}\"\ncategory = \"TODO\"\nremit = \"{remit_decision}\"\noracle = \"{oracle_decision}\"\ndoc = \"TODO\"\nwhy = \"TODO\"\n"
            )),
        }
    }

    let decided = lines.len() - oracle_errors.len();
    let rate = if decided == 0 { 0.0 } else { agreements as f64 / decided as f64 };
    eprintln!(
        "differential (seed {seed}): {} cases, {} oracle errors, {agreements} agreements, {} listed divergences, agreement rate {:.2}%",
        lines.len(),
        oracle_errors.len(),
        listed_seen.len(),
        rate * 100.0
    );
    for (category, n) in &per_category {
        eprintln!("  divergence {category}: {n}");
    }

    let error_rate = oracle_errors.len() as f64 / lines.len().max(1) as f64;
    if error_rate > MAX_ORACLE_ERROR_RATE {
        failures.push(format!(
            "the oracle rejected {} of {} cases ({:.2}% > {:.1}%), the generator makes cases it cannot evaluate:\n  {}",
            oracle_errors.len(),
            lines.len(),
            error_rate * 100.0,
            MAX_ORACLE_ERROR_RATE * 100.0,
            oracle_errors.iter().take(10).cloned().collect::<Vec<_>>().join("\n  ")
        ));
    }
    for (id, d) in &divergences {
        if generated_ids.contains(*id)
            && !listed_seen.contains(*id)
            && !failures.iter().any(|f| f.contains(&format!(" {id} ")))
        {
            failures.push(format!("divergence {id} ({}) was not observed; remove or fix it", d.category));
        }
    }
    assert!(failures.is_empty(), "{} problem(s):\n{}", failures.len(), failures.join("\n"));
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(s) => s.trim().parse().unwrap_or_else(|_| panic!("{name}={s}: expected a number")),
        Err(_) => default,
    }
}

/// The oracle script, or `None` when it is absent and the test should be skipped.
fn oracle_script() -> Option<PathBuf> {
    let dir = std::env::var_os("REMIT_ORACLE_DIR").map(PathBuf::from);
    let script = dir.as_ref().map(|d| d.join("oracle.mjs"));
    if let Some(script) = script.filter(|s| s.is_file()) {
        return Some(script);
    }
    let why = match &dir {
        None => "REMIT_ORACLE_DIR is not set".to_owned(),
        Some(d) => format!("{} has no oracle.mjs", d.display()),
    };
    let how = "install it with `scripts/install-oracle.sh DIR` and run with REMIT_ORACLE_DIR=DIR";
    if std::env::var_os("CI").is_some() {
        panic!("the differential test needs the reference evaluator under CI: {why}; {how}");
    }
    eprintln!("differential test skipped: the reference evaluator is absent ({why}); {how}");
    None
}

/// Runs every case through one `node oracle.mjs` process; answers by id.
fn run_oracle(script: &PathBuf, lines: &[String]) -> BTreeMap<String, Value> {
    let node = std::env::var("REMIT_NODE").unwrap_or_else(|_| "node".to_owned());
    let mut child = Command::new(&node)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start `{node} {}`: {e}", script.display()));
    let mut stdin = child.stdin.take().unwrap_or_else(|| panic!("no stdin for the oracle"));
    let input: Vec<String> = lines.to_vec();
    // Written from another thread: the oracle answers as it reads, and both pipes are bounded.
    let writer = std::thread::spawn(move || {
        for line in input {
            if writeln!(stdin, "{line}").is_err() {
                break;
            }
        }
    });
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout for the oracle"));
    let mut answers = BTreeMap::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap_or_else(|e| panic!("reading the oracle's output: {e}"));
        if line.trim().is_empty() {
            continue;
        }
        let answer: Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("oracle output is not JSON ({e}): {line}"));
        let id = answer["id"].as_str().unwrap_or_default().to_owned();
        answers.insert(id, answer);
    }
    let _ = writer.join();
    let status = child.wait().unwrap_or_else(|e| panic!("waiting for the oracle: {e}"));
    assert!(status.success(), "the oracle exited with {status}");
    assert_eq!(answers.len(), lines.len(), "the oracle answered {} of {} cases", answers.len(), lines.len());
    answers
}

fn load_divergences() -> BTreeMap<&'static str, &'static Divergence> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/divergences.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file: DivergenceFile = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file: &'static DivergenceFile = Box::leak(Box::new(file));
    let mut out = BTreeMap::new();
    for d in &file.divergence {
        for (field, value) in [("category", &d.category), ("doc", &d.doc), ("why", &d.why)] {
            assert!(!value.trim().is_empty() && value != "TODO", "divergence {}: {field} is missing", d.id);
        }
        assert!(
            d.doc.starts_with("https://docs.aws.amazon.com/"),
            "divergence {}: doc must be an AWS documentation URL",
            d.id
        );
        for decision in [&d.remit, &d.oracle] {
            assert!(
                ["Allowed", "ImplicitlyDenied", "ExplicitlyDenied"].contains(&decision.as_str()),
                "divergence {}: `{decision}` is not a decision",
                d.id
            );
        }
        assert!(out.insert(d.id.as_str(), d).is_none(), "divergence {} is listed twice", d.id);
    }
    out
}
