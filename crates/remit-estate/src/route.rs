//! Which cloud a name belongs to, from its syntax alone.
//!
//! A question names a resource or a principal in its cloud's own terms; answering it starts by
//! telling which engine to ask, before anything is loaded (loading a large AWS organization
//! takes seconds that an Azure question should not pay).

use remit_model::Cloud;

/// The cloud of a resource name: an ARN is AWS; an Azure Resource Manager id or scope
/// (`/subscriptions/…`, `/providers/Microsoft.Management/managementGroups/…`, `/`) is Azure;
/// a Google Cloud full resource name (`//service.googleapis.com/…`) or a hierarchy node
/// (`projects/…`, `folders/…`, `organizations/…`) is Google Cloud.
pub fn resource_cloud(name: &str) -> Option<Cloud> {
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("arn:") || name == "*" {
        Some(Cloud::Aws)
    } else if lower.starts_with("//") {
        Some(Cloud::Gcp)
    } else if lower == "/" || lower.starts_with("/subscriptions/") || lower.starts_with("/providers/") {
        Some(Cloud::Azure)
    } else if ["projects/", "folders/", "organizations/"].iter().any(|p| lower.starts_with(p)) {
        Some(Cloud::Gcp)
    } else {
        None
    }
}

/// The cloud of an action name: AWS `service:Action`, Azure `Provider.Namespace/type/action`,
/// Google Cloud `service.resource.verb`.
pub fn action_cloud(action: &str) -> Option<Cloud> {
    if action.contains(':') {
        Some(Cloud::Aws)
    } else if action.contains('/') {
        Some(Cloud::Azure)
    } else if action.split('.').count() >= 3 {
        Some(Cloud::Gcp)
    } else {
        None
    }
}

/// The cloud a principal name says it belongs to, when its syntax says so: an ARN is AWS, a
/// Google Cloud member string (`user:`, `serviceAccount:`, `group:`, `domain:`, `principal://`,
/// `principalSet://`, `allUsers`, `allAuthenticatedUsers`) is Google Cloud. Object ids, UPNs
/// and emails are looked up in every loaded cloud instead.
pub fn principal_cloud(name: &str) -> Option<Cloud> {
    if name.starts_with("arn:") {
        return Some(Cloud::Aws);
    }
    let gcp_prefixes = ["user:", "serviceAccount:", "group:", "domain:", "principal://", "principalSet://", "deleted:"];
    if gcp_prefixes.iter().any(|p| name.starts_with(p)) || name == "allUsers" || name == "allAuthenticatedUsers" {
        return Some(Cloud::Gcp);
    }
    None
}

/// The person a `person:` query names, if it is one.
pub fn person_query(name: &str) -> Option<&str> {
    name.strip_prefix("person:").map(str::trim).filter(|rest| !rest.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resources_route_by_syntax() {
        assert_eq!(resource_cloud("arn:aws:s3:::b/k"), Some(Cloud::Aws));
        assert_eq!(resource_cloud("/subscriptions/1/resourceGroups/rg"), Some(Cloud::Azure));
        assert_eq!(resource_cloud("/providers/Microsoft.Management/managementGroups/root"), Some(Cloud::Azure));
        assert_eq!(resource_cloud("//storage.googleapis.com/projects/_/buckets/b"), Some(Cloud::Gcp));
        assert_eq!(resource_cloud("projects/p1"), Some(Cloud::Gcp));
        assert_eq!(resource_cloud("bucket"), None);
    }

    #[test]
    fn actions_and_principals_route_by_syntax() {
        assert_eq!(action_cloud("s3:GetObject"), Some(Cloud::Aws));
        assert_eq!(action_cloud("Microsoft.Storage/storageAccounts/read"), Some(Cloud::Azure));
        assert_eq!(action_cloud("storage.objects.get"), Some(Cloud::Gcp));
        assert_eq!(principal_cloud("user:alice@corp.com"), Some(Cloud::Gcp));
        assert_eq!(principal_cloud("arn:aws:iam::1:user/a"), Some(Cloud::Aws));
        assert_eq!(principal_cloud("alice@corp.com"), None);
        assert_eq!(person_query("person:alice@corp.com"), Some("alice@corp.com"));
        assert_eq!(person_query("person:"), None);
    }
}
