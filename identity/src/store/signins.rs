//! Queries for the risk engine's memory: devices and sign-in events.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, sea_query::Expr,
};
use uuid::Uuid;

use super::StoreError;
use super::entities::{audit_events, devices, login_events};
use crate::{TenantId, UserId};

pub use login_events::Model as LoginEventRow;

pub async fn device_known(
    db: &impl ConnectionTrait,
    user: UserId,
    device_hash: &str,
) -> Result<bool, StoreError> {
    Ok(devices::Entity::find()
        .filter(devices::Column::UserId.eq(user.0))
        .filter(devices::Column::DeviceHash.eq(device_hash))
        .count(db)
        .await?
        > 0)
}

/// Records that the device signed in now (first seen, or seen again).
pub async fn touch_device(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    device_hash: &str,
    user_agent: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let updated = devices::Entity::update_many()
        .col_expr(devices::Column::LastSeen, Expr::value(now))
        .filter(devices::Column::UserId.eq(user.0))
        .filter(devices::Column::DeviceHash.eq(device_hash))
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        devices::ActiveModel {
            id: Set(Uuid::now_v7()),
            tenant_id: Set(tenant.0),
            user_id: Set(user.0),
            device_hash: Set(device_hash.to_string()),
            user_agent: Set(user_agent.map(|ua| ua.chars().take(512).collect())),
            first_seen: Set(now),
            last_seen: Set(now),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// The account's newest sign-in events, newest first; with `only_succeeded`, those that
/// completed (what the risk engine learns from).
pub async fn recent_events(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    limit: u64,
    only_succeeded: bool,
) -> Result<Vec<LoginEventRow>, StoreError> {
    let mut query = login_events::Entity::find()
        .filter(login_events::Column::TenantId.eq(tenant.0))
        .filter(login_events::Column::UserId.eq(user.0));
    if only_succeeded {
        query = query.filter(login_events::Column::Outcome.eq("succeeded"));
    }
    Ok(query
        .order_by_desc(login_events::Column::At)
        .limit(limit)
        .all(db)
        .await?)
}

pub async fn find_event(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<LoginEventRow>, StoreError> {
    Ok(login_events::Entity::find_by_id(id)
        .filter(login_events::Column::TenantId.eq(tenant.0))
        .one(db)
        .await?)
}

/// Sets an event's outcome (and, when given, the methods it was completed with).
pub async fn set_outcome(
    db: &impl ConnectionTrait,
    id: Uuid,
    outcome: &str,
    methods: Option<String>,
) -> Result<(), StoreError> {
    let mut update = login_events::Entity::update_many()
        .col_expr(login_events::Column::Outcome, Expr::value(outcome))
        .filter(login_events::Column::Id.eq(id));
    if let Some(methods) = methods {
        update = update.col_expr(login_events::Column::Methods, Expr::value(methods));
    }
    update.exec(db).await?;
    Ok(())
}

/// Forgets every device of the account: each one is new again to the risk engine.
pub async fn forget_devices(db: &impl ConnectionTrait, user: UserId) -> Result<u64, StoreError> {
    Ok(devices::Entity::delete_many()
        .filter(devices::Column::UserId.eq(user.0))
        .exec(db)
        .await?
        .rows_affected)
}

pub async fn insert_event(db: &impl ConnectionTrait, row: LoginEventRow) -> Result<(), StoreError> {
    login_events::ActiveModel {
        id: Set(row.id),
        tenant_id: Set(row.tenant_id),
        user_id: Set(row.user_id),
        at: Set(row.at),
        ip: Set(row.ip),
        user_agent: Set(row.user_agent),
        country: Set(row.country),
        city: Set(row.city),
        latitude: Set(row.latitude),
        longitude: Set(row.longitude),
        device_known: Set(row.device_known),
        methods: Set(row.methods),
        score: Set(row.score),
        decision: Set(row.decision),
        enforced: Set(row.enforced),
        reasons: Set(row.reasons),
        outcome: Set(row.outcome),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Failed sign-ins since `since`: on the account, and from the address.
pub async fn recent_failures(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    ip: Option<&str>,
    since: DateTime<Utc>,
) -> Result<(u32, u32), StoreError> {
    let base = || {
        audit_events::Entity::find()
            .filter(audit_events::Column::TenantId.eq(tenant.0))
            .filter(audit_events::Column::Action.eq("login.failed"))
            .filter(audit_events::Column::CreatedAt.gte(since))
    };
    let account = base()
        .filter(audit_events::Column::SubjectUserId.eq(user.0))
        .count(db)
        .await?;
    let from_ip = match ip {
        Some(ip) => {
            base()
                .filter(audit_events::Column::Ip.eq(ip))
                .count(db)
                .await?
        }
        None => 0,
    };
    Ok((account as u32, from_ip as u32))
}
