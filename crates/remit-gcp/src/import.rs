//! Reads one Google Cloud organization from the bundle (`ENV/gcp/<organization-id>/`).
//!
//! The files are the unmodified output of gcloud and Cloud Asset Inventory, whose spellings
//! differ (camelCase from list calls, snake_case from exports, v1 and v3 Resource Manager
//! shapes): this module absorbs those differences once, so the engine sees one plain model.
//! A file that cannot be read is an error naming the file and the JSON path; a malformed entry
//! is skipped and reported as an [`ImportIssue`] with its file and JSON path.

use std::{
    fmt, fs,
    path::{Path, PathBuf},
};

use serde_json::Value;

/// A whole organization, as plain data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GcpEnvironment {
    /// The organization (`organization.json`).
    pub organization: Organization,
    /// Every folder, with its parent.
    pub folders: Vec<Folder>,
    /// Every project, with its parent.
    pub projects: Vec<Project>,
    /// Every allow policy, one per resource that has one.
    pub policies: Vec<ResourcePolicy>,
    /// Resources listed by Cloud Asset Inventory (empty when not collected).
    pub resources: Vec<CloudResource>,
    /// Predefined and custom roles with their permissions.
    pub roles: Vec<Role>,
    /// Deny policies, with their attachment points.
    pub deny_policies: Vec<DenyPolicy>,
    /// Service accounts of every project collected.
    pub service_accounts: Vec<ServiceAccount>,
    /// Keys of every service account collected.
    pub service_account_keys: Vec<ServiceAccountKey>,
    /// Groups with their direct members.
    pub groups: Vec<Group>,
    /// Workforce identity pools.
    pub workforce_pools: Vec<WorkforcePool>,
    /// True when `resources.json` (search-all-resources, which returns each resource's tags)
    /// was collected: resource tags are then known.
    pub tags_collected: bool,
    /// Principals (member strings) some of whose grants, denies or memberships could not be
    /// read (see [`ImportIssue::principals`]).
    pub incomplete_principals: Vec<String>,
    /// True when an entry that could concern anyone was skipped (a binding whose members could
    /// not be read, a deny policy, a role, a folder): every answer may be incomplete.
    pub incomplete_everyone: bool,
}

/// The organization node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Organization {
    /// `organizations/123`.
    pub name: String,
    /// Its primary domain (`corp.example`), gcloud's `displayName`.
    pub display_name: String,
    /// The Cloud Identity / Workspace customer (`owner.directoryCustomerId`).
    pub directory_customer_id: Option<String>,
}

impl Organization {
    /// The number (`123`).
    pub fn id(&self) -> &str {
        self.name.strip_prefix("organizations/").unwrap_or(&self.name)
    }
}

/// A folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Folder {
    /// `folders/456`.
    pub name: String,
    /// Its display name.
    pub display_name: String,
    /// `organizations/123` or `folders/455`.
    pub parent: String,
}

/// A project.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Project {
    /// `proj-a`.
    pub project_id: String,
    /// `111111111111`.
    pub project_number: String,
    /// Its display name.
    pub display_name: String,
    /// `organizations/123` or `folders/456` (None when not in the organization).
    pub parent: Option<String>,
}

/// An IAM Conditions expression as written in a binding or a deny rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expr {
    /// Its title.
    pub title: String,
    /// Its description.
    pub description: String,
    /// The CEL expression.
    pub expression: String,
}

/// One binding of an allow policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Binding {
    /// `roles/viewer`, `projects/p/roles/r`, `organizations/1/roles/r`.
    pub role: String,
    /// Member strings as written.
    pub members: Vec<String>,
    /// Its IAM condition.
    pub condition: Option<Expr>,
}

/// The allow policy of one resource.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourcePolicy {
    /// Its full resource name (`//cloudresourcemanager.googleapis.com/projects/111`).
    pub resource: String,
    /// Its asset type (`cloudresourcemanager.googleapis.com/Project`).
    pub asset_type: String,
    /// Ancestors as CAI writes them, nearest first (may start with the resource itself).
    pub ancestors: Vec<String>,
    /// The project that holds it (`projects/111`), for resource-level policies.
    pub project: Option<String>,
    /// Its bindings.
    pub bindings: Vec<Binding>,
    /// Where it was read (file and JSON path).
    pub source: String,
}

/// A resource tag binding (search-all-resources' `tags`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tag {
    /// Namespaced key `123/env`.
    pub key: String,
    /// `tagKeys/…`.
    pub key_id: Option<String>,
    /// Namespaced value `123/env/prod`.
    pub value: String,
    /// `tagValues/…`.
    pub value_id: Option<String>,
}

/// A resource listed by Cloud Asset Inventory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CloudResource {
    /// Full resource name.
    pub name: String,
    /// Asset type.
    pub asset_type: String,
    /// `projects/111`, when in a project.
    pub project: Option<String>,
    /// Ancestors nearest first (CAI export), or empty.
    pub ancestors: Vec<String>,
    /// The parent's full resource name, when given.
    pub parent: Option<String>,
    /// Its location.
    pub location: Option<String>,
    /// Tags bound to it (directly or effective), when listed.
    pub tags: Vec<Tag>,
    /// Service accounts attached (CAI resource data, e.g. a VM's `serviceAccounts`).
    pub attached_service_accounts: Vec<String>,
}

/// A role.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Role {
    /// `roles/x`, `projects/p/roles/r`, `organizations/1/roles/r`.
    pub name: String,
    /// Its title.
    pub title: String,
    /// `GA`, `BETA`, `DISABLED`, …
    pub stage: String,
    /// True for a deleted custom role.
    pub deleted: bool,
    /// Its permissions.
    pub included_permissions: Vec<String>,
}

/// A deny policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DenyPolicy {
    /// `policies/<attachment>/denypolicies/<id>`.
    pub name: String,
    /// Its display name.
    pub display_name: String,
    /// The attachment point, decoded (`cloudresourcemanager.googleapis.com/projects/proj-a`).
    pub attachment_point: String,
    /// Its rules.
    pub rules: Vec<DenyRule>,
    /// Where it was read.
    pub source: String,
}

/// One deny rule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DenyRule {
    /// Its description.
    pub description: String,
    /// Principals denied (deny syntax).
    pub denied_principals: Vec<String>,
    /// Principals excepted.
    pub exception_principals: Vec<String>,
    /// Permissions denied (FQDN form).
    pub denied_permissions: Vec<String>,
    /// Permissions excepted.
    pub exception_permissions: Vec<String>,
    /// Its condition.
    pub denial_condition: Option<Expr>,
}

/// A service account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceAccount {
    /// Its email.
    pub email: String,
    /// Its numeric unique id.
    pub unique_id: String,
    /// The project id that owns it.
    pub project_id: String,
    /// Its display name.
    pub display_name: String,
    /// True when disabled.
    pub disabled: bool,
}

/// A service account key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceAccountKey {
    /// `projects/p/serviceAccounts/e/keys/k`.
    pub name: String,
    /// The service account's email.
    pub service_account: String,
    /// `USER_MANAGED` or `SYSTEM_MANAGED`.
    pub key_type: String,
    /// When it became valid (RFC 3339).
    pub valid_after_time: Option<String>,
    /// True when disabled.
    pub disabled: bool,
}

/// A group and its direct members.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Group {
    /// Its email.
    pub email: String,
    /// Direct members.
    pub members: Vec<GroupMember>,
}

/// A direct membership.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupMember {
    /// The member's email (`preferredMemberKey.id`).
    pub id: String,
    /// `USER`, `SERVICE_ACCOUNT`, `GROUP`, …
    pub kind: String,
    /// `MEMBER`, `OWNER`, `MANAGER`.
    pub roles: Vec<String>,
}

/// A workforce identity pool.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkforcePool {
    /// `locations/global/workforcePools/pool`.
    pub name: String,
    /// Its display name.
    pub display_name: String,
    /// True when disabled.
    pub disabled: bool,
}

/// A file that could not be read: which, where in it, and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {location}: {message}", file.display())]
pub struct ImportError {
    /// The file.
    pub file: PathBuf,
    /// A line (`line 3`) or JSON path (`$[2].bindings`).
    pub location: String,
    /// What is wrong.
    pub message: String,
}

/// An entry skipped because it is malformed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportIssue {
    /// The file.
    pub file: PathBuf,
    /// The JSON path (or line) of the entry.
    pub location: String,
    /// What is wrong.
    pub message: String,
    /// The resource it concerns, when known.
    pub concerns: Option<String>,
    /// The principals (member strings) whose answers may be incomplete because of it; empty
    /// when they cannot be told, in which case every principal is marked incomplete.
    pub principals: Vec<String>,
}

impl fmt::Display for ImportIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file.display(), self.location, self.message)
    }
}

/// Reads an organization directory (`ENV/gcp/<organization-id>/`).
pub fn load(dir: &Path) -> Result<(GcpEnvironment, Vec<ImportIssue>), ImportError> {
    let mut reader = Reader { issues: Vec::new() };
    let mut env = GcpEnvironment::default();
    let org_file = dir.join("organization.json");
    let org = read_json(&org_file)?.ok_or_else(|| ImportError {
        file: org_file.clone(),
        location: "file".into(),
        message: "missing: the organization is required".into(),
    })?;
    env.organization = reader.organization(&org_file, &org)?;
    if let Some(v) = read_json(&dir.join("folders.json"))? {
        env.folders = reader.array(&dir.join("folders.json"), &v, Reader::folder)?;
    }
    if let Some(v) = read_json(&dir.join("projects.json"))? {
        env.projects = reader.array(&dir.join("projects.json"), &v, Reader::project)?;
    }
    let search = dir.join("iam-policies.json");
    if let Some(v) = read_json(&search)? {
        env.policies = reader.array(&search, &v, Reader::policy)?;
    }
    let export = dir.join("asset-export").join("iam-policy.json");
    for (line, v) in read_ndjson(&export)? {
        let path = format!("line {line}");
        if let Some(p) = reader.entry(&export, &path, &v, Reader::policy) {
            env.policies.push(p);
        }
    }
    let resources = dir.join("resources.json");
    if let Some(v) = read_json(&resources)? {
        env.resources = reader.array(&resources, &v, Reader::resource)?;
        env.tags_collected = true;
    }
    let resource_export = dir.join("asset-export").join("resource.json");
    for (line, v) in read_ndjson(&resource_export)? {
        let path = format!("line {line}");
        if let Some(r) = reader.entry(&resource_export, &path, &v, Reader::resource) {
            env.resources.push(r);
        }
    }
    let roles = dir.join("roles.json");
    if let Some(v) = read_json(&roles)? {
        env.roles = reader.array(&roles, &v, Reader::role)?;
    }
    for file in json_files(&dir.join("roles"))? {
        if let Some(v) = read_json(&file)?
            && let Some(role) = reader.entry(&file, "$", &v, Reader::role)
        {
            env.roles.push(role);
        }
    }
    for file in json_files(&dir.join("deny-policies"))? {
        let fallback = file.file_stem().map(|s| percent_decode(&s.to_string_lossy())).unwrap_or_default();
        if let Some(v) = read_json(&file)? {
            let list = reader.array(&file, &v, Reader::deny_policy)?;
            env.deny_policies.extend(list.into_iter().map(|mut p| {
                if p.attachment_point.is_empty() {
                    p.attachment_point = fallback.clone();
                }
                p
            }));
        }
    }
    for file in json_files(&dir.join("service-accounts"))? {
        if let Some(v) = read_json(&file)? {
            env.service_accounts.extend(reader.array(&file, &v, Reader::service_account)?);
        }
    }
    for file in json_files(&dir.join("service-account-keys"))? {
        let email = file.file_stem().map(|s| percent_decode(&s.to_string_lossy())).unwrap_or_default();
        if let Some(v) = read_json(&file)? {
            let before = reader.issues.len();
            let keys = reader.array(&file, &v, |r, f, p, v| r.key(f, p, v, &email))?;
            reader.concern(before, &format!("serviceAccount:{}", email.to_ascii_lowercase()));
            env.service_account_keys.extend(keys);
        }
    }
    for file in json_files(&dir.join("groups"))? {
        let email = file.file_stem().map(|s| percent_decode(&s.to_string_lossy())).unwrap_or_default();
        if let Some(v) = read_json(&file)? {
            let before = reader.issues.len();
            let members = reader.array(&file, &v, Reader::membership)?;
            reader.concern(before, &format!("group:{}", email.to_ascii_lowercase()));
            env.groups.push(Group { email: email.to_ascii_lowercase(), members });
        }
    }
    let pools = dir.join("workforce-pools.json");
    if let Some(v) = read_json(&pools)? {
        env.workforce_pools = reader.array(&pools, &v, Reader::workforce_pool)?;
    }
    for issue in &reader.issues {
        match issue.principals.is_empty() {
            true => env.incomplete_everyone = true,
            false => env.incomplete_principals.extend(issue.principals.iter().cloned()),
        }
    }
    Ok((env, reader.issues))
}

/// `%2F` and friends decoded (file names hold URL-encoded names).
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).and_then(|b| hex(*b)), bytes.get(i + 2).and_then(|b| hex(*b))) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn io_error(file: &Path, e: &std::io::Error) -> ImportError {
    ImportError { file: file.to_owned(), location: "file".into(), message: e.to_string() }
}

/// The file's JSON, or None when absent (not collected).
fn read_json(file: &Path) -> Result<Option<Value>, ImportError> {
    let text = match fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(file, &e)),
    };
    serde_json::from_str(&text).map(Some).map_err(|e| ImportError {
        file: file.to_owned(),
        location: format!("line {}, column {}", e.line(), e.column()),
        message: format!("not JSON: {e}"),
    })
}

/// Newline-delimited JSON, with line numbers (empty when absent).
fn read_ndjson(file: &Path) -> Result<Vec<(usize, Value)>, ImportError> {
    let text = match fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error(file, &e)),
    };
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v = serde_json::from_str(line).map_err(|e| ImportError {
            file: file.to_owned(),
            location: format!("line {}, column {}", n + 1, e.column()),
            message: format!("not JSON: {e}"),
        })?;
        out.push((n + 1, v));
    }
    Ok(out)
}

/// The `.json` files of a directory, sorted (empty when the directory is absent).
fn json_files(dir: &Path) -> Result<Vec<PathBuf>, ImportError> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error(dir, &e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| io_error(dir, &e))?.path();
        if path.extension().is_some_and(|x| x == "json") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// A malformed entry: what is wrong, and what it concerns.
struct Bad {
    path: String,
    message: String,
    concerns: Option<String>,
    principals: Vec<String>,
}

fn bad(path: &str, message: impl Into<String>) -> Bad {
    Bad { path: path.to_owned(), message: message.into(), concerns: None, principals: Vec::new() }
}

/// The first of `keys` present (camelCase or snake_case spellings).
fn field<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|k| v.get(*k).filter(|x| !x.is_null()))
}

fn opt_str(v: &Value, keys: &[&str], path: &str) -> Result<Option<String>, Bad> {
    match field(v, keys) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(bad(&format!("{path}.{}", keys[0]), "expected a string")),
    }
}

fn req_str(v: &Value, keys: &[&str], path: &str) -> Result<String, Bad> {
    opt_str(v, keys, path)?.ok_or_else(|| bad(&format!("{path}.{}", keys[0]), "missing"))
}

fn str_list(v: &Value, keys: &[&str], path: &str) -> Result<Vec<String>, Bad> {
    match field(v, keys) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, x)| {
                x.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| bad(&format!("{path}.{}[{i}]", keys[0]), "expected a string"))
            })
            .collect(),
        Some(_) => Err(bad(&format!("{path}.{}", keys[0]), "expected an array")),
    }
}

fn opt_bool(v: &Value, keys: &[&str], path: &str) -> Result<bool, Bad> {
    match field(v, keys) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(bad(&format!("{path}.{}", keys[0]), "expected true or false")),
    }
}

fn expr(v: Option<&Value>, path: &str) -> Result<Option<Expr>, Bad> {
    let Some(v) = v else { return Ok(None) };
    if !v.is_object() {
        return Err(bad(path, "expected an object"));
    }
    Ok(Some(Expr {
        title: opt_str(v, &["title"], path)?.unwrap_or_default(),
        description: opt_str(v, &["description"], path)?.unwrap_or_default(),
        expression: req_str(v, &["expression"], path)?,
    }))
}

struct Reader {
    issues: Vec<ImportIssue>,
}

type EntryFn<T> = fn(&mut Reader, &Path, &str, &Value) -> Result<T, Bad>;

impl Reader {
    /// The entries of a top-level array; each malformed one is an issue.
    fn array<T>(
        &mut self,
        file: &Path,
        v: &Value,
        read: impl Fn(&mut Reader, &Path, &str, &Value) -> Result<T, Bad>,
    ) -> Result<Vec<T>, ImportError> {
        let Some(items) = v.as_array() else {
            return Err(ImportError {
                file: file.to_owned(),
                location: "$".into(),
                message: "expected a JSON array".into(),
            });
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let path = format!("$[{i}]");
            match read(self, file, &path, item) {
                Ok(x) => out.push(x),
                Err(b) => self.issue(file, b),
            }
        }
        Ok(out)
    }

    fn entry<T>(&mut self, file: &Path, path: &str, v: &Value, read: EntryFn<T>) -> Option<T> {
        match read(self, file, path, v) {
            Ok(x) => Some(x),
            Err(b) => {
                self.issue(file, b);
                None
            }
        }
    }

    /// Issues recorded since `from` concern `principal`.
    fn concern(&mut self, from: usize, principal: &str) {
        for issue in self.issues.iter_mut().skip(from) {
            issue.principals = vec![principal.to_owned()];
        }
    }

    fn issue(&mut self, file: &Path, b: Bad) {
        self.issues.push(ImportIssue {
            file: file.to_owned(),
            location: b.path,
            message: b.message,
            concerns: b.concerns,
            principals: b.principals,
        });
    }

    fn organization(&mut self, file: &Path, v: &Value) -> Result<Organization, ImportError> {
        let fail = |b: Bad| ImportError { file: file.to_owned(), location: b.path, message: b.message };
        let name = req_str(v, &["name"], "$").map_err(fail)?;
        if !name.starts_with("organizations/") {
            return Err(ImportError {
                file: file.to_owned(),
                location: "$.name".into(),
                message: format!("`{name}` is not organizations/<number>"),
            });
        }
        let customer = match v.get("owner") {
            Some(owner) => {
                opt_str(owner, &["directoryCustomerId", "directory_customer_id"], "$.owner").map_err(fail)?
            }
            None => None,
        };
        Ok(Organization {
            name,
            display_name: opt_str(v, &["displayName", "display_name"], "$").map_err(fail)?.unwrap_or_default(),
            directory_customer_id: customer,
        })
    }

    fn folder(&mut self, _: &Path, path: &str, v: &Value) -> Result<Folder, Bad> {
        let name = req_str(v, &["name"], path)?;
        if !name.starts_with("folders/") {
            return Err(bad(&format!("{path}.name"), format!("`{name}` is not folders/<number>")));
        }
        Ok(Folder {
            display_name: opt_str(v, &["displayName", "display_name"], path)?.unwrap_or_default(),
            parent: req_str(v, &["parent"], path)?,
            name,
        })
    }

    /// `gcloud projects list` (v1: `parent: {type, id}`) or the v3 shape (`parent: "folders/1"`).
    fn project(&mut self, _: &Path, path: &str, v: &Value) -> Result<Project, Bad> {
        let parent = match v.get("parent") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(p @ Value::Object(_)) => {
                let kind = req_str(p, &["type"], &format!("{path}.parent"))?;
                let id = req_str(p, &["id"], &format!("{path}.parent"))?;
                Some(format!("{kind}s/{id}"))
            }
            Some(_) => return Err(bad(&format!("{path}.parent"), "expected an object or a string")),
        };
        let number = match opt_str(v, &["projectNumber", "project_number"], path)? {
            Some(n) => n,
            None => req_str(v, &["name"], path)?.trim_start_matches("projects/").to_owned(),
        };
        let display = opt_str(v, &["displayName", "display_name"], path)?;
        let display = match display {
            Some(d) => d,
            None => opt_str(v, &["name"], path)?.unwrap_or_default(),
        };
        Ok(Project {
            project_id: req_str(v, &["projectId", "project_id"], path)?,
            project_number: number,
            display_name: display,
            parent,
        })
    }

    /// An `IamPolicySearchResult` (camelCase) or a CAI `Asset` (snake_case or camelCase).
    fn policy(&mut self, file: &Path, path: &str, v: &Value) -> Result<ResourcePolicy, Bad> {
        let resource = req_str(v, &["resource", "name"], path)?;
        let policy = field(v, &["policy", "iamPolicy", "iam_policy"])
            .ok_or_else(|| bad(path, "no policy (expected `policy`, `iamPolicy` or `iam_policy`)"))?;
        let mut bindings = Vec::new();
        let bpath = format!("{path}.policy.bindings");
        match policy.get("bindings") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for (i, b) in items.iter().enumerate() {
                    let p = format!("{bpath}[{i}]");
                    let read = || -> Result<Binding, Bad> {
                        Ok(Binding {
                            role: req_str(b, &["role"], &p)?,
                            members: str_list(b, &["members"], &p)?,
                            condition: expr(b.get("condition").filter(|c| !c.is_null()), &format!("{p}.condition"))?,
                        })
                    };
                    match read() {
                        Ok(b) => bindings.push(b),
                        Err(mut e) => {
                            e.concerns = Some(resource.clone());
                            // The members, when they can be read, are the principals concerned.
                            e.principals = str_list(b, &["members"], &p).unwrap_or_default();
                            self.issue(file, e);
                        }
                    }
                }
            }
            Some(_) => return Err(bad(&bpath, "expected an array")),
        }
        Ok(ResourcePolicy {
            asset_type: opt_str(v, &["assetType", "asset_type"], path)?.unwrap_or_default(),
            ancestors: str_list(v, &["ancestors"], path)?,
            project: opt_str(v, &["project"], path)?.filter(|p| !p.is_empty()),
            bindings,
            source: format!("{}#{path}", file.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()),
            resource,
        })
    }

    /// A `ResourceSearchResult` or a CAI RESOURCE `Asset`.
    fn resource(&mut self, _: &Path, path: &str, v: &Value) -> Result<CloudResource, Bad> {
        let mut tags = Vec::new();
        let tag = |t: &Value, p: &str| -> Result<Tag, Bad> {
            Ok(Tag {
                key: opt_str(t, &["tagKey", "tag_key"], p)?.unwrap_or_default(),
                key_id: opt_str(t, &["tagKeyId", "tag_key_id"], p)?,
                value: opt_str(t, &["tagValue", "tag_value"], p)?.unwrap_or_default(),
                value_id: opt_str(t, &["tagValueId", "tag_value_id"], p)?,
            })
        };
        if let Some(Value::Array(list)) = field(v, &["tags"]) {
            for (i, t) in list.iter().enumerate() {
                tags.push(tag(t, &format!("{path}.tags[{i}]"))?);
            }
        }
        if let Some(Value::Array(list)) = field(v, &["effectiveTags", "effective_tags"]) {
            for (i, group) in list.iter().enumerate() {
                let p = format!("{path}.effectiveTags[{i}]");
                if let Some(Value::Array(inner)) = field(group, &["effectiveTags", "effective_tags"]) {
                    for (j, t) in inner.iter().enumerate() {
                        let t = tag(t, &format!("{p}.effectiveTags[{j}]"))?;
                        if !tags.contains(&t) {
                            tags.push(t);
                        }
                    }
                }
            }
        }
        let data = v.get("resource");
        let mut attached = Vec::new();
        if let Some(Value::Array(sas)) = data.and_then(|r| r.get("data")).and_then(|d| d.get("serviceAccounts")) {
            attached.extend(sas.iter().filter_map(|s| s.get("email").and_then(Value::as_str)).map(str::to_owned));
        }
        let parent = match opt_str(v, &["parentFullResourceName", "parent_full_resource_name"], path)? {
            Some(p) => Some(p),
            None => data.and_then(|r| r.get("parent")).and_then(Value::as_str).map(str::to_owned),
        };
        Ok(CloudResource {
            name: req_str(v, &["name"], path)?,
            asset_type: req_str(v, &["assetType", "asset_type"], path)?,
            project: opt_str(v, &["project"], path)?.filter(|p| !p.is_empty()),
            ancestors: str_list(v, &["ancestors"], path)?,
            parent,
            location: opt_str(v, &["location"], path)?,
            tags,
            attached_service_accounts: attached,
        })
    }

    fn role(&mut self, _: &Path, path: &str, v: &Value) -> Result<Role, Bad> {
        Ok(Role {
            name: req_str(v, &["name"], path)?,
            title: opt_str(v, &["title"], path)?.unwrap_or_default(),
            stage: opt_str(v, &["stage"], path)?.unwrap_or_else(|| "GA".into()),
            deleted: opt_bool(v, &["deleted"], path)?,
            included_permissions: str_list(v, &["includedPermissions", "included_permissions"], path)?,
        })
    }

    fn deny_policy(&mut self, file: &Path, path: &str, v: &Value) -> Result<DenyPolicy, Bad> {
        let name = req_str(v, &["name"], path)?;
        // policies/<url-encoded attachment point>/denypolicies/<id>
        // https://cloud.google.com/iam/docs/deny-access#create-deny-policy
        let attachment = name
            .strip_prefix("policies/")
            .and_then(|rest| rest.split_once("/denypolicies/"))
            .map(|(a, _)| percent_decode(a))
            .unwrap_or_default();
        let mut rules = Vec::new();
        if let Some(list) = v.get("rules") {
            let Some(list) = list.as_array() else { return Err(bad(&format!("{path}.rules"), "expected an array")) };
            for (i, r) in list.iter().enumerate() {
                let p = format!("{path}.rules[{i}].denyRule");
                let read = || -> Result<DenyRule, Bad> {
                    let d = field(r, &["denyRule", "deny_rule"]).ok_or_else(|| bad(&p, "missing"))?;
                    Ok(DenyRule {
                        description: opt_str(r, &["description"], &p)?.unwrap_or_default(),
                        denied_principals: str_list(d, &["deniedPrincipals", "denied_principals"], &p)?,
                        exception_principals: str_list(d, &["exceptionPrincipals", "exception_principals"], &p)?,
                        denied_permissions: str_list(d, &["deniedPermissions", "denied_permissions"], &p)?,
                        exception_permissions: str_list(d, &["exceptionPermissions", "exception_permissions"], &p)?,
                        denial_condition: expr(
                            field(d, &["denialCondition", "denial_condition"]),
                            &format!("{p}.denialCondition"),
                        )?,
                    })
                };
                match read() {
                    // A deny rule that cannot be read could deny anything: the policy is
                    // refused whole rather than applied partly.
                    Ok(rule) => rules.push(rule),
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(DenyPolicy {
            display_name: opt_str(v, &["displayName", "display_name"], path)?.unwrap_or_default(),
            attachment_point: attachment,
            rules,
            source: format!("{}#{path}", file.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()),
            name,
        })
    }

    fn service_account(&mut self, _: &Path, path: &str, v: &Value) -> Result<ServiceAccount, Bad> {
        let email = req_str(v, &["email"], path)?;
        let project = match opt_str(v, &["projectId", "project_id"], path)? {
            Some(p) => p,
            None => email.split('@').nth(1).and_then(|d| d.split('.').next()).unwrap_or_default().to_owned(),
        };
        Ok(ServiceAccount {
            unique_id: opt_str(v, &["uniqueId", "unique_id"], path)?.unwrap_or_default(),
            project_id: project,
            display_name: opt_str(v, &["displayName", "display_name"], path)?.unwrap_or_default(),
            disabled: opt_bool(v, &["disabled"], path)?,
            email: email.to_ascii_lowercase(),
        })
    }

    fn key(&mut self, _: &Path, path: &str, v: &Value, email: &str) -> Result<ServiceAccountKey, Bad> {
        let name = req_str(v, &["name"], path)?;
        // projects/P/serviceAccounts/EMAIL/keys/ID
        let owner = name.split("/serviceAccounts/").nth(1).and_then(|r| r.split('/').next()).unwrap_or(email);
        Ok(ServiceAccountKey {
            service_account: owner.to_ascii_lowercase(),
            key_type: opt_str(v, &["keyType", "key_type"], path)?.unwrap_or_else(|| "USER_MANAGED".into()),
            valid_after_time: opt_str(v, &["validAfterTime", "valid_after_time"], path)?,
            disabled: opt_bool(v, &["disabled"], path)?,
            name,
        })
    }

    fn membership(&mut self, _: &Path, path: &str, v: &Value) -> Result<GroupMember, Bad> {
        let key = field(v, &["preferredMemberKey", "preferred_member_key"])
            .ok_or_else(|| bad(&format!("{path}.preferredMemberKey"), "missing"))?;
        let mut roles = Vec::new();
        if let Some(Value::Array(list)) = v.get("roles") {
            for (i, r) in list.iter().enumerate() {
                roles.push(req_str(r, &["name"], &format!("{path}.roles[{i}]"))?);
            }
        }
        Ok(GroupMember {
            id: req_str(key, &["id"], &format!("{path}.preferredMemberKey"))?.to_ascii_lowercase(),
            kind: opt_str(v, &["type"], path)?.unwrap_or_else(|| "USER".into()),
            roles,
        })
    }

    fn workforce_pool(&mut self, _: &Path, path: &str, v: &Value) -> Result<WorkforcePool, Bad> {
        Ok(WorkforcePool {
            name: req_str(v, &["name"], path)?,
            display_name: opt_str(v, &["displayName", "display_name"], path)?.unwrap_or_default(),
            disabled: opt_bool(v, &["disabled"], path)?,
        })
    }
}
