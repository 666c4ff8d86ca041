//! Who made a request: CloudTrail's `userIdentity` reduced to the principal whose permissions
//! were used.
//!
//! The rules (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html>):
//! - `IAMUser`: the user's ARN.
//! - `AssumedRole` (and `Role`): the role, from `sessionContext.sessionIssuer.arn` (the IAM ARN,
//!   with its path) — a role's sessions count toward the role, whatever the session name. Who
//!   was behind the session is kept beside it: the source identity, the Identity Center user
//!   (`onBehalfOf`, or the session name of an `AWSReservedSSO_` role, which Identity Center sets
//!   to the user's name), the web-identity provider, or a session name that is an e-mail address
//!   (what SAML federation usually sets).
//! - `FederatedUser`: the IAM user whose `GetFederationToken` made the session (its
//!   `sessionIssuer`): the federated user's permissions are at most the user's.
//! - `Root`: the account's root, `arn:aws:iam::<account>:root`.
//! - `AWSService`: the service principal in `invokedBy` (`lambda.amazonaws.com`).
//! - `AWSAccount`: a caller of another account named only by its account and principal id
//!   (`AROA…`, `AIDA…`): kept as `<account>:<unique id>` so an environment that holds the
//!   principal can name it.
//! - `SAMLUser` / `WebIdentityUser` appear only on `AssumeRoleWithSAML` /
//!   `AssumeRoleWithWebIdentity`: the request is about the role it assumes, named in the
//!   request; the federated subject is kept as the role's identity.

use std::borrow::Cow;

use remit_activity::{CallerKind, IdentityKind};

use crate::record::{Record, UserIdentity};

/// The principal a record's request counts toward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Caller<'r> {
    pub(crate) principal: Cow<'r, str>,
    pub(crate) kind: CallerKind,
    pub(crate) account: Cow<'r, str>,
    pub(crate) identity: Option<(IdentityKind, Cow<'r, str>)>,
}

/// The role ARN an `arn:aws:sts::<acct>:assumed-role/<name>/<session>` names, without its path
/// (which the STS ARN does not carry), and the session name.
pub(crate) fn role_of_session_arn(arn: &str) -> Option<(String, &str)> {
    let mut parts = arn.splitn(6, ':');
    let (_, partition, service, _, account, rest) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if service != "sts" {
        return None;
    }
    let rest = rest.strip_prefix("assumed-role/")?;
    let (name, session) = rest.split_once('/')?;
    Some((format!("arn:{partition}:iam::{account}:role/{name}"), session))
}

fn role_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

/// The caller of `record`, or `None` when the record names no one.
pub(crate) fn caller<'r>(record: &'r Record<'r>) -> Option<Caller<'r>> {
    let id: &UserIdentity<'r> = record.user_identity.get()?;
    let recipient = record.recipient_account_id.get().unwrap_or("");
    let account = id.account_id.get().unwrap_or(recipient);
    let borrowed = |s: &'r str| Cow::Borrowed(s);
    let kind = id.kind.get().unwrap_or("");
    match kind {
        "IAMUser" => {
            let principal = match (id.arn.get(), id.user_name.get()) {
                (Some(arn), _) => borrowed(arn),
                (None, Some(name)) => Cow::Owned(format!("arn:aws:iam::{account}:user/{name}")),
                (None, None) => return None,
            };
            Some(Caller { principal, kind: CallerKind::User, account: borrowed(account), identity: None })
        }
        "AssumedRole" | "Role" => {
            let context = id.session_context.get();
            let issuer = context.and_then(|c| c.session_issuer.get()).and_then(|i| i.arn.get());
            let session_arn = id.arn.get();
            let from_session = session_arn.and_then(role_of_session_arn);
            let principal: Cow<'r, str> = match (issuer, &from_session) {
                (Some(arn), _) => borrowed(arn),
                (None, Some((arn, _))) => Cow::Owned(arn.clone()),
                (None, None) if kind == "Role" => borrowed(session_arn?),
                (None, None) => return None,
            };
            let session_name = from_session.map(|(_, session)| session);
            let identity = if let Some(source) = context.and_then(|c| c.source_identity.get()) {
                Some((IdentityKind::SourceIdentity, borrowed(source)))
            } else if let Some(user) = id.on_behalf_of.get().and_then(|o| o.user_id.get()) {
                Some((IdentityKind::IdentityCenterUser, borrowed(user)))
            } else if role_name(&principal).starts_with("AWSReservedSSO_") {
                session_name.map(|s| (IdentityKind::IdentityCenterUser, borrowed(s)))
            } else if let Some(provider) =
                context.and_then(|c| c.web_id_federation_data.get()).and_then(|w| w.federated_provider.get())
            {
                Some((IdentityKind::WebIdentity, borrowed(provider)))
            } else {
                session_name.filter(|s| s.contains('@')).map(|s| (IdentityKind::SessionName, borrowed(s)))
            };
            let account =
                context.and_then(|c| c.session_issuer.get()).and_then(|i| i.account_id.get()).unwrap_or(account);
            Some(Caller { principal, kind: CallerKind::Role, account: borrowed(account), identity })
        }
        "FederatedUser" => {
            let context = id.session_context.get();
            let issuer = context.and_then(|c| c.session_issuer.get()).and_then(|i| i.arn.get());
            let federated = id.arn.get().and_then(|arn| arn.rsplit('/').next());
            match issuer {
                Some(user) => Some(Caller {
                    principal: borrowed(user),
                    kind: CallerKind::User,
                    account: borrowed(account),
                    identity: federated.map(|name| (IdentityKind::SessionName, borrowed(name))),
                }),
                None => Some(Caller {
                    principal: borrowed(id.arn.get()?),
                    kind: CallerKind::FederatedUser,
                    account: borrowed(account),
                    identity: None,
                }),
            }
        }
        "Root" => Some(Caller {
            principal: Cow::Owned(format!("arn:aws:iam::{account}:root")),
            kind: CallerKind::Root,
            account: borrowed(account),
            identity: None,
        }),
        "AWSService" => Some(Caller {
            principal: borrowed(id.invoked_by.get()?),
            kind: CallerKind::Service,
            account: borrowed(recipient),
            identity: None,
        }),
        "AWSAccount" => {
            let unique = id.principal_id.get().map(|p| p.split(':').next().unwrap_or(p)).unwrap_or("");
            let principal = if unique.is_empty() || unique == account {
                Cow::Owned(format!("arn:aws:iam::{account}:root"))
            } else {
                Cow::Owned(format!("{account}:{unique}"))
            };
            Some(Caller { principal, kind: CallerKind::Account, account: borrowed(account), identity: None })
        }
        "SAMLUser" | "WebIdentityUser" => {
            let role = record.request_parameters.get().and_then(|p| p.role_arn.get())?;
            let identity_kind = if kind == "SAMLUser" { IdentityKind::Saml } else { IdentityKind::WebIdentity };
            let subject = id.user_name.get().or(id.principal_id.get()).or(id.identity_provider.get());
            let role_account = role.split(':').nth(4).unwrap_or(recipient);
            Some(Caller {
                principal: borrowed(role),
                kind: CallerKind::Role,
                account: borrowed(role_account),
                identity: subject.map(|s| (identity_kind, borrowed(s))),
            })
        }
        // Identity Center's own sign-in and portal events name the store's user:
        // https://docs.aws.amazon.com/singlesignon/latest/userguide/sso-info-in-cloudtrail.html
        "IdentityCenterUser" => {
            let on_behalf = id.on_behalf_of.get()?;
            let user = on_behalf.user_id.get()?;
            let principal = match on_behalf.identity_store_arn.get() {
                Some(store) => format!("{store}/user/{user}"),
                None => format!("identitycenter-user/{user}"),
            };
            Some(Caller {
                principal: Cow::Owned(principal),
                kind: CallerKind::Unknown,
                account: borrowed(account),
                identity: None,
            })
        }
        // Service events name only the service (KMS key rotation: `{"accountId", "invokedBy"}`):
        // https://docs.aws.amazon.com/kms/latest/developerguide/ct-rotatekey.html
        _ if id.arn.get().is_none() && id.invoked_by.get().is_some() => Some(Caller {
            principal: borrowed(id.invoked_by.get()?),
            kind: CallerKind::Service,
            account: borrowed(recipient),
            identity: None,
        }),
        _ => {
            let principal = id.arn.get().or(id.principal_id.get())?;
            Some(Caller {
                principal: borrowed(principal),
                kind: CallerKind::Unknown,
                account: borrowed(account),
                identity: None,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Found = (String, CallerKind, String, Option<(IdentityKind, String)>);

    fn caller_of(json: &str) -> Option<Found> {
        let record: Record<'_> = serde_json::from_str(json).expect("record");
        caller(&record).map(|c| {
            (c.principal.into_owned(), c.kind, c.account.into_owned(), c.identity.map(|(k, v)| (k, v.into_owned())))
        })
    }

    #[test]
    fn iam_user() {
        let c = caller_of(
            r#"{"userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLE","arn":"arn:aws:iam::111122223333:user/ops/alice","accountId":"111122223333","userName":"alice"}}"#,
        );
        assert_eq!(
            c,
            Some(("arn:aws:iam::111122223333:user/ops/alice".into(), CallerKind::User, "111122223333".into(), None))
        );
    }

    #[test]
    fn assumed_role_counts_toward_the_role_with_its_path() {
        let c = caller_of(
            r#"{"userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:i-0abc","arn":"arn:aws:sts::111122223333:assumed-role/deploy/i-0abc","accountId":"111122223333",
                "sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::111122223333:role/ci/deploy","accountId":"111122223333","userName":"deploy"},
                "attributes":{"creationDate":"2026-02-27T10:00:00Z","mfaAuthenticated":"false"},"sourceIdentity":"alice@example.com"}}}"#,
        )
        .expect("caller");
        assert_eq!(c.0, "arn:aws:iam::111122223333:role/ci/deploy");
        assert_eq!(c.1, CallerKind::Role);
        assert_eq!(c.3, Some((IdentityKind::SourceIdentity, "alice@example.com".into())));
    }

    #[test]
    fn identity_center_sessions_name_the_user() {
        let c = caller_of(
            r#"{"userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/jane@example.com","accountId":"111122223333",
                "sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0123456789abcdef","accountId":"111122223333"}}}}"#,
        )
        .expect("caller");
        assert_eq!(c.3, Some((IdentityKind::IdentityCenterUser, "jane@example.com".into())));
    }

    #[test]
    fn session_without_issuer_names_the_role_by_its_sts_arn() {
        let c = caller_of(
            r#"{"userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::111122223333:assumed-role/reader/s1","accountId":"111122223333"}}"#,
        )
        .expect("caller");
        assert_eq!(c.0, "arn:aws:iam::111122223333:role/reader");
    }

    #[test]
    fn federated_user_counts_toward_its_issuing_user() {
        let c = caller_of(
            r#"{"userIdentity":{"type":"FederatedUser","arn":"arn:aws:sts::111122223333:federated-user/bob","accountId":"111122223333",
                "sessionContext":{"sessionIssuer":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/broker","accountId":"111122223333"}}}}"#,
        )
        .expect("caller");
        assert_eq!(c.0, "arn:aws:iam::111122223333:user/broker");
        assert_eq!(c.1, CallerKind::User);
        assert_eq!(c.3, Some((IdentityKind::SessionName, "bob".into())));
    }

    #[test]
    fn root_service_and_other_accounts() {
        let root =
            caller_of(r#"{"userIdentity":{"type":"Root","principalId":"111122223333","accountId":"111122223333"}}"#);
        assert_eq!(root.map(|c| (c.0, c.1)), Some(("arn:aws:iam::111122223333:root".into(), CallerKind::Root)));
        let service = caller_of(
            r#"{"recipientAccountId":"111122223333","userIdentity":{"type":"AWSService","invokedBy":"lambda.amazonaws.com"}}"#,
        );
        assert_eq!(
            service.map(|c| (c.0, c.1, c.2)),
            Some(("lambda.amazonaws.com".into(), CallerKind::Service, "111122223333".into()))
        );
        let other = caller_of(
            r#"{"userIdentity":{"type":"AWSAccount","principalId":"AROAOTHER:sess","accountId":"444455556666"}}"#,
        );
        assert_eq!(other.map(|c| (c.0, c.1)), Some(("444455556666:AROAOTHER".into(), CallerKind::Account)));
    }

    #[test]
    fn web_identity_assumptions_count_toward_the_role() {
        let c = caller_of(
            r#"{"eventName":"AssumeRoleWithWebIdentity","userIdentity":{"type":"WebIdentityUser","principalId":"token.actions.githubusercontent.com:sts.amazonaws.com:repo:org/app:ref:refs/heads/main","userName":"repo:org/app:ref:refs/heads/main","identityProvider":"token.actions.githubusercontent.com"},
                "requestParameters":{"roleArn":"arn:aws:iam::111122223333:role/gha-deploy","roleSessionName":"gh"}}"#,
        )
        .expect("caller");
        assert_eq!(c.0, "arn:aws:iam::111122223333:role/gha-deploy");
        assert_eq!(c.3, Some((IdentityKind::WebIdentity, "repo:org/app:ref:refs/heads/main".into())));
    }

    #[test]
    fn identity_center_users_of_the_portal() {
        let c = caller_of(
            r#"{"userIdentity":{"type":"IdentityCenterUser","accountId":"111122223333","onBehalfOf":{"userId":"u-1","identityStoreArn":"arn:aws:identitystore::111122223333:identitystore/d-1"}}}"#,
        )
        .expect("caller");
        assert_eq!(c.0, "arn:aws:identitystore::111122223333:identitystore/d-1/user/u-1");
    }

    #[test]
    fn no_identity_is_no_caller() {
        assert_eq!(caller_of(r#"{"eventName":"x"}"#), None);
        assert_eq!(caller_of(r#"{"userIdentity":{"type":"IAMUser"}}"#), None);
    }
}
