//! The login flow: `Identify` (password or passkey) → the risk engine's decision →
//! `SecondFactor` when it asks for one (see [`super::second_factor`]) → `Complete`.
//! Every path into a session goes through [`Engine::first_factor_in`], which records the
//! sign-in with the engine's verdict; a flow that stops half-way grants nothing.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{FlowEvent, FlowKind, FlowState, Message, messages, transition};
use crate::accounts::{AccountStatus, Email};
use crate::audit::{AuditEvent, ClientInfo};
use crate::credentials::hasher::HashError;
use crate::credentials::password::normalize;
use crate::risk::signins::SignInOutcome;
use crate::store::{self, StoreError};
use crate::tenants::Tenant;
use crate::throttle::{self, Admission};
use crate::{Engine, FlowId, TenantId, UserId};

/// How the customer authenticated, as OIDC's `amr` values name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthMethod {
    /// A password.
    Pwd,
    /// A passkey or security key: proof of possession of a key.
    Hwk,
    /// The authenticator verified the user (PIN or biometric) for a passkey.
    User,
    /// A code from an authenticator app (TOTP).
    Otp,
    /// A one-time code (or link) sent to the account's email address.
    Email,
    /// One of the account's printed recovery codes.
    RecoveryCode,
    /// An upstream provider (a social or enterprise account) vouched for the customer.
    Fed,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Pwd => "pwd",
            AuthMethod::Hwk => "hwk",
            AuthMethod::User => "user",
            AuthMethod::Otp => "otp",
            AuthMethod::Email => "email",
            AuthMethod::RecoveryCode => "recovery_code",
            AuthMethod::Fed => "fed",
        }
    }

    /// Which kind of factor this is: something known, had, or (verified by a key) been.
    fn category(self) -> u8 {
        match self {
            // What a provider vouches for is one factor we cannot see into.
            AuthMethod::Pwd | AuthMethod::Fed => 0,
            AuthMethod::Hwk | AuthMethod::Otp | AuthMethod::Email | AuthMethod::RecoveryCode => 1,
            AuthMethod::User => 2,
        }
    }

    /// What a sign-in with a passkey proves: the key, and the user verification the
    /// authenticator performed (passkeys always require it), so two factors.
    pub const PASSKEY: &'static [AuthMethod] = &[AuthMethod::Hwk, AuthMethod::User];

    /// Authenticator assurance level of a set of methods: 2 when they cover two kinds
    /// of factor (a password and a code; a key and the user verification it did),
    /// else 1. A mailed code counts as possession of the mailbox.
    pub fn aal(methods: &[AuthMethod]) -> u8 {
        let mut kinds = [false; 3];
        for m in methods {
            kinds[usize::from(m.category())] = true;
        }
        if kinds.iter().filter(|k| **k).count() >= 2 {
            2
        } else {
            1
        }
    }
}

/// A finished sign-in (or sign-up): the caller starts a session from it.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub authenticated_at: DateTime<Utc>,
    pub methods: Vec<AuthMethod>,
    /// Authenticator assurance level: 1 for one factor, 2 for two.
    pub aal: u8,
    /// A local path to send the browser to.
    pub return_to: String,
}

/// What a submission led to.
#[derive(Clone, Debug)]
pub enum FlowOutcome {
    SignedIn(SignedIn),
    /// Show this flow again: it carries the messages explaining what to fix, or it is a
    /// fresh flow replacing one that could not continue.
    ShowFlow(FlowId),
}

/// Why a submission could not be processed at all.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// Password checks are at capacity; try again after the given time.
    #[error("too many requests; retry in {retry_after_ms} ms")]
    Busy { retry_after_ms: u64 },
    /// Password hashing is down.
    #[error("password checks are unavailable")]
    Unavailable,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<HashError> for FlowError {
    fn from(err: HashError) -> Self {
        match err {
            HashError::Busy { retry_after_ms } => FlowError::Busy { retry_after_ms },
            HashError::Malformed | HashError::Unavailable => FlowError::Unavailable,
        }
    }
}

/// The fields of the password sign-in form.
#[derive(Clone, Copy, Debug)]
pub struct PasswordLogin<'a> {
    pub flow_id: &'a str,
    pub csrf_token: &'a str,
    pub email: &'a str,
    pub password: &'a str,
}

impl Engine {
    /// Signs a customer in with email and password.
    ///
    /// Every failure — unknown email, wrong password, locked account — gives the same
    /// message, and an unknown email still costs one password hash.
    pub async fn submit_password_login(
        &self,
        tenant: &Tenant,
        browser: &super::BrowserBinding,
        client: &ClientInfo,
        input: PasswordLogin<'_>,
    ) -> Result<FlowOutcome, FlowError> {
        let db = self.db().conn();
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
        if flow.state != FlowState::Identify {
            // A password is no answer to a later step: show that step.
            return Ok(FlowOutcome::ShowFlow(flow.id));
        }
        if !flow.context.sign_in_methods().password {
            self.refuse_method(&flow).await?;
            return Ok(FlowOutcome::ShowFlow(flow.id));
        }
        let email = Email::parse(input.email);
        let candidate = match &email {
            Ok(email) => store::accounts::find_login_candidate(db, tenant.id, email).await?,
            Err(_) => None,
        };
        // Throttle before any hashing, on what was typed, whether or not it exists.
        let account_key = match &email {
            Ok(e) => e.as_str().to_string(),
            Err(_) => input
                .email
                .trim()
                .to_lowercase()
                .chars()
                .take(254)
                .collect(),
        };
        let policy = &tenant.policy.throttle;
        let keys = throttle::keys_for(
            policy,
            tenant.id,
            "password",
            &account_key,
            client.ip.as_deref(),
        );
        let admission = self.admit_attempt(policy, &keys).await?;
        if let Admission::Throttled { retry_after } = admission {
            let seconds = (retry_after.num_milliseconds() + 999) / 1000;
            let mut context = flow.context.clone();
            context.email = Some(input.email.trim().chars().take(254).collect());
            let tx = self.db().begin().await?;
            store::flows::update_step(
                &tx,
                flow.id,
                flow.state,
                &[Message::error(messages::LOGIN_THROTTLED).with_arg("seconds", seconds.max(1))],
                &context,
                self.now(),
            )
            .await?;
            let mut event =
                AuditEvent::new(tenant.id, "login.throttled", client).detail("method", "pwd");
            if let Some(c) = &candidate {
                event = event.subject(c.user_id);
            }
            store::audit::insert(&tx, self.now(), &event).await?;
            tx.commit().await.map_err(StoreError::from)?;
            return Ok(FlowOutcome::ShowFlow(flow.id));
        }
        let password = normalize(input.password);
        let (user, password_ok) = match candidate {
            Some(c) => match c.phc.as_deref() {
                Some(phc) => match self.hasher().verify(&password, phc).await {
                    Ok(true) if self.hasher().needs_rehash(phc) => {
                        // Right password, old parameters: store it the current way.
                        let fresh = self.hasher().hash(&password).await?;
                        store::accounts::rehash_password(db, c.user_id, &fresh).await?;
                        tracing::info!(user = %c.user_id, "password rehashed with the current parameters");
                        (Some(c), true)
                    }
                    Ok(ok) => (Some(c), ok),
                    Err(HashError::Malformed) => {
                        tracing::error!(user = %c.user_id, "stored password hash is malformed");
                        (Some(c), false)
                    }
                    Err(e) => return Err(e.into()),
                },
                None => {
                    self.hasher().verify_dummy(&password).await?;
                    (Some(c), false)
                }
            },
            None => {
                self.hasher().verify_dummy(&password).await?;
                (None, false)
            }
        };
        let now = self.now();
        let active = user.as_ref().is_some_and(|u| u.status.may_sign_in());
        // A blocked password is only mentioned to whoever typed it right.
        let blocked = password_ok && user.as_ref().is_some_and(|u| u.password_blocked);
        match user {
            Some(user) if password_ok && active && !blocked => {
                let outcome = self
                    .finish_first_factor(
                        tenant,
                        browser,
                        client,
                        &flow,
                        &user,
                        &[AuthMethod::Pwd],
                        crate::credentials::breached::is_common(&password),
                    )
                    .await?;
                self.forgive_after(&keys, admission).await?;
                Ok(outcome)
            }
            user => {
                let state = transition(flow.kind, flow.state, FlowEvent::FirstFactorRejected)
                    .map_err(|_| StoreError::Corrupt { what: "flow state" })?;
                let reason = match &user {
                    None => "unknown_account",
                    Some(u) if !u.status.may_sign_in() => "account_not_active",
                    Some(_) if blocked => "password_blocked",
                    Some(_) => "wrong_password",
                };
                let message = if blocked {
                    Message::error(messages::LOGIN_PASSWORD_BLOCKED)
                } else {
                    Message::error(messages::LOGIN_INVALID)
                };
                let mut context = flow.context.clone();
                context.email = Some(input.email.trim().chars().take(254).collect());
                let tx = self.db().begin().await?;
                store::flows::update_step(&tx, flow.id, state, &[message], &context, now).await?;
                let mut event = AuditEvent::new(tenant.id, "login.failed", client)
                    .detail("method", "pwd")
                    .detail("reason", reason);
                if let Some(u) = &user {
                    event = event.subject(u.user_id);
                }
                store::audit::insert(&tx, now, &event).await?;
                tx.commit().await.map_err(StoreError::from)?;
                Ok(FlowOutcome::ShowFlow(flow.id))
            }
        }
    }

    /// Starts "confirm it's you" for a signed-in customer: a login flow for this account
    /// only (its address filled in and fixed), asking for the second factor whenever the
    /// account has one, returning to `return_to`. The current session stays until the
    /// new sign-in replaces it.
    pub async fn start_reauth(
        &self,
        tenant: &Tenant,
        browser: &super::BrowserBinding,
        user: UserId,
        return_to: &str,
    ) -> Result<super::Flow, StoreError> {
        let summary = store::accounts::find_summary(self.db().conn(), tenant.id, user).await?;
        let context = super::FlowContext {
            email: summary.map(|s| s.email),
            reauth: Some(user),
            ..super::FlowContext::default()
        };
        self.start_flow_with(
            tenant,
            FlowKind::Login,
            browser,
            Some(return_to),
            Some(Message::info(messages::REAUTH_PROMPT)),
            context,
        )
        .await
    }

    /// The customer proved who they are with `methods`: sign them in, or — when the
    /// tenant wants the address verified first — send a code and move to the verify step.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn finish_first_factor(
        &self,
        tenant: &Tenant,
        browser: &super::BrowserBinding,
        client: &ClientInfo,
        flow: &super::Flow,
        user: &store::accounts::LoginCandidate,
        methods: &[AuthMethod],
        password_breached: bool,
    ) -> Result<FlowOutcome, FlowError> {
        let tx = self.db().begin().await?;
        let step = self
            .first_factor_in(
                &tx,
                tenant,
                browser,
                client,
                flow,
                user,
                methods,
                password_breached,
            )
            .await?;
        self.conclude_first_factor(tx, step, tenant, browser, flow)
            .await
    }

    /// Commits a first factor's step, or — when a concurrent submission finished the
    /// flow first — drops it and starts a fresh flow that says so.
    pub(crate) async fn conclude_first_factor(
        &self,
        tx: sea_orm::DatabaseTransaction,
        step: Option<FlowOutcome>,
        tenant: &Tenant,
        browser: &super::BrowserBinding,
        flow: &super::Flow,
    ) -> Result<FlowOutcome, FlowError> {
        match step {
            Some(outcome) => {
                tx.commit().await.map_err(StoreError::from)?;
                Ok(outcome)
            }
            None => {
                drop(tx);
                Ok(FlowOutcome::ShowFlow(
                    self.start_flow(
                        tenant,
                        FlowKind::Login,
                        browser,
                        flow.return_to.as_deref(),
                        Some(Message::info(messages::FLOW_COMPLETED)),
                    )
                    .await?
                    .id,
                ))
            }
        }
    }

    /// [`Engine::finish_first_factor`]'s writes, inside the caller's transaction.
    /// `None` when a concurrent submission completed the flow first.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn first_factor_in(
        &self,
        tx: &sea_orm::DatabaseTransaction,
        tenant: &Tenant,
        browser: &super::BrowserBinding,
        client: &ClientInfo,
        flow: &super::Flow,
        user: &store::accounts::LoginCandidate,
        methods: &[AuthMethod],
        password_breached: bool,
    ) -> Result<Option<FlowOutcome>, FlowError> {
        let now = self.now();
        let method = methods.first().map(|m| m.as_str()).unwrap_or("none");
        // "Confirm it's you" is finished only by the account that is signed in.
        if flow.context.reauth.is_some_and(|u| u != user.user_id) {
            store::flows::update_step(
                tx,
                flow.id,
                flow.state,
                &[Message::error(messages::REAUTH_OTHER_ACCOUNT)],
                &flow.context,
                now,
            )
            .await?;
            store::audit::insert(
                tx,
                now,
                &AuditEvent::new(tenant.id, "login.reauth_other_account", client)
                    .subject(user.user_id)
                    .detail("method", method),
            )
            .await?;
            return Ok(Some(FlowOutcome::ShowFlow(flow.id)));
        }
        if !user.email_verified && !tenant.policy.verification.allow_sign_in_unverified {
            let state = transition(flow.kind, flow.state, FlowEvent::VerificationNeeded)
                .map_err(|_| StoreError::Corrupt { what: "flow state" })?;
            let mut context = flow.context.clone();
            context.email = Some(user.email.clone());
            context.verify_email = Some(user.email.clone());
            context.pending_user = Some(user.user_id);
            context.methods = methods.to_vec();
            self.issue_verification(tx, tenant, user.user_id, &user.display_name, &user.email)
                .await?;
            store::flows::update_step(
                tx,
                flow.id,
                state,
                &[Message::info(messages::VERIFICATION_SENT)],
                &context,
                now,
            )
            .await?;
            store::audit::insert(
                tx,
                now,
                &AuditEvent::new(tenant.id, "login.verification_required", client)
                    .subject(user.user_id)
                    .detail("method", method),
            )
            .await?;
            return Ok(Some(FlowOutcome::ShowFlow(flow.id)));
        }
        // Confirming it's you asks for the account's second factor, when it has one
        // beyond its mailbox.
        let force_step_up = flow.context.reauth.is_some()
            && AuthMethod::aal(methods) < 2
            && self
                .factors_of(tx, tenant, user.user_id)
                .await?
                .iter()
                .any(|f| *f != super::second_factor::Factor::Email);
        // The risk engine weighs this sign-in and records it with its reasons.
        let assessed = self
            .assess_sign_in(
                tx,
                tenant,
                browser,
                client,
                user.user_id,
                methods,
                password_breached,
                true,
                force_step_up,
            )
            .await?;
        if assessed.outcome == SignInOutcome::Pending {
            return self
                .require_second_factor_in(tx, tenant, client, flow, user, methods, assessed.event)
                .await
                .map(Some);
        }
        if assessed.outcome == SignInOutcome::Denied {
            let state = transition(flow.kind, flow.state, FlowEvent::FirstFactorRejected)
                .map_err(|_| StoreError::Corrupt { what: "flow state" })?;
            store::flows::update_step(
                tx,
                flow.id,
                state,
                &[Message::error(messages::LOGIN_DENIED)],
                &flow.context,
                now,
            )
            .await?;
            store::audit::insert(
                tx,
                now,
                &AuditEvent::new(tenant.id, "login.denied", client)
                    .subject(user.user_id)
                    .detail("method", method),
            )
            .await?;
            return Ok(Some(FlowOutcome::ShowFlow(flow.id)));
        }
        let state = transition(flow.kind, flow.state, FlowEvent::FirstFactorVerified)
            .map_err(|_| StoreError::Corrupt { what: "flow state" })?;
        // The flow keeps how the customer proved who they are (methods, hence the
        // assurance level), next to the session that carries the same.
        let mut context = flow.context.clone();
        context.methods = methods.to_vec();
        context.pending_user = Some(user.user_id);
        if !store::flows::complete_with(tx, flow.id, state, Some(&context), now).await? {
            return Ok(None);
        }
        self.link_pending_in(
            tx,
            tenant,
            client,
            flow.context.federated.as_ref(),
            user.user_id,
        )
        .await?;
        store::audit::insert(
            tx,
            now,
            &AuditEvent::new(tenant.id, "login.succeeded", client)
                .actor(user.user_id)
                .subject(user.user_id)
                .detail("method", method),
        )
        .await?;
        Ok(Some(FlowOutcome::SignedIn(SignedIn {
            tenant_id: tenant.id,
            user_id: user.user_id,
            authenticated_at: now,
            methods: methods.to_vec(),
            aal: AuthMethod::aal(methods),
            // An account pending deletion signs in only to keep it (or not): no app
            // gets it meanwhile.
            return_to: if user.status == AccountStatus::DeletionPending {
                crate::accounts::deletion::PENDING_PAGE.to_string()
            } else {
                flow.return_to
                    .clone()
                    .unwrap_or_else(|| super::DEFAULT_RETURN_TO.to_string())
            },
        })))
    }
}
