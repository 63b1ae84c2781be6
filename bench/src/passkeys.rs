//! Passkey sign-in throughput.
//!
//! 1. Assertion verification alone (webauthn-rs, ES256), per core: the ceiling.
//! 2. Whole sign-ins through the real `portico` binary on SQLite, closed loop with many
//!    concurrent customers: a login flow, the passkey options, the authenticator's
//!    answer (signed in this process), and the finish that verifies it, records the
//!    counter and starts a session.
//!
//! Results: `passkeys.json` and `passkeys.md` next to the password results.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use portico_identity::accounts::{DisplayName, Email};
use portico_identity::audit::ClientInfo;
use portico_identity::credentials::soft_authenticator::SoftAuthenticator;
use portico_identity::flows::BrowserBinding;
use portico_identity::{TenantId, UserId};
use serde::Serialize;
use tokio::sync::Mutex;
use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential, Url, Uuid};

use crate::{Latency, Server, form, latency};

const ADDRESS: &str = "127.0.0.1:3312";
const HOST: &str = "localhost:3312";
const ORIGIN: &str = "http://localhost:3312";

#[derive(Serialize, Clone)]
pub struct PasskeyReport {
    measured_at: String,
    machine: String,
    cores: usize,
    verifications_per_sec_per_core: f64,
    concurrency: usize,
    runs: Vec<Run>,
    notes: Vec<&'static str>,
}

/// Whole sign-ins on one database.
#[derive(Serialize, Clone)]
pub struct Run {
    database: &'static str,
    seconds: f64,
    signed_in: usize,
    failed: usize,
    signed_in_per_sec: f64,
    signed_in_per_sec_per_core: f64,
    latency: Latency,
}

pub(crate) async fn fresh_postgres_database(admin_url: &str) -> String {
    use sea_orm::ConnectionTrait;
    let name = format!("portico_bench_{}", Uuid::now_v7().simple());
    let admin = sea_orm::Database::connect(admin_url)
        .await
        .expect("connect to PostgreSQL");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create the bench database");
    let mut url = Url::parse(admin_url).expect("PORTICO_BENCH_POSTGRES_URL is a URL");
    url.set_path(&name);
    url.to_string()
}

async fn sign_ins(
    server_bin: &Path,
    dir: &Path,
    database: &'static str,
    url: String,
    concurrency: usize,
    seconds: u64,
    cores: usize,
) -> Run {
    eprintln!("passkeys ({database}): preparing {concurrency} accounts with passkeys…");
    let (db_url, keys) = prepare(url, concurrency).await;
    let _server: Server =
        crate::start_server_at(server_bin, &db_url, dir, ADDRESS, ORIGIN, &[]).await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .expect("client");
    eprintln!("passkeys ({database}): {concurrency} customers signing in for {seconds} s…");
    let results: Arc<Mutex<(Vec<f64>, usize)>> = Arc::default();
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let tasks: Vec<_> = keys
        .into_iter()
        .map(|mut key| {
            let (client, results) = (client.clone(), results.clone());
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    let t = Instant::now();
                    let ok = sign_in(&client, &mut key).await.is_some();
                    let ms = t.elapsed().as_secs_f64() * 1000.0;
                    let mut r = results.lock().await;
                    if ok {
                        r.0.push(ms);
                    } else {
                        r.1 += 1;
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let (times, failed) = results.lock().await.clone();
    let per_sec = times.len() as f64 / elapsed;
    let run = Run {
        database,
        seconds: elapsed,
        signed_in: times.len(),
        failed,
        signed_in_per_sec: per_sec,
        signed_in_per_sec_per_core: per_sec / cores as f64,
        latency: latency(times),
    };
    eprintln!(
        "  {:.1} passkey sign-ins/s ({:.1}/core), p50 {:.0} ms, p99 {:.0} ms, failed {}",
        run.signed_in_per_sec,
        run.signed_in_per_sec_per_core,
        run.latency.p50_ms,
        run.latency.p99_ms,
        failed
    );
    run
}

/// Assertions verified per second on one thread, timing only the verification (JSON
/// parsing of the answer included, as the server does it).
fn verification_rate_per_core(seconds: u64) -> f64 {
    let origin = Url::parse(ORIGIN).expect("origin");
    let rp = webauthn_rs::prelude::WebauthnBuilder::new("localhost", &origin)
        .and_then(|b| b.build())
        .expect("relying party");
    let mut key = SoftAuthenticator::new();
    let (ccr, reg) = rp
        .start_passkey_registration(Uuid::new_v4(), "bench", "Bench", None)
        .expect("registration");
    let options = serde_json::to_value(&ccr).expect("options");
    let answer: RegisterPublicKeyCredential =
        serde_json::from_value(key.create(&options, ORIGIN).expect("create")).expect("answer");
    let passkey = rp
        .finish_passkey_registration(&answer, &reg)
        .expect("passkey");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let (mut verified, mut spent) = (0u64, Duration::ZERO);
    while Instant::now() < deadline {
        let (rcr, state) = rp.start_discoverable_authentication().expect("challenge");
        let options = serde_json::to_value(&rcr).expect("options");
        let assertion = key
            .get(&options, ORIGIN, None)
            .expect("assertion")
            .to_string();
        let t = Instant::now();
        let credential: PublicKeyCredential = serde_json::from_str(&assertion).expect("credential");
        let ok = rp
            .finish_discoverable_authentication_v2(&credential, state, &passkey)
            .is_ok();
        spent += t.elapsed();
        if ok {
            verified += 1;
        }
    }
    verified as f64 / spent.as_secs_f64()
}

/// A database with `n` verified accounts, each with one passkey held by the returned
/// software authenticator.
async fn prepare(url: String, n: usize) -> (String, Vec<SoftAuthenticator>) {
    let mut config = portico_server::Config::default();
    config.database.url = url.clone();
    config.server.base_url = ORIGIN.into();
    let state = portico_server::build_state(config).await.expect("state");
    let engine = state.engine.clone();
    let tenant = engine.resolve_tenant(HOST).await.expect("tenant");
    let phc = engine
        .hasher()
        .hash("correct horse battery staple")
        .await
        .expect("hash");
    let browser = BrowserBinding::from_cookie("bench-browser-cookie-value-long-enough");
    let client = ClientInfo::default();
    let now = chrono::Utc::now();
    let mut keys = Vec::with_capacity(n);
    for i in 0..n {
        let email = Email::parse(&format!("passkey{i}@bench.example")).expect("email");
        let user = UserId::generate();
        let tx = engine.db().begin().await.expect("tx");
        portico_identity::store::accounts::insert_password_account(
            &tx,
            TenantId(tenant.tenant.id.0),
            user,
            &email,
            &DisplayName::from_email(&email),
            None,
            &phc,
            now,
        )
        .await
        .expect("account");
        portico_identity::store::accounts::mark_email_verified(&tx, user, email.as_str(), now)
            .await
            .expect("verified");
        tx.commit().await.expect("commit");
        let start = engine
            .start_passkey_enrolment(&tenant.tenant, HOST, &browser, user)
            .await
            .expect("enrolment")
            .expect("passkeys available on localhost");
        let mut key = SoftAuthenticator::new();
        let answer = key.create(&start.options, ORIGIN).expect("create");
        engine
            .finish_passkey_enrolment(
                &tenant.tenant,
                &browser,
                &client,
                user,
                &start.ceremony,
                &answer.to_string(),
            )
            .await
            .expect("store")
            .expect("passkey added");
        keys.push(key);
    }
    (url, keys)
}

fn cookie_named(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .and_then(|c| c.split(';').next())
        .map(str::to_string)
}

async fn post(
    client: &reqwest::Client,
    path: &str,
    cookie: Option<&str>,
    fields: &[(&str, &str)],
) -> Option<reqwest::Response> {
    let mut req = client
        .post(format!("{ORIGIN}{path}"))
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", ORIGIN)
        .body(form(fields));
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send().await.ok().filter(|r| r.status().is_success())
}

/// One whole passkey sign-in; true when it ended with a session.
async fn sign_in(client: &reqwest::Client, key: &mut SoftAuthenticator) -> Option<()> {
    let res = post(client, "/api/login/flow", None, &[]).await?;
    let cookie = cookie_named(&res, "portico_csrf")?;
    let flow: serde_json::Value = res.json().await.ok()?;
    let (id, csrf) = (flow["id"].as_str()?, flow["csrf_token"].as_str()?);
    let res = post(
        client,
        "/api/passkey/login/options",
        Some(&cookie),
        &[("flow", id), ("csrf_token", csrf)],
    )
    .await?;
    let start: serde_json::Value = res.json().await.ok()?;
    let options: serde_json::Value = serde_json::from_str(start["options"].as_str()?).ok()?;
    let answer = key.get(&options, ORIGIN, None).ok()?.to_string();
    let res = post(
        client,
        "/api/passkey/login",
        Some(&cookie),
        &[
            ("flow", id),
            ("csrf_token", csrf),
            ("ceremony", start["ceremony"].as_str()?),
            ("credential", &answer),
        ],
    )
    .await?;
    cookie_named(&res, "portico_session").map(|_| ())
}

pub async fn run(server_bin: &Path, out: &Path, seconds: u64, cores: usize, machine: &str) {
    eprintln!("passkeys: verifying assertions on one core…");
    let per_core = tokio::task::spawn_blocking(move || verification_rate_per_core(seconds.min(10)))
        .await
        .expect("verification");
    eprintln!("  {per_core:.0} verifications/s per core");

    let concurrency = 32;
    let dir = tempfile::tempdir().expect("temp dir");
    let mut runs = vec![
        sign_ins(
            server_bin,
            dir.path(),
            "SQLite",
            format!("sqlite://{}/passkeys.db", dir.path().display()),
            concurrency,
            seconds,
            cores,
        )
        .await,
    ];
    if let Ok(admin) = std::env::var("PORTICO_BENCH_POSTGRES_URL") {
        let url = fresh_postgres_database(&admin).await;
        runs.push(
            sign_ins(
                server_bin,
                dir.path(),
                "PostgreSQL",
                url,
                concurrency,
                seconds,
                cores,
            )
            .await,
        );
    }
    let report = PasskeyReport {
        measured_at: chrono::Utc::now().to_rfc3339(),
        machine: machine.to_string(),
        cores,
        verifications_per_sec_per_core: per_core,
        concurrency,
        runs: runs.clone(),
        notes: vec![
            "A sign-in is three requests: a login flow, the passkey options, and the signed answer; the finish verifies the assertion and, in one transaction, consumes the ceremony, records the counter, completes the flow and writes an audit row; then the session is stored.",
            "The load generator (including the authenticator's ECDSA signing) runs on the same machine and competes for the same cores.",
            "SQLite runs with WAL and synchronous=FULL: every commit waits for an fsync. PostgreSQL is Debian's default cluster on the same machine (set PORTICO_BENCH_POSTGRES_URL to include it).",
        ],
    };
    std::fs::create_dir_all(out).expect("results dir");
    std::fs::write(
        out.join("passkeys.json"),
        serde_json::to_string_pretty(&report).expect("json"),
    )
    .expect("write json");
    let mut md = format!(
        "# Passkey sign-in benchmark\n\nMeasured {} on {}.\n\nAssertion verification alone (ES256, webauthn-rs): **{:.0}/s per core**.\n\n| database | concurrent customers | sign-ins/s | per core | p50 | p99 | failed |\n|---|---|---|---|---|---|---|\n",
        report.measured_at, report.machine, per_core,
    );
    for r in &runs {
        md.push_str(&format!(
            "| {} | {} | {:.1} | {:.1} | {:.0} ms | {:.0} ms | {} |\n",
            r.database,
            concurrency,
            r.signed_in_per_sec,
            r.signed_in_per_sec_per_core,
            r.latency.p50_ms,
            r.latency.p99_ms,
            r.failed
        ));
    }
    md.push_str("\nNotes:\n");
    for n in &report.notes {
        md.push_str(&format!("- {n}\n"));
    }
    std::fs::write(out.join("passkeys.md"), md).expect("write md");
}
