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

#[test]
fn generates_an_environment_and_refuses_to_overwrite_one() {
    let dir = std::env::temp_dir().join(format!("remit-cli-generate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let dir_arg = dir.to_string_lossy().into_owned();
    let args = ["generate", "aws-org", "--size", "small", "--seed", "3", "--out", dir_arg.as_str(), "--format", "json"];
    let out = remit(&args, None);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON summary");
    assert_eq!(summary["size"], "small");
    assert_eq!(summary["accounts"], 1);
    for file in ["bundle.json", "ground-truth.json"] {
        assert!(dir.join(file).is_file(), "{file}");
    }
    let accounts: Vec<PathBuf> =
        std::fs::read_dir(dir.join("accounts")).expect("accounts/").map(|entry| entry.expect("entry").path()).collect();
    assert_eq!(accounts.len(), 1);
    for file in ["authorization-details.json", "credential-report.csv"] {
        assert!(accounts[0].join(file).is_file(), "{file}");
    }
    let first = std::fs::read(accounts[0].join("authorization-details.json")).expect("read");

    // A directory that is not empty is refused unless --force.
    let again = remit(&args, None);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("is not empty (use --force"));
    let mut forced = args.to_vec();
    forced.push("--force");
    let again = remit(&forced, None);
    assert_eq!(again.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&again.stderr));
    assert_eq!(std::fs::read(accounts[0].join("authorization-details.json")).expect("read"), first);

    // The one-line summary for people.
    let text = remit(&["generate", "aws-org", "--seed", "3", "--force", "--out", dir_arg.as_str()], None);
    let line = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(line.starts_with("generated small (seed 3) into ") && line.lines().count() == 1, "{line}");
    let _ = std::fs::remove_dir_all(&dir);
}
