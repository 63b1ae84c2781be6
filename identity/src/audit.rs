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

impl crate::Engine {
    /// Records one audit event on its own.
    pub async fn record_audit(&self, event: AuditEvent) -> Result<(), crate::StoreError> {
        crate::store::audit::insert(self.db().conn(), self.now(), &event).await
    }
}
