//! Actions: dense ids and the per-action facts of the Service Authorization Reference.

use std::fmt;

use crate::{AccessLevels, Catalog, ConditionKey, ResourceType, Service, Span};

/// An action of a [`Catalog`], numbered densely from 0 in the order of lower-case
/// `service:action` names.
///
/// Ids are for in-memory use: a refresh of the data renumbers them, so persist action names,
/// never ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActionId(pub u32);

impl ActionId {
    /// The id as an index into per-action arrays.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What the catalog stores for one action.
#[derive(Debug, Clone)]
pub(crate) struct ActionRec {
    /// The canonical name in `Catalog::names` (and lower-cased at the same place in `lower`).
    pub(crate) name: Span,
    /// Length of the service prefix within the name.
    pub(crate) prefix_len: u32,
    pub(crate) service: u32,
    pub(crate) levels: AccessLevels,
    /// Into `Catalog::key_refs`.
    pub(crate) keys: Span,
    /// Into `Catalog::action_resources`.
    pub(crate) resources: Span,
    /// Into `Catalog::dependents`.
    pub(crate) dependents: Span,
}

/// One resource type an action can target, with the action's facts about it.
#[derive(Debug, Clone)]
pub(crate) struct ActionResourceRec {
    pub(crate) resource_type: u32,
    pub(crate) required: bool,
    /// Into `Catalog::key_refs`.
    pub(crate) keys: Span,
}

/// An action, read from the catalog: name, access levels, resource types, condition keys.
#[derive(Clone, Copy)]
pub struct Action<'a> {
    pub(crate) catalog: &'a Catalog,
    pub(crate) id: ActionId,
    pub(crate) rec: &'a ActionRec,
}

impl<'a> Action<'a> {
    /// The action's id.
    pub fn id(&self) -> ActionId {
        self.id
    }

    /// The canonical name, `s3:GetObject`.
    pub fn name(&self) -> &'a str {
        self.catalog.names.get(self.rec.name.range()).unwrap_or_default()
    }

    /// The service prefix, `s3`.
    pub fn service_prefix(&self) -> &'a str {
        self.name().get(..self.rec.prefix_len as usize).unwrap_or_default()
    }

    /// The action name within its service, `GetObject`.
    pub fn action_name(&self) -> &'a str {
        self.name().get(self.rec.prefix_len as usize + 1..).unwrap_or_default()
    }

    /// The service the action belongs to.
    pub fn service(&self) -> Service<'a> {
        self.catalog.service_at(self.rec.service)
    }

    /// The access levels (one, or two for the reference's compound levels such as
    /// "Permissions management, Write").
    pub fn access_levels(&self) -> AccessLevels {
        self.rec.levels
    }

    /// The resource types the action can target (the "Resource types" column). Empty when the
    /// action only accepts `"Resource": "*"`; see [`Action::is_wildcard_only`].
    pub fn resource_types(&self) -> impl ExactSizeIterator<Item = ActionResource<'a>> + use<'a> {
        let catalog = self.catalog;
        catalog.action_resources[self.rec.resources.range()].iter().map(move |rec| ActionResource { catalog, rec })
    }

    /// Whether the action supports no resource type, so that only a statement with
    /// `"Resource": "*"` (or `NotResource`) can grant it.
    pub fn is_wildcard_only(&self) -> bool {
        self.rec.resources.is_empty()
    }

    /// The condition keys the reference lists for the action itself (the row without a
    /// resource type); the keys that come with a resource type are on
    /// [`ActionResource::condition_keys`] and [`ResourceType::condition_keys`].
    pub fn condition_keys(&self) -> impl ExactSizeIterator<Item = ConditionKey<'a>> + use<'a> {
        self.catalog.keys_in(self.rec.keys)
    }

    /// Whether `key` (a name such as `aws:ResourceTag/Owner`, compared ignoring case,
    /// tag-style templates matching any tag) can be used with this action: a global key (but
    /// the tag keys only where listed), or a key the reference lists for the action, for one of
    /// its resource types in this action, or for one of those resource types.
    pub fn supports_condition_key(&self, key: &str) -> bool {
        let lower = key.to_ascii_lowercase();
        let matches = |k: ConditionKey<'_>| k.matches_lower(&lower);
        // Global keys apply to every action, except the tag keys (`aws:RequestTag/${TagKey}`,
        // `aws:TagKeys`, `aws:ResourceTag/${TagKey}`), which the reference lists per action.
        if self.catalog.condition_key(key).is_some_and(|k| k.is_global() && !k.is_listed()) {
            return true;
        }
        self.condition_keys().any(matches)
            || self
                .resource_types()
                .any(|r| r.condition_keys().any(matches) || r.resource_type().condition_keys().any(matches))
    }

    /// Actions the reference says a caller also needs for this one (the "Dependent actions"
    /// column), as written there; the names may not all be in the catalog.
    pub fn dependent_actions(&self) -> impl ExactSizeIterator<Item = &'a str> + use<'a> {
        self.catalog.dependents[self.rec.dependents.range()].iter().map(|s| &**s)
    }
}

impl fmt::Debug for Action<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Action")
            .field("id", &self.id.0)
            .field("name", &self.name())
            .field("access_levels", &self.access_levels().to_string())
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Action<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A resource type an action can target, with what the action says about it.
#[derive(Clone, Copy)]
pub struct ActionResource<'a> {
    catalog: &'a Catalog,
    rec: &'a ActionResourceRec,
}

impl<'a> ActionResource<'a> {
    /// The resource type.
    pub fn resource_type(&self) -> ResourceType<'a> {
        self.catalog.resource_type_at(self.rec.resource_type)
    }

    /// Whether the reference marks the resource type required (`*`) for the action.
    pub fn required(&self) -> bool {
        self.rec.required
    }

    /// Condition keys the reference lists for the action on this resource type.
    pub fn condition_keys(&self) -> impl ExactSizeIterator<Item = ConditionKey<'a>> + use<'a> {
        self.catalog.keys_in(self.rec.keys)
    }
}

impl fmt::Debug for ActionResource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActionResource")
            .field("resource_type", &self.resource_type().name())
            .field("required", &self.required())
            .finish_non_exhaustive()
    }
}
