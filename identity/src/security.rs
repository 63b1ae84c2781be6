//! The customer's security centre, engine side: what protects the account, and the
//! "this wasn't me" lockdown behind the link in a new-sign-in mail.
//!
//! Reporting a sign-in, in one transaction: the link's token is consumed, the sign-in
//! is marked reported, every session ends, the password is blocked until it is reset,
//! every remembered device is forgotten (so the next sign-in anywhere is challenged),
//! and the owner is mailed how to finish securing the account.

use chrono::{DateTime, Utc};

use crate::audit::{AuditEvent, ClientInfo};
use crate::risk::signins::{PURPOSE_REPORT_SIGN_IN, SignInOutcome};
use crate::secrets::sha256_hex;
use crate::store::{self, StoreError};
use crate::tenants::Tenant;
use crate::{Engine, UserId};

/// The sign-in a "this wasn't me" link is about, shown before the customer confirms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportedSignIn {
    pub at: DateTime<Utc>,
    pub place: Option<String>,
    /// The browser's User-Agent header, for naming the device in the reader's language.
    pub user_agent: Option<String>,
}

/// What a "this wasn't me" link leads to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReportCheck {
    /// The link works: this is the sign-in it reports.
    Open(ReportedSignIn),
    /// The link was used already: the account was secured then.
    AlreadyReported,
    /// Unknown, expired, or for another tenant.
    Invalid,
}

/// The account was locked down.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Secured {
    pub email: String,
    pub sessions_ended: u64,
}

impl Engine {
    /// Looks at a "this wasn't me" link without using it (mail scanners open links:
    /// only the confirming POST acts).
    pub async fn check_report_link(
        &self,
        tenant: &Tenant,
        token: &str,
    ) -> Result<ReportCheck, StoreError> {
        let db = self.db().conn();
        let Some(row) =
            store::codes::find_by_token(db, tenant.id, &sha256_hex(token.trim().as_bytes()))
                .await?
        else {
            return Ok(ReportCheck::Invalid);
        };
        if row.purpose != PURPOSE_REPORT_SIGN_IN {
            return Ok(ReportCheck::Invalid);
        }
        if row.used_at.is_some() {
            return Ok(ReportCheck::AlreadyReported);
        }
        if row.expires_at <= self.now() {
            return Ok(ReportCheck::Invalid);
        }
        let event = match row.reference {
            Some(id) => store::signins::find_event(db, tenant.id, id).await?,
            None => None,
        };
        let Some(event) = event else {
            return Ok(ReportCheck::Invalid);
        };
        let place = match (&event.city, &event.country) {
            (Some(city), Some(country)) => Some(format!("{city}, {country}")),
            (None, Some(country)) => Some(country.clone()),
            _ => None,
        };
        Ok(ReportCheck::Open(ReportedSignIn {
            at: event.at,
            place,
            user_agent: event.user_agent.clone(),
        }))
    }

    /// Reports the sign-in behind a "this wasn't me" link and locks the account down.
    /// `None` when the link does not work (any more).
    pub async fn report_sign_in(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        token: &str,
    ) -> Result<Option<Secured>, StoreError> {
        let now = self.now();
        let tx = self.db().begin().await?;
        let Some(row) =
            store::codes::find_by_token(&tx, tenant.id, &sha256_hex(token.trim().as_bytes()))
                .await?
        else {
            return Ok(None);
        };
        if row.purpose != PURPOSE_REPORT_SIGN_IN || !store::codes::consume(&tx, row.id, now).await?
        {
            return Ok(None);
        }
        let user = row.user_id;
        if let Some(event) = row.reference {
            store::signins::set_outcome(&tx, event, SignInOutcome::Reported.as_str(), None).await?;
        }
        let sessions_ended = store::sessions::delete_for_user(&tx, tenant.id, user).await?;
        store::accounts::block_password(&tx, user, now).await?;
        store::signins::forget_devices(&tx, user).await?;
        // Apps signed in as this customer lose their tokens too.
        store::oauth::revoke_user_grants(&tx, tenant.id, user, None, now).await?;
        let mut audit = AuditEvent::new(tenant.id, "account.secured", client)
            .actor(user)
            .subject(user);
        if let Some(event) = row.reference {
            audit = audit.reference("login_event", event);
        }
        store::audit::insert(&tx, now, &audit).await?;
        let owner = store::accounts::find_candidate_by_id(&tx, tenant.id, user).await?;
        let email = owner.as_ref().map(|o| o.email.clone()).unwrap_or(row.email);
        if let Some(owner) = owner {
            let kind = crate::mail::MailKind::AccountSecured {
                name: owner.display_name,
                recovery_link: crate::mail::link(tenant, "/recovery"),
            };
            self.queue_mail(&tx, tenant, &owner.email, &kind).await?;
        }
        tx.commit().await?;
        tracing::info!(user = %user, sessions_ended, "account secured after a reported sign-in");
        Ok(Some(Secured {
            email,
            sessions_ended,
        }))
    }

    /// Whether the account's password is blocked (until reset).
    pub async fn password_blocked(
        &self,
        tenant: &Tenant,
        user: UserId,
    ) -> Result<bool, StoreError> {
        Ok(
            store::accounts::find_candidate_by_id(self.db().conn(), tenant.id, user)
                .await?
                .is_some_and(|c| c.password_blocked),
        )
    }
}

impl Engine {
    /// Seals freshly made recovery codes for the one page view that shows them (kept in
    /// the session between a form post and its redirect), bound to `context`.
    pub fn seal_for_display(&self, codes: &[String], context: &str) -> Option<String> {
        let key = self.sealing_key()?;
        Some(key.seal(codes.join("\n").as_bytes(), context.as_bytes()))
    }

    /// Opens what [`Engine::seal_for_display`] sealed.
    pub fn open_for_display(&self, sealed: &str, context: &str) -> Option<Vec<String>> {
        let bytes = self.sealing_key()?.open(sealed, context.as_bytes())?;
        let text = String::from_utf8(bytes).ok()?;
        Some(text.lines().map(str::to_string).collect())
    }
}
