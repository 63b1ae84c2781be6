//! Client credentials grants per second.
//!
//! 1. Access-token signing alone (ES256 JWT through the engine), on one core: the
//!    ceiling of the grant's own work.
//! 2. Whole grants through the real `portico` binary on SQLite: many concurrent backend
//!    clients, each `POST /oauth2/token` with HTTP Basic authentication, closed loop.
//!
//! Results: `tokens.json` and `tokens.md` next to the other results.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use portico_identity::apps::{AppKind, NewApp, SigningAlg};
use portico_identity::audit::ClientInfo;
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
    grants: Latency,
    grants_per_sec: f64,
    grants_per_sec_per_core: f64,
    failures: usize,
    notes: Vec<&'static str>,
}

/// The run's configuration; `master_key` is shared with the server so it can open the
/// keys prepared here.
fn config(dir: &Path, master_key: &str) -> portico_server::Config {
    let mut config = portico_server::Config::default();
    config.database.url = format!("sqlite://{}/tokens.db", dir.display());
    config.server.base_url = format!("http://{ADDRESS}");
    config.secrets.master_key = master_key.into();
    config
}

pub async fn run(server_bin: &Path, out: &Path, seconds: u64, cores: usize, machine: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let master_key = portico_identity::secrets::SealingKey::generate_text();
    let state = portico_server::build_state(config(dir.path(), &master_key))
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
    drop(state);

    let db_url = format!("sqlite://{}/tokens.db", dir.path().display());
    let _server = crate::start_server_at(
        server_bin,
        &db_url,
        dir.path(),
        ADDRESS,
        &format!("http://{ADDRESS}"),
        &[("PORTICO__SECRETS__MASTER_KEY", master_key.as_str())],
    )
    .await;
    let concurrency = 64;
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
    eprintln!("tokens: {concurrency} clients for {seconds} s…");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
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
    let all = std::mem::take(&mut *latencies.lock().await);
    let grants = latency(all);
    let per_sec = grants.count as f64 / elapsed;
    eprintln!(
        "  {per_sec:.0} grants/s ({:.0}/s per core), p99 {:.1} ms",
        per_sec / cores as f64,
        grants.p99_ms
    );
    let report = TokenReport {
        measured_at: chrono::Utc::now().to_rfc3339(),
        machine: machine.to_string(),
        cores,
        signing_per_sec_one_core: signing,
        concurrency,
        seconds,
        grants_per_sec: per_sec,
        grants_per_sec_per_core: per_sec / cores as f64,
        failures: failures.load(std::sync::atomic::Ordering::Relaxed),
        grants,
        notes: vec![
            "A grant is one POST /oauth2/token with HTTP Basic client authentication: the client and its secret hashes come from a 5-second in-memory cache, the secret is compared in constant time, and an ES256 access token (RFC 9068) is signed.",
            "The load generator runs on the same machine and competes for the same cores.",
        ],
    };
    std::fs::create_dir_all(out).expect("results dir");
    std::fs::write(
        out.join("tokens.json"),
        serde_json::to_string_pretty(&report).expect("json"),
    )
    .expect("write tokens.json");
    let md = format!(
        "# Client credentials grants\n\nMeasured {} on {} ({} cores).\n\n| measure | result |\n|---|---|\n| ES256 access-token signing alone, one core | {:.0}/s |\n| whole grants, {} concurrent clients, SQLite | {:.0}/s ({:.0}/s per core), p50 {:.1} ms, p99 {:.1} ms, {} failures |\n",
        report.measured_at,
        report.machine,
        cores,
        report.signing_per_sec_one_core,
        concurrency,
        report.grants_per_sec,
        report.grants_per_sec_per_core,
        report.grants.p50_ms,
        report.grants.p99_ms,
        report.failures,
    );
    std::fs::write(out.join("tokens.md"), md).expect("write tokens.md");
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
