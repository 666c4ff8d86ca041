//! Bad input: every error and issue says where (file, JSON path or CSV line and column).
//!
//! JSON entries follow Okta's management API shapes
//! (https://developer.okta.com/docs/api/openapi/okta-management/management/tag/User/ ,
//! …/tag/Group/ , …/tag/Application/ , …/tag/ApplicationUsers/); the CSV follows
//! docs/people.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use remit_people::{
    HrStatus, PeopleError, PeopleInputs, read_app_users, read_apps, read_group_members, read_groups, read_hr,
    read_users,
};

const HEADER: &str = "employee_id,email,display_name,status";

#[test]
fn hr_columns_in_any_order_with_extra_columns() {
    let csv = "status,notes,EMAIL,display_name,employee_id,end_date\nterminated,x,Dan@Example.com,Dan,E9,2026-01-31\n";
    let (rows, issues) = read_hr("hr.csv", csv.as_bytes()).unwrap();
    assert!(issues.is_empty());
    assert_eq!(rows[0].email, "dan@example.com");
    assert_eq!(rows[0].status, HrStatus::Terminated);
    assert_eq!(rows[0].end_date.as_deref(), Some("2026-01-31"));
    assert_eq!(rows[0].line, 2);
}

#[test]
fn hr_missing_required_column_is_an_error_naming_it() {
    let err = read_hr("hr.csv", b"employee_id,email,display_name\nE1,a@example.com,A\n").unwrap_err();
    assert!(matches!(&err, PeopleError::Csv { line: 1, column, .. } if column == "status"), "{err}");
    assert!(err.to_string().starts_with("hr.csv: line 1, column status"), "{err}");
}

#[test]
fn hr_empty_file_is_an_error() {
    let err = read_hr("hr.csv", b"").unwrap_err();
    assert!(matches!(err, PeopleError::Csv { .. }));
}

#[test]
fn hr_ragged_record_is_an_error_with_its_line() {
    let csv = format!("{HEADER}\nE1,a@example.com,A,active\nE2,b@example.com\n");
    let err = read_hr("hr.csv", csv.as_bytes()).unwrap_err();
    assert!(matches!(err, PeopleError::Csv { line: 3, .. }), "{err}");
}

#[test]
fn hr_bad_rows_are_issues_with_line_and_column() {
    let csv = format!(
        "{HEADER},start_date\nE1,,A,active,\nE2,b@example.com,B,retired,\nE3,c@example.com,C,active,31/12/2024\nE4,not-an-email,D,active,\nE5,C@example.com,C2,leave,\n\"E6\",\"f@example.com\",\"F, with comma\",\"LEAVE\",2024-01-01\n"
    );
    let (rows, issues) = read_hr("hr.csv", csv.as_bytes()).unwrap();
    let locations: Vec<&str> = issues.iter().map(|i| i.location.as_str()).collect();
    assert_eq!(
        locations,
        vec![
            "line 2, column email",
            "line 3, column status",
            "line 4, column start_date",
            "line 5, column email",
            "line 6, column email"
        ]
    );
    assert!(issues[1].message.contains("retired"));
    assert!(issues[4].message.contains("already on line 4"));
    // The bad date keeps the row, incomplete.
    let emails: Vec<&str> = rows.iter().map(|r| r.email.as_str()).collect();
    assert_eq!(emails, vec!["c@example.com", "f@example.com"]);
    assert!(rows[0].incomplete && rows[0].start_date.is_none());
    assert_eq!(rows[1].display_name.as_deref(), Some("F, with comma"));
    assert_eq!(rows[1].status, HrStatus::Leave);
}

#[test]
fn json_that_is_not_json_names_file_line_and_column() {
    let err = read_users("okta/users.json", b"[\n  {\"id\": }\n]").unwrap_err();
    assert!(matches!(err, PeopleError::Json { line: 2, .. }), "{err}");
    assert!(err.to_string().starts_with("okta/users.json: line 2"));
}

#[test]
fn json_not_an_array_is_a_shape_error_at_the_root() {
    let err = read_groups("okta/groups.json", br#"{"id": "00g1"}"#).unwrap_err();
    assert!(matches!(&err, PeopleError::Shape { path, .. } if path == "$"), "{err}");
    assert!(read_apps("okta/apps.json", b"null").is_err());
}

#[test]
fn malformed_users_are_skipped_and_reported_with_their_path() {
    let json = br#"[
      {"id": "00u1", "status": "ACTIVE", "profile": {"login": "a@example.com", "email": "a@example.com"}},
      {"id": "00u2", "status": "ACTIVE", "profile": {"email": "b@example.com"}},
      {"id": "00u3", "status": "ACTIVE", "profile": {"login": "c@example.com", "email": 42}},
      "not a user",
      {"id": "00u5", "status": "ACTIVE"},
      {"id": 5, "status": "ACTIVE", "profile": {"login": "e@example.com"}}
    ]"#;
    let (users, issues) = read_users("okta/users.json", json).unwrap();
    let ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, vec!["00u1", "00u3"]);
    assert!(!users[0].incomplete);
    assert!(users[1].incomplete && users[1].email.is_none());
    let locations: Vec<&str> = issues.iter().map(|i| i.location.as_str()).collect();
    assert!(locations.contains(&"$[1].profile.login"), "{locations:?}");
    assert!(locations.contains(&"$[2].profile.email"));
    assert!(locations.contains(&"$[3]"));
    assert!(locations.contains(&"$[4].profile"));
    assert!(locations.contains(&"$[5].id"));
    assert!(issues.iter().all(|i| i.file == "okta/users.json"));
    assert!(issues[0].to_string().starts_with("okta/users.json: at $[1].profile.login"));
}

#[test]
fn app_users_groups_and_members_report_their_paths() {
    let (users, issues) = read_app_users(
        "okta/app-users/0oa1.json",
        br#"[{"id":"00u1","scope":"USER","status":"ACTIVE","credentials":{"userName":"a"},"profile":{"samlRoles":["arn:aws:iam::1:role/R", 7]}},
             {"scope":"USER","credentials":{"userName":"b"}}]"#,
    )
    .unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].saml_roles, vec!["arn:aws:iam::1:role/R"]);
    assert_eq!(issues[0].location, "$[0].profile.samlRoles[1]");
    assert_eq!(issues[1].location, "$[1].id");
    let (groups, issues) =
        read_groups("okta/groups.json", br#"[{"id":"00g1","type":"OKTA_GROUP","profile":{}}]"#).unwrap();
    assert!(groups.is_empty());
    assert_eq!(issues[0].location, "$[0].profile.name");
    let (members, issues) = read_group_members("okta/group-members/00g1.json", br#"[{"id":"00u1"},{}]"#).unwrap();
    assert_eq!(members, vec!["00u1"]);
    assert_eq!(issues[0].location, "$[1].id");
}

#[test]
fn the_loader_reports_members_of_unknown_groups_and_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("okta/group-members")).unwrap();
    std::fs::write(dir.path().join("okta/groups.json"), "[]").unwrap();
    std::fs::write(dir.path().join("okta/group-members/00gX.json"), r#"[{"id":"00u1"}]"#).unwrap();
    let inputs = PeopleInputs::load(dir.path()).unwrap();
    assert_eq!(inputs.issues.len(), 1);
    assert_eq!(inputs.issues[0].file, "okta/group-members/00gX.json");
    // An empty directory is an empty source, not an error.
    let empty = tempfile::tempdir().unwrap();
    assert_eq!(PeopleInputs::load(empty.path()).unwrap(), PeopleInputs::default());
    // A broken file is an error naming it.
    std::fs::write(dir.path().join("hr.csv"), "email\nx@example.com\n").unwrap();
    let err = PeopleInputs::load(dir.path()).unwrap_err();
    assert!(err.to_string().starts_with("hr.csv: line 1"), "{err}");
    std::fs::write(dir.path().join("hr.csv"), format!("{HEADER}\n")).unwrap();
    std::fs::write(dir.path().join("okta/apps.json"), "[").unwrap();
    let err = PeopleInputs::load(dir.path()).unwrap_err();
    assert!(err.to_string().starts_with("okta/apps.json:"), "{err}");
}
