//! Queries for tenants, their hosts and their themes.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set,
    sea_query::OnConflict,
};
use uuid::Uuid;

use super::StoreError;
use super::entities::{tenant_hosts, tenants, theme_assets, theme_versions, themes};
use crate::TenantId;
use crate::branding::ThemeTokens;
use crate::tenants::{Tenant, TenantPolicy};

fn to_tenant(m: tenants::Model) -> Tenant {
    Tenant {
        id: TenantId(m.id),
        slug: m.slug,
        display_name: m.display_name,
        base_url: m.base_url,
        is_default: m.is_default,
        policy: serde_json::from_value::<TenantPolicy>(m.policy).unwrap_or_default(),
    }
}

pub async fn find_by_host(
    db: &impl ConnectionTrait,
    host: &str,
) -> Result<Option<Tenant>, StoreError> {
    let Some(row) = tenant_hosts::Entity::find_by_id(host.to_string())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    find_by_id(db, TenantId(row.tenant_id)).await
}

pub async fn find_by_id(
    db: &impl ConnectionTrait,
    id: TenantId,
) -> Result<Option<Tenant>, StoreError> {
    Ok(tenants::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .map(to_tenant))
}

pub async fn find_by_slug(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<Option<Tenant>, StoreError> {
    Ok(tenants::Entity::find()
        .filter(tenants::Column::Slug.eq(slug))
        .one(db)
        .await?
        .map(to_tenant))
}

pub async fn find_default(db: &impl ConnectionTrait) -> Result<Option<Tenant>, StoreError> {
    Ok(tenants::Entity::find()
        .filter(tenants::Column::IsDefault.eq(true))
        .one(db)
        .await?
        .map(to_tenant))
}

pub async fn insert_tenant(
    db: &impl ConnectionTrait,
    tenant: &Tenant,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let policy = serde_json::to_value(&tenant.policy).map_err(|_| StoreError::Corrupt {
        what: "tenant policy",
    })?;
    tenants::ActiveModel {
        id: Set(tenant.id.0),
        slug: Set(tenant.slug.clone()),
        display_name: Set(tenant.display_name.clone()),
        base_url: Set(tenant.base_url.clone()),
        is_default: Set(tenant.is_default),
        policy: Set(policy),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(|e| StoreError::conflict_on(e, "slug"))?;
    Ok(())
}

pub async fn update_base_url(
    db: &impl ConnectionTrait,
    id: TenantId,
    base_url: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tenants::ActiveModel {
        id: Set(id.0),
        base_url: Set(base_url.to_string()),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

/// Points `host` at `tenant`, moving it if another tenant held it.
pub async fn upsert_host(
    db: &impl ConnectionTrait,
    host: &str,
    tenant: TenantId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tenant_hosts::Entity::insert(tenant_hosts::ActiveModel {
        host: Set(host.to_string()),
        tenant_id: Set(tenant.0),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(tenant_hosts::Column::Host)
            .update_column(tenant_hosts::Column::TenantId)
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// Creates the tenant-wide theme with one published version holding `tokens`.
pub async fn insert_published_theme(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    tokens: &ThemeTokens,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let theme_id = Uuid::now_v7();
    let version_id = Uuid::now_v7();
    let tokens = serde_json::to_value(tokens).map_err(|_| StoreError::Corrupt {
        what: "theme tokens",
    })?;
    themes::ActiveModel {
        id: Set(theme_id),
        tenant_id: Set(tenant.0),
        app_id: Set(None),
        published_version_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    theme_versions::ActiveModel {
        id: Set(version_id),
        theme_id: Set(theme_id),
        tenant_id: Set(tenant.0),
        version: Set(1),
        status: Set("published".to_string()),
        tokens: Set(tokens),
        created_by: Set(None),
        created_at: Set(now),
        published_at: Set(Some(now)),
    }
    .insert(db)
    .await?;
    themes::ActiveModel {
        id: Set(theme_id),
        published_version_id: Set(Some(version_id)),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

/// The published tokens of the tenant-wide theme, if one is published.
pub async fn find_published_theme(
    db: &impl ConnectionTrait,
    tenant: TenantId,
) -> Result<Option<ThemeTokens>, StoreError> {
    let Some(theme) = themes::Entity::find()
        .filter(themes::Column::TenantId.eq(tenant.0))
        .filter(themes::Column::AppId.is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(version_id) = theme.published_version_id else {
        return Ok(None);
    };
    Ok(theme_versions::Entity::find_by_id(version_id)
        .one(db)
        .await?
        .map(|v| ThemeTokens::from_json(&v.tokens)))
}

/// Replaces a tenant's policy.
pub async fn update_policy(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    policy: &crate::tenants::TenantPolicy,
) -> Result<(), StoreError> {
    use sea_orm::sea_query::Expr;
    let json = serde_json::to_value(policy).map_err(|_| StoreError::Corrupt { what: "policy" })?;
    super::entities::tenants::Entity::update_many()
        .col_expr(super::entities::tenants::Column::Policy, Expr::value(json))
        .filter(super::entities::tenants::Column::Id.eq(tenant.0))
        .exec(db)
        .await?;
    Ok(())
}

/// Every tenant, the default first, then by slug.
pub async fn list_tenants(db: &impl ConnectionTrait) -> Result<Vec<Tenant>, StoreError> {
    use sea_orm::QueryOrder;
    Ok(tenants::Entity::find()
        .order_by_desc(tenants::Column::IsDefault)
        .order_by_asc(tenants::Column::Slug)
        .all(db)
        .await?
        .into_iter()
        .map(to_tenant)
        .collect())
}

/// The hosts a tenant serves, sorted.
pub async fn hosts_of(
    db: &impl ConnectionTrait,
    tenant: TenantId,
) -> Result<Vec<String>, StoreError> {
    use sea_orm::QueryOrder;
    Ok(tenant_hosts::Entity::find()
        .filter(tenant_hosts::Column::TenantId.eq(tenant.0))
        .order_by_asc(tenant_hosts::Column::Host)
        .all(db)
        .await?
        .into_iter()
        .map(|h| h.host)
        .collect())
}

/// Claims `host` for `tenant`; fails with `Conflict { field: "host" }` if any tenant
/// (this one included) serves it already — a host never moves silently.
pub async fn insert_host(
    db: &impl ConnectionTrait,
    host: &str,
    tenant: TenantId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    tenant_hosts::ActiveModel {
        host: Set(host.to_string()),
        tenant_id: Set(tenant.0),
        created_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(|e| StoreError::conflict_on(e, "host"))?;
    Ok(())
}

/// The tenant-wide theme row (every tenant has one from its creation).
pub async fn tenant_theme(
    db: &impl ConnectionTrait,
    tenant: TenantId,
) -> Result<Option<themes::Model>, StoreError> {
    Ok(themes::Entity::find()
        .filter(themes::Column::TenantId.eq(tenant.0))
        .filter(themes::Column::AppId.is_null())
        .one(db)
        .await?)
}

/// A theme's versions, newest first.
pub async fn theme_versions(
    db: &impl ConnectionTrait,
    theme: Uuid,
) -> Result<Vec<theme_versions::Model>, StoreError> {
    use sea_orm::QueryOrder;
    Ok(theme_versions::Entity::find()
        .filter(theme_versions::Column::ThemeId.eq(theme))
        .order_by_desc(theme_versions::Column::Version)
        .all(db)
        .await?)
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_theme_version(
    db: &impl ConnectionTrait,
    theme: Uuid,
    tenant: TenantId,
    version: i32,
    tokens: &ThemeTokens,
    created_by: Option<crate::UserId>,
    now: DateTime<Utc>,
) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    theme_versions::ActiveModel {
        id: Set(id),
        theme_id: Set(theme),
        tenant_id: Set(tenant.0),
        version: Set(version),
        status: Set("draft".to_string()),
        tokens: Set(
            serde_json::to_value(tokens).map_err(|_| StoreError::Corrupt {
                what: "theme tokens",
            })?,
        ),
        created_by: Set(created_by.map(|u| u.0)),
        created_at: Set(now),
        published_at: Set(None),
    }
    .insert(db)
    .await
    .map_err(|e| StoreError::conflict_on(e, "version"))?;
    Ok(id)
}

pub async fn update_draft_tokens(
    db: &impl ConnectionTrait,
    version: Uuid,
    tokens: &ThemeTokens,
    by: Option<crate::UserId>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    theme_versions::ActiveModel {
        id: Set(version),
        tokens: Set(
            serde_json::to_value(tokens).map_err(|_| StoreError::Corrupt {
                what: "theme tokens",
            })?,
        ),
        created_by: Set(by.map(|u| u.0)),
        created_at: Set(now),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

/// Publishes `version` of `theme`: the one published before is archived.
pub async fn publish_version(
    db: &impl ConnectionTrait,
    theme: Uuid,
    version: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use sea_orm::sea_query::Expr;
    theme_versions::Entity::update_many()
        .col_expr(theme_versions::Column::Status, Expr::value("archived"))
        .filter(theme_versions::Column::ThemeId.eq(theme))
        .filter(theme_versions::Column::Status.eq("published"))
        .exec(db)
        .await?;
    theme_versions::ActiveModel {
        id: Set(version),
        status: Set("published".to_string()),
        published_at: Set(Some(now)),
        ..Default::default()
    }
    .update(db)
    .await?;
    themes::ActiveModel {
        id: Set(theme),
        published_version_id: Set(Some(version)),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

/// Keeps an uploaded theme image; the same bytes uploaded twice are one row.
#[allow(clippy::too_many_arguments)]
pub async fn insert_asset(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    sha256: &str,
    content_type: &str,
    bytes: &[u8],
    created_by: Option<crate::UserId>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let row = theme_assets::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tenant.0),
        sha256: Set(sha256.to_string()),
        content_type: Set(content_type.to_string()),
        size: Set(i32::try_from(bytes.len()).unwrap_or(i32::MAX)),
        bytes: Set(bytes.to_vec()),
        created_by: Set(created_by.map(|u| u.0)),
        created_at: Set(now),
    };
    theme_assets::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([theme_assets::Column::TenantId, theme_assets::Column::Sha256])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// One of the tenant's theme images, by its content hash: (content type, bytes).
pub async fn find_asset(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    sha256: &str,
) -> Result<Option<(String, Vec<u8>)>, StoreError> {
    Ok(theme_assets::Entity::find()
        .filter(theme_assets::Column::TenantId.eq(tenant.0))
        .filter(theme_assets::Column::Sha256.eq(sha256))
        .one(db)
        .await?
        .map(|m| (m.content_type, m.bytes)))
}

/// The published layer of an app's theme (see `branding::app_theme`).
pub async fn find_published_app_theme(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    app: Uuid,
) -> Result<Option<serde_json::Value>, StoreError> {
    let Some(theme) = themes::Entity::find()
        .filter(themes::Column::TenantId.eq(tenant.0))
        .filter(themes::Column::AppId.eq(app))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(version) = theme.published_version_id else {
        return Ok(None);
    };
    Ok(theme_versions::Entity::find_by_id(version)
        .one(db)
        .await?
        .map(|v| v.tokens))
}

/// Publishes a new version of an app's layer (creating the app's theme the first time);
/// the one before is archived.
pub async fn publish_app_theme(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    app: Uuid,
    tokens: serde_json::Value,
    by: Option<crate::UserId>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let existing = themes::Entity::find()
        .filter(themes::Column::TenantId.eq(tenant.0))
        .filter(themes::Column::AppId.eq(app))
        .one(db)
        .await?;
    let theme_id = match existing {
        Some(t) => t.id,
        None => {
            let id = Uuid::now_v7();
            themes::ActiveModel {
                id: Set(id),
                tenant_id: Set(tenant.0),
                app_id: Set(Some(app)),
                published_version_id: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db)
            .await?;
            id
        }
    };
    let next = theme_versions(db, theme_id)
        .await?
        .iter()
        .map(|v| v.version)
        .max()
        .unwrap_or(0)
        + 1;
    let version = Uuid::now_v7();
    theme_versions::ActiveModel {
        id: Set(version),
        theme_id: Set(theme_id),
        tenant_id: Set(tenant.0),
        version: Set(next),
        status: Set("draft".to_string()),
        tokens: Set(tokens),
        created_by: Set(by.map(|u| u.0)),
        created_at: Set(now),
        published_at: Set(None),
    }
    .insert(db)
    .await
    .map_err(|e| StoreError::conflict_on(e, "version"))?;
    publish_version(db, theme_id, version, now).await
}
