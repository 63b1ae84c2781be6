//! Second factors besides passkeys: TOTP authenticator apps (RFC 6238) and recovery
//! codes. Every check goes through the same throttle as passwords (keys per account,
//! per IP and per both, purpose `totp` / `recovery_code`), so restarting a sign-in does
//! not reset the count.
//!
//! - TOTP: a 160-bit seed, sealed at rest with the master key and bound to its row;
//!   enrolment is confirmed by a first code; ±1 step (30 s) of skew; a time step is
//!   accepted once per factor, so a code cannot be replayed within its window.
//! - Recovery codes: ten codes of 80 bits each, shown once, stored as SHA-256, single
//!   use; regenerating replaces the whole set; using one mails the owner.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::audit::{AuditEvent, ClientInfo};
use crate::secrets::{random_bytes, sha256_hex};
use crate::store::factors::TotpRow;
use crate::store::{self, StoreError};
use crate::tenants::Tenant;
use crate::throttle::{self, Admission};
use crate::{Engine, UserId};

/// Seconds per TOTP step.
pub const STEP_SECS: u64 = 30;
/// How many recovery codes a set holds.
pub const RECOVERY_CODES: usize = 10;
/// How long an authenticator app being added waits for its first code.
pub const PENDING_TOTP: chrono::Duration = chrono::Duration::minutes(15);

/// What an enrolment shows the customer: the seed as text and as an `otpauth://` URL
/// (for the QR code).
#[derive(Clone, Debug)]
pub struct TotpEnrolment {
    pub secret_base32: String,
    pub otpauth_url: String,
}

/// The outcome of checking a second factor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FactorCheck {
    Accepted,
    Rejected,
    /// Too many attempts: wait this many seconds.
    Throttled {
        retry_after_secs: i64,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FactorProblem {
    #[error("Authenticator apps can't be used until the server's master key is configured.")]
    NoMasterKey,
    #[error("Start adding the authenticator app again.")]
    NothingPending,
    #[error("That code didn't work. Check the time on your phone and try the newest code.")]
    WrongCode,
    #[error("Too many tries. Please wait, then try again.")]
    Throttled,
    #[error("For your security, sign in again first.")]
    ReauthRequired,
    #[error("There is no authenticator app to remove.")]
    NotEnrolled,
}

fn totp(secret: &[u8], issuer: &str, account: &str) -> Option<totp_rs::Totp> {
    totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::new(secret.to_vec().into_boxed_slice()))
        .with_issuer(Some(issuer.replace(':', " ")))
        .with_account_name(account.replace(':', " "))
        .build()
        .ok()
}

/// The 6-digit code for `secret` at Unix time `time` (for tests and tools).
pub fn code_at(secret: &[u8], time: u64) -> String {
    totp(secret, "Portico", "account")
        .map(|t| t.generate(time).to_string())
        .unwrap_or_default()
}

/// A recovery code as typed: spaces and dashes dropped, lower case.
fn normalize_recovery_code(input: &str) -> String {
    input
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Ten characters of Crockford-like base32 (no i, l, o, u), shown as `xxxxx-xxxxx`.
fn new_recovery_code() -> String {
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
    let bytes = random_bytes::<10>();
    // 80 bits → 16 characters of 5 bits.
    let mut bits: u128 = 0;
    for b in bytes {
        bits = (bits << 8) | u128::from(b);
    }
    let chars: String = (0..16)
        .map(|i| ALPHABET[((bits >> (75 - 5 * i)) & 31) as usize] as char)
        .collect();
    format!(
        "{}-{}-{}-{}",
        &chars[0..4],
        &chars[4..8],
        &chars[8..12],
        &chars[12..16]
    )
}

fn unix(now: DateTime<Utc>) -> u64 {
    now.timestamp().max(0) as u64
}

impl Engine {
    pub(crate) fn factor_keys(
        &self,
        tenant: &Tenant,
        purpose: &str,
        user: UserId,
        client: &ClientInfo,
    ) -> Vec<throttle::ThrottleKey> {
        throttle::keys_for(
            &tenant.policy.throttle,
            tenant.id,
            purpose,
            &user.to_string(),
            client.ip.as_deref(),
        )
    }

    /// Counts a factor attempt against the throttle; the keys and admission to forgive
    /// on success, or the throttled answer.
    pub(crate) async fn admit_factor(
        &self,
        tenant: &Tenant,
        purpose: &str,
        user: UserId,
        client: &ClientInfo,
    ) -> Result<Result<(Vec<throttle::ThrottleKey>, Admission), FactorCheck>, StoreError> {
        let keys = self.factor_keys(tenant, purpose, user, client);
        let admission = self.admit_attempt(&tenant.policy.throttle, &keys).await?;
        if let Admission::Throttled { retry_after } = admission {
            return Ok(Err(FactorCheck::Throttled {
                retry_after_secs: (retry_after.num_milliseconds() + 999) / 1000,
            }));
        }
        Ok(Ok((keys, admission)))
    }

    /// Starts adding an authenticator app: a fresh seed, pending until a code confirms
    /// it (within [`PENDING_TOTP`]). Any earlier pending seed is discarded. Needs a
    /// sign-in within the last 15 minutes.
    pub async fn start_totp_enrolment(
        &self,
        tenant: &Tenant,
        user: UserId,
        account_label: &str,
        authenticated_at: DateTime<Utc>,
    ) -> Result<Result<TotpEnrolment, FactorProblem>, StoreError> {
        if !self.signed_in_recently(authenticated_at) {
            return Ok(Err(FactorProblem::ReauthRequired));
        }
        let Some(key) = self.sealing_key() else {
            return Ok(Err(FactorProblem::NoMasterKey));
        };
        let seed = random_bytes::<20>();
        let id = Uuid::now_v7();
        let Some(t) = totp(&seed, &tenant.display_name, account_label) else {
            return Ok(Err(FactorProblem::NoMasterKey));
        };
        let row = TotpRow {
            id,
            tenant_id: tenant.id.0,
            user_id: user.0,
            sealed_secret: key.seal(&seed, id.as_bytes()),
            confirmed_at: None,
            last_used_step: 0,
            created_at: self.now(),
        };
        let tx = self.db().begin().await?;
        store::factors::insert_pending_totp(&tx, row).await?;
        tx.commit().await?;
        Ok(Ok(TotpEnrolment {
            secret_base32: totp_rs::Secret::new(seed.to_vec().into_boxed_slice()).to_base32(),
            otpauth_url: t.to_url().unwrap_or_default(),
        }))
    }

    /// The authenticator app being added, shown again (QR code and text) while it
    /// waits for its first code; `None` when nothing is pending or it is too old.
    pub async fn pending_totp(
        &self,
        tenant: &Tenant,
        user: UserId,
        account_label: &str,
    ) -> Result<Option<TotpEnrolment>, StoreError> {
        let Some(row) = self.fresh_pending_totp(tenant, user).await? else {
            return Ok(None);
        };
        let Some(seed) = self
            .sealing_key()
            .and_then(|key| key.open(&row.sealed_secret, row.id.as_bytes()))
        else {
            return Ok(None);
        };
        Ok(
            totp(&seed, &tenant.display_name, account_label).map(|t| TotpEnrolment {
                secret_base32: totp_rs::Secret::new(seed.to_vec().into_boxed_slice()).to_base32(),
                otpauth_url: t.to_url().unwrap_or_default(),
            }),
        )
    }

    async fn fresh_pending_totp(
        &self,
        tenant: &Tenant,
        user: UserId,
    ) -> Result<Option<TotpRow>, StoreError> {
        Ok(
            store::factors::find_totp(self.db().conn(), tenant.id, user, false)
                .await?
                .filter(|row| row.created_at + PENDING_TOTP > self.now()),
        )
    }

    /// Whether a sign-in at `authenticated_at` is recent enough to change factors.
    pub fn signed_in_recently(&self, authenticated_at: DateTime<Utc>) -> bool {
        self.now() - authenticated_at <= crate::credentials::passkeys::RECENT_SIGN_IN
    }

    /// Whether a session is fresh enough for a sensitive change (the address, removing
    /// a way to sign in, exporting or deleting the account): signed in within the last
    /// 15 minutes, and with two factors when the account has a second factor beyond its
    /// mailbox. When not, the customer confirms it's you ([`Engine::start_reauth`]).
    pub async fn confirmed_recently(
        &self,
        tenant: &Tenant,
        auth: &crate::sessions::AuthState,
    ) -> Result<bool, StoreError> {
        if !self.signed_in_recently(auth.authenticated_at) {
            return Ok(false);
        }
        if auth.aal >= 2 {
            return Ok(true);
        }
        let factors = self
            .factors_of(self.db().conn(), tenant, auth.user_id)
            .await?;
        Ok(factors
            .iter()
            .all(|f| *f == crate::flows::second_factor::Factor::Email))
    }

    /// Mails the owner that their factors changed, in `db`.
    pub(crate) async fn notify_factor_change(
        &self,
        db: &impl sea_orm::ConnectionTrait,
        tenant: &Tenant,
        user: UserId,
        change: crate::mail::FactorChange,
    ) -> Result<(), StoreError> {
        let Some(owner) = store::accounts::find_candidate_by_id(db, tenant.id, user).await? else {
            return Ok(());
        };
        let kind = crate::mail::MailKind::FactorChanged {
            name: owner.display_name,
            change,
            security_link: crate::mail::link(tenant, "/account/security"),
        };
        self.queue_mail(db, tenant, &owner.email, &kind).await
    }

    /// Checks `code` against the row's seed; the accepted time step, if any.
    fn totp_step(&self, row: &TotpRow, code: &str) -> Option<i64> {
        let key = self.sealing_key()?;
        let seed = key.open(&row.sealed_secret, row.id.as_bytes())?;
        let t = totp(&seed, "Portico", "account")?;
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        t.check(&code, unix(self.now())).map(|s| s as i64)
    }

    /// Confirms a pending authenticator app with its first code. An account without
    /// unused recovery codes gets a set with it, returned here to be shown once.
    pub async fn confirm_totp(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        user: UserId,
        code: &str,
    ) -> Result<Result<Option<Vec<String>>, FactorProblem>, StoreError> {
        let keys = self.factor_keys(tenant, "totp", user, client);
        let admission = self.admit_attempt(&tenant.policy.throttle, &keys).await?;
        if matches!(admission, Admission::Throttled { .. }) {
            return Ok(Err(FactorProblem::Throttled));
        }
        let Some(row) = self.fresh_pending_totp(tenant, user).await? else {
            return Ok(Err(FactorProblem::NothingPending));
        };
        let Some(step) = self.totp_step(&row, code) else {
            return Ok(Err(FactorProblem::WrongCode));
        };
        let tx = self.db().begin().await?;
        if !store::factors::accept_step(&tx, row.id, step).await? {
            return Ok(Err(FactorProblem::WrongCode));
        }
        store::factors::confirm_totp(&tx, &row, self.now()).await?;
        store::audit::insert(
            &tx,
            self.now(),
            &AuditEvent::new(tenant.id, "mfa.totp_added", client)
                .actor(user)
                .subject(user),
        )
        .await?;
        self.notify_factor_change(&tx, tenant, user, crate::mail::FactorChange::TotpAdded)
            .await?;
        let codes = if store::factors::count_unused_recovery_codes(&tx, user).await? == 0 {
            Some(
                self.replace_recovery_codes_in(&tx, tenant, client, user)
                    .await?,
            )
        } else {
            None
        };
        tx.commit().await?;
        self.forgive_after(&keys, admission).await?;
        Ok(Ok(codes))
    }

    /// Whether the account has a confirmed authenticator app.
    pub async fn has_totp(&self, tenant: &Tenant, user: UserId) -> Result<bool, StoreError> {
        Ok(
            store::factors::find_totp(self.db().conn(), tenant.id, user, true)
                .await?
                .is_some(),
        )
    }

    /// Checks a code from the account's authenticator app: throttled, and each time
    /// step accepted once.
    pub async fn verify_totp(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        user: UserId,
        code: &str,
    ) -> Result<FactorCheck, StoreError> {
        let (keys, admission) = match self.admit_factor(tenant, "totp", user, client).await? {
            Ok(admitted) => admitted,
            Err(throttled) => return Ok(throttled),
        };
        let row = store::factors::find_totp(self.db().conn(), tenant.id, user, true).await?;
        let accepted = match row
            .as_ref()
            .and_then(|r| Some((r, self.totp_step(r, code)?)))
        {
            Some((row, step)) => {
                store::factors::accept_step(self.db().conn(), row.id, step).await?
            }
            None => false,
        };
        let event = AuditEvent::new(
            tenant.id,
            if accepted {
                "mfa.succeeded"
            } else {
                "mfa.failed"
            },
            client,
        )
        .subject(user)
        .detail("method", "otp");
        store::audit::insert(self.db().conn(), self.now(), &event).await?;
        if accepted {
            self.forgive_after(&keys, admission).await?;
            Ok(FactorCheck::Accepted)
        } else {
            Ok(FactorCheck::Rejected)
        }
    }

    /// Removes the authenticator app; needs a sign-in within the last 15 minutes.
    pub async fn remove_totp(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        user: UserId,
        authenticated_at: DateTime<Utc>,
    ) -> Result<Result<(), FactorProblem>, StoreError> {
        if !self.signed_in_recently(authenticated_at) {
            return Ok(Err(FactorProblem::ReauthRequired));
        }
        let tx = self.db().begin().await?;
        if !store::factors::delete_totp(&tx, tenant.id, user).await? {
            return Ok(Err(FactorProblem::NotEnrolled));
        }
        store::audit::insert(
            &tx,
            self.now(),
            &AuditEvent::new(tenant.id, "mfa.totp_removed", client)
                .actor(user)
                .subject(user),
        )
        .await?;
        self.notify_factor_change(&tx, tenant, user, crate::mail::FactorChange::TotpRemoved)
            .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// A new set of recovery codes, replacing the old one; needs a sign-in within the
    /// last 15 minutes and mails the owner. The codes are returned once and only their
    /// hashes are kept.
    pub async fn regenerate_recovery_codes(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        user: UserId,
        authenticated_at: DateTime<Utc>,
    ) -> Result<Result<Vec<String>, FactorProblem>, StoreError> {
        if !self.signed_in_recently(authenticated_at) {
            return Ok(Err(FactorProblem::ReauthRequired));
        }
        let tx = self.db().begin().await?;
        let codes = self
            .replace_recovery_codes_in(&tx, tenant, client, user)
            .await?;
        self.notify_factor_change(
            &tx,
            tenant,
            user,
            crate::mail::FactorChange::RecoveryCodesReplaced,
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(codes))
    }

    async fn replace_recovery_codes_in(
        &self,
        tx: &sea_orm::DatabaseTransaction,
        tenant: &Tenant,
        client: &ClientInfo,
        user: UserId,
    ) -> Result<Vec<String>, StoreError> {
        let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
        let hashes: Vec<String> = codes
            .iter()
            .map(|c| sha256_hex(normalize_recovery_code(c).as_bytes()))
            .collect();
        store::factors::replace_recovery_codes(tx, tenant.id, user, &hashes, self.now()).await?;
        store::audit::insert(
            tx,
            self.now(),
            &AuditEvent::new(tenant.id, "mfa.recovery_codes_generated", client)
                .actor(user)
                .subject(user),
        )
        .await?;
        Ok(codes)
    }

    /// How many unused recovery codes the account has.
    pub async fn recovery_codes_left(&self, user: UserId) -> Result<u64, StoreError> {
        store::factors::count_unused_recovery_codes(self.db().conn(), user).await
    }

    /// Uses a recovery code: single use, throttled, and the owner is told by mail.
    pub async fn use_recovery_code(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        user: UserId,
        code: &str,
    ) -> Result<FactorCheck, StoreError> {
        let (keys, admission) = match self
            .admit_factor(tenant, "recovery_code", user, client)
            .await?
        {
            Ok(admitted) => admitted,
            Err(throttled) => return Ok(throttled),
        };
        let hash = sha256_hex(normalize_recovery_code(code).as_bytes());
        let tx = self.db().begin().await?;
        let used =
            store::factors::use_recovery_code(&tx, tenant.id, user, &hash, self.now()).await?;
        let event = AuditEvent::new(
            tenant.id,
            if used {
                "mfa.recovery_code_used"
            } else {
                "mfa.failed"
            },
            client,
        )
        .subject(user)
        .detail("method", "recovery_code");
        store::audit::insert(&tx, self.now(), &event).await?;
        if used
            && let Some(account) =
                store::accounts::find_candidate_by_id(&tx, tenant.id, user).await?
        {
            let remaining = store::factors::count_unused_recovery_codes(&tx, user).await?;
            let notice = crate::mail::MailKind::RecoveryCodeUsed {
                name: account.display_name.clone(),
                remaining,
                account_link: crate::mail::link(tenant, "/account/security"),
            };
            self.queue_mail(&tx, tenant, &account.email, &notice)
                .await?;
        }
        tx.commit().await?;
        if used {
            self.forgive_after(&keys, admission).await?;
            Ok(FactorCheck::Accepted)
        } else {
            Ok(FactorCheck::Rejected)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_follow_rfc_6238() {
        // RFC 6238 appendix B, SHA-1 seed "12345678901234567890"; the RFC shows 8
        // digits, a 6-digit code is their last six.
        let seed = b"12345678901234567890";
        for (time, eight) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ] {
            assert_eq!(code_at(seed, time), &eight[2..], "T={time}");
        }
    }

    #[test]
    fn recovery_codes_are_long_and_forgiving_to_type() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 19, "{code}");
        assert_eq!(code.matches('-').count(), 3);
        assert_eq!(normalize_recovery_code(&code).len(), 16, "80 bits");
        assert_eq!(
            normalize_recovery_code(" AB12-cd34 EF56-gh78 "),
            "ab12cd34ef56gh78"
        );
        assert_ne!(new_recovery_code(), new_recovery_code());
    }
}
