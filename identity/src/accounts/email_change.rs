//! Changing the account's email address, safely.
//!
//! A change needs a recent sign-in ([`Engine::confirmed_recently`]) and stays pending
//! until the new address proves itself through a link mailed to it (24 hours, once).
//! Until then nothing about the account changes: the old address still signs in, and
//! the new one is not the account's — a reset or a sign-in with it finds nothing. The
//! old address is told at once, with a link that undoes the change for 7 days: it
//! cancels a pending change or puts the old address back, and signs out every session
//! and app. A new address that another account holds gets a notice instead of a link,
//! so the page that asked cannot tell whether the address is taken.

use chrono::{DateTime, Duration, Utc};

use super::Email;
use crate::audit::{AuditEvent, ClientInfo};
use crate::mail::{self, MailKind};
use crate::secrets::{random_token, sha256_hex};
use crate::sessions::AuthState;
use crate::store::{self, StoreError};
use crate::tenants::Tenant;
use crate::{Engine, UserId};

pub const PURPOSE_EMAIL_CHANGE: &str = "email_change";
pub const PURPOSE_EMAIL_REVERT: &str = "email_revert";
/// How long the confirmation link to the new address works.
pub const CONFIRM_FOR: Duration = Duration::hours(24);
/// How long the old address can undo the change.
pub const REVERT_FOR: Duration = Duration::days(7);

/// A change waiting for the new address to confirm it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingEmail {
    pub address: String,
    pub expires_at: DateTime<Utc>,
}

/// Why a change was not started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmailChangeProblem {
    /// The customer must confirm it's them first.
    ReauthRequired,
    /// The new address is not one (the field is `email`).
    Invalid(super::EmailError),
    /// The new address is the current one.
    Unchanged,
}

/// What a confirmation or undo link leads to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EmailLink {
    /// The link works: the address it is about.
    Open { address: String },
    /// Unknown, used, expired, superseded, or for another tenant.
    Invalid,
}

/// The result of following a confirmation link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EmailConfirmed {
    /// The account's address is now `address`, verified.
    Changed {
        address: String,
    },
    /// Another account took the address meanwhile: nothing changed.
    AddressTaken,
    Invalid,
}

/// The result of following an undo link.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EmailReverted {
    /// The account's address is `address` again; every session and app was signed out.
    Restored {
        address: String,
        sessions_ended: u64,
    },
    /// Another account took the old address meanwhile; the change was cancelled and
    /// every session signed out, but the address could not be put back.
    AddressTaken,
    Invalid,
}

impl Engine {
    /// The account's pending change of address, if one waits for confirmation.
    pub async fn pending_email_change(
        &self,
        user: UserId,
    ) -> Result<Option<PendingEmail>, StoreError> {
        Ok(
            store::codes::find_live(self.db().conn(), user, PURPOSE_EMAIL_CHANGE, self.now())
                .await?
                .map(|row| PendingEmail {
                    address: row.email,
                    expires_at: row.expires_at,
                }),
        )
    }

    /// Starts a change of the signed-in customer's address to `new`: a confirmation
    /// link to the new address, a notice with an undo link to the old one. An older
    /// pending change ends.
    pub async fn request_email_change(
        &self,
        tenant: &Tenant,
        auth: &AuthState,
        client: &ClientInfo,
        new: &str,
    ) -> Result<Result<PendingEmail, EmailChangeProblem>, StoreError> {
        if !self.confirmed_recently(tenant, auth).await? {
            return Ok(Err(EmailChangeProblem::ReauthRequired));
        }
        let new = match Email::parse(new) {
            Ok(e) => e,
            Err(e) => return Ok(Err(EmailChangeProblem::Invalid(e))),
        };
        let user = auth.user_id;
        let now = self.now();
        let tx = self.db().begin().await?;
        let Some(owner) = store::accounts::find_summary(&tx, tenant.id, user).await? else {
            return Err(StoreError::Corrupt { what: "account" });
        };
        if owner.email == new.as_str() {
            return Ok(Err(EmailChangeProblem::Unchanged));
        }
        let taken = store::accounts::find_user_by_email(&tx, tenant.id, &new)
            .await?
            .is_some();
        store::codes::supersede(&tx, user, PURPOSE_EMAIL_CHANGE, now).await?;
        let change = uuid::Uuid::now_v7();
        let token = random_token();
        let expires_at = now + CONFIRM_FOR;
        store::codes::insert(
            &tx,
            change,
            tenant.id,
            user,
            PURPOSE_EMAIL_CHANGE,
            // A taken address gets no link: this token is never sent.
            &sha256_hex(token.as_bytes()),
            None,
            new.as_str(),
            expires_at,
            now,
            None,
        )
        .await?;
        let lang = owner.locale;
        let kind = if taken {
            MailKind::EmailInUse {
                login_link: mail::link(tenant, "/login"),
            }
        } else {
            MailKind::EmailChangeConfirm {
                name: owner.display_name.clone(),
                address: new.as_str().to_string(),
                link: mail::link(tenant, &format!("/account/email/confirm?token={token}")),
                hours: CONFIRM_FOR.num_hours(),
            }
        };
        // The new address has no account yet (or another one): write in this
        // account's language.
        self.queue_mail_in(&tx, tenant, new.as_str(), lang, &kind)
            .await?;
        let revert = random_token();
        store::codes::insert(
            &tx,
            uuid::Uuid::now_v7(),
            tenant.id,
            user,
            PURPOSE_EMAIL_REVERT,
            &sha256_hex(revert.as_bytes()),
            None,
            &owner.email,
            now + REVERT_FOR,
            now,
            Some(change),
        )
        .await?;
        let notice = MailKind::EmailChangeNotice {
            name: owner.display_name,
            address: new.as_str().to_string(),
            revert_link: mail::link(tenant, &format!("/account/email/revert?token={revert}")),
            days: REVERT_FOR.num_days(),
        };
        self.queue_mail(&tx, tenant, &owner.email, &notice).await?;
        store::audit::insert(
            &tx,
            now,
            &AuditEvent::new(tenant.id, "email.change_requested", client)
                .actor(user)
                .subject(user)
                .reference("code", change),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(PendingEmail {
            address: new.as_str().to_string(),
            expires_at,
        }))
    }

    /// Cancels the signed-in customer's pending change; false when none was pending.
    pub async fn cancel_email_change(
        &self,
        tenant: &Tenant,
        user: UserId,
        client: &ClientInfo,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        let tx = self.db().begin().await?;
        let Some(pending) = store::codes::find_live(&tx, user, PURPOSE_EMAIL_CHANGE, now).await?
        else {
            return Ok(false);
        };
        if !store::codes::consume(&tx, pending.id, now).await? {
            return Ok(false);
        }
        store::audit::insert(
            &tx,
            now,
            &AuditEvent::new(tenant.id, "email.change_cancelled", client)
                .actor(user)
                .subject(user),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Looks at a confirmation (`PURPOSE_EMAIL_CHANGE`) or undo (`PURPOSE_EMAIL_REVERT`)
    /// link without using it: mail scanners open links, only the confirming POST acts.
    pub async fn check_email_link(
        &self,
        tenant: &Tenant,
        purpose: &str,
        token: &str,
    ) -> Result<EmailLink, StoreError> {
        Ok(
            match self
                .live_email_code(self.db().conn(), tenant, purpose, token)
                .await?
            {
                // The confirmation names the new address; the undo, the one it restores.
                Some(row) => EmailLink::Open { address: row.email },
                None => EmailLink::Invalid,
            },
        )
    }

    async fn live_email_code(
        &self,
        db: &impl sea_orm::ConnectionTrait,
        tenant: &Tenant,
        purpose: &str,
        token: &str,
    ) -> Result<Option<store::codes::CodeRow>, StoreError> {
        let Some(row) =
            store::codes::find_by_token(db, tenant.id, &sha256_hex(token.trim().as_bytes()))
                .await?
        else {
            return Ok(None);
        };
        Ok(
            (row.purpose == purpose && row.used_at.is_none() && row.expires_at > self.now())
                .then_some(row),
        )
    }

    /// Follows the link mailed to the new address: the account's address becomes it,
    /// verified by this very link.
    pub async fn confirm_email_change(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        token: &str,
    ) -> Result<EmailConfirmed, StoreError> {
        let now = self.now();
        let tx = self.db().begin().await?;
        let Some(row) = self
            .live_email_code(&tx, tenant, PURPOSE_EMAIL_CHANGE, token)
            .await?
        else {
            return Ok(EmailConfirmed::Invalid);
        };
        let address =
            Email::parse(&row.email).map_err(|_| StoreError::Corrupt { what: "email" })?;
        let user = row.user_id;
        let holder = store::accounts::find_user_by_email(&tx, tenant.id, &address).await?;
        if holder.is_some_and(|h| h != user) {
            return Ok(EmailConfirmed::AddressTaken);
        }
        // A taken address was never sent its link; one that is free now still needs
        // the link that went to it, so the token decides alone.
        if !store::codes::consume(&tx, row.id, now).await? {
            return Ok(EmailConfirmed::Invalid);
        }
        match store::accounts::replace_primary_email(&tx, tenant.id, user, &address, now).await {
            Ok(true) => {}
            Ok(false) => return Ok(EmailConfirmed::Invalid),
            Err(StoreError::Conflict { .. }) => return Ok(EmailConfirmed::AddressTaken),
            Err(e) => return Err(e),
        }
        store::audit::insert(
            &tx,
            now,
            &AuditEvent::new(tenant.id, "email.changed", client)
                .actor(user)
                .subject(user)
                .reference("code", row.id),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(user = %user, "email address changed");
        Ok(EmailConfirmed::Changed {
            address: address.as_str().to_string(),
        })
    }

    /// Follows the undo link mailed to the old address: a pending change is cancelled,
    /// a completed one is reversed, and every session and app is signed out.
    pub async fn revert_email_change(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        token: &str,
    ) -> Result<EmailReverted, StoreError> {
        let now = self.now();
        let tx = self.db().begin().await?;
        let Some(row) = self
            .live_email_code(&tx, tenant, PURPOSE_EMAIL_REVERT, token)
            .await?
        else {
            return Ok(EmailReverted::Invalid);
        };
        if !store::codes::consume(&tx, row.id, now).await? {
            return Ok(EmailReverted::Invalid);
        }
        let user = row.user_id;
        let old = Email::parse(&row.email).map_err(|_| StoreError::Corrupt { what: "email" })?;
        store::codes::supersede(&tx, user, PURPOSE_EMAIL_CHANGE, now).await?;
        let holder = store::accounts::find_user_by_email(&tx, tenant.id, &old).await?;
        let restored = match holder {
            Some(h) if h == user => true,
            Some(_) => false,
            None => store::accounts::replace_primary_email(&tx, tenant.id, user, &old, now).await?,
        };
        let sessions_ended = store::sessions::delete_for_user(&tx, tenant.id, user).await?;
        store::oauth::revoke_user_grants(&tx, tenant.id, user, None, now).await?;
        store::audit::insert(
            &tx,
            now,
            &AuditEvent::new(tenant.id, "email.change_reverted", client)
                .actor(user)
                .subject(user)
                .detail("restored", if restored { "yes" } else { "no" }),
        )
        .await?;
        tx.commit().await?;
        tracing::info!(user = %user, sessions_ended, restored, "email change undone");
        Ok(if restored {
            EmailReverted::Restored {
                address: old.as_str().to_string(),
                sessions_ended,
            }
        } else {
            EmailReverted::AddressTaken
        })
    }
}
