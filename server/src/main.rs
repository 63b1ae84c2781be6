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
    /// Register and manage the applications that sign customers in (OIDC clients).
    #[command(subcommand)]
    Apps(AppsCommand),
    /// The tenant's token-signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Who may use the admin console (/admin). Admins always sign in with two factors.
    #[command(subcommand)]
    Admins(AdminsCommand),
    /// Social and enterprise sign-in providers (Google, Apple, any OpenID Connect or
    /// OAuth 2.0 provider).
    #[command(subcommand)]
    Providers(ProvidersCommand),
    /// Tenants: brands or customer companies, each with its own hosts, accounts, apps,
    /// sessions and theme.
    #[command(subcommand)]
    Tenants(TenantsCommand),
}

#[derive(Subcommand)]
enum TenantsCommand {
    /// Create a tenant. Its pages, links and OpenID issuer start with --base-url.
    Create {
        /// The tenant's short name (used by `--tenant` elsewhere).
        slug: String,
        #[arg(long)]
        name: String,
        /// e.g. https://login.acme.example, or http://acme.localhost:3000 locally.
        #[arg(long)]
        base_url: String,
        /// More hosts it serves (repeatable); the base URL's host is always one.
        #[arg(long = "host")]
        hosts: Vec<String>,
    },
    /// List the tenants with their base URL and hosts.
    List,
    /// Make a tenant serve one more host.
    AddHost { slug: String, host: String },
}

#[derive(Subcommand)]
enum ProvidersCommand {
    /// Add a provider. Presets (google, apple, microsoft, linkedin, github, facebook)
    /// need only --client-id and --client-secret; register the printed callback URL at
    /// the provider.
    Add(Box<AddProvider>),
    /// Change a provider's settings; flags not given keep their value. A new
    /// `PORTICO_PROVIDER_CLIENT_SECRET` replaces the secret; account links stay.
    Update(Box<UpdateProvider>),
    /// List the tenant's providers.
    List {
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Show a provider on the sign-in page again.
    Enable {
        slug: String,
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Hide a provider from the sign-in page and refuse its answers; links stay.
    Disable {
        slug: String,
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Delete a provider and every account link it made.
    Remove {
        slug: String,
        #[arg(long)]
        tenant: Option<String>,
    },
}

#[derive(clap::Args)]
struct UpdateProvider {
    slug: String,
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    client_id: Option<String>,
    #[arg(long, env = "PORTICO_PROVIDER_CLIENT_SECRET", hide_env_values = true)]
    client_secret: Option<String>,
    #[arg(long)]
    discovery_url: Option<String>,
    #[arg(long)]
    authorize_url: Option<String>,
    #[arg(long)]
    token_url: Option<String>,
    #[arg(long)]
    userinfo_url: Option<String>,
    #[arg(long)]
    scopes: Option<String>,
    #[arg(long)]
    claims: Option<String>,
    /// Trust (true) or never trust (false) the provider's verified addresses.
    #[arg(long)]
    trust_email: Option<bool>,
    #[arg(long)]
    apple_key_file: Option<PathBuf>,
    #[arg(long)]
    tenant: Option<String>,
}

#[derive(clap::Args)]
struct AddProvider {
    /// The name in URLs (`/federation/callback/<slug>`): lowercase letters, digits, -.
    slug: String,
    /// oidc, oauth2, google, apple, microsoft, linkedin, github or facebook.
    #[arg(long)]
    kind: String,
    /// The button's label ("Continue with <name>"); a preset's name by default.
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    client_id: String,
    /// Read from the environment rather than the command line where you can.
    #[arg(long, env = "PORTICO_PROVIDER_CLIENT_SECRET", hide_env_values = true)]
    client_secret: Option<String>,
    /// OpenID Connect: the provider's `.well-known/openid-configuration` URL.
    #[arg(long)]
    discovery_url: Option<String>,
    #[arg(long)]
    issuer: Option<String>,
    #[arg(long)]
    authorize_url: Option<String>,
    #[arg(long)]
    token_url: Option<String>,
    #[arg(long)]
    userinfo_url: Option<String>,
    #[arg(long)]
    jwks_uri: Option<String>,
    /// Space-separated scopes (default: the preset's, or `openid email profile`).
    #[arg(long)]
    scopes: Option<String>,
    /// OAuth 2.0: where the claims are, e.g. `subject=id,email=mail,name=display_name`.
    #[arg(long)]
    claims: Option<String>,
    /// Never trust the provider's word that an address is verified.
    #[arg(long)]
    untrusted_email: bool,
    /// Ask for the provider's answer as a form post (`response_mode=form_post`).
    #[arg(long)]
    form_post: bool,
    #[arg(long)]
    apple_team_id: Option<String>,
    #[arg(long)]
    apple_key_id: Option<String>,
    /// Apple: the .p8 key file that signs the client secret.
    #[arg(long)]
    apple_key_file: Option<PathBuf>,
    /// Add it hidden from the sign-in page.
    #[arg(long)]
    disabled: bool,
    #[arg(long)]
    tenant: Option<String>,
}

#[derive(Subcommand)]
enum AdminsCommand {
    /// Give an existing account a console role.
    Grant {
        email: String,
        /// admin (everything) or brand_manager (branding only).
        #[arg(long, default_value = "admin")]
        role: String,
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Take a console role away.
    Revoke {
        email: String,
        #[arg(long, default_value = "admin")]
        role: String,
        #[arg(long)]
        tenant: Option<String>,
    },
    /// List who holds a role.
    List {
        #[arg(long, default_value = "admin")]
        role: String,
        #[arg(long)]
        tenant: Option<String>,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// List the keys: kid, algorithm, activation time and state.
    List {
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Add a new key per algorithm, published now and signing from 24 hours on (or
    /// at once with --now, e.g. after a compromise); the old keys stay published for
    /// two days after that.
    Rotate {
        #[arg(long)]
        tenant: Option<String>,
        #[arg(long)]
        now: bool,
    },
}

#[derive(Subcommand)]
enum AppsCommand {
    /// Register an application; prints its client id and, for web and machine apps,
    /// its client secret (shown once).
    Create(Box<CreateApp>),
    /// Change an application's settings; flags not given keep their value, a list
    /// flag given replaces the whole list.
    Update(Box<UpdateApp>),
    /// List the tenant's applications.
    List {
        #[arg(long)]
        tenant: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Stop an application from signing anyone in or getting tokens.
    Disable {
        client_id: String,
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Allow a disabled application again.
    Enable {
        client_id: String,
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Make a new client secret; the old ones keep working for the overlap.
    RotateSecret {
        client_id: String,
        /// How long the current secrets keep working, e.g. 24h, 30m, 0s.
        #[arg(long, default_value = "24h")]
        overlap: String,
        #[arg(long)]
        tenant: Option<String>,
    },
}

#[derive(clap::Args)]
struct CreateApp {
    /// The tenant's slug (default: the default tenant).
    #[arg(long)]
    tenant: Option<String>,
    #[arg(long)]
    name: String,
    /// web, spa, native, machine or device.
    #[arg(long)]
    kind: String,
    /// Where customers return after signing in (exact match; repeat for more).
    #[arg(long = "redirect-uri")]
    redirect_uris: Vec<String>,
    /// Where customers may return after signing out (repeatable).
    #[arg(long = "post-logout-redirect-uri")]
    post_logout_redirect_uris: Vec<String>,
    /// Grant types (repeatable; default: the kind's usual ones).
    #[arg(long = "grant")]
    grants: Vec<String>,
    /// Scopes (repeatable; default: openid profile email offline_access).
    #[arg(long = "scope")]
    scopes: Vec<String>,
    /// The company's own app: no consent screen.
    #[arg(long)]
    first_party: bool,
    #[arg(long)]
    access_token_seconds: Option<u32>,
    #[arg(long)]
    refresh_token_seconds: Option<u32>,
    /// RS256 (default), ES256 or EdDSA.
    #[arg(long)]
    id_token_alg: Option<String>,
    /// The app's public keys (a JWKS file): it authenticates with private_key_jwt
    /// and gets no client secret.
    #[arg(long)]
    jwks_file: Option<std::path::PathBuf>,
}

#[derive(clap::Args)]
struct UpdateApp {
    client_id: String,
    #[arg(long)]
    tenant: Option<String>,
    #[arg(long)]
    name: Option<String>,
    /// Replaces the redirect URIs (repeat for more).
    #[arg(long = "redirect-uri")]
    redirect_uris: Vec<String>,
    /// Replaces the post-logout redirect URIs (repeat for more).
    #[arg(long = "post-logout-redirect-uri")]
    post_logout_redirect_uris: Vec<String>,
    /// Replaces the grant types (repeat for more).
    #[arg(long = "grant")]
    grants: Vec<String>,
    /// Replaces the scopes (repeat for more).
    #[arg(long = "scope")]
    scopes: Vec<String>,
    /// true: the company's own app (no consent screen); false: a third party.
    #[arg(long)]
    first_party: Option<bool>,
    #[arg(long)]
    access_token_seconds: Option<u32>,
    #[arg(long)]
    refresh_token_seconds: Option<u32>,
    #[arg(long)]
    id_token_alg: Option<String>,
    /// Replaces the app's public keys (a JWKS file) for private_key_jwt.
    #[arg(long)]
    jwks_file: Option<std::path::PathBuf>,
}

/// Reads a JWKS file for `--jwks-file`.
fn read_jwks(path: &Option<std::path::PathBuf>) -> Result<Option<serde_json::Value>, String> {
    let Some(path) = path else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("--jwks-file: cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| format!("--jwks-file: {} is not JSON: {e}", path.display()))
}

fn parse_grants(list: &[String]) -> Result<Vec<portico_identity::oidc::apps::GrantType>, String> {
    list.iter()
        .map(|g| {
            portico_identity::oidc::apps::GrantType::parse(g).ok_or_else(|| {
                format!(
                    "--grant: {g:?} is not one of authorization_code, refresh_token, client_credentials, device_code"
                )
            })
        })
        .collect()
}

fn parse_alg(
    alg: &Option<String>,
) -> Result<Option<portico_identity::oidc::apps::SigningAlg>, String> {
    match alg {
        Some(a) => portico_identity::oidc::apps::SigningAlg::parse(a)
            .map(Some)
            .ok_or_else(|| format!("--id-token-alg: {a:?} is not RS256, ES256 or EdDSA")),
        None => Ok(None),
    }
}

fn problems_text(problems: &[portico_identity::oidc::apps::AppProblem]) -> String {
    flag_problems(problems.iter().map(|p| (p.field, p.message.as_str())))
}

/// Field problems as the command line names them: `--field-name: message`, one a line.
fn flag_problems<'a>(problems: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    problems
        .into_iter()
        .map(|(field, message)| format!("--{}: {message}", field.replace('_', "-")))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Who the command line is, in audit rows.
fn cli_client() -> portico_identity::audit::ClientInfo {
    portico_identity::audit::ClientInfo {
        ip: None,
        user_agent: Some("portico-cli".into()),
        language: None,
    }
}

/// The tenant named by `--tenant`, or the default one.
async fn tenant_of(
    engine: &portico_identity::Engine,
    slug: Option<String>,
) -> Result<portico_identity::tenants::Tenant, String> {
    engine
        .tenant_by_slug(slug.as_deref())
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no tenant {:?} (--tenant)", slug.unwrap_or_default()))
}

/// Reads Apple's .p8 key file, if one was named.
fn read_key_file(path: &Option<PathBuf>) -> Result<Option<String>, String> {
    path.as_ref()
        .map(|p| {
            std::fs::read_to_string(p).map_err(|e| format!("--apple-key-file {}: {e}", p.display()))
        })
        .transpose()
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
            Command::Apps(command) => apps(config, command).await,
            Command::Keys(command) => keys(config, command).await,
            Command::Admins(command) => admins(config, command).await,
            Command::Providers(command) => providers(config, command).await,
            Command::Tenants(command) => tenants(config, command).await,
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

async fn admins(config: Config, command: AdminsCommand) -> Result<(), String> {
    use portico_identity::accounts::{Email, Role};
    let state = build_state(config).await.map_err(|e| e.to_string())?;
    let engine = &state.engine;
    let cli = cli_client();
    let (tenant, role) = match &command {
        AdminsCommand::Grant { tenant, role, .. }
        | AdminsCommand::Revoke { tenant, role, .. }
        | AdminsCommand::List { tenant, role } => (tenant.clone(), role.clone()),
    };
    let role = Role::parse(&role)
        .ok_or_else(|| format!("--role: {role:?} is not admin or brand_manager"))?;
    let tenant = engine
        .tenant_by_slug(tenant.as_deref())
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no tenant {:?} (--tenant)", tenant.unwrap_or_default()))?;
    let email_of = |e: &str| Email::parse(e).map_err(|_| format!("{e:?} is not an email address"));
    match command {
        AdminsCommand::Grant { email, .. } => {
            match engine
                .grant_role(&tenant, &cli, &email_of(&email)?, role)
                .await
                .map_err(|e| e.to_string())?
            {
                None => Err(format!(
                    "no account with the address {email}: sign up first"
                )),
                Some(true) => {
                    println!("{email} is now {}", role.as_str());
                    Ok(())
                }
                Some(false) => {
                    println!("{email} already was {}", role.as_str());
                    Ok(())
                }
            }
        }
        AdminsCommand::Revoke { email, .. } => {
            match engine
                .revoke_role(&tenant, &cli, &email_of(&email)?, role)
                .await
                .map_err(|e| e.to_string())?
            {
                None => Err(format!("no account with the address {email}")),
                Some(_) => {
                    println!("{email} is not {} (any more)", role.as_str());
                    Ok(())
                }
            }
        }
        AdminsCommand::List { .. } => {
            for email in engine
                .role_holders(tenant.id, role)
                .await
                .map_err(|e| e.to_string())?
            {
                println!("{email}");
            }
            Ok(())
        }
    }
}

async fn tenants(config: Config, command: TenantsCommand) -> Result<(), String> {
    use portico_identity::tenants::{CreateTenantError, NewTenant};
    let state = build_state(config).await.map_err(|e| e.to_string())?;
    let engine = &state.engine;
    let cli = cli_client();
    let problems = |e: CreateTenantError| match e {
        CreateTenantError::Invalid(problems) => {
            flag_problems(problems.iter().map(|p| (p.field, p.message.as_str())))
        }
        CreateTenantError::Store(e) => e.to_string(),
    };
    match command {
        TenantsCommand::Create {
            slug,
            name,
            base_url,
            hosts,
        } => {
            let new = NewTenant {
                slug,
                display_name: name,
                base_url,
                hosts,
            };
            let tenant = engine.create_tenant(&cli, &new).await.map_err(problems)?;
            println!("created {} ({})", tenant.slug, tenant.display_name);
            println!("issuer: {}", tenant.base_url);
            Ok(())
        }
        TenantsCommand::List => {
            for t in engine.tenants().await.map_err(|e| e.to_string())? {
                println!(
                    "{}\t{}\t{}\t{}{}",
                    t.tenant.slug,
                    t.tenant.base_url,
                    t.hosts.join(","),
                    t.tenant.display_name,
                    if t.tenant.is_default {
                        "\t(default)"
                    } else {
                        ""
                    }
                );
            }
            Ok(())
        }
        TenantsCommand::AddHost { slug, host } => {
            let tenant = engine
                .tenant_by_slug(Some(&slug))
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no tenant {slug:?}"))?;
            engine
                .add_tenant_host(&cli, &tenant, &host)
                .await
                .map_err(problems)?;
            println!("{slug} now serves {host}");
            Ok(())
        }
    }
}

async fn providers(config: Config, command: ProvidersCommand) -> Result<(), String> {
    use portico_identity::federation::NewProvider;
    let state = build_state(config).await.map_err(|e| e.to_string())?;
    let engine = &state.engine;
    let cli = cli_client();
    match command {
        ProvidersCommand::Add(args) => {
            let tenant = tenant_of(engine, args.tenant.clone()).await?;
            let apple_private_key = read_key_file(&args.apple_key_file)?;
            let new = NewProvider {
                slug: args.slug.clone(),
                display_name: args.name.clone(),
                kind: args.kind.clone(),
                discovery_url: args.discovery_url.clone(),
                issuer: args.issuer.clone(),
                authorize_url: args.authorize_url.clone(),
                token_url: args.token_url.clone(),
                userinfo_url: args.userinfo_url.clone(),
                jwks_uri: args.jwks_uri.clone(),
                client_id: args.client_id.clone(),
                client_secret: args.client_secret.clone(),
                scopes: args.scopes.clone(),
                claims: args.claims.clone(),
                trust_email: args.untrusted_email.then_some(false),
                form_post: args.form_post.then_some(true),
                apple_team_id: args.apple_team_id.clone(),
                apple_key_id: args.apple_key_id.clone(),
                apple_private_key,
                enabled: !args.disabled,
            };
            match engine.add_provider(&tenant, None, &cli, &new).await {
                Ok(p) => {
                    println!("added {} ({})", p.slug, p.display_name);
                    println!(
                        "callback URL to register at the provider: {}",
                        portico_identity::Engine::federation_redirect_uri(&tenant, &p.slug)
                    );
                    Ok(())
                }
                Err(portico_identity::federation::ProviderError::Invalid(problems)) => {
                    Err(problems
                        .iter()
                        .map(|p| format!("--{}: {}", p.field.replace('_', "-"), p.message))
                        .collect::<Vec<_>>()
                        .join("\n"))
                }
                Err(e) => Err(e.to_string()),
            }
        }
        ProvidersCommand::Update(args) => {
            let tenant = tenant_of(engine, args.tenant.clone()).await?;
            let apple_private_key = read_key_file(&args.apple_key_file)?;
            let changes = NewProvider {
                display_name: args.name.clone(),
                client_id: args.client_id.clone().unwrap_or_default(),
                client_secret: args.client_secret.clone(),
                discovery_url: args.discovery_url.clone(),
                authorize_url: args.authorize_url.clone(),
                token_url: args.token_url.clone(),
                userinfo_url: args.userinfo_url.clone(),
                scopes: args.scopes.clone(),
                claims: args.claims.clone(),
                trust_email: args.trust_email,
                apple_private_key,
                ..NewProvider::default()
            };
            match engine
                .update_provider(&tenant, None, &cli, &args.slug, &changes)
                .await
            {
                Ok(Some(p)) => {
                    println!("updated {} ({})", p.slug, p.display_name);
                    Ok(())
                }
                Ok(None) => Err(format!("no provider {}", args.slug)),
                Err(portico_identity::federation::ProviderError::Invalid(problems)) => {
                    Err(problems
                        .iter()
                        .map(|p| format!("--{}: {}", p.field.replace('_', "-"), p.message))
                        .collect::<Vec<_>>()
                        .join("\n"))
                }
                Err(e) => Err(e.to_string()),
            }
        }
        ProvidersCommand::List { tenant } => {
            let tenant = tenant_of(engine, tenant).await?;
            for p in engine.providers(&tenant).await.map_err(|e| e.to_string())? {
                println!(
                    "{}\t{}\t{}\t{}",
                    p.slug,
                    p.preset.map(|x| x.as_str()).unwrap_or(p.kind.as_str()),
                    if p.enabled { "enabled" } else { "disabled" },
                    p.display_name
                );
            }
            Ok(())
        }
        ProvidersCommand::Enable { slug, tenant } => {
            set_provider(engine, &cli, tenant_of(engine, tenant).await?, &slug, true).await
        }
        ProvidersCommand::Disable { slug, tenant } => {
            set_provider(engine, &cli, tenant_of(engine, tenant).await?, &slug, false).await
        }
        ProvidersCommand::Remove { slug, tenant } => {
            let tenant = tenant_of(engine, tenant).await?;
            match engine
                .remove_provider(&tenant, None, &cli, &slug)
                .await
                .map_err(|e| e.to_string())?
            {
                Some(gone) => {
                    println!("removed {slug} and {gone} linked identities");
                    Ok(())
                }
                None => Err(format!("no provider {slug}")),
            }
        }
    }
}

async fn set_provider(
    engine: &portico_identity::Engine,
    cli: &portico_identity::audit::ClientInfo,
    tenant: portico_identity::tenants::Tenant,
    slug: &str,
    enabled: bool,
) -> Result<(), String> {
    match engine
        .set_provider_enabled(&tenant, None, cli, slug, enabled)
        .await
        .map_err(|e| e.to_string())?
    {
        true => {
            println!("{slug} {}", if enabled { "enabled" } else { "disabled" });
            Ok(())
        }
        false => Err(format!("no provider {slug}")),
    }
}

async fn apps(config: Config, command: AppsCommand) -> Result<(), String> {
    use portico_identity::oidc::apps::{AppKind, AppStatus, NewApp};
    let state = build_state(config).await.map_err(|e| e.to_string())?;
    let engine = &state.engine;
    let cli = cli_client();
    match command {
        AppsCommand::Create(args) => {
            let tenant = tenant_of(engine, args.tenant.clone()).await?;
            let grants = parse_grants(&args.grants)?;
            let id_token_alg = parse_alg(&args.id_token_alg)?;
            let new = NewApp {
                name: args.name.clone(),
                kind: AppKind::parse(&args.kind),
                redirect_uris: args.redirect_uris.clone(),
                post_logout_redirect_uris: args.post_logout_redirect_uris.clone(),
                grant_types: (!grants.is_empty()).then_some(grants),
                scopes: (!args.scopes.is_empty()).then(|| args.scopes.clone()),
                first_party: args.first_party,
                access_token_seconds: args.access_token_seconds,
                refresh_token_seconds: args.refresh_token_seconds,
                id_token_alg,
                jwks: read_jwks(&args.jwks_file)?,
            };
            match engine
                .register_app(&tenant, &cli, &new)
                .await
                .map_err(|e| e.to_string())?
            {
                Ok(registered) => {
                    let app = &registered.app;
                    println!("client_id:     {}", app.client_id);
                    if let Some(secret) = &registered.client_secret {
                        println!("client_secret: {secret}");
                        println!(
                            "(the secret is shown only now; store it in your app's secret store)"
                        );
                    }
                    println!("name:          {}", app.name);
                    println!("kind:          {}", app.kind.as_str());
                    println!(
                        "grants:        {}",
                        app.grant_types
                            .iter()
                            .map(|g| g.as_str())
                            .collect::<Vec<_>>()
                            .join(" ")
                    );
                    println!("scopes:        {}", app.scopes.join(" "));
                    for uri in &app.redirect_uris {
                        println!("redirect_uri:  {uri}");
                    }
                    Ok(())
                }
                Err(problems) => Err(problems_text(&problems)),
            }
        }
        AppsCommand::Update(args) => {
            let tenant = tenant_of(engine, args.tenant.clone()).await?;
            let current = engine
                .app_by_client_id(&tenant, &args.client_id)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("no app with client id {}", args.client_id))?;
            let mut new = current.settings();
            if let Some(name) = &args.name {
                new.name = name.clone();
            }
            if !args.redirect_uris.is_empty() {
                new.redirect_uris = args.redirect_uris.clone();
            }
            if !args.post_logout_redirect_uris.is_empty() {
                new.post_logout_redirect_uris = args.post_logout_redirect_uris.clone();
            }
            if !args.grants.is_empty() {
                new.grant_types = Some(parse_grants(&args.grants)?);
            }
            if !args.scopes.is_empty() {
                new.scopes = Some(args.scopes.clone());
            }
            if let Some(first_party) = args.first_party {
                new.first_party = first_party;
            }
            if args.access_token_seconds.is_some() {
                new.access_token_seconds = args.access_token_seconds;
            }
            if args.refresh_token_seconds.is_some() {
                new.refresh_token_seconds = args.refresh_token_seconds;
            }
            if let Some(alg) = parse_alg(&args.id_token_alg)? {
                new.id_token_alg = Some(alg);
            }
            if let Some(jwks) = read_jwks(&args.jwks_file)? {
                new.jwks = Some(jwks);
            }
            match engine
                .update_app(&tenant, &cli, &args.client_id, &new)
                .await
                .map_err(|e| e.to_string())?
            {
                Some(Ok(app)) => {
                    println!("updated {} ({})", app.client_id, app.name);
                    Ok(())
                }
                Some(Err(problems)) => Err(problems_text(&problems)),
                None => Err(format!("no app with client id {}", args.client_id)),
            }
        }
        AppsCommand::List { tenant, json } => {
            let tenant = tenant_of(engine, tenant).await?;
            let apps = engine.apps(&tenant).await.map_err(|e| e.to_string())?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&apps).map_err(|e| e.to_string())?
                );
            } else {
                for app in &apps {
                    println!(
                        "{}  {:<8} {:<8} {}",
                        app.client_id,
                        app.kind.as_str(),
                        app.status.as_str(),
                        app.name
                    );
                }
            }
            Ok(())
        }
        AppsCommand::Disable { client_id, tenant } => {
            set_status(
                engine,
                &cli,
                tenant_of(engine, tenant).await?,
                &client_id,
                AppStatus::Disabled,
            )
            .await
        }
        AppsCommand::Enable { client_id, tenant } => {
            set_status(
                engine,
                &cli,
                tenant_of(engine, tenant).await?,
                &client_id,
                AppStatus::Active,
            )
            .await
        }
        AppsCommand::RotateSecret {
            client_id,
            overlap,
            tenant,
        } => {
            let tenant = tenant_of(engine, tenant).await?;
            let overlap =
                humantime::parse_duration(&overlap).map_err(|e| format!("--overlap: {e}"))?;
            let overlap =
                chrono::Duration::from_std(overlap).map_err(|e| format!("--overlap: {e}"))?;
            match engine
                .rotate_app_secret(&tenant, &cli, &client_id, overlap)
                .await
                .map_err(|e| e.to_string())?
            {
                Some(secret) => {
                    println!("client_secret: {secret}");
                    println!("(the previous secrets keep working for the overlap)");
                    Ok(())
                }
                None => Err(format!("no web or machine app with client id {client_id}")),
            }
        }
    }
}

async fn keys(config: Config, command: KeysCommand) -> Result<(), String> {
    let state = build_state(config).await.map_err(|e| e.to_string())?;
    let engine = &state.engine;
    let slug = match &command {
        KeysCommand::List { tenant } | KeysCommand::Rotate { tenant, .. } => tenant.clone(),
    };
    let tenant = engine
        .tenant_by_slug(slug.as_deref())
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no tenant {:?} (--tenant)", slug.unwrap_or_default()))?;
    if let KeysCommand::Rotate { now, .. } = command {
        for kid in engine
            .rotate_signing_keys(&tenant, now)
            .await
            .map_err(|e| e.to_string())?
        {
            println!("added {kid}");
        }
    }
    for (kid, alg, activate_at, state) in engine
        .signing_keys(&tenant)
        .await
        .map_err(|e| e.to_string())?
    {
        println!(
            "{kid}  {alg:<6} {state:<8} from {}",
            activate_at.format("%Y-%m-%d %H:%M UTC")
        );
    }
    Ok(())
}

async fn set_status(
    engine: &portico_identity::Engine,
    cli: &portico_identity::audit::ClientInfo,
    tenant: portico_identity::tenants::Tenant,
    client_id: &str,
    status: portico_identity::oidc::apps::AppStatus,
) -> Result<(), String> {
    if engine
        .set_app_status(&tenant, cli, client_id, status)
        .await
        .map_err(|e| e.to_string())?
    {
        println!("{client_id}: {}", status.as_str());
        Ok(())
    } else {
        Err(format!("no app with client id {client_id}"))
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
            // Scheduled key rotation (and keys for tenants that have none), every tenant.
            for t in engine.tenants().await.unwrap_or_default() {
                if let Err(e) = engine.ensure_signing_keys(&t.tenant).await
                    && !matches!(e, portico_identity::oidc::keys::KeyError::NoMasterKey)
                {
                    tracing::warn!(tenant = %t.tenant.slug, error = %e, "signing key rotation failed");
                }
            }
            match engine.purge_expired().await {
                Ok((sessions, flows)) if sessions + flows > 0 => {
                    tracing::info!(sessions, flows, "purged expired sessions and flows")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "purging expired rows failed"),
            }
            if let Err(e) = engine.purge_federation_states().await {
                tracing::warn!(error = %e, "purging finished sign-in provider trips failed");
            }
            // Accounts whose deletion grace period is over are erased.
            if let Err(e) = engine.purge_deleted_accounts().await {
                tracing::warn!(error = %e, "erasing deleted accounts failed");
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
