//! Turns ARM REST objects into the JSON `az` writes, because the bundle's files are `az` output.
//!
//! The REST API nests an object's fields under `properties`; the Azure CLI's SDK models flatten
//! them onto the object (docs/collect-azure-gcp.md lists each conversion). Files the bundle
//! documents as `az rest` output (deny assignments, PIM instances) are written as REST returned
//! them, `{"value": [...]}`, and are not converted here. Graph objects are already what
//! `az ad ... list` prints.

use serde_json::{Map, Value};

/// Moves the fields of `properties` onto the object, renaming the property keys given in
/// `renames`. The object's own `id`, `name` and `type` are never taken from `properties`, and no
/// field of the object is overwritten.
fn flatten(value: Value, renames: &[(&str, &str)]) -> Value {
    let Value::Object(mut object) = value else {
        return value;
    };
    if let Some(Value::Object(properties)) = object.remove("properties") {
        for (key, field) in properties {
            let key = renames.iter().find(|(from, _)| *from == key).map_or(key, |(_, to)| (*to).to_owned());
            if !matches!(key.as_str(), "id" | "name" | "type") {
                object.entry(key).or_insert(field);
            }
        }
    }
    Value::Object(object)
}

/// A role assignment as `az role assignment list` prints it (azure-cli 2.37 and later): the
/// REST properties flattened (https://learn.microsoft.com/rest/api/authorization/role-assignments/list-for-scope),
/// and `roleDefinitionName` added when the definition is known.
pub(crate) fn role_assignment(value: Value, role_name: impl Fn(&str) -> Option<String>) -> Value {
    let mut flat = flatten(value, &[]);
    if let Value::Object(object) = &mut flat {
        let name = object.get("roleDefinitionId").and_then(Value::as_str).and_then(&role_name);
        if let Some(name) = name {
            object.insert("roleDefinitionName".into(), Value::String(name));
        }
    }
    flat
}

/// A role definition as `az role definition list` prints it: properties flattened, the
/// property `type` (BuiltInRole / CustomRole) renamed `roleType` because the object's own
/// `type` is the resource type (https://learn.microsoft.com/rest/api/authorization/role-definitions/list).
pub(crate) fn role_definition(value: Value) -> Value {
    flatten(value, &[("type", "roleType")])
}

/// A management group as `az account management-group show --expand --recurse` prints it:
/// properties (`tenantId`, `displayName`, `details`, `children`) flattened; children are
/// already flat in REST (https://learn.microsoft.com/rest/api/managementgroups/management-groups/get).
pub(crate) fn management_group(value: Value) -> Value {
    flatten(value, &[])
}

/// A subscription as `az account list --all` prints it: `id` is the subscription GUID, `name`
/// the display name, `homeTenantId` the tenant (REST: https://learn.microsoft.com/rest/api/resources/subscriptions/list);
/// `user` names the collector's identity and `isDefault` is false.
pub(crate) fn subscription(value: Value, user: &str, user_type: &str) -> Value {
    let text = |key: &str| value.get(key).cloned().unwrap_or(Value::Null);
    let mut object = Map::new();
    object.insert("cloudName".into(), Value::String("AzureCloud".into()));
    object.insert("homeTenantId".into(), text("tenantId"));
    object.insert("id".into(), text("subscriptionId"));
    object.insert("isDefault".into(), Value::Bool(false));
    object
        .insert("managedByTenants".into(), value.get("managedByTenants").cloned().unwrap_or(Value::Array(Vec::new())));
    object.insert("name".into(), text("displayName"));
    object.insert("state".into(), text("state"));
    if let Some(tags) = value.get("tags") {
        object.insert("tags".into(), tags.clone());
    }
    object.insert("tenantId".into(), text("tenantId"));
    let mut who = Map::new();
    who.insert("name".into(), Value::String(user.into()));
    who.insert("type".into(), Value::String(user_type.into()));
    object.insert("user".into(), Value::Object(who));
    Value::Object(object)
}

/// A resource as `az resource list` prints it: the REST object
/// (https://learn.microsoft.com/rest/api/resources/resources/list) plus `resourceGroup`, which
/// the CLI reads from the id.
pub(crate) fn resource(value: Value) -> Value {
    let Value::Object(mut object) = value else {
        return value;
    };
    let group = object.get("id").and_then(Value::as_str).and_then(resource_group_of).map(str::to_owned);
    if let Some(group) = group {
        object.entry("resourceGroup").or_insert(Value::String(group));
    }
    Value::Object(object)
}

/// The resource group segment of an ARM id (`/subscriptions/x/resourceGroups/<rg>/...`).
fn resource_group_of(id: &str) -> Option<&str> {
    let mut segments = id.split('/');
    while let Some(segment) = segments.next() {
        if segment.eq_ignore_ascii_case("resourceGroups") {
            return segments.next();
        }
    }
    None
}

/// A tenant as `az account tenant list` prints it, reduced to the fields the bundle documents.
pub(crate) fn tenant(value: &Value) -> Value {
    let mut object = Map::new();
    for key in ["tenantId", "displayName", "defaultDomain"] {
        object.insert(key.into(), value.get(key).cloned().unwrap_or(Value::Null));
    }
    Value::Object(object)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    /// The keys the conversions look at.
    const KEYS: &[&str] = &[
        "properties",
        "id",
        "name",
        "type",
        "roleDefinitionId",
        "subscriptionId",
        "displayName",
        "tenantId",
        "children",
    ];

    /// Arbitrary JSON whose objects use the keys the conversions look at.
    fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
        remit_rest::testing::json_value(KEYS, "[a-z/]{0,12}", 4, 48)
    }

    proptest::proptest! {
        /// The conversions never panic; what they flatten leaves no `properties` object behind,
        /// the object's own id is kept, and a resource keeps its properties as `az` does.
        #[test]
        fn conversions_are_total(value in json_value()) {
            let id = value.get("id").cloned();
            for converted in [
                role_definition(value.clone()),
                role_assignment(value.clone(), |id| Some(id.to_owned())),
                management_group(value.clone()),
            ] {
                if value.is_object() {
                    proptest::prop_assert!(!converted.get("properties").is_some_and(Value::is_object));
                    proptest::prop_assert_eq!(converted.get("id").cloned(), id.clone());
                } else {
                    proptest::prop_assert_eq!(&converted, &value);
                }
            }
            let kept = resource(value.clone());
            proptest::prop_assert_eq!(kept.get("properties"), value.get("properties"));
            let _ = subscription(value.clone(), "u", "servicePrincipal");
            let _ = tenant(&value);
        }
    }

    #[test]
    fn role_definition_is_flattened_with_role_type() {
        let rest = json!({"id": "/x/roleDefinitions/g", "name": "g", "type": "Microsoft.Authorization/roleDefinitions",
            "properties": {"roleName": "Reader", "type": "BuiltInRole", "permissions": [], "assignableScopes": ["/"]}});
        let az = role_definition(rest);
        assert_eq!(az["type"], "Microsoft.Authorization/roleDefinitions");
        assert_eq!(az["roleType"], "BuiltInRole");
        assert_eq!(az["roleName"], "Reader");
        assert!(az.get("properties").is_none());
    }

    #[test]
    fn role_assignment_keeps_its_own_id_and_adds_the_role_name() {
        let rest = json!({"id": "/a", "name": "n", "type": "t", "properties": {"id": "ignored", "principalId": "p", "roleDefinitionId": "/r/acdd72a7"}});
        let az = role_assignment(rest.clone(), |id| id.ends_with("acdd72a7").then(|| "Reader".to_owned()));
        assert_eq!(az["id"], "/a");
        assert_eq!(az["principalId"], "p");
        assert_eq!(az["roleDefinitionName"], "Reader");
        let unknown = role_assignment(rest, |_| None);
        assert!(unknown.get("roleDefinitionName").is_none());
    }

    #[test]
    fn resource_group_is_read_from_the_id() {
        let az = resource(json!({"id": "/subscriptions/s/resourceGroups/rg-1/providers/Microsoft.Web/sites/a"}));
        assert_eq!(az["resourceGroup"], "rg-1");
        let none = resource(json!({"id": "/subscriptions/s"}));
        assert!(none.get("resourceGroup").is_none());
    }

    #[test]
    fn subscription_takes_the_cli_field_names() {
        let az = subscription(
            json!({"subscriptionId": "g", "displayName": "Prod", "state": "Enabled", "tenantId": "t"}),
            "app",
            "servicePrincipal",
        );
        assert_eq!(az["id"], "g");
        assert_eq!(az["name"], "Prod");
        assert_eq!(az["homeTenantId"], "t");
        assert_eq!(az["user"]["type"], "servicePrincipal");
    }
}
