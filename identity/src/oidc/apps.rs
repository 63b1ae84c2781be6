//! The app registry: the company's applications that sign customers in through
//! Portico's OpenID Connect provider.
//!
//! An application has a kind (web server, single-page, native, machine-to-machine,
//! device/TV), exact redirect URIs (no wildcards, no fragments, https — or http on the
//! loopback host — and private-use schemes for native apps), the grants and scopes it
//! may use, token lifetimes, a first-party flag (no consent screen) and the ID-token
//! signing algorithm. Confidential kinds get client secrets generated here: 256 bits,
//! shown once, stored as SHA-256, rotated with an overlap during which old and new both
//! work. Every problem with a registration names its field.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::{AuditEvent, ClientInfo};
use crate::secrets::{constant_time_eq, random_bytes, random_token, sha256_hex};
use crate::store::{self, StoreError};
use crate::tenants::Tenant;
use crate::{Engine, TenantId};

/// What sort of application it is; it decides who holds a secret and which grants fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppKind {
    /// A server-side web app: confidential, authorization code.
    Web,
    /// A single-page app in the browser: public, authorization code with PKCE.
    Spa,
    /// A mobile or desktop app: public, PKCE, loopback or private-use redirects.
    Native,
    /// A backend service acting as itself: confidential, client credentials only.
    Machine,
    /// A console or TV: public, the device authorization grant.
    Device,
}

impl AppKind {
    pub const ALL: [AppKind; 5] = [
        AppKind::Web,
        AppKind::Spa,
        AppKind::Native,
        AppKind::Machine,
        AppKind::Device,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AppKind::Web => "web",
            AppKind::Spa => "spa",
            AppKind::Native => "native",
            AppKind::Machine => "machine",
            AppKind::Device => "device",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the app can keep a secret (and so authenticates at the token endpoint).
    pub fn confidential(self) -> bool {
        matches!(self, AppKind::Web | AppKind::Machine)
    }

    fn default_grants(self) -> Vec<GrantType> {
        match self {
            AppKind::Web | AppKind::Spa | AppKind::Native => {
                vec![GrantType::AuthorizationCode, GrantType::RefreshToken]
            }
            AppKind::Machine => vec![GrantType::ClientCredentials],
            AppKind::Device => vec![GrantType::DeviceCode, GrantType::RefreshToken],
        }
    }

    fn allows(self, grant: GrantType) -> bool {
        match (self, grant) {
            (AppKind::Machine, g) => g == GrantType::ClientCredentials,
            (_, GrantType::ClientCredentials) => false,
            (AppKind::Device, _) => true,
            (_, GrantType::DeviceCode) => false,
            _ => true,
        }
    }
}

/// The grants Portico implements. Implicit and password grants do not exist here.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GrantType {
    #[serde(rename = "authorization_code")]
    AuthorizationCode,
    #[serde(rename = "refresh_token")]
    RefreshToken,
    #[serde(rename = "client_credentials")]
    ClientCredentials,
    #[serde(rename = "urn:ietf:params:oauth:grant-type:device_code")]
    DeviceCode,
}

impl GrantType {
    pub const ALL: [GrantType; 4] = [
        GrantType::AuthorizationCode,
        GrantType::RefreshToken,
        GrantType::ClientCredentials,
        GrantType::DeviceCode,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GrantType::AuthorizationCode => "authorization_code",
            GrantType::RefreshToken => "refresh_token",
            GrantType::ClientCredentials => "client_credentials",
            GrantType::DeviceCode => "urn:ietf:params:oauth:grant-type:device_code",
        }
    }

    /// Accepts the standard name, and `device_code` for short.
    pub fn parse(s: &str) -> Option<Self> {
        if s == "device_code" {
            return Some(GrantType::DeviceCode);
        }
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

/// How an app's ID tokens are signed. RS256 is the OIDC default every library knows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum SigningAlg {
    #[default]
    RS256,
    ES256,
    EdDSA,
}

impl SigningAlg {
    pub fn as_str(self) -> &'static str {
        match self {
            SigningAlg::RS256 => "RS256",
            SigningAlg::ES256 => "ES256",
            SigningAlg::EdDSA => "EdDSA",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [SigningAlg::RS256, SigningAlg::ES256, SigningAlg::EdDSA]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppStatus {
    Active,
    Disabled,
}

impl AppStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AppStatus::Active => "active",
            AppStatus::Disabled => "disabled",
        }
    }
}

/// A registration (or its replacement), as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NewApp {
    pub name: String,
    pub kind: Option<AppKind>,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    /// `None`: the kind's usual grants.
    pub grant_types: Option<Vec<GrantType>>,
    /// `None`: `openid profile email offline_access` (none for machine apps).
    pub scopes: Option<Vec<String>>,
    pub first_party: bool,
    pub access_token_seconds: Option<u32>,
    pub refresh_token_seconds: Option<u32>,
    pub id_token_alg: Option<SigningAlg>,
    /// Public keys for `private_key_jwt` (web and machine apps). An app registered
    /// with keys gets no client secret.
    pub jwks: Option<serde_json::Value>,
}

/// One thing wrong with a registration, naming the field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct AppProblem {
    pub field: &'static str,
    pub message: String,
}

fn problem(field: &'static str, message: impl Into<String>) -> AppProblem {
    AppProblem {
        field,
        message: message.into(),
    }
}

/// A registered application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Application {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub client_id: String,
    pub name: String,
    pub kind: AppKind,
    pub status: AppStatus,
    pub first_party: bool,
    pub grant_types: Vec<GrantType>,
    pub scopes: Vec<String>,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub access_token_seconds: u32,
    pub refresh_token_seconds: u32,
    pub id_token_alg: SigningAlg,
    /// Public keys the app signs its client assertions with (`private_key_jwt`).
    pub jwks: Option<serde_json::Value>,
    /// Which ways to sign in its sign-in page offers.
    pub sign_in: SignInMethods,
    pub created_at: DateTime<Utc>,
}

/// Which ways to sign in an app's sign-in page offers — and accepts: a method an app
/// leaves out is refused for its flows, not only hidden. All of them by default.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SignInMethods {
    pub password: bool,
    pub passkey: bool,
    /// The sign-in providers offered, by slug; `None`: every enabled one.
    pub providers: Option<Vec<String>>,
}

impl Default for SignInMethods {
    fn default() -> Self {
        Self {
            password: true,
            passkey: true,
            providers: None,
        }
    }
}

impl SignInMethods {
    pub fn allows_provider(&self, slug: &str) -> bool {
        self.providers
            .as_ref()
            .is_none_or(|list| list.iter().any(|s| s == slug))
    }

    /// At least one way in must remain.
    pub fn check(&self) -> Result<(), &'static str> {
        let any_provider = self.providers.as_ref().is_none_or(|l| !l.is_empty());
        if self.password || self.passkey || any_provider {
            Ok(())
        } else {
            Err("leave at least one way to sign in")
        }
    }
}

impl Application {
    /// Whether `uri` is one of the app's login redirect URIs — compared exactly, byte
    /// for byte (RFC 9700 §4.1.3): no prefix, case, port or trailing-slash leeway.
    pub fn accepts_redirect(&self, uri: &str) -> bool {
        self.redirect_uris.iter().any(|r| r == uri)
    }

    pub fn accepts_post_logout_redirect(&self, uri: &str) -> bool {
        self.post_logout_redirect_uris.iter().any(|r| r == uri)
    }

    /// The editable settings of the app, as a [`NewApp`] to change and pass back to
    /// [`Engine::update_app`].
    pub fn settings(&self) -> NewApp {
        NewApp {
            name: self.name.clone(),
            kind: Some(self.kind),
            redirect_uris: self.redirect_uris.clone(),
            post_logout_redirect_uris: self.post_logout_redirect_uris.clone(),
            grant_types: Some(self.grant_types.clone()),
            scopes: Some(self.scopes.clone()),
            first_party: self.first_party,
            access_token_seconds: Some(self.access_token_seconds),
            refresh_token_seconds: Some(self.refresh_token_seconds),
            id_token_alg: Some(self.id_token_alg),
            jwks: self.jwks.clone(),
        }
    }
}

/// Access tokens live 15 minutes unless the app says otherwise (1 minute to 1 day).
pub const DEFAULT_ACCESS_TOKEN_SECONDS: u32 = 15 * 60;
/// Refresh tokens live 30 days unless the app says otherwise (up to a year; 0 = none).
pub const DEFAULT_REFRESH_TOKEN_SECONDS: u32 = 30 * 24 * 3600;

const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

/// Checks one redirect URI for an app of `kind`: absolute, exact (no wildcard), no
/// fragment, no credentials, https — or http on the loopback host — and, for native
/// apps, a private-use scheme in reverse-domain form (`com.example.app:/callback`).
pub fn check_redirect_uri(uri: &str, kind: AppKind) -> Result<(), String> {
    if uri.is_empty() {
        return Err("must not be empty".into());
    }
    if uri.len() > 2000 {
        return Err("must be at most 2,000 characters".into());
    }
    if uri.trim() != uri || uri.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(format!("{uri:?} contains spaces or control characters"));
    }
    if uri.contains('*') {
        return Err(format!(
            "{uri} has a wildcard; redirect URIs are matched exactly, register each one"
        ));
    }
    let parsed = url::Url::parse(uri).map_err(|_| format!("{uri} is not an absolute URL"))?;
    if parsed.fragment().is_some() {
        return Err(format!("{uri} has a fragment (#), which is not allowed"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(format!("{uri} contains a user name or password"));
    }
    match parsed.scheme() {
        "https" => Ok(()),
        "http" => {
            let host = parsed.host_str().unwrap_or_default();
            if LOOPBACK_HOSTS.contains(&host) {
                Ok(())
            } else {
                Err(format!(
                    "{uri} uses http; only https is allowed, except on localhost"
                ))
            }
        }
        scheme if kind == AppKind::Native && scheme.contains('.') => Ok(()),
        _ if kind == AppKind::Native => Err(format!(
            "{uri}: a native app's own scheme must be in reverse-domain form, e.g. com.example.app"
        )),
        _ => Err(format!("{uri} must use https")),
    }
}

fn check_scope(scope: &str) -> bool {
    !scope.is_empty()
        && scope.len() <= 100
        && scope
            .bytes()
            .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
}

/// A registration that passed every check.
#[derive(Clone, Debug)]
struct Checked {
    name: String,
    kind: AppKind,
    redirect_uris: Vec<String>,
    post_logout_redirect_uris: Vec<String>,
    grant_types: Vec<GrantType>,
    scopes: Vec<String>,
    first_party: bool,
    access_token_seconds: u32,
    refresh_token_seconds: u32,
    id_token_alg: SigningAlg,
    jwks: Option<serde_json::Value>,
}

/// Checks a client's JWKS: 1 to 10 public signing keys (RSA, EC P-256, Ed25519), each
/// with a `kid`, and no private parts.
fn check_jwks(jwks: &serde_json::Value) -> Result<(), String> {
    let Some(keys) = jwks.get("keys").and_then(|k| k.as_array()) else {
        return Err("must be a JSON Web Key Set: {\"keys\": [...]}".into());
    };
    if keys.is_empty() || keys.len() > 10 {
        return Err("give 1 to 10 keys".into());
    }
    for key in keys {
        let kid = key.get("kid").and_then(|k| k.as_str()).unwrap_or("");
        if kid.is_empty() || kid.len() > 100 {
            return Err("every key needs a kid (1 to 100 characters)".into());
        }
        if ["d", "p", "q", "dp", "dq", "qi", "k"]
            .iter()
            .any(|p| key.get(*p).is_some())
        {
            return Err(format!(
                "key {kid:?} contains a private part; register public keys only"
            ));
        }
        let ok = match key.get("kty").and_then(|k| k.as_str()) {
            Some("RSA") => key.get("n").is_some() && key.get("e").is_some(),
            Some("EC") => key.get("crv").and_then(|c| c.as_str()) == Some("P-256"),
            Some("OKP") => key.get("crv").and_then(|c| c.as_str()) == Some("Ed25519"),
            _ => false,
        };
        if !ok {
            return Err(format!(
                "key {kid:?} must be an RSA, EC P-256 or Ed25519 public key"
            ));
        }
    }
    Ok(())
}

fn dedup(list: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in list {
        if !out.contains(item) {
            out.push(item.clone());
        }
    }
    out
}

fn check(new: &NewApp) -> Result<Checked, Vec<AppProblem>> {
    let mut problems = Vec::new();
    let name = new.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        problems.push(problem(
            "name",
            "give the app a name of 1 to 100 characters",
        ));
    }
    let Some(kind) = new.kind else {
        problems.push(problem(
            "kind",
            "choose one of web, spa, native, machine, device",
        ));
        return Err(problems);
    };
    let redirect_uris = dedup(&new.redirect_uris);
    let post_logout_redirect_uris = dedup(&new.post_logout_redirect_uris);
    for uri in &redirect_uris {
        if let Err(m) = check_redirect_uri(uri, kind) {
            problems.push(problem("redirect_uris", m));
        }
    }
    for uri in &post_logout_redirect_uris {
        if let Err(m) = check_redirect_uri(uri, kind) {
            problems.push(problem("post_logout_redirect_uris", m));
        }
    }
    let grant_types = new
        .grant_types
        .clone()
        .unwrap_or_else(|| kind.default_grants());
    if grant_types.is_empty() {
        problems.push(problem("grant_types", "give at least one grant type"));
    }
    for grant in &grant_types {
        if !kind.allows(*grant) {
            problems.push(problem(
                "grant_types",
                format!("a {} app cannot use {}", kind.as_str(), grant.as_str()),
            ));
        }
    }
    let redirects = grant_types.contains(&GrantType::AuthorizationCode);
    if redirects && redirect_uris.is_empty() {
        problems.push(problem(
            "redirect_uris",
            "an app that signs customers in needs at least one redirect URI",
        ));
    }
    if !redirects && !redirect_uris.is_empty() {
        problems.push(problem(
            "redirect_uris",
            "this app does not use the authorization code grant, so it has no redirect URIs",
        ));
    }
    let scopes = match &new.scopes {
        Some(s) => dedup(s),
        None if kind == AppKind::Machine => Vec::new(),
        None => ["openid", "profile", "email", "offline_access"]
            .map(String::from)
            .to_vec(),
    };
    for scope in &scopes {
        if !check_scope(scope) {
            problems.push(problem("scopes", format!("{scope:?} is not a valid scope")));
        }
    }
    if kind != AppKind::Machine && redirects && !scopes.iter().any(|s| s == "openid") {
        problems.push(problem(
            "scopes",
            "an app that signs customers in needs the openid scope",
        ));
    }
    let access_token_seconds = new
        .access_token_seconds
        .unwrap_or(DEFAULT_ACCESS_TOKEN_SECONDS);
    if !(60..=86_400).contains(&access_token_seconds) {
        problems.push(problem(
            "access_token_seconds",
            "must be between 60 and 86,400 (one day)",
        ));
    }
    let refresh_token_seconds = new
        .refresh_token_seconds
        .unwrap_or(DEFAULT_REFRESH_TOKEN_SECONDS);
    if refresh_token_seconds > 31_536_000 {
        problems.push(problem(
            "refresh_token_seconds",
            "must be at most 31,536,000 (one year)",
        ));
    }
    if let Some(jwks) = &new.jwks {
        if !kind.confidential() {
            problems.push(problem(
                "jwks",
                "only web and machine apps authenticate with keys",
            ));
        } else if let Err(m) = check_jwks(jwks) {
            problems.push(problem("jwks", m));
        }
    }
    if problems.is_empty() {
        Ok(Checked {
            name,
            kind,
            redirect_uris,
            post_logout_redirect_uris,
            grant_types,
            scopes,
            first_party: new.first_party,
            access_token_seconds,
            refresh_token_seconds,
            id_token_alg: new.id_token_alg.unwrap_or_default(),
            jwks: new.jwks.clone(),
        })
    } else {
        Err(problems)
    }
}

/// The client id of the demo app (see [`Engine::ensure_demo_app`]).
pub const DEMO_CLIENT_ID: &str = "portico-demo";

/// A new client id: 128 random bits in lower-case hex.
fn new_client_id() -> String {
    random_bytes::<16>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A new client secret: 256 random bits, prefixed so secret scanners recognise it.
fn new_client_secret() -> String {
    format!("pcs_{}", random_token())
}

/// What a registration returns: the app, and its first secret (shown once) when it is
/// confidential.
#[derive(Clone, Debug)]
pub struct Registered {
    pub app: Application,
    pub client_secret: Option<String>,
}

impl Engine {
    /// Registers an application. All rows (app, redirect URIs, secret, audit) are
    /// written in one transaction; nothing is written when a field is wrong.
    pub async fn register_app(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        new: &NewApp,
    ) -> Result<Result<Registered, Vec<AppProblem>>, StoreError> {
        self.register_app_as(tenant, client, new, new_client_id())
            .await
    }

    /// The demo app of a development setup: a single-page app (public, PKCE) with the
    /// client id [`DEMO_CLIENT_ID`], served by Portico itself at `{base_url}/demo`, so a
    /// full sign-in round trip works out of the box. Created once; false if it existed.
    pub async fn ensure_demo_app(&self, tenant: &Tenant) -> Result<bool, StoreError> {
        if self
            .app_by_client_id(tenant, DEMO_CLIENT_ID)
            .await?
            .is_some()
        {
            return Ok(false);
        }
        let page = format!("{}/demo", tenant.base_url.trim_end_matches('/'));
        let new = NewApp {
            name: "Portico demo app".into(),
            kind: Some(AppKind::Spa),
            redirect_uris: vec![page.clone()],
            post_logout_redirect_uris: vec![page],
            first_party: true,
            ..NewApp::default()
        };
        match self
            .register_app_as(tenant, &ClientInfo::default(), &new, DEMO_CLIENT_ID.into())
            .await?
        {
            Ok(_) => Ok(true),
            Err(problems) => {
                // Only a base URL that is no valid redirect (plain http off loopback).
                tracing::warn!(?problems, "the demo app could not be registered");
                Ok(false)
            }
        }
    }

    async fn register_app_as(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        new: &NewApp,
        client_id: String,
    ) -> Result<Result<Registered, Vec<AppProblem>>, StoreError> {
        let checked = match check(new) {
            Ok(c) => c,
            Err(problems) => return Ok(Err(problems)),
        };
        let now = self.now();
        let app = Application {
            id: Uuid::now_v7(),
            tenant_id: tenant.id,
            client_id,
            name: checked.name,
            kind: checked.kind,
            status: AppStatus::Active,
            first_party: checked.first_party,
            grant_types: checked.grant_types,
            scopes: checked.scopes,
            redirect_uris: checked.redirect_uris,
            post_logout_redirect_uris: checked.post_logout_redirect_uris,
            access_token_seconds: checked.access_token_seconds,
            refresh_token_seconds: checked.refresh_token_seconds,
            id_token_alg: checked.id_token_alg,
            jwks: checked.jwks,
            sign_in: SignInMethods::default(),
            created_at: now,
        };
        // An app that signs its assertions with its own keys needs no shared secret.
        let secret = (app.kind.confidential() && app.jwks.is_none()).then(new_client_secret);
        let tx = self.db().begin().await?;
        store::apps::insert(&tx, &app, now).await?;
        if let Some(secret) = &secret {
            store::apps::insert_secret(&tx, app.id, &sha256_hex(secret.as_bytes()), now).await?;
        }
        store::audit::insert(
            &tx,
            now,
            &AuditEvent::new(tenant.id, "app.registered", client)
                .reference("app", app.id)
                .detail("kind", app.kind.as_str()),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(Registered {
            app,
            client_secret: secret,
        }))
    }

    /// The tenant's applications, oldest first.
    pub async fn apps(&self, tenant: &Tenant) -> Result<Vec<Application>, StoreError> {
        store::apps::list(self.db().conn(), tenant.id).await
    }

    /// An application of the tenant by its client id (whatever its status).
    pub async fn app_by_client_id(
        &self,
        tenant: &Tenant,
        client_id: &str,
    ) -> Result<Option<Application>, StoreError> {
        store::apps::find_by_client_id(self.db().conn(), tenant.id, client_id).await
    }

    /// Changes an app's settings: `new` replaces them all (the kind must stay the
    /// same; client id, secrets and status are untouched). Checked like a
    /// registration; nothing is written when a field is wrong. `None`: no such app.
    pub async fn update_app(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        client_id: &str,
        new: &NewApp,
    ) -> Result<Option<Result<Application, Vec<AppProblem>>>, StoreError> {
        let Some(current) = self.app_by_client_id(tenant, client_id).await? else {
            return Ok(None);
        };
        if new.kind.is_some_and(|k| k != current.kind) {
            return Ok(Some(Err(vec![problem(
                "kind",
                "an app's kind cannot change; register a new app instead",
            )])));
        }
        let checked = match check(&NewApp {
            kind: Some(current.kind),
            ..new.clone()
        }) {
            Ok(c) => c,
            Err(problems) => return Ok(Some(Err(problems))),
        };
        let app = Application {
            name: checked.name,
            first_party: checked.first_party,
            grant_types: checked.grant_types,
            scopes: checked.scopes,
            redirect_uris: checked.redirect_uris,
            post_logout_redirect_uris: checked.post_logout_redirect_uris,
            access_token_seconds: checked.access_token_seconds,
            refresh_token_seconds: checked.refresh_token_seconds,
            id_token_alg: checked.id_token_alg,
            jwks: checked.jwks,
            ..current
        };
        let now = self.now();
        let tx = self.db().begin().await?;
        store::apps::update(&tx, &app, now).await?;
        store::audit::insert(
            &tx,
            now,
            &AuditEvent::new(tenant.id, "app.updated", client).reference("app", app.id),
        )
        .await?;
        tx.commit().await?;
        self.inner.app_cache.clear();
        Ok(Some(Ok(app)))
    }

    /// Disables or re-enables an app; a disabled app can neither sign anyone in nor
    /// get tokens. False when there is no such app.
    pub async fn set_app_status(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        client_id: &str,
        status: AppStatus,
    ) -> Result<bool, StoreError> {
        let tx = self.db().begin().await?;
        let Some(app) = store::apps::find_by_client_id(&tx, tenant.id, client_id).await? else {
            return Ok(false);
        };
        store::apps::set_status(&tx, app.id, status.as_str(), self.now()).await?;
        store::audit::insert(
            &tx,
            self.now(),
            &AuditEvent::new(
                tenant.id,
                match status {
                    AppStatus::Active => "app.enabled",
                    AppStatus::Disabled => "app.disabled",
                },
                client,
            )
            .reference("app", app.id),
        )
        .await?;
        tx.commit().await?;
        self.inner.app_cache.clear();
        Ok(true)
    }

    /// A new client secret for a confidential app; the current ones keep working for
    /// `overlap` (zero: they stop at once), so deployments can switch without downtime.
    /// `None` when there is no such confidential app.
    pub async fn rotate_app_secret(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        client_id: &str,
        overlap: Duration,
    ) -> Result<Option<String>, StoreError> {
        let now = self.now();
        let tx = self.db().begin().await?;
        let Some(app) = store::apps::find_by_client_id(&tx, tenant.id, client_id).await? else {
            return Ok(None);
        };
        if !app.kind.confidential() {
            return Ok(None);
        }
        let secret = new_client_secret();
        store::apps::expire_secrets(&tx, app.id, now + overlap.max(Duration::zero())).await?;
        store::apps::insert_secret(&tx, app.id, &sha256_hex(secret.as_bytes()), now).await?;
        store::audit::insert(
            &tx,
            now,
            &AuditEvent::new(tenant.id, "app.secret_rotated", client).reference("app", app.id),
        )
        .await?;
        tx.commit().await?;
        self.inner.app_cache.clear();
        Ok(Some(secret))
    }

    /// Authenticates a confidential client by id and secret: the app when it is active
    /// and the secret is one of its unexpired secrets. Compared in constant time.
    pub async fn authenticate_app(
        &self,
        tenant: &Tenant,
        client_id: &str,
        secret: &str,
    ) -> Result<Option<Application>, StoreError> {
        let db = self.db().conn();
        let Some(app) = store::apps::find_by_client_id(db, tenant.id, client_id).await? else {
            // Same work whether or not the client exists.
            let _ = sha256_hex(secret.as_bytes());
            return Ok(None);
        };
        if app.status != AppStatus::Active || !app.kind.confidential() {
            return Ok(None);
        }
        let given = sha256_hex(secret.as_bytes());
        let now = self.now();
        let ok = store::apps::live_secret_hashes(db, app.id, now)
            .await?
            .iter()
            .any(|h| constant_time_eq(h.as_bytes(), given.as_bytes()));
        Ok(ok.then_some(app))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_are_exact_and_safe() {
        use AppKind::*;
        let ok: &[(&str, AppKind)] = &[
            ("https://app.example.com/callback", Web),
            ("https://app.example.com/cb?x=1", Spa),
            ("http://localhost:8080/callback", Web),
            ("http://127.0.0.1:49152/cb", Native),
            ("http://[::1]/cb", Native),
            ("com.example.app:/oauth2redirect", Native),
        ];
        for (uri, kind) in ok {
            assert_eq!(check_redirect_uri(uri, *kind), Ok(()), "{uri}");
        }
        let bad: &[(&str, AppKind)] = &[
            ("https://*.example.com/cb", Web),
            ("https://app.example.com/*", Web),
            ("https://app.example.com/cb#frag", Web),
            ("https://user:pw@app.example.com/cb", Web),
            ("https://user@app.example.com/cb", Web),
            ("http://app.example.com/cb", Web),
            ("http://localhost.evil.com/cb", Web),
            ("javascript:alert(1)", Web),
            ("data:text/html,x", Web),
            ("com.example.app:/cb", Web),
            ("myapp:/cb", Native),
            ("/relative/callback", Web),
            ("https://app.example.com/c b", Web),
            (" https://app.example.com/cb", Web),
            ("", Web),
        ];
        for (uri, kind) in bad {
            assert!(
                check_redirect_uri(uri, *kind).is_err(),
                "{uri} must be refused"
            );
        }
        assert!(
            check_redirect_uri(&format!("https://a.example/{}", "x".repeat(2000)), Web).is_err()
        );
    }

    #[test]
    fn matching_is_byte_for_byte() {
        let app = Application {
            id: Uuid::nil(),
            tenant_id: TenantId(Uuid::nil()),
            client_id: "c".into(),
            name: "n".into(),
            kind: AppKind::Web,
            status: AppStatus::Active,
            first_party: false,
            grant_types: vec![GrantType::AuthorizationCode],
            scopes: vec!["openid".into()],
            redirect_uris: vec!["https://app.example.com/callback".into()],
            post_logout_redirect_uris: vec![],
            access_token_seconds: 900,
            refresh_token_seconds: 0,
            id_token_alg: SigningAlg::RS256,
            jwks: None,
            sign_in: SignInMethods::default(),
            created_at: Utc::now(),
        };
        assert!(app.accepts_redirect("https://app.example.com/callback"));
        for variant in [
            "https://app.example.com/callback/",
            "https://APP.example.com/callback",
            "https://app.example.com/Callback",
            "https://app.example.com/callback?x=1",
            "https://app.example.com/callback#x",
            "https://app.example.com:443/callback",
            "https://app.example.com:8443/callback",
            "http://app.example.com/callback",
            "https://app.example.com@evil.example/callback",
            "https://app.example.com%2f@evil.example/callback",
            "https://app.example.com/callback/../callback",
            "https://app.example.com.evil.example/callback",
        ] {
            assert!(!app.accepts_redirect(variant), "{variant}");
        }
    }

    #[test]
    fn registrations_name_the_field_at_fault() {
        let fields = |new: NewApp| -> Vec<&'static str> {
            check(&new)
                .err()
                .unwrap_or_default()
                .iter()
                .map(|p| p.field)
                .collect()
        };
        let web = NewApp {
            name: "Shop".into(),
            kind: Some(AppKind::Web),
            redirect_uris: vec!["https://shop.example.com/cb".into()],
            ..Default::default()
        };
        assert!(check(&web).is_ok());
        assert_eq!(
            fields(NewApp {
                name: " ".into(),
                ..web.clone()
            }),
            vec!["name"]
        );
        assert_eq!(
            fields(NewApp {
                kind: None,
                ..web.clone()
            }),
            vec!["kind"]
        );
        assert_eq!(
            fields(NewApp {
                redirect_uris: vec![],
                ..web.clone()
            }),
            vec!["redirect_uris"]
        );
        assert_eq!(
            fields(NewApp {
                grant_types: Some(vec![GrantType::ClientCredentials]),
                ..NewApp {
                    kind: Some(AppKind::Spa),
                    ..web.clone()
                }
            }),
            vec!["grant_types", "redirect_uris"]
        );
        assert_eq!(
            fields(NewApp {
                access_token_seconds: Some(5),
                ..web.clone()
            }),
            vec!["access_token_seconds"]
        );
        assert_eq!(
            fields(NewApp {
                scopes: Some(vec!["profile".into()]),
                ..web.clone()
            }),
            vec!["scopes"]
        );
        let machine = NewApp {
            name: "Billing".into(),
            kind: Some(AppKind::Machine),
            ..Default::default()
        };
        let checked = check(&machine).unwrap();
        assert_eq!(checked.grant_types, vec![GrantType::ClientCredentials]);
        assert!(checked.scopes.is_empty());
        assert_eq!(
            fields(NewApp {
                redirect_uris: vec!["https://b.example/cb".into()],
                ..machine
            }),
            vec!["redirect_uris"]
        );
    }

    #[test]
    fn names_round_trip() {
        for kind in AppKind::ALL {
            assert_eq!(AppKind::parse(kind.as_str()), Some(kind));
        }
        for grant in GrantType::ALL {
            assert_eq!(GrantType::parse(grant.as_str()), Some(grant));
        }
        assert_eq!(GrantType::parse("implicit"), None);
        assert_eq!(GrantType::parse("password"), None);
        assert_eq!(SigningAlg::parse("none"), None);
        assert!(new_client_secret().starts_with("pcs_"));
        assert_eq!(new_client_id().len(), 32);
    }
}
