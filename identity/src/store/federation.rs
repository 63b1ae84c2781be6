//! Queries for upstream providers, the state of trips to them, and the identities
//! they assert.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set, sea_query::Expr,
};
use uuid::Uuid;

use super::StoreError;
use super::entities::{federation_providers, federation_states, identities};
use crate::federation::providers::{Preset, Provider, ProviderKind, ProviderSettings};
use crate::{TenantId, UserId};

fn corrupt(what: &'static str) -> StoreError {
    StoreError::Corrupt { what }
}

fn to_provider(m: federation_providers::Model) -> Result<Provider, StoreError> {
    Ok(Provider {
        id: m.id,
        tenant_id: TenantId(m.tenant_id),
        slug: m.slug,
        display_name: m.display_name,
        kind: ProviderKind::parse(&m.kind).ok_or(corrupt("provider kind"))?,
        preset: match m.preset {
            Some(p) => Some(Preset::parse(&p).ok_or(corrupt("provider preset"))?),
            None => None,
        },
        issuer: m.issuer,
        discovery_url: m.discovery_url,
        authorize_url: m.authorize_url,
        token_url: m.token_url,
        userinfo_url: m.userinfo_url,
        jwks_uri: m.jwks_uri,
        client_id: m.client_id,
        client_secret_sealed: m.client_secret_sealed,
        scopes: m.scopes.split_whitespace().map(str::to_string).collect(),
        settings: serde_json::from_str::<ProviderSettings>(&m.settings)
            .map_err(|_| corrupt("provider settings"))?,
        enabled: m.enabled,
        created_at: m.created_at,
    })
}

fn settings_json(settings: &ProviderSettings) -> Result<String, StoreError> {
    serde_json::to_string(settings).map_err(|_| corrupt("provider settings"))
}

pub async fn insert_provider(
    db: &impl ConnectionTrait,
    p: &Provider,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    federation_providers::ActiveModel {
        id: Set(p.id),
        tenant_id: Set(p.tenant_id.0),
        slug: Set(p.slug.clone()),
        display_name: Set(p.display_name.clone()),
        kind: Set(p.kind.as_str().to_string()),
        preset: Set(p.preset.map(|x| x.as_str().to_string())),
        issuer: Set(p.issuer.clone()),
        discovery_url: Set(p.discovery_url.clone()),
        authorize_url: Set(p.authorize_url.clone()),
        token_url: Set(p.token_url.clone()),
        userinfo_url: Set(p.userinfo_url.clone()),
        jwks_uri: Set(p.jwks_uri.clone()),
        client_id: Set(p.client_id.clone()),
        client_secret_sealed: Set(p.client_secret_sealed.clone()),
        scopes: Set(p.scopes.join(" ")),
        settings: Set(settings_json(&p.settings)?),
        enabled: Set(p.enabled),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(|e| StoreError::conflict_on(e, "slug"))?;
    Ok(())
}

/// Replaces a provider's settings (not its id, slug or creation time).
pub async fn update_provider(
    db: &impl ConnectionTrait,
    p: &Provider,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    federation_providers::ActiveModel {
        id: Set(p.id),
        display_name: Set(p.display_name.clone()),
        kind: Set(p.kind.as_str().to_string()),
        preset: Set(p.preset.map(|x| x.as_str().to_string())),
        issuer: Set(p.issuer.clone()),
        discovery_url: Set(p.discovery_url.clone()),
        authorize_url: Set(p.authorize_url.clone()),
        token_url: Set(p.token_url.clone()),
        userinfo_url: Set(p.userinfo_url.clone()),
        jwks_uri: Set(p.jwks_uri.clone()),
        client_id: Set(p.client_id.clone()),
        client_secret_sealed: Set(p.client_secret_sealed.clone()),
        scopes: Set(p.scopes.join(" ")),
        settings: Set(settings_json(&p.settings)?),
        enabled: Set(p.enabled),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

pub async fn list_providers(
    db: &impl ConnectionTrait,
    tenant: TenantId,
) -> Result<Vec<Provider>, StoreError> {
    federation_providers::Entity::find()
        .filter(federation_providers::Column::TenantId.eq(tenant.0))
        .order_by_asc(federation_providers::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(to_provider)
        .collect()
}

pub async fn find_provider(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    slug: &str,
) -> Result<Option<Provider>, StoreError> {
    federation_providers::Entity::find()
        .filter(federation_providers::Column::TenantId.eq(tenant.0))
        .filter(federation_providers::Column::Slug.eq(slug))
        .one(db)
        .await?
        .map(to_provider)
        .transpose()
}

pub async fn find_provider_by_id(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<Provider>, StoreError> {
    federation_providers::Entity::find_by_id(id)
        .filter(federation_providers::Column::TenantId.eq(tenant.0))
        .one(db)
        .await?
        .map(to_provider)
        .transpose()
}

pub async fn set_provider_enabled(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    slug: &str,
    enabled: bool,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let res = federation_providers::Entity::update_many()
        .col_expr(federation_providers::Column::Enabled, Expr::value(enabled))
        .col_expr(federation_providers::Column::UpdatedAt, Expr::value(now))
        .filter(federation_providers::Column::TenantId.eq(tenant.0))
        .filter(federation_providers::Column::Slug.eq(slug))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Deletes a provider and every identity it asserted (its states go by cascade).
pub async fn delete_provider(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    provider: &Provider,
) -> Result<u64, StoreError> {
    let gone = identities::Entity::delete_many()
        .filter(identities::Column::TenantId.eq(tenant.0))
        .filter(identities::Column::Provider.eq(provider.key()))
        .exec(db)
        .await?
        .rows_affected;
    federation_providers::Entity::delete_many()
        .filter(federation_providers::Column::TenantId.eq(tenant.0))
        .filter(federation_providers::Column::Id.eq(provider.id))
        .exec(db)
        .await?;
    Ok(gone)
}

/// A trip to a provider, as stored when it starts.
#[derive(Clone, Debug)]
pub struct StateRow {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub provider_id: Uuid,
    pub purpose: String,
    pub flow_id: Option<Uuid>,
    pub user_id: Option<UserId>,
    pub browser_hash: String,
    pub nonce: String,
    pub pkce_verifier_sealed: String,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_state(
    db: &impl ConnectionTrait,
    row: &StateRow,
    state_hash: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    federation_states::ActiveModel {
        id: Set(row.id),
        tenant_id: Set(row.tenant_id.0),
        state_hash: Set(state_hash.to_string()),
        provider_id: Set(row.provider_id),
        purpose: Set(row.purpose.clone()),
        flow_id: Set(row.flow_id),
        user_id: Set(row.user_id.map(|u| u.0)),
        browser_hash: Set(row.browser_hash.clone()),
        nonce: Set(row.nonce.clone()),
        pkce_verifier_sealed: Set(row.pkce_verifier_sealed.clone()),
        expires_at: Set(row.expires_at),
        used_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Uses up a live state: one conditional update, so a replay — even a concurrent
/// one — finds nothing. The row, if this call was the one that consumed it.
pub async fn consume_state(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    state_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<StateRow>, StoreError> {
    let res = federation_states::Entity::update_many()
        .col_expr(federation_states::Column::UsedAt, Expr::value(Some(now)))
        .filter(federation_states::Column::TenantId.eq(tenant.0))
        .filter(federation_states::Column::StateHash.eq(state_hash))
        .filter(federation_states::Column::UsedAt.is_null())
        .filter(federation_states::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    if res.rows_affected != 1 {
        return Ok(None);
    }
    let Some(m) = federation_states::Entity::find()
        .filter(federation_states::Column::StateHash.eq(state_hash))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(StateRow {
        id: m.id,
        tenant_id: TenantId(m.tenant_id),
        provider_id: m.provider_id,
        purpose: m.purpose,
        flow_id: m.flow_id,
        user_id: m.user_id.map(UserId),
        browser_hash: m.browser_hash,
        nonce: m.nonce,
        pkce_verifier_sealed: m.pkce_verifier_sealed,
        expires_at: m.expires_at,
    }))
}

/// Removes states that expired before `cutoff`.
pub async fn delete_expired_states(
    db: &impl ConnectionTrait,
    cutoff: DateTime<Utc>,
) -> Result<u64, StoreError> {
    Ok(federation_states::Entity::delete_many()
        .filter(federation_states::Column::ExpiresAt.lt(cutoff))
        .exec(db)
        .await?
        .rows_affected)
}

/// An identity a provider asserts, as linked to an account.
#[derive(Clone, Debug)]
pub struct LinkedIdentity {
    pub id: Uuid,
    pub user_id: UserId,
    pub provider: String,
    pub subject: String,
    pub email: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

fn to_identity(m: identities::Model) -> LinkedIdentity {
    LinkedIdentity {
        id: m.id,
        user_id: UserId(m.user_id),
        provider: m.provider,
        subject: m.subject,
        email: m.email,
        created_at: m.created_at,
        last_used_at: m.last_used_at,
    }
}

pub async fn find_identity(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    provider: &str,
    subject: &str,
) -> Result<Option<LinkedIdentity>, StoreError> {
    Ok(identities::Entity::find()
        .filter(identities::Column::TenantId.eq(tenant.0))
        .filter(identities::Column::Provider.eq(provider))
        .filter(identities::Column::Subject.eq(subject))
        .one(db)
        .await?
        .map(to_identity))
}

/// The identities of an account that upstream providers assert (`oidc:` keys).
pub async fn linked_identities(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
) -> Result<Vec<LinkedIdentity>, StoreError> {
    Ok(identities::Entity::find()
        .filter(identities::Column::TenantId.eq(tenant.0))
        .filter(identities::Column::UserId.eq(user.0))
        .filter(identities::Column::Provider.starts_with("oidc:"))
        .order_by_asc(identities::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(to_identity)
        .collect())
}

pub async fn count_linked(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
) -> Result<u64, StoreError> {
    Ok(identities::Entity::find()
        .filter(identities::Column::TenantId.eq(tenant.0))
        .filter(identities::Column::UserId.eq(user.0))
        .filter(identities::Column::Provider.starts_with("oidc:"))
        .count(db)
        .await?)
}

/// Links (provider, subject) to `user`. Fails with `Conflict { field: "identity" }` if
/// that identity already belongs to an account.
pub async fn insert_identity(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    provider: &str,
    subject: &str,
    email: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    identities::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tenant.0),
        user_id: Set(user.0),
        provider: Set(provider.to_string()),
        subject: Set(subject.to_string()),
        created_at: Set(now),
        email: Set(email.map(str::to_string)),
        last_used_at: Set(Some(now)),
    }
    .insert(db)
    .await
    .map_err(|e| StoreError::conflict_on(e, "identity"))?;
    Ok(())
}

pub async fn touch_identity(
    db: &impl ConnectionTrait,
    id: Uuid,
    email: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut update = identities::Entity::update_many()
        .col_expr(identities::Column::LastUsedAt, Expr::value(Some(now)))
        .filter(identities::Column::Id.eq(id));
    if let Some(email) = email {
        update = update.col_expr(identities::Column::Email, Expr::value(email));
    }
    update.exec(db).await?;
    Ok(())
}

pub async fn delete_identity(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    id: Uuid,
) -> Result<Option<String>, StoreError> {
    let Some(row) = identities::Entity::find_by_id(id)
        .filter(identities::Column::TenantId.eq(tenant.0))
        .filter(identities::Column::UserId.eq(user.0))
        .filter(identities::Column::Provider.starts_with("oidc:"))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    identities::Entity::delete_by_id(id).exec(db).await?;
    Ok(Some(row.provider))
}

/// Who holds an address, whether it is their primary one, and whether it is verified.
#[derive(Clone, Copy, Debug)]
pub struct EmailOwner {
    pub user_id: UserId,
    pub primary: bool,
    pub verified: bool,
}

pub async fn find_email_owner(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    address: &str,
) -> Result<Option<EmailOwner>, StoreError> {
    use super::entities::user_emails;
    Ok(user_emails::Entity::find()
        .filter(user_emails::Column::TenantId.eq(tenant.0))
        .filter(user_emails::Column::Address.eq(address))
        .one(db)
        .await?
        .map(|e| EmailOwner {
            user_id: UserId(e.user_id),
            primary: e.is_primary,
            verified: e.verified_at.is_some(),
        }))
}

/// Creates an account from a provider's identity: the user, its primary address
/// (verified — the provider vouched for it), and the identity. Run it in a transaction.
#[allow(clippy::too_many_arguments)]
pub async fn insert_federated_account(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    email: &crate::accounts::Email,
    name: &crate::accounts::DisplayName,
    locale: Option<crate::i18n::Language>,
    provider: &str,
    subject: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use super::entities::user_emails;
    super::accounts::insert_user(db, tenant, user, name, locale, now).await?;
    user_emails::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tenant.0),
        user_id: Set(user.0),
        address: Set(email.as_str().to_string()),
        is_primary: Set(true),
        verified_at: Set(Some(now)),
        created_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(|e| StoreError::conflict_on(e, "email"))?;
    insert_identity(
        db,
        tenant,
        user,
        provider,
        subject,
        Some(email.as_str()),
        now,
    )
    .await
}
