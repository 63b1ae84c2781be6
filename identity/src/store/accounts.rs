//! Queries for users, their emails, identities and passwords.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Set,
};
use uuid::Uuid;

use super::StoreError;
use super::entities::{identities, password_credentials, user_emails, user_roles, users};
use crate::accounts::{AccountStatus, AccountSummary, DisplayName, Email};
use crate::i18n::Language;
use crate::{TenantId, UserId};

/// What a password sign-in needs to know about the account behind an email.
#[derive(Clone, Debug)]
pub struct LoginCandidate {
    pub user_id: UserId,
    pub status: AccountStatus,
    pub phc: Option<String>,
    pub display_name: String,
    pub email: String,
    pub email_verified: bool,
    /// The password was blocked until reset (the owner reported a sign-in).
    pub password_blocked: bool,
}

pub async fn find_user_by_email(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    email: &Email,
) -> Result<Option<UserId>, StoreError> {
    Ok(user_emails::Entity::find()
        .filter(user_emails::Column::TenantId.eq(tenant.0))
        .filter(user_emails::Column::Address.eq(email.as_str()))
        .one(db)
        .await?
        .map(|e| UserId(e.user_id)))
}

pub async fn find_login_candidate(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    email: &Email,
) -> Result<Option<LoginCandidate>, StoreError> {
    let Some(address) = user_emails::Entity::find()
        .filter(user_emails::Column::TenantId.eq(tenant.0))
        .filter(user_emails::Column::Address.eq(email.as_str()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(user) = users::Entity::find_by_id(address.user_id).one(db).await? else {
        return Ok(None);
    };
    let password = password_credentials::Entity::find_by_id(address.user_id)
        .one(db)
        .await?;
    let password_blocked = password.as_ref().is_some_and(|p| p.blocked_at.is_some());
    let phc = password.map(|p| p.phc);
    Ok(Some(LoginCandidate {
        user_id: UserId(address.user_id),
        status: AccountStatus::parse(&user.status).ok_or(StoreError::Corrupt {
            what: "user status",
        })?,
        phc,
        display_name: user.display_name,
        email: address.address,
        email_verified: address.verified_at.is_some(),
        password_blocked,
    }))
}

/// Blocks `user`'s password until it is reset; false when there is none.
pub async fn block_password(
    db: &impl ConnectionTrait,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let res = password_credentials::Entity::update_many()
        .col_expr(
            password_credentials::Column::BlockedAt,
            sea_orm::sea_query::Expr::value(Some(now)),
        )
        .filter(password_credentials::Column::UserId.eq(user.0))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Inserts a user with a primary email, a password identity and the password hash.
/// Run it inside a transaction: a duplicate email fails with `Conflict { field: "email" }`.
#[allow(clippy::too_many_arguments)]
pub async fn insert_password_account(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user_id: UserId,
    email: &Email,
    name: &DisplayName,
    locale: Option<Language>,
    phc: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    insert_account(db, tenant, user_id, email, name, locale, "password", now).await?;
    password_credentials::ActiveModel {
        user_id: Set(user_id.0),
        tenant_id: Set(tenant.0),
        phc: Set(phc.to_string()),
        created_at: Set(now),
        changed_at: Set(now),
        blocked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Inserts a user with a primary email and an identity for `provider` (`password`,
/// `passkey`); the credential itself is the caller's to store. Run it inside a
/// transaction: a duplicate email fails with `Conflict { field: "email" }`.
#[allow(clippy::too_many_arguments)]
pub async fn insert_account(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user_id: UserId,
    email: &Email,
    name: &DisplayName,
    locale: Option<Language>,
    provider: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    insert_user(db, tenant, user_id, name, locale, now).await?;
    user_emails::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tenant.0),
        user_id: Set(user_id.0),
        address: Set(email.as_str().to_string()),
        is_primary: Set(true),
        verified_at: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(|e| StoreError::conflict_on(e, "email"))?;
    identities::ActiveModel {
        id: Set(Uuid::now_v7()),
        tenant_id: Set(tenant.0),
        user_id: Set(user_id.0),
        provider: Set(provider.to_string()),
        subject: Set(user_id.0.to_string()),
        created_at: Set(now),
        email: Set(None),
        last_used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Inserts the user row of a new account (its addresses and identities are the
/// caller's).
pub(crate) async fn insert_user(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user_id: UserId,
    name: &DisplayName,
    locale: Option<Language>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    users::ActiveModel {
        id: Set(user_id.0),
        tenant_id: Set(tenant.0),
        status: Set(AccountStatus::Active.as_str().to_string()),
        display_name: Set(name.as_str().to_string()),
        profile: Set(serde_json::json!({})),
        locale: Set(locale.map(|l| l.code().to_string())),
        created_at: Set(now),
        updated_at: Set(now),
        delete_after: Set(None),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Keeps the language the account's mails are written in.
pub async fn set_locale(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    locale: Language,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    users::Entity::update_many()
        .col_expr(
            users::Column::Locale,
            sea_orm::sea_query::Expr::value(Some(locale.code().to_string())),
        )
        .col_expr(
            users::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .filter(users::Column::Id.eq(user.0))
        .filter(users::Column::TenantId.eq(tenant.0))
        .exec(db)
        .await?;
    Ok(())
}

/// The language of the account whose primary address is `address`, when it chose one.
pub async fn locale_of_address(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    address: &str,
) -> Result<Option<Language>, StoreError> {
    let Some(email) = user_emails::Entity::find()
        .filter(user_emails::Column::TenantId.eq(tenant.0))
        .filter(user_emails::Column::Address.eq(address))
        .filter(user_emails::Column::IsPrimary.eq(true))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(users::Entity::find_by_id(email.user_id)
        .one(db)
        .await?
        .and_then(|u| u.locale)
        .and_then(|code| Language::parse(&code)))
}

/// Whether the account has a password it can sign in with.
pub async fn has_password(db: &impl ConnectionTrait, user: UserId) -> Result<bool, StoreError> {
    Ok(password_credentials::Entity::find_by_id(user.0)
        .one(db)
        .await?
        .is_some())
}

/// An active account's email, name and verification state, by id.
pub async fn find_candidate_by_id(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
) -> Result<Option<LoginCandidate>, StoreError> {
    let Some(address) = user_emails::Entity::find()
        .filter(user_emails::Column::TenantId.eq(tenant.0))
        .filter(user_emails::Column::UserId.eq(user.0))
        .filter(user_emails::Column::IsPrimary.eq(true))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let email =
        Email::parse(&address.address).map_err(|_| StoreError::Corrupt { what: "email" })?;
    find_login_candidate(db, tenant, &email).await
}

pub async fn find_summary(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
) -> Result<Option<AccountSummary>, StoreError> {
    let Some(u) = users::Entity::find_by_id(user.0)
        .filter(users::Column::TenantId.eq(tenant.0))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let email = user_emails::Entity::find()
        .filter(user_emails::Column::UserId.eq(user.0))
        .filter(user_emails::Column::IsPrimary.eq(true))
        .one(db)
        .await?;
    let has_password = password_credentials::Entity::find_by_id(user.0)
        .count(db)
        .await?
        > 0;
    Ok(Some(AccountSummary {
        locale: u.locale.as_deref().and_then(Language::parse),
        id: user,
        tenant_id: tenant,
        display_name: u.display_name,
        email: email
            .as_ref()
            .map(|e| e.address.clone())
            .unwrap_or_default(),
        email_verified: email.as_ref().is_some_and(|e| e.verified_at.is_some()),
        status: AccountStatus::parse(&u.status).ok_or(StoreError::Corrupt {
            what: "user status",
        })?,
        created_at: u.created_at,
        has_password,
    }))
}

/// Whether the account exists in `tenant` and is active (one primary-key read).
pub async fn is_active(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
) -> Result<bool, StoreError> {
    Ok(users::Entity::find_by_id(user.0)
        .filter(users::Column::TenantId.eq(tenant.0))
        .filter(users::Column::Status.eq(AccountStatus::Active.as_str()))
        .count(db)
        .await?
        > 0)
}

/// How many accounts a tenant has (for tests and the console).
pub async fn count_users(db: &impl ConnectionTrait, tenant: TenantId) -> Result<u64, StoreError> {
    Ok(users::Entity::find()
        .filter(users::Column::TenantId.eq(tenant.0))
        .count(db)
        .await?)
}

/// Marks `user`'s address `email` verified (if it is still theirs).
pub async fn mark_email_verified(
    db: &impl ConnectionTrait,
    user: UserId,
    email: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    user_emails::Entity::update_many()
        .col_expr(
            user_emails::Column::VerifiedAt,
            sea_orm::sea_query::Expr::value(Some(now)),
        )
        .filter(user_emails::Column::UserId.eq(user.0))
        .filter(user_emails::Column::Address.eq(email))
        .filter(user_emails::Column::VerifiedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Sets (or replaces) `user`'s password hash.
pub async fn set_password(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    phc: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    use sea_orm::sea_query::OnConflict;
    password_credentials::Entity::insert(password_credentials::ActiveModel {
        user_id: Set(user.0),
        tenant_id: Set(tenant.0),
        phc: Set(phc.to_string()),
        created_at: Set(now),
        changed_at: Set(now),
        blocked_at: Set(None),
    })
    .on_conflict(
        // A new password also lifts a block ("this wasn't me").
        OnConflict::column(password_credentials::Column::UserId)
            .update_columns([
                password_credentials::Column::Phc,
                password_credentials::Column::ChangedAt,
                password_credentials::Column::BlockedAt,
            ])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// The stored password hash of `user`, if any.
pub async fn find_password(
    db: &impl ConnectionTrait,
    user: UserId,
) -> Result<Option<String>, StoreError> {
    Ok(password_credentials::Entity::find_by_id(user.0)
        .one(db)
        .await?
        .map(|p| p.phc))
}

/// Replaces the stored encoding of an unchanged password (a rehash).
pub async fn rehash_password(
    db: &impl ConnectionTrait,
    user: UserId,
    phc: &str,
) -> Result<(), StoreError> {
    password_credentials::Entity::update_many()
        .col_expr(
            password_credentials::Column::Phc,
            sea_orm::sea_query::Expr::value(phc),
        )
        .filter(password_credentials::Column::UserId.eq(user.0))
        .exec(db)
        .await?;
    Ok(())
}

// ---- roles ---------------------------------------------------------------------------

/// The roles a user holds (in their tenant).
pub async fn roles(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
) -> Result<Vec<String>, StoreError> {
    Ok(user_roles::Entity::find()
        .filter(user_roles::Column::UserId.eq(user.0))
        .filter(user_roles::Column::TenantId.eq(tenant.0))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.role)
        .collect())
}

/// Gives a user a role; false if they had it.
pub async fn grant_role(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    role: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    if roles(db, tenant, user).await?.iter().any(|r| r == role) {
        return Ok(false);
    }
    user_roles::ActiveModel {
        user_id: Set(user.0),
        role: Set(role.to_string()),
        tenant_id: Set(tenant.0),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(true)
}

/// Takes a role away; false if they did not have it.
pub async fn revoke_role(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    role: &str,
) -> Result<bool, StoreError> {
    Ok(user_roles::Entity::delete_many()
        .filter(user_roles::Column::UserId.eq(user.0))
        .filter(user_roles::Column::TenantId.eq(tenant.0))
        .filter(user_roles::Column::Role.eq(role))
        .exec(db)
        .await?
        .rows_affected
        > 0)
}

/// Who holds `role` in the tenant, with their primary email.
pub async fn role_holders(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    role: &str,
) -> Result<Vec<(UserId, String)>, StoreError> {
    let mut out = Vec::new();
    for r in user_roles::Entity::find()
        .filter(user_roles::Column::TenantId.eq(tenant.0))
        .filter(user_roles::Column::Role.eq(role))
        .all(db)
        .await?
    {
        let email = user_emails::Entity::find()
            .filter(user_emails::Column::UserId.eq(r.user_id))
            .filter(user_emails::Column::IsPrimary.eq(true))
            .one(db)
            .await?
            .map(|e| e.address)
            .unwrap_or_default();
        out.push((UserId(r.user_id), email));
    }
    Ok(out)
}

/// Moves `user`'s primary address to `address`, verified at `verified_at` (the change
/// was confirmed by a link sent to it). Run it inside a transaction: an address that
/// another account holds fails with `Conflict { field: "email" }`. False when the
/// account has no primary address in `tenant`.
pub async fn replace_primary_email(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    address: &Email,
    verified_at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let res = user_emails::Entity::update_many()
        .col_expr(
            user_emails::Column::Address,
            sea_orm::sea_query::Expr::value(address.as_str()),
        )
        .col_expr(
            user_emails::Column::VerifiedAt,
            sea_orm::sea_query::Expr::value(Some(verified_at)),
        )
        .filter(user_emails::Column::TenantId.eq(tenant.0))
        .filter(user_emails::Column::UserId.eq(user.0))
        .filter(user_emails::Column::IsPrimary.eq(true))
        .exec(db)
        .await
        .map_err(|e| StoreError::conflict_on(e, "email"))?;
    Ok(res.rows_affected == 1)
}

/// The account's user row and every address it holds (for its export).
pub async fn user_with_emails(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
) -> Result<Option<(users::Model, Vec<user_emails::Model>)>, StoreError> {
    let Some(row) = users::Entity::find_by_id(user.0)
        .filter(users::Column::TenantId.eq(tenant.0))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let emails = user_emails::Entity::find()
        .filter(user_emails::Column::TenantId.eq(tenant.0))
        .filter(user_emails::Column::UserId.eq(user.0))
        .all(db)
        .await?;
    Ok(Some((row, emails)))
}

/// When the account's password was set or last changed, if it has one.
pub async fn password_changed_at(
    db: &impl ConnectionTrait,
    user: UserId,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(password_credentials::Entity::find_by_id(user.0)
        .one(db)
        .await?
        .map(|p| p.changed_at))
}

/// Moves an account between `active` and `deletion_pending` (with when it is erased).
/// False when the account is not in `from`.
pub async fn set_deletion(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
    from: AccountStatus,
    to: AccountStatus,
    delete_after: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    use sea_orm::sea_query::Expr;
    let res = users::Entity::update_many()
        .col_expr(users::Column::Status, Expr::value(to.as_str()))
        .col_expr(users::Column::DeleteAfter, Expr::value(delete_after))
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .filter(users::Column::Id.eq(user.0))
        .filter(users::Column::TenantId.eq(tenant.0))
        .filter(users::Column::Status.eq(from.as_str()))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

/// When a `deletion_pending` account is erased.
pub async fn delete_after(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(users::Entity::find_by_id(user.0)
        .filter(users::Column::TenantId.eq(tenant.0))
        .filter(users::Column::Status.eq(AccountStatus::DeletionPending.as_str()))
        .one(db)
        .await?
        .and_then(|u| u.delete_after))
}

/// Accounts whose grace period is over, oldest first.
pub async fn due_for_erasure(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<(TenantId, UserId)>, StoreError> {
    use sea_orm::{QueryOrder, QuerySelect};
    Ok(users::Entity::find()
        .filter(users::Column::DeleteAfter.lte(now))
        .filter(users::Column::Status.eq(AccountStatus::DeletionPending.as_str()))
        .order_by_asc(users::Column::DeleteAfter)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|u| (TenantId(u.tenant_id), UserId(u.id)))
        .collect())
}

/// Erases an account: every row about it goes, and the audit trail keeps only its
/// pseudonymous id (addresses, devices and details are blanked). Run it in a
/// transaction.
pub async fn erase(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    user: UserId,
) -> Result<(), StoreError> {
    use super::entities::{
        audit_events, consents, device_authorizations, federation_states, oauth_grants, outbox,
        sessions, webauthn_ceremonies,
    };
    use sea_orm::sea_query::Expr;
    let addresses: Vec<String> = user_emails::Entity::find()
        .filter(user_emails::Column::UserId.eq(user.0))
        .all(db)
        .await?
        .into_iter()
        .map(|e| e.address)
        .collect();
    outbox::Entity::delete_many()
        .filter(outbox::Column::TenantId.eq(tenant.0))
        .filter(outbox::Column::Recipient.is_in(addresses))
        .exec(db)
        .await?;
    for column in [
        audit_events::Column::SubjectUserId,
        audit_events::Column::ActorUserId,
    ] {
        audit_events::Entity::update_many()
            .col_expr(
                audit_events::Column::Ip,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                audit_events::Column::UserAgent,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                audit_events::Column::Details,
                Expr::value(serde_json::json!({})),
            )
            .filter(audit_events::Column::TenantId.eq(tenant.0))
            .filter(column.eq(user.0))
            .exec(db)
            .await?;
    }
    sessions::Entity::delete_many()
        .filter(sessions::Column::UserId.eq(user.0))
        .exec(db)
        .await?;
    consents::Entity::delete_many()
        .filter(consents::Column::UserId.eq(user.0))
        .exec(db)
        .await?;
    oauth_grants::Entity::delete_many()
        .filter(oauth_grants::Column::UserId.eq(user.0))
        .exec(db)
        .await?;
    device_authorizations::Entity::delete_many()
        .filter(device_authorizations::Column::UserId.eq(user.0))
        .exec(db)
        .await?;
    federation_states::Entity::delete_many()
        .filter(federation_states::Column::UserId.eq(user.0))
        .exec(db)
        .await?;
    webauthn_ceremonies::Entity::delete_many()
        .filter(webauthn_ceremonies::Column::UserId.eq(user.0))
        .exec(db)
        .await?;
    // Addresses, identities, credentials, codes, devices, sign-ins and roles go with
    // the user row (foreign keys with ON DELETE CASCADE).
    users::Entity::delete_by_id(user.0)
        .filter(users::Column::TenantId.eq(tenant.0))
        .exec(db)
        .await?;
    Ok(())
}
