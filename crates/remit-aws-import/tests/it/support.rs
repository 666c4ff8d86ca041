//! Temporary bundles and the documents the tests share.

use std::{
    fs,
    path::{Path, PathBuf},
    sync::atomic::{AtomicUsize, Ordering},
};

use remit_aws_import::ImportIssue;
use serde_json::{Value, json};

/// A directory under the system's temporary directory, removed when dropped.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new(tag: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let name = format!(
            "remit-aws-import-{tag}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let path = std::env::temp_dir().join(name);
        fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    pub(crate) fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `contents` at `rel`, creating directories.
    pub(crate) fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, contents).unwrap();
        path
    }

    /// Writes `value` as the CLI does (pretty JSON).
    pub(crate) fn write_json(&self, rel: &str, value: &Value) -> PathBuf {
        self.write(rel, serde_json::to_string_pretty(value).unwrap())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// The public data shared by the project's engineers, beside the repository, when present.
pub(crate) fn shared_data() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data");
    dir.is_dir().then_some(dir)
}

/// Issues as `(file, location, message)` for readable assertions.
pub(crate) fn describe(issues: &[ImportIssue]) -> Vec<String> {
    issues.iter().map(|issue| format!("{} @ {}: {}", issue.file.display(), issue.location, issue.message)).collect()
}

pub(crate) const ACCOUNT: &str = "111111111111";

/// A read-only identity policy.
pub(crate) fn read_only() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "arn:aws:s3:::prod-*"}
        ]
    })
}

/// A trust policy for EC2.
pub(crate) fn ec2_trust() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    })
}

/// `aws iam get-account-authorization-details` for account `account`, as the CLI writes it.
pub(crate) fn authorization_details(account: &str) -> Value {
    json!({
        "UserDetailList": [
            {
                "Path": "/",
                "UserName": "alice",
                "UserId": "AIDAEXAMPLEALICE",
                "Arn": format!("arn:aws:iam::{account}:user/alice"),
                "CreateDate": "2022-08-07 12:55:43+00:00",
                "UserPolicyList": [{"PolicyName": "inline-read", "PolicyDocument": read_only()}],
                "GroupList": ["admins"],
                "AttachedManagedPolicies": [
                    {"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}
                ],
                "PermissionsBoundary": {
                    "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                    "PermissionsBoundaryArn": format!("arn:aws:iam::{account}:policy/boundary")
                },
                "Tags": [{"Key": "team", "Value": "data"}]
            },
            {
                "Path": "/ops/",
                "UserName": "bob",
                "UserId": "AIDAEXAMPLEBOB",
                "Arn": format!("arn:aws:iam::{account}:user/ops/bob"),
                "CreateDate": "2021-01-02T03:04:05Z",
                "UserPolicyList": [],
                "GroupList": [],
                "AttachedManagedPolicies": [],
                "Tags": []
            }
        ],
        "GroupDetailList": [
            {
                "Path": "/",
                "GroupName": "admins",
                "GroupId": "AGPAEXAMPLEADMINS",
                "Arn": format!("arn:aws:iam::{account}:group/admins"),
                "CreateDate": "2020-05-06 07:08:09+00:00",
                "GroupPolicyList": [{"PolicyName": "group-inline", "PolicyDocument": read_only()}],
                "AttachedManagedPolicies": [
                    {"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}
                ]
            }
        ],
        "RoleDetailList": [
            {
                "Path": "/service-role/",
                "RoleName": "app",
                "RoleId": "AROAEXAMPLEAPP",
                "Arn": format!("arn:aws:iam::{account}:role/service-role/app"),
                "CreateDate": "2019-12-18 19:10:08+00:00",
                "AssumeRolePolicyDocument": ec2_trust(),
                "InstanceProfileList": [
                    {
                        "Path": "/",
                        "InstanceProfileName": "app-profile",
                        "InstanceProfileId": "AIPAEXAMPLEAPP",
                        "Arn": format!("arn:aws:iam::{account}:instance-profile/app-profile"),
                        "CreateDate": "2019-12-18 19:10:09+00:00",
                        "Roles": [{
                            "Path": "/service-role/",
                            "RoleName": "app",
                            "RoleId": "AROAEXAMPLEAPP",
                            "Arn": format!("arn:aws:iam::{account}:role/service-role/app"),
                            "CreateDate": "2019-12-18 19:10:08+00:00",
                            "AssumeRolePolicyDocument": ec2_trust()
                        }],
                        "Tags": []
                    }
                ],
                "RolePolicyList": [{"PolicyName": "role-inline", "PolicyDocument": read_only()}],
                "AttachedManagedPolicies": [
                    {"PolicyName": "app-policy", "PolicyArn": format!("arn:aws:iam::{account}:policy/app-policy")}
                ],
                "PermissionsBoundary": {
                    "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                    "PermissionsBoundaryArn": format!("arn:aws:iam::{account}:policy/boundary")
                },
                "Tags": [{"Key": "env", "Value": "prod"}],
                "RoleLastUsed": {"LastUsedDate": "2024-03-01 10:00:00+00:00", "Region": "eu-west-1"}
            }
        ],
        "Policies": [
            {
                "PolicyName": "app-policy",
                "PolicyId": "ANPAEXAMPLEAPP",
                "Arn": format!("arn:aws:iam::{account}:policy/app-policy"),
                "Path": "/",
                "DefaultVersionId": "v2",
                "AttachmentCount": 1,
                "PermissionsBoundaryUsageCount": 0,
                "IsAttachable": true,
                "CreateDate": "2019-12-18 19:10:08+00:00",
                "UpdateDate": "2020-01-01 00:00:00+00:00",
                "PolicyVersionList": [
                    {"Document": read_only(), "VersionId": "v2", "IsDefaultVersion": true, "CreateDate": "2020-01-01 00:00:00+00:00"},
                    {
                        "Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
                        "VersionId": "v1",
                        "IsDefaultVersion": false,
                        "CreateDate": "2019-12-18 19:10:08+00:00"
                    }
                ]
            },
            {
                "PolicyName": "boundary",
                "PolicyId": "ANPAEXAMPLEBOUNDARY",
                "Arn": format!("arn:aws:iam::{account}:policy/boundary"),
                "Path": "/",
                "DefaultVersionId": "v1",
                "AttachmentCount": 0,
                "PermissionsBoundaryUsageCount": 2,
                "IsAttachable": true,
                "CreateDate": "2019-12-18 19:10:08+00:00",
                "UpdateDate": "2019-12-18 19:10:08+00:00",
                "PolicyVersionList": [
                    {"Document": read_only(), "VersionId": "v1", "IsDefaultVersion": true, "CreateDate": "2019-12-18 19:10:08+00:00"}
                ]
            },
            {
                "PolicyName": "ReadOnlyAccess",
                "PolicyId": "ANPAILL3HVNFSB6DCOWYQ",
                "Arn": "arn:aws:iam::aws:policy/ReadOnlyAccess",
                "Path": "/",
                "DefaultVersionId": "v1",
                "AttachmentCount": 1,
                "PermissionsBoundaryUsageCount": 0,
                "IsAttachable": true,
                "CreateDate": "2015-02-06 18:39:48+00:00",
                "UpdateDate": "2015-02-06 18:39:48+00:00",
                "PolicyVersionList": [
                    {"Document": read_only(), "VersionId": "v1", "IsDefaultVersion": true, "CreateDate": "2015-02-06 18:39:48+00:00"}
                ]
            }
        ],
        "IsTruncated": false
    })
}

/// A policy document the raw IAM API's way: URL-encoded JSON text.
pub(crate) fn url_encode(value: &Value) -> String {
    let text = serde_json::to_string(value).unwrap();
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}
