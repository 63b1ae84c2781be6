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
fn tokens_view(
    t: &portico_identity::branding::ThemeTokens,
    copy_lang: portico_identity::i18n::Language,
) -> crate::views::ThemeFormView {
    use portico_identity::branding::{COPY_KEYS, Layout};
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
        layout: if t.layout == Layout::Split {
            "split"
        } else {
            "centered"
        }
        .into(),
        terms_url: t.terms_url.clone().unwrap_or_default(),
        privacy_url: t.privacy_url.clone().unwrap_or_default(),
        custom_css: t.custom_css.clone(),
        copy_lang: copy_lang.code().into(),
        copy: COPY_KEYS
            .iter()
            .map(|(key, _)| {
                (
                    key.to_string(),
                    t.copy_text(copy_lang, key).unwrap_or_default().to_string(),
                )
            })
            .collect(),
        logo: t.logo.as_ref().map(|a| a.url()),
        favicon: t.favicon.as_ref().map(|a| a.url()),
        side_image: t.side_image.as_ref().map(|a| a.url()),
        problems: Vec::new(),
    }
}

/// The tokens the editor works on: the draft, else the published theme.
#[cfg(feature = "ssr")]
async fn editing_tokens(
    req: &crate::ssr::Req,
) -> Result<portico_identity::branding::ThemeTokens, AppError> {
    let versions = req
        .engine
        .theme_versions(&req.tenant.tenant)
        .await
        .map_err(|e| req.store_error(e))?;
    Ok(versions
        .iter()
        .find(|v| v.status == "draft")
        .or_else(|| versions.iter().find(|v| v.status == "published"))
        .map(|v| v.tokens.clone())
        .unwrap_or_default())
}

/// Keeps a failed form's fields and problems for the next view of the editor.
#[cfg(feature = "ssr")]
async fn keep_form(
    req: &crate::ssr::Req,
    form: crate::views::ThemeFormView,
    anchor: &str,
) -> Result<(), AppError> {
    req.session()?
        .insert(FORM_KEY, form)
        .await
        .map_err(|e| req.internal(&e))?;
    req.redirect(&format!("/admin/branding#{anchor}"));
    Ok(())
}

/// `/admin/branding`: the theme being edited (the draft, else the published one), the
/// version history, and the notice of the last action.
#[server(prefix = "/api", endpoint = "admin/branding")]
pub async fn admin_branding(
    #[server(default)] notice: Option<String>,
    #[server(default)] lang: Option<String>,
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
    let copy_lang = lang
        .as_deref()
        .and_then(portico_identity::i18n::Language::parse)
        .unwrap_or_default();
    let form = kept.unwrap_or_else(|| {
        editing
            .map(|v| tokens_view(&v.tokens, copy_lang))
            .unwrap_or_else(|| tokens_view(&Default::default(), copy_lang))
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
            "uploaded" => "Image uploaded to the draft. Publish to show it to customers.",
            "removed" => "Image removed from the draft.",
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
    #[server(default)] layout: String,
    #[server(default)] terms_url: String,
    #[server(default)] privacy_url: String,
    #[server(default)] custom_css: String,
    #[server(default)] copy_lang: String,
    #[server(default)] copy_login_title: String,
    #[server(default)] copy_login_subtitle: String,
    #[server(default)] copy_login_submit: String,
    #[server(default)] copy_register_title: String,
    #[server(default)] copy_register_subtitle: String,
    #[server(default)] copy_register_submit: String,
    #[server(default)] copy_recovery_title: String,
    #[server(default)] copy_recovery_subtitle: String,
    #[server(default)] copy_footer_terms: String,
    #[server(default)] copy_footer_privacy: String,
    #[server(default)] intent: String,
) -> Result<(), AppError> {
    use portico_identity::branding::{Color, FontFamily, Layout, check_copy, check_link, css};
    use portico_identity::i18n::Language;
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
        layout,
        terms_url,
        privacy_url,
        custom_css,
        copy_lang,
        copy: [
            ("login.title", copy_login_title),
            ("login.subtitle", copy_login_subtitle),
            ("login.submit", copy_login_submit),
            ("register.title", copy_register_title),
            ("register.subtitle", copy_register_subtitle),
            ("register.submit", copy_register_submit),
            ("recovery.title", copy_recovery_title),
            ("recovery.subtitle", copy_recovery_subtitle),
            ("footer.terms", copy_footer_terms),
            ("footer.privacy", copy_footer_privacy),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect(),
        logo: None,
        favicon: None,
        side_image: None,
        problems: Vec::new(),
    };
    let mut tokens = editing_tokens(&req).await?;
    form.logo = tokens.logo.as_ref().map(|a| a.url());
    form.favicon = tokens.favicon.as_ref().map(|a| a.url());
    form.side_image = tokens.side_image.as_ref().map(|a| a.url());
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
    let layout = match form.layout.as_str() {
        "split" => Some(Layout::Split),
        "centered" | "" => Some(Layout::Centered),
        _ => {
            problems.push(("layout".into(), "choose centred or split".into()));
            None
        }
    };
    let mut link = |field: &str, value: &str| match check_link(value) {
        Ok(l) => Some(l),
        Err(message) => {
            problems.push((field.to_string(), message));
            None
        }
    };
    let terms = link("terms_url", &form.terms_url);
    let privacy = link("privacy_url", &form.privacy_url);
    let custom = match css::sanitise(&form.custom_css) {
        Ok(_) => Some(form.custom_css.trim().to_string()),
        Err(p) => {
            problems.push(("custom_css".into(), p.to_string()));
            None
        }
    };
    let copy_lang = Language::parse(&form.copy_lang).unwrap_or_default();
    let mut texts = std::collections::BTreeMap::new();
    for (key, text) in &form.copy {
        match check_copy(key, text) {
            Ok(t) if t.is_empty() => {}
            Ok(t) => {
                texts.insert(key.clone(), t);
            }
            Err(message) => problems.push((format!("copy_{}", key.replace('.', "_")), message)),
        }
    }
    let tokens = match (colors, radius, font, layout, terms, privacy, custom) {
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
            Some(layout),
            Some(terms_url),
            Some(privacy_url),
            Some(custom_css),
        ) if problems.is_empty() => {
            tokens.primary = primary;
            tokens.on_primary = on_primary;
            tokens.background = background;
            tokens.surface = surface;
            tokens.text = text;
            tokens.muted = muted;
            tokens.border = border;
            tokens.error = error;
            tokens.success = success;
            tokens.radius_px = radius_px;
            tokens.font = font;
            tokens.layout = layout;
            tokens.terms_url = terms_url;
            tokens.privacy_url = privacy_url;
            tokens.custom_css = custom_css;
            if texts.is_empty() {
                tokens.copy.remove(&copy_lang);
            } else {
                tokens.copy.insert(copy_lang, texts);
            }
            tokens
        }
        _ => {
            form.problems = problems;
            return keep_form(&req, form, "editor").await;
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

/// A multipart image upload as read: its text fields and its one file (the declared
/// type, and at most `max_bytes + 1` bytes, so a larger file is seen as too large
/// without being read whole).
#[cfg(feature = "ssr")]
pub(crate) struct Upload {
    fields: std::collections::HashMap<String, String>,
    pub declared: Option<String>,
    pub bytes: Vec<u8>,
}

#[cfg(feature = "ssr")]
impl Upload {
    /// A text field's value, empty when absent.
    pub fn field(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }
}

/// Reads a multipart form with one `file` field (the image upload forms).
#[cfg(feature = "ssr")]
pub(crate) async fn read_upload(
    data: server_fn::codec::MultipartData,
    max_bytes: usize,
) -> Result<Upload, AppError> {
    let mut parts = data
        .into_inner()
        .ok_or_else(|| AppError::Request("file: send the form as multipart/form-data".into()))?;
    let bad = |_| AppError::Request("file: the upload could not be read".into());
    let cap = max_bytes + 1;
    let mut upload = Upload {
        fields: Default::default(),
        declared: None,
        bytes: Vec::new(),
    };
    while let Some(mut field) = parts.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            upload.declared = field.content_type().map(|m| m.essence_str().to_string());
            while let Some(chunk) = field.chunk().await.map_err(bad)? {
                let room = cap.saturating_sub(upload.bytes.len());
                upload
                    .bytes
                    .extend_from_slice(&chunk[..chunk.len().min(room)]);
                if upload.bytes.len() >= cap {
                    break;
                }
            }
        } else if !name.is_empty() && upload.fields.len() < 16 {
            let value = field.text().await.map_err(bad)?;
            upload.fields.insert(name, value);
        }
    }
    Ok(upload)
}

/// Uploads the logo, the favicon or the split layout's picture into the draft: a
/// multipart form (`csrf_token`, `kind`, then `file`). The file is read at most to the
/// largest size any kind allows; its type comes from its bytes.
#[server(
    prefix = "/api",
    endpoint = "admin/branding/asset",
    input = server_fn::codec::MultipartFormData
)]
pub async fn admin_upload_theme_asset(
    data: server_fn::codec::MultipartData,
) -> Result<(), AppError> {
    use portico_identity::branding::assets::{AssetKind, UploadError};
    let req = crate::ssr::Req::get()?;
    let (auth, _) = branding_gate(&req).await?;
    let upload = read_upload(data, AssetKind::SideImage.max_bytes()).await?;
    let (csrf, kind) = (upload.field("csrf_token"), upload.field("kind"));
    if !crate::ssr::Req::check_session_csrf(&auth, &csrf) {
        return Err(AppError::Forbidden);
    }
    let kind = AssetKind::parse(&kind)
        .ok_or_else(|| AppError::Request("kind: choose logo, favicon or side_image".into()))?;
    let (declared, bytes) = (upload.declared, upload.bytes);
    let tenant = &req.tenant.tenant;
    let client = req.client();
    let mut tokens = editing_tokens(&req).await?;
    let name = match req
        .engine
        .store_theme_asset(
            tenant,
            auth.user_id,
            &client,
            kind,
            declared.as_deref(),
            &bytes,
        )
        .await
    {
        Ok(name) => name,
        Err(UploadError::Refused(why)) => {
            let mut form = tokens_view(&tokens, Default::default());
            form.problems
                .push((kind.field().to_string(), why.to_string()));
            return keep_form(&req, form, "images").await;
        }
        Err(UploadError::Store(e)) => return Err(req.store_error(e)),
    };
    let slot = match kind {
        AssetKind::Logo => &mut tokens.logo,
        AssetKind::Favicon => &mut tokens.favicon,
        AssetKind::SideImage => &mut tokens.side_image,
    };
    *slot = Some(name);
    req.engine
        .save_theme_draft(tenant, auth.user_id, &client, &tokens)
        .await
        .map_err(|e| req.store_error(e))?;
    req.redirect("/admin/branding?notice=uploaded#images");
    Ok(())
}

/// Takes the logo, the favicon or the split layout's picture out of the draft.
#[server(prefix = "/api", endpoint = "admin/branding/asset/remove")]
pub async fn admin_remove_theme_asset(
    #[server(default)] csrf_token: String,
    #[server(default)] kind: String,
) -> Result<(), AppError> {
    use portico_identity::branding::assets::AssetKind;
    let req = crate::ssr::Req::get()?;
    let (auth, _) = branding_gate(&req).await?;
    if !crate::ssr::Req::check_session_csrf(&auth, &csrf_token) {
        return Err(AppError::Forbidden);
    }
    let kind = AssetKind::parse(&kind)
        .ok_or_else(|| AppError::Request("kind: choose logo, favicon or side_image".into()))?;
    let mut tokens = editing_tokens(&req).await?;
    match kind {
        AssetKind::Logo => tokens.logo = None,
        AssetKind::Favicon => tokens.favicon = None,
        AssetKind::SideImage => tokens.side_image = None,
    }
    req.engine
        .save_theme_draft(&req.tenant.tenant, auth.user_id, &req.client(), &tokens)
        .await
        .map_err(|e| req.store_error(e))?;
    req.redirect("/admin/branding?notice=removed#images");
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
