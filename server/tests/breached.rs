//! Breached passwords: the shipped list, and the Pwned Passwords range API (a fake one
//! here, speaking the real protocol over HTTP).

mod common;

use std::sync::{Arc, Mutex};

use axum::extract::Path;
use axum::http::HeaderMap;
use axum::routing::get;
use common::{Backend, TestApp};

const LEAKED_BUT_STRONG: &str = "turquoise gondola whispers loudly";
const FINE: &str = "saffron tugboat measures quietly";

fn sha1_upper(s: &str) -> String {
    use sha1::Digest;
    sha1::Sha1::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// A range API that knows one breached password; records the prefixes it was asked for.
async fn fake_range_api() -> (String, Arc<Mutex<Vec<(String, bool)>>>) {
    let seen: Arc<Mutex<Vec<(String, bool)>>> = Arc::default();
    let leaked = sha1_upper(LEAKED_BUT_STRONG);
    let log = seen.clone();
    let app = axum::Router::new().route(
        "/range/{prefix}",
        get(move |Path(prefix): Path<String>, headers: HeaderMap| {
            let leaked = leaked.clone();
            let log = log.clone();
            async move {
                log.lock()
                    .unwrap()
                    .push((prefix.clone(), headers.contains_key("add-padding")));
                let mut body = String::from("0018A45C4D1DEF81644B54AB7F969B88D65:0\r\n");
                if leaked.starts_with(&prefix) {
                    body.push_str(&format!("{}:42\r\n", &leaked[5..]));
                }
                body
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/range/", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

async fn register_answer(app: &TestApp, email: &str, password: &str) -> Vec<String> {
    let mut b = app.browser();
    let answer = b.register(email, password, "").await;
    let (_, page) = b.visit(&answer.location().unwrap()).await;
    if page.body.contains("Check your inbox") {
        return vec!["accepted".into()];
    }
    page.message_ids()
}

async fn the_shipped_list_is_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    assert_eq!(
        register_answer(&app, "a@example.com", "Password123").await,
        vec!["password.breached"]
    );
    assert_eq!(
        register_answer(&app, "b@example.com", "letmein123").await,
        vec!["password.breached"]
    );
    assert_eq!(
        register_answer(&app, "c@example.com", FINE).await,
        vec!["accepted"]
    );
    assert_eq!(app.user_count().await, 1);
    app.cleanup().await;
}

async fn the_online_check_uses_only_a_prefix_and_never_blocks(backend: Backend) {
    let (url, seen) = fake_range_api().await;
    let app = TestApp::start_with(backend.clone(), move |c| {
        c.breached_passwords.online_check = true;
        c.breached_passwords.api_url = url;
    })
    .await;
    assert_eq!(
        register_answer(&app, "leak@example.com", LEAKED_BUT_STRONG).await,
        vec!["password.breached"]
    );
    assert_eq!(
        register_answer(&app, "fine@example.com", FINE).await,
        vec!["accepted"]
    );
    let asked = seen.lock().unwrap().clone();
    assert!(!asked.is_empty());
    for (prefix, padded) in &asked {
        assert_eq!(prefix.len(), 5, "only 5 characters of the hash leave");
        assert!(*padded, "responses are padded");
    }
    assert!(
        asked
            .iter()
            .all(|(p, _)| sha1_upper(LEAKED_BUT_STRONG).starts_with(p)
                || sha1_upper(FINE).starts_with(p))
    );
    app.cleanup().await;

    // Nothing listens there: the check fails open.
    let down = TestApp::start_with(backend, |c| {
        c.breached_passwords.online_check = true;
        c.breached_passwords.api_url = "http://127.0.0.1:9/range/".into();
        c.breached_passwords.timeout = std::time::Duration::from_millis(500);
    })
    .await;
    assert_eq!(
        register_answer(&down, "down@example.com", LEAKED_BUT_STRONG).await,
        vec!["accepted"]
    );
    down.cleanup().await;
}

on_both_databases!(
    the_shipped_list_is_refused,
    the_online_check_uses_only_a_prefix_and_never_blocks
);
