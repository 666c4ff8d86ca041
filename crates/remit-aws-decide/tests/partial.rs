//! Three-valued decisions: with a complete context they must equal the concrete decision on
//! every case of the corpus and of the differential generator; with a partial context a
//! condition on an unknown key makes the answer conditional, and names the condition.

use std::{fs, path::Path, sync::Arc};

use remit_aws_decide::Case;
use remit_aws_policy::{
    Caller, Context, ContextValue, Decision, Policy, PolicyKind, PolicySet, PrincipalPolicies, Request,
    ResourcePolicies, Verdict, decide_partial,
};

fn expected(decision: Decision) -> Verdict {
    match decision {
        Decision::Allowed => Verdict::Allowed,
        Decision::ImplicitlyDenied => Verdict::ImplicitlyDenied,
        Decision::ExplicitlyDenied => Verdict::ExplicitlyDenied,
    }
}

fn check_complete(line: &str) -> Option<String> {
    let case = Case::parse(line).ok()?;
    let set = PolicySet::new(&case.policies);
    let concrete = set.decide(&case.request);
    let partial = decide_partial(&set.principal, set.session.as_ref(), &set.resource, &case.request);
    (partial.verdict != expected(concrete))
        .then(|| format!("{line}\n  concrete {concrete:?}, partial {:?}", partial.verdict))
}

#[test]
fn a_complete_context_decides_as_the_engine() {
    let mut lines: Vec<String> = remit_gen::aws_decide_cases(3, 4000);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.path().extension().is_some_and(|x| x == "jsonl") {
            lines.extend(fs::read_to_string(entry.path()).unwrap_or_default().lines().map(str::to_owned));
        }
    }
    let failures: Vec<String> = lines.iter().filter_map(|l| check_complete(l)).collect();
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), lines.len(), failures.join("\n"));
}

fn policy(json: &str, kind: PolicyKind) -> Policy {
    Policy::parse(json, kind).expect("test policy parses")
}

#[test]
fn an_unknown_key_makes_the_answer_conditional() {
    let identity = policy(
        r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"FromOffice","Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},
            {"Sid":"TeamOnly","Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalTag/team":"data"}}}]}"#,
        PolicyKind::Identity,
    );
    let principal = PrincipalPolicies::new(std::slice::from_ref(&identity), None, &[]);
    let resource = ResourcePolicies::new(None, &[]);
    let caller = Caller::parse("arn:aws:iam::111122223333:user/alice").expect("caller");
    let known = ["aws:principaltag/", "aws:username"];

    // The principal's tags are known: the deny does not apply; the source IP is not: conditional.
    let context = Context::partial([("aws:PrincipalTag/team".to_owned(), ContextValue::Single("data".into()))], &known);
    let request = Request::new(caller.clone(), "s3:GetObject", "arn:aws:s3:::b/k", None, context);
    let decision = decide_partial(&principal, None, &resource, &request);
    assert_eq!(decision.verdict, Verdict::Conditional);
    assert_eq!(decision.conditions.len(), 1);
    assert_eq!(decision.conditions[0].sid.as_deref(), Some("FromOffice"));
    assert_eq!(decision.conditions[0].conditions, [Arc::from("IpAddress: aws:SourceIp 10.0.0.0/8")]);

    // A known tag that the deny targets: denied whatever the IP.
    let context = Context::partial([("aws:PrincipalTag/team".to_owned(), ContextValue::Single("web".into()))], &known);
    let request = Request::new(caller.clone(), "s3:GetObject", "arn:aws:s3:::b/k", None, context);
    assert_eq!(decide_partial(&principal, None, &resource, &request).verdict, Verdict::ExplicitlyDenied);

    // No tag at all, and tags are known: the inverted operator matches a missing key.
    let request = Request::new(caller, "s3:GetObject", "arn:aws:s3:::b/k", None, Context::partial([], &known));
    assert_eq!(decide_partial(&principal, None, &resource, &request).verdict, Verdict::ExplicitlyDenied);
}

#[test]
fn an_unknown_key_in_a_deny_makes_an_allow_conditional() {
    let identity = policy(
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"*","Resource":"*"},
            {"Sid":"NoMfaNoDelete","Effect":"Deny","Action":"s3:DeleteBucket","Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}"#,
        PolicyKind::Identity,
    );
    let principal = PrincipalPolicies::new(std::slice::from_ref(&identity), None, &[]);
    let resource = ResourcePolicies::new(None, &[]);
    let caller = Caller::parse("arn:aws:iam::111122223333:user/alice").expect("caller");
    let request = Request::new(caller.clone(), "s3:DeleteBucket", "arn:aws:s3:::b", None, Context::partial([], &[]));
    let decision = decide_partial(&principal, None, &resource, &request);
    assert_eq!(decision.verdict, Verdict::Conditional);
    assert_eq!(decision.conditions[0].sid.as_deref(), Some("NoMfaNoDelete"));
    let request = Request::new(caller, "s3:GetObject", "arn:aws:s3:::b/k", None, Context::partial([], &[]));
    assert_eq!(decide_partial(&principal, None, &resource, &request).verdict, Verdict::Allowed);
}
