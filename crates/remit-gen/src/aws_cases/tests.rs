//! Tests of the AWS case generator: determinism and the shape of each line.

use serde_json::Value;

use crate::aws_decide_cases;

#[test]
fn same_seed_same_cases() {
    let a = aws_decide_cases(7, 300);
    let b = aws_decide_cases(7, 300);
    assert_eq!(a, b);
    let c = aws_decide_cases(8, 300);
    assert_ne!(a, c);
}

#[test]
fn a_case_does_not_depend_on_the_count() {
    let short = aws_decide_cases(3, 20);
    let long = aws_decide_cases(3, 200);
    assert_eq!(short[..], long[..20]);
}

#[test]
fn every_line_is_a_case() {
    for (n, line) in aws_decide_cases(1, 2000).iter().enumerate() {
        assert!(!line.contains('\n'), "{line}");
        let case: Value = serde_json::from_str(line).map_err(|e| format!("{e}: {line}")).expect("a JSON case");
        assert_eq!(case["id"], Value::String(format!("g1-{n}")), "{line}");
        let request = &case["request"];
        for field in ["principal", "action", "resource"] {
            assert!(request[field].is_string(), "request.{field} in {line}");
        }
        let action = request["action"].as_str().unwrap_or_default();
        assert_eq!(action.matches(':').count(), 1, "{line}");
        let resource = request["resource"].as_str().unwrap_or_default();
        assert!(resource == "*" || (resource.starts_with("arn:aws:") && !resource.contains('*')), "{line}");
        if let Some(ctx) = request.get("context") {
            assert!(ctx.is_object(), "{line}");
        }
        let anonymous = request["principal"] == "anonymous";
        for field in ["identityPolicies", "permissionsBoundary", "sessionPolicy", "scps"] {
            if anonymous {
                assert!(case.get(field).is_none_or(|v| v.is_null() || v == &Value::Array(vec![])), "{field} in {line}");
            }
        }
        for field in ["scps", "rcps"] {
            if let Some(levels) = case.get(field) {
                let levels = levels.as_array().ok_or_else(|| format!("{field} in {line}")).expect("an array of levels");
                assert!((1..=3).contains(&levels.len()), "{line}");
                assert!(levels.iter().all(Value::is_array), "{line}");
            }
        }
    }
}
