//! Checks the page's structure (counts, one row and one set of details per finding, a graph per
//! path), that it references nothing outside itself, and that the report's text is escaped.
//!
//! Set `REMIT_FINDINGS_SAMPLE_DIR` to a directory to have the sample report written there in
//! each format (and a page with many paths), to look at them in a browser.

use super::*;
use crate::sample::{self, arn, finding, step};
use crate::{Reach, Report, Suppressed};

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// The values of every `name="…"` attribute.
fn attributes<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let pattern = format!(" {name}=\"");
    html.match_indices(&pattern)
        .filter_map(|(at, m)| {
            let rest = html.get(at + m.len()..)?;
            rest.find('"').and_then(|end| rest.get(..end))
        })
        .collect()
}

#[test]
fn page_holds_every_finding_once_with_its_graph() {
    let report = sample::report();
    let html = to_html(&report);
    if let Some(dir) = std::env::var_os("REMIT_FINDINGS_SAMPLE_DIR") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::write(dir.join("report.html"), &html).unwrap();
        let mut lines = Vec::new();
        crate::ocsf::write_ocsf_lines(&report, &mut lines).unwrap();
        std::fs::write(dir.join("report.ocsf.ndjson"), lines).unwrap();
        std::fs::write(dir.join("report.json"), serde_json::to_string_pretty(&report).unwrap()).unwrap();
    }
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(html.ends_with("</html>\n"));
    let n = report.findings.len();
    assert_eq!(count(&html, "<tbody class=\"finding\""), n);
    assert_eq!(count(&html, "<tr class=\"main\">"), n);
    assert_eq!(count(&html, "<tr class=\"detail\">"), n);
    assert_eq!(count(&html, "<details>"), n);
    for f in &report.findings {
        assert_eq!(count(&html, &format!("id=\"{}\"", f.id)), 1, "{}", f.id);
    }
    let with_path = report.findings.iter().filter(|f| !f.path.is_empty()).count();
    assert!(with_path >= 4);
    assert_eq!(count(&html, "<svg class=\"path-graph\""), with_path);
    assert_eq!(count(&html, "<svg class=\"combined-graph\""), 1);
    // Two charts, one bar per severity and per kind.
    assert_eq!(count(&html, "<figure class=\"chart\">"), 2);
    assert_eq!(count(&html, "<rect x=\"150\""), 5 + 8);
    // The header's counts are the summary's.
    let s = &report.summary;
    assert!(html.contains(&format!("<div class=\"n\">{}</div><div class=\"l\">Open findings</div>", s.open)));
    assert!(html.contains(&format!(
        "<div class=\"n\">{}<span class=\"of\"> / {}</span></div>",
        s.principals_at_risk, s.principals
    )));
    assert!(html.contains("<span class=\"sev sev-critical\">Critical 4</span>"), "4 open critical findings");
    assert_eq!(count(&html, "<span class=\"status st-supp\">Suppressed</span>"), s.suppressed);
    assert_eq!(count(&html, "<span class=\"status st-open\">Open</span>"), s.open);
    // The riskiest principals, worst first.
    let top = report.riskiest_principals(10);
    let table = html.split("<table class=\"principals\">").nth(1).and_then(|t| t.split("</table>").next()).unwrap();
    assert_eq!(count(table, "<tr><td class=\"num\">"), top.len());
    assert!(table.find("ci-deploy").unwrap() < table.find("carol").unwrap());
    // Generated time, for people.
    assert!(html.contains("<dd>2026-12-06 11:17 UTC</dd>"));
}

#[test]
fn page_fetches_nothing() {
    let html = to_html(&sample::report());
    assert!(!html.contains("http://") && !html.contains("https://"));
    for name in ["src", "href", "action", "xlink:href", "srcset", "poster", "data"] {
        for value in attributes(&html, name) {
            assert!(value.starts_with('#'), "{name}=\"{value}\"");
        }
    }
    assert!(
        !html.contains("url(") && !html.contains("@import") && !html.contains("<link") && !html.contains("<iframe")
    );
    assert_eq!(count(&html, "<script"), 1, "only the inline script");
    assert!(!html.contains("<script src"));
}

#[test]
fn report_text_is_escaped() {
    let evil = "<script>alert('x')</script>";
    let principal = format!("arn:aws:iam::111122223333:role/{evil}");
    let mut f = finding(
        crate::Kind::PrivilegeEscalation,
        "aws-privilege-escalation",
        crate::Severity::High,
        evil,
        &[&principal],
    );
    f.reach = Reach::conditional(vec![format!("aws:PrincipalTag/team StringEquals \"{evil}\" & more")]);
    f.path = vec![step(&principal, &arn("role", "Admin\"><img src=x onerror=alert(1)>"), evil, evil, &[evil])];
    f.path[0].reach = f.reach.clone();
    f.evidence.push(sample::statement(&principal, evil, evil, evil, evil));
    f.remediation = evil.to_owned();
    f.severity_rationale = evil.to_owned();
    f.first_seen = Some(evil.to_owned());
    f.suppressed = Some(Suppressed { reason: evil.to_owned(), by: evil.to_owned(), expires: Some(evil.to_owned()) });
    let mut open = f.clone();
    open.suppressed = None;
    open.rule = evil.to_owned();
    let tool = crate::Tool { name: evil.to_owned(), version: evil.to_owned() };
    let report = Report::new(tool, evil.to_owned(), evil.to_owned(), 1, vec![f, open]);
    let html = to_html(&report);
    assert_eq!(count(&html, "<script"), 1, "only the page's own script");
    assert!(!html.contains("<img"), "no markup from the report");
    assert!(!html.contains("alert('x')"), "quotes escaped too");
    assert!(html.contains("role/Admin&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\""), "no attribute broken out of");
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(html.contains("StringEquals &quot;&lt;script&gt;"));
    assert!(html.contains("&quot; &amp; more"));
    // The page's own script is intact, and still its last.
    assert!(html.ends_with("apply();})();\n</script>\n</body>\n</html>\n"));
}

/// `n` escalations through a few shared roles to two administrators.
fn many_paths(n: usize) -> Report {
    let techniques =
        ["sts-assume-role", "lambda-passrole-create-function", "iam-attach-role-policy", "ec2-passrole-run-instances"];
    let findings: Vec<_> = (0..n)
        .map(|i| {
            let who = arn("role", &format!("app-{i:03}"));
            let via = arn("role", &format!("shared-{}", i % 5));
            let admin = arn("role", if i % 2 == 0 { "OrganizationAdmin" } else { "BreakGlass" });
            let mut path = vec![step(&who, &via, techniques[i % 4], "", &[])];
            if i % 3 == 0 {
                let deploy = arn("role", &format!("deploy-{}", i % 2));
                path.push(step(&via, &deploy, techniques[(i + 1) % 4], "", &[]));
                path.push(step(&deploy, &admin, "sts-assume-role", "", &[]));
            } else {
                path.push(step(&via, &admin, techniques[(i + 2) % 4], "", &[]));
            }
            let mut f = finding(
                crate::Kind::PrivilegeEscalation,
                "aws-privilege-escalation",
                crate::Severity::High,
                "escalates",
                &[&who],
            );
            f.path = path;
            f
        })
        .collect();
    let tool = crate::Tool { name: "remit".to_owned(), version: "0".to_owned() };
    Report::new(tool, "2026-12-06T00:00:00Z".to_owned(), "many".to_owned(), 100, findings)
}

#[test]
fn combined_graph_is_capped_and_says_so() {
    let report = many_paths(COMBINED_PATHS + 7);
    let html = to_html(&report);
    if let Some(dir) = std::env::var_os("REMIT_FINDINGS_SAMPLE_DIR") {
        std::fs::write(std::path::PathBuf::from(dir).join("many-paths.html"), &html).unwrap();
    }
    assert!(html.contains("7 more paths are not drawn here"));
    let combined = html.split("<svg class=\"combined-graph\"").nth(1).and_then(|s| s.split("</svg>").next()).unwrap();
    // Each principal once: 60 starts, 5 shared roles, 2 deployers, 2 administrators.
    assert_eq!(count(combined, "<g class=\"node\">"), COMBINED_PATHS + 5 + 2 + 2);
    let mut graph = Graph::default();
    for f in report.findings.iter().take(COMBINED_PATHS) {
        graph.add_path(&f.path);
    }
    assert_eq!(count(combined, "<g class=\"edge\">"), graph.edges.len());
    assert_eq!(
        count(&html, "<svg class=\"path-graph\""),
        COMBINED_PATHS + 7,
        "every path is still drawn with its finding"
    );
}

#[test]
fn paths_read_left_to_right_towards_the_admin() {
    let report = sample::report();
    let pipeline = report.findings.iter().find(|f| f.path.len() == 3).unwrap();
    let mut graph = Graph::default();
    graph.add_path(&pipeline.path);
    let l = layout(&graph);
    // data-pipeline, ci-deploy, lambda-admin, OrganizationAdmin: one column each, in order.
    assert_eq!(l.col, [0, 1, 2, 3]);
    assert!(l.x.windows(2).all(|w| w[0] < w[1]));
    // A step on one's own permissions is a loop on one node.
    let bob = report.findings.iter().find(|f| f.path.len() == 1 && f.path[0].from == f.path[0].to).unwrap();
    let mut graph = Graph::default();
    graph.add_path(&bob.path);
    assert_eq!((graph.nodes.len(), graph.edges.len()), (1, 1));
    assert_eq!(layout(&graph).col, [0]);
    // Merged paths keep each principal once and put the shared end on the right.
    let mut graph = Graph::default();
    for f in report.findings.iter().filter(|f| f.is_open()) {
        graph.add_path(&f.path);
    }
    let l = layout(&graph);
    let admin = graph.index[arn("role", "OrganizationAdmin").as_str()];
    assert_eq!(l.col[admin], l.col.iter().copied().max().unwrap());
    for e in &graph.edges {
        assert!(e.from == e.to || l.col[e.to] > l.col[e.from], "every step goes right");
    }
}

#[test]
fn empty_and_odd_reports_render() {
    let tool = crate::Tool { name: "remit".to_owned(), version: "0".to_owned() };
    let empty = Report::new(tool.clone(), "2026-12-06T00:00:00Z".to_owned(), "empty".to_owned(), 0, Vec::new());
    let html = to_html(&empty);
    assert!(
        html.contains("No findings.")
            && html.contains("No open escalation path.")
            && html.contains("No principal has an open finding.")
    );
    assert!(html.ends_with("</html>\n"));
    // A cycle, a step back, one within a column, principals with no name at all.
    let (a, b, c) = (arn("role", "a"), arn("role", "b"), arn("role", "c"));
    let mut f = finding(crate::Kind::PrivilegeEscalation, "r", crate::Severity::High, "cycle", &[&a]);
    f.path = vec![
        step(&a, &b, "t1", "", &[]),
        step(&b, &a, "t2", "", &[]),
        step(&a, &c, "t3", "", &[]),
        step("", "", "", "", &[]),
    ];
    let mut g = finding(crate::Kind::PrivilegeEscalation, "r", crate::Severity::High, "other", &[&b]);
    g.path = vec![step(&b, &c, "t4", "", &[]), step(&c, &b, "t5", "", &[]), step(&b, &c, "t4", "", &[])];
    let report = Report::new(tool, "not a time".to_owned(), String::new(), 3, vec![f, g]);
    let html = to_html(&report);
    assert_eq!(count(&html, "<svg class=\"path-graph\""), 2);
    assert!(html.contains("<dd>not a time</dd>"));
    for bad in ["NaN", "inf,", "inf\"", "inf "] {
        assert!(!html.contains(bad), "{bad}");
    }
}

#[test]
fn clip_cuts_on_characters() {
    assert_eq!(clip("abcdef", 4), "abc…");
    assert_eq!(clip("abcd", 4), "abcd");
    assert_eq!(clip("ééééé", 3), "éé…");
    assert_eq!(clip("", 0), "");
    assert_eq!(Esc("a<b>&\"'").to_string(), "a&lt;b&gt;&amp;&quot;&#39;");
}

#[test]
fn long_edge_labels_take_two_lines() {
    assert_eq!(label_lines("sts-assume-role", 21), ["sts-assume-role"]);
    assert_eq!(label_lines("lambda-passrole-create-function", 21), ["lambda-passrole-", "create-function"]);
    assert_eq!(label_lines("abcdefghijklmnopqrstuvwxyz", 21), ["abcdefghijklm", "nopqrstuvwxyz"]);
    assert_eq!(
        label_lines("sts-assume-role + iam-attach-role-policy", 21),
        ["sts-assume-role", "+ iam-attach-role-po…"]
    );
    assert_eq!(label_lines("a + very-long-technique-name-that-goes-on", 12).len(), 2);
    assert_eq!(label_lines("éééééééééééééééééééééééé", 21).len(), 2);
}

#[test]
fn any_text_renders_in_both_formats() {
    let texts = [
        "",
        " ",
        "é",
        "arn:",
        "arn:aws:iam::111122223333:role/ünïcödé-rôle-with-a-very-long-name-that-goes-on-and-on",
        "arn:aws:sts::1:assumed-role/",
        "2026-03-01T09:00:00+0é00",
        "日本語のテクニック名-とても長い-名前-です-本当に",
        "a\u{0}b\u{7f}\u{202e}c",
        "+ + + + + + + + + + + + + + +",
    ];
    let tool = crate::Tool { name: "remit".to_owned(), version: "0".to_owned() };
    let mut findings = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        let next = texts[(i + 1) % texts.len()];
        let mut f = finding(crate::Kind::PrivilegeEscalation, t, crate::Severity::Low, t, &[t, next]);
        f.path = vec![step(t, next, t, t, &[t]), step(next, t, next, t, &[]), step(t, t, t, t, &[])];
        f.first_seen = Some((*t).to_owned());
        f.account = Some((*t).to_owned());
        f.resources = vec![(*t).to_owned()];
        findings.push(f);
    }
    let report = Report::new(tool, texts[6].to_owned(), texts[7].to_owned(), 1, findings);
    let html = to_html(&report);
    assert_eq!(count(&html, "<tbody class=\"finding\""), texts.len());
    assert_eq!(crate::ocsf::to_ocsf(&report).len(), texts.len());
}
