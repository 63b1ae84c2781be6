//! Queries for the outbox.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use super::StoreError;
use super::entities::outbox;
use crate::TenantId;
use crate::outbox::{OutboxMail, OutboxStatus, QueuedMail};

pub async fn insert(
    db: &impl ConnectionTrait,
    mail: &QueuedMail,
    now: DateTime<Utc>,
) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    outbox::ActiveModel {
        id: Set(id),
        tenant_id: Set(mail.tenant_id.0),
        kind: Set("mail".into()),
        template: Set(mail.template.to_string()),
        sender: Set(mail.from.clone()),
        recipient: Set(mail.to.clone()),
        subject: Set(mail.subject.clone()),
        text_body: Set(mail.text.clone()),
        html_body: Set(mail.html.clone()),
        status: Set(OutboxStatus::Pending.as_str().into()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        sent_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(id)
}

fn due(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(
            Condition::all()
                .add(outbox::Column::Status.eq(OutboxStatus::Pending.as_str()))
                .add(outbox::Column::NextAttemptAt.lte(now)),
        )
        .add(
            // A worker that claimed a mail and died: its lock has run out.
            Condition::all()
                .add(outbox::Column::Status.eq(OutboxStatus::Sending.as_str()))
                .add(outbox::Column::LockedUntil.lt(now)),
        )
}

pub async fn find_due(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Uuid>, StoreError> {
    Ok(outbox::Entity::find()
        .filter(due(now))
        .order_by_asc(outbox::Column::NextAttemptAt)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect())
}

/// Claims a due mail for one worker with a conditional update; false if another took it.
pub async fn claim(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
    lock_until: DateTime<Utc>,
) -> Result<Option<OutboxMail>, StoreError> {
    let res = outbox::Entity::update_many()
        .col_expr(
            outbox::Column::Status,
            Expr::value(OutboxStatus::Sending.as_str()),
        )
        .col_expr(outbox::Column::LockedUntil, Expr::value(Some(lock_until)))
        .col_expr(
            outbox::Column::Attempts,
            Expr::col(outbox::Column::Attempts).add(1),
        )
        .filter(outbox::Column::Id.eq(id))
        .filter(due(now))
        .exec(db)
        .await?;
    if res.rows_affected != 1 {
        return Ok(None);
    }
    Ok(outbox::Entity::find_by_id(id).one(db).await?.map(to_mail))
}

fn to_mail(m: outbox::Model) -> OutboxMail {
    OutboxMail {
        id: m.id,
        tenant_id: TenantId(m.tenant_id),
        template: m.template,
        from: m.sender,
        to: m.recipient,
        subject: m.subject,
        text: m.text_body,
        html: m.html_body,
        status: OutboxStatus::parse(&m.status),
        attempts: m.attempts,
        last_error: m.last_error,
        created_at: m.created_at,
        sent_at: m.sent_at,
    }
}

pub async fn mark_sent(
    db: &impl ConnectionTrait,
    id: Uuid,
    now: DateTime<Utc>,
    keep_bodies: bool,
) -> Result<(), StoreError> {
    let mut update = outbox::Entity::update_many()
        .col_expr(
            outbox::Column::Status,
            Expr::value(OutboxStatus::Sent.as_str()),
        )
        .col_expr(outbox::Column::SentAt, Expr::value(Some(now)))
        .col_expr(
            outbox::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            outbox::Column::LastError,
            Expr::value(Option::<String>::None),
        );
    if !keep_bodies {
        update = update
            .col_expr(outbox::Column::TextBody, Expr::value(""))
            .col_expr(outbox::Column::HtmlBody, Expr::value(""));
    }
    update.filter(outbox::Column::Id.eq(id)).exec(db).await?;
    Ok(())
}

pub async fn mark_retry(
    db: &impl ConnectionTrait,
    id: Uuid,
    next_attempt_at: DateTime<Utc>,
    error: &str,
) -> Result<(), StoreError> {
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::Status,
            Expr::value(OutboxStatus::Pending.as_str()),
        )
        .col_expr(outbox::Column::NextAttemptAt, Expr::value(next_attempt_at))
        .col_expr(
            outbox::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            outbox::Column::LastError,
            Expr::value(Some(truncate(error))),
        )
        .filter(outbox::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn mark_failed(
    db: &impl ConnectionTrait,
    id: Uuid,
    error: &str,
) -> Result<(), StoreError> {
    outbox::Entity::update_many()
        .col_expr(
            outbox::Column::Status,
            Expr::value(OutboxStatus::Failed.as_str()),
        )
        .col_expr(
            outbox::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            outbox::Column::LastError,
            Expr::value(Some(truncate(error))),
        )
        .filter(outbox::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

fn truncate(s: &str) -> String {
    s.chars().take(500).collect()
}

/// The newest mails of a tenant, for the dev mail viewer.
pub async fn recent(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    limit: u64,
) -> Result<Vec<OutboxMail>, StoreError> {
    Ok(outbox::Entity::find()
        .filter(outbox::Column::TenantId.eq(tenant.0))
        .order_by_desc(outbox::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(to_mail)
        .collect())
}

pub async fn find(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<OutboxMail>, StoreError> {
    Ok(outbox::Entity::find_by_id(id)
        .filter(outbox::Column::TenantId.eq(tenant.0))
        .one(db)
        .await?
        .map(to_mail))
}
