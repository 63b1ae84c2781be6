//! Writes to the append-only audit table.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use uuid::Uuid;

use super::StoreError;
use super::entities::audit_events;
use crate::audit::AuditEvent;
use crate::{TenantId, UserId};

pub async fn insert(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    event: &AuditEvent,
) -> Result<(), StoreError> {
    audit_events::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(event.tenant_id.0),
        actor_user_id: Set(event.actor.map(|u| u.0)),
        subject_user_id: Set(event.subject.map(|u| u.0)),
        action: Set(event.action.to_string()),
        ip: Set(event.ip.clone()),
        user_agent: Set(event.user_agent.clone()),
        details: Set(serde_json::Value::Object(event.details.clone())),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The newest events about `user` whose action is one of `actions`, newest first.
pub async fn events_for_subject(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    actions: &[&str],
    limit: u64,
) -> Result<Vec<audit_events::Model>, StoreError> {
    use sea_orm::QuerySelect;
    Ok(audit_events::Entity::find()
        .filter(audit_events::Column::SubjectUserId.eq(user.0))
        .filter(audit_events::Column::TenantId.eq(tenant.0))
        .filter(audit_events::Column::Action.is_in(actions.iter().copied()))
        .order_by_desc(audit_events::Column::CreatedAt)
        .limit(limit)
        .all(db)
        .await?)
}

/// The actions recorded about `user`, newest first.
pub async fn actions_for_subject(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
) -> Result<Vec<String>, StoreError> {
    Ok(audit_events::Entity::find()
        .filter(audit_events::Column::TenantId.eq(tenant.0))
        .filter(audit_events::Column::SubjectUserId.eq(user.0))
        .order_by_desc(audit_events::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|e| e.action)
        .collect())
}

/// Every event recorded about `user`, newest first, up to `limit` (for its export).
pub async fn all_events_for_subject(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    limit: u64,
) -> Result<Vec<audit_events::Model>, StoreError> {
    use sea_orm::QuerySelect;
    Ok(audit_events::Entity::find()
        .filter(audit_events::Column::SubjectUserId.eq(user.0))
        .filter(audit_events::Column::TenantId.eq(tenant.0))
        .order_by_desc(audit_events::Column::CreatedAt)
        .limit(limit)
        .all(db)
        .await?)
}
