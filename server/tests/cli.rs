//! The `portico` binary itself: migrations on a fresh directory, and configuration
//! errors that stop start-up naming the key.

use std::process::Command;

fn portico() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_portico"));
    for (key, _) in std::env::vars() {
        if key.starts_with("PORTICO__") || key == "PORTICO_CONFIG" {
            cmd.env_remove(key);
        }
    }
    cmd.env("RUST_LOG", "warn");
    cmd
}

/// Runs `portico` with `args` in `dir` and asserts it succeeded.
fn run_ok(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let out = portico()
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "portico {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn migrate_creates_the_default_sqlite_database() {
    let dir = tempfile::tempdir().unwrap();
    run_ok(dir.path(), &["migrate"], &[]);
    assert!(
        dir.path().join("data/portico.db").exists(),
        "./data/portico.db is created"
    );
    // Running it again is a no-op.
    run_ok(dir.path(), &["migrate"], &[]);
}

#[test]
fn migrate_runs_on_postgres_when_configured() {
    let Ok(url) = std::env::var("PORTICO_TEST_POSTGRES_URL") else {
        eprintln!("skipped: PORTICO_TEST_POSTGRES_URL is not set");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    run_ok(
        dir.path(),
        &["migrate"],
        &[("PORTICO__DATABASE__URL", &url)],
    );
    assert!(
        !dir.path().join("data").exists(),
        "no SQLite file when PostgreSQL is configured"
    );
}

#[test]
fn bad_configuration_stops_start_up_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "PORTICO__SERVER__ADDRESS",
            "not-an-address",
            "server.address",
        ),
        (
            "PORTICO__SESSION__IDLE_TIMEOUT",
            "0s",
            "session.idle_timeout",
        ),
        ("PORTICO__DATABASE__URL", "mysql://x", "database.url"),
        (
            "PORTICO__SERVER__BASE_URL",
            "localhost:3000",
            "server.base_url",
        ),
        (
            "PORTICO__SECRETS__MASTER_KEY",
            "too-short",
            "secrets.master_key",
        ),
    ];
    for (key, value, named) in cases {
        let out = portico()
            .arg("serve")
            .env(key, value)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{key}={value} must stop start-up"
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(named),
            "{key}={value}: {stderr:?} does not name {named}"
        );
    }
    assert!(
        !dir.path().join("data").exists(),
        "nothing is created when the config is bad"
    );
}

#[test]
fn a_config_file_is_read_and_an_explicit_missing_one_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("portico.toml"),
        "[tenant]\ndisplay_name = \"Acme\"\n[database]\nurl = \"postgres://u:secret@db/x\"\n",
    )
    .unwrap();
    let out = run_ok(
        dir.path(),
        &["check-config"],
        &[(
            "PORTICO__SECRETS__MASTER_KEY",
            "dGVzdC1tYXN0ZXIta2V5LXRoaXJ0eS10d28tYnl0ZXM",
        )],
    );
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(shown.contains("Acme"));
    assert!(
        !shown.contains("dGVzdC1tYXN0ZXIt"),
        "the master key is redacted: {shown}"
    );
    assert!(
        !shown.contains("u:secret"),
        "the database password is redacted: {shown}"
    );

    let missing = portico()
        .args(["--config", "nope.toml", "check-config"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("nope.toml"));
}
