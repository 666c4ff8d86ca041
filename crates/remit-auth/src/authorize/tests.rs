use super::*;

fn env(name: &str) -> Resource {
    Resource::Environment(name.to_owned())
}

fn token_of(owner: &str) -> Resource {
    Resource::Token { id: "0123456789abcdef".to_owned(), owner: owner.to_owned() }
}

fn request_by(requester: &str) -> Resource {
    Resource::AccessRequest { id: "42".to_owned(), requester: requester.to_owned() }
}

/// `alice`, with `role`, by session.
fn ask(authorizer: &Authorizer, role: Role, action: Action, resource: Resource) -> Decision {
    authorizer.is_allowed(&Request { user: "alice".to_owned(), role, action, resource, token_scopes: None })
}

fn ask_with_token(role: Role, scopes: &[&str], action: Action, resource: Resource) -> Decision {
    Authorizer::new(&[]).unwrap().is_allowed(&Request {
        user: "alice".to_owned(),
        role,
        action,
        resource,
        token_scopes: Some(scopes.iter().map(|it| (*it).to_owned()).collect()),
    })
}

/// The whole role × action matrix, as a table: one row per (action, resource) case, one
/// column per role in [`Role::ALL`] order (admin, security-analyst, auditor, approver,
/// requester); `Y` allowed, `.` refused. The user asking is `alice`.
#[test]
fn role_action_matrix() {
    let cases: Vec<(&str, Action, Resource, &str)> = vec![
        ("read environment", Action::Read, env("prod"), "YYYY."),
        ("read own profile", Action::Read, Resource::User("alice".into()), "YYYYY"),
        ("read another profile", Action::Read, Resource::User("bob".into()), "Y...."),
        ("read audit trail", Action::ReadAudit, Resource::AuditTrail, "Y.Y.."),
        ("export environment", Action::Export, env("prod"), "Y.Y.."),
        ("export audit trail", Action::Export, Resource::AuditTrail, "Y.Y.."),
        ("suppress", Action::Suppress, env("prod"), "YY..."),
        ("import", Action::Import, env("prod"), "YY..."),
        ("manage users", Action::ManageUsers, Resource::User("bob".into()), "Y...."),
        ("manage own tokens", Action::ManageTokens, token_of("alice"), "YY..."),
        ("manage another's tokens", Action::ManageTokens, token_of("bob"), "Y...."),
        ("manage policies", Action::ManagePolicies, Resource::Policy("p".into()), "Y...."),
        ("request access for self", Action::RequestAccess, request_by("alice"), "Y...Y"),
        ("request access for another", Action::RequestAccess, request_by("bob"), "Y...."),
        ("approve another's request", Action::Approve, request_by("bob"), "Y..Y."),
        ("approve own request", Action::Approve, request_by("alice"), "....."),
    ];
    // Every action appears in the matrix.
    for action in Action::ALL {
        assert!(cases.iter().any(|case| case.1 == action), "{action} is not in the matrix");
    }
    let authorizer = Authorizer::new(&[]).unwrap();
    let mut wrong = Vec::new();
    for (label, action, resource, expected) in &cases {
        let got: String = Role::ALL
            .iter()
            .map(|role| if ask(&authorizer, *role, *action, resource.clone()).allowed { 'Y' } else { '.' })
            .collect();
        if got != *expected {
            wrong.push(format!("{label}: expected {expected}, got {got}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn decisions_name_the_policies_that_made_them() {
    let authorizer = Authorizer::new(&[]).unwrap();
    let allowed = ask(&authorizer, Role::Auditor, Action::ReadAudit, Resource::AuditTrail);
    assert_eq!(allowed.reasons, ["auditor/audit-trail"]);
    // Denied by default: no policy permits it, so none is named.
    let refused = ask(&authorizer, Role::Auditor, Action::Suppress, env("prod"));
    assert_eq!(refused, Decision { allowed: false, reasons: vec![] });
    // Denied by a guardrail, even for an admin.
    let own = ask(&authorizer, Role::Admin, Action::Approve, request_by("alice"));
    assert_eq!(own, Decision { allowed: false, reasons: vec!["guardrails/no-self-approval".into()] });
}

#[test]
fn requests_that_do_not_fit_the_schema_are_refused_with_the_reason() {
    let authorizer = Authorizer::new(&[]).unwrap();
    let decision = ask(&authorizer, Role::Admin, Action::ManageTokens, env("prod"));
    assert!(!decision.allowed);
    assert!(decision.reasons[0].starts_with("request does not fit the schema"), "{decision:?}");
}

#[test]
fn tokens_act_within_both_their_role_and_their_scopes() {
    // In scope and in role.
    assert!(ask_with_token(Role::SecurityAnalyst, &["read"], Action::Read, env("prod")).allowed);
    // In role, out of scope: refused by the scope guardrail.
    let out_of_scope = ask_with_token(Role::SecurityAnalyst, &["read"], Action::Suppress, env("prod"));
    assert_eq!(out_of_scope.reasons, ["guardrails/token-scope-suppress"]);
    assert!(!out_of_scope.allowed);
    // In scope, out of role: a scope never adds a right.
    assert!(
        !ask_with_token(
            Role::SecurityAnalyst,
            &["read", "manage_users"],
            Action::ManageUsers,
            Resource::User("bob".into())
        )
        .allowed
    );
    // No scope, nothing at all, not even one's own profile; an admin's token too.
    assert!(!ask_with_token(Role::Requester, &[], Action::Read, Resource::User("alice".into())).allowed);
    assert!(!ask_with_token(Role::Admin, &["read"], Action::Export, Resource::AuditTrail).allowed);
    // Every action is governed by its scope, for the role that has them all.
    for action in Action::ALL {
        let resource = match action {
            Action::Read | Action::Export | Action::Suppress | Action::Import => env("prod"),
            Action::ReadAudit => Resource::AuditTrail,
            Action::ManageUsers => Resource::User("bob".into()),
            Action::ManageTokens => token_of("bob"),
            Action::ManagePolicies => Resource::Policy("p".into()),
            Action::RequestAccess | Action::Approve => request_by("bob"),
        };
        assert!(ask_with_token(Role::Admin, &[action.as_str()], action, resource.clone()).allowed, "{action}");
        let others: Vec<&str> = Action::ALL.iter().filter(|it| **it != action).map(|it| it.as_str()).collect();
        assert!(!ask_with_token(Role::Admin, &others, action, resource).allowed, "{action}");
    }
}

#[test]
fn an_admin_extension_can_permit_more() {
    let extension = r#"
        // Auditors automate their exports: let them hold their own API tokens.
        @id("auditor-tokens")
        permit (
            principal in Remit::Role::"auditor",
            action == Remit::Action::"manage_tokens",
            resource is Remit::Token
        )
        when { resource.owner == principal };
    "#;
    assert_eq!(Authorizer::validate(extension), Ok(()));
    let before = Authorizer::new(&[]).unwrap();
    assert!(!ask(&before, Role::Auditor, Action::ManageTokens, token_of("alice")).allowed);
    let after = Authorizer::new(&[("auditor-tokens".into(), extension.into())]).unwrap();
    let decision = ask(&after, Role::Auditor, Action::ManageTokens, token_of("alice"));
    assert_eq!(decision, Decision { allowed: true, reasons: vec!["auditor-tokens/auditor-tokens".into()] });
    // Still not someone else's tokens.
    assert!(!ask(&after, Role::Auditor, Action::ManageTokens, token_of("bob")).allowed);
}

#[test]
fn an_admin_forbid_wins_over_every_permit() {
    let extension = r#"
        @id("prod-imports")
        forbid (principal, action == Remit::Action::"import", resource == Remit::Environment::"prod")
        unless { principal in Remit::Role::"admin" };

        @id("no-audit-export")
        forbid (principal, action == Remit::Action::"export", resource is Remit::AuditTrail);
    "#;
    assert_eq!(Authorizer::validate(extension), Ok(()));
    let authorizer = Authorizer::new(&[("change-control".into(), extension.into())]).unwrap();
    let analyst_prod = ask(&authorizer, Role::SecurityAnalyst, Action::Import, env("prod"));
    assert_eq!(analyst_prod.reasons, ["change-control/prod-imports"]);
    assert!(!analyst_prod.allowed);
    assert!(ask(&authorizer, Role::SecurityAnalyst, Action::Import, env("staging")).allowed);
    assert!(ask(&authorizer, Role::Admin, Action::Import, env("prod")).allowed);
    // The built-in `admin/everything` permit does not override an admin's forbid.
    let admin_export = ask(&authorizer, Role::Admin, Action::Export, Resource::AuditTrail);
    assert_eq!(admin_export, Decision { allowed: false, reasons: vec!["change-control/no-audit-export".into()] });
    assert!(!ask(&authorizer, Role::Auditor, Action::Export, Resource::AuditTrail).allowed);
    assert!(ask(&authorizer, Role::Auditor, Action::Export, env("prod")).allowed);
}

#[test]
fn invalid_policies_are_refused_with_their_position() {
    // Syntax: the missing comma.
    let syntax = "permit (\n    principal,\n    action resource\n);";
    let error = Authorizer::validate(syntax).unwrap_err();
    assert!(error.starts_with("line 3, column 12: "), "{error}");
    // Schema: no such attribute.
    let attribute = "permit (principal, action, resource is Remit::Token)\nwhen { resource.ownr == principal };";
    let error = Authorizer::validate(attribute).unwrap_err();
    assert!(error.starts_with("line 2, column 8: "), "{error}");
    assert!(error.contains("ownr"), "{error}");
    // Schema: no such entity type, no such action.
    let error = Authorizer::validate("permit (principal in Remit::Group::\"x\", action, resource);").unwrap_err();
    assert!(error.starts_with("line 1, column "), "{error}");
    assert!(error.contains("Remit::Group"), "{error}");
    let error = Authorizer::validate("permit (principal, action == Remit::Action::\"delete\", resource);").unwrap_err();
    assert!(error.contains("delete"), "{error}");
    // Nothing, and templates.
    assert_eq!(Authorizer::validate("// nothing"), Err("no policy in the text".to_owned()));
    assert!(Authorizer::validate("permit (principal == ?principal, action, resource);").is_err());
    // Loading a stored policy that no longer validates names it.
    let error = Authorizer::new(&[("broken".into(), attribute.into())]).unwrap_err();
    assert!(error.to_string().starts_with("policy `broken`: line 2, column 8: "), "{error}");
}

#[test]
fn a_policy_that_would_lock_admins_out_is_refused() {
    let error = Authorizer::validate("@id(\"all\")\nforbid (principal, action, resource);").unwrap_err();
    assert_eq!(error, "this policy would stop admins from managing policies (refused by new/all)");
    // It only guards the way back, not every forbid on admins.
    assert_eq!(
        Authorizer::validate(
            "forbid (principal in Remit::Role::\"admin\", action == Remit::Action::\"import\", resource);"
        ),
        Ok(())
    );
}

#[test]
fn built_ins_are_valid_and_actions_round_trip() {
    for (name, text) in BUILT_IN {
        assert_eq!(Authorizer::validate(text), Ok(()), "{name}");
    }
    for action in Action::ALL {
        assert_eq!(action.as_str().parse::<Action>(), Ok(action));
        assert_eq!(serde_json::to_string(&action).unwrap(), format!("\"{action}\""));
    }
    assert_eq!("delete".parse::<Action>(), Err(UnknownAction("delete".into())));
}

#[test]
fn positions_count_lines_and_characters() {
    assert_eq!(position("abc", 0), (1, 1));
    assert_eq!(position("abc\ndef", 5), (2, 2));
    assert_eq!(position("é\nxy", 4), (2, 2));
    assert_eq!(position("ab", 99), (1, 3));
}
