//! Adaptive MFA through the real router, on both databases: the second-factor step of
//! the login flow (email code, authenticator app, recovery code), the policies (adaptive,
//! always, off, dry run), throttled guessing, engine failure, the security centre and
//! the "this wasn't me" lockdown.

mod common;

use common::{
    Backend, Browser, Page, STRONG_PASSWORD, TestApp, browser_at, now_secs, sign_ins, totp_seed,
};
use portico_identity::credentials::factors::code_at;
use portico_identity::risk::signins::SignInOutcome;
use portico_identity::risk::{Decision, MfaMode};

const HOME: &str = "89.160.20.112:40000";
/// A Tor exit in London (the test databases flag 81.2.69.0/24 as anonymous).
const LONDON: &str = "81.2.69.142:40000";
/// Boxford, GB: a plain residential address abroad.
const BOXFORD: &str = "2.125.160.216:40000";

async fn set_policy(app: &TestApp, change: impl FnOnce(&mut portico_identity::risk::RiskPolicy)) {
    let engine = &app.state.engine;
    let tenant = engine.resolve_tenant(common::HOST).await.unwrap();
    let mut policy = tenant.tenant.policy.clone();
    change(&mut policy.risk);
    engine
        .set_tenant_policy(tenant.tenant.id, &policy)
        .await
        .unwrap();
}

/// Signs up at home and signs out: the home browser is a known device.
async fn member(app: &TestApp, email: &str) -> Browser {
    let mut home = browser_at(app, HOME);
    app.sign_up(&mut home, email, STRONG_PASSWORD, "Member")
        .await;
    home.sign_out().await;
    home
}

/// Signs in with the password; the page it leads to (following redirects) and its path.
async fn password_step(browser: &mut Browser, email: &str) -> (String, Page) {
    let answer = browser.login(email, STRONG_PASSWORD).await;
    let next = answer
        .location()
        .expect("a sign-in answers with a redirect");
    browser.visit(&next).await
}

/// Submits the second-factor form of `page`.
async fn second_factor(browser: &mut Browser, page: &Page, intent: &str, code: &str) -> Page {
    let flow = page
        .hidden("flow")
        .expect("flow id on the second-factor step");
    let csrf = page.hidden("csrf_token").expect("csrf token");
    browser
        .post_form(
            "/api/login/second-factor",
            &[
                ("flow", &flow),
                ("csrf_token", &csrf),
                ("intent", intent),
                ("code", code),
            ],
        )
        .await
}

fn is_second_factor_step(page: &Page) -> bool {
    page.body.contains("Confirm it") && page.body.contains("data-testid=\"second-factor-lead\"")
}

/// The text of the element with `data-testid=id` (first match, tags stripped).
fn testid_text(page: &Page, id: &str) -> Option<String> {
    let re = regex::Regex::new(&format!(r#"data-testid="{id}"[^>]*>([^<]*)<"#)).unwrap();
    re.captures(&page.body).map(|c| c[1].trim().to_string())
}

fn all_testid_texts(page: &Page, id: &str) -> Vec<String> {
    let re = regex::Regex::new(&format!(r#"data-testid="{id}"[^>]*>([^<]*)<"#)).unwrap();
    re.captures_iter(&page.body)
        .map(|c| c[1].trim().to_string())
        .collect()
}

/// The templates of every mail queued to `to`, newest first.
async fn mail_templates(app: &TestApp, to: &str) -> Vec<String> {
    let tenant = app.state.engine.resolve_tenant(common::HOST).await.unwrap();
    app.state
        .engine
        .recent_mail(tenant.tenant.id, 200)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.to == to)
        .map(|m| m.template.to_string())
        .collect()
}

/// Adds an authenticator app through the security centre; its seed and the recovery
/// codes shown once.
async fn enrol_totp(app: &TestApp, browser: &mut Browser) -> (Vec<u8>, Vec<String>) {
    let (_, security) = browser.visit("/account/security").await;
    let csrf = security.hidden("csrf_token").unwrap();
    let started = browser
        .post_form("/api/account/security/totp/start", &[("csrf_token", &csrf)])
        .await;
    assert_eq!(
        started.location().as_deref(),
        Some("/account/security/totp")
    );
    let (_, setup) = browser.visit("/account/security/totp").await;
    assert!(setup.body.contains("<svg"), "the QR code is an inline SVG");
    let key = testid_text(&setup, "totp-secret").expect("the key as text");
    let seed = totp_seed(&key);
    let csrf = setup.hidden("csrf_token").unwrap();
    let wrong = browser
        .post_form(
            "/api/account/security/totp/confirm",
            &[("csrf_token", &csrf), ("code", "000000")],
        )
        .await;
    assert_eq!(
        wrong.location().as_deref(),
        Some("/account/security/totp?error=wrong_code")
    );
    let code = code_at(&seed, now_secs(app));
    let done = browser
        .post_form(
            "/api/account/security/totp/confirm",
            &[("csrf_token", &csrf), ("code", &code)],
        )
        .await;
    assert_eq!(
        done.location().as_deref(),
        Some("/account/security?notice=totp_added#authenticator")
    );
    let (_, security) = browser.visit("/account/security").await;
    let codes = all_testid_texts(&security, "recovery-code");
    assert_eq!(codes.len(), 10, "a first set of recovery codes, shown once");
    let (_, again) = browser.visit("/account/security").await;
    assert!(
        all_testid_texts(&again, "recovery-code").is_empty(),
        "recovery codes are shown only once"
    );
    // The step just used cannot be used again: let the clock move on a step.
    app.clock.advance(std::time::Duration::from_secs(31));
    (seed, codes)
}

async fn a_new_device_is_challenged_and_a_known_one_is_not(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut home = member(&app, "adaptive@example.com").await;

    // The browser that signed up is known: straight in.
    let (path, _) = password_step(&mut home, "adaptive@example.com").await;
    assert_eq!(path, "/account");

    // A new browser (same network): one more step. Nothing enrolled: a mailed code.
    let mut laptop = browser_at(&app, HOME);
    let (path, page) = password_step(&mut laptop, "adaptive@example.com").await;
    assert!(path.starts_with("/login?flow="), "{path}");
    assert!(is_second_factor_step(&page), "{}", page.body);
    assert!(page.body.contains("a•••@example.com"), "masked address");
    assert!(laptop.session_cookie().is_none(), "half-way grants nothing");
    let mail = app.latest_mail_to("adaptive@example.com").await.unwrap();
    assert_eq!(mail.template, "sign_in_code");
    let code = common::first_code(&mail.text).unwrap();

    // A half-finished flow grants nothing, and a password is no answer to this step.
    assert_eq!(
        laptop.get("/account").await.location().as_deref(),
        Some("/login?return_to=%2Faccount")
    );
    let again = laptop
        .submit_login(&page, "adaptive@example.com", STRONG_PASSWORD)
        .await;
    let (_, shown) = laptop.visit(&again.location().unwrap()).await;
    assert!(is_second_factor_step(&shown));
    assert!(laptop.session_cookie().is_none());

    // A wrong code is named on its field; another factor is not offered.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let answer = second_factor(&mut laptop, &page, "", wrong).await;
    let (_, shown) = laptop.visit(&answer.location().unwrap()).await;
    assert!(
        shown
            .message_ids()
            .contains(&"mfa.invalid_code".to_string())
    );
    let answer = second_factor(&mut laptop, &page, "totp", "123456").await;
    let (_, shown) = laptop.visit(&answer.location().unwrap()).await;
    assert_eq!(shown.message_ids(), vec!["mfa.unavailable"]);

    let answer = second_factor(&mut laptop, &page, "", &code).await;
    assert_eq!(answer.location().as_deref(), Some("/account"));
    assert!(laptop.session_cookie().is_some());

    let records = sign_ins(&app, "adaptive@example.com").await;
    let latest = &records[0];
    assert_eq!(latest.outcome, SignInOutcome::Succeeded);
    assert_eq!(latest.methods, "pwd,email");
    assert_eq!(latest.decision, Decision::StepUp);
    assert!(latest.reasons.contains(&"new device".to_string()));
    // The owner is told, with a link to report it.
    let alert = app.latest_mail_to("adaptive@example.com").await.unwrap();
    assert_eq!(alert.template, "new_sign_in");
    assert!(alert.text.contains("/security/report?token="));
    // The code worked once.
    let mut other = browser_at(&app, HOME);
    let (_, page) = password_step(&mut other, "adaptive@example.com").await;
    let answer = second_factor(&mut other, &page, "", &code).await;
    assert!(answer.location().unwrap().starts_with("/login?flow="));

    // That laptop is now known: no step next time.
    laptop.sign_out().await;
    let (path, _) = password_step(&mut laptop, "adaptive@example.com").await;
    assert_eq!(path, "/account");
    app.cleanup().await;
}

async fn always_off_and_dry_run_policies(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut home = member(&app, "policy@example.com").await;

    set_policy(&app, |r| r.mode = MfaMode::Always).await;
    let (path, page) = password_step(&mut home, "policy@example.com").await;
    assert!(
        is_second_factor_step(&page),
        "always asks, even at home: {path}"
    );

    set_policy(&app, |r| r.mode = MfaMode::Off).await;
    let mut stranger = browser_at(&app, LONDON);
    let (path, _) = password_step(&mut stranger, "policy@example.com").await;
    assert_eq!(path, "/account", "off never asks");
    stranger.sign_out().await;

    set_policy(&app, |r| {
        r.mode = MfaMode::Adaptive;
        r.dry_run = true;
    })
    .await;
    app.clock.advance(std::time::Duration::from_secs(4 * 3600));
    let mut another = browser_at(&app, BOXFORD);
    let (path, _) = password_step(&mut another, "policy@example.com").await;
    assert_eq!(path, "/account", "dry run lets it through");
    let latest = &sign_ins(&app, "policy@example.com").await[0];
    assert_eq!(latest.decision, Decision::StepUp, "but records the verdict");
    assert_eq!(latest.enforced, Decision::Allow);
    app.cleanup().await;
}

async fn an_authenticator_app_and_recovery_codes_answer_the_step(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut home = browser_at(&app, HOME);
    app.sign_up(&mut home, "totp-flow@example.com", STRONG_PASSWORD, "Totp")
        .await;
    let (seed, codes) = enrol_totp(&app, &mut home).await;
    let totp_mail = app.latest_mail_to("totp-flow@example.com").await.unwrap();
    assert_eq!(
        totp_mail.template, "factor_changed",
        "adding a factor is told"
    );

    // A new device: the app is offered first, recovery codes second, no email code.
    let mut phone = browser_at(&app, HOME);
    let (_, page) = password_step(&mut phone, "totp-flow@example.com").await;
    assert!(is_second_factor_step(&page));
    assert!(page.body.contains("name=\"intent\" value=\"totp\""));
    assert!(page.body.contains("second-factor-use-recovery_code"));
    assert!(!page.body.contains("second-factor-use-email"));
    let code = code_at(&seed, now_secs(&app));
    let answer = second_factor(&mut phone, &page, "totp", &code).await;
    assert_eq!(answer.location().as_deref(), Some("/account"));
    assert_eq!(
        sign_ins(&app, "totp-flow@example.com").await[0].methods,
        "pwd,otp"
    );

    // The same code again, from yet another device: refused (replay).
    let mut tablet = browser_at(&app, HOME);
    let (_, page) = password_step(&mut tablet, "totp-flow@example.com").await;
    let answer = second_factor(&mut tablet, &page, "totp", &code).await;
    let (_, shown) = tablet.visit(&answer.location().unwrap()).await;
    assert!(
        shown
            .message_ids()
            .contains(&"mfa.invalid_code".to_string())
    );

    // A recovery code works once, and the owner is told.
    let (_, page) = tablet
        .visit(&format!(
            "/login?flow={}&method=recovery_code",
            page.hidden("flow").unwrap()
        ))
        .await;
    assert!(
        page.body
            .contains("name=\"intent\" value=\"recovery_code\"")
    );
    let answer = second_factor(
        &mut tablet,
        &page,
        "recovery_code",
        &codes[3].to_uppercase(),
    )
    .await;
    assert_eq!(answer.location().as_deref(), Some("/account"));
    assert!(
        mail_templates(&app, "totp-flow@example.com")
            .await
            .contains(&"recovery_code_used".to_string())
    );
    let mut laptop = browser_at(&app, HOME);
    let (_, page) = password_step(&mut laptop, "totp-flow@example.com").await;
    let answer = second_factor(&mut laptop, &page, "recovery_code", &codes[3]).await;
    let (_, shown) = laptop.visit(&answer.location().unwrap()).await;
    assert!(
        shown
            .message_ids()
            .contains(&"mfa.invalid_code".to_string()),
        "{:?} {:?} step={}",
        shown.message_ids(),
        answer.location(),
        is_second_factor_step(&page)
    );
    app.cleanup().await;
}

async fn guessing_codes_is_throttled_across_restarts(backend: Backend) {
    let app = TestApp::start(backend).await;
    member(&app, "guess@example.com").await;
    let mut attacker = browser_at(&app, HOME);
    let mut throttled = false;
    for i in 0..12 {
        // Starting the sign-in again does not reset the count.
        let (_, page) = password_step(&mut attacker, "guess@example.com").await;
        let answer = second_factor(&mut attacker, &page, "", &format!("{:06}", 100_000 + i)).await;
        let (_, shown) = attacker.visit(&answer.location().unwrap()).await;
        if shown.message_ids().contains(&"mfa.throttled".to_string()) {
            throttled = true;
            break;
        }
        assert!(
            shown
                .message_ids()
                .contains(&"mfa.invalid_code".to_string()),
            "attempt {i}: {:?}",
            shown.message_ids()
        );
    }
    assert!(throttled, "code guessing is throttled");
    assert!(attacker.session_cookie().is_none());
    app.cleanup().await;
}

async fn a_failing_risk_engine_steps_up(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut home = member(&app, "failing@example.com").await;
    // The engine cannot read the account's devices any more.
    use sea_orm::ConnectionTrait;
    app.state
        .engine
        .db()
        .conn()
        .execute_unprepared("ALTER TABLE devices RENAME TO devices_gone")
        .await
        .unwrap();
    let (path, page) = password_step(&mut home, "failing@example.com").await;
    assert!(is_second_factor_step(&page), "step up, never allow: {path}");
    let latest = &sign_ins(&app, "failing@example.com").await[0];
    assert_eq!(latest.decision, Decision::StepUp);
    assert_eq!(latest.outcome, SignInOutcome::Pending);
    app.cleanup().await;
}

async fn this_wasnt_me_locks_the_account_down(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut home = browser_at(&app, HOME);
    app.sign_up(&mut home, "victim@example.com", STRONG_PASSWORD, "Victim")
        .await;

    // Someone with the password (and the mailbox) signs in from Britain, hours later.
    app.clock.advance(std::time::Duration::from_secs(4 * 3600));
    let mut intruder = browser_at(&app, BOXFORD);
    let (_, page) = password_step(&mut intruder, "victim@example.com").await;
    let code = app.latest_code_for("victim@example.com").await.unwrap();
    let answer = second_factor(&mut intruder, &page, "", &code).await;
    assert_eq!(answer.location().as_deref(), Some("/account"));
    let alert = app.latest_mail_to("victim@example.com").await.unwrap();
    assert_eq!(alert.template, "new_sign_in");
    assert!(alert.text.contains("a new country (GB)"), "{}", alert.text);
    let link = regex::Regex::new(r"https?://[^\s]+/security/report\?token=[A-Za-z0-9_-]+")
        .unwrap()
        .find(&alert.text)
        .unwrap()
        .as_str()
        .to_string();
    let path = &link[link.find("/security").unwrap()..];

    // Opening the link only shows the sign-in (mail scanners open links).
    let mut mailbox = browser_at(&app, HOME);
    let (_, shown) = mailbox.visit(path).await;
    assert!(shown.body.contains("Wasn&#x27;t you?") || shown.body.contains("Wasn't you?"));
    assert!(shown.body.contains("Boxford, GB"));
    assert_eq!(
        intruder.get("/account").await.status,
        axum::http::StatusCode::OK
    );
    let token = shown.hidden("token").unwrap();
    let done = mailbox
        .post_form("/api/security/report", &[("token", &token)])
        .await;
    assert_eq!(
        done.location().as_deref(),
        Some("/security/report?secured=true")
    );

    // Everyone is out, the password is blocked, the owner is mailed.
    for browser in [&mut intruder, &mut home] {
        assert!(browser.get("/account").await.status.is_redirection());
    }
    let (_, page) = password_step(&mut intruder, "victim@example.com").await;
    assert_eq!(page.message_ids(), vec!["login.password_blocked"]);
    let (_, page) = password_step(&mut home, "victim@example.com").await;
    assert_eq!(page.message_ids(), vec!["login.password_blocked"]);
    let wrong = home
        .login("victim@example.com", "not the password at all")
        .await;
    let (_, page) = home.visit(&wrong.location().unwrap()).await;
    assert_eq!(
        page.message_ids(),
        vec!["login.invalid_credentials"],
        "the block is only mentioned to whoever knows the password"
    );
    assert_eq!(
        app.latest_mail_to("victim@example.com")
            .await
            .unwrap()
            .template,
        "account_secured"
    );
    let records = sign_ins(&app, "victim@example.com").await;
    assert!(records.iter().any(|r| r.outcome == SignInOutcome::Reported));
    // The link works once.
    let (_, again) = mailbox.visit(path).await;
    assert!(again.body.contains("already reported"));

    // A new password lifts the block; every device is new again, so a step follows.
    let (_, recovery) = home.visit("/recovery").await;
    home.post_form(
        "/api/recovery/request",
        &[
            ("flow", &recovery.hidden("flow").unwrap()),
            ("csrf_token", &recovery.hidden("csrf_token").unwrap()),
            ("email", "victim@example.com"),
        ],
    )
    .await;
    let reset = app.latest_mail_to("victim@example.com").await.unwrap();
    let reset_link = regex::Regex::new(r"/recovery/reset\?token=[A-Za-z0-9_-]+")
        .unwrap()
        .find(&reset.text)
        .unwrap()
        .as_str()
        .to_string();
    let (_, form) = home.visit(&reset_link).await;
    let new_password = "a brand new passphrase for victim";
    let answer = home
        .post_form(
            "/api/recovery/reset",
            &[
                ("flow", &form.hidden("flow").unwrap()),
                ("csrf_token", &form.hidden("csrf_token").unwrap()),
                ("password", new_password),
            ],
        )
        .await;
    assert!(answer.status.is_redirection());
    let answer = home.login("victim@example.com", new_password).await;
    let (_, page) = home.visit(&answer.location().unwrap()).await;
    assert!(
        is_second_factor_step(&page),
        "forgotten devices are new again"
    );
    app.cleanup().await;
}

async fn changing_factors_needs_a_recent_sign_in(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut home = browser_at(&app, HOME);
    app.sign_up(&mut home, "recent@example.com", STRONG_PASSWORD, "Recent")
        .await;
    app.clock.advance(std::time::Duration::from_secs(16 * 60));
    let (_, security) = home.visit("/account/security").await;
    assert!(security.body.contains("data-testid=\"reauth-banner\""));
    let csrf = security.hidden("csrf_token").unwrap();
    for path in [
        "/api/account/security/recovery-codes",
        "/api/account/security/totp/start",
    ] {
        let answer = home.post_form(path, &[("csrf_token", &csrf)]).await;
        assert!(
            answer.location().unwrap().contains("error=reauth"),
            "{path}: {:?}",
            answer.location()
        );
    }
    // A forged form (no session token) changes nothing either.
    let answer = home
        .post_form(
            "/api/account/security/recovery-codes",
            &[("csrf_token", "x")],
        )
        .await;
    assert!(answer.location().unwrap().contains("error=csrf"));
    app.cleanup().await;
}

/// "Confirm it's you" re-proves the signed-in account inside one flow, with its second
/// factor even on a known device; another account's password does not finish it.
async fn confirming_its_you_asks_for_the_second_factor(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut home = member(&app, "confirm@example.com").await;
    let _other = member(&app, "other@example.com").await;
    let (_, page) = password_step(&mut home, "confirm@example.com").await;
    assert!(
        page.body.contains("data-testid=\"account"),
        "a known device signs in"
    );
    let (seed, _) = enrol_totp(&app, &mut home).await;
    home.sign_out().await;
    // A known device signs in with the password alone: the risk is low.
    let (path, _) = password_step(&mut home, "confirm@example.com").await;
    assert_eq!(path, "/account");
    app.clock.advance(std::time::Duration::from_secs(16 * 60));
    let (_, security) = home.visit("/account/security").await;
    assert!(security.body.contains("data-testid=\"reauth-banner\""));
    let csrf = security.hidden("csrf_token").unwrap();
    // A forged form starts nothing.
    let forged = home
        .post_form(
            "/api/account/reauth",
            &[("csrf_token", "x"), ("return_to", "/account/security")],
        )
        .await;
    assert!(forged.location().unwrap().contains("error=csrf"));
    // A return path outside the portal is replaced by the portal.
    let answer = home
        .post_form(
            "/api/account/reauth",
            &[
                ("csrf_token", &csrf),
                ("return_to", "https://evil.example/"),
            ],
        )
        .await;
    let (_, confirm) = home.visit(&answer.location().unwrap()).await;
    let cancel = regex::Regex::new(r#"<a href="([^"]*)" data-testid="reauth-cancel""#).unwrap();
    assert_eq!(
        cancel
            .captures(&confirm.body)
            .map(|c| c[1].to_string())
            .as_deref(),
        Some("/account"),
        "cancel leads back to the portal"
    );
    let answer = home
        .post_form(
            "/api/account/reauth",
            &[("csrf_token", &csrf), ("return_to", "/account/security")],
        )
        .await;
    let location = answer.location().unwrap();
    assert!(location.starts_with("/login?flow="), "{location}");
    let (_, confirm) = home.visit(&location).await;
    assert!(
        confirm.body.contains("Confirm it&#x27;s you") || confirm.body.contains("Confirm it's you")
    );
    assert!(confirm.body.contains("value=\"confirm@example.com\""));
    assert!(confirm.body.contains("readonly"), "the address is fixed");
    assert!(
        !confirm.body.contains("href=\"/register"),
        "no sign-up link"
    );
    assert!(
        confirm
            .message_ids()
            .contains(&"login.reauth_prompt".to_string())
    );

    // Another account's right password does not finish it, and changes no session.
    let answer = home
        .submit_login(&confirm, "other@example.com", STRONG_PASSWORD)
        .await;
    let (_, again) = home.visit(&answer.location().unwrap()).await;
    assert!(
        again
            .message_ids()
            .contains(&"login.reauth_other_account".to_string()),
        "{:?}",
        again.message_ids()
    );
    let (path, _) = home.visit("/account").await;
    assert_eq!(path, "/account", "still signed in as before");

    // The account's own password leads to its second factor, even on a known device.
    let answer = home
        .submit_login(&again, "confirm@example.com", STRONG_PASSWORD)
        .await;
    let (_, step) = home.visit(&answer.location().unwrap()).await;
    assert!(
        is_second_factor_step(&step),
        "the second factor is asked for"
    );
    let code = code_at(&seed, now_secs(&app));
    let done = second_factor(&mut home, &step, "totp", &code).await;
    assert_eq!(done.location().as_deref(), Some("/account/security"));
    let (_, security) = home.visit("/account/security").await;
    assert!(!security.body.contains("data-testid=\"reauth-banner\""));
    let csrf = security.hidden("csrf_token").unwrap();
    let answer = home
        .post_form(
            "/api/account/security/recovery-codes",
            &[("csrf_token", &csrf)],
        )
        .await;
    assert!(
        answer.location().unwrap().contains("notice=recovery_codes"),
        "{:?}",
        answer.location()
    );
    app.cleanup().await;
}

on_both_databases!(
    a_new_device_is_challenged_and_a_known_one_is_not,
    always_off_and_dry_run_policies,
    an_authenticator_app_and_recovery_codes_answer_the_step,
    guessing_codes_is_throttled_across_restarts,
    a_failing_risk_engine_steps_up,
    this_wasnt_me_locks_the_account_down,
    changing_factors_needs_a_recent_sign_in,
    confirming_its_you_asks_for_the_second_factor,
);

async fn a_sign_in_that_looks_like_an_attack_is_denied(backend: Backend) {
    let app = TestApp::start(backend).await;
    member(&app, "tor@example.com").await;
    // Seconds after a sign-in in Sweden, from a Tor exit in London: denied outright.
    let mut tor = browser_at(&app, LONDON);
    let (_, page) = password_step(&mut tor, "tor@example.com").await;
    assert_eq!(page.message_ids(), vec!["login.denied"]);
    assert!(tor.session_cookie().is_none());
    let latest = &sign_ins(&app, "tor@example.com").await[0];
    assert_eq!(latest.outcome, SignInOutcome::Denied);
    assert_eq!(latest.score, 100);
    app.cleanup().await;
}

on_both_databases!(a_sign_in_that_looks_like_an_attack_is_denied);
