//! Email verification: a mail with a link and a 6-digit code, both for one stored,
//! hashed, single-use secret; only the newest one works.

use chrono::Duration;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::mail::{self, MailKind};
use crate::secrets::{constant_time_eq, random_bytes, random_token, sha256_hex};
use crate::store::{self, StoreError};
use crate::tenants::Tenant;
use crate::{Engine, UserId};

pub const PURPOSE_VERIFY_EMAIL: &str = "verify_email";

/// A tenant's verification rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct VerificationPolicy {
    /// Whether a customer whose email is not verified may sign in with a password
    /// (otherwise the sign-in asks for the code first).
    pub allow_sign_in_unverified: bool,
    /// How long a verification mail's link and code work.
    pub code_minutes: i64,
}

impl Default for VerificationPolicy {
    fn default() -> Self {
        Self {
            allow_sign_in_unverified: false,
            code_minutes: 30,
        }
    }
}

/// A 6-digit code drawn uniformly.
pub fn six_digit_code() -> String {
    loop {
        let n = u32::from_le_bytes(random_bytes::<4>());
        // Reject the top sliver so every code is equally likely.
        if n < 4_294_000_000 {
            return format!("{:06}", n % 1_000_000);
        }
    }
}

/// How a short code is stored: bound to its row, so equal codes hash differently.
pub fn code_hash(row: Uuid, code: &str) -> String {
    sha256_hex(format!("{row}:{}", code.trim()).as_bytes())
}

/// The outcome of checking a code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeCheck {
    Verified { user: UserId, email: String },
    Rejected,
}

impl Engine {
    /// Issues a verification code for `user`'s `email` (ending older ones) and queues
    /// the mail, all in `db` (the caller's transaction).
    pub async fn issue_verification(
        &self,
        db: &impl ConnectionTrait,
        tenant: &Tenant,
        user: UserId,
        name: &str,
        email: &str,
    ) -> Result<(), StoreError> {
        let now = self.now();
        let minutes = tenant.policy.verification.code_minutes.clamp(5, 24 * 60);
        let id = Uuid::now_v7();
        let token = random_token();
        let code = six_digit_code();
        store::codes::supersede(db, user, PURPOSE_VERIFY_EMAIL, now).await?;
        store::codes::insert(
            db,
            id,
            tenant.id,
            user,
            PURPOSE_VERIFY_EMAIL,
            &sha256_hex(token.as_bytes()),
            Some(code_hash(id, &code)),
            email,
            now + Duration::minutes(minutes),
            now,
            None,
        )
        .await?;
        let kind = MailKind::VerifyEmail {
            name: name.to_string(),
            link: mail::link(tenant, &format!("/verify?token={token}")),
            code,
            minutes,
        };
        self.queue_mail(db, tenant, email, &kind).await
    }

    /// Checks a code typed for `user`'s newest verification and, if right, consumes it
    /// and marks the address verified — in one transaction.
    pub async fn verify_code(
        &self,
        tenant: &Tenant,
        user: UserId,
        code: &str,
    ) -> Result<CodeCheck, StoreError> {
        let now = self.now();
        let tx = self.db().begin().await?;
        let Some(row) = store::codes::find_live(&tx, user, PURPOSE_VERIFY_EMAIL, now).await? else {
            return Ok(CodeCheck::Rejected);
        };
        let expected = row.code_hash.clone().unwrap_or_default();
        let given = code_hash(row.id, code);
        if row.tenant_id != tenant.id || !constant_time_eq(expected.as_bytes(), given.as_bytes()) {
            return Ok(CodeCheck::Rejected);
        }
        if !store::codes::consume(&tx, row.id, now).await? {
            return Ok(CodeCheck::Rejected);
        }
        store::accounts::mark_email_verified(&tx, user, &row.email, now).await?;
        tx.commit().await?;
        Ok(CodeCheck::Verified {
            user,
            email: row.email,
        })
    }

    /// Follows the link from a verification mail: consumes its token and marks the
    /// address verified.
    pub async fn verify_link(&self, tenant: &Tenant, token: &str) -> Result<CodeCheck, StoreError> {
        let now = self.now();
        let tx = self.db().begin().await?;
        let Some(row) =
            store::codes::find_by_token(&tx, tenant.id, &sha256_hex(token.trim().as_bytes()))
                .await?
        else {
            return Ok(CodeCheck::Rejected);
        };
        if row.purpose != PURPOSE_VERIFY_EMAIL || !store::codes::consume(&tx, row.id, now).await? {
            return Ok(CodeCheck::Rejected);
        }
        store::accounts::mark_email_verified(&tx, row.user_id, &row.email, now).await?;
        tx.commit().await?;
        Ok(CodeCheck::Verified {
            user: row.user_id,
            email: row.email,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_six_digits() {
        for _ in 0..200 {
            let c = six_digit_code();
            assert_eq!(c.len(), 6);
            assert!(c.chars().all(|ch| ch.is_ascii_digit()));
        }
    }

    #[test]
    fn code_hashes_are_bound_to_their_row() {
        let a = Uuid::now_v7();
        let b = Uuid::now_v7();
        assert_eq!(code_hash(a, "123456"), code_hash(a, " 123456 "));
        assert_ne!(code_hash(a, "123456"), code_hash(b, "123456"));
    }
}
