//! Resource types and their ARN formats, and finding the resource type of an ARN.
//!
//! The reference writes ARN formats as templates, `arn:${Partition}:s3:::${BucketName}/${ObjectName}`.
//! An ARN matches a template segment by segment (`arn:partition:service:region:account:resource`,
//! the resource being everything after the fifth `:`): `${Partition}` matches an AWS partition,
//! any other `${Var}` one or more characters of its segment (in the resource, any characters,
//! `/` and `:` included), `*` any run, and everything else itself, with case.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html>

use std::collections::HashMap;
use std::fmt;

use crate::wildcard::{Specificity, Template};
use crate::{Catalog, ConditionKey, Service, Span};

/// The partitions `${Partition}` stands for.
/// <https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html>
pub const PARTITIONS: [&str; 8] =
    ["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"];

/// The six segments of an ARN (the last, the resource, may itself hold `:`).
fn segments(arn: &str) -> Option<[&str; 6]> {
    let mut parts = arn.splitn(6, ':');
    let mut out = [""; 6];
    for slot in &mut out {
        *slot = parts.next()?;
    }
    (out[0] == "arn").then_some(out)
}

/// One compiled ARN format.
#[derive(Debug, Clone)]
pub(crate) struct ArnTemplate {
    /// `None` for `${Partition}`, else the literal partition.
    partition: Option<Box<str>>,
    /// Service, region, account, resource.
    parts: [Template; 4],
    /// The service segment when it is literal (nearly always), for the index.
    vendor: Option<Box<str>>,
}

impl ArnTemplate {
    pub(crate) fn new(text: &str) -> Option<ArnTemplate> {
        let [_, partition, vendor, region, account, resource] = segments(text)?;
        let parts = [vendor, region, account, resource].map(|p| Template::new(p, false, false));
        Some(ArnTemplate {
            partition: (partition != "${Partition}").then(|| partition.into()),
            vendor: parts[0].is_literal().then(|| vendor.into()),
            parts,
        })
    }

    fn matches(&self, arn: &[&str; 6]) -> bool {
        let partition_ok = match &self.partition {
            None => PARTITIONS.contains(&arn[1]),
            Some(p) => **p == *arn[1],
        };
        partition_ok && self.parts.iter().zip(&arn[2..]).all(|(t, s)| t.matches(s.as_bytes()))
    }

    fn specificity(&self) -> Specificity {
        self.parts.iter().map(Template::specificity).fold(Specificity::default(), |a, b| a + b)
    }
}

/// What the catalog stores for one resource type.
#[derive(Debug, Clone)]
pub(crate) struct ResourceTypeRec {
    pub(crate) service: u32,
    pub(crate) name: Box<str>,
    pub(crate) arns: Box<[Box<str>]>,
    pub(crate) templates: Box<[ArnTemplate]>,
    /// Into `Catalog::key_refs`.
    pub(crate) keys: Span,
}

/// Resource type templates by the literal service segment of their ARN format.
#[derive(Debug, Default)]
pub(crate) struct ArnIndex {
    by_vendor: HashMap<Box<str>, Vec<(u32, u16)>>,
    /// Templates whose service segment is not literal (`arn:${Partition}:${Vendor}:...`).
    any_vendor: Vec<(u32, u16)>,
}

impl ArnIndex {
    pub(crate) fn new(resource_types: &[ResourceTypeRec]) -> ArnIndex {
        let mut index = ArnIndex::default();
        for (rt, rec) in (0u32..).zip(resource_types) {
            for (t, template) in (0u16..).zip(&*rec.templates) {
                match &template.vendor {
                    Some(vendor) => index.by_vendor.entry(vendor.clone()).or_default().push((rt, t)),
                    None => index.any_vendor.push((rt, t)),
                }
            }
        }
        index
    }
}

impl Catalog {
    /// The resource types whose ARN format `arn` matches, best first: those of the service named
    /// in the ARN before those of other services that reuse its ARNs (IAM's `role` before the
    /// copies other services list), then more literal characters, then fewer `*`s, then fewer
    /// placeholders, then by service and name. Formats the ARN alone cannot tell apart (Lambda's
    /// `function alias` and `function version`) all match. Empty for a string that is not an ARN.
    pub fn resource_types_matching(&self, arn: &str) -> Vec<ResourceType<'_>> {
        let Some(segs) = segments(arn) else { return Vec::new() };
        let candidates = self.arn_index.by_vendor.get(segs[2]).into_iter().flatten().chain(&self.arn_index.any_vendor);
        let mut found: Vec<(bool, Specificity, u32)> = Vec::new();
        for &(rt, t) in candidates {
            let Some(rec) = self.resource_types.get(rt as usize) else { continue };
            let Some(template) = rec.templates.get(usize::from(t)) else { continue };
            if !template.matches(&segs) {
                continue;
            }
            let own = self.services.get(rec.service as usize).is_some_and(|s| *s.prefix == *segs[2]);
            let rank = (own, template.specificity(), rt);
            match found.iter_mut().find(|f| f.2 == rt) {
                Some(f) if (f.0, f.1) < (rank.0, rank.1) => *f = rank,
                Some(_) => {}
                None => found.push(rank),
            }
        }
        found.sort_by(|a, b| (b.0, b.1).cmp(&(a.0, a.1)).then(a.2.cmp(&b.2)));
        found.into_iter().map(|(_, _, rt)| self.resource_type_at(rt)).collect()
    }

    /// The resource type of `arn`: the most specific of [`Catalog::resource_types_matching`].
    /// `arn:aws:s3:::bucket/key` is S3's `object`, `arn:aws:iam::123456789012:role/x` IAM's
    /// `role`.
    pub fn resource_type_of(&self, arn: &str) -> Option<ResourceType<'_>> {
        self.resource_types_matching(arn).into_iter().next()
    }
}

/// A resource type, read from the catalog.
#[derive(Clone, Copy)]
pub struct ResourceType<'a> {
    pub(crate) catalog: &'a Catalog,
    pub(crate) rec: &'a ResourceTypeRec,
}

impl<'a> ResourceType<'a> {
    /// The service that defines it.
    pub fn service(&self) -> Service<'a> {
        self.catalog.service_at(self.rec.service)
    }

    /// The defining service's prefix, `s3`.
    pub fn service_prefix(&self) -> &'a str {
        self.service().prefix()
    }

    /// The resource type's name as the reference writes it, `object`.
    pub fn name(&self) -> &'a str {
        &self.rec.name
    }

    /// The ARN format, `arn:${Partition}:s3:::${BucketName}/${ObjectName}` (the first, for the
    /// few resource types that have two; see [`ResourceType::arn_formats`]).
    pub fn arn_format(&self) -> &'a str {
        self.rec.arns.first().map(|s| &**s).unwrap_or_default()
    }

    /// Every ARN format of the resource type (a few API Gateway, Greengrass and Lex resource
    /// types have two).
    pub fn arn_formats(&self) -> impl ExactSizeIterator<Item = &'a str> + use<'a> {
        self.rec.arns.iter().map(|s| &**s)
    }

    /// Whether `arn` matches one of the resource type's ARN formats.
    pub fn matches(&self, arn: &str) -> bool {
        segments(arn).is_some_and(|segs| self.rec.templates.iter().any(|t| t.matches(&segs)))
    }

    /// Condition keys the reference lists for the resource type.
    pub fn condition_keys(&self) -> impl ExactSizeIterator<Item = ConditionKey<'a>> + use<'a> {
        self.catalog.keys_in(self.rec.keys)
    }
}

impl PartialEq for ResourceType<'_> {
    fn eq(&self, other: &ResourceType<'_>) -> bool {
        std::ptr::eq(self.rec, other.rec)
    }
}

impl Eq for ResourceType<'_> {}

impl fmt::Debug for ResourceType<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResourceType")
            .field("service", &self.service_prefix())
            .field("name", &self.name())
            .field("arn", &self.arn_format())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(template: &str, arn: &str) -> bool {
        let t = ArnTemplate::new(template).expect("template");
        segments(arn).is_some_and(|s| t.matches(&s))
    }

    #[test]
    fn segments_and_partitions() {
        let bucket = "arn:${Partition}:s3:::${BucketName}";
        assert!(matches(bucket, "arn:aws:s3:::b"));
        assert!(matches(bucket, "arn:aws-cn:s3:::b"));
        assert!(matches(bucket, "arn:aws-us-gov:s3:::b"));
        assert!(!matches(bucket, "arn:aws-foo:s3:::b"));
        assert!(!matches(bucket, "arn:aws:s3:us-east-1::b"));
        assert!(!matches(bucket, "arn:aws:s3:::"));
        assert!(!matches(bucket, "arn:aws:s3::"));
        assert!(!matches(bucket, "ARN:aws:s3:::b"));
        // The resource variable takes `/` and `:` too.
        assert!(matches(bucket, "arn:aws:s3:::b/k:x"));
        let role = "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}";
        assert!(matches(role, "arn:aws:iam::123456789012:role/path/x"));
        assert!(!matches(role, "arn:aws:iam::123456789012:user/x"));
        // A region variable does not reach into the account segment.
        let queue = "arn:${Partition}:sqs:${Region}:${Account}:${QueueName}";
        assert!(matches(queue, "arn:aws:sqs:us-east-1:123456789012:q"));
        assert!(!matches(queue, "arn:aws:sqs::123456789012:q"));
        let device = "arn:${Partition}:braket:*:*:device/${DeviceType}/${Provider}/${DeviceId}";
        assert!(matches(device, "arn:aws:braket:::device/qpu/ionq/aria-1"));
    }

    #[test]
    fn specificity_counts_all_segments() {
        let object = ArnTemplate::new("arn:${Partition}:s3:::${BucketName}/${ObjectName}").expect("t");
        let bucket = ArnTemplate::new("arn:${Partition}:s3:::${BucketName}").expect("t");
        assert!(object.specificity() > bucket.specificity());
        assert!(ArnTemplate::new("arn:aws:s3").is_none());
    }
}
