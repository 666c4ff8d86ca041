//! Azure scope strings and the hierarchy they sit in.
//!
//! An assignment applies at its scope and every descendant
//! (<https://learn.microsoft.com/azure/role-based-access-control/scope-overview>), and scopes
//! are compared case-insensitively, segment by segment. A subscription's management groups are
//! not in its scope string: they come from the management-group tree, so ancestry needs the
//! tree ([`Hierarchy`]). Every query and rule walks ancestors; this module is the one place that
//! knows how.

use std::collections::BTreeMap;

/// The root scope `/` (tenant-wide, where elevated access assigns User Access Administrator:
/// <https://learn.microsoft.com/azure/role-based-access-control/elevate-access-global-admin>).
pub const ROOT: &str = "/";

const MG_PREFIX: &str = "/providers/microsoft.management/managementgroups/";

/// A scope in canonical form: lowercase, no trailing `/`, `/` for the root.
pub fn normalize(scope: &str) -> String {
    let trimmed = scope.trim().trim_end_matches('/');
    match trimmed.is_empty() {
        true => ROOT.to_owned(),
        false => {
            let lower = trimmed.to_ascii_lowercase();
            match lower.starts_with('/') {
                true => lower,
                false => format!("/{lower}"),
            }
        }
    }
}

/// The management group a scope names (`…/managementGroups/{name}`), lowercased.
pub fn management_group(scope: &str) -> Option<String> {
    let scope = normalize(scope);
    let name = scope.strip_prefix(MG_PREFIX)?;
    (!name.is_empty() && !name.contains('/')).then(|| name.to_owned())
}

/// The scope of management group `name`.
pub fn management_group_scope(name: &str) -> String {
    format!("/providers/Microsoft.Management/managementGroups/{name}")
}

/// The subscription id a scope lies in, lowercased.
pub fn subscription(scope: &str) -> Option<String> {
    let scope = normalize(scope);
    let rest = scope.strip_prefix("/subscriptions/")?;
    let id = rest.split('/').next().unwrap_or_default();
    (!id.is_empty()).then(|| id.to_owned())
}

/// The resource group a scope lies in, lowercased.
pub fn resource_group(scope: &str) -> Option<String> {
    let scope = normalize(scope);
    let segments: Vec<&str> = scope.split('/').collect();
    // "", "subscriptions", id, "resourcegroups", name, …
    (segments.len() >= 5 && segments[1] == "subscriptions" && segments[3] == "resourcegroups")
        .then(|| segments[4].to_owned())
}

/// True for `/`, a management group or a subscription itself (not a resource group or
/// resource below it).
pub fn is_subscription_or_above(scope: &str) -> bool {
    let scope = normalize(scope);
    scope == ROOT
        || management_group(&scope).is_some()
        || (subscription(&scope).is_some() && scope.matches('/').count() == 2)
}

/// True when `text` has the shape of a scope Azure RBAC knows.
pub fn is_scope(text: &str) -> bool {
    let scope = normalize(text);
    scope == ROOT || management_group(&scope).is_some() || subscription(&scope).is_some()
}

/// The management-group tree: who is the parent of each management group and subscription.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hierarchy {
    /// Management group (lowercased name) → its parent management group (lowercased name).
    pub mg_parent: BTreeMap<String, String>,
    /// Subscription id (lowercased) → its management group (lowercased name).
    pub subscription_parent: BTreeMap<String, String>,
}

impl Hierarchy {
    /// The management groups above `mg`, nearest first, `mg` included (cycles stop the walk).
    fn mg_chain(&self, mg: &str) -> Vec<String> {
        let mut chain = vec![mg.to_owned()];
        let mut current = mg.to_owned();
        while let Some(parent) = self.mg_parent.get(&current) {
            if chain.contains(parent) {
                break;
            }
            chain.push(parent.clone());
            current = parent.clone();
        }
        chain
    }

    /// Every scope at or above `scope`, from the root `/` down to `scope` itself, canonical.
    ///
    /// For a resource: `/`, the management groups from the tenant root group down, the
    /// subscription, the resource group, then each parent resource and the resource.
    pub fn ancestors(&self, scope: &str) -> Vec<String> {
        let scope = normalize(scope);
        let mut out = vec![ROOT.to_owned()];
        if scope == ROOT {
            return out;
        }
        let mg_of_scope = management_group(&scope)
            .or_else(|| subscription(&scope).and_then(|s| self.subscription_parent.get(&s).cloned()));
        if let Some(mg) = mg_of_scope {
            let mut chain = self.mg_chain(&mg);
            chain.reverse();
            out.extend(chain.iter().map(|m| normalize(&management_group_scope(m))));
        }
        if management_group(&scope).is_some() {
            return out;
        }
        if subscription(&scope).is_some() {
            // Prefixes of the path that are scopes: /subscriptions/x, …/resourceGroups/y,
            // …/providers/Ns/type/name and each child type/name pair.
            let segments: Vec<&str> = scope.split('/').skip(1).collect();
            let mut cut = Vec::new();
            if segments.len() >= 2 {
                cut.push(2);
            }
            if segments.len() >= 4 && segments[2] == "resourcegroups" {
                cut.push(4);
                if segments.len() >= 8 && segments[4] == "providers" {
                    // providers, Ns, type, name, then pairs.
                    let mut end = 8;
                    while end <= segments.len() {
                        cut.push(end);
                        end += 2;
                    }
                }
            } else if segments.len() >= 6 && segments[2] == "providers" {
                // A subscription-level resource: /subscriptions/x/providers/Ns/type/name.
                let mut end = 6;
                while end <= segments.len() {
                    cut.push(end);
                    end += 2;
                }
            }
            for end in cut {
                out.push(format!("/{}", segments[..end].join("/")));
            }
            if out.last() != Some(&scope) {
                out.push(scope);
            }
        }
        out
    }

    /// True when an assignment at `assigned` applies to `target` (at it or an ancestor).
    pub fn applies(&self, assigned: &str, target: &str) -> bool {
        let assigned = normalize(assigned);
        self.ancestors(target).contains(&assigned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> Hierarchy {
        let mut h = Hierarchy::default();
        h.mg_parent.insert("prod".into(), "tenant-root".into());
        h.subscription_parent.insert("sub-1".into(), "prod".into());
        h
    }

    #[test]
    fn ancestors_of_a_resource() {
        // https://learn.microsoft.com/azure/role-based-access-control/scope-overview#scope-format
        let id = "/subscriptions/SUB-1/resourceGroups/RG/providers/Microsoft.Storage/storageAccounts/sa/blobServices/default/containers/c";
        let a = tree().ancestors(id);
        assert_eq!(
            a,
            vec![
                "/",
                "/providers/microsoft.management/managementgroups/tenant-root",
                "/providers/microsoft.management/managementgroups/prod",
                "/subscriptions/sub-1",
                "/subscriptions/sub-1/resourcegroups/rg",
                "/subscriptions/sub-1/resourcegroups/rg/providers/microsoft.storage/storageaccounts/sa",
                "/subscriptions/sub-1/resourcegroups/rg/providers/microsoft.storage/storageaccounts/sa/blobservices/default",
                "/subscriptions/sub-1/resourcegroups/rg/providers/microsoft.storage/storageaccounts/sa/blobservices/default/containers/c",
            ]
        );
    }

    #[test]
    fn applies_is_case_insensitive_and_not_sideways() {
        let h = tree();
        assert!(h.applies(
            "/subscriptions/sub-1/resourceGroups/rg",
            "/subscriptions/SUB-1/resourcegroups/RG/providers/a.b/c/d"
        ));
        assert!(!h.applies(
            "/subscriptions/sub-1/resourceGroups/rg2",
            "/subscriptions/sub-1/resourcegroups/rg/providers/a.b/c/d"
        ));
        assert!(!h.applies("/subscriptions/sub-1/resourceGroups/rg", "/subscriptions/sub-1/resourcegroups/rg-other"));
        assert!(h.applies("/providers/Microsoft.Management/managementGroups/prod", "/subscriptions/sub-1"));
        assert!(!h.applies("/subscriptions/sub-1", "/providers/Microsoft.Management/managementGroups/prod"));
    }

    #[test]
    fn parts() {
        assert_eq!(subscription("/subscriptions/ABC/resourceGroups/x").as_deref(), Some("abc"));
        assert_eq!(resource_group("/subscriptions/ABC/resourceGroups/X/providers").as_deref(), Some("x"));
        assert!(is_scope("/"));
        assert!(!is_scope("storage"));
        assert!(is_subscription_or_above("/subscriptions/abc/"));
        assert!(is_subscription_or_above("/providers/Microsoft.Management/managementGroups/x"));
        assert!(!is_subscription_or_above("/subscriptions/abc/resourceGroups/x"));
    }
}
