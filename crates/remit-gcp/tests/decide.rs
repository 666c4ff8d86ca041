//! Decision rules over the fixture organization `org-a` (shapes documented in
//! `tests/common/mod.rs`): each rule with a positive and a negative case, citing the doc.
#![allow(clippy::unwrap_used)]

mod common;

use common::{analysis, env, verdict};
use remit_gcp::GcpAnalysis;
use remit_model::{Access, Step, Verdict};

const A_LOGS: &str = "//storage.googleapis.com/projects/_/buckets/a-logs";
const A_PROD: &str = "//storage.googleapis.com/a-prod";
const A_WWW: &str = "//storage.googleapis.com/a-www";
const B_DATA: &str = "//storage.googleapis.com/b-data";
const DEPLOYER: &str = "//iam.googleapis.com/projects/proj-a/serviceAccounts/deployer@proj-a.iam.gserviceaccount.com";

#[test]
fn loads_the_whole_organization() {
    let env = env();
    assert_eq!(env.organization.name, "organizations/100000000001");
    assert_eq!(env.organization.directory_customer_id.as_deref(), Some("C01abcde2"));
    assert_eq!(env.folders.len(), 2);
    assert_eq!(env.projects.len(), 3);
    assert_eq!(env.projects[0].parent.as_deref(), Some("folders/200000000002"));
    assert_eq!(env.policies.len(), 9);
    assert_eq!(env.deny_policies.len(), 2);
    assert_eq!(env.deny_policies[0].attachment_point, "cloudresourcemanager.googleapis.com/organizations/100000000001");
    assert_eq!(env.deny_policies[1].attachment_point, "cloudresourcemanager.googleapis.com/projects/proj-a");
    assert_eq!(env.deny_policies[1].rules.len(), 2);
    assert_eq!(env.service_accounts.len(), 4);
    assert_eq!(env.service_account_keys.len(), 3);
    assert_eq!(env.groups.len(), 3);
    assert_eq!(env.workforce_pools.len(), 1);
    assert!(env.tags_collected);
    assert_eq!(env.roles.len(), 11);
}

// https://cloud.google.com/iam/docs/resource-hierarchy-access-control: a grant at an ancestor
// applies to every descendant.
#[test]
fn grants_are_inherited_down_the_hierarchy() {
    let a = analysis();
    let e = a.explain("admin@corp.example", "resourcemanager.projects.setIamPolicy", "projects/proj-b").unwrap();
    assert_eq!(e.verdict, Verdict::Allowed);
    assert!(e.via.contains(&Step::Inherited { scope: "organizations/100000000001".into() }));
    // folderadmin's grant at folders/200000000001 reaches proj-b (under it), not proj-c (under
    // the organization).
    assert_eq!(
        verdict(&a, "folderadmin@corp.example", "resourcemanager.folders.setIamPolicy", "folders/200000000002"),
        "allowed"
    );
    assert_eq!(
        verdict(&a, "folderadmin@corp.example", "resourcemanager.folders.setIamPolicy", "organizations/100000000001"),
        "denied"
    );
    // Short and full names of a project name the same node.
    assert_eq!(
        verdict(
            &a,
            "admin@corp.example",
            "resourcemanager.projects.setIamPolicy",
            "//cloudresourcemanager.googleapis.com/projects/300000000003"
        ),
        "allowed"
    );
}

// https://cloud.google.com/iam/docs/deny-overview: "IAM always checks relevant deny policies
// before checking relevant allow policies".
#[test]
fn deny_is_checked_before_allow() {
    let a = analysis();
    // roles/owner on proj-a grants iam.serviceAccountKeys.create; the deny policy on proj-a
    // denies it to admin (FQDN form iam.googleapis.com/serviceAccountKeys.create).
    let e = a.explain("admin@corp.example", "iam.serviceAccountKeys.create", "projects/proj-a").unwrap();
    assert_eq!(e.verdict, Verdict::Denied);
    assert!(e.reasons.iter().any(|r| r.contains("protect-prod rule 1")));
    // It denies that permission only.
    assert_eq!(verdict(&a, "admin@corp.example", "iam.serviceAccounts.actAs", "projects/proj-a"), "allowed");
    // And applies to descendants of its attachment point: the deployer account in proj-a.
    assert_eq!(verdict(&a, "admin@corp.example", "iam.serviceAccountKeys.create", DEPLOYER), "denied");
}

// https://cloud.google.com/iam/docs/deny-overview#exception-principals and denial conditions on
// tags (https://cloud.google.com/iam/docs/tags-access-control#deny-policies).
#[test]
fn deny_exceptions_and_tag_conditions() {
    let a = analysis();
    // ann is in sre, nested in platform: denied on the bucket tagged env=prod…
    assert_eq!(verdict(&a, "ann@corp.example", "storage.objects.get", A_PROD), "denied");
    // …allowed on the untagged one.
    assert_eq!(verdict(&a, "ann@corp.example", "storage.objects.get", A_LOGS), "allowed");
    // lead is in platform but excepted.
    let lead = a.explain("lead@corp.example", "storage.objects.get", A_PROD).unwrap();
    assert_eq!(lead.verdict, Verdict::Allowed);
    assert!(lead.reasons.iter().any(|r| r.contains("protect-prod rule 0") && r.contains("principal is excepted")));
    // On the untagged bucket the rule's condition is false.
    let ann = a.explain("ann@corp.example", "storage.objects.get", A_LOGS).unwrap();
    assert!(ann.reasons.iter().any(|r| r.contains("denialCondition is false")), "{:?}", ann.reasons);
}

// Tags not collected for a resource: the deny's tag condition cannot be decided.
#[test]
fn deny_condition_on_uncollected_tags_is_conditional() {
    let a = analysis();
    // The service account resource is not in resources.json: its tags are unknown.
    match a.explain("ann@corp.example", "storage.objects.get", DEPLOYER).unwrap().verdict {
        Verdict::Conditional(c) => assert!(c.iter().any(|c| c.on_deny && c.expression.contains("matchTag"))),
        other => panic!("{other:?}"),
    }
    // Without the tags file, the prod bucket's deny is conditional too.
    let mut env = env();
    env.tags_collected = false;
    env.resources.iter_mut().for_each(|r| r.tags.clear());
    let untagged = GcpAnalysis::at(env, common::NOW);
    assert_eq!(verdict(&untagged, "ann@corp.example", "storage.objects.get", A_PROD), "conditional");
}

// Groups include members of nested groups (https://cloud.google.com/iam/docs/groups-in-cloud-console).
#[test]
fn nested_groups_are_expanded_with_their_path() {
    let a = analysis();
    let e = a.explain("ann@corp.example", "storage.objects.get", A_LOGS).unwrap();
    assert_eq!(
        &e.via[..2],
        &[
            Step::Group { group: "group:sre@corp.example".into() },
            Step::Group { group: "group:platform@corp.example".into() }
        ]
    );
    assert_eq!(a.groups_of("ann@corp.example"), vec!["platform@corp.example", "sre@corp.example"]);
    // Not a member: denied.
    assert_eq!(verdict(&a, "vm@corp.example", "storage.objects.get", A_LOGS), "denied");
}

// https://cloud.google.com/iam/docs/principal-identifiers#allow: deleted:user:…?uid= does not
// match a new principal with the same email.
#[test]
fn deleted_members_do_not_match_new_principals() {
    let a = analysis();
    // bob@ (now a member of data@, whose binding is limited to a-logs) is named on proj-a's
    // platform binding only as deleted:user:bob@corp.example?uid=…
    assert_eq!(verdict(&a, "bob@corp.example", "storage.objects.get", A_PROD), "denied");
    assert_eq!(verdict(&a, "bob@corp.example", "storage.objects.get", A_LOGS), "allowed");
}

// https://cloud.google.com/iam/docs/conditions-attribute-reference#resource-name
#[test]
fn resource_name_conditions() {
    let a = analysis();
    assert_eq!(verdict(&a, "carol@corp.example", "storage.objects.get", A_LOGS), "allowed");
    let carol = a.explain("carol@corp.example", "storage.objects.get", A_PROD).unwrap();
    assert_eq!(carol.verdict, Verdict::Denied);
    assert!(
        carol.reasons.iter().any(|r| r.contains("logs bucket only") && r.contains("false here")),
        "{:?}",
        carol.reasons
    );
}

// https://cloud.google.com/iam/docs/conditions-attribute-reference#resource-type and
// #resource-service (single-quoted literals).
#[test]
fn resource_type_and_service_conditions() {
    let a = analysis();
    assert_eq!(verdict(&a, "bucketeer@corp.example", "storage.objects.get", A_LOGS), "allowed");
    assert_eq!(verdict(&a, "bucketeer@corp.example", "storage.objects.get", "projects/proj-a"), "denied");
}

// https://cloud.google.com/iam/docs/tags-access-control#conditions (matchTag, hasTagKey,
// matchTagId, hasTagKeyId) with Kleene logic for `||` and `!`.
#[test]
fn tag_conditions() {
    let a = analysis();
    assert_eq!(verdict(&a, "prodreader@corp.example", "storage.objects.get", A_PROD), "allowed");
    assert_eq!(verdict(&a, "prodreader@corp.example", "storage.objects.get", A_LOGS), "denied");
    assert_eq!(verdict(&a, "idreader@corp.example", "storage.objects.get", A_PROD), "allowed");
    assert_eq!(verdict(&a, "idreader@corp.example", "storage.objects.get", A_LOGS), "denied");
    // endsWith("/a-prod") || !hasTagKey(env): a-prod by name, a-logs untagged, and the project
    // (no resource.name, but no tag either: unknown || true = true).
    assert_eq!(verdict(&a, "tagged@corp.example", "storage.objects.get", A_PROD), "allowed");
    assert_eq!(verdict(&a, "tagged@corp.example", "storage.objects.get", A_LOGS), "allowed");
    assert_eq!(verdict(&a, "tagged@corp.example", "storage.objects.get", "projects/proj-a"), "allowed");
}

// `in` on a list, `!=`, `>` on timestamps, parentheses
// (https://cloud.google.com/iam/docs/conditions-overview#cel).
#[test]
fn list_membership_inequality_and_later_than() {
    let a = analysis();
    assert_eq!(verdict(&a, "listreader@corp.example", "storage.objects.get", A_LOGS), "allowed");
    assert_eq!(verdict(&a, "listreader@corp.example", "storage.objects.get", A_PROD), "denied");
    assert_eq!(verdict(&a, "listreader@corp.example", "storage.objects.get", "projects/proj-a"), "denied");
    // Without a time, `request.time > …` is unknown: conditional where the rest holds.
    let timeless = GcpAnalysis::new(env());
    assert_eq!(verdict(&timeless, "listreader@corp.example", "storage.objects.get", A_LOGS), "conditional");
    assert_eq!(verdict(&timeless, "listreader@corp.example", "storage.objects.get", A_PROD), "denied");
}

// Deny principals by service account unique id and by Cloud Identity customer
// (https://cloud.google.com/iam/docs/principal-identifiers#deny).
#[test]
fn deny_by_unique_id_and_customer() {
    let a = analysis();
    assert_eq!(
        verdict(&a, "admin-sa@proj-b.iam.gserviceaccount.com", "iam.serviceAccounts.actAs", "projects/proj-b"),
        "denied"
    );
    assert_eq!(
        verdict(&a, "runner@proj-c.iam.gserviceaccount.com", "iam.serviceAccounts.actAs", "projects/proj-c"),
        "allowed"
    );
    // ann's domain is the organization's: in the customer, denied listing production objects.
    assert_eq!(verdict(&a, "ann@corp.example", "storage.objects.list", A_PROD), "denied");
    assert_eq!(verdict(&a, "ann@corp.example", "storage.objects.list", A_LOGS), "allowed");
    // The contractor's domain may or may not belong to the customer: conditional on the deny.
    match a.explain("contractor@partner.example", "storage.objects.list", A_PROD).unwrap().verdict {
        Verdict::Conditional(c) => assert!(c.iter().any(|c| c.on_deny && c.expression.contains("C01abcde2"))),
        other => panic!("{other:?}"),
    }
}

// Resources the bundle does not list are placed by their full names
// (https://cloud.google.com/iam/docs/full-resource-names) and inherit from there.
#[test]
fn unlisted_objects_and_resources_inherit() {
    let a = analysis();
    let object = "//storage.googleapis.com/projects/_/buckets/a-logs/objects/2026/app.log";
    // carol's grant holds for names starting with projects/_/buckets/a-logs: objects included.
    assert_eq!(verdict(&a, "carol@corp.example", "storage.objects.get", object), "allowed");
    // bucketeer's is for buckets only (resource.type): not objects.
    assert_eq!(verdict(&a, "bucketeer@corp.example", "storage.objects.get", object), "denied");
    // A secret in proj-a: its tags are unknown, so the tag deny on ann stays conditional; its
    // type is unknown but its service is not, so bucketeer's `type && service` is false.
    let secret = "//secretmanager.googleapis.com/projects/proj-a/secrets/db";
    assert_eq!(verdict(&a, "ann@corp.example", "storage.objects.get", secret), "conditional");
    assert_eq!(verdict(&a, "bucketeer@corp.example", "storage.objects.get", secret), "denied");
    // listreader's `type in [...]` is unknown for it, its name is not the prod bucket's, and
    // the time is known: conditional.
    assert_eq!(verdict(&a, "listreader@corp.example", "storage.objects.get", secret), "conditional");
    assert!(a.who_can("storage.objects.get", "//secretmanager.googleapis.com/projects/unknown/secrets/db").is_err());
}

// https://cloud.google.com/iam/docs/conditions-attribute-reference#request-time
#[test]
fn time_conditions_decide_only_with_an_evaluation_time() {
    let a = analysis();
    // Granted until 2027: in force at the evaluation time.
    assert_eq!(verdict(&a, "contractor@partner.example", "storage.objects.get", "projects/proj-b"), "allowed");
    // Granted during 2020 only: expired.
    assert_eq!(verdict(&a, "expired@corp.example", "storage.objects.get", A_LOGS), "denied");
    // Without an evaluation time both stay conditional, with their expressions.
    let timeless = GcpAnalysis::new(env());
    assert_eq!(
        verdict(&timeless, "contractor@partner.example", "storage.objects.get", "projects/proj-b"),
        "conditional"
    );
    match timeless.explain("expired@corp.example", "storage.objects.get", A_LOGS).unwrap().verdict {
        Verdict::Conditional(c) => assert!(c[0].expression.contains("2021-01-01")),
        other => panic!("{other:?}"),
    }
}

// Functions outside the decided subset are reported, never guessed.
#[test]
fn unsupported_functions_are_conditional() {
    let a = analysis();
    match a.explain("ops@corp.example", "storage.objects.get", A_LOGS).unwrap().verdict {
        Verdict::Conditional(c) => {
            assert_eq!(&*c[0].expression, "request.time.getHours(\"Europe/Berlin\") >= 9");
            assert!(c[0].source.contains("office hours"));
            assert!(!c[0].on_deny);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(verdict(&a, "ops@corp.example", "storage.objects.get", "projects/proj-c"), "denied");
}

// https://cloud.google.com/iam/docs/creating-custom-roles#deleting-custom-role: bindings of a
// deleted role are inactive.
#[test]
fn custom_roles_and_deleted_roles() {
    let a = analysis();
    assert_eq!(verdict(&a, "dev@corp.example", "storage.buckets.get", A_LOGS), "allowed");
    assert_eq!(verdict(&a, "dev@corp.example", "storage.buckets.delete", A_LOGS), "denied");
}

// https://cloud.google.com/iam/docs/principal-identifiers#allow: workforce subjects, pool groups
// (claims not collected: conditional), principalSet of a project's service accounts.
#[test]
fn workforce_and_principal_sets() {
    let a = analysis();
    let jdoe = "principal://iam.googleapis.com/locations/global/workforcePools/corp-pool/subject/jdoe@corp.example";
    assert_eq!(verdict(&a, jdoe, "storage.objects.get", "projects/proj-c"), "allowed");
    assert_eq!(verdict(&a, "jdoe@corp.example", "storage.objects.get", "projects/proj-a"), "conditional");
    assert_eq!(verdict(&a, jdoe, "storage.objects.get", "projects/proj-b"), "denied");
    assert_eq!(
        verdict(&a, "runner@proj-c.iam.gserviceaccount.com", "storage.objects.get", "projects/proj-c"),
        "allowed"
    );
    assert_eq!(
        verdict(&a, "deployer@proj-a.iam.gserviceaccount.com", "storage.objects.get", "projects/proj-c"),
        "denied"
    );
}

// https://cloud.google.com/storage/docs/access-control/iam#convenience-values and
// https://cloud.google.com/iam/docs/principal-identifiers#allow-public.
#[test]
fn convenience_values_and_public_members() {
    let a = analysis();
    let holders = a.who_can("storage.objects.get", B_DATA).unwrap();
    let ids: Vec<&str> = holders.iter().map(|h| h.principal.id.as_str()).collect();
    // admin-sa owns proj-b: it holds through projectOwner:proj-b.
    assert!(ids.contains(&"serviceAccount:admin-sa@proj-b.iam.gserviceaccount.com"), "{ids:?}");
    assert!(ids.contains(&"allAuthenticatedUsers"));
    assert!(ids.contains(&"user:partner@partner.example"));
    // deployer holds only through allAuthenticatedUsers: not listed on its own…
    assert!(!ids.contains(&"serviceAccount:deployer@proj-a.iam.gserviceaccount.com"));
    // …but decided allowed.
    assert_eq!(verdict(&a, "deployer@proj-a.iam.gserviceaccount.com", "storage.objects.get", B_DATA), "allowed");
    // allUsers (anonymous) is not an authenticated user.
    assert_eq!(verdict(&a, "allUsers", "storage.objects.get", B_DATA), "denied");
    assert_eq!(verdict(&a, "allUsers", "storage.objects.get", A_WWW), "allowed");
    assert_eq!(verdict(&a, "allUsers", "storage.objects.get", A_LOGS), "denied");
}

#[test]
fn who_can_shows_paths() {
    let a = analysis();
    let holders = a.who_can("storage.objects.get", A_LOGS).unwrap();
    let ann = holders.iter().find(|h| h.principal.id == "user:ann@corp.example").unwrap();
    assert_eq!(ann.access, Access::Allowed);
    assert!(ann.via.contains(&Step::Inherited { scope: "projects/proj-a".into() }));
    assert!(holders.iter().all(|h| h.principal.id != "allUsers"));
    let public = a.who_can("storage.objects.get", A_WWW).unwrap();
    let public = public.iter().find(|h| h.principal.id == "allUsers").unwrap();
    assert!(matches!(public.via[0], Step::ResourcePolicy { .. }));
    assert!(holders.iter().all(|h| h.principal.id != "user:expired@corp.example"));
    assert!(a.who_can("storage.objects.get", "//storage.googleapis.com/nope").is_err());
}

#[test]
fn what_can_lists_entitlements_with_denies() {
    let a = analysis();
    let dev = a.what_can("user:dev@corp.example").unwrap();
    assert!(dev.iter().any(|e| &*e.action == "storage.buckets.get" && &*e.resource == "projects/proj-a"));
    assert!(dev.iter().any(|e| &*e.action == "iam.serviceAccounts.getAccessToken" && e.resource.contains("deployer")));
    assert!(!dev.iter().any(|e| &*e.action == "storage.buckets.delete"));
    // admin's key creation on proj-a is denied outright: removed.
    let admin = a.what_can("admin@corp.example").unwrap();
    assert!(!admin.iter().any(|e| &*e.action == "iam.serviceAccountKeys.create" && &*e.resource == "projects/proj-a"));
    assert!(admin.iter().any(|e| &*e.action == "iam.serviceAccounts.actAs" && &*e.resource == "projects/proj-a"));
    // ann's objects.get on proj-a may be denied (tag condition, unknown without a resource).
    let ann = a.what_can("ann@corp.example").unwrap();
    let get = ann.iter().find(|e| &*e.action == "storage.objects.get" && &*e.resource == "projects/proj-a").unwrap();
    assert!(get.access.conditions().iter().any(|c| c.on_deny));
    assert!(a.what_can("nobody@corp.example").is_err());
}

#[test]
fn principals_and_resources() {
    let a = analysis();
    let kinds: Vec<(&str, &str)> = a.principals().iter().map(|p| (p.id.as_str(), p.kind.as_str())).collect();
    assert!(kinds.contains(&("allUsers", "anyone")));
    assert!(kinds.contains(&("serviceAccount:runner@proj-c.iam.gserviceaccount.com", "service-account")));
    assert!(kinds.contains(&("group:sre@corp.example", "group")));
    assert!(!kinds.iter().any(|(id, _)| id.starts_with("deleted:")));
    assert_eq!(a.find_principal("Ann@corp.example").unwrap().id, "user:ann@corp.example");
    let resources = a.resources();
    assert!(
        resources.iter().any(|r| r.id == "//storage.googleapis.com/a-prod" && r.scope.as_deref() == Some("proj-a"))
    );
    assert!(resources.iter().any(|r| r.id == "folders/200000000002"));
    let sas = a.service_accounts();
    let deployer = sas.iter().find(|(s, _)| s.email.starts_with("deployer")).unwrap();
    assert_eq!(deployer.1.len(), 2);
    assert_eq!(a.workforce_principals(), vec![("corp-pool", "jdoe@corp.example")]);
    assert!(a.user_emails().contains(&"ann@corp.example"));
}

// https://cloud.google.com/iam/docs/creating-custom-roles#disabling_a_custom_role: bindings of
// a disabled role are inactive.
#[test]
fn disabled_custom_roles_grant_nothing() {
    let mut env = env();
    let role = env.roles.iter_mut().find(|r| r.name == "projects/proj-a/roles/deployer").unwrap();
    role.stage = "DISABLED".into();
    let a = GcpAnalysis::at(env, common::NOW);
    assert_eq!(verdict(&a, "dev@corp.example", "storage.buckets.get", A_LOGS), "denied");
    assert_eq!(verdict(&analysis(), "dev@corp.example", "storage.buckets.get", A_LOGS), "allowed");
}

// A role bound but not collected: its holders' answers may be incomplete.
#[test]
fn roles_missing_from_the_bundle_mark_their_holders_incomplete() {
    let mut env = env();
    env.roles.retain(|r| r.name != "roles/iam.serviceAccountUser");
    let a = GcpAnalysis::at(env, common::NOW);
    assert!(a.engine().missing_roles().contains("roles/iam.serviceAccountUser"));
    assert!(a.find_principal("vm@corp.example").unwrap().incomplete);
    assert!(a.find_principal("group:platform@corp.example").unwrap().incomplete);
    // ann is in platform through sre.
    assert!(a.find_principal("ann@corp.example").unwrap().incomplete);
    assert!(!a.find_principal("dev@corp.example").unwrap().incomplete);
    assert!(!analysis().find_principal("vm@corp.example").unwrap().incomplete);
}
