//! The API's reads and one change, over HTTP: lists page, filter and sort; `?at=` and
//! `?snapshot=` travel in time; `/api/diff` names what was added; the OpenAPI document lists
//! every route; a suppression shows on its finding and in the audit trail.

mod support;

use std::collections::{BTreeSet, HashSet};

use remit_store::Outcome;
use serde_json::{Value, json};
use support::*;

fn items(answer: &Value) -> &Vec<Value> {
    answer["items"].as_array().expect("items")
}

fn strings(answer: &Value, field: &str) -> Vec<String> {
    items(answer).iter().map(|i| i[field].as_str().unwrap_or_default().to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_page_filter_and_sort() {
    let f = Fixture::sqlite().await;
    let server = Server::start(&f.store).await;
    let c = server.client();
    let s = c.login("auditor", PASSWORD).await;
    let get = |path: String| {
        let c = c.clone();
        let s = s.clone();
        async move {
            let answer = c.get(&path, Auth::Session(&s)).await;
            answer.expect(200);
            answer.json()
        }
    };

    // Principals: the total is the snapshot's, pages are slices of the whole sorted list.
    let all = get("/api/principals?limit=1000".to_owned()).await;
    let total = f.snapshots.later.summary["principals"].as_u64().expect("the summary's count");
    assert_eq!(all["total"], json!(total));
    assert_eq!(items(&all).len() as u64, total);
    assert_eq!(all["snapshot"]["id"], json!(f.snapshots.later.id), "the newest snapshot by default");
    let arns = strings(&all, "arn");
    let mut sorted = arns.clone();
    sorted.sort();
    assert_eq!(arns, sorted, "sorted by ARN by default");
    let page = get("/api/principals?limit=10&offset=5".to_owned()).await;
    assert_eq!(
        (page["total"].clone(), page["offset"].clone(), page["limit"].clone()),
        (json!(total), json!(5), json!(10))
    );
    assert_eq!(strings(&page, "arn"), arns[5..15].to_vec());
    let past_end = get(format!("/api/principals?offset={}", total + 10)).await;
    assert!(items(&past_end).is_empty());
    assert_eq!(get("/api/principals?limit=5000".to_owned()).await["limit"], json!(1000), "limit is capped");

    // Sorting by a field, both ways.
    let asc = strings(&get("/api/principals?sort=name&order=asc&limit=1000".to_owned()).await, "name");
    let desc = strings(&get("/api/principals?sort=name&order=desc&limit=1000".to_owned()).await, "name");
    assert!(asc.windows(2).all(|w| w[0] <= w[1]), "not ascending: {asc:?}");
    assert!(desc.windows(2).all(|w| w[0] >= w[1]), "not descending: {desc:?}");
    assert_ne!(asc, desc);
    let by_findings = get("/api/principals?sort=findings&order=desc&limit=1000".to_owned()).await;
    let counts: Vec<u64> = items(&by_findings).iter().map(|i| i["findings"].as_u64().expect("a count")).collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    assert!(counts[0] > 0);

    // Filters: q over every text field, kind.
    let q = get("/api/principals?q=ADMIN&limit=1000".to_owned()).await;
    let n = q["total"].as_u64().expect("total");
    assert!(n > 0 && n < total, "q=admin matched {n} of {total}");
    assert!(items(&q).iter().all(|i| i.to_string().to_lowercase().contains("admin")));
    let users = get("/api/principals?kind=user&limit=1000".to_owned()).await;
    assert_eq!(users["total"], f.snapshots.later.summary["principals_by_kind"]["user"]);
    assert!(items(&users).iter().all(|i| i["kind"] == json!("user")));

    // Findings: severity filter agrees with the summary, sort by title both ways.
    let critical = get("/api/findings?severity=critical&limit=1000".to_owned()).await;
    assert_eq!(critical["total"], f.snapshots.later.summary["findings_by_severity"]["critical"]);
    assert!(items(&critical).iter().all(|i| i["severity"] == json!("critical")));
    let findings = get("/api/findings?limit=1000".to_owned()).await;
    let ranks: Vec<u64> = items(&findings).iter().map(|i| i["severity_rank"].as_u64().expect("rank")).collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "most severe first by default");
    let titles = strings(&get("/api/findings?sort=title&order=asc&limit=1000".to_owned()).await, "title");
    assert!(titles.windows(2).all(|w| w[0] <= w[1]));
    let titles = strings(&get("/api/findings?sort=title&order=desc&limit=1000".to_owned()).await, "title");
    assert!(titles.windows(2).all(|w| w[0] >= w[1]));
    let page = get("/api/findings?limit=7&offset=3".to_owned()).await;
    assert_eq!(strings(&page, "id"), strings(&findings, "id")[3..10].to_vec());
    let q = get("/api/findings?q=administrator&limit=1000".to_owned()).await;
    assert!(items(&q).iter().all(|i| i.to_string().to_lowercase().contains("administrator")));

    // Bad parameters: 400 with a JSON error.
    for path in [
        "/api/principals?sort=colour",
        "/api/findings?sort=colour",
        "/api/principals?order=sideways",
        "/api/findings?suppressed=maybe",
        "/api/principals?at=last-tuesday",
    ] {
        c.get(path, Auth::Session(&s)).await.expect_error(400, "bad_request");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_and_snapshot_travel_in_time_and_an_unknown_snapshot_is_a_json_404() {
    let f = Fixture::sqlite().await;
    let server = Server::start(&f.store).await;
    let c = server.client();
    let s = c.login("auditor", PASSWORD).await;
    let (earlier, later) = (&f.snapshots.earlier, &f.snapshots.later);
    let count = |v: &Value| v["total"].as_u64().expect("total");

    let now = c.get("/api/principals?limit=1000", Auth::Session(&s)).await.json();
    let between = c.get("/api/principals?limit=1000&at=2025-01-15", Auth::Session(&s)).await;
    between.expect(200);
    let then = between.json();
    assert_eq!(then["snapshot"]["id"], json!(earlier.id));
    assert_eq!(count(&then), earlier.summary["principals"].as_u64().expect("count"));
    assert_eq!(count(&now), later.summary["principals"].as_u64().expect("count"));
    assert!(count(&then) < count(&now));
    // RFC 3339, exactly at the later snapshot's time: the later one.
    let exact = c.get("/api/principals?limit=1&at=2025-02-01T00:00:00Z", Auth::Session(&s)).await.json();
    assert_eq!(exact["snapshot"]["id"], json!(later.id));
    let by_id = c.get(&format!("/api/principals?limit=1000&snapshot={}", earlier.id), Auth::Session(&s)).await.json();
    assert_eq!(strings(&by_id, "arn"), strings(&then, "arn"));
    let findings_then = c.get("/api/findings?at=2025-01-15&suppressed=any", Auth::Session(&s)).await.json();
    assert_eq!(findings_then["snapshot"]["id"], json!(earlier.id));
    let dashboard = c.get("/api/dashboard?at=2025-01-15", Auth::Session(&s)).await;
    dashboard.expect(200);
    assert_eq!(dashboard.json()["snapshot"]["id"], json!(earlier.id));
    assert_eq!(dashboard.json()["trend"].as_array().map(Vec::len), Some(1), "the trend up to then");

    // A principal added since: absent then, present now.
    let old: HashSet<String> = strings(&then, "arn").into_iter().collect();
    let added = strings(&now, "arn").into_iter().find(|a| !old.contains(a)).expect("a principal added since");
    let path = format!("/api/principals/{}", encode(&added));
    c.get(&format!("{path}?at=2025-01-15"), Auth::Session(&s)).await.expect_error(404, "not_found");
    let page = c.get(&path, Auth::Session(&s)).await;
    page.expect(200);
    assert_eq!(page.json()["principal"]["arn"], json!(added));

    // Before the first snapshot, an unknown snapshot, a snapshot of another environment: JSON 404s.
    for path in [
        "/api/principals?at=2024-06-01".to_owned(),
        "/api/findings?snapshot=999".to_owned(),
        "/api/dashboard?snapshot=999".to_owned(),
        format!("/api/findings?snapshot={}&env=elsewhere", earlier.id),
        "/api/principals?env=elsewhere".to_owned(),
        "/api/diff?from=999".to_owned(),
        "/api/findings/no-such-finding".to_owned(),
    ] {
        c.get(&path, Auth::Session(&s)).await.expect_error(404, "not_found");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diff_lists_the_principals_and_findings_added_between_two_snapshots() {
    let f = Fixture::sqlite().await;
    let server = Server::start(&f.store).await;
    let c = server.client();
    let s = c.login("auditor", PASSWORD).await;
    let (earlier, later) = (f.snapshots.earlier.id, f.snapshots.later.id);

    let answer = c.get(&format!("/api/diff?from={earlier}&to={later}"), Auth::Session(&s)).await;
    answer.expect(200);
    let diff = answer.json();
    assert_eq!(diff["from"]["id"], json!(earlier));
    assert_eq!(diff["to"]["id"], json!(later));
    let keys = |v: &Value| -> BTreeSet<String> {
        v.as_array().expect("a list").iter().map(|i| i["key"].as_str().expect("a key").to_owned()).collect()
    };

    // What the two snapshots' lists say was added, the diff says too.
    let list = |snapshot: i64, what: &'static str, field: &'static str| {
        let c = c.clone();
        let s = s.clone();
        async move {
            let extra = if what == "findings" { "&suppressed=any" } else { "" };
            let v =
                c.get(&format!("/api/{what}?limit=1000&snapshot={snapshot}{extra}"), Auth::Session(&s)).await.json();
            strings(&v, field).into_iter().collect::<BTreeSet<String>>()
        }
    };
    let (p_then, p_now) = (list(earlier, "principals", "arn").await, list(later, "principals", "arn").await);
    let added: BTreeSet<String> = p_now.difference(&p_then).cloned().collect();
    assert_eq!(added.len(), 2 * REMOVED, "the earlier bundle lacks {REMOVED} users and {REMOVED} roles");
    assert_eq!(keys(&diff["principals"]["added"]), added);
    assert!(keys(&diff["principals"]["removed"]).is_empty());
    let (f_then, f_now) = (list(earlier, "findings", "id").await, list(later, "findings", "id").await);
    let findings_added: BTreeSet<String> = f_now.difference(&f_then).cloned().collect();
    let findings_removed: BTreeSet<String> = f_then.difference(&f_now).cloned().collect();
    assert!(!findings_added.is_empty());
    assert_eq!(keys(&diff["findings"]["added"]), findings_added);
    assert_eq!(keys(&diff["findings"]["removed"]), findings_removed);
    // The added principals' permissions are added grants.
    let granted: BTreeSet<String> = diff["grants"]["added"]
        .as_array()
        .expect("grants")
        .iter()
        .map(|g| g["principal"].as_str().expect("a principal").to_owned())
        .collect();
    for arn in &added {
        assert!(granted.contains(arn), "{arn} is new but has no added grants");
    }

    // Without `from`: the snapshot before `to`. The reverse diff swaps added and removed.
    let default = c.get("/api/diff", Auth::Session(&s)).await.json();
    assert_eq!(default["from"]["id"], json!(earlier));
    assert_eq!(keys(&default["principals"]["added"]), added);
    let reverse = c.get(&format!("/api/diff?from={later}&to={earlier}"), Auth::Session(&s)).await.json();
    assert_eq!(keys(&reverse["principals"]["removed"]), added);
    c.get(&format!("/api/diff?to={earlier}"), Auth::Session(&s)).await.expect_error(404, "not_found");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_is_openapi_3_and_lists_every_route_served() {
    let f = Fixture::sqlite().await;
    let server = Server::start(&f.store).await;
    let c = server.client();
    let answer = c.get("/api/openapi.json", Auth::None).await;
    answer.expect(200);
    assert!(answer.header("content-type").is_some_and(|t| t.starts_with("application/json")));
    let doc = answer.json();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "{}", doc["openapi"]);
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    assert_eq!(doc, serde_json::to_value(remit_server::openapi()).expect("serialize"), "served = generated");

    let mut documented = BTreeSet::new();
    let mut operation_ids = HashSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            if !["get", "put", "post", "delete", "patch", "head", "options", "trace"].contains(&method.as_str()) {
                continue;
            }
            documented.insert((method.clone(), path.clone()));
            assert!(op["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path}: no responses");
            if let Some(id) = op["operationId"].as_str() {
                assert!(operation_ids.insert(id.to_owned()), "operationId {id} twice");
            }
            // Every `{param}` of the path is a declared path parameter.
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            for name in path.split('{').skip(1).filter_map(|p| p.split('}').next()) {
                assert!(
                    params.iter().any(|p| p["name"] == json!(name) && p["in"] == json!("path")),
                    "{method} {path}: path parameter {name} undeclared"
                );
            }
        }
    }
    // Every $ref resolves.
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(o) => {
                if let Some(Value::String(r)) = o.get("$ref") {
                    out.push(r.clone());
                }
                o.values().for_each(|v| refs(v, out));
            }
            Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    for r in all {
        let pointer = r.strip_prefix('#').expect("a local reference");
        assert!(doc.pointer(pointer).is_some(), "dangling $ref {r}");
    }

    let expected: BTreeSet<(String, String)> = ROUTES.iter().map(|(m, p)| ((*m).to_owned(), (*p).to_owned())).collect();
    let missing: Vec<_> = expected.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&expected).collect();
    assert!(missing.is_empty(), "served but not documented: {missing:?}");
    assert!(unknown.is_empty(), "documented but not in the test's list: {unknown:?}");

    // Every documented route is served: the router answers it (401, or the handler's own
    // answer), never its bare 404 or 405.
    for (method, path) in &documented {
        let concrete = path.replace("{arn}", "x").replace("{id}", "x").replace("{name}", "x");
        let body = (method != "get" && method != "delete").then(|| json!({}));
        let a = c.send(&method.to_uppercase(), &concrete, Auth::None, body.as_ref(), &[]).await;
        assert_ne!(a.status, 405, "{method} {path} is not routed");
        if a.status == 404 {
            assert_eq!(a.json()["error"]["code"], json!("not_found"), "{method} {path} is not routed: {}", a.body);
        }
    }
    // And what is not documented is not served.
    let a = c.get("/api/not-a-route", Auth::None).await;
    assert_eq!(a.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_suppression_shows_on_its_finding_and_in_the_audit_trail() {
    let f = Fixture::sqlite().await;
    let server = Server::start(&f.store).await;
    let c = server.client();
    let analyst = c.login("analyst", PASSWORD).await;
    let auditor = c.login("auditor", PASSWORD).await;
    let open = c.get("/api/findings?severity=high&limit=1000", Auth::Session(&auditor)).await.json();
    let before_total = open["total"].as_u64().expect("total");
    let item = items(&open)[0].clone();
    let id = item["id"].as_str().expect("an id").to_owned();
    assert_eq!(item["suppressed"], Value::Null);
    let path = format!("/api/findings/{id}/suppression");

    // Refusals first: no reason, an expiry in the past, an unknown finding.
    c.post(&path, Auth::Session(&analyst), &json!({"reason": "  "})).await.expect_error(400, "bad_request");
    c.post(&path, Auth::Session(&analyst), &json!({"reason": "x", "expires_at": "2001-01-01"}))
        .await
        .expect_error(400, "bad_request");
    c.post("/api/findings/no-such-finding/suppression", Auth::Session(&analyst), &json!({"reason": "x"}))
        .await
        .expect_error(404, "not_found");
    c.delete(&path, Auth::Session(&analyst)).await.expect_error(404, "not_found");

    let reason = "break-glass role, reviewed quarterly";
    let created = c.post(&path, Auth::Session(&analyst), &json!({"reason": reason, "expires_at": "2031-06-30"})).await;
    created.expect(201);
    assert_eq!(created.json()["by"], json!("analyst"));

    // On the finding, in the lists, and out of the open list.
    let one = c.get(&format!("/api/findings/{id}"), Auth::Session(&auditor)).await;
    one.expect(200);
    let suppressed = &one.json()["suppressed"];
    assert_eq!(suppressed["reason"], json!(reason));
    assert_eq!(suppressed["by"], json!("analyst"));
    assert!(suppressed["expires"].as_str().is_some_and(|e| e.starts_with("2031-06-30")), "{suppressed}");
    let listed = c.get("/api/findings?severity=high&suppressed=true", Auth::Session(&auditor)).await.json();
    assert_eq!(strings(&listed, "id"), vec![id.clone()]);
    assert_eq!(items(&listed)[0]["suppressed"]["by"], json!("analyst"));
    let still_open = c.get("/api/findings?severity=high&limit=1000", Auth::Session(&auditor)).await.json();
    assert_eq!(still_open["total"].as_u64(), Some(before_total - 1));
    assert!(!strings(&still_open, "id").contains(&id));
    // The identity page's findings agree with the list.
    let principal = item["principals"][0].as_str().expect("a principal").to_owned();
    let page = c.get(&format!("/api/principals/{}", encode(&principal)), Auth::Session(&auditor)).await.json();
    let on_page = page["findings"].as_array().expect("findings").iter().find(|x| x["id"] == json!(id)).cloned();
    assert_eq!(on_page.expect("the finding on its principal's page")["suppressed"]["by"], json!("analyst"));

    // In the audit trail, by the analyst, from the client's address; the chain verifies.
    let trail = audit_trail(&f.store).await;
    let record = trail.iter().rev().find(|r| r.action == "finding.suppress").expect("the suppression's record");
    assert_eq!((record.actor.as_str(), record.target.as_str()), ("analyst", id.as_str()));
    assert_eq!(record.outcome, Outcome::Success);
    assert_eq!(record.source, "127.0.0.1");
    assert_eq!(record.detail["reason"], json!(reason));
    assert_eq!(record.detail["env"], json!(ENV));
    assert_intact(&f.store.audit_verify(None).await.expect("verify"));
    let verify = c.get("/api/audit/verify", Auth::Session(&auditor)).await.json();
    assert_eq!(verify["intact"], json!(true));
    let audit = c.get("/api/audit?limit=5", Auth::Session(&auditor)).await.json();
    assert!(audit["items"].to_string().contains("finding.suppress"));

    // Lifted: open again, audited.
    c.delete(&path, Auth::Session(&analyst)).await.expect(204);
    let reopened = c.get(&format!("/api/findings/{id}"), Auth::Session(&auditor)).await.json();
    assert_eq!(reopened["suppressed"], Value::Null);
    let trail = audit_trail(&f.store).await;
    assert!(trail.iter().any(|r| r.action == "finding.unsuppress" && r.actor == "analyst" && r.target == id));
    assert_intact(&f.store.audit_verify(None).await.expect("verify"));
}
