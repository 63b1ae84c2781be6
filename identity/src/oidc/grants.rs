//! Tokens for customers: the authorization code and refresh token grants, the ID and
//! access tokens they mint, and what token holders do afterwards — UserInfo,
//! introspection (RFC 7662) and revocation (RFC 7009).
//!
//! Every token issued for a customer belongs to one *grant* (what the customer allowed
//! the app in one authorization). Codes are single use: a second redemption revokes the
//! grant and with it everything the first issued. Refresh tokens are rotated on every
//! use; presenting a spent one revokes the grant (the whole family). Access tokens are
//! RFC 9068 JWTs carrying the grant's id (`gid`), so introspection and UserInfo refuse
//! them as soon as their grant is revoked; a single access token can also be revoked by
//! its `jti`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};
use sha2::{Digest, Sha256, Sha512};
use uuid::Uuid;

use crate::accounts::{AccountStatus, AccountSummary};
use crate::audit::{AuditEvent, ClientInfo};
use crate::oidc::apps::{Application, GrantType, SigningAlg};
use crate::oidc::authorize::{issuer, valid_pkce_value};
use crate::oidc::tokens::{ClientCredentials, OAuthError, TokenResponse};
use crate::secrets::{constant_time_eq, random_token, sha256_hex};
use crate::store::oauth::GrantRow;
use crate::store::{self, StoreError};
use crate::tenants::Tenant;
use crate::{Engine, TenantId, UserId};

/// How long an ID token is valid.
pub const ID_TOKEN_SECONDS: i64 = 3600;

/// A verified access token's claims.
#[derive(Clone, Debug)]
pub struct AccessClaims {
    pub claims: Value,
    pub sub: String,
    pub client_id: String,
    pub scope: Vec<String>,
    pub exp: i64,
}

/// Why a bearer token was refused (RFC 6750 §3.1).
#[derive(Debug, thiserror::Error)]
pub enum BearerError {
    #[error("the access token is missing, expired, revoked or not valid here")]
    InvalidToken,
    #[error("the access token lacks the scope this needs")]
    InsufficientScope,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// `at_hash`: the left half of the hash of the access token, the hash matching the ID
/// token's algorithm (SHA-256 for RS256/ES256, SHA-512 for Ed25519).
fn at_hash(alg: SigningAlg, access_token: &str) -> String {
    let digest: Vec<u8> = match alg {
        SigningAlg::EdDSA => Sha512::digest(access_token.as_bytes()).to_vec(),
        _ => Sha256::digest(access_token.as_bytes()).to_vec(),
    };
    URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
}

/// The `acr` of a grant: its authenticator assurance level.
fn acr(aal: i16) -> &'static str {
    if aal >= 2 { "aal2" } else { "aal1" }
}

fn has_scope(scope: &str, want: &str) -> bool {
    scope.split(' ').any(|s| s == want)
}

/// Claims about the customer that `scope` releases.
fn profile_claims(claims: &mut Value, scope: &str, account: &AccountSummary) {
    if has_scope(scope, "email") && !account.email.is_empty() {
        claims["email"] = json!(account.email);
        claims["email_verified"] = json!(account.email_verified);
    }
    if has_scope(scope, "profile") {
        claims["name"] = json!(account.display_name);
        claims["updated_at"] = json!(account.created_at.timestamp());
    }
}

fn grant_error(text: &str) -> OAuthError {
    OAuthError::InvalidGrant(text.into())
}

/// The parts of a token request the customer grants need.
#[derive(Clone, Copy, Debug, Default)]
pub struct CodeExchange<'a> {
    pub code: Option<&'a str>,
    pub redirect_uri: Option<&'a str>,
    pub code_verifier: Option<&'a str>,
}

impl Engine {
    pub(crate) async fn active_account(
        &self,
        tenant: TenantId,
        user: Uuid,
    ) -> Result<Option<AccountSummary>, StoreError> {
        Ok(self
            .account_summary(tenant, UserId(user))
            .await?
            .filter(|a| a.status == AccountStatus::Active))
    }

    /// Revokes a grant because one of its codes or refresh tokens was replayed.
    async fn revoke_replayed(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        grant: &GrantRow,
        what: &'static str,
    ) -> Result<(), StoreError> {
        let now = self.now();
        let tx = self.db().begin().await?;
        if store::oauth::revoke_grant(&tx, grant.id, now).await? {
            let audit = AuditEvent::new(tenant.id, "oauth.replay_detected", client)
                .subject(UserId(grant.user_id))
                .reference("app", grant.app_id)
                .reference("grant", grant.id)
                .detail("token", what);
            store::audit::insert(&tx, now, &audit).await?;
            tracing::warn!(grant = %grant.id, token = what, "replayed token: grant revoked");
        }
        tx.commit().await?;
        Ok(())
    }

    /// The authorization code grant (RFC 6749 §4.1.3 with RFC 7636): the code is
    /// bound to the client, the redirect URI and the PKCE challenge, and works once.
    pub async fn authorization_code_grant(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        creds: ClientCredentials<'_>,
        exchange: CodeExchange<'_>,
    ) -> Result<TokenResponse, OAuthError> {
        let app = self.authenticate_client(tenant, client, creds).await?;
        if !app.grant_types.contains(&GrantType::AuthorizationCode) {
            return Err(OAuthError::UnauthorizedClient(
                "this client may not use the authorization_code grant".into(),
            ));
        }
        let code = exchange
            .code
            .ok_or_else(|| OAuthError::InvalidRequest("code is missing".into()))?;
        let redirect_uri = exchange
            .redirect_uri
            .ok_or_else(|| OAuthError::InvalidRequest("redirect_uri is missing".into()))?;
        let now = self.now();
        let db = self.db().conn();
        let Some(grant) =
            store::oauth::find_grant_by_code(db, tenant.id, &sha256_hex(code.as_bytes())).await?
        else {
            return Err(grant_error("the code is not valid"));
        };
        if grant.app_id != app.id {
            return Err(grant_error("the code was issued to another client"));
        }
        if grant.code_redeemed_at.is_some() {
            self.revoke_replayed(tenant, client, &grant, "authorization_code")
                .await?;
            return Err(grant_error(
                "the code was already used; the tokens issued for it are revoked",
            ));
        }
        if grant.revoked_at.is_some() || grant.code_expires_at.is_none_or(|e| e <= now) {
            return Err(grant_error("the code has expired"));
        }
        if grant.redirect_uri != redirect_uri {
            return Err(grant_error(
                "redirect_uri differs from the authorization request's",
            ));
        }
        match (&grant.code_challenge, exchange.code_verifier) {
            (Some(challenge), Some(verifier)) => {
                let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
                if !valid_pkce_value(verifier)
                    || !constant_time_eq(computed.as_bytes(), challenge.as_bytes())
                {
                    return Err(grant_error(
                        "code_verifier does not match the code_challenge",
                    ));
                }
            }
            (Some(_), None) => return Err(grant_error("code_verifier is missing")),
            (None, Some(_)) => {
                return Err(grant_error(
                    "code_verifier sent, but the authorization request had no code_challenge",
                ));
            }
            (None, None) => {}
        }
        let Some(account) = self.active_account(tenant.id, grant.user_id).await? else {
            return Err(grant_error("the account is no longer active"));
        };
        let refresh = self.refresh_allowed(&app, &grant.scope);
        let tx = self.db().begin().await?;
        if !store::oauth::redeem_code(&tx, grant.id, now).await? {
            drop(tx);
            self.revoke_replayed(tenant, client, &grant, "authorization_code")
                .await?;
            return Err(grant_error("the code was already used"));
        }
        let refresh_token = if refresh {
            Some(self.new_refresh_token(&tx, &app, grant.id, now).await?)
        } else {
            None
        };
        tx.commit().await.map_err(StoreError::from)?;
        let mut response = self
            .mint(tenant, &app, &grant, &grant.scope, Some(&account))
            .await?;
        response.refresh_token = refresh_token;
        Ok(response)
    }

    pub(crate) fn refresh_allowed(&self, app: &Application, scope: &str) -> bool {
        app.grant_types.contains(&GrantType::RefreshToken)
            && app.refresh_token_seconds > 0
            && has_scope(scope, "offline_access")
    }

    pub(crate) async fn new_refresh_token(
        &self,
        db: &impl sea_orm::ConnectionTrait,
        app: &Application,
        grant: Uuid,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        let token = random_token();
        store::oauth::insert_refresh(
            db,
            sha256_hex(token.as_bytes()),
            grant,
            now,
            now + Duration::seconds(i64::from(app.refresh_token_seconds)),
        )
        .await?;
        Ok(token)
    }

    /// The refresh token grant (RFC 6749 §6): the token is bound to its client and is
    /// replaced on every use; a spent one coming back revokes the whole family.
    pub async fn refresh_token_grant(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        creds: ClientCredentials<'_>,
        refresh_token: Option<&str>,
        scope: Option<&str>,
    ) -> Result<TokenResponse, OAuthError> {
        let app = self.authenticate_client(tenant, client, creds).await?;
        if !app.grant_types.contains(&GrantType::RefreshToken) {
            return Err(OAuthError::UnauthorizedClient(
                "this client may not use the refresh_token grant".into(),
            ));
        }
        let token = refresh_token
            .ok_or_else(|| OAuthError::InvalidRequest("refresh_token is missing".into()))?;
        let hash = sha256_hex(token.as_bytes());
        let now = self.now();
        let Some((row, grant)) = store::oauth::find_refresh(self.db().conn(), &hash).await? else {
            return Err(grant_error("the refresh token is not valid"));
        };
        if grant.tenant_id != tenant.id.0 || grant.app_id != app.id {
            return Err(grant_error(
                "the refresh token was issued to another client",
            ));
        }
        if grant.revoked_at.is_some() {
            return Err(grant_error("the refresh token has been revoked"));
        }
        if row.used_at.is_some() {
            self.revoke_replayed(tenant, client, &grant, "refresh_token")
                .await?;
            return Err(grant_error(
                "the refresh token was already used; its family is revoked",
            ));
        }
        if row.expires_at <= now {
            return Err(grant_error("the refresh token has expired"));
        }
        let granted = match scope {
            None => grant.scope.clone(),
            Some(asked) => {
                let asked: Vec<&str> = asked.split(' ').filter(|s| !s.is_empty()).collect();
                if let Some(bad) = asked.iter().find(|s| !has_scope(&grant.scope, s)) {
                    return Err(OAuthError::InvalidScope(format!(
                        "scope {bad:?} was not granted"
                    )));
                }
                asked.join(" ")
            }
        };
        // The hot path: one small read for the account's status (no profile needed,
        // no ID token on refresh).
        if !store::accounts::is_active(self.db().conn(), tenant.id, UserId(grant.user_id)).await? {
            return Err(grant_error("the account is no longer active"));
        }
        let next = random_token();
        let rotated = store::oauth::rotate_refresh(
            self.db(),
            &hash,
            &sha256_hex(next.as_bytes()),
            grant.id,
            now,
            now + Duration::seconds(i64::from(app.refresh_token_seconds)),
        )
        .await?;
        if !rotated {
            self.revoke_replayed(tenant, client, &grant, "refresh_token")
                .await?;
            return Err(grant_error("the refresh token was already used"));
        }
        // "Last used" is for people (Connected apps): a minute's precision is plenty,
        // and it spares most refreshes a write.
        if grant
            .last_used_at
            .is_none_or(|t| now - t > Duration::seconds(60))
        {
            store::oauth::touch_grant(self.db().conn(), grant.id, now).await?;
        }
        let mut response = self.mint(tenant, &app, &grant, &granted, None).await?;
        response.refresh_token = Some(next);
        Ok(response)
    }

    /// Signs the access token (and, for a sign-in, the ID token) of a grant.
    pub(crate) async fn mint(
        &self,
        tenant: &Tenant,
        app: &Application,
        grant: &GrantRow,
        scope: &str,
        // For a sign-in: the account, whose claims the ID token carries.
        id_token_for: Option<&AccountSummary>,
    ) -> Result<TokenResponse, OAuthError> {
        let now = self.now().timestamp();
        let iss = issuer(tenant);
        let amr: Vec<&str> = grant.amr.split(' ').filter(|s| !s.is_empty()).collect();
        let access_claims = json!({
            "iss": iss,
            "sub": grant.user_id.to_string(),
            "aud": iss,
            "client_id": app.client_id,
            "iat": now,
            "exp": now + i64::from(app.access_token_seconds),
            "jti": random_token(),
            "scope": scope,
            "auth_time": grant.auth_time.timestamp(),
            "acr": acr(grant.aal),
            "amr": amr,
            "gid": grant.id.to_string(),
        });
        let access_token = self
            .sign_jwt(tenant, SigningAlg::ES256, "at+jwt", &access_claims)
            .await?;
        let id_token = if let Some(account) = id_token_for.filter(|_| has_scope(scope, "openid")) {
            let mut claims = json!({
                "iss": iss,
                "sub": grant.user_id.to_string(),
                "aud": app.client_id,
                "azp": app.client_id,
                "iat": now,
                "exp": now + ID_TOKEN_SECONDS,
                "auth_time": grant.auth_time.timestamp(),
                "acr": acr(grant.aal),
                "amr": amr,
                "sid": grant.sid,
                "at_hash": at_hash(app.id_token_alg, &access_token),
            });
            if let Some(nonce) = &grant.nonce {
                claims["nonce"] = json!(nonce);
            }
            profile_claims(&mut claims, scope, account);
            Some(
                self.sign_jwt(tenant, app.id_token_alg, "JWT", &claims)
                    .await?,
            )
        } else {
            None
        };
        Ok(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: app.access_token_seconds,
            scope: Some(scope.to_string()),
            id_token,
            refresh_token: None,
        })
    }

    /// Verifies an access token this tenant issued: signature, type, issuer, expiry,
    /// and that neither it nor its grant has been revoked.
    pub async fn verify_access_token(
        &self,
        tenant: &Tenant,
        token: &str,
    ) -> Result<Option<AccessClaims>, StoreError> {
        let Ok(Some((header, claims))) = self.verify_own_jwt(tenant, token).await else {
            return Ok(None);
        };
        let now = self.now().timestamp();
        let exp = claims["exp"].as_i64().unwrap_or(0);
        if header["typ"] != "at+jwt" || claims["iss"] != issuer(tenant).as_str() || exp <= now {
            return Ok(None);
        }
        let db = self.db().conn();
        if let Some(jti) = claims["jti"].as_str()
            && store::oauth::jti_revoked(db, jti).await?
        {
            return Ok(None);
        }
        if let Some(gid) = claims["gid"].as_str() {
            let Ok(gid) = gid.parse::<Uuid>() else {
                return Ok(None);
            };
            if !store::oauth::grant_active(db, gid).await? {
                return Ok(None);
            }
        }
        Ok(Some(AccessClaims {
            sub: claims["sub"].as_str().unwrap_or_default().to_string(),
            client_id: claims["client_id"].as_str().unwrap_or_default().to_string(),
            scope: claims["scope"]
                .as_str()
                .unwrap_or_default()
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            exp,
            claims,
        }))
    }

    /// The UserInfo endpoint (OIDC Core §5.3): claims about the token's customer,
    /// as far as its scopes release them.
    pub async fn userinfo(&self, tenant: &Tenant, token: &str) -> Result<Value, BearerError> {
        let claims = self
            .verify_access_token(tenant, token)
            .await?
            .ok_or(BearerError::InvalidToken)?;
        if !claims.scope.iter().any(|s| s == "openid") {
            return Err(BearerError::InsufficientScope);
        }
        let user = claims
            .sub
            .parse::<Uuid>()
            .map_err(|_| BearerError::InvalidToken)?;
        let account = self
            .active_account(tenant.id, user)
            .await?
            .ok_or(BearerError::InvalidToken)?;
        let mut out = json!({ "sub": claims.sub });
        profile_claims(&mut out, &claims.scope.join(" "), &account);
        Ok(out)
    }

    /// Token introspection (RFC 7662) for an authenticated confidential client:
    /// access tokens of the tenant, and the caller's own refresh tokens.
    pub async fn introspect(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        creds: ClientCredentials<'_>,
        token: Option<&str>,
    ) -> Result<Value, OAuthError> {
        if !creds.proves_possession() {
            return Err(OAuthError::InvalidClient);
        }
        let app = self.authenticate_client(tenant, client, creds).await?;
        let token = token.ok_or_else(|| OAuthError::InvalidRequest("token is missing".into()))?;
        let inactive = json!({ "active": false });
        if token.contains('.') {
            let Some(at) = self.verify_access_token(tenant, token).await? else {
                return Ok(inactive);
            };
            let c = &at.claims;
            let mut out = json!({
                "active": true,
                "token_type": "Bearer",
                "scope": at.scope.join(" "),
                "client_id": at.client_id,
                "sub": at.sub,
                "iss": c["iss"],
                "aud": c["aud"],
                "exp": at.exp,
                "iat": c["iat"],
                "jti": c["jti"],
            });
            for k in ["auth_time", "acr"] {
                if !c[k].is_null() {
                    out[k] = c[k].clone();
                }
            }
            return Ok(out);
        }
        let now = self.now();
        let Some((row, grant)) =
            store::oauth::find_refresh(self.db().conn(), &sha256_hex(token.as_bytes())).await?
        else {
            return Ok(inactive);
        };
        if grant.app_id != app.id
            || grant.revoked_at.is_some()
            || row.used_at.is_some()
            || row.expires_at <= now
        {
            return Ok(inactive);
        }
        Ok(json!({
            "active": true,
            "token_type": "refresh_token",
            "scope": grant.scope,
            "client_id": app.client_id,
            "sub": grant.user_id.to_string(),
            "iss": issuer(tenant),
            "exp": row.expires_at.timestamp(),
            "iat": row.created_at.timestamp(),
        }))
    }

    /// Token revocation (RFC 7009). A refresh token revokes its whole grant; an
    /// access token is revoked by its id. Tokens of other clients, unknown and
    /// already-invalid tokens are ignored: the answer is the same either way.
    pub async fn revoke_token(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        creds: ClientCredentials<'_>,
        token: Option<&str>,
    ) -> Result<(), OAuthError> {
        let app = self.authenticate_client(tenant, client, creds).await?;
        let token = token.ok_or_else(|| OAuthError::InvalidRequest("token is missing".into()))?;
        let now = self.now();
        if token.contains('.') {
            if let Ok(Some((header, claims))) = self.verify_own_jwt(tenant, token).await
                && header["typ"] == "at+jwt"
                && claims["client_id"] == app.client_id.as_str()
                && let (Some(jti), Some(exp)) = (claims["jti"].as_str(), claims["exp"].as_i64())
                && let Some(expires) = Utc.timestamp_opt(exp, 0).single()
                && expires > now
            {
                store::oauth::revoke_jti(self.db().conn(), jti, expires).await?;
            }
            return Ok(());
        }
        if let Some((_, grant)) =
            store::oauth::find_refresh(self.db().conn(), &sha256_hex(token.as_bytes())).await?
            && grant.app_id == app.id
        {
            let tx = self.db().begin().await?;
            if store::oauth::revoke_grant(&tx, grant.id, now).await? {
                let audit = AuditEvent::new(tenant.id, "oauth.revoked", client)
                    .subject(UserId(grant.user_id))
                    .reference("app", app.id)
                    .reference("grant", grant.id);
                store::audit::insert(&tx, now, &audit).await?;
            }
            tx.commit().await.map_err(StoreError::from)?;
        }
        Ok(())
    }

    /// Reads an ID token this tenant issued, for RP-initiated logout: signature and
    /// issuer checked, expiry not (a hint may be old). The audience and `sid`.
    pub async fn read_id_token_hint(
        &self,
        tenant: &Tenant,
        token: &str,
    ) -> Option<(String, String, Option<String>)> {
        let (header, claims) = self.verify_own_jwt(tenant, token).await.ok()??;
        if header["typ"] == "at+jwt" || claims["iss"] != issuer(tenant).as_str() {
            return None;
        }
        let aud = match &claims["aud"] {
            Value::String(s) => s.clone(),
            Value::Array(a) => a.first()?.as_str()?.to_string(),
            _ => return None,
        };
        Some((
            aud,
            claims["sub"].as_str()?.to_string(),
            claims["sid"].as_str().map(str::to_string),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_hash_matches_the_oidc_example() {
        // OpenID Connect Core, appendix A.3 (RS256): the access token and its at_hash.
        let token = "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y";
        assert_eq!(at_hash(SigningAlg::RS256, token), "77QmUPtjPfzWtF2AnpK9RQ");
    }

    #[test]
    fn acr_follows_the_assurance_level() {
        assert_eq!(acr(1), "aal1");
        assert_eq!(acr(2), "aal2");
    }
}
