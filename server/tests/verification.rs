//! Email verification and mail delivery through the real router, and through a real
//! SMTP conversation.

mod common;

use axum::http::StatusCode;
use common::smtp::SmtpSink;
use common::{Backend, STRONG_PASSWORD, TestApp};

async fn registration_needs_the_mailed_code(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut browser = app.browser();
    let answer = browser
        .register("vera@example.com", STRONG_PASSWORD, "Vera")
        .await;
    let (_, step) = browser.visit(&answer.location().unwrap()).await;
    assert!(step.body.contains("vera@example.com"));
    assert!(
        browser.session_cookie().is_none(),
        "not signed in before verifying"
    );
    assert_eq!(browser.get("/account").await.status, StatusCode::FOUND);

    let mail = app.latest_mail_to("vera@example.com").await.unwrap();
    assert_eq!(mail.template, "verify_email");
    assert!(
        mail.text.contains("http://127.0.0.1:3000/verify?token="),
        "link from the base URL"
    );

    // A wrong code is refused; asking for a new one retires the old one.
    let first = app.latest_code_for("vera@example.com").await.unwrap();
    let wrong = if first == "000000" {
        "111111"
    } else {
        "000000"
    };
    let answer = browser.submit_code(&step, wrong).await;
    let (_, step) = browser.visit(&answer.location().unwrap()).await;
    assert_eq!(step.message_ids(), vec!["code.invalid"]);
    assert!(step.body.contains("id=\"field-code-error\""));

    let answer = browser.submit_verify(&step, "", "resend").await;
    let (_, step) = browser.visit(&answer.location().unwrap()).await;
    assert_eq!(step.message_ids(), vec!["verification.resent"]);
    let second = app.latest_code_for("vera@example.com").await.unwrap();
    if second != first {
        let answer = browser.submit_code(&step, &first).await;
        let (_, again) = browser.visit(&answer.location().unwrap()).await;
        assert_eq!(
            again.message_ids(),
            vec!["code.invalid"],
            "only the newest code works"
        );
    }
    let done = browser.submit_code(&step, &second).await;
    assert_eq!(done.location().as_deref(), Some("/account"));
    let (_, account) = browser.visit("/account").await;
    assert!(account.body.contains("Verified"));
    app.cleanup().await;
}

async fn the_link_verifies_and_the_first_tab_carries_on(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut tab = app.browser();
    let answer = tab
        .register("lina@example.com", STRONG_PASSWORD, "Lina")
        .await;
    let (_, step) = tab.visit(&answer.location().unwrap()).await;

    // "I opened the link" before opening it changes nothing.
    let early = tab.submit_verify(&step, "", "continue").await;
    let (_, step) = tab.visit(&early.location().unwrap()).await;
    assert_eq!(step.message_ids(), vec!["verification.not_yet"]);

    // The link, opened on another device.
    let mail = app.latest_mail_to("lina@example.com").await.unwrap();
    let link = regex::Regex::new(r"/verify\?token=[A-Za-z0-9_-]+")
        .unwrap()
        .find(&mail.text)
        .unwrap()
        .as_str()
        .to_string();
    let mut phone = app.browser();
    let page = phone.get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Email confirmed"));
    assert_eq!(
        page.header("referrer-policy").as_deref(),
        Some("no-referrer")
    );
    assert!(
        phone.session_cookie().is_none(),
        "a link never signs anyone in"
    );
    // Links work once.
    let reused = phone.get(&link).await;
    assert!(reused.body.contains("doesn't work any more"));

    let carry_on = tab.submit_verify(&step, "", "continue").await;
    assert_eq!(carry_on.location().as_deref(), Some("/account"));
    app.cleanup().await;
}

async fn unverified_accounts_verify_at_sign_in(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut first = app.browser();
    first
        .register("late@example.com", STRONG_PASSWORD, "")
        .await; // never verified

    let mut later = app.browser();
    let answer = later.login("late@example.com", STRONG_PASSWORD).await;
    let (_, step) = later.visit(&answer.location().unwrap()).await;
    assert!(
        step.body.contains("Check your inbox"),
        "the password alone is not enough yet"
    );
    assert!(later.session_cookie().is_none());
    let code = app.latest_code_for("late@example.com").await.unwrap();
    let done = later.submit_code(&step, &code).await;
    assert_eq!(done.location().as_deref(), Some("/account"));

    // A wrong password on an unverified account says nothing more than usual.
    let mut stranger = app.browser();
    let answer = stranger
        .login("late@example.com", "not the right one at all")
        .await;
    let (_, page) = stranger.visit(&answer.location().unwrap()).await;
    assert_eq!(page.message_ids(), vec!["login.invalid_credentials"]);
    app.cleanup().await;
}

async fn codes_are_throttled(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut browser = app.browser();
    let answer = browser
        .register("guess@example.com", STRONG_PASSWORD, "")
        .await;
    let (_, mut step) = browser.visit(&answer.location().unwrap()).await;
    let real = app.latest_code_for("guess@example.com").await.unwrap();
    let mut seen = Vec::new();
    for i in 0..6 {
        let guess = format!("{:06}", (real.parse::<u32>().unwrap() + 1 + i) % 1_000_000);
        let answer = browser.submit_code(&step, &guess).await;
        let (_, next) = browser.visit(&answer.location().unwrap()).await;
        seen.extend(next.message_ids());
        step = next;
    }
    assert_eq!(seen.last().map(String::as_str), Some("code.throttled"));
    // Even the right code waits while throttled.
    let answer = browser.submit_code(&step, &real).await;
    assert!(answer.location().unwrap().starts_with("/register?flow="));
    app.cleanup().await;
}

async fn mail_is_delivered_over_smtp_with_retries(backend: Backend) {
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let app = TestApp::start_with(backend, move |c| {
        c.mail.smtp_url = serde_json::from_value(serde_json::json!(url)).unwrap();
        c.server.dev_mode = Some(false);
        c.mail.from = "Northwind <no-reply@northwind.example>".into();
    })
    .await;
    let mailer = app.state.mailer.clone().expect("an SMTP mailer");
    let mut browser = app.browser();
    browser
        .register("smtp@example.com", STRONG_PASSWORD, "Sam")
        .await;

    // The relay is briefly unavailable: the mail waits and is retried with backoff.
    sink.fail_next(1);
    assert_eq!(
        app.state
            .engine
            .deliver_due_mail(mailer.as_ref(), false)
            .await
            .unwrap(),
        0
    );
    let queued = app.latest_mail_to("smtp@example.com").await.unwrap();
    assert_eq!(queued.status.as_str(), "pending");
    assert!(queued.last_error.unwrap().contains("451"));
    assert_eq!(
        app.state
            .engine
            .deliver_due_mail(mailer.as_ref(), false)
            .await
            .unwrap(),
        0,
        "not due yet"
    );
    app.clock.advance(std::time::Duration::from_secs(31));
    assert_eq!(
        app.state
            .engine
            .deliver_due_mail(mailer.as_ref(), false)
            .await
            .unwrap(),
        1
    );

    let got = sink.to("smtp@example.com");
    assert_eq!(got.len(), 1);
    let mail = &got[0];
    assert_eq!(mail.from, "no-reply@northwind.example");
    assert!(mail.subject().contains("verification code"));
    let text = mail.text();
    let code = common::first_code(&text).expect("code in the text part");
    assert!(mail.html().contains(&code), "and in the HTML part");
    assert!(text.contains("http://127.0.0.1:3000/verify?token="));

    // Delivered mail keeps no live link at rest.
    let sent = app.latest_mail_to("smtp@example.com").await.unwrap();
    assert_eq!(sent.status.as_str(), "sent");
    assert!(sent.text.is_empty() && sent.html.is_empty());
    app.cleanup().await;
}

async fn mail_links_ignore_the_host_header(backend: Backend) {
    let app = TestApp::start_with(backend, |c| {
        c.server.base_url = "https://login.northwind.example".into()
    })
    .await;
    let mut browser = app.browser();
    browser.host = "evil.example".into();
    browser.origin = Some("http://evil.example".into());
    let answer = browser
        .register("poison@example.com", STRONG_PASSWORD, "")
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    let mail = app.latest_mail_to("poison@example.com").await.unwrap();
    assert!(
        mail.text
            .contains("https://login.northwind.example/verify?token=")
    );
    assert!(!mail.text.contains("evil.example") && !mail.html.contains("evil.example"));
    app.cleanup().await;
}

async fn the_dev_mail_viewer_shows_mail_only_in_dev_mode(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut browser = app.browser();
    browser
        .register("viewer@example.com", STRONG_PASSWORD, "")
        .await;
    let (_, page) = browser.visit("/dev/mail").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("viewer@example.com"));
    let mail = app.latest_mail_to("viewer@example.com").await.unwrap();
    let html = browser.get(&format!("/dev/mail/{}/html", mail.id)).await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(
        html.header("content-security-policy")
            .unwrap()
            .contains("sandbox")
    );
    app.cleanup().await;

    let sink = SmtpSink::start().await;
    let url = sink.url();
    let prod = TestApp::start_with(Backend::Sqlite, move |c| {
        c.server.dev_mode = Some(false);
        c.mail.smtp_url = serde_json::from_value(serde_json::json!(url)).unwrap();
    })
    .await;
    let mut browser = prod.browser();
    let page = browser.get("/dev/mail").await;
    assert!(!page.body.contains("@example.com"));
    assert_eq!(
        browser
            .get(&format!("/dev/mail/{}/html", mail.id))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    prod.cleanup().await;
}

on_both_databases!(
    registration_needs_the_mailed_code,
    the_link_verifies_and_the_first_tab_carries_on,
    unverified_accounts_verify_at_sign_in,
    codes_are_throttled,
    mail_is_delivered_over_smtp_with_retries,
    mail_links_ignore_the_host_header,
    the_dev_mail_viewer_shows_mail_only_in_dev_mode,
);
