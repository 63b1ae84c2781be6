//! The outbox: mail written in the same transaction as the change that causes it, and
//! delivered afterwards by a worker with retries, so a mail is never lost to a crash or
//! a slow relay and never sent for a change that rolled back.

use chrono::{DateTime, Duration, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::i18n::Language;
use crate::mail::{self, MailKind};
use crate::ports::{MailError, Mailer, OutgoingMail};
use crate::store::{self, StoreError};
use crate::tenants::Tenant;
use crate::{Engine, TenantId};

/// How many times a mail is tried before it is marked failed.
pub const MAX_ATTEMPTS: i32 = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutboxStatus {
    Pending,
    Sending,
    Sent,
    Failed,
}

impl OutboxStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Sending => "sending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "sending" => OutboxStatus::Sending,
            "sent" => OutboxStatus::Sent,
            "failed" => OutboxStatus::Failed,
            _ => OutboxStatus::Pending,
        }
    }
}

/// A mail about to be queued.
#[derive(Clone, Debug)]
pub struct QueuedMail {
    pub tenant_id: TenantId,
    pub template: &'static str,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A mail in the outbox.
#[derive(Clone, Debug)]
pub struct OutboxMail {
    pub id: Uuid,
    pub tenant_id: TenantId,
    pub template: String,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub status: OutboxStatus,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// The wait before attempt `n + 1` after `n` failures: 30 s doubling, at most an hour.
pub fn backoff(attempts: i32) -> Duration {
    let exp = (attempts.max(1) - 1).min(10) as u32;
    Duration::seconds((30i64 << exp).min(3600))
}

impl Engine {
    /// Renders `kind` for `tenant` and queues it to `to` inside `db` (the caller's
    /// transaction), so it leaves only if the change that caused it commits. It is
    /// written in the language of the account `to` belongs to, else the tenant's
    /// default — never in the language of whoever caused it (a stranger's sign-in
    /// attempt must not choose the owner's language).
    pub async fn queue_mail(
        &self,
        db: &impl ConnectionTrait,
        tenant: &Tenant,
        to: &str,
        kind: &MailKind,
    ) -> Result<(), StoreError> {
        self.queue_mail_in(db, tenant, to, None, kind).await
    }

    /// [`Engine::queue_mail`] to an address that may have no account yet: `fallback`
    /// (the language of the pages its owner is reading) comes before the tenant's
    /// default.
    pub async fn queue_mail_in(
        &self,
        db: &impl ConnectionTrait,
        tenant: &Tenant,
        to: &str,
        fallback: Option<Language>,
        kind: &MailKind,
    ) -> Result<(), StoreError> {
        let theme = store::tenants::find_published_theme(db, tenant.id)
            .await?
            .unwrap_or_default();
        let lang = store::accounts::locale_of_address(db, tenant.id, to)
            .await?
            .or(fallback)
            .unwrap_or(tenant.policy.default_language);
        let rendered = mail::render(tenant, &theme, lang, kind);
        let from = tenant
            .policy
            .mail
            .from
            .clone()
            .unwrap_or_else(|| self.settings().mail_from.clone());
        store::outbox::insert(
            db,
            &QueuedMail {
                tenant_id: tenant.id,
                template: rendered.template,
                from,
                to: to.to_string(),
                subject: rendered.subject,
                text: rendered.text,
                html: rendered.html,
            },
            self.now(),
        )
        .await?;
        Ok(())
    }

    /// Delivers the mails that are due through `mailer`. Safe to run on every
    /// instance at once: each mail is claimed with a conditional update. Returns how
    /// many were sent.
    pub async fn deliver_due_mail(
        &self,
        mailer: &dyn Mailer,
        keep_bodies: bool,
    ) -> Result<usize, StoreError> {
        let db = self.db().conn();
        let now = self.now();
        let mut sent = 0;
        for id in store::outbox::find_due(db, now, 50).await? {
            let Some(mail) =
                store::outbox::claim(db, id, now, now + Duration::seconds(120)).await?
            else {
                continue;
            };
            let outgoing = OutgoingMail {
                from: mail.from.clone(),
                to: mail.to.clone(),
                subject: mail.subject.clone(),
                text: mail.text.clone(),
                html: mail.html.clone(),
            };
            match mailer.send(&outgoing).await {
                Ok(()) => {
                    store::outbox::mark_sent(db, id, self.now(), keep_bodies).await?;
                    sent += 1;
                }
                Err(MailError::Permanent(reason)) => {
                    tracing::warn!(mail = %id, template = %mail.template, %reason, "mail refused permanently");
                    store::outbox::mark_failed(db, id, &reason).await?;
                }
                Err(MailError::Transient(reason)) if mail.attempts >= MAX_ATTEMPTS => {
                    tracing::warn!(mail = %id, template = %mail.template, %reason, "mail failed after every retry");
                    store::outbox::mark_failed(db, id, &reason).await?;
                }
                Err(MailError::Transient(reason)) => {
                    tracing::info!(mail = %id, attempt = mail.attempts, %reason, "mail delivery will be retried");
                    store::outbox::mark_retry(db, id, self.now() + backoff(mail.attempts), &reason)
                        .await?;
                }
            }
        }
        Ok(sent)
    }

    /// The newest mails of a tenant (for the dev mail viewer).
    pub async fn recent_mail(
        &self,
        tenant: TenantId,
        limit: u64,
    ) -> Result<Vec<OutboxMail>, StoreError> {
        store::outbox::recent(self.db().conn(), tenant, limit).await
    }

    pub async fn mail_by_id(
        &self,
        tenant: TenantId,
        id: Uuid,
    ) -> Result<Option<OutboxMail>, StoreError> {
        store::outbox::find(self.db().conn(), tenant, id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_to_an_hour() {
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), Duration::seconds(60));
        assert_eq!(backoff(3), Duration::seconds(120));
        assert_eq!(backoff(8), Duration::seconds(3600));
        assert_eq!(backoff(50), Duration::seconds(3600));
    }
}
