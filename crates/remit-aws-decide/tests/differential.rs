//! Differential test: Remit's AWS decisions against an independent evaluator.
//!
//! Seeded random cases from `remit-gen` are decided by Remit ([`remit_aws_decide::decide_line`]) and by
//! `@cloud-copilot/iam-simulate` through `oracle.mjs` (one `node` process for the whole run; AGPL-3.0, so it
//! is only ever run, never linked or copied).
//! Every disagreement must be a reviewed one, listed in `tests/divergences.toml` with the AWS documentation
//! that shows the reference evaluator to be wrong (or, where the documentation leaves the answer open, the
//! reading Remit takes); an unlisted disagreement fails, and so does a listed one that no longer happens
//! (stale).
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

/// A reviewed disagreement: per `doc`, the reference evaluator is wrong on this case (or, for a judgement
/// call, the documentation does not settle it and `why` states Remit's reading).
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
    let count = env_number("REMIT_DIFF_CASES", 6000).expect("REMIT_DIFF_CASES");
    let seed = env_number("REMIT_DIFF_SEED", 1).expect("REMIT_DIFF_SEED");
    let lines = remit_gen::aws_decide_cases(seed, count as usize);

    let oracle_answers = run_oracle(&oracle, &lines).expect("running the oracle");
    let divergences = load_divergences().expect("tests/divergences.toml");

    let mut oracle_errors = Vec::new();
    let mut agreements = 0usize;
    let mut listed_seen = BTreeSet::new();
    let mut per_category: BTreeMap<&str, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut generated_ids = BTreeSet::new();
    let mut oracle_decisions: BTreeMap<String, usize> = BTreeMap::new();

    for line in &lines {
        let case: Value =
            serde_json::from_str(line).map_err(|e| format!("{e}: {line}")).expect("a generated case is JSON");
        let id = case["id"].as_str().unwrap_or_default().to_owned();
        generated_ids.insert(id.clone());
        let remit: Value = serde_json::from_str(&remit_aws_decide::decide_line(line, false))
            .map_err(|e| format!("{e}: {line}"))
            .expect("decide_line answers JSON");
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
        *oracle_decisions.entry(oracle_decision.clone()).or_default() += 1;
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
                "unlisted disagreement {id}: remit={remit_decision} oracle={oracle_decision}\n  case: {line}\n  known triggers present (a hint, not a verdict): {}\n  stub:\n[[divergence]]\nid = \"{id}\"\ncategory = \"TODO\"\nremit = \"{remit_decision}\"\noracle = \"{oracle_decision}\"\ndoc = \"TODO\"\nwhy = \"TODO\"\n",
                hints::triggers(&case).join(", ")
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
    let mix: Vec<String> = oracle_decisions
        .iter()
        .map(|(d, n)| format!("{d} {:.1}%", *n as f64 * 100.0 / decided.max(1) as f64))
        .collect();
    eprintln!("  oracle decisions: {}", mix.join(", "));
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

fn env_number(name: &str, default: u64) -> Result<u64, String> {
    match std::env::var(name) {
        Ok(s) => s.trim().parse().map_err(|_| format!("{name}={s}: expected a number")),
        Err(_) => Ok(default),
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
    assert!(
        std::env::var_os("CI").is_none(),
        "the differential test needs the reference evaluator under CI: {why}; {how}"
    );
    eprintln!("differential test skipped: the reference evaluator is absent ({why}); {how}");
    None
}

/// Runs every case through one `node oracle.mjs` process; answers by id.
fn run_oracle(script: &PathBuf, lines: &[String]) -> Result<BTreeMap<String, Value>, String> {
    let node = std::env::var("REMIT_NODE").unwrap_or_else(|_| "node".to_owned());
    let mut child = Command::new(&node)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start `{node} {}`: {e}", script.display()))?;
    let mut stdin = child.stdin.take().ok_or("no stdin for the oracle")?;
    let input: Vec<String> = lines.to_vec();
    // Written from another thread: the oracle answers as it reads, and both pipes are bounded.
    let writer = std::thread::spawn(move || {
        for line in input {
            if writeln!(stdin, "{line}").is_err() {
                break;
            }
        }
    });
    let stdout = child.stdout.take().ok_or("no stdout for the oracle")?;
    let mut answers = BTreeMap::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.map_err(|e| format!("reading the oracle's output: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let answer: Value =
            serde_json::from_str(&line).map_err(|e| format!("oracle output is not JSON ({e}): {line}"))?;
        let id = answer["id"].as_str().unwrap_or_default().to_owned();
        answers.insert(id, answer);
    }
    let _ = writer.join();
    let status = child.wait().map_err(|e| format!("waiting for the oracle: {e}"))?;
    if !status.success() {
        return Err(format!("the oracle exited with {status}"));
    }
    if answers.len() != lines.len() {
        return Err(format!("the oracle answered {} of {} cases", answers.len(), lines.len()));
    }
    Ok(answers)
}

fn load_divergences() -> Result<BTreeMap<&'static str, &'static Divergence>, String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/divergences.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file: DivergenceFile = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let file: &'static DivergenceFile = Box::leak(Box::new(file));
    let mut out = BTreeMap::new();
    for d in &file.divergence {
        for (field, value) in [("category", &d.category), ("doc", &d.doc), ("why", &d.why)] {
            if value.trim().is_empty() || value == "TODO" {
                return Err(format!("divergence {}: {field} is missing", d.id));
            }
        }
        if !d.doc.starts_with("https://docs.aws.amazon.com/") {
            return Err(format!("divergence {}: doc must be an AWS documentation URL", d.id));
        }
        for decision in [&d.remit, &d.oracle] {
            if !["Allowed", "ImplicitlyDenied", "ExplicitlyDenied"].contains(&decision.as_str()) {
                return Err(format!("divergence {}: `{decision}` is not a decision", d.id));
            }
        }
        if out.insert(d.id.as_str(), d).is_some() {
            return Err(format!("divergence {} is listed twice", d.id));
        }
    }
    Ok(out)
}

/// Heuristics naming, in a failing case, the inputs that trigger known departures of the reference
/// evaluator (the categories of `divergences.toml`), to speed up the review of a new disagreement.
mod hints {
    use serde_json::Value;

    const MULTIVALUED: &[&str] = &[
        "aws:tagkeys",
        "aws:principalorgpaths",
        "aws:calledvia",
        "kms:encryptioncontextkeys",
        "sts:transitivetagkeys",
        "dynamodb:leadingkeys",
        "dynamodb:attributes",
    ];

    fn list(v: &Value) -> Vec<&Value> {
        match v {
            Value::Array(items) => items.iter().collect(),
            Value::Null => Vec::new(),
            other => vec![other],
        }
    }

    fn text(v: &Value) -> String {
        match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }

    /// Variables of `s` (not `${*}`, `${?}`, `${$}`, nor with a default) that the context does not
    /// give a single value.
    fn unresolved(s: &str, ctx: &serde_json::Map<String, Value>) -> bool {
        let mut rest = s;
        while let Some(start) = rest.find("${") {
            let Some(len) = rest[start..].find('}') else { break };
            let inner = &rest[start + 2..start + len];
            rest = &rest[start + len + 1..];
            if matches!(inner, "*" | "?" | "$") || inner.contains(", '") {
                continue;
            }
            let value = ctx.iter().find(|(k, _)| k.eq_ignore_ascii_case(inner.trim())).map(|(_, v)| v);
            if !matches!(value, Some(Value::String(s)) if !s.is_empty())
                && !matches!(value, Some(Value::Number(_) | Value::Bool(_)))
            {
                return true;
            }
        }
        false
    }

    pub(super) fn triggers(case: &Value) -> Vec<&'static str> {
        let mut out = Vec::new();
        let request = &case["request"];
        let principal = request["principal"].as_str().unwrap_or_default();
        let empty = serde_json::Map::new();
        let ctx = request["context"].as_object().unwrap_or(&empty);
        let ctx_get = |key: &str| ctx.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v);
        let has_session_policy = !case["sessionPolicy"].is_null();
        if principal.ends_with(":root") {
            out.push("root user (oracle-root-user-not-special)");
        }
        if principal.contains(":federated-user/") && !has_session_policy {
            out.push("federated user without session policy (oracle-federated-user-without-session-policy)");
        }
        if request["action"].as_str().is_some_and(|a| a.eq_ignore_ascii_case("sts:AssumeRole"))
            && !case["permissionsBoundary"].is_null()
        {
            out.push("sts:AssumeRole with a boundary (oracle-boundary-ignored-for-assume-role)");
        }
        let mut policies: Vec<(&str, &Value)> = Vec::new();
        for p in list(&case["identityPolicies"]) {
            policies.push(("identity", p));
        }
        for field in ["permissionsBoundary", "sessionPolicy", "resourcePolicy"] {
            if !case[field].is_null() {
                policies.push((field, &case[field]));
            }
        }
        for field in ["scps", "rcps"] {
            for level in list(&case[field]) {
                for p in list(level) {
                    policies.push((field, p));
                }
            }
        }
        for (kind, policy) in policies {
            let modern = policy["Version"].as_str() == Some("2012-10-17");
            if !modern && policy.to_string().contains("${") {
                out.push("variables in a policy without Version 2012-10-17 (oracle-variables-in-2008-policy)");
            }
            for st in list(&policy["Statement"]) {
                for r in list(&st["NotResource"]) {
                    if modern && unresolved(&text(r), ctx) {
                        out.push("NotResource with an unresolved variable (oracle-notresource-unresolved-variable)");
                    }
                }
                for r in list(&st["Resource"]).into_iter().chain(list(&st["NotResource"])) {
                    let r = text(r);
                    let parts: Vec<&str> = r.splitn(6, ':').collect();
                    if let [_, _, service, _, _, last] = parts[..] {
                        if (service == "sqs" || service == "sns") && r.contains("${") {
                            out.push("variable in an SQS/SNS ARN (oracle-variable-in-unprefixed-resource)");
                        }
                        let head = last.split(['/', ':']).next().unwrap_or("");
                        if service != "s3" && head.len() < last.len() && head.contains(['*', '?']) {
                            out.push("wildcard in the resource type (oracle-wildcard-in-resource-type)");
                        }
                    }
                }
                if kind == "resourcePolicy" && has_session_policy {
                    let named: Vec<String> = match &st["Principal"] {
                        Value::String(s) => vec![s.clone()],
                        Value::Object(m) => {
                            m.get("AWS").map(|v| list(v).into_iter().map(text).collect()).unwrap_or_default()
                        }
                        _ => Vec::new(),
                    };
                    if named.iter().any(|n| n == principal) {
                        out.push("session policy and a grant to the session ARN (oracle-session-policy-blocks-direct-session-grant)");
                    }
                    if named.iter().any(|n| n == "*") {
                        out.push("session policy and a grant to `*` (session-policy-and-wildcard-grant)");
                    }
                }
                if st.get("NotPrincipal").is_some() {
                    out.push("NotPrincipal (notprincipal-partial-exception)");
                }
                let Some(condition) = st["Condition"].as_object() else { continue };
                for (op, entries) in condition {
                    let set = op.contains(':');
                    let base = op.rsplit(':').next().unwrap_or(op);
                    let if_exists = base.to_ascii_lowercase().ends_with("ifexists");
                    let Some(entries) = entries.as_object() else { continue };
                    for (key, values) in entries {
                        let key = key.to_ascii_lowercase();
                        let values: Vec<String> = list(values).into_iter().map(text).collect();
                        if base.contains("Not") && modern && values.iter().any(|v| unresolved(v, ctx)) {
                            out.push("negated operator with an unresolved variable (oracle-negated-operator-unresolved-variable)");
                        }
                        if base.starts_with("Arn")
                            && values.iter().any(|v| v.split(':').nth(4).is_some_and(|a| a.contains("${")))
                        {
                            out.push("variable in the account of an ARN condition (oracle-variable-in-arn-account)");
                        }
                        if base.starts_with("Date") {
                            let epoch_key = key == "aws:epochtime";
                            if values.iter().any(|v| v.bytes().all(|b| b.is_ascii_digit()) != epoch_key) {
                                out.push("epoch and ISO 8601 dates mixed (oracle-date-epoch-vs-iso)");
                            }
                        }
                        if base.starts_with("IpAddress") && values.iter().any(|v| v == "0.0.0.0/0") {
                            out.push("0.0.0.0/0 (oracle-ip-zero-prefix)");
                        }
                        if base.starts_with("NotIpAddress")
                            && let Some(Value::String(ip)) = ctx_get(&key)
                            && values.iter().any(|v| !v.contains('/') && v.contains(':') != ip.contains(':'))
                        {
                            out.push(
                                "NotIpAddress with a bare address of the other family (oracle-notipaddress-bare-address-other-family)",
                            );
                        }
                        if set && if_exists {
                            out.push("set operator with IfExists (oracle-ifexists-with-set-operator)");
                        }
                        if modern
                            && base.starts_with("String")
                            && !base.contains("Like")
                            && values.iter().any(|v| v.contains("${*}") || v.contains("${?}") || v.contains("${$}"))
                        {
                            out.push("${*}, ${?} or ${$} in a string operator without wildcards (oracle-special-variable-in-equals)");
                        }
                        if !set && MULTIVALUED.contains(&key.as_str()) {
                            out.push("single-valued operator on a multivalued key (ambiguous)");
                        }
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}
