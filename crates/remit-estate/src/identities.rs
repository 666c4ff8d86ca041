//! Every cloud's identities in the terms `remit-people` correlates.
//!
//! Each cloud tells who an identity is in its own fields: AWS in Identity Center profiles
//! (emails, the SCIM external id of the identity provider) and in tags; Azure in Entra's
//! user principal names, mail, employee ids and owners; Google Cloud in member emails and
//! workforce subjects. This module reads those fields, and only those: matching them to people
//! is `remit-people`'s.

use remit_model::{Cloud, PrincipalKind};
use remit_people::CloudIdentity;

use crate::Estate;

/// Tag keys that name a person by email: who the identity is (`email`) or who owns it.
const EMAIL_TAGS: [&str; 3] = ["email", "mail", "user-email"];

/// Every identity of every loaded cloud (AWS's from `aws`, which the estate may keep elsewhere).
pub fn all(estate: &Estate, aws: Option<&remit_aws_analysis::AwsAnalysis>) -> Vec<CloudIdentity> {
    let mut out = Vec::new();
    if let Some(aws) = aws.or(estate.aws.as_ref()) {
        out.extend(aws_identities(aws));
    }
    for tenant in &estate.azure {
        out.extend(azure_identities(&tenant.analysis));
    }
    for org in &estate.gcp {
        out.extend(gcp_identities(&org.analysis));
    }
    out
}

/// AWS: IAM users (emails from their tags), roles (owners from their tags, the identity
/// provider that federates them from their trust policy; the roles Identity Center provisions
/// are skipped, their users are listed instead) and Identity Center users
/// (profile emails, and the external id their identity provider provisioned them with).
fn aws_identities(analysis: &remit_aws_analysis::AwsAnalysis) -> Vec<CloudIdentity> {
    let env = analysis.environment();
    let mut out = Vec::new();
    let tag_emails = |tags: &[(String, String)]| -> Vec<String> {
        tags.iter()
            .filter(|(k, v)| EMAIL_TAGS.contains(&k.to_ascii_lowercase().as_str()) && v.contains('@'))
            .map(|(_, v)| v.clone())
            .collect()
    };
    for account in &env.accounts {
        for user in &account.users {
            let mut identity = CloudIdentity::new(Cloud::Aws, PrincipalKind::User, &user.arn, &user.name);
            identity.emails = tag_emails(&user.tags);
            identity.tags = user.tags.clone();
            out.push(identity);
        }
        for role in &account.roles {
            if role.name.starts_with("AWSReservedSSO_") || role.path.starts_with("/aws-service-role/") {
                continue;
            }
            let mut identity = CloudIdentity::new(Cloud::Aws, PrincipalKind::Role, &role.arn, &role.name);
            identity.tags = role.tags.clone();
            identity.federated_via = role.trust_policy.as_ref().and_then(federated_via);
            out.push(identity);
        }
    }
    if let Some(center) = &env.identity_center {
        for (id, name) in &center.users {
            let profile = center.profiles.iter().find(|p| &p.user_id == id);
            let mut emails: Vec<String> = profile.map(|p| p.emails.clone()).unwrap_or_default();
            if emails.is_empty() && name.contains('@') {
                emails.push(name.clone());
            }
            let arn = format!("arn:aws:identitystore:::user/{id}");
            let mut identity = CloudIdentity::new(Cloud::Aws, PrincipalKind::User, &arn, name);
            identity.emails = emails;
            identity.idp_subject = profile.and_then(|p| p.external_ids.first().cloned());
            identity.federated_via = Some("aws-identity-center".to_owned());
            out.push(identity);
        }
    }
    out
}

/// How a role's trust policy lets identities from outside AWS become it:
/// `aws-saml:<provider arn>` when an `Allow` statement names a SAML provider as its `Federated`
/// principal for `sts:AssumeRoleWithSAML`
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_saml.html>),
/// else `aws-oidc:<provider>` when it names an OIDC provider ARN or a web identity provider
/// (`accounts.google.com`, `cognito-identity.amazonaws.com`, …) for
/// `sts:AssumeRoleWithWebIdentity`
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html>).
/// The first provider of the document is kept when it names several. Conditions (`SAML:aud`,
/// `…:sub`) do not change how the role is reached, only by whom: they are not read here.
pub fn federated_via(trust: &remit_aws_policy::Policy) -> Option<String> {
    use remit_aws_policy::{Effect, Glob, PrincipalType, Principals};
    let allows = |statement: &remit_aws_policy::Statement, action: &str| {
        let named = statement.action.values.iter().any(|a| Glob::action(a).may_match(action));
        named != statement.action.negated
    };
    let mut oidc = None;
    for statement in trust.statements.iter().filter(|s| s.effect == Effect::Allow) {
        let Some(principal) = statement.principal.as_ref().filter(|p| !p.negated) else { continue };
        let Principals::Typed(entries) = &principal.values else { continue };
        let providers = entries.iter().filter(|(t, _)| *t == PrincipalType::Federated).flat_map(|(_, v)| v);
        for provider in providers.filter(|p| p.as_str() != "*") {
            if provider.contains(":saml-provider/") {
                if allows(statement, "sts:AssumeRoleWithSAML") {
                    return Some(format!("{}{provider}", remit_people::AWS_SAML));
                }
            } else if oidc.is_none() && allows(statement, "sts:AssumeRoleWithWebIdentity") {
                oidc = Some(format!("{}{provider}", remit_people::AWS_OIDC));
            }
        }
    }
    oidc
}

/// Azure: Entra users (UPN, mail, employee id; a B2B guest is marked federated from its home
/// tenant) and service principals of the customer's own (application and managed identities,
/// with their owners from Entra, and a managed identity's resource tags). Microsoft's own
/// first-party service principals are not the customer's identities and are skipped.
fn azure_identities(analysis: &remit_azure::AzureAnalysis) -> Vec<CloudIdentity> {
    let tenant = analysis.environment().tenant.as_ref().map(|t| t.tenant_id.clone());
    let mut out = Vec::new();
    for user in analysis.users() {
        let name = user.user_principal_name.clone().or_else(|| user.display_name.clone()).unwrap_or_default();
        let mut identity = CloudIdentity::new(Cloud::Azure, PrincipalKind::User, &user.id, name);
        identity.upn = user.user_principal_name.clone();
        identity.emails = user.mail.iter().cloned().collect();
        identity.employee_id = user.employee_id.clone();
        identity.enabled = user.account_enabled != Some(false);
        if user.user_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("guest")) {
            identity.federated_via = Some("azure-b2b".to_owned());
        }
        if let Some(immutable) = &user.on_premises_immutable_id {
            identity.idp_subject = Some(("entra-on-premises".to_owned(), immutable.clone()));
        }
        out.push(identity);
    }
    for sp in analysis.service_principals() {
        let foreign = match (&sp.app_owner_organization_id, &tenant) {
            (Some(owner), Some(tenant)) => !owner.eq_ignore_ascii_case(tenant),
            _ => false,
        };
        let managed = sp.service_principal_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case("ManagedIdentity"));
        if foreign && !managed {
            continue;
        }
        let name = sp.display_name.clone().unwrap_or_else(|| sp.id.clone());
        let mut identity = CloudIdentity::new(Cloud::Azure, PrincipalKind::ServiceAccount, &sp.id, name);
        identity.enabled = sp.account_enabled != Some(false);
        identity.owners = analysis.owners_of(&sp.id).iter().map(|o| o.id.clone()).collect();
        // An application's owners own its service principal too.
        if let Some(app) = analysis.applications().iter().find(|a| a.app_id.is_some() && a.app_id == sp.app_id) {
            identity.owners.extend(analysis.owners_of(&app.id).iter().map(|o| o.id.clone()));
        }
        identity.owners.sort();
        identity.owners.dedup();
        out.push(identity);
    }
    out
}

/// Google Cloud: users named anywhere (their member string is their email), the service
/// accounts of the organization's projects (disabled ones marked so), workforce identities
/// (their subject, from the identity provider of their pool) and workforce pool groups.
fn gcp_identities(analysis: &remit_gcp::GcpAnalysis) -> Vec<CloudIdentity> {
    let mut out = Vec::new();
    for email in analysis.user_emails() {
        let mut identity = CloudIdentity::new(Cloud::Gcp, PrincipalKind::User, format!("user:{email}"), email);
        identity.emails = vec![email.to_owned()];
        out.push(identity);
    }
    for (account, _keys) in analysis.service_accounts() {
        let member = format!("serviceAccount:{}", account.email);
        let name = if account.display_name.is_empty() { account.email.clone() } else { account.display_name.clone() };
        let mut identity = CloudIdentity::new(Cloud::Gcp, PrincipalKind::ServiceAccount, member, name);
        identity.enabled = !account.disabled;
        out.push(identity);
    }
    // Workforce pool groups: not anyone's own identity, but the persons of the identity
    // provider's group of that name use it (`remit-people` links them as federated users).
    for principal in analysis.principals() {
        let Some((pool, group)) = remit_people::workforce_group(&principal.id) else { continue };
        let mut identity = CloudIdentity::new(Cloud::Gcp, PrincipalKind::Group, principal.id.as_str(), group);
        identity.federated_via = Some(format!("gcp-workforce:{pool}"));
        out.push(identity);
    }
    for (pool, subject) in analysis.workforce_principals() {
        let id = format!("principal://iam.googleapis.com/locations/global/workforcePools/{pool}/subject/{subject}");
        let mut identity = CloudIdentity::new(Cloud::Gcp, PrincipalKind::User, id, subject);
        identity.federated_via = Some(format!("gcp-workforce:{pool}"));
        if subject.contains('@') {
            identity.emails = vec![subject.to_owned()];
        }
        out.push(identity);
    }
    out
}
