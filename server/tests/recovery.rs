//! Password recovery and password change through the real router.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::{Backend, Browser, Page, STRONG_PASSWORD, TestApp};

const NEW_PASSWORD: &str = "lantern orbit velvet cactus";

async fn request_reset(browser: &mut Browser, email: &str) -> Page {
    let (_, page) = browser.visit("/recovery").await;
    let flow = page.hidden("flow").unwrap();
    let csrf = page.hidden("csrf_token").unwrap();
    let answer = browser
        .post_form(
            "/api/recovery/request",
            &[("flow", &flow), ("csrf_token", &csrf), ("email", email)],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    browser.visit(&answer.location().unwrap()).await.1
}

fn reset_path(text: &str) -> String {
    regex::Regex::new(r"/recovery/reset\?token=[A-Za-z0-9_-]+")
        .unwrap()
        .find(text)
        .expect("a reset link")
        .as_str()
        .to_string()
}

/// Opens a reset link; returns the reset page (after the token left the URL).
async fn open_link(browser: &mut Browser, path: &str) -> (String, Page) {
    let first = browser.get(path).await;
    assert_eq!(
        first.status,
        StatusCode::FOUND,
        "the token is swapped for a flow"
    );
    let next = first.location().unwrap();
    assert!(!next.contains("token="), "the token leaves the URL");
    browser.visit(&next).await
}

async fn submit_new_password(browser: &mut Browser, page: &Page, password: &str) -> Page {
    let flow = page.hidden("flow").unwrap();
    let csrf = page.hidden("csrf_token").unwrap();
    browser
        .post_form(
            "/api/recovery/reset",
            &[
                ("flow", &flow),
                ("csrf_token", &csrf),
                ("password", password),
            ],
        )
        .await
}

async fn recovery_says_the_same_for_every_address(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut owner = app.browser();
    app.sign_up(&mut owner, "known@example.com", STRONG_PASSWORD, "Kim")
        .await;

    let mut a = app.browser();
    let known = request_reset(&mut a, "known@example.com").await;
    let mut b = app.browser();
    let unknown = request_reset(&mut b, "unknown@example.com").await;
    assert_eq!(known.message_ids(), vec!["recovery.sent"]);
    assert_eq!(known.message_ids(), unknown.message_ids());
    // Everything but per-request tokens and the address typed must be identical.
    let strip = |p: &Page| {
        let re = regex::Regex::new(
            r#"value="[^"]*"|nonce="[^"]*"|crossorigin="[^"]*"|csrf_token\\":\\"[^\\]*|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(known|unknown)@example\.com"#,
        )
        .unwrap();
        re.replace_all(&p.body, "").to_string()
    };
    let (k, u) = (strip(&known), strip(&unknown));
    let at = k.chars().zip(u.chars()).position(|(a, b)| a != b);
    assert!(
        at.is_none() && k.len() == u.len(),
        "the pages differ at {at:?}"
    );
    assert_eq!(
        app.latest_mail_to("known@example.com")
            .await
            .unwrap()
            .template,
        "password_reset"
    );
    assert!(app.latest_mail_to("unknown@example.com").await.is_none());
    let headers = a.get("/recovery").await;
    assert_eq!(
        headers.header("referrer-policy").as_deref(),
        Some("no-referrer")
    );
    assert_eq!(headers.header("cache-control").as_deref(), Some("no-store"));
    app.cleanup().await;
}

async fn a_reset_link_sets_a_new_password_and_ends_every_session(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut laptop = app.browser();
    app.sign_up(&mut laptop, "reset@example.com", STRONG_PASSWORD, "Rita")
        .await;
    assert_eq!(laptop.get("/account").await.status, StatusCode::OK);

    let mut phone = app.browser();
    request_reset(&mut phone, "reset@example.com").await;
    let mail = app.latest_mail_to("reset@example.com").await.unwrap();
    assert!(
        mail.text
            .contains("http://127.0.0.1:3000/recovery/reset?token=")
    );
    let (_, page) = open_link(&mut phone, &reset_path(&mail.text)).await;
    assert!(page.body.contains("Choose a new password"));
    assert!(page.body.contains("reset@example.com"));

    // The policy applies; a refused password keeps the link usable.
    let weak = submit_new_password(&mut phone, &page, "password1").await;
    let (_, page) = phone.visit(&weak.location().unwrap()).await;
    assert!(page.body.contains("id=\"field-password-error\""));

    let done = submit_new_password(&mut phone, &page, NEW_PASSWORD).await;
    let next = done.location().unwrap();
    assert!(next.starts_with("/login?flow="), "{next}");
    let (_, login) = phone.visit(&next).await;
    assert_eq!(login.message_ids(), vec!["recovery.done"]);

    assert_eq!(
        laptop.get("/account").await.status,
        StatusCode::FOUND,
        "every session ended"
    );
    let notice = app.latest_mail_to("reset@example.com").await.unwrap();
    assert_eq!(notice.template, "password_changed");
    let mut fresh = app.browser();
    assert!(
        fresh
            .login("reset@example.com", STRONG_PASSWORD)
            .await
            .location()
            .unwrap()
            .starts_with("/login?flow=")
    );
    // A reset proves the mailbox, not the device: a new device still gets a step.
    let answer = phone
        .submit_login(&login, "reset@example.com", NEW_PASSWORD)
        .await;
    let done = app
        .pass_email_code(&mut phone, &answer, "reset@example.com")
        .await;
    assert_eq!(done.location().as_deref(), Some("/account"));
    let actions = app.audit_actions().await;
    assert!(actions.contains(&"password.reset_completed".to_string()));
    app.cleanup().await;
}

async fn reset_links_are_single_use_newest_only_and_expire(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut owner = app.browser();
    app.sign_up(&mut owner, "links@example.com", STRONG_PASSWORD, "")
        .await;
    let mut b = app.browser();

    request_reset(&mut b, "links@example.com").await;
    let older = reset_path(&app.latest_mail_to("links@example.com").await.unwrap().text);
    request_reset(&mut b, "links@example.com").await;
    let newer = reset_path(&app.latest_mail_to("links@example.com").await.unwrap().text);
    assert_ne!(older, newer);

    let invalid = b.get(&older).await;
    assert!(
        invalid.location().unwrap().starts_with("/recovery?flow="),
        "only the newest link works"
    );
    let (_, page) = b.visit(&invalid.location().unwrap()).await;
    assert_eq!(page.message_ids(), vec!["recovery.link_invalid"]);

    let (_, page) = open_link(&mut b, &newer).await;
    let done = submit_new_password(&mut b, &page, NEW_PASSWORD).await;
    assert!(done.location().unwrap().starts_with("/login?flow="));
    let again = b.get(&newer).await;
    assert!(
        again.location().unwrap().starts_with("/recovery?flow="),
        "a used link is dead"
    );

    request_reset(&mut b, "links@example.com").await;
    let late = reset_path(&app.latest_mail_to("links@example.com").await.unwrap().text);
    app.clock.advance(Duration::from_secs(31 * 60));
    assert!(
        b.get(&late)
            .await
            .location()
            .unwrap()
            .starts_with("/recovery?flow="),
        "links expire"
    );
    app.cleanup().await;
}

async fn twenty_concurrent_resets_have_exactly_one_winner(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut owner = app.browser();
    app.sign_up(&mut owner, "race@example.com", STRONG_PASSWORD, "")
        .await;
    let mut b = app.browser();
    request_reset(&mut b, "race@example.com").await;
    let link = reset_path(&app.latest_mail_to("race@example.com").await.unwrap().text);
    let (_, page) = open_link(&mut b, &link).await;
    let flow = page.hidden("flow").unwrap();
    let csrf = page.hidden("csrf_token").unwrap();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let mut b = b.clone();
        let (flow, csrf) = (flow.clone(), csrf.clone());
        tasks.push(tokio::spawn(async move {
            let password = format!("{NEW_PASSWORD} number {i}");
            let answer = b
                .post_form(
                    "/api/recovery/reset",
                    &[
                        ("flow", &flow),
                        ("csrf_token", &csrf),
                        ("password", &password),
                    ],
                )
                .await;
            (password, answer.location().unwrap())
        }));
    }
    let mut winners = Vec::new();
    for t in tasks {
        let (password, location) = t.await.unwrap();
        if location.starts_with("/login?flow=") {
            winners.push(password);
        }
    }
    assert_eq!(winners.len(), 1, "exactly one submission may use the link");
    let actions = app.audit_actions().await;
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "password.reset_completed")
            .count(),
        1
    );
    let mut check = owner.same_device();
    assert_eq!(
        check
            .login("race@example.com", &winners[0])
            .await
            .location()
            .as_deref(),
        Some("/account")
    );
    app.cleanup().await;
}

async fn reset_links_ignore_the_host_header(backend: Backend) {
    let app = TestApp::start_with(backend, |c| {
        c.server.base_url = "https://login.northwind.example".into()
    })
    .await;
    let mut owner = app.browser();
    app.sign_up(&mut owner, "host@example.com", STRONG_PASSWORD, "")
        .await;
    let mut attacker = app.browser();
    attacker.host = "attacker.example".into();
    attacker.origin = Some("http://attacker.example".into());
    request_reset(&mut attacker, "host@example.com").await;
    let mail = app.latest_mail_to("host@example.com").await.unwrap();
    assert!(
        mail.text
            .contains("https://login.northwind.example/recovery/reset?token=")
    );
    assert!(!mail.text.contains("attacker.example") && !mail.html.contains("attacker.example"));
    app.cleanup().await;
}

async fn recovery_requests_are_throttled(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut b = app.browser();
    let mut seen = Vec::new();
    for _ in 0..7 {
        seen.extend(
            request_reset(&mut b, "spam@example.com")
                .await
                .message_ids(),
        );
    }
    assert_eq!(seen.last().map(String::as_str), Some("recovery.throttled"));
    let (_, page) = b.visit("/recovery").await;
    let flow = page.hidden("flow").unwrap();
    let csrf = page.hidden("csrf_token").unwrap();
    let bad = b
        .post_form(
            "/api/recovery/request",
            &[("flow", &flow), ("csrf_token", &csrf), ("email", "nope")],
        )
        .await;
    let (_, page) = b.visit(&bad.location().unwrap()).await;
    assert!(
        page.body.contains("id=\"field-email-error\""),
        "a malformed address is a field error"
    );
    app.cleanup().await;
}

async fn signed_in_password_change(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut laptop = app.browser();
    app.sign_up(&mut laptop, "change@example.com", STRONG_PASSWORD, "Chang")
        .await;
    let mut phone = app.browser();
    phone.login("change@example.com", STRONG_PASSWORD).await;

    let signed_out = app.browser().get("/account/password").await;
    assert_eq!(signed_out.status, StatusCode::FOUND);
    assert!(signed_out.location().unwrap().starts_with("/login"));

    let (_, page) = laptop.visit("/account/password").await;
    let submit = |b: &mut Browser, page: &Page, current: &str, new: &str| {
        let flow = page.hidden("flow").unwrap();
        let csrf = page.hidden("csrf_token").unwrap();
        let (current, new) = (current.to_string(), new.to_string());
        let mut b = b.clone();
        async move {
            let answer = b
                .post_form(
                    "/api/account/password",
                    &[
                        ("flow", &flow),
                        ("csrf_token", &csrf),
                        ("current_password", &current),
                        ("password", &new),
                    ],
                )
                .await;
            (b, answer)
        }
    };
    let (b, wrong) = submit(&mut laptop, &page, "not my password at all", NEW_PASSWORD).await;
    laptop = b;
    let (_, page) = laptop.visit(&wrong.location().unwrap()).await;
    assert!(page.body.contains("id=\"field-current_password-error\""));
    let (b, same) = submit(&mut laptop, &page, STRONG_PASSWORD, STRONG_PASSWORD).await;
    laptop = b;
    let (_, page) = laptop.visit(&same.location().unwrap()).await;
    assert!(page.body.contains("id=\"field-password-error\""));

    let (b, done) = submit(&mut laptop, &page, STRONG_PASSWORD, NEW_PASSWORD).await;
    laptop = b;
    assert_eq!(
        done.location().as_deref(),
        Some("/account?notice=password_changed")
    );
    let (_, account) = laptop.visit("/account?notice=password_changed").await;
    assert!(
        account.body.contains("Your password was changed"),
        "this device stays signed in"
    );
    assert_eq!(
        phone.get("/account").await.status,
        StatusCode::FOUND,
        "other devices are signed out"
    );
    assert_eq!(
        app.latest_mail_to("change@example.com")
            .await
            .unwrap()
            .template,
        "password_changed"
    );
    let mut fresh = laptop.same_device();
    assert_eq!(
        fresh
            .login("change@example.com", NEW_PASSWORD)
            .await
            .location()
            .as_deref(),
        Some("/account")
    );
    app.cleanup().await;
}

on_both_databases!(
    recovery_says_the_same_for_every_address,
    a_reset_link_sets_a_new_password_and_ends_every_session,
    reset_links_are_single_use_newest_only_and_expire,
    twenty_concurrent_resets_have_exactly_one_winner,
    reset_links_ignore_the_host_header,
    recovery_requests_are_throttled,
    signed_in_password_change,
);
