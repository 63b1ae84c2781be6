//! The languages Portico speaks, and how a request's language is chosen: the
//! customer's own choice, then the browser's `Accept-Language`, then the tenant's
//! default. The texts themselves live in translation files (`app/locales/*.txt` for
//! pages).

use serde::{Deserialize, Serialize};

/// A language every page is translated into.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    Es,
    Fr,
    De,
    Ja,
}

impl Language {
    pub const ALL: [Language; 5] = [
        Language::En,
        Language::Es,
        Language::Fr,
        Language::De,
        Language::Ja,
    ];

    /// The BCP 47 code: `en`, `es`, `fr`, `de`, `ja`.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Es => "es",
            Language::Fr => "fr",
            Language::De => "de",
            Language::Ja => "ja",
        }
    }

    /// The language's name in itself, for the language switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Language::En => "English",
            Language::Es => "Español",
            Language::Fr => "Français",
            Language::De => "Deutsch",
            Language::Ja => "日本語",
        }
    }

    /// A code (`fr`, `fr-CA`, `FR`) → the language, when Portico speaks it.
    pub fn parse(tag: &str) -> Option<Language> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Language::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// The best language of an `Accept-Language` header that Portico speaks: highest
    /// `q` first, ties in the header's order; `q=0` means "not this one".
    pub fn from_accept_language(header: &str) -> Option<Language> {
        let mut offered: Vec<(u16, usize, Language)> = Vec::new();
        for (index, item) in header.split(',').take(32).enumerate() {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .filter(|q| q.is_finite())
                .unwrap_or(1.0);
            if q <= 0.0 {
                continue;
            }
            if let Some(lang) = Language::parse(tag) {
                offered.push(((q.min(1.0) * 1000.0) as u16, index, lang));
            }
        }
        offered.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        offered.first().map(|o| o.2)
    }

    /// The language of one request.
    pub fn choose(
        customer_choice: Option<&str>,
        accept_language: Option<&str>,
        tenant_default: Language,
    ) -> Language {
        customer_choice
            .and_then(Language::parse)
            .or_else(|| accept_language.and_then(Language::from_accept_language))
            .unwrap_or(tenant_default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_is_negotiated_by_weight_then_order() {
        assert_eq!(
            Language::from_accept_language("ja-JP,ja;q=0.9,en-US;q=0.8"),
            Some(Language::Ja)
        );
        assert_eq!(
            Language::from_accept_language("nl;q=1, de;q=0.5, fr;q=0.7"),
            Some(Language::Fr)
        );
        assert_eq!(Language::from_accept_language("es, fr"), Some(Language::Es));
        assert_eq!(
            Language::from_accept_language("fr;q=0, de;q=0.1"),
            Some(Language::De)
        );
        assert_eq!(Language::from_accept_language("nl, pt-BR"), None);
        assert_eq!(Language::from_accept_language(""), None);
    }

    #[test]
    fn the_customer_choice_wins_then_the_browser_then_the_tenant() {
        assert_eq!(
            Language::choose(Some("ja"), Some("fr"), Language::De),
            Language::Ja
        );
        assert_eq!(
            Language::choose(Some("xx"), Some("fr"), Language::De),
            Language::Fr
        );
        assert_eq!(
            Language::choose(None, Some("nl"), Language::De),
            Language::De
        );
        assert_eq!(Language::choose(None, None, Language::Es), Language::Es);
    }
}
