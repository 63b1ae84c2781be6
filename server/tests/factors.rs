//! Second factors in the engine, on both databases: authenticator apps (TOTP) and
//! recovery codes — enrolment, replay, throttling, single use, notices.

mod common;

use std::time::Duration;

use common::{Backend, STRONG_PASSWORD, TestApp, now_secs, totp_seed};
use portico_identity::UserId;
use portico_identity::accounts::Email;
use portico_identity::audit::ClientInfo;
use portico_identity::credentials::factors::{FactorCheck, FactorProblem, code_at};
use portico_identity::tenants::ResolvedTenant;

async fn account(app: &TestApp, email: &str) -> (std::sync::Arc<ResolvedTenant>, UserId) {
    let mut browser = app.browser();
    app.sign_up(&mut browser, email, STRONG_PASSWORD, "Factor")
        .await;
    let engine = &app.state.engine;
    let tenant = engine.resolve_tenant(common::HOST).await.unwrap();
    let user = portico_identity::store::accounts::find_user_by_email(
        engine.db().conn(),
        tenant.tenant.id,
        &Email::parse(email).unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    (tenant, user)
}

fn client(ip: &str) -> ClientInfo {
    ClientInfo {
        ip: Some(ip.into()),
        user_agent: None,
        language: None,
    }
}

async fn an_authenticator_app_is_enrolled_and_each_code_works_once(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (tenant, user) = account(&app, "totp@example.com").await;
    let engine = &app.state.engine;
    let t = &tenant.tenant;
    let who = client("198.51.100.20");

    let enrolment = engine
        .start_totp_enrolment(t, user, "totp@example.com", engine.now())
        .await
        .unwrap()
        .unwrap();
    assert!(
        enrolment.otpauth_url.starts_with("otpauth://totp/"),
        "{}",
        enrolment.otpauth_url
    );
    assert!(enrolment.otpauth_url.contains(&enrolment.secret_base32));
    // The seed is sealed at rest.
    let stored = portico_identity::store::factors::find_totp(engine.db().conn(), t.id, user, false)
        .await
        .unwrap()
        .unwrap();
    assert!(stored.sealed_secret.starts_with("v1."));
    assert!(!stored.sealed_secret.contains(&enrolment.secret_base32));
    assert!(
        !engine.has_totp(t, user).await.unwrap(),
        "pending until confirmed"
    );

    let seed = totp_seed(&enrolment.secret_base32);
    assert_eq!(
        engine.confirm_totp(t, &who, user, "000000x").await.unwrap(),
        Err(FactorProblem::WrongCode)
    );
    let code = code_at(&seed, now_secs(&app));
    engine
        .confirm_totp(t, &who, user, &code)
        .await
        .unwrap()
        .unwrap();
    assert!(engine.has_totp(t, user).await.unwrap());

    // The code that confirmed the app cannot sign in again (same time step)...
    assert_eq!(
        engine.verify_totp(t, &who, user, &code).await.unwrap(),
        FactorCheck::Rejected
    );
    // ...the next one works once, and only once.
    app.clock.advance(Duration::from_secs(30));
    let next = code_at(&seed, now_secs(&app));
    assert_eq!(
        engine.verify_totp(t, &who, user, &next).await.unwrap(),
        FactorCheck::Accepted
    );
    assert_eq!(
        engine.verify_totp(t, &who, user, &next).await.unwrap(),
        FactorCheck::Rejected,
        "replay within the window"
    );
    // One step of clock skew is accepted.
    app.clock.advance(Duration::from_secs(60));
    let previous = code_at(&seed, now_secs(&app) - 30);
    assert_eq!(
        engine.verify_totp(t, &who, user, &previous).await.unwrap(),
        FactorCheck::Accepted
    );
    // A code from two minutes ago is not.
    app.clock.advance(Duration::from_secs(30));
    let old = code_at(&seed, now_secs(&app) - 120);
    assert_eq!(
        engine.verify_totp(t, &who, user, &old).await.unwrap(),
        FactorCheck::Rejected
    );

    // Removing it needs a recent sign-in.
    let long_ago = engine.now() - chrono::Duration::hours(1);
    assert_eq!(
        engine.remove_totp(t, &who, user, long_ago).await.unwrap(),
        Err(FactorProblem::ReauthRequired)
    );
    engine
        .remove_totp(t, &who, user, engine.now())
        .await
        .unwrap()
        .unwrap();
    assert!(!engine.has_totp(t, user).await.unwrap());
    let actions = app.audit_actions().await;
    for action in [
        "mfa.totp_added",
        "mfa.succeeded",
        "mfa.failed",
        "mfa.totp_removed",
    ] {
        assert!(actions.contains(&action.to_string()), "{action}");
    }
    app.cleanup().await;
}

async fn guessing_codes_is_throttled_across_restarts(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (tenant, user) = account(&app, "guess@example.com").await;
    let engine = &app.state.engine;
    let t = &tenant.tenant;
    let who = client("198.51.100.21");
    let enrolment = engine
        .start_totp_enrolment(t, user, "guess", engine.now())
        .await
        .unwrap()
        .unwrap();
    let seed = totp_seed(&enrolment.secret_base32);
    engine
        .confirm_totp(t, &who, user, &code_at(&seed, now_secs(&app)))
        .await
        .unwrap()
        .unwrap();
    app.clock.advance(Duration::from_secs(30));
    let right = code_at(&seed, now_secs(&app));
    let wrong = if right == "123456" {
        "654321"
    } else {
        "123456"
    };
    let mut throttled = false;
    for _ in 0..8 {
        match engine.verify_totp(t, &who, user, wrong).await.unwrap() {
            FactorCheck::Throttled { retry_after_secs } => {
                assert!(retry_after_secs >= 1);
                throttled = true;
                break;
            }
            FactorCheck::Rejected => {}
            FactorCheck::Accepted => panic!("a wrong code was accepted"),
        }
    }
    assert!(throttled, "guessing is throttled");
    // Even the right code waits: the counter belongs to the account, not to a flow.
    assert!(matches!(
        engine.verify_totp(t, &who, user, &right).await.unwrap(),
        FactorCheck::Throttled { .. }
    ));
    // Recovery codes share the rule (their own counter, same limits).
    let codes = engine
        .regenerate_recovery_codes(t, &who, user, engine.now())
        .await
        .unwrap()
        .unwrap();
    let mut throttled = false;
    for _ in 0..8 {
        if let FactorCheck::Throttled { .. } = engine
            .use_recovery_code(t, &who, user, "zzzz-zzzz-zzzz-zzzz")
            .await
            .unwrap()
        {
            throttled = true;
            break;
        }
    }
    assert!(throttled);
    assert!(matches!(
        engine
            .use_recovery_code(t, &who, user, &codes[0])
            .await
            .unwrap(),
        FactorCheck::Throttled { .. }
    ));
    app.cleanup().await;
}

async fn recovery_codes_work_once_and_regeneration_replaces_them(backend: Backend) {
    let app = TestApp::start(backend).await;
    let (tenant, user) = account(&app, "codes@example.com").await;
    let engine = &app.state.engine;
    let t = &tenant.tenant;
    let who = client("198.51.100.22");
    let codes = engine
        .regenerate_recovery_codes(t, &who, user, engine.now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(codes.len(), 10);
    let unique: std::collections::HashSet<_> = codes.iter().collect();
    assert_eq!(unique.len(), 10);

    // Typed loosely: upper case, spaces instead of dashes.
    let typed = codes[0].to_uppercase().replace('-', " ");
    assert_eq!(
        engine
            .use_recovery_code(t, &who, user, &typed)
            .await
            .unwrap(),
        FactorCheck::Accepted
    );
    assert_eq!(
        engine
            .use_recovery_code(t, &who, user, &codes[0])
            .await
            .unwrap(),
        FactorCheck::Rejected,
        "single use"
    );
    let notice = app.latest_mail_to("codes@example.com").await.unwrap();
    assert_eq!(notice.template, "recovery_code_used");
    assert!(
        notice.text.contains("9 unused codes remain"),
        "{}",
        notice.text
    );

    // Someone else's code does nothing for this account.
    let (_, other) = account(&app, "other@example.com").await;
    let theirs = engine
        .regenerate_recovery_codes(t, &who, other, engine.now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        engine
            .use_recovery_code(t, &who, user, &theirs[0])
            .await
            .unwrap(),
        FactorCheck::Rejected
    );

    // A new set retires the old one.
    let fresh = engine
        .regenerate_recovery_codes(t, &who, user, engine.now())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        engine
            .use_recovery_code(t, &who, user, &codes[1])
            .await
            .unwrap(),
        FactorCheck::Rejected
    );
    assert_eq!(
        engine
            .use_recovery_code(t, &who, user, &fresh[1])
            .await
            .unwrap(),
        FactorCheck::Accepted
    );
    app.cleanup().await;
}

on_both_databases!(
    an_authenticator_app_is_enrolled_and_each_code_works_once,
    guessing_codes_is_throttled_across_restarts,
    recovery_codes_work_once_and_regeneration_replaces_them,
);
