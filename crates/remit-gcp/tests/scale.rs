//! A generated organization of a realistic size: the queries and the risk rules finish, and
//! agree with each other (every holder `who_can` lists is allowed by `explain`).
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use remit_gcp::{
    GcpAnalysis, GcpEnvironment,
    import::{Binding, Group, GroupMember, Organization, Project, ResourcePolicy, Role, ServiceAccount},
};

fn role(name: &str, permissions: &[&str]) -> Role {
    Role {
        name: name.into(),
        title: name.into(),
        stage: "GA".into(),
        deleted: false,
        included_permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
    }
}

fn generated(projects: usize, users: usize, accounts_per_project: usize) -> GcpEnvironment {
    let mut env = GcpEnvironment {
        organization: Organization {
            name: "organizations/1".into(),
            display_name: "corp.example".into(),
            directory_customer_id: None,
        },
        ..GcpEnvironment::default()
    };
    env.roles.push(role("roles/reader", &["storage.objects.get", "storage.objects.list"]));
    env.roles.push(role("roles/impersonate", &["iam.serviceAccounts.getAccessToken", "iam.serviceAccounts.actAs"]));
    env.roles.push(role("roles/admin", &["resourcemanager.projects.setIamPolicy", "storage.objects.get"]));
    for p in 0..projects {
        let id = format!("p{p}");
        env.projects.push(Project {
            project_id: id.clone(),
            project_number: format!("{}", 1000 + p),
            display_name: id.clone(),
            parent: Some("organizations/1".into()),
        });
        let mut bindings = vec![Binding {
            role: "roles/reader".into(),
            members: (0..users).filter(|u| u % projects == p).map(|u| format!("user:u{u}@corp.example")).collect(),
            condition: None,
        }];
        bindings.push(Binding {
            role: "roles/impersonate".into(),
            members: vec![format!("group:g{p}@corp.example")],
            condition: None,
        });
        bindings.push(Binding {
            role: "roles/admin".into(),
            members: vec![format!("serviceAccount:sa0@{id}.iam.gserviceaccount.com")],
            condition: None,
        });
        env.policies.push(ResourcePolicy {
            resource: format!("//cloudresourcemanager.googleapis.com/projects/{}", 1000 + p),
            asset_type: "cloudresourcemanager.googleapis.com/Project".into(),
            bindings,
            source: "generated".into(),
            ..ResourcePolicy::default()
        });
        for s in 0..accounts_per_project {
            env.service_accounts.push(ServiceAccount {
                email: format!("sa{s}@{id}.iam.gserviceaccount.com"),
                unique_id: format!("{p}{s}"),
                project_id: id.clone(),
                display_name: String::new(),
                disabled: false,
            });
        }
        env.groups.push(Group {
            email: format!("g{p}@corp.example"),
            members: (0..3)
                .map(|k| GroupMember {
                    id: format!("u{}@corp.example", (p * 7 + k) % users),
                    kind: "USER".into(),
                    roles: vec!["MEMBER".into()],
                })
                .collect(),
        });
    }
    env
}

#[test]
fn a_generated_organization_is_analysed() {
    let started = Instant::now();
    let analysis = GcpAnalysis::new(generated(30, 600, 5));
    let holders = analysis.who_can("storage.objects.get", "projects/p3").unwrap();
    for h in &holders {
        let e = analysis.explain(&h.principal.id, "storage.objects.get", "projects/p3").unwrap();
        assert_ne!(e.verdict.as_str(), "denied", "{}", h.principal.id);
    }
    assert!(holders.len() >= 20);
    let findings = remit_gcp::risk::findings(&analysis);
    assert!(findings.iter().any(|f| f.rule == remit_gcp::risk::rules::PRIVILEGE_ESCALATION));
    println!("{} principals, {} findings in {:?}", analysis.principals().len(), findings.len(), started.elapsed());
}
