//! The environment as a whole: which accounts exist, where they sit in the organization, how
//! big each is, and the accounts outside it (vendors, partners) that policies refer to.
//!
//! Account ids and the organization's ids are drawn first, from their own stream, so that a
//! reduced organization (fewer accounts, for tests) keeps the ids, names and contents of the
//! accounts it keeps.

use crate::aws_org::{
    Size,
    names::{APPS, COMPANIES, FIRST_NAMES, TEAMS, VENDORS},
    out::DAY,
    rng::Rng,
};

/// What an account is for; decides its size and contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum AccountKind {
    Management,
    LogArchive,
    Audit,
    Network,
    SharedServices,
    Backup,
    Prod,
    Dev,
    Sandbox,
    Suspended,
    /// The single account of the small, medium and large sizes: a busy member account exported
    /// alone.
    Standalone,
}

impl AccountKind {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            AccountKind::Management => "management",
            AccountKind::LogArchive => "log-archive",
            AccountKind::Audit => "audit",
            AccountKind::Network => "network",
            AccountKind::SharedServices => "shared-services",
            AccountKind::Backup => "backup",
            AccountKind::Prod => "production",
            AccountKind::Dev => "development",
            AccountKind::Sandbox => "sandbox",
            AccountKind::Suspended => "suspended",
            AccountKind::Standalone => "standalone",
        }
    }

    /// Whether the account runs applications (and gets the organization's deployer roles).
    pub(super) fn is_workload(self) -> bool {
        matches!(self, AccountKind::Prod | AccountKind::Dev | AccountKind::Standalone)
    }
}

/// How many of each thing an account gets.
#[derive(Debug, Clone, Default)]
pub(super) struct Profile {
    pub(super) humans: usize,
    pub(super) service_users: usize,
    pub(super) team_groups: usize,
    /// Roles in all (the generator fills with application roles up to this number).
    pub(super) roles: usize,
    /// Customer-managed policies in all.
    pub(super) policies: usize,
    pub(super) buckets: usize,
    pub(super) keys: usize,
    pub(super) queues: usize,
    pub(super) topics: usize,
    pub(super) functions: usize,
    pub(super) secrets: usize,
    pub(super) vendors: usize,
    pub(super) github_roles: usize,
    pub(super) cdk: bool,
    pub(super) eks: bool,
}

/// One account of the environment.
#[derive(Debug, Clone)]
pub(super) struct AccountSpec {
    /// Its place in the full organization (the stream its contents are drawn from).
    pub(super) index: usize,
    pub(super) id: String,
    pub(super) name: String,
    pub(super) email: String,
    pub(super) kind: AccountKind,
    /// Index into [`OrgLayout::ous`]; `None` directly under the root.
    pub(super) ou: Option<usize>,
    pub(super) suspended: bool,
    /// False when the account's IAM is not in the bundle (suspended accounts).
    pub(super) collected: bool,
    pub(super) joined: i64,
    pub(super) created_by_org: bool,
    pub(super) profile: Profile,
    /// Teams working in the account (index into [`TEAMS`]).
    pub(super) teams: Vec<usize>,
    /// Applications running in the account (index into [`APPS`]).
    pub(super) apps: Vec<usize>,
    /// `prod`, `dev` ... as resource names carry it.
    pub(super) env: &'static str,
    pub(super) region: &'static str,
    /// The account with the most planted problems (one per environment): it gets at least one
    /// of each technique.
    pub(super) legacy: bool,
}

/// An organizational unit.
#[derive(Debug, Clone)]
pub(super) struct Ou {
    pub(super) id: String,
    pub(super) name: &'static str,
    /// Index of the parent OU, `None` for the root.
    pub(super) parent: Option<usize>,
}

/// The organization, for the org size.
#[derive(Debug, Clone)]
pub(super) struct OrgLayout {
    pub(super) root_id: String,
    pub(super) ous: Vec<Ou>,
}

/// Everything shared by the accounts.
#[derive(Debug, Clone)]
pub(super) struct World {
    pub(super) seed: u64,
    pub(super) now: i64,
    /// How often a non-legacy account gets each planted problem.
    pub(super) risk_rate: f64,
    pub(super) company: &'static str,
    pub(super) org: Option<OrgLayout>,
    /// The organization id, real or (for a standalone account) the one its policies name.
    pub(super) org_id: String,
    pub(super) accounts: Vec<AccountSpec>,
    /// Accounts of the organization that policies refer to; outside the bundle for the
    /// standalone sizes.
    pub(super) management: String,
    pub(super) audit: String,
    pub(super) log_archive: String,
    pub(super) shared_services: String,
    /// One account per vendor in [`VENDORS`].
    pub(super) vendor_accounts: Vec<String>,
    /// Partner accounts outside the organization (data sharing).
    pub(super) partner_accounts: Vec<String>,
}

impl World {
    /// True when `account` is one of the organization's own accounts.
    pub(super) fn in_org(&self, account: &str) -> bool {
        account == self.management
            || account == self.audit
            || account == self.log_archive
            || account == self.shared_services
            || self.accounts.iter().any(|a| a.id == account)
    }

    /// What an account outside the bundle is, for the ground truth.
    pub(super) fn scope_of(&self, account: &str) -> String {
        if let Some(idx) = self.vendor_accounts.iter().position(|a| a == account) {
            return format!("vendor:{}", VENDORS[idx].0);
        }
        if self.partner_accounts.iter().any(|a| a == account) {
            return "partner".into();
        }
        if self.in_org(account) { "organization".into() } else { "external".into() }
    }

    /// The CI role that deploys into every workload account.
    pub(super) fn ci_deployer_arn(&self) -> String {
        format!("arn:aws:iam::{}:role/github-actions-deployer", self.shared_services)
    }
}

pub(super) const OU_SECURITY: usize = 0;
pub(super) const OU_INFRASTRUCTURE: usize = 1;
pub(super) const OU_WORKLOADS: usize = 2;
pub(super) const OU_PROD: usize = 3;
pub(super) const OU_DEV: usize = 4;
pub(super) const OU_SANDBOX: usize = 5;
pub(super) const OU_SUSPENDED: usize = 6;

/// The number of accounts of the org size.
pub(super) const ORG_ACCOUNTS: usize = 100;

fn standalone_profile(size: Size) -> Profile {
    match size {
        Size::Small => Profile {
            humans: 18,
            service_users: 7,
            team_groups: 2,
            roles: 60,
            policies: 30,
            buckets: 8,
            keys: 4,
            queues: 3,
            topics: 3,
            functions: 4,
            secrets: 3,
            vendors: 2,
            github_roles: 3,
            cdk: true,
            eks: false,
        },
        Size::Medium => Profile {
            humans: 260,
            service_users: 40,
            team_groups: 20,
            roles: 1000,
            policies: 500,
            buckets: 60,
            keys: 20,
            queues: 40,
            topics: 25,
            functions: 80,
            secrets: 40,
            vendors: 5,
            github_roles: 12,
            cdk: true,
            eks: true,
        },
        Size::Large | Size::Org => Profile {
            humans: 2700,
            service_users: 300,
            team_groups: 28,
            roles: 10_000,
            policies: 5000,
            buckets: 400,
            keys: 120,
            queues: 300,
            topics: 200,
            functions: 600,
            secrets: 300,
            vendors: 10,
            github_roles: 60,
            cdk: true,
            eks: true,
        },
    }
}

fn org_profile(kind: AccountKind, rng: &mut Rng) -> Profile {
    let mut r = |lo: usize, hi: usize| rng.range(lo, hi);
    match kind {
        AccountKind::Management => Profile {
            humans: 8,
            service_users: 4,
            roles: 30,
            policies: 15,
            buckets: 4,
            keys: 2,
            topics: 2,
            functions: 2,
            secrets: 2,
            ..Profile::default()
        },
        AccountKind::LogArchive => Profile {
            roles: 18,
            policies: 6,
            buckets: 6,
            keys: 3,
            queues: 1,
            topics: 1,
            functions: 1,
            ..Profile::default()
        },
        AccountKind::Audit => Profile {
            humans: 2,
            service_users: 1,
            roles: 35,
            policies: 15,
            buckets: 3,
            keys: 2,
            queues: 2,
            topics: 3,
            functions: 6,
            secrets: 2,
            vendors: 3,
            ..Profile::default()
        },
        AccountKind::Network => Profile {
            service_users: 1,
            roles: 25,
            policies: 10,
            buckets: 3,
            keys: 1,
            topics: 1,
            functions: 2,
            secrets: 1,
            ..Profile::default()
        },
        AccountKind::SharedServices => Profile {
            humans: 3,
            service_users: 12,
            roles: 90,
            policies: 45,
            buckets: 10,
            keys: 4,
            queues: 4,
            topics: 4,
            functions: 10,
            secrets: 10,
            github_roles: 6,
            cdk: true,
            ..Profile::default()
        },
        AccountKind::Backup => Profile { roles: 15, policies: 5, buckets: 4, keys: 3, ..Profile::default() },
        AccountKind::Prod => Profile {
            humans: r(0, 2),
            service_users: r(0, 3),
            roles: r(60, 160),
            policies: r(20, 70),
            buckets: r(4, 12),
            keys: r(2, 5),
            queues: r(2, 10),
            topics: r(1, 6),
            functions: r(3, 15),
            secrets: r(2, 10),
            vendors: r(0, 2),
            github_roles: r(1, 3),
            cdk: r(0, 9) < 4,
            eks: r(0, 9) < 3,
            team_groups: 0,
        },
        AccountKind::Dev => Profile {
            humans: r(0, 3),
            service_users: r(0, 3),
            roles: r(40, 110),
            policies: r(15, 50),
            buckets: r(3, 10),
            keys: r(1, 3),
            queues: r(1, 8),
            topics: r(1, 4),
            functions: r(3, 15),
            secrets: r(1, 6),
            vendors: 0,
            github_roles: r(1, 3),
            cdk: r(0, 9) < 5,
            eks: r(0, 9) < 2,
            team_groups: 0,
        },
        AccountKind::Sandbox => Profile {
            humans: 1,
            service_users: r(0, 1),
            roles: r(12, 30),
            policies: r(3, 8),
            buckets: r(1, 4),
            keys: r(0, 1),
            queues: r(0, 2),
            topics: r(0, 1),
            functions: r(0, 4),
            secrets: r(0, 1),
            ..Profile::default()
        },
        AccountKind::Suspended => Profile { roles: 12, policies: 2, buckets: 1, ..Profile::default() },
        AccountKind::Standalone => standalone_profile(Size::Medium),
    }
}

/// A time `min_days` to `max_days` before `now`.
pub(super) fn past(rng: &mut Rng, now: i64, min_days: i64, max_days: i64) -> i64 {
    now - rng.range_i64(min_days * DAY, max_days * DAY)
}

fn ou_id(rng: &mut Rng, root: &str) -> String {
    format!("ou-{}-{}", root.trim_start_matches("r-"), rng.lower_alnum(8))
}

/// The applications of a team (every team has two or three).
fn team_apps(team: usize) -> Vec<usize> {
    (0..APPS.len()).filter(|app| app % TEAMS.len() == team).collect()
}

fn team_index(name: &str) -> usize {
    TEAMS.iter().position(|t| *t == name).unwrap_or(0)
}

/// Builds the environment. `org_accounts` reduces the org size to that many accounts (at
/// least 11: the foundational accounts and one of each workload kind).
pub(super) fn build(seed: u64, size: Size, org_accounts: Option<usize>, now: i64) -> World {
    let mut rng = Rng::new(seed, "world", 0);
    let company = *rng.pick(COMPANIES);
    let org_id = format!("o-{}", rng.lower_alnum(10));
    let management = rng.account_id();
    let audit = rng.account_id();
    let log_archive = rng.account_id();
    let shared_services = rng.account_id();
    let vendor_accounts: Vec<String> = VENDORS.iter().map(|_| rng.account_id()).collect();
    let partner_accounts: Vec<String> = (0..4).map(|_| rng.account_id()).collect();
    let mut world = World {
        seed,
        now,
        risk_rate: 0.12,
        company,
        org: None,
        org_id,
        accounts: Vec::new(),
        management,
        audit,
        log_archive,
        shared_services,
        vendor_accounts,
        partner_accounts,
    };
    match size {
        Size::Org => build_org(&mut world, &mut rng, org_accounts.unwrap_or(ORG_ACCOUNTS)),
        _ => {
            let id = rng.account_id();
            let profile = standalone_profile(size);
            let apps = match size {
                Size::Small => 8,
                Size::Medium => 40,
                _ => APPS.len(),
            };
            world.accounts.push(AccountSpec {
                index: 0,
                email: format!("aws+platform-prod@{company}.example.com"),
                id,
                name: format!("{company}-platform-prod"),
                kind: AccountKind::Standalone,
                ou: None,
                suspended: false,
                collected: true,
                joined: now - 2900 * DAY,
                created_by_org: true,
                teams: (0..profile.team_groups.clamp(2, TEAMS.len())).collect(),
                profile,
                apps: (0..apps).collect(),
                env: "prod",
                region: "us-east-1",
                legacy: true,
            });
        }
    }
    world
}

fn build_org(world: &mut World, rng: &mut Rng, wanted: usize) {
    let root_id = format!("r-{}", rng.lower_alnum(4));
    let names: [(&'static str, Option<usize>); 7] = [
        ("Security", None),
        ("Infrastructure", None),
        ("Workloads", None),
        ("Prod", Some(OU_WORKLOADS)),
        ("Dev", Some(OU_WORKLOADS)),
        ("Sandbox", None),
        ("Suspended", None),
    ];
    let ous = names.iter().map(|(name, parent)| Ou { id: ou_id(rng, &root_id), name, parent: *parent }).collect();
    world.org = Some(OrgLayout { root_id, ous });

    let company = world.company;
    let now = world.now;
    let mut accounts: Vec<(String, String, AccountKind, Option<usize>)> = vec![
        (world.management.clone(), format!("{company}-management"), AccountKind::Management, None),
        (world.log_archive.clone(), "log-archive".to_owned(), AccountKind::LogArchive, Some(OU_SECURITY)),
        (world.audit.clone(), "security-tooling".to_owned(), AccountKind::Audit, Some(OU_SECURITY)),
        (rng.account_id(), "network".to_owned(), AccountKind::Network, Some(OU_INFRASTRUCTURE)),
        (
            world.shared_services.clone(),
            "shared-services".to_owned(),
            AccountKind::SharedServices,
            Some(OU_INFRASTRUCTURE),
        ),
        (rng.account_id(), "backup".to_owned(), AccountKind::Backup, Some(OU_INFRASTRUCTURE)),
        (rng.account_id(), "dns".to_owned(), AccountKind::Network, Some(OU_INFRASTRUCTURE)),
    ];
    // 37 production and 37 development accounts: one pair per team, and a data pair for nine.
    let mut workloads: Vec<String> = TEAMS.iter().map(|team| (*team).to_owned()).collect();
    workloads.extend(TEAMS.iter().take(9).map(|team| format!("{team}-data")));
    for name in &workloads {
        accounts.push((rng.account_id(), format!("{name}-prod"), AccountKind::Prod, Some(OU_PROD)));
    }
    for name in &workloads {
        accounts.push((rng.account_id(), format!("{name}-dev"), AccountKind::Dev, Some(OU_DEV)));
    }
    for n in 0..13 {
        let first = FIRST_NAMES[(n * 7 + 3) % FIRST_NAMES.len()];
        accounts.push((rng.account_id(), format!("sandbox-{first}"), AccountKind::Sandbox, Some(OU_SANDBOX)));
    }
    for n in 0..6 {
        accounts.push((
            rng.account_id(),
            format!("closed-legacy-{}", n + 1),
            AccountKind::Suspended,
            Some(OU_SUSPENDED),
        ));
    }
    let keep = select(&accounts, wanted);
    // The oldest production account carries the legacy problems.
    let legacy_index = accounts.iter().position(|a| a.2 == AccountKind::Prod).unwrap_or(0);
    for (index, (id, name, kind, ou)) in accounts.into_iter().enumerate() {
        if !keep[index] {
            continue;
        }
        let mut prng = Rng::new(world.seed, "profile", index as u64);
        let mut profile = org_profile(kind, &mut prng);
        let legacy = index == legacy_index;
        if legacy {
            profile.humans = 25;
            profile.service_users = 8;
            profile.team_groups = 3;
            profile.roles = 180;
            profile.policies = 80;
            profile.vendors = profile.vendors.max(2);
        }
        // Half of the accounts of the Suspended OU are closed; the others wait there, active.
        let suspended = kind == AccountKind::Suspended && index % 2 == 0;
        let region = if kind == AccountKind::Prod && prng.chance(0.3) { "eu-west-1" } else { "us-east-1" };
        let teams = match kind {
            AccountKind::Prod | AccountKind::Dev => {
                TEAMS.iter().position(|t| name.starts_with(t)).map(|i| vec![i]).unwrap_or_default()
            }
            AccountKind::SharedServices => vec![team_index("platform"), team_index("devex")],
            AccountKind::Audit => vec![team_index("security")],
            _ => vec![team_index("sre")],
        };
        let apps = match kind {
            AccountKind::Prod | AccountKind::Dev | AccountKind::SharedServices => {
                teams.iter().flat_map(|team| team_apps(*team)).collect()
            }
            AccountKind::Sandbox => vec![prng.range(0, APPS.len() - 1)],
            _ => Vec::new(),
        };
        let env = match kind {
            AccountKind::Dev => "dev",
            AccountKind::Sandbox => "sandbox",
            AccountKind::SharedServices | AccountKind::Network | AccountKind::Management => "shared",
            _ => "prod",
        };
        world.accounts.push(AccountSpec {
            index,
            email: format!("aws+{name}@{company}.example.com"),
            id,
            name,
            kind,
            ou,
            suspended,
            collected: !suspended,
            joined: past(&mut prng, now, 200, 2800),
            created_by_org: kind != AccountKind::Management && !prng.chance(0.1),
            profile,
            teams,
            apps,
            env,
            region,
            legacy,
        });
    }
}

/// Which accounts a reduced organization keeps: the seven foundational ones, then production,
/// development, sandbox and suspended accounts in turn (the legacy account, the first
/// production one, always).
fn select(accounts: &[(String, String, AccountKind, Option<usize>)], wanted: usize) -> Vec<bool> {
    let wanted = wanted.clamp(11, accounts.len());
    let mut keep: Vec<bool> = accounts
        .iter()
        .map(|a| !a.2.is_workload() && a.2 != AccountKind::Sandbox && a.2 != AccountKind::Suspended)
        .collect();
    let mut queues: Vec<Vec<usize>> =
        [AccountKind::Prod, AccountKind::Dev, AccountKind::Sandbox, AccountKind::Suspended]
            .iter()
            .map(|kind| (0..accounts.len()).filter(|idx| accounts[*idx].2 == *kind).rev().collect())
            .collect();
    let mut kept = keep.iter().filter(|k| **k).count();
    let mut turn = 0;
    while kept < wanted && queues.iter().any(|queue| !queue.is_empty()) {
        let which = turn % queues.len();
        if let Some(idx) = queues[which].pop() {
            keep[idx] = true;
            kept += 1;
        }
        turn += 1;
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reduced_organization_keeps_its_accounts_ids() {
        let full = build(7, Size::Org, None, 1_700_000_000);
        let reduced = build(7, Size::Org, Some(12), 1_700_000_000);
        assert_eq!(full.accounts.len(), ORG_ACCOUNTS);
        assert_eq!(reduced.accounts.len(), 12);
        for account in &reduced.accounts {
            let same = full.accounts.iter().find(|a| a.index == account.index).map(|a| a.id.as_str());
            assert_eq!(same, Some(account.id.as_str()));
        }
        assert!(reduced.accounts.iter().any(|a| a.legacy));
        for kind in [AccountKind::Prod, AccountKind::Dev, AccountKind::Sandbox, AccountKind::Suspended] {
            assert!(reduced.accounts.iter().any(|a| a.kind == kind), "{kind:?}");
        }
    }
}
