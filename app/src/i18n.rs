//! Page texts in the customer's language.
//!
//! Every text a customer reads comes from a translation file, `app/locales/<code>.txt`:
//! one `key = text` per line, `{name}` for what is filled in, `#` for comments. A key
//! a language lacks falls back to English, and a key English lacks shows the key (the
//! unit tests make sure no language lacks one). A brand's copy overrides (per language,
//! from the published theme) come first.
//!
//! The server picks the language (the customer's choice, then `Accept-Language`, then
//! the tenant's default — `portico_identity::i18n`), writes it into `<html lang>` with
//! the brand's overrides beside it, and the browser reads both back when it hydrates,
//! so both render the same words.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use leptos::prelude::*;

/// The languages the pages are translated into, with their names in themselves.
pub const LANGUAGES: [(&str, &str); 5] = [
    ("en", "English"),
    ("es", "Español"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("ja", "日本語"),
];

const FILES: [(&str, &str); 5] = [
    ("en", include_str!("../locales/en.txt")),
    ("es", include_str!("../locales/es.txt")),
    ("fr", include_str!("../locales/fr.txt")),
    ("de", include_str!("../locales/de.txt")),
    ("ja", include_str!("../locales/ja.txt")),
];

type Bundle = HashMap<&'static str, &'static str>;

/// Reads a translation file.
pub fn parse(text: &'static str) -> Bundle {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

fn bundles() -> &'static HashMap<&'static str, Bundle> {
    static BUNDLES: OnceLock<HashMap<&'static str, Bundle>> = OnceLock::new();
    BUNDLES.get_or_init(|| {
        FILES
            .iter()
            .map(|(code, text)| (*code, parse(text)))
            .collect()
    })
}

/// The language of this page and the brand's texts for it.
#[derive(Clone, Debug)]
pub struct I18n {
    lang: &'static str,
    overrides: Arc<HashMap<String, String>>,
}

impl Default for I18n {
    fn default() -> Self {
        Self::new("en", HashMap::new())
    }
}

impl I18n {
    /// `lang` is a code of [`LANGUAGES`] (anything else is English).
    pub fn new(lang: &str, overrides: HashMap<String, String>) -> Self {
        let lang = LANGUAGES
            .iter()
            .map(|(code, _)| *code)
            .find(|code| *code == lang)
            .unwrap_or("en");
        Self {
            lang,
            overrides: Arc::new(overrides),
        }
    }

    pub fn lang(&self) -> &'static str {
        self.lang
    }

    /// The text of `key`.
    pub fn text(&self, key: &str) -> String {
        if let Some(own) = self.overrides.get(key) {
            return own.clone();
        }
        let all = bundles();
        all.get(self.lang)
            .and_then(|b| b.get(key))
            .or_else(|| all.get("en").and_then(|b| b.get(key)))
            .map(|t| t.to_string())
            .unwrap_or_else(|| key.to_string())
    }

    /// The text of `key` with each `{name}` filled in.
    pub fn format(&self, key: &str, args: &[(&str, &str)]) -> String {
        fill(self.text(key), args.iter().copied())
    }
}

/// Fills each `{name}` of `text`.
pub fn fill<'a>(mut text: String, args: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    for (name, value) in args {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

/// The text before and after `{name}`, for setting the value apart (e.g. in bold).
pub fn around(text: &str, name: &str) -> (String, String) {
    text.split_once(&format!("{{{name}}}"))
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .unwrap_or_else(|| (text.to_string(), String::new()))
}

/// The page's language (English outside a page).
pub fn use_i18n() -> I18n {
    use_context::<I18n>().unwrap_or_default()
}

/// The text of `key` in the page's language.
pub fn t(key: &str) -> String {
    use_i18n().text(key)
}

/// The text of `key` in the page's language, with each `{name}` filled in.
pub fn tf(key: &str, args: &[(&str, &str)]) -> String {
    use_i18n().format(key, args)
}

/// The browser's copy of what the server chose (the `portico-page` JSON the shell
/// writes): language, the brand's texts, the brand.
#[cfg(not(feature = "ssr"))]
pub fn setup_from_document() -> crate::views::PageSetup {
    document()
        .get_element_by_id("portico-page")
        .and_then(|e| e.text_content())
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_english_key_and_its_placeholders() {
        let all = bundles();
        let en = &all["en"];
        assert!(en.len() > 50, "English has {} keys", en.len());
        for (code, _) in LANGUAGES {
            let bundle = &all[code];
            for (key, text) in en {
                let Some(translated) = bundle.get(key) else {
                    panic!("{code} lacks {key}");
                };
                for part in text.split('{').skip(1) {
                    let name = part.split('}').next().unwrap_or("");
                    assert!(
                        translated.contains(&format!("{{{name}}}")),
                        "{code} {key} lacks {{{name}}}"
                    );
                }
            }
            for key in bundle.keys() {
                assert!(
                    en.contains_key(key),
                    "{code} has {key}, which English lacks"
                );
            }
        }
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn every_customer_action_has_an_activity_text() {
        let en = &bundles()["en"];
        for action in portico_identity::audit::CUSTOMER_ACTIONS {
            let key = format!("activity.{}", action.replace('.', "_"));
            assert!(en.contains_key(key.as_str()), "{key} is missing");
        }
    }

    #[test]
    fn overrides_win_and_unknown_languages_are_english() {
        let mut own = HashMap::new();
        own.insert("login.title".to_string(), "Welcome to Acme".to_string());
        let ja = I18n::new("ja", own);
        assert_eq!(ja.text("login.title"), "Welcome to Acme");
        assert_eq!(ja.text("login.submit"), "サインイン");
        assert_eq!(I18n::new("xx", HashMap::new()).lang(), "en");
        assert_eq!(I18n::default().text("no.such.key"), "no.such.key");
    }

    #[test]
    fn placeholders_are_filled() {
        let en = I18n::default();
        assert_eq!(
            en.format("provider.continue", &[("provider", "Acme ID")]),
            "Continue with Acme ID"
        );
    }
}
