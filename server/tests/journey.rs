//! The first journey, end to end through the real router: register, sign out, sign in,
//! see the account — and every way it can be refused.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Backend, STRONG_PASSWORD, TestApp};

async fn register_sign_out_sign_in(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut browser = app.browser();

    let created = app
        .sign_up(
            &mut browser,
            "Ada@Example.com",
            STRONG_PASSWORD,
            "Ada Lovelace",
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    assert_eq!(created.location().as_deref(), Some("/account"));
    let first_session = browser
        .session_cookie()
        .expect("signed in after registering");

    let (_, account) = browser.visit("/account").await;
    assert_eq!(account.status, StatusCode::OK);
    assert!(
        account.body.contains("ada@example.com"),
        "email is shown normalised"
    );
    assert!(account.body.contains("Ada Lovelace"));
    assert!(account.body.contains("Member since"));

    let out = browser.sign_out().await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out.location().unwrap().starts_with("/login?flow="));
    assert!(
        browser.session_cookie().is_none(),
        "the session cookie is cleared"
    );
    let (_, login) = browser.visit(&out.location().unwrap()).await;
    assert_eq!(login.message_ids(), vec!["session.signed_out"]);

    // The old session id is worthless now, even if replayed.
    let mut replay = app.browser();
    replay
        .cookies
        .insert("portico_session".into(), first_session.clone());
    let page = replay.get("/account").await;
    assert_eq!(page.status, StatusCode::FOUND);

    let signed_in = browser
        .submit_login(&login, "ada@example.com", STRONG_PASSWORD)
        .await;
    assert_eq!(
        signed_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_in.body
    );
    assert_eq!(signed_in.location().as_deref(), Some("/account"));
    let second_session = browser.session_cookie().expect("signed in");
    assert_ne!(
        first_session, second_session,
        "a new session id at every sign-in"
    );

    let (_, account) = browser.visit("/account").await;
    assert!(account.body.contains("ada@example.com"));
    app.cleanup().await;
}

async fn wrong_password_and_unknown_email_look_the_same(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut owner = app.browser();
    app.sign_up(&mut owner, "grace@example.com", STRONG_PASSWORD, "Grace")
        .await;

    let mut stranger = app.browser();
    let wrong = stranger
        .login("grace@example.com", "not the password at all")
        .await;
    let wrong_next = wrong.location().unwrap();
    let (_, wrong_page) = stranger.visit(&wrong_next).await;

    let mut other = app.browser();
    let unknown = other
        .login("nobody@example.com", "not the password at all")
        .await;
    let (_, unknown_page) = other.visit(&unknown.location().unwrap()).await;

    assert_eq!(wrong.status, StatusCode::SEE_OTHER);
    assert_eq!(unknown.status, StatusCode::SEE_OTHER);
    assert_eq!(wrong_page.message_ids(), vec!["login.invalid_credentials"]);
    assert_eq!(
        unknown_page.message_ids(),
        vec!["login.invalid_credentials"]
    );
    assert!(stranger.session_cookie().is_none());
    // The same flow comes back, with the email kept so it need not be retyped.
    assert!(wrong_next.starts_with("/login?flow="));
    assert!(wrong_page.body.contains("value=\"grace@example.com\""));
    let (_, account) = stranger.visit("/account").await;
    assert!(!account.body.contains("grace@example.com"));

    let tenant = app.state.engine.resolve_tenant(common::HOST).await.unwrap();
    let user = portico_identity::store::accounts::find_user_by_email(
        app.state.engine.db().conn(),
        tenant.tenant.id,
        &portico_identity::accounts::Email::parse("grace@example.com").unwrap(),
    )
    .await
    .unwrap()
    .unwrap();
    let actions = portico_identity::store::audit::actions_for_subject(
        app.state.engine.db().conn(),
        tenant.tenant.id,
        user,
    )
    .await
    .unwrap();
    assert!(actions.contains(&"login.failed".to_string()), "{actions:?}");
    assert!(
        actions.contains(&"user.registered".to_string()),
        "{actions:?}"
    );
    app.cleanup().await;
}

async fn registration_refuses_bad_input_and_stores_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        (
            "not-an-email",
            STRONG_PASSWORD,
            "",
            "email",
            "email.invalid",
        ),
        ("", STRONG_PASSWORD, "", "email", "email.empty"),
        (
            "short@example.com",
            "Sh0rt!",
            "",
            "password",
            "password.too_short",
        ),
        (
            "common@example.com",
            "password123",
            "",
            "password",
            "password.too_common",
        ),
        (
            "long@example.com",
            &"x9!Q".repeat(70),
            "",
            "password",
            "password.too_long",
        ),
        (
            "name@example.com",
            STRONG_PASSWORD,
            &"N".repeat(101),
            "display_name",
            "name.too_long",
        ),
    ];
    for (email, password, name, field, expected) in cases {
        let mut browser = app.browser();
        let answer = browser.register(email, password, name).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER);
        let next = answer.location().unwrap();
        assert!(
            next.starts_with("/register?flow="),
            "{expected}: went to {next}"
        );
        let (_, page) = browser.visit(&next).await;
        assert!(
            page.body.contains(&format!("id=\"field-{field}-error\"")),
            "{expected}: no error under {field}"
        );
        assert!(
            page.body.contains("aria-invalid=\"true\""),
            "{expected}: field not marked invalid"
        );
        assert!(browser.session_cookie().is_none());
        let _ = expected;
    }
    assert_eq!(
        app.user_count().await,
        0,
        "no bad input may create an account"
    );
    app.cleanup().await;
}

async fn duplicate_email_gets_a_neutral_answer(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut owner = app.browser();
    app.sign_up(&mut owner, "owner@example.com", STRONG_PASSWORD, "Owner")
        .await;

    // A stranger registering the owner's address and someone registering a new one
    // see the same step.
    let mut attacker = app.browser();
    let answer = attacker
        .register(
            "OWNER@example.com",
            "another strong passphrase here",
            "Mallory",
        )
        .await;
    let (_, taken) = attacker.visit(&answer.location().unwrap()).await;
    let mut newcomer = app.browser();
    let answer = newcomer
        .register(
            "newcomer@example.com",
            "another strong passphrase here",
            "Nina",
        )
        .await;
    let (_, fresh) = newcomer.visit(&answer.location().unwrap()).await;
    for page in [&taken, &fresh] {
        assert!(page.body.contains("Check your inbox"));
        assert!(!page.body.contains("already"));
    }
    assert_eq!(taken.message_ids(), fresh.message_ids());
    assert!(attacker.session_cookie().is_none());

    // The owner hears about it; no code the stranger can type will ever work.
    let notice = app.latest_mail_to("owner@example.com").await.unwrap();
    assert_eq!(notice.template, "registration_attempt");
    assert!(notice.text.contains("http://127.0.0.1:3000/recovery"));
    let owner_code = app.latest_code_for("owner@example.com").await.ok();
    let guess = owner_code.unwrap_or_else(|| "000000".into());
    let answer = attacker.submit_code(&taken, &guess).await;
    let (_, after) = attacker.visit(&answer.location().unwrap()).await;
    assert_eq!(after.message_ids(), vec!["code.invalid"]);
    assert!(attacker.session_cookie().is_none());
    assert_eq!(app.user_count().await, 2, "the owner and the newcomer only");

    // The owner's password still works (on the owner's device); the stranger's does not.
    let mut again = owner.same_device();
    assert_eq!(
        again
            .login("owner@example.com", STRONG_PASSWORD)
            .await
            .location()
            .as_deref(),
        Some("/account")
    );
    let mut again = app.browser();
    let no = again
        .login("owner@example.com", "another strong passphrase here")
        .await;
    assert!(no.location().unwrap().starts_with("/login?flow="));
    app.cleanup().await;
}

async fn cross_site_posts_are_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut browser = app.browser();
    let (_, page) = browser.visit("/register").await;
    let flow = page.hidden("flow").unwrap();
    let csrf = page.hidden("csrf_token").unwrap();
    let body = common::form_encode(&[
        ("flow", &flow),
        ("csrf_token", &csrf),
        ("email", "victim@example.com"),
        ("password", STRONG_PASSWORD),
        ("display_name", ""),
    ]);
    for (name, value) in [
        ("origin", "https://evil.example"),
        ("sec-fetch-site", "cross-site"),
        ("origin", "null"),
    ] {
        let req = Request::builder()
            .method("POST")
            .uri("/api/register/password")
            .header(header::HOST, common::HOST)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(
                header::COOKIE,
                format!("portico_csrf={}", browser.cookies["portico_csrf"]),
            )
            .header(name, value)
            .body(Body::from(body.clone()))
            .unwrap();
        let res = browser.send(req).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{name}: {value}");
        assert!(res.body.contains("cross_site_request"));
    }
    assert_eq!(app.user_count().await, 0);
    app.cleanup().await;
}

async fn missing_or_wrong_csrf_token_changes_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut browser = app.browser();
    let (_, page) = browser.visit("/register").await;
    let flow = page.hidden("flow").unwrap();
    for csrf in ["", "forged-token"] {
        let answer = browser
            .post_form(
                "/api/register/password",
                &[
                    ("flow", &flow),
                    ("csrf_token", csrf),
                    ("email", "csrf@example.com"),
                    ("password", STRONG_PASSWORD),
                ],
            )
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER);
        let next = answer.location().unwrap();
        assert!(
            !next.contains(&flow),
            "a forged submission must not continue the flow"
        );
        let (_, fresh) = browser.visit(&next).await;
        assert_eq!(fresh.message_ids(), vec!["flow.csrf"]);
    }
    // No csrf_token field at all.
    let answer = browser
        .post_form(
            "/api/register/password",
            &[
                ("flow", &flow),
                ("email", "csrf@example.com"),
                ("password", STRONG_PASSWORD),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert_eq!(app.user_count().await, 0);
    app.cleanup().await;
}

async fn flows_belong_to_one_browser(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut alice = app.browser();
    let (_, page) = alice.visit("/login").await;
    let flow = page.hidden("flow").unwrap();
    let csrf = page.hidden("csrf_token").unwrap();

    // Another browser replays Alice's flow id and token: refused, fresh flow.
    let mut bob = app.browser();
    let answer = bob
        .post_form(
            "/api/login/password",
            &[
                ("flow", &flow),
                ("csrf_token", &csrf),
                ("email", "x@example.com"),
                ("password", "whatever it is"),
            ],
        )
        .await;
    let next = answer.location().unwrap();
    assert!(!next.contains(&flow));
    let (_, fresh) = bob.visit(&next).await;
    assert_eq!(fresh.message_ids(), vec!["flow.expired"]);

    // Opening someone else's flow URL gives a fresh flow, never theirs.
    let (landed, _) = bob.visit(&format!("/login?flow={flow}")).await;
    assert!(!landed.contains(&flow));
    app.cleanup().await;
}

async fn unknown_and_expired_flows_restart_with_a_notice(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut browser = app.browser();
    for bogus in ["not-a-uuid", "0191e3a4-0000-7000-8000-000000000000"] {
        let (landed, page) = browser.visit(&format!("/login?flow={bogus}")).await;
        assert!(landed.starts_with("/login?flow=") && !landed.contains(bogus));
        assert_eq!(page.message_ids(), vec!["flow.expired"]);
    }
    let (_, page) = browser.visit("/register").await;
    app.clock.advance(std::time::Duration::from_secs(2 * 3600));
    let flow = page.hidden("flow").unwrap();
    let csrf = page.hidden("csrf_token").unwrap();
    let answer = browser
        .post_form(
            "/api/register/password",
            &[
                ("flow", &flow),
                ("csrf_token", &csrf),
                ("email", "late@example.com"),
                ("password", STRONG_PASSWORD),
            ],
        )
        .await;
    let (_, fresh) = browser.visit(&answer.location().unwrap()).await;
    assert_eq!(fresh.message_ids(), vec!["flow.expired"]);
    assert_eq!(app.user_count().await, 0);
    app.cleanup().await;
}

async fn completed_flows_cannot_be_replayed(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut browser = app.browser();
    app.sign_up(&mut browser, "once@example.com", STRONG_PASSWORD, "")
        .await;
    browser.sign_out().await;
    let (_, page) = browser.visit("/login").await;
    let first = browser
        .submit_login(&page, "once@example.com", STRONG_PASSWORD)
        .await;
    assert_eq!(first.location().as_deref(), Some("/account"));
    browser.cookies.remove("portico_session");
    let again = browser
        .submit_login(&page, "once@example.com", STRONG_PASSWORD)
        .await;
    let next = again.location().unwrap();
    assert!(
        next.starts_with("/login?flow="),
        "a completed flow must not sign in twice"
    );
    let (_, fresh) = browser.visit(&next).await;
    assert_eq!(fresh.message_ids(), vec!["flow.completed"]);
    app.cleanup().await;
}

async fn signed_out_visitors_return_where_they_were_going(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut browser = app.browser();
    app.sign_up(&mut browser, "back@example.com", STRONG_PASSWORD, "")
        .await;
    browser.sign_out().await;

    let page = browser.get("/account").await;
    assert_eq!(page.status, StatusCode::FOUND);
    assert_eq!(
        page.location().as_deref(),
        Some("/login?return_to=%2Faccount")
    );

    // An off-site return_to is ignored.
    let (_, login) = browser
        .visit("/login?return_to=https%3A%2F%2Fevil.example%2F")
        .await;
    let answer = browser
        .submit_login(&login, "back@example.com", STRONG_PASSWORD)
        .await;
    assert_eq!(answer.location().as_deref(), Some("/account"));

    // Signed-in visitors to /login go straight to their account.
    let page = browser.get("/login").await;
    assert_eq!(page.location().as_deref(), Some("/account"));
    app.cleanup().await;
}

async fn sessions_time_out_on_the_server(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut browser = app.browser();
    app.sign_up(&mut browser, "idle@example.com", STRONG_PASSWORD, "")
        .await;
    app.clock.advance(std::time::Duration::from_secs(20 * 60));
    assert_eq!(
        browser.get("/account").await.status,
        StatusCode::OK,
        "20 min idle is fine"
    );
    app.clock.advance(std::time::Duration::from_secs(20 * 60));
    assert_eq!(
        browser.get("/account").await.status,
        StatusCode::OK,
        "activity resets idle"
    );
    app.clock.advance(std::time::Duration::from_secs(31 * 60));
    assert_eq!(
        browser.get("/account").await.status,
        StatusCode::FOUND,
        "31 min idle ends it"
    );

    browser.login("idle@example.com", STRONG_PASSWORD).await;
    for _ in 0..25 {
        app.clock.advance(std::time::Duration::from_secs(29 * 60));
        if browser.get("/account").await.status != StatusCode::OK {
            break;
        }
    }
    assert_eq!(
        browser.get("/account").await.status,
        StatusCode::FOUND,
        "12 h absolute limit"
    );
    app.cleanup().await;
}

async fn pages_carry_security_headers(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut browser = app.browser();
    let first = browser.get("/login").await;
    assert_eq!(
        first.status,
        StatusCode::FOUND,
        "a fresh flow gets its own URL"
    );
    let csrf_cookie = first
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("portico_csrf="))
        .expect("csrf cookie");
    assert!(csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Lax"));
    let (_, page) = browser.visit(&first.location().unwrap()).await;
    let csp = page.header("content-security-policy").expect("CSP");
    assert!(csp.contains("frame-ancestors 'none'"));
    assert!(csp.contains("default-src 'self'"));
    let nonce = regex::Regex::new(r"'nonce-([^']+)'")
        .unwrap()
        .captures(&csp)
        .unwrap()[1]
        .to_string();
    assert!(
        page.body.contains(&format!("nonce=\"{nonce}\"")),
        "inline scripts and styles carry the nonce"
    );
    assert_eq!(page.header("x-frame-options").as_deref(), Some("DENY"));
    assert_eq!(
        page.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
    assert!(page.header("referrer-policy").is_some());
    assert!(page.header("x-request-id").is_some());
    assert_eq!(page.header("cache-control").as_deref(), Some("no-store"));
    assert!(
        page.header("strict-transport-security").is_none(),
        "no HSTS over http"
    );

    let created = app
        .sign_up(&mut browser, "hdr@example.com", STRONG_PASSWORD, "")
        .await;
    let session = created
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("portico_session="))
        .expect("session cookie");
    assert!(session.contains("HttpOnly"), "{session}");
    assert!(session.contains("SameSite=Lax"), "{session}");
    assert!(session.contains("Path=/"), "{session}");
    app.cleanup().await;
}

async fn https_deployments_get_host_cookies_and_hsts(backend: Backend) {
    let app = TestApp::start_with(backend, |c| {
        c.server.base_url = "https://login.example.com".into()
    })
    .await;
    let mut browser = app.browser();
    browser.host = "login.example.com".into();
    browser.origin = Some("https://login.example.com".into());
    let page = browser.get("/register").await;
    assert!(
        page.header("strict-transport-security")
            .unwrap()
            .contains("max-age=")
    );
    assert!(
        page.set_cookies()
            .iter()
            .any(|c| c.starts_with("__Host-portico_csrf=") && c.contains("Secure"))
    );
    let created = app
        .sign_up(&mut browser, "tls@example.com", STRONG_PASSWORD, "")
        .await;
    let session = created
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("__Host-portico_session="))
        .expect("__Host- session cookie over https");
    assert!(
        session.contains("Secure") && session.contains("HttpOnly") && session.contains("Path=/")
    );
    assert!(!session.contains("Domain="));
    app.cleanup().await;
}

async fn oversized_bodies_get_413(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut browser = app.browser();
    let huge = "a".repeat(200 * 1024);
    // Without a Content-Length (streamed) ...
    let answer = browser
        .post_form(
            "/api/login/password",
            &[("email", "x@example.com"), ("password", &huge)],
        )
        .await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    // ... and with one, as most clients send.
    let body = common::form_encode(&[("email", "x@example.com"), ("password", &huge)]);
    let req = Request::builder()
        .method("POST")
        .uri("/api/register/password")
        .header(header::HOST, common::HOST)
        .header(header::ORIGIN, common::ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .unwrap();
    let answer = browser.send(req).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(answer.body.contains("payload_too_large"));
    assert_eq!(app.user_count().await, 0);
    app.cleanup().await;
}

async fn health_and_readiness(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut browser = app.browser();
    let health = browser.get("/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
    assert!(health.body.contains("ok"));
    let ready = browser.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::OK);
    assert!(ready.body.contains("ready"));
    app.cleanup().await;
}

async fn unknown_hosts_get_the_default_tenant(backend: Backend) {
    let app = TestApp::start_with(backend, |c| {
        c.tenant.display_name = "Northwind Outfitters".into()
    })
    .await;
    let mut browser = app.browser();
    browser.host = "unknown.example.net".into();
    browser.origin = Some("http://unknown.example.net".into());
    let (_, page) = browser.visit("/login").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Northwind Outfitters"));
    assert!(
        page.body.contains("--portico-primary:#"),
        "theme tokens are emitted"
    );
    let missing = browser.get("/no-such-page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.body.contains("Page not found"));
    app.cleanup().await;
}

on_both_databases!(
    register_sign_out_sign_in,
    wrong_password_and_unknown_email_look_the_same,
    registration_refuses_bad_input_and_stores_nothing,
    duplicate_email_gets_a_neutral_answer,
    cross_site_posts_are_refused,
    missing_or_wrong_csrf_token_changes_nothing,
    flows_belong_to_one_browser,
    unknown_and_expired_flows_restart_with_a_notice,
    completed_flows_cannot_be_replayed,
    signed_out_visitors_return_where_they_were_going,
    sessions_time_out_on_the_server,
    pages_carry_security_headers,
    https_deployments_get_host_cookies_and_hsts,
    oversized_bodies_get_413,
    health_and_readiness,
    unknown_hosts_get_the_default_tenant,
);
