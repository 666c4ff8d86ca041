//! The rules: each id, with its severity rationale and remediation as reports print them.
//!
//! `docs/findings.md` documents the same table; ids are part of every finding's stable id
//! ([`remit_findings::FindingId`]), so they never change once published.

/// Full control of an account: every action the account's guardrails leave open.
pub const ADMIN_FULL: &str = "aws-admin-full";
/// Every IAM write on every IAM resource: can grant itself anything.
pub const ADMIN_IAM: &str = "aws-admin-iam";
/// A path of one or more steps to an administrator.
pub const ESCALATION: &str = "aws-privilege-escalation";
/// A role trusting principals outside the organization.
pub const TRUST_EXTERNAL: &str = "aws-trust-external-account";
/// A role trusting a third party without `sts:ExternalId`.
pub const TRUST_NO_EXTERNAL_ID: &str = "aws-trust-third-party-without-external-id";
/// A role trusting any AWS principal (`*`).
pub const TRUST_ANYONE: &str = "aws-trust-anyone";
/// A web-identity (OIDC) trust without a condition on the token's subject or audience.
pub const TRUST_OIDC_UNRESTRICTED: &str = "aws-trust-oidc-without-subject";
/// A resource anyone can act on.
pub const RESOURCE_PUBLIC: &str = "aws-resource-public";
/// A resource principals outside the organization can act on.
pub const RESOURCE_EXTERNAL: &str = "aws-resource-external";
/// A principal holding actions of a risk category.
pub const RISK_CATEGORY: &str = "aws-risky-actions";
/// A principal holding every action of a sensitive service on every resource.
pub const SERVICE_WILDCARD: &str = "aws-service-wildcard";
/// A user or role unused for the inactivity window.
pub const INACTIVE: &str = "aws-inactive-identity";
/// An active access key older than the rotation window.
pub const OLD_KEY: &str = "aws-old-access-key";
/// An active access key unused for the inactivity window, or never.
pub const UNUSED_KEY: &str = "aws-unused-access-key";
/// A console password without MFA.
pub const CONSOLE_WITHOUT_MFA: &str = "aws-console-without-mfa";
/// The root user has access keys.
pub const ROOT_KEYS: &str = "aws-root-access-key";
/// The root user has no MFA.
pub const ROOT_WITHOUT_MFA: &str = "aws-root-without-mfa";
/// The root user was used within the inactivity window.
pub const ROOT_USED: &str = "aws-root-used";
/// A separation-of-duties rule is broken (the rule's own id follows, `aws-toxic:<id>`).
pub const TOXIC_PREFIX: &str = "aws-toxic";
