//! Throttling of password checks through the real router: per account, per IP and per
//! both; exact under concurrency; identical for accounts that do not exist.

mod common;

use std::time::Duration;

use axum::http::StatusCode;
use common::{Backend, STRONG_PASSWORD, TestApp};

fn count(actions: &[String], action: &str) -> usize {
    actions.iter().filter(|a| *a == action).count()
}

async fn wrong_passwords_are_throttled_then_recover(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut owner = app.browser();
    app.sign_up(&mut owner, "target@example.com", STRONG_PASSWORD, "")
        .await;
    owner.sign_out().await;

    let mut attacker = app.browser();
    let (_, mut page) = attacker.visit("/login").await;
    for attempt in 1..=5 {
        let answer = attacker
            .submit_login(&page, "target@example.com", "wrong guess number x")
            .await;
        let (_, next) = attacker.visit(&answer.location().unwrap()).await;
        assert_eq!(
            next.message_ids(),
            vec!["login.invalid_credentials"],
            "attempt {attempt}"
        );
        page = next;
    }
    // The sixth try is refused before the password is even checked, right or wrong.
    let answer = attacker
        .submit_login(&page, "target@example.com", STRONG_PASSWORD)
        .await;
    let (_, throttled) = attacker.visit(&answer.location().unwrap()).await;
    assert_eq!(throttled.message_ids(), vec!["login.throttled"]);
    assert!(throttled.body.contains("seconds"));
    assert!(attacker.session_cookie().is_none());

    // The owner, on their own device from another network, is not locked out.
    let mut elsewhere = owner.same_device();
    elsewhere.peer = Some("203.0.113.50:40000".parse().unwrap());
    let ok = elsewhere.login("target@example.com", STRONG_PASSWORD).await;
    assert_eq!(ok.location().as_deref(), Some("/account"));

    // Waiting out the delay lets the next attempt through; no permanent lock. The
    // right password from this unknown device after a burst of failures is not enough
    // on its own: the risk engine asks for a second factor.
    app.clock.advance(Duration::from_secs(3));
    let answer = attacker
        .submit_login(&throttled, "target@example.com", STRONG_PASSWORD)
        .await;
    let (_, step) = attacker.visit(&answer.location().unwrap()).await;
    assert!(step.body.contains("data-testid=\"second-factor-lead\""));
    assert!(attacker.session_cookie().is_none());

    let actions = app.audit_actions().await;
    assert_eq!(count(&actions, "login.throttled"), 1);
    app.cleanup().await;
}

async fn unknown_accounts_are_throttled_the_same_way(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut prober = app.browser();
    let (_, mut page) = prober.visit("/login").await;
    let mut seen = Vec::new();
    for _ in 0..6 {
        let answer = prober
            .submit_login(&page, "ghost@example.com", "some guess or other")
            .await;
        let (_, next) = prober.visit(&answer.location().unwrap()).await;
        seen.extend(next.message_ids());
        page = next;
    }
    let mut expected = vec!["login.invalid_credentials".to_string(); 5];
    expected.push("login.throttled".to_string());
    assert_eq!(seen, expected);
    app.cleanup().await;
}

async fn a_hundred_parallel_guesses_count_as_a_hundred(backend: Backend) {
    let app = TestApp::start(backend).await;
    let mut owner = app.browser();
    app.sign_up(&mut owner, "burst@example.com", STRONG_PASSWORD, "")
        .await;

    let mut attacker = app.browser();
    let (_, page) = attacker.visit("/login").await;
    let flow = page.hidden("flow").unwrap();
    let csrf = page.hidden("csrf_token").unwrap();
    let mut tasks = Vec::new();
    for i in 0..100 {
        let mut b = attacker.clone();
        let (flow, csrf) = (flow.clone(), csrf.clone());
        tasks.push(tokio::spawn(async move {
            let guess = format!("parallel guess {i}");
            b.post_form(
                "/api/login/password",
                &[
                    ("flow", &flow),
                    ("csrf_token", &csrf),
                    ("email", "burst@example.com"),
                    ("password", &guess),
                ],
            )
            .await
            .status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::SEE_OTHER);
    }
    let actions = app.audit_actions().await;
    assert_eq!(
        count(&actions, "login.failed"),
        5,
        "only the free attempts reach a password check"
    );
    assert_eq!(
        count(&actions, "login.throttled"),
        95,
        "every other attempt is refused and recorded"
    );

    // The counter saw all hundred.
    let tenant = app.state.engine.resolve_tenant(common::HOST).await.unwrap();
    let keys = portico_identity::throttle::keys_for(
        &tenant.tenant.policy.throttle,
        tenant.tenant.id,
        "password",
        "burst@example.com",
        Some("198.51.100.7"),
    );
    use sea_orm::EntityTrait;
    let row =
        portico_identity::store::entities::throttles::Entity::find_by_id(keys[1].hash.clone())
            .one(app.state.engine.db().conn())
            .await
            .unwrap()
            .expect("account-and-IP counter");
    assert_eq!(row.count, 100);
    app.cleanup().await;
}

async fn credential_stuffing_from_one_ip_is_throttled(backend: Backend) {
    let app = TestApp::start_with(backend, |_| {}).await;
    let mut bot = app.browser();
    let (_, mut page) = bot.visit("/login").await;
    let mut throttled_at = None;
    for i in 0..110 {
        let email = format!("victim{i}@example.com");
        let answer = bot.submit_login(&page, &email, "Summer2024!").await;
        let (_, next) = bot.visit(&answer.location().unwrap()).await;
        if next.message_ids() == vec!["login.throttled"] {
            throttled_at = Some(i);
            break;
        }
        page = next;
    }
    assert_eq!(
        throttled_at,
        Some(100),
        "100 free attempts per IP, then delays"
    );
    app.cleanup().await;
}

async fn old_password_hashes_are_upgraded_at_sign_in(backend: Backend) {
    use portico_identity::credentials::hasher::{HasherConfig, PasswordHasher};
    let app = TestApp::start(backend).await;
    let mut owner = app.browser();
    app.sign_up(&mut owner, "legacy@example.com", STRONG_PASSWORD, "")
        .await;
    let tenant = app.state.engine.resolve_tenant(common::HOST).await.unwrap();
    let db = app.state.engine.db().conn();
    let email = portico_identity::accounts::Email::parse("legacy@example.com").unwrap();
    let user = portico_identity::store::accounts::find_user_by_email(db, tenant.tenant.id, &email)
        .await
        .unwrap()
        .unwrap();
    let old = PasswordHasher::start(HasherConfig {
        memory_kib: 512,
        iterations: 3,
        parallelism: 1,
        workers: 1,
        queue_capacity: 4,
        max_wait: std::time::Duration::ZERO,
    })
    .unwrap()
    .hash(STRONG_PASSWORD)
    .await
    .unwrap();
    portico_identity::store::accounts::rehash_password(db, user, &old)
        .await
        .unwrap();

    let mut later = owner.same_device();
    assert_eq!(
        later
            .login("legacy@example.com", STRONG_PASSWORD)
            .await
            .location()
            .as_deref(),
        Some("/account")
    );
    let stored = portico_identity::store::accounts::find_password(db, user)
        .await
        .unwrap()
        .unwrap();
    assert!(
        stored.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"),
        "upgraded to the current parameters: {stored}"
    );
    assert_ne!(stored, old);
    let mut again = owner.same_device();
    assert_eq!(
        again
            .login("legacy@example.com", STRONG_PASSWORD)
            .await
            .location()
            .as_deref(),
        Some("/account")
    );
    app.cleanup().await;
}

on_both_databases!(
    old_password_hashes_are_upgraded_at_sign_in,
    wrong_passwords_are_throttled_then_recover,
    unknown_accounts_are_throttled_the_same_way,
    a_hundred_parallel_guesses_count_as_a_hundred,
    credential_stuffing_from_one_ip_is_throttled,
);
