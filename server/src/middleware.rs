//! Request middleware: security headers with a per-response CSP nonce, the cross-site
//! request check, tenant resolution and the client's address.

use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use portico_app::ssr::{ClientAddr, CspNonce, RequestId, RequestLanguage, RequestTenant};
use tower_http::request_id::RequestId as TowerRequestId;

use crate::AppState;
use crate::error::HttpError;

/// Adds the security headers every response carries, and a fresh CSP nonce that the
/// page's inline theme and hydration scripts use.
pub async fn security_headers(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let nonce = STANDARD.encode(portico_identity::secrets::random_bytes::<16>());
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    if let Some(id) = req.extensions().get::<TowerRequestId>() {
        let id = id.header_value().to_str().unwrap_or_default().to_string();
        req.extensions_mut().insert(RequestId(id));
    }
    let path = req.uri().path();
    let is_static = path.starts_with("/pkg/");
    // Pages that carry a token in their URL never leak it in a Referer.
    let carries_token = path.starts_with("/verify") || path.starts_with("/recovery");
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let csp = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'nonce-{nonce}'; img-src 'self' data: blob:; font-src 'self'; \
         connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; \
         object-src 'none'"
    );
    if !h.contains_key(header::CONTENT_SECURITY_POLICY)
        && let Ok(v) = HeaderValue::from_str(&csp)
    {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    if carries_token {
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("strict-origin-when-cross-origin"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("same-origin"),
    );
    if state.config.is_https() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    if !is_static {
        h.entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    }
    res
}

fn is_safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Whether a state-changing request came from this site. Browsers send
/// `Sec-Fetch-Site` and `Origin`; a request with neither is not from a browser page and
/// still has to pass the flow's or session's CSRF token.
pub fn same_site_request(headers: &HeaderMap, scheme: &str) -> bool {
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.to_str(), Ok("same-origin") | Ok("none"));
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    origin.eq_ignore_ascii_case(&format!("{scheme}://{host}"))
}

/// Refuses cross-site state-changing requests with 403 before anything runs.
pub async fn cross_site_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // The OAuth endpoints use no cookies (clients authenticate themselves), and apps
    // call them from other origins by design. A provider's form-post answer comes
    // cross-site by design too; that route only turns it into a same-URL GET.
    let path = req.uri().path();
    let exempt = path.starts_with("/oauth2/") || path.starts_with("/federation/callback/");
    if !is_safe(req.method()) && !exempt {
        let scheme = if state.config.is_https() {
            "https"
        } else {
            "http"
        };
        if !same_site_request(req.headers(), scheme) {
            tracing::warn!(path = %req.uri().path(), "refused a cross-site request");
            return HttpError::CROSS_SITE.into_response();
        }
    }
    next.run(req).await
}

/// Routes that take uploads, with the body they may send: the theme editor's images
/// (the largest image kind is 2 MiB; up to 4 MiB is read so a too-large picture gets
/// the editor's own message naming the field, rather than a bare 413).
const UPLOAD_ROUTES: &[(&str, usize)] = &[
    ("/api/admin/branding/asset", 4 * 1024 * 1024),
    ("/api/admin/app/sign-in/logo", 1024 * 1024),
];

/// Reads the whole request body up to `server.max_body_bytes` (more only on an upload
/// route); anything larger, with or without a Content-Length, gets 413 before a
/// handler sees a byte.
pub async fn limit_body(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let base = state.config.server.max_body_bytes;
    let limit = UPLOAD_ROUTES
        .iter()
        .find(|(path, _)| req.method() == Method::POST && req.uri().path() == *path)
        .map_or(base, |(_, upload)| (*upload).max(base));
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return HttpError::TOO_LARGE.into_response();
    }
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
                .await
        }
        Err(_) => HttpError::TOO_LARGE.into_response(),
    }
}

/// The routes whose work is a password hash.
const HASHING_ROUTES: &[&str] = &[
    "/api/login/password",
    "/api/register/password",
    "/api/recovery/reset",
    "/api/account/password",
];

/// Admission control: when the password-hashing pool's estimated wait is over its bound,
/// a request to a hashing route gets 429 with Retry-After at once — before any database
/// work — so a spike's excess is turned away cheaply and everything else keeps its pace.
pub async fn hashing_admission(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if req.method() != Method::POST || !HASHING_ROUTES.contains(&req.uri().path()) {
        return next.run(req).await;
    }
    let wants_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let tenant = req.extensions().get::<RequestTenant>().map(|t| t.0.clone());
    let nonce = req
        .extensions()
        .get::<CspNonce>()
        .map(|n| n.0.clone())
        .unwrap_or_default();
    let busy = |retry_after_ms: u64| {
        let seconds = retry_after_ms.div_ceil(1000).max(1);
        let mut res = if wants_html {
            let (brand, theme) = match &tenant {
                Some(t) => (t.tenant.display_name.clone(), t.theme.page_css()),
                None => ("Portico".to_string(), String::new()),
            };
            (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                portico_app::ssr::busy_page(&brand, &theme, &nonce, seconds),
            )
                .into_response()
        } else {
            // The server-function error encoding, so a hydrated page shows its message.
            let body = serde_json::to_string(&portico_app::AppError::Busy { retry_after_ms })
                .unwrap_or_default();
            (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response()
        };
        if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    };
    if let Err(portico_identity::credentials::hasher::HashError::Busy { retry_after_ms }) =
        state.engine.hasher().admission()
    {
        return busy(retry_after_ms);
    }
    let res = next.run(req).await;
    // A request admitted here can still find the pool full a moment later; answer it
    // the same way.
    if res.status() == StatusCode::TOO_MANY_REQUESTS && wants_html {
        let retry_ms = res
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(1)
            * 1000;
        return busy(retry_ms);
    }
    res
}

/// Resolves the tenant from the Host header and records the client's address.
pub async fn resolve_tenant(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()));
    let Some(host) = host.filter(|h| !h.is_empty() && h.len() <= 255) else {
        return HttpError::BAD_HOST.into_response();
    };
    match state.engine.resolve_tenant(&host).await {
        Ok(tenant) => {
            let language = portico_app::ssr::choose_language(
                req.headers(),
                tenant.tenant.policy.default_language,
            );
            req.extensions_mut().insert(RequestLanguage(language));
            // A flow's page wears the layer of the app it signs in to.
            let tenant = match flow_page_flow(&req) {
                Some(flow) => match state.engine.resolve_for_flow(tenant.clone(), flow).await {
                    Ok(dressed) => dressed,
                    Err(err) => {
                        tracing::warn!(error = %err, "app theme lookup failed; showing the tenant theme");
                        tenant
                    }
                },
                None => tenant,
            };
            req.extensions_mut().insert(RequestTenant(tenant));
        }
        Err(err) => {
            tracing::error!(error = %err, "tenant resolution failed");
            return HttpError::UNAVAILABLE.into_response();
        }
    }
    if let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
        let ip = client_ip(peer.ip(), req.headers(), &state.trusted_proxies);
        req.extensions_mut().insert(ClientAddr(ip));
    }
    next.run(req).await
}

/// The flow a sign-in, sign-up or recovery page shows (`?flow=<id>`), if any.
fn flow_page_flow(req: &Request) -> Option<portico_identity::FlowId> {
    const FLOW_PAGES: &[&str] = &["/login", "/register", "/recovery", "/recovery/reset"];
    if req.method() != Method::GET || !FLOW_PAGES.contains(&req.uri().path()) {
        return None;
    }
    req.uri()
        .query()?
        .split('&')
        .find_map(|pair| pair.strip_prefix("flow="))
        .and_then(|id| id.parse().ok())
}

/// The client's address: the TCP peer, unless the peer is a trusted proxy, in which case
/// the forwarding headers are walked from the nearest hop outwards, skipping trusted
/// proxies, and the first untrusted address is the client.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut hops: Vec<IpAddr> = Vec::new();
    for value in headers.get_all(header::FORWARDED) {
        for element in value.to_str().unwrap_or_default().split(',') {
            for pair in element.split(';') {
                if let Some((k, v)) = pair.trim().split_once('=')
                    && k.eq_ignore_ascii_case("for")
                    && let Some(ip) = parse_forwarded_for(v)
                {
                    hops.push(ip);
                }
            }
        }
    }
    if hops.is_empty() {
        for value in headers.get_all("x-forwarded-for") {
            hops.extend(
                value
                    .to_str()
                    .unwrap_or_default()
                    .split(',')
                    .filter_map(|s| s.trim().parse::<IpAddr>().ok()),
            );
        }
    }
    hops.iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .or(hops.first())
        .copied()
        .unwrap_or(peer)
}

/// Reads `192.0.2.1`, `"192.0.2.1:443"` or `"[2001:db8::1]:443"` from a Forwarded `for=`.
fn parse_forwarded_for(value: &str) -> Option<IpAddr> {
    let v = value.trim().trim_matches('"');
    if let Some(rest) = v.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    v.parse::<IpAddr>()
        .ok()
        .or_else(|| v.rsplit_once(':').and_then(|(ip, _)| ip.parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn client_ip_believes_only_trusted_proxies() {
        let trusted: Vec<IpNet> = vec![
            "10.0.0.0/8".parse().unwrap(),
            "127.0.0.1/32".parse().unwrap(),
        ];
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let xff = headers(&[("x-forwarded-for", "203.0.113.9, 198.51.100.7, 10.1.2.3")]);
        // A direct client cannot claim another address.
        assert_eq!(
            client_ip(ip("198.51.100.50"), &xff, &trusted),
            ip("198.51.100.50")
        );
        // Behind trusted proxies, the nearest untrusted hop is the client; entries a
        // client prepended itself are ignored.
        assert_eq!(
            client_ip(ip("10.0.0.5"), &xff, &trusted),
            ip("198.51.100.7")
        );
        let fwd = headers(&[(
            "forwarded",
            "for=192.0.2.60;proto=https, for=\"[2001:db8::17]:4711\"",
        )]);
        assert_eq!(
            client_ip(ip("127.0.0.1"), &fwd, &trusted),
            ip("2001:db8::17")
        );
        // Nothing forwarded: the proxy itself.
        assert_eq!(
            client_ip(ip("10.0.0.5"), &HeaderMap::new(), &trusted),
            ip("10.0.0.5")
        );
        // Only trusted hops: the outermost one.
        let inner = headers(&[("x-forwarded-for", "10.9.9.9, 10.1.1.1")]);
        assert_eq!(client_ip(ip("10.0.0.5"), &inner, &trusted), ip("10.9.9.9"));
    }

    #[test]
    fn cross_site_decisions() {
        let host = ("host", "login.example.com");
        assert!(same_site_request(
            &headers(&[host, ("sec-fetch-site", "same-origin")]),
            "https"
        ));
        assert!(same_site_request(
            &headers(&[host, ("sec-fetch-site", "none")]),
            "https"
        ));
        assert!(!same_site_request(
            &headers(&[host, ("sec-fetch-site", "cross-site")]),
            "https"
        ));
        assert!(!same_site_request(
            &headers(&[host, ("sec-fetch-site", "same-site")]),
            "https"
        ));
        assert!(same_site_request(
            &headers(&[host, ("origin", "https://login.example.com")]),
            "https"
        ));
        assert!(!same_site_request(
            &headers(&[host, ("origin", "http://login.example.com")]),
            "https"
        ));
        assert!(!same_site_request(
            &headers(&[host, ("origin", "https://evil.example")]),
            "https"
        ));
        assert!(!same_site_request(
            &headers(&[host, ("origin", "null")]),
            "https"
        ));
        assert!(same_site_request(&headers(&[host]), "https"));
    }
}
