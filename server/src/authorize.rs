//! The OpenID provider's browser-facing endpoints: the authorization endpoint (and
//! where it resumes after the sign-in or the consent page) and RP-initiated logout.
//! They run behind the session layer: the customer's browser session decides.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use portico_app::plain_pages::{self, Look};
use portico_app::ssr::{ClientAddr, CookiePolicy, CspNonce, RequestTenant};
use portico_identity::audit::{AuditEvent, ClientInfo};
use portico_identity::flows::BrowserBinding;
use portico_identity::oidc::authorize::{
    AuthorizationResponse, AuthorizeError, AuthorizeStep, ResponseMode,
};
use portico_identity::sessions::{AUTH_KEY, AuthState, SessionCheck};
use tower_sessions::Session;

use crate::AppState;

/// What every handler here needs from its request.
pub(crate) struct Ctx {
    pub(crate) tenant: RequestTenant,
    pub(crate) client: ClientInfo,
    nonce: String,
    theme: String,
    pub(crate) session: Option<Session>,
    pub(crate) browser: BrowserBinding,
    /// A browser cookie minted for this response.
    set_cookie: Option<String>,
    params: Vec<(String, String)>,
    /// The request's cookies.
    pub(crate) cookies: Vec<(String, String)>,
}

impl Ctx {
    pub(crate) fn look(&self) -> Look<'_> {
        Look {
            brand: &self.tenant.0.tenant.display_name,
            theme_css: &self.theme,
            nonce: &self.nonce,
        }
    }

    pub(crate) fn html(&self, status: StatusCode, body: String) -> Response {
        let mut res = (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            body,
        )
            .into_response();
        self.finish(&mut res);
        res
    }

    pub(crate) fn redirect(&self, location: &str) -> Response {
        let mut res = StatusCode::SEE_OTHER.into_response();
        if let Ok(v) = HeaderValue::from_str(location) {
            res.headers_mut().insert(header::LOCATION, v);
        }
        self.finish(&mut res);
        res
    }

    /// The value of a request cookie.
    pub(crate) fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn finish(&self, res: &mut Response) {
        if let Some(cookie) = &self.set_cookie
            && let Ok(v) = HeaderValue::from_str(cookie)
        {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }

    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// The signed-in customer, after the session's timeouts.
    pub(crate) async fn auth(&self, state: &AppState) -> Option<AuthState> {
        let session = self.session.as_ref()?;
        let mut auth = session.get::<AuthState>(AUTH_KEY).await.ok()??;
        match state.engine.check_session(&auth, self.tenant.0.tenant.id) {
            SessionCheck::Valid => Some(auth),
            SessionCheck::Touch => {
                auth.last_seen_at = state.engine.now();
                let _ = session.insert(AUTH_KEY, &auth).await;
                Some(auth)
            }
            // Another tenant's session is not this tenant's to end.
            SessionCheck::Ended(portico_identity::sessions::EndReason::WrongTenant) => None,
            SessionCheck::Ended(_) => {
                let _ = session.flush().await;
                None
            }
        }
    }
}

pub(crate) async fn context(state: &AppState, req: Request) -> Result<Ctx, Response> {
    let (parts, body) = req.into_parts();
    let Some(tenant) = parts.extensions.get::<RequestTenant>().cloned() else {
        return Err(StatusCode::NOT_FOUND.into_response());
    };
    let policy = CookiePolicy {
        secure: state.config.is_https(),
    };
    let cookie_name = policy.csrf_cookie_name();
    let cookies: Vec<(String, String)> = parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let existing = cookies
        .iter()
        .find(|(k, _)| k == cookie_name)
        .map(|(_, v)| v.clone())
        .filter(|v| v.len() >= 32 && v.len() <= 128);
    let (browser, set_cookie) = match existing {
        Some(v) => (BrowserBinding::from_cookie(&v), None),
        None => {
            let value = BrowserBinding::new_cookie_value();
            let secure = if policy.secure { "; Secure" } else { "" };
            (
                BrowserBinding::from_cookie(&value),
                Some(format!(
                    "{cookie_name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000{secure}"
                )),
            )
        }
    };
    let mut params: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    if parts.method == axum::http::Method::POST {
        let form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        let bytes = axum::body::to_bytes(body, 64 * 1024)
            .await
            .unwrap_or_default();
        if form {
            params.extend(url::form_urlencoded::parse(&bytes).into_owned());
        }
    }
    Ok(Ctx {
        client: ClientInfo {
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
        },
        nonce: parts
            .extensions
            .get::<CspNonce>()
            .map(|n| n.0.clone())
            .unwrap_or_default(),
        session: parts.extensions.get::<Session>().cloned(),
        theme: tenant.0.theme.page_css(),
        tenant,
        browser,
        set_cookie,
        params,
        cookies,
    })
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Delivers an authorization answer to the app. `after_form`: the browser may come
/// from one of Portico's form posts, whose CSP (`form-action 'self'`) would block a
/// redirect to the app, so a page sends it on instead.
fn respond(ctx: &Ctx, answer: &AuthorizationResponse, after_form: bool) -> Response {
    match answer.mode {
        ResponseMode::Query if after_form => ctx.html(
            StatusCode::OK,
            plain_pages::continue_to(&ctx.look(), &answer.location()),
        ),
        ResponseMode::Query => ctx.redirect(&answer.location()),
        ResponseMode::FormPost => {
            let params: Vec<(&str, &str)> = answer
                .params
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect();
            let mut res = ctx.html(
                StatusCode::OK,
                plain_pages::form_post(&ctx.look(), &answer.redirect_uri, &params),
            );
            // This page posts to the app: its CSP allows exactly that target.
            let origin = url::Url::parse(&answer.redirect_uri)
                .map(|u| u.origin().ascii_serialization())
                .unwrap_or_default();
            let csp = format!(
                "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; \
                 img-src 'self' data:; form-action {origin}; frame-ancestors 'none'; base-uri 'none'",
                nonce = ctx.nonce
            );
            if let Ok(v) = HeaderValue::from_str(&csp) {
                res.headers_mut().insert(header::CONTENT_SECURITY_POLICY, v);
            }
            res
        }
    }
}

fn step(ctx: &Ctx, result: Result<AuthorizeStep, AuthorizeError>, after_form: bool) -> Response {
    match result {
        Ok(AuthorizeStep::Respond(answer)) => respond(ctx, &answer, after_form),
        Ok(AuthorizeStep::SignIn {
            continue_to,
            login_hint,
            fresh,
        }) => {
            let mut location = format!("/login?return_to={}", encode(&continue_to));
            if let Some(hint) = login_hint {
                location.push_str(&format!("&login_hint={}", encode(&hint)));
            }
            if fresh {
                location.push_str("&prompt=login");
            }
            ctx.redirect(&location)
        }
        Ok(AuthorizeStep::Consent { request_id }) => {
            ctx.redirect(&format!("/consent?request={request_id}"))
        }
        Err(AuthorizeError::Problem(p)) => ctx.html(
            StatusCode::BAD_REQUEST,
            plain_pages::authorize_problem(&ctx.look(), &p.to_string(), p.code()),
        ),
        Err(AuthorizeError::Store(e)) => {
            tracing::error!(error = %e, "authorization endpoint failed");
            ctx.html(
                StatusCode::SERVICE_UNAVAILABLE,
                plain_pages::authorize_problem(
                    &ctx.look(),
                    "we could not reach our database just now",
                    "temporarily_unavailable",
                ),
            )
        }
    }
}

/// `GET|POST /oauth2/authorize`.
pub async fn authorize(State(state): State<AppState>, req: Request) -> Response {
    let ctx = match context(&state, req).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let auth = ctx.auth(&state).await;
    let result = state
        .engine
        .authorize(
            &ctx.tenant.0.tenant,
            &ctx.browser,
            &ctx.client,
            auth.as_ref(),
            &ctx.params,
        )
        .await;
    step(&ctx, result, false)
}

/// `GET /oauth2/authorize/continue?request=<id>`: back from the sign-in or consent.
pub async fn authorize_continue(State(state): State<AppState>, req: Request) -> Response {
    let ctx = match context(&state, req).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let auth = ctx.auth(&state).await;
    let request = ctx.param("request").unwrap_or_default().to_string();
    let result = state
        .engine
        .continue_authorization(
            &ctx.tenant.0.tenant,
            &ctx.browser,
            &ctx.client,
            auth.as_ref(),
            &request,
        )
        .await;
    step(&ctx, result, true)
}

/// `GET|POST /oauth2/logout`: RP-initiated logout (OpenID Connect RP-Initiated
/// Logout 1.0). With a valid `id_token_hint` for the signed-in customer the session
/// ends at once; without one the customer is asked. The browser only ever goes back to
/// a `post_logout_redirect_uri` the app registered.
pub async fn logout(State(state): State<AppState>, req: Request) -> Response {
    let ctx = match context(&state, req).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let tenant = &ctx.tenant.0.tenant;
    let problem = |text: &str, code: &str| {
        ctx.html(
            StatusCode::BAD_REQUEST,
            plain_pages::authorize_problem(&ctx.look(), text, code),
        )
    };
    let hint = match ctx.param("id_token_hint") {
        Some(h) => match state.engine.read_id_token_hint(tenant, h).await {
            Some(read) => Some(read),
            None => {
                return problem(
                    "the id_token_hint is not an ID token we issued",
                    "invalid_id_token_hint",
                );
            }
        },
        None => None,
    };
    let client_id = match (ctx.param("client_id"), &hint) {
        (Some(c), Some((aud, _, _))) if c != aud => {
            return problem(
                "client_id and the id_token_hint name different apps",
                "client_mismatch",
            );
        }
        (Some(c), _) => Some(c.to_string()),
        (None, Some((aud, _, _))) => Some(aud.clone()),
        (None, None) => None,
    };
    // Where to go afterwards: only a registered address, checked before anything else.
    let back = match ctx.param("post_logout_redirect_uri") {
        None => None,
        Some(uri) => {
            let Some(client_id) = &client_id else {
                return problem(
                    "post_logout_redirect_uri needs client_id or id_token_hint",
                    "missing_client",
                );
            };
            let app = match state.engine.app_by_client_id(tenant, client_id).await {
                Ok(app) => app,
                Err(e) => {
                    tracing::error!(error = %e, "logout: app lookup failed");
                    return problem("we could not reach our database just now", "unavailable");
                }
            };
            match app {
                Some(app) if app.accepts_post_logout_redirect(uri) => {
                    let mut target = uri.to_string();
                    if let Some(s) = ctx.param("state") {
                        target.push(if target.contains('?') { '&' } else { '?' });
                        target.push_str(&format!("state={}", encode(s)));
                    }
                    Some(target)
                }
                Some(_) => {
                    return problem(
                        "the post_logout_redirect_uri is not one the app registered",
                        "post_logout_redirect_uri_mismatch",
                    );
                }
                None => {
                    return problem(
                        "no app with this client_id is registered here",
                        "unknown_client",
                    );
                }
            }
        }
    };
    // A confirmed sign-out comes from our own form: go on with a page (see `respond`).
    let from_form = ctx.param("confirm").is_some();
    let finish = |ctx: &Ctx| match &back {
        Some(target) if from_form => ctx.html(
            StatusCode::OK,
            plain_pages::continue_to(&ctx.look(), target),
        ),
        Some(target) => ctx.redirect(target),
        None => ctx.html(StatusCode::OK, plain_pages::signed_out(&ctx.look())),
    };
    let Some(auth) = ctx.auth(&state).await else {
        return finish(&ctx);
    };
    let proven = hint
        .as_ref()
        .is_some_and(|(_, sub, _)| *sub == auth.user_id.to_string());
    let confirmed = ctx.param("confirm") == Some("yes")
        && ctx.param("csrf_token").is_some_and(|t| {
            portico_identity::secrets::constant_time_eq(t.as_bytes(), auth.csrf_token.as_bytes())
        });
    if !proven && !confirmed {
        let mut hidden: Vec<(&str, &str)> = Vec::new();
        for name in ["post_logout_redirect_uri", "state", "client_id"] {
            if let Some(v) = ctx.param(name) {
                hidden.push((name, v));
            }
        }
        if let (None, Some(c)) = (ctx.param("client_id"), client_id.as_deref()) {
            hidden.push(("client_id", c));
        }
        return ctx.html(
            StatusCode::OK,
            plain_pages::confirm_sign_out(&ctx.look(), &auth.csrf_token, &hidden),
        );
    }
    if let Some(session) = &ctx.session {
        let _ = session.flush().await;
    }
    let audit = AuditEvent::new(tenant.id, "session.signed_out", &ctx.client)
        .actor(auth.user_id)
        .subject(auth.user_id)
        .detail("by", "app");
    if let Err(e) = state.engine.record_audit(audit).await {
        tracing::error!(error = %e, "logout: audit failed");
    }
    finish(&ctx)
}
