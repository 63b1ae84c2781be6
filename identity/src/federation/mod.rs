//! Social and enterprise sign-in: upstream providers (the `oauth2` crate), the trip
//! there and back, and the rules that decide which account a provider's identity
//! signs in to.
//!
//! Identities are keyed by (provider, subject), never by an address. The linking rules
//! follow the pre-account-takeover threat model (Sudhodanan & Paverd, 2022):
//! - a known identity signs in to its account — through the risk engine and MFA step
//!   like any other first factor;
//! - an unknown identity whose address the provider verified is linked to the account
//!   holding that address only when it is that account's *verified primary* address;
//!   any other holder (unverified, or the address is not its primary) must be signed
//!   in to first, and the link is made only if that account's address is verified;
//! - an address the provider did not verify (or that the provider is not trusted to
//!   verify) never matches or creates an account;
//! - a new verified address creates a new account with only that identity.
//!
//! The `state` of each trip is random, stored hashed, single-use (one conditional
//! update), expires in ten minutes, and is bound to the browser (the hash of a
//! `__Host-` SameSite=Lax cookie set at the start) and to the provider (the callback
//! path names it, and the stored state must agree). PKCE (S256) and a nonce go with
//! every trip; a response naming another issuer (`iss`, RFC 9207) is refused.

pub mod client;
pub mod providers;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use client::{ExternalIdentity, IdTokenProblem, ProviderFailure, validate_id_token};
pub use providers::{NewProvider, Preset, Provider, ProviderError, ProviderKind, ProviderProblem};

use crate::accounts::{AccountStatus, DisplayName, Email};
use crate::audit::{AuditEvent, ClientInfo};
use crate::flows::login::{AuthMethod, FlowError, FlowOutcome, SignedIn};
use crate::flows::{BrowserBinding, Flow, FlowEvent, FlowKind, FlowState, Message, messages};
use crate::secrets::{constant_time_eq, random_token, sha256_hex};
use crate::store::{self, StoreError};
use crate::tenants::Tenant;
use crate::{Engine, FlowId, UserId};

/// How long a trip to a provider may take.
pub const STATE_LIFETIME: chrono::Duration = chrono::Duration::minutes(10);

/// The cookie that binds a trip to the browser that started it.
pub fn state_cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-portico_federation"
    } else {
        "portico_federation"
    }
}

/// A provider's identity waiting, in a login flow, for the customer to prove the
/// account it matched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLink {
    pub provider: String,
    pub provider_name: String,
    pub subject: String,
    pub email: Option<String>,
}

/// The fields of the details step of a sign-up through a provider.
#[derive(Clone, Copy, Debug)]
pub struct FederatedDetails<'a> {
    pub flow_id: &'a str,
    pub csrf_token: &'a str,
    pub email: &'a str,
    pub display_name: &'a str,
}

/// Where the browser goes to start a trip, and the cookie that binds it.
#[derive(Clone, Debug)]
pub struct Trip {
    pub location: String,
    pub cookie_value: String,
}

/// What starting a sign-in with a provider led to.
#[derive(Clone, Debug)]
pub enum StartOutcome {
    Redirect(Trip),
    ShowFlow(FlowId),
}

/// Why linking (or unlinking) a provider was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkProblem {
    /// Sign in again first (the last sign-in is too old).
    ReauthRequired,
    UnknownProvider,
    /// The provider could not be reached or its answer was refused.
    ProviderFailed,
    /// The provider's account is already linked to another account here.
    LinkedElsewhere,
    /// The account's own address is not verified yet.
    VerifyEmailFirst,
    /// It is the account's last way to sign in.
    LastMethod,
    NotFound,
}

impl LinkProblem {
    pub fn code(self) -> &'static str {
        match self {
            LinkProblem::ReauthRequired => "reauth",
            LinkProblem::UnknownProvider => "provider_unknown",
            LinkProblem::ProviderFailed => "provider_failed",
            LinkProblem::LinkedElsewhere => "linked_elsewhere",
            LinkProblem::VerifyEmailFirst => "verify_email_first",
            LinkProblem::LastMethod => "last_method",
            LinkProblem::NotFound => "identity_not_found",
        }
    }
}

/// Why a callback was refused before anything else was looked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallbackProblem {
    /// No state, or one that is unknown, used, or expired.
    State,
    /// The state belongs to another browser.
    Browser,
    /// The state was issued for another provider (mix-up).
    Provider,
    /// The response names another issuer than the provider's (RFC 9207).
    Issuer,
}

impl CallbackProblem {
    pub fn as_str(self) -> &'static str {
        match self {
            CallbackProblem::State => "state",
            CallbackProblem::Browser => "browser",
            CallbackProblem::Provider => "provider",
            CallbackProblem::Issuer => "issuer",
        }
    }
}

/// The parameters of a provider's answer.
#[derive(Clone, Copy, Debug, Default)]
pub struct Callback<'a> {
    pub provider: &'a str,
    pub state: Option<&'a str>,
    pub code: Option<&'a str>,
    pub iss: Option<&'a str>,
    pub error: Option<&'a str>,
    /// The value of the trip's browser cookie.
    pub cookie: Option<&'a str>,
}

/// What a provider's answer led to.
#[derive(Clone, Debug)]
pub enum CallbackOutcome {
    /// A sign-in trip: the login flow's outcome.
    Flow(FlowOutcome),
    /// A link trip from the account pages: linked (the provider's name).
    Linked(String),
    LinkRefused(LinkProblem),
    /// Refused outright; nothing changed.
    Refused(CallbackProblem),
}

/// A provider identity linked to an account, for the account pages.
#[derive(Clone, Debug)]
pub struct LinkedAccount {
    pub id: Uuid,
    pub provider_slug: String,
    pub provider_name: String,
    pub brand: &'static str,
    pub email: Option<String>,
    pub linked_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Every way an account can sign in, for the account pages.
#[derive(Clone, Debug)]
pub struct SignInMethods {
    pub password: bool,
    pub passkeys: u64,
    pub linked: Vec<LinkedAccount>,
    /// Enabled providers not linked yet: (slug, name, brand).
    pub available: Vec<(String, String, &'static str)>,
}

impl SignInMethods {
    pub fn count(&self) -> u64 {
        u64::from(self.password) + self.passkeys + self.linked.len() as u64
    }
}

fn purpose_sign_in() -> &'static str {
    "sign_in"
}

fn purpose_link() -> &'static str {
    "link"
}

impl Engine {
    /// The callback URL registered at the provider: built from the tenant's base URL.
    pub fn federation_redirect_uri(tenant: &Tenant, slug: &str) -> String {
        format!(
            "{}/federation/callback/{slug}",
            tenant.base_url.trim_end_matches('/')
        )
    }

    /// Stores a trip and builds the provider's URL.
    async fn begin_trip(
        &self,
        tenant: &Tenant,
        provider: &Provider,
        purpose: &str,
        flow: Option<FlowId>,
        user: Option<UserId>,
        login_hint: Option<&str>,
    ) -> Result<Result<Trip, ProviderFailure>, StoreError> {
        let Some(key) = self.sealing_key() else {
            return Ok(Err(ProviderFailure::Secret));
        };
        let endpoints = match self.inner_federation().endpoints(provider).await {
            Ok(e) => e,
            Err(e) => return Ok(Err(e)),
        };
        let redirect_uri = Self::federation_redirect_uri(tenant, &provider.slug);
        let auth = match self.inner_federation().authorization(
            provider,
            &endpoints,
            &redirect_uri,
            login_hint,
        ) {
            Ok(a) => a,
            Err(e) => return Ok(Err(e)),
        };
        let cookie_value = random_token();
        let id = Uuid::now_v7();
        let now = self.now();
        let row = store::federation::StateRow {
            id,
            tenant_id: tenant.id,
            provider_id: provider.id,
            purpose: purpose.to_string(),
            flow_id: flow.map(|f| f.0),
            user_id: user,
            browser_hash: sha256_hex(cookie_value.as_bytes()),
            nonce: auth.nonce.clone(),
            pkce_verifier_sealed: key.seal(auth.pkce_verifier.as_bytes(), id.as_bytes()),
            expires_at: now + STATE_LIFETIME,
        };
        store::federation::insert_state(
            self.db().conn(),
            &row,
            &sha256_hex(auth.state.as_bytes()),
            now,
        )
        .await?;
        Ok(Ok(Trip {
            location: auth.url,
            cookie_value,
        }))
    }

    /// A sign-in (or sign-up) page's provider button: checks the flow's CSRF token and
    /// sends the browser to the provider. Every trip runs in a login flow.
    pub async fn start_federated_sign_in(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        kind: FlowKind,
        flow_id: &str,
        csrf_token: &str,
        slug: &str,
    ) -> Result<StartOutcome, FlowError> {
        let kind = if kind == FlowKind::Registration {
            FlowKind::Registration
        } else {
            FlowKind::Login
        };
        let flow = match self
            .open_flow_for_submit(tenant, kind, flow_id, browser, csrf_token)
            .await?
        {
            Ok(flow) => flow,
            Err(fresh) => return Ok(StartOutcome::ShowFlow(fresh)),
        };
        // A registration page's button continues in a login flow with the same return.
        let flow = if flow.kind == FlowKind::Login {
            flow
        } else {
            self.start_flow(
                tenant,
                FlowKind::Login,
                browser,
                flow.return_to.as_deref(),
                None,
            )
            .await?
        };
        // A provider the flow's app does not offer is as unavailable as a disabled one.
        let offered = flow.context.sign_in_methods();
        let provider = store::federation::find_provider(self.db().conn(), tenant.id, slug)
            .await?
            .filter(|p| p.enabled && offered.allows_provider(&p.slug));
        let Some(provider) = provider else {
            self.note(&flow, Message::error(messages::FEDERATION_UNAVAILABLE))
                .await?;
            return Ok(StartOutcome::ShowFlow(flow.id));
        };
        match self
            .begin_trip(
                tenant,
                &provider,
                purpose_sign_in(),
                Some(flow.id),
                None,
                flow.context.email.as_deref(),
            )
            .await?
        {
            Ok(trip) => Ok(StartOutcome::Redirect(trip)),
            Err(failure) => {
                tracing::warn!(provider = %provider.slug, error = %failure, "federated sign-in could not start");
                self.note(
                    &flow,
                    Message::error(messages::FEDERATION_FAILED)
                        .with_arg("provider", &provider.display_name),
                )
                .await?;
                Ok(StartOutcome::ShowFlow(flow.id))
            }
        }
    }

    /// The account pages' "link": needs a recent sign-in.
    pub async fn start_link(
        &self,
        tenant: &Tenant,
        user: UserId,
        authenticated_at: DateTime<Utc>,
        slug: &str,
    ) -> Result<Result<Trip, LinkProblem>, StoreError> {
        if !self.signed_in_recently(authenticated_at) {
            return Ok(Err(LinkProblem::ReauthRequired));
        }
        let provider = store::federation::find_provider(self.db().conn(), tenant.id, slug)
            .await?
            .filter(|p| p.enabled);
        let Some(provider) = provider else {
            return Ok(Err(LinkProblem::UnknownProvider));
        };
        Ok(self
            .begin_trip(tenant, &provider, purpose_link(), None, Some(user), None)
            .await?
            .map_err(|failure| {
                tracing::warn!(provider = %provider.slug, error = %failure, "linking could not start");
                LinkProblem::ProviderFailed
            }))
    }

    /// Stores one message on a flow, leaving its state alone.
    async fn note(&self, flow: &Flow, message: Message) -> Result<(), StoreError> {
        store::flows::update_step(
            self.db().conn(),
            flow.id,
            flow.state,
            &[message],
            &flow.context,
            self.now(),
        )
        .await
    }

    async fn refuse_callback(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        slug: &str,
        problem: CallbackProblem,
    ) -> Result<CallbackOutcome, FlowError> {
        tracing::info!(provider = %slug, reason = problem.as_str(), "federation callback refused");
        self.record_audit(
            AuditEvent::new(tenant.id, "federation.callback_refused", client)
                .label("provider", slug.chars().take(32).collect::<String>())
                .detail("reason", problem.as_str()),
        )
        .await?;
        Ok(CallbackOutcome::Refused(problem))
    }

    /// A provider's answer: checks the trip, redeems the code, and applies the linking
    /// rules. `signed_in` is the browser session's account, if any (a link trip needs
    /// it to be the account that started the trip).
    pub async fn finish_federation(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        client: &ClientInfo,
        signed_in: Option<UserId>,
        input: Callback<'_>,
    ) -> Result<CallbackOutcome, FlowError> {
        let now = self.now();
        let Some(state) = input.state.filter(|s| !s.is_empty() && s.len() <= 256) else {
            return self
                .refuse_callback(tenant, client, input.provider, CallbackProblem::State)
                .await;
        };
        let Some(trip) = store::federation::consume_state(
            self.db().conn(),
            tenant.id,
            &sha256_hex(state.as_bytes()),
            now,
        )
        .await?
        else {
            return self
                .refuse_callback(tenant, client, input.provider, CallbackProblem::State)
                .await;
        };
        let cookie_ok = input.cookie.is_some_and(|c| {
            constant_time_eq(
                sha256_hex(c.as_bytes()).as_bytes(),
                trip.browser_hash.as_bytes(),
            )
        });
        if !cookie_ok {
            return self
                .refuse_callback(tenant, client, input.provider, CallbackProblem::Browser)
                .await;
        }
        let provider =
            store::federation::find_provider_by_id(self.db().conn(), tenant.id, trip.provider_id)
                .await?;
        let Some(provider) = provider.filter(|p| p.slug == input.provider && p.enabled) else {
            return self
                .refuse_callback(tenant, client, input.provider, CallbackProblem::Provider)
                .await;
        };
        let endpoints = match self.inner_federation().endpoints(&provider).await {
            Ok(e) => Some(e),
            Err(e) => {
                tracing::warn!(provider = %provider.slug, error = %e, "provider metadata unavailable");
                None
            }
        };
        // RFC 9207: a response naming an issuer must name this provider's; a provider
        // that promises to name itself must do so. (A plain OAuth 2.0 provider with no
        // issuer configured cannot be checked this way; its own callback path — one per
        // provider — is the mix-up defence RFC 9207 §1 names for it.)
        if let Some(endpoints) = &endpoints {
            let issuer_ok = match (input.iss, endpoints.issuer.as_deref()) {
                (Some(iss), Some(expected)) => iss == expected,
                (Some(_), None) => true,
                (None, _) => !endpoints.iss_in_response,
            };
            if !issuer_ok {
                return self
                    .refuse_callback(tenant, client, input.provider, CallbackProblem::Issuer)
                    .await;
            }
        }

        // The trip was ours; from here on the answer goes back to where it started.
        let answer: Result<ExternalIdentity, Option<ProviderFailure>> = match (
            input.error,
            input.code.filter(|c| !c.is_empty() && c.len() <= 2048),
            endpoints,
        ) {
            (Some(_), _, _) | (None, None, _) => Err(None),
            (None, Some(_), None) => Err(Some(ProviderFailure::Metadata("unavailable".into()))),
            (None, Some(code), Some(endpoints)) => self
                .redeem(tenant, &provider, &endpoints, &trip, code, now)
                .await
                .map_err(Some),
        };
        if let Err(Some(failure)) = &answer {
            tracing::warn!(provider = %provider.slug, error = %failure, "federated sign-in failed");
            let reason = match failure {
                ProviderFailure::IdToken(p) => p.as_str(),
                ProviderFailure::Token(_) => "token",
                ProviderFailure::Http(_) | ProviderFailure::Metadata(_) => "provider",
                ProviderFailure::Profile(_) => "profile",
                ProviderFailure::Secret => "secret",
            };
            self.record_audit(
                AuditEvent::new(tenant.id, "federation.failed", client)
                    .label("provider", provider.slug.clone())
                    .detail("reason", reason),
            )
            .await?;
        }

        if trip.purpose == purpose_link() {
            let (Some(owner), Some(current)) = (trip.user_id, signed_in) else {
                return Ok(CallbackOutcome::LinkRefused(LinkProblem::ReauthRequired));
            };
            if owner != current {
                return Ok(CallbackOutcome::LinkRefused(LinkProblem::ReauthRequired));
            }
            return match answer {
                Ok(identity) => {
                    self.link_from_settings(tenant, client, owner, &provider, &identity)
                        .await
                }
                Err(_) => Ok(CallbackOutcome::LinkRefused(LinkProblem::ProviderFailed)),
            };
        }

        let flow = match trip.flow_id {
            Some(id) => self
                .open_flow(tenant, FlowKind::Login, &id.to_string(), browser)
                .await?
                .ok(),
            None => None,
        };
        let flow = match flow {
            Some(flow) => flow,
            None => {
                let fresh = self
                    .start_flow(
                        tenant,
                        FlowKind::Login,
                        browser,
                        None,
                        Some(Message::info(messages::FLOW_EXPIRED)),
                    )
                    .await?;
                return Ok(CallbackOutcome::Flow(FlowOutcome::ShowFlow(fresh.id)));
            }
        };
        if flow.state != FlowState::Identify {
            return Ok(CallbackOutcome::Flow(FlowOutcome::ShowFlow(flow.id)));
        }
        match answer {
            Ok(identity) => self
                .federated_sign_in(tenant, browser, client, &flow, &provider, identity)
                .await
                .map(CallbackOutcome::Flow),
            Err(failure) => {
                let id = if failure.is_none() {
                    messages::FEDERATION_CANCELLED
                } else {
                    messages::FEDERATION_FAILED
                };
                self.note(
                    &flow,
                    Message::error(id).with_arg("provider", &provider.display_name),
                )
                .await?;
                Ok(CallbackOutcome::Flow(FlowOutcome::ShowFlow(flow.id)))
            }
        }
    }

    async fn redeem(
        &self,
        tenant: &Tenant,
        provider: &Provider,
        endpoints: &client::Endpoints,
        trip: &store::federation::StateRow,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<ExternalIdentity, ProviderFailure> {
        let key = self.sealing_key().ok_or(ProviderFailure::Secret)?;
        let verifier = key
            .open(&trip.pkce_verifier_sealed, trip.id.as_bytes())
            .and_then(|v| String::from_utf8(v).ok())
            .ok_or(ProviderFailure::Secret)?;
        let opened = match &provider.client_secret_sealed {
            Some(sealed) => Some(
                key.open(sealed, provider.id.as_bytes())
                    .and_then(|v| String::from_utf8(v).ok())
                    .ok_or(ProviderFailure::Secret)?,
            ),
            None => None,
        };
        let secret = match (provider.preset, opened) {
            (Some(Preset::Apple), Some(pem)) => Some(
                client::apple_client_secret(
                    &pem,
                    provider
                        .settings
                        .apple_team_id
                        .as_deref()
                        .unwrap_or_default(),
                    provider
                        .settings
                        .apple_key_id
                        .as_deref()
                        .unwrap_or_default(),
                    &provider.client_id,
                    now,
                )
                .ok_or(ProviderFailure::Secret)?,
            ),
            (_, other) => other,
        };
        let redirect_uri = Self::federation_redirect_uri(tenant, &provider.slug);
        self.inner_federation()
            .redeem(
                provider,
                endpoints,
                &redirect_uri,
                secret,
                code,
                verifier,
                &trip.nonce,
                now,
            )
            .await
    }

    /// The linking rules, for a sign-in trip.
    async fn federated_sign_in(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        client: &ClientInfo,
        flow: &Flow,
        provider: &Provider,
        identity: ExternalIdentity,
    ) -> Result<FlowOutcome, FlowError> {
        let db = self.db().conn();
        let now = self.now();
        let key = provider.key();
        let email = identity.email.as_deref().and_then(|e| Email::parse(e).ok());

        // 1. A known identity signs in to its account.
        if let Some(linked) =
            store::federation::find_identity(db, tenant.id, &key, &identity.subject).await?
        {
            let candidate =
                store::accounts::find_candidate_by_id(db, tenant.id, linked.user_id).await?;
            let Some(candidate) = candidate.filter(|c| c.status.may_sign_in()) else {
                self.note(flow, Message::error(messages::LOGIN_INVALID))
                    .await?;
                self.record_audit(
                    AuditEvent::new(tenant.id, "login.failed", client)
                        .subject(linked.user_id)
                        .detail("method", "fed")
                        .detail("reason", "account_not_active")
                        .label("provider", provider.slug.clone()),
                )
                .await?;
                return Ok(FlowOutcome::ShowFlow(flow.id));
            };
            let tx = self.db().begin().await?;
            store::federation::touch_identity(
                &tx,
                linked.id,
                email.as_ref().map(Email::as_str),
                now,
            )
            .await?;
            store::audit::insert(
                &tx,
                now,
                &AuditEvent::new(tenant.id, "federation.sign_in", client)
                    .actor(candidate.user_id)
                    .subject(candidate.user_id)
                    .label("provider", provider.slug.clone()),
            )
            .await?;
            let step = self
                .first_factor_in(
                    &tx,
                    tenant,
                    browser,
                    client,
                    flow,
                    &candidate,
                    &[AuthMethod::Fed],
                    false,
                )
                .await?;
            return self
                .conclude_first_factor(tx, step, tenant, browser, flow)
                .await;
        }

        // 2. Unknown identity: only an address the provider verified goes further;
        // without one, the customer gives an address and confirms it with a code.
        let Some(email) = email.filter(|_| identity.email_verified) else {
            return self
                .ask_for_details(tenant, client, flow, provider, &identity)
                .await;
        };
        match store::federation::find_email_owner(db, tenant.id, email.as_str()).await? {
            Some(owner) if owner.primary && owner.verified => {
                // 3. Both sides verified the address: link and sign in.
                let Some(candidate) =
                    store::accounts::find_candidate_by_id(db, tenant.id, owner.user_id).await?
                else {
                    return Ok(FlowOutcome::ShowFlow(flow.id));
                };
                if candidate.status != AccountStatus::Active {
                    self.note(flow, Message::error(messages::LOGIN_INVALID))
                        .await?;
                    return Ok(FlowOutcome::ShowFlow(flow.id));
                }
                let tx = self.db().begin().await?;
                match store::federation::insert_identity(
                    &tx,
                    tenant.id,
                    owner.user_id,
                    &key,
                    &identity.subject,
                    Some(email.as_str()),
                    now,
                )
                .await
                {
                    // A concurrent trip linked it first: start over.
                    Err(StoreError::Conflict { .. }) => {
                        return Ok(FlowOutcome::ShowFlow(flow.id));
                    }
                    other => other?,
                }
                store::audit::insert(
                    &tx,
                    now,
                    &AuditEvent::new(tenant.id, "identity.linked", client)
                        .subject(owner.user_id)
                        .label("provider", provider.slug.clone())
                        .detail("rule", "verified_email_match"),
                )
                .await?;
                self.notify_factor_change(
                    &tx,
                    tenant,
                    owner.user_id,
                    crate::mail::FactorChange::ProviderLinked(provider.display_name.clone()),
                )
                .await?;
                let step = self
                    .first_factor_in(
                        &tx,
                        tenant,
                        browser,
                        client,
                        flow,
                        &candidate,
                        &[AuthMethod::Fed],
                        false,
                    )
                    .await?;
                self.conclude_first_factor(tx, step, tenant, browser, flow)
                    .await
            }
            Some(owner) => {
                // 4. The address belongs to an account that has not proven it (or holds
                // it as a secondary address): never absorbed silently. The customer
                // signs in to that account first; the link waits in the flow.
                let mut context = flow.context.clone();
                context.email = Some(email.as_str().to_string());
                context.federated = Some(PendingLink {
                    provider: key,
                    provider_name: provider.display_name.clone(),
                    subject: identity.subject.clone(),
                    email: Some(email.as_str().to_string()),
                });
                let tx = self.db().begin().await?;
                store::flows::update_step(
                    &tx,
                    flow.id,
                    flow.state,
                    &[Message::info(messages::FEDERATION_LINK_EXISTING)
                        .with_arg("provider", &provider.display_name)
                        .with_arg("email", email.as_str())],
                    &context,
                    now,
                )
                .await?;
                store::audit::insert(
                    &tx,
                    now,
                    &AuditEvent::new(tenant.id, "federation.link_required", client)
                        .subject(owner.user_id)
                        .label("provider", provider.slug.clone()),
                )
                .await?;
                tx.commit().await.map_err(StoreError::from)?;
                Ok(FlowOutcome::ShowFlow(flow.id))
            }
            None => {
                // 5. A new customer: the account holds only this identity.
                self.federated_sign_up(
                    tenant,
                    browser,
                    client,
                    flow,
                    provider,
                    &identity,
                    &email,
                    FlowEvent::FirstFactorVerified,
                )
                .await
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn federated_sign_up(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        client: &ClientInfo,
        flow: &Flow,
        provider: &Provider,
        identity: &ExternalIdentity,
        email: &Email,
        event: FlowEvent,
    ) -> Result<FlowOutcome, FlowError> {
        let now = self.now();
        let user = UserId::generate();
        let name = identity
            .name
            .as_deref()
            .and_then(|n| DisplayName::parse(n).ok().flatten())
            .unwrap_or_else(|| DisplayName::from_email(email));
        let tx = self.db().begin().await?;
        match store::federation::insert_federated_account(
            &tx,
            tenant.id,
            user,
            email,
            &name,
            client.language,
            &provider.key(),
            &identity.subject,
            now,
        )
        .await
        {
            // Someone registered the address (or linked the identity) a moment ago.
            Err(StoreError::Conflict { .. }) => {
                drop(tx);
                self.note(
                    flow,
                    Message::error(messages::FEDERATION_FAILED)
                        .with_arg("provider", &provider.display_name),
                )
                .await?;
                return Ok(FlowOutcome::ShowFlow(flow.id));
            }
            other => other?,
        }
        let mut methods = vec![AuthMethod::Fed];
        if event == FlowEvent::CodeAccepted {
            methods.push(AuthMethod::Email);
        }
        // A sign-up is recorded by the risk engine (its device becomes known), not judged.
        self.assess_sign_in(
            &tx, tenant, browser, client, user, &methods, false, false, false,
        )
        .await?;
        let state = crate::flows::transition(flow.kind, flow.state, event)
            .map_err(|_| StoreError::Corrupt { what: "flow state" })?;
        let mut context = flow.context.clone();
        context.methods = methods.to_vec();
        context.pending_user = Some(user);
        if !store::flows::complete_with(&tx, flow.id, state, Some(&context), now).await? {
            drop(tx);
            return Ok(FlowOutcome::ShowFlow(flow.id));
        }
        for event in [
            AuditEvent::new(tenant.id, "account.created", client)
                .actor(user)
                .subject(user)
                .detail("method", "fed")
                .label("provider", provider.slug.clone()),
            AuditEvent::new(tenant.id, "federation.sign_in", client)
                .actor(user)
                .subject(user)
                .label("provider", provider.slug.clone()),
            AuditEvent::new(tenant.id, "login.succeeded", client)
                .actor(user)
                .subject(user)
                .detail("method", "fed"),
        ] {
            store::audit::insert(&tx, now, &event).await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(FlowOutcome::SignedIn(SignedIn {
            tenant_id: tenant.id,
            user_id: user,
            authenticated_at: now,
            aal: AuthMethod::aal(&methods),
            methods,
            return_to: flow
                .return_to
                .clone()
                .unwrap_or_else(|| crate::flows::DEFAULT_RETURN_TO.to_string()),
        }))
    }

    /// The provider gave no address it vouches for: the flow asks for one (and a name),
    /// holding the identity until the address is confirmed with a mailed code.
    async fn ask_for_details(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        flow: &Flow,
        provider: &Provider,
        identity: &ExternalIdentity,
    ) -> Result<FlowOutcome, FlowError> {
        let now = self.now();
        let state = crate::flows::transition(flow.kind, flow.state, FlowEvent::DetailsNeeded)
            .map_err(|_| StoreError::Corrupt { what: "flow state" })?;
        let mut context = flow.context.clone();
        context.email = identity
            .email
            .as_deref()
            .and_then(|e| Email::parse(e).ok())
            .map(|e| e.as_str().to_string());
        context.display_name = identity
            .name
            .as_deref()
            .and_then(|n| DisplayName::parse(n).ok().flatten())
            .map(|n| n.as_str().to_string());
        context.federated = Some(PendingLink {
            provider: provider.key(),
            provider_name: provider.display_name.clone(),
            subject: identity.subject.clone(),
            email: None,
        });
        let tx = self.db().begin().await?;
        store::flows::update_step(
            &tx,
            flow.id,
            state,
            &[Message::info(messages::FEDERATION_DETAILS)
                .with_arg("provider", &provider.display_name)],
            &context,
            now,
        )
        .await?;
        store::audit::insert(
            &tx,
            now,
            &AuditEvent::new(tenant.id, "federation.details_needed", client)
                .label("provider", provider.slug.clone()),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(FlowOutcome::ShowFlow(flow.id))
    }

    /// The details step of a sign-up through a provider: the address (and name) the
    /// customer gives. A code goes to the address; an address that already has an
    /// account gets a notice instead — the same answer either way, so the step tells
    /// nobody whether an account exists.
    pub async fn submit_federated_details(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        client: &ClientInfo,
        input: FederatedDetails<'_>,
    ) -> Result<FlowOutcome, FlowError> {
        let flow = match self
            .open_flow_for_submit(
                tenant,
                FlowKind::Login,
                input.flow_id,
                browser,
                input.csrf_token,
            )
            .await?
        {
            Ok(flow) => flow,
            Err(fresh) => return Ok(FlowOutcome::ShowFlow(fresh)),
        };
        if flow.state != FlowState::Details || flow.context.federated.is_none() {
            return Ok(FlowOutcome::ShowFlow(flow.id));
        }
        let now = self.now();
        let mut problems = Vec::new();
        let email = Email::parse(input.email)
            .map_err(|e| problems.push(crate::flows::registration::email_message(e)))
            .ok();
        let name = DisplayName::parse(input.display_name)
            .map_err(|e| problems.push(crate::flows::registration::name_message(e)))
            .ok()
            .flatten();
        let mut context = flow.context.clone();
        context.email = Some(input.email.trim().chars().take(254).collect());
        context.display_name = Some(input.display_name.trim().chars().take(64).collect());
        let Some(email) = email.filter(|_| problems.is_empty()) else {
            let state = crate::flows::transition(flow.kind, flow.state, FlowEvent::DetailsRejected)
                .map_err(|_| StoreError::Corrupt { what: "flow state" })?;
            store::flows::update_step(self.db().conn(), flow.id, state, &problems, &context, now)
                .await?;
            return Ok(FlowOutcome::ShowFlow(flow.id));
        };
        let policy = &tenant.policy.throttle;
        let keys = crate::throttle::keys_for(
            policy,
            tenant.id,
            "verification_mail",
            email.as_str(),
            client.ip.as_deref(),
        );
        if let crate::throttle::Admission::Throttled { retry_after } =
            self.admit_attempt(policy, &keys).await?
        {
            let seconds = ((retry_after.num_milliseconds() + 999) / 1000).max(1);
            store::flows::update_step(
                self.db().conn(),
                flow.id,
                flow.state,
                &[Message::error(messages::CODE_THROTTLED).with_arg("seconds", seconds)],
                &context,
                now,
            )
            .await?;
            return Ok(FlowOutcome::ShowFlow(flow.id));
        }
        let name = name.unwrap_or_else(|| DisplayName::from_email(&email));
        context.email = Some(email.as_str().to_string());
        context.display_name = Some(name.as_str().to_string());
        context.verify_email = Some(email.as_str().to_string());
        let state = crate::flows::transition(flow.kind, flow.state, FlowEvent::DetailsAccepted)
            .map_err(|_| StoreError::Corrupt { what: "flow state" })?;
        let tx = self.db().begin().await?;
        self.send_address_code(&tx, tenant, client, &flow, &mut context)
            .await?;
        store::flows::update_step(
            &tx,
            flow.id,
            state,
            &[Message::info(messages::VERIFICATION_SENT)],
            &context,
            now,
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(FlowOutcome::ShowFlow(flow.id))
    }

    /// Mails the code for `context.verify_email` (or, if that address has an account,
    /// a notice to its owner) and keeps the code's hash in the context.
    async fn send_address_code(
        &self,
        tx: &sea_orm::DatabaseTransaction,
        tenant: &Tenant,
        client: &ClientInfo,
        flow: &Flow,
        context: &mut crate::flows::FlowContext,
    ) -> Result<(), StoreError> {
        let address = context.verify_email.clone().unwrap_or_default();
        let minutes = tenant.policy.verification.code_minutes.clamp(5, 24 * 60);
        let code = crate::verification::six_digit_code();
        let taken = store::federation::find_email_owner(tx, tenant.id, &address)
            .await?
            .is_some();
        let kind = if taken {
            crate::mail::MailKind::RegistrationAttempt {
                login_link: crate::mail::link(tenant, "/login"),
                recovery_link: crate::mail::link(tenant, "/recovery"),
            }
        } else {
            crate::mail::MailKind::ConfirmAddress {
                name: context.display_name.clone().unwrap_or_default(),
                provider: context
                    .federated
                    .as_ref()
                    .map(|p| p.provider_name.clone())
                    .unwrap_or_default(),
                code: code.clone(),
                minutes,
            }
        };
        self.queue_mail_in(tx, tenant, &address, client.language, &kind)
            .await?;
        // For a taken address the stored hash is of nothing anyone was sent.
        let secret = if taken { random_token() } else { code };
        context.address_code = Some(sha256_hex(format!("{}:{secret}", flow.id).as_bytes()));
        context.address_code_expires_at = Some(self.now() + chrono::Duration::minutes(minutes));
        Ok(())
    }

    /// The verify step of a sign-up through a provider: the code from the mail (or a
    /// new one). The right code creates the account with the provider's identity.
    pub(crate) async fn verify_federated_address(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        client: &ClientInfo,
        flow: &Flow,
        code: Option<&str>,
    ) -> Result<Result<FlowOutcome, ()>, FlowError> {
        let now = self.now();
        let Some(code) = code else {
            // A new code.
            let mut context = flow.context.clone();
            let tx = self.db().begin().await?;
            self.send_address_code(&tx, tenant, client, flow, &mut context)
                .await?;
            store::flows::update_step(
                &tx,
                flow.id,
                flow.state,
                &[Message::info(messages::VERIFICATION_RESENT)],
                &context,
                now,
            )
            .await?;
            tx.commit().await.map_err(StoreError::from)?;
            return Ok(Ok(FlowOutcome::ShowFlow(flow.id)));
        };
        let code: String = code.chars().filter(char::is_ascii_digit).collect();
        let expected = flow.context.address_code.clone().unwrap_or_default();
        let live = flow
            .context
            .address_code_expires_at
            .is_some_and(|at| at > now);
        let given = sha256_hex(format!("{}:{code}", flow.id).as_bytes());
        if !live || code.len() != 6 || !constant_time_eq(given.as_bytes(), expected.as_bytes()) {
            return Ok(Err(()));
        }
        let (Some(pending), Some(address)) = (&flow.context.federated, &flow.context.verify_email)
        else {
            return Ok(Err(()));
        };
        let slug = pending.provider.trim_start_matches("oidc:");
        let provider = store::federation::find_provider(self.db().conn(), tenant.id, slug).await?;
        let (Some(provider), Ok(email)) = (provider.filter(|p| p.enabled), Email::parse(address))
        else {
            return Ok(Err(()));
        };
        let identity = ExternalIdentity {
            subject: pending.subject.clone(),
            email: Some(email.as_str().to_string()),
            email_verified: true,
            name: flow.context.display_name.clone(),
        };
        self.federated_sign_up(
            tenant,
            browser,
            client,
            flow,
            &provider,
            &identity,
            &email,
            FlowEvent::CodeAccepted,
        )
        .await
        .map(Ok)
    }

    /// Links the identity a login flow was holding, now that the customer proved an
    /// account — if that account's address is verified (an unverified account never
    /// takes an identity: no trojan identities). Inside the completing transaction.
    pub(crate) async fn link_pending_in(
        &self,
        tx: &sea_orm::DatabaseTransaction,
        tenant: &Tenant,
        client: &ClientInfo,
        pending: Option<&PendingLink>,
        user: UserId,
    ) -> Result<(), StoreError> {
        let Some(pending) = pending else {
            return Ok(());
        };
        let Some(account) = store::accounts::find_candidate_by_id(tx, tenant.id, user).await?
        else {
            return Ok(());
        };
        if !account.email_verified {
            return Ok(());
        }
        let now = self.now();
        let savepoint = sea_orm::TransactionTrait::begin(tx).await?;
        match store::federation::insert_identity(
            &savepoint,
            tenant.id,
            user,
            &pending.provider,
            &pending.subject,
            pending.email.as_deref(),
            now,
        )
        .await
        {
            Ok(()) => savepoint.commit().await?,
            // Linked meanwhile (to this account or another): leave it.
            Err(StoreError::Conflict { .. }) => return Ok(()),
            Err(e) => return Err(e),
        }
        store::audit::insert(
            tx,
            now,
            &AuditEvent::new(tenant.id, "identity.linked", client)
                .actor(user)
                .subject(user)
                .label(
                    "provider",
                    pending.provider.trim_start_matches("oidc:").to_string(),
                )
                .detail("rule", "proved_existing_account"),
        )
        .await?;
        self.notify_factor_change(
            tx,
            tenant,
            user,
            crate::mail::FactorChange::ProviderLinked(pending.provider_name.clone()),
        )
        .await
    }

    async fn link_from_settings(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        user: UserId,
        provider: &Provider,
        identity: &ExternalIdentity,
    ) -> Result<CallbackOutcome, FlowError> {
        let now = self.now();
        let db = self.db().conn();
        let key = provider.key();
        if let Some(linked) =
            store::federation::find_identity(db, tenant.id, &key, &identity.subject).await?
        {
            return Ok(if linked.user_id == user {
                CallbackOutcome::Linked(provider.display_name.clone())
            } else {
                CallbackOutcome::LinkRefused(LinkProblem::LinkedElsewhere)
            });
        }
        let verified = store::accounts::find_candidate_by_id(db, tenant.id, user)
            .await?
            .is_some_and(|a| a.email_verified && a.status == AccountStatus::Active);
        if !verified {
            return Ok(CallbackOutcome::LinkRefused(LinkProblem::VerifyEmailFirst));
        }
        let email = identity.email.as_deref().and_then(|e| Email::parse(e).ok());
        let tx = self.db().begin().await?;
        match store::federation::insert_identity(
            &tx,
            tenant.id,
            user,
            &key,
            &identity.subject,
            email.as_ref().map(Email::as_str),
            now,
        )
        .await
        {
            Err(StoreError::Conflict { .. }) => {
                return Ok(CallbackOutcome::LinkRefused(LinkProblem::LinkedElsewhere));
            }
            other => other?,
        }
        store::audit::insert(
            &tx,
            now,
            &AuditEvent::new(tenant.id, "identity.linked", client)
                .actor(user)
                .subject(user)
                .label("provider", provider.slug.clone())
                .detail("rule", "account_settings"),
        )
        .await?;
        self.notify_factor_change(
            &tx,
            tenant,
            user,
            crate::mail::FactorChange::ProviderLinked(provider.display_name.clone()),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(CallbackOutcome::Linked(provider.display_name.clone()))
    }

    /// Every way the account signs in, and the providers it could link.
    pub async fn sign_in_methods(
        &self,
        tenant: &Tenant,
        user: UserId,
    ) -> Result<SignInMethods, StoreError> {
        let db = self.db().conn();
        let providers = store::federation::list_providers(db, tenant.id).await?;
        let linked = store::federation::linked_identities(db, tenant.id, user).await?;
        let password = store::accounts::has_password(db, user).await?;
        let passkeys = store::passkeys::count_for_user(db, tenant.id, user).await?;
        let linked: Vec<LinkedAccount> = linked
            .into_iter()
            .map(|l| {
                let p = providers.iter().find(|p| p.key() == l.provider);
                LinkedAccount {
                    id: l.id,
                    provider_slug: l.provider.trim_start_matches("oidc:").to_string(),
                    provider_name: p
                        .map(|p| p.display_name.clone())
                        .unwrap_or_else(|| l.provider.trim_start_matches("oidc:").to_string()),
                    brand: p.map(Provider::brand).unwrap_or("generic"),
                    email: l.email,
                    linked_at: l.created_at,
                    last_used_at: l.last_used_at,
                }
            })
            .collect();
        let available = providers
            .iter()
            .filter(|p| p.enabled && !linked.iter().any(|l| l.provider_slug == p.slug))
            .map(|p| (p.slug.clone(), p.display_name.clone(), p.brand()))
            .collect();
        Ok(SignInMethods {
            password,
            passkeys,
            linked,
            available,
        })
    }

    /// Unlinks a provider identity: needs a recent sign-in, and never removes the
    /// account's last way to sign in.
    pub async fn unlink_identity(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        user: UserId,
        authenticated_at: DateTime<Utc>,
        identity: Uuid,
    ) -> Result<Result<String, LinkProblem>, StoreError> {
        if !self.signed_in_recently(authenticated_at) {
            return Ok(Err(LinkProblem::ReauthRequired));
        }
        let methods = self.sign_in_methods(tenant, user).await?;
        let Some(target) = methods.linked.iter().find(|l| l.id == identity) else {
            return Ok(Err(LinkProblem::NotFound));
        };
        if methods.count() <= 1 {
            return Ok(Err(LinkProblem::LastMethod));
        }
        let now = self.now();
        let tx = self.db().begin().await?;
        if store::federation::delete_identity(&tx, tenant.id, user, identity)
            .await?
            .is_none()
        {
            return Ok(Err(LinkProblem::NotFound));
        }
        // Re-count inside the transaction: a concurrent unlink must not leave none.
        let left = u64::from(store::accounts::has_password(&tx, user).await?)
            + store::passkeys::count_for_user(&tx, tenant.id, user).await?
            + store::federation::count_linked(&tx, tenant.id, user).await?;
        if left == 0 {
            return Ok(Err(LinkProblem::LastMethod));
        }
        store::audit::insert(
            &tx,
            now,
            &AuditEvent::new(tenant.id, "identity.unlinked", client)
                .actor(user)
                .subject(user)
                .label("provider", target.provider_slug.clone()),
        )
        .await?;
        self.notify_factor_change(
            &tx,
            tenant,
            user,
            crate::mail::FactorChange::ProviderUnlinked(target.provider_name.clone()),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(target.provider_name.clone()))
    }

    /// Deletes trips that ended more than a day ago.
    pub async fn purge_federation_states(&self) -> Result<u64, StoreError> {
        store::federation::delete_expired_states(
            self.db().conn(),
            self.now() - chrono::Duration::days(1),
        )
        .await
    }
}
