//! Queries for flows.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, sea_query::Expr,
};

use super::StoreError;
use super::entities::flows;
use crate::flows::{Flow, FlowContext, FlowKind, FlowState, Message};
use crate::{FlowId, TenantId};

fn to_flow(m: flows::Model) -> Result<Flow, StoreError> {
    Ok(Flow {
        id: FlowId(m.id),
        tenant_id: TenantId(m.tenant_id),
        kind: FlowKind::parse(&m.kind).ok_or(StoreError::Corrupt { what: "flow kind" })?,
        state: FlowState::parse(&m.state).ok_or(StoreError::Corrupt { what: "flow state" })?,
        return_to: m.return_to,
        app_id: m.app_id,
        browser_binding: m.browser_binding,
        csrf_token: m.csrf_token,
        messages: serde_json::from_value(m.messages).map_err(|_| StoreError::Corrupt {
            what: "flow messages",
        })?,
        context: serde_json::from_value(m.context).map_err(|_| StoreError::Corrupt {
            what: "flow context",
        })?,
        expires_at: m.expires_at,
        created_at: m.created_at,
    })
}

fn json<T: serde::Serialize>(
    value: &T,
    what: &'static str,
) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(value).map_err(|_| StoreError::Corrupt { what })
}

pub async fn insert(
    db: &impl ConnectionTrait,
    flow: &Flow,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    flows::ActiveModel {
        id: Set(flow.id.0),
        tenant_id: Set(flow.tenant_id.0),
        kind: Set(flow.kind.as_str().to_string()),
        state: Set(flow.state.as_str().to_string()),
        app_id: Set(flow.app_id),
        return_to: Set(flow.return_to.clone()),
        browser_binding: Set(flow.browser_binding.clone()),
        csrf_token: Set(flow.csrf_token.clone()),
        messages: Set(json(&flow.messages, "flow messages")?),
        context: Set(json(&flow.context, "flow context")?),
        expires_at: Set(flow.expires_at),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

pub async fn find_by_id(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: FlowId,
) -> Result<Option<Flow>, StoreError> {
    flows::Entity::find_by_id(id.0)
        .filter(flows::Column::TenantId.eq(tenant.0))
        .one(db)
        .await?
        .map(to_flow)
        .transpose()
}

/// The app a flow signs in to, if any.
pub async fn app_of(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: FlowId,
) -> Result<Option<uuid::Uuid>, StoreError> {
    Ok(flows::Entity::find_by_id(id.0)
        .filter(flows::Column::TenantId.eq(tenant.0))
        .one(db)
        .await?
        .and_then(|m| m.app_id))
}

/// Records the outcome of a step that keeps the flow open.
pub async fn update_step(
    db: &impl ConnectionTrait,
    id: FlowId,
    state: FlowState,
    messages: &[Message],
    context: &FlowContext,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    flows::ActiveModel {
        id: Set(id.0),
        state: Set(state.as_str().to_string()),
        messages: Set(json(&messages, "flow messages")?),
        context: Set(json(context, "flow context")?),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

/// Moves an open flow to its final state with one conditional update. Returns false
/// when it was already complete, so two concurrent submissions cannot both finish it.
pub async fn complete(
    db: &impl ConnectionTrait,
    id: FlowId,
    state: FlowState,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    complete_with(db, id, state, None, now).await
}

/// [`complete`], also storing the flow's final context (how the customer proved who
/// they are, for the record).
pub async fn complete_with(
    db: &impl ConnectionTrait,
    id: FlowId,
    state: FlowState,
    context: Option<&FlowContext>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut update = flows::Entity::update_many();
    if let Some(context) = context {
        update = update.col_expr(
            flows::Column::Context,
            Expr::value(json(context, "flow context")?),
        );
    }
    let result = update
        .col_expr(flows::Column::State, Expr::value(state.as_str()))
        .col_expr(flows::Column::Messages, Expr::value(serde_json::json!([])))
        .col_expr(flows::Column::UpdatedAt, Expr::value(now))
        .filter(flows::Column::Id.eq(id.0))
        .filter(flows::Column::State.ne(FlowState::Complete.as_str()))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Deletes flows that expired before `cutoff`.
pub async fn delete_expired(
    db: &impl ConnectionTrait,
    cutoff: DateTime<Utc>,
) -> Result<u64, StoreError> {
    Ok(flows::Entity::delete_many()
        .filter(flows::Column::ExpiresAt.lt(cutoff))
        .exec(db)
        .await?
        .rows_affected)
}
