//! A cloud identity as this crate sees it: plain data every cloud crate can fill.
//!
//! This crate must not depend on any cloud crate (people are cloud-neutral); the integrator
//! adapts AWS IAM and Identity Center users, Entra users and service principals, and Google
//! Cloud members into this one shape, with whatever evidence of a person the cloud records.

use remit_model::{Cloud, PrincipalKind};

/// One identity of one cloud, with the facts that can tie it to a person or an owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudIdentity {
    /// Its cloud.
    pub cloud: Cloud,
    /// Its native id: an ARN, an Entra object id, a Google Cloud member string
    /// (`user:alice@example.com`, `deleted:user:bob@example.com?uid=123`).
    pub id: String,
    /// Its kind: users (and sessions) are matched to persons; service accounts and roles to
    /// owners.
    pub kind: PrincipalKind,
    /// Its name in the cloud (IAM user name, Identity Center user name, display name).
    pub name: String,
    /// Email addresses the cloud records for it (Entra `mail`, `otherMails`; Identity Center
    /// emails; a Google user's address).
    pub emails: Vec<String>,
    /// Entra `userPrincipalName`.
    pub upn: Option<String>,
    /// Entra `employeeId`, or an employee number the cloud holds.
    pub employee_id: Option<String>,
    /// The identity provider and the subject it asserts: (`okta`, Okta user id) for an
    /// Identity Center user provisioned by Okta (its `ExternalIds`), (`entra`, object id).
    pub idp_subject: Option<(String, String)>,
    /// How it signs in, when through federation: `aws-identity-center`,
    /// `aws-saml:<provider arn>` and `aws-oidc:<provider>` (a role its trust policy lets that
    /// provider federate), `gcp-workforce:<pool>` (a workforce identity or pool group),
    /// `azure-b2b`.
    pub federated_via: Option<String>,
    /// Tags or labels (`owner`, `created-by`, `contact`, …).
    pub tags: Vec<(String, String)>,
    /// Ids of owners the cloud records (Entra application and service principal owners, a
    /// Google service account's creator): object ids, member strings or emails.
    pub owners: Vec<String>,
    /// Last activity (seconds since the Unix epoch), when known.
    pub last_active: Option<i64>,
    /// False when the cloud has it disabled (Entra `accountEnabled: false`, a disabled
    /// Google service account, an Identity Center user without access): it cannot sign in.
    pub enabled: bool,
}

impl CloudIdentity {
    /// An enabled identity with no other facts.
    pub fn new(cloud: Cloud, kind: PrincipalKind, id: impl Into<String>, name: impl Into<String>) -> CloudIdentity {
        CloudIdentity {
            cloud,
            id: id.into(),
            kind,
            name: name.into(),
            emails: Vec::new(),
            upn: None,
            employee_id: None,
            idp_subject: None,
            federated_via: None,
            tags: Vec::new(),
            owners: Vec::new(),
            last_active: None,
            enabled: true,
        }
    }

    /// True for a Google Cloud member deleted since it was granted (`deleted:user:…`):
    /// <https://cloud.google.com/iam/docs/principal-identifiers>.
    pub fn is_deleted(&self) -> bool {
        self.id.starts_with("deleted:")
    }

    /// True when it can still act: enabled and not deleted.
    pub fn is_active(&self) -> bool {
        self.enabled && !self.is_deleted()
    }

    /// True for the kinds a person uses directly (users, sessions).
    pub fn is_human(&self) -> bool {
        matches!(self.kind, PrincipalKind::User | PrincipalKind::Session | PrincipalKind::Person)
    }

    /// True for the kinds machines use (service accounts, service principals, managed
    /// identities, roles).
    pub fn is_non_human(&self) -> bool {
        matches!(self.kind, PrincipalKind::ServiceAccount | PrincipalKind::Role)
    }

    /// True for an Entra B2B guest (`#EXT#` in its UPN, or federated as `azure-b2b`):
    /// <https://learn.microsoft.com/en-us/entra/external-id/user-properties>.
    pub fn is_guest(&self) -> bool {
        self.federated_via.as_deref() == Some("azure-b2b")
            || self.upn.as_deref().is_some_and(|u| u.to_ascii_lowercase().contains("#ext#"))
    }

    /// The Google Cloud member string without `deleted:` and `?uid=…`
    /// (`user:alice@example.com`).
    pub fn member(&self) -> &str {
        let id = self.id.strip_prefix("deleted:").unwrap_or(&self.id);
        id.split_once("?uid=").map_or(id, |(m, _)| m)
    }

    /// Addresses it is known by, lowercased, each with where it comes from (`email`, `UPN`,
    /// `member`), without repeats.
    pub fn addresses(&self) -> Vec<(String, &'static str)> {
        let mut out: Vec<(String, &'static str)> = Vec::new();
        let mut add = |a: &str, source: &'static str| {
            let a = a.trim().to_lowercase();
            if a.contains('@') && !out.iter().any(|(x, _)| *x == a) {
                out.push((a, source));
            }
        };
        // A guest's addresses are its home organization's: say so in every reason they give.
        let guest = self.is_guest();
        for e in &self.emails {
            add(e, if guest { "Entra B2B guest's mail" } else { "email" });
        }
        if let Some(upn) = &self.upn {
            add(upn, if guest { "Entra B2B guest's UPN" } else { "UPN" });
        }
        if let Some(home) = self.b2b_home_address() {
            add(&home, "Entra B2B guest's home address (encoded in its #EXT# UPN)");
        }
        if self.cloud == Cloud::Gcp
            && let Some(email) = self.member().strip_prefix("user:")
        {
            add(email, "member");
        }
        if let Some(subject) = self.workforce_subject() {
            add(subject, "workforce subject");
        }
        if let Some(session) = self.session_name() {
            add(session, "session name");
        }
        out
    }

    /// The home address an Entra B2B guest's UPN encodes: a guest invited as
    /// `first.last@domain.com` gets the UPN `first.last_domain.com#EXT#@tenant.onmicrosoft.com`
    /// (the `@` becomes the last `_` before `#EXT#`):
    /// <https://learn.microsoft.com/en-us/entra/external-id/user-properties>. `None` when the
    /// UPN has no `#EXT#` or what precedes it does not read as an address.
    pub fn b2b_home_address(&self) -> Option<String> {
        let upn = self.upn.as_deref()?.trim();
        let end = upn.to_ascii_lowercase().find("#ext#")?;
        let (local, domain) = upn.get(..end)?.rsplit_once('_')?;
        let readable = !local.is_empty()
            && !local.contains('@')
            && domain.contains('.')
            && !domain.contains('@')
            && !domain.starts_with('.')
            && !domain.ends_with('.');
        readable.then(|| format!("{local}@{domain}").to_lowercase())
    }

    /// The subject of a Google Cloud workforce identity
    /// (`principal://iam.googleapis.com/locations/global/workforcePools/POOL/subject/SUBJECT`):
    /// <https://cloud.google.com/iam/docs/principal-identifiers>.
    pub fn workforce_subject(&self) -> Option<&str> {
        let rest = self.member().strip_prefix("principal://iam.googleapis.com/locations/global/workforcePools/")?;
        let (_, subject) = rest.split_once("/subject/")?;
        (!subject.is_empty()).then_some(subject)
    }

    /// The session name of an AWS role session (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`),
    /// which SAML federation sets from the IdP's `RoleSessionName` attribute (often the user's
    /// address): <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_saml_assertions.html>.
    pub fn session_name(&self) -> Option<&str> {
        if self.cloud != Cloud::Aws || !self.id.contains(":assumed-role/") {
            return None;
        }
        let session = self.id.rsplit('/').next()?;
        (!session.is_empty()).then_some(session)
    }

    /// The names it signs in with, lowercased: its name, its UPN, its Google user email, its
    /// workforce subject, its AWS session name.
    pub fn sign_in_names(&self) -> Vec<String> {
        let mut out = vec![self.name.trim().to_lowercase()];
        if let Some(upn) = &self.upn {
            out.push(upn.trim().to_lowercase());
        }
        if let Some(email) = self.member().strip_prefix("user:") {
            out.push(email.trim().to_lowercase());
        }
        for other in [self.workforce_subject(), self.session_name()].into_iter().flatten() {
            out.push(other.trim().to_lowercase());
        }
        out.retain(|n| !n.is_empty());
        out.sort_unstable();
        out.dedup();
        out
    }
}
