//! Whole bundles: the organization, accounts with every kind of resource file, credential
//! reports and IAM Identity Center, each file in the exact shape the AWS CLI writes.

use std::path::Path;

use remit_aws_import::{
    AclGrant, AwsEnvironment, KmsGrant, LoadError, OrgNodeKind, OrgPolicyType, PublicAccessBlock, load,
};
use remit_aws_policy::Effect;
use serde_json::{Value, json};

use crate::support::{ACCOUNT, TempDir, authorization_details, describe};

const MEMBER: &str = "222222222222";
const ORG_ONLY: &str = "333333333333";
const KEY_ID: &str = "1234abcd-12ab-34cd-56ef-1234567890ab";
const AWS_KEY_ID: &str = "0987dcba-09fe-87dc-65ba-ab0987654321";
const INSTANCE_ARN: &str = "arn:aws:sso:::instance/ssoins-1111111111111111";
const PS_ID: &str = "ps-2222222222222222";

fn ps_arn() -> String {
    format!("arn:aws:sso:::permissionSet/ssoins-1111111111111111/{PS_ID}")
}

/// A resource policy document as the services return it: a JSON string.
fn policy_text(principal: Value, action: &str, resource: &str) -> String {
    serde_json::to_string_pretty(&json!({
        "Version": "2012-10-17",
        "Statement": [{"Sid": "Grant", "Effect": "Allow", "Principal": principal, "Action": action, "Resource": resource}]
    }))
    .unwrap()
}

fn write_organization(dir: &TempDir) {
    dir.write_json(
        "organization/describe-organization.json",
        &json!({"Organization": {
            "Id": "o-exampleorgid", "Arn": format!("arn:aws:organizations::{ACCOUNT}:organization/o-exampleorgid"),
            "FeatureSet": "ALL", "MasterAccountArn": format!("arn:aws:organizations::{ACCOUNT}:account/o-exampleorgid/{ACCOUNT}"),
            "MasterAccountId": ACCOUNT, "MasterAccountEmail": "admin@example.com",
            "AvailablePolicyTypes": [{"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"}]
        }}),
    );
    dir.write_json(
        "organization/roots.json",
        &json!({"Roots": [{
            "Id": "r-ab12", "Arn": format!("arn:aws:organizations::{ACCOUNT}:root/o-exampleorgid/r-ab12"), "Name": "Root",
            "PolicyTypes": [
                {"Type": "SERVICE_CONTROL_POLICY", "Status": "ENABLED"},
                {"Type": "RESOURCE_CONTROL_POLICY", "Status": "ENABLED"},
                {"Type": "TAG_POLICY", "Status": "ENABLED"}
            ]
        }]}),
    );
    dir.write_json(
        "organization/children/r-ab12.ous.json",
        &json!({"OrganizationalUnits": [{"Id": "ou-ab12-prod", "Arn": "arn:aws:organizations::111111111111:ou/o-exampleorgid/ou-ab12-prod", "Name": "Prod"}]}),
    );
    dir.write_json(
        "organization/children/r-ab12.accounts.json",
        &json!({"Accounts": [{
            "Id": ACCOUNT, "Arn": format!("arn:aws:organizations::{ACCOUNT}:account/o-exampleorgid/{ACCOUNT}"),
            "Email": "admin@example.com", "Name": "management", "Status": "ACTIVE", "JoinedMethod": "INVITED",
            "JoinedTimestamp": "2020-01-01T00:00:00+00:00"
        }]}),
    );
    dir.write_json("organization/children/ou-ab12-prod.ous.json", &json!({"OrganizationalUnits": []}));
    dir.write_json(
        "organization/children/ou-ab12-prod.accounts.json",
        &json!({"Accounts": [
            {"Id": ORG_ONLY, "Arn": format!("arn:aws:organizations::{ACCOUNT}:account/o-exampleorgid/{ORG_ONLY}"),
             "Email": "c@example.com", "Name": "sandbox", "Status": "SUSPENDED"},
            {"Id": MEMBER, "Arn": format!("arn:aws:organizations::{ACCOUNT}:account/o-exampleorgid/{MEMBER}"),
             "Email": "b@example.com", "Name": "prod", "Status": "ACTIVE"}
        ]}),
    );
    dir.write_json(
        "organization/policies/service-control-policies.json",
        &json!({"Policies": [
            {"Id": "p-FullAWSAccess", "Arn": "arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess",
             "Name": "FullAWSAccess", "Description": "Allows access to every operation", "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": true},
            {"Id": "p-denyregions", "Arn": format!("arn:aws:organizations::{ACCOUNT}:policy/o-exampleorgid/service_control_policy/p-denyregions"),
             "Name": "DenyRegions", "Description": "", "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": false}
        ]}),
    );
    dir.write_json(
        "organization/policies/resource-control-policies.json",
        &json!({"Policies": [
            {"Id": "p-RCPFullAWSAccess", "Arn": "arn:aws:organizations::aws:policy/resource_control_policy/p-RCPFullAWSAccess",
             "Name": "RCPFullAWSAccess", "Description": "", "Type": "RESOURCE_CONTROL_POLICY", "AwsManaged": true}
        ]}),
    );
    let describe_policy = |id: &str, name: &str, kind: &str, content: Value| {
        json!({"Policy": {
            "PolicySummary": {"Id": id, "Arn": format!("arn:aws:organizations::aws:policy/{id}"), "Name": name,
                              "Description": "", "Type": kind, "AwsManaged": false},
            "Content": serde_json::to_string(&content).unwrap()
        }})
    };
    dir.write_json(
        "organization/policies/p-FullAWSAccess.json",
        &describe_policy(
            "p-FullAWSAccess",
            "FullAWSAccess",
            "SERVICE_CONTROL_POLICY",
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}),
        ),
    );
    dir.write_json(
        "organization/policies/p-denyregions.json",
        &describe_policy(
            "p-denyregions",
            "DenyRegions",
            "SERVICE_CONTROL_POLICY",
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*",
                   "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}}}]}),
        ),
    );
    dir.write_json(
        "organization/policies/p-RCPFullAWSAccess.json",
        &describe_policy(
            "p-RCPFullAWSAccess",
            "RCPFullAWSAccess",
            "RESOURCE_CONTROL_POLICY",
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]}),
        ),
    );
    let target = |id: &str, kind: &str| json!({"TargetId": id, "Arn": format!("arn:aws:organizations::{ACCOUNT}:x/{id}"), "Name": id, "Type": kind});
    dir.write_json(
        "organization/policies/p-FullAWSAccess.targets.json",
        &json!({"Targets": [target("r-ab12", "ROOT"), target("ou-ab12-prod", "ORGANIZATIONAL_UNIT"), target(ACCOUNT, "ACCOUNT"), target(MEMBER, "ACCOUNT"), target(ORG_ONLY, "ACCOUNT")]}),
    );
    dir.write_json(
        "organization/policies/p-denyregions.targets.json",
        &json!({"Targets": [target("ou-ab12-prod", "ORGANIZATIONAL_UNIT")]}),
    );
    dir.write_json(
        "organization/policies/p-RCPFullAWSAccess.targets.json",
        &json!({"Targets": [target("r-ab12", "ROOT")]}),
    );
}

fn write_resources(dir: &TempDir) {
    let base = format!("accounts/{ACCOUNT}");
    dir.write(
        &format!("{base}/credential-report.csv"),
        "user,arn,user_creation_time,password_enabled,password_last_used,mfa_active,access_key_1_active\n\
         <root_account>,arn:aws:iam::111111111111:root,2020-01-01T00:00:00+00:00,not_supported,2024-01-01T00:00:00+00:00,true,false\n\
         alice,arn:aws:iam::111111111111:user/alice,2022-08-07T12:55:43+00:00,true,N/A,false,true\n",
    );
    dir.write_json(
        &format!("{base}/s3/account-public-access-block.json"),
        &json!({"PublicAccessBlockConfiguration": {"BlockPublicAcls": true, "IgnorePublicAcls": true, "BlockPublicPolicy": false, "RestrictPublicBuckets": false}}),
    );
    // S3 bucket.
    dir.write_json(
        &format!("{base}/s3/data-bucket/policy.json"),
        &json!({"Policy": policy_text(json!({"AWS": format!("arn:aws:iam::{MEMBER}:root")}), "s3:GetObject", "arn:aws:s3:::data-bucket/*")}),
    );
    dir.write_json(
        &format!("{base}/s3/data-bucket/public-access-block.json"),
        &json!({"PublicAccessBlockConfiguration": {"BlockPublicAcls": false, "IgnorePublicAcls": false, "BlockPublicPolicy": true, "RestrictPublicBuckets": true}}),
    );
    dir.write_json(
        &format!("{base}/s3/data-bucket/acl.json"),
        &json!({
            "Owner": {"DisplayName": "admin", "ID": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
            "Grants": [
                {"Grantee": {"DisplayName": "admin", "ID": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be", "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"},
                {"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"},
                {"Grantee": {"Type": "AmazonCustomerByEmail", "EmailAddress": "x@example.com"}, "Permission": "WRITE_ACP"}
            ]
        }),
    );
    dir.write_json(
        &format!("{base}/s3/data-bucket/access-points.json"),
        &json!({"AccessPointList": [{
            "Name": "analytics", "NetworkOrigin": "VPC", "VpcConfiguration": {"VpcId": "vpc-1a2b3c"}, "Bucket": "data-bucket",
            "AccessPointArn": format!("arn:aws:s3:us-east-1:{ACCOUNT}:accesspoint/analytics"),
            "Alias": "analytics-abc123-s3alias", "BucketAccountId": ACCOUNT
        }]}),
    );
    dir.write_json(
        &format!("{base}/s3/data-bucket/access-points/analytics.policy.json"),
        &json!({"Policy": policy_text(json!({"AWS": format!("arn:aws:iam::{ACCOUNT}:role/service-role/app")}), "s3:GetObject",
            &format!("arn:aws:s3:us-east-1:{ACCOUNT}:accesspoint/analytics/object/*"))}),
    );
    // KMS: a customer-managed key with a policy and grants, and an AWS-managed key.
    let key_arn = format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{KEY_ID}");
    dir.write_json(
        &format!("{base}/us-east-1/kms/{KEY_ID}/policy.json"),
        &json!({"Policy": policy_text(json!({"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}), "kms:*", "*"), "PolicyName": "default"}),
    );
    dir.write_json(
        &format!("{base}/us-east-1/kms/{KEY_ID}/grants.json"),
        &json!({"Grants": [{
            "KeyId": key_arn, "GrantId": "abcde1237f76e4ba7987489ac329fbfba6ad343d6f7075dbd1ef191f0120514", "Name": "",
            "CreationDate": "2023-01-01T00:00:00+00:00",
            "GranteePrincipal": format!("arn:aws:iam::{ACCOUNT}:role/service-role/app"),
            "RetiringPrincipal": format!("arn:aws:iam::{ACCOUNT}:role/admin"),
            "IssuingAccount": format!("arn:aws:iam::{ACCOUNT}:root"),
            "Operations": ["Decrypt", "GenerateDataKey"],
            "Constraints": {"EncryptionContextSubset": {"Team": "data", "Department": "IT"}}
        }], "Truncated": false}),
    );
    dir.write_json(
        &format!("{base}/us-east-1/kms/{KEY_ID}/describe.json"),
        &json!({"KeyMetadata": {
            "AWSAccountId": ACCOUNT, "KeyId": KEY_ID, "Arn": key_arn, "CreationDate": "2023-01-01T00:00:00+00:00",
            "Enabled": true, "Description": "", "KeyUsage": "ENCRYPT_DECRYPT", "KeyState": "Enabled", "Origin": "AWS_KMS",
            "KeyManager": "CUSTOMER", "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT", "KeySpec": "SYMMETRIC_DEFAULT",
            "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"], "MultiRegion": false
        }}),
    );
    dir.write_json(
        &format!("{base}/us-east-1/kms/{AWS_KEY_ID}/describe.json"),
        &json!({"KeyMetadata": {
            "AWSAccountId": ACCOUNT, "KeyId": AWS_KEY_ID, "Arn": format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{AWS_KEY_ID}"),
            "Description": "Default key that protects my S3 objects when no other key is defined", "KeyManager": "AWS",
            "KeyState": "Enabled", "KeyUsage": "ENCRYPT_DECRYPT"
        }}),
    );
    // SQS, SNS, Lambda, Secrets Manager, ECR, Glacier, OpenSearch, API Gateway.
    let queue_arn = format!("arn:aws:sqs:us-east-1:{ACCOUNT}:orders");
    dir.write_json(
        &format!("{base}/us-east-1/sqs/orders.json"),
        &json!({"Attributes": {"Policy": policy_text(json!({"Service": "sns.amazonaws.com"}), "sqs:SendMessage", &queue_arn), "QueueArn": queue_arn}}),
    );
    let topic_arn = format!("arn:aws:sns:us-east-1:{ACCOUNT}:alerts");
    dir.write_json(
        &format!("{base}/us-east-1/sns/alerts.json"),
        &json!({"Attributes": {
            "Policy": policy_text(json!({"AWS": "*"}), "SNS:Publish", &topic_arn), "Owner": ACCOUNT,
            "SubscriptionsPending": "0", "TopicArn": topic_arn, "EffectiveDeliveryPolicy": "{\"http\":{}}",
            "SubscriptionsConfirmed": "1", "DisplayName": "", "SubscriptionsDeleted": "0"
        }}),
    );
    dir.write_json(
        &format!("{base}/us-east-1/lambda/resize.json"),
        &json!({
            "Policy": serde_json::to_string(&json!({"Version": "2012-10-17", "Id": "default", "Statement": [{
                "Sid": "s3-invoke", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "lambda:InvokeFunction", "Resource": format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:resize"),
                "Condition": {"StringEquals": {"AWS:SourceAccount": ACCOUNT}, "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::data-bucket"}}
            }]})).unwrap(),
            "RevisionId": "4e8a2fc6-0c52-4a2b-9d3c-000000000000"
        }),
    );
    dir.write_json(
        &format!("{base}/us-east-1/secretsmanager/prod%2Fdb.json"),
        &json!({
            "ARN": format!("arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod/db-AbCdEf"),
            "Name": "prod/db",
            "ResourcePolicy": policy_text(json!({"AWS": format!("arn:aws:iam::{MEMBER}:root")}), "secretsmanager:GetSecretValue", "*")
        }),
    );
    dir.write_json(
        &format!("{base}/us-east-1/ecr/team%2Fimages.json"),
        &json!({
            "registryId": ACCOUNT, "repositoryName": "team/images",
            // Repository policies name no resource: the repository is implied.
            "policyText": serde_json::to_string_pretty(&json!({"Version": "2012-10-17", "Statement": [{
                "Sid": "pull", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{MEMBER}:root")},
                "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
            }]})).unwrap()
        }),
    );
    dir.write_json(
        &format!("{base}/us-east-1/glacier/archive.json"),
        &json!({"policy": {"Policy": policy_text(json!({"AWS": format!("arn:aws:iam::{MEMBER}:root")}), "glacier:InitiateJob",
            &format!("arn:aws:glacier:us-east-1:{ACCOUNT}:vaults/archive"))}}),
    );
    dir.write_json(
        &format!("{base}/us-east-1/opensearch/logs.json"),
        &json!({"DomainConfig": {
            "EngineVersion": {"Options": "OpenSearch_2.11", "Status": {"State": "Active"}},
            "AccessPolicies": {
                "Options": policy_text(json!({"AWS": "*"}), "es:ESHttpGet", &format!("arn:aws:es:us-east-1:{ACCOUNT}:domain/logs/*")),
                "Status": {"CreationDate": "2023-01-01T00:00:00+00:00", "UpdateVersion": 5, "State": "Active", "PendingDeletion": false}
            }
        }}),
    );
    // API Gateway returns its policy escaped once more.
    let api_policy = serde_json::to_string(&json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke",
        "Resource": format!("arn:aws:execute-api:us-east-1:{ACCOUNT}:a1b2c3d4e5/*"),
        "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
    }]}))
    .unwrap()
    .replace('"', "\\\"");
    dir.write_json(
        &format!("{base}/us-east-1/apigateway/a1b2c3d4e5.json"),
        &json!({"id": "a1b2c3d4e5", "name": "orders-api", "createdDate": "2023-01-01T00:00:00+00:00",
                "apiKeySource": "HEADER", "endpointConfiguration": {"types": ["REGIONAL"]}, "policy": api_policy,
                "disableExecuteApiEndpoint": false}),
    );
}

fn write_identity_center(dir: &TempDir) {
    dir.write_json(
        "identity-center/instances.json",
        &json!({"Instances": [{"InstanceArn": INSTANCE_ARN, "IdentityStoreId": "d-1234567890", "OwnerAccountId": ACCOUNT,
                               "Name": "main", "CreatedDate": "2023-01-01T00:00:00+00:00", "Status": "ACTIVE"}]}),
    );
    let ps = format!("identity-center/permission-sets/{PS_ID}");
    dir.write_json(
        &format!("{ps}/describe.json"),
        &json!({"PermissionSet": {"Name": "DataEngineer", "PermissionSetArn": ps_arn(), "Description": "Data team",
                                  "CreatedDate": "2023-01-01T00:00:00+00:00", "SessionDuration": "PT8H"}}),
    );
    dir.write_json(
        &format!("{ps}/inline-policy.json"),
        &json!({"InlinePolicy": serde_json::to_string(&crate::support::read_only()).unwrap()}),
    );
    dir.write_json(
        &format!("{ps}/managed-policies.json"),
        &json!({"AttachedManagedPolicies": [{"Name": "ReadOnlyAccess", "Arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]}),
    );
    dir.write_json(
        &format!("{ps}/customer-managed-policies.json"),
        &json!({"CustomerManagedPolicyReferences": [{"Name": "app-policy", "Path": "/"}]}),
    );
    dir.write_json(
        &format!("{ps}/permissions-boundary.json"),
        &json!({"PermissionsBoundary": {"CustomerManagedPolicyReference": {"Name": "boundary", "Path": "/team/"}}}),
    );
    dir.write_json(
        &format!("{ps}/assignments/{MEMBER}.json"),
        &json!({"AccountAssignments": [
            {"AccountId": MEMBER, "PermissionSetArn": ps_arn(), "PrincipalType": "USER", "PrincipalId": "u-2"},
            {"AccountId": MEMBER, "PermissionSetArn": ps_arn(), "PrincipalType": "GROUP", "PrincipalId": "g-1"}
        ]}),
    );
    dir.write_json(
        "identity-center/identity-store/users.json",
        &json!({"Users": [
            {"UserName": "zoe@example.com", "UserId": "u-2", "Name": {"GivenName": "Zoe"}, "DisplayName": "Zoe", "IdentityStoreId": "d-1234567890"},
            {"UserName": "adam@example.com", "UserId": "u-1", "IdentityStoreId": "d-1234567890"}
        ]}),
    );
    dir.write_json(
        "identity-center/identity-store/groups.json",
        &json!({"Groups": [{"GroupId": "g-1", "DisplayName": "data", "Description": "", "IdentityStoreId": "d-1234567890"}]}),
    );
    dir.write_json(
        "identity-center/identity-store/memberships/g-1.json",
        &json!({"GroupMemberships": [{"IdentityStoreId": "d-1234567890", "MembershipId": "m-1", "GroupId": "g-1", "MemberId": {"UserId": "u-1"}}]}),
    );
}

/// A bundle with every file kind.
fn full_bundle() -> TempDir {
    let dir = TempDir::new("bundle");
    dir.write_json(
        "bundle.json",
        &json!({"format": "remit-aws-bundle", "version": 1, "collectedAt": "2026-11-20T10:00:00Z", "collector": "test"}),
    );
    write_organization(&dir);
    dir.write_json(&format!("accounts/{ACCOUNT}/authorization-details.json"), &authorization_details(ACCOUNT));
    dir.write_json(&format!("accounts/{MEMBER}/authorization-details.json"), &authorization_details(MEMBER));
    write_resources(&dir);
    write_identity_center(&dir);
    dir
}

fn load_clean(dir: &TempDir) -> AwsEnvironment {
    let env = load(dir.path()).unwrap();
    assert!(env.issues.is_empty(), "{:#?}", describe(&env.issues));
    env
}

#[test]
fn a_full_bundle_imports_without_issues() {
    let dir = full_bundle();
    let env = load_clean(&dir);
    let bundle = env.bundle.as_ref().unwrap();
    assert_eq!((bundle.version, bundle.collected_at.as_deref()), (1, Some("2026-11-20T10:00:00Z")));

    // Accounts sorted by id, named from the organization; the one known only from it has no IAM.
    let ids: Vec<&str> = env.accounts.iter().map(|account| account.id.as_str()).collect();
    assert_eq!(ids, [ACCOUNT, MEMBER, ORG_ONLY]);
    let names: Vec<Option<&str>> = env.accounts.iter().map(|account| account.name.as_deref()).collect();
    assert_eq!(names, [Some("management"), Some("prod"), Some("sandbox")]);
    assert!(env.accounts[0].iam_collected && env.accounts[1].iam_collected && !env.accounts[2].iam_collected);
    assert_eq!(env.accounts[1].users.len(), 2);
    assert!(env.accounts[1].resources.is_empty());
    assert!(!env.accounts[1].credential_report_collected);
}

#[test]
fn the_organization_tree_and_its_policies() {
    let dir = full_bundle();
    let env = load_clean(&dir);
    let org = env.organization.as_ref().unwrap();
    assert_eq!(org.id, "o-exampleorgid");
    assert_eq!(org.management_account, ACCOUNT);
    assert_eq!(org.feature_set.as_deref(), Some("ALL"));
    assert_eq!(org.enabled_policy_types, Some(vec![OrgPolicyType::ServiceControl, OrgPolicyType::ResourceControl]));
    let nodes: Vec<(&str, OrgNodeKind, Option<&str>)> =
        org.nodes.iter().map(|node| (node.id.as_str(), node.kind, node.parent.as_deref())).collect();
    assert_eq!(
        nodes,
        [
            ("r-ab12", OrgNodeKind::Root, None),
            ("ou-ab12-prod", OrgNodeKind::OrganizationalUnit, Some("r-ab12")),
            (MEMBER, OrgNodeKind::Account, Some("ou-ab12-prod")),
            (ORG_ONLY, OrgNodeKind::Account, Some("ou-ab12-prod")),
            (ACCOUNT, OrgNodeKind::Account, Some("r-ab12")),
        ]
    );
    let attached = |id: &str| org.nodes.iter().find(|node| node.id == id).unwrap().attached_policies.clone();
    assert_eq!(attached("r-ab12"), ["p-FullAWSAccess", "p-RCPFullAWSAccess"]);
    assert_eq!(attached("ou-ab12-prod"), ["p-FullAWSAccess", "p-denyregions"]);
    assert_eq!(attached(MEMBER), ["p-FullAWSAccess"]);
    let sandbox = org.nodes.iter().find(|node| node.id == ORG_ONLY).unwrap();
    assert_eq!(sandbox.status.as_deref(), Some("SUSPENDED"));

    let policies: Vec<(&str, OrgPolicyType, bool)> =
        org.policies.iter().map(|policy| (policy.id.as_str(), policy.policy_type, policy.aws_managed)).collect();
    assert_eq!(
        policies,
        [
            ("p-FullAWSAccess", OrgPolicyType::ServiceControl, true),
            ("p-RCPFullAWSAccess", OrgPolicyType::ResourceControl, true),
            ("p-denyregions", OrgPolicyType::ServiceControl, false),
        ]
    );
    assert!(org.policies.iter().all(|policy| policy.document.is_some() && !policy.incomplete));
    let deny = &org.policies[2].document.as_ref().unwrap().statements[0];
    assert_eq!(deny.effect, Effect::Deny);
}

#[test]
fn every_resource_file_kind() {
    let dir = full_bundle();
    let env = load_clean(&dir);
    let account = &env.accounts[0];
    assert_eq!(
        account.s3_public_access_block,
        Some(PublicAccessBlock {
            block_public_acls: true,
            ignore_public_acls: true,
            block_public_policy: false,
            restrict_public_buckets: false
        })
    );
    let arns: Vec<&str> = account.resources.iter().map(|resource| resource.arn.as_str()).collect();
    let secret_arn = format!("arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod/db-AbCdEf");
    let mut expected = vec![
        format!("arn:aws:ecr:us-east-1:{ACCOUNT}:repository/team/images"),
        format!("arn:aws:es:us-east-1:{ACCOUNT}:domain/logs"),
        format!("arn:aws:execute-api:us-east-1:{ACCOUNT}:a1b2c3d4e5"),
        format!("arn:aws:glacier:us-east-1:{ACCOUNT}:vaults/archive"),
        format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{AWS_KEY_ID}"),
        format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{KEY_ID}"),
        format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:resize"),
        "arn:aws:s3:::data-bucket".to_owned(),
        format!("arn:aws:s3:us-east-1:{ACCOUNT}:accesspoint/analytics"),
        secret_arn.clone(),
        format!("arn:aws:sns:us-east-1:{ACCOUNT}:alerts"),
        format!("arn:aws:sqs:us-east-1:{ACCOUNT}:orders"),
    ];
    expected.sort();
    assert_eq!(arns, expected);
    for resource in &account.resources {
        assert!(!resource.incomplete, "{}", resource.arn);
        let has_policy = resource.arn != format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{AWS_KEY_ID}");
        assert_eq!(resource.policy.is_some(), has_policy, "{}", resource.arn);
        assert_eq!(resource.policy_collected, has_policy, "{}", resource.arn);
    }

    let bucket = account.resource("arn:aws:s3:::data-bucket").unwrap();
    assert_eq!(
        (bucket.service.as_str(), bucket.resource_type.as_str(), bucket.region.as_deref()),
        ("s3", "bucket", None)
    );
    assert_eq!(bucket.source, Path::new("accounts/111111111111/s3/data-bucket"));
    assert!(bucket.public_access_block.is_some_and(|block| block.block_public_policy && !block.block_public_acls));
    assert_eq!(
        bucket.acl_grants,
        [
            AclGrant {
                grantee: "CanonicalUser:79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be".into(),
                permission: "FULL_CONTROL".into()
            },
            AclGrant {
                grantee: "Group:http://acs.amazonaws.com/groups/global/AllUsers".into(),
                permission: "READ".into()
            },
            AclGrant { grantee: "AmazonCustomerByEmail:x@example.com".into(), permission: "WRITE_ACP".into() },
        ]
    );
    assert!(bucket.attributes.iter().any(|(key, _)| key == "AclOwner"));

    let point = account.resource(&format!("arn:aws:s3:us-east-1:{ACCOUNT}:accesspoint/analytics")).unwrap();
    assert_eq!(point.resource_type, "accesspoint");
    assert_eq!(point.region.as_deref(), Some("us-east-1"));
    assert!(point.attributes.contains(&("NetworkOrigin".to_owned(), "VPC".to_owned())));
    assert!(point.attributes.contains(&("VpcId".to_owned(), "vpc-1a2b3c".to_owned())));

    let key = account.resource(&format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{KEY_ID}")).unwrap();
    assert!(!key.aws_managed_key);
    assert_eq!(
        key.kms_grants,
        [KmsGrant {
            grantee: format!("arn:aws:iam::{ACCOUNT}:role/service-role/app"),
            operations: vec!["Decrypt".into(), "GenerateDataKey".into()],
            grant_id: "abcde1237f76e4ba7987489ac329fbfba6ad343d6f7075dbd1ef191f0120514".into(),
            retiring_principal: Some(format!("arn:aws:iam::{ACCOUNT}:role/admin")),
            issuing_account: Some(format!("arn:aws:iam::{ACCOUNT}:root")),
            encryption_context_subset: vec![("Department".into(), "IT".into()), ("Team".into(), "data".into())],
            encryption_context_equals: vec![],
        }]
    );
    let aws_key = account.resource(&format!("arn:aws:kms:us-east-1:{ACCOUNT}:key/{AWS_KEY_ID}")).unwrap();
    assert!(aws_key.aws_managed_key);

    let secret = account.resource(&secret_arn).unwrap();
    assert_eq!(secret.source, Path::new("accounts/111111111111/us-east-1/secretsmanager/prod%2Fdb.json"));
    let api = account.resource(&format!("arn:aws:execute-api:us-east-1:{ACCOUNT}:a1b2c3d4e5")).unwrap();
    assert_eq!(api.policy.as_ref().unwrap().statements[0].conditions.len(), 1);
    assert!(api.attributes.contains(&("Name".to_owned(), "orders-api".to_owned())));
    let function = account.resource(&format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:resize")).unwrap();
    assert_eq!(function.policy.as_ref().unwrap().id.as_deref(), Some("default"));
    let domain = account.resource(&format!("arn:aws:es:us-east-1:{ACCOUNT}:domain/logs")).unwrap();
    assert_eq!(domain.service, "es");
}

#[test]
fn the_credential_report() {
    let dir = full_bundle();
    let env = load_clean(&dir);
    let account = &env.accounts[0];
    assert!(account.credential_report_collected);
    assert_eq!(account.credential_report.len(), 2);
    let root = &account.credential_report[0];
    assert_eq!((root.user.as_str(), root.arn.as_str()), ("<root_account>", "arn:aws:iam::111111111111:root"));
    let alice = &account.credential_report[1];
    assert_eq!(alice.fields.len(), 7);
    assert!(alice.fields.contains(&("access_key_1_active".to_owned(), "true".to_owned())));

    dir.write(
        &format!("accounts/{ACCOUNT}/credential-report.csv"),
        "user,arn,mfa_active\n<root_account>,arn:aws:iam::111111111111:root,true\nalice,arn:aws:iam::111111111111:user/alice\nbob,arn:aws:iam::111111111111:user/ops/bob,false\n",
    );
    let env = load(dir.path()).unwrap();
    assert_eq!(
        describe(&env.issues),
        ["accounts/111111111111/credential-report.csv @ line 3: expected 3 fields as in the header, found 2"]
    );
    let users: Vec<&str> = env.accounts[0].credential_report.iter().map(|row| row.user.as_str()).collect();
    assert_eq!(users, ["<root_account>", "bob"]);
}

#[test]
fn identity_center() {
    let dir = full_bundle();
    let env = load_clean(&dir);
    let center = env.identity_center.as_ref().unwrap();
    assert_eq!(center.instance_arn, INSTANCE_ARN);
    assert_eq!(center.identity_store_id, "d-1234567890");
    assert_eq!(center.permission_sets.len(), 1);
    let set = &center.permission_sets[0];
    assert_eq!((set.arn.as_str(), set.name.as_str(), set.id.as_str()), (ps_arn().as_str(), "DataEngineer", PS_ID));
    assert_eq!(set.session_duration.as_deref(), Some("PT8H"));
    assert_eq!(set.inline_policy.as_ref().unwrap().statements.len(), 2);
    assert_eq!(set.managed_policies, ["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
    assert_eq!(set.customer_managed_policies, [("app-policy".to_owned(), "/".to_owned())]);
    assert_eq!(set.permissions_boundary.as_deref(), Some("/team/boundary"));
    assert!(!set.incomplete);
    let assignments: Vec<(&str, &str, &str)> = center
        .assignments
        .iter()
        .map(|a| (a.account_id.as_str(), a.principal_type.as_str(), a.principal_id.as_str()))
        .collect();
    assert_eq!(assignments, [(MEMBER, "GROUP", "g-1"), (MEMBER, "USER", "u-2")]);
    assert_eq!(
        center.users,
        [("u-1".to_owned(), "adam@example.com".to_owned()), ("u-2".to_owned(), "zoe@example.com".to_owned())]
    );
    assert_eq!(center.groups, [("g-1".to_owned(), "data".to_owned())]);
    assert_eq!(center.memberships, [("g-1".to_owned(), "u-1".to_owned())]);

    // A malformed inline policy: an issue with its path, the permission set incomplete.
    dir.write_json(
        &format!("identity-center/permission-sets/{PS_ID}/inline-policy.json"),
        &json!({"InlinePolicy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:*\"}]}"}),
    );
    let env = load(dir.path()).unwrap();
    assert_eq!(env.issues.len(), 1, "{:#?}", describe(&env.issues));
    assert_eq!(env.issues[0].file, Path::new(&format!("identity-center/permission-sets/{PS_ID}/inline-policy.json")));
    assert_eq!(env.issues[0].location, "InlinePolicy.Statement[0].Resource");
    assert_eq!(env.issues[0].subject.as_deref(), Some(ps_arn().as_str()));
    let set = &env.identity_center.as_ref().unwrap().permission_sets[0];
    assert!(set.incomplete && set.inline_policy.is_none());
    assert_eq!(set.managed_policies.len(), 1);
}

#[test]
fn a_malformed_policy_in_a_bundle_names_its_file_and_path() {
    let dir = full_bundle();
    let mut export = authorization_details(MEMBER);
    export["RoleDetailList"][0]["RolePolicyList"][0]["PolicyDocument"]["Statement"][0]["Action"] = json!(42);
    dir.write_json(&format!("accounts/{MEMBER}/authorization-details.json"), &export);
    dir.write_json(
        &format!("accounts/{ACCOUNT}/s3/data-bucket/policy.json"),
        &json!({"Policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}"}),
    );
    let env = load(dir.path()).unwrap();
    let issues = describe(&env.issues);
    assert_eq!(issues.len(), 2, "{issues:#?}");
    assert!(
        issues[0]
            .starts_with(&format!("accounts/{ACCOUNT}/s3/data-bucket/policy.json @ Policy.Statement[0].Principal: "))
    );
    assert!(issues[1].starts_with(&format!(
        "accounts/{MEMBER}/authorization-details.json @ RoleDetailList[0].RolePolicyList[0].PolicyDocument.Statement[0].Action: "
    )));
    let bucket = env.accounts[0].resource("arn:aws:s3:::data-bucket").unwrap();
    assert!(bucket.incomplete && bucket.policy.is_none() && bucket.policy_collected);
    assert!(!bucket.acl_grants.is_empty(), "the bucket's other files still import");
    assert!(env.accounts[0].resources.iter().filter(|resource| resource.incomplete).count() == 1);
    let member = &env.accounts[1];
    assert!(member.roles[0].incomplete);
    assert!(member.users.iter().all(|user| !user.incomplete));
}

/// The resources of an account in another partition carry its ARNs, and their issues are
/// reported once (the resources are first read for `aws` while the export is read).
#[test]
fn resources_take_the_partition_of_the_export() {
    let dir = TempDir::new("china");
    let export = serde_json::to_string(&authorization_details(ACCOUNT)).unwrap().replace("arn:aws:", "arn:aws-cn:");
    dir.write(&format!("accounts/{ACCOUNT}/authorization-details.json"), export);
    dir.write_json(
        &format!("accounts/{ACCOUNT}/s3/data/policy.json"),
        &json!({"Policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"*\"}]}"}),
    );
    let env = load(dir.path()).unwrap();
    let account = &env.accounts[0];
    assert_eq!(account.partition, "aws-cn");
    let arns: Vec<&str> = account.resources.iter().map(|r| r.arn.as_str()).collect();
    assert_eq!(arns, ["arn:aws-cn:s3:::data"]);
    let subjects: Vec<Option<&str>> = env.issues.iter().map(|issue| issue.subject.as_deref()).collect();
    assert_eq!(subjects, [Some("arn:aws-cn:s3:::data")], "{:#?}", describe(&env.issues));
}

#[test]
fn rebuilt_arns_are_checked_against_the_output() {
    let dir = full_bundle();
    dir.write_json(
        &format!("accounts/{ACCOUNT}/us-east-1/sqs/orders.json"),
        &json!({"Attributes": {"QueueArn": format!("arn:aws:sqs:us-west-2:{ACCOUNT}:orders")}}),
    );
    dir.write_json(
        &format!("accounts/{ACCOUNT}/us-east-1/secretsmanager/prod%2Fdb.json"),
        &json!({"ARN": format!("arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:other-AbCdEf"), "Name": "prod/db"}),
    );
    let env = load(dir.path()).unwrap();
    let locations: Vec<(&str, &str)> =
        env.issues.iter().map(|issue| (issue.location.as_str(), issue.subject.as_deref().unwrap_or(""))).collect();
    let queue = format!("arn:aws:sqs:us-east-1:{ACCOUNT}:orders");
    let secret = format!("arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod/db");
    assert_eq!(
        locations,
        [("ARN", secret.as_str()), ("Attributes.QueueArn", queue.as_str())],
        "{:#?}",
        describe(&env.issues)
    );
    let account = &env.accounts[0];
    assert!(account.resource(&queue).unwrap().incomplete);
    assert!(account.resource(&queue).unwrap().policy.is_none(), "no Policy attribute: the queue has none");
    assert!(account.resource(&secret).unwrap().incomplete);
}

#[test]
fn missing_optional_files_are_not_issues() {
    let dir = TempDir::new("minimal");
    dir.write_json(&format!("accounts/{ACCOUNT}/authorization-details.json"), &authorization_details(ACCOUNT));
    // A bucket known only by its ACL; a queue without a policy.
    dir.write_json(&format!("accounts/{ACCOUNT}/s3/logs/acl.json"), &json!({"Owner": {"ID": "abc"}, "Grants": []}));
    dir.write_json(
        &format!("accounts/{ACCOUNT}/eu-west-1/sqs/jobs.json"),
        &json!({"Attributes": {"QueueArn": format!("arn:aws:sqs:eu-west-1:{ACCOUNT}:jobs")}}),
    );
    let env = load_clean(&dir);
    assert!(env.organization.is_none() && env.identity_center.is_none() && env.bundle.is_none());
    let account = &env.accounts[0];
    assert!(!account.credential_report_collected && account.s3_public_access_block.is_none());
    let bucket = account.resource("arn:aws:s3:::logs").unwrap();
    assert!(!bucket.policy_collected && bucket.policy.is_none() && !bucket.incomplete);
    let queue = account.resource(&format!("arn:aws:sqs:eu-west-1:{ACCOUNT}:jobs")).unwrap();
    assert!(queue.policy_collected && queue.policy.is_none() && !queue.incomplete);
}

#[test]
fn gaps_in_the_organization_are_issues() {
    let dir = full_bundle();
    std::fs::remove_file(dir.path().join("organization/policies/p-denyregions.json")).unwrap();
    std::fs::remove_file(dir.path().join("organization/children/ou-ab12-prod.accounts.json")).unwrap();
    let env = load(dir.path()).unwrap();
    let issues = describe(&env.issues);
    assert_eq!(
        issues,
        [
            "organization/policies/p-denyregions.json @ : missing: the policy's document was not collected".to_owned(),
            format!(
                "organization/policies/p-FullAWSAccess.targets.json @ : target `{MEMBER}` is not in the organization tree: where it applies is unknown"
            ),
            format!(
                "organization/policies/p-FullAWSAccess.targets.json @ : target `{ORG_ONLY}` is not in the organization tree: where it applies is unknown"
            ),
            format!(
                "accounts/{MEMBER} @ : not in the organization tree: the SCPs and RCPs that apply to it are unknown"
            ),
        ]
    );
    let org = env.organization.as_ref().unwrap();
    let deny = org.policies.iter().find(|policy| policy.id == "p-denyregions").unwrap();
    assert!(deny.incomplete && deny.document.is_none());
    assert_eq!(env.accounts.len(), 2);
}

#[test]
fn directories_that_are_not_bundles_cannot_be_loaded() {
    let dir = TempDir::new("not-a-bundle");
    dir.write("notes.txt", "hello");
    assert!(matches!(load(dir.path()), Err(LoadError::NotABundle { .. })));
    dir.write_json("bundle.json", &json!({"format": "something-else"}));
    let err = load(dir.path()).unwrap_err();
    assert!(err.to_string().contains("something-else"), "{err}");

    // A bundle whose account's export is not JSON still loads, the account marked.
    let dir = TempDir::new("bad-export");
    dir.write(&format!("accounts/{ACCOUNT}/authorization-details.json"), "not json");
    dir.write("accounts/not-an-account/authorization-details.json", "{}");
    let env = load(dir.path()).unwrap();
    assert_eq!(env.accounts.len(), 1);
    assert!(env.accounts[0].iam_incomplete);
    assert_eq!(
        describe(&env.issues),
        [
            format!("accounts/{ACCOUNT}/authorization-details.json @ line 1 column 2: not valid JSON: expected ident"),
            "accounts/not-an-account @ : not a 12-digit account id (ignored)".to_owned(),
        ]
    );
}

#[test]
fn loading_twice_gives_the_same_environment() {
    let dir = full_bundle();
    let first = format!("{:?}", load(dir.path()).unwrap());
    let second = format!("{:?}", load(dir.path()).unwrap());
    assert_eq!(first, second);
}
