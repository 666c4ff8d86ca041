//! Which role assignments granted the calls the log saw.
//!
//! Why: the diagnostic export's `identity.authorization.evidence` names the role assignment
//! that allowed each call (<https://learn.microsoft.com/azure/azure-monitor/essentials/activity-log-schema>),
//! so "which assignments are used, and for what" is read from the log rather than guessed from
//! the permissions: an assignment never named is a candidate for removal, and the actions it
//! granted are those its replacement role needs.

use std::collections::{BTreeMap, BTreeSet};

use remit_activity::Counts;

use crate::activity::Evidence;

/// One caller's use of one role assignment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentUse {
    /// The caller's object id.
    pub principal: String,
    /// The role assignment's id (`roleAssignmentId`, lower case).
    pub assignment_id: String,
    /// The role definition's id (lower case).
    pub role_definition_id: String,
    /// The role's name (`Contributor`).
    pub role: String,
    /// The assignment's scope (lower case).
    pub scope: String,
    /// The assignment's principal (the caller, or a group it is a member of).
    pub assignee: String,
    /// `User`, `ServicePrincipal` or `Group`.
    pub assignee_type: String,
    /// The actions it granted, as logged.
    pub actions: BTreeSet<String>,
    /// When and how often.
    pub counts: Counts,
}

/// Uses of role assignments, per caller and assignment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assignments {
    rows: BTreeMap<(String, String), AssignmentUse>,
}

impl Assignments {
    pub(crate) fn add(&mut self, principal: &str, action: &str, evidence: &Evidence, counts: Counts) {
        let row = AssignmentUse {
            principal: principal.to_owned(),
            assignment_id: evidence.assignment_id.clone(),
            role_definition_id: evidence.role_definition_id.clone(),
            role: evidence.role.clone(),
            scope: evidence.scope.clone(),
            assignee: evidence.assignee.clone(),
            assignee_type: evidence.assignee_type.clone(),
            actions: BTreeSet::from([action.to_owned()]),
            counts,
        };
        self.merge_row(row);
    }

    /// Adds one row (as the store reads it back), merged with any row of the same caller and
    /// assignment.
    pub fn merge_row(&mut self, row: AssignmentUse) {
        let key = (row.principal.clone(), row.assignment_id.clone());
        match self.rows.get_mut(&key) {
            None => {
                self.rows.insert(key, row);
            }
            Some(kept) => {
                kept.counts.merge(&row.counts);
                kept.actions.extend(row.actions);
            }
        }
    }

    /// Adds another table.
    pub fn merge(&mut self, other: &Assignments) {
        for row in other.rows.values() {
            self.merge_row(row.clone());
        }
    }

    /// Every use, sorted by caller and assignment id.
    pub fn rows(&self) -> Vec<AssignmentUse> {
        self.rows.values().cloned().collect()
    }

    /// True when no evidence was read.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}
