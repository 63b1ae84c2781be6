//! Tenants: one Portico serving two brands by host. Everything that belongs to one —
//! accounts, sessions, apps, sign-in providers, signing keys, mail links — is invisible
//! to the other, on both databases.

mod common;

use common::{Backend, Browser, STRONG_PASSWORD, TestApp};
use portico_identity::audit::ClientInfo;
use portico_identity::tenants::{NewTenant, Tenant};

const ACME: &str = "http://acme.localhost:3000";

async fn with_acme(backend: Backend) -> (TestApp, Tenant) {
    let app = TestApp::start(backend).await;
    let acme = app
        .state
        .engine
        .create_tenant(
            &ClientInfo::default(),
            &NewTenant {
                slug: "acme".into(),
                display_name: "Acme Travel".into(),
                base_url: ACME.into(),
                hosts: vec![],
            },
        )
        .await
        .unwrap();
    (app, acme)
}

/// Registers at `browser`'s tenant and confirms with the code mailed in `tenant`.
async fn sign_up_at(
    app: &TestApp,
    tenant: &Tenant,
    browser: &mut Browser,
    email: &str,
    password: &str,
) {
    let answer = browser.register(email, password, "Sam").await;
    let (_, verify) = browser.visit(&answer.location().unwrap()).await;
    assert!(verify.body.contains("Check your inbox"));
    let mail = app
        .state
        .engine
        .recent_mail(tenant.id, 50)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.to == email)
        .expect("a verification mail in this tenant");
    let code = common::first_code(&mail.text).unwrap();
    let done = browser.submit_code(&verify, &code).await;
    assert_eq!(done.location().as_deref(), Some("/account"));
}

async fn accounts_sessions_and_mail_are_per_tenant(backend: Backend) {
    let (app, acme) = with_acme(backend).await;
    let engine = &app.state.engine;
    let default = engine
        .resolve_tenant(common::HOST)
        .await
        .unwrap()
        .tenant
        .clone();

    // The same address makes two accounts, one per tenant.
    let mut home = app.browser();
    sign_up_at(
        &app,
        &default,
        &mut home,
        "sam@example.com",
        STRONG_PASSWORD,
    )
    .await;
    let mut away = app.browser_at_issuer(ACME);
    let (_, page) = away.visit("/register").await;
    assert!(
        page.body.contains("Acme Travel"),
        "acme's brand on acme's host"
    );
    sign_up_at(
        &app,
        &acme,
        &mut away,
        "sam@example.com",
        "another long passphrase 7",
    )
    .await;
    let count = |t| portico_identity::store::accounts::count_users(engine.db().conn(), t);
    assert_eq!(count(default.id).await.unwrap(), 1);
    assert_eq!(count(acme.id).await.unwrap(), 1);
    // Acme's mail links start with acme's base URL.
    let mail = engine.recent_mail(acme.id, 50).await.unwrap();
    assert!(mail.iter().all(|m| !m.text.contains("127.0.0.1:3000")));
    assert!(
        mail.iter()
            .any(|m| m.text.contains("http://acme.localhost:3000/"))
    );

    // One tenant's password does not open the other tenant's account.
    let mut stranger = app.browser_at_issuer(ACME);
    let answer = stranger.login("sam@example.com", STRONG_PASSWORD).await;
    let (_, page) = stranger.visit(&answer.location().unwrap()).await;
    assert!(
        page.message_ids()
            .contains(&"login.invalid_credentials".to_string())
    );

    // A session cookie from one tenant means nothing on the other's host.
    let mut carried = app.browser_at_issuer(ACME);
    carried.cookies = home.cookies.clone();
    let (path, _) = carried.visit("/account").await;
    assert!(path.starts_with("/login"), "not signed in at acme: {path}");
    let (path, page) = home.visit("/account").await;
    assert_eq!(path, "/account");
    assert!(page.body.contains("sam@example.com"));
    app.cleanup().await;
}

async fn apps_keys_and_providers_are_per_tenant(backend: Backend) {
    let (app, acme) = with_acme(backend).await;
    let engine = &app.state.engine;
    let default = engine
        .resolve_tenant(common::HOST)
        .await
        .unwrap()
        .tenant
        .clone();

    // Each tenant is its own OpenID provider.
    let mut home = app.browser();
    let mut away = app.browser_at_issuer(ACME);
    let d: serde_json::Value =
        serde_json::from_str(&home.get("/.well-known/openid-configuration").await.body).unwrap();
    let a: serde_json::Value =
        serde_json::from_str(&away.get("/.well-known/openid-configuration").await.body).unwrap();
    assert_eq!(a["issuer"], ACME);
    assert_ne!(d["issuer"], a["issuer"]);
    let kids = |jwks: &str| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_str(jwks).unwrap();
        v["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_string())
            .collect()
    };
    let dk = kids(&home.get("/.well-known/jwks.json").await.body);
    let ak = kids(&away.get("/.well-known/jwks.json").await.body);
    assert!(!ak.is_empty());
    assert!(dk.iter().all(|k| !ak.contains(k)), "no key is shared");

    // An app of the default tenant is unknown at acme.
    let web = engine
        .register_app(
            &default,
            &ClientInfo::default(),
            &portico_identity::oidc::apps::NewApp {
                name: "Shop".into(),
                kind: Some(portico_identity::oidc::apps::AppKind::Web),
                redirect_uris: vec!["https://shop.example.com/cb".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    let query = format!(
        "/oauth2/authorize?response_type=code&client_id={}&redirect_uri=https%3A%2F%2Fshop.example.com%2Fcb&scope=openid&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256",
        web.app.client_id
    );
    let at_home = home.get(&query).await;
    assert!(
        at_home.status.is_redirection(),
        "known at home: {}",
        at_home.status
    );
    let at_acme = away.get(&query).await;
    assert_eq!(at_acme.status, 400, "unknown at acme");
    assert!(engine.apps(&acme).await.unwrap().is_empty());
    let secret = web.client_secret.unwrap();
    assert!(
        engine
            .authenticate_app(&acme, &web.app.client_id, &secret)
            .await
            .unwrap()
            .is_none()
    );

    // A sign-in provider of the default tenant is not offered at acme.
    engine
        .add_provider(
            &default,
            None,
            &ClientInfo::default(),
            &portico_identity::federation::NewProvider {
                slug: "google".into(),
                kind: "google".into(),
                client_id: "c".into(),
                client_secret: Some("s".into()),
                enabled: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let (_, login) = home.visit("/login").await;
    assert!(login.body.contains("Continue with Google"));
    let (_, login) = away.visit("/login").await;
    assert!(!login.body.contains("Continue with Google"));
    app.cleanup().await;
}

/// Creating tenants: bad input names its field and writes nothing; a host belongs to
/// one tenant only; hosts are added later.
async fn tenants_are_created_with_their_hosts(backend: Backend) {
    use portico_identity::tenants::CreateTenantError;
    let (app, acme) = with_acme(backend).await;
    let engine = &app.state.engine;
    let taken = engine
        .create_tenant(
            &ClientInfo::default(),
            &NewTenant {
                slug: "acme2".into(),
                display_name: "Acme Again".into(),
                base_url: "http://acme.localhost:3000".into(),
                hosts: vec![],
            },
        )
        .await;
    assert!(matches!(taken, Err(CreateTenantError::Invalid(ref p)) if p[0].field == "hosts"));
    let dup = engine
        .create_tenant(
            &ClientInfo::default(),
            &NewTenant {
                slug: "acme".into(),
                display_name: "Acme".into(),
                base_url: "https://login.other.example".into(),
                hosts: vec![],
            },
        )
        .await;
    assert!(matches!(dup, Err(CreateTenantError::Invalid(ref p)) if p[0].field == "slug"));
    assert_eq!(
        engine.tenants().await.unwrap().len(),
        2,
        "nothing half-written"
    );
    engine
        .add_tenant_host(&ClientInfo::default(), &acme, "login.acme.example")
        .await
        .unwrap();
    let resolved = engine.resolve_tenant("login.acme.example").await.unwrap();
    assert_eq!(resolved.tenant.id, acme.id);
    let again = engine
        .add_tenant_host(&ClientInfo::default(), &acme, common::HOST)
        .await;
    assert!(
        matches!(again, Err(CreateTenantError::Invalid(_))),
        "the default's host stays"
    );
    assert_ne!(
        engine.resolve_tenant(common::HOST).await.unwrap().tenant.id,
        acme.id
    );
    app.cleanup().await;
}

on_both_databases!(
    accounts_sessions_and_mail_are_per_tenant,
    apps_keys_and_providers_are_per_tenant,
    tenants_are_created_with_their_hosts,
    themes_are_per_tenant,
);

/// Publishing a theme on one tenant changes that tenant's pages only, at once.
async fn themes_are_per_tenant(backend: Backend) {
    let (app, acme) = with_acme(backend).await;
    let engine = &app.state.engine;
    let mut away = app.browser_at_issuer(ACME);
    let (_, before) = away.visit("/login").await;
    assert!(before.body.contains("--portico-primary:#4338ca;"));
    let user = portico_identity::UserId::generate();
    let tokens = portico_identity::branding::ThemeTokens {
        primary: portico_identity::branding::Color::parse("#0f766e").unwrap(),
        ..Default::default()
    };
    let draft = engine
        .save_theme_draft(&acme, user, &ClientInfo::default(), &tokens)
        .await
        .unwrap();
    engine
        .publish_theme_version(&acme, user, &ClientInfo::default(), draft)
        .await
        .unwrap();
    let (_, after) = away.visit("/login").await;
    assert!(
        after.body.contains("--portico-primary:#0f766e;"),
        "acme's page changed"
    );
    let mut home = app.browser();
    let (_, other) = home.visit("/login").await;
    assert!(
        other.body.contains("--portico-primary:#4338ca;"),
        "the default's did not"
    );
    app.cleanup().await;
}
