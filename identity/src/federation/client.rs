//! Talking to an upstream provider: its metadata and keys (cached), the authorization
//! URL (PKCE S256, `state`, `nonce`), the code exchange (the `oauth2` crate), the ID
//! token's checks, and the profile from a userinfo endpoint.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet,
    EndpointSet, ExtraTokenFields, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    StandardRevocableToken, StandardTokenResponse, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::providers::{EmailTrust, Provider, ProviderKind};
use crate::secrets::constant_time_eq;

/// How long discovery documents and key sets are reused.
const METADATA_TTL: Duration = Duration::from_secs(3600);
const JWKS_TTL: Duration = Duration::from_secs(600);
/// A key set is fetched again for an unknown key at most this often.
const JWKS_REFRESH_MIN: Duration = Duration::from_secs(30);
/// Clock skew allowed on an ID token's expiry.
const SKEW_SECONDS: i64 = 60;
/// The largest provider response read.
const MAX_BODY: usize = 256 * 1024;

/// Why talking to a provider failed. The details go to the log, never to the page.
#[derive(Debug, thiserror::Error)]
pub enum ProviderFailure {
    #[error("the provider could not be reached or answered with an error: {0}")]
    Http(String),
    #[error("the provider's metadata is unusable: {0}")]
    Metadata(String),
    #[error("the token request failed: {0}")]
    Token(String),
    #[error("the ID token was refused: {0}")]
    IdToken(#[from] IdTokenProblem),
    #[error("the provider's profile lacks {0}")]
    Profile(&'static str),
    #[error("the provider's secret cannot be opened (master key)")]
    Secret,
}

/// What is wrong with an ID token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdTokenProblem {
    #[error("not a signed JWT")]
    Malformed,
    #[error("unsigned (alg none) or symmetric")]
    Unsigned,
    #[error("the signature does not verify with the provider's keys")]
    Signature,
    #[error("issued by someone else")]
    Issuer,
    #[error("issued for another client")]
    Audience,
    #[error("expired")]
    Expired,
    #[error("the nonce does not match")]
    Nonce,
    #[error("no subject")]
    Subject,
}

impl IdTokenProblem {
    pub fn as_str(self) -> &'static str {
        match self {
            IdTokenProblem::Malformed => "malformed",
            IdTokenProblem::Unsigned => "unsigned",
            IdTokenProblem::Signature => "signature",
            IdTokenProblem::Issuer => "issuer",
            IdTokenProblem::Audience => "audience",
            IdTokenProblem::Expired => "expired",
            IdTokenProblem::Nonce => "nonce",
            IdTokenProblem::Subject => "subject",
        }
    }
}

/// Checks an ID token: signed (never `alg: none`, never a shared secret) by a key of
/// the provider's set, from the expected issuer, for this client, unexpired, with the
/// nonce this trip sent. The claims when all hold.
pub fn validate_id_token(
    token: &str,
    jwks: &Value,
    issuer: &str,
    client_id: &str,
    nonce: &str,
    now: DateTime<Utc>,
) -> Result<Value, IdTokenProblem> {
    let header_b64 = token.split('.').next().ok_or(IdTokenProblem::Malformed)?;
    if token.split('.').count() != 3 {
        return Err(IdTokenProblem::Malformed);
    }
    let header: Value = URL_SAFE_NO_PAD
        .decode(header_b64)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(IdTokenProblem::Malformed)?;
    match header.get("alg").and_then(Value::as_str) {
        None => return Err(IdTokenProblem::Unsigned),
        Some(alg) if alg.eq_ignore_ascii_case("none") || alg.starts_with("HS") => {
            return Err(IdTokenProblem::Unsigned);
        }
        Some(_) => {}
    }
    let (_, claims) =
        crate::oidc::keys::verify_with_jwks(jwks, token).ok_or(IdTokenProblem::Signature)?;
    let expected_issuer = match claims.get("tid").and_then(Value::as_str) {
        Some(tid) if issuer.contains("{tenantid}") => issuer.replace("{tenantid}", tid),
        _ => issuer.to_string(),
    };
    if claims.get("iss").and_then(Value::as_str) != Some(expected_issuer.as_str())
        || expected_issuer.contains("{tenantid}")
    {
        return Err(IdTokenProblem::Issuer);
    }
    let audience_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == client_id,
        Some(Value::Array(list)) => {
            list.iter().any(|a| a.as_str() == Some(client_id))
                && (list.len() == 1 || claims.get("azp").and_then(Value::as_str) == Some(client_id))
        }
        _ => false,
    };
    if !audience_ok {
        return Err(IdTokenProblem::Audience);
    }
    match claims.get("exp").and_then(Value::as_i64) {
        Some(exp) if exp + SKEW_SECONDS > now.timestamp() => {}
        _ => return Err(IdTokenProblem::Expired),
    }
    match claims.get("nonce").and_then(Value::as_str) {
        Some(n) if constant_time_eq(n.as_bytes(), nonce.as_bytes()) => {}
        _ => return Err(IdTokenProblem::Nonce),
    }
    match claims.get("sub").and_then(Value::as_str) {
        Some(s) if !s.is_empty() && s.len() <= 255 => Ok(claims),
        _ => Err(IdTokenProblem::Subject),
    }
}

/// A provider's endpoints, from its discovery document or its configuration.
#[derive(Clone, Debug)]
pub struct Endpoints {
    pub issuer: Option<String>,
    pub authorize: String,
    pub token: String,
    pub userinfo: Option<String>,
    pub jwks: Option<String>,
    /// The provider says it names itself (`iss`) in authorization responses (RFC 9207).
    pub iss_in_response: bool,
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    #[serde(default)]
    userinfo_endpoint: Option<String>,
    jwks_uri: String,
    #[serde(default)]
    authorization_response_iss_parameter_supported: bool,
}

/// The shared HTTP client and the caches of metadata and keys.
pub(crate) struct FederationHttp {
    client: reqwest::Client,
    metadata: Mutex<HashMap<String, (Instant, Arc<Endpoints>)>>,
    jwks: Mutex<HashMap<String, (Instant, Arc<Value>)>>,
}

impl Default for FederationHttp {
    fn default() -> Self {
        let client = reqwest::Client::builder()
            // A provider that redirects a back-channel call is not followed (SSRF).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("Portico/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("an HTTP client with default TLS settings");
        Self {
            client,
            metadata: Mutex::new(HashMap::new()),
            jwks: Mutex::new(HashMap::new()),
        }
    }
}

/// The extra field of an OpenID Connect token response.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct IdTokenField {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

impl ExtraTokenFields for IdTokenField {}

type TokenAnswer = StandardTokenResponse<IdTokenField, BasicTokenType>;
type FedClient = oauth2::Client<
    BasicErrorResponse,
    TokenAnswer,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// What the trip to the provider starts with.
pub struct Authorization {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// The account at the provider, as its answer describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalIdentity {
    pub subject: String,
    pub email: Option<String>,
    /// The provider vouches that the address is its user's (and it is trusted to).
    pub email_verified: bool,
    pub name: Option<String>,
}

fn claim<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    if path.is_empty() {
        return None;
    }
    path.split('.').try_fold(v, |v, part| v.get(part))
}

fn claim_text(v: &Value, path: &str) -> Option<String> {
    match claim(v, path)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn claim_true(v: &Value, path: &str) -> bool {
    match claim(v, path) {
        Some(Value::Bool(b)) => *b,
        // Apple sends "true" as a string.
        Some(Value::String(s)) => s == "true",
        _ => false,
    }
}

/// Reads the identity out of claims with the provider's mapping and trust.
pub fn identity_from_claims(provider: &Provider, claims: &Value) -> Option<ExternalIdentity> {
    let map = &provider.settings.claims;
    let subject = claim_text(claims, &map.subject).filter(|s| s.len() <= 255)?;
    let email = claim_text(claims, &map.email).filter(|e| e.len() <= 254);
    let email_verified = email.is_some()
        && provider.settings.email_trust == EmailTrust::Claim
        && claim_true(claims, &map.email_verified);
    let name = claim_text(claims, &map.name).or_else(|| {
        let given = claim_text(claims, &map.given_name);
        let family = claim_text(claims, &map.family_name);
        match (given, family) {
            (Some(g), Some(f)) => Some(format!("{g} {f}")),
            (g, f) => g.or(f),
        }
    });
    Some(ExternalIdentity {
        subject,
        email,
        email_verified,
        name,
    })
}

/// Apple's client secret: a short-lived ES256 JWT signed with the team's key.
pub(crate) fn apple_key_from_pem(pem: &str) -> Option<aws_lc_rs::signature::EcdsaKeyPair> {
    let body: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::trim)
        .collect();
    let der = STANDARD.decode(body).ok()?;
    aws_lc_rs::signature::EcdsaKeyPair::from_pkcs8(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &der,
    )
    .ok()
}

pub(crate) fn apple_client_secret(
    pem: &str,
    team_id: &str,
    key_id: &str,
    client_id: &str,
    now: DateTime<Utc>,
) -> Option<String> {
    let key = apple_key_from_pem(pem)?;
    let header = serde_json::json!({"alg": "ES256", "kid": key_id, "typ": "JWT"});
    let claims = serde_json::json!({
        "iss": team_id,
        "sub": client_id,
        "aud": "https://appleid.apple.com",
        "iat": now.timestamp(),
        "exp": now.timestamp() + 300,
    });
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let sig = key
        .sign(&aws_lc_rs::rand::SystemRandom::new(), input.as_bytes())
        .ok()?;
    Some(format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref())))
}

impl FederationHttp {
    async fn get_json(&self, url: &str, bearer: Option<&str>) -> Result<Value, ProviderFailure> {
        let mut req = self
            .client
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(token) = bearer {
            req = req.bearer_auth(token);
        }
        let res = req
            .send()
            .await
            .map_err(|e| ProviderFailure::Http(e.without_url().to_string()))?;
        let status = res.status();
        if !status.is_success() {
            return Err(ProviderFailure::Http(format!("{url} answered {status}")));
        }
        let body = res
            .bytes()
            .await
            .map_err(|e| ProviderFailure::Http(e.without_url().to_string()))?;
        if body.len() > MAX_BODY {
            return Err(ProviderFailure::Http(format!("{url} answered too much")));
        }
        serde_json::from_slice(&body)
            .map_err(|_| ProviderFailure::Http(format!("{url} did not answer JSON")))
    }

    /// The provider's endpoints: configured, or from its discovery document (cached).
    pub async fn endpoints(&self, p: &Provider) -> Result<Arc<Endpoints>, ProviderFailure> {
        let Some(url) = &p.discovery_url else {
            let need = |v: &Option<String>, what: &str| {
                v.clone()
                    .ok_or_else(|| ProviderFailure::Metadata(format!("no {what} configured")))
            };
            return Ok(Arc::new(Endpoints {
                issuer: p.issuer.clone(),
                authorize: need(&p.authorize_url, "authorization endpoint")?,
                token: need(&p.token_url, "token endpoint")?,
                userinfo: p.userinfo_url.clone(),
                jwks: p.jwks_uri.clone(),
                iss_in_response: false,
            }));
        };
        if let Some((at, cached)) = self.metadata.lock().ok().and_then(|m| m.get(url).cloned())
            && at.elapsed() < METADATA_TTL
        {
            return Ok(cached);
        }
        let doc: Discovery = serde_json::from_value(self.get_json(url, None).await?)
            .map_err(|e| ProviderFailure::Metadata(e.to_string()))?;
        // OpenID Connect Discovery §4.3: the issuer is the URL the document came from.
        let expected = url
            .strip_suffix("/.well-known/openid-configuration")
            .unwrap_or(url)
            .trim_end_matches('/');
        if doc.issuer.trim_end_matches('/') != expected {
            return Err(ProviderFailure::Metadata(format!(
                "issuer {} does not match the discovery URL",
                doc.issuer
            )));
        }
        for endpoint in [
            &doc.authorization_endpoint,
            &doc.token_endpoint,
            &doc.jwks_uri,
        ]
        .into_iter()
        .chain(doc.userinfo_endpoint.as_ref())
        {
            super::providers::check_endpoint(endpoint)
                .map_err(|why| ProviderFailure::Metadata(format!("endpoint {endpoint} {why}")))?;
        }
        let endpoints = Arc::new(Endpoints {
            issuer: Some(doc.issuer),
            authorize: doc.authorization_endpoint,
            token: doc.token_endpoint,
            userinfo: doc.userinfo_endpoint.or_else(|| p.userinfo_url.clone()),
            jwks: Some(doc.jwks_uri),
            iss_in_response: doc.authorization_response_iss_parameter_supported,
        });
        if let Ok(mut m) = self.metadata.lock() {
            m.insert(url.clone(), (Instant::now(), endpoints.clone()));
        }
        Ok(endpoints)
    }

    /// The provider's key set; `fresh` fetches it again (an unknown key), at most
    /// every half minute.
    async fn jwks(&self, url: &str, fresh: bool) -> Result<Arc<Value>, ProviderFailure> {
        if let Some((at, cached)) = self.jwks.lock().ok().and_then(|m| m.get(url).cloned()) {
            let limit = if fresh { JWKS_REFRESH_MIN } else { JWKS_TTL };
            if at.elapsed() < limit {
                return Ok(cached);
            }
        }
        let set = Arc::new(self.get_json(url, None).await?);
        if set.get("keys").and_then(Value::as_array).is_none() {
            return Err(ProviderFailure::Metadata("the key set has no keys".into()));
        }
        if let Ok(mut m) = self.jwks.lock() {
            m.insert(url.to_string(), (Instant::now(), set.clone()));
        }
        Ok(set)
    }

    fn oauth_client(
        &self,
        p: &Provider,
        endpoints: &Endpoints,
        redirect_uri: &str,
        secret: Option<String>,
    ) -> Result<FedClient, ProviderFailure> {
        let mut client = oauth2::Client::new(ClientId::new(p.client_id.clone()))
            .set_auth_uri(
                AuthUrl::new(endpoints.authorize.clone())
                    .map_err(|e| ProviderFailure::Metadata(e.to_string()))?,
            )
            .set_token_uri(
                TokenUrl::new(endpoints.token.clone())
                    .map_err(|e| ProviderFailure::Metadata(e.to_string()))?,
            )
            .set_redirect_uri(
                RedirectUrl::new(redirect_uri.to_string())
                    .map_err(|e| ProviderFailure::Metadata(e.to_string()))?,
            );
        if let Some(secret) = secret {
            client = client.set_client_secret(ClientSecret::new(secret));
        }
        if p.settings.secret_in_body {
            client = client.set_auth_type(AuthType::RequestBody);
        }
        Ok(client)
    }

    /// The URL that sends the customer to the provider, with a fresh state, nonce and
    /// PKCE pair.
    pub fn authorization(
        &self,
        p: &Provider,
        endpoints: &Endpoints,
        redirect_uri: &str,
        login_hint: Option<&str>,
    ) -> Result<Authorization, ProviderFailure> {
        let client = self.oauth_client(p, endpoints, redirect_uri, None)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let state = crate::secrets::random_token();
        let nonce = crate::secrets::random_token();
        let state_for_url = state.clone();
        let mut request = client
            .authorize_url(move || CsrfToken::new(state_for_url))
            .add_scopes(p.scopes.iter().cloned().map(Scope::new))
            .set_pkce_challenge(challenge);
        if p.kind == ProviderKind::Oidc {
            request = request.add_extra_param("nonce", nonce.clone());
        }
        if p.settings.form_post {
            request = request.add_extra_param("response_mode", "form_post");
        }
        if let Some(hint) = login_hint {
            request = request.add_extra_param("login_hint", hint.to_string());
        }
        let (url, _) = request.url();
        Ok(Authorization {
            url: url.to_string(),
            state,
            nonce,
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges the code, checks what comes back, and reads the identity.
    #[allow(clippy::too_many_arguments)]
    pub async fn redeem(
        &self,
        p: &Provider,
        endpoints: &Endpoints,
        redirect_uri: &str,
        secret: Option<String>,
        code: &str,
        pkce_verifier: String,
        nonce: &str,
        now: DateTime<Utc>,
    ) -> Result<ExternalIdentity, ProviderFailure> {
        let client = self.oauth_client(p, endpoints, redirect_uri, secret)?;
        let answer = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier))
            .request_async(&self.client)
            .await
            .map_err(|e| ProviderFailure::Token(token_error(&e)))?;
        let access_token = answer.access_token().secret().clone();
        match p.kind {
            ProviderKind::Oidc => {
                let id_token = answer
                    .extra_fields()
                    .id_token
                    .as_deref()
                    .ok_or(ProviderFailure::Profile("an ID token"))?;
                let issuer = endpoints
                    .issuer
                    .as_deref()
                    .ok_or_else(|| ProviderFailure::Metadata("no issuer".into()))?;
                let jwks_url = endpoints
                    .jwks
                    .as_deref()
                    .ok_or_else(|| ProviderFailure::Metadata("no key set".into()))?;
                let keys = self.jwks(jwks_url, false).await?;
                let checked =
                    match validate_id_token(id_token, &keys, issuer, &p.client_id, nonce, now) {
                        Err(IdTokenProblem::Signature) => {
                            // Perhaps the provider rotated its keys: look once more.
                            let keys = self.jwks(jwks_url, true).await?;
                            validate_id_token(id_token, &keys, issuer, &p.client_id, nonce, now)
                        }
                        other => other,
                    };
                let claims = checked?;
                let mut identity = identity_from_claims(p, &claims)
                    .ok_or(ProviderFailure::Profile("a subject"))?;
                if identity.email.is_none()
                    && let Some(url) = &endpoints.userinfo
                {
                    // Some providers put the address only in userinfo; its `sub` must
                    // be the ID token's (OpenID Connect Core §5.3.2).
                    let info = self.get_json(url, Some(&access_token)).await?;
                    if info.get("sub").and_then(Value::as_str) == Some(identity.subject.as_str())
                        && let Some(more) = identity_from_claims(p, &info)
                    {
                        identity.email = more.email;
                        identity.email_verified = more.email_verified;
                        identity.name = identity.name.or(more.name);
                    }
                }
                Ok(identity)
            }
            ProviderKind::OAuth2 => {
                let url = endpoints
                    .userinfo
                    .as_deref()
                    .ok_or_else(|| ProviderFailure::Metadata("no userinfo endpoint".into()))?;
                let info = self.get_json(url, Some(&access_token)).await?;
                let mut identity =
                    identity_from_claims(p, &info).ok_or(ProviderFailure::Profile("a subject"))?;
                if let Some(emails_url) = &p.settings.emails_url {
                    let list = self.get_json(emails_url, Some(&access_token)).await?;
                    let entries = list.as_array().cloned().unwrap_or_default();
                    let pick = entries
                        .iter()
                        .find(|e| claim_true(e, "primary") && claim_true(e, "verified"))
                        .or_else(|| entries.iter().find(|e| claim_true(e, "verified")));
                    if let Some(e) = pick.and_then(|e| claim_text(e, "email")) {
                        identity.email = Some(e);
                        identity.email_verified = p.settings.email_trust == EmailTrust::Claim;
                    }
                }
                Ok(identity)
            }
        }
    }
}

fn token_error<RE: std::error::Error + 'static>(
    e: &oauth2::RequestTokenError<RE, BasicErrorResponse>,
) -> String {
    match e {
        oauth2::RequestTokenError::ServerResponse(r) => {
            format!("the provider refused the code: {}", r.error())
        }
        oauth2::RequestTokenError::Request(r) => format!("request failed: {r}"),
        oauth2::RequestTokenError::Parse(_, _) => "the answer was not a token response".into(),
        oauth2::RequestTokenError::Other(o) => o.clone(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use aws_lc_rs::rand::SystemRandom;
    use aws_lc_rs::signature::{
        ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair,
        UnparsedPublicKey,
    };
    use serde_json::json;

    use super::*;

    pub(crate) fn apple_test_key_pem() -> String {
        let doc =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .unwrap();
        format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            STANDARD.encode(doc.as_ref())
        )
    }

    struct Signer {
        key: EcdsaKeyPair,
        jwks: Value,
    }

    fn signer() -> Signer {
        let doc =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .unwrap();
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, doc.as_ref()).unwrap();
        let point = key.public_key().as_ref().to_vec();
        let jwks = json!({"keys": [{
            "kty": "EC", "crv": "P-256", "kid": "k1", "alg": "ES256",
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
            "y": URL_SAFE_NO_PAD.encode(&point[33..]),
        }]});
        Signer { key, jwks }
    }

    impl Signer {
        fn sign(&self, header: Value, claims: Value) -> String {
            let input = format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(header.to_string()),
                URL_SAFE_NO_PAD.encode(claims.to_string())
            );
            let sig = self
                .key
                .sign(&SystemRandom::new(), input.as_bytes())
                .unwrap();
            format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()))
        }
    }

    const ISS: &str = "https://idp.example";

    fn good_claims(now: DateTime<Utc>) -> Value {
        json!({"iss": ISS, "aud": "client-1", "sub": "user-9", "nonce": "n-1",
               "exp": now.timestamp() + 300, "iat": now.timestamp(),
               "email": "a@example.com", "email_verified": true})
    }

    fn header() -> Value {
        json!({"alg": "ES256", "kid": "k1"})
    }

    #[test]
    fn a_good_id_token_passes() {
        let s = signer();
        let now = Utc::now();
        let token = s.sign(header(), good_claims(now));
        let claims = validate_id_token(&token, &s.jwks, ISS, "client-1", "n-1", now).unwrap();
        assert_eq!(claims["sub"], "user-9");
    }

    #[test]
    fn forged_and_foreign_id_tokens_are_refused() {
        let s = signer();
        let now = Utc::now();
        let check = |token: &str| validate_id_token(token, &s.jwks, ISS, "client-1", "n-1", now);
        let with = |edit: &dyn Fn(&mut Value)| {
            let mut c = good_claims(now);
            edit(&mut c);
            s.sign(header(), c)
        };
        // alg: none, with and without a signature part.
        let claims_b64 = URL_SAFE_NO_PAD.encode(good_claims(now).to_string());
        let none = URL_SAFE_NO_PAD.encode(json!({"alg": "none"}).to_string());
        assert_eq!(
            check(&format!("{none}.{claims_b64}.")),
            Err(IdTokenProblem::Unsigned)
        );
        let hs = URL_SAFE_NO_PAD.encode(json!({"alg": "HS256"}).to_string());
        assert_eq!(
            check(&format!("{hs}.{claims_b64}.c2ln")),
            Err(IdTokenProblem::Unsigned)
        );
        assert_eq!(check("not-a-jwt"), Err(IdTokenProblem::Malformed));
        // Another key signed it.
        let other = signer().sign(header(), good_claims(now));
        assert_eq!(check(&other), Err(IdTokenProblem::Signature));
        // Claims altered after signing.
        let good = s.sign(header(), good_claims(now));
        let mut parts: Vec<&str> = good.split('.').collect();
        let mut tampered = good_claims(now);
        tampered["sub"] = json!("admin");
        let tampered_b64 = URL_SAFE_NO_PAD.encode(tampered.to_string());
        parts[1] = &tampered_b64;
        assert_eq!(check(&parts.join(".")), Err(IdTokenProblem::Signature));
        assert_eq!(
            check(&with(&|c| c["iss"] = json!("https://evil.example"))),
            Err(IdTokenProblem::Issuer)
        );
        assert_eq!(
            check(&with(&|c| c["aud"] = json!("client-2"))),
            Err(IdTokenProblem::Audience)
        );
        assert_eq!(
            check(&with(&|c| c["aud"] = json!(["client-1", "client-2"]))),
            Err(IdTokenProblem::Audience),
            "several audiences need azp"
        );
        assert!(
            check(&with(&|c| {
                c["aud"] = json!(["client-1", "client-2"]);
                c["azp"] = json!("client-1");
            }))
            .is_ok()
        );
        assert_eq!(
            check(&with(&|c| c["exp"] = json!(now.timestamp() - 120))),
            Err(IdTokenProblem::Expired)
        );
        assert_eq!(
            check(&with(&|c| c["nonce"] = json!("n-2"))),
            Err(IdTokenProblem::Nonce)
        );
        assert_eq!(
            check(&with(&|c| {
                c.as_object_mut().unwrap().remove("nonce");
            })),
            Err(IdTokenProblem::Nonce)
        );
        assert_eq!(
            check(&with(&|c| c["sub"] = json!(""))),
            Err(IdTokenProblem::Subject)
        );
    }

    #[test]
    fn a_tenant_templated_issuer_takes_the_token_tenant() {
        let s = signer();
        let now = Utc::now();
        let template = "https://login.microsoftonline.com/{tenantid}/v2.0";
        let mut c = good_claims(now);
        c["tid"] = json!("t-1");
        c["iss"] = json!("https://login.microsoftonline.com/t-1/v2.0");
        let token = s.sign(header(), c.clone());
        assert!(validate_id_token(&token, &s.jwks, template, "client-1", "n-1", now).is_ok());
        c["iss"] = json!("https://login.microsoftonline.com/t-2/v2.0");
        let token = s.sign(header(), c);
        assert_eq!(
            validate_id_token(&token, &s.jwks, template, "client-1", "n-1", now),
            Err(IdTokenProblem::Issuer)
        );
    }

    #[test]
    fn apple_client_secret_is_an_es256_jwt_for_apple() {
        let pem = apple_test_key_pem();
        let now = Utc::now();
        let jwt = apple_client_secret(&pem, "TEAM", "KID", "com.example.web", now).unwrap();
        let (input, sig) = jwt.rsplit_once('.').unwrap();
        let key = apple_key_from_pem(&pem).unwrap();
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, key.public_key().as_ref())
            .verify(input.as_bytes(), &URL_SAFE_NO_PAD.decode(sig).unwrap())
            .unwrap();
        let claims: Value = serde_json::from_slice(
            &URL_SAFE_NO_PAD
                .decode(input.split('.').nth(1).unwrap())
                .unwrap(),
        )
        .unwrap();
        assert_eq!(claims["iss"], "TEAM");
        assert_eq!(claims["sub"], "com.example.web");
        assert_eq!(claims["aud"], "https://appleid.apple.com");
    }

    #[test]
    fn claims_map_and_trust() {
        use super::super::providers::{NewProvider, check};
        let tenant = crate::TenantId(uuid::Uuid::nil());
        let base = |kind: &str| NewProvider {
            slug: kind.into(),
            kind: kind.into(),
            client_id: "c".into(),
            client_secret: Some("s".into()),
            ..NewProvider::default()
        };
        let google = check(tenant, &base("google")).unwrap().0;
        let id = identity_from_claims(
            &google,
            &json!({"sub": "1", "email": "a@x.com", "email_verified": true, "given_name": "Ada", "family_name": "L"}),
        )
        .unwrap();
        assert!(id.email_verified);
        assert_eq!(id.name.as_deref(), Some("Ada L"));
        let unverified =
            identity_from_claims(&google, &json!({"sub": "1", "email": "a@x.com"})).unwrap();
        assert!(!unverified.email_verified);
        let apple_style = identity_from_claims(
            &google,
            &json!({"sub": "1", "email": "a@x.com", "email_verified": "true"}),
        )
        .unwrap();
        assert!(apple_style.email_verified);
        let ms = check(tenant, &base("microsoft")).unwrap().0;
        let id = identity_from_claims(
            &ms,
            &json!({"sub": "1", "email": "ceo@victim.example", "email_verified": true}),
        )
        .unwrap();
        assert!(
            !id.email_verified,
            "Microsoft's email claim is never trusted"
        );
        let gh = check(tenant, &base("github")).unwrap().0;
        let id = identity_from_claims(&gh, &json!({"id": 42, "login": "ada"})).unwrap();
        assert_eq!(id.subject, "42");
        assert!(identity_from_claims(&gh, &json!({"login": "ada"})).is_none());
    }
}
