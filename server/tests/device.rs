//! The device authorization grant (RFC 8628) on both databases: a TV app (the `oauth2`
//! crate's device flow, as a public client) gets a user code, polls — pending, then
//! `slow_down` when too fast — while the customer enters the code at /device, signs in
//! and approves; the tokens come once. Denials, expiry, malformed and guessed codes.

mod common;

use std::sync::Arc;

use common::{Backend, STRONG_PASSWORD, TestApp};
use oauth2::basic::BasicClient;
use oauth2::{
    ClientId, DeviceAuthorizationUrl, Scope, StandardDeviceAuthorizationResponse, TokenResponse,
    TokenUrl,
};
use portico_identity::audit::ClientInfo;
use portico_identity::oidc::apps::{AppKind, NewApp};
use serde_json::Value;

async fn tv_app(app: &TestApp) -> String {
    let tenant = app.state.engine.resolve_tenant(common::HOST).await.unwrap();
    app.state
        .engine
        .register_app(
            &tenant.tenant,
            &ClientInfo::default(),
            &NewApp {
                name: "Living Room TV".into(),
                kind: Some(AppKind::Device),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .unwrap()
        .app
        .client_id
}

/// One poll of the token endpoint with a device code: the JSON answer.
async fn poll_token(
    http: &reqwest::Client,
    base: &str,
    client_id: &str,
    details: &StandardDeviceAuthorizationResponse,
) -> Value {
    let body = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("device_code", details.device_code().secret().as_str()),
        ("client_id", client_id),
    ];
    let res = http
        .post(format!("{base}/oauth2/token"))
        .form(&body)
        .send()
        .await
        .unwrap();
    serde_json::from_str(&res.text().await.unwrap()).unwrap()
}

async fn a_tv_signs_in_with_a_code_typed_on_a_phone(backend: Backend) {
    let (app, base) = TestApp::start_served(backend).await;
    let client_id = tv_app(&app).await;
    let http = reqwest::ClientBuilder::new()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let client = BasicClient::new(ClientId::new(client_id.clone()))
        .set_token_uri(TokenUrl::new(format!("{base}/oauth2/token")).unwrap())
        .set_device_authorization_url(
            DeviceAuthorizationUrl::new(format!("{base}/oauth2/device_authorization")).unwrap(),
        );
    let details: StandardDeviceAuthorizationResponse = client
        .exchange_device_code()
        .add_scope(Scope::new("openid".into()))
        .add_scope(Scope::new("offline_access".into()))
        .request_async(&http)
        .await
        .expect("device authorization");
    let user_code = details.user_code().secret().clone();
    assert!(
        regex::Regex::new("^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$")
            .unwrap()
            .is_match(&user_code),
        "{user_code}"
    );
    assert_eq!(
        details.verification_uri().as_str(),
        format!("{base}/device")
    );
    assert_eq!(details.interval().as_secs(), 5);

    // Polling before the customer answered: pending; too fast: slow down.
    let poll = || {
        let http = http.clone();
        let body = vec![
            (
                "grant_type",
                "urn:ietf:params:oauth:grant-type:device_code".to_string(),
            ),
            ("device_code", details.device_code().secret().clone()),
            ("client_id", client_id.clone()),
        ];
        let url = format!("{base}/oauth2/token");
        async move {
            let res = http.post(url).form(&body).send().await.unwrap();
            let status = res.status().as_u16();
            let body: Value = serde_json::from_str(&res.text().await.unwrap()).unwrap();
            (status, body["error"].as_str().unwrap_or("").to_string())
        }
    };
    assert_eq!(poll().await, (400, "authorization_pending".into()));
    assert_eq!(poll().await, (400, "slow_down".into()));

    // On the phone: the code leads through sign-in to the confirmation.
    let mut phone = app.browser_at_issuer(&base);
    app.sign_up(
        &mut phone,
        "ada@example.com",
        STRONG_PASSWORD,
        "Ada Lovelace",
    )
    .await;
    phone.sign_out().await;
    let (path, page) = phone
        .visit(&format!("/device?user_code={}", user_code.to_lowercase()))
        .await;
    assert!(path.starts_with("/login?"), "sign in first: {path}");
    let answer = phone
        .submit_login(&page, "ada@example.com", STRONG_PASSWORD)
        .await;
    let back = answer.location().unwrap();
    assert!(back.starts_with("/device?user_code="), "{back}");
    let (_, confirm) = phone.visit(&back).await;
    assert!(
        confirm.body.contains("Sign in to Living Room TV?"),
        "the app is named"
    );
    let csrf = confirm.hidden("csrf_token").unwrap();
    let done = phone
        .post_form(
            "/api/device/answer",
            &[
                ("user_code", &user_code),
                ("csrf_token", &csrf),
                ("decision", "approve"),
            ],
        )
        .await;
    assert_eq!(done.location().as_deref(), Some("/device?done=approved"));

    // The device's next poll (the library waits out the interval) gets the tokens.
    let clock = app.clock.clone();
    let tokens = client
        .exchange_device_access_token(&details)
        .request_async(
            &http,
            move |d| {
                let clock: Arc<_> = clock.clone();
                async move { clock.advance(d) }
            },
            None,
        )
        .await
        .expect("tokens for the device");
    assert!(tokens.refresh_token().is_some());
    // Once only.
    app.clock.advance(std::time::Duration::from_secs(30));
    assert_eq!(poll().await.1, "invalid_grant");
    let res = http
        .get(format!("{base}/oauth2/userinfo"))
        .bearer_auth(tokens.access_token().secret())
        .send()
        .await
        .unwrap();
    let info: Value = serde_json::from_str(&res.text().await.unwrap()).unwrap();
    assert!(info["sub"].is_string());
    assert!(
        app.audit_actions()
            .await
            .contains(&"device.approved".to_string())
    );

    // A code used up cannot be entered again; a denied one answers access_denied.
    let (_, page) = phone.visit(&format!("/device?user_code={user_code}")).await;
    assert!(page.body.contains("data-testid=\"device-problem\""));
    let details: StandardDeviceAuthorizationResponse = client
        .exchange_device_code()
        .request_async(&http)
        .await
        .unwrap();
    let code = details.user_code().secret().clone();
    let (_, confirm) = phone.visit(&format!("/device?user_code={code}")).await;
    let csrf = confirm.hidden("csrf_token").unwrap();
    phone
        .post_form(
            "/api/device/answer",
            &[
                ("user_code", &code),
                ("csrf_token", &csrf),
                ("decision", "deny"),
            ],
        )
        .await;
    let err = poll_token(&http, &base, &client_id, &details).await;
    assert_eq!(err["error"], "access_denied");

    // An expired device code.
    let details: StandardDeviceAuthorizationResponse = client
        .exchange_device_code()
        .request_async(&http)
        .await
        .unwrap();
    app.clock.advance(std::time::Duration::from_secs(601));
    let err = poll_token(&http, &base, &client_id, &details).await;
    assert_eq!(err["error"], "expired_token");
    app.cleanup().await;
}

on_both_databases!(a_tv_signs_in_with_a_code_typed_on_a_phone);

/// Guessing user codes is throttled; malformed ones get a clear message.
async fn guessing_user_codes_is_throttled(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut phone = app.browser();
    app.sign_up(
        &mut phone,
        "grace@example.com",
        STRONG_PASSWORD,
        "Grace Hopper",
    )
    .await;
    let (_, page) = phone.visit("/device?user_code=12").await;
    assert!(
        page.body
            .contains("Enter the 8 letters shown on your device")
    );
    let mut throttled = false;
    for i in 0..40 {
        let guess = format!(
            "BCDF-GH{}{}",
            ["B", "C", "D", "F", "G"][i % 5],
            ["J", "K", "L", "M", "N", "P", "Q", "R"][i % 8]
        );
        let (_, page) = phone.visit(&format!("/device?user_code={guess}")).await;
        if page.body.contains("Too many codes tried") {
            throttled = true;
            break;
        }
        assert!(page.body.contains("That code isn"), "{guess}");
    }
    assert!(throttled, "code guessing is throttled");
    // A client that may not use the grant is refused.
    let tenant = app.state.engine.resolve_tenant(common::HOST).await.unwrap();
    let spa = app
        .state
        .engine
        .register_app(
            &tenant.tenant,
            &ClientInfo::default(),
            &NewApp {
                name: "Web shop".into(),
                kind: Some(AppKind::Spa),
                redirect_uris: vec!["https://shop.example/cb".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    let res = phone
        .post_api(
            "/oauth2/device_authorization",
            &[("client_id", spa.app.client_id.as_str())],
        )
        .await;
    assert_eq!(res.status, 400);
    assert!(res.body.contains("unauthorized_client"), "{}", res.body);
    app.cleanup().await;
}

on_both_databases!(guessing_user_codes_is_throttled);
