//! Server functions: the thin adapters between the pages and the identity engine.

use leptos::prelude::*;

use crate::AppError;
use crate::views::{AccountView, DevMailView, FlowView, FormOutcome, VerifyLinkView};

/// Keeps the customer's choice of language (a cookie for a year) and sends them back
/// to the page they were on. A plain form post: the switcher works without JavaScript.
#[server(prefix = "/api", endpoint = "language")]
pub async fn set_language(
    #[server(default)] lang: String,
    #[server(default)] return_to: String,
) -> Result<(), AppError> {
    use portico_identity::i18n::Language;
    let req = crate::ssr::Req::get()?;
    let language = Language::parse(&lang)
        .ok_or_else(|| AppError::Request("lang: not a language Portico speaks".into()))?;
    let secure = if req.cookies.secure { "; Secure" } else { "" };
    let cookie = format!(
        "{}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly{secure}",
        crate::ssr::LANGUAGE_COOKIE,
        language.code()
    );
    if let Ok(value) = http::HeaderValue::from_str(&cookie) {
        req.response.append_header(http::header::SET_COOKIE, value);
    }
    // A signed-in customer's choice is also their account's: their mails follow it.
    if let Some(auth) = req.auth().await? {
        req.engine
            .set_account_language(auth.tenant_id, auth.user_id, language)
            .await
            .map_err(|e| req.store_error(e))?;
    }
    let back = portico_identity::flows::sanitize_return_to(&return_to)
        .filter(|p| !p.starts_with("/api/"))
        .unwrap_or_else(|| "/login".into());
    req.redirect(&back);
    Ok(())
}

/// The login flow for this page: the one in the URL if it is still usable, otherwise a
/// fresh one (the browser is redirected to `?flow=<id>` so a reload keeps it).
#[server(prefix = "/api", endpoint = "login/flow")]
pub async fn login_flow(
    #[server(default)] flow: Option<String>,
    #[server(default)] return_to: Option<String>,
    #[server(default)] login_hint: Option<String>,
    #[server(default)] prompt: Option<String>,
) -> Result<FlowView, AppError> {
    use portico_identity::flows::{FlowKind, sanitize_return_to};
    let req = crate::ssr::Req::get()?;
    // `prompt=login`: an app asked for a fresh sign-in, so a signed-in customer signs
    // in again instead of passing straight through. "Confirm it's you" is a sign-in
    // flow for the signed-in customer too.
    let signed_in = prompt.as_deref() != Some("login") && req.auth().await?.is_some();
    let pass_through = |req: &crate::ssr::Req| {
        let target = return_to
            .as_deref()
            .and_then(sanitize_return_to)
            .unwrap_or_else(|| "/account".into());
        req.redirect(&target);
        Err(AppError::Unauthorized)
    };
    if signed_in && flow.is_none() {
        return pass_through(&req);
    }
    let flow_view = load_flow(
        &req,
        FlowKind::Login,
        "/login",
        flow.clone(),
        return_to.clone(),
        login_hint,
    )
    .await?;
    if signed_in && !flow_view.reauth {
        return pass_through(&req);
    }
    // The redirect to the flow's own URL keeps the app's demand for a fresh sign-in.
    if prompt.as_deref() == Some("login") && flow.as_deref() != Some(flow_view.id.as_str()) {
        req.redirect(&format!("/login?flow={}&prompt=login", flow_view.id));
    }
    Ok(flow_view)
}

/// The registration flow for this page (see [`login_flow`]).
#[server(prefix = "/api", endpoint = "register/flow")]
pub async fn registration_flow(
    #[server(default)] flow: Option<String>,
    #[server(default)] return_to: Option<String>,
) -> Result<FlowView, AppError> {
    use portico_identity::flows::FlowKind;
    let req = crate::ssr::Req::get()?;
    load_flow(
        &req,
        FlowKind::Registration,
        "/register",
        flow,
        return_to,
        None,
    )
    .await
}

#[cfg(feature = "ssr")]
async fn load_flow(
    req: &crate::ssr::Req,
    kind: portico_identity::flows::FlowKind,
    page: &str,
    flow: Option<String>,
    return_to: Option<String>,
    login_hint: Option<String>,
) -> Result<FlowView, AppError> {
    let browser = req.browser();
    let loaded = req
        .engine
        .flow_for_page(
            &req.tenant.tenant,
            kind,
            flow.as_deref(),
            &browser,
            return_to.as_deref(),
            login_hint.as_deref(),
        )
        .await
        .map_err(|e| req.store_error(e))?;
    if flow.as_deref() != Some(&loaded.id.to_string()) {
        req.redirect(&format!("{page}?flow={}", loaded.id));
    }
    req.with_providers(req.flow_view(&loaded)).await
}

/// Signs in with email and password.
#[server(prefix = "/api", endpoint = "login/password")]
pub async fn submit_login(
    #[server(default)] flow: String,
    #[server(default)] csrf_token: String,
    #[server(default)] email: String,
    #[server(default)] password: String,
) -> Result<FormOutcome, AppError> {
    use portico_identity::flows::login::PasswordLogin;
    let req = crate::ssr::Req::get()?;
    let outcome = req
        .engine
        .submit_password_login(
            &req.tenant.tenant,
            &req.browser(),
            &req.client(),
            PasswordLogin {
                flow_id: &flow,
                csrf_token: &csrf_token,
                email: &email,
                password: &password,
            },
        )
        .await
        .map_err(|e| req.flow_error(e))?;
    req.conclude(outcome, "/login").await
}

/// The details step of a sign-up through a provider: the address to confirm, and a name.
#[server(prefix = "/api", endpoint = "login/details")]
pub async fn submit_federated_details(
    #[server(default)] flow: String,
    #[server(default)] csrf_token: String,
    #[server(default)] email: String,
    #[server(default)] display_name: String,
) -> Result<FormOutcome, AppError> {
    use portico_identity::federation::FederatedDetails;
    let req = crate::ssr::Req::get()?;
    let outcome = req
        .engine
        .submit_federated_details(
            &req.tenant.tenant,
            &req.browser(),
            &req.client(),
            FederatedDetails {
                flow_id: &flow,
                csrf_token: &csrf_token,
                email: &email,
                display_name: &display_name,
            },
        )
        .await
        .map_err(|e| req.flow_error(e))?;
    req.conclude(outcome, "/login").await
}

/// Creates an account with email and password.
#[server(prefix = "/api", endpoint = "register/password")]
pub async fn submit_registration(
    #[server(default)] flow: String,
    #[server(default)] csrf_token: String,
    #[server(default)] email: String,
    #[server(default)] password: String,
    #[server(default)] display_name: String,
) -> Result<FormOutcome, AppError> {
    use portico_identity::flows::registration::PasswordRegistration;
    let req = crate::ssr::Req::get()?;
    let outcome = req
        .engine
        .submit_registration(
            &req.tenant.tenant,
            &req.browser(),
            &req.client(),
            PasswordRegistration {
                flow_id: &flow,
                csrf_token: &csrf_token,
                email: &email,
                password: &password,
                display_name: &display_name,
            },
        )
        .await
        .map_err(|e| req.flow_error(e))?;
    req.conclude(outcome, "/register").await
}

/// The signed-in customer's account. Signed-out visitors are sent to sign in and
/// brought back here afterwards.
#[server(prefix = "/api", endpoint = "account")]
pub async fn account() -> Result<AccountView, AppError> {
    let req = crate::ssr::Req::get()?;
    let Some(auth) = req.auth().await? else {
        req.redirect("/login?return_to=%2Faccount");
        return Err(AppError::Unauthorized);
    };
    let Some(summary) = req
        .engine
        .account_summary(auth.tenant_id, auth.user_id)
        .await
        .map_err(|e| req.store_error(e))?
    else {
        // The account is gone: this session means nothing any more.
        req.sign_out().await?;
        req.redirect("/login");
        return Err(AppError::Unauthorized);
    };
    let lang = crate::ssr::request_language();
    let language = summary
        .locale
        .map(|l| l.code().to_string())
        .unwrap_or_default();
    let pending_email = req
        .engine
        .pending_email_change(auth.user_id)
        .await
        .map_err(|e| req.store_error(e))?
        .map(|p| p.address);
    let deletion_on = req
        .engine
        .deletion_scheduled(&req.tenant.tenant, auth.user_id)
        .await
        .map_err(|e| req.store_error(e))?
        .map(|t| lang.date(t));
    Ok(AccountView {
        language,
        pending_email,
        deletion_on,
        display_name: summary.display_name,
        email: summary.email,
        email_verified: summary.email_verified,
        member_since: lang.date(summary.created_at),
        signed_in_at: lang.date_time(auth.authenticated_at),
        sign_in_method: if auth.methods.is_empty() {
            "unknown".into()
        } else {
            auth.methods
                .iter()
                .map(|m| m.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        },
        has_password: summary.has_password,
        passkeys: passkey_views(&req, auth.user_id).await?,
        totp: req
            .engine
            .has_totp(&req.tenant.tenant, auth.user_id)
            .await
            .map_err(|e| req.store_error(e))?,
        connected_apps: crate::oauth_api::connected_app_views(&req, auth.user_id).await?,
        csrf_token: auth.csrf_token,
    })
}

/// The customer's passkeys as the pages list them.
#[cfg(feature = "ssr")]
pub(crate) async fn passkey_views(
    req: &crate::ssr::Req,
    user: portico_identity::UserId,
) -> Result<Vec<crate::views::PasskeyView>, AppError> {
    let lang = crate::ssr::request_language();
    Ok(req
        .engine
        .passkeys(&req.tenant.tenant, user)
        .await
        .map_err(|e| req.store_error(e))?
        .into_iter()
        .map(|p| crate::views::PasskeyView {
            id: p.id.to_string(),
            name: p.name,
            created: lang.date(p.created_at),
            last_used: p.last_used_at.map(|t| lang.date(t)),
            synced: p.synced,
        })
        .collect())
}

/// Signs out: the session ends on the server, and the browser lands on a fresh sign-in
/// page that says so. With `return_to` it is "sign in again": the new sign-in returns
/// there (for changes that need a recent sign-in).
#[server(prefix = "/api", endpoint = "logout")]
pub async fn sign_out(
    #[server(default)] csrf_token: String,
    #[server(default)] return_to: Option<String>,
) -> Result<(), AppError> {
    use portico_identity::audit::AuditEvent;
    use portico_identity::flows::{FlowKind, Message};
    let req = crate::ssr::Req::get()?;
    let Some(auth) = req.auth().await? else {
        req.redirect("/login");
        return Ok(());
    };
    if !crate::ssr::Req::check_session_csrf(&auth, &csrf_token) {
        req.response.set_status(http::StatusCode::FORBIDDEN);
        return Err(AppError::Forbidden);
    }
    req.sign_out().await?;
    req.engine
        .record_audit(
            AuditEvent::new(auth.tenant_id, "session.signed_out", &req.client())
                .actor(auth.user_id)
                .subject(auth.user_id),
        )
        .await
        .map_err(|e| req.store_error(e))?;
    let flow = req
        .engine
        .start_flow(
            &req.tenant.tenant,
            FlowKind::Login,
            &req.browser(),
            return_to.as_deref(),
            Some(Message::info(if return_to.is_some() {
                "session.reauth"
            } else {
                "session.signed_out"
            })),
        )
        .await
        .map_err(|e| req.store_error(e))?;
    req.redirect(&format!("/login?flow={}", flow.id));
    Ok(())
}

/// The verify step of a login or registration flow: check a code, send a new one, or
/// carry on after the link in the mail was opened.
#[server(prefix = "/api", endpoint = "verify/code")]
pub async fn submit_verification(
    #[server(default)] kind: String,
    #[server(default)] flow: String,
    #[server(default)] csrf_token: String,
    #[server(default)] code: String,
    #[server(default)] intent: String,
) -> Result<FormOutcome, AppError> {
    use portico_identity::flows::FlowKind;
    use portico_identity::flows::verify::{VerifyIntent, VerifySubmission};
    let req = crate::ssr::Req::get()?;
    let (kind, page) = match kind.as_str() {
        "registration" => (FlowKind::Registration, "/register"),
        _ => (FlowKind::Login, "/login"),
    };
    let intent = match intent.as_str() {
        "resend" => VerifyIntent::Resend,
        "continue" => VerifyIntent::Continue,
        _ => VerifyIntent::Code(&code),
    };
    let outcome = req
        .engine
        .submit_verification(
            &req.tenant.tenant,
            kind,
            &req.browser(),
            &req.client(),
            VerifySubmission {
                flow_id: &flow,
                csrf_token: &csrf_token,
                intent,
            },
        )
        .await
        .map_err(|e| req.flow_error(e))?;
    req.conclude(outcome, page).await
}

/// Opens the link from a verification mail.
#[server(prefix = "/api", endpoint = "verify/link")]
pub async fn verify_link(#[server(default)] token: String) -> Result<VerifyLinkView, AppError> {
    use portico_identity::verification::CodeCheck;
    let req = crate::ssr::Req::get()?;
    let check = req
        .engine
        .verify_link(&req.tenant.tenant, &token)
        .await
        .map_err(|e| req.store_error(e))?;
    let signed_in = req.auth().await?.is_some();
    Ok(match check {
        CodeCheck::Verified { email, user } => {
            req.engine
                .record_audit(
                    portico_identity::audit::AuditEvent::new(
                        req.tenant.tenant.id,
                        "email.verified",
                        &req.client(),
                    )
                    .subject(user)
                    .detail("via", "link"),
                )
                .await
                .map_err(|e| req.store_error(e))?;
            VerifyLinkView {
                verified: true,
                email: Some(email),
                signed_in,
            }
        }
        CodeCheck::Rejected => VerifyLinkView {
            verified: false,
            email: None,
            signed_in,
        },
    })
}

/// The newest mails of this tenant (dev mode only).
#[server(prefix = "/api", endpoint = "dev/mail")]
pub async fn dev_mail() -> Result<Vec<DevMailView>, AppError> {
    let req = crate::ssr::Req::get()?;
    if !req.dev_mode {
        req.response.set_status(http::StatusCode::NOT_FOUND);
        return Err(AppError::Request(
            "the mail viewer is only available in dev mode".into(),
        ));
    }
    let mails = req
        .engine
        .recent_mail(req.tenant.tenant.id, 50)
        .await
        .map_err(|e| req.store_error(e))?;
    Ok(mails
        .into_iter()
        .map(|m| DevMailView {
            id: m.id.to_string(),
            to: m.to,
            subject: m.subject,
            template: m.template,
            status: m.status.as_str().to_string(),
            created_at: m.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            text: m.text,
        })
        .collect())
}

/// The recovery flow for this page (see [`login_flow`]).
#[server(prefix = "/api", endpoint = "recovery/flow")]
pub async fn recovery_flow(
    #[server(default)] flow: Option<String>,
    #[server(default)] return_to: Option<String>,
) -> Result<FlowView, AppError> {
    use portico_identity::flows::FlowKind;
    let req = crate::ssr::Req::get()?;
    load_flow(&req, FlowKind::Recovery, "/recovery", flow, return_to, None).await
}

/// Asks for a password reset link.
#[server(prefix = "/api", endpoint = "recovery/request")]
pub async fn submit_recovery(
    #[server(default)] flow: String,
    #[server(default)] csrf_token: String,
    #[server(default)] email: String,
) -> Result<FormOutcome, AppError> {
    let req = crate::ssr::Req::get()?;
    let outcome = req
        .engine
        .submit_recovery_request(
            &req.tenant.tenant,
            &req.browser(),
            &req.client(),
            &flow,
            &csrf_token,
            &email,
        )
        .await
        .map_err(|e| req.flow_error(e))?;
    req.conclude(outcome, "/recovery").await
}

/// The reset page: a `token` from the mail is swapped for a flow and leaves the URL.
#[server(prefix = "/api", endpoint = "recovery/reset/flow")]
pub async fn reset_flow(
    #[server(default)] token: Option<String>,
    #[server(default)] flow: Option<String>,
    #[server(default)] return_to: Option<String>,
) -> Result<FlowView, AppError> {
    use portico_identity::flows::recovery::ResetLink;
    let _ = return_to;
    let req = crate::ssr::Req::get()?;
    let browser = req.browser();
    let tenant = &req.tenant.tenant;
    let link = match (token.filter(|t| !t.is_empty()), flow) {
        (Some(token), _) => req.engine.open_reset_link(tenant, &browser, &token).await,
        (None, Some(flow)) => {
            req.engine
                .reset_flow_for_page(tenant, &browser, &flow)
                .await
        }
        (None, None) => req.engine.reset_flow_for_page(tenant, &browser, "").await,
    }
    .map_err(|e| req.store_error(e))?;
    let (page, id, done) = match link {
        ResetLink::Open(id) => ("/recovery/reset", id, false),
        ResetLink::Invalid(id) => ("/recovery", id, true),
    };
    let loaded = req
        .engine
        .flow_by_id(tenant, id)
        .await
        .map_err(|e| req.store_error(e))?
        .ok_or(AppError::Request("the flow vanished".into()))?;
    if done || req.parts.uri.query().is_some_and(|q| q.contains("token=")) {
        req.redirect(&format!("{page}?flow={id}"));
    }
    Ok(req.flow_view(&loaded))
}

/// Sets a new password from a reset link.
#[server(prefix = "/api", endpoint = "recovery/reset")]
pub async fn submit_reset(
    #[server(default)] flow: String,
    #[server(default)] csrf_token: String,
    #[server(default)] password: String,
) -> Result<FormOutcome, AppError> {
    use portico_identity::flows::login::FlowOutcome;
    let req = crate::ssr::Req::get()?;
    let outcome = req
        .engine
        .submit_reset(
            &req.tenant.tenant,
            &req.browser(),
            &req.client(),
            &flow,
            &csrf_token,
            &password,
        )
        .await
        .map_err(|e| req.flow_error(e))?;
    // Success lands on a login flow; anything else stays on the reset (or recovery) flow.
    let page = match &outcome {
        FlowOutcome::ShowFlow(id) => match req.engine.flow_by_id(&req.tenant.tenant, *id).await {
            Ok(Some(f)) => match f.kind {
                portico_identity::flows::FlowKind::Login => "/login",
                portico_identity::flows::FlowKind::Recovery => "/recovery",
                _ => "/recovery/reset",
            },
            _ => "/recovery",
        },
        FlowOutcome::SignedIn(_) => "/login",
    };
    req.conclude(outcome, page).await
}

/// The password change page (signed in only).
#[server(prefix = "/api", endpoint = "account/password/flow")]
pub async fn password_change_flow(
    #[server(default)] flow: Option<String>,
    #[server(default)] return_to: Option<String>,
) -> Result<FlowView, AppError> {
    let _ = return_to;
    let req = crate::ssr::Req::get()?;
    let Some(auth) = req.auth().await? else {
        req.redirect("/login?return_to=%2Faccount%2Fpassword");
        return Err(AppError::Unauthorized);
    };
    let loaded = req
        .engine
        .start_password_change(
            &req.tenant.tenant,
            &req.browser(),
            auth.user_id,
            flow.as_deref(),
        )
        .await
        .map_err(|e| req.store_error(e))?;
    if flow.as_deref() != Some(&loaded.id.to_string()) {
        req.redirect(&format!("/account/password?flow={}", loaded.id));
    }
    Ok(req.flow_view(&loaded))
}

/// Changes the signed-in customer's password.
#[server(prefix = "/api", endpoint = "account/password")]
pub async fn submit_password_change(
    #[server(default)] flow: String,
    #[server(default)] csrf_token: String,
    #[server(default)] current_password: String,
    #[server(default)] password: String,
) -> Result<FormOutcome, AppError> {
    use portico_identity::flows::recovery::PasswordChangeOutcome;
    let req = crate::ssr::Req::get()?;
    let Some(auth) = req.auth().await? else {
        req.redirect("/login?return_to=%2Faccount%2Fpassword");
        return Ok(FormOutcome::Navigate);
    };
    let outcome = req
        .engine
        .submit_password_change(
            &req.tenant.tenant,
            &req.browser(),
            &req.client(),
            auth.user_id,
            &flow,
            &csrf_token,
            &current_password,
            &password,
        )
        .await
        .map_err(|e| req.flow_error(e))?;
    match outcome {
        PasswordChangeOutcome::Changed => {
            req.renew_session(auth).await?;
            req.redirect("/account?notice=password_changed");
            Ok(FormOutcome::Navigate)
        }
        PasswordChangeOutcome::ShowFlow(id) => req.show_flow("/account/password", id).await,
    }
}
