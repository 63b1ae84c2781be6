//! Queries for session rows.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
    sea_query::Expr,
};

use super::StoreError;
use super::entities::sessions;
use crate::sessions::{AUTH_KEY, AuthState, SessionIndex, SessionRow};
use crate::{TenantId, UserId};

pub async fn find_live(
    db: &impl ConnectionTrait,
    id_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<SessionRow>, StoreError> {
    Ok(sessions::Entity::find_by_id(id_hash.to_string())
        .filter(sessions::Column::ExpiresAt.gt(now))
        .one(db)
        .await?
        .map(|m| SessionRow {
            data: m.data,
            expires_at: m.expires_at,
        }))
}

pub async fn insert(
    db: &impl ConnectionTrait,
    id_hash: &str,
    data: &str,
    expires_at: DateTime<Utc>,
    index: &SessionIndex,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sessions::ActiveModel {
        id: Set(id_hash.to_string()),
        data: Set(data.to_string()),
        expires_at: Set(expires_at),
        tenant_id: Set(index.tenant_id.map(|t| t.0)),
        user_id: Set(index.user_id.map(|u| u.0)),
        authenticated_at: Set(index.authenticated_at),
        ip: Set(index.ip.clone()),
        user_agent: Set(index.user_agent.clone()),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(|e| StoreError::conflict_on(e, "session id"))?;
    Ok(())
}

pub async fn update_if_present(
    db: &impl ConnectionTrait,
    id_hash: &str,
    data: &str,
    expires_at: DateTime<Utc>,
    index: &SessionIndex,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sessions::Entity::update_many()
        .col_expr(sessions::Column::Data, Expr::value(data))
        .col_expr(sessions::Column::ExpiresAt, Expr::value(expires_at))
        .col_expr(
            sessions::Column::TenantId,
            Expr::value(index.tenant_id.map(|t| t.0)),
        )
        .col_expr(
            sessions::Column::UserId,
            Expr::value(index.user_id.map(|u| u.0)),
        )
        .col_expr(
            sessions::Column::AuthenticatedAt,
            Expr::value(index.authenticated_at),
        )
        .col_expr(sessions::Column::Ip, Expr::value(index.ip.clone()))
        .col_expr(
            sessions::Column::UserAgent,
            Expr::value(index.user_agent.clone()),
        )
        .col_expr(sessions::Column::UpdatedAt, Expr::value(now))
        .filter(sessions::Column::Id.eq(id_hash))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn delete(db: &impl ConnectionTrait, id_hash: &str) -> Result<(), StoreError> {
    sessions::Entity::delete_by_id(id_hash.to_string())
        .exec(db)
        .await?;
    Ok(())
}

pub async fn delete_for_user(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
) -> Result<u64, StoreError> {
    Ok(sessions::Entity::delete_many()
        .filter(sessions::Column::TenantId.eq(tenant.0))
        .filter(sessions::Column::UserId.eq(user.0))
        .exec(db)
        .await?
        .rows_affected)
}

/// A customer's live session rows: the id hash and the signed-in state inside.
pub async fn live_for_user(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<Vec<(String, Option<AuthState>)>, StoreError> {
    Ok(sessions::Entity::find()
        .filter(sessions::Column::TenantId.eq(tenant.0))
        .filter(sessions::Column::UserId.eq(user.0))
        .filter(sessions::Column::ExpiresAt.gt(now))
        .all(db)
        .await?
        .into_iter()
        .map(|m| {
            let auth = serde_json::from_str::<serde_json::Value>(&m.data)
                .ok()
                .and_then(|v| v.get(AUTH_KEY).cloned())
                .and_then(|v| serde_json::from_value::<AuthState>(v).ok());
            (m.id, auth)
        })
        .collect())
}

pub async fn count_for_user(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    Ok(sessions::Entity::find()
        .filter(sessions::Column::TenantId.eq(tenant.0))
        .filter(sessions::Column::UserId.eq(user.0))
        .filter(sessions::Column::ExpiresAt.gt(now))
        .count(db)
        .await?)
}

pub async fn delete_expired(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    Ok(sessions::Entity::delete_many()
        .filter(sessions::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?
        .rows_affected)
}
