//! Writing the people: Okta's users, groups and app assignments as its API returns them, the
//! HR feed, and what is known of who is who.
//!
//! Okta shapes: <https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/>
//! (User: `id`, `status`, `created`, `activated`, `statusChanged`, `lastLogin`, `lastUpdated`,
//! `passwordChanged`, `type`, `profile`, `credentials`, `_links`),
//! <https://developer.okta.com/docs/api/openapi/okta-management/management/tag/Group/> (Group:
//! `objectClass`, `type`, `profile`), <https://developer.okta.com/docs/api/openapi/okta-management/management/tag/Application/>
//! (Application: `name`, `label`, `status`, `signOnMode`, `credentials.userNameTemplate`) and
//! <https://developer.okta.com/docs/api/openapi/okta-management/management/tag/ApplicationUsers/>
//! (AppUser: `id`, `scope`, `status`, `syncState`, `credentials.userName`).

use std::path::Path;

use serde_json::{Value, json};

use super::{IdentityLink, NonHumanOwner, People, PeopleSpec, Status, cast, people};
use crate::{
    aws_org::rng::Rng,
    json_out::{DAY, GenError, NOW, Writer, date, iso_z},
};

/// What was written of the people, and who is who.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeopleTruth {
    /// People in the HR feed.
    pub persons: usize,
    /// Okta users.
    pub okta_users: usize,
    /// Every identity known to be a person's (Okta and AWS Identity Center here; the estate adds
    /// Entra and Google Cloud).
    pub identities: Vec<IdentityLink>,
    /// Machine identities and their owners (filled by the estate).
    pub non_human: Vec<NonHumanOwner>,
    /// Files written.
    pub files: usize,
    /// Bytes written.
    pub bytes: u64,
}

/// Writes `people/` (Okta, `hr.csv`) and `people-ground-truth.json` for the people of `spec`
/// into the bundle directory `out`.
pub fn write_people(spec: &PeopleSpec, out: &Path) -> Result<PeopleTruth, GenError> {
    let people = people(spec)?;
    let mut truth = write_people_of(&people, out)?;
    write_truth(&people, &mut truth, out)?;
    Ok(truth)
}

/// Whether the person at `idx` is a Google Cloud user (everyone in the clouds but Sales, and the planted people).
pub(crate) fn in_gcp(people: &People, idx: usize) -> bool {
    people.in_clouds(idx) && (idx <= cast::LAST || people.persons[idx].department != "Sales")
}

/// The address a person signs in to Google Cloud with (the contractor: the agency's).
pub(crate) fn gcp_email(people: &People, idx: usize) -> &str {
    let p = &people.persons[idx];
    p.alt_email.as_deref().unwrap_or(&p.email)
}

fn okta_id(rng: &mut Rng, prefix: &str) -> String {
    format!("{prefix}{}", rng.alnum(17))
}

/// Writes Okta and the HR feed; the truth file is written by [`write_truth`].
pub(crate) fn write_people_of(people: &People, out: &Path) -> Result<PeopleTruth, GenError> {
    let mut w = Writer::new(out);
    let mut rng = Rng::new(people.seed, "okta", 0);
    let org = format!("https://{}.okta.com", people.company());
    let mut identities = Vec::new();

    let mut users = Vec::with_capacity(people.persons.len());
    let mut ids = Vec::with_capacity(people.persons.len());
    for p in &people.persons {
        let id = okta_id(&mut rng, "00u");
        let status = match p.status {
            Status::Active => "ACTIVE",
            Status::Leave => "SUSPENDED",
            Status::Terminated => "DEPROVISIONED",
        };
        let created = p.start - 7 * DAY;
        let last_login = (p.status == Status::Active).then(|| iso_z(NOW - rng.range_i64(600, 20 * DAY)));
        let changed = p.end.unwrap_or(p.start);
        users.push(json!({
            "id": id,
            "status": status,
            "created": iso_z(created),
            "activated": iso_z(p.start),
            "statusChanged": iso_z(changed),
            "lastLogin": last_login,
            "lastUpdated": iso_z(changed),
            "passwordChanged": iso_z(p.start + 3600),
            "type": {"id": "oty1a2b3c4d5e6f7g8h9"},
            "profile": {
                "firstName": super::capitalized(&p.first),
                "lastName": super::capitalized(&p.last),
                "mobilePhone": null,
                "secondEmail": p.alt_email,
                "login": p.email,
                "email": p.email,
                "employeeNumber": p.employee_id,
                "department": p.department,
                "title": p.title,
                "userType": if p.contractor { "Contractor" } else { "Employee" },
            },
            "credentials": {"password": {}, "provider": {"type": "OKTA", "name": "OKTA"}},
            "_links": {"self": {"href": format!("{org}/api/v1/users/{id}")}},
        }));
        identities.push(IdentityLink {
            person: p.email.clone(),
            system: "okta",
            id: id.clone(),
            name: p.email.clone(),
        });
        if let Some(aws) = &p.aws_user_id {
            identities.push(IdentityLink {
                person: p.email.clone(),
                system: "aws-identity-center",
                id: aws.clone(),
                name: p.email.clone(),
            });
        }
        ids.push(id);
    }
    w.json("people/okta/users.json", &Value::Array(users.clone()))?;

    // Groups: everyone, one per department, and one per cloud application.
    let mut groups = Vec::new();
    let mut group =
        |rng: &mut Rng, w: &mut Writer, name: &str, description: &str, builtin: bool, members: Vec<usize>| {
            let id = okta_id(rng, "00g");
            groups.push(json!({
                "id": id,
                "created": iso_z(NOW - 900 * DAY),
                "lastUpdated": iso_z(NOW - 30 * DAY),
                "lastMembershipUpdated": iso_z(NOW - DAY),
                "objectClass": ["okta:user_group"],
                "type": if builtin { "BUILT_IN" } else { "OKTA_GROUP" },
                "profile": {"name": name, "description": description},
                "_links": {"self": {"href": format!("{org}/api/v1/groups/{id}")}},
            }));
            let list: Vec<Value> = members.into_iter().map(|m| users[m].clone()).collect();
            w.json(&format!("people/okta/group-members/{id}.json"), &Value::Array(list))
        };
    let everyone: Vec<usize> = (0..people.persons.len()).collect();
    group(&mut rng, &mut w, "Everyone", "All users in your organization", true, everyone)?;
    let mut departments: Vec<&str> = people.persons.iter().map(|p| p.department).collect();
    departments.sort_unstable();
    departments.dedup();
    for dept in departments {
        let members = (0..people.persons.len()).filter(|&i| people.persons[i].department == dept).collect();
        group(
            &mut rng,
            &mut w,
            &format!("dept-{}", dept.to_lowercase()),
            &format!("Everyone in {dept}"),
            false,
            members,
        )?;
    }
    let gcp_people: Vec<usize> = (0..people.persons.len()).filter(|&i| in_gcp(people, i)).collect();
    group(&mut rng, &mut w, "google-cloud-users", "Assigned to Google Workspace", false, gcp_people.clone())?;
    w.json("people/okta/groups.json", &Value::Array(groups))?;

    // Applications: AWS IAM Identity Center, Google Workspace, Microsoft Office 365, each with
    // the users assigned and the user name it knows them by.
    // AWS: the identity store's users when the people came from an AWS bundle, else the same
    // people as Google Cloud's, under their company address (the identity store's user name).
    let known_aws = people.persons.iter().any(|p| p.aws_user_id.is_some());
    let aws_people: Vec<usize> = (0..people.persons.len())
        .filter(|&i| {
            if known_aws {
                people.persons[i].aws_user_id.is_some()
            } else {
                in_gcp(people, i) && !people.persons[i].contractor
            }
        })
        .collect();
    let m365_people: Vec<usize> =
        (0..people.persons.len()).filter(|&i| people.in_clouds(i) && !people.persons[i].contractor).collect();
    let apps_spec: [(&str, &str, &str, Vec<usize>); 3] = [
        ("amazon_aws_sso", "AWS IAM Identity Center", "SAML_2_0", aws_people),
        ("google", "Google Workspace", "SAML_2_0", gcp_people),
        ("office365", "Microsoft Office 365", "WS_FEDERATION", m365_people),
    ];
    let mut apps = Vec::new();
    for (name, label, mode, assigned) in apps_spec {
        let app_id = okta_id(&mut rng, "0oa");
        apps.push(json!({
            "id": app_id,
            "name": name,
            "label": label,
            "status": "ACTIVE",
            "lastUpdated": iso_z(NOW - 200 * DAY),
            "created": iso_z(NOW - 800 * DAY),
            "accessibility": {"selfService": false, "errorRedirectUrl": null, "loginRedirectUrl": null},
            "visibility": {"autoSubmitToolbar": false, "hide": {"iOS": false, "web": false}},
            "features": if name == "google" { json!(["PUSH_NEW_USERS", "PUSH_USER_DEACTIVATION"]) } else { json!([]) },
            "signOnMode": mode,
            "credentials": {"userNameTemplate": {"template": "${source.email}", "type": "BUILT_IN"}, "signing": {"kid": rng.alnum(20)}},
            "settings": {"app": {}},
            "_links": {"self": {"href": format!("{org}/api/v1/apps/{app_id}")}},
        }));
        let app_users: Vec<Value> = assigned
            .iter()
            .map(|&i| {
                let p = &people.persons[i];
                let user_name = if name == "google" { gcp_email(people, i).to_string() } else { p.email.clone() };
                json!({
                    "id": ids[i],
                    "externalId": rng.hex(20),
                    "created": iso_z(p.start),
                    "lastUpdated": iso_z(p.end.unwrap_or(p.start)),
                    "scope": "USER",
                    "status": if p.status == Status::Active { "PROVISIONED" } else { "INACTIVE" },
                    "statusChanged": iso_z(p.end.unwrap_or(p.start)),
                    "passwordChanged": null,
                    "syncState": "SYNCHRONIZED",
                    "lastSync": iso_z(NOW - DAY),
                    "credentials": {"userName": user_name},
                    "profile": {"email": user_name, "firstName": super::capitalized(&p.first), "lastName": super::capitalized(&p.last)},
                    "_links": {"app": {"href": format!("{org}/api/v1/apps/{app_id}")}, "user": {"href": format!("{org}/api/v1/users/{}", ids[i])}},
                })
            })
            .collect();
        w.json(&format!("people/okta/app-users/{app_id}.json"), &Value::Array(app_users))?;
    }
    w.json("people/okta/apps.json", &Value::Array(apps))?;

    // The HR feed (columns documented in docs/people.md).
    let mut csv =
        String::from("employee_id,email,display_name,department,title,manager_email,status,start_date,end_date\n");
    for p in &people.persons {
        let manager = p.manager.map(|m| people.persons[m].email.as_str()).unwrap_or("");
        let end = p.end.map(date).unwrap_or_default();
        csv.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            p.employee_id,
            p.email,
            p.display_name,
            p.department,
            p.title,
            manager,
            p.status.as_str(),
            date(p.start),
            end
        ));
    }
    w.text("people/hr.csv", &csv)?;
    Ok(PeopleTruth {
        persons: people.persons.len(),
        okta_users: people.persons.len(),
        identities,
        non_human: Vec::new(),
        files: w.files,
        bytes: w.bytes,
    })
}

/// Writes `people-ground-truth.json` from what the generators recorded.
pub(crate) fn write_truth(people: &People, truth: &mut PeopleTruth, out: &Path) -> Result<(), GenError> {
    let mut w = Writer::new(out);
    let persons: Vec<Value> = people
        .persons
        .iter()
        .map(|p| {
            let mut emails = vec![p.email.clone()];
            emails.extend(p.alt_email.clone());
            let identities: Vec<Value> = truth
                .identities
                .iter()
                .filter(|i| i.person == p.email)
                .map(|i| json!({"system": i.system, "id": i.id, "name": i.name}))
                .collect();
            json!({
                "employeeId": p.employee_id,
                "email": p.email,
                "emails": emails,
                "displayName": p.display_name,
                "status": p.status.as_str(),
                "contractor": p.contractor,
                "identities": identities,
            })
        })
        .collect();
    let non_human: Vec<Value> = truth
        .non_human
        .iter()
        .map(|n| {
            let owner_status = n
                .owner
                .as_ref()
                .and_then(|o| people.persons.iter().find(|p| &p.email == o))
                .map(|p| p.status.as_str());
            json!({"system": n.system, "id": n.id, "name": n.name, "kind": n.kind, "owner": n.owner, "ownerStatus": owner_status})
        })
        .collect();
    let leaver = &people.persons[cast::LEAVER];
    let contractor = &people.persons[cast::CONTRACTOR];
    let orphaned: Vec<&str> = truth
        .non_human
        .iter()
        .filter(|n| n.owner.as_deref() == Some(leaver.email.as_str()))
        .map(|n| n.id.as_str())
        .collect();
    let leaver_active: Vec<Value> = truth
        .identities
        .iter()
        .filter(|i| i.person == leaver.email && matches!(i.system, "entra" | "gcp"))
        .map(|i| json!({"system": i.system, "id": i.id}))
        .collect();
    let doc = json!({
        "format": "remit-gen-people-ground-truth",
        "version": 1,
        "generator": {"seed": people.seed},
        "domain": people.domain,
        "persons": persons,
        "nonHuman": non_human,
        "planted": [
            {"what": "leaver-still-active", "person": leaver.email, "hrStatus": "terminated", "activeIdentities": leaver_active},
            {"what": "contractor-two-emails", "person": contractor.email, "emails": [contractor.email, contractor.alt_email]},
            {"what": "non-human-owned-by-leaver", "person": leaver.email, "identities": orphaned},
        ],
    });
    w.json("people-ground-truth.json", &doc)?;
    truth.files += w.files;
    truth.bytes += w.bytes;
    Ok(())
}
