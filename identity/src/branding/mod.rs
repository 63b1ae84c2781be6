//! Themes: the typed tokens a brand manager sets, emitted as CSS custom properties,
//! with the theme's images ([`assets`]), its custom CSS ([`css`], a checked subset)
//! and its copy overrides (texts per page and language).
//!
//! Every token is validated when it is read, so the CSS written into a page can only
//! ever contain a colour, a number, a font stack from a fixed list or custom CSS that
//! passed [`css::sanitise`] — never other text a tenant typed.

pub mod app_theme;
pub mod assets;
pub mod css;

use std::collections::BTreeMap;
use std::fmt::Write as _;

pub use app_theme::AppTheme;
pub use assets::AssetName;

use crate::i18n::Language;

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
    /// The logo shown above every signed-out page (the brand's initial when unset).
    pub logo: Option<AssetName>,
    /// The browser tab's icon (the brand's initial in its colour when unset).
    pub favicon: Option<AssetName>,
    pub layout: Layout,
    /// The picture beside the card in the split layout.
    pub side_image: Option<AssetName>,
    /// The legal links in every page's footer (https).
    pub terms_url: Option<String>,
    pub privacy_url: Option<String>,
    /// Texts that replace the translation files' for this brand, per language.
    pub copy: CopyOverrides,
    /// Extra CSS in the safe subset of [`css::sanitise`].
    pub custom_css: String,
}

/// How signed-out pages are laid out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// The card in the middle of the page.
    #[default]
    Centered,
    /// The card on one side, the theme's picture on the other (stacked on phones).
    Split,
}

/// Texts a theme may replace, with the longest each may be.
pub const COPY_KEYS: &[(&str, usize)] = &[
    ("login.title", 60),
    ("login.subtitle", 160),
    ("login.submit", 40),
    ("register.title", 60),
    ("register.subtitle", 160),
    ("register.submit", 40),
    ("recovery.title", 60),
    ("recovery.subtitle", 200),
    ("footer.terms", 40),
    ("footer.privacy", 40),
];

/// Per language, per key: the brand's own text.
pub type CopyOverrides = BTreeMap<Language, BTreeMap<String, String>>;

/// Checks one copy override: a known key, a text of at most its length with no
/// control characters. The trimmed text.
pub fn check_copy(key: &str, text: &str) -> Result<String, String> {
    let Some((_, max)) = COPY_KEYS.iter().find(|(k, _)| *k == key) else {
        return Err(format!("{key} is not a text a theme can replace"));
    };
    let text = text.trim();
    if text.chars().count() > *max {
        return Err(format!("use at most {max} characters"));
    }
    if text.chars().any(char::is_control) {
        return Err("use a single line of text".into());
    }
    Ok(text.to_string())
}

/// Checks a legal link: an https address (http only for localhost), at most 512
/// characters.
pub fn check_link(value: &str) -> Result<Option<String>, String> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let ok = value.len() <= 512
        && url::Url::parse(value).is_ok_and(|u| {
            u.scheme() == "https"
                || (u.scheme() == "http" && matches!(u.host_str(), Some("localhost" | "127.0.0.1")))
        })
        && !value.chars().any(|c| c.is_control() || c.is_whitespace());
    if ok {
        Ok(Some(value.to_string()))
    } else {
        Err("enter an address starting with https://".into())
    }
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
            logo: None,
            favicon: None,
            layout: Layout::Centered,
            side_image: None,
            terms_url: None,
            privacy_url: None,
            copy: CopyOverrides::new(),
            custom_css: String::new(),
        }
    }
}

impl ThemeTokens {
    /// Parses stored tokens; anything unreadable falls back to the default theme so a
    /// damaged row never breaks the sign-in page.
    pub fn from_json(value: &serde_json::Value) -> Self {
        let mut tokens: Self = serde_json::from_value(value.clone()).unwrap_or_default();
        tokens.drop_unsafe();
        tokens
    }

    /// Removes whatever would not pass the editor's checks today (rows written by an
    /// older version, or by hand).
    fn drop_unsafe(&mut self) {
        for texts in self.copy.values_mut() {
            texts.retain(|key, text| check_copy(key, text).is_ok_and(|t| t == *text));
        }
        self.copy.retain(|_, texts| !texts.is_empty());
        for link in [&mut self.terms_url, &mut self.privacy_url] {
            if link
                .as_deref()
                .is_some_and(|l| check_link(l).ok().flatten().is_none())
            {
                *link = None;
            }
        }
        if css::sanitise(&self.custom_css).is_err() {
            self.custom_css.clear();
        }
    }

    /// The brand's text for `key` in `language`, when the theme replaces it.
    pub fn copy_text(&self, language: Language, key: &str) -> Option<&str> {
        self.copy
            .get(&language)
            .and_then(|texts| texts.get(key))
            .map(String::as_str)
            .filter(|t| !t.is_empty())
    }

    /// Everything the pages' `<style>` holds: the custom properties, then the custom CSS.
    pub fn page_css(&self) -> String {
        let mut css = self.css_variables();
        if !self.custom_css.is_empty()
            && let Ok(custom) = css::sanitise(&self.custom_css)
        {
            css.push('\n');
            css.push_str(&custom);
        }
        css
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
    fn stored_copy_links_and_css_that_fail_today_s_checks_are_dropped() {
        let stored = serde_json::json!({
            "primary": "#ff0000",
            "copy": {"ja": {"login.title": "ようこそ", "login.script": "x"}, "fr": {"login.title": "a\u{0007}b"}},
            "terms_url": "javascript:alert(1)",
            "privacy_url": "https://acme.example/privacy",
            "custom_css": "@import url(https://evil.example/x.css);"
        });
        let tokens = ThemeTokens::from_json(&stored);
        assert_eq!(tokens.primary.as_str(), "#ff0000");
        assert_eq!(
            tokens.copy_text(Language::Ja, "login.title"),
            Some("ようこそ")
        );
        assert_eq!(tokens.copy_text(Language::Ja, "login.script"), None);
        assert!(!tokens.copy.contains_key(&Language::Fr));
        assert_eq!(tokens.terms_url, None);
        assert_eq!(
            tokens.privacy_url.as_deref(),
            Some("https://acme.example/privacy")
        );
        assert!(tokens.custom_css.is_empty());
        assert!(!tokens.page_css().contains("evil"));
    }

    #[test]
    fn copy_and_links_are_checked() {
        assert_eq!(check_copy("login.title", "  Hello  ").unwrap(), "Hello");
        assert!(check_copy("login.title", &"x".repeat(61)).is_err());
        assert!(check_copy("admin.title", "x").is_err());
        assert!(check_copy("login.title", "a\nb").is_err());
        assert_eq!(check_link("").unwrap(), None);
        assert!(check_link("https://acme.example/terms").unwrap().is_some());
        for bad in [
            "javascript:alert(1)",
            "http://acme.example",
            "data:text/html,x",
            "ftp://x",
        ] {
            assert!(check_link(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn custom_css_follows_the_variables() {
        let tokens = ThemeTokens {
            custom_css: ".card { letter-spacing: .01em }".into(),
            ..Default::default()
        };
        let css = tokens.page_css();
        assert!(css.starts_with(":root{"));
        assert!(css.ends_with(".card { letter-spacing: .01em }"));
    }

    #[test]
    fn css_contains_every_token_and_nothing_else() {
        let css = ThemeTokens::default().css_variables();
        assert!(css.starts_with(":root{--portico-primary:#4338ca;"));
        assert!(css.contains("--portico-radius:10px;"));
        assert!(!css.contains('<'));
    }
}
