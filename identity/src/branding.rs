//! Themes: the typed tokens a brand manager sets, emitted as CSS custom properties.
//!
//! Every token is validated when it is read, so the CSS written into a page can only
//! ever contain a colour, a number or a font stack from a fixed list — never text a
//! tenant typed.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// A colour written as `#rrggbb`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Color(String);

impl Color {
    pub fn parse(value: &str) -> Result<Self, ThemeError> {
        let v = value.trim();
        let hex = v.strip_prefix('#').ok_or(ThemeError::InvalidColor)?;
        if hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
            Ok(Self(format!("#{}", hex.to_ascii_lowercase())))
        } else {
            Err(ThemeError::InvalidColor)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn c(value: &'static str) -> Self {
        Self(value.to_string())
    }
}

impl TryFrom<String> for Color {
    type Error = ThemeError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Color::parse(&value)
    }
}

impl From<Color> for String {
    fn from(c: Color) -> String {
        c.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ThemeError {
    #[error("colours must be written as #rrggbb")]
    InvalidColor,
}

/// Font families a theme may choose: system stacks only, so no page loads a font from
/// another host.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FontFamily {
    #[default]
    System,
    Humanist,
    Geometric,
    Serif,
    Rounded,
}

impl FontFamily {
    pub fn css_stack(self) -> &'static str {
        match self {
            FontFamily::System => {
                "ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
            }
            FontFamily::Humanist => {
                "Seravek, 'Gill Sans Nova', Ubuntu, Calibri, 'DejaVu Sans', source-sans-pro, sans-serif"
            }
            FontFamily::Geometric => {
                "Avenir, Montserrat, Corbel, 'URW Gothic', source-sans-pro, sans-serif"
            }
            FontFamily::Serif => {
                "Charter, 'Bitstream Charter', 'Sitka Text', Cambria, Georgia, serif"
            }
            FontFamily::Rounded => {
                "ui-rounded, 'Hiragino Maru Gothic ProN', Quicksand, Comfortaa, Manjari, 'Arial Rounded MT', sans-serif"
            }
        }
    }
}

/// The design tokens of one theme version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ThemeTokens {
    pub primary: Color,
    pub on_primary: Color,
    pub background: Color,
    pub surface: Color,
    pub text: Color,
    pub muted: Color,
    pub border: Color,
    pub error: Color,
    pub success: Color,
    /// Corner radius of cards, fields and buttons, in pixels (0–24).
    pub radius_px: u8,
    pub font: FontFamily,
}

impl Default for ThemeTokens {
    fn default() -> Self {
        Self {
            primary: Color::c("#4338ca"),
            on_primary: Color::c("#ffffff"),
            background: Color::c("#f3f4f8"),
            surface: Color::c("#ffffff"),
            text: Color::c("#111827"),
            muted: Color::c("#596173"),
            border: Color::c("#d9dde5"),
            error: Color::c("#b42318"),
            success: Color::c("#067647"),
            radius_px: 10,
            font: FontFamily::System,
        }
    }
}

impl ThemeTokens {
    /// Parses stored tokens; anything unreadable falls back to the default theme so a
    /// damaged row never breaks the sign-in page.
    pub fn from_json(value: &serde_json::Value) -> Self {
        serde_json::from_value(value.clone()).unwrap_or_default()
    }

    /// The `:root { --portico-…: … }` rule the pages' stylesheet reads.
    pub fn css_variables(&self) -> String {
        let mut css = String::with_capacity(512);
        css.push_str(":root{");
        for (name, color) in [
            ("primary", &self.primary),
            ("on-primary", &self.on_primary),
            ("background", &self.background),
            ("surface", &self.surface),
            ("text", &self.text),
            ("muted", &self.muted),
            ("border", &self.border),
            ("error", &self.error),
            ("success", &self.success),
        ] {
            let _ = write!(css, "--portico-{name}:{};", color.as_str());
        }
        let _ = write!(
            css,
            "--portico-radius:{}px;--portico-font:{};}}",
            self.radius_px.min(24),
            self.font.css_stack()
        );
        css
    }
}

/// A version of the tenant's theme.
#[derive(Clone, Debug)]
pub struct ThemeVersion {
    pub id: uuid::Uuid,
    pub version: i32,
    /// `draft`, `published` or `archived`.
    pub status: String,
    pub tokens: ThemeTokens,
    /// Who saved (or last changed) it.
    pub created_by: Option<crate::UserId>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// What a theme change could not do.
#[derive(Debug, thiserror::Error)]
pub enum ThemeChangeError {
    /// No such version of this tenant's theme (or it is the published one already).
    #[error("no such theme version")]
    NotFound,
    #[error(transparent)]
    Store(#[from] crate::StoreError),
}

impl crate::Engine {
    /// The tenant's theme versions, newest first (at most one draft).
    pub async fn theme_versions(
        &self,
        tenant: &crate::tenants::Tenant,
    ) -> Result<Vec<ThemeVersion>, crate::StoreError> {
        let db = self.db().conn();
        let Some(theme) = crate::store::tenants::tenant_theme(db, tenant.id).await? else {
            return Ok(Vec::new());
        };
        Ok(crate::store::tenants::theme_versions(db, theme.id)
            .await?
            .into_iter()
            .map(|v| ThemeVersion {
                id: v.id,
                version: v.version,
                status: v.status,
                tokens: ThemeTokens::from_json(&v.tokens),
                created_by: v.created_by.map(crate::UserId),
                created_at: v.created_at,
                published_at: v.published_at,
            })
            .collect())
    }

    /// Saves `tokens` as the theme's draft (replacing the draft there is), without
    /// changing what customers see. The draft's id.
    pub async fn save_theme_draft(
        &self,
        tenant: &crate::tenants::Tenant,
        actor: crate::UserId,
        client: &crate::audit::ClientInfo,
        tokens: &ThemeTokens,
    ) -> Result<uuid::Uuid, crate::StoreError> {
        use crate::store;
        let now = self.now();
        let tx = self.db().begin().await?;
        let theme = match store::tenants::tenant_theme(&tx, tenant.id).await? {
            Some(t) => t,
            None => {
                store::tenants::insert_published_theme(
                    &tx,
                    tenant.id,
                    &ThemeTokens::default(),
                    now,
                )
                .await?;
                store::tenants::tenant_theme(&tx, tenant.id)
                    .await?
                    .ok_or(crate::StoreError::Corrupt { what: "theme" })?
            }
        };
        let versions = store::tenants::theme_versions(&tx, theme.id).await?;
        let id = match versions.iter().find(|v| v.status == "draft") {
            Some(draft) => {
                store::tenants::update_draft_tokens(&tx, draft.id, tokens, Some(actor), now)
                    .await?;
                draft.id
            }
            None => {
                let next = versions.iter().map(|v| v.version).max().unwrap_or(0) + 1;
                store::tenants::insert_theme_version(
                    &tx,
                    theme.id,
                    tenant.id,
                    next,
                    tokens,
                    Some(actor),
                    now,
                )
                .await?
            }
        };
        store::audit::insert(
            &tx,
            now,
            &crate::audit::AuditEvent::new(tenant.id, "theme.draft_saved", client)
                .actor(actor)
                .reference("version", id),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Publishes a version of the theme: the draft, or — a rollback — an earlier
    /// published one. Audited with who did it; pages show it at once.
    pub async fn publish_theme_version(
        &self,
        tenant: &crate::tenants::Tenant,
        actor: crate::UserId,
        client: &crate::audit::ClientInfo,
        version: uuid::Uuid,
    ) -> Result<(), ThemeChangeError> {
        use crate::store;
        let now = self.now();
        let tx = self.db().begin().await?;
        let theme = store::tenants::tenant_theme(&tx, tenant.id)
            .await?
            .ok_or(ThemeChangeError::NotFound)?;
        let versions = store::tenants::theme_versions(&tx, theme.id).await?;
        let target = versions
            .iter()
            .find(|v| v.id == version && v.status != "published")
            .ok_or(ThemeChangeError::NotFound)?;
        let action = if target.status == "draft" {
            "theme.published"
        } else {
            "theme.rolled_back"
        };
        store::tenants::publish_version(&tx, theme.id, version, now).await?;
        store::audit::insert(
            &tx,
            now,
            &crate::audit::AuditEvent::new(tenant.id, action, client)
                .actor(actor)
                .reference("version", version)
                .label("number", target.version),
        )
        .await?;
        tx.commit().await.map_err(crate::StoreError::from)?;
        self.inner_clear_tenant_cache();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_must_be_six_digit_hex() {
        assert_eq!(Color::parse("#A1b2C3").unwrap().as_str(), "#a1b2c3");
        for bad in ["red", "#fff", "#12345g", "#1234567", "", "#12345;}"] {
            assert!(Color::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn damaged_tokens_fall_back_to_defaults() {
        let damaged = serde_json::json!({"primary": "</style><script>", "radius_px": 4});
        assert_eq!(ThemeTokens::from_json(&damaged), ThemeTokens::default());
    }

    #[test]
    fn partial_tokens_keep_defaults_for_the_rest() {
        let partial = serde_json::json!({"primary": "#ff0000", "font": "serif"});
        let tokens = ThemeTokens::from_json(&partial);
        assert_eq!(tokens.primary.as_str(), "#ff0000");
        assert_eq!(tokens.font, FontFamily::Serif);
        assert_eq!(tokens.surface, ThemeTokens::default().surface);
    }

    #[test]
    fn css_contains_every_token_and_nothing_else() {
        let css = ThemeTokens::default().css_variables();
        assert!(css.starts_with(":root{--portico-primary:#4338ca;"));
        assert!(css.contains("--portico-radius:10px;"));
        assert!(!css.contains('<'));
    }
}
