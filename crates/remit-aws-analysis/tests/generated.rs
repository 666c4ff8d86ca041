//! what-can on a generated organization (SCPs and RCPs at several levels, KMS key policies,
//! topic policies granting everyone on a condition, boundaries, Identity Center) agrees with
//! `explain`: it decides one representative per class of alike actions and per group of alike
//! resources, and these tests check that the shortcut changes no answer.

use std::collections::BTreeSet;

use remit_aws_analysis::{AwsAnalysis, WhatCanFilter};
use remit_aws_catalog::Catalog;
use remit_aws_policy::{Glob, Verdict};
use remit_gen::aws_org::{Options, Size, generate_with};

/// The smallest generated organization: 11 accounts in OUs, SCPs and RCPs, Identity Center.
fn organization() -> AwsAnalysis {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    generate_with(&Options { seed: 7, size: Size::Org, org_accounts: Some(11) }, dir.path()).expect("generate");
    let env = remit_aws_import::load(dir.path()).expect("load the generated bundle");
    assert!(env.issues.is_empty(), "{:?}", env.issues);
    AwsAnalysis::new(env)
}

fn allows(verdict: Verdict) -> bool {
    matches!(verdict, Verdict::Allowed | Verdict::Conditional)
}

#[test]
fn what_can_agrees_with_explain_on_a_generated_organization() {
    let analysis = organization();
    let catalog = Catalog::aws();
    let principals: Vec<String> = analysis.principals().map(|p| p.id.clone()).collect();
    // Every 23rd principal: users and roles of every kind of account.
    let sample: Vec<&String> = principals.iter().step_by(23).collect();
    assert!(sample.len() >= 20, "{} principals", principals.len());
    let (mut checked, mut granted_resources) = (0usize, 0usize);
    for principal in sample {
        let permissions = analysis.what_can(principal, &WhatCanFilter::default()).expect("what-can");
        // Sound: every reported (action, concrete resource) is one explain allows, with the
        // same access (a sample of each principal's answers, spread over all of them).
        let pairs: Vec<(&str, &str, &str)> = permissions
            .iter()
            .flat_map(|p| p.resources.iter().map(move |(r, a)| (p.action.as_str(), r.as_str(), a.as_str())))
            .filter(|(_, r, _)| *r == "*" || !r.contains('*'))
            .collect();
        // Every pair on a concrete resource (resources are grouped), a sample of those on `*`.
        let on_any: Vec<_> = pairs.iter().filter(|(_, r, _)| *r == "*").collect();
        let on_one = pairs.iter().filter(|(_, r, _)| *r != "*");
        for (action, resource, access) in on_one.chain(on_any.iter().step_by((on_any.len() / 100).max(1)).copied()) {
            // A bucket outside the environment: what-can places it in the principal's own
            // account, explain asks which.
            let Ok(explained) = analysis.explain(principal, action, resource) else { continue };
            assert_eq!(explained.verdict.as_str(), *access, "{principal} {action} {resource}");
            checked += 1;
        }
        // Complete: on resources it reports (grouped with others alike), every action of the
        // resource's service that explain allows is reported, on that resource or on a pattern
        // covering it.
        let resources: BTreeSet<&str> = pairs
            .iter()
            .map(|(_, r, _)| *r)
            .filter(|r| *r != "*" && analysis.explain(principal, "s3:GetObject", r).is_ok())
            .collect();
        granted_resources += resources.len();
        for resource in resources.iter().step_by((resources.len() / 40).max(1)) {
            let service = resource.split(':').nth(2).unwrap_or_default();
            let reported: BTreeSet<&str> = permissions
                .iter()
                .filter(|p| p.resources.iter().any(|(r, _)| Glob::resource(r, true).may_match(resource)))
                .map(|p| p.action.as_str())
                .collect();
            for action in catalog.actions_in(&catalog.service_actions(service)).filter(|a| !a.is_wildcard_only()) {
                // (A pattern reported means some or all of the resources it covers: only this
                // direction holds for patterns.)
                let verdict = analysis.explain(principal, action.name(), resource).expect("explain").verdict;
                if allows(verdict) {
                    assert!(reported.contains(action.name()), "{principal} {} {resource}", action.name());
                }
                checked += 1;
            }
        }
    }
    // The sample is not trivial: it reaches resources through resource policies and grants.
    assert!(granted_resources > 100, "{granted_resources} resources granted");
    assert!(checked > 5_000, "{checked} decisions checked");
}

/// who-can on a generated organization (SCPs and RCPs at several levels, boundaries, topic
/// policies granting everyone on a condition, key policies delegating to accounts, buckets,
/// functions, secrets, role trust): the principals it reports as holding access on their own
/// (not through a role) are exactly those `explain` allows, each with the same access.
#[test]
fn who_can_agrees_with_explain_on_a_generated_organization() {
    use remit_model::Step;
    let analysis = organization();
    let env = analysis.environment();
    let principals: Vec<String> = analysis.principals().map(|p| p.id.clone()).collect();
    let mut queries: Vec<(&str, String)> = Vec::new();
    for account in &env.accounts {
        for resource in account.resources.iter().step_by(11) {
            let action = match resource.service.as_str() {
                "s3" => "s3:GetObject",
                "kms" => "kms:Decrypt",
                "sqs" => "sqs:SendMessage",
                "sns" => "sns:Publish",
                "lambda" => "lambda:InvokeFunction",
                "secretsmanager" => "secretsmanager:GetSecretValue",
                _ => "ec2:DescribeInstances",
            };
            let arn = match action {
                "s3:GetObject" => format!("{}/reports/q3.csv", resource.arn),
                _ => resource.arn.clone(),
            };
            queries.push((action, arn));
        }
        for role in account.roles.iter().step_by(29) {
            queries.push(("sts:AssumeRole", role.arn.clone()));
        }
    }
    assert!(queries.len() >= 30, "{} queries", queries.len());
    let (mut held, mut conditional) = (0usize, 0usize);
    for (action, resource) in &queries {
        let holders = analysis.who_can(action, resource).expect("who-can");
        for principal in &principals {
            let verdict = analysis.explain(principal, action, resource).expect("explain").verdict;
            let direct = holders
                .iter()
                .find(|h| &h.principal.id == principal && !h.via.iter().any(|s| matches!(s, Step::Assume { .. })));
            let explained = allows(verdict).then(|| verdict.as_str());
            assert_eq!(direct.map(|h| h.access.as_str()), explained, "who-can {action} {resource}: {principal}");
            held += usize::from(explained.is_some());
            conditional += usize::from(verdict == Verdict::Conditional);
        }
    }
    // Not trivial: many principals hold access, some of them on conditions.
    assert!(held > 500 && conditional > 50, "{held} held, {conditional} conditional");
}
