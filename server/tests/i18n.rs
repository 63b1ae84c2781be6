//! Pages in the customer's language: their own choice (the switcher's cookie), then
//! the browser's Accept-Language, then the tenant's default; flow messages too.

mod common;

use common::{Backend, STRONG_PASSWORD, TestApp};
use portico_identity::i18n::Language;

async fn pages_follow_the_choice_then_the_browser_then_the_tenant(backend: Backend) {
    let app = TestApp::start(backend).await;
    let engine = &app.state.engine;

    // No preference anywhere: the tenant's default (English out of the box).
    let mut browser = app.browser();
    let (_, login) = browser.visit("/login").await;
    assert!(login.body.contains("<html lang=\"en\""));
    assert!(login.body.contains("Forgot your password?"));

    // The browser's languages, by weight: Japanese.
    browser.languages = Some("nl;q=1, ja;q=0.8, fr;q=0.5".into());
    let (_, login) = browser.visit("/login").await;
    assert!(login.body.contains("<html lang=\"ja\""));
    assert!(login.body.contains("パスワードをお忘れですか？"));
    assert!(!login.body.contains("Forgot your password?"));

    // The customer's choice wins over the browser, kept in a cookie, and sends them back.
    let (_, login) = browser.visit("/login").await;
    let here = "/login?flow=x";
    let chosen = browser
        .post_form("/api/language", &[("lang", "de"), ("return_to", here)])
        .await;
    assert_eq!(chosen.location().as_deref(), Some(here));
    assert!(
        chosen
            .set_cookies()
            .iter()
            .any(|c| c.starts_with("portico_lang=de;") && c.contains("HttpOnly"))
    );
    let _ = login;
    let (_, login) = browser.visit("/login").await;
    assert!(login.body.contains("<html lang=\"de\""));
    assert!(login.body.contains("Passwort vergessen?"));

    // Bad input: an unknown language is refused naming the field and keeps the choice;
    // a return address elsewhere is not followed.
    let refused = browser
        .post_form("/api/language", &[("lang", "xx"), ("return_to", "/login")])
        .await;
    assert_ne!(refused.status, 303);
    assert!(refused.body.contains("lang"));
    assert!(refused.set_cookies().is_empty());
    let away = browser
        .post_form(
            "/api/language",
            &[("lang", "fr"), ("return_to", "https://evil.example/")],
        )
        .await;
    assert_eq!(away.location().as_deref(), Some("/login"));
    let away = browser
        .post_form(
            "/api/language",
            &[("lang", "fr"), ("return_to", "//evil.example/")],
        )
        .await;
    assert_eq!(away.location().as_deref(), Some("/login"));

    // The tenant's default applies when neither the customer nor the browser names one
    // Portico speaks.
    let tenant = engine.resolve_tenant(common::HOST).await.unwrap();
    let mut policy = tenant.tenant.policy.clone();
    policy.default_language = Language::Es;
    engine
        .set_tenant_policy(tenant.tenant.id, &policy)
        .await
        .unwrap();
    let mut dutch = app.browser();
    dutch.languages = Some("nl".into());
    let (_, login) = dutch.visit("/login").await;
    assert!(login.body.contains("<html lang=\"es\""), "tenant default");
    assert!(login.body.contains("¿Olvidaste tu contraseña?"));
    app.cleanup().await;
}

/// A flow's messages are written in the page's language, with their values filled in.
async fn flow_messages_are_translated(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut owner = app.browser();
    app.sign_up(&mut owner, "ana@example.com", STRONG_PASSWORD, "Ana")
        .await;
    let mut browser = app.browser();
    browser.languages = Some("fr-FR,fr;q=0.9".into());
    let answer = browser.login("ana@example.com", "not the password").await;
    let page = match answer.location() {
        Some(to) => browser.visit(&to).await.1,
        None => answer,
    };
    assert!(
        page.body
            .contains("Cette combinaison d’adresse e-mail et de mot de passe ne fonctionne pas."),
        "French message"
    );
    assert!(
        page.body
            .contains("data-message-id=\"login.invalid_credentials\"")
    );
    // The signed-in account page speaks the browser's language too.
    owner.languages = Some("de".into());
    let (_, account) = owner.visit("/account").await;
    assert!(account.body.contains("Hallo, Ana"), "German greeting");
    assert!(account.body.contains("Anmeldung und Sicherheit"));
    assert!(account.body.contains("Abmelden"));
    app.cleanup().await;
}

async fn request_reset(browser: &mut common::Browser, email: &str) {
    let (_, page) = browser.visit("/recovery").await;
    let flow = page.hidden("flow").unwrap();
    let csrf = page.hidden("csrf_token").unwrap();
    let answer = browser
        .post_form(
            "/api/recovery/request",
            &[("flow", &flow), ("csrf_token", &csrf), ("email", email)],
        )
        .await;
    assert_eq!(answer.status, 303);
}

/// Mails are written in the account's language: the one its owner signed up in, then
/// the one they chose while signed in; never the language of whoever caused the mail;
/// the tenant's default when the owner never stated one.
async fn mails_follow_the_account_language(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mail = |to: &'static str| {
        let app = &app;
        async move { app.latest_mail_to(to).await.expect("a mail") }
    };

    // Signed up with a Japanese browser: the verification mail is Japanese.
    let mut kei = app.browser();
    kei.languages = Some("ja-JP,ja;q=0.9".into());
    app.sign_up(&mut kei, "kei@example.com", STRONG_PASSWORD, "Kei")
        .await;
    let outbox = app
        .state
        .engine
        .recent_mail(
            app.state
                .engine
                .resolve_tenant(common::HOST)
                .await
                .unwrap()
                .tenant
                .id,
            50,
        )
        .await
        .unwrap();
    let welcome = outbox
        .iter()
        .find(|m| m.to == "kei@example.com" && m.template == "verify_email")
        .expect("the verification mail");
    assert!(
        welcome.subject.contains("の確認コードは"),
        "{}",
        welcome.subject
    );
    assert!(welcome.html.contains("<html lang=\"ja\">"));

    // A stranger with an English browser asks for a reset: the owner reads Japanese.
    let mut stranger = app.browser();
    stranger.languages = Some("en-US".into());
    request_reset(&mut stranger, "kei@example.com").await;
    let reset = mail("kei@example.com").await;
    assert_eq!(reset.template, "password_reset");
    assert!(
        reset.subject.contains("パスワードを再設定"),
        "{}",
        reset.subject
    );

    // The owner switches to German while signed in: the account keeps the choice.
    let switched = kei
        .post_form(
            "/api/language",
            &[("lang", "de"), ("return_to", "/account")],
        )
        .await;
    assert_eq!(switched.location().as_deref(), Some("/account"));
    // The account page's profile shows the choice (and can change it, the same form).
    let (_, account) = kei.visit("/account").await;
    assert!(account.body.contains("data-testid=\"account-language\""));
    assert!(
        account.body.contains("<option value=\"de\" selected"),
        "the account's language is chosen"
    );
    request_reset(&mut stranger, "kei@example.com").await;
    let reset = mail("kei@example.com").await;
    assert!(
        reset.subject.contains("Passwort zurück"),
        "{}",
        reset.subject
    );
    assert!(reset.text.contains("Hallo Kei,"));
    assert!(reset.text.contains("Passwort zurücksetzen"));

    // Switching while signed out changes the pages, not the account.
    let mut signed_out = app.browser();
    signed_out
        .post_form("/api/language", &[("lang", "fr"), ("return_to", "/login")])
        .await;
    request_reset(&mut signed_out, "kei@example.com").await;
    assert!(mail("kei@example.com").await.subject.contains("Passwort"));

    // An owner who never stated a language gets the tenant's default, as it is when
    // the mail is written.
    let mut plain = app.browser();
    app.sign_up(&mut plain, "lea@example.com", STRONG_PASSWORD, "Léa")
        .await;
    let engine = &app.state.engine;
    let tenant = engine.resolve_tenant(common::HOST).await.unwrap();
    let mut policy = tenant.tenant.policy.clone();
    policy.default_language = Language::Fr;
    engine
        .set_tenant_policy(tenant.tenant.id, &policy)
        .await
        .unwrap();
    request_reset(&mut stranger, "lea@example.com").await;
    let reset = mail("lea@example.com").await;
    assert!(
        reset
            .subject
            .starts_with("Réinitialisez votre mot de passe"),
        "{}",
        reset.subject
    );
    assert!(reset.html.contains("Envoyé par"));
    app.cleanup().await;
}

/// The security centre, its dates and the reasons a sign-in stood out are in the
/// page's language; a problem named in the URL is shown from the fixed list only.
async fn the_security_centre_speaks_the_page_language(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut owner = app.browser();
    app.sign_up(&mut owner, "jo@example.com", STRONG_PASSWORD, "Jo")
        .await;
    owner.languages = Some("de-DE,de;q=0.9".into());
    let (_, page) = owner.visit("/account/security").await;
    assert!(page.body.contains("Letzte Anmeldungen"), "German heading");
    assert!(page.body.contains("Bestätigung in zwei Schritten"));
    assert!(page.body.contains("Passkey hinzufügen"));
    let today = Language::De.date(app.state.engine.now());
    assert!(page.body.contains(&today), "a German date: {today}");
    assert!(!page.body.contains("Recent sign-ins"));

    let (_, page) = owner
        .visit("/account/security?error=reauth&notice=passkey_deleted")
        .await;
    assert!(
        page.body
            .contains("Melden Sie sich zu Ihrer Sicherheit erneut an")
    );
    assert!(page.body.contains("Passkey entfernt."));
    let (_, page) = owner
        .visit("/account/security?error=%3Cscript%3Ealert(1)%3C/script%3E")
        .await;
    assert!(!page.body.contains("<script>alert(1)"));
    assert!(!page.body.contains("data-testid=\"security-problem\""));

    owner.languages = Some("ja".into());
    let (_, page) = owner.visit("/account/security").await;
    assert!(page.body.contains("最近のサインイン"));
    assert!(
        page.body
            .contains(&Language::Ja.date(app.state.engine.now()))
    );
    app.cleanup().await;
}

on_both_databases!(
    the_security_centre_speaks_the_page_language,
    pages_follow_the_choice_then_the_browser_then_the_tenant,
    flow_messages_are_translated,
    mails_follow_the_account_language,
);
