//! The OAuth 2.0 / OpenID Connect HTTP endpoints that are not pages: discovery, the
//! token endpoint (RFC 6749 §3.2), revocation (RFC 7009), introspection (RFC 7662)
//! and UserInfo. Requests and answers follow the RFCs to the letter —
//! form-encoded parameters, each at most once; client authentication by HTTP Basic
//! (`client_secret_basic`) or in the body (`client_secret_post`), never both; JSON
//! answers that are never cached.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use portico_app::ssr::{ClientAddr, RequestTenant};
use portico_identity::audit::ClientInfo;
use portico_identity::oidc::grants::{BearerError, CodeExchange};
use portico_identity::oidc::tokens::{ClientCredentials, JWT_BEARER_ASSERTION, OAuthError};

use crate::AppState;

fn answer(
    status: StatusCode,
    body: serde_json::Value,
    extra: &[(header::HeaderName, String)],
) -> Response {
    let mut res = (status, axum::Json(body)).into_response();
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    for (name, value) in extra {
        if let Ok(v) = HeaderValue::from_str(value) {
            h.insert(name.clone(), v);
        }
    }
    res
}

fn error(err: &OAuthError, basic: bool) -> Response {
    let body = serde_json::json!({ "error": err.code(), "error_description": err.description() });
    match err {
        OAuthError::InvalidClient => {
            let challenge = if basic {
                vec![(
                    header::WWW_AUTHENTICATE,
                    "Basic realm=\"portico\"".to_string(),
                )]
            } else {
                vec![]
            };
            answer(StatusCode::UNAUTHORIZED, body, &challenge)
        }
        OAuthError::Throttled { retry_after_secs } => answer(
            StatusCode::TOO_MANY_REQUESTS,
            body,
            &[(header::RETRY_AFTER, retry_after_secs.to_string())],
        ),
        OAuthError::Unavailable => answer(StatusCode::SERVICE_UNAVAILABLE, body, &[]),
        _ => answer(StatusCode::BAD_REQUEST, body, &[]),
    }
}

fn invalid(description: &str) -> OAuthError {
    OAuthError::InvalidRequest(description.into())
}

/// `Authorization: Basic` credentials: base64 of the form-encoded id and secret.
fn basic_credentials(headers: &HeaderMap) -> Option<Result<(String, String), OAuthError>> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let parse = || {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()?;
        let text = String::from_utf8(raw).ok()?;
        let (id, secret) = text.split_once(':')?;
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
        };
        Some((decode(id)?, decode(secret)?))
    };
    Some(parse().ok_or_else(|| invalid("the Authorization header is not valid Basic credentials")))
}

/// A parsed request to one of the client-authenticated endpoints (token,
/// revocation, introspection): the form, each parameter at most once, and the client's
/// credentials from the Basic header or the body — one method, never two.
struct ClientRequest {
    client: ClientInfo,
    params: Vec<(String, String)>,
    client_id: String,
    client_secret: Option<String>,
    assertion: Option<String>,
    used_basic: bool,
}

impl ClientRequest {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    fn creds(&self) -> ClientCredentials<'_> {
        ClientCredentials {
            client_id: &self.client_id,
            client_secret: self.client_secret.as_deref(),
            assertion: self.assertion.as_deref(),
        }
    }
}

async fn read_client_request(req: Request) -> Result<(RequestTenant, ClientRequest), Response> {
    let (parts, body) = req.into_parts();
    let Some(tenant) = parts.extensions.get::<RequestTenant>().cloned() else {
        return Err(error(&OAuthError::Unavailable, false));
    };
    let client = ClientInfo {
        ip: parts
            .extensions
            .get::<ClientAddr>()
            .map(|a| a.0.to_string()),
        user_agent: parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        language: None,
    };
    let form_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let basic = basic_credentials(&parts.headers);
    let used_basic = basic.is_some();
    if !form_type {
        return Err(error(
            &invalid("send the parameters as application/x-www-form-urlencoded"),
            used_basic,
        ));
    }
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return Err(error(
            &invalid("the request body could not be read"),
            used_basic,
        ));
    };
    let mut params: Vec<(String, String)> = Vec::new();
    for (k, v) in url::form_urlencoded::parse(&bytes) {
        if params.iter().any(|(seen, _)| *seen == k) {
            return Err(error(
                &invalid(&format!("parameter {k} is repeated")),
                used_basic,
            ));
        }
        params.push((k.into_owned(), v.into_owned()));
    }
    let body_param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    // private_key_jwt (RFC 7523): the assertion names the client; no other method.
    if let Some(assertion) = body_param("client_assertion") {
        if body_param("client_assertion_type").as_deref() != Some(JWT_BEARER_ASSERTION) {
            return Err(error(
                &invalid(
                    "client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ),
                used_basic,
            ));
        }
        if basic.is_some() || body_param("client_secret").is_some() {
            return Err(error(
                &invalid("use one client authentication method, not two"),
                used_basic,
            ));
        }
        let Some(named) = assertion_subject(&assertion) else {
            return Err(error(&OAuthError::InvalidClient, false));
        };
        if body_param("client_id").is_some_and(|c| c != named) {
            return Err(error(
                &invalid("client_id does not match the client assertion"),
                false,
            ));
        }
        return Ok((
            tenant,
            ClientRequest {
                client,
                params,
                client_id: named,
                client_secret: None,
                assertion: Some(assertion),
                used_basic: false,
            },
        ));
    }
    let (client_id, client_secret) = match (basic, body_param("client_secret")) {
        (Some(_), Some(_)) => {
            return Err(error(
                &invalid("use one client authentication method, not two"),
                true,
            ));
        }
        (Some(Err(e)), None) => return Err(error(&e, true)),
        (Some(Ok((id, secret))), None) => {
            if body_param("client_id").is_some_and(|c| c != id) {
                return Err(error(
                    &invalid("client_id does not match the Authorization header"),
                    true,
                ));
            }
            (id, Some(secret))
        }
        (None, secret) => match body_param("client_id") {
            Some(id) => (id, secret),
            None if secret.is_some() => {
                return Err(error(&invalid("client_id is missing"), false));
            }
            None => return Err(error(&OAuthError::InvalidClient, false)),
        },
    };
    Ok((
        tenant,
        ClientRequest {
            client,
            params,
            client_id,
            client_secret,
            assertion: None,
            used_basic,
        },
    ))
}

/// The `sub` a client assertion claims (unverified: it only says which app's keys to
/// check it against).
fn assertion_subject(assertion: &str) -> Option<String> {
    let payload = assertion.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims["sub"]
        .as_str()
        .filter(|s| !s.is_empty() && s.len() <= 64)
        .map(str::to_string)
}

/// `POST /oauth2/token`.
pub async fn token(State(state): State<AppState>, req: Request) -> Response {
    let (tenant, r) = match read_client_request(req).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    let tenant = &tenant.0.tenant;
    let engine = &state.engine;
    let result = match r.param("grant_type") {
        None => Err(invalid("grant_type is missing")),
        Some("client_credentials") => {
            engine
                .client_credentials_grant(
                    tenant,
                    &r.client,
                    r.creds(),
                    r.param("scope"),
                    r.param("resource"),
                )
                .await
        }
        Some("authorization_code") => {
            engine
                .authorization_code_grant(
                    tenant,
                    &r.client,
                    r.creds(),
                    CodeExchange {
                        code: r.param("code"),
                        redirect_uri: r.param("redirect_uri"),
                        code_verifier: r.param("code_verifier"),
                    },
                )
                .await
        }
        Some("refresh_token") => {
            engine
                .refresh_token_grant(
                    tenant,
                    &r.client,
                    r.creds(),
                    r.param("refresh_token"),
                    r.param("scope"),
                )
                .await
        }
        Some("urn:ietf:params:oauth:grant-type:device_code") => {
            engine
                .device_code_grant(tenant, &r.client, r.creds(), r.param("device_code"))
                .await
        }
        Some(_) => Err(OAuthError::UnsupportedGrantType),
    };
    match result {
        Ok(tokens) => answer(
            StatusCode::OK,
            serde_json::to_value(&tokens).unwrap_or_default(),
            &[],
        ),
        Err(e) => error(&e, r.used_basic),
    }
}

/// `POST /oauth2/device_authorization` (RFC 8628 §3.1).
pub async fn device_authorization(State(state): State<AppState>, req: Request) -> Response {
    let (tenant, r) = match read_client_request(req).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    match state
        .engine
        .device_authorization(&tenant.0.tenant, &r.client, r.creds(), r.param("scope"))
        .await
    {
        Ok(body) => answer(
            StatusCode::OK,
            serde_json::to_value(&body).unwrap_or_default(),
            &[],
        ),
        Err(e) => error(&e, r.used_basic),
    }
}

/// `POST /oauth2/revoke` (RFC 7009): 200 whether or not the token was live.
pub async fn revoke(State(state): State<AppState>, req: Request) -> Response {
    let (tenant, r) = match read_client_request(req).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    match state
        .engine
        .revoke_token(&tenant.0.tenant, &r.client, r.creds(), r.param("token"))
        .await
    {
        Ok(()) => answer(StatusCode::OK, serde_json::json!({}), &[]),
        Err(e) => error(&e, r.used_basic),
    }
}

/// `POST /oauth2/introspect` (RFC 7662), for confidential clients.
pub async fn introspect(State(state): State<AppState>, req: Request) -> Response {
    let (tenant, r) = match read_client_request(req).await {
        Ok(x) => x,
        Err(res) => return res,
    };
    match state
        .engine
        .introspect(&tenant.0.tenant, &r.client, r.creds(), r.param("token"))
        .await
    {
        Ok(body) => answer(StatusCode::OK, body, &[]),
        Err(e) => error(&e, r.used_basic),
    }
}

/// `GET|POST /oauth2/userinfo` with a bearer access token (header, or form body).
pub async fn userinfo(State(state): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let Some(tenant) = parts.extensions.get::<RequestTenant>().cloned() else {
        return error(&OAuthError::Unavailable, false);
    };
    let from_header = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(|t| t.trim().to_string());
    let token = match from_header {
        Some(t) => Some(t),
        None if parts.method == axum::http::Method::POST => {
            let bytes = axum::body::to_bytes(body, 16 * 1024)
                .await
                .unwrap_or_default();
            url::form_urlencoded::parse(&bytes)
                .find(|(k, _)| k == "access_token")
                .map(|(_, v)| v.into_owned())
        }
        None => None,
    };
    let bearer_error = |status: StatusCode, code: &str, description: &str| {
        let challenge = format!(
            "Bearer realm=\"portico\", error=\"{code}\", error_description=\"{description}\""
        );
        answer(
            status,
            serde_json::json!({ "error": code, "error_description": description }),
            &[(header::WWW_AUTHENTICATE, challenge)],
        )
    };
    let Some(token) = token else {
        return answer(
            StatusCode::UNAUTHORIZED,
            serde_json::json!({ "error": "invalid_request", "error_description": "send the access token as a Bearer token" }),
            &[(
                header::WWW_AUTHENTICATE,
                "Bearer realm=\"portico\"".to_string(),
            )],
        );
    };
    match state.engine.userinfo(&tenant.0.tenant, &token).await {
        Ok(claims) => answer(StatusCode::OK, claims, &[]),
        Err(BearerError::InvalidToken) => bearer_error(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "the access token is not valid",
        ),
        Err(BearerError::InsufficientScope) => bearer_error(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            "the access token lacks the openid scope",
        ),
        Err(BearerError::Store(e)) => {
            tracing::error!(error = %e, "userinfo failed");
            error(&OAuthError::Unavailable, false)
        }
    }
}

/// `GET /.well-known/openid-configuration`: the tenant's provider metadata.
pub async fn discovery(axum::Extension(tenant): axum::Extension<RequestTenant>) -> Response {
    let iss = portico_identity::oidc::authorize::issuer(&tenant.0.tenant);
    let body = serde_json::json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/oauth2/authorize"),
        "token_endpoint": format!("{iss}/oauth2/token"),
        "userinfo_endpoint": format!("{iss}/oauth2/userinfo"),
        "jwks_uri": format!("{iss}/.well-known/jwks.json"),
        "revocation_endpoint": format!("{iss}/oauth2/revoke"),
        "introspection_endpoint": format!("{iss}/oauth2/introspect"),
        "end_session_endpoint": format!("{iss}/oauth2/logout"),
        "device_authorization_endpoint": format!("{iss}/oauth2/device_authorization"),
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "form_post"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:device_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256", "EdDSA"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
        "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256", "EdDSA"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "sid", "azp", "at_hash", "name", "email", "email_verified", "updated_at"],
        "acr_values_supported": ["aal1", "aal2"],
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "authorization_response_iss_parameter_supported": true,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "claims_parameter_supported": false,
        "frontchannel_logout_supported": false,
        "backchannel_logout_supported": false,
    });
    (
        [
            (header::CACHE_CONTROL, "public, max-age=300"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        ],
        axum::Json(body),
    )
        .into_response()
}
