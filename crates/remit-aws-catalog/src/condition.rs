//! Condition keys: the global `aws:` keys (and the few cross-service keys AWS lists with them)
//! and every service's keys, with their types.
//!
//! Key names compare ignoring case. Names with a placeholder, such as `aws:ResourceTag/${TagKey}`
//! or `s3:ExistingObjectTag/<key>`, stand for every key with one or more characters in its place
//! (`aws:ResourceTag/Owner`).
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html>
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html>

use std::collections::HashMap;
use std::fmt;

use crate::Catalog;
use crate::wildcard::Template;

/// The type of a condition key's values, as the Service Authorization Reference names it.
/// <https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html#context_keys_table>
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConditionType {
    /// `String`
    String,
    /// `ArrayOfString`: a multivalued key (use `ForAnyValue`/`ForAllValues`).
    ArrayOfString,
    /// `ARN`
    Arn,
    /// `ArrayOfARN`
    ArrayOfArn,
    /// `Bool`
    Bool,
    /// `ArrayOfBool`
    ArrayOfBool,
    /// `Date`
    Date,
    /// `ArrayOfDate`
    ArrayOfDate,
    /// `Numeric`
    Numeric,
    /// `ArrayOfNumeric`
    ArrayOfNumeric,
    /// `IPAddress`
    IpAddress,
    /// `ArrayOfIPAddress`
    ArrayOfIpAddress,
    /// `Binary`
    Binary,
    /// `ArrayOfBinary`
    ArrayOfBinary,
}

const TYPE_NAMES: [(ConditionType, &str); 14] = [
    (ConditionType::String, "String"),
    (ConditionType::ArrayOfString, "ArrayOfString"),
    (ConditionType::Arn, "ARN"),
    (ConditionType::ArrayOfArn, "ArrayOfARN"),
    (ConditionType::Bool, "Bool"),
    (ConditionType::ArrayOfBool, "ArrayOfBool"),
    (ConditionType::Date, "Date"),
    (ConditionType::ArrayOfDate, "ArrayOfDate"),
    (ConditionType::Numeric, "Numeric"),
    (ConditionType::ArrayOfNumeric, "ArrayOfNumeric"),
    (ConditionType::IpAddress, "IPAddress"),
    (ConditionType::ArrayOfIpAddress, "ArrayOfIPAddress"),
    (ConditionType::Binary, "Binary"),
    (ConditionType::ArrayOfBinary, "ArrayOfBinary"),
];

impl ConditionType {
    /// The reference's name: `String`, `ArrayOfString`, `ARN`, `IPAddress`, ...
    pub fn as_str(self) -> &'static str {
        TYPE_NAMES.iter().find(|(t, _)| *t == self).map_or("", |(_, name)| name)
    }

    /// Reads the reference's name, exactly as written there.
    pub fn from_name(name: &str) -> Option<ConditionType> {
        TYPE_NAMES.iter().find(|(_, n)| *n == name).map(|(t, _)| *t)
    }

    /// Whether the key can carry several values in one request (the `ArrayOf` types).
    pub fn is_array(self) -> bool {
        self.as_str().starts_with("ArrayOf")
    }

    /// The type of one value: `String` for `ArrayOfString`, itself for a single-valued type.
    pub fn element(self) -> ConditionType {
        match self.as_str().strip_prefix("ArrayOf") {
            Some(element) => ConditionType::from_name(element).unwrap_or(self),
            None => self,
        }
    }
}

impl fmt::Display for ConditionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the catalog stores for one condition key.
#[derive(Debug, Clone)]
pub(crate) struct KeyRec {
    pub(crate) name: Box<str>,
    pub(crate) lower: Box<str>,
    pub(crate) ty: ConditionType,
    /// In AWS's list of global condition keys.
    pub(crate) global: bool,
    /// Listed by some service of the reference (as `aws:TagKeys` is, for the actions that take tags).
    pub(crate) listed: bool,
    /// For a name with placeholders.
    pub(crate) template: Option<Template>,
}

impl KeyRec {
    pub(crate) fn new(name: &str, ty: ConditionType, global: bool) -> KeyRec {
        let template = Template::new(name, true, true);
        KeyRec {
            name: name.into(),
            lower: name.to_ascii_lowercase().into(),
            ty,
            global,
            listed: false,
            template: (!template.is_literal()).then_some(template),
        }
    }

    /// Whether the lower-cased key name `lower` is this key or, for a template, one it stands for.
    pub(crate) fn matches_lower(&self, lower: &str) -> bool {
        *self.lower == *lower || self.template.as_ref().is_some_and(|t| t.matches(lower.as_bytes()))
    }
}

/// Finds keys by name. Where one name has several entries (a service declaring another's key
/// with a type of its own), the first one in the catalog's order is the preferred one.
#[derive(Debug, Default)]
pub(crate) struct KeyIndex {
    exact: HashMap<Box<str>, u32>,
    /// Templates: literal prefix (lower-cased), key id; sorted by prefix.
    templates: Vec<(Box<[u8]>, u32)>,
}

impl KeyIndex {
    pub(crate) fn new(keys: &[KeyRec]) -> KeyIndex {
        let mut index = KeyIndex::default();
        for (id, key) in (0u32..).zip(keys) {
            if index.exact.contains_key(&key.lower) {
                continue;
            }
            index.exact.insert(key.lower.clone(), id);
            if let Some(t) = &key.template {
                index.templates.push((t.literal_prefix().into(), id));
            }
        }
        index.templates.sort();
        index
    }

    /// The preferred key named `lower` (lower-cased), or the most specific template matching it.
    pub(crate) fn find(&self, keys: &[KeyRec], lower: &str) -> Option<u32> {
        if let Some(id) = self.exact.get(lower) {
            return Some(*id);
        }
        let bytes = lower.as_bytes();
        // Templates whose literal prefix is a prefix of the name: among the sorted prefixes, all
        // lie at or before the name's position.
        let end = self.templates.partition_point(|(p, _)| **p <= *bytes);
        self.templates[..end]
            .iter()
            .filter(|(p, _)| bytes.starts_with(p))
            .filter_map(|(_, id)| {
                let t = keys.get(*id as usize)?.template.as_ref()?;
                t.matches(bytes).then_some((t.specificity(), *id))
            })
            .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
            .map(|(_, id)| id)
    }
}

impl Catalog {
    /// The condition key `name`, compared ignoring case; a name like `aws:ResourceTag/Owner`
    /// finds the template `aws:ResourceTag/${TagKey}`. Global keys (`aws:SourceIp`) included.
    pub fn condition_key(&self, name: &str) -> Option<ConditionKey<'_>> {
        let lower = name.to_ascii_lowercase();
        let id = self.key_index.find(&self.keys, &lower)?;
        self.keys.get(id as usize).map(|rec| ConditionKey { rec })
    }

    /// The type of the condition key `name` (see [`Catalog::condition_key`]).
    pub fn condition_key_type(&self, name: &str) -> Option<ConditionType> {
        self.condition_key(name).map(|k| k.value_type())
    }

    /// The global condition keys, as AWS lists them (`aws:` keys and a few cross-service keys
    /// such as `ec2:SourceInstanceArn`).
    pub fn global_condition_keys(&self) -> impl Iterator<Item = ConditionKey<'_>> {
        self.keys.iter().filter(|k| k.global).map(|rec| ConditionKey { rec })
    }

    /// Every condition key entry, in lower-case name order (a name with two types appears twice).
    pub fn condition_keys(&self) -> impl ExactSizeIterator<Item = ConditionKey<'_>> {
        self.keys.iter().map(|rec| ConditionKey { rec })
    }
}

/// A condition key, read from the catalog.
#[derive(Clone, Copy)]
pub struct ConditionKey<'a> {
    pub(crate) rec: &'a KeyRec,
}

impl<'a> ConditionKey<'a> {
    /// The name as AWS writes it, `aws:ResourceTag/${TagKey}`.
    pub fn name(&self) -> &'a str {
        &self.rec.name
    }

    /// The type of its values.
    pub fn value_type(&self) -> ConditionType {
        self.rec.ty
    }

    /// Whether AWS lists it among the global condition keys, usable with every service.
    pub fn is_global(&self) -> bool {
        self.rec.global
    }

    /// Whether the name has a placeholder (`${TagKey}`, `<key>`) and so stands for many keys.
    pub fn is_template(&self) -> bool {
        self.rec.template.is_some()
    }

    /// Whether `name` (any case) is this key or, for a template, one it stands for.
    pub fn matches(&self, name: &str) -> bool {
        self.rec.matches_lower(&name.to_ascii_lowercase())
    }

    pub(crate) fn matches_lower(&self, lower: &str) -> bool {
        self.rec.matches_lower(lower)
    }

    pub(crate) fn is_listed(&self) -> bool {
        self.rec.listed
    }
}

impl PartialEq for ConditionKey<'_> {
    fn eq(&self, other: &ConditionKey<'_>) -> bool {
        std::ptr::eq(self.rec, other.rec)
    }
}

impl Eq for ConditionKey<'_> {}

impl fmt::Debug for ConditionKey<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConditionKey").field("name", &self.name()).field("type", &self.value_type()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names() {
        for (t, name) in TYPE_NAMES {
            assert_eq!(ConditionType::from_name(name), Some(t));
            assert_eq!(t.to_string(), name);
        }
        assert!(ConditionType::ArrayOfArn.is_array());
        assert!(!ConditionType::IpAddress.is_array());
        assert_eq!(ConditionType::ArrayOfArn.element(), ConditionType::Arn);
        assert_eq!(ConditionType::ArrayOfIpAddress.element(), ConditionType::IpAddress);
        assert_eq!(ConditionType::Bool.element(), ConditionType::Bool);
        assert_eq!(ConditionType::from_name("string"), None);
    }

    #[test]
    fn index_prefers_exact_then_most_specific_template() {
        let keys = vec![
            KeyRec::new("aws:ResourceTag/${TagKey}", ConditionType::String, true),
            KeyRec::new("cb:src/${id}.auth.type", ConditionType::String, false),
            KeyRec::new("cb:src/${id}.auth.typeX", ConditionType::Bool, false),
            KeyRec::new("cb:src/${id}.type", ConditionType::Numeric, false),
            KeyRec::new("x:a", ConditionType::Bool, false),
            KeyRec::new("x:a", ConditionType::ArrayOfBool, false),
        ];
        let index = KeyIndex::new(&keys);
        assert_eq!(index.find(&keys, "aws:resourcetag/owner"), Some(0));
        assert_eq!(index.find(&keys, "aws:resourcetag/a/b"), Some(0));
        assert_eq!(index.find(&keys, "aws:resourcetag/"), None);
        assert_eq!(index.find(&keys, "aws:resourcetag/${tagkey}"), Some(0));
        assert_eq!(index.find(&keys, "cb:src/s1.auth.type"), Some(1));
        assert_eq!(index.find(&keys, "cb:src/s1.type"), Some(3));
        assert_eq!(index.find(&keys, "x:a"), Some(4));
        assert_eq!(index.find(&keys, "x:b"), None);
    }
}
