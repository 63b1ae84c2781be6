//! The authorization endpoint's engine side (OpenID Connect Core §3.1.2, RFC 6749
//! §4.1, RFC 9700): the code flow only, PKCE S256, exact redirect URIs, `iss` in every
//! answer (RFC 9207).
//!
//! A request is checked in the order the RFC asks: while the client or its redirect
//! URI is in doubt, nothing is redirected — the problem is shown on a page
//! ([`AuthorizeProblem`]); after that every error goes back to the app as an OAuth
//! error. A valid request is answered at once when the browser's session is good
//! enough (signed in, fresh enough for `prompt=login`/`max_age`, consent on file);
//! otherwise it is stored, bound to the browser, and the customer goes through the
//! login flow (with its risk step and MFA) or the consent page and comes back to
//! [`Engine::continue_authorization`].

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::{AuditEvent, ClientInfo};
use crate::flows::BrowserBinding;
use crate::oidc::apps::{AppStatus, Application, GrantType};
use crate::secrets::{constant_time_eq, random_token, sha256_hex};
use crate::sessions::AuthState;
use crate::store::oauth::{GrantRow, RequestRow};
use crate::store::{self, StoreError};
use crate::tenants::Tenant;
use crate::{Engine, UserId};

/// How long a stored request waits for the customer.
pub const REQUEST_LIFETIME: Duration = Duration::minutes(30);
/// How long an authorization code can be redeemed.
pub const CODE_LIFETIME: Duration = Duration::seconds(60);
/// Where a stored request resumes after the sign-in or the consent page.
pub const CONTINUE_PATH: &str = "/oauth2/authorize/continue";

/// How the answer travels back to the app.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseMode {
    /// A redirect with the answer in the query string.
    #[default]
    Query,
    /// A page that posts the answer to the redirect URI (OAuth 2.0 Form Post).
    FormPost,
}

/// A checked authorization request, as stored while the customer signs in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub response_mode: ResponseMode,
    pub prompt_none: bool,
    pub prompt_consent: bool,
    /// `prompt=login`: the customer signs in again, after this moment.
    pub fresh_after: Option<DateTime<Utc>>,
    pub max_age: Option<u32>,
    pub login_hint: Option<String>,
    /// The customer answered the consent page in this request.
    #[serde(default)]
    pub consented: bool,
    #[serde(default)]
    pub denied: bool,
}

/// An answer for the app, to deliver by redirect or form post.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizationResponse {
    pub redirect_uri: String,
    pub mode: ResponseMode,
    pub params: Vec<(&'static str, String)>,
}

impl AuthorizationResponse {
    fn error(
        tenant: &Tenant,
        redirect_uri: &str,
        mode: ResponseMode,
        state: Option<&str>,
        error: &'static str,
        description: &str,
    ) -> Self {
        let mut params = vec![
            ("error", error.to_string()),
            ("error_description", description.to_string()),
        ];
        if let Some(s) = state {
            params.push(("state", s.to_string()));
        }
        params.push(("iss", issuer(tenant)));
        Self {
            redirect_uri: redirect_uri.to_string(),
            mode,
            params,
        }
    }

    /// The redirect target for [`ResponseMode::Query`]: the parameters appended to the
    /// registered URI's own query.
    pub fn location(&self) -> String {
        let mut url = self.redirect_uri.clone();
        let encoded = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.params.iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&encoded);
        url
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the browser does next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthorizeStep {
    /// Deliver this answer to the app.
    Respond(AuthorizationResponse),
    /// Sign in (again, when `fresh`), then go to `continue_to`.
    SignIn {
        continue_to: String,
        login_hint: Option<String>,
        fresh: bool,
    },
    /// Show the consent page for this request.
    Consent { request_id: Uuid },
}

/// A problem that must not be redirected (the app or its redirect URI is in doubt),
/// or a stored request that cannot continue. Shown to the customer on a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizeProblem {
    #[error("the request names no app (client_id is missing)")]
    MissingClient,
    #[error("no app with this client_id is registered here")]
    UnknownClient,
    #[error("this app has been disabled")]
    DisabledClient,
    #[error("the request has no redirect_uri")]
    MissingRedirect,
    #[error("the redirect_uri is not one the app registered")]
    RedirectNotRegistered,
    #[error("the parameter {0} appears more than once")]
    Repeated(&'static str),
    #[error("this sign-in request has expired or was already answered")]
    RequestGone,
}

impl AuthorizeProblem {
    /// A stable code for pages and logs.
    pub fn code(self) -> &'static str {
        match self {
            AuthorizeProblem::MissingClient => "missing_client",
            AuthorizeProblem::UnknownClient => "unknown_client",
            AuthorizeProblem::DisabledClient => "disabled_client",
            AuthorizeProblem::MissingRedirect => "missing_redirect_uri",
            AuthorizeProblem::RedirectNotRegistered => "redirect_uri_mismatch",
            AuthorizeProblem::Repeated(_) => "repeated_parameter",
            AuthorizeProblem::RequestGone => "request_gone",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthorizeError {
    #[error(transparent)]
    Problem(#[from] AuthorizeProblem),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The tenant's issuer identifier.
pub fn issuer(tenant: &Tenant) -> String {
    tenant.base_url.trim_end_matches('/').to_string()
}

/// What the consent page shows.
#[derive(Clone, Debug)]
pub struct ConsentRequest {
    pub app_name: String,
    pub scopes: Vec<String>,
    /// The app's redirect URI's host, so the customer sees where they are going.
    pub redirect_host: String,
}

fn is_unreserved(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')
}

/// A PKCE value (challenge or verifier): 43 to 128 unreserved characters (RFC 7636 §4.1).
pub fn valid_pkce_value(v: &str) -> bool {
    (43..=128).contains(&v.len()) && v.chars().all(is_unreserved)
}

type Checked = Result<AuthorizationRequest, Box<AuthorizationResponse>>;

/// Checks everything after the client and redirect URI are known good.
fn check_request(
    tenant: &Tenant,
    app: &Application,
    redirect_uri: &str,
    get: &dyn Fn(&str) -> Option<String>,
    repeated: Option<&str>,
    now: DateTime<Utc>,
) -> Checked {
    let mode = match get("response_mode").as_deref() {
        Some("form_post") => ResponseMode::FormPost,
        _ => ResponseMode::Query,
    };
    let state = get("state");
    let fail = |error: &'static str, description: &str| {
        Err(Box::new(AuthorizationResponse::error(
            tenant,
            redirect_uri,
            mode,
            state.as_deref(),
            error,
            description,
        )))
    };
    if let Some(name) = repeated {
        return fail("invalid_request", &format!("parameter {name} is repeated"));
    }
    if get("request").is_some() {
        return fail("request_not_supported", "request objects are not supported");
    }
    if get("request_uri").is_some() {
        return fail("request_uri_not_supported", "request_uri is not supported");
    }
    match get("response_mode").as_deref() {
        None | Some("query") | Some("form_post") => {}
        Some(_) => {
            return fail(
                "invalid_request",
                "response_mode must be query or form_post",
            );
        }
    }
    match get("response_type").as_deref() {
        None => return fail("invalid_request", "response_type is missing"),
        Some("code") => {}
        Some(_) => {
            return fail(
                "unsupported_response_type",
                "only the authorization code flow (response_type=code) is supported",
            );
        }
    }
    if !app.grant_types.contains(&GrantType::AuthorizationCode) {
        return fail(
            "unauthorized_client",
            "this app may not use the authorization code flow",
        );
    }
    if state.as_ref().is_some_and(|s| s.len() > 2048) {
        return fail("invalid_request", "state must be at most 2,048 characters");
    }
    let Some(scope_text) = get("scope") else {
        return fail("invalid_scope", "scope is missing (openid at least)");
    };
    let mut scope: Vec<String> = Vec::new();
    for s in scope_text.split(' ').filter(|s| !s.is_empty()) {
        if !app.scopes.iter().any(|a| a == s) {
            return fail(
                "invalid_scope",
                &format!("scope {s:?} is not available to this app"),
            );
        }
        if !scope.iter().any(|x| x == s) {
            scope.push(s.to_string());
        }
    }
    if scope.is_empty() {
        return fail("invalid_scope", "scope is empty");
    }
    let code_challenge = get("code_challenge");
    match (get("code_challenge_method").as_deref(), &code_challenge) {
        (Some("S256"), Some(c)) if valid_pkce_value(c) => {}
        (Some("S256"), Some(_)) => {
            return fail(
                "invalid_request",
                "code_challenge must be the 43-character base64url SHA-256 of the verifier",
            );
        }
        (Some("S256"), None) => return fail("invalid_request", "code_challenge is missing"),
        (Some(_), _) | (None, Some(_)) => {
            return fail(
                "invalid_request",
                "code_challenge_method must be S256 (plain is not accepted)",
            );
        }
        (None, None) if !app.kind.confidential() => {
            return fail(
                "invalid_request",
                "PKCE is required for this app: send code_challenge with code_challenge_method=S256",
            );
        }
        (None, None) => {}
    }
    let nonce = get("nonce");
    if nonce.as_ref().is_some_and(|n| n.len() > 512) {
        return fail("invalid_request", "nonce must be at most 512 characters");
    }
    let mut prompt_none = false;
    let mut prompt_login = false;
    let mut prompt_consent = false;
    for p in get("prompt")
        .unwrap_or_default()
        .split(' ')
        .filter(|p| !p.is_empty())
    {
        match p {
            "none" => prompt_none = true,
            // No account picker here: choosing an account means signing in.
            "login" | "select_account" => prompt_login = true,
            "consent" => prompt_consent = true,
            other => {
                return fail(
                    "invalid_request",
                    &format!("prompt {other:?} is not supported"),
                );
            }
        }
    }
    if prompt_none && (prompt_login || prompt_consent) {
        return fail(
            "invalid_request",
            "prompt=none cannot be combined with other prompts",
        );
    }
    let max_age = match get("max_age") {
        None => None,
        Some(v) => match v.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                return fail(
                    "invalid_request",
                    "max_age must be a whole number of seconds",
                );
            }
        },
    };
    let login_hint = get("login_hint")
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty() && h.len() <= 320 && !h.chars().any(char::is_control));
    Ok(AuthorizationRequest {
        client_id: app.client_id.clone(),
        redirect_uri: redirect_uri.to_string(),
        scope,
        state,
        nonce,
        code_challenge,
        response_mode: mode,
        prompt_none,
        prompt_consent,
        fresh_after: prompt_login.then_some(now),
        max_age,
        login_hint,
        consented: false,
        denied: false,
    })
}

/// The stored request plus where it lives.
struct Pending {
    id: Option<Uuid>,
    request: AuthorizationRequest,
}

impl Engine {
    /// Handles a request to the authorization endpoint. `params` are the query (GET)
    /// or form (POST) parameters in order; `auth` is the browser's signed-in state.
    pub async fn authorize(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        client: &ClientInfo,
        auth: Option<&AuthState>,
        params: &[(String, String)],
    ) -> Result<AuthorizeStep, AuthorizeError> {
        let count = |name: &str| params.iter().filter(|(k, _)| k == name).count();
        let get = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty())
        };
        if count("client_id") > 1 {
            return Err(AuthorizeProblem::Repeated("client_id").into());
        }
        let Some(client_id) = get("client_id") else {
            return Err(AuthorizeProblem::MissingClient.into());
        };
        let app = self
            .app_by_client_id(tenant, &client_id)
            .await?
            .ok_or(AuthorizeProblem::UnknownClient)?;
        if app.status != AppStatus::Active {
            return Err(AuthorizeProblem::DisabledClient.into());
        }
        if count("redirect_uri") > 1 {
            return Err(AuthorizeProblem::Repeated("redirect_uri").into());
        }
        let Some(redirect_uri) = get("redirect_uri") else {
            return Err(AuthorizeProblem::MissingRedirect.into());
        };
        if !app.accepts_redirect(&redirect_uri) {
            return Err(AuthorizeProblem::RedirectNotRegistered.into());
        }
        let repeated = params
            .iter()
            .map(|(k, _)| k.as_str())
            .find(|k| count(k) > 1);
        let request = match check_request(tenant, &app, &redirect_uri, &get, repeated, self.now()) {
            Ok(r) => r,
            Err(answer) => return Ok(AuthorizeStep::Respond(*answer)),
        };
        self.decide(
            tenant,
            browser,
            client,
            &app,
            Pending { id: None, request },
            auth,
        )
        .await
    }

    /// Resumes a stored request after the sign-in or consent page.
    pub async fn continue_authorization(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        client: &ClientInfo,
        auth: Option<&AuthState>,
        request_id: &str,
    ) -> Result<AuthorizeStep, AuthorizeError> {
        let (row, request, app) = self.stored_request(tenant, browser, request_id).await?;
        self.decide(
            tenant,
            browser,
            client,
            &app,
            Pending {
                id: Some(row.id),
                request,
            },
            auth,
        )
        .await
    }

    async fn stored_request(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        request_id: &str,
    ) -> Result<(RequestRow, AuthorizationRequest, Application), AuthorizeError> {
        let id = request_id
            .parse::<Uuid>()
            .map_err(|_| AuthorizeProblem::RequestGone)?;
        let row = store::oauth::find_request(self.db().conn(), tenant.id, id)
            .await?
            .filter(|r| {
                r.completed_at.is_none()
                    && r.expires_at > self.now()
                    && constant_time_eq(r.browser_binding.as_bytes(), browser.as_str().as_bytes())
            })
            .ok_or(AuthorizeProblem::RequestGone)?;
        let request: AuthorizationRequest =
            serde_json::from_str(&row.params).map_err(|_| StoreError::Corrupt {
                what: "authorization request",
            })?;
        let app = self
            .app_by_client_id(tenant, &request.client_id)
            .await?
            .filter(|a| a.status == AppStatus::Active && a.id == row.app_id)
            .ok_or(AuthorizeProblem::DisabledClient)?;
        Ok((row, request, app))
    }

    /// What the consent page shows for a stored request (signed-in customers only).
    pub async fn consent_request(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        request_id: &str,
    ) -> Result<ConsentRequest, AuthorizeError> {
        let (_, request, app) = self.stored_request(tenant, browser, request_id).await?;
        Ok(ConsentRequest {
            app_name: app.name.clone(),
            scopes: request.scope.clone(),
            redirect_host: url::Url::parse(&request.redirect_uri)
                .ok()
                .and_then(|u| u.host_str().map(str::to_string))
                .unwrap_or_default(),
        })
    }

    /// Records the customer's answer on the consent page; the browser then goes to
    /// [`CONTINUE_PATH`] which answers the app.
    pub async fn answer_consent(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        client: &ClientInfo,
        auth: &AuthState,
        request_id: &str,
        allow: bool,
    ) -> Result<String, AuthorizeError> {
        let (row, mut request, app) = self.stored_request(tenant, browser, request_id).await?;
        let now = self.now();
        let tx = self.db().begin().await?;
        if allow {
            let mut scopes: Vec<String> = store::oauth::find_consent(&tx, auth.user_id, app.id)
                .await?
                .map(|c| c.scope.split(' ').map(str::to_string).collect())
                .unwrap_or_default();
            for s in &request.scope {
                if !scopes.contains(s) {
                    scopes.push(s.clone());
                }
            }
            store::oauth::save_consent(
                &tx,
                tenant.id,
                auth.user_id,
                app.id,
                &scopes.join(" "),
                now,
            )
            .await?;
            request.consented = true;
        } else {
            request.denied = true;
        }
        let params = serde_json::to_string(&request).map_err(|_| StoreError::Corrupt {
            what: "authorization request",
        })?;
        store::oauth::update_request_params(&tx, row.id, &params).await?;
        let mut audit = AuditEvent::new(
            tenant.id,
            if allow {
                "consent.granted"
            } else {
                "consent.denied"
            },
            client,
        )
        .actor(auth.user_id)
        .subject(auth.user_id)
        .reference("app", app.id);
        audit
            .details
            .insert("scope".into(), request.scope.join(" ").into());
        store::audit::insert(&tx, now, &audit).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(format!("{CONTINUE_PATH}?request={}", row.id))
    }

    async fn decide(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        client: &ClientInfo,
        app: &Application,
        pending: Pending,
        auth: Option<&AuthState>,
    ) -> Result<AuthorizeStep, AuthorizeError> {
        let now = self.now();
        let req = &pending.request;
        let error = |code: &'static str, description: &str| {
            AuthorizeStep::Respond(AuthorizationResponse::error(
                tenant,
                &req.redirect_uri,
                req.response_mode,
                req.state.as_deref(),
                code,
                description,
            ))
        };
        if req.denied {
            if let Some(id) = pending.id {
                store::oauth::complete_request(self.db().conn(), id, now).await?;
            }
            return Ok(error("access_denied", "the customer declined"));
        }
        let fresh = |a: &&AuthState| {
            a.tenant_id == tenant.id
                && req.fresh_after.is_none_or(|t| a.authenticated_at >= t)
                && req
                    .max_age
                    .is_none_or(|m| (now - a.authenticated_at).num_seconds() <= i64::from(m))
        };
        let Some(auth) = auth.filter(fresh) else {
            if req.prompt_none {
                return Ok(error("login_required", "the customer is not signed in"));
            }
            let id = self.store_request(tenant, browser, app, &pending).await?;
            return Ok(AuthorizeStep::SignIn {
                continue_to: format!("{CONTINUE_PATH}?request={id}"),
                login_hint: req.login_hint.clone(),
                fresh: auth.is_some(),
            });
        };
        if !app.first_party && !req.consented {
            let on_file = store::oauth::find_consent(self.db().conn(), auth.user_id, app.id)
                .await?
                .map(|c| c.scope)
                .unwrap_or_default();
            let covered = req.scope.iter().all(|s| on_file.split(' ').any(|c| c == s));
            if req.prompt_consent || !covered {
                if req.prompt_none {
                    return Ok(error(
                        "consent_required",
                        "the customer has not agreed to share this with the app",
                    ));
                }
                let id = self.store_request(tenant, browser, app, &pending).await?;
                return Ok(AuthorizeStep::Consent { request_id: id });
            }
        }
        self.issue_code(tenant, client, app, &pending, auth).await
    }

    async fn store_request(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        app: &Application,
        pending: &Pending,
    ) -> Result<Uuid, StoreError> {
        if let Some(id) = pending.id {
            return Ok(id);
        }
        let now = self.now();
        let id = Uuid::new_v4();
        store::oauth::insert_request(
            self.db().conn(),
            RequestRow {
                id,
                tenant_id: tenant.id.0,
                app_id: app.id,
                browser_binding: browser.as_str().to_string(),
                params: serde_json::to_string(&pending.request).map_err(|_| {
                    StoreError::Corrupt {
                        what: "authorization request",
                    }
                })?,
                created_at: now,
                expires_at: now + REQUEST_LIFETIME,
                completed_at: None,
            },
        )
        .await?;
        Ok(id)
    }

    /// Opens a grant with a fresh authorization code and answers the app with it.
    async fn issue_code(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        app: &Application,
        pending: &Pending,
        auth: &AuthState,
    ) -> Result<AuthorizeStep, AuthorizeError> {
        let now = self.now();
        let req = &pending.request;
        let code = random_token();
        let grant_id = Uuid::new_v4();
        let tx = self.db().begin().await?;
        if let Some(id) = pending.id
            && !store::oauth::complete_request(&tx, id, now).await?
        {
            return Err(AuthorizeProblem::RequestGone.into());
        }
        store::oauth::insert_grant(
            &tx,
            GrantRow {
                id: grant_id,
                tenant_id: tenant.id.0,
                app_id: app.id,
                user_id: auth.user_id.0,
                scope: req.scope.join(" "),
                auth_time: auth.authenticated_at,
                amr: amr_text(auth),
                aal: i16::from(auth.aal),
                sid: auth.sid.clone(),
                nonce: req.nonce.clone(),
                redirect_uri: req.redirect_uri.clone(),
                code_challenge: req.code_challenge.clone(),
                code_hash: Some(sha256_hex(code.as_bytes())),
                code_expires_at: Some(now + CODE_LIFETIME),
                code_redeemed_at: None,
                created_at: now,
                last_used_at: None,
                revoked_at: None,
            },
        )
        .await?;
        let mut audit = AuditEvent::new(tenant.id, "oauth.authorized", client)
            .actor(auth.user_id)
            .subject(auth.user_id)
            .reference("app", app.id)
            .reference("grant", grant_id);
        audit
            .details
            .insert("scope".into(), req.scope.join(" ").into());
        store::audit::insert(&tx, now, &audit).await?;
        tx.commit().await.map_err(StoreError::from)?;
        let mut params = vec![("code", code)];
        if let Some(s) = &req.state {
            params.push(("state", s.clone()));
        }
        params.push(("iss", issuer(tenant)));
        Ok(AuthorizeStep::Respond(AuthorizationResponse {
            redirect_uri: req.redirect_uri.clone(),
            mode: req.response_mode,
            params,
        }))
    }

    /// The customer's consents to third-party apps, with each app and its last use.
    pub async fn connected_apps(
        &self,
        tenant: &Tenant,
        user: UserId,
    ) -> Result<Vec<ConnectedApp>, StoreError> {
        let db = self.db().conn();
        let mut out = Vec::new();
        for c in store::oauth::list_consents(db, tenant.id, user).await? {
            let Some(app) = store::apps::find_by_id(db, tenant.id, c.app_id).await? else {
                continue;
            };
            out.push(ConnectedApp {
                app_id: app.id,
                name: app.name,
                scopes: c.scope.split(' ').map(str::to_string).collect(),
                granted_at: c.created_at,
                last_used_at: store::oauth::last_grant_use(db, user, c.app_id).await?,
            });
        }
        Ok(out)
    }

    /// Withdraws a consent: the app's grants (and so its tokens) are revoked with it.
    pub async fn revoke_consent(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        user: UserId,
        app_id: Uuid,
    ) -> Result<bool, StoreError> {
        let now = self.now();
        let tx = self.db().begin().await?;
        let removed = store::oauth::delete_consent(&tx, tenant.id, user, app_id).await?;
        let revoked =
            store::oauth::revoke_user_grants(&tx, tenant.id, user, Some(app_id), now).await?;
        if removed || revoked > 0 {
            let audit = AuditEvent::new(tenant.id, "consent.revoked", client)
                .actor(user)
                .subject(user)
                .reference("app", app_id);
            store::audit::insert(&tx, now, &audit).await?;
        }
        tx.commit().await?;
        Ok(removed)
    }
}

/// An app the customer shares data with.
#[derive(Clone, Debug)]
pub struct ConnectedApp {
    pub app_id: Uuid,
    pub name: String,
    pub scopes: Vec<String>,
    pub granted_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// The session's methods as RFC 8176 `amr` values, space-separated for storage.
pub(crate) fn amr_text(auth: &AuthState) -> String {
    use crate::flows::login::AuthMethod;
    let mut out: Vec<&str> = Vec::new();
    for m in &auth.methods {
        let v = match m {
            AuthMethod::Pwd => "pwd",
            AuthMethod::Hwk => "hwk",
            AuthMethod::User => "user",
            AuthMethod::Otp => "otp",
            // A code sent by mail is a one-time password (RFC 8176 has no "email").
            AuthMethod::Email => "otp",
            AuthMethod::RecoveryCode => "otp",
            // RFC 8176 has no value for federation; "fed" is the common usage.
            AuthMethod::Fed => "fed",
        };
        if !out.contains(&v) {
            out.push(v);
        }
    }
    if auth.aal >= 2 && !out.contains(&"mfa") {
        out.push("mfa");
    }
    out.join(" ")
}

/// Human words for a scope, for the consent page and "Connected apps".
pub fn describe_scope(scope: &str) -> Option<&'static str> {
    Some(match scope {
        "openid" => "Know who you are when you sign in",
        "profile" => "See your name",
        "email" => "See your email address",
        "offline_access" => "Stay connected when you're not using it",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_answers_keep_the_registered_query() {
        let r = AuthorizationResponse {
            redirect_uri: "https://app.example/cb?x=1".into(),
            mode: ResponseMode::Query,
            params: vec![("code", "a b".into()), ("iss", "https://id.example".into())],
        };
        assert_eq!(
            r.location(),
            "https://app.example/cb?x=1&code=a+b&iss=https%3A%2F%2Fid.example"
        );
    }

    #[test]
    fn pkce_values_are_checked() {
        assert!(valid_pkce_value(&"a".repeat(43)));
        assert!(!valid_pkce_value(&"a".repeat(42)));
        assert!(!valid_pkce_value(&"a".repeat(129)));
        assert!(!valid_pkce_value(&format!("{}+", "a".repeat(43))));
    }
}
