//! Right-sized custom roles from usage rollups.
//!
//! The role file is what `gcloud iam roles create ROLE --project P --file role.yaml` takes
//! (<https://cloud.google.com/sdk/gcloud/reference/iam/roles/create>); the Terraform is the
//! Google provider's `google_project_iam_custom_role` and `google_project_iam_member` (Terraform
//! Google provider documentation).
#![allow(clippy::unwrap_used)]

use remit_activity::{Outcome, Rollups, window::Window};
use remit_gcp_activity::rightsize::{RoleError, RoleRequest, rightsize};

const ME: &str = "serviceAccount:ci@my-project.iam.gserviceaccount.com";

fn usage() -> Rollups {
    let mut r = Rollups::new();
    r.record_usage(ME, "storage.objects.get", "projects/_/buckets/b/objects/o", 100, Outcome::Allowed);
    r.record_usage(ME, "compute.instances.create", "projects/my-project/zones/z/instances/i", 200, Outcome::Failed);
    r.record_usage(ME, "compute.instances.delete", "projects/my-project/zones/z/instances/i", 200, Outcome::Denied);
    r.record_usage(ME, "compute.instances.get", "projects/123456/zones/z/instances/i", 300, Outcome::Allowed);
    r.record_usage(ME, "bigquery.tables.getData", "projects/other/datasets/d/tables/t", 300, Outcome::Allowed);
    r.record_usage(
        "user:bob@example.com",
        "resourcemanager.projects.setIamPolicy",
        "projects/my-project",
        1,
        Outcome::Allowed,
    );
    r
}

fn request(replaces: &[String]) -> RoleRequest<'_> {
    RoleRequest {
        member: ME,
        project: "my-project",
        project_number: Some("123456"),
        role_id: "remit.ci_rightsized",
        title: "CI (right-sized)",
        description: "Least privilege from observed activity",
        replaces,
        window: None,
    }
}

#[test]
fn the_role_holds_the_granted_permissions_of_this_project() {
    let replaces = vec!["roles/editor".to_owned()];
    let role = rightsize(&usage().usage(), &request(&replaces)).unwrap();
    assert_eq!(role.permissions, ["compute.instances.create", "compute.instances.get", "storage.objects.get"]);
    assert_eq!(role.denied_only, ["compute.instances.delete"]);
    assert_eq!(role.other_projects, ["bigquery.tables.getData projects/other/datasets/d/tables/t"]);
    assert_eq!(
        role.yaml,
        "title: \"CI (right-sized)\"\ndescription: \"Least privilege from observed activity\"\nstage: GA\nincludedPermissions:\n- compute.instances.create\n- compute.instances.get\n- storage.objects.get\n"
    );
    assert_eq!(role.json["stage"], "GA");
    assert_eq!(role.json["includedPermissions"][2], "storage.objects.get");
    assert_eq!(
        role.commands,
        [
            "gcloud iam roles create remit.ci_rightsized --project=my-project --file=role.yaml".to_owned(),
            format!(
                "gcloud projects add-iam-policy-binding my-project --member={ME} --role=projects/my-project/roles/remit.ci_rightsized"
            ),
            format!("gcloud projects remove-iam-policy-binding my-project --member={ME} --role=roles/editor"),
        ]
    );
    assert!(role.terraform.contains("resource \"google_project_iam_custom_role\" \"remit_rightsized\""));
    assert!(role.terraform.contains("  role    = google_project_iam_custom_role.remit_rightsized.name\n"));
    assert!(role.terraform.contains(&format!("  member  = \"{ME}\"\n")));
    assert!(role.terraform.contains("#   roles/editor"));
}

#[test]
fn output_is_the_same_whatever_order_usage_came_in() {
    let mut rows = usage().usage();
    let a = rightsize(&rows, &request(&[])).unwrap();
    rows.reverse();
    assert_eq!(a, rightsize(&rows, &request(&[])).unwrap());
}

#[test]
fn a_bad_role_id_is_refused_and_a_window_narrows() {
    let mut bad = request(&[]);
    bad.role_id = "no-dashes";
    assert_eq!(rightsize(&usage().usage(), &bad), Err(RoleError::RoleId("no-dashes".into())));
    let mut late = request(&[]);
    late.window = Some(Window { start: 250, end: 1000 });
    let role = rightsize(&usage().usage(), &late).unwrap();
    assert_eq!(role.permissions, ["compute.instances.get"]);
    // Another member's usage gives an empty role.
    let mut other = request(&[]);
    other.member = "user:nobody@example.com";
    let empty = rightsize(&usage().usage(), &other).unwrap();
    assert!(empty.permissions.is_empty());
    assert!(empty.yaml.ends_with("includedPermissions: []\n"));
}
