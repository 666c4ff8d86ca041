//! `aws iam get-account-authorization-details`: users, groups, roles and managed policies.
//!
//! Accepts the CLI's output (pages merged, documents decoded to JSON objects), the raw API's
//! (documents URL-encoded), documents as JSON strings, and raw SDK dumps of several pages (a
//! JSON array of page objects, or page objects one after another).
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html>

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use remit_aws_policy::{Policy, PolicyKind};
use serde_json::{Map, Value, value::RawValue};

use crate::{
    env::{Account, Group, ImportIssue, InlinePolicy, ManagedPolicy, Role, User},
    json::{self, Obj, Sink},
};

/// The four lists of the export.
const LISTS: [&str; 4] = ["UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"];

/// Why a file is not an authorization-details export at all.
pub(crate) enum AuthzError {
    /// Not JSON.
    NotJson { location: String, message: String },
    /// JSON, but not this command's output.
    NotAuthorizationDetails(String),
}

impl AuthzError {
    pub(crate) fn location(&self) -> &str {
        match self {
            AuthzError::NotJson { location, .. } => location,
            AuthzError::NotAuthorizationDetails(_) => "",
        }
    }

    pub(crate) fn message(&self) -> String {
        match self {
            AuthzError::NotJson { message, .. } => format!("not valid JSON: {message}"),
            AuthzError::NotAuthorizationDetails(message) => message.clone(),
        }
    }
}

/// Reads one export. `expected_account` is the account the bundle files it under; without it
/// the account id is taken from the ARNs.
pub(crate) fn read(bytes: &[u8], expected_account: Option<&str>, sink: &mut Sink<'_>) -> Result<Account, AuthzError> {
    let bytes = json::strip_bom(bytes);
    // The documents are checked as JSON without being built: each entity is then built on its
    // own, on every core, and freed once read (building the whole export's tree first took a
    // third of the import, on one core, and twice its memory). An export as the CLI writes it
    // (one object, its lists arrays) is read in one pass; anything else, a pass at a time.
    if let Ok(lists) = serde_json::from_slice::<Lists<'_>>(bytes)
        && let entries = [lists.users, lists.groups, lists.roles, lists.policies]
        && entries.iter().any(Option::is_some)
    {
        let mut reader = Reader::default();
        let present = entries.each_ref().map(Option::is_some);
        for (list_idx, (key, entries)) in LISTS.iter().zip(entries).enumerate() {
            let Some(entries) = entries else { continue };
            let (part, issues) = read_entities(&sink.file, key, list_idx, &entries);
            reader.absorb(part);
            sink.extend(issues);
        }
        if lists.truncated.is_some_and(|v| v.get() == "true") {
            sink.push("IsTruncated", "the export is truncated: later pages were not collected");
            reader.iam_incomplete = true;
        }
        return Ok(finish(reader, present, expected_account, sink));
    }
    let mut documents: Vec<&RawValue> = Vec::new();
    for value in serde_json::Deserializer::from_slice(bytes).into_iter::<&RawValue>() {
        match value {
            Ok(value) => documents.push(value),
            Err(err) => {
                return Err(AuthzError::NotJson {
                    location: json::syntax_location(&err),
                    message: json::syntax_message(&err),
                });
            }
        }
    }
    let pages: Vec<(String, &RawValue)> = match documents.as_slice() {
        [] => return Err(AuthzError::NotAuthorizationDetails("the file is empty".into())),
        [single] if raw_kind(single) == "an array" => serde_json::from_str::<Vec<&RawValue>>(single.get())
            .map_err(|err| AuthzError::NotJson {
                location: json::syntax_location(&err),
                message: json::syntax_message(&err),
            })?
            .into_iter()
            .enumerate()
            .map(|(idx, page)| (json::index("", idx), page))
            .collect(),
        [single] => vec![(String::new(), *single)],
        many => many.iter().enumerate().map(|(idx, page)| (json::index("", idx), *page)).collect(),
    };
    // Each page's members (a repeated key keeps its last value, as parsers of a whole
    // document do); `None` for a page that is not an object.
    let members: Vec<Option<HashMap<String, &RawValue>>> =
        pages.iter().map(|(_, page)| serde_json::from_str(page.get()).ok()).collect();
    let present_in = |page: &HashMap<String, &RawValue>, key: &str| page.get(key).is_some_and(|v| v.get() != "null");
    if !members.iter().flatten().any(|page| LISTS.iter().any(|key| page.contains_key(*key))) {
        return Err(not_an_export());
    }

    let mut reader = Reader::default();
    let mut present = [false; 4];
    for (page_idx, ((prefix, raw), page)) in pages.iter().zip(&members).enumerate() {
        let Some(page) = page else {
            sink.push(prefix.as_str(), format!("expected an object, found {}", raw_kind(raw)));
            reader.iam_incomplete = true;
            continue;
        };
        for (list_idx, key) in LISTS.iter().enumerate() {
            if !present_in(page, key) {
                continue;
            }
            present[list_idx] = true;
            let base = json::join(prefix, key);
            let list = page[*key];
            let Ok(entries) = serde_json::from_str::<Vec<&RawValue>>(list.get()) else {
                sink.push(base, format!("expected an array, found {}", raw_kind(list)));
                reader.iam_incomplete = true;
                continue;
            };
            let (part, issues) = read_entities(&sink.file, &base, list_idx, &entries);
            reader.absorb(part);
            sink.extend(issues);
        }
        // The last page of a complete export says `IsTruncated: false` (or nothing).
        if page_idx + 1 == pages.len() && page.get("IsTruncated").is_some_and(|v| v.get() == "true") {
            sink.push(json::join(prefix, "IsTruncated"), "the export is truncated: later pages were not collected");
            reader.iam_incomplete = true;
        }
    }

    Ok(finish(reader, present, expected_account, sink))
}

/// The export as the CLI writes it: one object whose lists (when present) are arrays.
#[derive(serde::Deserialize)]
struct Lists<'a> {
    #[serde(rename = "UserDetailList", borrow, default)]
    users: Option<Vec<&'a RawValue>>,
    #[serde(rename = "GroupDetailList", borrow, default)]
    groups: Option<Vec<&'a RawValue>>,
    #[serde(rename = "RoleDetailList", borrow, default)]
    roles: Option<Vec<&'a RawValue>>,
    #[serde(rename = "Policies", borrow, default)]
    policies: Option<Vec<&'a RawValue>>,
    #[serde(rename = "IsTruncated", borrow, default)]
    truncated: Option<&'a RawValue>,
}

fn not_an_export() -> AuthzError {
    AuthzError::NotAuthorizationDetails(
        "not the output of `aws iam get-account-authorization-details`: no `UserDetailList`, \
         `GroupDetailList`, `RoleDetailList` or `Policies`"
            .into(),
    )
}

/// Builds and reads the entities of list `list_idx` (at JSON path `base`) on every core, a
/// chunk at a time, joined in order with their issues: converting thousands of roles and
/// policies is most of the import.
fn read_entities(
    file: &std::path::Path,
    base: &str,
    list_idx: usize,
    entries: &[&RawValue],
) -> (Reader, Vec<ImportIssue>) {
    let chunks: Vec<(Reader, Vec<ImportIssue>)> = entries
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(chunk_idx, chunk)| {
            let mut issues = Vec::new();
            let mut part = Reader::default();
            let mut sink = Sink::new(file.to_path_buf(), &mut issues);
            for (at, raw) in chunk.iter().enumerate() {
                let path = json::index(base, chunk_idx * CHUNK + at);
                sink.subject = None;
                let map = match serde_json::from_str::<Value>(raw.get()) {
                    Ok(Value::Object(map)) => map,
                    Ok(other) => {
                        sink.push(path, format!("expected an object, found {}", json::kind_of(&other)));
                        part.iam_incomplete = true;
                        continue;
                    }
                    Err(err) => {
                        sink.push(path, format!("not valid JSON: {}", json::syntax_message(&err)));
                        part.iam_incomplete = true;
                        continue;
                    }
                };
                match list_idx {
                    0 => part.user(&map, path, &mut sink),
                    1 => part.group(&map, path, &mut sink),
                    2 => part.role(&map, path, &mut sink),
                    _ => part.managed_policy(&map, path, &mut sink),
                }
            }
            (part, issues)
        })
        .collect();
    let mut reader = Reader::default();
    let mut issues = Vec::new();
    for (part, more) in chunks {
        reader.absorb(part);
        issues.extend(more);
    }
    (reader, issues)
}

/// The account the entities read make, with the lists the export lacks.
fn finish(reader: Reader, present: [bool; 4], expected_account: Option<&str>, sink: &mut Sink<'_>) -> Account {
    let mut account = Account {
        iam_collected: true,
        iam_absent_lists: LISTS
            .iter()
            .zip(present)
            .filter(|(_, seen)| !seen)
            .map(|(key, _)| (*key).to_owned())
            .collect(),
        ..Account::default()
    };
    reader.finish(&mut account, expected_account, sink);
    account
}

/// Entities read by one task of the import (see `read`).
const CHUNK: usize = 64;

/// Entities read so far, each with its JSON path.
#[derive(Default)]
struct Reader {
    users: Vec<(String, User)>,
    groups: Vec<(String, Group)>,
    roles: Vec<(String, Role)>,
    policies: Vec<(String, ManagedPolicy)>,
    iam_incomplete: bool,
}

/// What a JSON value is, as issues name it, from its first character (a value checked as JSON).
fn raw_kind(raw: &RawValue) -> &'static str {
    match raw.get().trim_start().as_bytes().first() {
        Some(b'n') => "null",
        Some(b't' | b'f') => "a boolean",
        Some(b'"') => "a string",
        Some(b'[') => "an array",
        Some(b'{') => "an object",
        _ => "a number",
    }
}

/// Starts reading an entity: its ARN (required) becomes the subject of its issues.
fn begin<'v>(entity: &Obj<'v, '_>, sink: &mut Sink<'_>) -> Option<&'v str> {
    let arn = entity.required_str("Arn", sink)?;
    sink.subject = Some(arn.to_owned());
    Some(arn)
}

impl Reader {
    /// Takes the entities another reader read after this one's.
    fn absorb(&mut self, other: Reader) {
        self.users.extend(other.users);
        self.groups.extend(other.groups);
        self.roles.extend(other.roles);
        self.policies.extend(other.policies);
        self.iam_incomplete |= other.iam_incomplete;
    }

    fn user(&mut self, map: &Map<String, Value>, path: String, sink: &mut Sink<'_>) {
        let entity = Obj { map, path: &path };
        let mark = sink.mark();
        let Some(arn) = begin(&entity, sink) else {
            self.iam_incomplete = true;
            return;
        };
        let mut boundary_path = String::new();
        let user = User {
            arn: arn.to_owned(),
            name: entity.required_str("UserName", sink).unwrap_or_default().to_owned(),
            id: entity.string("UserId", sink).unwrap_or_default(),
            path: entity.string("Path", sink).unwrap_or_default(),
            groups: entity.strings("GroupList", sink),
            inline_policies: inline_policies(&entity, "UserPolicyList", sink),
            attached_policies: attached_policies(&entity, sink),
            permissions_boundary: entity
                .obj("PermissionsBoundary", &mut boundary_path, sink)
                .and_then(|boundary| boundary.string("PermissionsBoundaryArn", sink)),
            tags: entity.tags("Tags", sink),
            create_date: entity.date("CreateDate", sink),
            incomplete: false,
        };
        let incomplete = sink.since(mark);
        sink.subject = None;
        self.users.push((path, User { incomplete, ..user }));
    }

    fn group(&mut self, map: &Map<String, Value>, path: String, sink: &mut Sink<'_>) {
        let entity = Obj { map, path: &path };
        let mark = sink.mark();
        let Some(arn) = begin(&entity, sink) else {
            self.iam_incomplete = true;
            return;
        };
        let group = Group {
            arn: arn.to_owned(),
            name: entity.required_str("GroupName", sink).unwrap_or_default().to_owned(),
            id: entity.string("GroupId", sink).unwrap_or_default(),
            path: entity.string("Path", sink).unwrap_or_default(),
            inline_policies: inline_policies(&entity, "GroupPolicyList", sink),
            attached_policies: attached_policies(&entity, sink),
            create_date: entity.date("CreateDate", sink),
            incomplete: false,
        };
        let incomplete = sink.since(mark);
        sink.subject = None;
        self.groups.push((path, Group { incomplete, ..group }));
    }

    fn role(&mut self, map: &Map<String, Value>, path: String, sink: &mut Sink<'_>) {
        let entity = Obj { map, path: &path };
        let mark = sink.mark();
        let Some(arn) = begin(&entity, sink) else {
            self.iam_incomplete = true;
            return;
        };
        let trust_policy = match entity.get("AssumeRolePolicyDocument") {
            Some(document) => json::policy(document, PolicyKind::Trust, &entity.at("AssumeRolePolicyDocument"), sink),
            None => {
                sink.push(entity.at("AssumeRolePolicyDocument"), "missing: who may assume the role is unknown");
                None
            }
        };
        let mut instance_profiles = Vec::new();
        for (profile_path, profile) in entity.objects("InstanceProfileList", sink) {
            let profile = Obj { map: profile, path: &profile_path };
            if let Some(profile_arn) = profile.required_str("Arn", sink) {
                instance_profiles.push(profile_arn.to_owned());
            }
        }
        let mut boundary_path = String::new();
        let permissions_boundary = entity
            .obj("PermissionsBoundary", &mut boundary_path, sink)
            .and_then(|boundary| boundary.string("PermissionsBoundaryArn", sink));
        let mut last_used_path = String::new();
        let (last_used, last_used_region) = match entity.obj("RoleLastUsed", &mut last_used_path, sink) {
            Some(last) => (last.date("LastUsedDate", sink), last.string("Region", sink)),
            None => (None, None),
        };
        let role = Role {
            arn: arn.to_owned(),
            name: entity.required_str("RoleName", sink).unwrap_or_default().to_owned(),
            id: entity.string("RoleId", sink).unwrap_or_default(),
            path: entity.string("Path", sink).unwrap_or_default(),
            trust_policy,
            inline_policies: inline_policies(&entity, "RolePolicyList", sink),
            attached_policies: attached_policies(&entity, sink),
            permissions_boundary,
            tags: entity.tags("Tags", sink),
            instance_profiles,
            last_used,
            last_used_region,
            create_date: entity.date("CreateDate", sink),
            incomplete: false,
        };
        let incomplete = sink.since(mark);
        sink.subject = None;
        self.roles.push((path, Role { incomplete, ..role }));
    }

    fn managed_policy(&mut self, map: &Map<String, Value>, path: String, sink: &mut Sink<'_>) {
        let entity = Obj { map, path: &path };
        let mark = sink.mark();
        let Some(arn) = begin(&entity, sink) else {
            self.iam_incomplete = true;
            return;
        };
        let default_version = entity.string("DefaultVersionId", sink);
        let mut versions: Vec<(String, Option<Policy>)> = Vec::new();
        let mut flagged_default = None;
        if !entity.has("PolicyVersionList") {
            sink.push(entity.at("PolicyVersionList"), "missing: the policy's document was not exported");
        }
        for (version_path, version) in entity.objects("PolicyVersionList", sink) {
            let version = Obj { map: version, path: &version_path };
            let Some(version_id) = version.required_str("VersionId", sink) else { continue };
            let document = match version.get("Document") {
                Some(document) => json::policy(document, PolicyKind::Identity, &version.at("Document"), sink),
                None => {
                    sink.push(version.at("Document"), "missing");
                    None
                }
            };
            if version.bool("IsDefaultVersion", sink) == Some(true) {
                flagged_default = Some(version_id.to_owned());
            }
            versions.push((version_id.to_owned(), document));
        }
        if let (Some(declared), Some(flagged)) = (&default_version, &flagged_default)
            && declared != flagged
        {
            sink.push(
                entity.at("DefaultVersionId"),
                format!("`{declared}` is the default version, but `IsDefaultVersion` marks `{flagged}`"),
            );
        }
        let default_version = default_version.or(flagged_default).unwrap_or_default();
        let mut document = None;
        if entity.has("PolicyVersionList") {
            match versions.iter().find(|(version_id, _)| *version_id == default_version) {
                Some((_, found)) => document = found.clone(),
                None => sink.push(
                    entity.at("PolicyVersionList"),
                    format!(
                        "the default version `{default_version}` is not in the list: the policy's document is unknown"
                    ),
                ),
            }
        }
        let policy = ManagedPolicy {
            arn: arn.to_owned(),
            // The name is the ARN's last segment (`arn:aws:iam::ACCOUNT:policy/PATH/NAME`), so an
            // export without it (moto's) loses nothing.
            name: entity.string("PolicyName", sink).unwrap_or_else(|| arn.rsplit('/').next().unwrap_or(arn).to_owned()),
            default_version,
            document,
            versions,
            aws_managed: json::arn_account(arn) == Some("aws"),
            id: entity.string("PolicyId", sink).unwrap_or_default(),
            path: entity.string("Path", sink).unwrap_or_default(),
            attachment_count: entity.u64("AttachmentCount", sink),
            permissions_boundary_usage_count: entity.u64("PermissionsBoundaryUsageCount", sink),
            update_date: entity.date("UpdateDate", sink),
            incomplete: false,
        };
        let incomplete = sink.since(mark);
        sink.subject = None;
        self.policies.push((path, ManagedPolicy { incomplete, ..policy }));
    }

    /// Sorts, removes duplicates, settles the account id, and marks the principals that hold
    /// an unreadable managed policy incomplete.
    fn finish(mut self, account: &mut Account, expected_account: Option<&str>, sink: &mut Sink<'_>) {
        dedup(&mut self.users, |user| &user.arn, |user| user.incomplete = true, sink);
        dedup(&mut self.groups, |group| &group.arn, |group| group.incomplete = true, sink);
        dedup(&mut self.roles, |role| &role.arn, |role| role.incomplete = true, sink);
        dedup(&mut self.policies, |policy| &policy.arn, |policy| policy.incomplete = true, sink);

        // The account: named by the ARNs of the principals and customer-managed policies.
        let arns = self
            .users
            .iter()
            .map(|(path, user)| (path, &user.arn))
            .chain(self.groups.iter().map(|(path, group)| (path, &group.arn)))
            .chain(self.roles.iter().map(|(path, role)| (path, &role.arn)))
            .chain(
                self.policies
                    .iter()
                    .filter(|(_, policy)| !policy.aws_managed)
                    .map(|(path, policy)| (path, &policy.arn)),
            );
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        let mut first_mismatch = None;
        let mut partition = None;
        for (path, arn) in arns {
            let named = json::arn_account(arn).unwrap_or("");
            *counts.entry(named).or_default() += 1;
            if partition.is_none() {
                partition = json::arn_partition(arn);
            }
            if let Some(expected) = expected_account
                && named != expected
                && first_mismatch.is_none()
            {
                first_mismatch = Some((path.clone(), named.to_owned()));
            }
        }
        account.partition = partition.unwrap_or("aws").to_owned();
        match expected_account {
            Some(expected) => {
                account.id = expected.to_owned();
                if let Some((path, named)) = first_mismatch {
                    sink.push(
                        json::join(&path, "Arn"),
                        format!("the ARNs name account `{named}`, but the file is filed under account `{expected}`"),
                    );
                }
            }
            None => {
                // The most named account (ties to the smallest id, deterministically).
                let best = counts.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))).map(|(id, _)| *id);
                match best {
                    Some(id) if remit_aws_policy::is_account_id(id) => {
                        account.id = id.to_owned();
                        if counts.len() > 1 {
                            let others: Vec<&str> = counts.keys().copied().filter(|other| *other != id).collect();
                            sink.push(
                                "",
                                format!(
                                    "the ARNs name several accounts; took `{id}`, also named: {}",
                                    others.join(", ")
                                ),
                            );
                        }
                    }
                    _ => sink.push("", "no ARN in the file names a 12-digit account id: the account is unknown"),
                }
            }
        }

        // A principal holding a managed policy whose document is unknown is incomplete too.
        let unreadable: Vec<&str> = self
            .policies
            .iter()
            .filter(|(_, policy)| policy.document.is_none())
            .map(|(_, policy)| policy.arn.as_str())
            .collect();
        if !unreadable.is_empty() {
            let mut check = |path: &str, arn: &str, attached: &[String], boundary: Option<&String>| -> bool {
                let mut hit = false;
                for (key, held) in attached
                    .iter()
                    .map(|held| ("AttachedManagedPolicies", held))
                    .chain(boundary.map(|held| ("PermissionsBoundary", held)))
                {
                    if unreadable.binary_search(&held.as_str()).is_ok() {
                        sink.subject = Some(arn.to_owned());
                        sink.push(
                            json::join(path, key),
                            format!("the managed policy `{held}` could not be read: what it allows is unknown"),
                        );
                        hit = true;
                    }
                }
                sink.subject = None;
                hit
            };
            for (path, user) in &mut self.users {
                user.incomplete |= check(path, &user.arn, &user.attached_policies, user.permissions_boundary.as_ref());
            }
            for (path, group) in &mut self.groups {
                group.incomplete |= check(path, &group.arn, &group.attached_policies, None);
            }
            for (path, role) in &mut self.roles {
                role.incomplete |= check(path, &role.arn, &role.attached_policies, role.permissions_boundary.as_ref());
            }
        }

        account.users = self.users.into_iter().map(|(_, user)| user).collect();
        account.groups = self.groups.into_iter().map(|(_, group)| group).collect();
        account.roles = self.roles.into_iter().map(|(_, role)| role).collect();
        account.managed_policies = self.policies.into_iter().map(|(_, policy)| policy).collect();
        account.iam_incomplete |= self.iam_incomplete;
    }
}

/// Sorts entities by ARN and drops later entries for the same ARN (pages that overlap), each
/// reported; the kept entry is marked incomplete since the two may differ.
fn dedup<T>(
    entities: &mut Vec<(String, T)>,
    arn: impl Fn(&T) -> &String,
    mark_incomplete: impl Fn(&mut T),
    sink: &mut Sink<'_>,
) {
    entities.sort_by(|a, b| arn(&a.1).cmp(arn(&b.1)));
    let mut kept: Vec<(String, T)> = Vec::with_capacity(entities.len());
    for (path, entity) in entities.drain(..) {
        if let Some((_, previous)) = kept.last_mut()
            && arn(previous) == arn(&entity)
        {
            sink.subject = Some(arn(&entity).clone());
            sink.push(json::join(&path, "Arn"), "a second entry for this ARN (ignored)");
            sink.subject = None;
            mark_incomplete(previous);
            continue;
        }
        kept.push((path, entity));
    }
    *entities = kept;
}

/// `UserPolicyList`, `GroupPolicyList`, `RolePolicyList`.
fn inline_policies(entity: &Obj<'_, '_>, key: &str, sink: &mut Sink<'_>) -> Vec<InlinePolicy> {
    let mut out = Vec::new();
    for (path, map) in entity.objects(key, sink) {
        let item = Obj { map, path: &path };
        let name = item.required_str("PolicyName", sink).unwrap_or_default().to_owned();
        let document = match item.get("PolicyDocument") {
            Some(document) => json::policy(document, PolicyKind::Identity, &item.at("PolicyDocument"), sink),
            None => {
                sink.push(item.at("PolicyDocument"), "missing");
                None
            }
        };
        out.push(InlinePolicy { name, document });
    }
    out
}

/// `AttachedManagedPolicies[].PolicyArn`.
fn attached_policies(entity: &Obj<'_, '_>, sink: &mut Sink<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for (path, map) in entity.objects("AttachedManagedPolicies", sink) {
        let item = Obj { map, path: &path };
        if let Some(arn) = item.required_str("PolicyArn", sink) {
            out.push(arn.to_owned());
        }
    }
    out
}
