//! Who answers for a machine identity.
//!
//! A service principal, service account or role outlives the project that made it; when its
//! owner leaves, nobody rotates its secrets or notices its misuse. Owners are taken from what
//! the cloud records (Entra application and service principal owners:
//! <https://learn.microsoft.com/en-us/graph/api/serviceprincipal-list-owners>; a Google
//! service account's creator), then from owner and contact tags
//! (<https://docs.aws.amazon.com/whitepapers/latest/tagging-best-practices/tagging-best-practices.html>,
//! <https://learn.microsoft.com/en-us/azure/cloud-adoption-framework/ready/azure-best-practices/resource-tagging>,
//! <https://cloud.google.com/resource-manager/docs/creating-managing-labels>).

use std::collections::HashMap;

use crate::identity::CloudIdentity;
use crate::index::Index;
use crate::link::{Link, Rule, Scored};
use crate::person::Person;

/// Tag keys (compared without case) whose value names an owner.
pub const OWNER_TAG_KEYS: [&str; 8] =
    ["owner", "owner-email", "owner_email", "created-by", "createdby", "created_by", "creator", "contact"];

/// The owner candidates of `identity`, and notes on owners that could not be resolved.
/// `linked` maps identity ids to the person they are linked to (index) and the link.
pub(crate) fn candidates(
    identity: &CloudIdentity,
    persons: &[Person],
    index: &Index,
    linked: &HashMap<String, (usize, Link)>,
) -> (Vec<Scored>, Vec<String>) {
    let key = |i: usize| persons.get(i).map_or("", |p| p.key.as_str());
    let mut out = Vec::new();
    let mut notes = Vec::new();
    for owner in identity.owners.iter().map(|o| o.trim()).filter(|o| !o.is_empty()) {
        if let Some((person, link)) = linked.get(owner) {
            out.push(Scored {
                person: *person,
                rule: Rule::RecordedOwner,
                score: Rule::RecordedOwner.score().min(link.confidence.score),
                reason: format!("the cloud records owner {owner}, which is {} ({})", link.person, link.reason),
            });
            continue;
        }
        let before = out.len();
        for &i in index.entra_id(owner) {
            out.push(Scored {
                person: i,
                rule: Rule::RecordedOwner,
                score: Rule::RecordedOwner.score(),
                reason: format!("the cloud records owner {owner}, the Entra user of {}", key(i)),
            });
        }
        let address = owner.strip_prefix("user:").unwrap_or(owner).to_lowercase();
        if address.contains('@') {
            let by_entra: Vec<usize> = out[before..].iter().map(|s| s.person).collect();
            for &i in index.address(&address).iter().filter(|i| !by_entra.contains(i)) {
                let alias = key(i) != address;
                out.push(Scored {
                    person: i,
                    rule: Rule::RecordedOwner,
                    score: if alias { Rule::Alias.score() } else { Rule::RecordedOwner.score() },
                    reason: format!(
                        "the cloud records owner {owner}, {} {}",
                        if alias { "an alias of" } else { "the canonical address of" },
                        key(i)
                    ),
                });
            }
        }
        if out.len() == before {
            notes.push(format!("recorded owner {owner} is linked to no person"));
        }
    }
    for (tag, value) in &identity.tags {
        if !OWNER_TAG_KEYS.iter().any(|k| k.eq_ignore_ascii_case(tag.trim())) {
            continue;
        }
        let value = value.trim();
        let lower = value.to_lowercase();
        let before = out.len();
        if lower.contains('@') {
            for &i in index.address(&lower) {
                let (score, what) = match key(i) == lower {
                    true => (Rule::OwnerTag.score(), "the canonical address of"),
                    false => (Rule::Alias.score() - 5, "an alias of"),
                };
                out.push(Scored {
                    person: i,
                    rule: Rule::OwnerTag,
                    score,
                    reason: format!("tag {tag}={value} is {what} {}", key(i)),
                });
            }
        } else if !lower.is_empty() {
            for &i in index.display_name(&lower) {
                out.push(Scored {
                    person: i,
                    rule: Rule::OwnerTagName,
                    score: Rule::OwnerTagName.score(),
                    reason: format!("tag {tag}={value} is the display name of {}", key(i)),
                });
            }
        }
        if out.len() == before {
            notes.push(format!("tag {tag}={value} names no known person"));
        }
    }
    (out, notes)
}

/// Groups candidates per person (best score first) into owner links, the most certain first;
/// `Err` with the tied candidates when the best score is shared by several persons through a
/// display name only (two people of the same name).
pub(crate) fn owner_links(scored: Vec<Scored>, persons: &[Person]) -> Result<Vec<Link>, Vec<Scored>> {
    let mut by_person: Vec<(usize, Vec<Scored>)> = Vec::new();
    for s in scored {
        match by_person.iter_mut().find(|(p, _)| *p == s.person) {
            Some((_, list)) => list.push(s),
            None => by_person.push((s.person, vec![s])),
        }
    }
    // A display name that several persons share names none of them.
    let name_only: Vec<usize> = by_person
        .iter()
        .filter(|(_, list)| list.iter().all(|s| s.rule == Rule::OwnerTagName))
        .map(|(p, _)| *p)
        .collect();
    if name_only.len() > 1 && name_only.len() == by_person.len() {
        return Err(by_person.into_iter().flat_map(|(_, list)| list).collect());
    }
    let mut links: Vec<Link> = by_person
        .into_iter()
        .filter(|(p, _)| name_only.len() <= 1 || !name_only.contains(p))
        .filter_map(|(p, mut list)| {
            list.sort_by_key(|s| std::cmp::Reverse(s.score));
            let best = list.first()?;
            let reason =
                list.iter().map(|s| format!("{} ({})", s.reason, s.rule.as_str())).collect::<Vec<_>>().join("; ");
            Some(Link {
                person: persons.get(p)?.key.clone(),
                confidence: crate::link::Confidence::new(best.score),
                rule: best.rule,
                reason,
            })
        })
        .collect();
    links.sort_by(|a, b| b.confidence.score.cmp(&a.confidence.score).then(a.person.cmp(&b.person)));
    Ok(links)
}
