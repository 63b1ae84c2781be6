//! Requests never see each other's state: under concurrency, every visitor's flow is
//! bound to their own cookie, and static files carry no cookies at all.

mod common;

use axum::http::StatusCode;
use common::{Backend, STRONG_PASSWORD, TestApp};

async fn concurrent_visitors_keep_their_own_flows(backend: Backend) {
    let app = TestApp::start(backend).await;
    let pkg = app.state.leptos_options.site_root.to_string();
    std::fs::create_dir_all(format!("{pkg}/pkg")).unwrap();
    std::fs::write(format!("{pkg}/pkg/portico.css"), "body{}").unwrap();

    let mut tasks = Vec::new();
    for i in 0..40 {
        let mut visitor = app.browser();
        let mut fetcher = app.browser();
        tasks.push(tokio::spawn(async move {
            let (_, page) = visitor.visit("/register").await;
            let css = fetcher.get("/pkg/portico.css").await;
            assert_eq!(css.status, StatusCode::OK);
            assert!(
                css.set_cookies().is_empty(),
                "a static file set a cookie: {:?}",
                css.set_cookies()
            );
            let flow = page.hidden("flow").unwrap();
            let csrf = page.hidden("csrf_token").unwrap();
            let email = format!("visitor{i}@example.com");
            let answer = visitor
                .post_form(
                    "/api/register/password",
                    &[
                        ("flow", &flow),
                        ("csrf_token", &csrf),
                        ("email", &email),
                        ("password", STRONG_PASSWORD),
                    ],
                )
                .await;
            let next = answer.location().unwrap();
            assert_eq!(
                next,
                format!("/register?flow={flow}"),
                "visitor {i} lost their flow"
            );
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(app.user_count().await, 40);
    app.cleanup().await;
}

on_both_databases!(concurrent_visitors_keep_their_own_flows);
