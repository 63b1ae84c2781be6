//! "Download my data": everything Portico holds about a customer, as one JSON document.
//!
//! Asking needs a recent confirmation ([`Engine::confirmed_recently`]); the answer is a
//! link mailed to the account's address that works once, for 24 hours. The document is
//! put together when the link is used, so it is current and no copy of it is kept.
//! It holds the public parts of every sign-in method and never a secret: no password
//! hash, no TOTP seed, no recovery code, no token, no session or cookie id.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::audit::{AuditEvent, ClientInfo};
use crate::mail::{self, MailKind};
use crate::secrets::{random_token, sha256_hex};
use crate::sessions::AuthState;
use crate::store::{self, StoreError};
use crate::tenants::Tenant;
use crate::{Engine, UserId};

pub const PURPOSE_DATA_EXPORT: &str = "data_export";
/// How long the download link works.
pub const EXPORT_LINK_FOR: Duration = Duration::hours(24);
/// The newest events of each history that the document carries.
const HISTORY: u64 = 1000;
/// What the document says it is, for whoever reads it later.
pub const FORMAT: &str = "portico.account-export/1";

/// Why no link was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportProblem {
    ReauthRequired,
}

/// A prepared download.
#[derive(Clone, Debug)]
pub struct AccountExport {
    /// A file name for it: `<tenant>-account-<date>.json`.
    pub file_name: String,
    pub document: Value,
}

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn iso_opt(t: Option<DateTime<Utc>>) -> Value {
    t.map(|t| Value::String(iso(t))).unwrap_or(Value::Null)
}

impl Engine {
    /// Mails the signed-in customer a one-time link to download their data (an older
    /// link stops working).
    pub async fn request_data_export(
        &self,
        tenant: &Tenant,
        auth: &AuthState,
        client: &ClientInfo,
    ) -> Result<Result<(), ExportProblem>, StoreError> {
        if !self.confirmed_recently(tenant, auth).await? {
            return Ok(Err(ExportProblem::ReauthRequired));
        }
        let user = auth.user_id;
        let now = self.now();
        let tx = self.db().begin().await?;
        let Some(owner) = store::accounts::find_summary(&tx, tenant.id, user).await? else {
            return Err(StoreError::Corrupt { what: "account" });
        };
        store::codes::supersede(&tx, user, PURPOSE_DATA_EXPORT, now).await?;
        let token = random_token();
        let id = uuid::Uuid::now_v7();
        store::codes::insert(
            &tx,
            id,
            tenant.id,
            user,
            PURPOSE_DATA_EXPORT,
            &sha256_hex(token.as_bytes()),
            None,
            &owner.email,
            now + EXPORT_LINK_FOR,
            now,
            None,
        )
        .await?;
        let kind = MailKind::DataExport {
            name: owner.display_name,
            link: mail::link(tenant, &format!("/account/export?token={token}")),
            hours: EXPORT_LINK_FOR.num_hours(),
        };
        self.queue_mail(&tx, tenant, &owner.email, &kind).await?;
        store::audit::insert(
            &tx,
            now,
            &AuditEvent::new(tenant.id, "data.export_requested", client)
                .actor(user)
                .subject(user)
                .reference("code", id),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    /// Whether a download link still works (looking does not use it).
    pub async fn check_export_link(
        &self,
        tenant: &Tenant,
        token: &str,
    ) -> Result<bool, StoreError> {
        let Some(row) = store::codes::find_by_token(
            self.db().conn(),
            tenant.id,
            &sha256_hex(token.trim().as_bytes()),
        )
        .await?
        else {
            return Ok(false);
        };
        Ok(row.purpose == PURPOSE_DATA_EXPORT
            && row.used_at.is_none()
            && row.expires_at > self.now())
    }

    /// Uses a download link, once: the account's data as it is now. `None` when the
    /// link does not work (any more).
    pub async fn download_data_export(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        token: &str,
    ) -> Result<Option<AccountExport>, StoreError> {
        let now = self.now();
        let tx = self.db().begin().await?;
        let Some(row) =
            store::codes::find_by_token(&tx, tenant.id, &sha256_hex(token.trim().as_bytes()))
                .await?
        else {
            return Ok(None);
        };
        if row.purpose != PURPOSE_DATA_EXPORT || !store::codes::consume(&tx, row.id, now).await? {
            return Ok(None);
        }
        let user = row.user_id;
        store::audit::insert(
            &tx,
            now,
            &AuditEvent::new(tenant.id, "data.exported", client)
                .actor(user)
                .subject(user)
                .reference("code", row.id),
        )
        .await?;
        tx.commit().await?;
        let Some(document) = self.account_document(tenant, user).await? else {
            return Ok(None);
        };
        Ok(Some(AccountExport {
            file_name: format!("{}-account-{}.json", tenant.slug, now.format("%Y-%m-%d")),
            document,
        }))
    }

    /// Everything held about `user`, secrets left out.
    pub async fn account_document(
        &self,
        tenant: &Tenant,
        user: UserId,
    ) -> Result<Option<Value>, StoreError> {
        let db = self.db().conn();
        let Some((row, emails)) = store::accounts::user_with_emails(db, tenant.id, user).await?
        else {
            return Ok(None);
        };
        let pending = self.pending_email_change(user).await?;
        let passkeys = store::passkeys::list_for_user(db, tenant.id, user).await?;
        let totp = store::factors::find_totp(db, tenant.id, user, true).await?;
        let methods = self.sign_in_methods(tenant, user).await?;
        let sessions = self.active_sessions(tenant.id, user).await?;
        let apps = self.connected_apps(tenant, user).await?;
        let sign_ins = self.recent_sign_ins(tenant, user, HISTORY).await?;
        let events = store::audit::all_events_for_subject(db, tenant.id, user, HISTORY).await?;
        let roles = store::accounts::roles(db, tenant.id, user).await?;
        let place = |p: &Option<crate::risk::Place>| match p {
            Some(p) => json!({ "country": p.country, "city": p.city }),
            None => Value::Null,
        };
        Ok(Some(json!({
            "format": FORMAT,
            "exported_at": iso(self.now()),
            "service": { "tenant": tenant.slug, "name": tenant.display_name },
            "profile": {
                "id": user.0.to_string(),
                "display_name": row.display_name,
                "language": row.locale,
                "status": row.status,
                "attributes": row.profile,
                "created_at": iso(row.created_at),
                "updated_at": iso(row.updated_at),
            },
            "emails": emails.iter().map(|e| json!({
                "address": e.address,
                "primary": e.is_primary,
                "verified_at": iso_opt(e.verified_at),
                "added_at": iso(e.created_at),
            })).collect::<Vec<_>>(),
            "pending_email_change": pending.map(|p| json!({
                "address": p.address,
                "link_expires_at": iso(p.expires_at),
            })),
            "sign_in_methods": {
                "password": {
                    "set": methods.password,
                    "changed_at": iso_opt(store::accounts::password_changed_at(db, user).await?),
                },
                "passkeys": passkeys.iter().map(|p| json!({
                    "name": p.name,
                    "credential_id": p.credential_id,
                    "authenticator_model": p.aaguid,
                    "synced": p.backup_state,
                    "added_at": iso(p.created_at),
                    "last_used_at": iso_opt(p.last_used_at),
                })).collect::<Vec<_>>(),
                "authenticator_app": totp.map(|t| json!({
                    "added_at": iso_opt(t.confirmed_at),
                })),
                "recovery_codes_left": self.recovery_codes_left(user).await?,
                "linked_accounts": methods.linked.iter().map(|l| json!({
                    "provider": l.provider_name,
                    "email": l.email,
                    "linked_at": iso(l.linked_at),
                    "last_used_at": iso_opt(l.last_used_at),
                })).collect::<Vec<_>>(),
            },
            "roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            "sessions": sessions.iter().map(|s| json!({
                "signed_in_at": iso(s.signed_in_at),
                "last_active_at": iso(s.last_seen_at),
                "ip": s.ip,
                "user_agent": s.user_agent,
                "place": place(&s.place),
                "methods": s.methods.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "connected_apps": apps.iter().map(|a| json!({
                "app": a.name,
                "scopes": a.scopes,
                "granted_at": iso(a.granted_at),
                "last_used_at": iso_opt(a.last_used_at),
            })).collect::<Vec<_>>(),
            "sign_ins": sign_ins.iter().map(|s| json!({
                "at": iso(s.at),
                "ip": s.ip,
                "user_agent": s.user_agent,
                "place": place(&s.place),
                "methods": s.methods,
                "risk_score": s.score,
                "reasons": s.reasons,
                "outcome": s.outcome.as_str(),
            })).collect::<Vec<_>>(),
            "activity": events.iter().map(|e| json!({
                "action": e.action,
                "at": iso(e.created_at),
                "ip": e.ip,
                "user_agent": e.user_agent,
                "details": e.details,
            })).collect::<Vec<_>>(),
        })))
    }
}
