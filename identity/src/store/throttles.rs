//! Queries for throttle counters. Callers run them inside one transaction per check.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
};

use super::StoreError;
use super::entities::throttles;

/// A counter as read under lock.
#[derive(Clone, Copy, Debug)]
pub struct Counter {
    pub window_start: DateTime<Utc>,
    pub count: i32,
    pub prev_count: i32,
    pub next_allowed_at: DateTime<Utc>,
}

/// Creates the counter if missing. As the first statement of a transaction it also
/// takes SQLite's write lock, so concurrent checks of any key run one after another.
pub async fn ensure(
    db: &impl ConnectionTrait,
    key: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    throttles::Entity::insert(throttles::ActiveModel {
        key: Set(key.to_string()),
        window_start: Set(now),
        count: Set(0),
        prev_count: Set(0),
        next_allowed_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict_do_nothing()
    .exec(db)
    .await?;
    Ok(())
}

/// Reads a counter and locks its row (`FOR UPDATE` on PostgreSQL).
pub async fn lock(db: &impl ConnectionTrait, key: &str) -> Result<Counter, StoreError> {
    let row = throttles::Entity::find_by_id(key.to_string())
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or(StoreError::Corrupt {
            what: "throttle counter",
        })?;
    Ok(Counter {
        window_start: row.window_start,
        count: row.count,
        prev_count: row.prev_count,
        next_allowed_at: row.next_allowed_at,
    })
}

pub async fn save(
    db: &impl ConnectionTrait,
    key: &str,
    counter: &Counter,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    throttles::ActiveModel {
        key: Set(key.to_string()),
        window_start: Set(counter.window_start),
        count: Set(counter.count),
        prev_count: Set(counter.prev_count),
        next_allowed_at: Set(counter.next_allowed_at),
        updated_at: Set(now),
    }
    .update(db)
    .await?;
    Ok(())
}

/// Deletes the counters of `keys` in one statement.
pub async fn delete_many(db: &impl ConnectionTrait, keys: &[&str]) -> Result<(), StoreError> {
    if keys.is_empty() {
        return Ok(());
    }
    throttles::Entity::delete_many()
        .filter(throttles::Column::Key.is_in(keys.iter().map(|k| k.to_string())))
        .exec(db)
        .await?;
    Ok(())
}

/// Deletes counters untouched since `cutoff`.
pub async fn delete_stale(
    db: &impl ConnectionTrait,
    cutoff: DateTime<Utc>,
) -> Result<u64, StoreError> {
    Ok(throttles::Entity::delete_many()
        .filter(throttles::Column::UpdatedAt.lt(cutoff))
        .exec(db)
        .await?
        .rows_affected)
}
