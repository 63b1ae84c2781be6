//! The per-app layer: an app's sign-in pages may look different from the tenant's
//! (its own colours, layout, logo) and offer fewer ways to sign in. A page in a flow
//! started by an app's authorization request is dressed in the tenant theme with the
//! app's layer on top; every other page in the tenant theme alone.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{AssetName, Color, Layout, ThemeTokens};
use crate::oidc::apps::{Application, SignInMethods};
use crate::store::{self, StoreError};
use crate::tenants::{ResolvedTenant, Tenant};
use crate::{FlowId, TenantId};

/// What an app sets over the tenant theme; everything unset is the tenant's.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AppTheme {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary: Option<Color>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub on_primary: Option<Color>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background: Option<Color>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub layout: Option<Layout>,
    /// One of the tenant's uploaded images.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo: Option<AssetName>,
}

impl AppTheme {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

impl ThemeTokens {
    /// The tenant's tokens with an app's layer on top.
    pub fn with_app(&self, app: &AppTheme) -> ThemeTokens {
        let mut t = self.clone();
        if let Some(c) = &app.primary {
            t.primary = c.clone();
        }
        if let Some(c) = &app.on_primary {
            t.on_primary = c.clone();
        }
        if let Some(c) = &app.background {
            t.background = c.clone();
        }
        if let Some(l) = app.layout {
            t.layout = l;
        }
        if let Some(logo) = &app.logo {
            t.logo = Some(logo.clone());
        }
        t
    }
}

const CACHE_TTL: Duration = Duration::from_secs(30);

/// App layers, kept briefly so a flow page costs one flow lookup, not three queries.
#[derive(Default)]
pub(crate) struct AppThemeCache {
    entries: RwLock<HashMap<Uuid, (Instant, AppTheme)>>,
}

impl AppThemeCache {
    fn get(&self, app: Uuid) -> Option<AppTheme> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries
            .get(&app)
            .filter(|(at, _)| at.elapsed() < CACHE_TTL)
            .map(|(_, t)| t.clone())
    }

    fn put(&self, app: Uuid, theme: AppTheme) {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() > 10_000 {
            entries.retain(|_, (at, _)| at.elapsed() < CACHE_TTL);
        }
        entries.insert(app, (Instant::now(), theme));
    }

    fn forget(&self, app: Uuid) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&app);
    }
}

impl crate::Engine {
    /// An app's layer (empty when it has none).
    pub async fn app_theme(&self, tenant: TenantId, app: Uuid) -> Result<AppTheme, StoreError> {
        if let Some(hit) = self.inner.app_themes.get(app) {
            return Ok(hit);
        }
        let theme = store::tenants::find_published_app_theme(self.db().conn(), tenant, app)
            .await?
            .and_then(|json| serde_json::from_value::<AppTheme>(json).ok())
            .unwrap_or_default();
        self.inner.app_themes.put(app, theme.clone());
        Ok(theme)
    }

    /// The tenant as a flow's pages show it: with the layer of the app the flow signs
    /// in to, if it has one.
    pub async fn resolve_for_flow(
        &self,
        resolved: Arc<ResolvedTenant>,
        flow: FlowId,
    ) -> Result<Arc<ResolvedTenant>, StoreError> {
        let tenant = resolved.tenant.id;
        let Some(app) = store::flows::app_of(self.db().conn(), tenant, flow).await? else {
            return Ok(resolved);
        };
        let layer = self.app_theme(tenant, app).await?;
        if layer.is_empty() {
            return Ok(resolved);
        }
        Ok(Arc::new(ResolvedTenant {
            tenant: resolved.tenant.clone(),
            theme: resolved.theme.with_app(&layer),
        }))
    }

    /// Sets an app's sign-in page: its layer over the tenant theme (a new published
    /// version of the app's theme, so earlier ones stay on record) and the ways to sign
    /// in it offers. Audited; flows started from now on follow it.
    pub async fn save_app_sign_in_page(
        &self,
        tenant: &Tenant,
        actor: crate::UserId,
        client: &crate::audit::ClientInfo,
        app: &Application,
        layer: &AppTheme,
        methods: &SignInMethods,
    ) -> Result<(), StoreError> {
        let now = self.now();
        let tx = self.db().begin().await?;
        let tokens =
            serde_json::to_value(layer).map_err(|_| StoreError::Corrupt { what: "app theme" })?;
        store::tenants::publish_app_theme(&tx, tenant.id, app.id, tokens, Some(actor), now).await?;
        store::apps::update_sign_in_methods(&tx, tenant.id, app.id, methods, now).await?;
        store::audit::insert(
            &tx,
            now,
            &crate::audit::AuditEvent::new(tenant.id, "app.sign_in_page_changed", client)
                .actor(actor)
                .reference("app", app.id)
                .label("password", methods.password)
                .label("passkey", methods.passkey),
        )
        .await?;
        tx.commit().await?;
        self.inner.app_themes.forget(app.id);
        self.inner.app_cache.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_app_layer_changes_only_what_it_sets() {
        let tenant = ThemeTokens {
            radius_px: 4,
            ..Default::default()
        };
        let layer = AppTheme {
            primary: Some(Color::parse("#b91c1c").unwrap()),
            layout: Some(Layout::Split),
            ..Default::default()
        };
        let shown = tenant.with_app(&layer);
        assert_eq!(shown.primary.as_str(), "#b91c1c");
        assert_eq!(shown.layout, Layout::Split);
        assert_eq!(shown.radius_px, 4, "the tenant's radius stays");
        assert_eq!(shown.surface, tenant.surface);
        assert_eq!(tenant.with_app(&AppTheme::default()), tenant);
        let json = serde_json::to_value(&layer).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"primary": "#b91c1c", "layout": "split"})
        );
    }
}
