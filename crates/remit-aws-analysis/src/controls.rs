//! Controls outside the policy language that widen or narrow who gets in: S3 Block Public
//! Access, S3 bucket ACLs and KMS grants. Policies alone would report a bucket whose public
//! policy Block Public Access neutralises as public, and miss a bucket made public by its ACL
//! or a key opened by a grant; these rules correct both.

use remit_aws_import::{Account, AclGrant, KmsGrant, Resource};
use remit_aws_policy::{Effect, Policy, PrincipalType, Principals};

/// What a resource's controls say, gathered once per query.
#[derive(Debug, Clone, Default)]
pub(crate) struct Controls {
    /// Block Public Access `RestrictPublicBuckets` (bucket or account level) on a bucket whose
    /// policy is public: only the owner account's principals and AWS services get in.
    pub(crate) restricted: bool,
    /// Public ACL grants that count (`IgnorePublicAcls` off at both levels).
    pub(crate) public_acl_grants: Vec<AclGrant>,
    /// KMS grants on a key.
    pub(crate) kms_grants: Vec<KmsGrant>,
}

const ALL_USERS: &str = "Group:http://acs.amazonaws.com/groups/global/AllUsers";
const AUTHENTICATED_USERS: &str = "Group:http://acs.amazonaws.com/groups/global/AuthenticatedUsers";

impl Controls {
    pub(crate) fn of(account: &Account, resource: &Resource) -> Controls {
        let mut out = Controls::default();
        if resource.service == "s3" {
            // "Amazon S3 applies the most restrictive combination of the access point, bucket
            // and account settings."
            // https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
            let bucket = resource.public_access_block.unwrap_or_default();
            let account_level = account.s3_public_access_block.unwrap_or_default();
            let restrict = bucket.restrict_public_buckets || account_level.restrict_public_buckets;
            let ignore_acls = bucket.ignore_public_acls || account_level.ignore_public_acls;
            // RestrictPublicBuckets "restricts access to an access point or bucket with a
            // public policy to only AWS service principals and authorized users within the
            // bucket owner's account" (same page).
            out.restricted = restrict && resource.policy.as_ref().is_some_and(is_public);
            if !ignore_acls {
                out.public_acl_grants = resource
                    .acl_grants
                    .iter()
                    .filter(|g| g.grantee == ALL_USERS || g.grantee == AUTHENTICATED_USERS)
                    .cloned()
                    .collect();
            }
        }
        if resource.service == "kms" {
            out.kms_grants = resource.kms_grants.clone();
        }
        out
    }
}

/// Whether a bucket policy is *public* as Block Public Access judges it: an `Allow` to `*`
/// not limited by a fixed value of one of the keys AWS lists.
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status>
pub(crate) fn is_public(policy: &Policy) -> bool {
    const FIXING_KEYS: &[&str] = &[
        "aws:sourcearn",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:sourceaccount",
        "aws:sourceowner",
        "aws:sourceip",
        "aws:userid",
        "aws:principalarn",
        "aws:principalaccount",
        "aws:principalorgid",
        "s3:dataaccesspointarn",
        "s3:dataaccesspointaccount",
    ];
    policy.statements.iter().filter(|st| st.effect == Effect::Allow).any(|st| {
        let to_everyone = match &st.principal {
            Some(p) if !p.negated => match &p.values {
                Principals::Everyone => true,
                Principals::Typed(typed) => {
                    typed.iter().any(|(kind, values)| *kind == PrincipalType::Aws && values.iter().any(|v| v == "*"))
                }
            },
            _ => false,
        };
        let fixed = st.conditions.iter().any(|c| {
            let key = c.key.to_ascii_lowercase();
            let operator = c.operator.to_ascii_lowercase();
            FIXING_KEYS.contains(&key.as_str())
                && !operator.contains("not")
                && !operator.contains("ifexists")
                && c.values.iter().all(|v| !v.contains('*') && !v.contains('?') && !v.ends_with("/0"))
        });
        to_everyone && !fixed
    })
}

/// The S3 actions an ACL permission grants, on the bucket (`object == false`) or its objects.
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/acl-overview.html#permissions>
pub(crate) fn acl_actions(permission: &str, object: bool) -> &'static [&'static str] {
    match (permission, object) {
        ("READ", false) => &["s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"],
        ("WRITE", true) => &["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"],
        ("READ_ACP", false) => &["s3:GetBucketAcl"],
        ("WRITE_ACP", false) => &["s3:PutBucketAcl"],
        ("FULL_CONTROL", false) => &[
            "s3:ListBucket",
            "s3:ListBucketVersions",
            "s3:ListBucketMultipartUploads",
            "s3:GetBucketAcl",
            "s3:PutBucketAcl",
        ],
        ("FULL_CONTROL", true) => &["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"],
        _ => &[],
    }
}

/// Whether an ACL grant is to everyone (`AllUsers`) rather than any authenticated AWS user.
pub(crate) fn to_all_users(grant: &AclGrant) -> bool {
    grant.grantee == ALL_USERS
}

/// Whether a KMS grant allows `action` (`kms:Decrypt` for the `Decrypt` operation).
/// <https://docs.aws.amazon.com/kms/latest/developerguide/grants.html#terms-grant-operations>
pub(crate) fn grant_allows(grant: &KmsGrant, action: &str) -> bool {
    action.split_once(':').is_some_and(|(service, name)| {
        service.eq_ignore_ascii_case("kms") && grant.operations.iter().any(|o| o.eq_ignore_ascii_case(name))
    })
}
