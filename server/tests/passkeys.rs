//! Passkeys end to end through the real router, answered by a software authenticator:
//! registration with a passkey only, sign-in with it, adding, renaming and deleting, the
//! second-factor check, and every way a ceremony must fail.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::{Backend, Browser, Page, STRONG_PASSWORD, TestApp};
use portico_identity::credentials::soft_authenticator::SoftAuthenticator;
use serde_json::Value;

const HOST: &str = "localhost:3000";
const ORIGIN: &str = "http://localhost:3000";

fn on_localhost(app: &TestApp) -> Browser {
    let mut browser = app.browser();
    browser.host = HOST.into();
    browser.origin = Some(ORIGIN.into());
    browser
}

fn json(page: &Page) -> Value {
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    serde_json::from_str(&page.body).expect("JSON answer")
}

/// The options and ceremony id from a `PasskeyCeremony` answer.
fn ceremony(page: &Page) -> (String, Value) {
    let v = json(page);
    assert!(v["navigate"].is_null(), "options expected, got {v}");
    let options = serde_json::from_str(v["options"].as_str().unwrap()).unwrap();
    (v["ceremony"].as_str().unwrap().to_string(), options)
}

struct FlowPage {
    flow: String,
    csrf: String,
}

async fn open(browser: &mut Browser, path: &str) -> FlowPage {
    let (_, page) = browser.visit(path).await;
    FlowPage {
        flow: page.hidden("flow").expect("flow id"),
        csrf: page.hidden("csrf_token").expect("csrf token"),
    }
}

async fn login_options(browser: &mut Browser, form: &FlowPage) -> (String, Value) {
    ceremony(
        &browser
            .post_api(
                "/api/passkey/login/options",
                &[("flow", &form.flow), ("csrf_token", &form.csrf)],
            )
            .await,
    )
}

async fn registration_options(
    browser: &mut Browser,
    form: &FlowPage,
    email: &str,
    name: &str,
) -> (String, Value) {
    ceremony(
        &browser
            .post_api(
                "/api/passkey/register/options",
                &[
                    ("flow", &form.flow),
                    ("csrf_token", &form.csrf),
                    ("email", email),
                    ("display_name", name),
                ],
            )
            .await,
    )
}

async fn finish_registration(
    browser: &mut Browser,
    form: &FlowPage,
    ceremony: &str,
    credential: &Value,
) -> Value {
    json(
        &browser
            .post_api(
                "/api/passkey/register",
                &[
                    ("flow", &form.flow),
                    ("csrf_token", &form.csrf),
                    ("ceremony", ceremony),
                    ("credential", &credential.to_string()),
                ],
            )
            .await,
    )
}

/// Creates an account with a passkey only and verifies its address; signed in after.
async fn passkey_sign_up(
    app: &TestApp,
    browser: &mut Browser,
    key: &mut SoftAuthenticator,
    email: &str,
) {
    let form = open(browser, "/register").await;
    let (id, options) = registration_options(browser, &form, email, "Pat Key").await;
    assert_eq!(options["publicKey"]["rp"]["id"], "localhost");
    assert_eq!(
        options["publicKey"]["authenticatorSelection"]["residentKey"],
        "required"
    );
    let credential = key.create(&options, ORIGIN).unwrap();
    let next = finish_registration(browser, &form, &id, &credential).await;
    let (_, step) = browser.visit(next["navigate"].as_str().unwrap()).await;
    assert!(step.body.contains("Check your inbox"), "verify step next");
    let code = app.latest_code_for(email).await.unwrap();
    let done = browser.submit_code(&step, &code).await;
    assert_eq!(done.location().as_deref(), Some("/account"));
}

/// Runs a passkey sign-in on a fresh login page; returns where the browser is sent.
async fn passkey_sign_in(browser: &mut Browser, key: &mut SoftAuthenticator) -> String {
    let form = open(browser, "/login").await;
    let (id, options) = login_options(browser, &form).await;
    let assertion = key.get(&options, ORIGIN, None).unwrap();
    finish_login(browser, &form, &id, &assertion).await
}

async fn finish_login(
    browser: &mut Browser,
    form: &FlowPage,
    ceremony: &str,
    assertion: &Value,
) -> String {
    let next = json(
        &browser
            .post_api(
                "/api/passkey/login",
                &[
                    ("flow", &form.flow),
                    ("csrf_token", &form.csrf),
                    ("ceremony", ceremony),
                    ("credential", &assertion.to_string()),
                ],
            )
            .await,
    );
    next["navigate"].as_str().unwrap().to_string()
}

/// The message ids on the page `path` leads to.
async fn messages_at(browser: &mut Browser, path: &str) -> Vec<String> {
    browser.visit(path).await.1.message_ids()
}

async fn a_passkey_only_account_signs_up_and_in(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut browser = on_localhost(&app);
    let mut key = SoftAuthenticator::new();
    passkey_sign_up(&app, &mut browser, &mut key, "pat@example.com").await;

    let (_, account) = browser.visit("/account").await;
    assert!(account.body.contains("pat@example.com"));
    assert!(account.body.contains("(passkey"), "the session says how");
    let (_, security) = browser.visit("/account/security").await;
    assert!(security.body.contains("data-testid=\"passkey-row\""));
    browser.sign_out().await;

    // The button: no email needed.
    assert_eq!(passkey_sign_in(&mut browser, &mut key).await, "/account");
    assert!(browser.session_cookie().is_some());
    let (_, account) = browser.visit("/account/security").await;
    assert!(account.body.contains("Last used"), "last use recorded");
    // Nobody can sign in with a password to an account that has none.
    browser.sign_out().await;
    let answer = browser
        .login("pat@example.com", "anything at all 123")
        .await;
    assert_eq!(
        messages_at(&mut browser, &answer.location().unwrap()).await,
        vec!["login.invalid_credentials"]
    );
    let actions = app.audit_actions().await;
    assert!(actions.contains(&"user.registered".to_string()));
    assert!(actions.contains(&"login.succeeded".to_string()));
    app.cleanup().await;
}

async fn a_challenge_is_answered_once(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut browser = on_localhost(&app);
    let mut key = SoftAuthenticator::new();
    passkey_sign_up(&app, &mut browser, &mut key, "once@example.com").await;
    browser.sign_out().await;

    let form = open(&mut browser, "/login").await;
    let (id, options) = login_options(&mut browser, &form).await;
    let assertion = key.get(&options, ORIGIN, None).unwrap();
    // Two answers race for one challenge: one wins.
    let (mut a, mut b) = (browser.clone(), browser.clone());
    let (first, second) = tokio::join!(
        finish_login(&mut a, &form, &id, &assertion),
        finish_login(&mut b, &form, &id, &assertion),
    );
    let wins = [&first, &second]
        .iter()
        .filter(|n| n.as_str() == "/account")
        .count();
    assert_eq!(wins, 1, "exactly one answer signs in: {first} {second}");

    // Replaying the same answer later, on a fresh flow, gets nowhere.
    let mut other = on_localhost(&app);
    let form = open(&mut other, "/login").await;
    let next = finish_login(&mut other, &form, &id, &assertion).await;
    assert_eq!(
        messages_at(&mut other, &next).await,
        vec!["passkey.expired"]
    );
    // ...nor with a fresh ceremony: the old assertion signs a different challenge.
    let (fresh, _) = login_options(&mut other, &form).await;
    let next = finish_login(&mut other, &form, &fresh, &assertion).await;
    assert_eq!(messages_at(&mut other, &next).await, vec!["passkey.failed"]);
    assert!(other.session_cookie().is_none());
    app.cleanup().await;
}

async fn a_ceremony_belongs_to_its_browser_and_expires(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut owner = on_localhost(&app);
    let mut key = SoftAuthenticator::new();
    passkey_sign_up(&app, &mut owner, &mut key, "bound@example.com").await;
    owner.sign_out().await;

    // Browser A starts; browser B brings A's ceremony to its own flow.
    let mut a = on_localhost(&app);
    let form_a = open(&mut a, "/login").await;
    let (id, options) = login_options(&mut a, &form_a).await;
    let assertion = key.get(&options, ORIGIN, None).unwrap();
    let mut b = on_localhost(&app);
    let form_b = open(&mut b, "/login").await;
    let next = finish_login(&mut b, &form_b, &id, &assertion).await;
    assert_eq!(messages_at(&mut b, &next).await, vec!["passkey.expired"]);
    assert!(b.session_cookie().is_none());

    // Five minutes and a bit later, a ceremony is gone.
    let form = open(&mut a, "/login").await;
    let (id, options) = login_options(&mut a, &form).await;
    let assertion = key.get(&options, ORIGIN, None).unwrap();
    app.clock.advance(Duration::from_secs(5 * 60 + 5));
    let next = finish_login(&mut a, &form, &id, &assertion).await;
    assert_eq!(messages_at(&mut a, &next).await, vec!["passkey.expired"]);
    app.cleanup().await;
}

async fn bent_answers_are_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut browser = on_localhost(&app);
    let mut key = SoftAuthenticator::new();
    passkey_sign_up(&app, &mut browser, &mut key, "bent@example.com").await;
    browser.sign_out().await;

    type Bend = fn(&mut SoftAuthenticator) -> &'static str;
    let bends: [(&str, Bend); 3] = [
        ("wrong origin", |_| "http://evil.example"),
        ("wrong RP id", |k| {
            k.tweaks.rp_id = Some("evil.example".into());
            ORIGIN
        }),
        ("no user verification", |k| {
            k.tweaks.skip_user_verification = true;
            ORIGIN
        }),
    ];
    for (what, bend) in bends {
        let form = open(&mut browser, "/login").await;
        let (id, options) = login_options(&mut browser, &form).await;
        let mut bent = SoftAuthenticator::new();
        bent.credentials = key.credentials.clone();
        let origin = bend(&mut bent);
        let assertion = bent.get(&options, origin, None).unwrap();
        let next = finish_login(&mut browser, &form, &id, &assertion).await;
        assert_eq!(
            messages_at(&mut browser, &next).await,
            vec!["passkey.failed"],
            "{what}"
        );
        assert!(browser.session_cookie().is_none(), "{what}");
        // Keep the real key's counter ahead of what the bent copy used.
        key.credentials[0].counter = bent.credentials[0].counter;
    }

    // A key nobody registered gets the very same answer as a wrong one.
    let mut stranger = SoftAuthenticator::new();
    let form = open(&mut browser, "/register").await;
    let (_, reg_options) =
        registration_options(&mut browser, &form, "never-finished@example.com", "").await;
    stranger.create(&reg_options, ORIGIN).unwrap();
    let form = open(&mut browser, "/login").await;
    let (id, options) = login_options(&mut browser, &form).await;
    let assertion = stranger.get(&options, ORIGIN, None).unwrap();
    let next = finish_login(&mut browser, &form, &id, &assertion).await;
    assert_eq!(
        messages_at(&mut browser, &next).await,
        vec!["passkey.failed"]
    );

    // The real key still works.
    assert_eq!(passkey_sign_in(&mut browser, &mut key).await, "/account");
    app.cleanup().await;
}

async fn a_counter_going_backwards_is_refused_and_audited(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut browser = on_localhost(&app);
    let mut key = SoftAuthenticator::new();
    passkey_sign_up(&app, &mut browser, &mut key, "clone@example.com").await;
    browser.sign_out().await;
    let clone_state = key.credentials.clone();
    for _ in 0..2 {
        assert_eq!(passkey_sign_in(&mut browser, &mut key).await, "/account");
        browser.sign_out().await;
    }

    // A copy of the key made before those uses: its counter is behind.
    let mut cloned = SoftAuthenticator::new();
    cloned.credentials = clone_state;
    let next = passkey_sign_in(&mut browser, &mut cloned).await;
    assert_eq!(
        messages_at(&mut browser, &next).await,
        vec!["passkey.failed"]
    );
    assert!(browser.session_cookie().is_none());
    assert!(
        app.audit_actions()
            .await
            .contains(&"passkey.counter_regressed".to_string())
    );
    app.cleanup().await;
}

async fn a_credential_id_belongs_to_one_account(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut first = on_localhost(&app);
    let mut key = SoftAuthenticator::new();
    passkey_sign_up(&app, &mut first, &mut key, "first@example.com").await;
    let taken = key.credentials[0].id.clone();

    // Someone else, signed in with a password, presents the same credential id.
    let mut second = on_localhost(&app);
    app.sign_up(&mut second, "second@example.com", STRONG_PASSWORD, "Second")
        .await;
    let (_, account) = second.visit("/account/security").await;
    let csrf = account.hidden("csrf_token").unwrap();
    let (id, options) = ceremony(
        &second
            .post_api("/api/account/passkeys/options", &[("csrf_token", &csrf)])
            .await,
    );
    let mut copier = SoftAuthenticator::new();
    copier.tweaks.credential_id = Some(taken);
    let credential = copier.create(&options, ORIGIN).unwrap();
    let next = json(
        &second
            .post_api(
                "/api/account/passkeys/add",
                &[
                    ("csrf_token", &csrf),
                    ("ceremony", &id),
                    ("credential", &credential.to_string()),
                ],
            )
            .await,
    );
    assert_eq!(
        next["navigate"],
        "/account/security?error=passkey_already_registered#passkeys"
    );
    let (_, account) = second.visit("/account/security").await;
    assert!(account.body.contains("data-testid=\"passkeys-empty\""));
    app.cleanup().await;
}

/// Adds a passkey to the signed-in account of `browser`.
async fn add_passkey(browser: &mut Browser, key: &mut SoftAuthenticator) -> String {
    let (_, account) = browser.visit("/account/security").await;
    let csrf = account.hidden("csrf_token").unwrap();
    let (id, options) = ceremony(
        &browser
            .post_api("/api/account/passkeys/options", &[("csrf_token", &csrf)])
            .await,
    );
    let credential = key.create(&options, ORIGIN).unwrap();
    let next = json(
        &browser
            .post_api(
                "/api/account/passkeys/add",
                &[
                    ("csrf_token", &csrf),
                    ("ceremony", &id),
                    ("credential", &credential.to_string()),
                ],
            )
            .await,
    );
    next["navigate"].as_str().unwrap().to_string()
}

fn passkey_ids(page: &Page) -> Vec<String> {
    regex::Regex::new(r#"data-passkey-id="([^"]+)""#)
        .unwrap()
        .captures_iter(&page.body)
        .map(|c| c[1].to_string())
        .collect()
}

async fn passkeys_are_added_renamed_and_removed(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut browser = on_localhost(&app);
    app.sign_up(
        &mut browser,
        "manage@example.com",
        STRONG_PASSWORD,
        "Manage",
    )
    .await;
    let mut phone = SoftAuthenticator::new();
    assert_eq!(
        add_passkey(&mut browser, &mut phone).await,
        "/account/security?notice=passkey_added#passkeys"
    );
    // The owner is told, with a link built from the base URL.
    let notice = app.latest_mail_to("manage@example.com").await.unwrap();
    assert_eq!(notice.template, "passkey_added");
    assert!(
        notice
            .text
            .contains("http://127.0.0.1:3000/account#passkeys")
    );
    // The same authenticator again: it is excluded (the browser refuses).
    let (_, account) = browser.visit("/account/security").await;
    let csrf = account.hidden("csrf_token").unwrap();
    let (_, options) = ceremony(
        &browser
            .post_api("/api/account/passkeys/options", &[("csrf_token", &csrf)])
            .await,
    );
    assert!(phone.create(&options, ORIGIN).is_err(), "excluded");
    let mut laptop = SoftAuthenticator::new();
    add_passkey(&mut browser, &mut laptop).await;
    let (_, account) = browser.visit("/account/security").await;
    let ids = passkey_ids(&account);
    assert_eq!(ids.len(), 2);

    // Rename: a bad name is refused with a reason, a good one sticks.
    let bad = browser
        .post_form(
            "/api/account/passkeys/rename",
            &[("csrf_token", &csrf), ("id", &ids[0]), ("name", "   ")],
        )
        .await;
    assert_eq!(
        bad.location().as_deref(),
        Some("/account/security?error=passkey_name_invalid#passkeys")
    );
    let good = browser
        .post_form(
            "/api/account/passkeys/rename",
            &[
                ("csrf_token", &csrf),
                ("id", &ids[0]),
                ("name", "Work phone"),
            ],
        )
        .await;
    assert_eq!(
        good.location().as_deref(),
        Some("/account/security?notice=passkey_renamed#passkeys")
    );
    let (_, account) = browser.visit("/account/security").await;
    assert!(account.body.contains("Work phone"));
    // Another account's passkey cannot be touched, nor can a forged form.
    let forged = browser
        .post_form(
            "/api/account/passkeys/delete",
            &[("csrf_token", "forged"), ("id", &ids[0])],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // Delete needs a recent sign-in.
    app.clock.advance(Duration::from_secs(16 * 60));
    let stale = browser
        .post_form(
            "/api/account/passkeys/delete",
            &[("csrf_token", &csrf), ("id", &ids[0])],
        )
        .await;
    assert_eq!(
        stale.location().as_deref(),
        Some("/account/security?error=passkey_reauth#passkeys")
    );
    // Signing in again (with the laptop's passkey) makes it recent.
    browser.sign_out().await;
    assert_eq!(passkey_sign_in(&mut browser, &mut laptop).await, "/account");
    let (_, account) = browser.visit("/account/security").await;
    let csrf = account.hidden("csrf_token").unwrap();
    let done = browser
        .post_form(
            "/api/account/passkeys/delete",
            &[("csrf_token", &csrf), ("id", &ids[0])],
        )
        .await;
    assert_eq!(
        done.location().as_deref(),
        Some("/account/security?notice=passkey_deleted#passkeys")
    );
    let (_, account) = browser.visit("/account/security").await;
    assert_eq!(passkey_ids(&account), vec![ids[1].clone()]);
    // A deleted passkey no longer signs in.
    browser.sign_out().await;
    let next = passkey_sign_in(&mut browser, &mut phone).await;
    assert_eq!(
        messages_at(&mut browser, &next).await,
        vec!["passkey.failed"]
    );
    app.cleanup().await;
}

async fn the_last_way_to_sign_in_cannot_be_removed(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut browser = on_localhost(&app);
    let mut key = SoftAuthenticator::new();
    passkey_sign_up(&app, &mut browser, &mut key, "only@example.com").await;
    let (_, account) = browser.visit("/account/security").await;
    let csrf = account.hidden("csrf_token").unwrap();
    let ids = passkey_ids(&account);
    let refused = browser
        .post_form(
            "/api/account/passkeys/delete",
            &[("csrf_token", &csrf), ("id", &ids[0])],
        )
        .await;
    assert_eq!(
        refused.location().as_deref(),
        Some("/account/security?error=passkey_last_method#passkeys")
    );
    let (_, account) = browser
        .visit("/account/security?error=passkey_last_method")
        .await;
    assert!(account.body.contains("This is your only way to sign in"));
    assert_eq!(passkey_ids(&account).len(), 1);
    app.cleanup().await;
}

async fn passkeys_are_off_where_there_is_no_rp_id(backend: Backend) {
    let app = TestApp::start(backend).await;
    // 127.0.0.1 (the base URL) is an IP address; an unknown host falls back to it.
    for host in ["127.0.0.1:3000", "attacker.example"] {
        let mut browser = app.browser();
        browser.host = host.into();
        let form = open(&mut browser, "/login").await;
        let v = json(
            &browser
                .post_api(
                    "/api/passkey/login/options",
                    &[("flow", &form.flow), ("csrf_token", &form.csrf)],
                )
                .await,
        );
        let next = v["navigate"].as_str().expect("no options without an RP id");
        assert_eq!(
            messages_at(&mut browser, next).await,
            vec!["passkey.unavailable"],
            "{host}"
        );
    }
    app.cleanup().await;
}

async fn a_passkey_can_be_the_second_factor(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut browser = on_localhost(&app);
    app.sign_up(&mut browser, "mfa@example.com", STRONG_PASSWORD, "Mfa")
        .await;
    let mut key = SoftAuthenticator::new();
    add_passkey(&mut browser, &mut key).await;
    let mut intruder = on_localhost(&app);
    app.sign_up(&mut intruder, "intruder@example.com", STRONG_PASSWORD, "I")
        .await;

    let engine = &app.state.engine;
    let tenant = engine.resolve_tenant(HOST).await.unwrap();
    let user = portico_identity::store::accounts::find_user_by_email(
        engine.db().conn(),
        tenant.tenant.id,
        &portico_identity::accounts::Email::parse("mfa@example.com").unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    let other = portico_identity::store::accounts::find_user_by_email(
        engine.db().conn(),
        tenant.tenant.id,
        &portico_identity::accounts::Email::parse("intruder@example.com").unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    let binding = portico_identity::flows::BrowserBinding::from_cookie(
        "a-browser-cookie-value-of-enough-length",
    );
    let client = portico_identity::audit::ClientInfo::default();

    let start = engine
        .start_passkey_second_factor(&tenant.tenant, HOST, &binding, None, user)
        .await
        .unwrap()
        .expect("the account has a passkey");
    assert!(
        start.options["publicKey"]["allowCredentials"]
            .as_array()
            .is_some_and(|a| a.len() == 1),
        "only this account's passkeys are allowed"
    );
    let answer = key.get(&start.options, ORIGIN, None).unwrap().to_string();
    // The answer does not work for someone else's challenge...
    assert!(
        !engine
            .finish_passkey_second_factor(
                &tenant.tenant,
                &binding,
                &client,
                None,
                other,
                &start.ceremony,
                &answer
            )
            .await
            .unwrap()
    );
    // ...and that attempt used the ceremony up.
    assert!(
        !engine
            .finish_passkey_second_factor(
                &tenant.tenant,
                &binding,
                &client,
                None,
                user,
                &start.ceremony,
                &answer
            )
            .await
            .unwrap()
    );
    let start = engine
        .start_passkey_second_factor(&tenant.tenant, HOST, &binding, None, user)
        .await
        .unwrap()
        .unwrap();
    let answer = key.get(&start.options, ORIGIN, None).unwrap().to_string();
    assert!(
        engine
            .finish_passkey_second_factor(
                &tenant.tenant,
                &binding,
                &client,
                None,
                user,
                &start.ceremony,
                &answer
            )
            .await
            .unwrap()
    );
    // An account without passkeys has no such step.
    assert!(
        engine
            .start_passkey_second_factor(&tenant.tenant, HOST, &binding, None, other)
            .await
            .unwrap()
            .is_none()
    );
    app.cleanup().await;
}

async fn registering_a_taken_address_with_a_passkey_looks_like_success(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut owner = on_localhost(&app);
    app.sign_up(&mut owner, "taken@example.com", STRONG_PASSWORD, "Owner")
        .await;
    let mut stranger = on_localhost(&app);
    let mut key = SoftAuthenticator::new();
    let form = open(&mut stranger, "/register").await;
    let (id, options) = registration_options(&mut stranger, &form, "taken@example.com", "").await;
    let credential = key.create(&options, ORIGIN).unwrap();
    let next = finish_registration(&mut stranger, &form, &id, &credential).await;
    let (_, step) = stranger.visit(next["navigate"].as_str().unwrap()).await;
    assert!(step.body.contains("Check your inbox"));
    let mail = app.latest_mail_to("taken@example.com").await.unwrap();
    assert_eq!(mail.template, "registration_attempt");
    assert_eq!(app.user_count().await, 1);
    // The discarded passkey signs nobody in.
    stranger.sign_out().await;
    let next = passkey_sign_in(&mut stranger, &mut key).await;
    assert_eq!(
        messages_at(&mut stranger, &next).await,
        vec!["passkey.failed"]
    );

    // Bad input is named: an invalid email never reaches the authenticator.
    let form = open(&mut stranger, "/register").await;
    let v = json(
        &stranger
            .post_api(
                "/api/passkey/register/options",
                &[
                    ("flow", &form.flow),
                    ("csrf_token", &form.csrf),
                    ("email", "not-an-email"),
                    ("display_name", ""),
                ],
            )
            .await,
    );
    let (_, page) = stranger.visit(v["navigate"].as_str().unwrap()).await;
    assert_eq!(page.message_ids(), vec!["email.invalid"]);
    app.cleanup().await;
}

/// More customers signing in at once than the pool has connections: every sign-in
/// completes (no transaction may wait for a second pool connection).
async fn concurrent_sign_ins_do_not_exhaust_the_pool(backend: Backend) {
    let app = TestApp::start_with(backend, |c| c.database.max_connections = 2).await;
    let mut customers = Vec::new();
    for i in 0..4 {
        let mut browser = on_localhost(&app);
        let mut key = SoftAuthenticator::new();
        passkey_sign_up(
            &app,
            &mut browser,
            &mut key,
            &format!("pool{i}@example.com"),
        )
        .await;
        browser.sign_out().await;
        customers.push((browser, key));
    }
    let tasks: Vec<_> = customers
        .into_iter()
        .map(|(mut browser, mut key)| {
            tokio::spawn(async move { passkey_sign_in(&mut browser, &mut key).await })
        })
        .collect();
    // A pool/lock deadlock ends in busy or acquire timeouts: failed sign-ins.
    for task in tasks {
        assert_eq!(task.await.unwrap(), "/account");
    }
    app.cleanup().await;
}

on_both_databases!(
    concurrent_sign_ins_do_not_exhaust_the_pool,
    a_passkey_only_account_signs_up_and_in,
    a_challenge_is_answered_once,
    a_ceremony_belongs_to_its_browser_and_expires,
    bent_answers_are_refused,
    a_counter_going_backwards_is_refused_and_audited,
    a_credential_id_belongs_to_one_account,
    passkeys_are_added_renamed_and_removed,
    the_last_way_to_sign_in_cannot_be_removed,
    passkeys_are_off_where_there_is_no_rp_id,
    a_passkey_can_be_the_second_factor,
    registering_a_taken_address_with_a_passkey_looks_like_success,
);
