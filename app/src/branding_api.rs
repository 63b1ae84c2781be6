//! Server functions of the theme editor (`/admin/branding`): for brand managers and
//! admins of the tenant, signed in with two factors. Save a draft (customers see
//! nothing), publish it, or roll back to an earlier published version. Plain form posts
//! with the session's CSRF token; problems come back per field for one view.

// Server functions take a form's fields as arguments.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use crate::AppError;
use crate::views::BrandingView;

#[cfg(feature = "ssr")]
const FORM_KEY: &str = "portico.admin.theme_form";

/// Brand managers and admins, with two factors; everyone else is sent away.
#[cfg(feature = "ssr")]
async fn branding_gate(
    req: &crate::ssr::Req,
) -> Result<(portico_identity::sessions::AuthState, bool), AppError> {
    use portico_identity::accounts::Role;
    let Some(auth) = req.auth().await? else {
        req.redirect("/login?return_to=%2Fadmin%2Fbranding");
        return Err(AppError::Unauthorized);
    };
    let roles = req
        .engine
        .roles(auth.tenant_id, auth.user_id)
        .await
        .map_err(|e| req.store_error(e))?;
    let admin = roles.contains(&Role::Admin);
    if !admin && !roles.contains(&Role::BrandManager) {
        req.response.set_status(http::StatusCode::FORBIDDEN);
        return Err(AppError::NoAccess);
    }
    if auth.aal < 2 {
        return Err(AppError::Request(
            "the admin console needs a sign-in with two factors: sign out and sign in again".into(),
        ));
    }
    Ok((auth, admin))
}

#[cfg(feature = "ssr")]
fn tokens_view(t: &portico_identity::branding::ThemeTokens) -> crate::views::ThemeFormView {
    crate::views::ThemeFormView {
        primary: t.primary.as_str().into(),
        on_primary: t.on_primary.as_str().into(),
        background: t.background.as_str().into(),
        surface: t.surface.as_str().into(),
        text: t.text.as_str().into(),
        muted: t.muted.as_str().into(),
        border: t.border.as_str().into(),
        error: t.error.as_str().into(),
        success: t.success.as_str().into(),
        radius: t.radius_px.to_string(),
        font: serde_json::to_value(t.font)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| "system".into()),
        problems: Vec::new(),
    }
}

/// `/admin/branding`: the theme being edited (the draft, else the published one), the
/// version history, and the notice of the last action.
#[server(prefix = "/api", endpoint = "admin/branding")]
pub async fn admin_branding(
    #[server(default)] notice: Option<String>,
) -> Result<BrandingView, AppError> {
    use crate::views::ThemeVersionRow;
    let req = crate::ssr::Req::get()?;
    let (auth, admin) = branding_gate(&req).await?;
    let tenant = &req.tenant.tenant;
    let versions = req
        .engine
        .theme_versions(tenant)
        .await
        .map_err(|e| req.store_error(e))?;
    let kept = req
        .session()?
        .remove::<crate::views::ThemeFormView>(FORM_KEY)
        .await
        .map_err(|e| req.internal(&e))?;
    let editing = versions
        .iter()
        .find(|v| v.status == "draft")
        .or_else(|| versions.iter().find(|v| v.status == "published"));
    let form = kept.unwrap_or_else(|| {
        editing
            .map(|v| tokens_view(&v.tokens))
            .unwrap_or_else(|| tokens_view(&Default::default()))
    });
    let mut rows = Vec::new();
    for v in &versions {
        let by = match v.created_by {
            Some(user) => req
                .engine
                .account_summary(tenant.id, user)
                .await
                .map_err(|e| req.store_error(e))?
                .map(|a| a.email),
            None => None,
        };
        rows.push(ThemeVersionRow {
            id: v.id.to_string(),
            number: v.version,
            status: v.status.clone(),
            by: by.unwrap_or_else(|| "set-up".into()),
            at: v
                .published_at
                .unwrap_or(v.created_at)
                .format("%b %-d, %Y, %H:%M UTC")
                .to_string(),
            primary: v.tokens.primary.as_str().into(),
        });
    }
    let notice = notice.and_then(|n| {
        Some(match n.as_str() {
            "draft" => "Draft saved. Customers still see the published theme.",
            "published" => "Published. Every page shows the new theme now.",
            "rolled_back" => "Rolled back. Every page shows that version again.",
            _ => return None,
        })
    });
    Ok(BrandingView {
        admin_email: crate::admin_api::email_of(&req, &auth).await?,
        is_admin: admin,
        brand: tenant.display_name.clone(),
        has_draft: versions.iter().any(|v| v.status == "draft"),
        form,
        versions: rows,
        notice: notice.map(str::to_string),
        csrf_token: auth.csrf_token,
    })
}

/// Saves the editor's tokens as the draft, and publishes them with `intent=publish`.
#[server(prefix = "/api", endpoint = "admin/branding/save")]
pub async fn admin_save_theme(
    #[server(default)] csrf_token: String,
    #[server(default)] primary: String,
    #[server(default)] on_primary: String,
    #[server(default)] background: String,
    #[server(default)] surface: String,
    #[server(default)] text: String,
    #[server(default)] muted: String,
    #[server(default)] border: String,
    #[server(default)] error: String,
    #[server(default)] success: String,
    #[server(default)] radius: String,
    #[server(default)] font: String,
    #[server(default)] intent: String,
) -> Result<(), AppError> {
    use portico_identity::branding::{Color, FontFamily, ThemeTokens};
    let req = crate::ssr::Req::get()?;
    let (auth, _) = branding_gate(&req).await?;
    if !crate::ssr::Req::check_session_csrf(&auth, &csrf_token) {
        return Err(AppError::Forbidden);
    }
    let mut form = crate::views::ThemeFormView {
        primary,
        on_primary,
        background,
        surface,
        text,
        muted,
        border,
        error,
        success,
        radius,
        font,
        problems: Vec::new(),
    };
    let mut problems = Vec::new();
    let mut color = |field: &str, value: &str| match Color::parse(value) {
        Ok(c) => Some(c),
        Err(_) => {
            problems.push((
                field.to_string(),
                "choose a colour written as #rrggbb".to_string(),
            ));
            None
        }
    };
    let colors = [
        color("primary", &form.primary),
        color("on_primary", &form.on_primary),
        color("background", &form.background),
        color("surface", &form.surface),
        color("text", &form.text),
        color("muted", &form.muted),
        color("border", &form.border),
        color("error", &form.error),
        color("success", &form.success),
    ];
    let radius = match form.radius.trim().parse::<u8>() {
        Ok(r) if r <= 24 => Some(r),
        _ => {
            problems.push(("radius".into(), "enter a whole number from 0 to 24".into()));
            None
        }
    };
    let font = match serde_json::from_value::<FontFamily>(serde_json::Value::String(
        form.font.trim().to_string(),
    )) {
        Ok(f) => Some(f),
        Err(_) => {
            problems.push(("font".into(), "choose one of the listed fonts".into()));
            None
        }
    };
    let tokens = match (colors, radius, font) {
        (
            [
                Some(primary),
                Some(on_primary),
                Some(background),
                Some(surface),
                Some(text),
                Some(muted),
                Some(border),
                Some(error),
                Some(success),
            ],
            Some(radius_px),
            Some(font),
        ) => ThemeTokens {
            primary,
            on_primary,
            background,
            surface,
            text,
            muted,
            border,
            error,
            success,
            radius_px,
            font,
        },
        _ => {
            form.problems = problems;
            req.session()?
                .insert(FORM_KEY, form)
                .await
                .map_err(|e| req.internal(&e))?;
            req.redirect("/admin/branding#editor");
            return Ok(());
        }
    };
    let tenant = &req.tenant.tenant;
    let client = req.client();
    let draft = req
        .engine
        .save_theme_draft(tenant, auth.user_id, &client, &tokens)
        .await
        .map_err(|e| req.store_error(e))?;
    if intent == "publish" {
        req.engine
            .publish_theme_version(tenant, auth.user_id, &client, draft)
            .await
            .map_err(|e| AppError::Request(e.to_string()))?;
        req.redirect("/admin/branding?notice=published");
    } else {
        req.redirect("/admin/branding?notice=draft");
    }
    Ok(())
}

/// Publishes an earlier version again (a rollback), or the draft.
#[server(prefix = "/api", endpoint = "admin/branding/publish")]
pub async fn admin_publish_theme(
    #[server(default)] csrf_token: String,
    #[server(default)] version: String,
) -> Result<(), AppError> {
    let req = crate::ssr::Req::get()?;
    let (auth, _) = branding_gate(&req).await?;
    if !crate::ssr::Req::check_session_csrf(&auth, &csrf_token) {
        return Err(AppError::Forbidden);
    }
    let id = version
        .parse::<uuid::Uuid>()
        .map_err(|_| AppError::Request("version: not a version of this theme".into()))?;
    let versions = req
        .engine
        .theme_versions(&req.tenant.tenant)
        .await
        .map_err(|e| req.store_error(e))?;
    let was_draft = versions.iter().any(|v| v.id == id && v.status == "draft");
    req.engine
        .publish_theme_version(&req.tenant.tenant, auth.user_id, &req.client(), id)
        .await
        .map_err(|e| match e {
            portico_identity::branding::ThemeChangeError::NotFound => {
                AppError::Request("version: not an unpublished version of this theme".into())
            }
            portico_identity::branding::ThemeChangeError::Store(e) => req.store_error(e),
        })?;
    req.redirect(if was_draft {
        "/admin/branding?notice=published"
    } else {
        "/admin/branding?notice=rolled_back"
    });
    Ok(())
}
