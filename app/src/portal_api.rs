//! Server functions for the account portal's sensitive changes: confirming it's you,
//! the email address, downloading the account's data and deleting it. Each is a plain
//! form that echoes the session's CSRF token and is answered with a redirect naming a
//! notice or problem code.

use leptos::prelude::*;

use crate::AppError;

/// Where the account portal lives.
pub const ACCOUNT_PAGE: &str = "/account";

/// Starts "confirm it's you" (`/api/account/reauth`): a sign-in for this account only,
/// with its second factor when it has one, that returns to `return_to` (a page of the
/// portal). The session stays until the new sign-in replaces it.
#[server(prefix = "/api", endpoint = "account/reauth")]
pub async fn confirm_identity(
    #[server(default)] csrf_token: String,
    #[server(default)] return_to: String,
) -> Result<(), AppError> {
    let req = crate::ssr::Req::get()?;
    let back = portal_path(&return_to);
    let Some(auth) = crate::security_api::signed_in_form(&req, &csrf_token, back).await? else {
        return Ok(());
    };
    let flow = req
        .engine
        .start_reauth(&req.tenant.tenant, &req.browser(), auth.user_id, back)
        .await
        .map_err(|e| req.store_error(e))?;
    req.redirect(&format!("/login?flow={}", flow.id));
    Ok(())
}

/// Where the email page lives.
pub const EMAIL_PAGE: &str = "/account/email";

/// The email page: the address, a pending change, and whether a change will first ask
/// the customer to confirm it's them.
#[server(prefix = "/api", endpoint = "account/email/view")]
pub async fn email_settings() -> Result<crate::views::EmailView, AppError> {
    let req = crate::ssr::Req::get()?;
    let auth = crate::security_api::signed_in(&req, EMAIL_PAGE).await?;
    let e = |err| req.store_error(err);
    let Some(summary) = req
        .engine
        .account_summary(auth.tenant_id, auth.user_id)
        .await
        .map_err(e)?
    else {
        req.sign_out().await?;
        req.redirect("/login");
        return Err(AppError::Unauthorized);
    };
    let pending = req
        .engine
        .pending_email_change(auth.user_id)
        .await
        .map_err(e)?;
    let lang = crate::ssr::request_language();
    Ok(crate::views::EmailView {
        email: summary.email,
        verified: summary.email_verified,
        pending_until: pending
            .as_ref()
            .map(|p| lang.date_time(p.expires_at))
            .unwrap_or_default(),
        pending: pending.map(|p| p.address),
        needs_reauth: !req
            .engine
            .confirmed_recently(&req.tenant.tenant, &auth)
            .await
            .map_err(e)?,
        csrf_token: auth.csrf_token,
    })
}

/// Asks to change the address (`/api/account/email`, a plain form). Without a recent
/// sign-in the customer confirms it's them first, then comes back here.
#[server(prefix = "/api", endpoint = "account/email")]
pub async fn change_email(
    #[server(default)] csrf_token: String,
    #[server(default)] email: String,
) -> Result<(), AppError> {
    use portico_identity::accounts::EmailError;
    use portico_identity::accounts::email_change::EmailChangeProblem;
    let req = crate::ssr::Req::get()?;
    let Some(auth) = crate::security_api::signed_in_form(&req, &csrf_token, EMAIL_PAGE).await?
    else {
        return Ok(());
    };
    let outcome = req
        .engine
        .request_email_change(&req.tenant.tenant, &auth, &req.client(), &email)
        .await
        .map_err(|e| req.store_error(e))?;
    let problem = match outcome {
        Ok(_) => {
            req.redirect(&format!("{EMAIL_PAGE}?notice=email_sent"));
            return Ok(());
        }
        Err(EmailChangeProblem::ReauthRequired) => {
            let flow = req
                .engine
                .start_reauth(&req.tenant.tenant, &req.browser(), auth.user_id, EMAIL_PAGE)
                .await
                .map_err(|e| req.store_error(e))?;
            req.redirect(&format!("/login?flow={}", flow.id));
            return Ok(());
        }
        Err(EmailChangeProblem::Unchanged) => "email_unchanged",
        Err(EmailChangeProblem::Invalid(EmailError::Empty)) => "email_empty",
        Err(EmailChangeProblem::Invalid(EmailError::TooLong)) => "email_too_long",
        Err(EmailChangeProblem::Invalid(EmailError::Malformed)) => "email_invalid",
    };
    req.redirect(&format!("{EMAIL_PAGE}?error={problem}"));
    Ok(())
}

/// Cancels a pending change (`/api/account/email/cancel`).
#[server(prefix = "/api", endpoint = "account/email/cancel")]
pub async fn cancel_email_change(#[server(default)] csrf_token: String) -> Result<(), AppError> {
    let req = crate::ssr::Req::get()?;
    let Some(auth) = crate::security_api::signed_in_form(&req, &csrf_token, EMAIL_PAGE).await?
    else {
        return Ok(());
    };
    let cancelled = req
        .engine
        .cancel_email_change(&req.tenant.tenant, auth.user_id, &req.client())
        .await
        .map_err(|e| req.store_error(e))?;
    req.redirect(&if cancelled {
        format!("{EMAIL_PAGE}?notice=email_cancelled")
    } else {
        format!("{EMAIL_PAGE}?error=nothing_pending")
    });
    Ok(())
}

/// What a confirmation (`mode=confirm`) or undo (`mode=revert`) link is about; looking
/// does not act. `result` is where a POST left off.
#[server(prefix = "/api", endpoint = "account/email/link")]
pub async fn email_link(
    #[server(default)] mode: String,
    #[server(default)] token: String,
    #[server(default)] result: String,
) -> Result<crate::views::EmailLinkView, AppError> {
    use portico_identity::accounts::email_change::{
        EmailLink, PURPOSE_EMAIL_CHANGE, PURPOSE_EMAIL_REVERT,
    };
    let req = crate::ssr::Req::get()?;
    // The token is a secret: keep it out of the Referer of anything this page loads.
    req.response.insert_header(
        http::header::REFERRER_POLICY,
        http::HeaderValue::from_static("no-referrer"),
    );
    let state = |s: &str| crate::views::EmailLinkView {
        state: s.into(),
        address: String::new(),
    };
    if matches!(result.as_str(), "changed" | "restored" | "taken") {
        return Ok(state(&result));
    }
    let purpose = if mode == "revert" {
        PURPOSE_EMAIL_REVERT
    } else {
        PURPOSE_EMAIL_CHANGE
    };
    Ok(
        match req
            .engine
            .check_email_link(&req.tenant.tenant, purpose, &token)
            .await
            .map_err(|e| req.store_error(e))?
        {
            EmailLink::Open { address } => crate::views::EmailLinkView {
                state: "open".into(),
                address,
            },
            EmailLink::Invalid => state("invalid"),
        },
    )
}

/// Confirms the new address with the link mailed to it.
#[server(prefix = "/api", endpoint = "account/email/confirm")]
pub async fn confirm_email(#[server(default)] token: String) -> Result<(), AppError> {
    use portico_identity::accounts::email_change::EmailConfirmed;
    let req = crate::ssr::Req::get()?;
    let done = req
        .engine
        .confirm_email_change(&req.tenant.tenant, &req.client(), &token)
        .await
        .map_err(|e| req.store_error(e))?;
    req.redirect(match done {
        EmailConfirmed::Changed { .. } => "/account/email/confirm?result=changed",
        EmailConfirmed::AddressTaken => "/account/email/confirm?result=taken",
        EmailConfirmed::Invalid => "/account/email/confirm",
    });
    Ok(())
}

/// Undoes a change with the link mailed to the old address: every session ends, this
/// browser's too.
#[server(prefix = "/api", endpoint = "account/email/revert")]
pub async fn revert_email(#[server(default)] token: String) -> Result<(), AppError> {
    use portico_identity::accounts::email_change::EmailReverted;
    let req = crate::ssr::Req::get()?;
    let done = req
        .engine
        .revert_email_change(&req.tenant.tenant, &req.client(), &token)
        .await
        .map_err(|e| req.store_error(e))?;
    match done {
        EmailReverted::Restored { .. } => {
            req.sign_out().await?;
            req.redirect("/account/email/revert?result=restored");
        }
        EmailReverted::AddressTaken => {
            req.sign_out().await?;
            req.redirect("/account/email/revert?result=taken");
        }
        EmailReverted::Invalid => req.redirect("/account/email/revert"),
    }
    Ok(())
}

/// Where the privacy page lives.
pub const PRIVACY_PAGE: &str = "/account/privacy";

/// The privacy page: downloading the account's data (and deleting the account).
#[server(prefix = "/api", endpoint = "account/privacy/view")]
pub async fn privacy_settings() -> Result<crate::views::PrivacyView, AppError> {
    let req = crate::ssr::Req::get()?;
    let auth = crate::security_api::signed_in(&req, PRIVACY_PAGE).await?;
    let e = |err| req.store_error(err);
    let Some(summary) = req
        .engine
        .account_summary(auth.tenant_id, auth.user_id)
        .await
        .map_err(e)?
    else {
        req.sign_out().await?;
        req.redirect("/login");
        return Err(AppError::Unauthorized);
    };
    let lang = crate::ssr::request_language();
    Ok(crate::views::PrivacyView {
        deletion_on: req
            .engine
            .deletion_scheduled(&req.tenant.tenant, auth.user_id)
            .await
            .map_err(e)?
            .map(|t| lang.date(t)),
        grace_days: req
            .tenant
            .tenant
            .policy
            .accounts
            .deletion_grace_days
            .min(90),
        email: summary.email,
        needs_reauth: !req
            .engine
            .confirmed_recently(&req.tenant.tenant, &auth)
            .await
            .map_err(e)?,
        csrf_token: auth.csrf_token,
    })
}

/// Asks for a download link to the account's data (`/api/account/export`, a plain
/// form); without a recent confirmation, the customer confirms it's them first.
#[server(prefix = "/api", endpoint = "account/export")]
pub async fn request_export(#[server(default)] csrf_token: String) -> Result<(), AppError> {
    let req = crate::ssr::Req::get()?;
    let Some(auth) = crate::security_api::signed_in_form(&req, &csrf_token, PRIVACY_PAGE).await?
    else {
        return Ok(());
    };
    match req
        .engine
        .request_data_export(&req.tenant.tenant, &auth, &req.client())
        .await
        .map_err(|e| req.store_error(e))?
    {
        Ok(()) => req.redirect(&format!("{PRIVACY_PAGE}?notice=export_sent")),
        Err(_) => {
            let flow = req
                .engine
                .start_reauth(
                    &req.tenant.tenant,
                    &req.browser(),
                    auth.user_id,
                    PRIVACY_PAGE,
                )
                .await
                .map_err(|e| req.store_error(e))?;
            req.redirect(&format!("/login?flow={}", flow.id));
        }
    }
    Ok(())
}

/// Schedules the account's deletion (`/api/account/delete`, a plain form): the
/// account's address typed in `confirm`. Without a recent confirmation, the customer
/// confirms it's them first. This browser is signed out with the others.
#[server(prefix = "/api", endpoint = "account/delete")]
pub async fn delete_account(
    #[server(default)] csrf_token: String,
    #[server(default)] confirm: String,
) -> Result<(), AppError> {
    use portico_identity::accounts::deletion::DeletionProblem;
    use portico_identity::flows::{FlowKind, Message};
    let req = crate::ssr::Req::get()?;
    let Some(auth) = crate::security_api::signed_in_form(&req, &csrf_token, PRIVACY_PAGE).await?
    else {
        return Ok(());
    };
    let outcome = req
        .engine
        .request_account_deletion(&req.tenant.tenant, &auth, &req.client(), &confirm)
        .await
        .map_err(|e| req.store_error(e))?;
    match outcome {
        Ok(delete_after) => {
            req.sign_out().await?;
            let date = crate::ssr::request_language().date(delete_after);
            let flow = req
                .engine
                .start_flow(
                    &req.tenant.tenant,
                    FlowKind::Login,
                    &req.browser(),
                    None,
                    Some(Message::info("account.deletion_scheduled").with_arg("date", date)),
                )
                .await
                .map_err(|e| req.store_error(e))?;
            req.redirect(&format!("/login?flow={}", flow.id));
        }
        Err(DeletionProblem::ConfirmationMismatch) => {
            req.redirect(&format!("{PRIVACY_PAGE}?error=delete_confirm#delete"));
        }
        Err(DeletionProblem::ReauthRequired) => {
            let flow = req
                .engine
                .start_reauth(
                    &req.tenant.tenant,
                    &req.browser(),
                    auth.user_id,
                    PRIVACY_PAGE,
                )
                .await
                .map_err(|e| req.store_error(e))?;
            req.redirect(&format!("/login?flow={}", flow.id));
        }
    }
    Ok(())
}

/// Keeps an account whose deletion is pending (`/api/account/keep`).
#[server(prefix = "/api", endpoint = "account/keep")]
pub async fn keep_account(#[server(default)] csrf_token: String) -> Result<(), AppError> {
    let req = crate::ssr::Req::get()?;
    let Some(auth) = crate::security_api::signed_in_form(&req, &csrf_token, PRIVACY_PAGE).await?
    else {
        return Ok(());
    };
    let kept = req
        .engine
        .cancel_account_deletion(&req.tenant.tenant, auth.user_id, &req.client())
        .await
        .map_err(|e| req.store_error(e))?;
    req.redirect(&if kept {
        format!("{PRIVACY_PAGE}?notice=deletion_cancelled")
    } else {
        PRIVACY_PAGE.to_string()
    });
    Ok(())
}

/// Whether a download link still works (`state`: `open`, `invalid` or `failed`).
#[server(prefix = "/api", endpoint = "account/export/link")]
pub async fn export_link(
    #[server(default)] token: String,
    #[server(default)] result: String,
) -> Result<String, AppError> {
    let req = crate::ssr::Req::get()?;
    req.response.insert_header(
        http::header::REFERRER_POLICY,
        http::HeaderValue::from_static("no-referrer"),
    );
    if result == "failed" {
        return Ok("failed".into());
    }
    let open = !token.is_empty()
        && req
            .engine
            .check_export_link(&req.tenant.tenant, &token)
            .await
            .map_err(|e| req.store_error(e))?;
    Ok(if open { "open" } else { "invalid" }.into())
}

/// A page of the portal to come back to: `/account` or below it, else `/account`.
pub fn portal_path(raw: &str) -> &str {
    let path = raw.split(['?', '#']).next().unwrap_or_default();
    let ok = (path == ACCOUNT_PAGE || path.starts_with("/account/"))
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'/' || b == b'-' || b == b'_');
    if ok && raw.len() <= 200 && !raw.contains("//") && !raw.contains('\\') {
        raw
    } else {
        ACCOUNT_PAGE
    }
}

#[cfg(test)]
mod tests {
    use super::portal_path;

    #[test]
    fn only_portal_pages_are_returned_to() {
        assert_eq!(portal_path("/account/security"), "/account/security");
        assert_eq!(
            portal_path("/account/security#email"),
            "/account/security#email"
        );
        assert_eq!(portal_path("/account"), "/account");
        assert_eq!(portal_path("https://evil.example/account"), "/account");
        assert_eq!(portal_path("//evil.example/account"), "/account");
        assert_eq!(portal_path("/accountx"), "/account");
        assert_eq!(portal_path("/account/../admin"), "/account");
        assert_eq!(portal_path("/account//evil"), "/account");
        assert_eq!(portal_path(""), "/account");
    }
}
