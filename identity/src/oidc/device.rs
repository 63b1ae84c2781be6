//! The device authorization grant (RFC 8628) for consoles and TVs: the device asks for
//! a device code and a short user code, shows the user code, and polls the token
//! endpoint; the customer types the code at `/device` on a phone or computer, signs in
//! (with the risk step and MFA like any sign-in) and approves.
//!
//! User codes are 8 letters from an alphabet without vowels or look-alikes
//! (`BCDFGHJKLMNPQRSTVWXZ`, shown as `BCDF-GHJK`; about 34 bits), valid 10 minutes,
//! single use; entering codes is throttled per account and address so they cannot be
//! guessed. The device code is 256 bits and stored hashed. Polling faster than the
//! interval gets `slow_down` and a longer interval.

use chrono::Duration;
use uuid::Uuid;

use crate::audit::{AuditEvent, ClientInfo};
use crate::oidc::apps::{AppStatus, GrantType};
use crate::oidc::authorize::issuer;
use crate::oidc::tokens::{ClientCredentials, OAuthError, TokenResponse};
use crate::secrets::{random_bytes, random_token, sha256_hex};
use crate::sessions::AuthState;
use crate::store::oauth::{DeviceRow, GrantRow};
use crate::store::{self, StoreError};
use crate::tenants::Tenant;
use crate::throttle::{self, Admission};
use crate::{Engine, UserId};

/// How long a device authorization waits for the customer.
pub const DEVICE_CODE_LIFETIME: Duration = Duration::minutes(10);
/// The polling interval a device starts with, in seconds.
pub const POLL_INTERVAL_SECS: i32 = 5;
const ALPHABET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";

/// The answer to a device authorization request (RFC 8628 §3.2).
#[derive(Clone, Debug, serde::Serialize)]
pub struct DeviceAuthorization {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: String,
    pub expires_in: i64,
    pub interval: i32,
}

/// A pending request, as the `/device` page shows it.
#[derive(Clone, Debug)]
pub struct DeviceRequest {
    pub user_code: String,
    pub app_name: String,
    pub scopes: Vec<String>,
}

/// Why a code typed at `/device` did not lead anywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceProblem {
    /// Not 8 letters of the alphabet.
    Malformed,
    /// Unknown, expired or already answered (not told apart).
    Unknown,
    Throttled {
        retry_after_secs: i64,
    },
}

/// A fresh user code: 8 letters, uniformly from the alphabet.
fn new_user_code() -> String {
    let mut out = String::with_capacity(8);
    while out.len() < 8 {
        for b in random_bytes::<16>() {
            // 240 = 12 × 20: rejecting the rest keeps every letter equally likely.
            if b < 240 && out.len() < 8 {
                out.push(ALPHABET[usize::from(b % 20)] as char);
            }
        }
    }
    out
}

/// `BCDFGHJK` → `BCDF-GHJK`.
pub fn format_user_code(code: &str) -> String {
    if code.len() == 8 {
        format!("{}-{}", &code[..4], &code[4..])
    } else {
        code.to_string()
    }
}

/// What the customer typed, normalised: case, spaces and dashes do not matter.
pub fn normalize_user_code(input: &str) -> Option<String> {
    let code: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    (code.len() == 8 && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

impl Engine {
    /// `POST /oauth2/device_authorization`: a device asks to be signed in.
    pub async fn device_authorization(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        creds: ClientCredentials<'_>,
        scope: Option<&str>,
    ) -> Result<DeviceAuthorization, OAuthError> {
        let app = self.authenticate_client(tenant, client, creds).await?;
        if !app.grant_types.contains(&GrantType::DeviceCode) {
            return Err(OAuthError::UnauthorizedClient(
                "this client may not use the device authorization grant".into(),
            ));
        }
        let scopes: Vec<&str> = match scope {
            Some(s) => s.split(' ').filter(|x| !x.is_empty()).collect(),
            None => vec!["openid"],
        };
        if let Some(bad) = scopes.iter().find(|s| !app.scopes.iter().any(|a| a == *s)) {
            return Err(OAuthError::InvalidScope(format!(
                "scope {bad:?} is not available to this client"
            )));
        }
        let now = self.now();
        let device_code = random_token();
        for _ in 0..5 {
            let user_code = new_user_code();
            let row = DeviceRow {
                id: Uuid::new_v4(),
                tenant_id: tenant.id.0,
                app_id: app.id,
                device_code_hash: sha256_hex(device_code.as_bytes()),
                user_code: user_code.clone(),
                scope: scopes.join(" "),
                status: "pending".into(),
                interval_secs: POLL_INTERVAL_SECS,
                created_at: now,
                expires_at: now + DEVICE_CODE_LIFETIME,
                last_polled_at: None,
                user_id: None,
                auth_time: None,
                amr: None,
                aal: None,
                sid: None,
            };
            match store::oauth::insert_device(self.db().conn(), row).await {
                Ok(()) => {
                    let iss = issuer(tenant);
                    return Ok(DeviceAuthorization {
                        device_code,
                        user_code: format_user_code(&user_code),
                        verification_uri: format!("{iss}/device"),
                        verification_uri_complete: format!(
                            "{iss}/device?user_code={}",
                            format_user_code(&user_code)
                        ),
                        expires_in: DEVICE_CODE_LIFETIME.num_seconds(),
                        interval: POLL_INTERVAL_SECS,
                    });
                }
                // A user code still in the table (expired ones are purged): draw again.
                Err(StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(OAuthError::Unavailable)
    }

    /// Finds the pending request a signed-in customer's typed code names. Every try
    /// counts against the account and the address; a success forgives them.
    pub async fn device_request(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        user: UserId,
        typed: &str,
    ) -> Result<Result<(DeviceRow, DeviceRequest), DeviceProblem>, StoreError> {
        let Some(code) = normalize_user_code(typed) else {
            return Ok(Err(DeviceProblem::Malformed));
        };
        let keys = throttle::keys_for(
            &tenant.policy.throttle,
            tenant.id,
            "device_code",
            &user.to_string(),
            client.ip.as_deref(),
        );
        let admission = self.admit_attempt(&tenant.policy.throttle, &keys).await?;
        if let Admission::Throttled { retry_after } = admission {
            return Ok(Err(DeviceProblem::Throttled {
                retry_after_secs: retry_after.num_seconds().max(1),
            }));
        }
        let now = self.now();
        let db = self.db().conn();
        let Some(row) = store::oauth::find_device_by_user_code(db, tenant.id, &code)
            .await?
            .filter(|r| r.status == "pending" && r.expires_at > now)
        else {
            return Ok(Err(DeviceProblem::Unknown));
        };
        let Some(app) = store::apps::find_by_id(db, tenant.id, row.app_id)
            .await?
            .filter(|a| a.status == AppStatus::Active)
        else {
            return Ok(Err(DeviceProblem::Unknown));
        };
        self.forgive_after(&keys, admission).await?;
        let view = DeviceRequest {
            user_code: format_user_code(&row.user_code),
            app_name: app.name,
            scopes: row.scope.split(' ').map(str::to_string).collect(),
        };
        Ok(Ok((row, view)))
    }

    /// The customer's answer at `/device`. Approving ties the device's tokens to
    /// this sign-in (its methods and time).
    pub async fn answer_device(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        auth: &AuthState,
        typed: &str,
        approve: bool,
    ) -> Result<Result<DeviceRequest, DeviceProblem>, StoreError> {
        let (row, view) = match self
            .device_request(tenant, client, auth.user_id, typed)
            .await?
        {
            Ok(found) => found,
            Err(p) => return Ok(Err(p)),
        };
        let now = self.now();
        let tx = self.db().begin().await?;
        let decision = approve.then(|| {
            (
                auth.user_id,
                auth.authenticated_at,
                crate::oidc::authorize::amr_text(auth),
                i16::from(auth.aal),
                auth.sid.clone(),
            )
        });
        if !store::oauth::decide_device(&tx, row.id, decision).await? {
            return Ok(Err(DeviceProblem::Unknown));
        }
        let audit = AuditEvent::new(
            tenant.id,
            if approve {
                "device.approved"
            } else {
                "device.denied"
            },
            client,
        )
        .actor(auth.user_id)
        .subject(auth.user_id)
        .reference("app", row.app_id);
        store::audit::insert(&tx, now, &audit).await?;
        tx.commit().await?;
        Ok(Ok(view))
    }

    /// The device code grant (RFC 8628 §3.4): pending, slow down, denied, expired —
    /// or, once, the tokens.
    pub async fn device_code_grant(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        creds: ClientCredentials<'_>,
        device_code: Option<&str>,
    ) -> Result<TokenResponse, OAuthError> {
        let app = self.authenticate_client(tenant, client, creds).await?;
        if !app.grant_types.contains(&GrantType::DeviceCode) {
            return Err(OAuthError::UnauthorizedClient(
                "this client may not use the device code grant".into(),
            ));
        }
        let code = device_code
            .ok_or_else(|| OAuthError::InvalidRequest("device_code is missing".into()))?;
        let now = self.now();
        let db = self.db().conn();
        let Some(row) =
            store::oauth::find_device_by_code(db, tenant.id, &sha256_hex(code.as_bytes())).await?
        else {
            return Err(OAuthError::InvalidGrant(
                "the device code is not valid".into(),
            ));
        };
        if row.app_id != app.id {
            return Err(OAuthError::InvalidGrant(
                "the device code was issued to another client".into(),
            ));
        }
        if row.expires_at <= now {
            return Err(OAuthError::ExpiredToken);
        }
        match row.status.as_str() {
            "pending" => {
                let too_soon = row.last_polled_at.is_some_and(|last| {
                    now - last < Duration::seconds(i64::from(row.interval_secs))
                });
                let interval = if too_soon {
                    row.interval_secs + 5
                } else {
                    row.interval_secs
                };
                store::oauth::record_device_poll(db, row.id, now, interval).await?;
                Err(if too_soon {
                    OAuthError::SlowDown
                } else {
                    OAuthError::AuthorizationPending
                })
            }
            "denied" => Err(OAuthError::AccessDenied),
            "approved" => {
                let (Some(user), Some(auth_time)) = (row.user_id, row.auth_time) else {
                    return Err(OAuthError::Unavailable);
                };
                let Some(account) = self.active_account(tenant.id, user).await? else {
                    return Err(OAuthError::InvalidGrant(
                        "the account is no longer active".into(),
                    ));
                };
                let grant = GrantRow {
                    id: Uuid::new_v4(),
                    tenant_id: tenant.id.0,
                    app_id: app.id,
                    user_id: user,
                    scope: row.scope.clone(),
                    auth_time,
                    amr: row.amr.clone().unwrap_or_default(),
                    aal: row.aal.unwrap_or(1),
                    sid: row.sid.clone().unwrap_or_default(),
                    nonce: None,
                    redirect_uri: String::new(),
                    code_challenge: None,
                    code_hash: None,
                    code_expires_at: None,
                    code_redeemed_at: None,
                    created_at: now,
                    last_used_at: Some(now),
                    revoked_at: None,
                };
                let tx = self.db().begin().await?;
                if !store::oauth::redeem_device(&tx, row.id).await? {
                    return Err(OAuthError::InvalidGrant(
                        "the device code was already used".into(),
                    ));
                }
                store::oauth::insert_grant(&tx, grant.clone()).await?;
                let refresh = if self.refresh_allowed(&app, &grant.scope) {
                    Some(self.new_refresh_token(&tx, &app, grant.id, now).await?)
                } else {
                    None
                };
                let audit = AuditEvent::new(tenant.id, "oauth.authorized", client)
                    .subject(UserId(user))
                    .reference("app", app.id)
                    .reference("grant", grant.id)
                    .detail("grant_type", "device_code");
                store::audit::insert(&tx, now, &audit).await?;
                tx.commit().await.map_err(StoreError::from)?;
                let mut response = self
                    .mint(tenant, &app, &grant, &grant.scope, Some(&account))
                    .await?;
                response.refresh_token = refresh;
                Ok(response)
            }
            _ => Err(OAuthError::InvalidGrant(
                "the device code was already used".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_codes_use_the_alphabet_and_normalise() {
        for _ in 0..200 {
            let code = new_user_code();
            assert_eq!(code.len(), 8);
            assert!(code.bytes().all(|b| ALPHABET.contains(&b)), "{code}");
            let shown = format_user_code(&code);
            assert_eq!(normalize_user_code(&shown).as_deref(), Some(code.as_str()));
            assert_eq!(
                normalize_user_code(&shown.to_lowercase().replace('-', " - ")).as_deref(),
                Some(code.as_str())
            );
        }
        assert_eq!(normalize_user_code("BCDF-GHJ"), None);
        assert_eq!(normalize_user_code("BCDF-GHJA"), None, "no vowels");
        assert_eq!(normalize_user_code("BCDF-GHJ0"), None, "no digits");
    }
}
