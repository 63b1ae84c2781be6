//! Browser sessions: who is signed in, since when, how, and when that ends.
//!
//! The cookie carries only a random id; the session row (keyed by the id's SHA-256) is
//! read on every request, so ending a session — sign-out, or later a password change —
//! takes effect at once on every instance. The signed-in state inside a session is an
//! [`AuthState`]; idle and absolute timeouts are enforced here, on the server.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::flows::login::{AuthMethod, SignedIn};
use crate::secrets::random_token;
use crate::store::{self, StoreError};
use crate::{Engine, TenantId, UserId};

/// The key under which the auth state lives in the session record.
pub const AUTH_KEY: &str = "portico.auth";

/// Who is signed in to a session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthState {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub authenticated_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub methods: Vec<AuthMethod>,
    pub aal: u8,
    /// Token that the signed-in pages' forms (e.g. sign-out) must echo.
    pub csrf_token: String,
    /// The session's public id: the `sid` of ID tokens issued in it, and how the
    /// customer's list of sessions names it (never the cookie).
    #[serde(default = "random_token")]
    pub sid: String,
    /// Where the session was signed in from (for the customer's list of sessions).
    #[serde(default)]
    pub ip: Option<String>,
    #[serde(default)]
    pub user_agent: Option<String>,
}

impl AuthState {
    pub fn from_sign_in(signed_in: &SignedIn) -> Self {
        Self {
            tenant_id: signed_in.tenant_id,
            user_id: signed_in.user_id,
            authenticated_at: signed_in.authenticated_at,
            last_seen_at: signed_in.authenticated_at,
            methods: signed_in.methods.clone(),
            aal: signed_in.aal,
            csrf_token: random_token(),
            sid: random_token(),
            ip: None,
            user_agent: None,
        }
    }

    /// Records the browser the sign-in came from.
    pub fn with_client(mut self, client: &crate::audit::ClientInfo) -> Self {
        self.ip = client.ip.clone();
        self.user_agent = client
            .user_agent
            .as_deref()
            .map(|ua| ua.chars().take(512).collect());
        self
    }
}

/// A signed-in session as its owner's list shows it.
#[derive(Clone, Debug)]
pub struct ActiveSession {
    /// The public id ([`AuthState::sid`]) that names it in forms.
    pub sid: String,
    pub signed_in_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub place: Option<crate::risk::Place>,
    pub methods: Vec<AuthMethod>,
}

/// The verdict on a session at the start of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionCheck {
    /// Valid; nothing to write.
    Valid,
    /// Valid; record the activity (at most once a minute, to spare the database).
    Touch,
    /// Over a timeout, or not for this tenant: sign the browser out.
    Ended(EndReason),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndReason {
    Idle,
    Absolute,
    WrongTenant,
}

const TOUCH_EVERY_SECS: i64 = 60;

/// A session row as the store reads it.
#[derive(Clone, Debug)]
pub struct SessionRow {
    pub data: String,
    pub expires_at: DateTime<Utc>,
}

/// The columns of a session row that let Portico list and end a customer's sessions.
#[derive(Clone, Debug, Default)]
pub struct SessionIndex {
    pub tenant_id: Option<TenantId>,
    pub user_id: Option<UserId>,
    pub authenticated_at: Option<DateTime<Utc>>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl SessionIndex {
    /// Reads the index columns out of a session's stored data.
    pub fn from_data(data: &serde_json::Map<String, serde_json::Value>) -> Self {
        match data
            .get(AUTH_KEY)
            .and_then(|v| serde_json::from_value::<AuthState>(v.clone()).ok())
        {
            Some(auth) => Self {
                tenant_id: Some(auth.tenant_id),
                user_id: Some(auth.user_id),
                authenticated_at: Some(auth.authenticated_at),
                ip: auth.ip,
                user_agent: auth.user_agent,
            },
            None => Self::default(),
        }
    }
}

impl Engine {
    /// Checks a session's auth state against the timeouts and the request's tenant.
    pub fn check_session(&self, auth: &AuthState, tenant: TenantId) -> SessionCheck {
        if auth.tenant_id != tenant {
            return SessionCheck::Ended(EndReason::WrongTenant);
        }
        let now = self.now();
        let settings = self.settings();
        let absolute = chrono::Duration::from_std(settings.session_absolute_timeout)
            .unwrap_or(chrono::Duration::hours(12));
        let idle = chrono::Duration::from_std(settings.session_idle_timeout)
            .unwrap_or(chrono::Duration::minutes(30));
        if now >= auth.authenticated_at + absolute {
            SessionCheck::Ended(EndReason::Absolute)
        } else if now >= auth.last_seen_at + idle {
            SessionCheck::Ended(EndReason::Idle)
        } else if (now - auth.last_seen_at).num_seconds() >= TOUCH_EVERY_SECS {
            SessionCheck::Touch
        } else {
            SessionCheck::Valid
        }
    }

    /// Loads a session row by the hash of its id; expired rows count as absent.
    pub async fn load_session(&self, id_hash: &str) -> Result<Option<SessionRow>, StoreError> {
        store::sessions::find_live(self.db().conn(), id_hash, self.now()).await
    }

    /// When a session row stops being valid: after the idle timeout from now, and never
    /// later than the absolute timeout after signing in.
    fn session_row_expiry(&self, index: &SessionIndex) -> DateTime<Utc> {
        let settings = self.settings();
        let idle = chrono::Duration::from_std(settings.session_idle_timeout)
            .unwrap_or(chrono::Duration::minutes(30));
        let absolute = chrono::Duration::from_std(settings.session_absolute_timeout)
            .unwrap_or(chrono::Duration::hours(12));
        let by_idle = self.now() + idle;
        match index.authenticated_at {
            Some(at) => by_idle.min(at + absolute),
            None => by_idle,
        }
    }

    /// Creates a session row. Fails with `Conflict` if the id is taken.
    pub async fn insert_session(
        &self,
        id_hash: &str,
        data: &str,
        index: &SessionIndex,
    ) -> Result<(), StoreError> {
        let expires_at = self.session_row_expiry(index);
        store::sessions::insert(
            self.db().conn(),
            id_hash,
            data,
            expires_at,
            index,
            self.now(),
        )
        .await
    }

    /// Updates a session row if it still exists: a session ended elsewhere stays ended.
    pub async fn update_session(
        &self,
        id_hash: &str,
        data: &str,
        index: &SessionIndex,
    ) -> Result<(), StoreError> {
        let expires_at = self.session_row_expiry(index);
        store::sessions::update_if_present(
            self.db().conn(),
            id_hash,
            data,
            expires_at,
            index,
            self.now(),
        )
        .await
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        store::sessions::delete(self.db().conn(), id_hash).await
    }

    /// Ends every session of a customer, on every instance.
    pub async fn end_all_sessions(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> Result<u64, StoreError> {
        store::sessions::delete_for_user(self.db().conn(), tenant, user).await
    }

    /// The customer's live signed-in sessions, most recently used first.
    pub async fn active_sessions(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> Result<Vec<ActiveSession>, StoreError> {
        let rows =
            store::sessions::live_for_user(self.db().conn(), tenant, user, self.now()).await?;
        let mut sessions: Vec<ActiveSession> = rows
            .into_iter()
            .filter_map(|(_, auth)| auth)
            .filter(|auth| auth.tenant_id == tenant && auth.user_id == user)
            .map(|auth| ActiveSession {
                place: auth
                    .ip
                    .as_deref()
                    .and_then(|ip| ip.parse().ok())
                    .and_then(|ip| self.geoip().locate(ip)),
                sid: auth.sid,
                signed_in_at: auth.authenticated_at,
                last_seen_at: auth.last_seen_at,
                ip: auth.ip,
                user_agent: auth.user_agent,
                methods: auth.methods,
            })
            .collect();
        sessions.sort_by_key(|s| std::cmp::Reverse(s.last_seen_at));
        Ok(sessions)
    }

    /// Ends one of the customer's sessions, named by its public id, on every instance
    /// at once (its next request finds no row). False when the customer has no such
    /// session.
    pub async fn end_session(
        &self,
        tenant: TenantId,
        user: UserId,
        client: &crate::audit::ClientInfo,
        sid: &str,
    ) -> Result<bool, StoreError> {
        self.end_sessions_where(tenant, user, client, |s| s == sid, "one")
            .await
            .map(|n| n > 0)
    }

    /// Ends every session of the customer except the one named `keep` (this device).
    pub async fn end_other_sessions(
        &self,
        tenant: TenantId,
        user: UserId,
        client: &crate::audit::ClientInfo,
        keep: &str,
    ) -> Result<u64, StoreError> {
        self.end_sessions_where(tenant, user, client, |s| s != keep, "others")
            .await
    }

    async fn end_sessions_where(
        &self,
        tenant: TenantId,
        user: UserId,
        client: &crate::audit::ClientInfo,
        chosen: impl Fn(&str) -> bool,
        scope: &'static str,
    ) -> Result<u64, StoreError> {
        let now = self.now();
        let tx = self.db().begin().await?;
        let rows = store::sessions::live_for_user(&tx, tenant, user, now).await?;
        let mut ended = 0;
        for (id_hash, auth) in rows {
            if auth.is_some_and(|a| chosen(&a.sid)) {
                store::sessions::delete(&tx, &id_hash).await?;
                ended += 1;
            }
        }
        if ended > 0 {
            store::audit::insert(
                &tx,
                now,
                &crate::audit::AuditEvent::new(tenant, "session.ended_by_owner", client)
                    .actor(user)
                    .subject(user)
                    .label("scope", scope)
                    .label("sessions", ended),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(ended)
    }

    /// How many live sessions a customer has.
    pub async fn count_sessions(&self, tenant: TenantId, user: UserId) -> Result<u64, StoreError> {
        store::sessions::count_for_user(self.db().conn(), tenant, user, self.now()).await
    }

    /// Removes expired sessions, flows and idle throttle counters; run periodically.
    pub async fn purge_expired(&self) -> Result<(u64, u64), StoreError> {
        let now = self.now();
        let sessions = store::sessions::delete_expired(self.db().conn(), now).await?;
        let flows =
            store::flows::delete_expired(self.db().conn(), now - chrono::Duration::hours(1))
                .await?;
        store::passkeys::delete_expired_ceremonies(self.db().conn(), now).await?;
        store::oauth::purge(self.db().conn(), now).await?;
        self.throttle()
            .purge(now, chrono::Duration::days(1))
            .await?;
        Ok((sessions, flows))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_is_read_from_auth_state() {
        let auth = AuthState {
            tenant_id: TenantId::generate(),
            user_id: UserId::generate(),
            authenticated_at: Utc::now(),
            last_seen_at: Utc::now(),
            methods: vec![AuthMethod::Pwd],
            aal: 1,
            csrf_token: "t".into(),
            sid: "s".into(),
            ip: Some("192.0.2.7".into()),
            user_agent: None,
        };
        let mut data = serde_json::Map::new();
        data.insert(AUTH_KEY.into(), serde_json::to_value(&auth).unwrap());
        let index = SessionIndex::from_data(&data);
        assert_eq!(index.user_id, Some(auth.user_id));
        assert_eq!(index.tenant_id, Some(auth.tenant_id));
        assert!(
            SessionIndex::from_data(&serde_json::Map::new())
                .user_id
                .is_none()
        );
    }
}
