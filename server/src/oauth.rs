//! The OAuth 2.0 / OpenID Connect HTTP endpoints that are not pages: the token
//! endpoint (RFC 6749 §3.2) so far. Requests and answers follow the RFCs to the letter —
//! form-encoded parameters, each at most once; client authentication by HTTP Basic
//! (`client_secret_basic`) or in the body (`client_secret_post`), never both; JSON
//! answers that are never cached.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use portico_app::ssr::{ClientAddr, RequestTenant};
use portico_identity::audit::ClientInfo;
use portico_identity::tokens::{ClientCredentials, OAuthError};

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

/// `POST /oauth2/token`.
pub async fn token(State(state): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let Some(tenant) = parts.extensions.get::<RequestTenant>().cloned() else {
        return error(&OAuthError::Unavailable, false);
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
    };
    let form_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let basic = basic_credentials(&parts.headers);
    let used_basic = basic.is_some();
    if !form_type {
        return error(
            &invalid("send the parameters as application/x-www-form-urlencoded"),
            used_basic,
        );
    }
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return error(&invalid("the request body could not be read"), used_basic);
    };
    let mut params: Vec<(String, String)> = Vec::new();
    for (k, v) in url::form_urlencoded::parse(&bytes) {
        if params.iter().any(|(seen, _)| *seen == k) {
            return error(&invalid(&format!("parameter {k} is repeated")), used_basic);
        }
        params.push((k.into_owned(), v.into_owned()));
    }
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let (client_id, client_secret) = match (basic, param("client_secret")) {
        (Some(_), Some(_)) => {
            return error(
                &invalid("use one client authentication method, not two"),
                true,
            );
        }
        (Some(Err(e)), None) => return error(&e, true),
        (Some(Ok((id, secret))), None) => {
            if param("client_id").is_some_and(|c| c != id) {
                return error(
                    &invalid("client_id does not match the Authorization header"),
                    true,
                );
            }
            (id, secret)
        }
        (None, Some(secret)) => match param("client_id") {
            Some(id) => (id.to_string(), secret.to_string()),
            None => return error(&invalid("client_id is missing"), false),
        },
        (None, None) => return error(&OAuthError::InvalidClient, false),
    };
    let creds = ClientCredentials {
        client_id: &client_id,
        client_secret: &client_secret,
    };
    let result = match param("grant_type") {
        None => Err(invalid("grant_type is missing")),
        Some("client_credentials") => {
            state
                .engine
                .client_credentials_grant(
                    &tenant.0.tenant,
                    &client,
                    creds,
                    param("scope"),
                    param("resource"),
                )
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
        Err(e) => error(&e, used_basic),
    }
}
