//! `portico`: the command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use portico_server::{Config, build_state, open_database, router, telemetry};

#[derive(Parser)]
#[command(
    name = "portico",
    version,
    about = "Customer identity and access management"
)]
struct Cli {
    /// Configuration file (default: ./portico.toml if it exists).
    #[arg(long, short, global = true, env = "PORTICO_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run migrations, make sure the default tenant exists, and serve.
    Serve,
    /// Run database migrations and exit.
    Migrate,
    /// Load and validate the configuration, print it (secrets redacted), and exit.
    CheckConfig,
    /// Print a fresh master key for `secrets.master_key`.
    GenerateKey,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Command::GenerateKey) {
        println!("{}", portico_identity::secrets::SealingKey::generate_text());
        return ExitCode::SUCCESS;
    }
    let config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("portico: {e}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(&config.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("portico: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            Command::Serve => serve(config).await,
            Command::Migrate => open_database(&config)
                .await
                .map(|_| tracing::info!("migrations are up to date"))
                .map_err(|e| e.to_string()),
            Command::CheckConfig => {
                let mut shown = config.clone();
                shown.database.url = redact_url(&shown.database.url);
                println!("dev mode: {}", if config.dev_mode() { "on" } else { "off" });
                println!("{}", toml_pretty(&shown));
                Ok(())
            }
            Command::GenerateKey => Ok(()),
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("portico: {e}");
            ExitCode::FAILURE
        }
    }
}

fn toml_pretty(config: &Config) -> String {
    serde_json::to_string_pretty(config).unwrap_or_default()
}

/// Hides the password in a database URL.
fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

async fn serve(config: Config) -> Result<(), String> {
    let address = config.server.address;
    let base_url = config.base_url();
    let dev_mode = config.dev_mode();
    let state = build_state(config).await.map_err(|e| e.to_string())?;
    if dev_mode {
        tracing::warn!(
            "\n\n  ██ DEV MODE ██  Mail is kept in the outbox and shown to anyone at {base_url}/dev/mail.\n  \
             Never expose this instance to the internet. Turn it off with server.dev_mode = false\n  \
             and a mail.smtp_url for production.\n"
        );
    }
    match &state.mailer {
        Some(mailer) => {
            portico_server::mail::spawn_worker(state.engine.clone(), mailer.clone(), dev_mode)
        }
        None => tracing::info!("no mail.smtp_url: mail stays in the outbox (see /dev/mail)"),
    }
    let engine = state.engine.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            match engine.purge_expired().await {
                Ok((sessions, flows)) if sessions + flows > 0 => {
                    tracing::info!(sessions, flows, "purged expired sessions and flows")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "purging expired rows failed"),
            }
        }
    });
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| format!("could not listen on {address} (server.address): {e}"))?;
    tracing::info!(%address, %base_url, "Portico is serving");
    axum::serve(
        listener,
        router(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|e| format!("server error: {e}"))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
