//! The mergeable aggregate of many events.

use std::{collections::HashMap, sync::Arc};

use foldhash::fast::FixedState;

type Map<K, V> = HashMap<K, V, FixedState>;

/// How a request ended, as far as authorization goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It succeeded.
    Allowed,
    /// Authorization refused it (`AccessDenied` and its spellings).
    Denied,
    /// It failed for another reason (throttling, a missing resource, a bad parameter). Such
    /// requests are counted as *used*: almost every service authorizes before it looks further,
    /// so the permission was exercised, and a right-sized policy must keep it.
    Failed,
}

/// When a key was first and last seen, and how often each outcome happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Unix seconds of the earliest event.
    pub first_seen: i64,
    /// Unix seconds of the latest event.
    pub last_seen: i64,
    /// Successful requests.
    pub allowed: u64,
    /// Requests authorization refused.
    pub denied: u64,
    /// Requests that failed otherwise.
    pub failed: u64,
}

impl Counts {
    /// One event.
    pub fn one(time: i64, outcome: Outcome) -> Counts {
        let mut counts = Counts { first_seen: time, last_seen: time, allowed: 0, denied: 0, failed: 0 };
        counts.bump(outcome);
        counts
    }

    fn bump(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Allowed => self.allowed += 1,
            Outcome::Denied => self.denied += 1,
            Outcome::Failed => self.failed += 1,
        }
    }

    /// Adds one event.
    pub fn add(&mut self, time: i64, outcome: Outcome) {
        self.first_seen = self.first_seen.min(time);
        self.last_seen = self.last_seen.max(time);
        self.bump(outcome);
    }

    /// Adds another aggregate.
    pub fn merge(&mut self, other: &Counts) {
        self.first_seen = self.first_seen.min(other.first_seen);
        self.last_seen = self.last_seen.max(other.last_seen);
        self.allowed += other.allowed;
        self.denied += other.denied;
        self.failed += other.failed;
    }

    /// Every event counted.
    pub fn events(&self) -> u64 {
        self.allowed + self.denied + self.failed
    }

    /// Requests that got past authorization (allowed or failed later): the permission was used.
    pub fn authorized(&self) -> u64 {
        self.allowed + self.failed
    }
}

/// What kind of caller a principal of the rollups is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CallerKind {
    /// An IAM user (or the equivalent of another cloud).
    User,
    /// A role: its sessions count toward it.
    Role,
    /// The account's root user.
    Root,
    /// A federated user session whose issuer is not a role (AWS `GetFederationToken`).
    FederatedUser,
    /// A cloud service acting on its own behalf.
    Service,
    /// Another account whose caller the log does not name (only its account).
    Account,
    /// A caller the log does not identify.
    Unknown,
}

impl CallerKind {
    /// Every kind.
    pub const ALL: [CallerKind; 7] = [
        CallerKind::User,
        CallerKind::Role,
        CallerKind::Root,
        CallerKind::FederatedUser,
        CallerKind::Service,
        CallerKind::Account,
        CallerKind::Unknown,
    ];

    /// The kind's name as stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            CallerKind::User => "user",
            CallerKind::Role => "role",
            CallerKind::Root => "root",
            CallerKind::FederatedUser => "federated-user",
            CallerKind::Service => "service",
            CallerKind::Account => "account",
            CallerKind::Unknown => "unknown",
        }
    }

    /// The kind named `name` (as [`CallerKind::as_str`] spells it).
    pub fn parse(name: &str) -> Option<CallerKind> {
        CallerKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// Who was behind a role's session, when the log says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdentityKind {
    /// The session's source identity (`sts:SourceIdentity`), set by whoever assumed the role.
    SourceIdentity,
    /// The IAM Identity Center user a permission set's role session is for.
    IdentityCenterUser,
    /// The subject of a web-identity (OIDC) token the session was assumed with.
    WebIdentity,
    /// The SAML subject a session was assumed with.
    Saml,
    /// The session name, when nothing more specific is known.
    SessionName,
}

impl IdentityKind {
    /// Every kind.
    pub const ALL: [IdentityKind; 5] = [
        IdentityKind::SourceIdentity,
        IdentityKind::IdentityCenterUser,
        IdentityKind::WebIdentity,
        IdentityKind::Saml,
        IdentityKind::SessionName,
    ];

    /// The kind's name as stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            IdentityKind::SourceIdentity => "source-identity",
            IdentityKind::IdentityCenterUser => "identity-center-user",
            IdentityKind::WebIdentity => "web-identity",
            IdentityKind::Saml => "saml",
            IdentityKind::SessionName => "session-name",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Option<IdentityKind> {
        IdentityKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// One row of the usage rollups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageRow {
    /// The principal (for AWS, the user's or role's IAM ARN).
    pub principal: Arc<str>,
    /// The action, as the cloud's policies name it (`s3:GetObject`).
    pub action: Arc<str>,
    /// The resource, a pattern of resources (`arn:aws:s3:::bucket/logs/*`), or `*` when the
    /// request names none or the log does not say.
    pub resource: Arc<str>,
    /// When and how often.
    pub counts: Counts,
}

/// Strings stored once, named by a number.
#[derive(Debug, Default, Clone)]
struct Interner {
    ids: Map<Arc<str>, u32>,
    strings: Vec<Arc<str>>,
}

impl Interner {
    fn id(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        let id = u32::try_from(self.strings.len()).unwrap_or(u32::MAX);
        let shared: Arc<str> = Arc::from(text);
        self.strings.push(shared.clone());
        self.ids.insert(shared, id);
        id
    }

    fn text(&self, id: u32) -> Arc<str> {
        self.strings.get(id as usize).cloned().unwrap_or_else(|| Arc::from(""))
    }
}

/// A principal's activity of any kind (including events that are not authorized by IAM, such
/// as console sign-ins), for inactivity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PrincipalActivity {
    /// What kind of caller.
    pub kind: CallerKind,
    /// The account it belongs to.
    pub account: u32,
    /// Every event.
    pub counts: Counts,
}

/// Usage of many events, merged.
///
/// Besides the usage rows it keeps, per principal, its activity of any kind; per role, who was
/// behind its sessions; the events whose action is not known (so the catalogue can be fixed
/// rather than the events silently dropped); and per account and region the period the logs
/// cover (so that "unused in 90 days" is not claimed from a week of logs).
#[derive(Debug, Default, Clone)]
pub struct Rollups {
    strings: Interner,
    usage: Map<[u32; 3], Counts>,
    principals: Map<u32, PrincipalActivity>,
    identities: Map<(u32, IdentityKind, u32), Counts>,
    unmapped: Map<[u32; 2], Counts>,
    coverage: Map<[u32; 2], Counts>,
    events: u64,
}

/// A principal's activity, as read back from [`Rollups::principals`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalRow {
    /// The principal.
    pub principal: Arc<str>,
    /// What kind of caller.
    pub kind: CallerKind,
    /// Its account.
    pub account: Arc<str>,
    /// Every event it made.
    pub counts: Counts,
}

/// Who was behind a role's sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityRow {
    /// The role.
    pub principal: Arc<str>,
    /// What the identity is.
    pub kind: IdentityKind,
    /// The identity (a user name, an e-mail, a token subject).
    pub identity: Arc<str>,
    /// Its events.
    pub counts: Counts,
}

/// Events whose action is not known, by the service and operation they name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnmappedRow {
    /// The service that logged it (`eventSource`).
    pub source: Arc<str>,
    /// The operation (`eventName`).
    pub name: Arc<str>,
    /// How often and when.
    pub counts: Counts,
}

/// The period one account's logs cover in one region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageRow {
    /// The account whose log it is.
    pub account: Arc<str>,
    /// The region.
    pub region: Arc<str>,
    /// Earliest and latest event, and how many.
    pub counts: Counts,
}

impl Rollups {
    /// Nothing yet.
    pub fn new() -> Rollups {
        Rollups::default()
    }

    /// Events recorded with [`Rollups::record_event`].
    pub fn events(&self) -> u64 {
        self.events
    }

    /// Distinct usage rows.
    pub fn usage_len(&self) -> usize {
        self.usage.len()
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.events == 0 && self.usage.is_empty() && self.principals.is_empty()
    }

    /// Counts one event of `principal` (of `kind`, in `account`) at `time`, whatever it was:
    /// the principal's activity, and the log's coverage of `log_account` in `region`.
    #[allow(clippy::too_many_arguments)]
    pub fn record_event(
        &mut self,
        principal: &str,
        kind: CallerKind,
        account: &str,
        log_account: &str,
        region: &str,
        time: i64,
        outcome: Outcome,
    ) {
        self.events += 1;
        let p = self.strings.id(principal);
        let a = self.strings.id(account);
        self.principals
            .entry(p)
            .and_modify(|activity| activity.counts.add(time, outcome))
            .or_insert(PrincipalActivity { kind, account: a, counts: Counts::one(time, outcome) });
        let key = [self.strings.id(log_account), self.strings.id(region)];
        self.coverage.entry(key).and_modify(|c| c.add(time, outcome)).or_insert(Counts::one(time, outcome));
    }

    /// Counts one use of `action` on `resource` by `principal`.
    pub fn record_usage(&mut self, principal: &str, action: &str, resource: &str, time: i64, outcome: Outcome) {
        let key = [self.strings.id(principal), self.strings.id(action), self.strings.id(resource)];
        self.usage.entry(key).and_modify(|c| c.add(time, outcome)).or_insert(Counts::one(time, outcome));
    }

    /// Counts one session of `principal` on behalf of `identity`.
    pub fn record_identity(
        &mut self,
        principal: &str,
        kind: IdentityKind,
        identity: &str,
        time: i64,
        outcome: Outcome,
    ) {
        let key = (self.strings.id(principal), kind, self.strings.id(identity));
        self.identities.entry(key).and_modify(|c| c.add(time, outcome)).or_insert(Counts::one(time, outcome));
    }

    /// Counts one event whose action is not known.
    pub fn record_unmapped(&mut self, source: &str, name: &str, time: i64, outcome: Outcome) {
        let key = [self.strings.id(source), self.strings.id(name)];
        self.unmapped.entry(key).and_modify(|c| c.add(time, outcome)).or_insert(Counts::one(time, outcome));
    }

    /// Adds everything of `other`.
    pub fn merge(&mut self, other: &Rollups) {
        let ids: Vec<u32> = other.strings.strings.iter().map(|s| self.strings.id(s)).collect();
        let map = |id: u32| ids.get(id as usize).copied().unwrap_or(u32::MAX);
        self.events += other.events;
        for (key, counts) in &other.usage {
            let key = [map(key[0]), map(key[1]), map(key[2])];
            self.usage.entry(key).and_modify(|c| c.merge(counts)).or_insert(*counts);
        }
        for (principal, activity) in &other.principals {
            let activity = PrincipalActivity { account: map(activity.account), ..*activity };
            self.principals.entry(map(*principal)).and_modify(|a| a.counts.merge(&activity.counts)).or_insert(activity);
        }
        for ((principal, kind, identity), counts) in &other.identities {
            let key = (map(*principal), *kind, map(*identity));
            self.identities.entry(key).and_modify(|c| c.merge(counts)).or_insert(*counts);
        }
        for (key, counts) in &other.unmapped {
            let key = [map(key[0]), map(key[1])];
            self.unmapped.entry(key).and_modify(|c| c.merge(counts)).or_insert(*counts);
        }
        for (key, counts) in &other.coverage {
            let key = [map(key[0]), map(key[1])];
            self.coverage.entry(key).and_modify(|c| c.merge(counts)).or_insert(*counts);
        }
    }

    /// The usage rows, sorted by principal, action and resource.
    pub fn usage(&self) -> Vec<UsageRow> {
        let mut rows: Vec<UsageRow> = self
            .usage
            .iter()
            .map(|(key, counts)| UsageRow {
                principal: self.strings.text(key[0]),
                action: self.strings.text(key[1]),
                resource: self.strings.text(key[2]),
                counts: *counts,
            })
            .collect();
        rows.sort_by(|a, b| (&a.principal, &a.action, &a.resource).cmp(&(&b.principal, &b.action, &b.resource)));
        rows
    }

    /// Every principal's activity, sorted by principal.
    pub fn principals(&self) -> Vec<PrincipalRow> {
        let mut rows: Vec<PrincipalRow> = self
            .principals
            .iter()
            .map(|(p, activity)| PrincipalRow {
                principal: self.strings.text(*p),
                kind: activity.kind,
                account: self.strings.text(activity.account),
                counts: activity.counts,
            })
            .collect();
        rows.sort_by(|a, b| a.principal.cmp(&b.principal));
        rows
    }

    /// Who was behind roles' sessions, sorted.
    pub fn identities(&self) -> Vec<IdentityRow> {
        let mut rows: Vec<IdentityRow> = self
            .identities
            .iter()
            .map(|((p, kind, identity), counts)| IdentityRow {
                principal: self.strings.text(*p),
                kind: *kind,
                identity: self.strings.text(*identity),
                counts: *counts,
            })
            .collect();
        rows.sort_by(|a, b| (&a.principal, a.kind, &a.identity).cmp(&(&b.principal, b.kind, &b.identity)));
        rows
    }

    /// Events whose action is not known, sorted.
    pub fn unmapped(&self) -> Vec<UnmappedRow> {
        let mut rows: Vec<UnmappedRow> = self
            .unmapped
            .iter()
            .map(|(key, counts)| UnmappedRow {
                source: self.strings.text(key[0]),
                name: self.strings.text(key[1]),
                counts: *counts,
            })
            .collect();
        rows.sort_by(|a, b| (&a.source, &a.name).cmp(&(&b.source, &b.name)));
        rows
    }

    /// The periods the logs cover, sorted by account and region.
    pub fn coverage(&self) -> Vec<CoverageRow> {
        let mut rows: Vec<CoverageRow> = self
            .coverage
            .iter()
            .map(|(key, counts)| CoverageRow {
                account: self.strings.text(key[0]),
                region: self.strings.text(key[1]),
                counts: *counts,
            })
            .collect();
        rows.sort_by(|a, b| (&a.account, &a.region).cmp(&(&b.account, &b.region)));
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(events: &[(&str, &str, &str, i64, Outcome)]) -> Rollups {
        let mut rollups = Rollups::new();
        for &(p, a, r, t, o) in events {
            rollups.record_event(p, CallerKind::Role, "111122223333", "111122223333", "us-east-1", t, o);
            rollups.record_usage(p, a, r, t, o);
        }
        rollups
    }

    #[test]
    fn counts_first_last_and_outcomes() {
        let rollups = sample(&[
            ("r", "s3:GetObject", "arn:aws:s3:::b/*", 20, Outcome::Allowed),
            ("r", "s3:GetObject", "arn:aws:s3:::b/*", 10, Outcome::Denied),
            ("r", "s3:GetObject", "arn:aws:s3:::b/*", 30, Outcome::Failed),
            ("r", "s3:PutObject", "arn:aws:s3:::b/*", 5, Outcome::Allowed),
        ]);
        let rows = rollups.usage();
        assert_eq!(rows.len(), 2);
        assert_eq!(&*rows[0].action, "s3:GetObject");
        assert_eq!(rows[0].counts, Counts { first_seen: 10, last_seen: 30, allowed: 1, denied: 1, failed: 1 });
        assert_eq!(rollups.events(), 4);
        let principals = rollups.principals();
        assert_eq!(principals[0].counts.first_seen, 5);
        assert_eq!(principals[0].counts.events(), 4);
    }

    #[test]
    fn merging_in_any_split_gives_the_same_rollups() {
        let events: Vec<(&str, &str, &str, i64, Outcome)> = (0..200)
            .map(|i| {
                let p = ["a", "b", "c"][i % 3];
                let act = ["s3:GetObject", "kms:Decrypt"][i % 2];
                let outcome = [Outcome::Allowed, Outcome::Denied, Outcome::Failed, Outcome::Allowed][i % 4];
                (p, act, "*", (i as i64 * 7919) % 1000, outcome)
            })
            .collect();
        let whole = sample(&events);
        for split in [1, 17, 100, 199] {
            let mut left = sample(&events[..split]);
            let right = sample(&events[split..]);
            left.merge(&right);
            assert_eq!(left.usage(), whole.usage(), "split at {split}");
            assert_eq!(left.principals(), whole.principals());
            assert_eq!(left.coverage(), whole.coverage());
            assert_eq!(left.events(), whole.events());
        }
    }
}
