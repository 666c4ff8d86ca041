//! Reading the catalog file: gzip of one compact JSON document (format 1, described in
//! `scripts/update-aws-catalog.mjs`), checked as it is turned into the in-memory [`Catalog`].

use std::io::Read;

use flate2::read::GzDecoder;
use serde::Deserialize;

use crate::action::{ActionRec, ActionResourceRec};
use crate::condition::{KeyIndex, KeyRec};
use crate::resource::{ArnIndex, ArnTemplate, ResourceTypeRec};
use crate::service::ServiceRec;
use crate::{AccessLevel, AccessLevels, ActionId, ActionSet, Catalog, ConditionType, Source, Span};

/// The format this crate reads.
const FORMAT: u32 = 1;

/// Why a catalog file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogError {
    /// Not gzip, or truncated.
    #[error("not a gzip file: {0}")]
    Gzip(#[from] std::io::Error),
    /// Not the JSON this crate reads.
    #[error("not an AWS catalog: {0}")]
    Json(#[from] serde_json::Error),
    /// A catalog of another format version.
    #[error("catalog format {found}, this build reads format {FORMAT}")]
    Format {
        /// The file's format.
        found: u32,
    },
    /// Well-formed but inconsistent data.
    #[error("invalid AWS catalog: {0}")]
    Invalid(String),
}

#[derive(Deserialize)]
struct Header {
    format: u32,
}

#[derive(Deserialize)]
struct Wire {
    format: u32,
    source: WireSource,
    keys: Vec<WireKey>,
    services: Vec<WireService>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireSource {
    package: String,
    version: String,
    updated_at: String,
    tarball_sha256: String,
    integrity: String,
}

/// name, type, global
#[derive(Deserialize)]
struct WireKey(String, String, u8);

/// prefix, name, rcp, keys, resource types, actions
#[derive(Deserialize)]
struct WireService(String, String, u8, Vec<u32>, Vec<WireResourceType>, Vec<WireAction>);

/// name, ARN formats, keys
#[derive(Deserialize)]
struct WireResourceType(String, Vec<String>, Vec<u32>);

/// name, access level bits, keys, resource types (index in service, required, keys), dependent actions
#[derive(Deserialize)]
struct WireAction(String, u8, Vec<u32>, Vec<(u32, u8, Vec<u32>)>, Vec<String>);

fn invalid(message: impl Into<String>) -> CatalogError {
    CatalogError::Invalid(message.into())
}

fn to_u32(n: usize) -> Result<u32, CatalogError> {
    u32::try_from(n).map_err(|_| invalid("too large"))
}

impl Catalog {
    /// Reads a catalog file as `scripts/update-aws-catalog.sh` writes it (for instance a newer
    /// one than the embedded catalog). The data is checked: every reference resolves, names are
    /// sorted and unique, types and access levels are known.
    pub fn from_gzip_json(bytes: &[u8]) -> Result<Catalog, CatalogError> {
        // The gzip trailer holds the uncompressed size (mod 2^32): a capacity hint.
        let hint = bytes
            .len()
            .checked_sub(4)
            .and_then(|at| bytes.get(at..))
            .map_or(0, |tail| u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]) as usize);
        let mut json = Vec::with_capacity(hint.min(64 << 20));
        GzDecoder::new(bytes).read_to_end(&mut json)?;
        let wire: Wire = match serde_json::from_slice(&json) {
            Ok(wire) => wire,
            Err(e) => {
                return Err(match serde_json::from_slice::<Header>(&json) {
                    Ok(header) if header.format != FORMAT => CatalogError::Format { found: header.format },
                    _ => e.into(),
                });
            }
        };
        build(wire)
    }
}

fn valid_prefix(prefix: &str) -> bool {
    !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn valid_action_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn build(wire: Wire) -> Result<Catalog, CatalogError> {
    if wire.format != FORMAT {
        return Err(CatalogError::Format { found: wire.format });
    }
    let WireSource { package, version, updated_at, tarball_sha256, integrity } = wire.source;
    let source = Source { package, version, updated_at, tarball_sha256, integrity };

    let mut keys = Vec::with_capacity(wire.keys.len());
    for WireKey(name, ty, global) in wire.keys {
        let ty = ConditionType::from_name(&ty).ok_or_else(|| invalid(format!("condition key {name}: type {ty}")))?;
        if name.is_empty() || !name.is_ascii() {
            return Err(invalid(format!("condition key {name:?}")));
        }
        let key = KeyRec::new(&name, ty, global != 0);
        if keys.last().is_some_and(|prev: &KeyRec| prev.lower > key.lower) {
            return Err(invalid(format!("condition keys not sorted at {name}")));
        }
        keys.push(key);
    }
    let key_count = keys.len();
    let mut key_refs: Vec<u32> = Vec::new();
    let push_keys = |ids: &[u32], key_refs: &mut Vec<u32>, what: &dyn Fn() -> String| {
        let start = to_u32(key_refs.len())?;
        for &id in ids {
            if id as usize >= key_count {
                return Err(invalid(format!("{}: condition key id {id}", what())));
            }
            key_refs.push(id);
        }
        Ok::<Span, CatalogError>(Span { start, end: to_u32(key_refs.len())? })
    };
    // Keys named by actions and resource types (not only declared by a service).
    let mut named_keys = vec![false; key_count];

    let action_count: usize = wire.services.iter().map(|s| s.5.len()).sum();
    let mut names = String::with_capacity(action_count * 32);
    let mut lower = String::with_capacity(action_count * 32);
    let mut actions: Vec<ActionRec> = Vec::with_capacity(action_count);
    let mut action_resources = Vec::new();
    let mut dependents: Vec<Box<str>> = Vec::new();
    let mut services: Vec<ServiceRec> = Vec::with_capacity(wire.services.len());
    let mut resource_types: Vec<ResourceTypeRec> = Vec::new();
    let mut previous_name = Span::default();

    for (service_index, WireService(prefix, name, rcp, service_keys, rts, wire_actions)) in (0u32..).zip(wire.services)
    {
        if !valid_prefix(&prefix) {
            return Err(invalid(format!("service prefix {prefix:?}")));
        }
        let service_keys = push_keys(&service_keys, &mut key_refs, &|| prefix.clone())?;

        let rt_start = to_u32(resource_types.len())?;
        let rt_count = rts.len();
        for WireResourceType(rt_name, arns, rt_keys) in rts {
            let what = || format!("{prefix} resource type {rt_name}");
            let templates = arns
                .iter()
                .map(|arn| ArnTemplate::new(arn).ok_or_else(|| invalid(format!("{}: ARN {arn}", what()))))
                .collect::<Result<Box<[_]>, _>>()?;
            if templates.is_empty() {
                return Err(invalid(format!("{}: no ARN format", what())));
            }
            let keys = push_keys(&rt_keys, &mut key_refs, &what)?;
            for &id in &rt_keys {
                named_keys[id as usize] = true;
            }
            resource_types.push(ResourceTypeRec {
                service: service_index,
                name: rt_name.into(),
                arns: arns.into_iter().map(Into::into).collect(),
                templates,
                keys,
            });
        }

        let action_start = to_u32(actions.len())?;
        for WireAction(action_name, levels, action_keys, action_rts, action_dependents) in wire_actions {
            let what = || format!("{prefix}:{action_name}");
            if !valid_action_name(&action_name) {
                return Err(invalid(format!("action name {:?}", what())));
            }
            let start = to_u32(names.len())?;
            names.push_str(&prefix);
            names.push(':');
            names.push_str(&action_name);
            let name = Span { start, end: to_u32(names.len())? };
            lower.push_str(&names[name.range()].to_ascii_lowercase());
            // Strictly increasing lower-case names: unique, and binary search works.
            if !actions.is_empty() && lower[previous_name.range()] >= lower[name.range()] {
                return Err(invalid(format!("actions not sorted at {}", what())));
            }
            previous_name = name;
            let levels = AccessLevels::from_bits(levels)
                .filter(|l| !l.is_empty())
                .ok_or_else(|| invalid(format!("{}: access level bits {levels}", what())))?;
            let keys = push_keys(&action_keys, &mut key_refs, &what)?;
            let resources_start = to_u32(action_resources.len())?;
            for (rt, required, rt_keys) in action_rts {
                if rt as usize >= rt_count {
                    return Err(invalid(format!("{}: resource type index {rt}", what())));
                }
                let keys = push_keys(&rt_keys, &mut key_refs, &what)?;
                for &id in rt_keys.iter().chain(&action_keys) {
                    named_keys[id as usize] = true;
                }
                action_resources.push(ActionResourceRec {
                    resource_type: rt_start + rt,
                    required: required != 0,
                    keys,
                });
            }
            for &id in &action_keys {
                named_keys[id as usize] = true;
            }
            let dependents_start = to_u32(dependents.len())?;
            dependents.extend(action_dependents.into_iter().map(Into::into));
            actions.push(ActionRec {
                name,
                prefix_len: to_u32(prefix.len())?,
                service: service_index,
                levels,
                keys,
                resources: Span { start: resources_start, end: to_u32(action_resources.len())? },
                dependents: Span { start: dependents_start, end: to_u32(dependents.len())? },
            });
        }
        services.push(ServiceRec {
            prefix: prefix.into(),
            name: name.into(),
            rcp: rcp != 0,
            actions: Span { start: action_start, end: to_u32(actions.len())? },
            resource_types: Span { start: rt_start, end: to_u32(resource_types.len())? },
            keys: service_keys,
        });
    }
    // Service order follows from the action order, unless a service has no action.
    if services.windows(2).any(|w| format!("{}:", w[0].prefix) >= format!("{}:", w[1].prefix)) {
        return Err(invalid("services not sorted"));
    }

    // A global `aws:` key that the reference lists per action (the tag keys) applies only where
    // it is listed; see `Action::supports_condition_key`.
    for (key, named) in keys.iter_mut().zip(named_keys) {
        key.listed = key.global && named && key.lower.starts_with("aws:");
    }

    let n = actions.len();
    let mut all = ActionSet::with_universe(n);
    all.insert_range(0, n);
    let mut by_level: [ActionSet; 5] = Default::default();
    let mut wildcard_only = ActionSet::with_universe(n);
    for (i, action) in (0u32..).zip(&actions) {
        for level in AccessLevel::ALL {
            if action.levels.contains(level) {
                by_level[level.index()].insert(ActionId(i));
            }
        }
        if action.resources.is_empty() {
            wildcard_only.insert(ActionId(i));
        }
    }

    Ok(Catalog {
        source,
        arn_index: ArnIndex::new(&resource_types),
        key_index: KeyIndex::new(&keys),
        names,
        lower,
        actions,
        action_resources,
        key_refs,
        dependents,
        services,
        resource_types,
        keys,
        all,
        by_level,
        wildcard_only,
    })
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::{Compression, write::GzEncoder};

    use super::*;

    fn gzip(json: &str) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
        encoder.write_all(json.as_bytes()).expect("write");
        encoder.finish().expect("finish")
    }

    const SOURCE: &str = r#""source":{"package":"p","version":"1.2.3","updatedAt":"2026-01-02T00:00:00Z","tarballSha256":"00","integrity":"sha512-x"}"#;

    fn catalog(keys: &str, services: &str) -> Result<Catalog, CatalogError> {
        Catalog::from_gzip_json(&gzip(&format!(r#"{{"format":1,{SOURCE},"keys":{keys},"services":{services}}}"#)))
    }

    #[test]
    fn small_catalog() {
        let c = catalog(
            r#"[["aws:TagKeys","ArrayOfString",1],["x:Key","Bool",0]]"#,
            r#"[["x-y","Service X Y",0,[],[],[["Go",16,[],[],[]]]],
               ["x","Service X",1,[1],[["thing",["arn:${Partition}:x::${Account}:thing/${Id}"],[0]]],
                [["DoIt",6,[1],[[0,1,[0]]],["x:Other"]],["List",1,[],[],[]]]]]"#,
        )
        .expect("decodes");
        assert_eq!(c.version(), "1.2.3");
        assert_eq!(c.data_date(), "2026-01-02");
        assert_eq!(c.action_count(), 3);
        // `x-y:` sorts before `x:`, as `-` before `:`.
        let names: Vec<&str> = c.actions().map(|a| a.name()).collect();
        assert_eq!(names, ["x-y:Go", "x:DoIt", "x:List"]);
        let doit = c.action_info(c.action("X:doit").expect("x:DoIt")).expect("info");
        assert_eq!(doit.service_prefix(), "x");
        assert_eq!(doit.action_name(), "DoIt");
        assert_eq!(doit.access_levels().to_string(), "Read, Write");
        assert_eq!(doit.dependent_actions().collect::<Vec<_>>(), ["x:Other"]);
        let rt: Vec<_> = doit.resource_types().collect();
        assert_eq!(rt.len(), 1);
        assert!(rt[0].required());
        assert_eq!(rt[0].resource_type().name(), "thing");
        assert_eq!(rt[0].condition_keys().map(|k| k.name()).collect::<Vec<_>>(), ["aws:TagKeys"]);
        assert!(doit.supports_condition_key("aws:tagkeys"));
        assert!(doit.supports_condition_key("X:KEY"));
        assert!(!c.action_info(c.action("x:List").expect("list")).expect("info").supports_condition_key("aws:TagKeys"));
        assert!(c.is_wildcard_only(c.action("x:List").expect("list")));
        assert_eq!(c.service_actions("x").len(), 2);
        assert_eq!(c.service_actions("x-y").len(), 1);
        assert!(c.rcp_supported("X") && !c.rcp_supported("x-y") && !c.rcp_supported("z"));
        assert_eq!(c.expand("x*").len(), 3);
        assert_eq!(c.expand("x:*").len(), 2);
        assert_eq!(c.resource_type_of("arn:aws:x::1:thing/a").map(|r| r.name()), Some("thing"));
    }

    #[test]
    fn rejects_inconsistent_data() {
        let ok_keys = r#"[["x:Key","Bool",0]]"#;
        for (keys, services) in [
            (r#"[["x:Key","Boolean",0]]"#, "[]"),
            (r#"[["x:b","Bool",0],["x:a","Bool",0]]"#, "[]"),
            (ok_keys, r#"[["X","",0,[],[],[]]]"#),
            (ok_keys, r#"[["x","",0,[7],[],[]]]"#),
            (ok_keys, r#"[["x","",0,[],[["t",["not-an-arn"],[]]],[]]]"#),
            (ok_keys, r#"[["x","",0,[],[],[["B",1,[],[],[]],["a",1,[],[],[]]]]]"#),
            (ok_keys, r#"[["x","",0,[],[],[["a",1,[],[],[]],["A",1,[],[],[]]]]]"#),
            (ok_keys, r#"[["x","",0,[],[],[["a",0,[],[],[]]]]]"#),
            (ok_keys, r#"[["x","",0,[],[],[["a",64,[],[],[]]]]]"#),
            (ok_keys, r#"[["x","",0,[],[],[["a",1,[],[[0,0,[]]],[]]]]]"#),
            (ok_keys, r#"[["x","",0,[],[],[["a b",1,[],[],[]]]]]"#),
            (ok_keys, r#"[["y","",0,[],[],[]],["x","",0,[],[],[]]]"#),
        ] {
            assert!(matches!(catalog(keys, services), Err(CatalogError::Invalid(_))), "{keys} {services}");
        }
        assert!(matches!(
            Catalog::from_gzip_json(&gzip(r#"{"format":2,"other":true}"#)),
            Err(CatalogError::Format { found: 2 })
        ));
        assert!(matches!(Catalog::from_gzip_json(&gzip("{}")), Err(CatalogError::Json(_))));
        assert!(matches!(Catalog::from_gzip_json(b"not gzip"), Err(CatalogError::Gzip(_))));
        assert!(matches!(Catalog::from_gzip_json(b""), Err(CatalogError::Gzip(_))));
    }
}
