//! Server functions for the second-factor step and the customer's security centre:
//! recent sign-ins, the authenticator app, recovery codes, and the "this wasn't me"
//! lockdown. Every signed-in form is a plain form (it works without JavaScript) that
//! echoes the session's CSRF token and is answered with a redirect carrying a notice
//! or problem code, never text from the URL.

use leptos::prelude::*;

use crate::AppError;
use crate::views::{
    FormOutcome, PasskeyCeremony, PasskeyNext, ReportView, SecurityView, TotpSetupView,
};

/// Where the security centre lives.
pub const SECURITY_PAGE: &str = "/account/security";

#[cfg(feature = "ssr")]
const REVEAL_KEY: &str = "portico.reveal";

/// The notice a security-centre redirect names, as text.
pub fn notice_text(code: &str) -> Option<String> {
    const NOTICES: [&str; 10] = [
        "session_ended",
        "sessions_ended",
        "totp_added",
        "totp_removed",
        "recovery_codes",
        "passkey_added",
        "passkey_renamed",
        "passkey_deleted",
        "provider_linked",
        "provider_unlinked",
    ];
    NOTICES
        .contains(&code)
        .then(|| crate::i18n::t(&format!("security.notice.{code}")))
}

/// The problem a security-centre (or account page) redirect names, in the page's
/// language: a fixed set of ids, so nothing from the URL is shown as text.
pub fn problem_text(code: &str) -> Option<String> {
    const PROBLEMS: [&str; 23] = [
        "session_current",
        "session_not_found",
        "reauth",
        "no_master_key",
        "nothing_pending",
        "wrong_code",
        "throttled",
        "not_enrolled",
        "csrf",
        "provider_unknown",
        "provider_failed",
        "linked_elsewhere",
        "verify_email_first",
        "last_method",
        "identity_not_found",
        "passkey_unavailable",
        "passkey_expired",
        "passkey_rejected",
        "passkey_already_registered",
        "passkey_name_invalid",
        "passkey_not_found",
        "passkey_last_method",
        "passkey_reauth",
    ];
    PROBLEMS
        .contains(&code)
        .then(|| crate::i18n::t(&format!("security.problem.{code}")))
}

#[cfg(feature = "ssr")]
fn factor_problem_code(p: portico_identity::credentials::factors::FactorProblem) -> &'static str {
    use portico_identity::credentials::factors::FactorProblem;
    match p {
        FactorProblem::NoMasterKey => "no_master_key",
        FactorProblem::NothingPending => "nothing_pending",
        FactorProblem::WrongCode => "wrong_code",
        FactorProblem::Throttled => "throttled",
        FactorProblem::ReauthRequired => "reauth",
        FactorProblem::NotEnrolled => "not_enrolled",
    }
}

/// The signed-in customer, or a redirect to sign in and come back to `page`.
#[cfg(feature = "ssr")]
pub(crate) async fn signed_in(
    req: &crate::ssr::Req,
    page: &str,
) -> Result<portico_identity::sessions::AuthState, AppError> {
    match req.auth().await? {
        Some(auth) => Ok(auth),
        None => {
            req.redirect(&format!(
                "/login?return_to={}",
                crate::flow_page::urlencode(page)
            ));
            Err(AppError::Unauthorized)
        }
    }
}

/// The signed-in customer of a form post whose CSRF token matches the session's.
#[cfg(feature = "ssr")]
pub(crate) async fn signed_in_form(
    req: &crate::ssr::Req,
    csrf_token: &str,
    page: &str,
) -> Result<Option<portico_identity::sessions::AuthState>, AppError> {
    let auth = signed_in(req, page).await?;
    if !crate::ssr::Req::check_session_csrf(&auth, csrf_token) {
        req.redirect(&format!("{page}?error=csrf"));
        return Ok(None);
    }
    Ok(Some(auth))
}

/// Keeps new recovery codes, sealed, for the one page view that shows them.
#[cfg(feature = "ssr")]
async fn reveal_once(
    req: &crate::ssr::Req,
    auth: &portico_identity::sessions::AuthState,
    codes: &[String],
) -> Result<(), AppError> {
    if let Some(sealed) = req
        .engine
        .seal_for_display(codes, &auth.user_id.to_string())
    {
        req.session()?
            .insert(REVEAL_KEY, sealed)
            .await
            .map_err(|e| req.internal(&e))?;
    }
    Ok(())
}

/// The second-factor step of a sign-in: a code from the authenticator app, a recovery
/// code, a mailed code, or asking for a new mailed code.
#[server(prefix = "/api", endpoint = "login/second-factor")]
pub async fn submit_second_factor(
    #[server(default)] flow: String,
    #[server(default)] csrf_token: String,
    #[server(default)] intent: String,
    #[server(default)] code: String,
) -> Result<FormOutcome, AppError> {
    use portico_identity::flows::second_factor::{SecondFactorIntent, SecondFactorSubmission};
    let req = crate::ssr::Req::get()?;
    let intent = match intent.as_str() {
        "totp" => SecondFactorIntent::Totp(&code),
        "recovery_code" => SecondFactorIntent::RecoveryCode(&code),
        "send_email_code" => SecondFactorIntent::SendEmailCode,
        _ => SecondFactorIntent::EmailCode(&code),
    };
    let outcome = req
        .engine
        .submit_second_factor(
            &req.tenant.tenant,
            &req.browser(),
            &req.client(),
            SecondFactorSubmission {
                flow_id: &flow,
                csrf_token: &csrf_token,
                intent,
            },
        )
        .await
        .map_err(|e| req.flow_error(e))?;
    req.conclude(outcome, "/login").await
}

/// Options for answering the second-factor step with a passkey.
#[server(prefix = "/api", endpoint = "passkey/second-factor/options")]
pub async fn passkey_second_factor_options(
    #[server(default)] flow: String,
    #[server(default)] csrf_token: String,
) -> Result<PasskeyCeremony, AppError> {
    let req = crate::ssr::Req::get()?;
    let start = req
        .engine
        .start_second_factor_passkey(
            &req.tenant.tenant,
            &crate::passkey_api::host(&req),
            &req.browser(),
            &flow,
            &csrf_token,
        )
        .await
        .map_err(|e| req.flow_error(e))?;
    crate::passkey_api::ceremony_view(start, "/login")
}

/// Answers the second-factor step with a passkey.
#[server(prefix = "/api", endpoint = "passkey/second-factor")]
pub async fn passkey_second_factor(
    #[server(default)] flow: String,
    #[server(default)] csrf_token: String,
    #[server(default)] ceremony: String,
    #[server(default)] credential: String,
) -> Result<PasskeyNext, AppError> {
    let req = crate::ssr::Req::get()?;
    let outcome = req
        .engine
        .finish_second_factor_passkey(
            &req.tenant.tenant,
            &req.browser(),
            &req.client(),
            &flow,
            &csrf_token,
            &ceremony,
            &credential,
        )
        .await
        .map_err(|e| req.flow_error(e))?;
    crate::passkey_api::next_step(&req, outcome, "/login").await
}

/// The security centre's data.
#[server(prefix = "/api", endpoint = "account/security")]
pub async fn security() -> Result<SecurityView, AppError> {
    let req = crate::ssr::Req::get()?;
    let words = crate::ssr::Words::of_request();
    let auth = signed_in(&req, SECURITY_PAGE).await?;
    let tenant = &req.tenant.tenant;
    let engine = &req.engine;
    let Some(summary) = engine
        .account_summary(auth.tenant_id, auth.user_id)
        .await
        .map_err(|e| req.store_error(e))?
    else {
        req.sign_out().await?;
        req.redirect("/login");
        return Err(AppError::Unauthorized);
    };
    let session = req.session()?;
    let new_recovery_codes = match session
        .remove::<String>(REVEAL_KEY)
        .await
        .map_err(|e| req.internal(&e))?
    {
        Some(sealed) => engine
            .open_for_display(&sealed, &auth.user_id.to_string())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let methods = engine
        .sign_in_methods(tenant, auth.user_id)
        .await
        .map_err(|e| req.store_error(e))?;
    let mut sessions: Vec<crate::views::SessionView> = engine
        .active_sessions(tenant.id, auth.user_id)
        .await
        .map_err(|e| req.store_error(e))?
        .into_iter()
        .map(|s| crate::views::SessionView {
            current: s.sid == auth.sid,
            device: words.device(s.user_agent.as_deref()),
            place: s
                .place
                .filter(|p| p.city.is_some() || p.country.is_some())
                .map(|p| p.label())
                .unwrap_or_else(|| words.text("security.unknown_place")),
            ip: s.ip.unwrap_or_default(),
            signed_in: words.lang.date_time(s.signed_in_at),
            last_active: words.lang.date_time(s.last_seen_at),
            id: s.sid,
        })
        .collect();
    sessions.sort_by_key(|s| !s.current);
    let sign_ins = engine
        .recent_sign_ins(tenant, auth.user_id, 20)
        .await
        .map_err(|e| req.store_error(e))?
        .into_iter()
        .map(|r| sign_in_view(&words, r))
        .collect();
    Ok(SecurityView {
        display_name: summary.display_name,
        email: summary.email,
        has_password: summary.has_password,
        totp: engine
            .has_totp(tenant, auth.user_id)
            .await
            .map_err(|e| req.store_error(e))?,
        recovery_codes_left: engine
            .recovery_codes_left(auth.user_id)
            .await
            .map_err(|e| req.store_error(e))?,
        new_recovery_codes,
        passkeys: crate::api::passkey_views(&req, auth.user_id).await?,
        sign_ins,
        recently_signed_in: engine.signed_in_recently(auth.authenticated_at),
        csrf_token: auth.csrf_token,
        linked: methods
            .linked
            .iter()
            .map(|l| crate::views::LinkedView {
                id: l.id.to_string(),
                provider: l.provider_slug.clone(),
                name: l.provider_name.clone(),
                brand: l.brand.to_string(),
                email: l.email.clone(),
                linked: words.lang.date(l.linked_at),
                last_used: l.last_used_at.map(|t| words.lang.date(t)),
            })
            .collect(),
        linkable: methods
            .available
            .iter()
            .map(|(slug, name, brand)| crate::views::ProviderButton {
                slug: slug.clone(),
                name: name.clone(),
                brand: brand.to_string(),
            })
            .collect(),
        method_count: methods.count(),
        sessions,
    })
}

/// The customer's own activity (`/account/activity`).
#[server(prefix = "/api", endpoint = "account/activity")]
pub async fn activity() -> Result<crate::views::ActivityView, AppError> {
    let req = crate::ssr::Req::get()?;
    let auth = signed_in(&req, "/account/activity").await?;
    let words = crate::ssr::Words::of_request();
    let entries = req
        .engine
        .account_activity(auth.tenant_id, auth.user_id, 100)
        .await
        .map_err(|e| req.store_error(e))?
        .into_iter()
        .map(|e| crate::views::ActivityEntryView {
            text: words.text(&match (e.action.as_str(), e.details.get("scope")) {
                ("session.ended_by_owner", Some(scope)) if scope == "one" => {
                    "activity.session_ended_one".to_string()
                }
                (action, _) => format!("activity.{}", action.replace('.', "_")),
            }),
            when: words.lang.date_time(e.at),
            device: words.device(e.user_agent.as_deref()),
            place: e
                .place
                .filter(|p| p.city.is_some() || p.country.is_some())
                .map(|p| p.label())
                .unwrap_or_else(|| words.text("security.unknown_place")),
            ip: e.ip.unwrap_or_default(),
            warning: matches!(
                e.action.as_str(),
                "login.failed"
                    | "login.denied"
                    | "login.throttled"
                    | "account.secured"
                    | "email.change_reverted"
            ),
            action: e.action,
        })
        .collect();
    Ok(crate::views::ActivityView {
        entries,
        csrf_token: auth.csrf_token,
    })
}

/// Signs one of the customer's other sessions out, at once and on every instance
/// (`/api/account/sessions/end`, a plain form).
#[server(prefix = "/api", endpoint = "account/sessions/end")]
pub async fn end_session(
    #[server(default)] csrf_token: String,
    #[server(default)] id: String,
) -> Result<(), AppError> {
    let req = crate::ssr::Req::get()?;
    let Some(auth) = signed_in_form(&req, &csrf_token, SECURITY_PAGE).await? else {
        return Ok(());
    };
    // This device signs out with the Sign out button: that also clears its cookie.
    if id == auth.sid {
        req.redirect(&format!("{SECURITY_PAGE}?error=session_current#sessions"));
        return Ok(());
    }
    let ended = req
        .engine
        .end_session(auth.tenant_id, auth.user_id, &req.client(), id.trim())
        .await
        .map_err(|e| req.store_error(e))?;
    req.redirect(&if ended {
        format!("{SECURITY_PAGE}?notice=session_ended#sessions")
    } else {
        format!("{SECURITY_PAGE}?error=session_not_found#sessions")
    });
    Ok(())
}

/// Signs every other session out (`/api/account/sessions/end-others`).
#[server(prefix = "/api", endpoint = "account/sessions/end-others")]
pub async fn end_other_sessions(#[server(default)] csrf_token: String) -> Result<(), AppError> {
    let req = crate::ssr::Req::get()?;
    let Some(auth) = signed_in_form(&req, &csrf_token, SECURITY_PAGE).await? else {
        return Ok(());
    };
    req.engine
        .end_other_sessions(auth.tenant_id, auth.user_id, &req.client(), &auth.sid)
        .await
        .map_err(|e| req.store_error(e))?;
    req.redirect(&format!("{SECURITY_PAGE}?notice=sessions_ended#sessions"));
    Ok(())
}

/// Unlinks a provider account (`/api/account/providers/unlink`, a plain form).
#[server(prefix = "/api", endpoint = "account/providers/unlink")]
pub async fn unlink_provider(
    #[server(default)] csrf_token: String,
    #[server(default)] id: String,
) -> Result<(), AppError> {
    let req = crate::ssr::Req::get()?;
    let Some(auth) = req.auth().await? else {
        req.redirect("/login?return_to=%2Faccount%2Fsecurity");
        return Err(AppError::Unauthorized);
    };
    if !crate::ssr::Req::check_session_csrf(&auth, &csrf_token) {
        req.redirect("/account/security?error=csrf#linked-accounts");
        return Ok(());
    }
    let Ok(id) = id.parse::<uuid::Uuid>() else {
        req.redirect("/account/security?error=identity_not_found#linked-accounts");
        return Ok(());
    };
    let result = req
        .engine
        .unlink_identity(
            &req.tenant.tenant,
            &req.client(),
            auth.user_id,
            auth.authenticated_at,
            id,
        )
        .await
        .map_err(|e| req.store_error(e))?;
    req.redirect(&match result {
        Ok(_) => "/account/security?notice=provider_unlinked#linked-accounts".to_string(),
        Err(p) => format!("/account/security?error={}#linked-accounts", p.code()),
    });
    Ok(())
}

#[cfg(feature = "ssr")]
fn sign_in_view(
    words: &crate::ssr::Words,
    r: portico_identity::risk::signins::SignInRecord,
) -> crate::views::SignInView {
    use portico_identity::risk::Decision;
    use portico_identity::risk::signins::SignInOutcome;
    let second_factor = r.methods.split(',').count() > 1 && r.methods != "hwk,user";
    let result = match r.outcome {
        SignInOutcome::Reported => "reported",
        SignInOutcome::Denied => "denied",
        SignInOutcome::Pending => "pending",
        SignInOutcome::Succeeded if second_factor && r.enforced == Decision::StepUp => {
            "second_factor"
        }
        SignInOutcome::Succeeded => "allowed",
    };
    let names: Vec<String> = r
        .methods
        .split(',')
        .filter(|x| *x != "user")
        .map(|x| {
            words.text(match x {
                "pwd" => "method.password",
                "hwk" => "method.passkey",
                "otp" => "method.totp",
                "email" => "method.email_code",
                "recovery_code" => "method.recovery_code",
                "fed" => "method.linked",
                _ => "method.unknown",
            })
        })
        .collect();
    crate::views::SignInView {
        at: words.lang.date_time(r.at),
        place: r
            .place
            .filter(|p| p.city.is_some() || p.country.is_some())
            .map(|p| p.label())
            .unwrap_or_else(|| words.text("security.unknown_place")),
        ip: r.ip.unwrap_or_default(),
        device: words.device(r.user_agent.as_deref()),
        method: capitalise(&names.join(" + ")),
        result: result.into(),
        score: r.score,
        reasons: r.signals.iter().map(|s| words.signal(s)).collect(),
    }
}

/// The first letter in upper case (for languages that have cases).
#[cfg(feature = "ssr")]
fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Starts adding an authenticator app (a form on the security centre).
#[server(prefix = "/api", endpoint = "account/security/totp/start")]
pub async fn start_totp(#[server(default)] csrf_token: String) -> Result<(), AppError> {
    let req = crate::ssr::Req::get()?;
    let Some(auth) = signed_in_form(&req, &csrf_token, SECURITY_PAGE).await? else {
        return Ok(());
    };
    let label = req
        .engine
        .account_summary(auth.tenant_id, auth.user_id)
        .await
        .map_err(|e| req.store_error(e))?
        .map(|s| s.email)
        .unwrap_or_default();
    match req
        .engine
        .start_totp_enrolment(
            &req.tenant.tenant,
            auth.user_id,
            &label,
            auth.authenticated_at,
        )
        .await
        .map_err(|e| req.store_error(e))?
    {
        Ok(_) => req.redirect("/account/security/totp"),
        Err(p) => req.redirect(&format!(
            "{SECURITY_PAGE}?error={}#authenticator",
            factor_problem_code(p)
        )),
    }
    Ok(())
}

/// The authenticator app being added: its QR code and key.
#[server(prefix = "/api", endpoint = "account/security/totp")]
pub async fn totp_setup() -> Result<TotpSetupView, AppError> {
    let req = crate::ssr::Req::get()?;
    let auth = signed_in(&req, SECURITY_PAGE).await?;
    let label = req
        .engine
        .account_summary(auth.tenant_id, auth.user_id)
        .await
        .map_err(|e| req.store_error(e))?
        .map(|s| s.email)
        .unwrap_or_default();
    let Some(pending) = req
        .engine
        .pending_totp(&req.tenant.tenant, auth.user_id, &label)
        .await
        .map_err(|e| req.store_error(e))?
    else {
        req.redirect(&format!(
            "{SECURITY_PAGE}?error=nothing_pending#authenticator"
        ));
        return Err(AppError::Unauthorized);
    };
    Ok(TotpSetupView {
        qr_svg: qr_svg(&pending.otpauth_url),
        secret: pending
            .secret_base32
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" "),
        csrf_token: auth.csrf_token,
    })
}

/// A QR code as an SVG, drawn on the server (no script, no third party).
#[cfg(feature = "ssr")]
fn qr_svg(text: &str) -> String {
    use qrcode::render::svg;
    match qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M) {
        Ok(code) => code
            .render::<svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .dark_color(svg::Color("#111827"))
            .light_color(svg::Color("#ffffff"))
            .build(),
        Err(_) => String::new(),
    }
}

/// Confirms the authenticator app with its first code.
#[server(prefix = "/api", endpoint = "account/security/totp/confirm")]
pub async fn confirm_totp(
    #[server(default)] csrf_token: String,
    #[server(default)] code: String,
) -> Result<(), AppError> {
    let req = crate::ssr::Req::get()?;
    let Some(auth) = signed_in_form(&req, &csrf_token, "/account/security/totp").await? else {
        return Ok(());
    };
    match req
        .engine
        .confirm_totp(&req.tenant.tenant, &req.client(), auth.user_id, &code)
        .await
        .map_err(|e| req.store_error(e))?
    {
        Ok(codes) => {
            if let Some(codes) = codes {
                reveal_once(&req, &auth, &codes).await?;
            }
            req.redirect(&format!("{SECURITY_PAGE}?notice=totp_added#authenticator"));
        }
        Err(p @ portico_identity::credentials::factors::FactorProblem::NothingPending) => req
            .redirect(&format!(
                "{SECURITY_PAGE}?error={}#authenticator",
                factor_problem_code(p)
            )),
        Err(p) => req.redirect(&format!(
            "/account/security/totp?error={}",
            factor_problem_code(p)
        )),
    }
    Ok(())
}

/// Removes the authenticator app.
#[server(prefix = "/api", endpoint = "account/security/totp/remove")]
pub async fn remove_totp(#[server(default)] csrf_token: String) -> Result<(), AppError> {
    let req = crate::ssr::Req::get()?;
    let Some(auth) = signed_in_form(&req, &csrf_token, SECURITY_PAGE).await? else {
        return Ok(());
    };
    match req
        .engine
        .remove_totp(
            &req.tenant.tenant,
            &req.client(),
            auth.user_id,
            auth.authenticated_at,
        )
        .await
        .map_err(|e| req.store_error(e))?
    {
        Ok(()) => req.redirect(&format!(
            "{SECURITY_PAGE}?notice=totp_removed#authenticator"
        )),
        Err(p) => req.redirect(&format!(
            "{SECURITY_PAGE}?error={}#authenticator",
            factor_problem_code(p)
        )),
    }
    Ok(())
}

/// Replaces the recovery codes; the new ones are shown once.
#[server(prefix = "/api", endpoint = "account/security/recovery-codes")]
pub async fn regenerate_recovery_codes(
    #[server(default)] csrf_token: String,
) -> Result<(), AppError> {
    let req = crate::ssr::Req::get()?;
    let Some(auth) = signed_in_form(&req, &csrf_token, SECURITY_PAGE).await? else {
        return Ok(());
    };
    match req
        .engine
        .regenerate_recovery_codes(
            &req.tenant.tenant,
            &req.client(),
            auth.user_id,
            auth.authenticated_at,
        )
        .await
        .map_err(|e| req.store_error(e))?
    {
        Ok(codes) => {
            reveal_once(&req, &auth, &codes).await?;
            req.redirect(&format!(
                "{SECURITY_PAGE}?notice=recovery_codes#recovery-codes"
            ));
        }
        Err(p) => req.redirect(&format!(
            "{SECURITY_PAGE}?error={}#recovery-codes",
            factor_problem_code(p)
        )),
    }
    Ok(())
}

/// What a "this wasn't me" link is about (looking does not act).
#[server(prefix = "/api", endpoint = "security/report/check")]
pub async fn report_check(
    #[server(default)] token: String,
    #[server(default)] secured: bool,
) -> Result<ReportView, AppError> {
    use portico_identity::security::ReportCheck;
    let req = crate::ssr::Req::get()?;
    let words = crate::ssr::Words::of_request();
    // The token is a secret: keep it out of the Referer of anything this page loads.
    req.response.insert_header(
        http::header::REFERRER_POLICY,
        http::HeaderValue::from_static("no-referrer"),
    );
    let empty = |state: &str| ReportView {
        state: state.into(),
        when: String::new(),
        place: String::new(),
        device: String::new(),
    };
    if secured {
        return Ok(empty("secured"));
    }
    Ok(
        match req
            .engine
            .check_report_link(&req.tenant.tenant, &token)
            .await
            .map_err(|e| req.store_error(e))?
        {
            ReportCheck::Open(s) => ReportView {
                state: "open".into(),
                when: words.lang.date_time(s.at),
                place: s
                    .place
                    .unwrap_or_else(|| words.text("report.unknown_place")),
                device: words.device(s.user_agent.as_deref()),
            },
            ReportCheck::AlreadyReported => empty("already"),
            ReportCheck::Invalid => empty("invalid"),
        },
    )
}

/// "This wasn't me": locks the account down.
#[server(prefix = "/api", endpoint = "security/report")]
pub async fn report_sign_in(#[server(default)] token: String) -> Result<(), AppError> {
    let req = crate::ssr::Req::get()?;
    let secured = req
        .engine
        .report_sign_in(&req.tenant.tenant, &req.client(), &token)
        .await
        .map_err(|e| req.store_error(e))?;
    match secured {
        Some(_) => {
            // Whoever is signed in here is signed out too.
            req.sign_out().await?;
            req.redirect("/security/report?secured=true");
        }
        None => req.redirect("/security/report"),
    }
    Ok(())
}
