//! Social and enterprise sign-in, browser side: the provider buttons' form (and the
//! account pages' "link") start a trip; the provider's answer comes back to
//! `/federation/callback/<provider>`. Behind the session layer.

use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use portico_app::plain_pages;
use portico_app::ssr::Req;
use portico_identity::federation::{self, Callback, CallbackOutcome, StartOutcome, Trip};
use portico_identity::flows::FlowKind;
use portico_identity::flows::login::{FlowError, FlowOutcome};
use portico_identity::sessions::{AUTH_KEY, AuthState};

use crate::AppState;
use crate::authorize::{Ctx, context};

fn trip_cookie(state: &AppState, value: &str, max_age: i64) -> String {
    let secure = state.config.is_https();
    let name = federation::state_cookie_name(secure);
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

fn with_cookie(mut res: Response, cookie: &str) -> Response {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// Sends the browser to the provider: a page (a form post may not redirect to another
/// origin under the pages' CSP) that sets the trip's cookie.
fn go(state: &AppState, ctx: &Ctx, trip: &Trip) -> Response {
    let res = ctx.html(
        StatusCode::OK,
        plain_pages::redirect_page(
            &ctx.look(),
            &trip.location,
            "One moment",
            "Taking you to your sign-in provider…",
        ),
    );
    let lifetime = federation::STATE_LIFETIME.num_seconds();
    with_cookie(res, &trip_cookie(state, &trip.cookie_value, lifetime))
}

fn unavailable(ctx: &Ctx, err: FlowError) -> Response {
    match err {
        FlowError::Busy { retry_after_ms } => {
            let mut res = ctx.redirect("/login");
            *res.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            if let Ok(v) = HeaderValue::from_str(&retry_after_ms.div_ceil(1000).to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            res
        }
        other => {
            tracing::error!(error = %other, "federated sign-in failed");
            ctx.html(
                StatusCode::SERVICE_UNAVAILABLE,
                plain_pages::federation_refused(&ctx.look(), "temporarily_unavailable"),
            )
        }
    }
}

/// `POST /federation/start`: a provider button on the sign-in or sign-up page
/// (fields `flow`, `csrf_token`, `provider`, `kind`).
pub async fn start(State(state): State<AppState>, req: Request) -> Response {
    let ctx = match context(&state, req).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let kind = if ctx.param("kind") == Some("registration") {
        FlowKind::Registration
    } else {
        FlowKind::Login
    };
    let outcome = state
        .engine
        .start_federated_sign_in(
            &ctx.tenant.0.tenant,
            &ctx.browser,
            kind,
            ctx.param("flow").unwrap_or_default(),
            ctx.param("csrf_token").unwrap_or_default(),
            ctx.param("provider").unwrap_or_default(),
        )
        .await;
    match outcome {
        Ok(StartOutcome::Redirect(trip)) => go(&state, &ctx, &trip),
        Ok(StartOutcome::ShowFlow(id)) => ctx.redirect(&format!("/login?flow={id}")),
        Err(e) => unavailable(&ctx, e),
    }
}

/// `POST /account/link`: link another provider (fields `provider`, `csrf_token`).
pub async fn link(State(state): State<AppState>, req: Request) -> Response {
    let ctx = match context(&state, req).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    let Some(auth) = ctx.auth(&state).await else {
        return ctx.redirect("/login?return_to=%2Faccount%2Fsecurity");
    };
    if !Req::check_session_csrf(&auth, ctx.param("csrf_token").unwrap_or_default()) {
        return ctx.redirect("/account/security?error=csrf");
    }
    match state
        .engine
        .start_link(
            &ctx.tenant.0.tenant,
            auth.user_id,
            auth.authenticated_at,
            ctx.param("provider").unwrap_or_default(),
        )
        .await
    {
        Ok(Ok(trip)) => go(&state, &ctx, &trip),
        Ok(Err(problem)) => ctx.redirect(&format!("/account/security?error={}", problem.code())),
        Err(e) => {
            tracing::error!(error = %e, "linking could not start");
            ctx.redirect("/account/security?error=provider_failed")
        }
    }
}

/// `GET|POST /federation/callback/<provider>`: the provider's answer. A form post
/// (Apple) comes cross-site, without the SameSite=Lax cookies; it is turned into a
/// same-URL GET, a top-level navigation that carries them.
pub async fn callback(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    req: Request,
) -> Response {
    let is_post = req.method() == axum::http::Method::POST;
    let ctx = match context(&state, req).await {
        Ok(c) => c,
        Err(res) => return res,
    };
    if is_post {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(
                ["state", "code", "iss", "error"]
                    .into_iter()
                    .filter_map(|k| ctx.param(k).map(|v| (k, v))),
            )
            .finish();
        let slug: String = url::form_urlencoded::byte_serialize(slug.as_bytes()).collect();
        return ctx.redirect(&format!("/federation/callback/{slug}?{query}"));
    }
    let cookie_name = federation::state_cookie_name(state.config.is_https());
    let signed_in = ctx.auth(&state).await.map(|a| a.user_id);
    let outcome = state
        .engine
        .finish_federation(
            &ctx.tenant.0.tenant,
            &ctx.browser,
            &ctx.client,
            signed_in,
            Callback {
                provider: &slug,
                state: ctx.param("state"),
                code: ctx.param("code"),
                iss: ctx.param("iss"),
                error: ctx.param("error"),
                cookie: ctx.cookie(cookie_name),
            },
        )
        .await;
    let clear = trip_cookie(&state, "", 0);
    let res = match outcome {
        Ok(CallbackOutcome::Flow(FlowOutcome::SignedIn(signed_in))) => {
            let Some(session) = &ctx.session else {
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            };
            let started = async {
                session.cycle_id().await?;
                session
                    .insert(
                        AUTH_KEY,
                        AuthState::from_sign_in(&signed_in).with_client(&ctx.client),
                    )
                    .await
            }
            .await;
            match started {
                Ok(()) => ctx.redirect(&signed_in.return_to),
                Err(e) => {
                    tracing::error!(error = %e, "session store failed");
                    return unavailable(&ctx, FlowError::Unavailable);
                }
            }
        }
        Ok(CallbackOutcome::Flow(FlowOutcome::ShowFlow(id))) => {
            ctx.redirect(&format!("/login?flow={id}"))
        }
        Ok(CallbackOutcome::Linked(_)) => ctx.redirect("/account/security?notice=provider_linked"),
        Ok(CallbackOutcome::LinkRefused(p)) => {
            ctx.redirect(&format!("/account/security?error={}", p.code()))
        }
        Ok(CallbackOutcome::Refused(p)) => ctx.html(
            StatusCode::BAD_REQUEST,
            plain_pages::federation_refused(&ctx.look(), &format!("invalid_{}", p.as_str())),
        ),
        Err(e) => unavailable(&ctx, e),
    };
    with_cookie(res, &clear)
}
