//! Property tests: the parsers of untrusted text never panic, and the condition evaluator's
//! three-valued logic agrees with a naive reference.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use remit_gcp::{
    cel::{self, Context, Truth},
    member::Member,
};

proptest! {
    #[test]
    fn condition_parser_never_panics(text in ".{0,200}") {
        let _ = cel::parse(&text);
        let _ = cel::evaluate(&text, &Context::default());
    }

    #[test]
    fn condition_parser_never_panics_on_condition_like_text(
        parts in prop::collection::vec(prop_oneof![
            Just("resource.name"), Just(".startsWith("), Just("'x'"), Just("\"y\""), Just(")"), Just("("),
            Just("&&"), Just("||"), Just("!"), Just("=="), Just("<"), Just("in"), Just("["), Just("]"), Just(","),
            Just("request.time"), Just("timestamp("), Just("resource.matchTag("), Just("true"), Just("7"),
        ], 0..40)
    ) {
        let text = parts.join(" ");
        let _ = cel::evaluate(&text, &Context::default());
    }

    #[test]
    fn member_parser_never_panics(text in ".{0,120}") {
        let m = Member::parse(&text);
        let _ = m.canonical();
    }

    /// Kleene logic against a reference over {true, false, unknown} leaves.
    #[test]
    fn kleene_logic_matches_reference(leaves in prop::collection::vec(0u8..3, 1..6), ops in prop::collection::vec(any::<bool>(), 5)) {
        let leaf = |v: u8| match v { 0 => "false", 1 => "true", _ => "request.host == 'h'" };
        let truth = |v: u8| match v { 0 => Truth::False, 1 => Truth::True, _ => Truth::Unknown };
        let mut text = format!("({})", leaf(leaves[0]));
        let mut expected = truth(leaves[0]);
        for (i, v) in leaves.iter().enumerate().skip(1) {
            let and = ops[i - 1];
            text = format!("({text} {} ({}))", if and { "&&" } else { "||" }, leaf(*v));
            expected = reference(expected, truth(*v), and);
        }
        prop_assert_eq!(cel::evaluate(&text, &Context::default()), expected);
    }
}

fn reference(a: Truth, b: Truth, and: bool) -> Truth {
    let value = |t: Truth| match t {
        Truth::False => 0,
        Truth::Unknown => 1,
        Truth::True => 2,
    };
    let n = if and { value(a).min(value(b)) } else { value(a).max(value(b)) };
    [Truth::False, Truth::Unknown, Truth::True][n]
}

fn email() -> impl Strategy<Value = String> {
    ("[a-z][a-z0-9.-]{0,10}", "[a-z]{1,8}\\.[a-z]{2,4}").prop_map(|(user, domain)| format!("{user}@{domain}"))
}

proptest! {
    /// Every member form written canonically parses back to the same member.
    #[test]
    fn canonical_members_round_trip(
        kind in 0usize..9,
        address in email(),
        word in "[a-z][a-z0-9-]{0,12}",
    ) {
        let text = match kind {
            0 => format!("user:{address}"),
            1 => format!("group:{address}"),
            2 => format!("serviceAccount:{address}"),
            3 => format!("domain:{word}.example"),
            4 => format!("principal://iam.googleapis.com/locations/global/workforcePools/{word}/subject/{address}"),
            5 => format!("principalSet://iam.googleapis.com/locations/global/workforcePools/{word}/group/{word}"),
            6 => format!("principalSet://iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/{word}/attribute.env/{word}"),
            7 => format!("serviceAccount:{word}.svc.id.goog[{word}/{word}]"),
            _ => format!("principalSet://goog/group/{address}"),
        };
        let member = Member::parse(&text);
        prop_assert!(!matches!(member, Member::Unknown(_)), "{}", text);
        prop_assert_eq!(Member::parse(&member.canonical()), member);
    }
}
