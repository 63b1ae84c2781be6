//! The token endpoint's engine side (RFC 6749 §3.2, §5). So far: the client
//! credentials grant (§4.4) — a backend service authenticates with its client secret
//! and gets an access token about itself.
//!
//! Access tokens are JWTs in the RFC 9068 profile (`typ: at+jwt`; iss, sub, aud, exp,
//! iat, jti, client_id, scope), signed with ES256: a resource server verifies them
//! against the JWKS without calling back. (ID tokens use each app's own algorithm.)
//!
//! The hot path reads applications and their secret hashes from a short-lived cache
//! (a change made through this engine clears it at once; other instances see it within
//! [`APP_CACHE_SECONDS`]), and secret checks that fail are throttled per client, per
//! client and address, and per address through the one throttle — a source that is
//! throttled is refused before its secret is even compared.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;

use crate::audit::ClientInfo;
use crate::oidc::apps::{AppStatus, Application, GrantType, SigningAlg};
use crate::oidc::keys::KeyError;
use crate::secrets::{constant_time_eq, random_token, sha256_hex};
use crate::store::{self, StoreError};
use crate::tenants::Tenant;
use crate::throttle::{self, Admission};
use crate::{Engine, TenantId};

/// How long an instance may serve an application from memory.
pub const APP_CACHE_SECONDS: i64 = 5;

/// An OAuth error response (RFC 6749 §5.2).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OAuthError {
    #[error("invalid_request: {0}")]
    InvalidRequest(String),
    /// Unknown client, wrong secret, disabled app, or no authentication at all.
    #[error("invalid_client")]
    InvalidClient,
    #[error("unauthorized_client: {0}")]
    UnauthorizedClient(String),
    #[error("unsupported_grant_type")]
    UnsupportedGrantType,
    /// The code, refresh token or device code is unknown, spent, expired, revoked, or
    /// not this client's.
    #[error("invalid_grant: {0}")]
    InvalidGrant(String),
    /// Device flow: the customer has not answered yet.
    #[error("authorization_pending")]
    AuthorizationPending,
    /// Device flow: polling faster than the interval.
    #[error("slow_down")]
    SlowDown,
    /// Device flow: the customer declined.
    #[error("access_denied")]
    AccessDenied,
    /// Device flow: the code expired.
    #[error("expired_token")]
    ExpiredToken,
    #[error("invalid_scope: {0}")]
    InvalidScope(String),
    /// Too many failed attempts from this source: try again later.
    #[error("slow_down")]
    Throttled { retry_after_secs: i64 },
    #[error("temporarily_unavailable")]
    Unavailable,
}

impl OAuthError {
    pub fn code(&self) -> &'static str {
        match self {
            OAuthError::InvalidRequest(_) => "invalid_request",
            OAuthError::InvalidClient => "invalid_client",
            OAuthError::UnauthorizedClient(_) => "unauthorized_client",
            OAuthError::UnsupportedGrantType => "unsupported_grant_type",
            OAuthError::InvalidGrant(_) => "invalid_grant",
            OAuthError::AuthorizationPending => "authorization_pending",
            OAuthError::SlowDown => "slow_down",
            OAuthError::AccessDenied => "access_denied",
            OAuthError::ExpiredToken => "expired_token",
            OAuthError::InvalidScope(_) => "invalid_scope",
            OAuthError::Throttled { .. } => "invalid_client",
            OAuthError::Unavailable => "temporarily_unavailable",
        }
    }

    /// A description for developers; never anything secret.
    pub fn description(&self) -> String {
        match self {
            OAuthError::InvalidRequest(d)
            | OAuthError::UnauthorizedClient(d)
            | OAuthError::InvalidScope(d)
            | OAuthError::InvalidGrant(d) => d.clone(),
            OAuthError::AuthorizationPending => "the customer has not answered yet".into(),
            OAuthError::SlowDown => "poll less often".into(),
            OAuthError::AccessDenied => "the customer declined".into(),
            OAuthError::ExpiredToken => "the device code expired; start again".into(),
            OAuthError::InvalidClient => "client authentication failed".into(),
            OAuthError::UnsupportedGrantType => {
                "grant_type must be one this server supports".into()
            }
            OAuthError::Throttled { retry_after_secs } => {
                format!("too many failed attempts; retry in {retry_after_secs} s")
            }
            OAuthError::Unavailable => "try again shortly".into(),
        }
    }
}

impl From<StoreError> for OAuthError {
    fn from(e: StoreError) -> Self {
        tracing::error!(error = %e, "token endpoint: store error");
        OAuthError::Unavailable
    }
}

impl From<KeyError> for OAuthError {
    fn from(e: KeyError) -> Self {
        tracing::error!(error = %e, "token endpoint: signing failed");
        OAuthError::Unavailable
    }
}

/// How the client authenticated at the token endpoint: with its secret, with a JWT
/// signed by its own key (`private_key_jwt`), or — a public client (SPA, native,
/// device) — by naming itself (`none`).
#[derive(Clone, Copy, Debug)]
pub struct ClientCredentials<'a> {
    pub client_id: &'a str,
    pub client_secret: Option<&'a str>,
    /// A client assertion (RFC 7523), already checked to be of the JWT bearer type.
    pub assertion: Option<&'a str>,
}

impl<'a> ClientCredentials<'a> {
    /// Whether the client proved itself (secret or key), as introspection requires.
    pub fn proves_possession(&self) -> bool {
        self.client_secret.is_some() || self.assertion.is_some()
    }
}

/// The client assertion type of RFC 7523 §2.2.
pub const JWT_BEARER_ASSERTION: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The longest a client assertion may be valid for (its `exp` from now).
const MAX_ASSERTION_LIFETIME_SECS: i64 = 600;

/// A successful token response (RFC 6749 §5.1).
#[derive(Clone, Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

struct CachedApp {
    app: Arc<Application>,
    secret_hashes: Vec<(String, Option<DateTime<Utc>>)>,
    loaded_at: DateTime<Utc>,
}

/// Applications and their secrets, briefly, for the token endpoint's hot path.
#[derive(Default)]
pub(crate) struct AppCache {
    apps: Mutex<HashMap<(TenantId, String), Arc<CachedApp>>>,
    /// Sources whose failed attempts got them throttled, until when.
    blocked: Mutex<HashMap<String, DateTime<Utc>>>,
}

impl AppCache {
    pub(crate) fn clear(&self) {
        self.apps.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

impl Engine {
    async fn cached_app(
        &self,
        tenant: &Tenant,
        client_id: &str,
    ) -> Result<Option<Arc<CachedApp>>, StoreError> {
        let now = self.now();
        let key = (tenant.id, client_id.to_string());
        if let Some(hit) = self
            .inner
            .app_cache
            .apps
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
            .filter(|c| now - c.loaded_at < Duration::seconds(APP_CACHE_SECONDS))
            .cloned()
        {
            return Ok(Some(hit));
        }
        let db = self.db().conn();
        let Some(app) = store::apps::find_by_client_id(db, tenant.id, client_id).await? else {
            return Ok(None);
        };
        let secret_hashes = store::apps::secret_hashes(db, app.id).await?;
        let cached = Arc::new(CachedApp {
            app: Arc::new(app),
            secret_hashes,
            loaded_at: now,
        });
        let mut apps = self
            .inner
            .app_cache
            .apps
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if apps.len() > 100_000 {
            apps.clear();
        }
        apps.insert(key, cached.clone());
        Ok(Some(cached))
    }

    /// Authenticates a client at the token endpoint: a public client by its id
    /// alone (it has no secret to show), a confidential one by its secret — throttled
    /// on failures, constant-time.
    pub(crate) async fn authenticate_client(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        creds: ClientCredentials<'_>,
    ) -> Result<Arc<Application>, OAuthError> {
        let now = self.now();
        let source = format!(
            "{}\u{1f}{}\u{1f}{}",
            tenant.id,
            creds.client_id,
            client.ip.as_deref().unwrap_or("")
        );
        if let Some(until) = self
            .inner
            .app_cache
            .blocked
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&source)
            .copied()
            .filter(|until| *until > now)
        {
            return Err(OAuthError::Throttled {
                retry_after_secs: (until - now).num_seconds().max(1),
            });
        }
        if let Some(assertion) = creds.assertion {
            return match self
                .check_client_assertion(tenant, creds.client_id, assertion)
                .await?
            {
                Some(app) => Ok(app),
                None => Err(self.client_failed(tenant, client, &creds, source).await?),
            };
        }
        let Some(secret) = creds.client_secret else {
            return match self.cached_app(tenant, creds.client_id).await? {
                Some(c) if c.app.status == AppStatus::Active && !c.app.kind.confidential() => {
                    Ok(c.app.clone())
                }
                _ => Err(OAuthError::InvalidClient),
            };
        };
        let given = sha256_hex(secret.as_bytes());
        let cached = self.cached_app(tenant, creds.client_id).await?;
        let ok = cached.as_ref().is_some_and(|c| {
            c.app.status == AppStatus::Active
                && c.app.kind.confidential()
                && c.secret_hashes.iter().any(|(hash, expires)| {
                    expires.is_none_or(|e| e > now)
                        && constant_time_eq(hash.as_bytes(), given.as_bytes())
                })
        });
        if let (true, Some(c)) = (ok, cached) {
            return Ok(c.app.clone());
        }
        Err(self.client_failed(tenant, client, &creds, source).await?)
    }

    /// Counts a failed client authentication against the client, the client from
    /// this address, and the address; a source over the limit is refused up front
    /// from then on.
    async fn client_failed(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        creds: &ClientCredentials<'_>,
        source: String,
    ) -> Result<OAuthError, StoreError> {
        let now = self.now();
        let policy = &tenant.policy.throttle;
        let keys = throttle::keys_for(
            policy,
            tenant.id,
            "client_secret",
            creds.client_id,
            client.ip.as_deref(),
        );
        if let Admission::Throttled { retry_after } = self.admit_attempt(policy, &keys).await? {
            let mut blocked = self
                .inner
                .app_cache
                .blocked
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            // Bounded: expired blocks go first, and a flood cannot grow it forever.
            if blocked.len() > 10_000 {
                blocked.retain(|_, until| *until > now);
                if blocked.len() > 10_000 {
                    blocked.clear();
                }
            }
            blocked.insert(source, now + retry_after);
        }
        Ok(OAuthError::InvalidClient)
    }

    /// Checks a `private_key_jwt` assertion (RFC 7523 §3): signed by one of the app's
    /// registered keys, `iss` and `sub` the client id, `aud` this provider (its issuer
    /// or one of its endpoints), unexpired and short-lived, and its `jti` never seen
    /// before. The app, if all holds.
    async fn check_client_assertion(
        &self,
        tenant: &Tenant,
        client_id: &str,
        assertion: &str,
    ) -> Result<Option<Arc<Application>>, StoreError> {
        let Some(cached) = self.cached_app(tenant, client_id).await? else {
            return Ok(None);
        };
        let app = &cached.app;
        let Some(jwks) = app
            .jwks
            .as_ref()
            .filter(|_| app.status == AppStatus::Active && app.kind.confidential())
        else {
            return Ok(None);
        };
        let Some((_, claims)) = crate::oidc::keys::verify_with_jwks(jwks, assertion) else {
            return Ok(None);
        };
        let now = self.now().timestamp();
        let iss = crate::oidc::authorize::issuer(tenant);
        let audience_ok = |v: &serde_json::Value| {
            v.as_str()
                .is_some_and(|a| a == iss || a.starts_with(&format!("{iss}/oauth2/")))
        };
        let aud_ok = match &claims["aud"] {
            serde_json::Value::Array(list) => list.iter().any(audience_ok),
            other => audience_ok(other),
        };
        let exp = claims["exp"].as_i64().unwrap_or(0);
        let jti = claims["jti"].as_str().unwrap_or("");
        if claims["iss"] != client_id
            || claims["sub"] != client_id
            || !aud_ok
            || exp <= now
            || exp > now + MAX_ASSERTION_LIFETIME_SECS
            || jti.is_empty()
            || jti.len() > 200
        {
            return Ok(None);
        }
        let key = sha256_hex(format!("{}\u{1f}{client_id}\u{1f}{jti}", tenant.id).as_bytes());
        let expires = DateTime::from_timestamp(exp, 0).unwrap_or_else(|| self.now());
        if !store::oauth::use_assertion(self.db().conn(), &key, expires).await? {
            tracing::warn!(client_id, "a client assertion was replayed");
            return Ok(None);
        }
        Ok(Some(app.clone()))
    }

    /// The client credentials grant: an access token for the authenticated app itself.
    /// `scope` must be a subset of the app's scopes (all of them when absent);
    /// `resource` (RFC 8707) becomes the audience, else the tenant's issuer.
    pub async fn client_credentials_grant(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        creds: ClientCredentials<'_>,
        scope: Option<&str>,
        resource: Option<&str>,
    ) -> Result<TokenResponse, OAuthError> {
        let app = self.authenticate_client(tenant, client, creds).await?;
        if !app.grant_types.contains(&GrantType::ClientCredentials) {
            return Err(OAuthError::UnauthorizedClient(
                "this client may not use the client_credentials grant".into(),
            ));
        }
        let scopes: Vec<&str> = match scope {
            Some(s) => {
                let asked: Vec<&str> = s.split(' ').filter(|x| !x.is_empty()).collect();
                if let Some(bad) = asked.iter().find(|a| !app.scopes.iter().any(|s| s == *a)) {
                    return Err(OAuthError::InvalidScope(format!(
                        "scope {bad:?} is not granted to this client"
                    )));
                }
                asked
            }
            None => app.scopes.iter().map(String::as_str).collect(),
        };
        if let Some(r) = resource
            && (url::Url::parse(r).is_err() || r.contains('#'))
        {
            return Err(OAuthError::InvalidRequest(
                "resource must be an absolute URI without a fragment".into(),
            ));
        }
        let now = self.now();
        let issuer = tenant.base_url.trim_end_matches('/');
        let scope_text = scopes.join(" ");
        let mut claims = json!({
            "iss": issuer,
            "sub": app.client_id,
            "aud": resource.unwrap_or(issuer),
            "client_id": app.client_id,
            "iat": now.timestamp(),
            "exp": now.timestamp() + i64::from(app.access_token_seconds),
            "jti": random_token(),
        });
        if !scope_text.is_empty() {
            claims["scope"] = json!(scope_text);
        }
        let access_token = self
            .sign_jwt(tenant, SigningAlg::ES256, "at+jwt", &claims)
            .await?;
        Ok(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: app.access_token_seconds,
            scope: (!scope_text.is_empty()).then_some(scope_text),
            id_token: None,
            refresh_token: None,
        })
    }
}
