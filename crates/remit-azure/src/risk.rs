//! Risk findings (placeholder).
