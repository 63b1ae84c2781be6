//! Queries for second factors: TOTP apps and recovery codes.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, sea_query::Expr,
};
use uuid::Uuid;

use super::StoreError;
use super::entities::{recovery_codes, totp_factors};
use crate::{TenantId, UserId};

pub use totp_factors::Model as TotpRow;

/// Replaces any unconfirmed TOTP enrolment of the user with a new one.
pub async fn insert_pending_totp(
    db: &impl ConnectionTrait,
    row: TotpRow,
) -> Result<(), StoreError> {
    totp_factors::Entity::delete_many()
        .filter(totp_factors::Column::UserId.eq(row.user_id))
        .filter(totp_factors::Column::ConfirmedAt.is_null())
        .exec(db)
        .await?;
    totp_factors::ActiveModel {
        id: Set(row.id),
        tenant_id: Set(row.tenant_id),
        user_id: Set(row.user_id),
        sealed_secret: Set(row.sealed_secret),
        confirmed_at: Set(row.confirmed_at),
        last_used_step: Set(row.last_used_step),
        created_at: Set(row.created_at),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The user's TOTP factor: the confirmed one, else the newest pending one.
pub async fn find_totp(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    confirmed: bool,
) -> Result<Option<TotpRow>, StoreError> {
    let query = totp_factors::Entity::find()
        .filter(totp_factors::Column::TenantId.eq(tenant.0))
        .filter(totp_factors::Column::UserId.eq(user.0));
    let query = if confirmed {
        query.filter(totp_factors::Column::ConfirmedAt.is_not_null())
    } else {
        query.filter(totp_factors::Column::ConfirmedAt.is_null())
    };
    Ok(query
        .order_by_desc(totp_factors::Column::CreatedAt)
        .one(db)
        .await?)
}

/// Accepts time step `step` for the factor unless it (or a later one) was accepted
/// already. True for the one caller that moved it.
pub async fn accept_step(
    db: &impl ConnectionTrait,
    id: Uuid,
    step: i64,
) -> Result<bool, StoreError> {
    let result = totp_factors::Entity::update_many()
        .col_expr(totp_factors::Column::LastUsedStep, Expr::value(step))
        .filter(totp_factors::Column::Id.eq(id))
        .filter(totp_factors::Column::LastUsedStep.lt(step))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Marks a pending factor confirmed, replacing any earlier confirmed one of the user.
pub async fn confirm_totp(
    db: &impl ConnectionTrait,
    row: &TotpRow,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    totp_factors::Entity::delete_many()
        .filter(totp_factors::Column::UserId.eq(row.user_id))
        .filter(totp_factors::Column::Id.ne(row.id))
        .exec(db)
        .await?;
    totp_factors::Entity::update_many()
        .col_expr(totp_factors::Column::ConfirmedAt, Expr::value(now))
        .filter(totp_factors::Column::Id.eq(row.id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn delete_totp(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
) -> Result<bool, StoreError> {
    let result = totp_factors::Entity::delete_many()
        .filter(totp_factors::Column::TenantId.eq(tenant.0))
        .filter(totp_factors::Column::UserId.eq(user.0))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Replaces the user's recovery codes with these hashes.
pub async fn replace_recovery_codes(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    hashes: &[String],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    recovery_codes::Entity::delete_many()
        .filter(recovery_codes::Column::UserId.eq(user.0))
        .exec(db)
        .await?;
    for hash in hashes {
        recovery_codes::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(tenant.0),
            user_id: Set(user.0),
            code_hash: Set(hash.clone()),
            used_at: Set(None),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// Uses an unused recovery code of the user; true for the one caller that used it.
pub async fn use_recovery_code(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let result = recovery_codes::Entity::update_many()
        .col_expr(recovery_codes::Column::UsedAt, Expr::value(now))
        .filter(recovery_codes::Column::TenantId.eq(tenant.0))
        .filter(recovery_codes::Column::UserId.eq(user.0))
        .filter(recovery_codes::Column::CodeHash.eq(hash))
        .filter(recovery_codes::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn count_unused_recovery_codes(
    db: &impl ConnectionTrait,
    user: UserId,
) -> Result<u64, StoreError> {
    Ok(recovery_codes::Entity::find()
        .filter(recovery_codes::Column::UserId.eq(user.0))
        .filter(recovery_codes::Column::UsedAt.is_null())
        .count(db)
        .await?)
}
