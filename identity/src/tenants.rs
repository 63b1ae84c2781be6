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
    /// The language of pages and mail when neither the customer nor the browser names
    /// one Portico speaks.
    pub default_language: crate::i18n::Language,
    pub accounts: AccountPolicy,
}

/// What a tenant decides about its customers' accounts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountPolicy {
    /// Days between a customer's request to delete their account and its erasure;
    /// signing in meanwhile offers to cancel (0–90).
    pub deletion_grace_days: u32,
}

impl Default for AccountPolicy {
    fn default() -> Self {
        Self {
            deletion_grace_days: 14,
        }
    }
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

/// A new tenant, as an operator describes it (command line, admin console).
#[derive(Clone, Debug, Default)]
pub struct NewTenant {
    pub slug: String,
    pub display_name: String,
    /// The public URL its pages, links and issuer start with, e.g.
    /// `https://login.acme.example` (or `http://acme.localhost:3000` locally).
    pub base_url: String,
    /// More hosts it serves; the base URL's host is always one.
    pub hosts: Vec<String>,
}

/// A field of a [`NewTenant`] that cannot be accepted, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantProblem {
    pub field: &'static str,
    pub message: String,
}

fn problem(field: &'static str, message: impl Into<String>) -> TenantProblem {
    TenantProblem {
        field,
        message: message.into(),
    }
}

/// A host header value a tenant may claim: a DNS name or IP literal, optional port.
fn check_host(host: &str) -> Result<String, String> {
    let h = normalize_host(host);
    let (name, port) = match h.rsplit_once(':') {
        Some((n, p)) if !n.contains(':') => (n.to_string(), Some(p.to_string())),
        _ => (h.clone(), None),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    let port_ok = port
        .as_deref()
        .is_none_or(|p| p.parse::<u16>().is_ok_and(|n| n > 0));
    if name_ok && port_ok {
        Ok(h)
    } else {
        Err(format!(
            "{host:?} is not a host name (with an optional :port)"
        ))
    }
}

/// Checks a new tenant: slug, name, base URL (https, or http on this machine) and
/// hosts, each problem naming its field. The normalised base URL and hosts.
pub fn check_new_tenant(new: &NewTenant) -> Result<(String, Vec<String>), Vec<TenantProblem>> {
    let mut problems = Vec::new();
    let slug = new.slug.trim();
    if slug.is_empty()
        || slug.len() > 32
        || !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        || slug.starts_with('-')
    {
        problems.push(problem(
            "slug",
            "use 1–32 lowercase letters, digits or hyphens",
        ));
    }
    let name = new.display_name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        problems.push(problem(
            "display_name",
            "is required: at most 64 characters",
        ));
    }
    let mut hosts = Vec::new();
    let base_url = match url::Url::parse(new.base_url.trim()) {
        Ok(u) if u.query().is_some() || u.fragment().is_some() || !u.username().is_empty() => {
            problems.push(problem(
                "base_url",
                "must not carry a query, fragment or credentials",
            ));
            String::new()
        }
        Ok(u) if u.path() != "/" => {
            problems.push(problem("base_url", "must be an origin, without a path"));
            String::new()
        }
        Ok(u) => {
            let local = match u.host() {
                Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            match (u.scheme(), local) {
                ("https", _) | ("http", true) => {
                    let origin = u.origin().ascii_serialization();
                    if let Some(host) = origin.split("://").nth(1) {
                        hosts.push(normalize_host(host));
                    }
                    origin
                }
                _ => {
                    problems.push(problem(
                        "base_url",
                        "must use https (http only for localhost)",
                    ));
                    String::new()
                }
            }
        }
        Err(_) => {
            problems.push(problem(
                "base_url",
                "is not a URL, e.g. https://login.acme.example",
            ));
            String::new()
        }
    };
    for host in &new.hosts {
        match check_host(host) {
            Ok(h) if !hosts.contains(&h) => hosts.push(h),
            Ok(_) => {}
            Err(why) => problems.push(problem("hosts", why)),
        }
    }
    if problems.is_empty() {
        Ok((base_url, hosts))
    } else {
        Err(problems)
    }
}

/// Why a tenant could not be created (or changed).
#[derive(Debug, thiserror::Error)]
pub enum CreateTenantError {
    #[error("the tenant's settings are not acceptable")]
    Invalid(Vec<TenantProblem>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A tenant and the hosts it serves.
#[derive(Clone, Debug)]
pub struct TenantWithHosts {
    pub tenant: Tenant,
    pub hosts: Vec<String>,
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

    /// Forgets the host → tenant answers (after a theme or tenant change).
    pub(crate) fn inner_clear_tenant_cache(&self) {
        self.inner.tenant_cache.clear();
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

    /// Sets the language a tenant's pages use when neither the customer nor the browser
    /// names one Portico speaks; audited with who did it.
    pub async fn set_tenant_language(
        &self,
        actor: crate::UserId,
        client: &crate::audit::ClientInfo,
        tenant: &Tenant,
        language: crate::i18n::Language,
    ) -> Result<(), StoreError> {
        let mut policy = tenant.policy.clone();
        policy.default_language = language;
        let now = self.now();
        let tx = self.db().begin().await?;
        store::tenants::update_policy(&tx, tenant.id, &policy).await?;
        store::audit::insert(
            &tx,
            now,
            &crate::audit::AuditEvent::new(tenant.id, "tenant.language_changed", client)
                .actor(actor)
                .label("language", language.code()),
        )
        .await?;
        tx.commit().await?;
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

    /// Creates a tenant: its row, its hosts (none may belong to another tenant) and
    /// its published default theme in one transaction, then its signing keys.
    pub async fn create_tenant(
        &self,
        client: &crate::audit::ClientInfo,
        new: &NewTenant,
    ) -> Result<Tenant, CreateTenantError> {
        let (base_url, hosts) = check_new_tenant(new).map_err(CreateTenantError::Invalid)?;
        let now = self.now();
        let tenant = Tenant {
            id: TenantId::generate(),
            slug: new.slug.trim().to_string(),
            display_name: new.display_name.trim().to_string(),
            base_url,
            is_default: false,
            policy: TenantPolicy::default(),
        };
        let tx = self.db().begin().await?;
        match store::tenants::insert_tenant(&tx, &tenant, now).await {
            Err(StoreError::Conflict { .. }) => {
                return Err(CreateTenantError::Invalid(vec![problem(
                    "slug",
                    "is already used by another tenant",
                )]));
            }
            other => other?,
        }
        for host in &hosts {
            match store::tenants::insert_host(&tx, host, tenant.id, now).await {
                Err(StoreError::Conflict { .. }) => {
                    return Err(CreateTenantError::Invalid(vec![problem(
                        "hosts",
                        format!("{host} is already served by another tenant"),
                    )]));
                }
                other => other?,
            }
        }
        store::tenants::insert_published_theme(&tx, tenant.id, &ThemeTokens::default(), now)
            .await?;
        store::audit::insert(
            &tx,
            now,
            &crate::audit::AuditEvent::new(tenant.id, "tenant.created", client)
                .label("tenant", tenant.slug.clone())
                .label("hosts", hosts.join(" ")),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        self.inner.tenant_cache.clear();
        self.inner.relying_parties.clear();
        if let Err(e) = self.ensure_signing_keys(&tenant).await {
            tracing::warn!(tenant = %tenant.slug, error = %e, "signing keys for the new tenant could not be made yet");
        }
        Ok(tenant)
    }

    /// Every tenant with its hosts, the default first.
    pub async fn tenants(&self) -> Result<Vec<TenantWithHosts>, StoreError> {
        let db = self.db().conn();
        let mut out = Vec::new();
        for tenant in store::tenants::list_tenants(db).await? {
            let hosts = store::tenants::hosts_of(db, tenant.id).await?;
            out.push(TenantWithHosts { tenant, hosts });
        }
        Ok(out)
    }

    /// Makes a tenant serve one more host (refused if any tenant serves it).
    pub async fn add_tenant_host(
        &self,
        client: &crate::audit::ClientInfo,
        tenant: &Tenant,
        host: &str,
    ) -> Result<(), CreateTenantError> {
        let host = check_host(host)
            .map_err(|why| CreateTenantError::Invalid(vec![problem("host", why)]))?;
        let now = self.now();
        let tx = self.db().begin().await?;
        match store::tenants::insert_host(&tx, &host, tenant.id, now).await {
            Err(StoreError::Conflict { .. }) => {
                return Err(CreateTenantError::Invalid(vec![problem(
                    "host",
                    format!("{host} is already served by a tenant"),
                )]));
            }
            other => other?,
        }
        store::audit::insert(
            &tx,
            now,
            &crate::audit::AuditEvent::new(tenant.id, "tenant.host_added", client)
                .label("host", host.clone()),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        self.inner.tenant_cache.clear();
        self.inner.relying_parties.clear();
        Ok(())
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
    fn new_tenants_are_checked_field_by_field() {
        let ok = NewTenant {
            slug: "acme".into(),
            display_name: "Acme".into(),
            base_url: "https://login.acme.example/".into(),
            hosts: vec!["Acme.Localhost:3000".into()],
        };
        let (base, hosts) = check_new_tenant(&ok).unwrap();
        assert_eq!(base, "https://login.acme.example");
        assert_eq!(hosts, ["login.acme.example", "acme.localhost:3000"]);
        let local = NewTenant {
            base_url: "http://acme.localhost:3000".into(),
            ..ok.clone()
        };
        assert_eq!(
            check_new_tenant(&local).unwrap().1[0],
            "acme.localhost:3000"
        );
        let cases: &[(&str, NewTenant)] = &[
            (
                "slug",
                NewTenant {
                    slug: "Acme Corp".into(),
                    ..ok.clone()
                },
            ),
            (
                "display_name",
                NewTenant {
                    display_name: " ".into(),
                    ..ok.clone()
                },
            ),
            (
                "base_url",
                NewTenant {
                    base_url: "http://login.acme.example".into(),
                    ..ok.clone()
                },
            ),
            (
                "base_url",
                NewTenant {
                    base_url: "https://acme.example/login".into(),
                    ..ok.clone()
                },
            ),
            (
                "base_url",
                NewTenant {
                    base_url: "acme".into(),
                    ..ok.clone()
                },
            ),
            (
                "hosts",
                NewTenant {
                    hosts: vec!["bad host".into()],
                    ..ok.clone()
                },
            ),
            (
                "hosts",
                NewTenant {
                    hosts: vec!["acme.example:99999".into()],
                    ..ok.clone()
                },
            ),
        ];
        for (field, new) in cases {
            let problems = check_new_tenant(new).unwrap_err();
            assert!(
                problems.iter().any(|p| p.field == *field),
                "{field}: {problems:?}"
            );
        }
    }

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
