//! `portico-bench`: how many password sign-ins Portico serves per second per core, and
//! how it behaves past capacity.
//!
//! 1. Measures the raw Argon2id rate of this machine (19 MiB, t=2, p=1), one thread per
//!    core: the ceiling for password sign-ins.
//! 2. Prepares a SQLite database with verified accounts, starts the real `portico`
//!    binary on it, and drives password sign-ins open-loop (a fixed arrival rate, like
//!    real traffic) at 50%, 100% and 500% of that ceiling, while probing `/healthz` and
//!    a signed-in page view.
//! 3. Writes the figures to `bench/results/latest.json` and `bench/results/latest.md`.
//!
//! 4. Measures passkey sign-ins (see [`passkeys`]).
//!
//! Usage: `bench/run.sh [--scenario all|password|passkeys] [--seconds N]` (builds the
//! release binaries, then runs this).

mod passkeys;
mod tokens;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use argon2::{Algorithm, Argon2, Block, Params, Version};
use portico_identity::accounts::{DisplayName, Email};
use portico_identity::{TenantId, UserId};
use serde::Serialize;
use tokio::sync::Mutex;

const PASSWORD: &str = "correct horse battery staple";
const ADDRESS: &str = "127.0.0.1:3311";

struct Args {
    server_bin: PathBuf,
    out: PathBuf,
    seconds: u64,
    accounts: usize,
    scenario: String,
}

fn args() -> Args {
    let mut a = Args {
        server_bin: PathBuf::from(
            std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()),
        )
        .join("release/portico"),
        out: PathBuf::from("bench/results"),
        seconds: 15,
        accounts: 2000,
        scenario: "all".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_default();
        match flag.as_str() {
            "--server-bin" => a.server_bin = value.into(),
            "--out" => a.out = value.into(),
            "--seconds" => a.seconds = value.parse().expect("--seconds takes a number"),
            "--accounts" => a.accounts = value.parse().expect("--accounts takes a number"),
            "--scenario" => a.scenario = value,
            other => panic!("unknown option {other}"),
        }
    }
    a
}

/// Hashes per second on `threads` threads at OWASP parameters, each reusing its memory.
fn raw_argon2_rate(threads: usize, seconds: u64) -> f64 {
    let params = Params::new(19 * 1024, 2, 1, Some(32)).expect("params");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let params = params.clone();
            std::thread::spawn(move || {
                let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
                let mut memory = vec![Block::default(); params.block_count()];
                let mut out = [0u8; 32];
                let mut n = 0u64;
                while Instant::now() < deadline {
                    argon
                        .hash_password_into_with_memory(
                            PASSWORD.as_bytes(),
                            b"somesaltsomesalt",
                            &mut out,
                            &mut memory,
                        )
                        .expect("hash");
                    n += 1;
                }
                n
            })
        })
        .collect();
    let total: u64 = handles.into_iter().map(|h| h.join().unwrap_or(0)).sum();
    total as f64 / seconds as f64
}

/// Creates the database with `n` verified accounts sharing one password hash.
async fn prepare_database(dir: &std::path::Path, n: usize) -> String {
    let url = format!("sqlite://{}/bench.db", dir.display());
    let mut config = portico_server::Config::default();
    config.database.url = url.clone();
    config.server.base_url = format!("http://{ADDRESS}");
    let state = portico_server::build_state(config).await.expect("state");
    let engine = state.engine.clone();
    let tenant = engine.resolve_tenant(ADDRESS).await.expect("tenant");
    let phc = engine.hasher().hash(PASSWORD).await.expect("hash");
    let now = chrono::Utc::now();
    for chunk in (0..n).collect::<Vec<_>>().chunks(500) {
        let tx = engine.db().begin().await.expect("tx");
        for i in chunk {
            let email = Email::parse(&format!("user{i}@bench.example")).expect("email");
            let user = UserId::generate();
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
        }
        tx.commit().await.expect("commit");
    }
    url
}

struct Server(Child);

impl Server {
    /// CPU seconds (user + system) the server process has used so far (Linux).
    fn cpu_seconds(&self) -> f64 {
        let stat =
            std::fs::read_to_string(format!("/proc/{}/stat", self.0.id())).unwrap_or_default();
        // Fields after the command name (which may hold spaces) start after ')'.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace().collect())
            .unwrap_or_default();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        // utime and stime are fields 14 and 15 of stat, 12 and 13 after the ')'.
        (ticks(11) + ticks(12)) / 100.0
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start_server(bin: &std::path::Path, db_url: &str, dir: &std::path::Path) -> Server {
    start_server_at(bin, db_url, dir, ADDRESS, &format!("http://{ADDRESS}"), &[]).await
}

async fn start_server_at(
    bin: &std::path::Path,
    db_url: &str,
    dir: &std::path::Path,
    address: &str,
    base_url: &str,
    env: &[(&str, &str)],
) -> Server {
    let child = Command::new(bin)
        .envs(env.iter().copied())
        .arg("serve")
        .current_dir(dir)
        .env("PORTICO__SERVER__ADDRESS", address)
        .env("PORTICO__SERVER__BASE_URL", base_url)
        .env("PORTICO__SERVER__TRUSTED_PROXIES", "[\"127.0.0.1\"]")
        .env("PORTICO__DATABASE__URL", db_url)
        .env("PORTICO__LOG__LEVEL", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("could not start {}: {e}", bin.display()));
    let server = Server(child);
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client
            .get(format!("http://{address}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not become ready");
}

/// A login flow ready to submit: its id, CSRF token and the browser's cookie.
struct Prepared {
    flow: String,
    csrf: String,
    cookie: String,
}

async fn prepare_flow(client: &reqwest::Client) -> Prepared {
    let res = client
        .post(format!("http://{ADDRESS}/api/login/flow"))
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", format!("http://{ADDRESS}"))
        .body("")
        .send()
        .await
        .expect("flow");
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("portico_csrf="))
        .and_then(|c| c.split(';').next())
        .expect("csrf cookie")
        .to_string();
    let body: serde_json::Value = res.json().await.expect("flow json");
    Prepared {
        flow: body["id"].as_str().expect("id").to_string(),
        csrf: body["csrf_token"].as_str().expect("csrf").to_string(),
        cookie,
    }
}

fn form(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            let enc: String = v
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{k}={enc}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    SignedIn,
    Refused,
    Failed,
}

async fn sign_in(client: &reqwest::Client, p: &Prepared, i: usize, accounts: usize) -> Outcome {
    let email = format!("user{}@bench.example", i % accounts);
    // Distinct client addresses, as a real crowd has (the server trusts this proxy).
    let ip = format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255);
    let res = client
        .post(format!("http://{ADDRESS}/api/login/password"))
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", format!("http://{ADDRESS}"))
        .header("cookie", &p.cookie)
        .header("x-forwarded-for", ip)
        .body(form(&[
            ("flow", &p.flow),
            ("csrf_token", &p.csrf),
            ("email", &email),
            ("password", PASSWORD),
        ]))
        .send()
        .await;
    match res {
        Ok(r) if r.status() == 429 => Outcome::Refused,
        Ok(r)
            if r.status().is_success()
                && r.headers()
                    .get_all("set-cookie")
                    .iter()
                    .any(|c| c.to_str().is_ok_and(|c| c.starts_with("portico_session="))) =>
        {
            Outcome::SignedIn
        }
        _ => Outcome::Failed,
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

#[derive(Serialize, Default, Clone)]
struct Latency {
    count: usize,
    p50_ms: f64,
    p99_ms: f64,
}

fn latency(mut v: Vec<f64>) -> Latency {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    Latency {
        count: v.len(),
        p50_ms: percentile(&v, 0.50),
        p99_ms: percentile(&v, 0.99),
    }
}

#[derive(Serialize, Clone)]
struct Phase {
    load_percent: u32,
    offered_per_sec: f64,
    signed_in_per_sec: f64,
    signed_in_per_sec_per_core: f64,
    signed_in: Latency,
    refused_429: Latency,
    failed: usize,
    healthz: Latency,
    signed_in_page_view: Latency,
}

async fn run_phase(
    client: &reqwest::Client,
    load_percent: u32,
    capacity: f64,
    seconds: u64,
    accounts: usize,
    cores: usize,
    session_cookie: &str,
) -> Phase {
    let rate = capacity * load_percent as f64 / 100.0;
    let total = (rate * seconds as f64).round() as usize;
    // Flows are prepared first so the measured window holds only sign-ins.
    let mut prepared = Vec::with_capacity(total);
    for chunk in 0..total.div_ceil(32) {
        let n = 32.min(total - chunk * 32);
        let batch: Vec<_> = (0..n)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move { prepare_flow(&client).await })
            })
            .collect();
        for task in batch {
            prepared.push(Arc::new(task.await.expect("flow task")));
        }
    }
    let results: Arc<Mutex<Vec<(Outcome, f64)>>> = Arc::default();
    let probes: Arc<Mutex<(Vec<f64>, Vec<f64>)>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let probe = {
        let (client, probes, stop, cookie) = (
            client.clone(),
            probes.clone(),
            stop.clone(),
            session_cookie.to_string(),
        );
        tokio::spawn(async move {
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let t = Instant::now();
                let ok = client
                    .get(format!("http://{ADDRESS}/healthz"))
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == 200);
                if ok {
                    probes
                        .lock()
                        .await
                        .0
                        .push(t.elapsed().as_secs_f64() * 1000.0);
                }
                let t = Instant::now();
                let ok = client
                    .get(format!("http://{ADDRESS}/account"))
                    .header("cookie", &cookie)
                    .header("accept", "text/html")
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == 200);
                if ok {
                    probes
                        .lock()
                        .await
                        .1
                        .push(t.elapsed().as_secs_f64() * 1000.0);
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(total);
    for (i, p) in prepared.into_iter().enumerate() {
        let at = start + Duration::from_secs_f64(i as f64 / rate);
        tokio::time::sleep_until(at.into()).await;
        let (client, results) = (client.clone(), results.clone());
        tasks.push(tokio::spawn(async move {
            let t = Instant::now();
            let outcome = sign_in(&client, &p, i, accounts).await;
            results
                .lock()
                .await
                .push((outcome, t.elapsed().as_secs_f64() * 1000.0));
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = start.elapsed().as_secs_f64();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = probe.await;
    let results = results.lock().await.clone();
    let signed: Vec<f64> = results
        .iter()
        .filter(|r| r.0 == Outcome::SignedIn)
        .map(|r| r.1)
        .collect();
    let refused: Vec<f64> = results
        .iter()
        .filter(|r| r.0 == Outcome::Refused)
        .map(|r| r.1)
        .collect();
    let failed = results.iter().filter(|r| r.0 == Outcome::Failed).count();
    let (healthz, page) = probes.lock().await.clone();
    let per_sec = signed.len() as f64 / elapsed;
    Phase {
        load_percent,
        offered_per_sec: rate,
        signed_in_per_sec: per_sec,
        signed_in_per_sec_per_core: per_sec / cores as f64,
        signed_in: latency(signed),
        refused_429: latency(refused),
        failed,
        healthz: latency(healthz),
        signed_in_page_view: latency(page),
    }
}

#[derive(Serialize)]
struct Report {
    measured_at: String,
    machine: String,
    cores: usize,
    argon2_params: &'static str,
    raw_argon2_per_sec: f64,
    raw_argon2_per_sec_per_core: f64,
    capacity_used_for_load: f64,
    phases: Vec<Phase>,
    notes: Vec<&'static str>,
}

fn machine(cores: usize) -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    format!("{model}, {cores} cores")
}

#[tokio::main]
async fn main() {
    let args = args();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if matches!(args.scenario.as_str(), "all" | "password") {
        password_scenario(&args, cores).await;
    }
    if matches!(args.scenario.as_str(), "all" | "tokens") {
        tokens::run(
            &args.server_bin,
            &args.out,
            args.seconds,
            cores,
            &machine(cores),
        )
        .await;
    }
    if matches!(args.scenario.as_str(), "all" | "passkeys") {
        passkeys::run(
            &args.server_bin,
            &args.out,
            args.seconds,
            cores,
            &machine(cores),
        )
        .await;
    }
}

async fn password_scenario(args: &Args, cores: usize) {
    eprintln!("measuring raw Argon2id on {cores} threads…");
    let raw = raw_argon2_rate(cores, 10);
    eprintln!(
        "raw Argon2id: {raw:.1}/s ({:.1}/s/core)",
        raw / cores as f64
    );

    let dir = tempfile::tempdir().expect("temp dir");
    eprintln!("preparing {} accounts…", args.accounts);
    let db_url = prepare_database(dir.path(), args.accounts).await;
    let _server = start_server(&args.server_bin, &db_url, dir.path()).await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(512)
        .build()
        .expect("client");

    // A signed-in browser for the page-view probe.
    let p = prepare_flow(&client).await;
    let res = client
        .post(format!("http://{ADDRESS}/api/login/password"))
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", format!("http://{ADDRESS}"))
        .header("cookie", &p.cookie)
        .body(form(&[
            ("flow", &p.flow),
            ("csrf_token", &p.csrf),
            ("email", "user0@bench.example"),
            ("password", PASSWORD),
        ]))
        .send()
        .await
        .expect("sign in");
    let session = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("portico_session="))
        .and_then(|c| c.split(';').next())
        .expect("a session")
        .to_string();

    let mut phases = Vec::new();
    for load in [50, 100, 500] {
        eprintln!("phase: {load}% of {raw:.1}/s for {} s…", args.seconds);
        let phase = run_phase(
            &client,
            load,
            raw,
            args.seconds,
            args.accounts,
            cores,
            &session,
        )
        .await;
        eprintln!(
            "  {:.1} signed in/s ({:.1}/core), p50 {:.0} ms, p99 {:.0} ms; 429: {} (p99 {:.1} ms); failed {}; healthz p99 {:.1} ms; page p99 {:.1} ms",
            phase.signed_in_per_sec,
            phase.signed_in_per_sec_per_core,
            phase.signed_in.p50_ms,
            phase.signed_in.p99_ms,
            phase.refused_429.count,
            phase.refused_429.p99_ms,
            phase.failed,
            phase.healthz.p99_ms,
            phase.signed_in_page_view.p99_ms
        );
        phases.push(phase);
        tokio::time::sleep(Duration::from_secs(3)).await;
    }

    let report = Report {
        measured_at: chrono::Utc::now().to_rfc3339(),
        machine: machine(cores),
        cores,
        argon2_params: "argon2id m=19456 KiB, t=2, p=1",
        raw_argon2_per_sec: raw,
        raw_argon2_per_sec_per_core: raw / cores as f64,
        capacity_used_for_load: raw,
        phases: phases.clone(),
        notes: vec![
            "The load generator runs on the same machine as the server and competes with it for the same cores.",
            "Sign-ins are open-loop (fixed arrival rate); flows are prepared before each measured window.",
            "SQLite (WAL, synchronous=FULL) database; each sign-in writes a flow update, an audit row, throttle counters and a session.",
        ],
    };
    std::fs::create_dir_all(&args.out).expect("results dir");
    std::fs::write(
        args.out.join("latest.json"),
        serde_json::to_string_pretty(&report).expect("json"),
    )
    .expect("write json");
    let mut md = format!(
        "# Password sign-in benchmark\n\nMeasured {} on {}.\n\nRaw Argon2id ({}): **{:.1}/s** ({:.1}/s per core).\n\n| offered load | offered/s | signed in/s | per core | sign-in p50 | sign-in p99 | 429s | 429 p99 | /healthz p99 | signed-in page p99 |\n|---|---|---|---|---|---|---|---|---|---|\n",
        report.measured_at,
        report.machine,
        report.argon2_params,
        raw,
        raw / cores as f64
    );
    for p in &phases {
        md.push_str(&format!(
            "| {}% | {:.1} | {:.1} | {:.1} | {:.0} ms | {:.0} ms | {} | {:.1} ms | {:.1} ms | {:.1} ms |\n",
            p.load_percent,
            p.offered_per_sec,
            p.signed_in_per_sec,
            p.signed_in_per_sec_per_core,
            p.signed_in.p50_ms,
            p.signed_in.p99_ms,
            p.refused_429.count,
            p.refused_429.p99_ms,
            p.healthz.p99_ms,
            p.signed_in_page_view.p99_ms
        ));
    }
    md.push_str("\nNotes:\n");
    for n in &report.notes {
        md.push_str(&format!("- {n}\n"));
    }
    std::fs::write(args.out.join("latest.md"), md).expect("write md");
    eprintln!("results written to {}", args.out.display());
}
