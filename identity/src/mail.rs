//! The mails Portico sends: subject, plain text and HTML, in the tenant's colours and
//! name, with every link built from the tenant's configured base URL (never from a
//! request's Host header). Wording lives here, one function per language, so
//! translations slot in beside English.

use std::fmt::Write as _;

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
        when: String,
        place: String,
        device: String,
        reasons: Vec<String>,
        report_link: String,
        security_link: String,
    },
    /// The owner reported a sign-in: the account was locked down.
    AccountSecured { name: String, recovery_link: String },
    /// An authenticator app was added or removed, or recovery codes were replaced.
    FactorChanged {
        name: String,
        change: FactorChange,
        security_link: String,
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

fn english(brand: &str, kind: &MailKind) -> Body {
    match kind {
        MailKind::VerifyEmail {
            name,
            link,
            code,
            minutes,
        } => Body {
            subject: format!("{code} is your {brand} verification code"),
            heading: "Confirm your email address".into(),
            paragraphs: vec![
                format!("Hi {name},"),
                format!(
                    "Use this code to confirm your email address for {brand}, or open the link below. It works for {minutes} minutes."
                ),
            ],
            code: Some(code.clone()),
            button: Some(("Confirm my email".into(), link.clone())),
            after: vec!["If you didn't create an account, you can ignore this mail.".into()],
        },
        MailKind::RegistrationAttempt {
            login_link,
            recovery_link,
        } => Body {
            subject: format!("Someone tried to create a {brand} account with your address"),
            heading: "You already have an account".into(),
            paragraphs: vec![
                format!(
                    "Someone — maybe you — tried to create a new {brand} account with this email address. You already have one, so nothing was created."
                ),
                format!(
                    "If it was you, sign in at {login_link}. If you forgot your password, you can reset it at {recovery_link}."
                ),
            ],
            code: None,
            button: Some(("Sign in".into(), login_link.clone())),
            after: vec![
                "If it wasn't you, you don't need to do anything: your account is unchanged."
                    .into(),
            ],
        },
        MailKind::PasswordReset {
            name,
            link,
            minutes,
        } => Body {
            subject: format!("Reset your {brand} password"),
            heading: "Reset your password".into(),
            paragraphs: vec![
                format!("Hi {name},"),
                format!(
                    "We received a request to reset the password of your {brand} account. The link works once, for {minutes} minutes."
                ),
            ],
            code: None,
            button: Some(("Choose a new password".into(), link.clone())),
            after: vec![
                "If you didn't ask for this, ignore this mail: your password stays as it is."
                    .into(),
            ],
        },
        MailKind::PasswordChanged {
            name,
            recovery_link,
            via_reset,
        } => Body {
            subject: format!("Your {brand} password was changed"),
            heading: "Your password was changed".into(),
            paragraphs: vec![
                format!("Hi {name},"),
                if *via_reset {
                    format!(
                        "The password of your {brand} account was just reset, and every session was signed out."
                    )
                } else {
                    format!("The password of your {brand} account was just changed.")
                },
            ],
            code: None,
            button: None,
            after: vec![format!(
                "If this wasn't you, reset your password now at {recovery_link} and review your account."
            )],
        },
        MailKind::RecoveryCodeUsed {
            name,
            remaining,
            account_link,
        } => Body {
            subject: format!("A recovery code was used for your {brand} account"),
            heading: "A recovery code was used".into(),
            paragraphs: vec![
                format!("Hi {name},"),
                format!(
                    "One of your recovery codes was just used to sign in to your {brand} account. Each code works once; {remaining} unused codes remain."
                ),
            ],
            code: None,
            button: Some(("Review your account".into(), account_link.clone())),
            after: vec![format!(
                "If this wasn't you, change your password and create new recovery codes at {account_link}."
            )],
        },
        MailKind::PasskeyAdded {
            name,
            passkey,
            account_link,
        } => Body {
            subject: format!("A passkey was added to your {brand} account"),
            heading: "A passkey was added".into(),
            paragraphs: vec![
                format!("Hi {name},"),
                format!(
                    "A passkey named \u{201c}{passkey}\u{201d} was just added to your {brand} account. It can now be used to sign in."
                ),
            ],
            code: None,
            button: Some(("Review your passkeys".into(), account_link.clone())),
            after: vec![format!(
                "If this wasn't you, remove the passkey at {account_link} and change your password."
            )],
        },
        MailKind::SignInCode {
            name,
            code,
            minutes,
        } => Body {
            subject: format!("{code} is your {brand} sign-in code"),
            heading: "Confirm it's you".into(),
            paragraphs: vec![
                format!("Hi {name},"),
                format!(
                    "Someone — hopefully you — is signing in to your {brand} account from a device or place we don't recognise. Enter this code to confirm it's you. It works once, for {minutes} minutes."
                ),
            ],
            code: Some(code.clone()),
            button: None,
            after: vec![
                "If this wasn't you, don't share the code with anyone and change your password: someone knows it."
                    .into(),
            ],
        },
        MailKind::ConfirmAddress {
            name,
            provider,
            code,
            minutes,
        } => Body {
            subject: format!("{code} is your {brand} confirmation code"),
            heading: "Confirm your email address".into(),
            paragraphs: vec![
                format!("Hi {name},"),
                format!(
                    "You're signing up for {brand} with {provider}. Enter this code to confirm this address is yours. It works once, for {minutes} minutes."
                ),
            ],
            code: Some(code.clone()),
            button: None,
            after: vec!["If you didn't ask for this, ignore this mail: no account is made without the code.".into()],
        },
        MailKind::NewSignIn {
            name,
            when,
            place,
            device,
            reasons,
            report_link,
            security_link,
        } => Body {
            subject: format!("New sign-in to your {brand} account"),
            heading: "New sign-in to your account".into(),
            paragraphs: vec![
                format!("Hi {name},"),
                format!("Your {brand} account was just signed in to from {device}, {place}, on {when}."),
                format!("We noticed: {}.", reasons.join("; ")),
                "If this was you, there's nothing to do. If it wasn't, tell us right away: we'll sign out every device, turn off your password until you choose a new one, and help you secure your account.".into(),
            ],
            code: None,
            button: Some(("This wasn't me".into(), report_link.clone())),
            after: vec![format!("You can review recent sign-ins at {security_link}.")],
        },
        MailKind::AccountSecured {
            name,
            recovery_link,
        } => Body {
            subject: format!("We secured your {brand} account"),
            heading: "Your account is secured".into(),
            paragraphs: vec![
                format!("Hi {name},"),
                format!(
                    "You reported a sign-in that wasn't you. Every device was signed out of your {brand} account and your password was turned off."
                ),
                "Choose a new password now, then check your passkeys, authenticator app and recovery codes.".into(),
            ],
            code: None,
            button: Some(("Choose a new password".into(), recovery_link.clone())),
            after: vec!["If you didn't report anything, choose a new password anyway and review your account.".into()],
        },
        MailKind::FactorChanged {
            name,
            change,
            security_link,
        } => {
            let (subject, what): (String, String) = match change {
                FactorChange::TotpAdded => (
                    format!("An authenticator app was added to your {brand} account"),
                    "An authenticator app was added to your account. It will be asked for when a sign-in looks unusual.".into(),
                ),
                FactorChange::TotpRemoved => (
                    format!("An authenticator app was removed from your {brand} account"),
                    "The authenticator app was removed from your account.".into(),
                ),
                FactorChange::PasskeyRemoved => (
                    format!("A passkey was removed from your {brand} account"),
                    "A passkey was removed from your account; it can no longer be used to sign in.".into(),
                ),
                FactorChange::RecoveryCodesReplaced => (
                    format!("New recovery codes for your {brand} account"),
                    "New recovery codes were created for your account; the old ones no longer work.".into(),
                ),
                FactorChange::ProviderLinked(provider) => (
                    format!("{provider} was linked to your {brand} account"),
                    format!("Your {provider} account can now be used to sign in to your {brand} account."),
                ),
                FactorChange::ProviderUnlinked(provider) => (
                    format!("{provider} was unlinked from your {brand} account"),
                    format!("Your {provider} account can no longer be used to sign in to your {brand} account."),
                ),
            };
            Body {
                subject,
                heading: "Your sign-in settings changed".into(),
                paragraphs: vec![format!("Hi {name},"), what],
                code: None,
                button: Some(("Review your security".into(), security_link.clone())),
                after: vec![
                    "If this wasn't you, choose a new password right away and review your account."
                        .into(),
                ],
            }
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

/// Renders `kind` for `tenant` in `lang` (English until translations arrive).
pub fn render(tenant: &Tenant, theme: &ThemeTokens, _lang: &str, kind: &MailKind) -> RenderedMail {
    let brand = tenant.display_name.as_str();
    let body = english(brand, kind);

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
    let _ = write!(text, "— {brand}");

    let primary = theme.primary.as_str();
    let on_primary = theme.on_primary.as_str();
    let ink = theme.text.as_str();
    let muted = theme.muted.as_str();
    let canvas = theme.background.as_str();
    let surface = theme.surface.as_str();
    let border = theme.border.as_str();
    let radius = theme.radius_px.min(24);
    let font = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
    let initial = brand
        .chars()
        .find(|c| c.is_alphanumeric())
        .map(|c| c.to_uppercase().to_string())
        .unwrap_or_else(|| "P".into());

    let mut html = String::with_capacity(4096);
    let _ = write!(
        html,
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{subject}</title></head>\
<body style=\"margin:0;padding:0;background:{canvas};font-family:{font};color:{ink}\">\
<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"background:{canvas};padding:32px 12px\"><tr><td align=\"center\">\
<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" style=\"max-width:520px\">\
<tr><td style=\"padding:0 0 20px;text-align:center\"><span style=\"display:inline-block;width:40px;height:40px;line-height:40px;border-radius:{radius}px;background:{primary};color:{on_primary};font-weight:700;font-size:18px\">{initial}</span>\
<div style=\"margin-top:8px;font-size:14px;font-weight:600\">{brand_e}</div></td></tr>\
<tr><td style=\"background:{surface};border:1px solid {border};border-radius:{radius}px;padding:32px\">\
<h1 style=\"margin:0 0 16px;font-size:22px;line-height:28px\">{heading}</h1>",
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
<p style=\"margin:0 0 14px;font-size:13px;line-height:19px;color:{muted}\">Or paste this link into your browser:<br><a href=\"{href}\" style=\"color:{primary};word-break:break-all\">{href}</a></p>",
            href = escape(href),
            label = escape(label),
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
        "</td></tr><tr><td style=\"padding:18px 0;text-align:center;font-size:12px;color:{muted}\">Sent by {brand_e}</td></tr></table></td></tr></table></body></html>",
        brand_e = escape(brand)
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
            "en",
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
            "en",
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
}
