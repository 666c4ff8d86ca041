//! Azure's action strings and the wildcard patterns of role definitions.
//!
//! A role grants `Actions − NotActions` per permission block, and the union over blocks and
//! over roles: `NotActions` only subtracts within its own block and is not a deny
//! (<https://learn.microsoft.com/azure/role-based-access-control/role-definitions#notactions>).
//! Every other module asks this one whether a pattern covers an action, so the wildcard rules
//! live in one place: `*` may appear anywhere, spans `/`, and matching ignores case
//! (<https://learn.microsoft.com/azure/role-based-access-control/role-definitions#actions>).

/// True when `pattern` (with `*` wildcards) matches `action`, ignoring ASCII case.
///
/// `*` matches any run of characters, `/` included
/// (<https://learn.microsoft.com/azure/role-based-access-control/role-definitions#actions>).
pub fn matches(pattern: &str, action: &str) -> bool {
    let p = pattern.as_bytes();
    let a = action.as_bytes();
    // Greedy matching with backtracking to the last star: linear in practice, no recursion.
    let (mut pi, mut ai) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ai < a.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ai));
            pi += 1;
        } else if pi < p.len() && p[pi].eq_ignore_ascii_case(&a[ai]) {
            pi += 1;
            ai += 1;
        } else if let Some((sp, sa)) = star {
            pi = sp + 1;
            ai = sa + 1;
            star = Some((sp, sa + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

/// True when some action matches both patterns (their languages intersect).
///
/// Used to tell whether a subtraction (a `NotActions` entry, a deny assignment) can touch a
/// granted pattern at all.
pub fn overlaps(left: &str, right: &str) -> bool {
    let l = left.as_bytes();
    let r = right.as_bytes();
    // reachable[i][j]: l[..i] and r[..j] can produce a common string.
    let mut reachable = vec![vec![false; r.len() + 1]; l.len() + 1];
    reachable[0][0] = true;
    for i in 0..=l.len() {
        for j in 0..=r.len() {
            if !reachable[i][j] {
                continue;
            }
            if i < l.len() && l[i] == b'*' {
                reachable[i + 1][j] = true;
                if j < r.len() {
                    reachable[i][j + 1] = true;
                }
            }
            if j < r.len() && r[j] == b'*' {
                reachable[i][j + 1] = true;
                if i < l.len() {
                    reachable[i + 1][j] = true;
                }
            }
            if i < l.len() && j < r.len() && l[i] != b'*' && r[j] != b'*' && l[i].eq_ignore_ascii_case(&r[j]) {
                reachable[i + 1][j + 1] = true;
            }
        }
    }
    reachable[l.len()][r.len()]
}

/// True when every action `inner` matches is matched by `outer` (a sound test: it may answer
/// false for some covering pairs, never true for a non-covering one).
///
/// `outer` is matched against `inner`'s text with `inner`'s stars as literal characters: an
/// `outer` star that absorbs them absorbs whatever they expand to.
pub fn covers(outer: &str, inner: &str) -> bool {
    matches(outer, inner)
}

/// One permission block of a role definition or deny assignment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permission {
    /// `actions`: control-plane patterns granted.
    pub actions: Vec<String>,
    /// `notActions`: control-plane patterns subtracted from this block's `actions`.
    pub not_actions: Vec<String>,
    /// `dataActions`: data-plane patterns granted.
    pub data_actions: Vec<String>,
    /// `notDataActions`: data-plane patterns subtracted from this block's `dataActions`.
    pub not_data_actions: Vec<String>,
    /// A role-definition condition (some built-in roles carry one), as written.
    pub condition: Option<String>,
    /// Its `conditionVersion`.
    pub condition_version: Option<String>,
}

impl Permission {
    /// The granted and subtracted patterns of one plane.
    pub fn plane(&self, data_plane: bool) -> (&[String], &[String]) {
        match data_plane {
            true => (&self.data_actions, &self.not_data_actions),
            false => (&self.actions, &self.not_actions),
        }
    }

    /// True when this block grants `action`: some granted pattern matches and no subtracted
    /// one does (<https://learn.microsoft.com/azure/role-based-access-control/role-definitions#notactions>).
    pub fn grants(&self, action: &str, data_plane: bool) -> bool {
        let (granted, subtracted) = self.plane(data_plane);
        granted.iter().any(|p| matches(p, action)) && !subtracted.iter().any(|p| matches(p, action))
    }
}

/// True when any block grants `action` (the union across blocks).
pub fn granted_by(permissions: &[Permission], action: &str, data_plane: bool) -> bool {
    permissions.iter().any(|p| p.grants(action, data_plane))
}

/// True when `action` has the shape `{Company}.{Provider}/{type}/…` or is a pattern with a star.
pub fn is_well_formed(action: &str) -> bool {
    !action.is_empty() && !action.chars().any(char::is_whitespace) && (action.contains('/') || action.contains('*'))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use proptest::prelude::*;

    /// The reference: a plain recursive matcher written the obvious way.
    fn naive(p: &[u8], a: &[u8]) -> bool {
        match p.split_first() {
            None => a.is_empty(),
            Some((b'*', rest)) => (0..=a.len()).any(|k| naive(rest, &a[k..])),
            Some((c, rest)) => a.first().is_some_and(|x| x.eq_ignore_ascii_case(c)) && naive(rest, &a[1..]),
        }
    }

    #[test]
    fn documented_examples() {
        // https://learn.microsoft.com/azure/role-based-access-control/role-definitions#actions
        assert!(matches("*/read", "Microsoft.Compute/virtualMachines/read"));
        assert!(matches("Microsoft.Network/*/read", "Microsoft.Network/virtualNetworks/subnets/read"));
        assert!(matches("Microsoft.Authorization/*/Write", "microsoft.authorization/roleAssignments/write"));
        assert!(!matches("Microsoft.Authorization/*/Write", "Microsoft.Authorization/roleAssignments/delete"));
        assert!(matches("*", "anything/at/all"));
        assert!(!matches("Microsoft.Compute/*", "Microsoft.Storage/storageAccounts/read"));
    }

    #[test]
    fn not_actions_subtract_within_a_block_only() {
        let contributor = Permission {
            actions: vec!["*".into()],
            not_actions: vec!["Microsoft.Authorization/*/Write".into()],
            ..Permission::default()
        };
        assert!(!contributor.grants("Microsoft.Authorization/roleAssignments/write", false));
        let uaa = Permission { actions: vec!["Microsoft.Authorization/*".into()], ..Permission::default() };
        assert!(granted_by(&[contributor.clone(), uaa], "Microsoft.Authorization/roleAssignments/write", false));
        // Owner's `*` does not grant data actions: the planes are disjoint.
        assert!(!contributor.grants("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read", true));
    }

    #[test]
    fn overlap_and_cover() {
        assert!(overlaps("Microsoft.Storage/*", "*/read"));
        assert!(!overlaps("Microsoft.Storage/*", "Microsoft.Compute/*"));
        assert!(covers("*", "Microsoft.Storage/*"));
        assert!(covers("Microsoft.Storage/*", "Microsoft.Storage/storageAccounts/*"));
        assert!(!covers("Microsoft.Storage/*/read", "Microsoft.Storage/*"));
    }

    proptest! {
        #[test]
        fn agrees_with_naive(p in "[ab*/]{0,8}", a in "[abAB/]{0,10}") {
            prop_assert_eq!(matches(&p, &a), naive(p.as_bytes(), a.as_bytes()));
        }

        #[test]
        fn overlap_agrees_with_witness(p in "[ab*]{0,6}", q in "[ab*]{0,6}", a in "[ab]{0,6}") {
            // A common match proves overlap.
            if matches(&p, &a) && matches(&q, &a) {
                prop_assert!(overlaps(&p, &q));
            }
            // Cover is sound: if p covers q, every match of q is a match of p.
            if covers(&p, &q) && matches(&q, &a) {
                prop_assert!(matches(&p, &a));
            }
        }
    }
}
