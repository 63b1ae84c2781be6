//! Queries for signing keys.

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

use super::StoreError;
use super::entities::signing_keys;
use crate::TenantId;

pub use signing_keys::Model as KeyRow;

pub async fn list(db: &impl ConnectionTrait, tenant: TenantId) -> Result<Vec<KeyRow>, StoreError> {
    Ok(signing_keys::Entity::find()
        .filter(signing_keys::Column::TenantId.eq(tenant.0))
        .order_by_asc(signing_keys::Column::ActivateAt)
        .all(db)
        .await?)
}

pub async fn insert(db: &impl ConnectionTrait, row: KeyRow) -> Result<(), StoreError> {
    signing_keys::ActiveModel {
        kid: Set(row.kid),
        tenant_id: Set(row.tenant_id),
        alg: Set(row.alg),
        sealed_private_key: Set(row.sealed_private_key),
        public_jwk: Set(row.public_jwk),
        created_at: Set(row.created_at),
        activate_at: Set(row.activate_at),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Removes keys that no token can need any more (activated before `before` and
/// superseded): called with the computed list of such kids.
pub async fn delete(db: &impl ConnectionTrait, kids: &[String]) -> Result<u64, StoreError> {
    if kids.is_empty() {
        return Ok(0);
    }
    Ok(signing_keys::Entity::delete_many()
        .filter(signing_keys::Column::Kid.is_in(kids.iter().cloned()))
        .exec(db)
        .await?
        .rows_affected)
}
