//! Who is asking (the caller) and whom a policy's `Principal` names.
//!
//! A resource-based policy names principals in several forms, and *how* it names the caller
//! changes the decision: naming the IAM user, the role session or the federated user grants
//! directly; naming the role limits the grant by the session's boundary and session policy;
//! naming the account only delegates to the account's identity policies.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html#policy-eval-denyallow>
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html>

use crate::policy::{PrincipalType, Principals};

/// The principal making a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// An IAM user.
    User {
        /// The user's ARN.
        arn: Box<str>,
        /// Its account.
        account: Box<str>,
    },
    /// An IAM role, when the caller is given as the role's ARN rather than a session's.
    Role {
        /// The role's ARN (with its path).
        arn: Box<str>,
        /// Its account.
        account: Box<str>,
        /// The role's name (the last path segment).
        name: Box<str>,
    },
    /// An assumed-role session `arn:aws:sts::A:assumed-role/ROLE/SESSION`.
    RoleSession {
        /// The session's ARN.
        arn: Box<str>,
        /// Its account.
        account: Box<str>,
        /// The role's name.
        role_name: Box<str>,
    },
    /// A federated user session from `GetFederationToken`: `arn:aws:sts::A:federated-user/NAME`.
    FederatedUser {
        /// The session's ARN.
        arn: Box<str>,
        /// Its account.
        account: Box<str>,
    },
    /// The account root user `arn:aws:iam::A:root`.
    Root {
        /// The account.
        account: Box<str>,
    },
    /// An AWS service principal such as `lambda.amazonaws.com`.
    Service {
        /// The lower-cased service principal name.
        name: Box<str>,
    },
    /// A SAML or OIDC identity provider calling `AssumeRoleWithSAML`/`WithWebIdentity`: a
    /// provider ARN (`arn:aws:iam::A:saml-provider/X`, `...:oidc-provider/HOST`) or a web
    /// identity provider name (`cognito-identity.amazonaws.com`, `accounts.google.com` ...).
    Federated {
        /// The provider as a trust policy names it.
        provider: Box<str>,
    },
    /// An unauthenticated request.
    Anonymous,
}

/// The web identity providers AWS names by domain in `"Federated"` principals.
const WEB_IDENTITY_PROVIDERS: &[&str] =
    &["cognito-identity.amazonaws.com", "accounts.google.com", "graph.facebook.com", "www.amazon.com"];

impl Caller {
    /// Parses the caller as given in a request: an ARN, a service principal, or `anonymous`.
    pub fn parse(text: &str) -> Result<Caller, String> {
        if text == "anonymous" {
            return Ok(Caller::Anonymous);
        }
        if WEB_IDENTITY_PROVIDERS.contains(&text) {
            return Ok(Caller::Federated { provider: text.into() });
        }
        if !text.starts_with("arn:") {
            if is_service_principal(text) {
                return Ok(Caller::Service { name: text.to_ascii_lowercase().into() });
            }
            return Err(format!(
                "`{text}` is not a principal: expected an ARN, a service principal such as `lambda.amazonaws.com`, or `anonymous`"
            ));
        }
        let parts: Vec<&str> = text.splitn(6, ':').collect();
        let [_, _partition, service, _region, account, resource] = parts[..] else {
            return Err(format!("`{text}` is not a valid ARN"));
        };
        if !is_account_id(account) {
            return Err(format!("`{text}`: the account must be 12 digits"));
        }
        let account: Box<str> = account.into();
        let (kind, rest) = resource.split_once('/').unwrap_or((resource, ""));
        match (service, kind) {
            ("iam", "root") if rest.is_empty() => Ok(Caller::Root { account }),
            ("iam", "user") if !rest.is_empty() => Ok(Caller::User { arn: text.into(), account }),
            ("iam", "role") if !rest.is_empty() => {
                let name = rest.rsplit('/').next().unwrap_or(rest);
                Ok(Caller::Role { arn: text.into(), account, name: name.into() })
            }
            ("iam", "saml-provider" | "oidc-provider") if !rest.is_empty() => {
                Ok(Caller::Federated { provider: text.into() })
            }
            ("sts", "assumed-role") => match rest.split_once('/') {
                Some((role, session)) if !role.is_empty() && !session.is_empty() => {
                    Ok(Caller::RoleSession { arn: text.into(), account, role_name: role.into() })
                }
                _ => Err(format!("`{text}`: expected `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`")),
            },
            ("sts", "federated-user") if !rest.is_empty() => Ok(Caller::FederatedUser { arn: text.into(), account }),
            _ => Err(format!(
                "`{text}` cannot make requests: expected a user, role, assumed-role session, federated user or account root ARN"
            )),
        }
    }

    /// The caller's account, for IAM principals.
    pub fn account(&self) -> Option<&str> {
        match self {
            Caller::User { account, .. }
            | Caller::Role { account, .. }
            | Caller::RoleSession { account, .. }
            | Caller::FederatedUser { account, .. }
            | Caller::Root { account } => Some(account),
            Caller::Service { .. } | Caller::Federated { .. } | Caller::Anonymous => None,
        }
    }

    /// Users, roles and their sessions: the principals that have identity-based policies,
    /// permissions boundaries and (for sessions) session policies.
    pub fn is_iam_identity(&self) -> bool {
        matches!(
            self,
            Caller::User { .. } | Caller::Role { .. } | Caller::RoleSession { .. } | Caller::FederatedUser { .. }
        )
    }

    /// The principals SCPs restrict: IAM identities and the root user of member accounts, but
    /// not service-linked roles ("SCPs don't affect any service-linked role").
    /// <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html>
    pub fn is_restricted_by_scps(&self) -> bool {
        (self.is_iam_identity() || matches!(self, Caller::Root { .. })) && !self.is_service_linked_role()
    }

    /// Service-linked roles live under the path `/aws-service-role/` and are named
    /// `AWSServiceRoleFor...`; a session ARN carries only the name.
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html>
    pub fn is_service_linked_role(&self) -> bool {
        match self {
            Caller::Role { arn, name, .. } => {
                arn.contains(":role/aws-service-role/") || name.starts_with("AWSServiceRoleFor")
            }
            Caller::RoleSession { role_name, .. } => role_name.starts_with("AWSServiceRoleFor"),
            _ => false,
        }
    }

    /// Callers that belong to an account: IAM identities and the root user.
    pub fn is_in_account(&self) -> bool {
        self.is_iam_identity() || matches!(self, Caller::Root { .. })
    }

    /// Sessions: role sessions (also a role given by ARN) and federated users.
    pub fn is_session(&self) -> bool {
        matches!(self, Caller::Role { .. } | Caller::RoleSession { .. } | Caller::FederatedUser { .. })
    }
}

fn is_service_principal(text: &str) -> bool {
    (text.ends_with(".amazonaws.com") || text.ends_with(".amazonaws.com.cn") || text.ends_with(".amazon.com"))
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
}

/// Whether `text` is an AWS account id: twelve digits.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

/// How strongly a `Principal` element names the caller. Ordered: a stronger match wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PrincipalMatch {
    /// The caller is not named.
    None,
    /// The caller's account is named: the grant is delegated to the account's identity policies.
    Account,
    /// The caller is a session of the named role: limited by boundary and session policy.
    Role,
    /// The caller itself is named (its user, session or federated-user ARN, its service or
    /// provider, or `*`).
    Direct,
}

/// One compiled principal entry.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum NamedPrincipal {
    Everyone,
    Account(Box<str>),
    User(Box<str>),
    Role {
        account: Box<str>,
        name: Box<str>,
        arn: Box<str>,
    },
    RoleSession(Box<str>),
    FederatedUser(Box<str>),
    Service(Box<str>),
    AnyService,
    Federated(Box<str>),
    AnyFederated,
    /// Names nobody we can recognise: canonical users, unique ids of deleted principals
    /// (which must never match a principal re-created under the same name).
    Nobody,
}

pub(crate) fn compile_principals(principals: &Principals) -> Vec<NamedPrincipal> {
    match principals {
        Principals::Everyone => vec![NamedPrincipal::Everyone],
        Principals::Typed(entries) => {
            entries.iter().flat_map(|(kind, values)| values.iter().map(move |v| compile_one(*kind, v))).collect()
        }
    }
}

fn compile_one(kind: PrincipalType, value: &str) -> NamedPrincipal {
    match kind {
        PrincipalType::Aws => {
            if value == "*" {
                // `{"AWS": "*"}` is equivalent to `"*"`.
                return NamedPrincipal::Everyone;
            }
            if is_account_id(value) {
                return NamedPrincipal::Account(value.into());
            }
            let parts: Vec<&str> = value.splitn(6, ':').collect();
            let [_arn, _partition, service, _region, account, resource] = parts[..] else {
                return NamedPrincipal::Nobody;
            };
            if !is_account_id(account) {
                return NamedPrincipal::Nobody;
            }
            let (kind, rest) = resource.split_once('/').unwrap_or((resource, ""));
            match (service, kind) {
                ("iam", "root") if rest.is_empty() => NamedPrincipal::Account(account.into()),
                ("iam", "user") if !rest.is_empty() => NamedPrincipal::User(value.into()),
                ("iam", "role") if !rest.is_empty() => NamedPrincipal::Role {
                    account: account.into(),
                    name: rest.rsplit('/').next().unwrap_or(rest).into(),
                    arn: value.into(),
                },
                ("sts", "assumed-role") if rest.contains('/') => NamedPrincipal::RoleSession(value.into()),
                ("sts", "federated-user") if !rest.is_empty() => NamedPrincipal::FederatedUser(value.into()),
                _ => NamedPrincipal::Nobody,
            }
        }
        PrincipalType::Service if value == "*" => NamedPrincipal::AnyService,
        PrincipalType::Service => NamedPrincipal::Service(value.to_ascii_lowercase().into()),
        PrincipalType::Federated if value == "*" => NamedPrincipal::AnyFederated,
        PrincipalType::Federated => NamedPrincipal::Federated(value.into()),
        PrincipalType::CanonicalUser => NamedPrincipal::Nobody,
    }
}

impl NamedPrincipal {
    fn match_caller(&self, caller: &Caller) -> PrincipalMatch {
        use PrincipalMatch as M;
        match (self, caller) {
            (NamedPrincipal::Everyone, _) => M::Direct,
            (NamedPrincipal::Nobody, _) => M::None,
            (NamedPrincipal::Account(a), c) => {
                if c.account() == Some(&**a) {
                    M::Account
                } else {
                    M::None
                }
            }
            (NamedPrincipal::User(arn), Caller::User { arn: c, .. }) if arn == c => M::Direct,
            (NamedPrincipal::Role { account, name, .. }, Caller::RoleSession { account: ca, role_name, .. })
                if account == ca && name == role_name =>
            {
                M::Role
            }
            (NamedPrincipal::Role { arn, .. }, Caller::Role { arn: c, .. }) if arn == c => M::Role,
            (NamedPrincipal::RoleSession(arn), Caller::RoleSession { arn: c, .. }) if arn == c => M::Direct,
            (NamedPrincipal::FederatedUser(arn), Caller::FederatedUser { arn: c, .. }) if arn == c => M::Direct,
            (NamedPrincipal::Service(name), Caller::Service { name: c }) if name == c => M::Direct,
            (NamedPrincipal::AnyService, Caller::Service { .. }) => M::Direct,
            (NamedPrincipal::Federated(p), Caller::Federated { provider }) if p == provider => M::Direct,
            (NamedPrincipal::AnyFederated, Caller::Federated { .. }) => M::Direct,
            _ => M::None,
        }
    }
}

impl NamedPrincipal {
    /// Names a caller in particular (a user, role, session, service or provider), not
    /// everyone or a whole account: whether it names a caller depends on who the caller is,
    /// not only on its account.
    fn is_particular(&self) -> bool {
        !matches!(self, NamedPrincipal::Everyone | NamedPrincipal::Account(_) | NamedPrincipal::Nobody)
    }
}

/// The principals that resource policies name in particular (see
/// `NamedPrincipal::is_particular`) in their `Principal` and `NotPrincipal` elements. A
/// caller none of them names is named by those policies as any other caller of its kind and
/// account is: an analysis that decides many resources for many callers groups the resources
/// once for all such callers.
#[derive(Debug, Clone, Default)]
pub struct NamedInParticular(Vec<NamedPrincipal>);

impl NamedInParticular {
    /// Adds the principals the statements of `policies` name in particular.
    pub(crate) fn add_all<'p>(&mut self, principals: impl Iterator<Item = &'p NamedPrincipal>) {
        for principal in principals.filter(|p| p.is_particular()) {
            if !self.0.contains(principal) {
                self.0.push(principal.clone());
            }
        }
    }

    /// Whether one of them is `caller` (or, for a session, its role).
    pub fn names(&self, caller: &Caller) -> bool {
        self.0.iter().any(|p| p.match_caller(caller) != PrincipalMatch::None)
    }
}

/// Whether `principals` (a `Principal` element's) name only principals in particular (see
/// `NamedPrincipal::is_particular`): such a statement names a caller only when it is one of
/// them.
pub(crate) fn only_particular(principals: &[NamedPrincipal]) -> bool {
    principals.iter().all(NamedPrincipal::is_particular)
}

/// The strongest way `principals` names the caller.
pub(crate) fn best_match(principals: &[NamedPrincipal], caller: &Caller) -> PrincipalMatch {
    principals.iter().map(|p| p.match_caller(caller)).max().unwrap_or(PrincipalMatch::None)
}

/// Whether a `NotPrincipal` list excepts the caller. AWS may check the account, then the role,
/// then the session, so a caller is excepted only when every link of its chain is listed:
/// "you must also specify the account ARN of the not-denied principal", and for a role
/// session the session, the role and the account.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html>
pub(crate) fn not_principal_excepts(listed: &[NamedPrincipal], caller: &Caller) -> bool {
    let everyone = listed.contains(&NamedPrincipal::Everyone);
    if everyone {
        return true;
    }
    let has = |wanted: PrincipalMatch| listed.iter().any(|p| p.match_caller(caller) == wanted);
    match caller {
        Caller::User { .. } | Caller::FederatedUser { .. } => {
            has(PrincipalMatch::Direct) && has(PrincipalMatch::Account)
        }
        Caller::RoleSession { .. } => {
            has(PrincipalMatch::Direct) && has(PrincipalMatch::Role) && has(PrincipalMatch::Account)
        }
        Caller::Role { .. } => has(PrincipalMatch::Role) && has(PrincipalMatch::Account),
        Caller::Root { .. } => has(PrincipalMatch::Account),
        Caller::Service { .. } | Caller::Federated { .. } => has(PrincipalMatch::Direct),
        Caller::Anonymous => false,
    }
}
