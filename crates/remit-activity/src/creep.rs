//! The Permission Creep Index: how much risky access a principal holds and does not use.
//!
//! Anchor: Microsoft Entra Permissions Management's PCI, a score from 0 to 100 in three buckets
//! (0–33 low, 34–66 medium, 67–100 high) that grows with *unused high-risk permissions weighted
//! by the resources they reach*
//! (<https://learn.microsoft.com/en-us/graph/api/resources/permissionscreepindex>). Its exact
//! formula is not published, so Remit's is documented here and in `docs/activity.md`:
//!
//! For a principal, every granted (action, resource) pair of its effective permissions carries
//! the action's risk weight `w` (set by the cloud's analysis: for AWS 1 for permissions
//! management and the actions of the risk categories, 0.5 for other writes, 0.25 for other
//! reads, 0.1 for list and tagging). `G` is the weighted count of every granted pair, `U` of
//! the pairs not used within the window. Then
//!
//! ```text
//! PCI = round(100 × (U / G) × min(1, ln(1 + U) / ln(1 + K)))      K = 1,000
//! ```
//!
//! The first factor is the share of the principal's risk-weighted reach it does not use; the
//! second scales it by how much that is in absolute terms, so that one unused low-risk action
//! of a principal that holds little scores low, and a principal that could touch a thousand
//! weighted (action, resource) pairs it never uses is at full scale. A principal with no grants
//! scores 0.

/// One granted action of a principal, over the resources it reaches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reach {
    /// The action's risk weight (0 to 1).
    pub weight: f64,
    /// How many resources the action reaches (1 for actions on no resource).
    pub resources: u64,
    /// How many of them it was not used on in the window.
    pub unused: u64,
}

/// The scale constant `K`: unused weighted pairs at which the index reaches full scale.
pub const FULL_SCALE: f64 = 1_000.0;

/// A principal's score and the sums it came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    /// 0 to 100.
    pub pci: u8,
    /// `G`: weighted granted pairs.
    pub granted: f64,
    /// `U`: weighted unused pairs.
    pub unused: f64,
}

/// The three buckets of the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bucket {
    /// 0–33.
    Low,
    /// 34–66.
    Medium,
    /// 67–100.
    High,
}

impl Bucket {
    /// The bucket of a score.
    pub fn of(pci: u8) -> Bucket {
        match pci {
            0..=33 => Bucket::Low,
            34..=66 => Bucket::Medium,
            _ => Bucket::High,
        }
    }

    /// `low`, `medium` or `high`.
    pub fn as_str(self) -> &'static str {
        match self {
            Bucket::Low => "low",
            Bucket::Medium => "medium",
            Bucket::High => "high",
        }
    }
}

/// The score of one principal's grants.
pub fn score(reach: impl IntoIterator<Item = Reach>) -> Score {
    let (mut granted, mut unused) = (0.0f64, 0.0f64);
    for r in reach {
        let w = r.weight.clamp(0.0, 1.0);
        granted += w * r.resources as f64;
        unused += w * r.unused.min(r.resources) as f64;
    }
    if granted <= 0.0 {
        return Score { pci: 0, granted, unused };
    }
    let share = unused / granted;
    let scale = ((1.0 + unused).ln() / (1.0 + FULL_SCALE).ln()).min(1.0);
    let pci = (100.0 * share * scale).round().clamp(0.0, 100.0) as u8;
    Score { pci, granted, unused }
}

/// How scores of many principals spread: per bucket, and order statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct Distribution {
    /// Principals scored.
    pub principals: usize,
    /// In each bucket: low, medium, high.
    pub buckets: [usize; 3],
    /// Mean score.
    pub mean: f64,
    /// Median score.
    pub median: u8,
    /// 90th percentile (nearest rank).
    pub p90: u8,
    /// Highest score.
    pub max: u8,
    /// Principals per decile: `[0,10)`, `[10,20)` … `[90,100]`.
    pub deciles: [usize; 10],
}

/// The distribution of `scores`.
pub fn distribution(scores: impl IntoIterator<Item = u8>) -> Distribution {
    let mut sorted: Vec<u8> = scores.into_iter().collect();
    sorted.sort_unstable();
    let n = sorted.len();
    let mut buckets = [0usize; 3];
    let mut deciles = [0usize; 10];
    for &s in &sorted {
        buckets[Bucket::of(s) as usize] += 1;
        deciles[usize::from(s / 10).min(9)] += 1;
    }
    let rank = |q: f64| -> u8 {
        if n == 0 {
            return 0;
        }
        let i = ((q * n as f64).ceil() as usize).clamp(1, n) - 1;
        sorted[i]
    };
    let mean = if n == 0 { 0.0 } else { sorted.iter().map(|&s| f64::from(s)).sum::<f64>() / n as f64 };
    Distribution {
        principals: n,
        buckets,
        mean,
        median: rank(0.5),
        p90: rank(0.9),
        max: sorted.last().copied().unwrap_or(0),
        deciles,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(weight: f64, resources: u64, unused: u64) -> Reach {
        Reach { weight, resources, unused }
    }

    #[test]
    fn nothing_unused_scores_zero_and_nothing_granted_scores_zero() {
        assert_eq!(score([r(1.0, 500, 0)]).pci, 0);
        assert_eq!(score([]).pci, 0);
    }

    #[test]
    fn everything_unused_at_full_scale_scores_100() {
        assert_eq!(score([r(1.0, 2_000, 2_000)]).pci, 100);
    }

    #[test]
    fn a_little_unused_low_risk_access_scores_low() {
        // One list action on one resource, unused: the share is 1, the amount tiny.
        let s = score([r(0.1, 1, 1), r(1.0, 1, 0)]);
        assert!(s.pci <= 5, "{s:?}");
        assert_eq!(Bucket::of(s.pci), Bucket::Low);
    }

    #[test]
    fn grows_with_unused_share_and_with_reach() {
        let a = score([r(1.0, 100, 10)]).pci;
        let b = score([r(1.0, 100, 90)]).pci;
        let c = score([r(1.0, 10_000, 9_000)]).pci;
        assert!(a < b && b < c, "{a} {b} {c}");
    }

    #[test]
    fn unused_is_capped_by_reach_and_weight_by_one() {
        assert_eq!(score([r(5.0, 10, 50)]), score([r(1.0, 10, 10)]));
    }

    #[test]
    fn distribution_counts_buckets_and_ranks() {
        let d = distribution([0, 10, 33, 34, 66, 67, 100, 50, 50, 90]);
        assert_eq!(d.buckets, [3, 4, 3]);
        assert_eq!(d.median, 50);
        assert_eq!(d.p90, 90);
        assert_eq!(d.max, 100);
        assert_eq!(d.deciles.iter().sum::<usize>(), 10);
        assert_eq!(d.deciles[9], 2);
        assert_eq!(distribution([]).principals, 0);
    }
}
