//! IAM Identity Center: permission sets, the identity store's users and groups, and who is
//! assigned what in which account.
//!
//! The plan is made before the accounts, because each assignment provisions a role
//! (`AWSReservedSSO_<set>_<hex>`) in its account, and because permission sets that reference
//! customer-managed policies need those policies to exist, by name and path, in every account
//! they are assigned to. The standalone sizes get the same roles (their account belongs to an
//! organization that uses Identity Center) but no `identity-center/` directory.

use serde_json::{Value, json};

use crate::aws_org::{
    model::{ALL_SERVICES, BoundaryKind, Caps, SVC_LAMBDA},
    names::{FIRST_NAMES, LAST_NAMES, TEAMS},
    rng::Rng,
    world::{AccountKind, World, past},
};

/// A permission set's boundary.
#[derive(Debug, Clone)]
pub(super) enum SetBoundary {
    /// An AWS-managed policy, by name.
    Managed(&'static str, BoundaryKind),
    /// A customer-managed policy reference: (name, path).
    Customer(&'static str, &'static str, BoundaryKind),
}

/// A permission set.
#[derive(Debug, Clone)]
pub(super) struct PermissionSet {
    /// `ps-` and 16 hex digits.
    pub(super) id: String,
    pub(super) name: &'static str,
    pub(super) description: &'static str,
    pub(super) session: &'static str,
    /// AWS-managed policies, by name.
    pub(super) managed: Vec<&'static str>,
    /// Customer-managed policy references: (name, path).
    pub(super) customer: Vec<(&'static str, &'static str)>,
    pub(super) boundary: Option<SetBoundary>,
    /// The inline policy and what it grants.
    pub(super) inline: Option<(Value, Caps)>,
    pub(super) created: i64,
}

/// A user of the identity store.
#[derive(Debug, Clone)]
pub(super) struct SsoUser {
    pub(super) id: String,
    pub(super) user_name: String,
    pub(super) given: &'static str,
    pub(super) family: &'static str,
}

/// A group of the identity store.
#[derive(Debug, Clone)]
pub(super) struct SsoGroup {
    pub(super) id: String,
    pub(super) name: String,
    pub(super) description: String,
    /// Indices into [`SsoPlan::users`], with a membership id each.
    pub(super) members: Vec<(usize, String)>,
}

/// To whom a permission set is assigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Assignee {
    User(usize),
    Group(usize),
}

/// A permission set assigned in an account.
#[derive(Debug, Clone)]
pub(super) struct Assignment {
    pub(super) set: usize,
    /// Index into [`World::accounts`].
    pub(super) account: usize,
    pub(super) to: Assignee,
}

/// Everything about Identity Center.
#[derive(Debug, Clone)]
pub(super) struct SsoPlan {
    /// `ssoins-` and 16 hex digits.
    pub(super) instance_id: String,
    /// `d-` and 10 hex digits.
    pub(super) store_id: String,
    pub(super) created: i64,
    pub(super) sets: Vec<PermissionSet>,
    pub(super) users: Vec<SsoUser>,
    pub(super) groups: Vec<SsoGroup>,
    pub(super) assignments: Vec<Assignment>,
}

impl SsoPlan {
    pub(super) fn instance_arn(&self) -> String {
        format!("arn:aws:sso:::instance/{}", self.instance_id)
    }

    pub(super) fn set_arn(&self, set: usize) -> String {
        format!("arn:aws:sso:::permissionSet/{}/{}", self.instance_id, self.sets[set].id)
    }

    /// The permission sets assigned in an account (sorted, no duplicates).
    pub(super) fn sets_for(&self, account: usize) -> Vec<usize> {
        let mut sets: Vec<usize> = self.assignments.iter().filter(|a| a.account == account).map(|a| a.set).collect();
        sets.sort_unstable();
        sets.dedup();
        sets
    }

    /// The identity-store users who get `set` in `account`, directly or through a group.
    pub(super) fn users_for(&self, set: usize, account: usize) -> Vec<usize> {
        let mut users = Vec::new();
        for assignment in self.assignments.iter().filter(|a| a.set == set && a.account == account) {
            match assignment.to {
                Assignee::User(user) => users.push(user),
                Assignee::Group(group) => users.extend(self.groups[group].members.iter().map(|(user, _)| *user)),
            }
        }
        users.sort_unstable();
        users.dedup();
        users
    }
}

const ADMIN: usize = 0;
const POWER: usize = 1;
const READ_ONLY: usize = 2;
const VIEW_ONLY: usize = 3;
const SECURITY: usize = 4;
const BILLING: usize = 5;
const DEVELOPER: usize = 6;
const DATA: usize = 7;
const NETWORK: usize = 8;
const DBA: usize = 9;

fn sets(rng: &mut Rng, now: i64) -> Vec<PermissionSet> {
    let mut set = |name: &'static str, description: &'static str, session: &'static str| PermissionSet {
        id: format!("ps-{}", rng.hex(16)),
        name,
        description,
        session,
        managed: Vec::new(),
        customer: Vec::new(),
        boundary: None,
        inline: None,
        created: past(rng, now, 200, 1500),
    };
    let mut out = vec![
        set("AdministratorAccess", "Full access to the account", "PT1H"),
        set("PowerUserAccess", "Everything but identity management", "PT4H"),
        set("ReadOnlyAccess", "Read-only access without data", "PT8H"),
        set("ViewOnlyAccess", "Console view of resources, no data", "PT8H"),
        set("SecurityAudit", "Security team read access", "PT8H"),
        set("Billing", "Billing and cost management", "PT8H"),
        set("DeveloperAccess", "Developers in their team's accounts", "PT8H"),
        set("DataScientist", "Analytics on the data accounts", "PT8H"),
        set("NetworkAdministrator", "Network team", "PT4H"),
        set("DatabaseAdministrator", "Database administrators", "PT4H"),
    ];
    out[ADMIN].managed = vec!["AdministratorAccess"];
    out[POWER].managed = vec!["PowerUserAccess"];
    let service_roles = "arn:aws:iam::*:role/service-role/*".to_owned();
    out[POWER].inline = Some((
        json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "PassServiceRoles", "Effect": "Allow", "Action": "iam:PassRole", "Resource": service_roles, "Condition": {"StringEquals": {"iam:PassedToService": ["lambda.amazonaws.com", "states.amazonaws.com"]}}},
            {"Sid": "ReadIam", "Effect": "Allow", "Action": ["iam:Get*", "iam:List*"], "Resource": "*"},
        ]}),
        Caps { pass: vec![(service_roles, SVC_LAMBDA)], ..Caps::default() },
    ));
    out[READ_ONLY].managed = vec!["ReadOnlyAccess"];
    out[READ_ONLY].inline = Some((
        json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "NoData", "Effect": "Deny", "Action": ["s3:GetObject", "secretsmanager:GetSecretValue", "ssm:GetParameter*", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan", "kms:Decrypt"], "Resource": "*"},
        ]}),
        Caps::default(),
    ));
    out[VIEW_ONLY].managed = vec!["ViewOnlyAccess"];
    out[SECURITY].managed = vec!["SecurityAudit", "ViewOnlyAccess"];
    out[SECURITY].inline = Some((
        json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["securityhub:Get*", "securityhub:List*", "securityhub:BatchGet*", "guardduty:Get*", "guardduty:List*", "inspector2:List*", "inspector2:Get*", "access-analyzer:*"], "Resource": "*"},
        ]}),
        Caps::default(),
    ));
    out[BILLING].managed = vec!["Billing"];
    let developer_roles = "arn:aws:iam::*:role/developer/*".to_owned();
    out[DEVELOPER].managed = vec!["ReadOnlyAccess"];
    out[DEVELOPER].inline = Some((
        json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "DevelopmentServices", "Effect": "Allow", "Action": ["lambda:*", "dynamodb:*", "s3:*", "sqs:*", "sns:*", "logs:*", "states:*", "events:*", "ecs:*", "ecr:*"], "Resource": "*", "Condition": {"StringEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}},
            {"Sid": "PassDeveloperRoles", "Effect": "Allow", "Action": "iam:PassRole", "Resource": developer_roles},
            {"Sid": "CreateDeveloperRoles", "Effect": "Allow", "Action": ["iam:CreateRole", "iam:AttachRolePolicy", "iam:PutRolePolicy"], "Resource": "arn:aws:iam::*:role/developer/*", "Condition": {"StringLike": {"iam:PermissionsBoundary": "arn:aws:iam::*:policy/boundaries/DeveloperBoundary"}}},
        ]}),
        Caps { create: SVC_LAMBDA, pass: vec![(developer_roles, ALL_SERVICES)], ..Caps::default() },
    ));
    out[DEVELOPER].boundary = Some(SetBoundary::Customer("DeveloperBoundary", "/boundaries/", BoundaryKind::Developer));
    out[DATA].managed = vec!["AmazonS3ReadOnlyAccess", "AmazonSSMReadOnlyAccess"];
    out[DATA].customer = vec![("DataScienceAccess", "/sso/")];
    out[NETWORK].managed = vec!["NetworkAdministrator"];
    out[DBA].managed = vec!["DatabaseAdministrator"];
    out[DBA].boundary = Some(SetBoundary::Managed("PowerUserAccess", BoundaryKind::PowerUser));
    out
}

/// The identity store id's hex part, shared by its user and group ids.
fn store_prefixed_id(rng: &mut Rng, store: &str) -> String {
    format!("{}-{}", store.trim_start_matches("d-"), rng.uuid())
}

/// Plans Identity Center for the environment.
pub(super) fn build(world: &World) -> SsoPlan {
    let mut rng = Rng::new(world.seed, "identity-center", 0);
    let instance_id = format!("ssoins-{}", rng.hex(16));
    let store_id = format!("d-{}", rng.hex(10));
    let created = past(&mut rng, world.now, 900, 1800);
    let sets = sets(&mut rng, world.now);

    let n_users = match world.accounts.len() {
        1 => 40,
        n => 60 + n * 2,
    };
    let mut users = Vec::with_capacity(n_users);
    let mut taken = std::collections::HashSet::new();
    while users.len() < n_users {
        let given = *rng.pick(FIRST_NAMES);
        let family = *rng.pick(LAST_NAMES);
        let user_name = format!("{given}.{family}@{}.example.com", world.company);
        if !taken.insert(user_name.clone()) {
            continue;
        }
        users.push(SsoUser { id: store_prefixed_id(&mut rng, &store_id), user_name, given, family });
    }

    let mut groups: Vec<SsoGroup> = Vec::new();
    let mut group = |rng: &mut Rng, name: String, description: String, size: usize| -> usize {
        let members = rng
            .sample(&(0..users.len()).collect::<Vec<_>>(), size)
            .into_iter()
            .map(|user| (*user, rng.uuid()))
            .collect();
        groups.push(SsoGroup { id: store_prefixed_id(rng, &store_id), name, description, members });
        groups.len() - 1
    };
    let admins = group(&mut rng, "AWS-Administrators".into(), "Cloud administrators".into(), 5);
    let platform = group(&mut rng, "AWS-PlatformEngineers".into(), "Platform team".into(), 10);
    let read_only = group(&mut rng, "AWS-ReadOnly".into(), "Read-only access everywhere".into(), 15);
    let security = group(&mut rng, "AWS-SecurityAuditors".into(), "Security team".into(), 4);
    let billing = group(&mut rng, "AWS-Billing".into(), "Finance".into(), 3);
    let data = group(&mut rng, "AWS-DataScientists".into(), "Analytics team".into(), 8);
    let network = group(&mut rng, "AWS-NetworkTeam".into(), "Network engineers".into(), 3);
    let dbas = group(&mut rng, "AWS-DBAs".into(), "Database administrators".into(), 3);
    let break_glass = group(&mut rng, "AWS-BreakGlass".into(), "Emergency access (no members)".into(), 0);
    let teams: Vec<(usize, usize)> = TEAMS
        .iter()
        .enumerate()
        .map(|(idx, team)| (idx, group(&mut rng, format!("AWS-{team}-Developers"), format!("Developers of {team}"), 6)))
        .collect();

    let mut assignments = Vec::new();
    let mut assign = |set: usize, account: usize, to: Assignee| assignments.push(Assignment { set, account, to });
    for (idx, account) in world.accounts.iter().enumerate() {
        if !account.collected {
            continue;
        }
        assign(ADMIN, idx, Assignee::Group(admins));
        if account.kind == AccountKind::Suspended {
            continue;
        }
        assign(READ_ONLY, idx, Assignee::Group(read_only));
        assign(SECURITY, idx, Assignee::Group(security));
        match account.kind {
            AccountKind::Management => {
                assign(BILLING, idx, Assignee::Group(billing));
                assign(ADMIN, idx, Assignee::Group(break_glass));
            }
            AccountKind::Audit | AccountKind::LogArchive => assign(ADMIN, idx, Assignee::Group(security)),
            AccountKind::Network => {
                assign(NETWORK, idx, Assignee::Group(network));
                assign(ADMIN, idx, Assignee::Group(platform));
            }
            AccountKind::SharedServices => assign(ADMIN, idx, Assignee::Group(platform)),
            AccountKind::Prod | AccountKind::Dev | AccountKind::Standalone => {
                assign(POWER, idx, Assignee::Group(platform));
                for (team, team_group) in &teams {
                    if !account.teams.contains(team) {
                        continue;
                    }
                    let set = if account.kind == AccountKind::Dev { DEVELOPER } else { READ_ONLY };
                    assign(set, idx, Assignee::Group(*team_group));
                }
                if account.name.contains("-data-") || account.kind == AccountKind::Standalone {
                    assign(DATA, idx, Assignee::Group(data));
                }
                if account.kind != AccountKind::Dev && rng.chance(0.25) {
                    assign(DBA, idx, Assignee::Group(dbas));
                }
                if account.kind == AccountKind::Standalone {
                    assign(DEVELOPER, idx, Assignee::Group(teams[0].1));
                    assign(VIEW_ONLY, idx, Assignee::Group(data));
                }
            }
            AccountKind::Sandbox => {
                // The sandbox's owner, directly.
                let owner = rng.range(0, users.len() - 1);
                assign(ADMIN, idx, Assignee::User(owner));
            }
            _ => assign(VIEW_ONLY, idx, Assignee::Group(platform)),
        }
        if account.legacy {
            // An administrator assigned directly, outside every group: a finding.
            let user = rng.range(0, users.len() - 1);
            assign(ADMIN, idx, Assignee::User(user));
        }
    }
    assignments.sort_by_key(|a| (a.account, a.set, a.to));
    assignments.dedup_by(|a, b| a.account == b.account && a.set == b.set && a.to == b.to);
    SsoPlan { instance_id, store_id, created, sets, users, groups, assignments }
}

/// Writes `identity-center/`.
pub(super) fn write(out: &mut crate::aws_org::out::Out, world: &World, sso: &SsoPlan) -> std::io::Result<()> {
    use crate::aws_org::{managed, out::iso};
    let store = &sso.store_id;
    out.json(
        "identity-center/instances.json",
        &json!({"Instances": [{
            "InstanceArn": sso.instance_arn(),
            "IdentityStoreId": store,
            "OwnerAccountId": world.management,
            "Name": world.company,
            "CreatedDate": iso(sso.created),
            "Status": "ACTIVE",
        }]}),
    )?;
    for (idx, set) in sso.sets.iter().enumerate() {
        let base = format!("identity-center/permission-sets/{}", set.id);
        out.json(
            &format!("{base}/describe.json"),
            &json!({"PermissionSet": {
                "Name": set.name,
                "PermissionSetArn": sso.set_arn(idx),
                "Description": set.description,
                "CreatedDate": iso(set.created),
                "SessionDuration": set.session,
            }}),
        )?;
        let inline = set
            .inline
            .as_ref()
            .map(|(doc, _)| serde_json::to_string_pretty(doc).unwrap_or_default())
            .unwrap_or_default();
        out.json(&format!("{base}/inline-policy.json"), &json!({"InlinePolicy": inline}))?;
        let managed_list: Vec<Value> = set
            .managed
            .iter()
            .filter_map(|name| managed::index(name).map(|i| &managed::CATALOG[i as usize]))
            .map(|p| json!({"Name": p.name, "Arn": p.arn()}))
            .collect();
        out.json(&format!("{base}/managed-policies.json"), &json!({"AttachedManagedPolicies": managed_list}))?;
        let customer: Vec<Value> =
            set.customer.iter().map(|(name, path)| json!({"Name": name, "Path": path})).collect();
        out.json(
            &format!("{base}/customer-managed-policies.json"),
            &json!({"CustomerManagedPolicyReferences": customer}),
        )?;
        match &set.boundary {
            Some(SetBoundary::Managed(name, _)) => {
                let arn = managed::index(name).map(|i| managed::CATALOG[i as usize].arn()).unwrap_or_default();
                out.json(
                    &format!("{base}/permissions-boundary.json"),
                    &json!({"PermissionsBoundary": {"ManagedPolicyArn": arn}}),
                )?;
            }
            Some(SetBoundary::Customer(name, path, _)) => {
                out.json(
                    &format!("{base}/permissions-boundary.json"),
                    &json!({"PermissionsBoundary": {"CustomerManagedPolicyReference": {"Name": name, "Path": path}}}),
                )?;
            }
            None => {}
        }
        let mut accounts: Vec<usize> = sso.assignments.iter().filter(|a| a.set == idx).map(|a| a.account).collect();
        accounts.dedup();
        for account in accounts {
            let id = &world.accounts[account].id;
            let entries: Vec<Value> = sso
                .assignments
                .iter()
                .filter(|a| a.set == idx && a.account == account)
                .map(|a| {
                    let (kind, principal) = match a.to {
                        Assignee::User(user) => ("USER", sso.users[user].id.as_str()),
                        Assignee::Group(group) => ("GROUP", sso.groups[group].id.as_str()),
                    };
                    json!({"AccountId": id, "PermissionSetArn": sso.set_arn(idx), "PrincipalType": kind, "PrincipalId": principal})
                })
                .collect();
            out.json(&format!("{base}/assignments/{id}.json"), &json!({"AccountAssignments": entries}))?;
        }
    }
    let users: Vec<Value> = sso
        .users
        .iter()
        .map(|u| {
            json!({
                "IdentityStoreId": store,
                "UserId": u.id,
                "UserName": u.user_name,
                "Name": {"FamilyName": capitalized(u.family), "GivenName": capitalized(u.given)},
                "DisplayName": format!("{} {}", capitalized(u.given), capitalized(u.family)),
                "Emails": [{"Value": u.user_name, "Type": "work", "Primary": true}],
            })
        })
        .collect();
    out.json("identity-center/identity-store/users.json", &json!({"Users": users}))?;
    let groups: Vec<Value> = sso
        .groups
        .iter()
        .map(
            |g| json!({"GroupId": g.id, "DisplayName": g.name, "Description": g.description, "IdentityStoreId": store}),
        )
        .collect();
    out.json("identity-center/identity-store/groups.json", &json!({"Groups": groups}))?;
    for group in &sso.groups {
        let members: Vec<Value> = group
            .members
            .iter()
            .map(|(user, membership)| {
                json!({"IdentityStoreId": store, "MembershipId": membership, "GroupId": group.id, "MemberId": {"UserId": sso.users[*user].id}})
            })
            .collect();
        out.json(
            &format!("identity-center/identity-store/memberships/{}.json", group.id),
            &json!({"GroupMemberships": members}),
        )?;
    }
    Ok(())
}

fn capitalized(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
