//! The mails Portico sends: subject, plain text and HTML, in the tenant's colours and
//! name, with every link built from the tenant's configured base URL (never from a
//! request's Host header). The words come from `identity/locales/mail/<code>.txt`, in
//! the recipient's language.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};

use crate::i18n::Language;

use crate::branding::ThemeTokens;
use crate::tenants::Tenant;

/// One mail to render.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailKind {
    /// Confirms an address: a link and a 6-digit code.
    VerifyEmail {
        name: String,
        link: String,
        code: String,
        minutes: i64,
    },
    /// Somebody tried to register with an address that already has an account.
    RegistrationAttempt {
        login_link: String,
        recovery_link: String,
    },
    /// A password reset link.
    PasswordReset {
        name: String,
        link: String,
        minutes: i64,
    },
    /// The password was changed (or reset).
    PasswordChanged {
        name: String,
        recovery_link: String,
        via_reset: bool,
    },
    /// A recovery code was used to sign in.
    RecoveryCodeUsed {
        name: String,
        remaining: u64,
        account_link: String,
    },
    /// A passkey was added to the account.
    PasskeyAdded {
        name: String,
        passkey: String,
        account_link: String,
    },
    /// A one-time code to confirm a sign-in (the second factor of customers who have
    /// no other).
    SignInCode {
        name: String,
        code: String,
        minutes: i64,
    },
    /// A code that confirms an address for a sign-up through a provider that did not
    /// vouch for one.
    ConfirmAddress {
        name: String,
        provider: String,
        code: String,
        minutes: i64,
    },
    /// A sign-in from a new device or country, with a link to report it.
    NewSignIn {
        name: String,
        at: DateTime<Utc>,
        /// "Paris, France", when the address could be placed.
        place: Option<String>,
        browser: Option<String>,
        system: Option<String>,
        reasons: Vec<SignInReason>,
        report_link: String,
        security_link: String,
    },
    /// The owner reported a sign-in: the account was locked down.
    AccountSecured { name: String, recovery_link: String },
    /// Confirms a new address for an existing account: a link, to the new address.
    EmailChangeConfirm {
        name: String,
        address: String,
        link: String,
        hours: i64,
    },
    /// To the old address: a change to `address` was asked for, with a link that
    /// undoes it.
    EmailChangeNotice {
        name: String,
        address: String,
        revert_link: String,
        days: i64,
    },
    /// To an address that another account asked to move to, which already has an
    /// account: nothing changed.
    EmailInUse { login_link: String },
    /// The account will be erased at `delete_after` unless its owner signs in first.
    AccountDeletionScheduled {
        name: String,
        delete_after: DateTime<Utc>,
        login_link: String,
    },
    /// A one-time link to download everything held about the account.
    DataExport {
        name: String,
        link: String,
        hours: i64,
    },
    /// An authenticator app was added or removed, or recovery codes were replaced.
    FactorChanged {
        name: String,
        change: FactorChange,
        security_link: String,
    },
}

/// Why a sign-in was worth a mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignInReason {
    NewDevice,
    NewCountry(String),
    /// Faster than a plane between the last place and this one.
    Travel {
        from: String,
        to: String,
        kmh: u64,
    },
}

/// Which change to the second factors a [`MailKind::FactorChanged`] reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FactorChange {
    TotpAdded,
    TotpRemoved,
    RecoveryCodesReplaced,
    PasskeyRemoved,
    /// An account at this provider (its display name) can now sign in to this one.
    ProviderLinked(String),
    /// The provider's account can no longer sign in to this one.
    ProviderUnlinked(String),
}

impl MailKind {
    /// A stable name for the outbox and logs.
    pub fn template(&self) -> &'static str {
        match self {
            MailKind::VerifyEmail { .. } => "verify_email",
            MailKind::RegistrationAttempt { .. } => "registration_attempt",
            MailKind::PasswordReset { .. } => "password_reset",
            MailKind::PasswordChanged { .. } => "password_changed",
            MailKind::PasskeyAdded { .. } => "passkey_added",
            MailKind::RecoveryCodeUsed { .. } => "recovery_code_used",
            MailKind::SignInCode { .. } => "sign_in_code",
            MailKind::ConfirmAddress { .. } => "confirm_address",
            MailKind::NewSignIn { .. } => "new_sign_in",
            MailKind::AccountSecured { .. } => "account_secured",
            MailKind::FactorChanged { .. } => "factor_changed",
            MailKind::EmailChangeConfirm { .. } => "email_change_confirm",
            MailKind::EmailChangeNotice { .. } => "email_change_notice",
            MailKind::EmailInUse { .. } => "email_in_use",
            MailKind::DataExport { .. } => "data_export",
            MailKind::AccountDeletionScheduled { .. } => "account_deletion_scheduled",
        }
    }
}

/// A rendered mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedMail {
    pub template: &'static str,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Builds an absolute link from the tenant's base URL and a local path.
pub fn link(tenant: &Tenant, path: &str) -> String {
    format!("{}{}", tenant.base_url.trim_end_matches('/'), path)
}

/// The content of a mail, before it is dressed in HTML or text.
struct Body {
    subject: String,
    heading: String,
    paragraphs: Vec<String>,
    code: Option<String>,
    button: Option<(String, String)>,
    after: Vec<String>,
}

const FILES: [(Language, &str); 5] = [
    (Language::En, include_str!("../locales/mail/en.txt")),
    (Language::Es, include_str!("../locales/mail/es.txt")),
    (Language::Fr, include_str!("../locales/mail/fr.txt")),
    (Language::De, include_str!("../locales/mail/de.txt")),
    (Language::Ja, include_str!("../locales/mail/ja.txt")),
];

type Bundle = HashMap<&'static str, &'static str>;

fn bundles() -> &'static HashMap<Language, Bundle> {
    static BUNDLES: OnceLock<HashMap<Language, Bundle>> = OnceLock::new();
    BUNDLES.get_or_init(|| {
        FILES
            .iter()
            .map(|(lang, text)| (*lang, crate::i18n::parse_texts(text)))
            .collect()
    })
}

/// The words of one mail: its language and the brand every text may name.
struct Words<'a> {
    lang: Language,
    brand: &'a str,
}

impl Words<'_> {
    /// The text of `key` in this language (else English, else the key), with `{brand}`
    /// and `args` filled in.
    fn t(&self, key: &str, args: &[(&str, &str)]) -> String {
        let all = bundles();
        let text = all
            .get(&self.lang)
            .and_then(|b| b.get(key))
            .or_else(|| all.get(&Language::En).and_then(|b| b.get(key)))
            .copied()
            .unwrap_or(key);
        let mut filled = crate::i18n::fill(text, args);
        filled = filled.replace("{brand}", self.brand);
        filled
    }

    fn greeting(&self, name: &str) -> String {
        self.t("common.greeting", &[("name", name)])
    }

    /// Subject, heading, button and closing line of a template, `body` in between.
    fn standard(
        &self,
        template: &str,
        args: &[(&str, &str)],
        paragraphs: Vec<String>,
        code: Option<&str>,
        link: Option<&str>,
    ) -> Body {
        Body {
            subject: self.t(&format!("{template}.subject"), args),
            heading: self.t(&format!("{template}.heading"), args),
            paragraphs,
            code: code.map(str::to_string),
            button: link.map(|href| (self.t(&format!("{template}.button"), args), href.into())),
            after: vec![self.t(&format!("{template}.after"), args)],
        }
    }

    fn device(&self, browser: Option<&str>, system: Option<&str>) -> String {
        match (browser, system) {
            (Some(browser), Some(system)) => self.t(
                "new_sign_in.device",
                &[("browser", browser), ("system", system)],
            ),
            (Some(one), None) | (None, Some(one)) => one.to_string(),
            (None, None) => self.t("new_sign_in.unknown_device", &[]),
        }
    }

    fn reason(&self, reason: &SignInReason) -> String {
        match reason {
            SignInReason::NewDevice => self.t("new_sign_in.reason_new_device", &[]),
            SignInReason::NewCountry(country) => {
                self.t("new_sign_in.reason_new_country", &[("country", country)])
            }
            SignInReason::Travel { from, to, kmh } => self.t(
                "new_sign_in.reason_travel",
                &[("from", from), ("to", to), ("kmh", &self.lang.number(*kmh))],
            ),
        }
    }
}

fn body(words: &Words<'_>, kind: &MailKind) -> Body {
    let w = words;
    match kind {
        MailKind::VerifyEmail {
            name,
            link,
            code,
            minutes,
        } => {
            let minutes = minutes.to_string();
            let args = [("code", code.as_str()), ("minutes", minutes.as_str())];
            w.standard(
                "verify_email",
                &args,
                vec![w.greeting(name), w.t("verify_email.body", &args)],
                Some(code),
                Some(link),
            )
        }
        MailKind::RegistrationAttempt {
            login_link,
            recovery_link,
        } => {
            let args = [
                ("login_link", login_link.as_str()),
                ("recovery_link", recovery_link.as_str()),
            ];
            w.standard(
                "registration_attempt",
                &args,
                vec![
                    w.t("registration_attempt.body", &args),
                    w.t("registration_attempt.links", &args),
                ],
                None,
                Some(login_link),
            )
        }
        MailKind::PasswordReset {
            name,
            link,
            minutes,
        } => {
            let minutes = minutes.to_string();
            let args = [("minutes", minutes.as_str())];
            w.standard(
                "password_reset",
                &args,
                vec![w.greeting(name), w.t("password_reset.body", &args)],
                None,
                Some(link),
            )
        }
        MailKind::PasswordChanged {
            name,
            recovery_link,
            via_reset,
        } => {
            let args = [("recovery_link", recovery_link.as_str())];
            let what = if *via_reset {
                "password_changed.body_reset"
            } else {
                "password_changed.body"
            };
            w.standard(
                "password_changed",
                &args,
                vec![w.greeting(name), w.t(what, &args)],
                None,
                None,
            )
        }
        MailKind::RecoveryCodeUsed {
            name,
            remaining,
            account_link,
        } => {
            let remaining = remaining.to_string();
            let args = [
                ("remaining", remaining.as_str()),
                ("account_link", account_link.as_str()),
            ];
            w.standard(
                "recovery_code_used",
                &args,
                vec![w.greeting(name), w.t("recovery_code_used.body", &args)],
                None,
                Some(account_link),
            )
        }
        MailKind::PasskeyAdded {
            name,
            passkey,
            account_link,
        } => {
            let args = [
                ("passkey", passkey.as_str()),
                ("account_link", account_link.as_str()),
            ];
            w.standard(
                "passkey_added",
                &args,
                vec![w.greeting(name), w.t("passkey_added.body", &args)],
                None,
                Some(account_link),
            )
        }
        MailKind::SignInCode {
            name,
            code,
            minutes,
        } => {
            let minutes = minutes.to_string();
            let args = [("code", code.as_str()), ("minutes", minutes.as_str())];
            w.standard(
                "sign_in_code",
                &args,
                vec![w.greeting(name), w.t("sign_in_code.body", &args)],
                Some(code),
                None,
            )
        }
        MailKind::ConfirmAddress {
            name,
            provider,
            code,
            minutes,
        } => {
            let minutes = minutes.to_string();
            let args = [
                ("code", code.as_str()),
                ("provider", provider.as_str()),
                ("minutes", minutes.as_str()),
            ];
            w.standard(
                "confirm_address",
                &args,
                vec![w.greeting(name), w.t("confirm_address.body", &args)],
                Some(code),
                None,
            )
        }
        MailKind::NewSignIn {
            name,
            at,
            place,
            browser,
            system,
            reasons,
            report_link,
            security_link,
        } => {
            let device = w.device(browser.as_deref(), system.as_deref());
            let when = w.lang.date_time(*at);
            let reasons: Vec<String> = reasons.iter().map(|r| w.reason(r)).collect();
            let reasons = w.lang.list(&reasons);
            let args = [
                ("device", device.as_str()),
                ("place", place.as_deref().unwrap_or_default()),
                ("when", when.as_str()),
                ("reasons", reasons.as_str()),
                ("security_link", security_link.as_str()),
            ];
            let seen = if place.is_some() {
                "new_sign_in.body"
            } else {
                "new_sign_in.body_no_place"
            };
            w.standard(
                "new_sign_in",
                &args,
                vec![
                    w.greeting(name),
                    w.t(seen, &args),
                    w.t("new_sign_in.noticed", &args),
                    w.t("new_sign_in.advice", &args),
                ],
                None,
                Some(report_link),
            )
        }
        MailKind::AccountSecured {
            name,
            recovery_link,
        } => w.standard(
            "account_secured",
            &[],
            vec![
                w.greeting(name),
                w.t("account_secured.body", &[]),
                w.t("account_secured.next", &[]),
            ],
            None,
            Some(recovery_link),
        ),
        MailKind::EmailChangeConfirm {
            name,
            address,
            link,
            hours,
        } => {
            let hours = hours.to_string();
            let args = [("address", address.as_str()), ("hours", hours.as_str())];
            w.standard(
                "email_change_confirm",
                &args,
                vec![w.greeting(name), w.t("email_change_confirm.body", &args)],
                None,
                Some(link),
            )
        }
        MailKind::EmailChangeNotice {
            name,
            address,
            revert_link,
            days,
        } => {
            let days = days.to_string();
            let args = [("address", address.as_str()), ("days", days.as_str())];
            w.standard(
                "email_change_notice",
                &args,
                vec![
                    w.greeting(name),
                    w.t("email_change_notice.body", &args),
                    w.t("email_change_notice.undo", &args),
                ],
                None,
                Some(revert_link),
            )
        }
        MailKind::EmailInUse { login_link } => {
            let args = [("login_link", login_link.as_str())];
            w.standard(
                "email_in_use",
                &args,
                vec![w.t("email_in_use.body", &args)],
                None,
                Some(login_link),
            )
        }
        MailKind::AccountDeletionScheduled {
            name,
            delete_after,
            login_link,
        } => {
            let date = w.lang.date(*delete_after);
            let args = [("date", date.as_str())];
            w.standard(
                "account_deletion_scheduled",
                &args,
                vec![
                    w.greeting(name),
                    w.t("account_deletion_scheduled.body", &args),
                    w.t("account_deletion_scheduled.cancel", &args),
                ],
                None,
                Some(login_link),
            )
        }
        MailKind::DataExport { name, link, hours } => {
            let hours = hours.to_string();
            let args = [("hours", hours.as_str())];
            w.standard(
                "data_export",
                &args,
                vec![w.greeting(name), w.t("data_export.body", &args)],
                None,
                Some(link),
            )
        }
        MailKind::FactorChanged {
            name,
            change,
            security_link,
        } => {
            let (what, provider) = match change {
                FactorChange::TotpAdded => ("totp_added", ""),
                FactorChange::TotpRemoved => ("totp_removed", ""),
                FactorChange::PasskeyRemoved => ("passkey_removed", ""),
                FactorChange::RecoveryCodesReplaced => ("codes_replaced", ""),
                FactorChange::ProviderLinked(p) => ("provider_linked", p.as_str()),
                FactorChange::ProviderUnlinked(p) => ("provider_unlinked", p.as_str()),
            };
            let args = [("provider", provider)];
            let mut body = w.standard(
                "factor_changed",
                &args,
                vec![
                    w.greeting(name),
                    w.t(&format!("factor_changed.{what}.body"), &args),
                ],
                None,
                Some(security_link),
            );
            body.subject = w.t(&format!("factor_changed.{what}.subject"), &args);
            body
        }
    }
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Renders `kind` for `tenant` in `lang`, in the colours (and with the logo) of its
/// published theme.
pub fn render(
    tenant: &Tenant,
    theme: &ThemeTokens,
    lang: Language,
    kind: &MailKind,
) -> RenderedMail {
    let brand = tenant.display_name.as_str();
    let words = Words { lang, brand };
    let body = body(&words, kind);

    let mut text = String::new();
    let _ = writeln!(text, "{}\n", body.heading);
    for p in &body.paragraphs {
        let _ = writeln!(text, "{p}\n");
    }
    if let Some(code) = &body.code {
        let _ = writeln!(text, "    {code}\n");
    }
    if let Some((label, href)) = &body.button {
        let _ = writeln!(text, "{label}: {href}\n");
    }
    for p in &body.after {
        let _ = writeln!(text, "{p}\n");
    }
    let _ = write!(text, "— {}", words.t("common.sent_by", &[]));

    let primary = theme.primary.as_str();
    let on_primary = theme.on_primary.as_str();
    let ink = theme.text.as_str();
    let muted = theme.muted.as_str();
    let canvas = theme.background.as_str();
    let surface = theme.surface.as_str();
    let border = theme.border.as_str();
    let radius = theme.radius_px.min(24);
    let font = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
    // The theme's logo (an absolute link: mail clients load it from the tenant's own
    // address), else the brand's initial on its primary colour.
    let mark = match &theme.logo {
        Some(logo) => format!(
            "<img src=\"{}\" alt=\"{}\" height=\"40\" style=\"height:40px;width:auto;border:0\">",
            escape(&link(tenant, &logo.url())),
            escape(brand)
        ),
        None => {
            let initial = brand
                .chars()
                .find(|c| c.is_alphanumeric())
                .map(|c| c.to_uppercase().to_string())
                .unwrap_or_else(|| "P".into());
            format!(
                "<span style=\"display:inline-block;width:40px;height:40px;line-height:40px;border-radius:{radius}px;background:{primary};color:{on_primary};font-weight:700;font-size:18px\">{}</span>",
                escape(&initial)
            )
        }
    };

    let mut html = String::with_capacity(4096);
    let _ = write!(
        html,
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{subject}</title></head>\
<body style=\"margin:0;padding:0;background:{canvas};font-family:{font};color:{ink}\">\
<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"background:{canvas};padding:32px 12px\"><tr><td align=\"center\">\
<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"max-width:520px\">\
<tr><td style=\"padding:0 0 20px;text-align:center\">{mark}\
<div style=\"margin-top:8px;font-size:14px;font-weight:600\">{brand_e}</div></td></tr>\
<tr><td style=\"background:{surface};border:1px solid {border};border-radius:{radius}px;padding:32px\">\
<h1 style=\"margin:0 0 16px;font-size:22px;line-height:28px\">{heading}</h1>",
        lang = lang.code(),
        subject = escape(&body.subject),
        brand_e = escape(brand),
        heading = escape(&body.heading),
    );
    for p in &body.paragraphs {
        let _ = write!(
            html,
            "<p style=\"margin:0 0 14px;font-size:15px;line-height:22px\">{}</p>",
            escape(p)
        );
    }
    if let Some(code) = &body.code {
        let _ = write!(
            html,
            "<p style=\"margin:8px 0 18px;font-size:30px;letter-spacing:8px;font-weight:700;font-family:ui-monospace,Menlo,Consolas,monospace\">{}</p>",
            escape(code)
        );
    }
    if let Some((label, href)) = &body.button {
        let _ = write!(
            html,
            "<p style=\"margin:8px 0 18px\"><a href=\"{href}\" style=\"display:inline-block;background:{primary};color:{on_primary};text-decoration:none;font-weight:600;font-size:15px;padding:11px 20px;border-radius:{radius}px\">{label}</a></p>\
<p style=\"margin:0 0 14px;font-size:13px;line-height:19px;color:{muted}\">{paste}<br><a href=\"{href}\" style=\"color:{primary};word-break:break-all\">{href}</a></p>",
            href = escape(href),
            label = escape(label),
            paste = escape(&words.t("common.paste_link", &[])),
        );
    }
    for p in &body.after {
        let _ = write!(
            html,
            "<p style=\"margin:0 0 14px;font-size:13px;line-height:19px;color:{muted}\">{}</p>",
            escape(p)
        );
    }
    let _ = write!(
        html,
        "</td></tr><tr><td style=\"padding:18px 0;text-align:center;font-size:12px;color:{muted}\">{sent_by}</td></tr></table></td></tr></table></body></html>",
        sent_by = escape(&words.t("common.sent_by", &[]))
    );

    RenderedMail {
        template: kind.template(),
        subject: body.subject,
        text,
        html,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TenantId;
    use crate::tenants::TenantPolicy;

    fn tenant(name: &str) -> Tenant {
        Tenant {
            id: TenantId::generate(),
            slug: "t".into(),
            display_name: name.into(),
            base_url: "https://login.acme.example".into(),
            is_default: true,
            policy: TenantPolicy::default(),
        }
    }

    #[test]
    fn links_come_from_the_tenant_base_url() {
        assert_eq!(
            link(&tenant("Acme"), "/recovery"),
            "https://login.acme.example/recovery"
        );
    }

    #[test]
    fn verification_mail_has_code_and_link_in_both_parts() {
        let t = tenant("Acme");
        let m = render(
            &t,
            &ThemeTokens::default(),
            Language::En,
            &MailKind::VerifyEmail {
                name: "Ada".into(),
                link: link(&t, "/verify?token=abc"),
                code: "123456".into(),
                minutes: 30,
            },
        );
        assert_eq!(m.template, "verify_email");
        assert!(m.subject.contains("123456"));
        for part in [&m.text, &m.html] {
            assert!(part.contains("123456"));
            assert!(part.contains("https://login.acme.example/verify?token=abc"));
        }
        assert!(m.html.contains("#4338ca"), "brand colour");
    }

    #[test]
    fn names_are_escaped_in_html() {
        let t = tenant("<b>Acme</b>");
        let m = render(
            &t,
            &ThemeTokens::default(),
            Language::En,
            &MailKind::PasswordChanged {
                name: "<script>x</script>".into(),
                recovery_link: link(&t, "/recovery"),
                via_reset: false,
            },
        );
        assert!(!m.html.contains("<script>"));
        assert!(!m.html.contains("<b>Acme"));
        assert!(m.html.contains("&lt;script&gt;"));
    }

    #[test]
    fn every_language_has_every_key_and_placeholder() {
        let all = bundles();
        let english = &all[&Language::En];
        let placeholders = |text: &str| {
            let mut names: Vec<String> = text
                .split('{')
                .skip(1)
                .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_string()))
                .collect();
            names.sort();
            names
        };
        for lang in Language::ALL {
            let bundle = &all[&lang];
            for (key, text) in english {
                let Some(translated) = bundle.get(key) else {
                    panic!("{} lacks {key}", lang.code());
                };
                assert_eq!(
                    placeholders(text),
                    placeholders(translated),
                    "{} {key}",
                    lang.code()
                );
            }
            assert_eq!(
                bundle.len(),
                english.len(),
                "{} has extra keys",
                lang.code()
            );
        }
    }

    #[test]
    fn every_mail_renders_without_a_missing_text_in_every_language() {
        let t = tenant("Acme");
        let at = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 2, 15, 4, 0).unwrap();
        let kinds = vec![
            MailKind::VerifyEmail {
                name: "Ada".into(),
                link: "https://x/v".into(),
                code: "123456".into(),
                minutes: 30,
            },
            MailKind::RegistrationAttempt {
                login_link: "https://x/l".into(),
                recovery_link: "https://x/r".into(),
            },
            MailKind::PasswordReset {
                name: "Ada".into(),
                link: "https://x/r".into(),
                minutes: 30,
            },
            MailKind::PasswordChanged {
                name: "Ada".into(),
                recovery_link: "https://x/r".into(),
                via_reset: true,
            },
            MailKind::RecoveryCodeUsed {
                name: "Ada".into(),
                remaining: 7,
                account_link: "https://x/a".into(),
            },
            MailKind::PasskeyAdded {
                name: "Ada".into(),
                passkey: "Laptop".into(),
                account_link: "https://x/a".into(),
            },
            MailKind::SignInCode {
                name: "Ada".into(),
                code: "654321".into(),
                minutes: 10,
            },
            MailKind::ConfirmAddress {
                name: "Ada".into(),
                provider: "GitHub".into(),
                code: "111222".into(),
                minutes: 10,
            },
            MailKind::NewSignIn {
                name: "Ada".into(),
                at,
                place: Some("Paris, France".into()),
                browser: Some("Firefox".into()),
                system: Some("Linux".into()),
                reasons: vec![
                    SignInReason::NewDevice,
                    SignInReason::Travel {
                        from: "DE".into(),
                        to: "JP".into(),
                        kmh: 9100,
                    },
                ],
                report_link: "https://x/report".into(),
                security_link: "https://x/s".into(),
            },
            MailKind::AccountSecured {
                name: "Ada".into(),
                recovery_link: "https://x/r".into(),
            },
            MailKind::FactorChanged {
                name: "Ada".into(),
                change: FactorChange::ProviderLinked("GitHub".into()),
                security_link: "https://x/s".into(),
            },
            MailKind::EmailChangeConfirm {
                name: "Ada".into(),
                address: "ada@new.example".into(),
                link: "https://x/c".into(),
                hours: 24,
            },
            MailKind::EmailChangeNotice {
                name: "Ada".into(),
                address: "ada@new.example".into(),
                revert_link: "https://x/u".into(),
                days: 7,
            },
            MailKind::EmailInUse {
                login_link: "https://x/l".into(),
            },
            MailKind::DataExport {
                name: "Ada".into(),
                link: "https://x/e".into(),
                hours: 24,
            },
            MailKind::AccountDeletionScheduled {
                name: "Ada".into(),
                delete_after: at,
                login_link: "https://x/l".into(),
            },
        ];
        for lang in Language::ALL {
            for kind in &kinds {
                let m = render(&t, &ThemeTokens::default(), lang, kind);
                for part in [&m.subject, &m.text, &m.html] {
                    assert!(
                        !part.contains('{'),
                        "{} {}: {part}",
                        lang.code(),
                        m.template
                    );
                    assert!(
                        !part.contains(&format!("{}.", m.template)),
                        "{} {}: a key shows",
                        lang.code(),
                        m.template
                    );
                }
                assert!(m.html.contains(&format!("<html lang=\"{}\">", lang.code())));
            }
        }
        let fr = render(&t, &ThemeTokens::default(), Language::Fr, &kinds[8]);
        assert!(
            fr.text.contains("2 décembre 2026 à 15:04 UTC"),
            "{}",
            fr.text
        );
        assert!(fr.text.contains("Firefox sur Linux"));
        assert!(fr.text.contains("9\u{202f}100 km/h"));
        let ja = render(&t, &ThemeTokens::default(), Language::Ja, &kinds[0]);
        assert_eq!(ja.subject, "Acme の確認コードは 123456 です");
    }

    #[test]
    fn a_theme_logo_heads_the_mail() {
        let t = tenant("Acme");
        let name = crate::branding::assets::AssetName::parse(&format!("{}.png", "a".repeat(64)))
            .expect("a valid asset name");
        let theme = ThemeTokens {
            logo: Some(name),
            ..ThemeTokens::default()
        };
        let m = render(
            &t,
            &theme,
            Language::En,
            &MailKind::AccountSecured {
                name: "Ada".into(),
                recovery_link: "https://x/r".into(),
            },
        );
        assert!(m.html.contains(&format!(
            "<img src=\"https://login.acme.example/branding/assets/{}.png\"",
            "a".repeat(64)
        )));
    }
}
