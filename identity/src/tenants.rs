//! Tenants: a brand, or one customer company's login domain, with its hosts and policies.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::branding::ThemeTokens;
use crate::credentials::password::PasswordPolicy;
use crate::store::{self, StoreError};
use crate::{Engine, TenantId};

/// A tenant as every request sees it.
#[derive(Clone, Debug)]
pub struct Tenant {
    pub id: TenantId,
    pub slug: String,
    pub display_name: String,
    /// The public base URL; every link Portico builds for this tenant starts with it.
    pub base_url: String,
    pub is_default: bool,
    pub policy: TenantPolicy,
}

/// The rules a tenant sets for its customers. The defaults include adaptive MFA,
/// enforced: a risky sign-in is asked for a second factor.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TenantPolicy {
    pub password: PasswordPolicy,
    pub throttle: crate::throttle::ThrottlePolicy,
    pub mail: MailPolicy,
    pub verification: crate::verification::VerificationPolicy,
    pub risk: crate::risk::RiskPolicy,
}

/// How a tenant's mail is sent.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MailPolicy {
    /// The From of the tenant's mail, e.g. `Acme <no-reply@acme.example>`; the server's
    /// `mail.from` when unset.
    pub from: Option<String>,
}

/// A tenant with its published theme: what one request needs to render a page.
#[derive(Clone, Debug)]
pub struct ResolvedTenant {
    pub tenant: Tenant,
    pub theme: ThemeTokens,
}

#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    /// No tenant is marked default; `portico serve` creates one at start, so this means
    /// the database was changed by hand.
    #[error("no default tenant exists")]
    NoDefaultTenant,
    #[error("a tenant with this {field} already exists")]
    Conflict { field: &'static str },
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for TenantError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict { field } => TenantError::Conflict { field },
            other => TenantError::Store(other),
        }
    }
}

/// What the operator's configuration says the default tenant looks like.
#[derive(Clone, Debug)]
pub struct DefaultTenantSpec {
    pub slug: String,
    pub display_name: String,
    pub base_url: String,
    pub hosts: Vec<String>,
}

const CACHE_TTL: Duration = Duration::from_secs(30);

/// Host → tenant answers, kept briefly so a page view costs no tenant query.
#[derive(Default)]
pub(crate) struct TenantCache {
    entries: RwLock<HashMap<String, (Instant, Arc<ResolvedTenant>)>>,
}

impl TenantCache {
    fn get(&self, host: &str) -> Option<Arc<ResolvedTenant>> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(host)
            .filter(|(at, _)| at.elapsed() < CACHE_TTL)
            .map(|(_, t)| t.clone())
    }

    fn put(&self, host: String, tenant: Arc<ResolvedTenant>) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() > 10_000 {
            entries.retain(|_, (at, _)| at.elapsed() < CACHE_TTL);
        }
        entries.insert(host, (Instant::now(), tenant));
    }

    fn clear(&self) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

/// Lowercases a Host header value and drops a trailing dot, keeping any port.
pub fn normalize_host(host: &str) -> String {
    let host = host.trim().to_ascii_lowercase();
    match host.split_once(':') {
        Some((name, port)) => format!("{}:{port}", name.trim_end_matches('.')),
        None => host.trim_end_matches('.').to_string(),
    }
}

impl Engine {
    /// Finds the tenant that serves `host` (as sent in the Host header). A host no
    /// tenant claims is served by the default tenant.
    pub async fn resolve_tenant(&self, host: &str) -> Result<Arc<ResolvedTenant>, TenantError> {
        let host = normalize_host(host);
        if let Some(hit) = self.inner.tenant_cache.get(&host) {
            return Ok(hit);
        }
        let db = self.db().conn();
        let without_port = host.split(':').next().unwrap_or(&host);
        let tenant = match store::tenants::find_by_host(db, &host).await? {
            Some(t) => Some(t),
            None if without_port != host => store::tenants::find_by_host(db, without_port).await?,
            None => None,
        };
        let tenant = match tenant {
            Some(t) => t,
            None => store::tenants::find_default(db)
                .await?
                .ok_or(TenantError::NoDefaultTenant)?,
        };
        let theme = store::tenants::find_published_theme(db, tenant.id)
            .await?
            .unwrap_or_default();
        let resolved = Arc::new(ResolvedTenant { tenant, theme });
        self.inner.tenant_cache.put(host, resolved.clone());
        Ok(resolved)
    }

    /// Replaces a tenant's policy (passwords, throttling, verification, risk…).
    pub async fn set_tenant_policy(
        &self,
        tenant: TenantId,
        policy: &TenantPolicy,
    ) -> Result<(), TenantError> {
        store::tenants::update_policy(self.db().conn(), tenant, policy).await?;
        self.inner.tenant_cache.clear();
        Ok(())
    }

    /// A tenant by its slug, or the default tenant when no slug is given (for the
    /// command line and admin tools).
    pub async fn tenant_by_slug(&self, slug: Option<&str>) -> Result<Option<Tenant>, StoreError> {
        match slug {
            Some(slug) => store::tenants::find_by_slug(self.db().conn(), slug).await,
            None => store::tenants::find_default(self.db().conn()).await,
        }
    }

    /// Creates the default tenant with a published default theme if there is none, and
    /// keeps its base URL and hosts in line with the configuration. Idempotent.
    pub async fn ensure_default_tenant(
        &self,
        spec: &DefaultTenantSpec,
    ) -> Result<Tenant, TenantError> {
        let now = self.now();
        let tx = self.db().begin().await?;
        let tenant = match store::tenants::find_default(&tx).await? {
            Some(existing) => {
                if existing.base_url != spec.base_url {
                    store::tenants::update_base_url(&tx, existing.id, &spec.base_url, now).await?;
                }
                Tenant {
                    base_url: spec.base_url.clone(),
                    ..existing
                }
            }
            None => {
                let tenant = Tenant {
                    id: TenantId::generate(),
                    slug: spec.slug.clone(),
                    display_name: spec.display_name.clone(),
                    base_url: spec.base_url.clone(),
                    is_default: true,
                    policy: TenantPolicy::default(),
                };
                store::tenants::insert_tenant(&tx, &tenant, now).await?;
                store::tenants::insert_published_theme(
                    &tx,
                    tenant.id,
                    &ThemeTokens::default(),
                    now,
                )
                .await?;
                tenant
            }
        };
        for host in &spec.hosts {
            store::tenants::upsert_host(&tx, &normalize_host(host), tenant.id, now).await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        self.inner.tenant_cache.clear();
        self.inner.relying_parties.clear();
        Ok(tenant)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_normalized() {
        assert_eq!(normalize_host("Login.Acme.Example"), "login.acme.example");
        assert_eq!(
            normalize_host("acme.localhost.:3000"),
            "acme.localhost:3000"
        );
        assert_eq!(normalize_host(" 127.0.0.1:3000 "), "127.0.0.1:3000");
    }
}
