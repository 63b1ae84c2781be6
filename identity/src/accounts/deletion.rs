//! Deleting an account, with a grace period.
//!
//! The owner asks (a recent confirmation, and the account's address typed as the
//! confirmation): the account becomes `deletion_pending` with an erasure date (the
//! tenant's `accounts.deletion_grace_days`, 14 by default), every session ends, every
//! app loses its tokens, and the owner is mailed how to change their mind. Signing in
//! during the grace period lands on the offer to keep the account; nothing else works
//! for it (no app sign-in, no token, no reset). Afterwards the periodic purge erases
//! every row about the account; the audit trail keeps only its pseudonymous id.

use chrono::{DateTime, Duration, Utc};

use super::AccountStatus;
use crate::audit::{AuditEvent, ClientInfo};
use crate::mail::{self, MailKind};
use crate::sessions::AuthState;
use crate::store::{self, StoreError};
use crate::tenants::Tenant;
use crate::{Engine, UserId};

/// Where a customer whose account is pending deletion lands after signing in.
pub const PENDING_PAGE: &str = "/account/privacy";

/// Accounts erased per purge run (the rest wait for the next run).
const PURGE_BATCH: u64 = 100;

/// Why a deletion was not scheduled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeletionProblem {
    /// The customer must confirm it's them first.
    ReauthRequired,
    /// What was typed is not the account's address (the field is `confirm`).
    ConfirmationMismatch,
}

impl Engine {
    /// Schedules the signed-in customer's account for erasure; when it happens.
    pub async fn request_account_deletion(
        &self,
        tenant: &Tenant,
        auth: &AuthState,
        client: &ClientInfo,
        confirmation: &str,
    ) -> Result<Result<DateTime<Utc>, DeletionProblem>, StoreError> {
        if !self.confirmed_recently(tenant, auth).await? {
            return Ok(Err(DeletionProblem::ReauthRequired));
        }
        let user = auth.user_id;
        let now = self.now();
        let tx = self.db().begin().await?;
        let Some(owner) = store::accounts::find_summary(&tx, tenant.id, user).await? else {
            return Err(StoreError::Corrupt { what: "account" });
        };
        if !confirmation.trim().eq_ignore_ascii_case(&owner.email) {
            return Ok(Err(DeletionProblem::ConfirmationMismatch));
        }
        let days = tenant.policy.accounts.deletion_grace_days.min(90);
        let delete_after = now + Duration::days(i64::from(days));
        if !store::accounts::set_deletion(
            &tx,
            tenant.id,
            user,
            AccountStatus::Active,
            AccountStatus::DeletionPending,
            Some(delete_after),
            now,
        )
        .await?
        {
            return Err(StoreError::Corrupt {
                what: "account status",
            });
        }
        let sessions_ended = store::sessions::delete_for_user(&tx, tenant.id, user).await?;
        store::oauth::revoke_user_grants(&tx, tenant.id, user, None, now).await?;
        for purpose in [
            super::email_change::PURPOSE_EMAIL_CHANGE,
            super::export::PURPOSE_DATA_EXPORT,
        ] {
            store::codes::supersede(&tx, user, purpose, now).await?;
        }
        let kind = MailKind::AccountDeletionScheduled {
            name: owner.display_name,
            delete_after,
            login_link: mail::link(tenant, "/login"),
        };
        self.queue_mail(&tx, tenant, &owner.email, &kind).await?;
        store::audit::insert(
            &tx,
            now,
            &AuditEvent::new(tenant.id, "account.deletion_requested", client)
                .actor(user)
                .subject(user)
                .label("grace_days", days),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(user = %user, sessions_ended, days, "account scheduled for deletion");
        Ok(Ok(delete_after))
    }

    /// When the account is to be erased, if its deletion is pending.
    pub async fn deletion_scheduled(
        &self,
        tenant: &Tenant,
        user: UserId,
    ) -> Result<Option<DateTime<Utc>>, StoreError> {
        store::accounts::delete_after(self.db().conn(), tenant.id, user).await
    }

    /// Keeps an account whose deletion is pending (its owner signed in to cancel);
    /// false when none was pending.
    pub async fn cancel_account_deletion(
        &self,
        tenant: &Tenant,
        user: UserId,
        client: &ClientInfo,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        let tx = self.db().begin().await?;
        if !store::accounts::set_deletion(
            &tx,
            tenant.id,
            user,
            AccountStatus::DeletionPending,
            AccountStatus::Active,
            None,
            now,
        )
        .await?
        {
            return Ok(false);
        }
        store::audit::insert(
            &tx,
            now,
            &AuditEvent::new(tenant.id, "account.deletion_cancelled", client)
                .actor(user)
                .subject(user),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Erases the accounts whose grace period is over; how many. Run periodically.
    pub async fn purge_deleted_accounts(&self) -> Result<u64, StoreError> {
        let now = self.now();
        let due = store::accounts::due_for_erasure(self.db().conn(), now, PURGE_BATCH).await?;
        let mut erased = 0;
        for (tenant, user) in due {
            let tx = self.db().begin().await?;
            store::accounts::erase(&tx, tenant, user).await?;
            store::audit::insert(
                &tx,
                now,
                &AuditEvent::new(tenant, "account.deleted", &ClientInfo::default()).subject(user),
            )
            .await?;
            tx.commit().await?;
            tracing::info!(user = %user, "account erased after its grace period");
            erased += 1;
        }
        Ok(erased)
    }
}
