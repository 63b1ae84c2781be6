//! The `portico` server: configuration, wiring, the routes that are not pages, and the
//! middleware around everything.

pub mod authorize;
pub mod config;
pub mod error;
pub mod export;
pub mod federation;
pub mod mail;
pub mod middleware;
pub mod oauth;
pub mod pwned;
pub mod session_store;
pub mod telemetry;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{FromRef, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use leptos::config::{Env, LeptosOptions};
use leptos::prelude::*;
use leptos::reactive::computed::ScopedFuture;
use leptos_axum::{LeptosRoutes, generate_route_list, handle_server_fns_with_context};
use portico_app::ssr::{AppContext, CookiePolicy, CspNonce, RequestTenant};
use portico_app::{App, shell};
use portico_identity::credentials::hasher::{HasherConfig, PasswordHasher};
use portico_identity::store::{Db, DbOptions};
use portico_identity::tenants::DefaultTenantSpec;
use portico_identity::{Engine, Settings, SystemClock};
use portico_migrations::{Migrator, MigratorTrait};
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

pub use config::Config;

use session_store::DbSessionStore;

/// Shared state of every request.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub config: Arc<Config>,
    pub engine: Engine,
    /// `server.trusted_proxies`, parsed once.
    pub trusted_proxies: Arc<[ipnet::IpNet]>,
    /// The SMTP transport, when `mail.smtp_url` is set.
    pub mailer: Option<Arc<dyn portico_identity::Mailer>>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// Why Portico could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("could not create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("could not open the database (database.url): {0}")]
    Database(#[source] portico_identity::StoreError),
    #[error("could not migrate the database: {0}")]
    Migrate(#[source] sea_orm::DbErr),
    #[error("{0}")]
    Mail(String),
    #[error("{0}")]
    Setup(String),
    #[error("could not start password hashing: {0}")]
    Hasher(#[source] portico_identity::credentials::hasher::HashError),
    #[error("could not create the default tenant: {0}")]
    Tenant(#[source] portico_identity::tenants::TenantError),
}

/// Creates the directory of a SQLite database file if needed.
fn ensure_sqlite_dir(url: &str) -> Result<(), StartError> {
    let Some(rest) = url.strip_prefix("sqlite:") else {
        return Ok(());
    };
    let path = rest.trim_start_matches("//");
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path.starts_with(":memory:") || path.starts_with("file:") {
        return Ok(());
    }
    if let Some(dir) = Path::new(path)
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|source| StartError::DataDir {
            path: dir.display().to_string(),
            source,
        })?;
    }
    Ok(())
}

/// Opens the database and runs every pending migration.
pub async fn open_database(config: &Config) -> Result<Db, StartError> {
    ensure_sqlite_dir(&config.database.url)?;
    let db = Db::connect(&DbOptions {
        url: config.database.url.clone(),
        max_connections: config.database.max_connections,
        acquire_timeout: config.database.acquire_timeout,
    })
    .await
    .map_err(StartError::Database)?;
    Migrator::up(db.conn(), None)
        .await
        .map_err(StartError::Migrate)?;
    Ok(db)
}

/// Adds the configuration's `[[providers]]` that the tenant does not have yet. A
/// provider the configuration describes wrongly stops the start, naming the field.
async fn ensure_providers(
    engine: &portico_identity::Engine,
    tenant: &portico_identity::tenants::Tenant,
    providers: &[config::ProviderConfig],
) -> Result<(), StartError> {
    use portico_identity::federation::{NewProvider, ProviderError};
    if providers.is_empty() {
        return Ok(());
    }
    let existing = engine
        .providers(tenant)
        .await
        .map_err(|e| StartError::Setup(format!("providers: {e}")))?;
    for (i, p) in providers.iter().enumerate() {
        if existing.iter().any(|e| e.slug == p.slug.trim()) {
            continue;
        }
        let apple_private_key = match &p.apple_key_file {
            Some(path) => Some(std::fs::read_to_string(path).map_err(|e| {
                StartError::Setup(format!(
                    "providers[{i}].apple_key_file {}: {e}",
                    path.display()
                ))
            })?),
            None => None,
        };
        let secret = p.client_secret.expose();
        let new = NewProvider {
            slug: p.slug.clone(),
            display_name: p.name.clone(),
            kind: p.kind.clone(),
            discovery_url: p.discovery_url.clone(),
            issuer: p.issuer.clone(),
            authorize_url: p.authorize_url.clone(),
            token_url: p.token_url.clone(),
            userinfo_url: p.userinfo_url.clone(),
            jwks_uri: p.jwks_uri.clone(),
            client_id: p.client_id.clone(),
            client_secret: (!secret.is_empty()).then(|| secret.to_string()),
            scopes: p.scopes.clone(),
            claims: p.claims.clone(),
            trust_email: p.untrusted_email.then_some(false),
            form_post: p.form_post.then_some(true),
            apple_team_id: p.apple_team_id.clone(),
            apple_key_id: p.apple_key_id.clone(),
            apple_private_key,
            enabled: !p.disabled,
        };
        let who = portico_identity::audit::ClientInfo {
            ip: None,
            user_agent: Some("portico-config".into()),
            language: None,
        };
        match engine.add_provider(tenant, None, &who, &new).await {
            Ok(added) => {
                tracing::info!(provider = %added.slug, "sign-in provider added from the configuration")
            }
            Err(ProviderError::Invalid(problems)) => {
                let text: Vec<String> = problems
                    .iter()
                    .map(|x| format!("providers[{i}].{}: {}", x.field, x.message))
                    .collect();
                return Err(StartError::Setup(text.join("; ")));
            }
            Err(e) => return Err(StartError::Setup(format!("providers[{i}]: {e}"))),
        }
    }
    Ok(())
}

/// The master key: configured, or in dev mode one kept in `data/dev-master.key`.
fn master_key(config: &Config) -> Result<Option<portico_identity::secrets::SealingKey>, String> {
    use portico_identity::secrets::SealingKey;
    if !config.secrets.master_key.is_empty() {
        // A key that is set but unusable is a mistake to stop at, not to ignore.
        return SealingKey::parse(config.secrets.master_key.expose())
            .map(Some)
            .ok_or_else(|| {
                "secrets.master_key: must be 32 random bytes in base64url (make one with `portico generate-key`)"
                    .to_string()
            });
    }
    if !config.dev_mode() {
        return Ok(None);
    }
    let path = std::path::Path::new("data/dev-master.key");
    if let Ok(text) = std::fs::read_to_string(path)
        && let Some(key) = SealingKey::parse(&text)
    {
        return Ok(Some(key));
    }
    let text = SealingKey::generate_text();
    std::fs::create_dir_all("data").map_err(|e| format!("could not create data/: {e}"))?;
    std::fs::write(path, &text).map_err(|e| format!("could not write {}: {e}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    Ok(SealingKey::parse(&text))
}

/// Builds everything a running server needs: database (migrated), hashing pool,
/// engine, and the default tenant with its theme.
pub async fn build_state(config: Config) -> Result<AppState, StartError> {
    build_state_with_clock(config, Arc::new(SystemClock)).await
}

/// [`build_state`] with a chosen clock (tests move time forward to expire things).
pub async fn build_state_with_clock(
    config: Config,
    clock: Arc<dyn portico_identity::Clock>,
) -> Result<AppState, StartError> {
    let db = open_database(&config).await?;
    let h = &config.password_hashing;
    let hasher = PasswordHasher::start(HasherConfig {
        memory_kib: h.memory_kib,
        iterations: h.iterations,
        parallelism: h.parallelism,
        workers: if h.workers == 0 {
            HasherConfig::default().workers
        } else {
            h.workers
        },
        queue_capacity: h.queue_capacity,
        max_wait: h.max_wait,
    })
    .map_err(StartError::Hasher)?;
    let engine = Engine::new(
        db,
        clock,
        hasher,
        Settings {
            flow_lifetime: config.flows.lifetime,
            session_idle_timeout: config.session.idle_timeout,
            session_absolute_timeout: config.session.absolute_timeout,
            mail_from: config.mail.from.clone(),
        },
    );
    let engine = if config.breached_passwords.online_check {
        let api = pwned::PwnedPasswordsApi::new(
            &config.breached_passwords.api_url,
            config.breached_passwords.timeout,
        )
        .map_err(StartError::Setup)?;
        engine.with_pwned_passwords(Arc::new(api))
    } else {
        engine
    };
    let engine = match master_key(&config).map_err(StartError::Setup)? {
        Some(key) => engine.with_sealing_key(key),
        None => {
            tracing::warn!(
                "secrets.master_key is not set: authenticator apps (TOTP) are unavailable"
            );
            engine
        }
    };
    let engine = {
        let path = |p: &str| (!p.is_empty()).then(|| std::path::PathBuf::from(p));
        let (city, anonymous) = (
            path(&config.geoip.city_db),
            path(&config.geoip.anonymous_ip_db),
        );
        if city.is_some() || anonymous.is_some() {
            let geo =
                portico_identity::risk::MaxMindGeoIp::open(city.as_deref(), anonymous.as_deref())
                    .map_err(|e| StartError::Setup(e.to_string()))?;
            engine.with_geoip(Arc::new(geo))
        } else {
            engine
        }
    };
    let mut hosts = config.tenant.hosts.clone();
    hosts.push(config.base_host());
    let tenant = engine
        .ensure_default_tenant(&DefaultTenantSpec {
            slug: config.tenant.slug.clone(),
            display_name: config.tenant.display_name.clone(),
            base_url: config.base_url(),
            hosts,
        })
        .await
        .map_err(StartError::Tenant)?;
    // Token-signing keys exist from the first start (they need the master key).
    match engine.ensure_signing_keys(&tenant).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(keys = n, "signing keys generated"),
        Err(portico_identity::oidc::keys::KeyError::NoMasterKey) => {
            tracing::warn!("no secrets.master_key: token signing (OpenID Connect) is off")
        }
        Err(e) => return Err(StartError::Setup(format!("signing keys: {e}"))),
    }
    ensure_providers(&engine, &tenant, &config.providers).await?;
    if config.demo_app() {
        match engine.ensure_demo_app(&tenant).await {
            Ok(true) => tracing::info!(
                client_id = portico_identity::oidc::apps::DEMO_CLIENT_ID,
                "demo app registered: open {}/demo",
                config.base_url()
            ),
            Ok(false) => {}
            Err(e) => return Err(StartError::Setup(format!("demo app: {e}"))),
        }
    }
    let leptos_options = LeptosOptions::builder()
        .output_name("portico")
        .site_root(config.server.site_root.to_string_lossy().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.server.address)
        .env(if std::env::var_os("LEPTOS_WATCH").is_some() {
            Env::DEV
        } else {
            Env::PROD
        })
        .build();
    let trusted_proxies = config.trusted_proxy_nets().unwrap_or_default().into();
    let mailer: Option<Arc<dyn portico_identity::Mailer>> = if config.mail.smtp_url.is_empty() {
        None
    } else {
        Some(Arc::new(
            mail::SmtpMailer::from_url(config.mail.smtp_url.expose()).map_err(StartError::Mail)?,
        ))
    };
    Ok(AppState {
        leptos_options,
        config: Arc::new(config),
        engine,
        trusted_proxies,
        mailer,
    })
}

/// Every route of Portico, with its middleware.
pub fn router(state: AppState) -> Router {
    let app_ctx = AppContext {
        engine: state.engine.clone(),
        cookies: CookiePolicy {
            secure: state.config.is_https(),
        },
        dev_mode: state.config.dev_mode(),
    };
    let context = move || {
        provide_context(app_ctx.clone());
        if let Some(nonce) = use_context::<http::request::Parts>()
            .and_then(|p| p.extensions.get::<CspNonce>().cloned())
        {
            provide_context(leptos::nonce::Nonce::from_value(nonce.0));
        }
    };
    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.engine.clone()))
        .with_name(app_ctx_cookie_name(&state))
        .with_secure(state.config.is_https())
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::seconds(
            state.config.session.idle_timeout.as_secs() as i64,
        )));

    let server_fn_context = context.clone();
    let not_found = leptos_axum::render_app_async_with_context(context.clone(), {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    });
    let pkg_dir = std::path::Path::new(&*state.leptos_options.site_root).join("pkg");
    let pages = Router::new()
        .route(
            "/api/{*fn_name}",
            post(move |req: Request| {
                // Each call gets its own root owner. leptos_axum creates the server
                // function's owner with `Owner::new()`, which would otherwise adopt
                // whatever owner is current on the thread — another request's — and
                // could read that request's context.
                let root = Owner::new_root(None);
                let call = handle_server_fns_with_context(server_fn_context.clone(), req);
                root.with(|| ScopedFuture::new(call))
            }),
        )
        .leptos_routes_with_context(&state, generate_route_list(App), context.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .route(
            "/oauth2/authorize",
            get(authorize::authorize).post(authorize::authorize),
        )
        .route(
            "/oauth2/authorize/continue",
            get(authorize::authorize_continue),
        )
        .route(
            "/oauth2/logout",
            get(authorize::logout).post(authorize::logout),
        )
        .route("/federation/start", post(federation::start))
        .route(
            "/federation/callback/{provider}",
            get(federation::callback).post(federation::callback),
        )
        .route("/account/link", post(federation::link))
        .route("/account/export/download", post(export::download))
        .route("/dev/mail/{id}/html", get(dev_mail_html))
        .route("/assets/passkeys.js", get(passkeys_js))
        .route("/assets/demo.js", get(demo_js))
        .route("/demo", get(demo_app))
        .route("/favicon.svg", get(favicon))
        .route("/favicon.ico", get(favicon))
        .route("/branding/assets/{name}", get(theme_asset))
        // Static files straight from disk. (leptos_axum's file handler copies headers
        // from whatever reactive owner is current on the thread onto the file response,
        // which leaked another request's Set-Cookie; ServeDir has no such state.)
        .nest_service("/pkg", tower_http::services::ServeDir::new(pkg_dir))
        .fallback(move |req: Request| not_found(req))
        .layer(sessions)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::hashing_admission,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::resolve_tenant,
        ));

    let health = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz));

    // The OpenID provider's public endpoints: no session, the tenant from the host.
    // No cookies either, so any origin may call them (single-page apps do).
    let cors = tower_http::cors::CorsLayer::new()
        .allow_origin(tower_http::cors::Any)
        .allow_methods([http::Method::GET, http::Method::POST])
        .allow_headers([http::header::AUTHORIZATION, http::header::CONTENT_TYPE])
        .max_age(Duration::from_secs(600));
    let oidc = Router::new()
        .route("/.well-known/jwks.json", get(jwks))
        .route("/.well-known/openid-configuration", get(oauth::discovery))
        .route("/oauth2/token", post(oauth::token))
        .route("/oauth2/revoke", post(oauth::revoke))
        .route(
            "/oauth2/device_authorization",
            post(oauth::device_authorization),
        )
        .route("/oauth2/introspect", post(oauth::introspect))
        .route(
            "/oauth2/userinfo",
            get(oauth::userinfo).post(oauth::userinfo),
        )
        .layer(cors)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::resolve_tenant,
        ));

    Router::new()
        .merge(pages)
        .merge(health)
        .merge(oidc)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(telemetry::request_span)
                        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
                )
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(CatchPanicLayer::new())
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    middleware::security_headers,
                ))
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    middleware::cross_site_guard,
                ))
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    middleware::limit_body,
                )),
        )
        .with_state(state)
}

fn app_ctx_cookie_name(state: &AppState) -> &'static str {
    CookiePolicy {
        secure: state.config.is_https(),
    }
    .session_cookie_name()
}

/// The tenant's JSON Web Key Set: the public keys its tokens are signed with (upcoming,
/// active and recently replaced). Public, cacheable for five minutes, any origin.
async fn jwks(
    State(state): State<AppState>,
    axum::Extension(tenant): axum::Extension<portico_app::ssr::RequestTenant>,
) -> Response {
    match state.engine.jwks(&tenant.0.tenant).await {
        Ok(set) => (
            [
                (http::header::CACHE_CONTROL, "public, max-age=300"),
                (http::header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
                (http::header::CONTENT_TYPE, "application/jwk-set+json"),
            ],
            set.to_string(),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "JWKS unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({ "error": "temporarily_unavailable" })),
            )
                .into_response()
        }
    }
}

async fn healthz() -> impl IntoResponse {
    axum::Json(serde_json::json!({ "status": "ok" }))
}

async fn readyz(State(state): State<AppState>) -> Response {
    match tokio::time::timeout(Duration::from_secs(2), state.engine.ping()).await {
        Ok(Ok(())) => axum::Json(serde_json::json!({ "status": "ready" })).into_response(),
        Ok(Err(err)) => {
            tracing::error!(error = %err, "readiness check: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(serde_json::json!({ "status": "unavailable" })),
            )
                .into_response()
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({ "status": "timeout" })),
        )
            .into_response(),
    }
}

/// A queued mail's HTML, for the dev mail viewer: dev mode only, and sandboxed so the
/// mail's markup can run nothing.
async fn dev_mail_html(
    State(state): State<AppState>,
    axum::extract::Path(id): axum::extract::Path<String>,
    req: Request,
) -> Response {
    let Some(tenant) = req.extensions().get::<RequestTenant>() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !state.config.dev_mode() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let Ok(id) = id.parse::<uuid::Uuid>() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match state.engine.mail_by_id(tenant.0.tenant.id, id).await {
        Ok(Some(mail)) => Response::builder()
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .header(
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox",
            )
            .body(Body::from(mail.html))
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "dev mail viewer failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The tenant's icon: its initial on its primary colour.
/// The browser half of the passkey ceremonies, shipped inside the binary.
async fn passkeys_js() -> Response {
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/javascript; charset=utf-8",
            ),
            (axum::http::header::CACHE_CONTROL, "public, max-age=300"),
        ],
        include_str!("../assets/passkeys.js"),
    )
        .into_response()
}

/// The demo app's script (see [`demo_app`]).
async fn demo_js() -> Response {
    (
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/javascript; charset=utf-8",
            ),
            (axum::http::header::CACHE_CONTROL, "public, max-age=300"),
        ],
        include_str!("../assets/demo.js"),
    )
        .into_response()
}

/// `/demo`: the demo app, a single-page OpenID Connect client of this tenant (only
/// where the demo app is registered: dev mode, or `tenant.demo_app`).
async fn demo_app(State(state): State<AppState>, req: Request) -> Response {
    let Some(tenant) = req.extensions().get::<RequestTenant>().cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    if !state.config.demo_app() {
        return StatusCode::NOT_FOUND.into_response();
    }
    let nonce = req
        .extensions()
        .get::<CspNonce>()
        .map(|n| n.0.clone())
        .unwrap_or_default();
    let theme = tenant.0.theme.page_css();
    let html = portico_app::plain_pages::demo_app(
        &portico_app::plain_pages::Look {
            brand: &tenant.0.tenant.display_name,
            theme_css: &theme,
            nonce: &nonce,
        },
        &portico_identity::oidc::authorize::issuer(&tenant.0.tenant),
        portico_identity::oidc::apps::DEMO_CLIENT_ID,
    );
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

/// `/branding/assets/<sha256>.<ext>`: one of the tenant's theme images. The name is
/// the content's hash, so the answer never changes and is cached for a year; the
/// image is served as what its bytes were checked to be, never sniffed, and cannot
/// run anything even when opened on its own.
async fn theme_asset(
    State(state): State<AppState>,
    axum::extract::Path(name): axum::extract::Path<String>,
    req: Request,
) -> Response {
    let Some(tenant) = req.extensions().get::<RequestTenant>() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(name) = portico_identity::branding::AssetName::parse(&name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match state.engine.theme_asset(tenant.0.tenant.id, &name).await {
        Ok(Some((mime, bytes))) => Response::builder()
            .header(header::CONTENT_TYPE, mime)
            .header(header::CACHE_CONTROL, "public, max-age=31536000, immutable")
            .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
            .header(
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox",
            )
            .header(header::CONTENT_DISPOSITION, "inline")
            .body(Body::from(bytes))
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(err) => {
            tracing::error!(error = %err, "theme asset lookup failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

async fn favicon(req: Request) -> Response {
    let Some(tenant) = req.extensions().get::<RequestTenant>() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let t = &tenant.0;
    if let Some(icon) = &t.theme.favicon {
        return Response::builder()
            .status(StatusCode::FOUND)
            .header(header::LOCATION, icon.url())
            .header(header::CACHE_CONTROL, "public, max-age=300")
            .body(Body::empty())
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
    }
    let initial = t
        .tenant
        .display_name
        .chars()
        .find(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .unwrap_or('P');
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 64 64\"><rect width=\"64\" height=\"64\" rx=\"14\" fill=\"{}\"/><text x=\"32\" y=\"44\" font-family=\"system-ui,sans-serif\" font-size=\"34\" font-weight=\"700\" text-anchor=\"middle\" fill=\"{}\">{initial}</text></svg>",
        t.theme.primary.as_str(),
        t.theme.on_primary.as_str()
    );
    Response::builder()
        .header(
            header::CONTENT_TYPE,
            HeaderValue::from_static("image/svg+xml"),
        )
        .header(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        )
        .body(Body::from(svg))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}
