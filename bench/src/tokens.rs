//! Token grants per second.
//!
//! 1. Access-token signing alone (ES256 JWT through the engine), on one core: the
//!    ceiling of the grant's own work.
//! 2. Client credentials grants through the real `portico` binary on SQLite: many
//!    concurrent backend clients, each `POST /oauth2/token` with HTTP Basic
//!    authentication, closed loop.
//! 3. Refresh token grants, same server: each client holds one customer's refresh
//!    token and redeems it again and again — every grant is rotated (the old token
//!    marked used, a new one written, in one transaction) and an access token signed.
//!
//! Results: `tokens.json` and `tokens.md` next to the other results.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use portico_identity::audit::ClientInfo;
use portico_identity::oidc::apps::{AppKind, NewApp, SigningAlg};
use serde::Serialize;
use tokio::sync::Mutex;

use crate::{Latency, latency};

const ADDRESS: &str = "127.0.0.1:3313";

#[derive(Serialize)]
struct TokenReport {
    measured_at: String,
    machine: String,
    cores: usize,
    signing_per_sec_one_core: f64,
    concurrency: usize,
    seconds: u64,
    runs: Vec<DbRun>,
    notes: Vec<&'static str>,
}

/// One database's figures.
#[derive(Serialize)]
struct DbRun {
    database: &'static str,
    grants: Latency,
    grants_per_sec: f64,
    grants_per_sec_per_core: f64,
    /// Grants per CPU-second of the server process: what one core does when the load
    /// generator runs elsewhere.
    grants_per_server_cpu_sec: f64,
    failures: usize,
    refresh: Latency,
    refresh_per_sec: f64,
    refresh_per_sec_per_core: f64,
    refresh_per_server_cpu_sec: f64,
    refresh_failures: usize,
}

/// The run's configuration; `master_key` is shared with the server so it can open the
/// keys prepared here.
fn config(db_url: &str, master_key: &str) -> portico_server::Config {
    let mut config = portico_server::Config::default();
    config.database.url = db_url.to_string();
    config.server.base_url = format!("http://{ADDRESS}");
    config.secrets.master_key = master_key.into();
    config
}

pub async fn run(server_bin: &Path, out: &Path, seconds: u64, cores: usize, machine: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let master_key = portico_identity::secrets::SealingKey::generate_text();
    let sqlite = format!("sqlite://{}/tokens.db", dir.path().display());
    let signing = {
        let state = portico_server::build_state(config(&sqlite, &master_key))
            .await
            .expect("state");
        let engine = state.engine.clone();
        let tenant = engine.resolve_tenant(ADDRESS).await.expect("tenant");
        let t = &tenant.tenant;
        eprintln!("tokens: signing access tokens on one core…");
        let claims = serde_json::json!({"iss": t.base_url, "sub": "bench", "aud": t.base_url,
            "iat": 1, "exp": 2, "jti": "0123456789abcdef0123456789abcdef", "scope": "orders:read"});
        let deadline = Instant::now() + Duration::from_secs(seconds.min(5));
        let mut signed = 0u64;
        let started = Instant::now();
        while Instant::now() < deadline {
            engine
                .sign_jwt(t, SigningAlg::ES256, "at+jwt", &claims)
                .await
                .expect("sign");
            signed += 1;
        }
        let signing = signed as f64 / started.elapsed().as_secs_f64();
        eprintln!("  {signing:.0} signatures/s on one core");
        signing
    };
    let concurrency = 64;
    let mut runs = vec![
        measure(
            server_bin,
            dir.path(),
            "SQLite",
            &sqlite,
            &master_key,
            concurrency,
            seconds,
            cores,
        )
        .await,
    ];
    if let Ok(admin) = std::env::var("PORTICO_BENCH_POSTGRES_URL") {
        let url = crate::passkeys::fresh_postgres_database(&admin).await;
        runs.push(
            measure(
                server_bin,
                dir.path(),
                "PostgreSQL",
                &url,
                &master_key,
                concurrency,
                seconds,
                cores,
            )
            .await,
        );
    }
    let report = TokenReport {
        measured_at: chrono::Utc::now().to_rfc3339(),
        machine: machine.to_string(),
        cores,
        signing_per_sec_one_core: signing,
        concurrency,
        seconds,
        runs,
        notes: vec![
            "A client credentials grant is one POST /oauth2/token with HTTP Basic client authentication: the client and its secret hashes come from a 5-second in-memory cache, the secret is compared in constant time, and an ES256 access token (RFC 9068) is signed.",
            "A refresh grant is one POST /oauth2/token (HTTP Basic) with grant_type=refresh_token: the token is looked up with its grant, the account's status checked, the token marked used and its successor written in one transaction (a durable commit: SQLite WAL with synchronous=FULL, PostgreSQL with synchronous_commit on), and an ES256 access token signed.",
            "The load generator runs on the same machine and competes for the same cores.",
        ],
    };
    std::fs::create_dir_all(out).expect("results dir");
    std::fs::write(
        out.join("tokens.json"),
        serde_json::to_string_pretty(&report).expect("json"),
    )
    .expect("write tokens.json");
    let mut md = format!(
        "# Token grants\n\nMeasured {} on {} ({} cores), {} concurrent clients, closed loop.\n\n| measure | result |\n|---|---|\n| ES256 access-token signing alone, one core | {:.0}/s |\n",
        report.measured_at, report.machine, cores, concurrency, report.signing_per_sec_one_core,
    );
    for r in &report.runs {
        md.push_str(&format!(
            "| client credentials grants, {} | {:.0}/s ({:.0}/s per core; {:.0} per CPU-second of the server), p50 {:.1} ms, p99 {:.1} ms, {} failures |\n| refresh token grants (rotated), {} | {:.0}/s ({:.0}/s per core; {:.0} per CPU-second of the server), p50 {:.1} ms, p99 {:.1} ms, {} failures |\n",
            r.database,
            r.grants_per_sec,
            r.grants_per_sec_per_core,
            r.grants_per_server_cpu_sec,
            r.grants.p50_ms,
            r.grants.p99_ms,
            r.failures,
            r.database,
            r.refresh_per_sec,
            r.refresh_per_sec_per_core,
            r.refresh_per_server_cpu_sec,
            r.refresh.p50_ms,
            r.refresh.p99_ms,
            r.refresh_failures,
        ));
    }
    std::fs::write(out.join("tokens.md"), md).expect("write tokens.md");
}

/// Prepares one database (a machine app, a web app, a customer with one grant per
/// client), serves it with the real binary, and measures both grants.
#[allow(clippy::too_many_arguments)]
async fn measure(
    server_bin: &Path,
    dir: &Path,
    database: &'static str,
    db_url: &str,
    master_key: &str,
    concurrency: usize,
    seconds: u64,
    cores: usize,
) -> DbRun {
    let state = portico_server::build_state(config(db_url, master_key))
        .await
        .expect("state");
    let engine = state.engine.clone();
    let tenant = engine.resolve_tenant(ADDRESS).await.expect("tenant");
    let t = &tenant.tenant;
    let app = engine
        .register_app(
            t,
            &ClientInfo::default(),
            &NewApp {
                name: "Bench service".into(),
                kind: Some(AppKind::Machine),
                scopes: Some(vec!["orders:read".into()]),
                ..Default::default()
            },
        )
        .await
        .expect("store")
        .expect("valid app");
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            app.app.client_id,
            app.client_secret.expect("a secret")
        ))
    );
    // The refresh scenario's customer, app and one grant per client (written straight
    // to the store: what a sign-in and a code exchange would have left behind).
    let web = engine
        .register_app(
            t,
            &ClientInfo::default(),
            &NewApp {
                name: "Bench shop".into(),
                kind: Some(AppKind::Web),
                redirect_uris: vec!["https://shop.example/callback".into()],
                first_party: true,
                ..Default::default()
            },
        )
        .await
        .expect("store")
        .expect("valid app");
    let web_basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            web.app.client_id,
            web.client_secret.expect("a secret")
        ))
    );
    let user = portico_identity::UserId::generate();
    let now = chrono::Utc::now();
    let db = engine.db().conn();
    portico_identity::store::accounts::insert_account(
        db,
        t.id,
        user,
        &portico_identity::accounts::Email::parse("bench@example.com").expect("email"),
        &portico_identity::accounts::DisplayName::parse("Bench Customer")
            .expect("name")
            .expect("name"),
        None,
        "password",
        now,
    )
    .await
    .expect("customer");
    let mut refresh_tokens = Vec::new();
    for _ in 0..concurrency {
        let grant = uuid::Uuid::new_v4();
        portico_identity::store::oauth::insert_grant(
            db,
            portico_identity::store::oauth::GrantRow {
                id: grant,
                tenant_id: t.id.0,
                app_id: web.app.id,
                user_id: user.0,
                scope: "openid offline_access".into(),
                auth_time: now,
                amr: "pwd".into(),
                aal: 1,
                sid: "bench".into(),
                nonce: None,
                redirect_uri: "https://shop.example/callback".into(),
                code_challenge: None,
                code_hash: None,
                code_expires_at: None,
                code_redeemed_at: None,
                created_at: now,
                last_used_at: None,
                revoked_at: None,
            },
        )
        .await
        .expect("grant");
        let token = portico_identity::secrets::random_token();
        portico_identity::store::oauth::insert_refresh(
            db,
            portico_identity::secrets::sha256_hex(token.as_bytes()),
            grant,
            now,
            now + chrono::Duration::days(1),
        )
        .await
        .expect("refresh token");
        refresh_tokens.push(token);
    }
    drop(state);

    let server = crate::start_server_at(
        server_bin,
        db_url,
        dir,
        ADDRESS,
        &format!("http://{ADDRESS}"),
        &[("PORTICO__SECRETS__MASTER_KEY", master_key)],
    )
    .await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .expect("client");
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let failures = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    // Warm up (connections, caches), then measure.
    for _ in 0..50 {
        let _ = grant(&client, &basic).await;
    }
    eprintln!("tokens ({database}): {concurrency} clients for {seconds} s…");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let cpu_before = server.cpu_seconds();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let client = client.clone();
            let basic = basic.clone();
            let latencies = latencies.clone();
            let failures = failures.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                while Instant::now() < deadline {
                    let t0 = Instant::now();
                    if grant(&client, &basic).await {
                        mine.push(t0.elapsed().as_secs_f64() * 1000.0);
                    } else {
                        failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
                latencies.lock().await.extend(mine);
            })
        })
        .collect();
    for task in tasks {
        let _ = task.await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cc_cpu = (server.cpu_seconds() - cpu_before).max(0.01);
    let all = std::mem::take(&mut *latencies.lock().await);
    let grants = latency(all);
    let per_sec = grants.count as f64 / elapsed;
    eprintln!(
        "  {per_sec:.0} grants/s ({:.0}/s per core), p99 {:.1} ms",
        per_sec / cores as f64,
        grants.p99_ms
    );
    // Refresh token grants: each client rotates its own token, closed loop.
    eprintln!("tokens ({database}): {concurrency} clients refreshing for {seconds} s…");
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let refresh_failures = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let cpu_before = server.cpu_seconds();
    let tasks: Vec<_> = refresh_tokens
        .into_iter()
        .map(|mut token| {
            let client = client.clone();
            let basic = web_basic.clone();
            let latencies = latencies.clone();
            let failures = refresh_failures.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                while Instant::now() < deadline {
                    let t0 = Instant::now();
                    match refresh(&client, &basic, &token).await {
                        Some(next) => {
                            mine.push(t0.elapsed().as_secs_f64() * 1000.0);
                            token = next;
                        }
                        None => {
                            failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            break;
                        }
                    }
                }
                latencies.lock().await.extend(mine);
            })
        })
        .collect();
    for task in tasks {
        let _ = task.await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let refresh_cpu = (server.cpu_seconds() - cpu_before).max(0.01);
    let refreshes = latency(std::mem::take(&mut *latencies.lock().await));
    let refresh_per_sec = refreshes.count as f64 / elapsed;
    eprintln!(
        "  {refresh_per_sec:.0} refresh grants/s ({:.0}/s per core), p99 {:.1} ms",
        refresh_per_sec / cores as f64,
        refreshes.p99_ms
    );
    DbRun {
        database,
        grants_per_sec: per_sec,
        grants_per_sec_per_core: per_sec / cores as f64,
        grants_per_server_cpu_sec: grants.count as f64 / cc_cpu,
        failures: failures.load(std::sync::atomic::Ordering::Relaxed),
        grants,
        refresh_per_sec,
        refresh_per_sec_per_core: refresh_per_sec / cores as f64,
        refresh_per_server_cpu_sec: refreshes.count as f64 / refresh_cpu,
        refresh_failures: refresh_failures.load(std::sync::atomic::Ordering::Relaxed),
        refresh: refreshes,
    }
}

async fn grant(client: &reqwest::Client, basic: &str) -> bool {
    client
        .post(format!("http://{ADDRESS}/oauth2/token"))
        .header("authorization", basic)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
}

/// One refresh grant; the successor token when it worked.
async fn refresh(client: &reqwest::Client, basic: &str, token: &str) -> Option<String> {
    let res = client
        .post(format!("http://{ADDRESS}/oauth2/token"))
        .header("authorization", basic)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("grant_type=refresh_token&refresh_token={token}"))
        .send()
        .await
        .ok()?;
    if !res.status().is_success() {
        return None;
    }
    let body: serde_json::Value = res.json().await.ok()?;
    body["refresh_token"].as_str().map(str::to_string)
}
