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

/// The link of `path` (e.g. `/account/email/confirm`) in the newest mail to `to`.
async fn link_in_mail(app: &TestApp, to: &str, template: &str, path: &str) -> String {
    let mail = app.latest_mail_to(to).await.expect("a mail");
    assert_eq!(mail.template, template);
    regex::Regex::new(&format!(r"{path}\?token=[A-Za-z0-9_-]+"))
        .unwrap()
        .find(&mail.text)
        .unwrap_or_else(|| panic!("no {path} link in the {template} mail"))
        .as_str()
        .to_string()
}

/// Posts the form of a mailed link's page (confirm or undo).
async fn follow_link(browser: &mut Browser, link: &str, action: &str) -> String {
    let (_, page) = browser.visit(link).await;
    assert!(
        page.body.contains("data-testid=\"email-link-address\""),
        "{link}"
    );
    let token = page.hidden("token").unwrap();
    let answer = browser.post_form(action, &[("token", &token)]).await;
    answer.location().unwrap()
}

/// Asks to change the address on the email page; where the answer leads.
async fn change(browser: &mut Browser, email: &str, csrf: &str) -> String {
    browser
        .post_form(
            "/api/account/email",
            &[("csrf_token", csrf), ("email", email)],
        )
        .await
        .location()
        .unwrap()
}

async fn cancel(browser: &mut Browser, csrf: &str) -> String {
    browser
        .post_form("/api/account/email/cancel", &[("csrf_token", csrf)])
        .await
        .location()
        .unwrap()
}

async fn changing_the_email_address(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut laptop = device(&app, LINUX);
    app.sign_up(&mut laptop, "ana@example.com", STRONG_PASSWORD, "Ana")
        .await;
    let mut other = device(&app, IPHONE);
    app.sign_up(&mut other, "bo@example.com", STRONG_PASSWORD, "Bo")
        .await;
    let (_, page) = laptop.visit("/account/email").await;
    assert!(page.body.contains("data-testid=\"email-current\""));
    let csrf = page.hidden("csrf_token").unwrap();
    // Bad input changes nothing and names the field's problem.
    for (typed, problem) in [
        ("", "email_empty"),
        ("not an address", "email_invalid"),
        ("ANA@example.com", "email_unchanged"),
    ] {
        assert_eq!(
            change(&mut laptop, typed, &csrf).await,
            format!("/account/email?error={problem}")
        );
    }
    let (_, shown) = laptop.visit("/account/email?error=email_invalid").await;
    assert!(shown.body.contains("data-testid=\"email-error\""));
    assert!(shown.body.contains("aria-invalid=\"true\""));
    assert_eq!(
        change(&mut laptop, "ana.new@example.com", "forged").await,
        "/account/email?error=csrf"
    );
    assert!(app.latest_mail_to("ana.new@example.com").await.is_none());

    // A change: a link to the new address, a notice with an undo link to the old one.
    assert_eq!(
        change(&mut laptop, "Ana.New@example.com", &csrf).await,
        "/account/email?notice=email_sent"
    );
    let confirm = link_in_mail(
        &app,
        "ana.new@example.com",
        "email_change_confirm",
        "/account/email/confirm",
    )
    .await;
    let undo = link_in_mail(
        &app,
        "ana@example.com",
        "email_change_notice",
        "/account/email/revert",
    )
    .await;
    let (_, account) = laptop.visit("/account").await;
    assert!(
        account
            .body
            .contains("data-testid=\"account-email-pending\"")
    );
    assert!(
        account.body.contains(">ana@example.com<"),
        "unchanged until confirmed"
    );

    // Pending, the old address still signs in; the new one is nobody's.
    let mut elsewhere = browser_at(&app, HOME);
    sign_in(&app, &mut elsewhere, "ana@example.com").await;
    let mut stranger = browser_at(&app, HOME);
    let answer = stranger.login("ana.new@example.com", STRONG_PASSWORD).await;
    let (_, page) = stranger.visit(&answer.location().unwrap()).await;
    assert!(
        page.message_ids()
            .contains(&"login.invalid_credentials".into())
    );
    let (_, recovery) = stranger.visit("/recovery").await;
    stranger
        .post_form(
            "/api/recovery/request",
            &[
                ("flow", &recovery.hidden("flow").unwrap()),
                ("csrf_token", &recovery.hidden("csrf_token").unwrap()),
                ("email", "ana.new@example.com"),
            ],
        )
        .await;
    assert_eq!(
        app.latest_mail_to("ana.new@example.com")
            .await
            .unwrap()
            .template,
        "email_change_confirm",
        "no reset link goes to an address that is not the account's"
    );

    // Opening the link shows it; only the button acts, once.
    let (_, page) = stranger.visit(&confirm).await;
    assert!(page.body.contains("ana.new@example.com"));
    let (_, account) = laptop.visit("/account").await;
    assert!(account.body.contains(">ana@example.com<"));
    assert_eq!(
        follow_link(&mut stranger, &confirm, "/api/account/email/confirm").await,
        "/account/email/confirm?result=changed"
    );
    let (_, again) = stranger.visit(&confirm).await;
    assert!(
        again.body.contains("data-state=\"invalid\""),
        "the link works once"
    );
    let (_, account) = laptop.visit("/account").await;
    assert!(account.body.contains(">ana.new@example.com<"));
    assert!(
        account.body.contains("Verified"),
        "verified by its own link"
    );
    assert!(
        !account
            .body
            .contains("data-testid=\"account-email-pending\"")
    );
    let mut fresh = browser_at(&app, HOME);
    let answer = fresh.login("ana@example.com", STRONG_PASSWORD).await;
    let (_, page) = fresh.visit(&answer.location().unwrap()).await;
    assert!(
        page.message_ids()
            .contains(&"login.invalid_credentials".into())
    );

    // The old address undoes it: its address back, every session and app signed out.
    let mut mailbox = browser_at(&app, HOME);
    let (_, page) = mailbox.visit(&undo).await;
    assert!(page.body.contains("ana@example.com"));
    assert_eq!(
        follow_link(&mut mailbox, &undo, "/api/account/email/revert").await,
        "/account/email/revert?result=restored"
    );
    let (path, _) = laptop.visit("/account").await;
    assert!(path.starts_with("/login"), "signed out: {path}");
    let (path, _) = elsewhere.visit("/account").await;
    assert!(path.starts_with("/login"), "signed out: {path}");
    let (_, again) = mailbox.visit(&undo).await;
    assert!(
        again.body.contains("data-state=\"invalid\""),
        "the undo works once"
    );
    sign_in(&app, &mut laptop, "ana@example.com").await;
    let (_, page) = laptop.visit("/account/email").await;
    assert!(page.body.contains(">ana@example.com<"));
    let csrf = page.hidden("csrf_token").unwrap();

    // An address that another account holds: the same answer, no link, a notice to
    // its owner, and a confirmation that can never happen.
    assert_eq!(
        change(&mut laptop, "bo@example.com", &csrf).await,
        "/account/email?notice=email_sent"
    );
    assert_eq!(
        app.latest_mail_to("bo@example.com").await.unwrap().template,
        "email_in_use"
    );
    let (_, page) = laptop.visit("/account/email").await;
    assert!(page.body.contains("data-testid=\"email-pending\""));
    // Cancelling ends it; cancelling again finds nothing.
    assert_eq!(
        cancel(&mut laptop, &csrf).await,
        "/account/email?notice=email_cancelled"
    );
    assert_eq!(
        cancel(&mut laptop, &csrf).await,
        "/account/email?error=nothing_pending"
    );

    // A newer request replaces an older one's link; links expire after a day.
    change(&mut laptop, "ana.one@example.com", &csrf).await;
    let first = link_in_mail(
        &app,
        "ana.one@example.com",
        "email_change_confirm",
        "/account/email/confirm",
    )
    .await;
    change(&mut laptop, "ana.two@example.com", &csrf).await;
    let (_, page) = stranger.visit(&first).await;
    assert!(page.body.contains("data-state=\"invalid\""), "superseded");
    let second = link_in_mail(
        &app,
        "ana.two@example.com",
        "email_change_confirm",
        "/account/email/confirm",
    )
    .await;
    app.clock.advance(std::time::Duration::from_secs(25 * 3600));
    let (_, page) = stranger.visit(&second).await;
    assert!(page.body.contains("data-state=\"invalid\""), "expired");

    // Long after signing in, a change first asks to confirm it's you.
    let (_, page) = laptop.visit("/account/email").await;
    if !page.body.contains("data-testid=\"email-reauth-hint\"") {
        // The idle timeout may have signed this browser out: sign in, then wait.
        sign_in(&app, &mut laptop, "ana@example.com").await;
        app.clock.advance(std::time::Duration::from_secs(16 * 60));
    }
    let (_, page) = laptop.visit("/account/email").await;
    assert!(page.body.contains("data-testid=\"email-reauth-hint\""));
    let csrf = page.hidden("csrf_token").unwrap();
    let location = change(&mut laptop, "ana.three@example.com", &csrf).await;
    assert!(location.starts_with("/login?flow="), "{location}");
    assert!(app.latest_mail_to("ana.three@example.com").await.is_none());
    app.cleanup().await;
}

/// Adds an authenticator app through the security centre: its key as shown, and the
/// recovery codes shown once.
async fn add_authenticator(app: &TestApp, browser: &mut Browser) -> (String, Vec<String>) {
    let csrf = security_csrf(browser).await;
    browser
        .post_form("/api/account/security/totp/start", &[("csrf_token", &csrf)])
        .await;
    let (_, setup) = browser.visit("/account/security/totp").await;
    let key = regex::Regex::new(r#"data-testid="totp-secret"[^>]*>([^<]*)<"#)
        .unwrap()
        .captures(&setup.body)
        .expect("the key as text")[1]
        .trim()
        .to_string();
    let code = portico_identity::credentials::factors::code_at(
        &common::totp_seed(&key),
        common::now_secs(app),
    );
    let csrf = setup.hidden("csrf_token").unwrap();
    browser
        .post_form(
            "/api/account/security/totp/confirm",
            &[("csrf_token", &csrf), ("code", &code)],
        )
        .await;
    let (_, security) = browser.visit("/account/security").await;
    let codes = regex::Regex::new(r#"data-testid="recovery-code"[^>]*>([^<]*)<"#)
        .unwrap()
        .captures_iter(&security.body)
        .map(|c| c[1].trim().to_string())
        .collect::<Vec<_>>();
    assert_eq!(codes.len(), 10);
    (key, codes)
}

async fn customers_download_their_data(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut laptop = device(&app, LINUX);
    app.sign_up(&mut laptop, "dana@example.com", STRONG_PASSWORD, "Dana")
        .await;
    let mut phone = device(&app, IPHONE);
    sign_in(&app, &mut phone, "dana@example.com").await;
    let (key, codes) = add_authenticator(&app, &mut laptop).await;

    let (_, page) = laptop.visit("/account/privacy").await;
    assert!(page.body.contains("data-testid=\"export-request\""));
    let csrf = page.hidden("csrf_token").unwrap();
    let forged = laptop
        .post_form("/api/account/export", &[("csrf_token", "forged")])
        .await;
    assert_eq!(
        forged.location().as_deref(),
        Some("/account/privacy?error=csrf")
    );
    assert!(
        app.latest_mail_to("dana@example.com")
            .await
            .unwrap()
            .template
            != "data_export"
    );
    let asked = laptop
        .post_form("/api/account/export", &[("csrf_token", &csrf)])
        .await;
    assert_eq!(
        asked.location().as_deref(),
        Some("/account/privacy?notice=export_sent")
    );
    let link = link_in_mail(&app, "dana@example.com", "data_export", "/account/export").await;
    let token = link.split("token=").nth(1).unwrap().to_string();

    // Opening the link only shows the button (mail scanners open links).
    let mut mailbox = browser_at(&app, HOME);
    let (_, page) = mailbox.visit(&link).await;
    assert!(page.body.contains("data-testid=\"export-download\""));
    let (_, page) = mailbox.visit(&link).await;
    assert!(
        page.body.contains("data-testid=\"export-download\""),
        "looking does not use it"
    );
    let file = mailbox
        .post_form("/account/export/download", &[("token", &token)])
        .await;
    assert_eq!(file.status, 200);
    assert!(
        file.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    assert!(
        file.header("content-disposition")
            .unwrap()
            .starts_with("attachment; filename=")
    );
    assert_eq!(file.header("cache-control").as_deref(), Some("no-store"));
    let doc: serde_json::Value = serde_json::from_str(&file.body).unwrap();

    // Every category, as it is now.
    assert_eq!(doc["format"], "portico.account-export/1");
    assert_eq!(doc["profile"]["display_name"], "Dana");
    assert_eq!(doc["emails"][0]["address"], "dana@example.com");
    assert_eq!(doc["emails"][0]["primary"], true);
    assert!(doc["emails"][0]["verified_at"].is_string());
    let methods = &doc["sign_in_methods"];
    assert_eq!(methods["password"]["set"], true);
    assert!(methods["password"]["changed_at"].is_string());
    assert!(methods["authenticator_app"]["added_at"].is_string());
    assert_eq!(methods["recovery_codes_left"], 10);
    assert!(methods["passkeys"].as_array().unwrap().is_empty());
    assert_eq!(doc["sessions"].as_array().unwrap().len(), 2);
    assert!(file.body.contains("Mobile/15E148"), "the phone's session");
    assert!(doc["connected_apps"].is_array());
    assert!(!doc["sign_ins"].as_array().unwrap().is_empty());
    let actions: Vec<&str> = doc["activity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for action in [
        "user.registered",
        "mfa.totp_added",
        "data.export_requested",
        "data.exported",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }

    // No secret: no hash, no TOTP key, no recovery code, no cookie, no link token.
    let lower = file.body.to_lowercase();
    assert!(!lower.contains("argon2"), "no password hash");
    assert!(!lower.contains("\"phc\""));
    assert!(
        !file.body.contains(&key) && !file.body.contains(&key.replace(' ', "")),
        "no TOTP key"
    );
    for code in &codes {
        assert!(!file.body.contains(code.as_str()), "no recovery code");
    }
    for cookie in [laptop.session_cookie(), phone.session_cookie()]
        .into_iter()
        .flatten()
    {
        assert!(!file.body.contains(&cookie), "no session cookie");
    }
    assert!(!file.body.contains(&token), "no link token");
    assert!(!lower.contains("csrf"), "no form token");

    // The link works once.
    let again = mailbox
        .post_form("/account/export/download", &[("token", &token)])
        .await;
    assert_eq!(
        again.location().as_deref(),
        Some("/account/export?result=invalid")
    );
    let (_, page) = mailbox.visit(&link).await;
    assert!(page.body.contains("data-state=\"invalid\""));

    // Asking again long after signing in first asks to confirm it's you; the link of
    // an unanswered request expires after a day.
    let asked = laptop
        .post_form("/api/account/export", &[("csrf_token", &csrf)])
        .await;
    assert_eq!(
        asked.location().as_deref(),
        Some("/account/privacy?notice=export_sent")
    );
    let link = link_in_mail(&app, "dana@example.com", "data_export", "/account/export").await;
    app.clock.advance(std::time::Duration::from_secs(16 * 60));
    let (_, page) = laptop.visit("/account/privacy").await;
    assert!(page.body.contains("data-testid=\"privacy-reauth-hint\""));
    let asked = laptop
        .post_form("/api/account/export", &[("csrf_token", &csrf)])
        .await;
    assert!(asked.location().unwrap().starts_with("/login?flow="));
    app.clock.advance(std::time::Duration::from_secs(24 * 3600));
    let (_, page) = mailbox.visit(&link).await;
    assert!(page.body.contains("data-state=\"invalid\""), "expired");
    app.cleanup().await;
}

async fn delete(browser: &mut Browser, csrf: &str, confirm: &str) -> String {
    browser
        .post_form(
            "/api/account/delete",
            &[("csrf_token", csrf), ("confirm", confirm)],
        )
        .await
        .location()
        .unwrap()
}

async fn privacy_csrf(browser: &mut Browser) -> String {
    let (_, page) = browser.visit("/account/privacy").await;
    page.hidden("csrf_token").expect("a signed-in form")
}

async fn deleting_an_account_with_a_grace_period(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut laptop = device(&app, LINUX);
    app.sign_up(&mut laptop, "eve@example.com", STRONG_PASSWORD, "Eve")
        .await;
    let eve = user(&app, "eve@example.com").await;
    let mut phone = device(&app, IPHONE);
    sign_in(&app, &mut phone, "eve@example.com").await;
    let users = app.user_count().await;

    // Bad input deletes nothing.
    let (_, page) = laptop.visit("/account/privacy").await;
    assert!(page.body.contains("data-testid=\"delete-form\""));
    assert!(
        page.body.contains("after 14 days"),
        "the tenant's grace period"
    );
    let csrf = page.hidden("csrf_token").unwrap();
    assert_eq!(
        delete(&mut laptop, "forged", "eve@example.com").await,
        "/account/privacy?error=csrf"
    );
    assert_eq!(
        delete(&mut laptop, &csrf, "someone@example.com").await,
        "/account/privacy?error=delete_confirm#delete"
    );
    let (_, page) = laptop.visit("/account/privacy?error=delete_confirm").await;
    assert!(page.body.contains("data-testid=\"delete-error\""));
    // Long after signing in, it first asks to confirm it's you.
    app.clock.advance(std::time::Duration::from_secs(16 * 60));
    let location = delete(&mut laptop, &csrf, "eve@example.com").await;
    assert!(location.starts_with("/login?flow="), "{location}");
    let (path, _) = laptop.visit("/account").await;
    assert_eq!(path, "/account", "nothing happened");
    laptop.sign_out().await;
    sign_in(&app, &mut laptop, "eve@example.com").await;
    let csrf = privacy_csrf(&mut laptop).await;

    // Scheduled: every device signed out, the owner told how to change their mind.
    let location = delete(&mut laptop, &csrf, " EVE@example.com ").await;
    let (_, page) = laptop.visit(&location).await;
    assert!(
        page.message_ids()
            .contains(&"account.deletion_scheduled".into()),
        "{:?}",
        page.message_ids()
    );
    for browser in [&mut laptop, &mut phone] {
        let (path, _) = browser.visit("/account").await;
        assert!(path.starts_with("/login"), "signed out: {path}");
    }
    assert_eq!(
        app.latest_mail_to("eve@example.com")
            .await
            .unwrap()
            .template,
        "account_deletion_scheduled"
    );
    // No reset link for an account on its way out.
    let mut stranger = browser_at(&app, HOME);
    let (_, recovery) = stranger.visit("/recovery").await;
    stranger
        .post_form(
            "/api/recovery/request",
            &[
                ("flow", &recovery.hidden("flow").unwrap()),
                ("csrf_token", &recovery.hidden("csrf_token").unwrap()),
                ("email", "eve@example.com"),
            ],
        )
        .await;
    assert_eq!(
        app.latest_mail_to("eve@example.com")
            .await
            .unwrap()
            .template,
        "account_deletion_scheduled"
    );

    // Signing in during the grace period lands on the offer to keep the account.
    let answer = laptop.login("eve@example.com", STRONG_PASSWORD).await;
    assert_eq!(answer.location().as_deref(), Some("/account/privacy"));
    let (_, page) = laptop.visit("/account/privacy").await;
    assert!(page.body.contains("data-testid=\"deletion-pending\""));
    let (_, account) = laptop.visit("/account").await;
    assert!(
        account
            .body
            .contains("data-testid=\"account-deletion-pending\"")
    );
    let csrf = page.hidden("csrf_token").unwrap();
    let kept = laptop
        .post_form("/api/account/keep", &[("csrf_token", &csrf)])
        .await;
    assert_eq!(
        kept.location().as_deref(),
        Some("/account/privacy?notice=deletion_cancelled")
    );
    let (_, page) = laptop.visit("/account/privacy").await;
    assert!(page.body.contains("data-testid=\"delete-form\""), "kept");
    let kept_again = laptop
        .post_form("/api/account/keep", &[("csrf_token", &csrf)])
        .await;
    assert_eq!(kept_again.location().as_deref(), Some("/account/privacy"));
    assert_eq!(app.state.engine.purge_deleted_accounts().await.unwrap(), 0);

    // Deleted again and left alone: after the grace period, erased.
    delete(&mut laptop, &csrf, "eve@example.com").await;
    app.clock
        .advance(std::time::Duration::from_secs(13 * 24 * 3600));
    assert_eq!(
        app.state.engine.purge_deleted_accounts().await.unwrap(),
        0,
        "not before the date"
    );
    app.clock
        .advance(std::time::Duration::from_secs(2 * 24 * 3600));
    assert_eq!(app.state.engine.purge_deleted_accounts().await.unwrap(), 1);
    assert_eq!(app.user_count().await, users - 1);

    // Nothing personal is left; the audit trail keeps only the pseudonymous id.
    use portico_identity::store::entities::{audit_events, login_events, outbox, sessions};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let db = app.state.engine.db().conn();
    let events = audit_events::Entity::find()
        .filter(audit_events::Column::SubjectUserId.eq(eve.0))
        .all(db)
        .await
        .unwrap();
    assert!(events.iter().any(|e| e.action == "account.deleted"));
    assert!(events.iter().any(|e| e.action == "user.registered"));
    for e in &events {
        assert!(e.ip.is_none() && e.user_agent.is_none(), "{}", e.action);
        assert_eq!(e.details, serde_json::json!({}), "{}", e.action);
    }
    assert!(
        login_events::Entity::find()
            .filter(login_events::Column::UserId.eq(eve.0))
            .all(db)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        sessions::Entity::find()
            .filter(sessions::Column::UserId.eq(eve.0))
            .all(db)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        outbox::Entity::find()
            .filter(outbox::Column::Recipient.eq("eve@example.com"))
            .all(db)
            .await
            .unwrap()
            .is_empty()
    );
    let answer = laptop.login("eve@example.com", STRONG_PASSWORD).await;
    let (_, page) = laptop.visit(&answer.location().unwrap()).await;
    assert!(
        page.message_ids()
            .contains(&"login.invalid_credentials".into())
    );
    // The address is free for a new account.
    let mut newcomer = device(&app, IPHONE);
    app.sign_up(
        &mut newcomer,
        "eve@example.com",
        STRONG_PASSWORD,
        "Eve Again",
    )
    .await;
    assert_ne!(user(&app, "eve@example.com").await, eve);
    app.cleanup().await;
}

on_both_databases!(
    deleting_an_account_with_a_grace_period,
    customers_download_their_data,
    changing_the_email_address,
    customers_see_and_end_their_sessions,
    customers_see_their_own_activity,
);
