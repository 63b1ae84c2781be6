//! Server-side plumbing for server functions: the request's tenant, browser, client and
//! session, typed. Provided by the `server` crate through Leptos context.

use std::net::IpAddr;
use std::sync::Arc;

use http::header::{COOKIE, SET_COOKIE, USER_AGENT};
use http::request::Parts;
use http::{HeaderValue, StatusCode};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use portico_identity::audit::ClientInfo;
use portico_identity::flows::login::{FlowError, FlowOutcome, SignedIn};
use portico_identity::flows::{BrowserBinding, Flow};
use portico_identity::secrets::constant_time_eq;
use portico_identity::sessions::{AUTH_KEY, AuthState, SessionCheck};
use portico_identity::tenants::ResolvedTenant;
use portico_identity::{Engine, StoreError};
use tower_sessions::Session;

use crate::AppError;
use crate::views::{FlowView, FormOutcome, MessageView, Tone};

/// The services every server function reaches, provided once per request.
#[derive(Clone)]
pub struct AppContext {
    pub engine: Engine,
    pub cookies: CookiePolicy,
    /// Dev mode: the mail viewer is on.
    pub dev_mode: bool,
}

/// How Portico's own cookies are written: `Secure` and `__Host-` prefixed over https.
#[derive(Clone, Copy, Debug)]
pub struct CookiePolicy {
    pub secure: bool,
}

impl CookiePolicy {
    pub fn session_cookie_name(self) -> &'static str {
        if self.secure {
            "__Host-portico_session"
        } else {
            "portico_session"
        }
    }

    pub fn csrf_cookie_name(self) -> &'static str {
        if self.secure {
            "__Host-portico_csrf"
        } else {
            "portico_csrf"
        }
    }
}

/// The tenant that serves this request, resolved from its Host by the server.
#[derive(Clone)]
pub struct RequestTenant(pub Arc<ResolvedTenant>);

/// The client's address as the server saw it.
#[derive(Clone, Copy, Debug)]
pub struct ClientAddr(pub IpAddr);

/// The nonce of this response's Content-Security-Policy.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

/// The request id the server assigned (also in the `x-request-id` header).
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// Browser cookie value minted during this request, so two uses agree.
#[derive(Clone)]
struct MintedBrowserCookie(String);

/// The language the server chose for this request (see `portico_identity::i18n`).
#[derive(Clone, Copy, Debug)]
pub struct RequestLanguage(pub portico_identity::i18n::Language);

/// The name of the cookie that keeps the customer's choice of language.
pub const LANGUAGE_COOKIE: &str = "portico_lang";

/// The value of cookie `name` in a request's headers.
fn cookie_value(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// The language of a request: the customer's choice (the `portico_lang` cookie), then
/// `Accept-Language`, then the tenant's default.
pub fn choose_language(
    headers: &http::HeaderMap,
    tenant_default: portico_identity::i18n::Language,
) -> portico_identity::i18n::Language {
    stated_language(headers).unwrap_or(tenant_default)
}

/// The language the customer or their browser asked for, if Portico speaks it (a new
/// account keeps it for its mails; without one they follow the tenant's default).
pub fn stated_language(headers: &http::HeaderMap) -> Option<portico_identity::i18n::Language> {
    use portico_identity::i18n::Language;
    cookie_value(headers, LANGUAGE_COOKIE)
        .and_then(|c| Language::parse(&c))
        .or_else(|| {
            headers
                .get(http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Language::from_accept_language)
        })
}

/// The request's tenant theme: the pages' custom properties and custom CSS.
pub fn theme_css() -> String {
    use_context::<Parts>()
        .and_then(|p| p.extensions.get::<RequestTenant>().cloned())
        .map(|t| t.0.theme.page_css())
        .unwrap_or_else(|| portico_identity::branding::ThemeTokens::default().page_css())
}

/// The page's language and brand, from the request's tenant.
pub fn page_setup() -> crate::views::PageSetup {
    let parts = use_context::<Parts>();
    let tenant = parts
        .as_ref()
        .and_then(|p| p.extensions.get::<RequestTenant>().cloned());
    let lang = parts
        .as_ref()
        .and_then(|p| p.extensions.get::<RequestLanguage>().copied())
        .map(|l| l.0)
        .unwrap_or_default();
    let Some(tenant) = tenant else {
        return crate::views::PageSetup {
            lang: lang.code().into(),
            ..Default::default()
        };
    };
    page_setup_for(&tenant.0, lang)
}

/// A tenant's page setup in `lang`.
pub fn page_setup_for(
    tenant: &ResolvedTenant,
    lang: portico_identity::i18n::Language,
) -> crate::views::PageSetup {
    let theme = &tenant.theme;
    crate::views::PageSetup {
        lang: lang.code().into(),
        copy: theme
            .copy
            .get(&lang)
            .map(|texts| texts.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        brand: crate::views::BrandView {
            name: tenant.tenant.display_name.clone(),
            logo: theme.logo.as_ref().map(|a| a.url()),
            split: theme.layout == portico_identity::branding::Layout::Split,
            side_image: theme.side_image.as_ref().map(|a| a.url()),
            terms_url: theme.terms_url.clone(),
            privacy_url: theme.privacy_url.clone(),
            operator: tenant.tenant.is_default,
        },
    }
}

/// The page's icon: the theme's favicon, else the brand's initial (`/favicon.svg`).
/// (URL, content type).
pub fn favicon_url() -> (String, &'static str) {
    use_context::<Parts>()
        .and_then(|p| p.extensions.get::<RequestTenant>().cloned())
        .and_then(|t| t.0.theme.favicon.clone())
        .map(|f| (f.url(), f.image_type().mime()))
        .unwrap_or_else(|| ("/favicon.svg".into(), "image/svg+xml"))
}

/// The words of the request's language, for the texts a server function writes
/// (dates, device names, sign-in reasons).
pub struct Words {
    pub lang: portico_identity::i18n::Language,
    i18n: crate::i18n::I18n,
}

impl Words {
    pub fn of_request() -> Self {
        Self::new(request_language())
    }

    pub fn new(lang: portico_identity::i18n::Language) -> Self {
        Self {
            lang,
            i18n: crate::i18n::I18n::new(lang.code(), Default::default()),
        }
    }

    pub fn text(&self, key: &str) -> String {
        self.i18n.text(key)
    }

    pub fn format(&self, key: &str, args: &[(&str, &str)]) -> String {
        self.i18n.format(key, args)
    }

    /// "Chrome on Linux", from a User-Agent header.
    pub fn device(&self, user_agent: Option<&str>) -> String {
        match portico_identity::user_agent::browser_and_system(user_agent) {
            (Some(browser), Some(system)) => {
                self.format("device.both", &[("browser", browser), ("system", system)])
            }
            (Some(one), None) | (None, Some(one)) => one.to_string(),
            (None, None) => self.text("device.unknown"),
        }
    }

    /// Why the risk engine noticed a sign-in.
    pub fn signal(&self, signal: &portico_identity::risk::Signal) -> String {
        use portico_identity::risk::Signal;
        match signal {
            Signal::NewDevice => self.text("signal.new_device"),
            Signal::NewCountry { country } => {
                self.format("signal.new_country", &[("country", country)])
            }
            Signal::ImpossibleTravel { from, to, kmh, .. } => self.format(
                "signal.travel",
                &[
                    ("from", from),
                    ("to", to),
                    ("kmh", &self.lang.number(kmh.max(0.0).round() as u64)),
                ],
            ),
            Signal::UnusualHour { hour } => {
                self.format("signal.unusual_hour", &[("hour", &format!("{hour:02}"))])
            }
            Signal::Velocity {
                account_failures,
                ip_failures,
            } => self.format(
                "signal.velocity",
                &[
                    ("account", &account_failures.to_string()),
                    ("ip", &ip_failures.to_string()),
                ],
            ),
            Signal::AnonymousNetwork { flags } => {
                let kinds: Vec<&str> = [
                    (flags.tor, "Tor"),
                    (flags.vpn, "VPN"),
                    (flags.proxy, "proxy"),
                    (flags.hosting, "hosting"),
                ]
                .into_iter()
                .filter(|(on, _)| *on)
                .map(|(_, name)| name)
                .collect();
                self.format("signal.anonymous", &[("kind", &kinds.join(", "))])
            }
            Signal::BreachedPassword => self.text("signal.breached"),
        }
    }
}

/// The language of the request a server function serves.
pub fn request_language() -> portico_identity::i18n::Language {
    use_context::<Parts>()
        .and_then(|p| p.extensions.get::<RequestLanguage>().copied())
        .map(|l| l.0)
        .unwrap_or_default()
}

/// Everything a server function needs about its request.
pub struct Req {
    pub engine: Engine,
    pub dev_mode: bool,
    pub tenant: Arc<ResolvedTenant>,
    pub parts: Parts,
    pub cookies: CookiePolicy,
    pub response: ResponseOptions,
}

impl Req {
    pub fn get() -> Result<Self, AppError> {
        let ctx = use_context::<AppContext>().ok_or_else(|| internal("AppContext missing"))?;
        let parts = use_context::<Parts>().ok_or_else(|| internal("request parts missing"))?;
        let response =
            use_context::<ResponseOptions>().ok_or_else(|| internal("response options missing"))?;
        let tenant = parts
            .extensions
            .get::<RequestTenant>()
            .cloned()
            .ok_or_else(|| internal("tenant missing"))?;
        Ok(Self {
            engine: ctx.engine,
            dev_mode: ctx.dev_mode,
            tenant: tenant.0,
            parts,
            cookies: ctx.cookies,
            response,
        })
    }

    pub fn client(&self) -> ClientInfo {
        ClientInfo {
            ip: self
                .parts
                .extensions
                .get::<ClientAddr>()
                .map(|a| a.0.to_string()),
            user_agent: self
                .parts
                .headers
                .get(USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            language: stated_language(&self.parts.headers),
        }
    }

    fn cookie(&self, name: &str) -> Option<String> {
        cookie_value(&self.parts.headers, name)
    }

    /// This browser's binding, minting (and setting) the CSRF cookie if it has none.
    pub fn browser(&self) -> BrowserBinding {
        let name = self.cookies.csrf_cookie_name();
        if let Some(value) = self
            .cookie(name)
            .filter(|v| v.len() >= 32 && v.len() <= 128)
        {
            return BrowserBinding::from_cookie(&value);
        }
        if let Some(minted) = use_context::<MintedBrowserCookie>() {
            return BrowserBinding::from_cookie(&minted.0);
        }
        let value = BrowserBinding::new_cookie_value();
        let secure = if self.cookies.secure { "; Secure" } else { "" };
        let cookie =
            format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=31536000{secure}");
        if let Ok(header) = HeaderValue::from_str(&cookie) {
            self.response.append_header(SET_COOKIE, header);
        }
        provide_context(MintedBrowserCookie(value.clone()));
        BrowserBinding::from_cookie(&value)
    }

    pub fn session(&self) -> Result<Session, AppError> {
        self.parts
            .extensions
            .get::<Session>()
            .cloned()
            .ok_or_else(|| internal("session layer missing"))
    }

    /// The signed-in customer, after checking the session's timeouts and tenant. An
    /// ended session is cleared on the spot.
    pub async fn auth(&self) -> Result<Option<AuthState>, AppError> {
        let session = self.session()?;
        let Some(mut auth) = session
            .get::<AuthState>(AUTH_KEY)
            .await
            .map_err(session_err)?
        else {
            return Ok(None);
        };
        match self.engine.check_session(&auth, self.tenant.tenant.id) {
            SessionCheck::Valid => Ok(Some(auth)),
            SessionCheck::Touch => {
                auth.last_seen_at = self.engine.now();
                session.insert(AUTH_KEY, &auth).await.map_err(session_err)?;
                Ok(Some(auth))
            }
            // Another tenant's session (a cookie shared across hosts) is not this
            // tenant's to end: it is only not a sign-in here.
            SessionCheck::Ended(portico_identity::sessions::EndReason::WrongTenant) => Ok(None),
            SessionCheck::Ended(_) => {
                session.flush().await.map_err(session_err)?;
                Ok(None)
            }
        }
    }

    /// Starts a signed-in session with a fresh id.
    pub async fn sign_in(&self, signed_in: &SignedIn) -> Result<(), AppError> {
        let session = self.session()?;
        session.cycle_id().await.map_err(session_err)?;
        session
            .insert(
                AUTH_KEY,
                AuthState::from_sign_in(signed_in).with_client(&self.client()),
            )
            .await
            .map_err(session_err)
    }

    /// Keeps this browser signed in under a new session id (after every session of the
    /// account was ended, e.g. by a password change).
    pub async fn renew_session(&self, mut auth: AuthState) -> Result<(), AppError> {
        let session = self.session()?;
        session.cycle_id().await.map_err(session_err)?;
        auth.csrf_token = portico_identity::secrets::random_token();
        auth.last_seen_at = self.engine.now();
        session.insert(AUTH_KEY, auth).await.map_err(session_err)
    }

    /// Ends the session on the server and clears its cookie.
    pub async fn sign_out(&self) -> Result<(), AppError> {
        self.session()?.flush().await.map_err(session_err)
    }

    /// Checks the token a signed-in form echoes.
    pub fn check_session_csrf(auth: &AuthState, token: &str) -> bool {
        constant_time_eq(auth.csrf_token.as_bytes(), token.as_bytes())
    }

    /// Sends the browser to `path`: a real redirect for a page load (302) or a plain
    /// form post (303), a client-side navigation for a hydrated page's call.
    pub fn redirect(&self, path: &str) {
        leptos_axum::redirect(path);
        let is_page = !self.parts.uri.path().starts_with("/api/");
        let accepts_html = self
            .parts
            .headers
            .get(http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
        if is_page {
            self.response.set_status(StatusCode::FOUND);
        } else if accepts_html {
            self.response.set_status(StatusCode::SEE_OTHER);
        }
    }

    pub fn flow_view(&self, flow: &Flow) -> FlowView {
        let policy = &self.tenant.tenant.policy.password;
        let methods = flow.context.sign_in_methods();
        FlowView {
            id: flow.id.to_string(),
            kind: flow.kind.as_str().to_string(),
            step: flow.state.as_str().to_string(),
            verify_email: flow.context.verify_email.clone(),
            csrf_token: flow.csrf_token.clone(),
            messages: flow
                .messages
                .iter()
                .map(|m| MessageView {
                    id: m.id.clone(),
                    tone: match m.kind {
                        portico_identity::flows::MessageKind::Info => Tone::Info,
                        portico_identity::flows::MessageKind::Error => Tone::Error,
                    },
                    field: m.field.clone(),
                    text: crate::messages::text(request_language(), &m.id, &m.args),
                })
                .collect(),
            email: flow.context.email.clone().unwrap_or_default(),
            display_name: flow.context.display_name.clone().unwrap_or_default(),
            return_to: flow.return_to.clone(),
            password_min_length: policy.min_length,
            password_max_length: policy.max_length,
            factors: flow
                .context
                .factors
                .iter()
                .map(|f| f.as_str().to_string())
                .collect(),
            code_sent_to: flow.context.code_sent_to.clone(),
            providers: Vec::new(),
            provider_name: flow
                .context
                .federated
                .as_ref()
                .map(|p| p.provider_name.clone()),
            code_only: flow.context.address_code.is_some(),
            password_allowed: methods.password,
            passkey_allowed: methods.passkey,
            allowed_providers: methods.providers,
            reauth: flow.context.reauth.is_some(),
        }
    }

    /// Finishes a form submission: a sign-in starts a session and goes to its return
    /// path; anything else goes back to the flow on `page`.
    pub async fn conclude(
        &self,
        outcome: FlowOutcome,
        page: &str,
    ) -> Result<FormOutcome, AppError> {
        match outcome {
            FlowOutcome::SignedIn(signed_in) => {
                self.sign_in(&signed_in).await?;
                self.redirect(&signed_in.return_to);
                Ok(FormOutcome::Navigate)
            }
            FlowOutcome::ShowFlow(id) => self.show_flow(page, id).await,
        }
    }

    /// Sends the browser back to flow `id` on `page`, and hands a hydrated page the
    /// flow to show.
    pub async fn show_flow(
        &self,
        page: &str,
        id: portico_identity::FlowId,
    ) -> Result<FormOutcome, AppError> {
        self.redirect(&format!("{page}?flow={id}"));
        let flow = self
            .engine
            .flow_by_id(&self.tenant.tenant, id)
            .await
            .map_err(|e| self.store_error(e))?
            .ok_or_else(|| internal("flow vanished"))?;
        let view = self.with_providers(self.flow_view(&flow)).await?;
        Ok(FormOutcome::ShowFlow(Box::new(view)))
    }

    /// Adds the tenant's sign-in providers to a sign-in or sign-up page's flow.
    pub async fn with_providers(&self, mut view: FlowView) -> Result<FlowView, AppError> {
        if view.kind != "login" && view.kind != "registration" {
            return Ok(view);
        }
        view.providers = self
            .engine
            .enabled_providers(&self.tenant.tenant)
            .await
            .map_err(|e| self.store_error(e))?
            .into_iter()
            .filter(|p| {
                view.allowed_providers
                    .as_ref()
                    .is_none_or(|list| list.contains(&p.slug))
            })
            .map(|p| crate::views::ProviderButton {
                brand: p.brand().to_string(),
                slug: p.slug,
                name: p.display_name,
            })
            .collect();
        Ok(view)
    }

    fn request_id(&self) -> String {
        self.parts
            .extensions
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_else(|| "unknown".into())
    }

    /// Logs an internal failure once, with the request id, and returns what the
    /// browser may see.
    pub fn internal(&self, cause: &dyn std::error::Error) -> AppError {
        let reference = self.request_id();
        tracing::error!(request_id = %reference, error = %cause, source = ?cause.source(), "request failed");
        AppError::Internal { reference }
    }

    pub fn flow_error(&self, err: FlowError) -> AppError {
        match err {
            FlowError::Busy { retry_after_ms } => {
                self.response.set_status(StatusCode::TOO_MANY_REQUESTS);
                let secs = retry_after_ms.div_ceil(1000).max(1);
                if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                    self.response.insert_header(http::header::RETRY_AFTER, v);
                }
                AppError::Busy { retry_after_ms }
            }
            other => self.internal(&other),
        }
    }

    pub fn store_error(&self, err: StoreError) -> AppError {
        self.internal(&err)
    }
}

fn internal(what: &str) -> AppError {
    tracing::error!(what, "server function context incomplete");
    AppError::Internal {
        reference: "context".into(),
    }
}

fn session_err(err: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %err, "session store failed");
    AppError::Internal {
        reference: "session".into(),
    }
}

/// Escapes text for HTML (element content and attribute values).
pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A small page in the tenant's brand, plain HTML (no hydration): for answers that
/// are not part of the app's pages — capacity, problems with an app's sign-in
/// request, sign-out confirmations. `body_html` is trusted markup; everything else is
/// escaped here.
pub fn notice_page(
    brand: &str,
    theme_css: &str,
    nonce: &str,
    title: &str,
    body_html: &str,
) -> String {
    let initial = brand
        .chars()
        .find(|c| c.is_alphanumeric())
        .map(|c| c.to_uppercase().to_string())
        .unwrap_or_else(|| "P".into());
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} · {brand}</title><link rel="stylesheet" href="/pkg/portico.css"><link rel="icon" href="/favicon.svg" type="image/svg+xml"><style nonce="{nonce}">{theme_css}</style></head>
<body class="bg-canvas text-ink font-brand antialiased"><main class="flex min-h-screen items-center justify-center px-4"><div class="w-full max-w-[26rem] text-center">
<span aria-hidden="true" class="mx-auto mb-6 inline-flex h-11 w-11 items-center justify-center rounded-brand bg-brand text-lg font-semibold text-on-brand">{initial}</span>
<div class="rounded-brand border border-line bg-surface px-6 py-8 sm:px-9"><h1 class="text-[26px] font-semibold leading-8 tracking-tight">{title}</h1>
{body_html}</div></div></main></body></html>"#,
        brand = escape_html(brand),
        title = escape_html(title),
        nonce = escape_html(nonce),
    )
}

/// The page a browser gets when sign-ins are at capacity (HTTP 429): the tenant's
/// brand, the wait, and a way back. Plain HTML, so it costs nothing to serve.
pub fn busy_page(brand: &str, theme_css: &str, nonce: &str, seconds: u64) -> String {
    let wait = if seconds == 1 {
        "a second".to_string()
    } else {
        format!("{seconds} seconds")
    };
    notice_page(
        brand,
        theme_css,
        nonce,
        "One moment, please",
        &format!(
            r#"<p class="mt-2 text-[15px] leading-6 text-muted" role="status">We're handling a lot of sign-ins right now. Please wait <strong class="font-semibold text-ink">{wait}</strong>, then sign in again.</p>
<a href="/login" class="mt-7 inline-flex w-full items-center justify-center rounded-brand bg-brand px-4 py-2.5 text-[15px] font-semibold text-on-brand hover:brightness-110">Back to sign in</a>"#
        ),
    )
}
