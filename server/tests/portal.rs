//! The customer's self-service portal: where the account is signed in, and signing
//! devices out — at once, on the server.

mod common;

use common::{Backend, Browser, STRONG_PASSWORD, TestApp, browser_at, user};

const HOME: &str = "89.160.20.112:40000";
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";
const LINUX: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";

/// A browser on another device at the same address (a new device, no impossible
/// travel): the risk engine asks it for an emailed code.
fn device(app: &TestApp, agent: &str) -> Browser {
    let mut b = browser_at(app, HOME);
    b.user_agent = Some(agent.into());
    b
}

/// Signs `browser` in, passing the emailed code when the risk engine asks for one.
async fn sign_in(app: &TestApp, browser: &mut Browser, email: &str) {
    let answer = browser.login(email, STRONG_PASSWORD).await;
    let answer = match answer.location().as_deref() {
        Some("/account") => answer,
        _ => app.pass_email_code(browser, &answer, email).await,
    };
    assert_eq!(answer.location().as_deref(), Some("/account"), "signed in");
}

async fn security_csrf(browser: &mut Browser) -> String {
    let (_, page) = browser.visit("/account/security").await;
    page.hidden("csrf_token").expect("a signed-in form")
}

async fn customers_see_and_end_their_sessions(backend: Backend) {
    let app = TestApp::start(backend).await;
    let engine = &app.state.engine;
    let tenant = engine
        .resolve_tenant(common::HOST)
        .await
        .unwrap()
        .tenant
        .clone();
    let mut laptop = device(&app, LINUX);
    app.sign_up(&mut laptop, "sam@example.com", STRONG_PASSWORD, "Sam")
        .await;
    let sam = user(&app, "sam@example.com").await;
    let mut phone = device(&app, IPHONE);
    sign_in(&app, &mut phone, "sam@example.com").await;

    // The list: both devices, this one marked and first, the other with its place.
    let (_, page) = laptop.visit("/account/security").await;
    assert_eq!(page.body.matches("data-testid=\"session-row\"").count(), 2);
    assert_eq!(page.body.matches("data-current=\"true\"").count(), 1);
    let first = page.body.find("data-testid=\"session-row\"").unwrap();
    assert_eq!(
        page.body[first..].find("data-current=\"true\""),
        page.body[first..].find("data-current="),
        "this device comes first"
    );
    assert!(page.body.contains("Safari on iPhone"), "the phone");
    assert!(page.body.contains("Chrome on Linux"), "this laptop");
    assert!(page.body.contains("89.160.20.112"));
    let sessions = engine.active_sessions(tenant.id, sam).await.unwrap();
    assert_eq!(sessions.len(), 2);
    let place = sessions[0].place.as_ref().expect("placed by GeoIP").label();
    assert!(page.body.contains(&place), "{place}");
    let sid_of = |agent: &str| {
        sessions
            .iter()
            .find(|s| s.user_agent.as_deref() == Some(agent))
            .expect("a session per device")
            .sid
            .clone()
    };
    let (phone_sid, laptop_sid) = (sid_of(IPHONE), sid_of(LINUX));
    let csrf = security_csrf(&mut laptop).await;

    // Bad input ends nothing: a forged token, an unknown session, this very session.
    let forged = laptop
        .post_form(
            "/api/account/sessions/end",
            &[("csrf_token", "forged"), ("id", &phone_sid)],
        )
        .await;
    assert_eq!(
        forged.location().as_deref(),
        Some("/account/security?error=csrf")
    );
    let unknown = laptop
        .post_form(
            "/api/account/sessions/end",
            &[("csrf_token", &csrf), ("id", "no-such-session")],
        )
        .await;
    assert_eq!(
        unknown.location().as_deref(),
        Some("/account/security?error=session_not_found#sessions")
    );
    let own = laptop
        .post_form(
            "/api/account/sessions/end",
            &[("csrf_token", &csrf), ("id", &laptop_sid)],
        )
        .await;
    assert_eq!(
        own.location().as_deref(),
        Some("/account/security?error=session_current#sessions")
    );
    assert_eq!(
        engine.active_sessions(tenant.id, sam).await.unwrap().len(),
        2
    );
    assert_eq!(phone.visit("/account").await.0, "/account");

    // Someone else's account cannot end Sam's sessions, even knowing the id.
    let mut eve = browser_at(&app, "81.2.69.142:40000");
    app.sign_up(&mut eve, "eve@example.com", STRONG_PASSWORD, "Eve")
        .await;
    let eve_csrf = security_csrf(&mut eve).await;
    let stolen = eve
        .post_form(
            "/api/account/sessions/end",
            &[("csrf_token", &eve_csrf), ("id", &phone_sid)],
        )
        .await;
    assert_eq!(
        stolen.location().as_deref(),
        Some("/account/security?error=session_not_found#sessions")
    );
    assert_eq!(phone.visit("/account").await.0, "/account");

    // Signing the phone out works at once: its very next request is signed out.
    let ended = laptop
        .post_form(
            "/api/account/sessions/end",
            &[("csrf_token", &csrf), ("id", &phone_sid)],
        )
        .await;
    assert_eq!(
        ended.location().as_deref(),
        Some("/account/security?notice=session_ended#sessions")
    );
    assert!(phone.visit("/account").await.0.starts_with("/login"));
    assert_eq!(laptop.visit("/account").await.0, "/account");

    // All other devices: two more sign-ins end together; this one stays.
    let mut tablet = device(&app, IPHONE);
    sign_in(&app, &mut tablet, "sam@example.com").await;
    let mut phone = phone.same_device();
    sign_in(&app, &mut phone, "sam@example.com").await;
    assert_eq!(
        engine.active_sessions(tenant.id, sam).await.unwrap().len(),
        3
    );
    let all = laptop
        .post_form("/api/account/sessions/end-others", &[("csrf_token", &csrf)])
        .await;
    assert_eq!(
        all.location().as_deref(),
        Some("/account/security?notice=sessions_ended#sessions")
    );
    assert!(phone.visit("/account").await.0.starts_with("/login"));
    assert!(tablet.visit("/account").await.0.starts_with("/login"));
    assert_eq!(laptop.visit("/account").await.0, "/account");
    let left = engine.active_sessions(tenant.id, sam).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].sid, laptop_sid);
    // Eve's own session was never touched.
    assert_eq!(eve.visit("/account").await.0, "/account");
    let ended = app
        .audit_actions()
        .await
        .iter()
        .filter(|a| *a == "session.ended_by_owner")
        .count();
    assert_eq!(ended, 2, "one audit event per action");
    let (_, page) = laptop.visit("/account/activity").await;
    let newest = page
        .body
        .find("Other devices signed out")
        .expect("all others");
    let older = page
        .body
        .find("Another device signed out")
        .expect("the phone");
    assert!(newest < older, "newest first");
    app.cleanup().await;
}

/// The customer's own activity: what they did and what was tried with their account,
/// with where from; never another account's events.
async fn customers_see_their_own_activity(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut laptop = device(&app, LINUX);
    app.sign_up(&mut laptop, "ana@example.com", STRONG_PASSWORD, "Ana")
        .await;
    // Somebody tries Ana's address with a wrong password from London.
    let mut stranger = browser_at(&app, "81.2.69.142:40000");
    stranger.login("ana@example.com", "not the password").await;
    // Another customer's doings are not Ana's.
    let mut bo = browser_at(&app, "81.2.69.142:40000");
    app.sign_up(&mut bo, "bo@example.com", STRONG_PASSWORD, "Bo")
        .await;
    browser_at(&app, "81.2.69.142:40000")
        .login("bo@example.com", "wrong again, Bo")
        .await;

    let (at, page) = laptop.visit("/account/activity").await;
    assert_eq!(at, "/account/activity");
    let actions: Vec<&str> = page
        .body
        .match_indices("data-action=\"")
        .map(|(i, m)| {
            let rest = &page.body[i + m.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect();
    assert_eq!(
        actions.first().copied(),
        Some("login.failed"),
        "newest first: {actions:?}"
    );
    assert_eq!(
        actions.iter().filter(|a| **a == "login.failed").count(),
        1,
        "only Ana's: {actions:?}"
    );
    assert!(actions.contains(&"email.verified"), "{actions:?}");
    assert!(page.body.contains("Failed sign-in attempt"));
    assert!(
        page.body.contains("81.2.69.142"),
        "where the attempt came from"
    );
    assert!(page.body.contains("Email address confirmed"));
    assert!(!page.body.contains("bo@example.com"));

    // In the page's language; and only for the signed-in customer.
    laptop.languages = Some("ja".into());
    let (_, page) = laptop.visit("/account/activity").await;
    assert!(page.body.contains("サインインに失敗"));
    let (at, _) = app.browser().visit("/account/activity").await;
    assert!(at.starts_with("/login"), "{at}");
    app.cleanup().await;
}

on_both_databases!(
    customers_see_and_end_their_sessions,
    customers_see_their_own_activity,
);
