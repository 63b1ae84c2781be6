//! Queries for the app registry.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    sea_query::{Condition, Expr},
};
use uuid::Uuid;

use super::StoreError;
use super::entities::{app_redirect_uris, app_secrets, applications};
use crate::TenantId;
use crate::oidc::apps::{AppKind, AppStatus, Application, GrantType, SigningAlg};

const LOGIN: &str = "login";
const LOGOUT: &str = "logout";

fn corrupt(what: &'static str) -> StoreError {
    StoreError::Corrupt { what }
}

async fn load(
    db: &impl ConnectionTrait,
    m: applications::Model,
) -> Result<Application, StoreError> {
    let uris = app_redirect_uris::Entity::find()
        .filter(app_redirect_uris::Column::AppId.eq(m.id))
        .order_by_asc(app_redirect_uris::Column::Id)
        .all(db)
        .await?;
    let of = |purpose: &str| {
        uris.iter()
            .filter(|u| u.purpose == purpose)
            .map(|u| u.uri.clone())
            .collect::<Vec<_>>()
    };
    let grant_names: Vec<String> =
        serde_json::from_str(&m.grant_types).map_err(|_| corrupt("app grant types"))?;
    Ok(Application {
        id: m.id,
        tenant_id: TenantId(m.tenant_id),
        client_id: m.client_id,
        name: m.name,
        kind: AppKind::parse(&m.kind).ok_or(corrupt("app kind"))?,
        status: if m.status == "disabled" {
            AppStatus::Disabled
        } else {
            AppStatus::Active
        },
        first_party: m.first_party,
        grant_types: grant_names
            .iter()
            .map(|g| GrantType::parse(g).ok_or(corrupt("app grant type")))
            .collect::<Result<_, _>>()?,
        scopes: serde_json::from_str(&m.scopes).map_err(|_| corrupt("app scopes"))?,
        redirect_uris: of(LOGIN),
        post_logout_redirect_uris: of(LOGOUT),
        access_token_seconds: m.access_token_seconds.max(0) as u32,
        refresh_token_seconds: m.refresh_token_seconds.max(0) as u32,
        id_token_alg: SigningAlg::parse(&m.id_token_alg).ok_or(corrupt("app signing alg"))?,
        jwks: m
            .jwks
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|_| corrupt("app jwks"))?,
        // An unreadable value offers every method rather than locking everyone out.
        sign_in: m
            .sign_in_methods
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok())
            .unwrap_or_default(),
        created_at: m.created_at,
    })
}

fn methods_json(methods: &crate::oidc::apps::SignInMethods) -> Option<String> {
    (*methods != Default::default())
        .then(|| serde_json::to_string(methods).ok())
        .flatten()
}

/// Replaces an app's sign-in methods.
pub async fn update_sign_in_methods(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    app: uuid::Uuid,
    methods: &crate::oidc::apps::SignInMethods,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use sea_orm::sea_query::Expr;
    applications::Entity::update_many()
        .col_expr(
            applications::Column::SignInMethods,
            Expr::value(methods_json(methods)),
        )
        .col_expr(applications::Column::UpdatedAt, Expr::value(now))
        .filter(applications::Column::Id.eq(app))
        .filter(applications::Column::TenantId.eq(tenant.0))
        .exec(db)
        .await?;
    Ok(())
}

/// Writes an app's redirect and post-logout redirect URIs.
async fn insert_uris(db: &impl ConnectionTrait, app: &Application) -> Result<(), StoreError> {
    for (purpose, list) in [
        (LOGIN, &app.redirect_uris),
        (LOGOUT, &app.post_logout_redirect_uris),
    ] {
        for uri in list {
            app_redirect_uris::ActiveModel {
                id: Set(Uuid::now_v7()),
                app_id: Set(app.id),
                purpose: Set(purpose.into()),
                uri: Set(uri.clone()),
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

pub async fn insert(
    db: &impl ConnectionTrait,
    app: &Application,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let grants: Vec<&str> = app.grant_types.iter().map(|g| g.as_str()).collect();
    applications::ActiveModel {
        id: Set(app.id),
        tenant_id: Set(app.tenant_id.0),
        client_id: Set(app.client_id.clone()),
        name: Set(app.name.clone()),
        kind: Set(app.kind.as_str().into()),
        status: Set(app.status.as_str().into()),
        first_party: Set(app.first_party),
        grant_types: Set(serde_json::to_string(&grants).unwrap_or_else(|_| "[]".into())),
        scopes: Set(serde_json::to_string(&app.scopes).unwrap_or_else(|_| "[]".into())),
        access_token_seconds: Set(app.access_token_seconds as i32),
        refresh_token_seconds: Set(app.refresh_token_seconds as i32),
        id_token_alg: Set(app.id_token_alg.as_str().into()),
        jwks: Set(app.jwks.as_ref().map(|j| j.to_string())),
        sign_in_methods: Set(methods_json(&app.sign_in)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    insert_uris(db, app).await
}

pub async fn list(
    db: &impl ConnectionTrait,
    tenant: TenantId,
) -> Result<Vec<Application>, StoreError> {
    let rows = applications::Entity::find()
        .filter(applications::Column::TenantId.eq(tenant.0))
        .order_by_asc(applications::Column::Id)
        .all(db)
        .await?;
    let mut apps = Vec::with_capacity(rows.len());
    for row in rows {
        apps.push(load(db, row).await?);
    }
    Ok(apps)
}

pub async fn find_by_client_id(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    client_id: &str,
) -> Result<Option<Application>, StoreError> {
    match applications::Entity::find()
        .filter(applications::Column::TenantId.eq(tenant.0))
        .filter(applications::Column::ClientId.eq(client_id))
        .one(db)
        .await?
    {
        Some(row) => Ok(Some(load(db, row).await?)),
        None => Ok(None),
    }
}

/// Replaces an app's editable settings and its redirect URIs (kind, client id and
/// status stay). Run it in a transaction.
pub async fn update(
    db: &impl ConnectionTrait,
    app: &Application,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let grants: Vec<&str> = app.grant_types.iter().map(|g| g.as_str()).collect();
    applications::Entity::update_many()
        .col_expr(applications::Column::Name, Expr::value(app.name.clone()))
        .col_expr(
            applications::Column::FirstParty,
            Expr::value(app.first_party),
        )
        .col_expr(
            applications::Column::GrantTypes,
            Expr::value(serde_json::to_string(&grants).unwrap_or_else(|_| "[]".into())),
        )
        .col_expr(
            applications::Column::Scopes,
            Expr::value(serde_json::to_string(&app.scopes).unwrap_or_else(|_| "[]".into())),
        )
        .col_expr(
            applications::Column::AccessTokenSeconds,
            Expr::value(app.access_token_seconds as i32),
        )
        .col_expr(
            applications::Column::RefreshTokenSeconds,
            Expr::value(app.refresh_token_seconds as i32),
        )
        .col_expr(
            applications::Column::IdTokenAlg,
            Expr::value(app.id_token_alg.as_str()),
        )
        .col_expr(
            applications::Column::Jwks,
            Expr::value(app.jwks.as_ref().map(|j| j.to_string())),
        )
        .col_expr(applications::Column::UpdatedAt, Expr::value(now))
        .filter(applications::Column::Id.eq(app.id))
        .exec(db)
        .await?;
    app_redirect_uris::Entity::delete_many()
        .filter(app_redirect_uris::Column::AppId.eq(app.id))
        .exec(db)
        .await?;
    insert_uris(db, app).await
}

pub async fn find_by_id(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: uuid::Uuid,
) -> Result<Option<Application>, StoreError> {
    match applications::Entity::find_by_id(id)
        .filter(applications::Column::TenantId.eq(tenant.0))
        .one(db)
        .await?
    {
        Some(row) => Ok(Some(load(db, row).await?)),
        None => Ok(None),
    }
}

pub async fn set_status(
    db: &impl ConnectionTrait,
    app: Uuid,
    status: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    applications::Entity::update_many()
        .col_expr(applications::Column::Status, Expr::value(status))
        .col_expr(applications::Column::UpdatedAt, Expr::value(now))
        .filter(applications::Column::Id.eq(app))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn insert_secret(
    db: &impl ConnectionTrait,
    app: Uuid,
    secret_hash: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    app_secrets::ActiveModel {
        id: Set(Uuid::now_v7()),
        app_id: Set(app),
        secret_hash: Set(secret_hash.into()),
        created_at: Set(now),
        expires_at: Set(None),
        last_used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Lets every current secret of `app` work until `until` (the rotation overlap).
pub async fn expire_secrets(
    db: &impl ConnectionTrait,
    app: Uuid,
    until: DateTime<Utc>,
) -> Result<(), StoreError> {
    app_secrets::Entity::update_many()
        .col_expr(app_secrets::Column::ExpiresAt, Expr::value(Some(until)))
        .filter(app_secrets::Column::AppId.eq(app))
        .filter(
            Condition::any()
                .add(app_secrets::Column::ExpiresAt.is_null())
                .add(app_secrets::Column::ExpiresAt.gt(until)),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Every secret hash of `app` with its expiry (for the token endpoint's cache).
pub async fn secret_hashes(
    db: &impl ConnectionTrait,
    app: Uuid,
) -> Result<Vec<(String, Option<DateTime<Utc>>)>, StoreError> {
    Ok(app_secrets::Entity::find()
        .filter(app_secrets::Column::AppId.eq(app))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.secret_hash, s.expires_at))
        .collect())
}

/// The hashes of `app`'s secrets that still work at `now`.
pub async fn live_secret_hashes(
    db: &impl ConnectionTrait,
    app: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    Ok(app_secrets::Entity::find()
        .filter(app_secrets::Column::AppId.eq(app))
        .filter(
            Condition::any()
                .add(app_secrets::Column::ExpiresAt.is_null())
                .add(app_secrets::Column::ExpiresAt.gt(now)),
        )
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.secret_hash)
        .collect())
}
