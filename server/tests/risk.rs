//! The risk engine at sign-in, through the real router and MaxMind's test databases:
//! every sign-in is assessed and recorded with its reasons; dry run records without
//! acting; a deny is enforced; a forged X-Forwarded-For
//! from an untrusted peer changes nothing.

mod common;

use common::{Backend, Browser, STRONG_PASSWORD, TestApp, browser_at, sign_ins};
use portico_identity::risk::Decision;

const LONDON: &str = "81.2.69.142:40000";
const CHANGCHUN: &str = "175.16.199.1:40000";
const LINKOPING: &str = "89.160.20.112:40000";

async fn sign_in(browser: &mut Browser, email: &str) -> Option<String> {
    browser.login(email, STRONG_PASSWORD).await.location()
}

async fn sign_ins_are_assessed_and_recorded_with_reasons(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut home = browser_at(&app, LINKOPING);
    app.sign_up(&mut home, "risk@example.com", STRONG_PASSWORD, "Risk")
        .await;
    home.sign_out().await;

    // The same browser, at home: nothing unusual.
    assert_eq!(
        sign_in(&mut home, "risk@example.com").await.as_deref(),
        Some("/account")
    );
    let records = sign_ins(&app, "risk@example.com").await;
    assert_eq!(records.len(), 2, "the sign-up and the sign-in");
    assert_eq!(
        records[1].methods, "pwd,email",
        "signing up proved the mailbox"
    );
    assert_eq!(
        records[0].place.as_ref().unwrap().country.as_deref(),
        Some("SE")
    );
    assert_eq!(records[0].ip.as_deref(), Some("89.160.20.112"));
    assert_eq!(records[0].methods, "pwd");
    home.sign_out().await;

    // Dry run: the verdicts below are recorded, not enforced.
    let engine = &app.state.engine;
    let tenant = engine.resolve_tenant(common::HOST).await.unwrap();
    let mut policy = tenant.tenant.policy.clone();
    policy.risk.dry_run = true;
    engine
        .set_tenant_policy(tenant.tenant.id, &policy)
        .await
        .unwrap();

    // A new browser in London, then another in Changchun an hour later.
    let mut london = browser_at(&app, LONDON);
    assert_eq!(
        sign_in(&mut london, "risk@example.com").await.as_deref(),
        Some("/account")
    );
    let mut changchun = browser_at(&app, CHANGCHUN);
    app.clock.advance(std::time::Duration::from_secs(3600));
    // Recorded, not enforced — the sign-in goes through.
    assert_eq!(
        sign_in(&mut changchun, "risk@example.com").await.as_deref(),
        Some("/account")
    );

    let records = sign_ins(&app, "risk@example.com").await;
    assert_eq!(records.len(), 4);
    let london_record = &records[1];
    assert!(
        london_record.reasons.contains(&"new device".to_string()),
        "{:?}",
        london_record.reasons
    );
    assert!(
        london_record
            .reasons
            .contains(&"new country: GB".to_string())
    );
    assert!(
        london_record
            .reasons
            .iter()
            .any(|r| r.starts_with("anonymising network: Tor exit node")),
        "{:?}",
        london_record.reasons
    );
    let latest = &records[0];
    assert!(
        latest.reasons[0].starts_with("travel London, GB→Changchun, CN at "),
        "{:?}",
        latest.reasons
    );
    assert!(latest.reasons.contains(&"new country: CN".to_string()));
    assert_eq!(latest.score, 100);
    assert_eq!(latest.decision, Decision::Deny);
    assert_eq!(latest.enforced, Decision::Allow, "dry run");
    app.cleanup().await;
}

async fn a_deny_is_enforced_when_the_tenant_asks(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut home = browser_at(&app, LINKOPING);
    app.sign_up(&mut home, "deny@example.com", STRONG_PASSWORD, "Deny")
        .await;
    home.sign_out().await;
    assert_eq!(
        sign_in(&mut home, "deny@example.com").await.as_deref(),
        Some("/account")
    );

    let engine = &app.state.engine;
    let tenant = engine.resolve_tenant(common::HOST).await.unwrap();
    let mut policy = tenant.tenant.policy.clone();
    policy.risk.dry_run = false;
    policy.risk.step_up_at = 100; // this test is about deny only
    policy.risk.deny_at = 90;
    engine
        .set_tenant_policy(tenant.tenant.id, &policy)
        .await
        .unwrap();

    // Impossible travel from a new device, Tor: denied, with one neutral message.
    let mut far = browser_at(&app, "81.2.69.160:40000");
    let mut changchun = browser_at(&app, CHANGCHUN);
    let answer = far.login("deny@example.com", STRONG_PASSWORD).await;
    assert!(answer.location().unwrap().starts_with("/login?flow="));
    let (_, page) = far.visit(&answer.location().unwrap()).await;
    assert_eq!(page.message_ids(), vec!["login.denied"]);
    assert!(far.session_cookie().is_none());
    let answer = changchun.login("deny@example.com", STRONG_PASSWORD).await;
    let (_, page) = changchun.visit(&answer.location().unwrap()).await;
    assert_eq!(page.message_ids(), vec!["login.denied"]);
    assert!(
        app.audit_actions()
            .await
            .contains(&"login.denied".to_string())
    );

    // Home still works.
    home.sign_out().await;
    assert_eq!(
        sign_in(&mut home, "deny@example.com").await.as_deref(),
        Some("/account")
    );
    app.cleanup().await;
}

async fn a_forged_forwarded_for_changes_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut browser = browser_at(&app, LINKOPING);
    app.sign_up(&mut browser, "xff@example.com", STRONG_PASSWORD, "Xff")
        .await;
    browser.sign_out().await;
    // No trusted proxies are configured: the header is the client's word, not a fact.
    browser.forwarded_for = Some("175.16.199.1".into());
    assert_eq!(
        sign_in(&mut browser, "xff@example.com").await.as_deref(),
        Some("/account")
    );
    let records = sign_ins(&app, "xff@example.com").await;
    assert_eq!(records[0].ip.as_deref(), Some("89.160.20.112"));
    assert_eq!(
        records[0].place.as_ref().unwrap().country.as_deref(),
        Some("SE")
    );
    app.cleanup().await;
}

on_both_databases!(
    sign_ins_are_assessed_and_recorded_with_reasons,
    a_deny_is_enforced_when_the_tenant_asks,
    a_forged_forwarded_for_changes_nothing,
);
