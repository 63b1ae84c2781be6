//! Server functions of the admin console's sign-in providers page
//! (`/admin/providers`): list, add, enable or disable, remove. Same rules as the app
//! pages: admins with two factors only, every change a form post with the session's
//! CSRF token, problems per field kept in the session for one view — without the
//! secrets, which are never kept anywhere but sealed in the provider's row.

// Server functions take a form's fields as arguments.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use crate::AppError;
use crate::views::AdminProvidersView;
#[cfg(feature = "ssr")]
use crate::views::ProviderFormView;

#[cfg(feature = "ssr")]
const FORM_KEY: &str = "portico.admin.provider_form";

/// `/admin/providers`: the tenant's providers and the form to add one.
#[server(prefix = "/api", endpoint = "admin/providers")]
pub async fn admin_providers(
    #[server(default)] notice: Option<String>,
) -> Result<AdminProvidersView, AppError> {
    use crate::views::AdminProviderRow;
    let req = crate::ssr::Req::get()?;
    let auth = crate::admin_api::admin_gate(&req, "/admin/providers").await?;
    let tenant = &req.tenant.tenant;
    let providers = req
        .engine
        .providers(tenant)
        .await
        .map_err(|e| req.store_error(e))?;
    let form = req
        .session()?
        .remove::<ProviderFormView>(FORM_KEY)
        .await
        .map_err(|e| req.internal(&e))?
        .unwrap_or(ProviderFormView {
            kind: "google".into(),
            ..ProviderFormView::default()
        });
    let notice = notice.and_then(|n| {
        Some(match n.as_str() {
            "added" => "Provider added. Register its callback URL at the provider.",
            "enabled" => "Provider enabled: its button is on the sign-in page.",
            "disabled" => "Provider disabled: its button is gone, its links stay.",
            "removed" => "Provider removed, with every account link it made.",
            "secret" => "Client secret replaced. Account links are unchanged.",
            _ => return None,
        })
    });
    Ok(AdminProvidersView {
        admin_email: crate::admin_api::email_of(&req, &auth).await?,
        providers: providers
            .iter()
            .map(|p| AdminProviderRow {
                slug: p.slug.clone(),
                name: p.display_name.clone(),
                kind: p
                    .preset
                    .map(|x| x.display_name().to_string())
                    .unwrap_or_else(|| match p.kind {
                        portico_identity::federation::ProviderKind::Oidc => "OpenID Connect".into(),
                        portico_identity::federation::ProviderKind::OAuth2 => "OAuth 2.0".into(),
                    }),
                brand: p.brand().to_string(),
                enabled: p.enabled,
                callback: portico_identity::Engine::federation_redirect_uri(tenant, &p.slug),
            })
            .collect(),
        form,
        notice: notice.map(str::to_string),
        csrf_token: auth.csrf_token,
    })
}

/// Adds a provider from the console's form.
#[server(prefix = "/api", endpoint = "admin/providers/add")]
pub async fn admin_add_provider(
    #[server(default)] csrf_token: String,
    #[server(default)] kind: String,
    #[server(default)] slug: String,
    #[server(default)] display_name: String,
    #[server(default)] client_id: String,
    #[server(default)] client_secret: String,
    #[server(default)] discovery_url: String,
    #[server(default)] authorize_url: String,
    #[server(default)] token_url: String,
    #[server(default)] userinfo_url: String,
    #[server(default)] scopes: String,
    #[server(default)] claims: String,
    #[server(default)] untrusted_email: Option<String>,
    #[server(default)] apple_team_id: String,
    #[server(default)] apple_key_id: String,
    #[server(default)] apple_private_key: String,
) -> Result<(), AppError> {
    use portico_identity::federation::{NewProvider, ProviderError};
    let req = crate::ssr::Req::get()?;
    let auth = crate::admin_api::admin_gate(&req, "/admin/providers").await?;
    if !crate::ssr::Req::check_session_csrf(&auth, &csrf_token) {
        return Err(AppError::Forbidden);
    }
    let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let new = NewProvider {
        slug: slug.clone(),
        display_name: some(&display_name),
        kind: kind.clone(),
        discovery_url: some(&discovery_url),
        issuer: None,
        authorize_url: some(&authorize_url),
        token_url: some(&token_url),
        userinfo_url: some(&userinfo_url),
        jwks_uri: None,
        client_id: client_id.clone(),
        client_secret: some(&client_secret),
        scopes: some(&scopes),
        claims: some(&claims),
        trust_email: untrusted_email.is_some().then_some(false),
        form_post: None,
        apple_team_id: some(&apple_team_id),
        apple_key_id: some(&apple_key_id),
        apple_private_key: some(&apple_private_key),
        enabled: true,
    };
    let problems: Vec<(String, String)> = match req
        .engine
        .add_provider(&req.tenant.tenant, Some(auth.user_id), &req.client(), &new)
        .await
    {
        Ok(_) => {
            req.redirect("/admin/providers?notice=added");
            return Ok(());
        }
        Err(ProviderError::Invalid(problems)) => problems
            .into_iter()
            .map(|p| (p.field.to_string(), p.message))
            .collect(),
        Err(ProviderError::NoMasterKey) => vec![(
            "client_secret".into(),
            "cannot be stored: the server has no master key (secrets.master_key)".into(),
        )],
        Err(ProviderError::Store(e)) => return Err(req.store_error(e)),
    };
    // Kept for one view — without the secret or the key.
    let form = ProviderFormView {
        kind,
        slug,
        display_name,
        client_id,
        discovery_url,
        authorize_url,
        token_url,
        userinfo_url,
        scopes,
        claims,
        untrusted_email: untrusted_email.is_some(),
        apple_team_id,
        apple_key_id,
        problems,
    };
    req.session()?
        .insert(FORM_KEY, form)
        .await
        .map_err(|e| req.internal(&e))?;
    req.redirect("/admin/providers#add");
    Ok(())
}

/// Replaces a provider's client secret (after rotating it at the provider); its
/// account links stay.
#[server(prefix = "/api", endpoint = "admin/providers/secret")]
pub async fn admin_replace_provider_secret(
    #[server(default)] csrf_token: String,
    #[server(default)] slug: String,
    #[server(default)] client_secret: String,
) -> Result<(), AppError> {
    use portico_identity::federation::{NewProvider, ProviderError};
    let req = crate::ssr::Req::get()?;
    let auth = crate::admin_api::admin_gate(&req, "/admin/providers").await?;
    if !crate::ssr::Req::check_session_csrf(&auth, &csrf_token) {
        return Err(AppError::Forbidden);
    }
    let secret = client_secret.trim();
    if secret.is_empty() {
        return Err(AppError::Request(
            "client_secret: enter the new secret".into(),
        ));
    }
    let changes = NewProvider {
        client_secret: Some(secret.to_string()),
        ..NewProvider::default()
    };
    match req
        .engine
        .update_provider(
            &req.tenant.tenant,
            Some(auth.user_id),
            &req.client(),
            &slug,
            &changes,
        )
        .await
    {
        Ok(Some(_)) => {
            req.redirect("/admin/providers?notice=secret");
            Ok(())
        }
        Ok(None) => Err(AppError::Request(format!("no provider {slug:?}"))),
        Err(ProviderError::Invalid(problems)) => Err(AppError::Request(
            problems
                .iter()
                .map(|p| format!("{}: {}", p.field, p.message))
                .collect::<Vec<_>>()
                .join("; "),
        )),
        Err(ProviderError::NoMasterKey) => Err(AppError::Request(
            "client_secret: cannot be stored without the server's master key".into(),
        )),
        Err(ProviderError::Store(e)) => Err(req.store_error(e)),
    }
}

/// Enables, disables or removes a provider (`action`: enable, disable, remove).
#[server(prefix = "/api", endpoint = "admin/providers/action")]
pub async fn admin_provider_action(
    #[server(default)] csrf_token: String,
    #[server(default)] slug: String,
    #[server(default)] action: String,
) -> Result<(), AppError> {
    let req = crate::ssr::Req::get()?;
    let auth = crate::admin_api::admin_gate(&req, "/admin/providers").await?;
    if !crate::ssr::Req::check_session_csrf(&auth, &csrf_token) {
        return Err(AppError::Forbidden);
    }
    let tenant = &req.tenant.tenant;
    let client = req.client();
    let found = match action.as_str() {
        "enable" | "disable" => req
            .engine
            .set_provider_enabled(
                tenant,
                Some(auth.user_id),
                &client,
                &slug,
                action == "enable",
            )
            .await
            .map_err(|e| req.store_error(e))?,
        "remove" => req
            .engine
            .remove_provider(tenant, Some(auth.user_id), &client, &slug)
            .await
            .map_err(|e| req.store_error(e))?
            .is_some(),
        _ => return Err(AppError::Request("unknown action".into())),
    };
    if !found {
        return Err(AppError::Request(format!("no provider {slug:?}")));
    }
    let notice = match action.as_str() {
        "enable" => "enabled",
        "disable" => "disabled",
        _ => "removed",
    };
    req.redirect(&format!("/admin/providers?notice={notice}"));
    Ok(())
}
