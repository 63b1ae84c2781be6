//! Portico's identity engine: tenants, accounts, credentials, flows and sessions.
//!
//! Nothing here knows about HTTP or HTML. The [`Engine`] holds the database and the few
//! ports that reach outside ([`Clock`], the password hashing pool); every capability is a
//! method on it, written in the module that owns the domain noun.

pub mod accounts;
pub mod audit;
pub mod branding;
pub mod credentials;
pub mod federation;
pub mod flows;
pub mod i18n;
pub mod ids;
pub mod mail;
pub mod oidc;
pub mod outbox;
pub mod ports;
pub mod risk;
pub mod secrets;
pub mod security;
pub mod sessions;
pub mod store;
pub mod tenants;
pub mod throttle;
pub mod user_agent;
pub mod verification;

use std::sync::Arc;
use std::time::Duration;

pub use ids::{FlowId, TenantId, UserId};
pub use ports::{Clock, MailError, Mailer, ManualClock, OutgoingMail, PwnedPasswords, SystemClock};
pub use store::{Db, StoreError};

use credentials::hasher::PasswordHasher;

/// Engine-wide settings that come from the operator's configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    /// How long a login or registration flow stays usable.
    pub flow_lifetime: Duration,
    /// Sign out after this long without a request.
    pub session_idle_timeout: Duration,
    /// Sign out this long after signing in, whatever the activity.
    pub session_absolute_timeout: Duration,
    /// The sender of mail for tenants that set none.
    pub mail_from: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            flow_lifetime: Duration::from_secs(60 * 60),
            session_idle_timeout: Duration::from_secs(30 * 60),
            session_absolute_timeout: Duration::from_secs(12 * 60 * 60),
            mail_from: "Portico <no-reply@localhost>".into(),
        }
    }
}

/// The identity engine: cheap to clone, shared by every request.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    db: Db,
    clock: Arc<dyn Clock>,
    hasher: PasswordHasher,
    settings: Settings,
    tenant_cache: tenants::TenantCache,
    app_themes: branding::app_theme::AppThemeCache,
    throttle: Arc<dyn throttle::ThrottleStore>,
    pwned: Option<Arc<dyn ports::PwnedPasswords>>,
    relying_parties: credentials::passkeys::RelyingParties,
    keys: oidc::keys::KeyCache,
    app_cache: oidc::tokens::AppCache,
    sealing_key: Option<secrets::SealingKey>,
    geoip: Arc<dyn risk::GeoIp>,
    federation: federation::client::FederationHttp,
}

impl Engine {
    pub fn new(db: Db, clock: Arc<dyn Clock>, hasher: PasswordHasher, settings: Settings) -> Self {
        let throttle: Arc<dyn throttle::ThrottleStore> =
            Arc::new(throttle::DbThrottle::new(db.clone()));
        Self {
            inner: Arc::new(Inner {
                db,
                clock,
                hasher,
                settings,
                tenant_cache: tenants::TenantCache::default(),
                app_themes: Default::default(),
                throttle,
                pwned: None,
                relying_parties: Default::default(),
                keys: Default::default(),
                app_cache: Default::default(),
                sealing_key: None,
                geoip: Arc::new(risk::NoGeoIp),
                federation: Default::default(),
            }),
        }
    }

    /// Also checks new passwords against a Pwned Passwords range API. Call before the
    /// engine is shared.
    pub fn with_pwned_passwords(mut self, api: Arc<dyn ports::PwnedPasswords>) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.pwned = Some(api);
        }
        self
    }

    /// Seals secrets kept at rest (TOTP seeds) with this master key. Call before the
    /// engine is shared. Without one, authenticator apps cannot be added.
    pub fn with_sealing_key(mut self, key: secrets::SealingKey) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.sealing_key = Some(key);
        }
        self
    }

    /// Locates addresses with these databases (the risk engine's geography). Call
    /// before the engine is shared.
    pub fn with_geoip(mut self, geoip: Arc<dyn risk::GeoIp>) -> Self {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.geoip = geoip;
        }
        self
    }

    pub(crate) fn geoip(&self) -> &dyn risk::GeoIp {
        self.inner.geoip.as_ref()
    }

    pub(crate) fn inner_federation(&self) -> &federation::client::FederationHttp {
        &self.inner.federation
    }

    pub(crate) fn sealing_key(&self) -> Option<&secrets::SealingKey> {
        self.inner.sealing_key.as_ref()
    }

    /// Checks a new password against the tenant's policy, the shipped breached list
    /// and, when configured, the Pwned Passwords API — whose failure never blocks a
    /// customer. Returns the normalised password.
    pub async fn check_new_password(
        &self,
        tenant: &tenants::Tenant,
        password: &str,
        hints: &[&str],
    ) -> Result<String, credentials::password::PasswordProblem> {
        let normalized = tenant.policy.password.check(password, hints)?;
        if let Some(api) = &self.inner.pwned {
            let (prefix, suffix) = credentials::breached::range_key(&normalized);
            match api.range(&prefix).await {
                Ok(body) if credentials::breached::range_contains(&body, &suffix) => {
                    return Err(credentials::password::PasswordProblem::Breached);
                }
                Ok(_) => {}
                Err(reason) => {
                    tracing::warn!(%reason, "Pwned Passwords check unavailable; password accepted on the policy alone")
                }
            }
        }
        Ok(normalized)
    }

    pub fn db(&self) -> &Db {
        &self.inner.db
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.inner.clock.now()
    }

    pub fn hasher(&self) -> &PasswordHasher {
        &self.inner.hasher
    }

    pub(crate) fn relying_parties(&self) -> &credentials::passkeys::RelyingParties {
        &self.inner.relying_parties
    }

    /// Answers whether the database is reachable (for readiness probes).
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.inner.db.ping().await
    }
}
