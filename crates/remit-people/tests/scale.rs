//! An organization-sized directory correlates through the index, not person by person.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write;
use std::time::Instant;

use remit_model::{Cloud, PrincipalKind};
use remit_people::{CloudIdentity, Rule, correlate, read_hr};

#[test]
fn twenty_thousand_people_and_sixty_thousand_identities() {
    let people = 20_000;
    let mut csv = String::from("employee_id,email,display_name,status\n");
    for i in 0..people {
        let status = if i % 100 == 0 { "terminated" } else { "active" };
        writeln!(csv, "E{i},p{i}@example.com,Given{i} Family{i},{status}").unwrap();
    }
    let (hr, issues) = read_hr("hr.csv", csv.as_bytes()).unwrap();
    assert!(issues.is_empty());
    let inputs = remit_people::PeopleInputs { hr, ..Default::default() };
    let mut identities = Vec::new();
    for i in 0..people {
        identities.push(CloudIdentity::new(
            Cloud::Gcp,
            PrincipalKind::User,
            format!("user:p{i}@example.com"),
            format!("p{i}"),
        ));
        let mut entra =
            CloudIdentity::new(Cloud::Azure, PrincipalKind::User, format!("obj-{i}"), format!("Given{i} Family{i}"));
        entra.employee_id = Some(format!("E{i}"));
        entra.federated_via = Some("azure-b2b".into());
        identities.push(entra);
        identities.push(CloudIdentity::new(
            Cloud::Aws,
            PrincipalKind::User,
            format!("arn:aws:iam::1:user/g{i}",),
            format!("given{i}.family{i}"),
        ));
    }
    let started = Instant::now();
    let dir = correlate(&inputs, &identities);
    let elapsed = started.elapsed();
    println!("correlated {} identities over {people} persons in {elapsed:?}", identities.len());
    assert_eq!(dir.person_of("user:p42@example.com").unwrap().1.rule, Rule::Email);
    assert_eq!(dir.person_of("obj-42").unwrap().1.rule, Rule::EmployeeId);
    assert_eq!(dir.person_of("arn:aws:iam::1:user/g42").unwrap().1.rule, Rule::FullName);
    assert!(dir.unlinked().is_empty() && dir.ambiguous().is_empty());
    // 200 leavers, each with three active identities.
    assert_eq!(dir.findings().len(), 600);
    // A scan per identity over every person would take minutes here, even optimized.
    assert!(elapsed.as_secs() < 60, "{elapsed:?}");
}
