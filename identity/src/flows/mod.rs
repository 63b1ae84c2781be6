//! Flows: every multi-step journey is a stored object.
//!
//! A flow has an id, a kind, a state, an expiry, the tenant it serves, where to return
//! when it is done, the messages to show, and a binding to the browser that started it
//! (the SHA-256 of that browser's CSRF cookie) plus a CSRF token rendered into its forms.
//! Pages are `/login?flow=<id>`; a form posts, the engine moves the flow through
//! [`transition`] and stores any messages on it, and the browser is sent back to the flow.
//! A submission whose flow is missing, expired, completed, foreign to the browser or
//! without the right CSRF token changes nothing: a fresh flow replaces it with a notice.

pub mod login;
pub mod messages;
pub mod recovery;
pub mod registration;
pub mod second_factor;
pub mod verify;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use messages::{Message, MessageKind};

use crate::secrets::{constant_time_eq, random_token, sha256_hex};
use crate::store::{self, StoreError};
use crate::tenants::Tenant;
use crate::{Engine, FlowId, TenantId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowKind {
    Login,
    Registration,
    /// Asking for a password reset link.
    Recovery,
    /// Choosing a new password from a reset link.
    Reset,
    /// A signed-in customer changing their password.
    PasswordChange,
}

impl FlowKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FlowKind::Login => "login",
            FlowKind::Registration => "registration",
            FlowKind::Recovery => "recovery",
            FlowKind::Reset => "reset",
            FlowKind::PasswordChange => "password_change",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "login" => Some(FlowKind::Login),
            "registration" => Some(FlowKind::Registration),
            "recovery" => Some(FlowKind::Recovery),
            "reset" => Some(FlowKind::Reset),
            "password_change" => Some(FlowKind::PasswordChange),
            _ => None,
        }
    }

    /// The state a new flow of this kind starts in.
    pub fn initial_state(self) -> FlowState {
        match self {
            FlowKind::Login => FlowState::Identify,
            FlowKind::Registration => FlowState::Details,
            FlowKind::Recovery => FlowState::RequestLink,
            FlowKind::Reset | FlowKind::PasswordChange => FlowState::ChoosePassword,
        }
    }
}

/// Where a flow stands. Which states a kind may be in, and how it moves between them,
/// is [`transition`]'s business alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlowState {
    /// Login: waiting for the customer's email and first factor.
    Identify,
    /// Registration: waiting for the new account's details.
    Details,
    /// Waiting for the code (or link) from the verification mail.
    VerifyEmail,
    /// Recovery: waiting for the address to send a reset link to.
    RequestLink,
    /// Recovery: "if an account exists, we sent a link".
    LinkSent,
    /// Reset and password change: waiting for the new password.
    ChoosePassword,
    /// Login: the risk engine asked for a second factor; waiting for it.
    SecondFactor,
    /// Done; a completed flow cannot be submitted again.
    Complete,
}

impl FlowState {
    pub fn as_str(self) -> &'static str {
        match self {
            FlowState::Identify => "identify",
            FlowState::Details => "details",
            FlowState::VerifyEmail => "verify_email",
            FlowState::RequestLink => "request_link",
            FlowState::LinkSent => "link_sent",
            FlowState::ChoosePassword => "choose_password",
            FlowState::SecondFactor => "second_factor",
            FlowState::Complete => "complete",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "identify" => Some(FlowState::Identify),
            "details" => Some(FlowState::Details),
            "verify_email" => Some(FlowState::VerifyEmail),
            "request_link" => Some(FlowState::RequestLink),
            "link_sent" => Some(FlowState::LinkSent),
            "choose_password" => Some(FlowState::ChoosePassword),
            "second_factor" => Some(FlowState::SecondFactor),
            "complete" => Some(FlowState::Complete),
            _ => None,
        }
    }
}

/// What happened in a step of a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlowEvent {
    FirstFactorVerified,
    FirstFactorRejected,
    /// The password was right but the address must be verified first.
    VerificationNeeded,
    DetailsAccepted,
    DetailsRejected,
    CodeAccepted,
    CodeRejected,
    /// A reset link was asked for (whether or not the account exists).
    LinkRequested,
    /// The address given for recovery was malformed.
    RequestRejected,
    PasswordChanged,
    NewFirstFactorRejected,
    /// The risk engine wants a second factor before the sign-in completes.
    SecondFactorRequired,
    SecondFactorVerified,
    SecondFactorRejected,
    /// A provider's identity is new and came without an address it vouches for: ask.
    DetailsNeeded,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a {kind:?} flow in state {state:?} cannot take {event:?}")]
pub struct InvalidTransition {
    pub kind: FlowKind,
    pub state: FlowState,
    pub event: FlowEvent,
}

/// The flows' state machine: the only way a flow changes state.
pub fn transition(
    kind: FlowKind,
    state: FlowState,
    event: FlowEvent,
) -> Result<FlowState, InvalidTransition> {
    use FlowEvent::*;
    use FlowKind::*;
    use FlowState::*;
    match (kind, state, event) {
        (Login, Identify, FirstFactorVerified) => Ok(Complete),
        (Login, Identify, FirstFactorRejected) => Ok(Identify),
        (Login, Identify, VerificationNeeded) => Ok(VerifyEmail),
        (Login, Identify, SecondFactorRequired) => Ok(SecondFactor),
        (Login, Identify, DetailsNeeded) => Ok(Details),
        (Login, Details, DetailsAccepted) => Ok(VerifyEmail),
        (Login, Details, DetailsRejected) => Ok(Details),
        (Login, SecondFactor, SecondFactorVerified) => Ok(Complete),
        (Login, SecondFactor, SecondFactorRejected) => Ok(SecondFactor),
        // The address was verified but the risk engine refused the sign-in.
        (Login, VerifyEmail, FirstFactorRejected) => Ok(Identify),
        (Registration, Details, DetailsAccepted) => Ok(VerifyEmail),
        (Registration, Details, DetailsRejected) => Ok(Details),
        (Login | Registration, VerifyEmail, CodeAccepted) => Ok(Complete),
        (Login | Registration, VerifyEmail, CodeRejected) => Ok(VerifyEmail),
        (Recovery, RequestLink | LinkSent, LinkRequested) => Ok(LinkSent),
        (Recovery, RequestLink | LinkSent, RequestRejected) => Ok(RequestLink),
        (Reset | PasswordChange, ChoosePassword, PasswordChanged) => Ok(Complete),
        (Reset | PasswordChange, ChoosePassword, NewFirstFactorRejected) => Ok(ChoosePassword),
        _ => Err(InvalidTransition { kind, state, event }),
    }
}

/// What a flow remembers between steps, to prefill its forms.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FlowContext {
    pub email: Option<String>,
    pub display_name: Option<String>,
    /// The address a verification mail went to (shown on the verify step).
    pub verify_email: Option<String>,
    /// The account waiting for verification. Server-side only: never shown, and absent
    /// when the address belonged to someone else, so both cases look the same.
    pub pending_user: Option<crate::UserId>,
    /// How the customer proved who they are before the verify step.
    pub methods: Vec<login::AuthMethod>,
    /// Reset: the one-time code this flow was opened with (its token left the URL).
    pub reset_code: Option<uuid::Uuid>,
    /// Login: the recorded sign-in event that the second factor concludes.
    pub sign_in_event: Option<uuid::Uuid>,
    /// Login, second-factor step: the factors the customer may use, best first.
    pub factors: Vec<second_factor::Factor>,
    /// Login, second-factor step: where an email code went, masked (`a•••@example.com`).
    pub code_sent_to: Option<String>,
    /// Login: a provider's identity waiting to be linked once the customer proves the
    /// existing account it matched, or to become an account once its address is
    /// confirmed (server-side only).
    pub federated: Option<crate::federation::PendingLink>,
    /// Login, sign-up through a provider: the hash of the code mailed to the address
    /// typed on the details step, and when it expires (server-side only).
    pub address_code: Option<String>,
    pub address_code_expires_at: Option<DateTime<Utc>>,
    /// The sign-in methods of the app the flow signs in to (taken when the flow
    /// started); `None`: every method.
    pub allowed: Option<crate::oidc::apps::SignInMethods>,
    /// Login, "confirm it's you": the signed-in account that must prove itself again
    /// before a sensitive change (server-side only). Another account's credentials do
    /// not complete it, and a second factor is asked for whenever the account has one.
    pub reauth: Option<crate::UserId>,
}

impl FlowContext {
    /// The methods this flow offers.
    pub fn sign_in_methods(&self) -> crate::oidc::apps::SignInMethods {
        self.allowed.clone().unwrap_or_default()
    }
}

/// A flow as stored.
#[derive(Clone, Debug)]
pub struct Flow {
    pub id: FlowId,
    pub tenant_id: TenantId,
    pub kind: FlowKind,
    pub state: FlowState,
    pub return_to: Option<String>,
    /// The app the flow signs in to, when it started at the authorization endpoint.
    pub app_id: Option<uuid::Uuid>,
    pub browser_binding: String,
    pub csrf_token: String,
    pub messages: Vec<Message>,
    pub context: FlowContext,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// The browser a flow belongs to: the SHA-256 of its long-lived, HttpOnly CSRF cookie.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrowserBinding(String);

impl BrowserBinding {
    /// A fresh random cookie value for a browser that has none.
    pub fn new_cookie_value() -> String {
        random_token()
    }

    pub fn from_cookie(value: &str) -> Self {
        Self(sha256_hex(value.as_bytes()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a submission could not continue its flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StaleReason {
    Unknown,
    Expired,
    Completed,
    Forged,
}

/// The path a sign-in returns to when none was asked for.
pub const DEFAULT_RETURN_TO: &str = "/account";

/// Accepts only local paths (`/account`, `/x?y=z`), never another origin: no scheme, no
/// `//host`, no backslashes, no control characters.
pub fn sanitize_return_to(input: &str) -> Option<String> {
    let s = input.trim();
    let local = s.starts_with('/')
        && !s.starts_with("//")
        && !s.contains('\\')
        && s.len() <= 2048
        && !s.chars().any(|c| c.is_control() || c.is_whitespace());
    local.then(|| s.to_string())
}

impl Engine {
    /// Starts a flow of `kind` for the browser, with an optional first message.
    pub async fn start_flow(
        &self,
        tenant: &Tenant,
        kind: FlowKind,
        browser: &BrowserBinding,
        return_to: Option<&str>,
        notice: Option<Message>,
    ) -> Result<Flow, StoreError> {
        self.start_flow_with(
            tenant,
            kind,
            browser,
            return_to,
            notice,
            FlowContext::default(),
        )
        .await
    }

    /// Starts a flow with some of its context known (a login hint's address).
    pub(crate) async fn start_flow_with(
        &self,
        tenant: &Tenant,
        kind: FlowKind,
        browser: &BrowserBinding,
        return_to: Option<&str>,
        notice: Option<Message>,
        context: FlowContext,
    ) -> Result<Flow, StoreError> {
        let now = self.now();
        let lifetime = chrono::Duration::from_std(self.settings().flow_lifetime)
            .unwrap_or(chrono::Duration::hours(1));
        let return_to = return_to.and_then(sanitize_return_to);
        let app = self.app_of_return(tenant, return_to.as_deref()).await?;
        let mut context = context;
        if let Some(app) = &app
            && app.sign_in != crate::oidc::apps::SignInMethods::default()
        {
            context.allowed = Some(app.sign_in.clone());
        }
        let flow = Flow {
            id: FlowId::generate(),
            tenant_id: tenant.id,
            kind,
            state: kind.initial_state(),
            return_to,
            app_id: app.map(|a| a.id),
            browser_binding: browser.as_str().to_string(),
            csrf_token: random_token(),
            messages: notice.into_iter().collect(),
            context,
            expires_at: now + lifetime,
            created_at: now,
        };
        store::flows::insert(self.db().conn(), &flow, now).await?;
        Ok(flow)
    }

    /// Refuses a way to sign in that the flow's app does not offer: the flow shows why.
    pub(crate) async fn refuse_method(&self, flow: &Flow) -> Result<(), StoreError> {
        store::flows::update_step(
            self.db().conn(),
            flow.id,
            flow.state,
            &[Message::error(messages::METHOD_UNAVAILABLE)],
            &flow.context,
            self.now(),
        )
        .await
    }

    /// The app a flow returning to `return_to` signs in to: an authorization request's
    /// continuation (`/oauth2/authorize/continue?request=<id>`) names it.
    async fn app_of_return(
        &self,
        tenant: &Tenant,
        return_to: Option<&str>,
    ) -> Result<Option<crate::oidc::apps::Application>, StoreError> {
        let Some(request) = return_to
            .and_then(|r| r.strip_prefix(crate::oidc::authorize::CONTINUE_PATH))
            .and_then(|r| r.strip_prefix("?request="))
            .and_then(|r| r.split('&').next())
            .and_then(|r| r.parse::<uuid::Uuid>().ok())
        else {
            return Ok(None);
        };
        let db = self.db().conn();
        let Some(row) = store::oauth::find_request(db, tenant.id, request).await? else {
            return Ok(None);
        };
        store::apps::find_by_id(db, tenant.id, row.app_id).await
    }

    /// The flow a page should show: the one named in the URL if it belongs to this
    /// browser and tenant and is still open, otherwise a fresh one (with a notice saying
    /// why, when an id was given).
    pub async fn flow_for_page(
        &self,
        tenant: &Tenant,
        kind: FlowKind,
        flow_id: Option<&str>,
        browser: &BrowserBinding,
        return_to: Option<&str>,
        login_hint: Option<&str>,
    ) -> Result<Flow, StoreError> {
        // An app's `login_hint` fills in the address, if it is one.
        let context = FlowContext {
            email: login_hint
                .and_then(|h| crate::accounts::Email::parse(h).ok())
                .map(|e| e.as_str().to_string()),
            ..FlowContext::default()
        };
        let Some(raw) = flow_id.filter(|s| !s.is_empty()) else {
            return self
                .start_flow_with(tenant, kind, browser, return_to, None, context)
                .await;
        };
        match self.open_flow(tenant, kind, raw, browser).await? {
            Ok(flow) => Ok(flow),
            Err((reason, old_return_to)) => {
                let return_to = return_to.or(old_return_to.as_deref());
                self.start_flow(tenant, kind, browser, return_to, Some(stale_notice(reason)))
                    .await
            }
        }
    }

    /// Loads a flow that a submission names and checks everything a submission must
    /// satisfy. On failure the caller gets the reason and the old flow's return path.
    pub(crate) async fn open_flow(
        &self,
        tenant: &Tenant,
        kind: FlowKind,
        raw_id: &str,
        browser: &BrowserBinding,
    ) -> Result<Result<Flow, (StaleReason, Option<String>)>, StoreError> {
        let Ok(id) = raw_id.parse::<FlowId>() else {
            return Ok(Err((StaleReason::Unknown, None)));
        };
        let Some(flow) = store::flows::find_by_id(self.db().conn(), tenant.id, id).await? else {
            return Ok(Err((StaleReason::Unknown, None)));
        };
        if flow.kind != kind
            || !constant_time_eq(flow.browser_binding.as_bytes(), browser.as_str().as_bytes())
        {
            return Ok(Err((StaleReason::Unknown, None)));
        }
        if flow.expires_at <= self.now() {
            return Ok(Err((StaleReason::Expired, flow.return_to)));
        }
        if flow.state == FlowState::Complete {
            return Ok(Err((StaleReason::Completed, flow.return_to)));
        }
        Ok(Ok(flow))
    }

    /// A flow of this tenant, by id, whatever its state (for showing it after a step).
    pub async fn flow_by_id(
        &self,
        tenant: &Tenant,
        id: FlowId,
    ) -> Result<Option<Flow>, StoreError> {
        store::flows::find_by_id(self.db().conn(), tenant.id, id).await
    }

    /// Opens a flow for a form submission, which must also carry the flow's CSRF token.
    /// When it cannot continue, a replacement flow is started and returned as `Err`.
    pub(crate) async fn open_flow_for_submit(
        &self,
        tenant: &Tenant,
        kind: FlowKind,
        raw_id: &str,
        browser: &BrowserBinding,
        csrf_token: &str,
    ) -> Result<Result<Flow, FlowId>, StoreError> {
        let stale = match self.open_flow(tenant, kind, raw_id, browser).await? {
            Ok(flow) if constant_time_eq(flow.csrf_token.as_bytes(), csrf_token.as_bytes()) => {
                return Ok(Ok(flow));
            }
            Ok(flow) => (StaleReason::Forged, flow.return_to),
            Err(stale) => stale,
        };
        let (reason, return_to) = stale;
        let fresh = self
            .start_flow(
                tenant,
                kind,
                browser,
                return_to.as_deref(),
                Some(stale_notice(reason)),
            )
            .await?;
        Ok(Err(fresh.id))
    }
}

fn stale_notice(reason: StaleReason) -> Message {
    match reason {
        StaleReason::Unknown | StaleReason::Expired => Message::info(messages::FLOW_EXPIRED),
        StaleReason::Completed => Message::info(messages::FLOW_COMPLETED),
        StaleReason::Forged => Message::error(messages::FLOW_CSRF),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FlowEvent::*;
    use FlowKind::*;
    use FlowState::*;

    #[test]
    fn transitions_table() {
        let cases: &[(FlowKind, FlowState, FlowEvent, Option<FlowState>)] = &[
            (Login, Identify, FirstFactorVerified, Some(Complete)),
            (Login, Identify, FirstFactorRejected, Some(Identify)),
            (Login, Identify, VerificationNeeded, Some(VerifyEmail)),
            (Login, Identify, DetailsAccepted, None),
            (Login, Identify, CodeAccepted, None),
            (Login, VerifyEmail, CodeAccepted, Some(Complete)),
            (Login, VerifyEmail, CodeRejected, Some(VerifyEmail)),
            (Login, VerifyEmail, FirstFactorVerified, None),
            (Login, Details, FirstFactorVerified, None),
            (Login, Complete, FirstFactorVerified, None),
            (Login, Complete, CodeAccepted, None),
            (Login, Identify, SecondFactorRequired, Some(SecondFactor)),
            (Login, SecondFactor, SecondFactorVerified, Some(Complete)),
            (
                Login,
                SecondFactor,
                SecondFactorRejected,
                Some(SecondFactor),
            ),
            (Login, SecondFactor, FirstFactorVerified, None),
            (Login, Identify, DetailsNeeded, Some(Details)),
            (Login, Details, DetailsAccepted, Some(VerifyEmail)),
            (Login, Details, DetailsRejected, Some(Details)),
            (Login, SecondFactor, DetailsNeeded, None),
            (Login, Identify, SecondFactorVerified, None),
            (Login, VerifyEmail, SecondFactorVerified, None),
            (Login, Complete, SecondFactorVerified, None),
            (Registration, Details, SecondFactorVerified, None),
            (Registration, Details, DetailsAccepted, Some(VerifyEmail)),
            (Registration, Details, DetailsRejected, Some(Details)),
            (Registration, Details, CodeAccepted, None),
            (Registration, VerifyEmail, CodeAccepted, Some(Complete)),
            (Registration, VerifyEmail, CodeRejected, Some(VerifyEmail)),
            (Registration, VerifyEmail, DetailsAccepted, None),
            (Registration, Details, FirstFactorVerified, None),
            (Registration, Identify, DetailsAccepted, None),
            (Registration, Complete, DetailsAccepted, None),
            (Registration, Complete, CodeAccepted, None),
            (Recovery, RequestLink, LinkRequested, Some(LinkSent)),
            (Recovery, LinkSent, LinkRequested, Some(LinkSent)),
            (Recovery, RequestLink, RequestRejected, Some(RequestLink)),
            (Recovery, RequestLink, PasswordChanged, None),
            (Reset, ChoosePassword, PasswordChanged, Some(Complete)),
            (
                Reset,
                ChoosePassword,
                NewFirstFactorRejected,
                Some(ChoosePassword),
            ),
            (Reset, Complete, PasswordChanged, None),
            (Reset, ChoosePassword, LinkRequested, None),
            (
                PasswordChange,
                ChoosePassword,
                PasswordChanged,
                Some(Complete),
            ),
            (PasswordChange, ChoosePassword, CodeAccepted, None),
        ];
        for &(kind, state, event, expected) in cases {
            assert_eq!(
                transition(kind, state, event).ok(),
                expected,
                "{kind:?} {state:?} {event:?}"
            );
        }
    }

    #[test]
    fn every_kind_can_reach_complete_from_its_start() {
        let events = [
            FirstFactorVerified,
            FirstFactorRejected,
            VerificationNeeded,
            DetailsAccepted,
            DetailsRejected,
            CodeAccepted,
            CodeRejected,
            LinkRequested,
            RequestRejected,
            PasswordChanged,
            NewFirstFactorRejected,
            SecondFactorRequired,
            SecondFactorVerified,
            SecondFactorRejected,
            DetailsNeeded,
        ];
        for kind in [Login, Registration, Reset, PasswordChange] {
            let mut reached = vec![kind.initial_state()];
            let mut i = 0;
            while i < reached.len() {
                for e in events {
                    if let Ok(next) = transition(kind, reached[i], e)
                        && !reached.contains(&next)
                    {
                        reached.push(next);
                    }
                }
                i += 1;
            }
            assert!(reached.contains(&Complete), "{kind:?} never completes");
        }
    }

    #[test]
    fn names_round_trip() {
        for kind in [Login, Registration, Recovery, Reset, PasswordChange] {
            assert_eq!(FlowKind::parse(kind.as_str()), Some(kind));
        }
        for state in [
            Identify,
            Details,
            VerifyEmail,
            RequestLink,
            LinkSent,
            ChoosePassword,
            SecondFactor,
            Complete,
        ] {
            assert_eq!(FlowState::parse(state.as_str()), Some(state));
        }
    }

    #[test]
    fn return_to_accepts_only_local_paths() {
        for ok in [
            "/account",
            "/a/b?c=d&e=f",
            "/x#frag",
            "/?next=https://e.com",
        ] {
            assert_eq!(sanitize_return_to(ok).as_deref(), Some(ok));
        }
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil",
            "javascript:alert(1)",
            "account",
            "/a b",
            "/a\nb",
            "",
        ] {
            assert_eq!(sanitize_return_to(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn browser_binding_hashes_the_cookie() {
        let cookie = BrowserBinding::new_cookie_value();
        let a = BrowserBinding::from_cookie(&cookie);
        assert_eq!(a, BrowserBinding::from_cookie(&cookie));
        assert_ne!(a.as_str(), cookie);
        assert_eq!(a.as_str().len(), 64);
    }
}
