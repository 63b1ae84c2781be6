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

on_both_databases!(
    pages_follow_the_choice_then_the_browser_then_the_tenant,
    flow_messages_are_translated,
);
