//! The admin console's app pages, on both databases: only admins get in, and only
//! with two factors (the sign-in of an admin always asks for the second); apps are
//! registered, shown with their secret once, edited and disabled through plain forms;
//! bad input names its field and writes nothing.

mod common;

use common::{Backend, STRONG_PASSWORD, TestApp};
use portico_identity::accounts::{Email, Role};
use portico_identity::audit::ClientInfo;

async fn admins_manage_apps_with_two_factors(backend: Backend) {
    let app = TestApp::start(backend).await;
    let engine = &app.state.engine;
    let tenant = engine.resolve_tenant(common::HOST).await.unwrap();
    let mut browser = app.browser();
    app.sign_up(
        &mut browser,
        "root@example.com",
        STRONG_PASSWORD,
        "Ada Admin",
    )
    .await;

    // Not an admin (yet): no access.
    let (_, page) = browser.visit("/admin/apps").await;
    assert_eq!(page.status, 403);
    assert!(page.body.contains("have access to this page"));

    engine
        .grant_role(
            &tenant.tenant,
            &ClientInfo::default(),
            &Email::parse("root@example.com").unwrap(),
            Role::Admin,
        )
        .await
        .unwrap()
        .unwrap();
    // An admin's sign-in always asks for a second factor, even on a known device.
    browser.sign_out().await;
    let answer = browser.login("root@example.com", STRONG_PASSWORD).await;
    let after = app
        .pass_email_code(&mut browser, &answer, "root@example.com")
        .await;
    assert!(after.location().is_some_and(|l| l == "/account"));

    let (_, page) = browser.visit("/admin/apps").await;
    assert_eq!(
        page.status,
        200,
        "{}",
        &page.body[..page.body.len().min(400)]
    );
    assert!(page.body.contains("Register an app"));
    let csrf = page.hidden("csrf_token").unwrap();

    // A wildcard redirect URI: refused, named, nothing written.
    let count = engine.apps(&tenant.tenant).await.unwrap().len();
    let back = browser
        .post_form(
            "/api/admin/apps/create",
            &[
                ("csrf_token", &csrf),
                ("name", "Shop"),
                ("kind", "web"),
                ("redirect_uris", "https://*.shop.example/cb"),
            ],
        )
        .await;
    assert_eq!(back.location().as_deref(), Some("/admin/apps#register"));
    let (_, page) = browser.visit("/admin/apps").await;
    assert!(page.body.contains("data-testid=\"admin-form-problems\""));
    assert!(page.body.contains("redirect uris"), "the field is named");
    assert_eq!(engine.apps(&tenant.tenant).await.unwrap().len(), count);

    // Without the session's token: refused.
    let forged = browser
        .post_form(
            "/api/admin/apps/create",
            &[
                ("csrf_token", "nope"),
                ("name", "Shop"),
                ("kind", "web"),
                ("redirect_uris", "https://shop.example/cb"),
            ],
        )
        .await;
    assert!(
        !forged
            .location()
            .is_some_and(|l| l.contains("notice=created")),
        "refused"
    );
    assert_eq!(engine.apps(&tenant.tenant).await.unwrap().len(), count);

    // Registered: the secret shows once.
    let created = browser
        .post_form(
            "/api/admin/apps/create",
            &[
                ("csrf_token", &csrf),
                ("name", "Shop"),
                ("kind", "web"),
                (
                    "redirect_uris",
                    "https://shop.example/cb\nhttps://shop.example/cb2",
                ),
                ("first_party", "on"),
            ],
        )
        .await;
    let page_path = created.location().unwrap();
    assert!(page_path.starts_with("/admin/apps/") && page_path.ends_with("?notice=created"));
    let (_, page) = browser.visit(&page_path).await;
    assert!(page.body.contains("data-testid=\"admin-new-secret\""));
    let client_id = page_path
        .trim_start_matches("/admin/apps/")
        .trim_end_matches("?notice=created")
        .to_string();
    let shop = engine
        .app_by_client_id(&tenant.tenant, &client_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(shop.redirect_uris.len(), 2);
    assert!(shop.first_party);
    let (_, again) = browser.visit(&format!("/admin/apps/{client_id}")).await;
    assert!(!again.body.contains("admin-new-secret"), "shown once only");

    // Edit: a bad lifetime is named and nothing changes; then a good save.
    let csrf = again.hidden("csrf_token").unwrap();
    let update = |name: &'static str, seconds: &'static str| {
        vec![
            ("client_id", client_id.clone()),
            ("csrf_token", csrf.clone()),
            ("name", name.to_string()),
            ("redirect_uris", "https://shop.example/new".to_string()),
            ("scopes", "openid email".to_string()),
            ("access_token_seconds", seconds.to_string()),
            ("refresh_token_seconds", "3600".to_string()),
            ("id_token_alg", "ES256".to_string()),
        ]
    };
    let fields = update("Shop 2", "abc");
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    browser.post_form("/api/admin/app/update", &pairs).await;
    let (_, page) = browser.visit(&format!("/admin/apps/{client_id}")).await;
    assert!(page.body.contains("access token seconds"));
    assert_eq!(
        engine
            .app_by_client_id(&tenant.tenant, &client_id)
            .await
            .unwrap()
            .unwrap()
            .name,
        "Shop"
    );
    let fields = update("Shop 2", "600");
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let saved = browser.post_form("/api/admin/app/update", &pairs).await;
    assert!(saved.location().unwrap().ends_with("?notice=saved"));
    let shop = engine
        .app_by_client_id(&tenant.tenant, &client_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(shop.name, "Shop 2");
    assert_eq!(
        shop.redirect_uris,
        vec!["https://shop.example/new".to_string()]
    );
    assert_eq!(shop.access_token_seconds, 600);
    assert!(!shop.first_party, "an unticked box is false");

    // Rotate the secret (shown once), then disable.
    for action in ["rotate", "disable"] {
        let done = browser
            .post_form(
                "/api/admin/app/action",
                &[
                    ("client_id", &client_id),
                    ("csrf_token", &csrf),
                    ("action", action),
                ],
            )
            .await;
        assert!(done.location().unwrap().contains("?notice="), "{action}");
    }
    let (_, page) = browser
        .visit(&format!("/admin/apps/{client_id}?notice=disabled"))
        .await;
    assert!(
        page.body.contains("data-testid=\"admin-new-secret\""),
        "the rotated secret shows once"
    );
    assert_eq!(
        engine
            .app_by_client_id(&tenant.tenant, &client_id)
            .await
            .unwrap()
            .unwrap()
            .status,
        portico_identity::oidc::apps::AppStatus::Disabled
    );
    let actions = app.audit_actions().await;
    for a in [
        "role.granted",
        "app.registered",
        "app.updated",
        "app.secret_rotated",
        "app.disabled",
    ] {
        assert!(actions.contains(&a.to_string()), "{a} audited");
    }
    app.cleanup().await;
}

/// Gives the signed-in `email` a console role, and signs in again: the sign-in of a
/// role holder always asks for the second factor (the mailed code here).
async fn grant_and_sign_in_again(
    app: &TestApp,
    browser: &mut common::Browser,
    email: &str,
    role: Role,
) {
    let tenant = app.state.engine.resolve_tenant(common::HOST).await.unwrap();
    app.state
        .engine
        .grant_role(
            &tenant.tenant,
            &ClientInfo::default(),
            &Email::parse(email).unwrap(),
            role,
        )
        .await
        .unwrap()
        .unwrap();
    browser.sign_out().await;
    let answer = browser.login(email, STRONG_PASSWORD).await;
    app.pass_email_code(browser, &answer, email).await;
}

/// The sign-in providers page: bad settings name their field and write nothing (and
/// the typed secret is not shown back); a preset is added with its secret sealed;
/// disabling takes its button off the sign-in page; removing deletes it.
async fn admins_manage_sign_in_providers(backend: Backend) {
    let app = TestApp::start(backend).await;
    let engine = &app.state.engine;
    let tenant = engine.resolve_tenant(common::HOST).await.unwrap();
    let mut browser = app.browser();
    app.sign_up(
        &mut browser,
        "root@example.com",
        STRONG_PASSWORD,
        "Ada Admin",
    )
    .await;
    let (_, page) = browser.visit("/admin/providers").await;
    assert_eq!(page.status, 403, "admins only");
    grant_and_sign_in_again(&app, &mut browser, "root@example.com", Role::Admin).await;
    let (_, page) = browser.visit("/admin/providers").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Add a provider"));
    let csrf = page.hidden("csrf_token").unwrap();

    // An OpenID Connect provider without a discovery URL, and a bad slug.
    let back = browser
        .post_form(
            "/api/admin/providers/add",
            &[
                ("csrf_token", &csrf),
                ("kind", "oidc"),
                ("slug", "Bad Slug"),
                ("client_id", "c1"),
                ("client_secret", "very-secret-value"),
            ],
        )
        .await;
    assert_eq!(back.location().as_deref(), Some("/admin/providers#add"));
    let (_, page) = browser.visit("/admin/providers").await;
    assert!(page.body.contains("data-testid=\"admin-form-problems\""));
    assert!(page.body.contains("slug-error"));
    assert!(page.body.contains("discovery_url-error"));
    assert!(
        !page.body.contains("very-secret-value"),
        "the secret is not shown back"
    );
    assert!(engine.providers(&tenant.tenant).await.unwrap().is_empty());

    // A forged token changes nothing.
    let forged = browser
        .post_form(
            "/api/admin/providers/add",
            &[
                ("csrf_token", "forged"),
                ("kind", "google"),
                ("slug", "google"),
                ("client_id", "c"),
                ("client_secret", "s"),
            ],
        )
        .await;
    assert_ne!(forged.status, 303);
    assert!(engine.providers(&tenant.tenant).await.unwrap().is_empty());

    let added = browser
        .post_form(
            "/api/admin/providers/add",
            &[
                ("csrf_token", &csrf),
                ("kind", "github"),
                ("slug", "github"),
                ("client_id", "Iv1.abc"),
                ("client_secret", "gh-secret-value"),
            ],
        )
        .await;
    assert_eq!(
        added.location().as_deref(),
        Some("/admin/providers?notice=added")
    );
    let providers = engine.providers(&tenant.tenant).await.unwrap();
    assert_eq!(providers.len(), 1);
    assert!(
        !providers[0]
            .client_secret_sealed
            .as_deref()
            .unwrap()
            .contains("gh-secret")
    );
    let (_, page) = browser.visit("/admin/providers?notice=added").await;
    assert!(
        page.body.contains("/federation/callback/github"),
        "the callback URL to register"
    );
    let mut visitor = app.browser();
    let (_, login) = visitor.visit("/login").await;
    assert!(login.body.contains("Continue with GitHub"));

    // The secret is replaced in place (links stay).
    let sealed_before = providers[0].client_secret_sealed.clone();
    let replaced = browser
        .post_form(
            "/api/admin/providers/secret",
            &[
                ("csrf_token", &csrf),
                ("slug", "github"),
                ("client_secret", "gh-rotated"),
            ],
        )
        .await;
    assert_eq!(
        replaced.location().as_deref(),
        Some("/admin/providers?notice=secret")
    );
    let now = engine.providers(&tenant.tenant).await.unwrap();
    assert_ne!(now[0].client_secret_sealed, sealed_before);
    assert_eq!(now[0].id, providers[0].id);

    let off = browser
        .post_form(
            "/api/admin/providers/action",
            &[
                ("csrf_token", &csrf),
                ("slug", "github"),
                ("action", "disable"),
            ],
        )
        .await;
    assert_eq!(
        off.location().as_deref(),
        Some("/admin/providers?notice=disabled")
    );
    let (_, login) = visitor.visit("/login").await;
    assert!(!login.body.contains("Continue with GitHub"));

    let gone = browser
        .post_form(
            "/api/admin/providers/action",
            &[
                ("csrf_token", &csrf),
                ("slug", "github"),
                ("action", "remove"),
            ],
        )
        .await;
    assert_eq!(
        gone.location().as_deref(),
        Some("/admin/providers?notice=removed")
    );
    assert!(engine.providers(&tenant.tenant).await.unwrap().is_empty());
    let actions = app.audit_actions().await;
    for a in [
        "federation.provider_added",
        "federation.provider_disabled",
        "federation.provider_removed",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a}");
    }
    app.cleanup().await;
}

/// The theme editor's form with `primary` and the other tokens at their defaults.
fn theme_form<'a>(csrf: &'a str, primary: &'a str, intent: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf_token", csrf),
        ("primary", primary),
        ("on_primary", "#ffffff"),
        ("background", "#f3f4f8"),
        ("surface", "#ffffff"),
        ("text", "#111827"),
        ("muted", "#596173"),
        ("border", "#d9dde5"),
        ("error", "#b42318"),
        ("success", "#067647"),
        ("radius", "6"),
        ("font", "serif"),
        ("intent", intent),
    ]
}

/// The theme editor: brand managers (and admins) with two factors; a bad colour names
/// its field and saves nothing; a draft changes nothing customers see; publishing
/// does, at once; rolling back restores the earlier version; all audited.
async fn brand_managers_edit_publish_and_roll_back_the_theme(backend: Backend) {
    let app = TestApp::start(backend).await;
    let engine = &app.state.engine;
    let tenant = engine.resolve_tenant(common::HOST).await.unwrap();
    let mut browser = app.browser();
    app.sign_up(
        &mut browser,
        "brand@example.com",
        STRONG_PASSWORD,
        "Bea Brand",
    )
    .await;
    let (_, page) = browser.visit("/admin/branding").await;
    assert_eq!(page.status, 403, "brand managers only");
    grant_and_sign_in_again(&app, &mut browser, "brand@example.com", Role::BrandManager).await;
    let (_, page) = browser.visit("/admin/branding").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("data-testid=\"theme-preview\""));
    // A brand manager sees only branding.
    let (_, apps) = browser.visit("/admin/apps").await;
    assert_eq!(apps.status, 403);
    let csrf = page.hidden("csrf_token").unwrap();
    let public_css = |body: &str| body.contains("--portico-primary:#0f766e;");

    // A bad colour: refused by field, nothing saved.
    let back = browser
        .post_form(
            "/api/admin/branding/save",
            &theme_form(&csrf, "teal", "publish"),
        )
        .await;
    assert_eq!(back.location().as_deref(), Some("/admin/branding#editor"));
    let (_, page) = browser.visit("/admin/branding").await;
    assert!(page.body.contains("data-testid=\"admin-form-problems\""));
    assert!(page.body.contains("primary: choose a colour"));
    assert_eq!(
        engine.theme_versions(&tenant.tenant).await.unwrap().len(),
        1
    );

    // A draft: saved, customers still see the published theme.
    let back = browser
        .post_form(
            "/api/admin/branding/save",
            &theme_form(&csrf, "#0f766e", "draft"),
        )
        .await;
    assert_eq!(
        back.location().as_deref(),
        Some("/admin/branding?notice=draft")
    );
    let mut visitor = app.browser();
    let (_, login) = visitor.visit("/login").await;
    assert!(!public_css(&login.body));

    // Publish: every page shows it at once.
    let back = browser
        .post_form(
            "/api/admin/branding/save",
            &theme_form(&csrf, "#0f766e", "publish"),
        )
        .await;
    assert_eq!(
        back.location().as_deref(),
        Some("/admin/branding?notice=published")
    );
    let (_, login) = visitor.visit("/login").await;
    assert!(
        public_css(&login.body),
        "the published theme is on the sign-in page"
    );
    let versions = engine.theme_versions(&tenant.tenant).await.unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0].status, "published");
    assert_eq!(versions[1].status, "archived");

    // Roll back to the first version.
    let first = versions[1].id.to_string();
    let back = browser
        .post_form(
            "/api/admin/branding/publish",
            &[("csrf_token", &csrf), ("version", &first)],
        )
        .await;
    assert_eq!(
        back.location().as_deref(),
        Some("/admin/branding?notice=rolled_back")
    );
    let (_, login) = visitor.visit("/login").await;
    assert!(!public_css(&login.body));
    assert!(login.body.contains("--portico-primary:#4338ca;"));
    let actions = app.audit_actions().await;
    for a in ["theme.draft_saved", "theme.published", "theme.rolled_back"] {
        assert!(actions.iter().any(|x| x == a), "{a}");
    }
    // A forged token changes nothing.
    let forged = browser
        .post_form(
            "/api/admin/branding/publish",
            &[
                ("csrf_token", "forged"),
                ("version", &versions[0].id.to_string()),
            ],
        )
        .await;
    assert_ne!(forged.status, 303);
    app.cleanup().await;
}

/// A real 1×1 PNG.
const TINY_PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

/// Images, layout, legal links, texts per language and custom CSS: every bad input is
/// refused naming its field with nothing saved; uploads go into the draft and are
/// served by content hash; published texts show in their language only.
async fn brand_managers_upload_images_texts_and_safe_css(backend: Backend) {
    use base64::Engine as _;
    let app = TestApp::start(backend).await;
    let engine = &app.state.engine;
    let tenant = engine.resolve_tenant(common::HOST).await.unwrap();
    let mut browser = app.browser();
    app.sign_up(&mut browser, "bea@example.com", STRONG_PASSWORD, "Bea")
        .await;
    grant_and_sign_in_again(&app, &mut browser, "bea@example.com", Role::BrandManager).await;
    let (_, page) = browser.visit("/admin/branding").await;
    let csrf = page.hidden("csrf_token").unwrap();
    let png = base64::engine::general_purpose::STANDARD
        .decode(TINY_PNG)
        .unwrap();
    let upload =
        |kind: &'static str| vec![("csrf_token", csrf.clone()), ("kind", kind.to_string())];
    async fn post(
        browser: &mut common::Browser,
        fields: &[(&'static str, String)],
        file: (&str, &str, &[u8]),
    ) -> common::Page {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        browser
            .post_multipart(
                "/api/admin/branding/asset",
                &fields,
                ("file", file.0, file.1, file.2),
            )
            .await
    }
    let drafts = || async { engine.theme_versions(&tenant.tenant).await.unwrap() };

    // Wrong types, a disguised file and an oversized one: refused, named, not kept.
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>";
    for (file, expected) in [
        (
            ("logo.svg", "image/svg+xml", &svg[..]),
            "the file is not a PNG, JPEG or WebP image",
        ),
        (
            ("logo.jpg", "image/jpeg", &png[..]),
            "contents are not the image/jpeg",
        ),
        (
            ("logo.gif", "image/gif", &b"GIF89a\x01\x00\x01\x00"[..]),
            "the file is not a PNG",
        ),
    ] {
        let back = post(&mut browser, &upload("logo"), file).await;
        assert_eq!(
            back.location().as_deref(),
            Some("/admin/branding#images"),
            "{expected}"
        );
        let (_, page) = browser.visit("/admin/branding").await;
        assert!(
            page.body.contains("data-testid=\"image-logo-problem\""),
            "{expected}"
        );
        assert!(
            page.body.contains(expected),
            "{expected}: {}",
            page.body.len()
        );
    }
    let mut big = png.clone();
    big.resize(512 * 1024 + 1, 0);
    let back = post(
        &mut browser,
        &upload("logo"),
        ("big.png", "image/png", &big),
    )
    .await;
    assert_eq!(
        back.location().as_deref(),
        Some("/admin/branding#images"),
        "{} {}",
        back.status,
        back.body
    );
    let (_, page) = browser.visit("/admin/branding").await;
    assert!(page.body.contains("larger than 512 KiB"));
    let ico_as_logo = post(
        &mut browser,
        &upload("favicon"),
        ("f.jpg", "image/jpeg", &[0xff, 0xd8, 0xff, 0xe0]),
    )
    .await;
    assert_eq!(
        ico_as_logo.location().as_deref(),
        Some("/admin/branding#images")
    );
    assert_eq!(drafts().await.len(), 1, "nothing was saved");
    // A forged token stores nothing.
    let forged = post(
        &mut browser,
        &[
            ("csrf_token", "forged".to_string()),
            ("kind", "logo".to_string()),
        ],
        ("logo.png", "image/png", &png),
    )
    .await;
    assert_ne!(forged.status, 303);
    assert_eq!(drafts().await.len(), 1);

    // A real logo: into the draft, served by its hash, not yet on public pages.
    let back = post(
        &mut browser,
        &upload("logo"),
        ("logo.png", "image/png", &png),
    )
    .await;
    assert_eq!(
        back.location().as_deref(),
        Some("/admin/branding?notice=uploaded#images")
    );
    let versions = drafts().await;
    let logo = versions[0]
        .tokens
        .logo
        .clone()
        .expect("the draft holds the logo");
    assert_eq!(versions[0].status, "draft");
    let served = browser.get(&logo.url()).await;
    assert_eq!(served.status, 200);
    assert_eq!(served.header("content-type").as_deref(), Some("image/png"));
    assert_eq!(
        served.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert!(
        served
            .header("cache-control")
            .unwrap()
            .contains("immutable")
    );
    let mut visitor = app.browser();
    let (_, login) = visitor.visit("/login").await;
    assert!(
        !login.body.contains(&logo.url()),
        "a draft's logo is not public"
    );
    // Unknown and malformed asset names are not found.
    let missing = format!("/branding/assets/{}.png", "0".repeat(64));
    assert_eq!(browser.get(&missing).await.status, 404);
    assert_eq!(
        browser
            .get("/branding/assets/..%2F..%2Fetc%2Fpasswd")
            .await
            .status,
        404
    );

    // Custom CSS outside the safe subset, a bad link, an overlong text: named, nothing saved.
    let mut form = theme_form(&csrf, "#0f766e", "publish");
    form.push(("custom_css", "@import url(https://evil.example/x.css);"));
    form.push(("terms_url", "javascript:alert(1)"));
    let long = "x".repeat(61);
    form.push(("copy_lang", "ja"));
    form.push(("copy_login_title", &long));
    let back = browser.post_form("/api/admin/branding/save", &form).await;
    assert_eq!(back.location().as_deref(), Some("/admin/branding#editor"));
    let (_, page) = browser.visit("/admin/branding").await;
    assert!(page.body.contains("@import is not allowed"));
    assert!(
        page.body
            .contains("enter an address starting with https://")
    );
    assert!(page.body.contains("use at most 60 characters"));
    assert_eq!(drafts().await[0].tokens.primary.as_str(), "#4338ca");
    let mut form = theme_form(&csrf, "#0f766e", "publish");
    form.push((
        "custom_css",
        "a { background: url(https://evil.example/track.gif) }",
    ));
    browser.post_form("/api/admin/branding/save", &form).await;
    let (_, page) = browser.visit("/admin/branding").await;
    assert!(
        page.body
            .contains("url() may only name an image uploaded to this theme")
    );

    // Everything valid, Japanese texts, split layout: published.
    let mut form = theme_form(&csrf, "#0f766e", "publish");
    form.push(("custom_css", ".portico-card { letter-spacing: 0.01em }"));
    form.push(("terms_url", "https://acme.example/terms"));
    form.push(("layout", "split"));
    form.push(("copy_lang", "ja"));
    form.push(("copy_login_title", "Acme へようこそ"));
    let back = browser.post_form("/api/admin/branding/save", &form).await;
    assert_eq!(
        back.location().as_deref(),
        Some("/admin/branding?notice=published")
    );
    let published = &drafts().await[0];
    assert_eq!(published.status, "published");
    assert_eq!(
        published.tokens.logo.as_ref(),
        Some(&logo),
        "the upload was kept"
    );
    let (_, login) = visitor.visit("/login").await;
    assert!(login.body.contains(&logo.url()), "the logo is public now");
    assert!(login.body.contains("data-layout=\"split\""));
    assert!(login.body.contains(&logo.url()), "the app's logo");
    assert!(login.body.contains("href=\"https://acme.example/terms\""));
    assert!(
        login
            .body
            .contains(".portico-card { letter-spacing: 0.01em }")
    );
    assert!(
        !login.body.contains("Acme へようこそ"),
        "the Japanese title is for Japanese pages"
    );
    let mut japanese = app.browser();
    japanese.languages = Some("ja,en;q=0.5".into());
    let (_, login) = japanese.visit("/login").await;
    assert!(login.body.contains("<html lang=\"ja\""));
    assert!(
        login.body.contains("Acme へようこそ"),
        "the brand's own title"
    );
    assert!(
        login.body.contains("パスワードをお忘れですか？"),
        "the rest from the translation"
    );

    // Removing the logo takes it out of the draft only.
    let back = browser
        .post_form(
            "/api/admin/branding/asset/remove",
            &[("csrf_token", &csrf), ("kind", "logo")],
        )
        .await;
    assert_eq!(
        back.location().as_deref(),
        Some("/admin/branding?notice=removed#images")
    );
    assert!(drafts().await[0].tokens.logo.is_none());
    let (_, login) = visitor.visit("/login").await;
    assert!(
        login.body.contains(&logo.url()),
        "still published until the next publish"
    );
    let actions = app.audit_actions().await;
    assert!(actions.iter().any(|a| a == "theme.asset_uploaded"));
    app.cleanup().await;
}

/// An app's own sign-in page: admins choose its ways in and its layer over the tenant
/// theme; bad input is named and saves nothing; a sign-in started by that app wears
/// the layer and refuses a way it left out — even with the right password — while the
/// tenant's own sign-in page stays as it was.
use base64::Engine as _;
async fn an_app_chooses_its_sign_in_methods_and_look(backend: Backend) {
    use portico_identity::oidc::apps::{AppKind, NewApp};
    let app = TestApp::start(backend).await;
    let engine = &app.state.engine;
    let tenant = engine.resolve_tenant(common::HOST).await.unwrap();
    let mut admin = app.browser();
    app.sign_up(&mut admin, "ops@example.com", STRONG_PASSWORD, "Ops")
        .await;
    grant_and_sign_in_again(&app, &mut admin, "ops@example.com", Role::Admin).await;
    let kiosk = engine
        .register_app(
            &tenant.tenant,
            &ClientInfo::default(),
            &NewApp {
                name: "Kiosk".into(),
                kind: Some(AppKind::Web),
                redirect_uris: vec!["https://kiosk.example/cb".into()],
                first_party: true,
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .unwrap()
        .app;
    let path = format!("/admin/apps/{}", kiosk.client_id);
    let (_, page) = admin.visit(&path).await;
    assert!(page.body.contains("data-testid=\"app-sign-in-form\""));
    let csrf = page.hidden("csrf_token").unwrap();
    let save = |fields: Vec<(&'static str, &'static str)>| {
        let mut all = vec![
            ("client_id", kiosk.client_id.clone()),
            ("csrf_token", csrf.clone()),
        ];
        all.extend(fields.into_iter().map(|(k, v)| (k, v.to_string())));
        all
    };
    let poster = admin.clone();
    let post = |fields: Vec<(&'static str, String)>| {
        let mut browser = poster.clone();
        async move {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.post_form("/api/admin/app/sign-in", &f).await
        }
    };

    // No way in at all, a bad colour, an unknown provider: named, nothing saved.
    let back = post(save(vec![("primary", "red")])).await;
    assert_eq!(back.location(), Some(format!("{path}#sign-in")));
    let (_, page) = admin.visit(&path).await;
    assert!(page.body.contains("leave at least one way to sign in"));
    assert!(page.body.contains("write a colour as #rrggbb"));
    let back = post(save(vec![("passkey", "on"), ("providers[]", "nope")])).await;
    assert_eq!(back.location(), Some(format!("{path}#sign-in")));
    let (_, page) = admin.visit(&path).await;
    assert!(page.body.contains("nope is not an enabled provider"));
    assert!(
        engine
            .app_theme(tenant.tenant.id, kiosk.id)
            .await
            .unwrap()
            .is_empty()
    );
    // A forged token changes nothing.
    let mut forged = save(vec![("passkey", "on")]);
    forged[1].1 = "forged".into();
    assert_ne!(post(forged).await.status, 303);

    // Passkeys only, in red, split.
    let back = post(save(vec![
        ("passkey", "on"),
        ("primary", "#b91c1c"),
        ("layout", "split"),
    ]))
    .await;
    assert_eq!(
        back.location(),
        Some(format!("{path}?notice=sign_in_saved#sign-in"))
    );
    assert!(
        app.audit_actions()
            .await
            .iter()
            .any(|a| a == "app.sign_in_page_changed")
    );

    // Its own logo: a non-image is refused by name and nothing changes; a PNG is kept;
    // saving the form again keeps it; a forged token uploads nothing.
    let png = base64::engine::general_purpose::STANDARD
        .decode(TINY_PNG)
        .unwrap();
    let logo_path = "/api/admin/app/sign-in/logo";
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("client_id", kiosk.client_id.as_str()),
    ];
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>";
    let back = admin
        .post_multipart(
            logo_path,
            &fields,
            ("file", "logo.svg", "image/svg+xml", svg),
        )
        .await;
    assert_eq!(back.location(), Some(format!("{path}#sign-in")));
    let (_, page) = admin.visit(&path).await;
    assert!(
        page.body
            .contains("the file is not a PNG, JPEG or WebP image")
    );
    let layer = || async { engine.app_theme(tenant.tenant.id, kiosk.id).await.unwrap() };
    assert!(layer().await.logo.is_none());
    let forged = [
        ("csrf_token", "forged"),
        ("client_id", kiosk.client_id.as_str()),
    ];
    let refused = admin
        .post_multipart(logo_path, &forged, ("file", "logo.png", "image/png", &png))
        .await;
    assert_ne!(refused.status, 303);
    assert!(layer().await.logo.is_none());
    let back = admin
        .post_multipart(logo_path, &fields, ("file", "logo.png", "image/png", &png))
        .await;
    assert_eq!(
        back.location(),
        Some(format!("{path}?notice=sign_in_saved#sign-in"))
    );
    let logo = layer().await.logo.expect("the app's own logo");
    let (_, page) = admin.visit(&path).await;
    assert!(page.body.contains("data-testid=\"app-logo-preview\""));
    post(save(vec![
        ("passkey", "on"),
        ("primary", "#b91c1c"),
        ("layout", "split"),
    ]))
    .await;
    assert_eq!(layer().await.logo, Some(logo.clone()), "the form keeps it");

    // A customer with a password comes from the kiosk: its page, and no password.
    let mut customer = app.browser();
    app.sign_up(&mut customer, "kim@example.com", STRONG_PASSWORD, "Kim")
        .await;
    customer.sign_out().await;
    let start = format!(
        "/oauth2/authorize?response_type=code&scope=openid&client_id={}&redirect_uri=https%3A%2F%2Fkiosk.example%2Fcb&code_challenge={}&code_challenge_method=S256&state=s",
        kiosk.client_id, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
    let (landed, login) = customer.visit(&start).await;
    assert!(landed.starts_with("/login?flow="), "{landed}");
    assert!(
        login.body.contains("--portico-primary:#b91c1c;"),
        "the app's colour"
    );
    assert!(login.body.contains("data-layout=\"split\""));
    assert!(
        !login.body.contains("name=\"password\""),
        "no password field"
    );
    assert!(
        login.body.contains("data-passkey=\"login\""),
        "passkeys offered"
    );
    // The password is refused for this app's flow, even the right one.
    let answer = customer
        .submit_login(&login, "kim@example.com", STRONG_PASSWORD)
        .await;
    let (_, after) = customer.visit(&answer.location().unwrap()).await;
    assert!(
        after
            .body
            .contains("data-message-id=\"login.method_unavailable\"")
    );
    assert!(
        customer.visit("/account").await.0.starts_with("/login"),
        "not signed in"
    );

    // The tenant's own sign-in page is untouched.
    let (_, plain) = app.browser().visit("/login").await;
    assert!(!plain.body.contains("#b91c1c"));
    assert!(plain.body.contains("name=\"password\""));
    assert!(!plain.body.contains(&logo.url()));

    // Removing the app's logo brings back the tenant's.
    let back = admin
        .post_form(
            "/api/admin/app/sign-in/logo/remove",
            &[("csrf_token", &csrf), ("client_id", &kiosk.client_id)],
        )
        .await;
    assert_eq!(
        back.location(),
        Some(format!("{path}?notice=sign_in_saved#sign-in"))
    );
    assert!(layer().await.logo.is_none());
    assert_eq!(
        layer()
            .await
            .primary
            .map(|c| c.as_str().to_string())
            .as_deref(),
        Some("#b91c1c")
    );
    app.cleanup().await;
}

/// The tenants page: the default tenant's admins create tenants (bad input named,
/// nothing half-made), give them hosts (one tenant per host) and default languages; a
/// new tenant's own admins manage their tenant but not the others.
async fn operators_manage_tenants_from_the_console(backend: Backend) {
    let app = TestApp::start(backend).await;
    let engine = &app.state.engine;
    let mut admin = app.browser();
    app.sign_up(&mut admin, "op@example.com", STRONG_PASSWORD, "Op")
        .await;
    grant_and_sign_in_again(&app, &mut admin, "op@example.com", Role::Admin).await;
    let (_, page) = admin.visit("/admin/tenants").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("data-testid=\"tenant-row\""));
    let csrf = page.hidden("csrf_token").unwrap();

    // Bad input: every field named, nothing created.
    let back = admin
        .post_form(
            "/api/admin/tenants/create",
            &[
                ("csrf_token", &csrf),
                ("slug", "Bad Slug"),
                ("display_name", ""),
                ("base_url", "ftp://acme.example"),
                ("hosts", ""),
            ],
        )
        .await;
    assert_eq!(back.location().as_deref(), Some("/admin/tenants#create"));
    let (_, page) = admin.visit("/admin/tenants").await;
    assert!(page.body.contains("data-testid=\"admin-form-problems\""));
    for field in ["slug:", "display name:", "base url:"] {
        assert!(page.body.contains(field), "{field} named");
    }
    assert_eq!(engine.tenants().await.unwrap().len(), 1);

    // A tenant with a second host.
    let back = admin
        .post_form(
            "/api/admin/tenants/create",
            &[
                ("csrf_token", &csrf),
                ("slug", "acme"),
                ("display_name", "Acme Travel"),
                ("base_url", "http://acme.localhost:3000"),
                ("hosts", "acme.localhost:3001"),
            ],
        )
        .await;
    assert_eq!(
        back.location().as_deref(),
        Some("/admin/tenants?notice=created")
    );
    let tenants = engine.tenants().await.unwrap();
    let acme = tenants.iter().find(|t| t.tenant.slug == "acme").unwrap();
    assert!(acme.hosts.contains(&"acme.localhost:3001".to_string()));
    // A host another tenant serves is refused, by name; the slug is taken.
    let back = admin
        .post_form(
            "/api/admin/tenants/host",
            &[
                ("csrf_token", &csrf),
                ("slug", "acme"),
                ("host", common::HOST),
            ],
        )
        .await;
    assert_eq!(back.location().as_deref(), Some("/admin/tenants#create"));
    let (_, page) = admin.visit("/admin/tenants").await;
    assert!(page.body.contains("already"), "the host's owner is kept");
    let again = admin
        .post_form(
            "/api/admin/tenants/create",
            &[
                ("csrf_token", &csrf),
                ("slug", "acme"),
                ("display_name", "Acme Again"),
                ("base_url", "http://acme2.localhost:3000"),
                ("hosts", ""),
            ],
        )
        .await;
    assert_eq!(again.location().as_deref(), Some("/admin/tenants#create"));
    assert_eq!(engine.tenants().await.unwrap().len(), 2);

    // Its default language: its pages speak Japanese to a browser that names none.
    let refused = admin
        .post_form(
            "/api/admin/tenants/language",
            &[("csrf_token", &csrf), ("slug", "acme"), ("language", "xx")],
        )
        .await;
    assert!(refused.body.contains("language"));
    let back = admin
        .post_form(
            "/api/admin/tenants/language",
            &[("csrf_token", &csrf), ("slug", "acme"), ("language", "ja")],
        )
        .await;
    assert_eq!(
        back.location().as_deref(),
        Some("/admin/tenants?notice=language")
    );
    assert!(
        app.audit_actions()
            .await
            .iter()
            .any(|a| a == "tenant.language_changed"),
        "audited"
    );
    let mut visitor = app.browser();
    visitor.host = "acme.localhost:3000".into();
    visitor.origin = Some("http://acme.localhost:3000".into());
    let (_, login) = visitor.visit("/login").await;
    assert!(login.body.contains("<html lang=\"ja\""));
    assert!(login.body.contains("Acme Travel"));
    // A forged token creates nothing.
    let forged = admin
        .post_form(
            "/api/admin/tenants/create",
            &[
                ("csrf_token", "forged"),
                ("slug", "evil"),
                ("display_name", "Evil"),
                ("base_url", "http://evil.localhost:3000"),
            ],
        )
        .await;
    assert_ne!(forged.status, 303);
    assert_eq!(engine.tenants().await.unwrap().len(), 2);

    // Acme's own admin runs Acme's console, not the tenants page.
    let acme_tenant = engine.resolve_tenant("acme.localhost:3000").await.unwrap();
    app.sign_up(
        &mut visitor,
        "acme-admin@example.com",
        STRONG_PASSWORD,
        "Acme Admin",
    )
    .await;
    engine
        .grant_role(
            &acme_tenant.tenant,
            &ClientInfo::default(),
            &Email::parse("acme-admin@example.com").unwrap(),
            Role::Admin,
        )
        .await
        .unwrap()
        .unwrap();
    visitor.sign_out().await;
    let answer = visitor
        .login("acme-admin@example.com", STRONG_PASSWORD)
        .await;
    app.pass_email_code(&mut visitor, &answer, "acme-admin@example.com")
        .await;
    let (_, apps) = visitor.visit("/admin/apps").await;
    assert_eq!(apps.status, 200, "an admin of acme");
    let (_, tenants_page) = visitor.visit("/admin/tenants").await;
    assert_eq!(tenants_page.status, 403, "but not an operator");
    app.cleanup().await;
}

on_both_databases!(
    operators_manage_tenants_from_the_console,
    an_app_chooses_its_sign_in_methods_and_look,
    admins_manage_apps_with_two_factors,
    admins_manage_sign_in_providers,
    brand_managers_edit_publish_and_roll_back_the_theme,
    brand_managers_upload_images_texts_and_safe_css,
);
