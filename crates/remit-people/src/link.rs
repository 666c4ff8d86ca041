//! How sure a link is, and why: every decision carries its reason so a reviewer can check it.
//!
//! A correlation engine that says "this AWS user is Alice" without saying why cannot be
//! trusted with a leaver finding. Each link keeps the rule that made it, a score and the
//! reason in words; two persons matching equally well are never decided between.

/// A confidence band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// A heuristic (names): a human should confirm.
    Low,
    /// An indirect but exact match (an alias address, a display name in a tag).
    Medium,
    /// An exact identifier (IdP subject, app user name, employee id, canonical address).
    High,
}

impl Level {
    /// `high`, `medium` or `low`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
        }
    }
}

/// A confidence: its band and a score from 0 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Confidence {
    /// The band: high from 80, medium from 50, low below.
    pub level: Level,
    /// The score (0–100).
    pub score: u8,
}

impl Confidence {
    /// The confidence of `score` (capped at 100).
    pub fn new(score: u8) -> Confidence {
        let score = score.min(100);
        let level = match score {
            80.. => Level::High,
            50.. => Level::Medium,
            _ => Level::Low,
        };
        Confidence { level, score }
    }
}

/// The rule that made a link (`docs/people.md` lists each with its score).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// The IdP subject the cloud records is the person's Okta user id or Entra object id.
    IdpSubject,
    /// An Okta application assignment's user name is the identity's name in that cloud.
    AppAssignment,
    /// The employee id is the person's.
    EmployeeId,
    /// An address of the identity is the person's canonical address.
    Email,
    /// An address of the identity is one of the person's aliases.
    Alias,
    /// The identity's name reads as the person's given and family names (`alice.smith`).
    FullName,
    /// The identity's name reads as an initial and the family name (`asmith`).
    InitialAndName,
    /// An owner the cloud records (Entra owners, a creator) is the person or their identity.
    RecordedOwner,
    /// An owner or contact tag names the person's address.
    OwnerTag,
    /// An owner or contact tag names the person's display name.
    OwnerTagName,
    /// The person's identity-provider group is the group a federated principal set names
    /// (a Google Cloud workforce pool group).
    GroupMembership,
}

impl Rule {
    /// The score the rule gives.
    pub fn score(self) -> u8 {
        match self {
            Rule::IdpSubject => 100,
            Rule::AppAssignment => 95,
            Rule::EmployeeId | Rule::Email | Rule::RecordedOwner => 90,
            Rule::OwnerTag => 85,
            Rule::GroupMembership => 75,
            Rule::Alias => 70,
            Rule::OwnerTagName => 55,
            Rule::FullName => 40,
            Rule::InitialAndName => 30,
        }
    }

    /// Its name in `docs/people.md` (`idp-subject`).
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::IdpSubject => "idp-subject",
            Rule::AppAssignment => "app-assignment",
            Rule::EmployeeId => "employee-id",
            Rule::Email => "email",
            Rule::Alias => "alias",
            Rule::FullName => "full-name",
            Rule::InitialAndName => "initial-and-name",
            Rule::RecordedOwner => "recorded-owner",
            Rule::OwnerTag => "owner-tag",
            Rule::OwnerTagName => "owner-tag-name",
            Rule::GroupMembership => "group-membership",
        }
    }
}

/// A decided link from an identity to a person (as itself, or as its owner).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The person's key (canonical address).
    pub person: String,
    /// How sure.
    pub confidence: Confidence,
    /// The strongest rule that made it.
    pub rule: Rule,
    /// Why, in words (every rule that matched this person).
    pub reason: String,
}

/// One person an undecidable identity could be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The person's key.
    pub person: String,
    /// The rule.
    pub rule: Rule,
    /// Why.
    pub reason: String,
}

/// An identity that two or more persons match equally well: left undecided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ambiguity {
    /// The confidence each candidate would have had.
    pub confidence: Confidence,
    /// The candidates, by key.
    pub candidates: Vec<Candidate>,
    /// In words.
    pub reason: String,
}

/// What correlation decided for one identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// A person's own identity.
    Person(Link),
    /// A non-human identity (or a user no person matches) with owners, the most certain
    /// first.
    Owned(Vec<Link>),
    /// Persons match equally: not decided.
    Ambiguous(Ambiguity),
    /// No person (for a user) or no owner (for a non-human identity) found, and why.
    Unlinked(String),
    /// A kind that belongs to nobody (groups, cloud services, outside accounts, anyone).
    NotApplicable,
}

/// A scored candidate during matching.
#[derive(Debug, Clone)]
pub(crate) struct Scored {
    pub person: usize,
    pub rule: Rule,
    pub score: u8,
    pub reason: String,
}

/// Decides among `scored`: the best score wins when one person holds it; two persons at the
/// best score are ambiguous. `None` when there are no candidates.
pub(crate) fn decide(mut scored: Vec<Scored>, key: impl Fn(usize) -> String) -> Option<Result<Link, Ambiguity>> {
    let best = scored.iter().map(|s| s.score).max()?;
    scored.sort_by(|a, b| b.score.cmp(&a.score).then(a.person.cmp(&b.person)));
    let mut top: Vec<usize> = scored.iter().filter(|s| s.score == best).map(|s| s.person).collect();
    top.sort_unstable();
    top.dedup();
    if let [winner] = top[..] {
        return Some(Ok(link_to(winner, &scored, best, &key)));
    }
    let candidates: Vec<Candidate> = scored
        .iter()
        .filter(|s| s.score == best)
        .map(|s| Candidate { person: key(s.person), rule: s.rule, reason: s.reason.clone() })
        .collect();
    let names: Vec<String> = top.iter().map(|&p| key(p)).collect();
    Some(Err(Ambiguity {
        confidence: Confidence::new(best),
        reason: format!("{} persons match equally ({}): not decided", names.len(), names.join(", ")),
        candidates,
    }))
}

/// The link to `winner`, its reason listing every rule that matched it, then the weaker
/// candidates of other persons. `scored` is sorted best first.
fn link_to(winner: usize, scored: &[Scored], best: u8, key: &impl Fn(usize) -> String) -> Link {
    let rule = scored.iter().find(|s| s.person == winner && s.score == best).map_or(Rule::Email, |s| s.rule);
    let mut reasons: Vec<String> =
        scored.iter().filter(|s| s.person == winner).map(|s| format!("{} ({})", s.reason, s.rule.as_str())).collect();
    reasons.dedup();
    let others: Vec<String> = scored
        .iter()
        .filter(|s| s.person != winner)
        .map(|s| format!("{} also matched less strongly: {} ({})", key(s.person), s.reason, s.rule.as_str()))
        .collect();
    reasons.extend(others);
    Link { person: key(winner), confidence: Confidence::new(best), rule, reason: reasons.join("; ") }
}
