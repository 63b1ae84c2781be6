//! Queries for the OpenID provider's state: pending authorization requests, grants with
//! their authorization codes, refresh tokens, revoked access tokens and consents.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    sea_query::Expr,
};
use uuid::Uuid;

use super::StoreError;
use super::entities::{
    client_assertions, consents, device_authorizations, oauth_grants, oauth_requests,
    refresh_tokens, revoked_tokens,
};
use crate::{TenantId, UserId};

pub use consents::Model as ConsentRow;
pub use oauth_grants::Model as GrantRow;
pub use oauth_requests::Model as RequestRow;
pub use refresh_tokens::Model as RefreshRow;

// ---- authorization requests ------------------------------------------------------

pub async fn insert_request(db: &impl ConnectionTrait, row: RequestRow) -> Result<(), StoreError> {
    oauth_requests::ActiveModel {
        id: Set(row.id),
        tenant_id: Set(row.tenant_id),
        app_id: Set(row.app_id),
        browser_binding: Set(row.browser_binding),
        params: Set(row.params),
        created_at: Set(row.created_at),
        expires_at: Set(row.expires_at),
        completed_at: Set(row.completed_at),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn find_request(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<RequestRow>, StoreError> {
    Ok(oauth_requests::Entity::find_by_id(id)
        .filter(oauth_requests::Column::TenantId.eq(tenant.0))
        .one(db)
        .await?)
}

pub async fn update_request_params(
    db: &impl ConnectionTrait,
    id: Uuid,
    params: &str,
) -> Result<(), StoreError> {
    oauth_requests::Entity::update_many()
        .col_expr(oauth_requests::Column::Params, Expr::value(params))
        .filter(oauth_requests::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Marks a request answered; false if it already was (a second tab, a replay).
pub async fn complete_request(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    Ok(oauth_requests::Entity::update_many()
        .col_expr(oauth_requests::Column::CompletedAt, Expr::value(now))
        .filter(oauth_requests::Column::Id.eq(id))
        .filter(oauth_requests::Column::CompletedAt.is_null())
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

// ---- grants and codes --------------------------------------------------------------

pub async fn insert_grant(db: &impl ConnectionTrait, row: GrantRow) -> Result<(), StoreError> {
    oauth_grants::ActiveModel {
        id: Set(row.id),
        tenant_id: Set(row.tenant_id),
        app_id: Set(row.app_id),
        user_id: Set(row.user_id),
        scope: Set(row.scope),
        auth_time: Set(row.auth_time),
        amr: Set(row.amr),
        aal: Set(row.aal),
        sid: Set(row.sid),
        nonce: Set(row.nonce),
        redirect_uri: Set(row.redirect_uri),
        code_challenge: Set(row.code_challenge),
        code_hash: Set(row.code_hash),
        code_expires_at: Set(row.code_expires_at),
        code_redeemed_at: Set(row.code_redeemed_at),
        created_at: Set(row.created_at),
        last_used_at: Set(row.last_used_at),
        revoked_at: Set(row.revoked_at),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn find_grant_by_code(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    code_hash: &str,
) -> Result<Option<GrantRow>, StoreError> {
    Ok(oauth_grants::Entity::find()
        .filter(oauth_grants::Column::CodeHash.eq(code_hash))
        .filter(oauth_grants::Column::TenantId.eq(tenant.0))
        .one(db)
        .await?)
}

/// Redeems a grant's code: true for the first redemption only.
pub async fn redeem_code(
    db: &impl ConnectionTrait,
    grant: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    Ok(oauth_grants::Entity::update_many()
        .col_expr(oauth_grants::Column::CodeRedeemedAt, Expr::value(now))
        .col_expr(oauth_grants::Column::LastUsedAt, Expr::value(now))
        .filter(oauth_grants::Column::Id.eq(grant))
        .filter(oauth_grants::Column::CodeRedeemedAt.is_null())
        .filter(oauth_grants::Column::RevokedAt.is_null())
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

pub async fn touch_grant(
    db: &impl ConnectionTrait,
    grant: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    oauth_grants::Entity::update_many()
        .col_expr(oauth_grants::Column::LastUsedAt, Expr::value(now))
        .filter(oauth_grants::Column::Id.eq(grant))
        .exec(db)
        .await?;
    Ok(())
}

/// Revokes one grant (and so every token issued under it).
pub async fn revoke_grant(
    db: &impl ConnectionTrait,
    grant: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    Ok(oauth_grants::Entity::update_many()
        .col_expr(oauth_grants::Column::RevokedAt, Expr::value(now))
        .filter(oauth_grants::Column::Id.eq(grant))
        .filter(oauth_grants::Column::RevokedAt.is_null())
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// Revokes every grant of a customer (to one app, or to all).
pub async fn revoke_user_grants(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    app: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let mut q = oauth_grants::Entity::update_many()
        .col_expr(oauth_grants::Column::RevokedAt, Expr::value(now))
        .filter(oauth_grants::Column::TenantId.eq(tenant.0))
        .filter(oauth_grants::Column::UserId.eq(user.0))
        .filter(oauth_grants::Column::RevokedAt.is_null());
    if let Some(app) = app {
        q = q.filter(oauth_grants::Column::AppId.eq(app));
    }
    Ok(q.exec(db).await?.rows_affected)
}

/// Whether a grant is still in force.
pub async fn grant_active(db: &impl ConnectionTrait, grant: Uuid) -> Result<bool, StoreError> {
    Ok(oauth_grants::Entity::find_by_id(grant)
        .filter(oauth_grants::Column::RevokedAt.is_null())
        .one(db)
        .await?
        .is_some())
}

// ---- refresh tokens ------------------------------------------------------------------

pub async fn insert_refresh(
    db: &impl ConnectionTrait,
    token_hash: String,
    grant: Uuid,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    refresh_tokens::ActiveModel {
        token_hash: Set(token_hash),
        grant_id: Set(grant),
        created_at: Set(now),
        expires_at: Set(expires_at),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// A refresh token with its grant, in one query.
pub async fn find_refresh(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<Option<(RefreshRow, GrantRow)>, StoreError> {
    Ok(
        match refresh_tokens::Entity::find_by_id(token_hash.to_string())
            .find_also_related(oauth_grants::Entity)
            .one(db)
            .await?
        {
            Some((token, Some(grant))) => Some((token, grant)),
            _ => None,
        },
    )
}

/// Rotates a refresh token: marks `old_hash` used and stores its successor — both or
/// neither, and only if `old_hash` was unused (false otherwise: a replay, or a race
/// with another use). On PostgreSQL one statement does it; SQLite uses a transaction.
pub async fn rotate_refresh(
    db: &super::Db,
    old_hash: &str,
    new_hash: &str,
    grant: Uuid,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    use sea_orm::{DbBackend, Statement};
    if db.backend() == DbBackend::Postgres {
        let sql = "WITH used AS (UPDATE refresh_tokens SET used_at = $1 \
                   WHERE token_hash = $2 AND used_at IS NULL AND grant_id = $3 RETURNING grant_id) \
                   INSERT INTO refresh_tokens (token_hash, grant_id, created_at, expires_at, used_at) \
                   SELECT $4, grant_id, $1, $5, NULL FROM used";
        let result = db
            .conn()
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                sql,
                [
                    now.into(),
                    old_hash.into(),
                    grant.into(),
                    new_hash.into(),
                    expires_at.into(),
                ],
            ))
            .await?;
        return Ok(result.rows_affected() == 1);
    }
    let _turn = db.write_turn().await;
    let tx = db.begin().await?;
    if !use_refresh(&tx, old_hash, now).await? {
        return Ok(false);
    }
    insert_refresh(&tx, new_hash.to_string(), grant, now, expires_at).await?;
    tx.commit().await?;
    Ok(true)
}

/// Uses a refresh token: true for its first use only.
pub async fn use_refresh(
    db: &impl ConnectionTrait,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    Ok(refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::UsedAt, Expr::value(now))
        .filter(refresh_tokens::Column::TokenHash.eq(token_hash))
        .filter(refresh_tokens::Column::UsedAt.is_null())
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

// ---- revoked access tokens -----------------------------------------------------------

pub async fn revoke_jti(
    db: &impl ConnectionTrait,
    jti: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let existing = revoked_tokens::Entity::find_by_id(jti.to_string())
        .one(db)
        .await?;
    if existing.is_none() {
        revoked_tokens::ActiveModel {
            jti: Set(jti.to_string()),
            expires_at: Set(expires_at),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

pub async fn jti_revoked(db: &impl ConnectionTrait, jti: &str) -> Result<bool, StoreError> {
    Ok(revoked_tokens::Entity::find_by_id(jti.to_string())
        .one(db)
        .await?
        .is_some())
}

/// Deletes what can no longer matter: answered or expired requests, spent codes' and
/// expired refresh tokens, revoked ids past their tokens' expiry.
pub async fn purge(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let mut n = oauth_requests::Entity::delete_many()
        .filter(oauth_requests::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?
        .rows_affected;
    n += refresh_tokens::Entity::delete_many()
        .filter(refresh_tokens::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?
        .rows_affected;
    n += purge_devices(db, now).await?;
    n += client_assertions::Entity::delete_many()
        .filter(client_assertions::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?
        .rows_affected;
    n += revoked_tokens::Entity::delete_many()
        .filter(revoked_tokens::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?
        .rows_affected;
    Ok(n)
}

// ---- consents --------------------------------------------------------------------------

pub async fn find_consent(
    db: &impl ConnectionTrait,
    user: UserId,
    app: Uuid,
) -> Result<Option<ConsentRow>, StoreError> {
    Ok(consents::Entity::find()
        .filter(consents::Column::UserId.eq(user.0))
        .filter(consents::Column::AppId.eq(app))
        .one(db)
        .await?)
}

pub async fn save_consent(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    app: Uuid,
    scope: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    match find_consent(db, user, app).await? {
        Some(existing) => {
            consents::Entity::update_many()
                .col_expr(consents::Column::Scope, Expr::value(scope))
                .col_expr(consents::Column::UpdatedAt, Expr::value(now))
                .filter(consents::Column::Id.eq(existing.id))
                .exec(db)
                .await?;
        }
        None => {
            consents::ActiveModel {
                id: Set(Uuid::new_v4()),
                tenant_id: Set(tenant.0),
                user_id: Set(user.0),
                app_id: Set(app),
                scope: Set(scope.to_string()),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

pub async fn delete_consent(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    app: Uuid,
) -> Result<bool, StoreError> {
    Ok(consents::Entity::delete_many()
        .filter(consents::Column::TenantId.eq(tenant.0))
        .filter(consents::Column::UserId.eq(user.0))
        .filter(consents::Column::AppId.eq(app))
        .exec(db)
        .await?
        .rows_affected
        > 0)
}

pub async fn list_consents(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
) -> Result<Vec<ConsentRow>, StoreError> {
    Ok(consents::Entity::find()
        .filter(consents::Column::TenantId.eq(tenant.0))
        .filter(consents::Column::UserId.eq(user.0))
        .order_by_desc(consents::Column::UpdatedAt)
        .all(db)
        .await?)
}

/// When the customer's grants to `app` were last used (for "Connected apps").
pub async fn last_grant_use(
    db: &impl ConnectionTrait,
    user: UserId,
    app: Uuid,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(oauth_grants::Entity::find()
        .filter(oauth_grants::Column::UserId.eq(user.0))
        .filter(oauth_grants::Column::AppId.eq(app))
        .order_by_desc(oauth_grants::Column::CreatedAt)
        .one(db)
        .await?
        .map(|g| g.last_used_at.unwrap_or(g.created_at)))
}

// ---- device authorizations ---------------------------------------------------------------

pub use device_authorizations::Model as DeviceRow;

pub async fn insert_device(db: &impl ConnectionTrait, row: DeviceRow) -> Result<(), StoreError> {
    device_authorizations::ActiveModel {
        id: Set(row.id),
        tenant_id: Set(row.tenant_id),
        app_id: Set(row.app_id),
        device_code_hash: Set(row.device_code_hash),
        user_code: Set(row.user_code),
        scope: Set(row.scope),
        status: Set(row.status),
        interval_secs: Set(row.interval_secs),
        created_at: Set(row.created_at),
        expires_at: Set(row.expires_at),
        last_polled_at: Set(row.last_polled_at),
        user_id: Set(row.user_id),
        auth_time: Set(row.auth_time),
        amr: Set(row.amr),
        aal: Set(row.aal),
        sid: Set(row.sid),
    }
    .insert(db)
    .await
    .map_err(|e| StoreError::conflict_on(e, "user_code"))?;
    Ok(())
}

pub async fn find_device_by_code(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    device_code_hash: &str,
) -> Result<Option<DeviceRow>, StoreError> {
    Ok(device_authorizations::Entity::find()
        .filter(device_authorizations::Column::DeviceCodeHash.eq(device_code_hash))
        .filter(device_authorizations::Column::TenantId.eq(tenant.0))
        .one(db)
        .await?)
}

pub async fn find_device_by_user_code(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user_code: &str,
) -> Result<Option<DeviceRow>, StoreError> {
    Ok(device_authorizations::Entity::find()
        .filter(device_authorizations::Column::UserCode.eq(user_code))
        .filter(device_authorizations::Column::TenantId.eq(tenant.0))
        .one(db)
        .await?)
}

/// Records the customer's answer on a pending authorization; false if it was not
/// pending any more.
pub async fn decide_device(
    db: &impl ConnectionTrait,
    id: Uuid,
    approved: Option<(UserId, DateTime<Utc>, String, i16, String)>,
) -> Result<bool, StoreError> {
    let mut q = device_authorizations::Entity::update_many()
        .filter(device_authorizations::Column::Id.eq(id))
        .filter(device_authorizations::Column::Status.eq("pending"));
    q = match approved {
        Some((user, auth_time, amr, aal, sid)) => q
            .col_expr(
                device_authorizations::Column::Status,
                Expr::value("approved"),
            )
            .col_expr(device_authorizations::Column::UserId, Expr::value(user.0))
            .col_expr(
                device_authorizations::Column::AuthTime,
                Expr::value(auth_time),
            )
            .col_expr(device_authorizations::Column::Amr, Expr::value(amr))
            .col_expr(device_authorizations::Column::Aal, Expr::value(aal))
            .col_expr(device_authorizations::Column::Sid, Expr::value(sid)),
        None => q.col_expr(device_authorizations::Column::Status, Expr::value("denied")),
    };
    Ok(q.exec(db).await?.rows_affected == 1)
}

pub async fn record_device_poll(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
    interval_secs: i32,
) -> Result<(), StoreError> {
    device_authorizations::Entity::update_many()
        .col_expr(
            device_authorizations::Column::LastPolledAt,
            Expr::value(now),
        )
        .col_expr(
            device_authorizations::Column::IntervalSecs,
            Expr::value(interval_secs),
        )
        .filter(device_authorizations::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Hands an approved authorization to its device: true the first time only.
pub async fn redeem_device(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, StoreError> {
    Ok(device_authorizations::Entity::update_many()
        .col_expr(
            device_authorizations::Column::Status,
            Expr::value("redeemed"),
        )
        .filter(device_authorizations::Column::Id.eq(id))
        .filter(device_authorizations::Column::Status.eq("approved"))
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

pub async fn purge_devices(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    Ok(device_authorizations::Entity::delete_many()
        .filter(device_authorizations::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?
        .rows_affected)
}

// ---- client assertions -----------------------------------------------------------------

/// Records a client assertion's id as used: false if it already was (a replay).
pub async fn use_assertion(
    db: &impl ConnectionTrait,
    key: &str,
    expires_at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    match (client_assertions::ActiveModel {
        key: Set(key.to_string()),
        expires_at: Set(expires_at),
    })
    .insert(db)
    .await
    {
        Ok(_) => Ok(true),
        Err(e) => match StoreError::conflict_on(e, "jti") {
            StoreError::Conflict { .. } => Ok(false),
            other => Err(other),
        },
    }
}
