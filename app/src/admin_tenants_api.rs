//! Server functions of the admin console's tenants page (`/admin/tenants`): the
//! operator's view, so only on the default tenant and only for its admins (with two
//! factors). List the tenants with their hosts, create one, give one another host, set
//! its default language. Every change is a form post with the session's CSRF token;
//! problems come back per field for one view.

use leptos::prelude::*;

use crate::AppError;
use crate::views::AdminTenantsView;
#[cfg(feature = "ssr")]
use crate::views::TenantFormView;

#[cfg(feature = "ssr")]
const FORM_KEY: &str = "portico.admin.tenant_form";

/// The default tenant's admins; everyone else is turned away.
#[cfg(feature = "ssr")]
async fn tenants_gate(
    req: &crate::ssr::Req,
) -> Result<portico_identity::sessions::AuthState, AppError> {
    let auth = crate::admin_api::admin_gate(req, "/admin/tenants").await?;
    if !req.tenant.tenant.is_default {
        req.response.set_status(http::StatusCode::FORBIDDEN);
        return Err(AppError::NoAccess);
    }
    Ok(auth)
}

#[cfg(feature = "ssr")]
async fn keep_form(req: &crate::ssr::Req, form: TenantFormView) -> Result<(), AppError> {
    req.session()?
        .insert(FORM_KEY, form)
        .await
        .map_err(|e| req.internal(&e))?;
    req.redirect("/admin/tenants#create");
    Ok(())
}

/// `/admin/tenants`: every tenant with its hosts, and the form to create one.
#[server(prefix = "/api", endpoint = "admin/tenants")]
pub async fn admin_tenants(
    #[server(default)] notice: Option<String>,
) -> Result<AdminTenantsView, AppError> {
    use crate::views::TenantRow;
    let req = crate::ssr::Req::get()?;
    let auth = tenants_gate(&req).await?;
    let tenants = req.engine.tenants().await.map_err(|e| req.store_error(e))?;
    let form = req
        .session()?
        .remove::<TenantFormView>(FORM_KEY)
        .await
        .map_err(|e| req.internal(&e))?
        .unwrap_or_default();
    let notice = notice.and_then(|n| {
        Some(match n.as_str() {
            "created" => "Tenant created, with its signing keys and a default theme.",
            "host" => "Host added: the tenant answers on it now.",
            "language" => "Default language saved.",
            _ => return None,
        })
    });
    Ok(AdminTenantsView {
        admin_email: crate::admin_api::email_of(&req, &auth).await?,
        tenants: tenants
            .into_iter()
            .map(|t| TenantRow {
                slug: t.tenant.slug,
                name: t.tenant.display_name,
                base_url: t.tenant.base_url,
                hosts: t.hosts,
                is_default: t.tenant.is_default,
                language: t.tenant.policy.default_language.code().into(),
            })
            .collect(),
        form,
        notice: notice.map(str::to_string),
        csrf_token: auth.csrf_token,
    })
}

/// Creates a tenant: slug, display name, base URL, and more hosts (one per line).
#[server(prefix = "/api", endpoint = "admin/tenants/create")]
pub async fn admin_create_tenant(
    #[server(default)] csrf_token: String,
    #[server(default)] slug: String,
    #[server(default)] display_name: String,
    #[server(default)] base_url: String,
    #[server(default)] hosts: String,
) -> Result<(), AppError> {
    use portico_identity::tenants::{CreateTenantError, NewTenant};
    let req = crate::ssr::Req::get()?;
    let auth = tenants_gate(&req).await?;
    if !crate::ssr::Req::check_session_csrf(&auth, &csrf_token) {
        return Err(AppError::Forbidden);
    }
    let new = NewTenant {
        slug: slug.clone(),
        display_name: display_name.clone(),
        base_url: base_url.clone(),
        hosts: hosts.split_whitespace().map(str::to_string).collect(),
    };
    match req.engine.create_tenant(&req.client(), &new).await {
        Ok(_) => {
            req.redirect("/admin/tenants?notice=created");
            Ok(())
        }
        Err(CreateTenantError::Invalid(problems)) => {
            let form = TenantFormView {
                slug,
                display_name,
                base_url,
                hosts,
                problems: problems
                    .into_iter()
                    .map(|p| (p.field.to_string(), p.message))
                    .collect(),
            };
            keep_form(&req, form).await
        }
        Err(CreateTenantError::Store(e)) => Err(req.store_error(e)),
    }
}

/// Makes a tenant answer on one more host.
#[server(prefix = "/api", endpoint = "admin/tenants/host")]
pub async fn admin_add_tenant_host(
    #[server(default)] csrf_token: String,
    #[server(default)] slug: String,
    #[server(default)] host: String,
) -> Result<(), AppError> {
    use portico_identity::tenants::CreateTenantError;
    let req = crate::ssr::Req::get()?;
    let auth = tenants_gate(&req).await?;
    if !crate::ssr::Req::check_session_csrf(&auth, &csrf_token) {
        return Err(AppError::Forbidden);
    }
    let tenant = tenant_by_slug(&req, &slug).await?;
    match req
        .engine
        .add_tenant_host(&req.client(), &tenant, &host)
        .await
    {
        Ok(()) => {
            req.redirect("/admin/tenants?notice=host");
            Ok(())
        }
        Err(CreateTenantError::Invalid(problems)) => {
            let form = TenantFormView {
                problems: problems
                    .into_iter()
                    .map(|p| (format!("{slug} {}", p.field), p.message))
                    .collect(),
                ..Default::default()
            };
            keep_form(&req, form).await
        }
        Err(CreateTenantError::Store(e)) => Err(req.store_error(e)),
    }
}

/// Sets the language a tenant's pages use when neither the customer nor the browser
/// names one Portico speaks.
#[server(prefix = "/api", endpoint = "admin/tenants/language")]
pub async fn admin_set_tenant_language(
    #[server(default)] csrf_token: String,
    #[server(default)] slug: String,
    #[server(default)] language: String,
) -> Result<(), AppError> {
    let req = crate::ssr::Req::get()?;
    let auth = tenants_gate(&req).await?;
    if !crate::ssr::Req::check_session_csrf(&auth, &csrf_token) {
        return Err(AppError::Forbidden);
    }
    let language = portico_identity::i18n::Language::parse(&language)
        .ok_or_else(|| AppError::Request("language: not a language Portico speaks".into()))?;
    let tenant = tenant_by_slug(&req, &slug).await?;
    req.engine
        .set_tenant_language(auth.user_id, &req.client(), &tenant, language)
        .await
        .map_err(|e| req.store_error(e))?;
    req.redirect("/admin/tenants?notice=language");
    Ok(())
}

#[cfg(feature = "ssr")]
async fn tenant_by_slug(
    req: &crate::ssr::Req,
    slug: &str,
) -> Result<portico_identity::tenants::Tenant, AppError> {
    req.engine
        .tenants()
        .await
        .map_err(|e| req.store_error(e))?
        .into_iter()
        .map(|t| t.tenant)
        .find(|t| t.slug == slug)
        .ok_or_else(|| AppError::Request("slug: there is no tenant with this slug".into()))
}
