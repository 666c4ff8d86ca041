//! Snapshots of environments over time.
