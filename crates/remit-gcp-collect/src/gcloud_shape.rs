//! Turns Resource Manager v3 objects into the JSON `gcloud` writes, because the bundle's
//! hierarchy files are `gcloud` output and gcloud reads older API versions.
//!
//! `gcloud organizations describe` and `gcloud projects list` print Resource Manager v1
//! objects, `gcloud resource-manager folders list` prints v2 folders; the collector reads v3
//! (one API for the whole tree). The conversions, listed in docs/collect-azure-gcp.md, only
//! rename fields: v3 `state` and v1/v2 `lifecycleState` take the same values (ACTIVE,
//! DELETE_REQUESTED). Every other file is written as the API returned it, which is also what
//! gcloud prints.

use serde_json::{Map, Value};

fn copy(from: &Value, key: &str, to: &mut Map<String, Value>, as_key: &str) {
    if let Some(value) = from.get(key) {
        to.insert(as_key.into(), value.clone());
    }
}

/// v3 Organization (https://cloud.google.com/resource-manager/reference/rest/v3/organizations#Organization)
/// to v1 (https://cloud.google.com/resource-manager/reference/rest/v1/organizations#Organization).
pub(crate) fn organization(v3: &Value) -> Value {
    let mut v1 = Map::new();
    copy(v3, "createTime", &mut v1, "creationTime");
    copy(v3, "displayName", &mut v1, "displayName");
    copy(v3, "etag", &mut v1, "etag");
    copy(v3, "state", &mut v1, "lifecycleState");
    copy(v3, "name", &mut v1, "name");
    if let Some(customer) = v3.get("directoryCustomerId") {
        let mut owner = Map::new();
        owner.insert("directoryCustomerId".into(), customer.clone());
        v1.insert("owner".into(), Value::Object(owner));
    }
    Value::Object(v1)
}

/// v3 Folder (https://cloud.google.com/resource-manager/reference/rest/v3/folders#Folder) to v2
/// (https://cloud.google.com/resource-manager/reference/rest/v2/folders#Folder).
pub(crate) fn folder(v3: &Value) -> Value {
    let mut v2 = Map::new();
    copy(v3, "createTime", &mut v2, "createTime");
    copy(v3, "displayName", &mut v2, "displayName");
    copy(v3, "etag", &mut v2, "etag");
    copy(v3, "state", &mut v2, "lifecycleState");
    copy(v3, "name", &mut v2, "name");
    copy(v3, "parent", &mut v2, "parent");
    Value::Object(v2)
}

/// v3 Project (https://cloud.google.com/resource-manager/reference/rest/v3/projects#Project) to
/// v1 (https://cloud.google.com/resource-manager/reference/rest/v1/projects#Project): `name` is
/// the display name, the number comes from v3's `projects/<number>`, the parent is an object.
pub(crate) fn project(v3: &Value) -> Value {
    let mut v1 = Map::new();
    copy(v3, "createTime", &mut v1, "createTime");
    copy(v3, "etag", &mut v1, "etag");
    copy(v3, "labels", &mut v1, "labels");
    copy(v3, "state", &mut v1, "lifecycleState");
    copy(v3, "displayName", &mut v1, "name");
    if let Some((kind, id)) = v3.get("parent").and_then(Value::as_str).and_then(|p| p.split_once('/')) {
        let kind = match kind {
            "organizations" => "organization",
            "folders" => "folder",
            other => other,
        };
        let mut parent = Map::new();
        parent.insert("id".into(), Value::String(id.into()));
        parent.insert("type".into(), Value::String(kind.into()));
        v1.insert("parent".into(), Value::Object(parent));
    }
    copy(v3, "projectId", &mut v1, "projectId");
    if let Some(number) = v3.get("name").and_then(Value::as_str).and_then(|n| n.strip_prefix("projects/")) {
        v1.insert("projectNumber".into(), Value::String(number.into()));
    }
    Value::Object(v1)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The keys the conversions look at.
    const KEYS: &[&str] = &["name", "parent", "state", "displayName", "projectId", "directoryCustomerId", "labels"];

    /// Arbitrary JSON whose objects use the keys the conversions look at.
    fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
        remit_rest::testing::json_value(KEYS, "(projects|folders|organizations)?/?[a-z0-9/]{0,10}", 3, 32)
    }

    proptest::proptest! {
        /// The conversions never panic and always give an object; a project's number is only
        /// ever taken from a `projects/` name.
        #[test]
        fn conversions_are_total(value in json_value()) {
            proptest::prop_assert!(organization(&value).is_object());
            proptest::prop_assert!(folder(&value).is_object());
            let converted = project(&value);
            if let Some(number) = converted.get("projectNumber") {
                let name = value.get("name").and_then(Value::as_str).unwrap_or_default();
                let expected = number.as_str().map(|n| format!("projects/{n}"));
                proptest::prop_assert_eq!(Some(name), expected.as_deref());
            }
        }
    }

    #[test]
    fn project_takes_gcloud_v1_fields() {
        let v1 = project(&json!({"name": "projects/415104041262", "parent": "folders/123", "projectId": "app-prod",
            "state": "ACTIVE", "displayName": "App prod", "labels": {"env": "prod"}}));
        assert_eq!(v1["projectNumber"], "415104041262");
        assert_eq!(v1["name"], "App prod");
        assert_eq!(v1["parent"], json!({"id": "123", "type": "folder"}));
        assert_eq!(v1["lifecycleState"], "ACTIVE");
        let at_org = project(&json!({"name": "projects/1", "parent": "organizations/9"}));
        assert_eq!(at_org["parent"]["type"], "organization");
        assert!(project(&json!({"projectId": "x"})).get("parent").is_none());
    }

    #[test]
    fn organization_and_folder_rename_state() {
        let org = organization(
            &json!({"name": "organizations/1", "directoryCustomerId": "C0abc", "state": "ACTIVE", "createTime": "t"}),
        );
        assert_eq!(org["owner"]["directoryCustomerId"], "C0abc");
        assert_eq!(org["lifecycleState"], "ACTIVE");
        assert_eq!(org["creationTime"], "t");
        let f = folder(&json!({"name": "folders/2", "parent": "organizations/1", "state": "DELETE_REQUESTED"}));
        assert_eq!(f["lifecycleState"], "DELETE_REQUESTED");
        assert_eq!(f["parent"], "organizations/1");
    }
}
