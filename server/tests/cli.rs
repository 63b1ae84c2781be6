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

/// Runs `portico` with `args` in `dir`; the output, whatever the exit status.
fn run(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    portico().args(args).current_dir(dir).output().unwrap()
}

fn field(out: &std::process::Output, name: &str) -> String {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| {
            l.strip_prefix(&format!("{name}:"))
                .map(|v| v.trim().to_string())
        })
        .unwrap_or_else(|| panic!("no {name} in {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn apps_are_registered_listed_disabled_and_rotated_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let web = run_ok(
        dir.path(),
        &[
            "apps",
            "create",
            "--name",
            "Northwind Shop",
            "--kind",
            "web",
            "--redirect-uri",
            "https://shop.example.com/callback",
            "--post-logout-redirect-uri",
            "https://shop.example.com/",
        ],
        &[],
    );
    let client_id = field(&web, "client_id");
    let secret = field(&web, "client_secret");
    assert_eq!(client_id.len(), 32);
    assert!(secret.starts_with("pcs_") && secret.len() > 40);
    assert_eq!(field(&web, "grants"), "authorization_code refresh_token");

    // A public app gets no secret.
    let spa = run_ok(
        dir.path(),
        &[
            "apps",
            "create",
            "--name",
            "Northwind SPA",
            "--kind",
            "spa",
            "--redirect-uri",
            "http://localhost:5173/callback",
        ],
        &[],
    );
    assert!(!String::from_utf8_lossy(&spa.stdout).contains("client_secret"));

    // Bad input: every problem named by its flag, nothing written.
    let bad = run(
        dir.path(),
        &[
            "apps",
            "create",
            "--name",
            "Wild",
            "--kind",
            "web",
            "--redirect-uri",
            "https://*.example.com/cb",
            "--redirect-uri",
            "http://shop.example.com/cb",
        ],
    );
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("--redirect-uris") && err.contains("wildcard"),
        "{err}"
    );
    assert!(err.contains("uses http"), "{err}");
    let bad = run(
        dir.path(),
        &[
            "apps", "create", "--name", "M", "--kind", "machine", "--grant", "implicit",
        ],
    );
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--grant"));

    let list = run_ok(dir.path(), &["apps", "list", "--json"], &[]);
    let apps: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    // (Dev mode registers the demo app too.)
    let apps: Vec<&serde_json::Value> = apps
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["client_id"] != "portico-demo")
        .collect();
    assert_eq!(apps.len(), 2, "the refused ones were not written");
    assert_eq!(apps[0]["client_id"], client_id.as_str());
    assert_eq!(
        apps[0]["redirect_uris"][0],
        "https://shop.example.com/callback"
    );
    assert!(
        !String::from_utf8_lossy(&list.stdout).contains(&secret),
        "secrets are never listed"
    );

    let out = run_ok(dir.path(), &["apps", "disable", &client_id], &[]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("disabled"));
    let list = run_ok(dir.path(), &["apps", "list"], &[]);
    assert!(String::from_utf8_lossy(&list.stdout).contains("disabled"));
    run_ok(dir.path(), &["apps", "enable", &client_id], &[]);

    let rotated = run_ok(
        dir.path(),
        &["apps", "rotate-secret", &client_id, "--overlap", "1h"],
        &[],
    );
    assert_ne!(field(&rotated, "client_secret"), secret);
    assert!(
        !run(dir.path(), &["apps", "rotate-secret", "nope"])
            .status
            .success()
    );
    assert!(
        !run(dir.path(), &["apps", "list", "--tenant", "nope"])
            .status
            .success()
    );

    // Editing: given flags change, the rest stays; a bad value changes nothing.
    run_ok(
        dir.path(),
        &[
            "apps",
            "update",
            &client_id,
            "--name",
            "Shop 2",
            "--redirect-uri",
            "https://shop.example.com/cb2",
            "--first-party",
            "false",
            "--id-token-alg",
            "ES256",
        ],
        &[],
    );
    let bad = run(
        dir.path(),
        &[
            "apps",
            "update",
            &client_id,
            "--redirect-uri",
            "https://*.example.com/cb",
        ],
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--redirect-uris"));
    let list = run_ok(dir.path(), &["apps", "list", "--json"], &[]);
    let apps: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let shop = apps
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["client_id"] == client_id.as_str())
        .unwrap();
    assert_eq!(shop["name"], "Shop 2");
    assert_eq!(shop["redirect_uris"][0], "https://shop.example.com/cb2");
    assert_eq!(shop["redirect_uris"].as_array().unwrap().len(), 1);
    assert_eq!(shop["first_party"], false);
    assert_eq!(shop["id_token_alg"], "ES256");
    assert_eq!(shop["kind"], "web", "the kind stays");
}

#[test]
fn signing_keys_exist_from_the_first_start_and_rotate_on_command() {
    let dir = tempfile::tempdir().unwrap();
    let list = run_ok(dir.path(), &["keys", "list"], &[]);
    let text = String::from_utf8_lossy(&list.stdout);
    assert_eq!(text.matches("active").count(), 3, "{text}");
    for alg in ["RS256", "ES256", "EdDSA"] {
        assert!(text.contains(alg), "{text}");
    }
    let rotated = run_ok(dir.path(), &["keys", "rotate"], &[]);
    let text = String::from_utf8_lossy(&rotated.stdout);
    assert_eq!(text.matches("added ").count(), 3, "{text}");
    assert_eq!(text.matches(" next ").count(), 3, "published ahead: {text}");
    assert_eq!(text.matches("active").count(), 3, "{text}");
}

#[test]
fn console_roles_are_granted_to_existing_accounts_only() {
    let dir = tempfile::tempdir().unwrap();
    let none = run(dir.path(), &["admins", "grant", "nobody@example.com"]);
    assert!(!none.status.success());
    assert!(String::from_utf8_lossy(&none.stderr).contains("sign up first"));
    let bad = run(dir.path(), &["admins", "list", "--role", "root"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--role"));
    let list = run_ok(dir.path(), &["admins", "list"], &[]);
    assert!(list.stdout.is_empty(), "no admins yet");
}

#[test]
fn sign_in_providers_are_managed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    // Bad input names the flag and writes nothing.
    let bad = run(
        dir.path(),
        &[
            "providers",
            "add",
            "Corp SSO",
            "--kind",
            "oidc",
            "--client-id",
            "c",
        ],
    );
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("--slug") && err.contains("--discovery-url"),
        "{err}"
    );
    let missing_secret = run(
        dir.path(),
        &[
            "providers",
            "add",
            "google",
            "--kind",
            "google",
            "--client-id",
            "c",
        ],
    );
    assert!(String::from_utf8_lossy(&missing_secret.stderr).contains("--client-secret"));
    let list = run_ok(dir.path(), &["providers", "list"], &[]);
    assert!(list.stdout.is_empty());

    // The secret comes from the environment; the callback URL to register is printed.
    let added = run_ok(
        dir.path(),
        &[
            "providers",
            "add",
            "google",
            "--kind",
            "google",
            "--client-id",
            "123.apps",
        ],
        &[("PORTICO_PROVIDER_CLIENT_SECRET", "GOCSPX-secret")],
    );
    let out = String::from_utf8_lossy(&added.stdout);
    assert!(out.contains("/federation/callback/google"), "{out}");
    assert!(!out.contains("GOCSPX"), "the secret is never printed");
    let list = String::from_utf8_lossy(&run_ok(dir.path(), &["providers", "list"], &[]).stdout)
        .to_string();
    assert!(list.contains("google\tgoogle\tenabled\tGoogle"), "{list}");
    run_ok(dir.path(), &["providers", "disable", "google"], &[]);
    let list = String::from_utf8_lossy(&run_ok(dir.path(), &["providers", "list"], &[]).stdout)
        .to_string();
    assert!(list.contains("disabled"), "{list}");
    run_ok(
        dir.path(),
        &[
            "providers",
            "update",
            "google",
            "--name",
            "Google Workspace",
        ],
        &[],
    );
    let list = String::from_utf8_lossy(&run_ok(dir.path(), &["providers", "list"], &[]).stdout)
        .to_string();
    assert!(list.contains("Google Workspace"), "{list}");
    let bad_update = run(
        dir.path(),
        &[
            "providers",
            "update",
            "google",
            "--discovery-url",
            "ftp://x",
        ],
    );
    assert!(String::from_utf8_lossy(&bad_update.stderr).contains("--discovery-url"));
    run_ok(dir.path(), &["providers", "remove", "google"], &[]);
    let list = run_ok(dir.path(), &["providers", "list"], &[]);
    assert!(list.stdout.is_empty());
    let gone = run(dir.path(), &["providers", "remove", "google"]);
    assert!(!gone.status.success());
}

#[test]
fn tenants_are_created_and_listed_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = run(
        dir.path(),
        &[
            "tenants",
            "create",
            "Acme Corp",
            "--name",
            "Acme",
            "--base-url",
            "http://acme.example",
        ],
    );
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("--slug") && err.contains("--base-url"),
        "{err}"
    );
    let out = run_ok(
        dir.path(),
        &[
            "tenants",
            "create",
            "acme",
            "--name",
            "Acme Travel",
            "--base-url",
            "http://acme.localhost:3000",
            "--host",
            "login.acme.example",
        ],
        &[],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("issuer: http://acme.localhost:3000"));
    run_ok(
        dir.path(),
        &["tenants", "add-host", "acme", "travel.acme.example"],
        &[],
    );
    let taken = run(
        dir.path(),
        &["tenants", "add-host", "acme", "login.acme.example"],
    );
    assert!(String::from_utf8_lossy(&taken.stderr).contains("--host"));
    let list =
        String::from_utf8_lossy(&run_ok(dir.path(), &["tenants", "list"], &[]).stdout).to_string();
    assert!(list.contains("(default)"), "{list}");
    assert!(
        list.contains("acme\thttp://acme.localhost:3000\tacme.localhost:3000,login.acme.example,travel.acme.example\tAcme Travel"),
        "{list}"
    );
    // Other commands reach the new tenant with --tenant.
    run_ok(dir.path(), &["providers", "list", "--tenant", "acme"], &[]);
}
