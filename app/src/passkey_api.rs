//! Server functions for passkeys. The browser half (`/passkeys.js`) asks for options,
//! hands them to `navigator.credentials`, and posts the answer back; every answer says
//! where the browser goes next. Rename and delete are plain forms that work without
//! JavaScript.

use leptos::prelude::*;

use crate::AppError;
use crate::views::{PasskeyCeremony, PasskeyNext};

#[cfg(feature = "ssr")]
pub(crate) fn host(req: &crate::ssr::Req) -> String {
    req.parts
        .headers
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

#[cfg(feature = "ssr")]
pub(crate) fn ceremony_view(
    start: portico_identity::credentials::passkeys::PasskeyStart,
    page: &str,
) -> Result<PasskeyCeremony, AppError> {
    use portico_identity::credentials::passkeys::PasskeyStart;
    Ok(match start {
        PasskeyStart::Options(c) => PasskeyCeremony {
            ceremony: c.ceremony,
            options: c.options.to_string(),
            navigate: None,
            error: None,
        },
        PasskeyStart::ShowFlow(id) => PasskeyCeremony {
            navigate: Some(format!("{page}?flow={id}")),
            ..Default::default()
        },
    })
}

/// Where a flow step leads: signed in (the session starts here) or back to the flow.
#[cfg(feature = "ssr")]
pub(crate) async fn next_step(
    req: &crate::ssr::Req,
    outcome: portico_identity::flows::login::FlowOutcome,
    page: &str,
) -> Result<PasskeyNext, AppError> {
    use portico_identity::flows::login::FlowOutcome;
    Ok(match outcome {
        FlowOutcome::SignedIn(signed_in) => {
            req.sign_in(&signed_in).await?;
            PasskeyNext {
                navigate: signed_in.return_to,
            }
        }
        FlowOutcome::ShowFlow(id) => PasskeyNext {
            navigate: format!("{page}?flow={id}"),
        },
    })
}

/// Options for signing in with a passkey on a login flow (button and autofill).
#[server(prefix = "/api", endpoint = "passkey/login/options")]
pub async fn passkey_login_options(
    #[server(default)] flow: String,
    #[server(default)] csrf_token: String,
) -> Result<PasskeyCeremony, AppError> {
    let req = crate::ssr::Req::get()?;
    let start = req
        .engine
        .start_passkey_login(
            &req.tenant.tenant,
            &host(&req),
            &req.browser(),
            &flow,
            &csrf_token,
        )
        .await
        .map_err(|e| req.flow_error(e))?;
    ceremony_view(start, "/login")
}

/// Signs in with the passkey's answer.
#[server(prefix = "/api", endpoint = "passkey/login")]
pub async fn passkey_login(
    #[server(default)] flow: String,
    #[server(default)] csrf_token: String,
    #[server(default)] ceremony: String,
    #[server(default)] credential: String,
) -> Result<PasskeyNext, AppError> {
    let req = crate::ssr::Req::get()?;
    let outcome = req
        .engine
        .finish_passkey_login(
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
    next_step(&req, outcome, "/login").await
}

/// Options for creating an account with a passkey instead of a password.
#[server(prefix = "/api", endpoint = "passkey/register/options")]
pub async fn passkey_register_options(
    #[server(default)] flow: String,
    #[server(default)] csrf_token: String,
    #[server(default)] email: String,
    #[server(default)] display_name: String,
) -> Result<PasskeyCeremony, AppError> {
    let req = crate::ssr::Req::get()?;
    let start = req
        .engine
        .start_passkey_registration(
            &req.tenant.tenant,
            &host(&req),
            &req.browser(),
            &flow,
            &csrf_token,
            &email,
            &display_name,
        )
        .await
        .map_err(|e| req.flow_error(e))?;
    ceremony_view(start, "/register")
}

/// Creates the account from the passkey's answer; next is the verify step.
#[server(prefix = "/api", endpoint = "passkey/register")]
pub async fn passkey_register(
    #[server(default)] flow: String,
    #[server(default)] csrf_token: String,
    #[server(default)] ceremony: String,
    #[server(default)] credential: String,
) -> Result<PasskeyNext, AppError> {
    let req = crate::ssr::Req::get()?;
    let outcome = req
        .engine
        .finish_passkey_registration(
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
    next_step(&req, outcome, "/register").await
}

/// The signed-in customer, with the session's CSRF token checked.
#[cfg(feature = "ssr")]
async fn signed_in(
    req: &crate::ssr::Req,
    csrf_token: &str,
) -> Result<portico_identity::sessions::AuthState, AppError> {
    let Some(auth) = req.auth().await? else {
        req.response.set_status(http::StatusCode::UNAUTHORIZED);
        return Err(AppError::Unauthorized);
    };
    if !crate::ssr::Req::check_session_csrf(&auth, csrf_token) {
        req.response.set_status(http::StatusCode::FORBIDDEN);
        return Err(AppError::Forbidden);
    }
    Ok(auth)
}

/// Options for adding a passkey to the signed-in account.
#[server(prefix = "/api", endpoint = "account/passkeys/options")]
pub async fn passkey_add_options(
    #[server(default)] csrf_token: String,
) -> Result<PasskeyCeremony, AppError> {
    let req = crate::ssr::Req::get()?;
    let auth = signed_in(&req, &csrf_token).await?;
    let start = req
        .engine
        .start_passkey_enrolment(
            &req.tenant.tenant,
            &host(&req),
            &req.browser(),
            auth.user_id,
        )
        .await
        .map_err(|e| req.flow_error(e.into()))?;
    Ok(match start {
        Ok(c) => PasskeyCeremony {
            ceremony: c.ceremony,
            options: c.options.to_string(),
            navigate: None,
            error: None,
        },
        Err(problem) => PasskeyCeremony {
            error: Some(problem.to_string()),
            ..Default::default()
        },
    })
}

/// Adds the passkey from its answer to the signed-in account.
#[server(prefix = "/api", endpoint = "account/passkeys/add")]
pub async fn passkey_add(
    #[server(default)] csrf_token: String,
    #[server(default)] ceremony: String,
    #[server(default)] credential: String,
) -> Result<PasskeyNext, AppError> {
    let req = crate::ssr::Req::get()?;
    let auth = signed_in(&req, &csrf_token).await?;
    let added = req
        .engine
        .finish_passkey_enrolment(
            &req.tenant.tenant,
            &req.browser(),
            &req.client(),
            auth.user_id,
            &ceremony,
            &credential,
        )
        .await
        .map_err(|e| req.flow_error(e.into()))?;
    Ok(PasskeyNext {
        navigate: match added {
            Ok(_) => "/account/security?notice=passkey_added#passkeys".into(),
            Err(problem) => format!("/account/security?error={}#passkeys", problem_code(problem)),
        },
    })
}

/// Renames a passkey (a plain form).
#[server(prefix = "/api", endpoint = "account/passkeys/rename")]
pub async fn rename_passkey(
    #[server(default)] csrf_token: String,
    #[server(default)] id: String,
    #[server(default)] name: String,
) -> Result<(), AppError> {
    let req = crate::ssr::Req::get()?;
    let auth = signed_in(&req, &csrf_token).await?;
    let renamed = req
        .engine
        .rename_passkey(&req.tenant.tenant, &req.client(), auth.user_id, &id, &name)
        .await
        .map_err(|e| req.store_error(e))?;
    req.redirect(&match renamed {
        Ok(()) => "/account/security?notice=passkey_renamed#passkeys".to_string(),
        Err(problem) => format!("/account/security?error={}#passkeys", problem_code(problem)),
    });
    Ok(())
}

/// Deletes a passkey (a plain form).
#[server(prefix = "/api", endpoint = "account/passkeys/delete")]
pub async fn delete_passkey(
    #[server(default)] csrf_token: String,
    #[server(default)] id: String,
) -> Result<(), AppError> {
    let req = crate::ssr::Req::get()?;
    let auth = signed_in(&req, &csrf_token).await?;
    let deleted = req
        .engine
        .delete_passkey(
            &req.tenant.tenant,
            &req.client(),
            auth.user_id,
            auth.authenticated_at,
            &id,
        )
        .await
        .map_err(|e| req.store_error(e))?;
    req.redirect(&match deleted {
        Ok(()) => "/account/security?notice=passkey_deleted#passkeys".to_string(),
        Err(problem) => format!("/account/security?error={}#passkeys", problem_code(problem)),
    });
    Ok(())
}

/// The code a refused passkey step is reported by in the account page's URL.
#[cfg(feature = "ssr")]
fn problem_code(problem: portico_identity::credentials::passkeys::PasskeyProblem) -> &'static str {
    use portico_identity::credentials::passkeys::PasskeyProblem::*;
    match problem {
        Unavailable => "passkey_unavailable",
        Expired => "passkey_expired",
        Rejected => "passkey_rejected",
        AlreadyRegistered => "passkey_already_registered",
        NameInvalid => "passkey_name_invalid",
        NotFound => "passkey_not_found",
        LastMethod => "passkey_last_method",
        ReauthRequired => "passkey_reauth",
    }
}
