//! Queries for one-time codes: issued superseding older ones, consumed with a single
//! conditional update so concurrent uses cannot both succeed.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    sea_query::Expr,
};
use uuid::Uuid;

use super::StoreError;
use super::entities::one_time_codes;
use crate::{TenantId, UserId};

/// A stored code, without its secrets.
#[derive(Clone, Debug)]
pub struct CodeRow {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub purpose: String,
    pub code_hash: Option<String>,
    pub email: String,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub reference: Option<Uuid>,
}

fn to_row(m: one_time_codes::Model) -> CodeRow {
    CodeRow {
        id: m.id,
        tenant_id: TenantId(m.tenant_id),
        user_id: UserId(m.user_id),
        purpose: m.purpose,
        code_hash: m.code_hash,
        email: m.email,
        expires_at: m.expires_at,
        used_at: m.used_at,
        reference: m.reference_id,
    }
}

/// Ends every unused code of `user` for `purpose`: only the newest one works.
pub async fn supersede(
    db: &impl ConnectionTrait,
    user: UserId,
    purpose: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    one_time_codes::Entity::update_many()
        .col_expr(one_time_codes::Column::UsedAt, Expr::value(Some(now)))
        .filter(one_time_codes::Column::UserId.eq(user.0))
        .filter(one_time_codes::Column::Purpose.eq(purpose))
        .filter(one_time_codes::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
pub async fn insert(
    db: &impl ConnectionTrait,
    id: Uuid,
    tenant: TenantId,
    user: UserId,
    purpose: &str,
    token_hash: &str,
    code_hash: Option<String>,
    email: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
    reference: Option<Uuid>,
) -> Result<(), StoreError> {
    one_time_codes::ActiveModel {
        id: Set(id),
        tenant_id: Set(tenant.0),
        user_id: Set(user.0),
        purpose: Set(purpose.to_string()),
        token_hash: Set(token_hash.to_string()),
        code_hash: Set(code_hash),
        email: Set(email.to_string()),
        expires_at: Set(expires_at),
        used_at: Set(None),
        created_at: Set(now),
        reference_id: Set(reference),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn find_by_token(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    token_hash: &str,
) -> Result<Option<CodeRow>, StoreError> {
    Ok(one_time_codes::Entity::find()
        .filter(one_time_codes::Column::TokenHash.eq(token_hash))
        .filter(one_time_codes::Column::TenantId.eq(tenant.0))
        .one(db)
        .await?
        .map(to_row))
}

pub async fn find_by_id(
    db: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Option<CodeRow>, StoreError> {
    Ok(one_time_codes::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(to_row))
}

/// The newest unused, unexpired code of `user` for `purpose`.
pub async fn find_live(
    db: &impl ConnectionTrait,
    user: UserId,
    purpose: &str,
    now: DateTime<Utc>,
) -> Result<Option<CodeRow>, StoreError> {
    Ok(one_time_codes::Entity::find()
        .filter(one_time_codes::Column::UserId.eq(user.0))
        .filter(one_time_codes::Column::Purpose.eq(purpose))
        .filter(one_time_codes::Column::UsedAt.is_null())
        .filter(one_time_codes::Column::ExpiresAt.gt(now))
        .order_by_desc(one_time_codes::Column::Id)
        .one(db)
        .await?
        .map(to_row))
}

/// Marks a code used if it still is unused and unexpired. True for exactly one caller.
pub async fn consume(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let res = one_time_codes::Entity::update_many()
        .col_expr(one_time_codes::Column::UsedAt, Expr::value(Some(now)))
        .filter(one_time_codes::Column::Id.eq(id))
        .filter(one_time_codes::Column::UsedAt.is_null())
        .filter(one_time_codes::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}
