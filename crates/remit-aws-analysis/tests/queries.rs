//! Queries over a small hand-built environment whose answers follow from AWS's documented
//! rules: group membership, role chains, conditions on unknown context, resource policies
//! naming other accounts and anyone, SCPs.

use remit_aws_analysis::AwsAnalysis;
use remit_aws_import::{
    Account, AwsEnvironment, Group, InlinePolicy, OrgNode, OrgNodeKind, OrgPolicy, OrgPolicyType, Organization,
    Resource, Role, User,
};
use remit_aws_policy::{Policy, PolicyKind, Verdict};
use remit_model::{Access, PrincipalKind};

const A: &str = "111122223333";
const OUTSIDE: &str = "444455556666";

fn policy(kind: PolicyKind, json: &str) -> Option<Policy> {
    Some(Policy::parse(json, kind).expect("test policy parses"))
}

fn inline(name: &str, json: &str) -> InlinePolicy {
    InlinePolicy { name: name.to_owned(), document: policy(PolicyKind::Identity, json) }
}

fn environment(with_scp: bool) -> AwsEnvironment {
    let devs = Group {
        arn: format!("arn:aws:iam::{A}:group/devs"),
        name: "devs".into(),
        inline_policies: vec![inline(
            "read-data",
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::data/*"}}"#,
        )],
        ..Group::default()
    };
    let alice = User {
        arn: format!("arn:aws:iam::{A}:user/alice"),
        name: "alice".into(),
        groups: vec!["devs".into()],
        ..User::default()
    };
    let bob = User {
        arn: format!("arn:aws:iam::{A}:user/bob"),
        name: "bob".into(),
        inline_policies: vec![inline(
            "assume",
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::111122223333:role/reader"}}"#,
        )],
        ..User::default()
    };
    let carol = User { arn: format!("arn:aws:iam::{A}:user/carol"), name: "carol".into(), ..User::default() };
    let reader = Role {
        arn: format!("arn:aws:iam::{A}:role/reader"),
        name: "reader".into(),
        trust_policy: policy(
            PolicyKind::Trust,
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}}"#,
        ),
        inline_policies: vec![inline(
            "office-only",
            r#"{"Version":"2012-10-17","Statement":{"Sid":"Office","Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}"#,
        )],
        ..Role::default()
    };
    let lambda_role = Role {
        arn: format!("arn:aws:iam::{A}:role/fn"),
        name: "fn".into(),
        trust_policy: policy(
            PolicyKind::Trust,
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}}"#,
        ),
        ..Role::default()
    };
    let bucket = Resource {
        arn: "arn:aws:s3:::data".into(),
        service: "s3".into(),
        policy: policy(
            PolicyKind::Resource,
            r#"{"Version":"2012-10-17","Statement":[
                {"Sid":"Partner","Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::data/shared/*"},
                {"Sid":"Public","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::data/public/*"}]}"#,
        ),
        ..Resource::default()
    };
    let account = Account {
        id: A.into(),
        users: vec![alice, bob, carol],
        groups: vec![devs],
        roles: vec![reader, lambda_role],
        resources: vec![bucket],
        iam_collected: true,
        ..Account::default()
    };
    // An SCP on the OU between the root and the account: no s3:GetObject.
    let organization = with_scp.then(|| {
        organization_with_scps(&[(
            "NoS3Get",
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}}"#,
        )])
    });
    AwsEnvironment { organization, accounts: vec![account], ..AwsEnvironment::default() }
}

/// The actions what-can lists on `resource` itself (not through a pattern).
fn actions_on<'p>(permissions: &'p [remit_aws_analysis::Permission], resource: &str) -> Vec<&'p str> {
    permissions.iter().filter(|p| p.resources.iter().any(|(r, _)| r == resource)).map(|p| p.action.as_str()).collect()
}

/// who-can's answer for `action` on `resource`, after checking that it holds each principal of
/// the environment exactly when `explain` allows it (or conditionally), with that access.
fn who_can_as_explained(analysis: &AwsAnalysis, action: &str, resource: &str) -> Vec<remit_model::Holder> {
    let holders = analysis.who_can(action, resource).expect("who-can");
    for principal in analysis.principals() {
        let verdict = analysis.explain(&principal.id, action, resource).expect("explain").verdict;
        let held = holders.iter().find(|h| h.principal.id == principal.id).map(|h| h.access.as_str());
        let explained = matches!(verdict, Verdict::Allowed | Verdict::Conditional).then(|| verdict.as_str());
        assert_eq!(held, explained, "{action} {}", principal.id);
    }
    holders
}

/// Checks what-can against `explain` for each action of `service` (those that take a
/// resource) on each of `resources`: listed on the resource itself, with the access explain
/// gives it; allowed by explain and not listed on the resource, then listed on `*` (what its
/// own policies allow on every resource is listed there) with that access. (A pattern lists
/// what some or all of the resources it covers allow: only that direction holds for it.)
fn what_can_as_explained(analysis: &AwsAnalysis, principal: &str, service: &str, resources: &[String]) {
    let permissions = analysis.what_can(principal, &remit_aws_analysis::WhatCanFilter::default()).expect("what-can");
    let catalog = remit_aws_catalog::Catalog::aws();
    let actions = catalog.service_actions(service);
    for action in catalog.actions_in(&actions).filter(|a| !a.is_wildcard_only()).map(|a| a.name()) {
        let permission = permissions.iter().find(|p| p.action == action);
        for resource in resources {
            let verdict = analysis.explain(principal, action, resource).expect("explain").verdict;
            let on = |wanted: &str| permission?.resources.iter().find(|(r, _)| r == wanted).map(|(_, a)| a.as_str());
            let explained = matches!(verdict, Verdict::Allowed | Verdict::Conditional).then(|| verdict.as_str());
            match on(resource) {
                Some(listed) => assert_eq!(Some(listed), explained, "{principal} {action} {resource}"),
                None if explained.is_some() => assert_eq!(on("*"), explained, "{principal} {action} {resource}"),
                None => {}
            }
        }
    }
}

/// A resource with its policy; the service is the ARN's.
fn resource(arn: String, json: &str) -> Resource {
    let service = arn.split(':').nth(2).unwrap_or_default().to_owned();
    Resource { arn, service, policy: policy(PolicyKind::Resource, json), ..Resource::default() }
}

/// A user of account `A` with tags and a permissions boundary.
/// A topic whose policy lets anyone perform `actions` (a JSON array), then `more` statements
/// (each after a comma, `TOPIC` standing for the topic's ARN).
fn open_topic(name: &str, actions: &str, more: &str) -> Resource {
    let arn = format!("arn:aws:sns:us-east-1:{A}:{name}");
    let more = more.replace("TOPIC", &arn);
    let json = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":{actions},"Resource":"{arn}"}}{more}]}}"#
    );
    resource(arn, &json)
}

fn user(name: &str, tags: &[(&str, &str)], boundary: Option<&str>) -> User {
    User {
        arn: format!("arn:aws:iam::{A}:user/{name}"),
        name: name.into(),
        tags: tags.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        permissions_boundary: boundary.map(str::to_owned),
        ..User::default()
    }
}

/// A customer-managed policy of account `A`.
fn managed_policy(name: &str, kind: PolicyKind, json: &str) -> remit_aws_import::ManagedPolicy {
    remit_aws_import::ManagedPolicy {
        arn: format!("arn:aws:iam::{A}:policy/{name}"),
        name: name.into(),
        document: policy(kind, json),
        ..remit_aws_import::ManagedPolicy::default()
    }
}

/// An organization of account `A` in an OU under the root, FullAWSAccess at every level, and
/// the given SCPs (name, document) on the OU.
fn organization_with_scps(scps: &[(&str, &str)]) -> Organization {
    let full =
        ("FullAWSAccess", r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#);
    let policies: Vec<OrgPolicy> = std::iter::once(&full)
        .chain(scps)
        .enumerate()
        .map(|(idx, (name, document))| OrgPolicy {
            id: format!("p-{idx}"),
            arn: String::new(),
            name: (*name).to_owned(),
            policy_type: OrgPolicyType::ServiceControl,
            aws_managed: idx == 0,
            incomplete: false,
            document: policy(PolicyKind::ServiceControl, document),
        })
        .collect();
    let node = |id: &str, kind: OrgNodeKind, parent: Option<&str>, attached: Vec<String>| OrgNode {
        id: id.into(),
        kind,
        name: id.into(),
        parent: parent.map(str::to_owned),
        attached_policies: attached,
        arn: None,
        status: None,
    };
    let full_only = || vec!["p-0".to_owned()];
    Organization {
        id: "o-example".into(),
        management_account: "999999999999".into(),
        nodes: vec![
            node("r-root", OrgNodeKind::Root, None, full_only()),
            node(
                "ou-dev",
                OrgNodeKind::OrganizationalUnit,
                Some("r-root"),
                policies.iter().map(|p| p.id.clone()).collect(),
            ),
            node(A, OrgNodeKind::Account, Some("ou-dev"), full_only()),
        ],
        policies,
        ..Organization::default()
    }
}

#[test]
fn who_can_follows_groups_roles_conditions_and_resource_policies() {
    let analysis = AwsAnalysis::new(environment(false));
    let holders = analysis.who_can("s3:GetObject", "arn:aws:s3:::data/shared/report.csv").expect("query");
    let find = |id: &str| holders.iter().find(|h| h.principal.id == id);

    let alice = find(&format!("arn:aws:iam::{A}:user/alice")).expect("alice, through her group");
    assert_eq!(alice.access, Access::Allowed);
    assert!(alice.via.iter().any(|s| s.describe() == "group devs"), "{:?}", alice.via);

    let reader = find(&format!("arn:aws:iam::{A}:role/reader")).expect("reader, conditionally");
    assert!(matches!(&reader.access, Access::Conditional(c) if c[0].expression.contains("aws:SourceIp")));

    let bob = find(&format!("arn:aws:iam::{A}:user/bob")).expect("bob, by assuming reader");
    assert_eq!(bob.access.as_str(), "conditional");
    assert!(bob.via.iter().any(|s| s.describe().contains("assumes arn:aws:iam::111122223333:role/reader")));

    let partner = find(&format!("arn:aws:iam::{OUTSIDE}:root")).expect("the partner account");
    assert_eq!(partner.principal.kind, PrincipalKind::ExternalAccount);
    assert_eq!(partner.access.as_str(), "conditional");

    assert!(find(&format!("arn:aws:iam::{A}:user/carol")).is_none(), "carol has no grant");
    assert!(find("*").is_none(), "the public statement covers public/* only");

    let public = analysis.who_can("s3:GetObject", "arn:aws:s3:::data/public/x").expect("query");
    let anyone = public.iter().find(|h| h.principal.kind == PrincipalKind::Anyone).expect("anyone");
    assert_eq!(anyone.access, Access::Allowed);
    // carol has no identity grant, but the bucket policy names everyone.
    assert!(public.iter().any(|h| h.principal.id.ends_with("user/carol")));
}

#[test]
fn an_scp_at_any_level_takes_access_away() {
    let analysis = AwsAnalysis::new(environment(true));
    let holders = analysis.who_can("s3:GetObject", "arn:aws:s3:::data/shared/report.csv").expect("query");
    assert!(holders.iter().all(|h| h.principal.scope.as_deref() != Some(A)), "{holders:#?}");
    let explained = analysis
        .explain(&format!("arn:aws:iam::{A}:user/alice"), "s3:GetObject", "arn:aws:s3:::data/x")
        .expect("explain");
    assert_eq!(explained.verdict.as_str(), "explicitlyDenied");
    assert!(explained.statements.iter().any(|s| s.layer == "scp" && s.effect == "Deny"), "{explained:#?}");
}

#[test]
fn can_become_walks_the_trust_graph() {
    let analysis = AwsAnalysis::new(environment(false));
    let holders = analysis.can_become(&format!("arn:aws:iam::{A}:role/reader")).expect("query");
    let ids: Vec<&str> = holders.iter().map(|h| h.principal.id.as_str()).collect();
    assert_eq!(ids, [format!("arn:aws:iam::{A}:user/bob")]);
    let roles = analysis.can_become_from(&format!("arn:aws:iam::{A}:user/bob")).expect("query");
    assert_eq!(roles.len(), 1);
    assert!(analysis.can_become("arn:aws:iam::111122223333:role/nope").is_err());
}

#[test]
fn exposure_lists_outside_and_public_grants() {
    let analysis = AwsAnalysis::new(environment(false));
    let exposures = analysis.exposure();
    let outsiders: Vec<(&str, &str)> = exposures.iter().map(|e| (e.resource.as_str(), e.outsider.as_str())).collect();
    assert!(outsiders.contains(&("arn:aws:s3:::data", "*")), "{outsiders:?}");
    assert!(outsiders.contains(&("arn:aws:s3:::data", "arn:aws:iam::444455556666:root")), "{outsiders:?}");
    assert!(outsiders.contains(&("arn:aws:iam::111122223333:role/fn", "lambda.amazonaws.com")), "{outsiders:?}");
}

#[test]
fn what_can_expands_through_the_catalog_and_decides_each_action() {
    use remit_aws_analysis::{AccessLevel, WhatCanFilter};
    let analysis = AwsAnalysis::new(environment(false));
    let alice = format!("arn:aws:iam::{A}:user/alice");
    let permissions = analysis.what_can(&alice, &WhatCanFilter::default()).expect("query");
    let get = permissions.iter().find(|p| p.action == "s3:GetObject").expect("s3:GetObject from s3:Get*");
    assert!(get.access_levels.contains(&AccessLevel::Read));
    assert!(get.resources.iter().any(|(r, a)| r == "arn:aws:s3:::data/*" && *a == Access::Allowed), "{get:?}");
    // (and sts:GetCallerIdentity, which needs no permission)
    assert!(
        permissions.iter().all(|p| p.action.starts_with("s3:Get") || p.action == "sts:GetCallerIdentity"),
        "only what s3:Get* expands to"
    );
    assert!(permissions.len() > 20, "s3:Get* is many actions: {}", permissions.len());

    // The filters narrow the answer.
    let only_write = WhatCanFilter { access_level: Some(AccessLevel::Write), ..WhatCanFilter::default() };
    assert!(analysis.what_can(&alice, &only_write).expect("query").is_empty());

    // carol has no identity grant but the bucket policy names everyone for public/*.
    let carol = analysis.what_can(&format!("arn:aws:iam::{A}:user/carol"), &WhatCanFilter::default()).expect("query");
    assert_eq!(carol.iter().map(|p| p.action.as_str()).collect::<Vec<_>>(), ["s3:GetObject", "sts:GetCallerIdentity"]);
}

/// The indexes who-can and can-become use to skip principals never change an answer: the
/// principals they report as holding access directly are exactly those `explain` (which asks
/// the engine about one principal, with no index) finds allowed or conditional.
fn assert_indexes_lose_nothing(analysis: &AwsAnalysis, queries: &[(String, String)]) {
    use remit_model::Step;
    use std::collections::BTreeSet;
    let principals: Vec<String> = analysis.principals().map(|p| p.id.clone()).collect();
    for (action, resource) in queries {
        let holders = analysis.who_can(action, resource).expect("who-can");
        let direct: BTreeSet<&str> = holders
            .iter()
            .filter(|h| principals.contains(&h.principal.id) && !h.via.iter().any(|s| matches!(s, Step::Assume { .. })))
            .map(|h| h.principal.id.as_str())
            .collect();
        let explained: BTreeSet<&str> = principals
            .iter()
            .filter(|p| {
                let verdict = analysis.explain(p, action, resource).expect("explain").verdict;
                matches!(verdict, Verdict::Allowed | Verdict::Conditional)
            })
            .map(String::as_str)
            .collect();
        assert_eq!(direct, explained, "who-can {action} {resource}");
    }
    for role in principals.iter().filter(|p| p.contains(":role/")) {
        let becomers = analysis.can_become(role).expect("can-become");
        let direct: BTreeSet<&str> = becomers
            .iter()
            .filter(|h| {
                principals.contains(&h.principal.id)
                    && h.via.iter().filter(|s| matches!(s, Step::Assume { .. })).count() == 1
            })
            .map(|h| h.principal.id.as_str())
            .collect();
        let explained: BTreeSet<&str> = principals
            .iter()
            .filter(|p| *p != role)
            .filter(|p| {
                let verdict = analysis.explain(p, "sts:AssumeRole", role).expect("explain").verdict;
                matches!(verdict, Verdict::Allowed | Verdict::Conditional)
            })
            .map(String::as_str)
            .collect();
        assert_eq!(direct, explained, "can-become {role}");
    }
}

#[test]
fn the_indexes_lose_nothing() {
    for with_scp in [false, true] {
        let analysis = AwsAnalysis::new(environment(with_scp));
        let mut queries = Vec::new();
        for action in [
            "s3:GetObject",
            "s3:PutObject",
            "s3:ListBucket",
            "sts:AssumeRole",
            "lambda:InvokeFunction",
            "iam:PassRole",
            "ec2:DescribeInstances",
        ] {
            for resource in
                ["arn:aws:s3:::data/shared/report.csv", "arn:aws:s3:::data/public/x", "arn:aws:s3:::data", "*"]
            {
                queries.push((action.to_owned(), resource.to_owned()));
            }
            for p in analysis.principals().filter(|p| p.id.contains(":role/")) {
                queries.push((action.to_owned(), p.id.clone()));
            }
        }
        assert_indexes_lose_nothing(&analysis, &queries);
    }
}

/// what-can decides one representative per class of alike actions: every action it reports
/// is one `explain` allows, and every action `explain` allows on a resource it was asked about
/// is reported.
#[test]
fn what_can_agrees_with_explain_action_by_action() {
    use remit_aws_analysis::WhatCanFilter;
    let catalog = remit_aws_catalog::Catalog::aws();
    for with_scp in [false, true] {
        let analysis = AwsAnalysis::new(environment(with_scp));
        let principals: Vec<String> = analysis.principals().map(|p| p.id.clone()).collect();
        for principal in &principals {
            let permissions = analysis.what_can(principal, &WhatCanFilter::default()).expect("what-can");
            for permission in &permissions {
                for (resource, access) in &permission.resources {
                    if resource.contains('*') && resource != "*" {
                        continue;
                    }
                    let verdict = analysis.explain(principal, &permission.action, resource).expect("explain").verdict;
                    assert_eq!(verdict.as_str(), access.as_str(), "{principal} {} {resource}", permission.action);
                }
            }
            for resource in ["arn:aws:s3:::data/public/x", "*"] {
                let filter = WhatCanFilter { resource: Some(resource.to_owned()), ..WhatCanFilter::default() };
                let reported = analysis.what_can(principal, &filter).expect("what-can");
                for service in ["s3", "lambda", "sts", "iam", "ec2"] {
                    for action in catalog.actions_in(&catalog.service_actions(service)) {
                        if action.is_wildcard_only() != (resource == "*") {
                            continue;
                        }
                        let verdict = analysis.explain(principal, action.name(), resource).expect("explain").verdict;
                        let allowed = matches!(verdict, Verdict::Allowed | Verdict::Conditional);
                        let found = reported.iter().any(|p| p.action == action.name());
                        assert_eq!(found, allowed, "{principal} {} {resource}", action.name());
                    }
                }
            }
        }
    }
}

/// IAM Identity Center users (directly or through their group) hold what the role their
/// permission set provisions in the account holds.
#[test]
fn identity_center_users_act_through_their_permission_sets() {
    use remit_aws_import::{AccountAssignment, IdentityCenter, PermissionSet};
    let mut env = environment(false);
    env.accounts[0].roles.push(Role {
        arn: format!("arn:aws:iam::{A}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_DataOps_0123456789abcdef"),
        name: "AWSReservedSSO_DataOps_0123456789abcdef".into(),
        trust_policy: policy(
            PolicyKind::Trust,
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:saml-provider/AWSSSO_abc_DO_NOT_DELETE"},"Action":["sts:AssumeRoleWithSAML","sts:TagSession"],"Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}}"#,
        ),
        inline_policies: vec![inline(
            "AwsSSOInlinePolicy",
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::data/*"}}"#,
        )],
        ..Role::default()
    });
    let set_arn = "arn:aws:sso:::permissionSet/ssoins-1111111111111111/ps-2222222222222222";
    env.identity_center = Some(IdentityCenter {
        instance_arn: "arn:aws:sso:::instance/ssoins-1111111111111111".into(),
        identity_store_id: "d-1234567890".into(),
        permission_sets: vec![PermissionSet {
            arn: set_arn.into(),
            name: "DataOps".into(),
            ..PermissionSet::default()
        }],
        assignments: vec![AccountAssignment {
            account_id: A.into(),
            permission_set_arn: set_arn.into(),
            principal_type: "GROUP".into(),
            principal_id: "g-1".into(),
        }],
        users: vec![("u-1".into(), "dana@example.com".into()), ("u-2".into(), "eli@example.com".into())],
        groups: vec![("g-1".into(), "Data engineers".into())],
        memberships: vec![("g-1".into(), "u-1".into())],
        profiles: Vec::new(),
    });
    let analysis = AwsAnalysis::new(env);
    let holders = analysis.who_can("s3:PutObject", "arn:aws:s3:::data/in/x.csv").expect("who-can");
    let dana = holders.iter().find(|h| h.principal.name == "dana@example.com").expect("dana, through her group");
    assert_eq!(dana.principal.kind, PrincipalKind::User);
    assert_eq!(dana.access, Access::Allowed);
    let path: Vec<String> = dana.via.iter().map(|s| s.describe()).collect();
    assert_eq!(path[0], "group Data engineers");
    assert!(path[1].contains("permission set DataOps"), "{path:?}");
    assert!(path[2].starts_with("assumes ") && path[2].contains("AWSReservedSSO_DataOps"), "{path:?}");
    assert!(holders.iter().any(|h| h.principal.kind == PrincipalKind::Group && h.principal.name == "Data engineers"));
    assert!(!holders.iter().any(|h| h.principal.name == "eli@example.com"), "eli is in no assigned group");
}

/// S3 Block Public Access, bucket ACLs and KMS grants change who gets in.
#[test]
fn block_public_access_acls_and_kms_grants() {
    use remit_aws_import::{AclGrant, KmsGrant, PublicAccessBlock};
    let all_users = "Group:http://acs.amazonaws.com/groups/global/AllUsers".to_owned();
    let key_arn = format!("arn:aws:kms:us-east-1:{A}:key/1234abcd-12ab-34cd-56ef-1234567890ab");
    let build = |restrict: bool, ignore_acls: bool| {
        let mut env = environment(false);
        let account = &mut env.accounts[0];
        account.resources[0].public_access_block =
            Some(PublicAccessBlock { restrict_public_buckets: restrict, ..PublicAccessBlock::default() });
        account.s3_public_access_block =
            Some(PublicAccessBlock { ignore_public_acls: ignore_acls, ..PublicAccessBlock::default() });
        account.resources.push(Resource {
            arn: "arn:aws:s3:::logs".into(),
            service: "s3".into(),
            acl_grants: vec![AclGrant { grantee: all_users.clone(), permission: "READ".into() }],
            ..Resource::default()
        });
        account.resources.push(Resource {
            arn: key_arn.clone(),
            service: "kms".into(),
            policy: policy(
                PolicyKind::Resource,
                r#"{"Version":"2012-10-17","Statement":[{"Sid":"Root","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}"#,
            ),
            kms_grants: vec![KmsGrant {
                grantee: format!("arn:aws:iam::{A}:user/carol"),
                operations: vec!["Decrypt".into()],
                grant_id: "g-1".into(),
                retiring_principal: None,
                issuing_account: None,
                encryption_context_subset: vec![("app".into(), "billing".into())],
                encryption_context_equals: Vec::new(),
            }],
            ..Resource::default()
        });
        AwsAnalysis::new(env)
    };

    // Without Block Public Access: the public statement and the partner count.
    let open = build(false, false);
    let public = open.who_can("s3:GetObject", "arn:aws:s3:::data/public/x").expect("who-can");
    assert!(public.iter().any(|h| h.principal.id == "*"));
    // RestrictPublicBuckets on a bucket with a public policy: the owner account's principals
    // only (carol, by the policy), no one outside, and the partner is cut off too.
    let restricted = build(true, false);
    let public = restricted.who_can("s3:GetObject", "arn:aws:s3:::data/public/x").expect("who-can");
    assert!(!public.iter().any(|h| h.principal.id == "*"), "{public:#?}");
    assert!(public.iter().any(|h| h.principal.id.ends_with("user/carol")));
    let shared = restricted.who_can("s3:GetObject", "arn:aws:s3:::data/shared/x").expect("who-can");
    assert!(!shared.iter().any(|h| h.principal.kind == PrincipalKind::ExternalAccount), "{shared:#?}");
    assert!(!restricted.exposure().iter().any(|e| e.resource == "arn:aws:s3:::data"));

    // A public ACL: anyone lists the bucket, unless IgnorePublicAcls.
    let listing = open.who_can("s3:ListBucket", "arn:aws:s3:::logs").expect("who-can");
    let anyone = listing.iter().find(|h| h.principal.id == "*").expect("anyone, by the ACL");
    assert_eq!(anyone.access, Access::Allowed);
    assert!(anyone.via[0].describe().contains("ACL"));
    assert!(open.exposure().iter().any(|e| e.resource == "arn:aws:s3:::logs" && e.outsider == "*"));
    let ignored = build(false, true);
    assert!(
        !ignored.who_can("s3:ListBucket", "arn:aws:s3:::logs").expect("who-can").iter().any(|h| h.principal.id == "*")
    );
    assert!(!ignored.exposure().iter().any(|e| e.resource == "arn:aws:s3:::logs"));

    // A KMS grant: carol decrypts with the billing encryption context, and nothing else.
    let decrypters = open.who_can("kms:Decrypt", &key_arn).expect("who-can");
    let carol = decrypters.iter().find(|h| h.principal.id.ends_with("user/carol")).expect("carol, by the grant");
    assert!(matches!(&carol.access, Access::Conditional(c) if c[0].expression.contains("app = billing")));
    let encrypters = open.who_can("kms:Encrypt", &key_arn).expect("who-can");
    assert!(!encrypters.iter().any(|h| h.principal.id.ends_with("user/carol")));
}

/// what-can decides resources alike only when they are: two keys with the same key policy
/// that the principal's own policy names differently, and two topics whose policies differ
/// only in what they deny, each get their own answer.
#[test]
fn what_can_decides_alike_only_resources_that_are_alike() {
    use remit_aws_analysis::WhatCanFilter;
    let key_policy = r#"{"Version":"2012-10-17","Statement":{"Sid":"EnableIAM","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}}"#;
    let key = |id: &str| resource(format!("arn:aws:kms:us-east-1:{A}:key/{id}"), key_policy);
    let topic = |name: &str, denied: &str| {
        let deny = format!(r#",{{"Effect":"Deny","Principal":"*","Action":"{denied}","Resource":"TOPIC"}}"#);
        open_topic(name, r#"["sns:Publish","sns:Subscribe"]"#, &deny)
    };
    let dana = User {
        arn: format!("arn:aws:iam::{A}:user/dana"),
        name: "dana".into(),
        inline_policies: vec![inline(
            "some-keys",
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":"kms:Decrypt","Resource":"arn:aws:kms:us-east-1:111122223333:key/k1*"},
                {"Effect":"Allow","Action":["sns:Publish","sns:Subscribe"],"Resource":"*"}]}"#,
        )],
        ..User::default()
    };
    let account = Account {
        id: A.into(),
        users: vec![dana],
        resources: vec![key("k1"), key("k2"), topic("t1", "sns:Publish"), topic("t2", "sns:Subscribe")],
        iam_collected: true,
        ..Account::default()
    };
    let analysis = AwsAnalysis::new(AwsEnvironment { accounts: vec![account], ..AwsEnvironment::default() });
    let dana = format!("arn:aws:iam::{A}:user/dana");
    let permissions = analysis.what_can(&dana, &WhatCanFilter::default()).expect("what-can");
    let on = |resource: &str| actions_on(&permissions, resource);
    assert_eq!(on(&format!("arn:aws:kms:us-east-1:{A}:key/k1")), ["kms:Decrypt"]);
    assert!(on(&format!("arn:aws:kms:us-east-1:{A}:key/k2")).is_empty());
    assert_eq!(on(&format!("arn:aws:sns:us-east-1:{A}:t1")), ["sns:Subscribe"]);
    assert_eq!(on(&format!("arn:aws:sns:us-east-1:{A}:t2")), ["sns:Publish"]);
    for permission in &permissions {
        for (resource, access) in &permission.resources {
            let verdict = analysis.explain(&dana, &permission.action, resource).expect("explain").verdict;
            assert_eq!(verdict.as_str(), access.as_str(), "{} {resource}", permission.action);
        }
    }
}

/// What resource policies grant everyone, on resources its own statements name differently:
/// a deny of one topic, an allow of every topic, and a statement about other actions naming
/// one topic (which takes no part). Each topic's answer is the one `explain` gives.
#[test]
fn what_everyone_may_do_is_told_apart_by_the_statements_about_those_actions() {
    use remit_aws_analysis::WhatCanFilter;
    let topic = |name: &str| open_topic(name, r#"["sns:Publish","sns:Subscribe"]"#, "");
    let erin = User {
        inline_policies: vec![inline(
            "topics",
            &format!(
                r#"{{"Version":"2012-10-17","Statement":[
                    {{"Effect":"Deny","Action":"sns:Publish","Resource":"arn:aws:sns:us-east-1:{A}:t1"}},
                    {{"Effect":"Allow","Action":"sns:*","Resource":"*"}},
                    {{"Effect":"Allow","Action":"ec2:DescribeInstances","Resource":"arn:aws:sns:us-east-1:{A}:t2"}}]}}"#
            ),
        )],
        ..user("erin", &[], None)
    };
    let account = Account {
        id: A.into(),
        users: vec![erin],
        resources: vec![topic("t1"), topic("t2"), topic("t3"), topic("t4")],
        iam_collected: true,
        ..Account::default()
    };
    let analysis = AwsAnalysis::new(AwsEnvironment { accounts: vec![account], ..AwsEnvironment::default() });
    let erin = format!("arn:aws:iam::{A}:user/erin");
    let permissions = analysis.what_can(&erin, &WhatCanFilter::default()).expect("what-can");
    let publishes =
        |name: &str| actions_on(&permissions, &format!("arn:aws:sns:us-east-1:{A}:{name}")).contains(&"sns:Publish");
    assert!(!publishes("t1"));
    for name in ["t2", "t3", "t4"] {
        assert!(publishes(name), "{name}");
    }
    for name in ["t1", "t2", "t3", "t4"] {
        let resource = format!("arn:aws:sns:us-east-1:{A}:{name}");
        // (Other actions are reported on `*`, which stands for every topic.)
        for action in ["sns:Publish", "sns:Subscribe"] {
            let verdict = analysis.explain(&erin, action, &resource).expect("explain").verdict;
            let listed = actions_on(&permissions, &resource).contains(&action);
            assert_eq!(
                listed,
                verdict.as_str() != "implicitlyDenied" && verdict.as_str() != "explicitlyDenied",
                "{action} {resource}"
            );
        }
    }
}

/// Resources whose policies differ only in statements naming others are decided alike for
/// the principals those statements do not name, each on a policy of its own: three topics
/// open to anyone for `sns:Subscribe`, two of whose policies let a role publish, the third
/// denying that role `sns:Subscribe`, and a user denied it on one topic (which splits the
/// first two); and a fourth, whose policy lets another account publish, which the user reads
/// as the third (it is decided on a policy of its own). Its answers on each topic are
/// explain's, action by action, and so are the role's (whom the extra statements name,
/// allowing and denying).
#[test]
fn what_can_tells_resources_apart_by_the_statements_that_name_the_principal() {
    use remit_aws_analysis::WhatCanFilter;
    let for_other = format!(
        r#",{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:role/other"}},"Action":"sns:Publish","Resource":"TOPIC"}}"#
    );
    let subscribe = r#"["sns:Subscribe"]"#;
    let dana = User {
        inline_policies: vec![inline(
            "not-a1",
            &format!(
                r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Deny","Action":"sns:Subscribe","Resource":"arn:aws:sns:us-east-1:{A}:a1"}}}}"#
            ),
        )],
        ..user("dana", &[], None)
    };
    let other = Role {
        arn: format!("arn:aws:iam::{A}:role/other"),
        name: "other".into(),
        inline_policies: vec![inline(
            "topics",
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sns:List*","Resource":"*"}}"#,
        )],
        ..Role::default()
    };
    let account = Account {
        id: A.into(),
        users: vec![dana],
        roles: vec![other],
        resources: vec![
            open_topic("m1", subscribe, &for_other),
            open_topic("a1", subscribe, &for_other),
            open_topic("b1", subscribe, &for_other.replace("Allow", "Deny").replace("sns:Publish", "sns:Subscribe")),
            open_topic("b0", subscribe, &for_other.replace(&format!("{A}:role/other"), &format!("{OUTSIDE}:root"))),
        ],
        iam_collected: true,
        ..Account::default()
    };
    let analysis = AwsAnalysis::new(AwsEnvironment { accounts: vec![account], ..AwsEnvironment::default() });
    let topic = |name: &str| format!("arn:aws:sns:us-east-1:{A}:{name}");
    let dana = format!("arn:aws:iam::{A}:user/dana");
    let permissions = analysis.what_can(&dana, &WhatCanFilter::default()).expect("what-can");
    assert!(actions_on(&permissions, &topic("a1")).is_empty());
    assert_eq!(actions_on(&permissions, &topic("m1")), ["sns:Subscribe"]);
    assert_eq!(actions_on(&permissions, &topic("b1")), ["sns:Subscribe"]);
    assert_eq!(actions_on(&permissions, &topic("b0")), ["sns:Subscribe"]);
    let topics: Vec<String> = ["m1", "a1", "b1", "b0"].iter().map(|name| topic(name)).collect();
    for principal in [dana, format!("arn:aws:iam::{A}:role/other")] {
        what_can_as_explained(&analysis, &principal, "sns", &topics);
    }
}

/// What key policies grant the account, for keys whose policies differ only in a statement
/// naming a role: the keys are grouped for every principal of the account but the roles
/// named, whose keys are decided one by one. A user allowed `kms:Decrypt` on every key but
/// one, an administrator role named by two keys (which may also manage them), and a role
/// with `kms:*` that one key denies `kms:Decrypt`: each one's answers on every key are
/// explain's, action by action.
#[test]
fn what_can_groups_what_key_policies_grant_the_account_except_for_those_they_name() {
    use remit_aws_analysis::WhatCanFilter;
    let key_arn = |id: &str| format!("arn:aws:kms:us-east-1:{A}:key/{id}");
    let key = |id: &str, admin: &str| {
        let admin = match admin {
            "" => format!(
                r#",{{"Sid":"NotOps","Effect":"Deny","Principal":{{"AWS":"arn:aws:iam::{A}:role/ops"}},"Action":"kms:Decrypt","Resource":"*"}}"#
            ),
            admin => format!(
                r#",{{"Sid":"Admin","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:role/{admin}"}},"Action":["kms:Decrypt","kms:ScheduleKeyDeletion"],"Resource":"*"}}"#
            ),
        };
        let policy = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"EnableIAM","Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:root"}},"Action":"kms:*","Resource":"*"}}{admin}]}}"#
        );
        resource(key_arn(id), &policy)
    };
    let role = |name: &str, actions: &str| Role {
        arn: format!("arn:aws:iam::{A}:role/{name}"),
        name: name.into(),
        inline_policies: vec![inline(
            "keys",
            &format!(
                r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":{actions},"Resource":"*"}}}}"#
            ),
        )],
        ..Role::default()
    };
    let erin = User {
        inline_policies: vec![inline(
            "decrypt",
            &format!(
                r#"{{"Version":"2012-10-17","Statement":[
                    {{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}},
                    {{"Effect":"Deny","Action":"kms:Decrypt","Resource":"{}"}}]}}"#,
                key_arn("k2")
            ),
        )],
        ..user("erin", &[], None)
    };
    let account = Account {
        id: A.into(),
        users: vec![erin],
        roles: vec![role("admin-1", r#""kms:Describe*""#), role("ops", r#""kms:*""#)],
        resources: vec![key("k1", "admin-1"), key("k2", "admin-2"), key("k3", ""), key("k4", "admin-1")],
        iam_collected: true,
        ..Account::default()
    };
    let analysis = AwsAnalysis::new(AwsEnvironment { accounts: vec![account], ..AwsEnvironment::default() });
    let erin = format!("arn:aws:iam::{A}:user/erin");
    let permissions = analysis.what_can(&erin, &WhatCanFilter::default()).expect("what-can");
    assert_eq!(actions_on(&permissions, &key_arn("k1")), ["kms:Decrypt"]);
    assert!(actions_on(&permissions, &key_arn("k2")).is_empty());
    let keys: Vec<String> = ["k1", "k2", "k3", "k4"].iter().map(|id| key_arn(id)).collect();
    for principal in [erin, format!("arn:aws:iam::{A}:role/admin-1"), format!("arn:aws:iam::{A}:role/ops")] {
        what_can_as_explained(&analysis, &principal, "kms", &keys);
    }
}

/// who-can tells apart principals that differ only in what a policy reads of them: a
/// principal tag or the user name read by the resource policy (also as a policy variable), a
/// boundary that reads the user name, an SCP that reads the principal's ARN (and spares the
/// service-linked role), a principal named by ARN, `NotPrincipal` and the boundaries it never
/// excepts. Each answer is the one `explain` gives for every principal, with the same access.
#[test]
fn who_can_tells_apart_principals_that_policies_read_differently() {
    let queue = format!("arn:aws:sqs:us-east-1:{A}:jobs");
    let role = |path: &str, name: &str, tags: &[(&str, &str)]| Role {
        arn: format!("arn:aws:iam::{A}:role/{path}{name}"),
        name: name.into(),
        tags: tags.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        ..Role::default()
    };
    // A boundary that reads the user name: of two users with it, one may not delete.
    let boundary = managed_policy(
        "only-bea",
        PolicyKind::PermissionsBoundary,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
            {"Effect":"Deny","Action":"sqs:DeleteMessage","Resource":"*","Condition":{"StringEquals":{"aws:username":"ben"}}}]}"#,
    );
    let boundary_arn = boundary.arn.clone();
    let queue_policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[
            {{"Sid":"BlueTeam","Effect":"Allow","Principal":"*","Action":"sqs:SendMessage","Resource":"{queue}","Condition":{{"StringEquals":{{"aws:PrincipalTag/team":"blue"}}}}}},
            {{"Sid":"Named","Effect":"Allow","Principal":{{"AWS":["arn:aws:iam::{A}:user/named","arn:aws:iam::{A}:role/reader"]}},"Action":"sqs:ReceiveMessage","Resource":"{queue}"}},
            {{"Sid":"Account","Effect":"Allow","Principal":{{"AWS":"{A}"}},"Action":"sqs:GetQueueAttributes","Resource":"{queue}"}},
            {{"Sid":"Anyone","Effect":"Allow","Principal":"*","Action":["sqs:DeleteMessage","sqs:PurgeQueue","sqs:ChangeMessageVisibility","sqs:TagQueue"],"Resource":"{queue}"}},
            {{"Sid":"OnlyPlainPurges","Effect":"Deny","NotPrincipal":{{"AWS":["arn:aws:iam::{A}:user/plain","arn:aws:iam::{A}:user/bea","arn:aws:iam::{A}:root"]}},"Action":"sqs:PurgeQueue","Resource":"{queue}"}},
            {{"Sid":"Owners","Effect":"Allow","Principal":"*","Action":"sqs:ListQueueTags","Resource":"{queue}","Condition":{{"StringEquals":{{"aws:PrincipalTag/owner":"${{aws:username}}"}}}}}}]}}"#
    );
    let account = Account {
        id: A.into(),
        users: vec![
            user("plain", &[], None),
            user("plain2", &[], None),
            user("tagged", &[("team", "blue"), ("owner", "tagged")], None),
            user("tagged2", &[("team", "blue"), ("owner", "someone")], None),
            user("named", &[], None),
            user("bea", &[], Some(&boundary_arn)),
            user("ben", &[], Some(&boundary_arn)),
        ],
        roles: vec![
            role("", "worker", &[]),
            role("", "worker2", &[("team", "blue")]),
            role("", "admin-1", &[]),
            role("", "reader", &[]),
            role("aws-service-role/sqs.amazonaws.com/", "AWSServiceRoleForSQS", &[]),
        ],
        managed_policies: vec![boundary],
        resources: vec![Resource {
            arn: queue.clone(),
            service: "sqs".into(),
            policy: policy(PolicyKind::Resource, &queue_policy),
            ..Resource::default()
        }],
        iam_collected: true,
        ..Account::default()
    };
    // SCPs (which spare service-linked roles): no one changes visibility, only admins (by the
    // principal's ARN) tag.
    let organization = organization_with_scps(&[
        (
            "AdminsOnly",
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"sqs:TagQueue","Resource":"*","Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/admin-*"}}}}"#,
        ),
        (
            "NoVisibility",
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"sqs:ChangeMessageVisibility","Resource":"*"}}"#,
        ),
    ]);
    let analysis = AwsAnalysis::new(AwsEnvironment {
        organization: Some(organization),
        accounts: vec![account],
        ..AwsEnvironment::default()
    });
    let names = |action: &str| -> Vec<String> {
        let holders = who_can_as_explained(&analysis, action, &queue);
        // The principals of the account (not the outsiders the policy lets in), by name.
        let mut names: Vec<String> = holders
            .iter()
            .filter(|h| h.principal.id.starts_with(&format!("arn:aws:iam::{A}:")))
            .map(|h| h.principal.id.rsplit('/').next().unwrap_or_default().to_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names("sqs:SendMessage"), ["tagged", "tagged2", "worker2"]);
    assert_eq!(names("sqs:ReceiveMessage"), ["named", "reader"]);
    assert!(names("sqs:GetQueueAttributes").is_empty());
    assert_eq!(
        names("sqs:DeleteMessage"),
        [
            "AWSServiceRoleForSQS",
            "admin-1",
            "bea",
            "named",
            "plain",
            "plain2",
            "reader",
            "tagged",
            "tagged2",
            "worker",
            "worker2"
        ]
    );
    assert_eq!(names("sqs:PurgeQueue"), ["plain"]);
    assert_eq!(names("sqs:ListQueueTags"), ["tagged"]);
    assert_eq!(names("sqs:ChangeMessageVisibility"), ["AWSServiceRoleForSQS"]);
    assert_eq!(names("sqs:TagQueue"), ["AWSServiceRoleForSQS", "admin-1"]);
}

/// What resource policies grant everyone is decided once per class of principals alike and
/// shared (what-can): principals whose tags an SCP reads, whom a topic policy names, whose
/// boundary names one topic and not another, whose own policy denies, users and roles, each
/// get their own answer, and every answer is the one `explain` gives.
#[test]
fn what_everyone_may_do_is_shared_only_among_principals_alike() {
    use remit_aws_analysis::WhatCanFilter;
    let topic = |name: &str| {
        let deny = format!(
            r#",{{"Effect":"Deny","Principal":{{"AWS":"arn:aws:iam::{A}:user/named"}},"Action":"sns:Publish","Resource":"TOPIC"}}"#
        );
        open_topic(name, r#"["sns:Publish","sns:Subscribe","sns:GetTopicAttributes"]"#, &deny)
    };
    let boundary = managed_policy(
        "not-t2",
        PolicyKind::PermissionsBoundary,
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"*","Resource":"*"}},
            {{"Effect":"Deny","Action":"sns:Publish","Resource":"arn:aws:sns:us-east-1:{A}:t2"}}]}}"#
        ),
    );
    let boundary_arn = boundary.arn.clone();
    let account = Account {
        id: A.into(),
        users: vec![
            user("plain", &[], None),
            user("blue", &[("team", "blue")], None),
            user("bounded", &[], Some(&boundary_arn)),
            user("named", &[], None),
            User {
                inline_policies: vec![inline(
                    "no-publishing",
                    r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"sns:Publish","Resource":"*"}}"#,
                )],
                ..user("denied", &[], None)
            },
        ],
        roles: vec![Role { arn: format!("arn:aws:iam::{A}:role/worker"), name: "worker".into(), ..Role::default() }],
        managed_policies: vec![boundary],
        resources: vec![topic("t1"), topic("t2"), topic("t3")],
        iam_collected: true,
        ..Account::default()
    };
    // An SCP that reads a principal tag: only the blue team subscribes.
    let organization = organization_with_scps(&[(
        "BlueSubscribes",
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"sns:Subscribe","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalTag/team":"blue"}}}}"#,
    )]);
    let analysis = AwsAnalysis::new(AwsEnvironment {
        organization: Some(organization),
        accounts: vec![account],
        ..AwsEnvironment::default()
    });
    let catalog = remit_aws_catalog::Catalog::aws();
    let topics: Vec<String> = ["t1", "t2", "t3"].iter().map(|t| format!("arn:aws:sns:us-east-1:{A}:{t}")).collect();
    let reported = |name: &str| -> Vec<String> {
        let principal =
            analysis.principals().find(|p| p.id.ends_with(&format!("/{name}"))).expect("principal").id.clone();
        let permissions = analysis.what_can(&principal, &WhatCanFilter::default()).expect("what-can");
        let mut held = Vec::new();
        for topic in &topics {
            for action in catalog.actions_in(&catalog.service_actions("sns")).filter(|a| !a.is_wildcard_only()) {
                let verdict = analysis.explain(&principal, action.name(), topic).expect("explain").verdict;
                let access = permissions
                    .iter()
                    .find(|p| p.action == action.name())
                    .and_then(|p| p.resources.iter().find(|(r, _)| r == topic))
                    .map(|(_, a)| a.as_str());
                let explained = matches!(verdict, Verdict::Allowed | Verdict::Conditional).then(|| verdict.as_str());
                assert_eq!(access, explained, "{principal} {} {topic}", action.name());
                if access.is_some() {
                    held.push(format!("{}@{}", action.name(), topic.rsplit(':').next().unwrap_or_default()));
                }
            }
        }
        held.sort();
        held
    };
    let all = |actions: &[&str], topics: &[&str]| -> Vec<String> {
        let mut out: Vec<String> =
            actions.iter().flat_map(|a| topics.iter().map(move |t| format!("sns:{a}@{t}"))).collect();
        out.sort();
        out
    };
    assert_eq!(reported("plain"), all(&["GetTopicAttributes", "Publish"], &["t1", "t2", "t3"]));
    assert_eq!(reported("worker"), all(&["GetTopicAttributes", "Publish"], &["t1", "t2", "t3"]));
    assert_eq!(reported("blue"), all(&["GetTopicAttributes", "Publish", "Subscribe"], &["t1", "t2", "t3"]));
    assert_eq!(reported("named"), all(&["GetTopicAttributes"], &["t1", "t2", "t3"]));
    assert_eq!(reported("denied"), all(&["GetTopicAttributes"], &["t1", "t2", "t3"]));
    let mut bounded = all(&["GetTopicAttributes"], &["t1", "t2", "t3"]);
    bounded.extend(all(&["Publish"], &["t1", "t3"]));
    bounded.sort();
    assert_eq!(reported("bounded"), bounded);
}

/// A resource policy of another account that grants to anyone, or to a principal by name,
/// grants only what the principal's own policies also allow ("the identity-based policy and
/// the resource-based policy both must allow"): what-can lists the other account's resources
/// with exactly those actions, each as `explain` decides it.
#[test]
fn what_can_lists_what_another_accounts_resource_policies_grant() {
    use remit_aws_analysis::WhatCanFilter;
    const B: &str = "444455556666";
    let topic = resource(
        format!("arn:aws:sns:us-east-1:{B}:shared"),
        &format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Principal":"*","Action":["sns:Publish","sns:Subscribe"],"Resource":"arn:aws:sns:us-east-1:{B}:shared"}}}}"#
        ),
    );
    let queue = resource(
        format!("arn:aws:sqs:us-east-1:{B}:jobs"),
        &format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{A}:user/caller"}},"Action":["sqs:SendMessage","sqs:PurgeQueue"],"Resource":"arn:aws:sqs:us-east-1:{B}:jobs"}}}}"#
        ),
    );
    let caller = User {
        arn: format!("arn:aws:iam::{A}:user/caller"),
        name: "caller".into(),
        inline_policies: vec![inline(
            "publish-and-send",
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["sns:Publish","sqs:SendMessage"],"Resource":"*"}}"#,
        )],
        ..User::default()
    };
    let mine = Account { id: A.into(), users: vec![caller], iam_collected: true, ..Account::default() };
    let theirs = Account { id: B.into(), resources: vec![topic, queue], iam_collected: true, ..Account::default() };
    let analysis = AwsAnalysis::new(AwsEnvironment { accounts: vec![mine, theirs], ..AwsEnvironment::default() });
    let caller = format!("arn:aws:iam::{A}:user/caller");
    let permissions = analysis.what_can(&caller, &WhatCanFilter::default()).expect("what-can");
    let on = |resource: &str| actions_on(&permissions, resource);
    let topic = format!("arn:aws:sns:us-east-1:{B}:shared");
    let queue = format!("arn:aws:sqs:us-east-1:{B}:jobs");
    assert_eq!(on(&topic), ["sns:Publish"]);
    assert_eq!(on(&queue), ["sqs:SendMessage"]);
    for (resource, action) in
        [(&topic, "sns:Publish"), (&topic, "sns:Subscribe"), (&queue, "sqs:SendMessage"), (&queue, "sqs:PurgeQueue")]
    {
        let verdict = analysis.explain(&caller, action, resource).expect("explain").verdict;
        assert_eq!(verdict == Verdict::Allowed, on(resource).contains(&action), "{action} {resource}");
    }
}

/// What-can decides a group of resources once for every principal that reads it alike (the
/// same identity statements about its actions, from sources named alike, the same values of
/// the keys they read): each principal's answer, asked after the others in one analysis, is
/// exactly its answer asked alone. The principals share one managed policy whose statements
/// read a principal tag, the user name and unknown context, directly or through a group.
#[test]
fn what_can_shares_a_decision_only_among_principals_that_read_it_alike() {
    use remit_aws_analysis::WhatCanFilter;
    let shared = managed_policy(
        "data-access",
        PolicyKind::Identity,
        r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::data-${aws:username}/*"},
            {"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*",
             "Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}},
            {"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*",
             "Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}"#,
    );
    let attached = |mut u: User| {
        u.attached_policies = vec![shared.arn.clone()];
        u
    };
    let mut carol = user("carol", &[("team", "blue")], None);
    carol.groups = vec!["devs".into()];
    let bucket = |name: &str| resource(format!("arn:aws:s3:::{name}"), r#"{"Version":"2012-10-17","Statement":[]}"#);
    let account = Account {
        id: A.into(),
        users: vec![
            attached(user("alice", &[("team", "blue")], None)),
            attached(user("bob", &[("team", "red")], None)),
            carol,
            attached(user("dave", &[], None)),
        ],
        groups: vec![Group {
            arn: format!("arn:aws:iam::{A}:group/devs"),
            name: "devs".into(),
            attached_policies: vec![shared.arn.clone()],
            ..Group::default()
        }],
        managed_policies: vec![shared.clone()],
        resources: vec![bucket("data-alice"), bucket("data-bob"), bucket("shared")],
        iam_collected: true,
        ..Account::default()
    };
    let environment = AwsEnvironment { accounts: vec![account], ..AwsEnvironment::default() };
    let together = AwsAnalysis::new(environment.clone());
    let names = ["alice", "bob", "carol", "dave"];
    let arn = |name: &str| format!("arn:aws:iam::{A}:user/{name}");
    let asked_together: Vec<_> = names
        .iter()
        .map(|n| together.effective_permissions(&arn(n), &WhatCanFilter::default()).expect("what-can"))
        .collect();
    for (name, grants) in names.iter().zip(&asked_together) {
        let alone = AwsAnalysis::new(environment.clone())
            .effective_permissions(&arn(name), &WhatCanFilter::default())
            .expect("what-can");
        assert_eq!(grants, &alone, "{name}: asked after the others, and alone");
    }
    // The answers differ where the principals do.
    let can = |name: &str, action: &str, resource: &str| -> Option<String> {
        let permissions = together.what_can(&arn(name), &WhatCanFilter::default()).expect("what-can");
        let permission = permissions.iter().find(|p| p.action == action)?;
        let (_, access) = permission.resources.iter().find(|(r, _)| r == resource)?;
        Some(match access {
            Access::Allowed => "allowed".to_owned(),
            Access::Conditional(conditions) => {
                conditions.iter().map(|c| c.source.to_string()).collect::<Vec<_>>().join(";")
            }
        })
    };
    assert_eq!(can("alice", "s3:GetObject", "arn:aws:s3:::shared/*").as_deref(), Some("allowed"));
    assert_eq!(can("bob", "s3:GetObject", "arn:aws:s3:::shared/*"), None);
    assert_eq!(can("dave", "s3:GetObject", "arn:aws:s3:::shared/*"), None);
    assert_eq!(can("carol", "s3:GetObject", "arn:aws:s3:::shared/*").as_deref(), Some("allowed"));
    let via_group = can("carol", "sqs:SendMessage", "*").expect("carol, conditionally");
    assert!(via_group.contains("(group devs)"), "{via_group}");
    let direct = can("alice", "sqs:SendMessage", "*").expect("alice, conditionally");
    assert!(!direct.contains("group"), "{direct}");
    // `data-${aws:username}/*` names each user's own bucket.
    assert_eq!(can("alice", "s3:PutObject", "arn:aws:s3:::data-alice/*").as_deref(), Some("allowed"));
    assert_eq!(can("bob", "s3:PutObject", "arn:aws:s3:::data-bob/*").as_deref(), Some("allowed"));
    assert_eq!(can("bob", "s3:PutObject", "arn:aws:s3:::data-alice/*"), None);
}

/// Who-can decides once the principals that only a resource policy lets in and that it reads
/// alike, and shares the answer: principals whose tags its condition reads, and principals
/// whose own policies deny one of the actions, get their own answers, which are the ones
/// `explain` gives. (Ten of each kind, interleaved, so that every core meets every kind.)
#[test]
fn who_can_shares_an_answer_only_among_principals_a_resource_policy_reads_alike() {
    let queue = format!("arn:aws:sqs:us-east-1:{A}:jobs");
    let queue_policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[
            {{"Sid":"Anyone","Effect":"Allow","Principal":"*","Action":["sqs:DeleteMessage","sqs:SendMessage"],"Resource":"{queue}"}},
            {{"Sid":"BlueTeam","Effect":"Allow","Principal":"*","Action":"sqs:ReceiveMessage","Resource":"{queue}","Condition":{{"StringEquals":{{"aws:PrincipalTag/team":"blue"}}}}}}]}}"#
    );
    let deny = |name: &str, actions: &str| {
        vec![inline(
            name,
            &format!(
                r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Deny","Action":"{actions}","Resource":"*"}}}}"#
            ),
        )]
    };
    let mut users = Vec::new();
    for i in 0..10 {
        users.push(user(&format!("plain{i}"), &[], None));
        users.push(user(&format!("blue{i}"), &[("team", "blue")], None));
        users.push(User {
            inline_policies: deny("no-deletes", "sqs:Delete*"),
            ..user(&format!("refuser{i}"), &[], None)
        });
        users.push(User { inline_policies: deny("no-s3", "s3:*"), ..user(&format!("other{i}"), &[], None) });
    }
    let account = Account {
        id: A.into(),
        users,
        resources: vec![resource(queue.clone(), &queue_policy)],
        iam_collected: true,
        ..Account::default()
    };
    let analysis = AwsAnalysis::new(AwsEnvironment { accounts: vec![account], ..AwsEnvironment::default() });
    // The kinds of user (the name less its number) that hold `action`, each checked against
    // `explain`.
    let kinds = |action: &str| -> Vec<String> {
        let holders = who_can_as_explained(&analysis, action, &queue);
        // The principals of the account (not anyone, whom the policy lets in too).
        let mut kinds: Vec<String> = holders
            .iter()
            .filter(|h| h.principal.id.starts_with(&format!("arn:aws:iam::{A}:")))
            .filter_map(|h| h.principal.id.rsplit('/').next())
            .map(|name| name.trim_end_matches(|c: char| c.is_ascii_digit()).to_owned())
            .collect();
        kinds.sort();
        kinds.dedup();
        kinds
    };
    assert_eq!(kinds("sqs:DeleteMessage"), ["blue", "other", "plain"]);
    assert_eq!(kinds("sqs:SendMessage"), ["blue", "other", "plain", "refuser"]);
    assert_eq!(kinds("sqs:ReceiveMessage"), ["blue"]);
}

/// A principal of another account can act on a resource only when the resource's policy
/// names it, its account or anyone: who-can finds those its policy names by account, and no
/// others, and every answer is the one `explain` gives.
#[test]
fn who_can_finds_other_accounts_principals_only_through_the_resource_policy() {
    const B: &str = "222233334444";
    const C: &str = "555566667777";
    let queue = format!("arn:aws:sqs:us-east-1:{A}:shared");
    let queue_policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[
            {{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{B}:root"}},"Action":"sqs:SendMessage","Resource":"{queue}"}},
            {{"Effect":"Allow","Principal":{{"AWS":"{C}"}},"Action":"sqs:ReceiveMessage","Resource":"{queue}"}}]}}"#
    );
    let senders = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sqs:*","Resource":"*"}}"#;
    let account = |id: &str, resources: Vec<Resource>| Account {
        id: id.into(),
        users: vec![
            User {
                arn: format!("arn:aws:iam::{id}:user/sender"),
                name: "sender".into(),
                inline_policies: vec![inline("sqs", senders)],
                ..User::default()
            },
            User { arn: format!("arn:aws:iam::{id}:user/idle"), name: "idle".into(), ..User::default() },
        ],
        resources,
        iam_collected: true,
        ..Account::default()
    };
    let analysis = AwsAnalysis::new(AwsEnvironment {
        accounts: vec![
            account(A, vec![resource(queue.clone(), &queue_policy)]),
            account(B, Vec::new()),
            account(C, Vec::new()),
        ],
        ..AwsEnvironment::default()
    });
    let holders = |action: &str| -> Vec<String> {
        let holders = who_can_as_explained(&analysis, action, &queue);
        let mut ids: Vec<String> = holders
            .iter()
            .filter(|h| h.principal.kind == PrincipalKind::User)
            .map(|h| h.principal.id.clone())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(
        holders("sqs:SendMessage"),
        [format!("arn:aws:iam::{A}:user/sender"), format!("arn:aws:iam::{B}:user/sender")]
    );
    assert_eq!(
        holders("sqs:ReceiveMessage"),
        [format!("arn:aws:iam::{A}:user/sender"), format!("arn:aws:iam::{C}:user/sender")]
    );
    assert_eq!(holders("sqs:DeleteMessage"), [format!("arn:aws:iam::{A}:user/sender")]);
}
