//! The OpenID provider's keys through the real router, on both databases: the JWKS
//! publishes a key per algorithm from the first start, tokens verify against it, and a
//! rotation publishes the new key a day before it signs and keeps the old one two days
//! after.

mod common;

use common::{Backend, TestApp};
use portico_identity::apps::SigningAlg;
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
