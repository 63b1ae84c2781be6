//! The OpenID provider's keys through the real router, on both databases: the JWKS
//! publishes a key per algorithm from the first start, tokens verify against it, and a
//! rotation publishes the new key a day before it signs and keeps the old one two days
//! after.

mod common;

use common::{Backend, TestApp};
use portico_identity::oidc::apps::SigningAlg;
use serde_json::{Value, json};

async fn jwks(app: &TestApp) -> Value {
    let mut browser = app.browser();
    let page = browser.get("/.well-known/jwks.json").await;
    assert_eq!(page.status, axum::http::StatusCode::OK);
    assert_eq!(
        page.header("content-type").as_deref(),
        Some("application/jwk-set+json")
    );
    assert_eq!(
        page.header("access-control-allow-origin").as_deref(),
        Some("*")
    );
    serde_json::from_str(&page.body).unwrap()
}

fn kids(set: &Value) -> Vec<String> {
    set["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_string())
        .collect()
}

fn header_kid(jws: &str) -> String {
    use base64::Engine as _;
    let header = jws.split('.').next().unwrap();
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .unwrap(),
    )
    .unwrap();
    header["kid"].as_str().unwrap().to_string()
}

async fn keys_are_published_rotated_and_retired(backend: Backend) {
    let app = TestApp::start(backend).await;
    let engine = &app.state.engine;
    let tenant = engine.resolve_tenant(common::HOST).await.unwrap();
    let t = &tenant.tenant;

    let set = jwks(&app).await;
    let keys = set["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 3);
    let algs: Vec<&str> = keys.iter().map(|k| k["alg"].as_str().unwrap()).collect();
    assert_eq!(algs, ["RS256", "ES256", "EdDSA"]);
    for k in keys {
        assert_eq!(k["use"], "sig");
        assert!(k.get("d").is_none(), "never a private part");
    }
    let body = set.to_string();
    assert!(!body.contains("\"d\"") && !body.contains("\"p\"") && !body.contains("\"q\""));

    // Start-up again: nothing new.
    assert_eq!(engine.ensure_signing_keys(t).await.unwrap(), 0);

    let claims = json!({"iss": t.base_url, "sub": "someone"});
    let first = engine
        .sign_jwt(t, SigningAlg::RS256, "JWT", &claims)
        .await
        .unwrap();
    let old_kid = header_kid(&first);
    assert!(kids(&set).contains(&old_kid));

    // A rotation is published at once but signs only a day later.
    engine.rotate_signing_keys(t, false).await.unwrap();
    let set = jwks(&app).await;
    assert_eq!(set["keys"].as_array().unwrap().len(), 6);
    let token = engine
        .sign_jwt(t, SigningAlg::RS256, "JWT", &claims)
        .await
        .unwrap();
    assert_eq!(header_kid(&token), old_kid, "the new key is not used yet");

    app.clock.advance(std::time::Duration::from_secs(25 * 3600));
    let token = engine
        .sign_jwt(t, SigningAlg::RS256, "JWT", &claims)
        .await
        .unwrap();
    let new_kid = header_kid(&token);
    assert_ne!(new_kid, old_kid);
    let set = jwks(&app).await;
    assert!(kids(&set).contains(&old_kid), "the old key stays published");
    assert!(kids(&set).contains(&new_kid));

    app.clock
        .advance(std::time::Duration::from_secs(2 * 24 * 3600 + 60));
    let set = jwks(&app).await;
    assert_eq!(set["keys"].as_array().unwrap().len(), 3);
    assert!(!kids(&set).contains(&old_kid), "retired after two days");

    // Keys are sealed at rest.
    let rows = portico_identity::store::keys::list(engine.db().conn(), t.id)
        .await
        .unwrap();
    assert!(rows.iter().all(|r| r.sealed_private_key.starts_with("v1.")));
    app.cleanup().await;
}

on_both_databases!(keys_are_published_rotated_and_retired);

/// A backend service gets an access token with the `oauth2` crate (client_secret_basic)
/// and a resource server verifies it with `jsonwebtoken` against the JWKS.
async fn client_credentials_with_real_client_libraries(backend: Backend) {
    use oauth2::basic::BasicClient;
    use oauth2::{ClientId, ClientSecret, Scope, TokenResponse, TokenUrl};

    let app = TestApp::start(backend).await;
    let engine = &app.state.engine;
    let tenant = engine.resolve_tenant(common::HOST).await.unwrap();
    let t = &tenant.tenant;
    let registered = engine
        .register_app(
            t,
            &portico_identity::audit::ClientInfo::default(),
            &portico_identity::oidc::apps::NewApp {
                name: "Billing".into(),
                kind: Some(portico_identity::oidc::apps::AppKind::Machine),
                scopes: Some(vec!["orders:read".into(), "orders:write".into()]),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    let id = registered.app.client_id.clone();
    let secret = registered.client_secret.clone().unwrap();
    let base = app.serve_tcp().await;
    let http = reqwest::ClientBuilder::new()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let client = BasicClient::new(ClientId::new(id.clone()))
        .set_client_secret(ClientSecret::new(secret.clone()))
        .set_token_uri(TokenUrl::new(format!("{base}/oauth2/token")).unwrap());
    let token = client
        .exchange_client_credentials()
        .add_scope(Scope::new("orders:read".into()))
        .request_async(&http)
        .await
        .expect("client credentials grant");
    assert_eq!(
        token
            .scopes()
            .map(|s| s.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
        Some(vec!["orders:read".to_string()])
    );
    let ttl = token.expires_in().unwrap().as_secs();
    assert_eq!(ttl, 900);

    // The resource server's side: verify with the JWKS, as any JWT library would.
    let jwt = token.access_token().secret();
    let header = jsonwebtoken::decode_header(jwt).unwrap();
    assert_eq!(header.alg, jsonwebtoken::Algorithm::ES256);
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    let set: jsonwebtoken::jwk::JwkSet = serde_json::from_str(
        &http
            .get(format!("{base}/.well-known/jwks.json"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    let jwk = set
        .find(header.kid.as_deref().unwrap())
        .expect("kid in the JWKS");
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.set_audience(&[t.base_url.trim_end_matches('/')]);
    validation.set_issuer(&[t.base_url.trim_end_matches('/')]);
    let claims = jsonwebtoken::decode::<Value>(jwt, &key, &validation)
        .expect("the access token verifies")
        .claims;
    assert_eq!(claims["sub"], id.as_str());
    assert_eq!(claims["client_id"], id.as_str());
    assert_eq!(claims["scope"], "orders:read");
    assert!(claims["jti"].as_str().is_some_and(|j| j.len() >= 32));

    // client_secret_post works too; the answers are never cached.
    let post = |fields: Vec<(&'static str, String)>| {
        let http = http.clone();
        let url = format!("{base}/oauth2/token");
        async move { http.post(url).form(&fields).send().await.unwrap() }
    };
    let res = post(vec![
        ("grant_type", "client_credentials".into()),
        ("client_id", id.clone()),
        ("client_secret", secret.clone()),
    ])
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let body: Value = serde_json::from_str(&res.text().await.unwrap()).unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "orders:read orders:write");

    // The errors of RFC 6749 §5.2.
    type Case = (Vec<(&'static str, String)>, u16, &'static str);
    let cases: Vec<Case> = vec![
        (
            vec![
                ("grant_type", "client_credentials".into()),
                ("client_id", id.clone()),
                ("client_secret", "pcs_wrong".into()),
            ],
            401,
            "invalid_client",
        ),
        (
            vec![("grant_type", "client_credentials".into())],
            401,
            "invalid_client",
        ),
        (
            vec![
                ("grant_type", "password".into()),
                ("client_id", id.clone()),
                ("client_secret", secret.clone()),
            ],
            400,
            "unsupported_grant_type",
        ),
        (
            vec![
                ("grant_type", "client_credentials".into()),
                ("client_id", id.clone()),
                ("client_secret", secret.clone()),
                ("scope", "admin".into()),
            ],
            400,
            "invalid_scope",
        ),
        (
            vec![("client_id", id.clone()), ("client_secret", secret.clone())],
            400,
            "invalid_request",
        ),
        (
            vec![
                ("grant_type", "client_credentials".into()),
                ("grant_type", "client_credentials".into()),
                ("client_id", id.clone()),
                ("client_secret", secret.clone()),
            ],
            400,
            "invalid_request",
        ),
    ];
    for (fields, status, code) in cases {
        let res = post(fields.clone()).await;
        assert_eq!(res.status().as_u16(), status, "{fields:?}");
        let body: Value = serde_json::from_str(&res.text().await.unwrap()).unwrap();
        assert_eq!(body["error"], code, "{fields:?}");
    }

    // A disabled client gets nothing, at once.
    engine
        .set_app_status(
            t,
            &portico_identity::audit::ClientInfo::default(),
            &id,
            portico_identity::oidc::apps::AppStatus::Disabled,
        )
        .await
        .unwrap();
    assert!(
        client
            .exchange_client_credentials()
            .request_async(&http)
            .await
            .is_err()
    );

    // Guessing secrets is throttled, right secret or not.
    engine
        .set_app_status(
            t,
            &portico_identity::audit::ClientInfo::default(),
            &id,
            portico_identity::oidc::apps::AppStatus::Active,
        )
        .await
        .unwrap();
    let mut throttled = false;
    for i in 0..30 {
        let res = post(vec![
            ("grant_type", "client_credentials".into()),
            ("client_id", id.clone()),
            ("client_secret", format!("pcs_guess_{i}")),
        ])
        .await;
        if res.status() == 429 {
            throttled = true;
            break;
        }
    }
    assert!(throttled, "secret guessing is throttled");
    let res = post(vec![
        ("grant_type", "client_credentials".into()),
        ("client_id", id.clone()),
        ("client_secret", secret.clone()),
    ])
    .await;
    assert_eq!(
        res.status(),
        429,
        "a throttled source is refused before its secret is compared"
    );
    app.cleanup().await;
}

on_both_databases!(client_credentials_with_real_client_libraries);

/// `private_key_jwt` (RFC 7523): a backend registered with its public key signs a
/// short-lived assertion (with `jsonwebtoken`) instead of sending a secret. Each
/// assertion works once; wrong audience, expired, foreign-key and unsigned ones fail.
async fn private_key_jwt_authenticates_with_single_use_assertions(backend: Backend) {
    use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
    use base64::Engine as _;

    let app = TestApp::start(backend).await;
    let engine = &app.state.engine;
    let tenant = engine.resolve_tenant(common::HOST).await.unwrap();
    let t = &tenant.tenant;
    let iss = t.base_url.trim_end_matches('/').to_string();
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let keypair = || {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&aws_lc_rs::rand::SystemRandom::new()).unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        (pkcs8.as_ref().to_vec(), pair.public_key().as_ref().to_vec())
    };
    let (private, public) = keypair();
    let (other_private, _) = keypair();
    let registered = engine
        .register_app(
            t,
            &portico_identity::audit::ClientInfo::default(),
            &portico_identity::oidc::apps::NewApp {
                name: "Ledger".into(),
                kind: Some(portico_identity::oidc::apps::AppKind::Machine),
                scopes: Some(vec!["ledger:read".into()]),
                jwks: Some(json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "k1", "x": b64(&public)}]})),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert!(
        registered.client_secret.is_none(),
        "key-authenticated apps get no secret"
    );
    let id = registered.app.client_id.clone();

    // A private key in the JWKS is refused at registration, naming the field.
    let refused = engine
        .register_app(
            t,
            &portico_identity::audit::ClientInfo::default(),
            &portico_identity::oidc::apps::NewApp {
                name: "Leaky".into(),
                kind: Some(portico_identity::oidc::apps::AppKind::Machine),
                jwks: Some(json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "k", "x": "AA", "d": "AA"}]})),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(refused[0].field, "jwks");

    let now = common::now_secs(&app) as i64;
    let assertion = |key: &[u8], claims: Value| {
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
        header.kid = Some("k1".into());
        jsonwebtoken::encode(
            &header,
            &claims,
            &jsonwebtoken::EncodingKey::from_ed_der(key),
        )
        .unwrap()
    };
    let claims = |aud: &str, exp: i64, jti: &str| json!({"iss": id, "sub": id, "aud": aud, "exp": exp, "iat": now, "jti": jti});
    let token_url = format!("{iss}/oauth2/token");
    let mut browser = app.browser();
    let grant = |assertion: String, extra: Vec<(&'static str, String)>| {
        let mut fields = vec![
            ("grant_type", "client_credentials".to_string()),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
            ),
            ("client_assertion", assertion),
        ];
        fields.extend(extra);
        let mut b = browser.clone();
        async move {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let page = b.post_api("/oauth2/token", &pairs).await;
            let body: Value = serde_json::from_str(&page.body).unwrap_or(Value::Null);
            (page.status.as_u16(), body)
        }
    };
    let good = assertion(&private, claims(&token_url, now + 60, "a-1"));
    let (status, body) = grant(good.clone(), vec![]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "ledger:read");
    // The same assertion again: refused.
    let (status, body) = grant(good, vec![]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client"))
    );
    // The issuer as audience works too; anything else does not.
    assert_eq!(
        grant(assertion(&private, claims(&iss, now + 60, "a-2")), vec![])
            .await
            .0,
        200
    );
    for bad in [
        assertion(
            &private,
            claims("https://elsewhere.example/token", now + 60, "b-1"),
        ),
        assertion(&private, claims(&token_url, now - 1, "b-2")),
        assertion(&private, claims(&token_url, now + 3600, "b-3")),
        assertion(&other_private, claims(&token_url, now + 60, "b-4")),
        assertion(
            &private,
            json!({"iss": id, "sub": "someone-else", "aud": token_url, "exp": now + 60, "jti": "b-5"}),
        ),
        format!(
            "{}.{}.",
            b64(br#"{"alg":"none","kid":"k1"}"#),
            b64(claims(&token_url, now + 60, "b-6").to_string().as_bytes())
        ),
    ] {
        let (status, body) = grant(bad, vec![]).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (401, Some("invalid_client")),
            "{body}"
        );
    }
    // One method at a time; and the wrong assertion type is a request error.
    let (status, body) = grant(
        assertion(&private, claims(&token_url, now + 60, "c-1")),
        vec![("client_secret", "pcs_x".into())],
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_request"))
    );
    let page = browser
        .post_api(
            "/oauth2/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_assertion_type", "urn:example:other"),
                ("client_assertion", "x.y.z"),
            ],
        )
        .await;
    assert_eq!(page.status, 400);
    app.cleanup().await;
}

on_both_databases!(private_key_jwt_authenticates_with_single_use_assertions);
