//! The audit trail: append-only events saying who did what to whom, from where.
//! Never holds a secret: details are short labels, not submitted values.

use serde_json::{Map, Value};

use crate::{TenantId, UserId};

/// Where a request came from.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// The language the customer is reading the pages in (new accounts keep it for
    /// their mails).
    pub language: Option<crate::i18n::Language>,
}

/// One event to record.
#[derive(Clone, Debug)]
pub struct AuditEvent {
    pub tenant_id: TenantId,
    pub action: &'static str,
    pub actor: Option<UserId>,
    pub subject: Option<UserId>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub details: Map<String, Value>,
}

impl AuditEvent {
    pub fn new(tenant_id: TenantId, action: &'static str, client: &ClientInfo) -> Self {
        Self {
            tenant_id,
            action,
            actor: None,
            subject: None,
            ip: client.ip.clone(),
            user_agent: client
                .user_agent
                .as_ref()
                .map(|ua| ua.chars().take(512).collect()),
            details: Map::new(),
        }
    }

    pub fn actor(mut self, user: UserId) -> Self {
        self.actor = Some(user);
        self
    }

    pub fn subject(mut self, user: UserId) -> Self {
        self.subject = Some(user);
        self
    }

    pub fn detail(mut self, key: &str, value: &'static str) -> Self {
        self.details.insert(key.to_string(), Value::from(value));
        self
    }

    /// A name from the tenant's own configuration (a provider's slug) or a count —
    /// never something a customer typed, never a secret.
    pub fn label(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_string(), value.into());
        self
    }

    /// Names a record the event is about (a passkey, a session) by its id.
    pub fn reference(mut self, key: &str, id: uuid::Uuid) -> Self {
        self.details
            .insert(key.to_string(), Value::from(id.to_string()));
        self
    }
}

/// The actions a customer sees in their own activity: what they did, and what was
/// done or tried with their account. (Admin actions stay in the admins' log.)
pub const CUSTOMER_ACTIONS: &[&str] = &[
    "user.registered",
    "account.created",
    "email.verified",
    "login.succeeded",
    "federation.sign_in",
    "login.failed",
    "login.denied",
    "login.throttled",
    "password.changed",
    "password.reset_completed",
    "recovery.requested",
    "passkey.added",
    "passkey.renamed",
    "passkey.deleted",
    "mfa.totp_added",
    "mfa.totp_removed",
    "mfa.recovery_codes_generated",
    "identity.linked",
    "identity.unlinked",
    "consent.revoked",
    "session.signed_out",
    "session.ended_by_owner",
    "account.secured",
    "email.change_requested",
    "email.change_cancelled",
    "email.changed",
    "email.change_reverted",
    "data.export_requested",
    "data.exported",
    "account.deletion_requested",
    "account.deletion_cancelled",
];

/// One entry of a customer's own activity.
#[derive(Clone, Debug)]
pub struct ActivityEntry {
    /// One of [`CUSTOMER_ACTIONS`].
    pub action: String,
    pub at: chrono::DateTime<chrono::Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub place: Option<crate::risk::Place>,
    /// The event's short labels (e.g. `scope: one` for one session ended).
    pub details: Map<String, Value>,
}

impl crate::Engine {
    /// The customer's own activity, newest first: sign-ins (and attempts), changes to
    /// how they sign in, apps disconnected — with where each came from.
    pub async fn account_activity(
        &self,
        tenant: TenantId,
        user: UserId,
        limit: u64,
    ) -> Result<Vec<ActivityEntry>, crate::StoreError> {
        let events = crate::store::audit::events_for_subject(
            self.db().conn(),
            tenant,
            user,
            CUSTOMER_ACTIONS,
            limit.min(200),
        )
        .await?;
        Ok(events
            .into_iter()
            .map(|e| ActivityEntry {
                place: e
                    .ip
                    .as_deref()
                    .and_then(|ip| ip.parse().ok())
                    .and_then(|ip| self.geoip().locate(ip)),
                details: match e.details {
                    Value::Object(map) => map,
                    _ => Map::new(),
                },
                action: e.action,
                at: e.created_at,
                ip: e.ip,
                user_agent: e.user_agent,
            })
            .collect())
    }

    /// Records one audit event on its own.
    pub async fn record_audit(&self, event: AuditEvent) -> Result<(), crate::StoreError> {
        crate::store::audit::insert(self.db().conn(), self.now(), &event).await
    }
}
