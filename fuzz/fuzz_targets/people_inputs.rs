//! Reading any bytes as an Okta export or an HR feed must never panic, whatever is marked
//! incomplete must be reported, and correlating what was read must never panic either.
#![no_main]

use libfuzzer_sys::fuzz_target;
use remit_model::{Cloud, PrincipalKind};
use remit_people::{CloudIdentity, PeopleInputs, correlate};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let mut inputs = PeopleInputs::default();
    match selector % 6 {
        0 => {
            if let Ok((users, issues)) = remit_people::read_users("okta/users.json", rest) {
                assert!(!users.iter().any(|u| u.incomplete) || !issues.is_empty(), "incomplete without an issue");
                inputs.okta_users = users;
            }
        }
        1 => {
            if let Ok((groups, _)) = remit_people::read_groups("okta/groups.json", rest) {
                inputs.okta_groups = groups;
            }
        }
        2 => {
            let _ = remit_people::read_group_members("okta/group-members/g.json", rest);
        }
        3 => {
            if let Ok((apps, _)) = remit_people::read_apps("okta/apps.json", rest) {
                inputs.okta_apps = apps;
            }
        }
        4 => {
            let _ = remit_people::read_app_users("okta/app-users/a.json", rest);
        }
        _ => {
            if let Ok((rows, issues)) = remit_people::read_hr("hr.csv", rest) {
                assert!(!rows.iter().any(|r| r.incomplete) || !issues.is_empty(), "incomplete without an issue");
                inputs.hr = rows;
            }
        }
    }
    let text = String::from_utf8_lossy(rest);
    let mut user = CloudIdentity::new(Cloud::Gcp, PrincipalKind::User, format!("user:{text}"), text.to_string());
    user.emails = vec![text.to_string()];
    let mut sa = CloudIdentity::new(Cloud::Azure, PrincipalKind::ServiceAccount, "sp", "sp");
    sa.tags = vec![("owner".to_owned(), text.to_string())];
    sa.owners = vec![text.to_string()];
    let _ = correlate(&inputs, &[user, sa]);
});
