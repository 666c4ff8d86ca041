//! Conformance: hand-written cases from AWS's documentation, each with the decision the
//! documentation states and the URL that states it (`tests/corpus/*.jsonl`), and malformed
//! cases that must be rejected with the JSON path of the problem.

use std::{fs, path::Path};

use serde_json::Value;

#[test]
fn documented_examples_decide_as_documented() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .map(|it| {
            it.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    assert!(!files.is_empty(), "no corpus files in {}", dir.display());
    let mut failures = Vec::new();
    let mut n_cases = 0;
    for file in &files {
        let text = fs::read_to_string(file).unwrap_or_default();
        for (line_no, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let case: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}:{}: not JSON: {e}", file.display(), line_no + 1));
            let expect = case["expect"].as_str().unwrap_or_default().to_owned();
            let doc = case["doc"].as_str().unwrap_or_default();
            assert!(
                doc.starts_with("https://docs.aws.amazon.com/"),
                "{}:{}: `doc` must cite AWS documentation",
                file.display(),
                line_no + 1
            );
            let answer: Value = serde_json::from_str(&remit_aws_decide::decide_line(line, false)).unwrap_or_default();
            let got =
                answer["decision"].as_str().map(str::to_owned).unwrap_or_else(|| format!("error: {}", answer["error"]));
            n_cases += 1;
            if got != expect {
                let explained = remit_aws_decide::decide_line(line, true);
                failures.push(format!(
                    "{}:{} {}: expected {expect}, got {got}\n  why: {}\n  doc: {doc}\n  explain: {explained}",
                    file.file_name().and_then(|n| n.to_str()).unwrap_or_default(),
                    line_no + 1,
                    case["id"],
                    case["why"].as_str().unwrap_or_default(),
                ));
            }
        }
    }
    println!("{n_cases} documented cases, {} disagree", failures.len());
    assert!(failures.is_empty(), "{} of {n_cases} documented cases disagree:\n{}", failures.len(), failures.join("\n"));
}

/// A malformed case yields an error naming where and what, never a decision.
#[test]
fn malformed_cases_name_the_json_path() {
    let base = r#""request":{"principal":"arn:aws:iam::111122223333:user/u","action":"s3:GetObject","resource":"arn:aws:s3:::b/k"}"#;
    let cases: &[(&str, &str)] = &[
        ("not json", "not valid JSON"),
        (r#"{"id":"x"}"#, "request: missing"),
        (
            r#"{"id":"x","request":{"principal":"bob","action":"s3:GetObject","resource":"*"}}"#,
            "request.principal: `bob` is not a principal",
        ),
        (
            r#"{"id":"x","request":{"principal":"arn:aws:iam::111122223333:user/u","action":"GetObject","resource":"*"}}"#,
            "request.action",
        ),
        (
            r#"{"id":"x","request":{"principal":"arn:aws:iam::111122223333:user/u","action":"s3:GetObject","resource":"bucket"}}"#,
            "request.resource",
        ),
        (
            &format!(
                r#"{{"id":"x",{base},"identityPolicies":[{{"Statement":[{{"Effect":"Allow","Action":"s3:*","Resource":"*"}},{{"Effect":"Allow","Action":"s3:*","Resource":"*"}},{{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{{"StringLike":[]}}}}]}}]}}"#
            ),
            "identityPolicies[0].Statement[2].Condition.StringLike: expected an object",
        ),
        (
            &format!(
                r#"{{"id":"x",{base},"identityPolicies":[{{"Statement":{{"Effect":"allow","Action":"s3:*","Resource":"*"}}}}]}}"#
            ),
            "identityPolicies[0].Statement.Effect: expected `Allow` or `Deny`",
        ),
        (
            &format!(
                r#"{{"id":"x",{base},"identityPolicies":[{{"Statement":{{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}}}]}}"#
            ),
            "identityPolicies[0].Statement.Principal: not allowed in an identity policy",
        ),
        (
            &format!(
                r#"{{"id":"x",{base},"resourcePolicy":{{"Statement":{{"Effect":"Allow","Action":"s3:*","Resource":"*"}}}}}}"#
            ),
            "resourcePolicy.Statement.Principal: missing",
        ),
        (
            &format!(
                r#"{{"id":"x",{base},"resourcePolicy":{{"Statement":{{"Effect":"Allow","NotPrincipal":"*","Action":"s3:*","Resource":"*"}}}}}}"#
            ),
            "may only be used with",
        ),
        (
            &format!(r#"{{"id":"x",{base},"identityPolicies":[{{"Version":"2012-10-18","Statement":[]}}]}}"#),
            "identityPolicies[0].Version",
        ),
        (
            &format!(
                r#"{{"id":"x",{base},"identityPolicies":[{{"Statement":[{{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{{"StringEqualz":{{"a:b":"c"}}}}}}]}}]}}"#
            ),
            "unknown condition operator `StringEqualz`",
        ),
        (
            &format!(
                r#"{{"id":"x",{base},"identityPolicies":[{{"Statement":[{{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{{"NullIfExists":{{"a:b":"true"}}}}}}]}}]}}"#
            ),
            "takes no `IfExists`",
        ),
        (
            &format!(
                r#"{{"id":"x",{base},"identityPolicies":[{{"Statement":[{{"Effect":"Allow","Action":"s3:*"}}]}}]}}"#
            ),
            "identityPolicies[0].Statement[0].Resource: missing",
        ),
        (
            &format!(
                r#"{{"id":"x",{base},"rcps":[[{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}}}}]]}}"#
            ),
            "rcps[0][0].Statement.Effect",
        ),
        (
            &format!(
                r#"{{"id":"x",{base},"scps":[[{{"Statement":{{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}}}]]}}"#
            ),
            "scps[0][0].Statement.Principal: not allowed",
        ),
        (
            r#"{"id":"x","request":{"principal":"anonymous","action":"s3:GetObject","resource":"arn:aws:s3:::b/k"},"identityPolicies":[{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}]}"#,
            "identityPolicies: an anonymous request has no identity-based policies",
        ),
        (
            &format!(
                r#"{{"id":"x",{base},"sessionPolicy":{{"Statement":{{"Effect":"Allow","Action":"*","Resource":"*"}}}}}}"#
            ),
            "sessionPolicy: only role sessions",
        ),
        (
            &format!(
                r#"{{"id":"x",{base},"resourcePolicy":{{"Statement":{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::111122223333:user/*"}},"Action":"s3:*"}}}}}}"#
            ),
            "a wildcard cannot match part of a principal",
        ),
        (
            &format!(r#"{{"id":"x",{base},"identityPolicies":["{{not json"]}}"#),
            "identityPolicies[0]: a string that is not a JSON policy document",
        ),
    ];
    // URL-encoded documents, as the raw IAM API returns them, are accepted.
    let encoded = r#"{"id":"enc","request":{"principal":"arn:aws:iam::111122223333:user/u","action":"s3:GetObject","resource":"arn:aws:s3:::b/k"},"identityPolicies":["%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGet%2A%22%2C%22Resource%22%3A%22%2A%22%7D%7D"]}"#;
    assert!(remit_aws_decide::decide_line(encoded, false).contains("\"Allowed\""));
    for (line, expected) in cases {
        let answer: Value = serde_json::from_str(&remit_aws_decide::decide_line(line, false)).unwrap_or_default();
        let error = answer["error"].as_str().unwrap_or_default();
        assert!(error.contains(expected), "case {line}\n  expected an error containing {expected:?}\n  got {answer}");
    }
}
