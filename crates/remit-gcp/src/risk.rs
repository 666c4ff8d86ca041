//! Risk findings for Google Cloud.
use remit_findings::Finding;

use crate::analysis::GcpAnalysis;

/// Every finding.
pub fn findings(_analysis: &GcpAnalysis) -> Vec<Finding> {
    Vec::new()
}
