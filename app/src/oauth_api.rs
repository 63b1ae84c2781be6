//! Server functions of the OpenID provider's pages: the consent page and the
//! account's "Connected apps".

use leptos::prelude::*;

use crate::AppError;
#[cfg(feature = "ssr")]
use crate::views::ConnectedAppView;
use crate::views::ConsentView;

/// What an app's scopes let it see, in words (unknown scopes by name).
#[cfg(feature = "ssr")]
fn access_words(scopes: &[String], app: &str) -> Vec<String> {
    scopes
        .iter()
        .filter(|s| *s != "openid")
        .map(|s| match portico_identity::authorize::describe_scope(s) {
            Some(words) if s == "offline_access" => format!("{words} ({app} keeps access)"),
            Some(words) => words.to_string(),
            None => format!("Use the “{s}” permission"),
        })
        .chain(std::iter::once(
            "Know who you are when you sign in".to_string(),
        ))
        .collect()
}

/// The question on `/consent?request=…`.
#[server(prefix = "/api", endpoint = "consent")]
pub async fn load_consent(#[server(default)] request: String) -> Result<ConsentView, AppError> {
    use portico_identity::authorize::AuthorizeError;
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
    use portico_identity::authorize::AuthorizeError;
    let req = crate::ssr::Req::get()?;
    let Some(auth) = req.auth().await? else {
        req.redirect("/login");
        return Err(AppError::Unauthorized);
    };
    if !crate::ssr::Req::check_session_csrf(&auth, &csrf_token) {
        return Err(AppError::Forbidden);
    }
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
    let Some(auth) = req.auth().await? else {
        req.redirect("/login?return_to=%2Faccount");
        return Err(AppError::Unauthorized);
    };
    if !crate::ssr::Req::check_session_csrf(&auth, &csrf_token) {
        return Err(AppError::Forbidden);
    }
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
            granted: a.granted_at.format("%B %-d, %Y").to_string(),
            last_used: a
                .last_used_at
                .map(|t| t.format("%B %-d, %Y").to_string())
                .unwrap_or_else(|| "never".into()),
        })
        .collect())
}
