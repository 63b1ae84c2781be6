//! Queries for passkeys (WebAuthn credentials) and the ceremonies that create and use them.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, sea_query::Expr,
};
use uuid::Uuid;

use super::StoreError;
use super::entities::{webauthn_ceremonies, webauthn_credentials};
use crate::{TenantId, UserId};

pub use webauthn_ceremonies::Model as CeremonyRow;
pub use webauthn_credentials::Model as CredentialRow;

/// Stores a new credential. A credential id bound to any account already fails with
/// `Conflict { field: "credential" }`.
pub async fn insert_credential(
    db: &impl ConnectionTrait,
    row: CredentialRow,
) -> Result<(), StoreError> {
    webauthn_credentials::ActiveModel {
        id: Set(row.id),
        tenant_id: Set(row.tenant_id),
        user_id: Set(row.user_id),
        credential_id: Set(row.credential_id),
        passkey: Set(row.passkey),
        name: Set(row.name),
        aaguid: Set(row.aaguid),
        sign_count: Set(row.sign_count),
        backup_eligible: Set(row.backup_eligible),
        backup_state: Set(row.backup_state),
        created_at: Set(row.created_at),
        last_used_at: Set(row.last_used_at),
    }
    .insert(db)
    .await
    .map_err(|e| StoreError::conflict_on(e, "credential"))?;
    Ok(())
}

pub async fn find_by_credential_id(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    credential_id: &str,
) -> Result<Option<CredentialRow>, StoreError> {
    Ok(webauthn_credentials::Entity::find()
        .filter(webauthn_credentials::Column::CredentialId.eq(credential_id))
        .filter(webauthn_credentials::Column::TenantId.eq(tenant.0))
        .one(db)
        .await?)
}

/// An account's credentials, oldest first.
pub async fn list_for_user(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
) -> Result<Vec<CredentialRow>, StoreError> {
    Ok(webauthn_credentials::Entity::find()
        .filter(webauthn_credentials::Column::TenantId.eq(tenant.0))
        .filter(webauthn_credentials::Column::UserId.eq(user.0))
        .order_by_asc(webauthn_credentials::Column::CreatedAt)
        .all(db)
        .await?)
}

pub async fn count_for_user(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
) -> Result<u64, StoreError> {
    Ok(webauthn_credentials::Entity::find()
        .filter(webauthn_credentials::Column::TenantId.eq(tenant.0))
        .filter(webauthn_credentials::Column::UserId.eq(user.0))
        .count(db)
        .await?)
}

/// Records a use: the new counter, flags and state, only if the stored counter is still
/// the one the check was made against (a concurrent use of a cloned key loses).
pub async fn record_use(
    db: &impl ConnectionTrait,
    id: Uuid,
    previous_count: i64,
    row: &CredentialRow,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let result = webauthn_credentials::Entity::update_many()
        .col_expr(
            webauthn_credentials::Column::Passkey,
            Expr::value(row.passkey.clone()),
        )
        .col_expr(
            webauthn_credentials::Column::SignCount,
            Expr::value(row.sign_count),
        )
        .col_expr(
            webauthn_credentials::Column::BackupEligible,
            Expr::value(row.backup_eligible),
        )
        .col_expr(
            webauthn_credentials::Column::BackupState,
            Expr::value(row.backup_state),
        )
        .col_expr(webauthn_credentials::Column::LastUsedAt, Expr::value(now))
        .filter(webauthn_credentials::Column::Id.eq(id))
        .filter(webauthn_credentials::Column::SignCount.eq(previous_count))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn rename(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    id: Uuid,
    name: &str,
) -> Result<bool, StoreError> {
    let result = webauthn_credentials::Entity::update_many()
        .col_expr(webauthn_credentials::Column::Name, Expr::value(name))
        .filter(webauthn_credentials::Column::Id.eq(id))
        .filter(webauthn_credentials::Column::TenantId.eq(tenant.0))
        .filter(webauthn_credentials::Column::UserId.eq(user.0))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn delete(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    id: Uuid,
) -> Result<bool, StoreError> {
    let result = webauthn_credentials::Entity::delete_many()
        .filter(webauthn_credentials::Column::Id.eq(id))
        .filter(webauthn_credentials::Column::TenantId.eq(tenant.0))
        .filter(webauthn_credentials::Column::UserId.eq(user.0))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn insert_ceremony(
    db: &impl ConnectionTrait,
    row: CeremonyRow,
) -> Result<(), StoreError> {
    webauthn_ceremonies::ActiveModel {
        id: Set(row.id),
        tenant_id: Set(row.tenant_id),
        purpose: Set(row.purpose),
        flow_id: Set(row.flow_id),
        user_id: Set(row.user_id),
        browser_binding: Set(row.browser_binding),
        rp_host: Set(row.rp_host),
        state: Set(row.state),
        expires_at: Set(row.expires_at),
        created_at: Set(row.created_at),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn find_ceremony(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<CeremonyRow>, StoreError> {
    Ok(webauthn_ceremonies::Entity::find_by_id(id)
        .filter(webauthn_ceremonies::Column::TenantId.eq(tenant.0))
        .one(db)
        .await?)
}

/// Deletes a ceremony; true for the one caller that deleted it. Whoever deletes the row
/// owns it, so a challenge can be answered once, however many answers race.
pub async fn delete_ceremony(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, StoreError> {
    Ok(webauthn_ceremonies::Entity::delete_by_id(id)
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// Deletes ceremonies that expired before `cutoff`.
pub async fn delete_expired_ceremonies(
    db: &impl ConnectionTrait,
    cutoff: DateTime<Utc>,
) -> Result<u64, StoreError> {
    Ok(webauthn_ceremonies::Entity::delete_many()
        .filter(webauthn_ceremonies::Column::ExpiresAt.lt(cutoff))
        .exec(db)
        .await?
        .rows_affected)
}
