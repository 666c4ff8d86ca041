//! What a principal's or resource's name says about it, for the formats that classify or draw
//! it.
//!
//! A finding names principals and resources by plain strings (ARNs, service names, account ids,
//! member strings) so that every cloud fits the one record. The OCSF output needs a resource
//! type and the HTML a short label, and both read them back out of the string rather than widen
//! the record: the string is the fact, the type a reading of it. Only AWS's shapes are read
//! today; anything else keeps its full text and no type.

/// The parts of an ARN (`arn:partition:service:region:account:resource`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Arn<'a> {
    pub(crate) partition: &'a str,
    pub(crate) service: &'a str,
    pub(crate) region: &'a str,
    pub(crate) account: &'a str,
    pub(crate) resource: &'a str,
}

impl<'a> Arn<'a> {
    /// Reads an ARN (none for any other string).
    pub(crate) fn parse(text: &'a str) -> Option<Arn<'a>> {
        let mut parts = text.splitn(6, ':');
        if parts.next() != Some("arn") {
            return None;
        }
        let partition = parts.next().filter(|p| !p.is_empty())?;
        let service = parts.next().filter(|s| !s.is_empty())?;
        let region = parts.next()?;
        let account = parts.next()?;
        let resource = parts.next().filter(|r| !r.is_empty())?;
        Some(Arn { partition, service, region, account, resource })
    }

    /// The resource's type word (`role` of `role/path/Admin`, `function` of `function:f`).
    fn resource_kind(&self) -> &'a str {
        match self.resource.find(['/', ':']) {
            Some(at) => self.resource.get(..at).unwrap_or(self.resource),
            None => self.resource,
        }
    }
}

/// How Remit types a principal or resource: the OCSF `type` (CloudFormation's spelling, as
/// AWS's own OCSF findings use) and a label for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Typed {
    pub(crate) ocsf: &'static str,
    pub(crate) label: &'static str,
}

const fn typed(ocsf: &'static str, label: &'static str) -> Option<Typed> {
    Some(Typed { ocsf, label })
}

/// The type of `name`, when its shape tells it.
pub(crate) fn type_of(name: &str) -> Option<Typed> {
    if let Some(arn) = Arn::parse(name) {
        return aws_type(&arn);
    }
    if name == "*" {
        return typed("Anyone", "anyone");
    }
    if name.len() == 12 && name.bytes().all(|b| b.is_ascii_digit()) {
        return typed("AWS::Account", "account");
    }
    if name.ends_with(".amazonaws.com") && !name.contains(['/', ':', ' ']) {
        return typed("AWS::Service", "AWS service");
    }
    None
}

fn aws_type(arn: &Arn<'_>) -> Option<Typed> {
    let kind = arn.resource_kind();
    match (arn.service, kind) {
        ("iam", "role") => typed("AWS::IAM::Role", "IAM role"),
        ("iam", "user") => typed("AWS::IAM::User", "IAM user"),
        ("iam", "group") => typed("AWS::IAM::Group", "IAM group"),
        ("iam", "policy") => typed("AWS::IAM::ManagedPolicy", "managed policy"),
        ("iam", "instance-profile") => typed("AWS::IAM::InstanceProfile", "instance profile"),
        ("iam", "saml-provider") => typed("AWS::IAM::SAMLProvider", "SAML provider"),
        ("iam", "oidc-provider") => typed("AWS::IAM::OIDCProvider", "OIDC provider"),
        // `arn:aws:iam::111122223333:root` names the account (and its root user), as AWS's
        // own findings about root credentials type it.
        ("iam", "root") => typed("AWS::Account", "account"),
        ("sts", "assumed-role") => typed("AWS::STS::AssumedRole", "role session"),
        ("sts", "federated-user") => typed("AWS::STS::FederatedUser", "federated user"),
        ("s3", "accesspoint") => typed("AWS::S3::AccessPoint", "S3 access point"),
        ("s3", _) if arn.account.is_empty() && !arn.resource.contains('/') => typed("AWS::S3::Bucket", "S3 bucket"),
        ("s3", _) if arn.account.is_empty() => typed("AWS::S3::Object", "S3 objects"),
        ("kms", "key") => typed("AWS::KMS::Key", "KMS key"),
        ("kms", "alias") => typed("AWS::KMS::Alias", "KMS alias"),
        ("sqs", _) => typed("AWS::SQS::Queue", "SQS queue"),
        ("sns", _) => typed("AWS::SNS::Topic", "SNS topic"),
        ("lambda", "function") => typed("AWS::Lambda::Function", "Lambda function"),
        ("secretsmanager", "secret") => typed("AWS::SecretsManager::Secret", "secret"),
        ("ecr", "repository") => typed("AWS::ECR::Repository", "ECR repository"),
        ("glacier", "vaults") => typed("AWS::Glacier::Vault", "Glacier vault"),
        ("ec2", "instance") => typed("AWS::EC2::Instance", "EC2 instance"),
        ("sso", "permissionSet") => typed("AWS::SSO::PermissionSet", "permission set"),
        _ => None,
    }
}

/// A short name for people (`Admin` of `arn:aws:iam::1:role/ops/Admin`) and what it is
/// (`IAM role · 111122223333`), the second empty when nothing is known.
pub(crate) fn label(name: &str) -> (String, String) {
    let typed = type_of(name);
    let Some(arn) = Arn::parse(name) else {
        return (name.to_owned(), typed.map(|t| t.label.to_owned()).unwrap_or_default());
    };
    let kind = arn.resource_kind();
    let short = match (arn.service, kind) {
        ("iam", "root") => "root",
        // A session is its role and session name.
        ("sts", "assumed-role") | ("sts", "federated-user") => {
            arn.resource.get(kind.len() + 1..).filter(|s| !s.is_empty()).unwrap_or(arn.resource)
        }
        ("s3", _) => arn.resource,
        _ => arn.resource.rsplit(['/', ':']).next().filter(|s| !s.is_empty()).unwrap_or(arn.resource),
    };
    let what = match (typed, arn.account.is_empty()) {
        (Some(t), false) => format!("{} · {}", t.label, arn.account),
        (Some(t), true) => t.label.to_owned(),
        (None, false) => format!("{} · {}", arn.service, arn.account),
        (None, true) => arn.service.to_owned(),
    };
    (short.to_owned(), what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_aws_names() {
        let role = "arn:aws:iam::111122223333:role/ops/Admin";
        assert_eq!(type_of(role).map(|t| t.ocsf), Some("AWS::IAM::Role"));
        assert_eq!(label(role), ("Admin".to_owned(), "IAM role · 111122223333".to_owned()));
        assert_eq!(type_of("arn:aws:iam::111122223333:user/alice").map(|t| t.ocsf), Some("AWS::IAM::User"));
        assert_eq!(type_of("arn:aws:iam::111122223333:root").map(|t| t.ocsf), Some("AWS::Account"));
        assert_eq!(label("arn:aws:iam::111122223333:root").0, "root");
        let session = "arn:aws:sts::111122223333:assumed-role/Deploy/ci";
        assert_eq!(label(session).0, "Deploy/ci");
        assert_eq!(type_of("arn:aws:s3:::logs").map(|t| t.ocsf), Some("AWS::S3::Bucket"));
        assert_eq!(type_of("arn:aws:s3:::logs/*").map(|t| t.ocsf), Some("AWS::S3::Object"));
        assert_eq!(
            type_of("arn:aws:lambda:eu-west-1:111122223333:function:f").map(|t| t.ocsf),
            Some("AWS::Lambda::Function")
        );
        assert_eq!(label("arn:aws:lambda:eu-west-1:111122223333:function:f").0, "f");
        assert_eq!(type_of("lambda.amazonaws.com").map(|t| t.ocsf), Some("AWS::Service"));
        assert_eq!(type_of("111122223333").map(|t| t.ocsf), Some("AWS::Account"));
        assert_eq!(type_of("*").map(|t| t.ocsf), Some("Anyone"));
        // Other clouds' names and odd strings keep their text and get no type.
        assert_eq!(type_of("user:alice@example.com"), None);
        assert_eq!(label("user:alice@example.com"), ("user:alice@example.com".to_owned(), String::new()));
        for odd in ["", "arn", "arn:", "arn:aws", "arn:aws:iam::1:", "arn:::::x", "arn:aws:iam::1:role/"] {
            let _ = (type_of(odd), label(odd));
        }
        assert_eq!(label("arn:aws:iam::1:role/").0, "role/");
    }
}
