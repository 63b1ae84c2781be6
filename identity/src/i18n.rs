//! The languages Portico speaks, and how a request's language is chosen: the
//! customer's own choice, then the browser's `Accept-Language`, then the tenant's
//! default. The texts themselves live in translation files (`app/locales/*.txt` for
//! pages, `identity/locales/mail/*.txt` for mails); dates and numbers are written the
//! way each language writes them.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::{Deserialize, Serialize};

/// Reads a translation file: one `key = text` per line, `#` for comments.
pub fn parse_texts(text: &'static str) -> HashMap<&'static str, &'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

/// Fills `{name}` placeholders in `text` from `args`.
pub fn fill(text: &str, args: &[(&str, &str)]) -> String {
    let mut out = text.to_string();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

const MONTHS: [[&str; 12]; 4] = [
    [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
    [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    [
        "Januar",
        "Februar",
        "März",
        "April",
        "Mai",
        "Juni",
        "Juli",
        "August",
        "September",
        "Oktober",
        "November",
        "Dezember",
    ],
];

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

    /// A day as this language writes it: "December 2, 2026", "2 de diciembre de 2026",
    /// "2 décembre 2026", "2. Dezember 2026", "2026年12月2日".
    pub fn date(self, at: DateTime<Utc>) -> String {
        let (y, d) = (at.year(), at.day());
        let month = |table: usize| MONTHS[table][at.month0() as usize];
        match self {
            Language::En => format!("{} {d}, {y}", month(0)),
            Language::Es => format!("{d} de {} de {y}", month(1)),
            Language::Fr => format!("{d} {} {y}", month(2)),
            Language::De => format!("{d}. {} {y}", month(3)),
            Language::Ja => format!("{y}年{}月{d}日", at.month()),
        }
    }

    /// A moment, to the minute, in UTC: "December 2, 2026 at 15:04 UTC".
    pub fn date_time(self, at: DateTime<Utc>) -> String {
        let day = self.date(at);
        let time = format!("{:02}:{:02} UTC", at.hour(), at.minute());
        match self {
            Language::En => format!("{day} at {time}"),
            Language::Es => format!("{day}, {time}"),
            Language::Fr => format!("{day} à {time}"),
            Language::De => format!("{day} um {time}"),
            Language::Ja => format!("{day} {time}"),
        }
    }

    /// A whole number with this language's thousands separator: 1,234 · 1.234 · 1 234.
    pub fn number(self, value: u64) -> String {
        let separator = match self {
            Language::En | Language::Ja => ",",
            Language::Es | Language::De => ".",
            Language::Fr => "\u{202f}",
        };
        let digits = value.to_string();
        let mut out = String::with_capacity(digits.len() + 4);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(separator);
            }
            out.push(c);
        }
        out
    }

    /// Joins the items of a short list: "a; b" (or "a、b" in Japanese).
    pub fn list(self, items: &[String]) -> String {
        items.join(if self == Language::Ja { "、" } else { "; " })
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
    fn dates_and_numbers_are_written_the_way_each_language_writes_them() {
        use chrono::TimeZone;
        let at = Utc.with_ymd_and_hms(2026, 12, 2, 15, 4, 0).unwrap();
        assert_eq!(Language::En.date_time(at), "December 2, 2026 at 15:04 UTC");
        assert_eq!(Language::Es.date(at), "2 de diciembre de 2026");
        assert_eq!(Language::Fr.date_time(at), "2 décembre 2026 à 15:04 UTC");
        assert_eq!(Language::De.date(at), "2. Dezember 2026");
        assert_eq!(Language::Ja.date_time(at), "2026年12月2日 15:04 UTC");
        assert_eq!(Language::En.number(1234567), "1,234,567");
        assert_eq!(Language::De.number(950), "950");
        assert_eq!(Language::De.number(12000), "12.000");
        assert_eq!(fill("{a} and {b}", &[("a", "x"), ("b", "y")]), "x and y");
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
