//! The app registry on both databases: registration writes everything or nothing,
//! client secrets are hashed, rotated with an overlap, and refused once disabled.

mod common;

use common::{Backend, TestApp};
use portico_identity::audit::ClientInfo;
use portico_identity::oidc::apps::{AppKind, AppStatus, NewApp};

async fn client_secrets_authenticate_rotate_and_expire(backend: Backend) {
    let app = TestApp::start(backend).await;
    let engine = &app.state.engine;
    let tenant = engine.resolve_tenant(common::HOST).await.unwrap();
    let t = &tenant.tenant;
    let who = ClientInfo::default();
    let web = engine
        .register_app(
            t,
            &who,
            &NewApp {
                name: "Shop".into(),
                kind: Some(AppKind::Web),
                redirect_uris: vec!["https://shop.example.com/cb".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    let first = web.client_secret.clone().unwrap();
    let id = web.app.client_id.clone();

    // Only the hash is stored.
    let stored = portico_identity::store::apps::live_secret_hashes(
        engine.db().conn(),
        web.app.id,
        engine.now(),
    )
    .await
    .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], first);

    assert!(
        engine
            .authenticate_app(t, &id, &first)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        engine
            .authenticate_app(t, &id, "pcs_wrong")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        engine
            .authenticate_app(t, "unknown", &first)
            .await
            .unwrap()
            .is_none()
    );

    // Rotation with an hour's overlap: both work, then only the new one.
    let second = engine
        .rotate_app_secret(t, &who, &id, chrono::Duration::hours(1))
        .await
        .unwrap()
        .unwrap();
    assert!(
        engine
            .authenticate_app(t, &id, &first)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        engine
            .authenticate_app(t, &id, &second)
            .await
            .unwrap()
            .is_some()
    );
    app.clock.advance(std::time::Duration::from_secs(2 * 3600));
    assert!(
        engine
            .authenticate_app(t, &id, &first)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        engine
            .authenticate_app(t, &id, &second)
            .await
            .unwrap()
            .is_some()
    );

    // A disabled app is refused, and allowed again when enabled.
    assert!(
        engine
            .set_app_status(t, &who, &id, AppStatus::Disabled)
            .await
            .unwrap()
    );
    assert!(
        engine
            .authenticate_app(t, &id, &second)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(
        engine
            .app_by_client_id(t, &id)
            .await
            .unwrap()
            .unwrap()
            .status,
        AppStatus::Disabled
    );
    assert!(
        engine
            .set_app_status(t, &who, &id, AppStatus::Active)
            .await
            .unwrap()
    );
    assert!(
        engine
            .authenticate_app(t, &id, &second)
            .await
            .unwrap()
            .is_some()
    );

    // Public apps have no secret to present.
    let spa = engine
        .register_app(
            t,
            &who,
            &NewApp {
                name: "SPA".into(),
                kind: Some(AppKind::Spa),
                redirect_uris: vec!["https://spa.example.com/cb".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert!(spa.client_secret.is_none());
    assert!(
        engine
            .rotate_app_secret(t, &who, &spa.app.client_id, chrono::Duration::zero())
            .await
            .unwrap()
            .is_none()
    );

    // A refused registration writes nothing.
    let refused = engine
        .register_app(
            t,
            &who,
            &NewApp {
                name: "Bad".into(),
                kind: Some(AppKind::Web),
                redirect_uris: vec![
                    "https://ok.example.com/cb".into(),
                    "https://*.example.com/cb".into(),
                ],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(refused.unwrap_err()[0].field, "redirect_uris");
    assert_eq!(engine.apps(t).await.unwrap().len(), 2);
    let actions = app.audit_actions().await;
    for action in [
        "app.registered",
        "app.secret_rotated",
        "app.disabled",
        "app.enabled",
    ] {
        assert!(actions.contains(&action.to_string()), "{action}");
    }
    app.cleanup().await;
}

on_both_databases!(client_secrets_authenticate_rotate_and_expire);
