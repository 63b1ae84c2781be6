//! The words for every message id a flow can carry: `msg.<id>` in the translation
//! files (`app/locales`), rendered in the request's language.

use std::collections::BTreeMap;

/// Renders a message id with its arguments. Unknown ids fall back to a generic text
/// rather than showing the id.
pub fn text(
    language: portico_identity::i18n::Language,
    id: &str,
    args: &BTreeMap<String, String>,
) -> String {
    let i18n = crate::i18n::I18n::new(language.code(), Default::default());
    let key = format!("msg.{id}");
    let text = i18n.text(&key);
    let text = if text == key {
        i18n.text("msg.unknown")
    } else {
        text
    };
    crate::i18n::fill(text, args.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use portico_identity::i18n::Language;

    #[test]
    fn messages_are_rendered_in_the_language_with_their_arguments() {
        let mut args = BTreeMap::new();
        args.insert("seconds".to_string(), "30".to_string());
        assert_eq!(
            text(Language::En, "login.throttled", &args),
            "Too many sign-in attempts. Please wait 30 seconds, then try again."
        );
        let ja = text(Language::Ja, "login.throttled", &args);
        assert!(ja.contains("30") && !ja.contains("Please"), "{ja}");
        assert_eq!(
            text(Language::En, "no.such.id", &args),
            "Something needs your attention. Please try again."
        );
    }
}
