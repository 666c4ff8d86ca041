//! The readers never panic on arbitrary input, and correlation's answers stay consistent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use remit_model::{Cloud, PrincipalKind};
use remit_people::{
    CloudIdentity, HrStatus, PeopleInputs, Resolution, correlate, read_app_users, read_apps, read_group_members,
    read_groups, read_hr, read_users,
};

fn json_like() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("7".to_owned()),
        Just("true".to_owned()),
        "[a-z@.]{0,8}".prop_map(|s| format!("\"{s}\"")),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        let key = prop_oneof![
            Just("id"),
            Just("status"),
            Just("profile"),
            Just("login"),
            Just("email"),
            Just("credentials"),
            Just("userName"),
            Just("samlRoles"),
            Just("name"),
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
            prop::collection::vec((key, inner), 0..5).prop_map(|v| {
                let fields: Vec<String> = v.into_iter().map(|(k, x)| format!("\"{k}\":{x}")).collect();
                format!("{{{}}}", fields.join(","))
            }),
        ]
    })
}

proptest! {
    #[test]
    fn json_readers_never_panic_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = read_users("f", &bytes);
        let _ = read_groups("f", &bytes);
        let _ = read_group_members("f", &bytes);
        let _ = read_apps("f", &bytes);
        let _ = read_app_users("f", &bytes);
    }

    #[test]
    fn json_readers_never_panic_on_json_shaped_input(json in json_like()) {
        let wrapped = format!("[{json}]");
        for text in [&json, &wrapped] {
            let _ = read_users("f", text.as_bytes());
            let _ = read_groups("f", text.as_bytes());
            let _ = read_group_members("f", text.as_bytes());
            let _ = read_apps("f", text.as_bytes());
            let _ = read_app_users("f", text.as_bytes());
        }
    }

    #[test]
    fn csv_reader_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = read_hr("hr.csv", &bytes);
        let mut with_header = b"employee_id,email,display_name,status\n".to_vec();
        with_header.extend_from_slice(&bytes);
        let _ = read_hr("hr.csv", &with_header);
    }

    /// Whatever the names hold (quotes, commas, newlines), a row written by a CSV writer reads
    /// back the same.
    #[test]
    fn csv_rows_read_back(name in "[ -~\n]{0,20}", id in "[A-Za-z0-9]{0,6}", user in "[a-z]{1,8}", terminated: bool) {
        let status = if terminated { "terminated" } else { "active" };
        let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
        let csv = format!(
            "display_name,status,email,employee_id\n{},{status},{user}@example.com,{}\n",
            quote(&name),
            quote(&id)
        );
        let (rows, issues) = read_hr("hr.csv", csv.as_bytes()).unwrap();
        prop_assert!(issues.is_empty());
        prop_assert_eq!(rows.len(), 1);
        let row = &rows[0];
        prop_assert_eq!(&row.email, &format!("{user}@example.com"));
        prop_assert_eq!(row.status, if terminated { HrStatus::Terminated } else { HrStatus::Active });
        let trimmed = name.trim();
        prop_assert_eq!(row.display_name.as_deref(), (!trimmed.is_empty()).then_some(trimmed));
        prop_assert_eq!(row.employee_id.as_deref(), (!id.is_empty()).then_some(id.as_str()));
    }

    /// Every link names an existing person, and every identity has exactly one resolution.
    #[test]
    fn correlation_is_consistent(
        names in prop::collection::vec("[a-c]{1,2}\\.[a-c]{1,2}", 0..6),
        members in prop::collection::vec(("[a-c]{1,2}\\.[a-c]{1,2}", 0..4usize), 0..8),
    ) {
        let csv: String = std::iter::once("employee_id,email,display_name,status\n".to_owned())
            .chain(names.iter().enumerate().map(|(i, n)| {
                let display = n.replace('.', " ");
                format!("E{i},{n}@example.com,{display},{}\n", if i % 2 == 0 { "active" } else { "terminated" })
            }))
            .collect();
        let (hr, _) = read_hr("hr.csv", csv.as_bytes()).unwrap();
        let inputs = PeopleInputs { hr, ..PeopleInputs::default() };
        let kinds = [PrincipalKind::User, PrincipalKind::ServiceAccount, PrincipalKind::Role, PrincipalKind::Group];
        let identities: Vec<CloudIdentity> = members
            .iter()
            .enumerate()
            .map(|(i, (m, k))| {
                let mut c = CloudIdentity::new(Cloud::Gcp, kinds[*k], format!("id{i}"), m.clone());
                c.tags = vec![("owner".into(), format!("{m}@example.com"))];
                c
            })
            .collect();
        let dir = correlate(&inputs, &identities);
        for identity in &identities {
            let resolution = dir.resolution(&identity.id).unwrap();
            match resolution {
                Resolution::Person(link) => prop_assert!(dir.person(&link.person).is_some()),
                Resolution::Owned(links) => prop_assert!(links.iter().all(|l| dir.person(&l.person).is_some())),
                Resolution::Ambiguous(a) => prop_assert!(a.candidates.len() >= 2),
                Resolution::Unlinked(why) => prop_assert!(!why.is_empty()),
                Resolution::NotApplicable => prop_assert_eq!(identity.kind, PrincipalKind::Group),
            }
        }
        for f in dir.findings() {
            prop_assert!(identities.iter().any(|i| i.id == f.principals[0]));
        }
    }
}
