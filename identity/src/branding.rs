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
