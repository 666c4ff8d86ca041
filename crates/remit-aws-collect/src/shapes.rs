//! The SDK's typed outputs back to the JSON the AWS CLI prints for the same command.
//!
//! Member names and order are the service model's (which is what botocore parses into and the
//! CLI prints); members AWS did not send are left out; paginated results are the CLI's merge of
//! all pages (the result lists concatenated, the pagination tokens dropped).

use serde_json::{Value, json};

use crate::json::{Obj, iam_document};

/// `{"KEY": [items...]}`, the CLI's output of a paginated list command.
pub(crate) fn list_of<T>(key: &str, items: &[T], f: impl Fn(&T) -> Value) -> Value {
    Obj::new().v(key, Value::Array(items.iter().map(f).collect())).build()
}

pub(crate) mod iam {
    use aws_sdk_iam::{
        operation::get_account_authorization_details::GetAccountAuthorizationDetailsOutput,
        types::{
            AttachedPermissionsBoundary, AttachedPolicy, GroupDetail, InstanceProfile, ManagedPolicyDetail,
            PolicyDetail, PolicyVersion, Role, RoleDetail, RoleLastUsed, Tag, UserDetail,
        },
    };

    use super::*;

    /// `aws iam get-account-authorization-details`: the four result lists of every page,
    /// concatenated; a list no page carried is left out, as botocore's merge leaves it out.
    pub(crate) fn authorization_details(pages: &[GetAccountAuthorizationDetailsOutput]) -> Value {
        fn merged<'a, T: 'a>(lists: impl Iterator<Item = Option<&'a Vec<T>>>) -> Option<Vec<&'a T>> {
            let mut out: Option<Vec<&T>> = None;
            for list in lists.flatten() {
                out.get_or_insert_with(Vec::new).extend(list.iter());
            }
            out
        }
        let users = merged(pages.iter().map(|p| p.user_detail_list.as_ref()));
        let groups = merged(pages.iter().map(|p| p.group_detail_list.as_ref()));
        let roles = merged(pages.iter().map(|p| p.role_detail_list.as_ref()));
        let policies = merged(pages.iter().map(|p| p.policies.as_ref()));
        Obj::new()
            .v("UserDetailList", users.map(|items| Value::Array(items.into_iter().map(user_detail).collect())))
            .v("GroupDetailList", groups.map(|items| Value::Array(items.into_iter().map(group_detail).collect())))
            .v("RoleDetailList", roles.map(|items| Value::Array(items.into_iter().map(role_detail).collect())))
            .v("Policies", policies.map(|items| Value::Array(items.into_iter().map(managed_policy).collect())))
            .build()
    }

    fn user_detail(u: &UserDetail) -> Value {
        Obj::new()
            .os("Path", &u.path)
            .os("UserName", &u.user_name)
            .os("UserId", &u.user_id)
            .os("Arn", &u.arn)
            .t("CreateDate", u.create_date.as_ref())
            .list("UserPolicyList", u.user_policy_list.as_deref(), policy_detail)
            .strs("GroupList", u.group_list.as_deref(), String::as_str)
            .list("AttachedManagedPolicies", u.attached_managed_policies.as_deref(), attached_policy)
            .v("PermissionsBoundary", u.permissions_boundary.as_ref().map(boundary))
            .list("Tags", u.tags.as_deref(), tag)
            .build()
    }

    fn group_detail(g: &GroupDetail) -> Value {
        Obj::new()
            .os("Path", &g.path)
            .os("GroupName", &g.group_name)
            .os("GroupId", &g.group_id)
            .os("Arn", &g.arn)
            .t("CreateDate", g.create_date.as_ref())
            .list("GroupPolicyList", g.group_policy_list.as_deref(), policy_detail)
            .list("AttachedManagedPolicies", g.attached_managed_policies.as_deref(), attached_policy)
            .build()
    }

    fn role_detail(r: &RoleDetail) -> Value {
        Obj::new()
            .os("Path", &r.path)
            .os("RoleName", &r.role_name)
            .os("RoleId", &r.role_id)
            .os("Arn", &r.arn)
            .t("CreateDate", r.create_date.as_ref())
            .v("AssumeRolePolicyDocument", iam_document(r.assume_role_policy_document.as_deref()))
            .list("InstanceProfileList", r.instance_profile_list.as_deref(), instance_profile)
            .list("RolePolicyList", r.role_policy_list.as_deref(), policy_detail)
            .list("AttachedManagedPolicies", r.attached_managed_policies.as_deref(), attached_policy)
            .v("PermissionsBoundary", r.permissions_boundary.as_ref().map(boundary))
            .list("Tags", r.tags.as_deref(), tag)
            .v("RoleLastUsed", r.role_last_used.as_ref().map(role_last_used))
            .build()
    }

    fn managed_policy(p: &ManagedPolicyDetail) -> Value {
        Obj::new()
            .os("PolicyName", &p.policy_name)
            .os("PolicyId", &p.policy_id)
            .os("Arn", &p.arn)
            .os("Path", &p.path)
            .os("DefaultVersionId", &p.default_version_id)
            .i("AttachmentCount", p.attachment_count.map(i64::from))
            .i("PermissionsBoundaryUsageCount", p.permissions_boundary_usage_count.map(i64::from))
            .b("IsAttachable", p.is_attachable)
            .os("Description", &p.description)
            .t("CreateDate", p.create_date.as_ref())
            .t("UpdateDate", p.update_date.as_ref())
            .list("PolicyVersionList", p.policy_version_list.as_deref(), policy_version)
            .build()
    }

    fn policy_version(v: &PolicyVersion) -> Value {
        Obj::new()
            .v("Document", iam_document(v.document.as_deref()))
            .os("VersionId", &v.version_id)
            .b("IsDefaultVersion", v.is_default_version)
            .t("CreateDate", v.create_date.as_ref())
            .build()
    }

    fn policy_detail(p: &PolicyDetail) -> Value {
        Obj::new()
            .os("PolicyName", &p.policy_name)
            .v("PolicyDocument", iam_document(p.policy_document.as_deref()))
            .build()
    }

    fn attached_policy(p: &AttachedPolicy) -> Value {
        Obj::new().os("PolicyName", &p.policy_name).os("PolicyArn", &p.policy_arn).build()
    }

    fn boundary(b: &AttachedPermissionsBoundary) -> Value {
        Obj::new()
            .s("PermissionsBoundaryType", b.permissions_boundary_type.as_ref().map(|t| t.as_str()))
            .os("PermissionsBoundaryArn", &b.permissions_boundary_arn)
            .build()
    }

    fn tag(t: &Tag) -> Value {
        Obj::new().s("Key", t.key.as_str()).s("Value", t.value.as_str()).build()
    }

    fn role_last_used(r: &RoleLastUsed) -> Value {
        Obj::new().t("LastUsedDate", r.last_used_date.as_ref()).os("Region", &r.region).build()
    }

    fn instance_profile(p: &InstanceProfile) -> Value {
        Obj::new()
            .s("Path", p.path.as_str())
            .s("InstanceProfileName", p.instance_profile_name.as_str())
            .s("InstanceProfileId", p.instance_profile_id.as_str())
            .s("Arn", p.arn.as_str())
            .t("CreateDate", Some(&p.create_date))
            .list("Roles", Some(&p.roles), role)
            .list("Tags", p.tags.as_deref(), tag)
            .build()
    }

    fn role(r: &Role) -> Value {
        Obj::new()
            .s("Path", r.path.as_str())
            .s("RoleName", r.role_name.as_str())
            .s("RoleId", r.role_id.as_str())
            .s("Arn", r.arn.as_str())
            .t("CreateDate", Some(&r.create_date))
            .v("AssumeRolePolicyDocument", iam_document(r.assume_role_policy_document.as_deref()))
            .os("Description", &r.description)
            .i("MaxSessionDuration", r.max_session_duration.map(i64::from))
            .v("PermissionsBoundary", r.permissions_boundary.as_ref().map(boundary))
            .list("Tags", r.tags.as_deref(), tag)
            .v("RoleLastUsed", r.role_last_used.as_ref().map(role_last_used))
            .build()
    }
}

pub(crate) mod organizations {
    use aws_sdk_organizations::types::{
        Account, Organization, OrganizationalUnit, Policy, PolicySummary, PolicyTargetSummary, PolicyTypeSummary, Root,
    };

    use super::*;

    /// `aws organizations describe-organization`.
    pub(crate) fn describe_organization(o: Option<&Organization>) -> Value {
        let org = o.map(|o| {
            Obj::new()
                .os("Id", &o.id)
                .os("Arn", &o.arn)
                .s("FeatureSet", o.feature_set.as_ref().map(|f| f.as_str()))
                .os("MasterAccountArn", &o.master_account_arn)
                .os("MasterAccountId", &o.master_account_id)
                .os("MasterAccountEmail", &o.master_account_email)
                .list("AvailablePolicyTypes", o.available_policy_types.as_deref(), policy_type)
                .build()
        });
        Obj::new().v("Organization", org).build()
    }

    fn policy_type(p: &PolicyTypeSummary) -> Value {
        Obj::new()
            .s("Type", p.r#type.as_ref().map(|t| t.as_str()))
            .s("Status", p.status.as_ref().map(|s| s.as_str()))
            .build()
    }

    pub(crate) fn root(r: &Root) -> Value {
        Obj::new()
            .os("Id", &r.id)
            .os("Arn", &r.arn)
            .os("Name", &r.name)
            .list("PolicyTypes", r.policy_types.as_deref(), policy_type)
            .build()
    }

    pub(crate) fn organizational_unit(u: &OrganizationalUnit) -> Value {
        Obj::new().os("Id", &u.id).os("Arn", &u.arn).os("Name", &u.name).os("Path", &u.path).build()
    }

    pub(crate) fn account(a: &Account) -> Value {
        Obj::new()
            .os("Id", &a.id)
            .os("Arn", &a.arn)
            .os("Email", &a.email)
            .os("Name", &a.name)
            .s("Status", a.status.as_ref().map(|s| s.as_str()))
            .s("State", a.state.as_ref().map(|s| s.as_str()))
            .strs("Paths", a.paths.as_deref(), String::as_str)
            .s("JoinedMethod", a.joined_method.as_ref().map(|m| m.as_str()))
            .t("JoinedTimestamp", a.joined_timestamp.as_ref())
            .build()
    }

    pub(crate) fn policy_summary(p: &PolicySummary) -> Value {
        Obj::new()
            .os("Id", &p.id)
            .os("Arn", &p.arn)
            .os("Name", &p.name)
            .os("Description", &p.description)
            .s("Type", p.r#type.as_ref().map(|t| t.as_str()))
            .b("AwsManaged", p.aws_managed)
            .build()
    }

    /// `aws organizations describe-policy`.
    pub(crate) fn describe_policy(p: Option<&Policy>) -> Value {
        let policy = p.map(|p| {
            Obj::new()
                .v("PolicySummary", p.policy_summary.as_ref().map(policy_summary))
                .os("Content", &p.content)
                .build()
        });
        Obj::new().v("Policy", policy).build()
    }

    pub(crate) fn target(t: &PolicyTargetSummary) -> Value {
        Obj::new()
            .os("TargetId", &t.target_id)
            .os("Arn", &t.arn)
            .os("Name", &t.name)
            .s("Type", t.r#type.as_ref().map(|t| t.as_str()))
            .build()
    }
}

pub(crate) mod s3 {
    use aws_sdk_s3::{
        operation::get_bucket_acl::GetBucketAclOutput,
        types::{Grant, Owner, PublicAccessBlockConfiguration},
    };

    use super::*;

    /// `aws s3api get-bucket-policy`.
    pub(crate) fn bucket_policy(policy: Option<&str>) -> Value {
        Obj::new().s("Policy", policy).build()
    }

    /// `aws s3api get-public-access-block`.
    pub(crate) fn public_access_block(c: Option<&PublicAccessBlockConfiguration>) -> Value {
        let config = c.map(|c| {
            Obj::new()
                .b("BlockPublicAcls", c.block_public_acls)
                .b("IgnorePublicAcls", c.ignore_public_acls)
                .b("BlockPublicPolicy", c.block_public_policy)
                .b("RestrictPublicBuckets", c.restrict_public_buckets)
                .build()
        });
        Obj::new().v("PublicAccessBlockConfiguration", config).build()
    }

    /// `aws s3api get-bucket-acl`.
    pub(crate) fn bucket_acl(acl: &GetBucketAclOutput) -> Value {
        Obj::new().v("Owner", acl.owner.as_ref().map(owner)).list("Grants", acl.grants.as_deref(), grant).build()
    }

    fn owner(o: &Owner) -> Value {
        Obj::new().os("DisplayName", &o.display_name).os("ID", &o.id).build()
    }

    fn grant(g: &Grant) -> Value {
        let grantee = g.grantee.as_ref().map(|g| {
            Obj::new()
                .os("DisplayName", &g.display_name)
                .os("EmailAddress", &g.email_address)
                .os("ID", &g.id)
                .s("Type", g.r#type.as_str())
                .os("URI", &g.uri)
                .build()
        });
        Obj::new().v("Grantee", grantee).s("Permission", g.permission.as_ref().map(|p| p.as_str())).build()
    }
}

pub(crate) mod kms {
    use aws_sdk_kms::types::{GrantListEntry, KeyMetadata, MultiRegionKey};

    use super::*;

    /// `aws kms get-key-policy --policy-name default`.
    pub(crate) fn key_policy(policy: Option<&str>, name: Option<&str>) -> Value {
        Obj::new().s("Policy", policy).s("PolicyName", name).build()
    }

    pub(crate) fn grant(g: &GrantListEntry) -> Value {
        let constraints = g.constraints.as_ref().map(|c| {
            Obj::new()
                .map("EncryptionContextSubset", c.encryption_context_subset.as_ref())
                .map("EncryptionContextEquals", c.encryption_context_equals.as_ref())
                .os("SourceArn", &c.source_arn)
                .build()
        });
        Obj::new()
            .os("KeyId", &g.key_id)
            .os("GrantId", &g.grant_id)
            .os("Name", &g.name)
            .t("CreationDate", g.creation_date.as_ref())
            .os("GranteePrincipal", &g.grantee_principal)
            .os("RetiringPrincipal", &g.retiring_principal)
            .os("IssuingAccount", &g.issuing_account)
            .strs("Operations", g.operations.as_deref(), |o| o.as_str())
            .v("Constraints", constraints)
            .os("GranteeServicePrincipal", &g.grantee_service_principal)
            .os("RetiringServicePrincipal", &g.retiring_service_principal)
            .build()
    }

    /// `aws kms describe-key`. `CustomerMasterKeySpec` is deprecated but AWS still sends it, so
    /// the CLI still prints it.
    #[allow(deprecated)]
    pub(crate) fn describe_key(k: Option<&KeyMetadata>) -> Value {
        let metadata = k.map(|k| {
            let multi_region = k.multi_region_configuration.as_ref().map(|m| {
                Obj::new()
                    .s("MultiRegionKeyType", m.multi_region_key_type.as_ref().map(|t| t.as_str()))
                    .v("PrimaryKey", m.primary_key.as_ref().map(region_key))
                    .list("ReplicaKeys", m.replica_keys.as_deref(), region_key)
                    .build()
            });
            Obj::new()
                .os("AWSAccountId", &k.aws_account_id)
                .s("KeyId", k.key_id.as_str())
                .os("Arn", &k.arn)
                .t("CreationDate", k.creation_date.as_ref())
                .b("Enabled", k.enabled)
                .os("Description", &k.description)
                .s("KeyUsage", k.key_usage.as_ref().map(|u| u.as_str()))
                .s("KeyState", k.key_state.as_ref().map(|s| s.as_str()))
                .t("DeletionDate", k.deletion_date.as_ref())
                .t("ValidTo", k.valid_to.as_ref())
                .s("Origin", k.origin.as_ref().map(|o| o.as_str()))
                .os("CustomKeyStoreId", &k.custom_key_store_id)
                .os("CloudHsmClusterId", &k.cloud_hsm_cluster_id)
                .s("ExpirationModel", k.expiration_model.as_ref().map(|m| m.as_str()))
                .s("KeyManager", k.key_manager.as_ref().map(|m| m.as_str()))
                .s("CustomerMasterKeySpec", k.customer_master_key_spec.as_ref().map(|s| s.as_str()))
                .s("KeySpec", k.key_spec.as_ref().map(|s| s.as_str()))
                .strs("EncryptionAlgorithms", k.encryption_algorithms.as_deref(), |a| a.as_str())
                .strs("SigningAlgorithms", k.signing_algorithms.as_deref(), |a| a.as_str())
                .strs("KeyAgreementAlgorithms", k.key_agreement_algorithms.as_deref(), |a| a.as_str())
                .strs("EncapsulationAlgorithms", k.encapsulation_algorithms.as_deref(), |a| a.as_str())
                .b("MultiRegion", k.multi_region)
                .v("MultiRegionConfiguration", multi_region)
                .i("PendingDeletionWindowInDays", k.pending_deletion_window_in_days.map(i64::from))
                .strs("MacAlgorithms", k.mac_algorithms.as_deref(), |a| a.as_str())
                .v("XksKeyConfiguration", k.xks_key_configuration.as_ref().map(|x| Obj::new().os("Id", &x.id).build()))
                .os("CurrentKeyMaterialId", &k.current_key_material_id)
                .build()
        });
        Obj::new().v("KeyMetadata", metadata).build()
    }

    fn region_key(k: &MultiRegionKey) -> Value {
        Obj::new().os("Arn", &k.arn).os("Region", &k.region).build()
    }
}

/// `aws sqs get-queue-attributes` / `aws sns get-topic-attributes`: `{"Attributes": {...}}`,
/// in the order given (SQS: the order asked for; SNS: sorted, the SDK keeps no order).
pub(crate) fn attributes(pairs: Vec<(String, String)>) -> Value {
    let map = pairs.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
    Obj::new().v("Attributes", Value::Object(map)).build()
}

/// `aws lambda get-policy`.
pub(crate) fn lambda_policy(policy: Option<&str>, revision_id: Option<&str>) -> Value {
    Obj::new().s("Policy", policy).s("RevisionId", revision_id).build()
}

/// `aws lambda list-functions`, every page merged, without what the bundle must not hold or
/// does not need: `Environment` (its variables often hold secrets), and the code's storage,
/// network, layers, logging and signing configuration. What remains is the function's
/// identity, the role it runs as and its runtime.
pub(crate) fn lambda_functions(functions: &[aws_sdk_lambda::types::FunctionConfiguration]) -> Value {
    list_of("Functions", functions, |f| {
        Obj::new()
            .os("FunctionName", &f.function_name)
            .os("FunctionArn", &f.function_arn)
            .s("Runtime", f.runtime.as_ref().map(|r| r.as_str()))
            .os("Role", &f.role)
            .os("Handler", &f.handler)
            .i("CodeSize", f.code_size)
            .os("Description", &f.description)
            .i("Timeout", f.timeout.map(i64::from))
            .i("MemorySize", f.memory_size.map(i64::from))
            .os("LastModified", &f.last_modified)
            .os("CodeSha256", &f.code_sha256)
            .os("Version", &f.version)
            .os("RevisionId", &f.revision_id)
            .s("PackageType", f.package_type.as_ref().map(|p| p.as_str()))
            .strs("Architectures", f.architectures.as_deref(), |a| a.as_str())
            .build()
    })
}

/// `aws secretsmanager get-resource-policy`.
pub(crate) fn secret_policy(arn: Option<&str>, name: Option<&str>, policy: Option<&str>) -> Value {
    Obj::new().s("ARN", arn).s("Name", name).s("ResourcePolicy", policy).build()
}

pub(crate) mod sso {
    use aws_sdk_ssoadmin::types::{
        AccountAssignment, AttachedManagedPolicy, CustomerManagedPolicyReference, InstanceMetadata, PermissionSet,
        PermissionsBoundary,
    };

    use super::*;

    pub(crate) fn instance(i: &InstanceMetadata) -> Value {
        Obj::new()
            .os("InstanceArn", &i.instance_arn)
            .os("IdentityStoreId", &i.identity_store_id)
            .os("IdentityStoreArn", &i.identity_store_arn)
            .os("OwnerAccountId", &i.owner_account_id)
            .os("Name", &i.name)
            .t("CreatedDate", i.created_date.as_ref())
            .s("Status", i.status.as_ref().map(|s| s.as_str()))
            .os("StatusReason", &i.status_reason)
            .os("PrimaryRegion", &i.primary_region)
            .build()
    }

    /// `aws sso-admin describe-permission-set`.
    pub(crate) fn describe_permission_set(p: Option<&PermissionSet>) -> Value {
        let set = p.map(|p| {
            Obj::new()
                .os("Name", &p.name)
                .os("PermissionSetArn", &p.permission_set_arn)
                .os("Description", &p.description)
                .t("CreatedDate", p.created_date.as_ref())
                .os("SessionDuration", &p.session_duration)
                .os("RelayState", &p.relay_state)
                .build()
        });
        Obj::new().v("PermissionSet", set).build()
    }

    /// `aws sso-admin get-inline-policy-for-permission-set`.
    pub(crate) fn inline_policy(policy: Option<&str>) -> Value {
        Obj::new().s("InlinePolicy", policy).build()
    }

    pub(crate) fn managed_policy(p: &AttachedManagedPolicy) -> Value {
        Obj::new().os("Name", &p.name).os("Arn", &p.arn).build()
    }

    pub(crate) fn customer_managed_reference(r: &CustomerManagedPolicyReference) -> Value {
        Obj::new().s("Name", r.name.as_str()).os("Path", &r.path).build()
    }

    /// `aws sso-admin get-permissions-boundary-for-permission-set`.
    pub(crate) fn permissions_boundary(b: Option<&PermissionsBoundary>) -> Value {
        let boundary = b.map(|b| {
            Obj::new()
                .v(
                    "CustomerManagedPolicyReference",
                    b.customer_managed_policy_reference.as_ref().map(customer_managed_reference),
                )
                .os("ManagedPolicyArn", &b.managed_policy_arn)
                .build()
        });
        Obj::new().v("PermissionsBoundary", boundary).build()
    }

    pub(crate) fn account_assignment(a: &AccountAssignment) -> Value {
        Obj::new()
            .os("AccountId", &a.account_id)
            .os("PermissionSetArn", &a.permission_set_arn)
            .s("PrincipalType", a.principal_type.as_ref().map(|t| t.as_str()))
            .os("PrincipalId", &a.principal_id)
            .build()
    }
}

pub(crate) mod identitystore {
    use aws_sdk_identitystore::types::{
        Address, Email, ExternalId, Group, GroupMembership, MemberId, Name, PhoneNumber, User,
    };

    use super::*;

    fn external_id(e: &ExternalId) -> Value {
        Obj::new().s("Issuer", e.issuer.as_str()).s("Id", e.id.as_str()).build()
    }

    fn name(n: &Name) -> Value {
        Obj::new()
            .os("Formatted", &n.formatted)
            .os("FamilyName", &n.family_name)
            .os("GivenName", &n.given_name)
            .os("MiddleName", &n.middle_name)
            .os("HonorificPrefix", &n.honorific_prefix)
            .os("HonorificSuffix", &n.honorific_suffix)
            .build()
    }

    fn email(e: &Email) -> Value {
        Obj::new().os("Value", &e.value).os("Type", &e.r#type).b("Primary", e.primary).build()
    }

    fn address(a: &Address) -> Value {
        Obj::new()
            .os("StreetAddress", &a.street_address)
            .os("Locality", &a.locality)
            .os("Region", &a.region)
            .os("PostalCode", &a.postal_code)
            .os("Country", &a.country)
            .os("Formatted", &a.formatted)
            .os("Type", &a.r#type)
            .b("Primary", a.primary)
            .build()
    }

    fn phone(p: &PhoneNumber) -> Value {
        Obj::new().os("Value", &p.value).os("Type", &p.r#type).b("Primary", p.primary).build()
    }

    /// One entry of `aws identitystore list-users`. Only what identifies a user and what
    /// IAM Identity Center decides on is kept; photos, roles and extensions are left out.
    pub(crate) fn user(u: &User) -> Value {
        Obj::new()
            .s("IdentityStoreId", u.identity_store_id.as_str())
            .s("UserId", u.user_id.as_str())
            .os("UserName", &u.user_name)
            .list("ExternalIds", u.external_ids.as_deref(), external_id)
            .v("Name", u.name.as_ref().map(name))
            .os("DisplayName", &u.display_name)
            .os("NickName", &u.nick_name)
            .os("ProfileUrl", &u.profile_url)
            .list("Emails", u.emails.as_deref(), email)
            .list("Addresses", u.addresses.as_deref(), address)
            .list("PhoneNumbers", u.phone_numbers.as_deref(), phone)
            .os("UserType", &u.user_type)
            .os("Title", &u.title)
            .os("PreferredLanguage", &u.preferred_language)
            .os("Locale", &u.locale)
            .os("Timezone", &u.timezone)
            .s("UserStatus", u.user_status.as_ref().map(|s| s.as_str()))
            .build()
    }

    pub(crate) fn group(g: &Group) -> Value {
        Obj::new()
            .s("GroupId", g.group_id.as_str())
            .os("DisplayName", &g.display_name)
            .list("ExternalIds", g.external_ids.as_deref(), external_id)
            .os("Description", &g.description)
            .s("IdentityStoreId", g.identity_store_id.as_str())
            .build()
    }

    pub(crate) fn membership(m: &GroupMembership) -> Value {
        let member = match &m.member_id {
            Some(MemberId::UserId(id)) => Some(json!({ "UserId": id })),
            _ => None,
        };
        Obj::new()
            .s("IdentityStoreId", m.identity_store_id.as_str())
            .s("MembershipId", m.membership_id.as_str())
            .os("GroupId", &m.group_id)
            .v("MemberId", member)
            .build()
    }
}
