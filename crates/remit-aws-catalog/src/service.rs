//! Services: their actions, resource types and condition keys.

use std::fmt;

use crate::{Action, ActionId, ActionSet, Catalog, ConditionKey, ResourceType, Span};

/// What the catalog stores for one service.
#[derive(Debug, Clone)]
pub(crate) struct ServiceRec {
    /// Lower-case, as IAM writes it: `s3`.
    pub(crate) prefix: Box<str>,
    pub(crate) name: Box<str>,
    pub(crate) rcp: bool,
    /// Its actions: a contiguous range of ids.
    pub(crate) actions: Span,
    /// Into `Catalog::resource_types`.
    pub(crate) resource_types: Span,
    /// Into `Catalog::key_refs`.
    pub(crate) keys: Span,
}

/// A service, read from the catalog.
#[derive(Clone, Copy)]
pub struct Service<'a> {
    pub(crate) catalog: &'a Catalog,
    pub(crate) rec: &'a ServiceRec,
}

impl<'a> Service<'a> {
    /// The prefix that names its actions, `s3`.
    pub fn prefix(&self) -> &'a str {
        &self.rec.prefix
    }

    /// Its name, `Amazon S3`.
    pub fn name(&self) -> &'a str {
        &self.rec.name
    }

    /// Whether resource control policies (RCPs) govern it.
    /// <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html#rcp-supported-services>
    pub fn rcp_supported(&self) -> bool {
        self.rec.rcp
    }

    /// The ids of its actions, a contiguous range in increasing order.
    pub fn action_ids(&self) -> impl ExactSizeIterator<Item = ActionId> + use<> {
        (self.rec.actions.start..self.rec.actions.end).map(ActionId)
    }

    /// Its actions.
    pub fn actions(&self) -> impl ExactSizeIterator<Item = Action<'a>> + use<'a> {
        let catalog = self.catalog;
        self.action_ids().map(move |id| catalog.action_at(id))
    }

    /// Its actions as a set.
    pub fn action_set(&self) -> ActionSet {
        let mut set = ActionSet::with_universe(self.catalog.actions.len());
        set.insert_range(self.rec.actions.start as usize, self.rec.actions.end as usize);
        set
    }

    /// Its resource types, by name.
    pub fn resource_types(&self) -> impl ExactSizeIterator<Item = ResourceType<'a>> + use<'a> {
        let catalog = self.catalog;
        catalog.resource_types[self.rec.resource_types.range()].iter().map(move |rec| ResourceType { catalog, rec })
    }

    /// Its resource type `name`, compared ignoring ASCII case.
    pub fn resource_type(&self, name: &str) -> Option<ResourceType<'a>> {
        self.resource_types().find(|rt| rt.name().eq_ignore_ascii_case(name))
    }

    /// The condition keys it defines (with the types it gives them), as the reference lists them.
    pub fn condition_keys(&self) -> impl ExactSizeIterator<Item = ConditionKey<'a>> + use<'a> {
        self.catalog.keys_in(self.rec.keys)
    }
}

impl PartialEq for Service<'_> {
    fn eq(&self, other: &Service<'_>) -> bool {
        std::ptr::eq(self.rec, other.rec)
    }
}

impl Eq for Service<'_> {}

impl fmt::Debug for Service<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Service")
            .field("prefix", &self.prefix())
            .field("name", &self.name())
            .field("actions", &self.rec.actions.len())
            .finish_non_exhaustive()
    }
}
