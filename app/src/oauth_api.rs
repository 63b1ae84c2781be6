//! Server functions of the OpenID provider's pages: the consent page and the
//! account's "Connected apps".

use leptos::prelude::*;

use crate::AppError;
#[cfg(feature = "ssr")]
use crate::views::ConnectedAppView;
use crate::views::{ConsentView, DeviceView};

/// What an app's scopes let it see, in words (unknown scopes by name).
#[cfg(feature = "ssr")]
fn access_words(scopes: &[String], app: &str) -> Vec<String> {
    let i18n = crate::ssr::Words::of_request();
    scopes
        .iter()
        .filter(|s| *s != "openid")
        .map(|s| match s.as_str() {
            "profile" | "email" | "offline_access" => {
                i18n.format(&format!("scope.{s}"), &[("app", app)])
            }
            other => i18n.format("scope.other", &[("scope", other)]),
        })
        .chain(std::iter::once(i18n.text("scope.openid")))
        .collect()
}

/// The question on `/consent?request=…`.
#[server(prefix = "/api", endpoint = "consent")]
pub async fn load_consent(#[server(default)] request: String) -> Result<ConsentView, AppError> {
    use portico_identity::oidc::authorize::AuthorizeError;
    let req = crate::ssr::Req::get()?;
    let Some(auth) = req.auth().await? else {
        req.redirect(&format!(
            "/login?return_to={}",
            urlencoding(&format!("/consent?request={request}"))
        ));
        return Err(AppError::Unauthorized);
    };
    let ask = match req
        .engine
        .consent_request(&req.tenant.tenant, &req.browser(), &request)
        .await
    {
        Ok(a) => a,
        Err(AuthorizeError::Problem(_)) => return Err(AppError::NotFound),
        Err(AuthorizeError::Store(e)) => return Err(req.store_error(e)),
    };
    let account = req
        .engine
        .account_summary(auth.tenant_id, auth.user_id)
        .await
        .map_err(|e| req.store_error(e))?
        .ok_or(AppError::Unauthorized)?;
    Ok(ConsentView {
        access: access_words(&ask.scopes, &ask.app_name),
        app_name: ask.app_name,
        redirect_host: ask.redirect_host,
        account_email: account.email,
        csrf_token: auth.csrf_token,
    })
}

/// The customer's answer: `decision` is `allow` or anything else (deny).
#[server(prefix = "/api", endpoint = "consent/answer")]
pub async fn answer_consent(
    #[server(default)] request: String,
    #[server(default)] csrf_token: String,
    #[server(default)] decision: String,
) -> Result<(), AppError> {
    use portico_identity::oidc::authorize::AuthorizeError;
    let req = crate::ssr::Req::get()?;
    let auth = signed_in_post(&req, &csrf_token, "/account").await?;
    match req
        .engine
        .answer_consent(
            &req.tenant.tenant,
            &req.browser(),
            &req.client(),
            &auth,
            &request,
            decision == "allow",
        )
        .await
    {
        Ok(next) => {
            req.redirect(&next);
            Ok(())
        }
        Err(AuthorizeError::Problem(_)) => Err(AppError::NotFound),
        Err(AuthorizeError::Store(e)) => Err(req.store_error(e)),
    }
}

/// Withdraws the customer's consent to an app; its tokens stop working at once.
#[server(prefix = "/api", endpoint = "account/apps/revoke")]
pub async fn disconnect_app(
    #[server(default)] app_id: String,
    #[server(default)] csrf_token: String,
) -> Result<(), AppError> {
    let req = crate::ssr::Req::get()?;
    let auth = signed_in_post(&req, &csrf_token, "/account").await?;
    let Ok(app) = app_id.parse::<uuid::Uuid>() else {
        return Err(AppError::NotFound);
    };
    req.engine
        .revoke_consent(&req.tenant.tenant, &req.client(), auth.user_id, app)
        .await
        .map_err(|e| req.store_error(e))?;
    req.redirect("/account?notice=app_disconnected#connected-apps");
    Ok(())
}

/// The signed-in customer behind a form post, its CSRF token checked; others are
/// sent to sign in (and back to `back`).
#[cfg(feature = "ssr")]
async fn signed_in_post(
    req: &crate::ssr::Req,
    csrf_token: &str,
    back: &str,
) -> Result<portico_identity::sessions::AuthState, AppError> {
    let Some(auth) = req.auth().await? else {
        req.redirect(&format!("/login?return_to={}", urlencoding(back)));
        return Err(AppError::Unauthorized);
    };
    if !crate::ssr::Req::check_session_csrf(&auth, csrf_token) {
        return Err(AppError::Forbidden);
    }
    Ok(auth)
}

#[cfg(feature = "ssr")]
fn urlencoding(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The account page's list of connected apps.
#[cfg(feature = "ssr")]
pub(crate) async fn connected_app_views(
    req: &crate::ssr::Req,
    user: portico_identity::UserId,
) -> Result<Vec<ConnectedAppView>, AppError> {
    let words = crate::ssr::Words::of_request();
    let apps = req
        .engine
        .connected_apps(&req.tenant.tenant, user)
        .await
        .map_err(|e| req.store_error(e))?;
    Ok(apps
        .into_iter()
        .map(|a| ConnectedAppView {
            app_id: a.app_id.to_string(),
            access: access_words(&a.scopes, &a.name),
            name: a.name,
            granted: words.lang.date(a.granted_at),
            last_used: a
                .last_used_at
                .map(|t| words.lang.date(t))
                .unwrap_or_else(|| words.text("account.app_never")),
        })
        .collect())
}

#[cfg(feature = "ssr")]
fn device_problem(p: portico_identity::oidc::device::DeviceProblem) -> String {
    use portico_identity::oidc::device::DeviceProblem;
    let words = crate::ssr::Words::of_request();
    match p {
        DeviceProblem::Malformed => words.text("device.problem_malformed"),
        DeviceProblem::Unknown => words.text("device.problem_unknown"),
        DeviceProblem::Throttled { retry_after_secs } => words.format(
            "device.problem_throttled",
            &[("seconds", &retry_after_secs.to_string())],
        ),
    }
}

/// `/device`: the code form, the request it names, or how it ended. Signed-in
/// customers only (others sign in first and come back with their code).
#[server(prefix = "/api", endpoint = "device")]
pub async fn load_device(
    #[server(default)] user_code: Option<String>,
    #[server(default)] done: Option<String>,
) -> Result<DeviceView, AppError> {
    let req = crate::ssr::Req::get()?;
    let back = match &user_code {
        Some(c) => format!("/device?user_code={}", urlencoding(c)),
        None => "/device".into(),
    };
    let Some(auth) = req.auth().await? else {
        req.redirect(&format!("/login?return_to={}", urlencoding(&back)));
        return Err(AppError::Unauthorized);
    };
    let account = req
        .engine
        .account_summary(auth.tenant_id, auth.user_id)
        .await
        .map_err(|e| req.store_error(e))?
        .ok_or(AppError::Unauthorized)?;
    let mut view = DeviceView {
        step: "enter".into(),
        user_code: user_code.clone().unwrap_or_default(),
        app_name: String::new(),
        access: Vec::new(),
        problem: None,
        approved: false,
        account_email: account.email,
        csrf_token: auth.csrf_token.clone(),
    };
    if let Some(done) = done {
        view.step = "done".into();
        view.approved = done == "approved";
        return Ok(view);
    }
    let Some(code) = user_code.filter(|c| !c.trim().is_empty()) else {
        return Ok(view);
    };
    match req
        .engine
        .device_request(&req.tenant.tenant, &req.client(), auth.user_id, &code)
        .await
        .map_err(|e| req.store_error(e))?
    {
        Ok((_, found)) => {
            view.step = "confirm".into();
            view.access = access_words(&found.scopes, &found.app_name);
            view.app_name = found.app_name;
            view.user_code = found.user_code;
        }
        Err(p) => view.problem = Some(device_problem(p)),
    }
    Ok(view)
}

/// The customer's answer at `/device`: `decision` is `approve` or anything else.
#[server(prefix = "/api", endpoint = "device/answer")]
pub async fn answer_device(
    #[server(default)] user_code: String,
    #[server(default)] csrf_token: String,
    #[server(default)] decision: String,
) -> Result<(), AppError> {
    let req = crate::ssr::Req::get()?;
    let auth = signed_in_post(&req, &csrf_token, "/device").await?;
    let approve = decision == "approve";
    match req
        .engine
        .answer_device(
            &req.tenant.tenant,
            &req.client(),
            &auth,
            &user_code,
            approve,
        )
        .await
        .map_err(|e| req.store_error(e))?
    {
        Ok(_) => req.redirect(if approve {
            "/device?done=approved"
        } else {
            "/device?done=denied"
        }),
        Err(_) => req.redirect(&format!("/device?user_code={}", urlencoding(&user_code))),
    }
    Ok(())
}
