//! Server functions of the admin console's app pages (`/admin/apps`). Only admins of
//! the tenant, signed in with two factors, get through [`admin_gate`]. Every change is
//! a plain form post echoing the session's CSRF token; problems come back per field,
//! kept in the session for the one page view that shows them; a new client secret is
//! kept sealed there for the one view that reveals it.

// Server functions take a form's fields as arguments.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use crate::AppError;
use crate::views::{AdminAppView, AdminAppsView};

#[cfg(feature = "ssr")]
const FORM_KEY: &str = "portico.admin.app_form";
#[cfg(feature = "ssr")]
const SECRET_KEY: &str = "portico.admin.secret";

/// The signed-in admin, or the answer that sends everyone else away: sign in (and
/// come back), sign in again with two factors, or "not allowed".
#[cfg(feature = "ssr")]
pub(crate) async fn admin_gate(
    req: &crate::ssr::Req,
    back: &str,
) -> Result<portico_identity::sessions::AuthState, AppError> {
    use portico_identity::accounts::Role;
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let Some(auth) = req.auth().await? else {
        req.redirect(&format!("/login?return_to={}", encode(back)));
        return Err(AppError::Unauthorized);
    };
    let roles = req
        .engine
        .roles(auth.tenant_id, auth.user_id)
        .await
        .map_err(|e| req.store_error(e))?;
    if !roles.contains(&Role::Admin) {
        req.response.set_status(http::StatusCode::FORBIDDEN);
        return Err(AppError::NoAccess);
    }
    if auth.aal < 2 {
        // Admins sign in with two factors; a session from before the role was given
        // signs in again (and the sign-in asks for the second factor).
        return Err(AppError::Request(
            "the admin console needs a sign-in with two factors: sign out and sign in again".into(),
        ));
    }
    Ok(auth)
}

/// A change to one app: an admin with two factors, the session's CSRF token, and the
/// app named by `client_id` in this tenant.
#[cfg(feature = "ssr")]
async fn app_for_change(
    req: &crate::ssr::Req,
    client_id: &str,
    csrf_token: &str,
) -> Result<
    (
        portico_identity::sessions::AuthState,
        portico_identity::oidc::apps::Application,
    ),
    AppError,
> {
    let auth = admin_gate(req, &format!("/admin/apps/{client_id}")).await?;
    if !crate::ssr::Req::check_session_csrf(&auth, csrf_token) {
        return Err(AppError::Forbidden);
    }
    let app = req
        .engine
        .app_by_client_id(&req.tenant.tenant, client_id)
        .await
        .map_err(|e| req.store_error(e))?
        .ok_or_else(|| {
            AppError::Request("client_id: there is no app with this client id".into())
        })?;
    Ok((auth, app))
}

#[cfg(feature = "ssr")]
fn form_of(app: &portico_identity::oidc::apps::Application) -> crate::views::AppFormView {
    crate::views::AppFormView {
        name: app.name.clone(),
        kind: app.kind.as_str().into(),
        redirect_uris: app.redirect_uris.join("\n"),
        post_logout_redirect_uris: app.post_logout_redirect_uris.join("\n"),
        scopes: app.scopes.join(" "),
        first_party: app.first_party,
        access_token_seconds: app.access_token_seconds.to_string(),
        refresh_token_seconds: app.refresh_token_seconds.to_string(),
        id_token_alg: app.id_token_alg.as_str().into(),
        problems: Vec::new(),
    }
}

/// Reads the typed form into a registration; field problems of the parsing itself.
#[cfg(feature = "ssr")]
fn parse_form(
    form: &crate::views::AppFormView,
) -> Result<portico_identity::oidc::apps::NewApp, Vec<(String, String)>> {
    use portico_identity::oidc::apps::{AppKind, NewApp, SigningAlg};
    let mut problems = Vec::new();
    let lines = |s: &str| -> Vec<String> {
        s.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    };
    let number = |field: &str, s: &str, problems: &mut Vec<(String, String)>| {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        match s.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                problems.push((field.to_string(), "enter a whole number of seconds".into()));
                None
            }
        }
    };
    let access = number(
        "access_token_seconds",
        &form.access_token_seconds,
        &mut problems,
    );
    let refresh = number(
        "refresh_token_seconds",
        &form.refresh_token_seconds,
        &mut problems,
    );
    let alg = match form.id_token_alg.trim() {
        "" => None,
        a => match SigningAlg::parse(a) {
            Some(alg) => Some(alg),
            None => {
                problems.push(("id_token_alg".into(), "choose RS256, ES256 or EdDSA".into()));
                None
            }
        },
    };
    let scopes: Vec<String> = form.scopes.split_whitespace().map(str::to_string).collect();
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(NewApp {
        name: form.name.clone(),
        kind: AppKind::parse(form.kind.trim()),
        redirect_uris: lines(&form.redirect_uris),
        post_logout_redirect_uris: lines(&form.post_logout_redirect_uris),
        grant_types: None,
        scopes: (!scopes.is_empty()).then_some(scopes),
        first_party: form.first_party,
        access_token_seconds: access,
        refresh_token_seconds: refresh,
        id_token_alg: alg,
        jwks: None,
    })
}

#[cfg(feature = "ssr")]
async fn keep_form(req: &crate::ssr::Req, form: crate::views::AppFormView) -> Result<(), AppError> {
    req.session()?
        .insert(FORM_KEY, form)
        .await
        .map_err(|e| req.internal(&e))
}

#[cfg(feature = "ssr")]
async fn take_form(req: &crate::ssr::Req) -> Result<Option<crate::views::AppFormView>, AppError> {
    req.session()?
        .remove::<crate::views::AppFormView>(FORM_KEY)
        .await
        .map_err(|e| req.internal(&e))
}

#[cfg(feature = "ssr")]
async fn reveal_secret(
    req: &crate::ssr::Req,
    auth: &portico_identity::sessions::AuthState,
    client_id: &str,
    secret: &str,
) -> Result<(), AppError> {
    if let Some(sealed) = req.engine.seal_for_display(
        &[client_id.to_string(), secret.to_string()],
        &auth.user_id.to_string(),
    ) {
        req.session()?
            .insert(SECRET_KEY, sealed)
            .await
            .map_err(|e| req.internal(&e))?;
    }
    Ok(())
}

#[cfg(feature = "ssr")]
pub(crate) async fn email_of(
    req: &crate::ssr::Req,
    auth: &portico_identity::sessions::AuthState,
) -> Result<String, AppError> {
    Ok(req
        .engine
        .account_summary(auth.tenant_id, auth.user_id)
        .await
        .map_err(|e| req.store_error(e))?
        .map(|a| a.email)
        .unwrap_or_default())
}

/// `/admin/apps`: the tenant's apps and the registration form.
#[server(prefix = "/api", endpoint = "admin/apps")]
pub async fn admin_apps() -> Result<AdminAppsView, AppError> {
    use crate::views::{AdminAppRow, AppFormView};
    let req = crate::ssr::Req::get()?;
    let auth = admin_gate(&req, "/admin/apps").await?;
    let apps = req
        .engine
        .apps(&req.tenant.tenant)
        .await
        .map_err(|e| req.store_error(e))?;
    let form = take_form(&req).await?.unwrap_or(AppFormView {
        kind: "web".into(),
        ..AppFormView::default()
    });
    Ok(AdminAppsView {
        admin_email: email_of(&req, &auth).await?,
        apps: apps
            .iter()
            .map(|a| AdminAppRow {
                client_id: a.client_id.clone(),
                name: a.name.clone(),
                kind: a.kind.as_str().into(),
                status: a.status.as_str().into(),
                first_party: a.first_party,
            })
            .collect(),
        form,
        csrf_token: auth.csrf_token,
    })
}

/// Registers an app from the console's form.
#[server(prefix = "/api", endpoint = "admin/apps/create")]
pub async fn admin_create_app(
    #[server(default)] csrf_token: String,
    #[server(default)] name: String,
    #[server(default)] kind: String,
    #[server(default)] redirect_uris: String,
    #[server(default)] post_logout_redirect_uris: String,
    #[server(default)] scopes: String,
    #[server(default)] first_party: Option<String>,
) -> Result<(), AppError> {
    let req = crate::ssr::Req::get()?;
    let auth = admin_gate(&req, "/admin/apps").await?;
    if !crate::ssr::Req::check_session_csrf(&auth, &csrf_token) {
        return Err(AppError::Forbidden);
    }
    let mut form = crate::views::AppFormView {
        name,
        kind,
        redirect_uris,
        post_logout_redirect_uris,
        scopes,
        first_party: first_party.is_some(),
        ..Default::default()
    };
    let new = match parse_form(&form) {
        Ok(n) => n,
        Err(problems) => {
            form.problems = problems;
            keep_form(&req, form).await?;
            req.redirect("/admin/apps#register");
            return Ok(());
        }
    };
    match req
        .engine
        .register_app(&req.tenant.tenant, &req.client(), &new)
        .await
        .map_err(|e| req.store_error(e))?
    {
        Ok(registered) => {
            if let Some(secret) = &registered.client_secret {
                reveal_secret(&req, &auth, &registered.app.client_id, secret).await?;
            }
            req.redirect(&format!(
                "/admin/apps/{}?notice=created",
                registered.app.client_id
            ));
        }
        Err(problems) => {
            form.problems = problems
                .into_iter()
                .map(|p| (p.field.to_string(), p.message))
                .collect();
            keep_form(&req, form).await?;
            req.redirect("/admin/apps#register");
        }
    }
    Ok(())
}

/// `/admin/apps/<client_id>`: one app, its settings form, its secret and status.
#[server(prefix = "/api", endpoint = "admin/app")]
pub async fn admin_app(
    #[server(default)] client_id: String,
    #[server(default)] notice: Option<String>,
) -> Result<AdminAppView, AppError> {
    let req = crate::ssr::Req::get()?;
    let auth = admin_gate(&req, &format!("/admin/apps/{client_id}")).await?;
    let Some(app) = req
        .engine
        .app_by_client_id(&req.tenant.tenant, &client_id)
        .await
        .map_err(|e| req.store_error(e))?
    else {
        return Err(AppError::Request(
            "there is no app with this client id".into(),
        ));
    };
    let new_secret = match req
        .session()?
        .remove::<String>(SECRET_KEY)
        .await
        .map_err(|e| req.internal(&e))?
    {
        Some(sealed) => req
            .engine
            .open_for_display(&sealed, &auth.user_id.to_string())
            .filter(|v| v.first() == Some(&app.client_id))
            .and_then(|v| v.get(1).cloned()),
        None => None,
    };
    let form = take_form(&req).await?.unwrap_or_else(|| form_of(&app));
    let sign_in = match req
        .session()?
        .remove::<crate::views::AppSignInView>(SIGN_IN_FORM_KEY)
        .await
        .map_err(|e| req.internal(&e))?
    {
        Some(kept) => kept,
        None => sign_in_view(&req, &app).await?,
    };
    Ok(AdminAppView {
        admin_email: email_of(&req, &auth).await?,
        client_id: app.client_id.clone(),
        kind: app.kind.as_str().into(),
        status: app.status.as_str().into(),
        confidential: app.kind.confidential(),
        uses_keys: app.jwks.is_some(),
        grants: app
            .grant_types
            .iter()
            .map(|g| g.as_str().to_string())
            .collect(),
        created: app.created_at.format("%B %-d, %Y").to_string(),
        form,
        new_secret,
        notice: notice
            .and_then(|n| {
                Some(match n.as_str() {
                    "created" => "The app is registered.",
                    "saved" => "Your changes are saved.",
                    "rotated" => {
                        "A new secret was made. The previous one keeps working for 24 hours."
                    }
                    "disabled" => {
                        "The app is disabled: it can no longer sign anyone in or get tokens."
                    }
                    "enabled" => "The app is enabled again.",
                    "sign_in_saved" => {
                        "The sign-in page is saved. Sign-ins to this app started from now on follow it."
                    }
                    _ => return None,
                })
            })
            .map(str::to_string),
        csrf_token: auth.csrf_token,
        sign_in,
    })
}

#[cfg(feature = "ssr")]
const SIGN_IN_FORM_KEY: &str = "portico.admin.app_sign_in_form";

/// The app's sign-in page as the form shows it.
#[cfg(feature = "ssr")]
async fn sign_in_view(
    req: &crate::ssr::Req,
    app: &portico_identity::oidc::apps::Application,
) -> Result<crate::views::AppSignInView, AppError> {
    use portico_identity::branding::Layout;
    let layer = req
        .engine
        .app_theme(req.tenant.tenant.id, app.id)
        .await
        .map_err(|e| req.store_error(e))?;
    let providers = req
        .engine
        .enabled_providers(&req.tenant.tenant)
        .await
        .map_err(|e| req.store_error(e))?;
    let methods = &app.sign_in;
    let color = |c: &Option<portico_identity::branding::Color>| {
        c.as_ref()
            .map(|c| c.as_str().to_string())
            .unwrap_or_default()
    };
    Ok(crate::views::AppSignInView {
        password: methods.password,
        passkey: methods.passkey,
        all_providers: methods.providers.is_none(),
        providers: providers
            .into_iter()
            .map(|p| {
                let on = methods.allows_provider(&p.slug);
                (p.slug, p.display_name, on)
            })
            .collect(),
        primary: color(&layer.primary),
        on_primary: color(&layer.on_primary),
        background: color(&layer.background),
        layout: match layer.layout {
            Some(Layout::Split) => "split",
            Some(Layout::Centered) => "centered",
            None => "",
        }
        .into(),
        logo: layer.logo.as_ref().map(|l| l.url()),
        problems: Vec::new(),
    })
}

/// Saves an app's sign-in page: which ways in it offers (refused for its flows when
/// left out) and its colours and layout over the tenant theme.
#[server(prefix = "/api", endpoint = "admin/app/sign-in")]
pub async fn admin_save_app_sign_in(
    #[server(default)] client_id: String,
    #[server(default)] csrf_token: String,
    #[server(default)] password: Option<String>,
    #[server(default)] passkey: Option<String>,
    #[server(default)] all_providers: Option<String>,
    #[server(default)] providers: Vec<String>,
    #[server(default)] primary: String,
    #[server(default)] on_primary: String,
    #[server(default)] background: String,
    #[server(default)] layout: String,
) -> Result<(), AppError> {
    use portico_identity::branding::{AppTheme, Color, Layout};
    use portico_identity::oidc::apps::SignInMethods;
    let req = crate::ssr::Req::get()?;
    let (auth, app) = app_for_change(&req, &client_id, &csrf_token).await?;
    let mut view = sign_in_view(&req, &app).await?;
    let known: Vec<String> = view.providers.iter().map(|(s, _, _)| s.clone()).collect();
    let mut problems = Vec::new();
    let chosen: Vec<String> = providers
        .iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    if let Some(unknown) = chosen.iter().find(|p| !known.contains(p)) {
        problems.push((
            "providers".to_string(),
            format!("{unknown} is not an enabled provider"),
        ));
    }
    let methods = SignInMethods {
        password: password.is_some(),
        passkey: passkey.is_some(),
        providers: if all_providers.is_some() {
            None
        } else {
            Some(chosen.clone())
        },
    };
    if let Err(message) = methods.check() {
        problems.push(("methods".to_string(), message.to_string()));
    }
    let mut color = |field: &str, value: &str| -> Option<Color> {
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        match Color::parse(value) {
            Ok(c) => Some(c),
            Err(_) => {
                problems.push((
                    field.to_string(),
                    "write a colour as #rrggbb, or leave it empty".into(),
                ));
                None
            }
        }
    };
    let layer = AppTheme {
        primary: color("primary", &primary),
        on_primary: color("on_primary", &on_primary),
        background: color("background", &background),
        layout: match layout.as_str() {
            "split" => Some(Layout::Split),
            "centered" => Some(Layout::Centered),
            "" => None,
            _ => {
                problems.push((
                    "layout".into(),
                    "choose the tenant's, centred or split".into(),
                ));
                None
            }
        },
        // The logo has its own form: this one keeps it.
        logo: req
            .engine
            .app_theme(req.tenant.tenant.id, app.id)
            .await
            .map_err(|e| req.store_error(e))?
            .logo,
    };
    if !problems.is_empty() {
        view.password = methods.password;
        view.passkey = methods.passkey;
        view.all_providers = methods.providers.is_none();
        for (slug, _, on) in &mut view.providers {
            *on = chosen.contains(slug);
        }
        view.primary = primary;
        view.on_primary = on_primary;
        view.background = background;
        view.layout = layout;
        view.problems = problems;
        req.session()?
            .insert(SIGN_IN_FORM_KEY, view)
            .await
            .map_err(|e| req.internal(&e))?;
        req.redirect(&format!("/admin/apps/{client_id}#sign-in"));
        return Ok(());
    }
    req.engine
        .save_app_sign_in_page(
            &req.tenant.tenant,
            auth.user_id,
            &req.client(),
            &app,
            &layer,
            &methods,
        )
        .await
        .map_err(|e| req.store_error(e))?;
    req.redirect(&format!(
        "/admin/apps/{client_id}?notice=sign_in_saved#sign-in"
    ));
    Ok(())
}

/// Gives an app's sign-in page its own logo (`/api/admin/app/sign-in/logo`, a
/// multipart form: `csrf_token`, `client_id`, then `file`). The image is checked like
/// the tenant's logo (type from its bytes, 512 KiB at most) and saved as a new version
/// of the app's layer.
#[server(
    prefix = "/api",
    endpoint = "admin/app/sign-in/logo",
    input = server_fn::codec::MultipartFormData
)]
pub async fn admin_upload_app_logo(data: server_fn::codec::MultipartData) -> Result<(), AppError> {
    use portico_identity::branding::assets::{AssetKind, UploadError};
    let req = crate::ssr::Req::get()?;
    let upload = crate::branding_api::read_upload(data, AssetKind::Logo.max_bytes()).await?;
    let (csrf, client_id) = (upload.field("csrf_token"), upload.field("client_id"));
    let (auth, app) = app_for_change(&req, &client_id, &csrf).await?;
    let (declared, bytes) = (upload.declared, upload.bytes);
    let tenant = &req.tenant.tenant;
    let client = req.client();
    let name = match req
        .engine
        .store_theme_asset(
            tenant,
            auth.user_id,
            &client,
            AssetKind::Logo,
            declared.as_deref(),
            &bytes,
        )
        .await
    {
        Ok(name) => name,
        Err(UploadError::Refused(why)) => {
            let mut view = sign_in_view(&req, &app).await?;
            view.problems.push(("logo".into(), why.to_string()));
            req.session()?
                .insert(SIGN_IN_FORM_KEY, view)
                .await
                .map_err(|e| req.internal(&e))?;
            req.redirect(&format!("/admin/apps/{client_id}#sign-in"));
            return Ok(());
        }
        Err(UploadError::Store(e)) => return Err(req.store_error(e)),
    };
    set_app_logo(&req, &auth, &app, Some(name)).await?;
    req.redirect(&format!(
        "/admin/apps/{client_id}?notice=sign_in_saved#sign-in"
    ));
    Ok(())
}

/// Takes an app's own logo away: its sign-in page shows the tenant's again.
#[server(prefix = "/api", endpoint = "admin/app/sign-in/logo/remove")]
pub async fn admin_remove_app_logo(
    #[server(default)] client_id: String,
    #[server(default)] csrf_token: String,
) -> Result<(), AppError> {
    let req = crate::ssr::Req::get()?;
    let (auth, app) = app_for_change(&req, &client_id, &csrf_token).await?;
    set_app_logo(&req, &auth, &app, None).await?;
    req.redirect(&format!(
        "/admin/apps/{client_id}?notice=sign_in_saved#sign-in"
    ));
    Ok(())
}

/// Saves the app's layer with `logo`, everything else as it was.
#[cfg(feature = "ssr")]
async fn set_app_logo(
    req: &crate::ssr::Req,
    auth: &portico_identity::sessions::AuthState,
    app: &portico_identity::oidc::apps::Application,
    logo: Option<portico_identity::branding::assets::AssetName>,
) -> Result<(), AppError> {
    let tenant = &req.tenant.tenant;
    let mut layer = req
        .engine
        .app_theme(tenant.id, app.id)
        .await
        .map_err(|e| req.store_error(e))?;
    layer.logo = logo;
    req.engine
        .save_app_sign_in_page(
            tenant,
            auth.user_id,
            &req.client(),
            app,
            &layer,
            &app.sign_in,
        )
        .await
        .map_err(|e| req.store_error(e))
}

/// Saves the settings form of an app.
#[server(prefix = "/api", endpoint = "admin/app/update")]
pub async fn admin_update_app(
    #[server(default)] client_id: String,
    #[server(default)] csrf_token: String,
    #[server(default)] name: String,
    #[server(default)] redirect_uris: String,
    #[server(default)] post_logout_redirect_uris: String,
    #[server(default)] scopes: String,
    #[server(default)] first_party: Option<String>,
    #[server(default)] access_token_seconds: String,
    #[server(default)] refresh_token_seconds: String,
    #[server(default)] id_token_alg: String,
) -> Result<(), AppError> {
    let req = crate::ssr::Req::get()?;
    let page = format!("/admin/apps/{client_id}");
    let (_, current) = app_for_change(&req, &client_id, &csrf_token).await?;
    let mut form = crate::views::AppFormView {
        name,
        kind: current.kind.as_str().into(),
        redirect_uris,
        post_logout_redirect_uris,
        scopes,
        first_party: first_party.is_some(),
        access_token_seconds,
        refresh_token_seconds,
        id_token_alg,
        problems: Vec::new(),
    };
    let new = match parse_form(&form) {
        Ok(mut n) => {
            // Grants and keys are not on the form: they stay.
            n.grant_types = Some(current.grant_types.clone());
            n.jwks = current.jwks.clone();
            n
        }
        Err(problems) => {
            form.problems = problems;
            keep_form(&req, form).await?;
            req.redirect(&page);
            return Ok(());
        }
    };
    match req
        .engine
        .update_app(&req.tenant.tenant, &req.client(), &client_id, &new)
        .await
        .map_err(|e| req.store_error(e))?
    {
        Some(Ok(_)) => req.redirect(&format!("{page}?notice=saved")),
        Some(Err(problems)) => {
            form.problems = problems
                .into_iter()
                .map(|p| (p.field.to_string(), p.message))
                .collect();
            keep_form(&req, form).await?;
            req.redirect(&page);
        }
        None => {
            return Err(AppError::Request(
                "there is no app with this client id".into(),
            ));
        }
    }
    Ok(())
}

/// Disables or enables an app, or rotates its secret (`action`: disable, enable,
/// rotate).
#[server(prefix = "/api", endpoint = "admin/app/action")]
pub async fn admin_app_action(
    #[server(default)] client_id: String,
    #[server(default)] csrf_token: String,
    #[server(default)] action: String,
) -> Result<(), AppError> {
    use portico_identity::oidc::apps::AppStatus;
    let req = crate::ssr::Req::get()?;
    let page = format!("/admin/apps/{client_id}");
    let auth = admin_gate(&req, &page).await?;
    if !crate::ssr::Req::check_session_csrf(&auth, &csrf_token) {
        return Err(AppError::Forbidden);
    }
    let tenant = &req.tenant.tenant;
    let notice = match action.as_str() {
        "disable" | "enable" => {
            let status = if action == "disable" {
                AppStatus::Disabled
            } else {
                AppStatus::Active
            };
            req.engine
                .set_app_status(tenant, &req.client(), &client_id, status)
                .await
                .map_err(|e| req.store_error(e))?;
            if action == "disable" {
                "disabled"
            } else {
                "enabled"
            }
        }
        "rotate" => {
            let secret = req
                .engine
                .rotate_app_secret(
                    tenant,
                    &req.client(),
                    &client_id,
                    chrono::Duration::hours(24),
                )
                .await
                .map_err(|e| req.store_error(e))?
                .ok_or_else(|| {
                    AppError::Request("only web and machine apps have secrets".into())
                })?;
            reveal_secret(&req, &auth, &client_id, &secret).await?;
            "rotated"
        }
        _ => return Err(AppError::Request("unknown action".into())),
    };
    req.redirect(&format!("{page}?notice={notice}"));
    Ok(())
}
