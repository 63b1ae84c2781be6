//! The OpenID provider's authorization code flow end to end, on both databases: a real
//! OpenID Connect client library (the `openidconnect` crate, default settings) does
//! discovery, builds the request with PKCE and a nonce, exchanges the code, validates
//! the ID token against the JWKS, calls UserInfo, rotates refresh tokens, revokes and
//! introspects — while the in-process browser signs the customer in. Then the attacks:
//! redirect URI variants, code replay, codes bound to client/redirect/PKCE, refresh
//! token reuse, one client using another's tokens.

mod common;

use common::{Backend, Browser, Page, STRONG_PASSWORD, TestApp};
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IntrospectionUrl,
    IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, RedirectUrl, Scope,
    TokenIntrospectionResponse, TokenResponse,
};
use portico_identity::audit::ClientInfo;
use portico_identity::oidc::apps::{AppKind, NewApp};
use serde_json::Value;

const CALLBACK: &str = "https://app.example/callback";

struct Registered {
    client_id: String,
    secret: Option<String>,
}

async fn register(app: &TestApp, new: NewApp) -> Registered {
    let tenant = app.state.engine.resolve_tenant(common::HOST).await.unwrap();
    let r = app
        .state
        .engine
        .register_app(&tenant.tenant, &ClientInfo::default(), &new)
        .await
        .unwrap()
        .unwrap();
    Registered {
        client_id: r.app.client_id,
        secret: r.client_secret,
    }
}

fn web_app(first_party: bool) -> NewApp {
    NewApp {
        name: "Shop".into(),
        kind: Some(AppKind::Web),
        redirect_uris: vec![CALLBACK.into()],
        post_logout_redirect_uris: vec!["https://app.example/bye".into()],
        first_party,
        ..Default::default()
    }
}

fn http() -> reqwest::Client {
    reqwest::ClientBuilder::new()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Follows the browser through Portico until it is sent off to the app; that answer.
async fn browse_until_app(browser: &mut Browser, base: &str, start: &str) -> Page {
    let mut path = start.trim_start_matches(base).to_string();
    for _ in 0..8 {
        let page = browser.get(&path).await;
        match page.location() {
            Some(next) if page.status.is_redirection() && next.starts_with('/') => path = next,
            _ => return page,
        }
    }
    panic!("too many redirects from {start}");
}

/// Starts an authorization at `start` that asks for consent, answers the consent
/// page with `decision`, and follows the browser back out: the page that goes to the
/// app.
async fn consent_and_return(
    browser: &mut Browser,
    base: &str,
    start: &str,
    decision: &str,
) -> Page {
    let page = browser.get(start).await;
    let consent = app_target(&page).unwrap();
    assert!(consent.starts_with("/consent?request="), "{consent}");
    let (_, shown) = browser.visit(&consent).await;
    let request = consent.trim_start_matches("/consent?request=").to_string();
    let answered = browser
        .post_form(
            "/api/consent/answer",
            &[
                ("request", &request),
                ("csrf_token", &shown.hidden("csrf_token").unwrap()),
                ("decision", decision),
            ],
        )
        .await;
    browse_until_app(browser, base, &app_target(&answered).unwrap()).await
}

/// Where a page sends the browser: its redirect, or the page that goes on to the app
/// (after a form post, Portico answers with a page instead of a redirect).
fn app_target(page: &Page) -> Option<String> {
    if let Some(l) = page.location() {
        return Some(l);
    }
    let (_, rest) = page
        .body
        .split_once("http-equiv=\"refresh\" content=\"0;url=")?;
    let url = rest.split('"').next()?;
    Some(
        url.replace("&amp;", "&")
            .replace("&#39;", "'")
            .replace("&quot;", "\""),
    )
}

fn query_of(location: &str) -> Vec<(String, String)> {
    let url = url::Url::parse(location).unwrap();
    url.query_pairs().into_owned().collect()
}

fn get(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
}

async fn a_web_app_signs_a_customer_in_with_a_real_oidc_client(backend: Backend) {
    let (app, base) = TestApp::start_served(backend).await;
    let reg = register(&app, web_app(true)).await;
    let http = http();

    // Discovery: the issuer is the address the client talks to.
    let metadata =
        CoreProviderMetadata::discover_async(IssuerUrl::new(base.clone()).unwrap(), &http)
            .await
            .expect("discovery");
    let client = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(reg.client_id.clone()),
        reg.secret.clone().map(ClientSecret::new),
    )
    .set_redirect_uri(RedirectUrl::new(CALLBACK.into()).unwrap())
    .set_introspection_url(IntrospectionUrl::new(format!("{base}/oauth2/introspect")).unwrap());

    // A customer with an account, signed out.
    let mut browser = app.browser_at_issuer(&base);
    app.sign_up(
        &mut browser,
        "ada@example.com",
        STRONG_PASSWORD,
        "Ada Lovelace",
    )
    .await;
    browser.sign_out().await;

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state, nonce) = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .add_scope(Scope::new("offline_access".into()))
        .add_extra_param("login_hint", "ada@example.com")
        .set_pkce_challenge(challenge)
        .url();

    // Not signed in: the authorization endpoint hands over to the login flow, with
    // the hint filled in, and the sign-in comes back to the request.
    let first = browser.get(url.as_str().trim_start_matches(&base)).await;
    assert_eq!(first.status, 303);
    let login = app_target(&first).unwrap();
    assert!(
        login.starts_with("/login?return_to=%2Foauth2%2Fauthorize%2Fcontinue"),
        "{login}"
    );
    let (_, page) = browser.visit(&login).await;
    assert!(
        page.body.contains("ada@example.com"),
        "login_hint fills the address"
    );
    let answer = browser
        .submit_login(&page, "ada@example.com", STRONG_PASSWORD)
        .await;
    let back = answer.location().expect("signed in, back to the request");
    assert!(
        back.starts_with("/oauth2/authorize/continue?request="),
        "{back}"
    );
    let to_app = browse_until_app(&mut browser, &base, &back).await;
    let location = app_target(&to_app).expect("sent back to the app");
    assert!(location.starts_with(CALLBACK), "{location}");
    let params = query_of(&location);
    assert_eq!(
        get(&params, "state").as_deref(),
        Some(state.secret().as_str())
    );
    assert_eq!(
        get(&params, "iss").as_deref(),
        Some(base.as_str()),
        "RFC 9207"
    );
    let code = get(&params, "code").unwrap();

    // The code exchange, and the ID token validated by the library.
    let tokens = client
        .exchange_code(AuthorizationCode::new(code.clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("code exchange");
    let id_token = tokens.id_token().expect("an ID token");
    let verifier = client.id_token_verifier();
    let claims = id_token
        .claims(&verifier, &nonce)
        .expect("ID token validates");
    assert_eq!(claims.email().map(|e| e.as_str()), Some("ada@example.com"));
    assert_eq!(claims.email_verified(), Some(true));
    assert!(claims.auth_time().is_some());
    assert_eq!(claims.auth_context_ref().map(|a| a.as_str()), Some("aal1"));
    assert_eq!(
        claims
            .auth_method_refs()
            .map(|m| m.iter().map(|a| a.as_str().to_string()).collect::<Vec<_>>()),
        Some(vec!["pwd".to_string()])
    );
    let expected_hash = claims.access_token_hash().expect("at_hash");
    let actual = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().unwrap(),
        id_token.signing_key(&verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(&actual, expected_hash);
    let raw: Value = jwt_claims(&id_token.to_string());
    assert!(raw["sid"].as_str().is_some_and(|s| s.len() >= 20), "sid");
    assert_eq!(
        jwt_header(&id_token.to_string())["alg"],
        "RS256",
        "RS256 by default"
    );

    // UserInfo agrees on the subject.
    let info: openidconnect::core::CoreUserInfoClaims = client
        .user_info(
            tokens.access_token().clone(),
            Some(claims.subject().clone()),
        )
        .unwrap()
        .request_async(&http)
        .await
        .expect("userinfo");
    assert_eq!(info.email().map(|e| e.as_str()), Some("ada@example.com"));

    // Refresh: rotated on every use; the old one coming back revokes the family.
    let refresh1 = tokens
        .refresh_token()
        .expect("offline_access gives a refresh token")
        .clone();
    let second = client
        .exchange_refresh_token(&refresh1)
        .unwrap()
        .request_async(&http)
        .await
        .expect("refresh");
    let refresh2 = second.refresh_token().unwrap().clone();
    assert_ne!(refresh1.secret(), refresh2.secret(), "rotated");
    let intro = client
        .introspect(second.access_token())
        .request_async(&http)
        .await
        .unwrap();
    assert!(intro.active());
    assert_eq!(
        intro.client_id().map(|c| c.as_str()),
        Some(reg.client_id.as_str())
    );
    let reuse = client
        .exchange_refresh_token(&refresh1)
        .unwrap()
        .request_async(&http)
        .await;
    assert!(reuse.is_err(), "a spent refresh token is refused");
    let after = client
        .exchange_refresh_token(&refresh2)
        .unwrap()
        .request_async(&http)
        .await;
    assert!(after.is_err(), "reuse revoked the whole family");
    let intro = client
        .introspect(second.access_token())
        .request_async(&http)
        .await
        .unwrap();
    assert!(
        !intro.active(),
        "access tokens of a revoked grant are inactive"
    );
    let info = client
        .user_info(second.access_token().clone(), None)
        .unwrap()
        .request_async::<openidconnect::EmptyAdditionalClaims, _, openidconnect::core::CoreGenderClaim>(&http)
        .await;
    assert!(info.is_err(), "UserInfo refuses them too");
    assert!(
        app.audit_actions()
            .await
            .contains(&"oauth.replay_detected".to_string()),
        "the replay is audited"
    );

    // A fresh sign-in to the app (the session is still good: no login page).
    let sign_in_again = |browser: &mut Browser| {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, _, nonce) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("offline_access".into()))
            .set_pkce_challenge(challenge)
            .url();
        let mut browser = browser.clone();
        let base = base.clone();
        async move {
            let page = browse_until_app(&mut browser, &base, url.as_str()).await;
            (
                get(&query_of(&app_target(&page).unwrap()), "code").unwrap(),
                verifier,
                nonce,
            )
        }
    };

    // A second redemption of a code fails and revokes what the first issued.
    let (code, verifier, _) = sign_in_again(&mut browser).await;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code.clone()))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    let intro = client
        .introspect(tokens.access_token())
        .request_async(&http)
        .await
        .unwrap();
    assert!(intro.active());
    let replay = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .request_async(&http)
        .await;
    assert!(replay.is_err(), "a code works once");
    let intro = client
        .introspect(tokens.access_token())
        .request_async(&http)
        .await
        .unwrap();
    assert!(
        !intro.active(),
        "the replay revoked the tokens of the first redemption"
    );

    // Revoking a refresh token ends its grant.
    let (code, verifier, nonce) = sign_in_again(&mut browser).await;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .unwrap()
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap();
    tokens
        .id_token()
        .unwrap()
        .claims(&client.id_token_verifier(), &nonce)
        .unwrap();
    // (The library refuses revocation over plain http, so this one is a plain POST.)
    let res = http
        .post(format!("{base}/oauth2/revoke"))
        .basic_auth(&reg.client_id, reg.secret.as_deref())
        .form(&[
            ("token", tokens.refresh_token().unwrap().secret().as_str()),
            ("token_type_hint", "refresh_token"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let intro = client
        .introspect(tokens.access_token())
        .request_async(&http)
        .await
        .unwrap();
    assert!(
        !intro.active(),
        "revoking the refresh token revokes the grant"
    );

    // RP-initiated logout with the ID token: the session ends, back to the app.
    let hint = tokens.id_token().unwrap().to_string();
    let bye = browser
        .get(&format!(
            "/oauth2/logout?id_token_hint={hint}&post_logout_redirect_uri=https%3A%2F%2Fapp.example%2Fbye&state=s1"
        ))
        .await;
    assert_eq!(bye.status, 303);
    assert_eq!(
        bye.location().as_deref(),
        Some("https://app.example/bye?state=s1")
    );
    let (path, _) = browser.visit("/account").await;
    assert!(path.starts_with("/login"), "signed out: {path}");
    app.cleanup().await;
}

fn jwt_part(jwt: &str, i: usize) -> Value {
    use base64::Engine as _;
    let part = jwt.split('.').nth(i).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap()
}

fn jwt_claims(jwt: &str) -> Value {
    jwt_part(jwt, 1)
}

fn jwt_header(jwt: &str) -> Value {
    jwt_part(jwt, 0)
}

on_both_databases!(a_web_app_signs_a_customer_in_with_a_real_oidc_client);

/// Problems with the client or redirect URI are shown, never redirected; every
/// variant of a registered URI is a different URI.
async fn redirect_uris_match_exactly_and_errors_never_redirect(backend: Backend) {
    let app = TestApp::start(backend).await;
    let reg = register(&app, web_app(true)).await;
    let mut browser = app.browser();
    let id = reg.client_id.as_str();
    let authorize = |client: &str, redirect: &str| {
        format!(
            "/oauth2/authorize?response_type=code&scope=openid&state=st&client_id={}&redirect_uri={}",
            urlencode(client),
            urlencode(redirect)
        )
    };
    let variants = [
        "https://app.example/callback/",
        "https://APP.example/callback",
        "https://app.example/Callback",
        "https://app.example/callback?x=1",
        "https://app.example/callback#frag",
        "https://app.example:8443/callback",
        "http://app.example/callback",
        "https://app.example@evil.example/callback",
        "https://evil.example/callback?https://app.example/callback",
        "https://app.example/callback%2F..%2F..%2Fevil",
        "https://app.example%2F@evil.example/callback",
        "https://app.example/callback%00",
        "//evil.example/callback",
        "",
    ];
    for v in variants {
        let page = browser.get(&authorize(id, v)).await;
        assert_eq!(page.status, 400, "{v:?} must not be accepted");
        assert!(page.location().is_none(), "{v:?} never redirects");
        assert!(page.body.contains("sign you in to this app"), "{v:?}");
    }
    // Unknown or missing client, repeated redirect_uri: a page too.
    for path in [
        authorize("nope", CALLBACK),
        format!(
            "/oauth2/authorize?response_type=code&scope=openid&redirect_uri={}",
            urlencode(CALLBACK)
        ),
        format!(
            "{}&redirect_uri={}",
            authorize(id, CALLBACK),
            urlencode(CALLBACK)
        ),
    ] {
        let page = browser.get(&path).await;
        assert_eq!(page.status, 400, "{path}");
        assert!(page.location().is_none(), "{path}");
    }
    // Once client and redirect are good, errors go back to the app, with iss and state.
    let cases = [
        ("&response_type=token", "invalid_request"), // repeated response_type
        (
            "&code_challenge_method=plain&code_challenge=abcdefghijabcdefghijabcdefghijabcdefghijabc",
            "invalid_request",
        ),
        (
            "&code_challenge=abcdefghijabcdefghijabcdefghijabcdefghijabc",
            "invalid_request",
        ),
        ("&prompt=none%20login", "invalid_request"),
        ("&prompt=none", "login_required"),
        ("&request=eyJ", "request_not_supported"),
        ("&max_age=soon", "invalid_request"),
    ];
    for (extra, error) in cases {
        let page = browser
            .get(&format!("{}{extra}", authorize(id, CALLBACK)))
            .await;
        let location = page
            .location()
            .unwrap_or_else(|| panic!("{extra}: {}", page.status));
        assert!(location.starts_with(CALLBACK), "{extra}: {location}");
        let q = query_of(&location);
        assert_eq!(get(&q, "error").as_deref(), Some(error), "{extra}");
        assert_eq!(get(&q, "state").as_deref(), Some("st"), "{extra}");
        assert_eq!(get(&q, "iss").as_deref(), Some(common::ORIGIN), "{extra}");
    }
    let page = browser
        .get(&authorize(id, CALLBACK).replace("response_type=code", "response_type=token"))
        .await;
    let q = query_of(&app_target(&page).unwrap());
    assert_eq!(
        get(&q, "error").as_deref(),
        Some("unsupported_response_type")
    );
    let page = browser
        .get(&authorize(id, CALLBACK).replace("scope=openid", "scope=openid%20admin"))
        .await;
    let q = query_of(&app_target(&page).unwrap());
    assert_eq!(get(&q, "error").as_deref(), Some("invalid_scope"));

    // A public client must use PKCE.
    let spa = register(
        &app,
        NewApp {
            name: "Web shop".into(),
            kind: Some(AppKind::Spa),
            redirect_uris: vec![CALLBACK.into()],
            first_party: true,
            ..Default::default()
        },
    )
    .await;
    let page = browser.get(&authorize(&spa.client_id, CALLBACK)).await;
    let q = query_of(&app_target(&page).unwrap());
    assert_eq!(get(&q, "error").as_deref(), Some("invalid_request"));
    assert!(get(&q, "error_description").unwrap().contains("PKCE"));
    app.cleanup().await;
}

on_both_databases!(redirect_uris_match_exactly_and_errors_never_redirect);

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn s256(verifier: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()))
}

/// Codes and refresh tokens are bound to their client, redirect URI and PKCE
/// verifier; they expire; a third-party app asks for consent first; `form_post`
/// and `prompt=login` behave.
async fn codes_are_bound_and_single_use(backend: Backend) {
    let (app, base) = TestApp::start_served(backend).await;
    let shop = register(&app, web_app(false)).await;
    let other = register(
        &app,
        NewApp {
            name: "Other".into(),
            ..web_app(true)
        },
    )
    .await;
    let mut browser = app.browser_at_issuer(&base);
    app.sign_up(
        &mut browser,
        "grace@example.com",
        STRONG_PASSWORD,
        "Grace Hopper",
    )
    .await;
    let http = http();
    let token = |fields: Vec<(&'static str, String)>| {
        let http = http.clone();
        let url = format!("{base}/oauth2/token");
        async move {
            let res = http.post(url).form(&fields).send().await.unwrap();
            let status = res.status().as_u16();
            let body: Value = serde_json::from_str(&res.text().await.unwrap()).unwrap();
            (status, body)
        }
    };
    let verifier = "v".repeat(50);
    let start = |extra: &str| {
        format!(
            "/oauth2/authorize?response_type=code&scope=openid%20email%20offline_access&state=s&client_id={}&redirect_uri={}&code_challenge={}&code_challenge_method=S256{extra}",
            shop.client_id,
            urlencode(CALLBACK),
            s256(&verifier)
        )
    };

    // A third-party app: the consent page first; "Don't allow" answers access_denied.
    let page = browser.get(&start("")).await;
    let consent = app_target(&page).unwrap();
    assert!(consent.starts_with("/consent?request="), "{consent}");
    let (_, shown) = browser.visit(&consent).await;
    assert!(shown.body.contains("Shop wants to access your account"));
    let request = consent.trim_start_matches("/consent?request=").to_string();
    let csrf = shown.hidden("csrf_token").unwrap();
    let denied = browser
        .post_form(
            "/api/consent/answer",
            &[
                ("request", &request),
                ("csrf_token", &csrf),
                ("decision", "deny"),
            ],
        )
        .await;
    let page = browse_until_app(&mut browser, &base, &app_target(&denied).unwrap()).await;
    assert_eq!(
        get(&query_of(&app_target(&page).unwrap()), "error").as_deref(),
        Some("access_denied")
    );
    // The answered request cannot be replayed.
    let again = browser
        .get(&format!("/oauth2/authorize/continue?request={request}"))
        .await;
    assert_eq!(again.status, 400);

    // Allow: the code comes back, and the consent is remembered next time.
    let page = consent_and_return(&mut browser, &base, &start(""), "allow").await;
    let code = get(&query_of(&app_target(&page).unwrap()), "code").unwrap();
    let page = browser.get(&start("")).await;
    assert!(
        app_target(&page).unwrap().starts_with(CALLBACK),
        "consent on file: straight back"
    );
    let code2 = get(&query_of(&app_target(&page).unwrap()), "code").unwrap();

    let exchange = |code: &str, client: &Registered, redirect: &str, verifier: Option<&str>| {
        let mut f = vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code.to_string()),
            ("redirect_uri", redirect.to_string()),
            ("client_id", client.client_id.clone()),
            ("client_secret", client.secret.clone().unwrap()),
        ];
        if let Some(v) = verifier {
            f.push(("code_verifier", v.to_string()));
        }
        f
    };
    // Another client, another redirect URI, no or wrong verifier: refused.
    for fields in [
        exchange(&code, &other, CALLBACK, Some(&verifier)),
        exchange(&code, &shop, "https://app.example/other", Some(&verifier)),
        exchange(&code, &shop, CALLBACK, None),
        exchange(&code, &shop, CALLBACK, Some(&"w".repeat(50))),
    ] {
        let (status, body) = token(fields).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (400, Some("invalid_grant")),
            "{body}"
        );
    }
    let (status, body) = token(exchange(&code, &shop, CALLBACK, Some(&verifier))).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["id_token"].is_string() && body["refresh_token"].is_string());
    let access = body["access_token"].as_str().unwrap().to_string();
    let refresh = body["refresh_token"].as_str().unwrap().to_string();

    // One client cannot use another's refresh token, or introspect it.
    let (status, body) = token(vec![
        ("grant_type", "refresh_token".into()),
        ("refresh_token", refresh.clone()),
        ("client_id", other.client_id.clone()),
        ("client_secret", other.secret.clone().unwrap()),
    ])
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    let res = http
        .post(format!("{base}/oauth2/introspect"))
        .basic_auth(&other.client_id, other.secret.as_deref())
        .form(&[("token", refresh.as_str())])
        .send()
        .await
        .unwrap();
    let body: Value = serde_json::from_str(&res.text().await.unwrap()).unwrap();
    assert_eq!(body["active"], false, "not the caller's refresh token");
    // Revoking someone else's token does nothing.
    let res = http
        .post(format!("{base}/oauth2/revoke"))
        .basic_auth(&other.client_id, other.secret.as_deref())
        .form(&[("token", access.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = http
        .get(format!("{base}/oauth2/userinfo"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "still valid");
    // Its own revocation works at once.
    let res = http
        .post(format!("{base}/oauth2/revoke"))
        .basic_auth(&shop.client_id, shop.secret.as_deref())
        .form(&[("token", access.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = http
        .get(format!("{base}/oauth2/userinfo"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert!(
        res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );

    // An expired code is refused.
    app.clock.advance(std::time::Duration::from_secs(61));
    let (status, body) = token(exchange(&code2, &shop, CALLBACK, Some(&verifier))).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );

    // Disconnecting the app in the account revokes its tokens.
    let (status, body) = token(vec![
        ("grant_type", "refresh_token".into()),
        ("refresh_token", refresh.clone()),
        ("client_id", shop.client_id.clone()),
        ("client_secret", shop.secret.clone().unwrap()),
    ])
    .await;
    assert_eq!(status, 200, "{body}");
    let refresh = body["refresh_token"].as_str().unwrap().to_string();
    let (_, account) = browser.visit("/account").await;
    assert!(account.body.contains("data-testid=\"connected-app\""));
    let app_id = account.hidden("app_id").unwrap();
    let out = browser
        .post_form(
            "/api/account/apps/revoke",
            &[
                ("app_id", &app_id),
                ("csrf_token", &account.hidden("csrf_token").unwrap()),
            ],
        )
        .await;
    assert!(
        out.location()
            .unwrap()
            .starts_with("/account?notice=app_disconnected")
    );
    let (status, _) = token(vec![
        ("grant_type", "refresh_token".into()),
        ("refresh_token", refresh),
        ("client_id", shop.client_id.clone()),
        ("client_secret", shop.secret.clone().unwrap()),
    ])
    .await;
    assert_eq!(status, 400, "disconnected: the refresh token is dead");

    // form_post: a page that posts the answer to the app, allowed by its CSP.
    let page = consent_and_return(
        &mut browser,
        &base,
        &start("&response_mode=form_post"),
        "allow",
    )
    .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains("action=\"https://app.example/callback\"")
    );
    assert!(page.hidden("code").is_some() && page.hidden("iss").as_deref() == Some(base.as_str()));
    assert!(
        page.header("content-security-policy")
            .unwrap()
            .contains("form-action https://app.example")
    );

    // prompt=login: a signed-in customer signs in again before the code.
    let page = browser.get(&start("&prompt=login")).await;
    let login = app_target(&page).unwrap();
    assert!(login.contains("prompt=login"), "{login}");
    let (_, form) = browser.visit(&login).await;
    assert!(
        form.hidden("flow").is_some(),
        "the login form, not a pass-through"
    );
    app.cleanup().await;
}

on_both_databases!(codes_are_bound_and_single_use);

/// An app may have its ID tokens signed with ES256 or EdDSA instead of RS256; a JWT
/// library verifies them against the JWKS. A code_verifier sent for a request that had
/// no challenge (a downgrade) is refused.
async fn id_tokens_use_the_apps_algorithm(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut browser = app.browser();
    app.sign_up(
        &mut browser,
        "alan@example.com",
        STRONG_PASSWORD,
        "Alan Turing",
    )
    .await;
    let (_, jwks) = browser.visit("/.well-known/jwks.json").await;
    let set: jsonwebtoken::jwk::JwkSet = serde_json::from_str(&jwks.body).unwrap();
    for (alg, jwt_alg) in [
        (
            portico_identity::oidc::apps::SigningAlg::ES256,
            jsonwebtoken::Algorithm::ES256,
        ),
        (
            portico_identity::oidc::apps::SigningAlg::EdDSA,
            jsonwebtoken::Algorithm::EdDSA,
        ),
    ] {
        let reg = register(
            &app,
            NewApp {
                name: format!("App {}", alg.as_str()),
                id_token_alg: Some(alg),
                ..web_app(true)
            },
        )
        .await;
        let page = browser
            .get(&format!(
                "/oauth2/authorize?response_type=code&scope=openid&client_id={}&redirect_uri={}&nonce=n1",
                reg.client_id,
                urlencode(CALLBACK)
            ))
            .await;
        let code = get(&query_of(&app_target(&page).unwrap()), "code").unwrap();
        let exchange = |verifier: Option<&str>| {
            let mut fields = vec![
                ("grant_type", "authorization_code".to_string()),
                ("code", code.clone()),
                ("redirect_uri", CALLBACK.to_string()),
                ("client_id", reg.client_id.clone()),
                ("client_secret", reg.secret.clone().unwrap()),
            ];
            if let Some(v) = verifier {
                fields.push(("code_verifier", v.to_string()));
            }
            fields
        };
        let mut b = browser.clone();
        let fields = exchange(Some(&"d".repeat(43)));
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let downgrade = b.post_api("/oauth2/token", &pairs).await;
        assert_eq!(
            downgrade.status, 400,
            "a verifier without a challenge is a downgrade"
        );
        assert!(downgrade.body.contains("invalid_grant"));
        let fields = exchange(None);
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let answer = b.post_api("/oauth2/token", &pairs).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let body: Value = serde_json::from_str(&answer.body).unwrap();
        let id_token = body["id_token"].as_str().unwrap();
        let header = jsonwebtoken::decode_header(id_token).unwrap();
        assert_eq!(header.alg, jwt_alg);
        let key =
            jsonwebtoken::DecodingKey::from_jwk(set.find(header.kid.as_deref().unwrap()).unwrap())
                .unwrap();
        let mut validation = jsonwebtoken::Validation::new(jwt_alg);
        validation.set_audience(&[reg.client_id.as_str()]);
        validation.set_issuer(&[common::ORIGIN]);
        let claims = jsonwebtoken::decode::<Value>(id_token, &key, &validation)
            .expect("the ID token verifies")
            .claims;
        assert_eq!(claims["nonce"], "n1");
    }
    app.cleanup().await;
}

on_both_databases!(id_tokens_use_the_apps_algorithm);

/// Bad input at the consent answer and at RP-initiated logout: a forged CSRF token
/// changes nothing; a forged `id_token_hint`, an unregistered
/// `post_logout_redirect_uri`, or one without a client, get a page — never a redirect —
/// and the session stays.
async fn consent_and_logout_refuse_bad_input(backend: Backend) {
    let app = TestApp::start(backend).await;
    let shop = register(&app, web_app(false)).await;
    let mut browser = app.browser();
    app.sign_up(
        &mut browser,
        "mary@example.com",
        STRONG_PASSWORD,
        "Mary Jackson",
    )
    .await;
    let page = browser
        .get(&format!(
            "/oauth2/authorize?response_type=code&scope=openid&client_id={}&redirect_uri={}",
            shop.client_id,
            urlencode(CALLBACK)
        ))
        .await;
    let consent = app_target(&page).unwrap();
    let request = consent.trim_start_matches("/consent?request=").to_string();
    let forged = browser
        .post_form(
            "/api/consent/answer",
            &[
                ("request", &request),
                ("csrf_token", "forged"),
                ("decision", "allow"),
            ],
        )
        .await;
    assert!(
        !forged
            .location()
            .is_some_and(|l| l.starts_with("/oauth2/authorize/continue")),
        "a forged answer goes nowhere"
    );
    let tenant = app.state.engine.resolve_tenant(common::HOST).await.unwrap();
    let user = common::user(&app, "mary@example.com").await;
    assert!(
        app.state
            .engine
            .connected_apps(&tenant.tenant, user)
            .await
            .unwrap()
            .is_empty(),
        "no consent stored"
    );

    for path in [
        "/oauth2/logout?id_token_hint=eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.".to_string(),
        format!(
            "/oauth2/logout?client_id={}&post_logout_redirect_uri=https%3A%2F%2Fevil.example%2F",
            shop.client_id
        ),
        "/oauth2/logout?post_logout_redirect_uri=https%3A%2F%2Fapp.example%2Fbye".to_string(),
    ] {
        let page = browser.get(&path).await;
        assert_eq!(page.status, 400, "{path}");
        assert!(page.location().is_none(), "{path}");
    }
    let (path, _) = browser.visit("/account").await;
    assert_eq!(path, "/account", "still signed in");
    app.cleanup().await;
}

on_both_databases!(consent_and_logout_refuse_bad_input);
