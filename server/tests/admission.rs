//! Admission control: a saturated hashing pool turns the excess away with 429 at once,
//! and every other endpoint keeps answering.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{Backend, STRONG_PASSWORD, TestApp};

async fn a_saturated_pool_answers_429_and_nothing_else_waits(backend: Backend) {
    let app = TestApp::start_with(backend, |c| {
        c.password_hashing.memory_kib = 16 * 1024;
        c.password_hashing.iterations = 3;
        c.password_hashing.workers = 1;
        c.password_hashing.max_wait = std::time::Duration::from_millis(1);
    })
    .await;
    let mut member = app.browser();
    app.sign_up(&mut member, "busy@example.com", STRONG_PASSWORD, "Bea")
        .await;

    let mut crowd = app.browser();
    let (_, page) = crowd.visit("/login").await;
    let flow = page.hidden("flow").unwrap();
    let csrf = page.hidden("csrf_token").unwrap();
    let mut tasks = Vec::new();
    for i in 0..24 {
        let mut b = crowd.clone();
        let (flow, csrf) = (flow.clone(), csrf.clone());
        b.peer = Some(format!("198.51.100.{}:4000", i + 10).parse().unwrap());
        tasks.push(tokio::spawn(async move {
            b.post_form(
                "/api/login/password",
                &[
                    ("flow", &flow),
                    ("csrf_token", &csrf),
                    ("email", "busy@example.com"),
                    ("password", "wrong guess here"),
                ],
            )
            .await
        }));
    }
    // While the crowd waits, health and a signed-in page view answer.
    let health = member.get("/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(member.get("/account").await.status, StatusCode::OK);

    let mut refused = Vec::new();
    for t in tasks {
        let answer = t.await.unwrap();
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            refused.push(answer);
        } else {
            assert_eq!(answer.status, StatusCode::SEE_OTHER);
        }
    }
    assert!(!refused.is_empty(), "some sign-ins must be turned away");
    for r in &refused {
        let retry: u64 = r
            .header("retry-after")
            .expect("Retry-After")
            .parse()
            .unwrap();
        assert!(retry >= 1);
        assert!(r.body.contains("One moment, please"), "browsers get a page");
        if let Ok(path) = std::env::var("PORTICO_SAVE_BUSY_PAGE") {
            std::fs::write(path, &r.body).unwrap();
        }
        assert!(r.header("content-security-policy").is_some());
    }

    // API callers (and hydrated pages) get the error encoding instead.
    let mut tasks = Vec::new();
    let cookie = format!("portico_csrf={}", crowd.cookies["portico_csrf"]);
    for _ in 0..24 {
        let router = app.router.clone();
        let cookie = cookie.clone();
        let body = common::form_encode(&[
            ("flow", &flow),
            ("csrf_token", &csrf),
            ("email", "x@example.com"),
            ("password", "whatever it is"),
        ]);
        tasks.push(tokio::spawn(async move {
            use tower::ServiceExt;
            let req = Request::builder()
                .method("POST")
                .uri("/api/login/password")
                .header(header::HOST, common::HOST)
                .header(header::ACCEPT, "application/json")
                .header(header::COOKIE, cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap();
            let res = router.oneshot(req).await.unwrap();
            let status = res.status();
            let bytes = axum::body::to_bytes(res.into_body(), 1 << 20)
                .await
                .unwrap();
            (status, String::from_utf8_lossy(&bytes).to_string())
        }));
    }
    let answers: Vec<_> = futures_join(tasks).await;
    let json = answers
        .iter()
        .find(|(s, _)| *s == StatusCode::TOO_MANY_REQUESTS)
        .expect("a JSON 429");
    assert!(
        json.1.starts_with("{\"Busy\":{\"retry_after_ms\":"),
        "{}",
        json.1
    );
    app.cleanup().await;
}

async fn futures_join<T>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

on_both_databases!(a_saturated_pool_answers_429_and_nothing_else_waits);
