//! The `remit` binary as a user runs it: answers on standard output, exit statuses, errors that
//! say where and what.

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
};

fn remit(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_remit"))
        .args(args)
        .current_dir(repo_root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("remit starts");
    if let Some(input) = stdin {
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().expect("remit runs")
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn decides_the_bundled_examples() {
    let out = remit(&["aws", "decide", "examples/aws-decide.jsonl"], None);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines,
        [
            r#"{"id":"carlos-logs","decision":"ExplicitlyDenied"}"#,
            r#"{"id":"carlos-own","decision":"Allowed"}"#,
            r#"{"id":"scp-blocks-region","decision":"ExplicitlyDenied"}"#,
            r#"{"id":"cross-account-needs-both","decision":"Allowed"}"#,
        ]
    );
}

#[test]
fn explains_which_statement_decided() {
    let out = remit(&["aws", "decide", "--explain", "examples/aws-decide.jsonl"], None);
    let first = String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or_default().to_owned();
    assert!(first.contains(r#""sid":"DenyS3Logs""#) && first.contains(r#""deniedBy":{"layer":"identity"}"#), "{first}");
}

#[test]
fn a_malformed_case_is_reported_and_the_run_continues() {
    let input = "not json\n{\"id\":\"ok\",\"request\":{\"principal\":\"arn:aws:iam::111122223333:root\",\"action\":\"s3:GetObject\",\"resource\":\"arn:aws:s3:::b/k\"}}\n";
    let out = remit(&["aws", "decide", "-"], Some(input));
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with(r#"{"id":null,"error":"not valid JSON"#), "{stdout}");
    assert_eq!(lines[1], r#"{"id":"ok","decision":"Allowed"}"#);
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 line(s) rejected"));

    let out = remit(&["aws", "decide", "examples/aws-decide-malformed.jsonl"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("identityPolicies[0].Statement[0].Condition.StringLike: expected an object")
    );
}

#[test]
fn a_missing_file_is_an_error_naming_it() {
    let out = remit(&["aws", "decide", "no/such/file.jsonl"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot open `no/such/file.jsonl`"));
}

#[test]
fn help_shows_examples() {
    let out = remit(&["aws", "decide", "--help"], None);
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("Examples:") && help.contains("docs/aws-decide.md"), "{help}");
}
