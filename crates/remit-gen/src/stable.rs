//! Pure helpers both generators share: a hash whose value never changes between versions or
//! machines (std's hashers are not specified to), for turning labels into seeds and streams, and
//! the civil calendar (`remit-model`'s) for writing moments as dates.

/// FNV-1a, for turning labels, names and ARNs into seeds and stream indexes.
pub(crate) fn fnv(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

pub(crate) use remit_model::calendar::civil_from_days;
