//! Credential hygiene and inactive identities, from the IAM credential report and roles'
//! last use.
//!
//! Long-term secrets are how most AWS accounts are breached: old keys leak from laptops and
//! repositories, unused keys are forgotten and never rotated, console passwords without MFA
//! fall to phishing, and the root user bypasses every IAM policy (SCPs aside). Identities
//! nobody uses are attack surface with no one watching it. Ages are measured from the scan's
//! clock (`ScanOptions::now`).
//! https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html

use remit_aws_analysis::AwsAnalysis;
use remit_aws_import::CredentialReportRow;
use remit_findings::{Evidence, Finding, FindingId, Kind, Reach, Severity, Timestamp};

use crate::{ScanOptions, admin::Admins, escalation::short, rules};

/// A date column: `None` for `N/A`, `no_information`, `not_supported` or an unreadable value.
fn date(row: &CredentialReportRow, field: &str) -> Option<Timestamp> {
    let value = row.fields.iter().find(|(k, _)| k == field).map(|(_, v)| v.as_str())?;
    Timestamp::parse(value).ok()
}

fn flag(row: &CredentialReportRow, field: &str) -> bool {
    row.fields.iter().any(|(k, v)| k == field && v == "true")
}

struct Builder<'a> {
    account: &'a str,
    source: String,
}

impl Builder<'_> {
    #[allow(clippy::too_many_arguments)]
    fn finding(
        &self,
        kind: Kind,
        rule: &str,
        principal: &str,
        resource: Option<&str>,
        title: String,
        severity: Severity,
        rationale: &str,
        detail: String,
        remediation: &str,
    ) -> Finding {
        let resources: Vec<String> = resource.map(str::to_owned).into_iter().collect();
        Finding {
            id: FindingId::new(rule, &[principal], &resources),
            kind,
            rule: rule.to_owned(),
            title,
            severity,
            severity_rationale: rationale.to_owned(),
            cloud: "aws".to_owned(),
            account: Some(self.account.to_owned()),
            principals: vec![principal.to_owned()],
            resources,
            categories: Vec::new(),
            reach: Reach::allowed(),
            evidence: vec![Evidence::fact(self.source.clone(), detail)],
            path: Vec::new(),
            remediation: remediation.to_owned(),
            first_seen: None,
            suppressed: None,
        }
    }
}

pub(crate) fn findings(analysis: &AwsAnalysis, admins: &Admins, options: &ScanOptions) -> Vec<Finding> {
    let now = options.now;
    let mut out = Vec::new();
    let older = |t: Option<Timestamp>, days: i64| t.is_none_or(|t| t.days_until(now) >= days);
    for account in &analysis.environment().accounts {
        let b = Builder { account: &account.id, source: format!("credential report of {}", account.id) };
        for row in &account.credential_report {
            let arn = row.arn.as_str();
            let admin = admins.contains(arn);
            if row.user == "<root_account>" {
                for n in ["1", "2"] {
                    if flag(row, &format!("access_key_{n}_active")) {
                        out.push(b.finding(
                            Kind::CredentialHygiene,
                            rules::ROOT_KEYS,
                            arn,
                            Some(&format!("access key {n}")),
                            format!("the root user of {} has an active access key", account.id),
                            Severity::Critical,
                            "root keys act as the account itself: no IAM policy or boundary limits them",
                            format!("access_key_{n}_active is true"),
                            "Delete the root user's access keys; use IAM roles for every task.",
                        ));
                    }
                }
                if !flag(row, "mfa_active") {
                    out.push(b.finding(
                        Kind::CredentialHygiene,
                        rules::ROOT_WITHOUT_MFA,
                        arn,
                        None,
                        format!("the root user of {} has no MFA", account.id),
                        Severity::High,
                        "the account's root password alone gives full control of it",
                        "mfa_active is false".to_owned(),
                        "Enable MFA (a hardware key) on the root user, or centralize root access in the organization.",
                    ));
                }
                let last = [
                    date(row, "password_last_used"),
                    date(row, "access_key_1_last_used_date"),
                    date(row, "access_key_2_last_used_date"),
                ]
                .into_iter()
                .flatten()
                .max();
                if let Some(last) = last
                    && last.days_until(now) < options.inactive_days
                {
                    out.push(b.finding(
                        Kind::CredentialHygiene,
                        rules::ROOT_USED,
                        arn,
                        None,
                        format!("the root user of {} was used on {last}", account.id),
                        Severity::Medium,
                        "root use should be rare and explained: it is outside every IAM control",
                        format!("last used {last}"),
                        "Find out who used the root user and why; do that task with an IAM role next time.",
                    ));
                }
                continue;
            }
            let created = date(row, "user_creation_time");
            let console = flag(row, "password_enabled");
            if console && !flag(row, "mfa_active") {
                out.push(b.finding(
                    Kind::CredentialHygiene,
                    rules::CONSOLE_WITHOUT_MFA,
                    arn,
                    None,
                    format!("{} signs in to the console without MFA", short(arn)),
                    if admin { Severity::High } else { Severity::Medium },
                    if admin { "an administrator protected by a password alone" } else { "a password alone protects this user's console access" },
                    "password_enabled is true, mfa_active is false".to_owned(),
                    "Require MFA for this user (enable a device, and deny actions without aws:MultiFactorAuthPresent), or remove its console password.",
                ));
            }
            let mut used: Vec<Option<Timestamp>> = Vec::new();
            if console {
                used.push(date(row, "password_last_used"));
            }
            for n in ["1", "2"] {
                if !flag(row, &format!("access_key_{n}_active")) {
                    continue;
                }
                let rotated = date(row, &format!("access_key_{n}_last_rotated"));
                let last_used = date(row, &format!("access_key_{n}_last_used_date"));
                used.push(last_used);
                let key = format!("access key {n}");
                if let Some(rotated) = rotated
                    && rotated.days_until(now) >= options.key_age_days
                {
                    out.push(b.finding(
                        Kind::CredentialHygiene,
                        rules::OLD_KEY,
                        arn,
                        Some(&key),
                        format!("{}'s {key} is {} days old", short(arn), rotated.days_until(now)),
                        if admin { Severity::High } else { Severity::Medium },
                        "the longer a key lives, the more places it has been copied to",
                        format!("access_key_{n}_last_rotated {rotated}"),
                        "Rotate the key (create a new one, switch, deactivate and delete the old), or replace it with a role.",
                    ));
                }
                if older(last_used, options.inactive_days) && older(rotated, options.inactive_days) {
                    let when = match last_used {
                        Some(t) => format!("last used {t}"),
                        None => "never used".to_owned(),
                    };
                    out.push(b.finding(
                        Kind::CredentialHygiene,
                        rules::UNUSED_KEY,
                        arn,
                        Some(&key),
                        format!("{}'s {key} is active but {when}", short(arn)),
                        if admin { Severity::Medium } else { Severity::Low },
                        "an active key nobody uses is a secret nobody would miss or notice being used",
                        when,
                        "Deactivate the key, then delete it if nothing breaks.",
                    ));
                }
            }
            let last = used.iter().flatten().max().copied();
            if older(created, options.inactive_days) && older(last, options.inactive_days) {
                let when = match last {
                    Some(t) => format!("last active {t}"),
                    None => "never used".to_owned(),
                };
                out.push(b.finding(
                    Kind::InactiveIdentity,
                    rules::INACTIVE,
                    arn,
                    None,
                    format!("{} is {when} (more than {} days)", short(arn), options.inactive_days),
                    if admin { Severity::Medium } else { Severity::Low },
                    "an identity nobody uses keeps its permissions and credentials for whoever finds them",
                    when,
                    "Disable the user's credentials, then delete the user once its owner confirms.",
                ));
            }
        }
        // Roles, by their last use (RoleLastUsed in the authorization details).
        let b = Builder { account: &account.id, source: format!("authorization details of {}", account.id) };
        for role in &account.roles {
            if role.path.starts_with("/aws-service-role/") || crate::admin::is_probe(&role.arn) {
                continue;
            }
            let created = role.create_date.as_deref().and_then(|d| Timestamp::parse(d).ok());
            let last = role.last_used.as_deref().and_then(|d| Timestamp::parse(d).ok());
            if created.is_none() || !older(created, options.inactive_days) || !older(last, options.inactive_days) {
                continue;
            }
            let when = match last {
                Some(t) => format!("last used {t}"),
                None => "never used (as far as RoleLastUsed tracks)".to_owned(),
            };
            let admin = admins.contains(&role.arn);
            out.push(b.finding(
                Kind::InactiveIdentity,
                rules::INACTIVE,
                &role.arn,
                None,
                format!("{} is {when}", short(&role.arn)),
                if admin { Severity::Medium } else { Severity::Low },
                "a role nobody assumes keeps its permissions and its trust for whoever can still assume it",
                when,
                "Confirm with the role's owner, then delete it (or remove its trust).",
            ));
        }
    }
    out
}
