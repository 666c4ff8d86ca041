//! An account's files: `authorization-details.json`, `credential-report.csv` and the resource
//! policies, each in the shape and formatting of the AWS CLI command that produces it.
//!
//! Member order follows the service models (as botocore parses and the CLI prints them); a
//! list AWS omits when empty (`UserPolicyList`) is omitted, the others are written empty.
//! AWS-managed policies in `Policies` carry their default version only: AWS exports every
//! version, which adds nothing an analysis of the current state needs.

use std::io::{self, Write};

use serde_json::{Map, Value, json};

use crate::aws_org::{
    managed::CATALOG,
    model::{AccessKey, AccountPlan, Inline, PolicyRef, Resource, ResourceKind, Role, Trust, Trusted},
    out::{ListsWriter, Out, compact, file_name, iso, jackson},
    rng::fnv,
};

/// Writes everything of one collected account.
pub(super) fn account(out: &mut Out, plan: &AccountPlan) -> io::Result<()> {
    authorization_details(out, plan)?;
    credential_report(out, plan)?;
    resources(out, plan)
}

fn attached(plan: &AccountPlan, refs: &[PolicyRef]) -> Value {
    Value::Array(
        refs.iter()
            .map(|policy| {
                let (name, arn) = policy_name_arn(plan, *policy);
                json!({"PolicyName": name, "PolicyArn": arn})
            })
            .collect(),
    )
}

fn policy_name_arn(plan: &AccountPlan, policy: PolicyRef) -> (String, String) {
    match policy {
        PolicyRef::Aws(idx) => {
            let p = &CATALOG[idx as usize];
            (p.name.to_owned(), p.arn())
        }
        PolicyRef::Customer(idx) => {
            let p = &plan.policies[idx as usize];
            (p.name.clone(), format!("arn:aws:iam::{}:policy{}{}", plan.id, p.path, p.name))
        }
    }
}

fn document(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

fn inline_list(list: &[Inline]) -> Value {
    Value::Array(list.iter().map(|i| json!({"PolicyName": i.name, "PolicyDocument": document(&i.doc)})).collect())
}

fn tags(tags: &[(String, String)]) -> Value {
    Value::Array(tags.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect())
}

fn boundary(plan: &AccountPlan, boundary: Option<crate::aws_org::model::Boundary>, entity: &mut Map<String, Value>) {
    if let Some(boundary) = boundary {
        let (_, arn) = policy_name_arn(plan, boundary.policy);
        entity.insert(
            "PermissionsBoundary".into(),
            json!({"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn}),
        );
    }
}

/// A role's trust policy, as IAM stores it.
pub(super) fn trust_document(trust: &Trust, role_id: &str) -> Value {
    let mut statements = Vec::new();
    let services: Vec<&str> =
        trust.trusted.iter().filter_map(|t| if let Trusted::Service(s) = t { Some(*s) } else { None }).collect();
    if !services.is_empty() {
        let principal = if services.len() == 1 { json!(services[0]) } else { json!(services) };
        statements.push(json!({"Effect": "Allow", "Principal": {"Service": principal}, "Action": "sts:AssumeRole"}));
    }
    let aws: Vec<String> = trust
        .trusted
        .iter()
        .filter_map(|t| match t {
            Trusted::Account(account) => Some(format!("arn:aws:iam::{account}:root")),
            Trusted::Principal(arn) => Some(arn.clone()),
            Trusted::Deleted(id) => Some(id.clone()),
            Trusted::Anyone => Some("*".into()),
            _ => None,
        })
        .collect();
    if !aws.is_empty() {
        let principal = if aws.len() == 1 { json!(aws[0]) } else { json!(aws) };
        let action =
            if trust.tag_session { json!(["sts:AssumeRole", "sts:TagSession"]) } else { json!("sts:AssumeRole") };
        let mut statement = json!({"Effect": "Allow", "Principal": {"AWS": principal}, "Action": action});
        let mut condition = Map::new();
        let mut equals = Map::new();
        if let Some(external) = &trust.external_id {
            equals.insert("sts:ExternalId".into(), json!(external));
        }
        if let Some(org) = &trust.org_id {
            equals.insert("aws:PrincipalOrgID".into(), json!(org));
        }
        if !equals.is_empty() {
            condition.insert("StringEquals".into(), Value::Object(equals));
        }
        if trust.mfa {
            condition.insert("Bool".into(), json!({"aws:MultiFactorAuthPresent": "true"}));
        }
        if !condition.is_empty()
            && let Some(map) = statement.as_object_mut()
        {
            map.insert("Condition".into(), Value::Object(condition));
        }
        statements.push(statement);
    }
    for trusted in &trust.trusted {
        match trusted {
            Trusted::Saml(provider) => statements.push(json!({
                "Effect": "Allow",
                "Principal": {"Federated": provider},
                "Action": "sts:AssumeRoleWithSAML",
                "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
            })),
            Trusted::Sso(provider) => statements.push(json!({
                "Effect": "Allow",
                "Principal": {"Federated": provider},
                "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
                "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
            })),
            Trusted::Oidc { provider, host, sub } => {
                let mut condition = Map::new();
                let aud = json!({format!("{host}:aud"): "sts.amazonaws.com"});
                match sub {
                    Some(sub) if sub.contains('*') => {
                        condition.insert("StringEquals".into(), aud);
                        condition.insert("StringLike".into(), json!({format!("{host}:sub"): sub}));
                    }
                    Some(sub) => {
                        condition.insert(
                            "StringEquals".into(),
                            json!({format!("{host}:aud"): "sts.amazonaws.com", format!("{host}:sub"): sub}),
                        );
                    }
                    None => {
                        condition.insert("StringEquals".into(), aud);
                    }
                }
                statements.push(json!({
                    "Effect": "Allow",
                    "Principal": {"Federated": provider},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": Value::Object(condition),
                }));
            }
            _ => {}
        }
    }
    // Older trust policies written in the console carry an empty `Sid`.
    if statements.len() == 1
        && fnv(role_id).is_multiple_of(5)
        && let Some(Value::Object(map)) = statements.first_mut()
    {
        let mut with_sid = Map::new();
        with_sid.insert("Sid".into(), json!(""));
        with_sid.extend(std::mem::take(map));
        *map = with_sid;
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn role_entry(plan: &AccountPlan, role: &Role) -> Value {
    let arn = role.arn(&plan.id);
    let trust = trust_document(&role.trust, &role.id);
    let mut entity = Map::new();
    entity.insert("Path".into(), json!(role.path));
    entity.insert("RoleName".into(), json!(role.name));
    entity.insert("RoleId".into(), json!(role.id));
    entity.insert("Arn".into(), json!(arn));
    entity.insert("CreateDate".into(), json!(iso(role.created)));
    entity.insert("AssumeRolePolicyDocument".into(), trust.clone());
    let profiles: Vec<Value> = role
        .instance_profile
        .iter()
        .map(|profile| {
            json!({
                "Path": "/",
                "InstanceProfileName": profile.name,
                "InstanceProfileId": profile.id,
                "Arn": format!("arn:aws:iam::{}:instance-profile/{}", plan.id, profile.name),
                "CreateDate": iso(profile.created),
                "Roles": [{
                    "Path": role.path,
                    "RoleName": role.name,
                    "RoleId": role.id,
                    "Arn": arn,
                    "CreateDate": iso(role.created),
                    "AssumeRolePolicyDocument": trust,
                }],
            })
        })
        .collect();
    entity.insert("InstanceProfileList".into(), Value::Array(profiles));
    entity.insert("RolePolicyList".into(), inline_list(&role.inline));
    entity.insert("AttachedManagedPolicies".into(), attached(plan, &role.attached));
    boundary(plan, role.boundary, &mut entity);
    entity.insert("Tags".into(), tags(&role.tags));
    let last_used = match role.last_used {
        Some((time, region)) if time >= role.created => json!({"LastUsedDate": iso(time), "Region": region}),
        _ => json!({}),
    };
    entity.insert("RoleLastUsed".into(), last_used);
    Value::Object(entity)
}

fn authorization_details(out: &mut Out, plan: &AccountPlan) -> io::Result<()> {
    let file = out.create(&format!("accounts/{}/authorization-details.json", plan.id))?;
    let mut lists = ListsWriter::new(file)?;

    lists.begin_list("UserDetailList")?;
    for user in &plan.users {
        let mut entity = Map::new();
        entity.insert("Path".into(), json!(user.path));
        entity.insert("UserName".into(), json!(user.name));
        entity.insert("UserId".into(), json!(user.id));
        entity.insert("Arn".into(), json!(format!("arn:aws:iam::{}:user{}{}", plan.id, user.path, user.name)));
        entity.insert("CreateDate".into(), json!(iso(user.created)));
        if !user.inline.is_empty() {
            entity.insert("UserPolicyList".into(), inline_list(&user.inline));
        }
        let groups: Vec<&str> = user.groups.iter().map(|g| plan.groups[*g as usize].name.as_str()).collect();
        entity.insert("GroupList".into(), json!(groups));
        entity.insert("AttachedManagedPolicies".into(), attached(plan, &user.attached));
        boundary(plan, user.boundary, &mut entity);
        entity.insert("Tags".into(), tags(&user.tags));
        lists.item(&Value::Object(entity))?;
    }
    lists.end_list()?;

    lists.begin_list("GroupDetailList")?;
    for group in &plan.groups {
        lists.item(&json!({
            "Path": group.path,
            "GroupName": group.name,
            "GroupId": group.id,
            "Arn": format!("arn:aws:iam::{}:group{}{}", plan.id, group.path, group.name),
            "CreateDate": iso(group.created),
            "GroupPolicyList": inline_list(&group.inline),
            "AttachedManagedPolicies": attached(plan, &group.attached),
        }))?;
    }
    lists.end_list()?;

    lists.begin_list("RoleDetailList")?;
    for role in &plan.roles {
        lists.item(&role_entry(plan, role))?;
    }
    lists.end_list()?;

    lists.begin_list("Policies")?;
    for policy in &plan.policies {
        let mut entity = Map::new();
        entity.insert("PolicyName".into(), json!(policy.name));
        entity.insert("PolicyId".into(), json!(policy.id));
        entity.insert("Arn".into(), json!(format!("arn:aws:iam::{}:policy{}{}", plan.id, policy.path, policy.name)));
        entity.insert("Path".into(), json!(policy.path));
        let default = &policy.versions[policy.default];
        entity.insert("DefaultVersionId".into(), json!(format!("v{}", default.number)));
        entity.insert("AttachmentCount".into(), json!(policy.attachments));
        entity.insert("PermissionsBoundaryUsageCount".into(), json!(policy.boundary_uses));
        entity.insert("IsAttachable".into(), json!(true));
        if let Some(description) = &policy.description {
            entity.insert("Description".into(), json!(description));
        }
        entity.insert("CreateDate".into(), json!(iso(policy.created)));
        let updated = policy.versions.iter().map(|v| v.created).max().unwrap_or(policy.created);
        entity.insert("UpdateDate".into(), json!(iso(updated)));
        let versions: Vec<Value> = policy
            .versions
            .iter()
            .enumerate()
            .map(|(idx, version)| {
                json!({
                    "Document": document(&version.doc),
                    "VersionId": format!("v{}", version.number),
                    "IsDefaultVersion": idx == policy.default,
                    "CreateDate": iso(version.created),
                })
            })
            .collect();
        entity.insert("PolicyVersionList".into(), Value::Array(versions));
        lists.item(&Value::Object(entity))?;
    }
    // The AWS-managed policies in use in the account.
    let mut used = vec![(0u32, 0u32); CATALOG.len()];
    let mut count = |refs: &[PolicyRef], boundary: Option<crate::aws_org::model::Boundary>| {
        for policy in refs {
            if let PolicyRef::Aws(idx) = policy {
                used[*idx as usize].0 += 1;
            }
        }
        if let Some(crate::aws_org::model::Boundary { policy: PolicyRef::Aws(idx), .. }) = boundary {
            used[idx as usize].1 += 1;
        }
    };
    for user in &plan.users {
        count(&user.attached, user.boundary);
    }
    for group in &plan.groups {
        count(&group.attached, None);
    }
    for role in &plan.roles {
        count(&role.attached, role.boundary);
    }
    for (policy, (attachments, boundary_uses)) in CATALOG.iter().zip(used) {
        if attachments == 0 && boundary_uses == 0 {
            continue;
        }
        lists.item(&json!({
            "PolicyName": policy.name,
            "PolicyId": policy.id(),
            "Arn": policy.arn(),
            "Path": policy.path,
            "DefaultVersionId": policy.version,
            "AttachmentCount": attachments,
            "PermissionsBoundaryUsageCount": boundary_uses,
            "IsAttachable": true,
            "CreateDate": policy.created,
            "UpdateDate": policy.updated,
            "PolicyVersionList": [{
                "Document": policy.document(),
                "VersionId": policy.version,
                "IsDefaultVersion": true,
                "CreateDate": policy.updated,
            }],
        }))?;
    }
    lists.end_list()?;
    let file = lists.finish()?;
    out.finish(file)
}

/// The credential report, as `aws iam get-credential-report` returns it once its `Content` is
/// base64-decoded.
fn credential_report(out: &mut Out, plan: &AccountPlan) -> io::Result<()> {
    const HEADER: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";
    fn keys(row: &mut String, keys: &[AccessKey]) {
        for slot in 0..2 {
            match keys.get(slot) {
                Some(key) => {
                    row.push_str(&format!(",{},{}", key.active, iso(key.rotated)));
                    match key.last_used {
                        Some((time, region, service)) => row.push_str(&format!(",{},{region},{service}", iso(time))),
                        None => row.push_str(",N/A,N/A,N/A"),
                    }
                }
                None => row.push_str(",false,N/A,N/A,N/A,N/A"),
            }
        }
        row.push_str(",false,N/A,false,N/A");
    }
    let mut file = out.create(&format!("accounts/{}/credential-report.csv", plan.id))?;
    let mut text = String::with_capacity(256 * (plan.users.len() + 2));
    text.push_str(HEADER);
    text.push('\n');
    let root = &plan.root;
    text.push_str(&format!(
        "<root_account>,arn:aws:iam::{}:root,{},not_supported,{},not_supported,not_supported,{}",
        plan.id,
        iso(root.created),
        root.password_last_used.map_or("no_information".to_owned(), iso),
        root.mfa
    ));
    keys(&mut text, &root.keys);
    text.push('\n');
    for user in &plan.users {
        text.push_str(&format!(
            "{},arn:aws:iam::{}:user{}{},{}",
            user.name,
            plan.id,
            user.path,
            user.name,
            iso(user.created)
        ));
        match user.creds.password {
            Some((changed, used)) => {
                text.push_str(&format!(",true,{},{},N/A", used.map_or("no_information".to_owned(), iso), iso(changed)))
            }
            None => text.push_str(",false,N/A,N/A,N/A"),
        }
        text.push_str(&format!(",{}", user.creds.mfa));
        keys(&mut text, &user.creds.keys);
        text.push('\n');
        if text.len() > 1 << 16 {
            file.write_all(text.as_bytes())?;
            text.clear();
        }
    }
    file.write_all(text.as_bytes())?;
    out.finish(file)
}

fn bpa(flags: [bool; 4]) -> Value {
    json!({"PublicAccessBlockConfiguration": {
        "BlockPublicAcls": flags[0],
        "IgnorePublicAcls": flags[1],
        "BlockPublicPolicy": flags[2],
        "RestrictPublicBuckets": flags[3],
    }})
}

fn resources(out: &mut Out, plan: &AccountPlan) -> io::Result<()> {
    let dir = format!("accounts/{}", plan.id);
    if let Some(flags) = plan.public_access_block {
        out.json(&format!("{dir}/s3/account-public-access-block.json"), &bpa(flags))?;
    }
    for resource in &plan.resources {
        match resource.kind {
            ResourceKind::Bucket => bucket(out, plan, &dir, resource)?,
            ResourceKind::Key => key(out, plan, &dir, resource)?,
            ResourceKind::Queue => {
                let mut attributes = Map::new();
                if let Some(policy) = &resource.policy {
                    attributes.insert("Policy".into(), json!(compact(policy)));
                }
                attributes.insert("QueueArn".into(), json!(resource.arn));
                out.json(
                    &format!("{dir}/{}/sqs/{}.json", resource.region, file_name(&resource.name)),
                    &json!({"Attributes": attributes}),
                )?;
            }
            ResourceKind::Topic => {
                let mut attributes: Vec<(&str, String)> = vec![
                    ("DisplayName", resource.extra.description.clone()),
                    ("EffectiveDeliveryPolicy", r#"{"http":{"defaultHealthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,"numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,"numMinDelayRetries":0,"backoffFunction":"linear"},"disableSubscriptionOverrides":false,"defaultRequestPolicy":{"headerContentType":"text/plain; charset=UTF-8"}}}"#.to_owned()),
                    ("Owner", plan.id.clone()),
                    ("SubscriptionsConfirmed", (fnv(&resource.name) % 7).to_string()),
                    ("SubscriptionsDeleted", "0".into()),
                    ("SubscriptionsPending", "0".into()),
                    ("TopicArn", resource.arn.clone()),
                ];
                if let Some(policy) = &resource.policy {
                    attributes.push(("Policy", compact(policy)));
                }
                if let Some(key) = &resource.extra.kms_key {
                    attributes.push(("KmsMasterKeyId", key.clone()));
                }
                attributes.sort_by(|a, b| a.0.cmp(b.0));
                let map: Map<String, Value> = attributes.into_iter().map(|(k, v)| (k.to_owned(), json!(v))).collect();
                out.json(
                    &format!("{dir}/{}/sns/{}.json", resource.region, file_name(&resource.name)),
                    &json!({"Attributes": map}),
                )?;
            }
            ResourceKind::Function => {
                let Some(policy) = &resource.policy else { continue };
                out.json(
                    &format!("{dir}/{}/lambda/{}.json", resource.region, file_name(&resource.name)),
                    &json!({"Policy": compact(policy), "RevisionId": resource.extra.revision}),
                )?;
            }
            ResourceKind::Secret => {
                let mut output = Map::new();
                output.insert("ARN".into(), json!(resource.arn));
                output.insert("Name".into(), json!(resource.name));
                if let Some(policy) = &resource.policy {
                    output.insert("ResourcePolicy".into(), json!(jackson(policy)));
                }
                out.json(
                    &format!("{dir}/{}/secretsmanager/{}.json", resource.region, file_name(&resource.name)),
                    &Value::Object(output),
                )?;
            }
        }
    }
    Ok(())
}

fn bucket(out: &mut Out, plan: &AccountPlan, dir: &str, resource: &Resource) -> io::Result<()> {
    let base = format!("{dir}/s3/{}", file_name(&resource.name));
    if let Some(policy) = &resource.policy {
        out.json(&format!("{base}/policy.json"), &json!({"Policy": compact(policy)}))?;
    }
    if let Some(flags) = resource.extra.bpa {
        out.json(&format!("{base}/public-access-block.json"), &bpa(flags))?;
    }
    let mut grants =
        vec![json!({"Grantee": {"ID": plan.canonical_id, "Type": "CanonicalUser"}, "Permission": "FULL_CONTROL"})];
    if resource.extra.log_delivery_acl {
        for permission in ["WRITE", "READ_ACP"] {
            grants.push(json!({"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/s3/LogDelivery"}, "Permission": permission}));
        }
    }
    if resource.extra.public_acl {
        grants.push(json!({"Grantee": {"Type": "Group", "URI": "http://acs.amazonaws.com/groups/global/AllUsers"}, "Permission": "READ"}));
    }
    out.json(&format!("{base}/acl.json"), &json!({"Owner": {"ID": plan.canonical_id}, "Grants": grants}))
}

fn key(out: &mut Out, plan: &AccountPlan, dir: &str, resource: &Resource) -> io::Result<()> {
    let base = format!("{dir}/{}/kms/{}", resource.region, file_name(&resource.name));
    let extra = &resource.extra;
    let aws_managed = extra.aws_managed_alias.is_some();
    let mut metadata = Map::new();
    metadata.insert("AWSAccountId".into(), json!(plan.id));
    metadata.insert("KeyId".into(), json!(resource.name));
    metadata.insert("Arn".into(), json!(resource.arn));
    metadata.insert("CreationDate".into(), json!(iso(extra.created)));
    metadata.insert("Enabled".into(), json!(!extra.pending_deletion));
    metadata.insert("Description".into(), json!(extra.description));
    metadata.insert("KeyUsage".into(), json!("ENCRYPT_DECRYPT"));
    metadata.insert("KeyState".into(), json!(if extra.pending_deletion { "PendingDeletion" } else { "Enabled" }));
    if extra.pending_deletion {
        metadata.insert("DeletionDate".into(), json!(iso(extra.created + 400 * crate::aws_org::out::DAY)));
    }
    metadata.insert("Origin".into(), json!("AWS_KMS"));
    metadata.insert("KeyManager".into(), json!(if aws_managed { "AWS" } else { "CUSTOMER" }));
    metadata.insert("CustomerMasterKeySpec".into(), json!("SYMMETRIC_DEFAULT"));
    metadata.insert("KeySpec".into(), json!("SYMMETRIC_DEFAULT"));
    metadata.insert("EncryptionAlgorithms".into(), json!(["SYMMETRIC_DEFAULT"]));
    metadata.insert("MultiRegion".into(), json!(false));
    if extra.pending_deletion {
        metadata.insert("PendingDeletionWindowInDays".into(), json!(30));
    }
    out.json(&format!("{base}/describe.json"), &json!({"KeyMetadata": metadata}))?;
    if let Some(policy) = &resource.policy {
        out.json(&format!("{base}/policy.json"), &json!({"Policy": jackson(policy), "PolicyName": "default"}))?;
    }
    let grants: Vec<Value> = extra
        .grants
        .iter()
        .map(|grant| {
            let mut entry = Map::new();
            entry.insert("KeyId".into(), json!(resource.arn));
            entry.insert("GrantId".into(), json!(grant.id));
            if let Some(name) = &grant.name {
                entry.insert("Name".into(), json!(name));
            }
            entry.insert("CreationDate".into(), json!(iso(grant.created)));
            entry.insert("GranteePrincipal".into(), json!(grant.grantee));
            if let Some(retiring) = &grant.retiring {
                entry.insert("RetiringPrincipal".into(), json!(retiring));
            }
            entry.insert("IssuingAccount".into(), json!(format!("arn:aws:iam::{}:root", plan.id)));
            entry.insert("Operations".into(), json!(grant.operations));
            if let Some((key, value)) = &grant.context {
                entry.insert("Constraints".into(), json!({"EncryptionContextSubset": {key: value}}));
            }
            Value::Object(entry)
        })
        .collect();
    out.json(&format!("{base}/grants.json"), &json!({"Grants": grants}))
}
