//! Property tests: any policy the parser accepts renders to canonical JSON that parses back to
//! the same policy, and the parser never panics on arbitrary JSON.

use proptest::prelude::*;
use remit_aws_policy::{
    ConditionEntry, Effect, Negatable, Policy, PolicyKind, PrincipalType, Principals, Statement, Version,
};

fn action() -> impl Strategy<Value = String> {
    prop_oneof![Just("*".to_owned()), "(s3|iam|ec2|kms|sts):[A-Za-z*?]{1,12}",]
}

fn resource() -> impl Strategy<Value = String> {
    prop_oneof![Just("*".to_owned()), "arn:aws:(s3|iam|ec2):[a-z0-9-]{0,9}:[0-9*]{0,12}:[a-zA-Z0-9/*?${}:]{0,20}",]
}

fn condition() -> impl Strategy<Value = ConditionEntry> {
    let operator = prop_oneof![
        "(ForAllValues:|ForAnyValue:)?(StringEquals|StringNotLike|StringEqualsIgnoreCase|NumericLessThan|DateGreaterThan|IpAddress|ArnLike|Bool|BinaryEquals)(IfExists)?",
        Just("Null".to_owned()),
    ];
    (operator, "(aws|s3|ec2):[A-Za-z/]{1,12}", prop::collection::vec("[ -~]{0,12}", 1..3))
        .prop_map(|(operator, key, values)| ConditionEntry { operator, key, values })
}

fn principals() -> impl Strategy<Value = Principals> {
    prop_oneof![
        Just(Principals::Everyone),
        prop::collection::vec(
            prop_oneof![
                Just((PrincipalType::Aws, vec!["111122223333".to_owned()])),
                Just((PrincipalType::Aws, vec!["arn:aws:iam::111122223333:role/r".to_owned(), "*".to_owned()])),
                Just((PrincipalType::Service, vec!["lambda.amazonaws.com".to_owned()])),
                Just((PrincipalType::Federated, vec!["cognito-identity.amazonaws.com".to_owned()])),
            ],
            1..2
        )
        .prop_map(Principals::Typed),
    ]
}

fn statement(with_principal: bool) -> impl Strategy<Value = Statement> {
    (
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(action(), 1..4),
        any::<bool>(),
        prop::collection::vec(resource(), 1..3),
        prop::collection::vec(condition(), 0..3),
        principals(),
    )
        .prop_map(move |(allow, not_action, actions, not_resource, resources, mut conditions, principals)| {
            // One entry per (operator, key), as a JSON object holds.
            let mut seen = std::collections::HashSet::new();
            conditions.retain(|c| seen.insert((c.operator.clone(), c.key.clone())));
            Statement {
                sid: None,
                effect: if allow { Effect::Allow } else { Effect::Deny },
                principal: with_principal.then_some(Negatable { negated: false, values: principals }),
                action: Negatable { negated: not_action, values: actions },
                resource: Some(Negatable { negated: not_resource, values: resources }),
                conditions,
            }
        })
}

fn policy(with_principal: bool) -> impl Strategy<Value = Policy> {
    (
        prop_oneof![Just(Version::V2012_10_17), Just(Version::V2008_10_17), Just(Version::Absent)],
        prop::collection::vec(statement(with_principal), 1..5),
    )
        .prop_map(|(version, mut statements)| {
            for (idx, st) in statements.iter_mut().enumerate() {
                st.sid = Some(format!("S{idx}"));
            }
            Policy { version, id: None, statements }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn identity_policies_round_trip(p in policy(false)) {
        let json = p.to_json();
        let again = Policy::from_json(&json, PolicyKind::Identity).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&p, &again);
        // And through text.
        let text = serde_json::to_string(&json).unwrap_or_default();
        prop_assert_eq!(Policy::parse(&text, PolicyKind::Identity).ok(), Some(p));
    }

    #[test]
    fn resource_policies_round_trip(p in policy(true)) {
        let again = Policy::from_json(&p.to_json(), PolicyKind::Resource).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(p, again);
    }

    #[test]
    fn the_parser_never_panics(text in "[\\[\\]{}\":,a-zA-Z0-9*?$ ]{0,200}") {
        for kind in [PolicyKind::Identity, PolicyKind::Resource, PolicyKind::Trust, PolicyKind::ServiceControl, PolicyKind::ResourceControl] {
            let _ = Policy::parse(&text, kind);
        }
    }
}

fn context_pairs() -> impl Strategy<Value = Vec<(String, remit_aws_policy::ContextValue)>> {
    let key = prop::sample::select(vec![
        "aws:PrincipalArn",
        "AWS:principalarn",
        "aws:ResourceAccount",
        "aws:SourceIp",
        "aws:PrincipalTag/team",
        "s3:prefix",
        "aws:CurrentTime",
    ]);
    let value = prop::sample::select(vec!["10.0.0.1", "2026-01-01T00:00:00Z", "12", "x", "true"]);
    prop::collection::vec(
        (key, value, any::<bool>()).prop_map(|(k, v, multi)| {
            let value = match multi {
                true => remit_aws_policy::ContextValue::Multi(vec![v.into(), "y".into()]),
                false => remit_aws_policy::ContextValue::Single(v.into()),
            };
            (k.to_owned(), value)
        }),
        0..6,
    )
}

proptest! {
    /// Merging a principal's prepared context with a resource's equals building the context
    /// from both lists of keys at once (the resource's value winning for a key both set).
    #[test]
    fn merged_contexts_equal_contexts_built_at_once(a in context_pairs(), b in context_pairs()) {
        use remit_aws_policy::Context;
        const KNOWN: &[&str] = &["aws:principalarn", "aws:principaltag/"];
        let merged = Context::partial(a.clone(), KNOWN).merged(&Context::new(b.clone()));
        let at_once = Context::partial(a.into_iter().chain(b), KNOWN);
        prop_assert_eq!(merged, at_once);
    }

    /// Layering a principal's prepared context under a resource's reads the same keys, the
    /// same values and the same unknowns as building one context from both, and merging a
    /// layered context flattens it to that context.
    #[test]
    fn layered_contexts_read_as_contexts_built_at_once(a in context_pairs(), b in context_pairs()) {
        use std::sync::Arc;
        use remit_aws_policy::Context;
        const KNOWN: &[&str] = &["aws:principalarn", "aws:principaltag/"];
        let layered = Context::layered(Arc::new(Context::partial(a.clone(), KNOWN)), Arc::new(Context::new(b.clone())));
        let at_once = Context::partial(a.into_iter().chain(b), KNOWN);
        for key in ["aws:PrincipalArn", "aws:ResourceAccount", "aws:SourceIp", "aws:PrincipalTag/team", "s3:prefix", "aws:CurrentTime", "aws:username"] {
            prop_assert_eq!(layered.lookup(key), at_once.lookup(key), "{}", key);
        }
        prop_assert_eq!(layered.is_partial(), at_once.is_partial());
        prop_assert_eq!(layered.len(), at_once.len());
        prop_assert_eq!(layered.merged(&Context::default()), at_once);
    }

    /// Decisions over a layered context equal decisions over the context built at once, for
    /// conditions on keys set by either layer, by both, or by neither (unknown or known absent).
    #[test]
    fn decisions_over_layered_contexts_equal_decisions_over_merged(a in context_pairs(), b in context_pairs()) {
        use std::sync::Arc;
        use remit_aws_policy::{Caller, Context, PolicyKind, PrincipalPolicies, Request, ResourcePolicies, decide_partial};
        const KNOWN: &[&str] = &["aws:principalarn", "aws:principaltag/"];
        let mut statements = Vec::new();
        for (i, key) in ["aws:PrincipalArn", "aws:ResourceAccount", "aws:SourceIp", "aws:PrincipalTag/team", "s3:prefix", "aws:username"].iter().enumerate() {
            statements.push(format!(r#"{{"Sid":"S{i}","Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{{"StringEquals":{{"{key}":"x"}}}}}}"#));
            statements.push(format!(r#"{{"Sid":"N{i}","Effect":"Deny","Action":"s3:GetObject","Resource":"*","Condition":{{"Null":{{"{key}":"true"}},"StringLike":{{"aws:CurrentTime":"2026*"}}}}}}"#));
        }
        let text = format!(r#"{{"Version":"2012-10-17","Statement":[{}]}}"#, statements.join(","));
        let identity = Policy::parse(&text, PolicyKind::Identity).expect("test policy parses");
        let principal = PrincipalPolicies::new(std::slice::from_ref(&identity), None, &[]);
        let resource = ResourcePolicies::new(None, &[]);
        let caller = Caller::parse("arn:aws:iam::111122223333:user/alice").expect("caller");
        let ask = |context: Context| {
            let request = Request::new(caller.clone(), "s3:GetObject", "arn:aws:s3:::b/k", Some("111122223333"), context);
            decide_partial(&principal, None, &resource, &request)
        };
        let layered = Context::layered(Arc::new(Context::partial(a.clone(), KNOWN)), Arc::new(Context::new(b.clone())));
        prop_assert_eq!(ask(layered), ask(Context::partial(a.into_iter().chain(b), KNOWN)));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Principals built from one shared [`remit_aws_policy::PolicyLibrary`] (policies compiled
    /// once, one symbol table for all, some documents shared) decide every request exactly as
    /// principals whose policies are compiled on their own.
    #[test]
    fn principals_of_a_policy_library_decide_as_principals_compiled_alone(
        pool in prop::collection::vec(policy(false), 2..6),
        picks in prop::collection::vec((prop::collection::vec(0usize..6, 1..4), prop::option::of(0usize..6), prop::collection::vec(0usize..6, 0..3)), 1..4),
        actions in prop::collection::vec(prop_oneof![
            Just("s3:GetObject"), Just("iam:PassRole"), Just("ec2:RunInstances"), Just("kms:Decrypt"), Just("sts:AssumeRole"), Just("lambda:InvokeFunction")
        ], 1..4),
        resources in prop::collection::vec(prop_oneof![
            Just("arn:aws:s3:::b/k"), Just("arn:aws:iam::111122223333:role/r"), Just("*"), Just("arn:aws:ec2:us-east-1:111122223333:instance/i-1")
        ], 1..3),
    ) {
        use remit_aws_policy::{Caller, Context, PolicyLibrary, PrincipalPolicies, Request, ResourcePolicies, decide, decide_partial};
        let mut library = PolicyLibrary::new();
        let ids: Vec<_> = pool.iter().map(|p| library.add(p)).collect();
        // A policy added again is the same policy.
        prop_assert_eq!(library.add(&pool[0]), ids[0]);
        let resource = ResourcePolicies::new(None, &[]);
        let caller = Caller::parse("arn:aws:iam::111122223333:user/alice").expect("caller");
        for (identity, boundary, scps) in &picks {
            let pick = |i: &usize| i % pool.len();
            let identity: Vec<usize> = identity.iter().map(pick).collect();
            let boundary = boundary.as_ref().map(pick);
            let scps: Vec<usize> = scps.iter().map(pick).collect();
            let shared = library
                .principal(
                    &identity.iter().map(|i| ids[*i]).collect::<Vec<_>>(),
                    boundary.map(|i| ids[i]),
                    &scps.iter().map(|i| vec![ids[*i]]).collect::<Vec<_>>(),
                )
                .expect("ids of this library");
            let alone = PrincipalPolicies::new(
                &identity.iter().map(|i| pool[*i].clone()).collect::<Vec<_>>(),
                boundary.map(|i| &pool[i]),
                &scps.iter().map(|i| vec![pool[*i].clone()]).collect::<Vec<_>>(),
            );
            for action in &actions {
                for r in &resources {
                    let context = || Context::partial(vec![("aws:SourceIp".to_owned(), remit_aws_policy::ContextValue::Single("10.0.0.1".into()))], &[]);
                    let request = Request::new(caller.clone(), action, r, Some("111122223333"), context());
                    prop_assert_eq!(decide_partial(&shared, None, &resource, &request), decide_partial(&alone, None, &resource, &request));
                    let complete = Request::new(caller.clone(), action, r, Some("111122223333"), Context::default());
                    prop_assert_eq!(decide(&shared, None, &resource, &complete), decide(&alone, None, &resource, &complete));
                }
            }
        }
        // Ids of another library are refused, not misread.
        let other = PolicyLibrary::new();
        prop_assert!(other.principal(&[ids[0]], None, &[]).is_none());
    }
}

/// Conditions on a caller's own keys and on keys every caller shares (or nobody knows).
fn shared_or_own_condition() -> impl Strategy<Value = ConditionEntry> {
    let key = prop::sample::select(vec![
        "aws:PrincipalTag/team",
        "aws:username",
        "aws:PrincipalArn",
        "aws:SourceIp",
        "aws:SecureTransport",
        "aws:ResourceAccount",
        "s3:prefix",
    ]);
    let operator =
        prop::sample::select(vec!["StringEquals", "StringNotEquals", "StringLike", "Bool", "IpAddress", "Null"]);
    let value = prop::sample::select(vec![
        "web",
        "data",
        "alice",
        "true",
        "false",
        "10.0.0.0/8",
        "111122223333",
        "${aws:username}",
    ]);
    (operator, key, value).prop_map(|(operator, key, value)| ConditionEntry {
        operator: operator.to_owned(),
        key: key.to_owned(),
        values: vec![value.to_owned()],
    })
}

fn conditional_statement(with_principal: bool) -> impl Strategy<Value = Statement> {
    (
        any::<bool>(),
        prop::sample::select(vec!["s3:GetObject", "s3:*", "*"]),
        prop::collection::vec(shared_or_own_condition(), 0..3),
    )
        .prop_map(move |(allow, action, mut conditions)| {
            let mut seen = std::collections::HashSet::new();
            conditions.retain(|c| seen.insert((c.operator.clone(), c.key.clone())));
            Statement {
                sid: None,
                effect: if allow { Effect::Allow } else { Effect::Deny },
                principal: with_principal.then_some(Negatable { negated: false, values: Principals::Everyone }),
                action: Negatable { negated: false, values: vec![action.to_owned()] },
                resource: Some(Negatable { negated: false, values: vec!["*".to_owned()] }),
                conditions,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Deciding one question for many callers while keeping the outcomes of statements that
    /// read none of the callers' own keys gives each caller the decision it gets alone, and a
    /// new question starts afresh.
    #[test]
    fn shared_outcomes_decide_as_each_caller_alone(
        identity in prop::collection::vec(prop::collection::vec(conditional_statement(false), 1..4), 1..3),
        resource_policy in prop::collection::vec(conditional_statement(true), 0..3),
        callers in prop::collection::vec((prop::sample::select(vec!["web", "data"]), prop::sample::select(vec!["alice", "bob"])), 1..5),
        shared_ip in prop::option::of(prop::sample::select(vec!["10.1.2.3", "192.168.0.1"])),
    ) {
        use std::sync::Arc;
        use remit_aws_policy::{Caller, Context, ContextValue, PolicyLibrary, Request, ResourcePolicies, SharedOutcomes, decide_partial, decide_partial_shared};
        let version = Version::V2012_10_17;
        let mut library = PolicyLibrary::new();
        let ids: Vec<_> = identity.iter().map(|statements| library.add(&Policy { version, id: None, statements: statements.clone() })).collect();
        let principal = library.principal(&ids, None, &[]).expect("ids of this library");
        let resource_doc = (!resource_policy.is_empty()).then(|| Policy { version, id: None, statements: resource_policy.clone() });
        let resource = ResourcePolicies::new(resource_doc.as_ref(), &[]);
        let caller_key = |key: &str| key.starts_with("aws:principal") || key == "aws:username";
        let mut shared = SharedOutcomes::new(caller_key);
        let mut resource_keys = vec![("aws:ResourceAccount".to_owned(), ContextValue::Single("111122223333".into()))];
        if let Some(ip) = shared_ip {
            resource_keys.push(("aws:SourceIp".to_owned(), ContextValue::Single(ip.into())));
        }
        let resource_context = Arc::new(Context::new(resource_keys));
        for (action, object) in [("s3:GetObject", "arn:aws:s3:::b/k"), ("s3:PutObject", "arn:aws:s3:::b/other")] {
            let template = Request::new(Caller::Anonymous, action, object, Some("111122223333"), Context::default());
            for (team, name) in &callers {
                let arn = format!("arn:aws:iam::111122223333:user/{name}");
                let own = Context::partial(
                    vec![
                        ("aws:PrincipalArn".to_owned(), ContextValue::Single(arn.as_str().into())),
                        ("aws:PrincipalTag/team".to_owned(), ContextValue::Single((*team).into())),
                        ("aws:username".to_owned(), ContextValue::Single((*name).into())),
                    ],
                    &["aws:principaltag/", "aws:principalarn", "aws:username", "aws:resourceaccount"],
                );
                let caller = Arc::new(Caller::parse(&arn).expect("caller"));
                let request = template.for_caller(caller, Context::layered(Arc::new(own), Arc::clone(&resource_context)));
                prop_assert_eq!(
                    decide_partial_shared(&principal, None, &resource, &request, &mut shared),
                    decide_partial(&principal, None, &resource, &request)
                );
            }
        }
    }
}

/// Resources for splitting by statements: bucket, object and role ARNs sharing prefixes, and
/// texts no pattern names.
fn concrete_resource() -> impl Strategy<Value = String> {
    prop_oneof![
        "arn:aws:s3:::(logs|logs-2|data)(/[a-z]{0,3}){0,2}",
        "arn:aws:iam::111122223333:role/[a-z]{1,3}",
        "arn:aws:ec2:us-east-1:[0-9]{0,2}:instance/i-[0-9]{1,2}",
        Just("*".to_owned()),
    ]
}

/// Statements whose resources overlap [`concrete_resource`]'s: plain, with wildcards in the
/// last or a middle segment, with variables, short, `*`, and negated.
fn splitting_statement() -> impl Strategy<Value = Statement> {
    let value = prop::sample::select(vec![
        "arn:aws:s3:::logs",
        "arn:aws:s3:::logs*",
        "arn:aws:s3:::logs/*",
        "arn:aws:s3:::logs-2/a*",
        "arn:aws:s3:::*/b",
        "arn:aws:s3:::data/${aws:PrincipalTag/team}/*",
        "arn:aws:iam::111122223333:role/a?",
        "arn:aws:iam::*:role/*",
        "arn:aws:iam::111122223333:*",
        "arn:aws:ec2:*:1*:instance/*",
        "arn:aws:ec2*",
        "arn:aws:s3*",
        "*",
    ]);
    (any::<bool>(), prop::collection::vec(value, 1..3)).prop_map(|(negated, values)| Statement {
        sid: None,
        effect: Effect::Allow,
        principal: None,
        action: Negatable { negated: false, values: vec!["*".to_owned()] },
        resource: Some(Negatable { negated, values: values.into_iter().map(str::to_owned).collect() }),
        conditions: Vec::new(),
    })
}

proptest! {
    /// Splitting sorted resources by a principal's statements a statement at a time (each
    /// pattern read against the resources its plain text selects) gives what reading every
    /// resource against every statement gives.
    #[test]
    fn resource_truths_of_sorted_resources_equal_each_resources(
        statements in prop::collection::vec(splitting_statement(), 1..6),
        random in policy(false),
        mut resources in prop::collection::vec(concrete_resource(), 0..12),
        which in prop::collection::vec(any::<bool>(), 0..16),
        pairs in context_pairs(),
    ) {
        use std::sync::Arc;
        use remit_aws_policy::{Context, PrincipalPolicies};
        resources.sort();
        let resources: Vec<Arc<str>> = resources.into_iter().map(Arc::from).collect();
        let policies = [Policy { version: Version::V2012_10_17, id: None, statements }, random];
        let principal = PrincipalPolicies::new(&policies, None, &[]);
        let context = Context::partial(pairs, &["aws:principaltag/"]);
        let sorted = principal.resource_matches_of_sorted(&resources, &context, &which);
        let mut one_by_one = Vec::new();
        for resource in &resources {
            let mut all = Vec::new();
            principal.resource_matches(resource, &context, &mut all);
            one_by_one.extend(all.into_iter().zip(&which).filter(|(_, marked)| **marked).map(|(truth, _)| truth));
        }
        prop_assert_eq!(sorted, one_by_one);
    }
}
