//! Recovery and password changes.
//!
//! `/recovery` always answers "if an account exists, we sent a link". The link's token
//! is exchanged on first load for a reset flow bound to the browser, so it leaves the
//! URL; completing the reset consumes it with one conditional update, sets the new
//! password, verifies the address the link went to, ends every session and sends a
//! notice. A signed-in customer changes their password with the current one.

use chrono::Duration;
use uuid::Uuid;

use super::login::{FlowError, FlowOutcome};
use super::{BrowserBinding, FlowEvent, FlowKind, FlowState, Message, messages, transition};
use crate::accounts::{AccountStatus, Email, EmailError};
use crate::audit::{AuditEvent, ClientInfo};
use crate::credentials::password::normalize;
use crate::mail::{self, MailKind};
use crate::secrets::{random_token, sha256_hex};
use crate::store::{self, StoreError};
use crate::tenants::Tenant;
use crate::throttle::{self, Admission};
use crate::{Engine, FlowId, UserId};

pub const PURPOSE_PASSWORD_RESET: &str = "password_reset";

/// How long a reset link works.
pub const RESET_MINUTES: i64 = 30;

/// What opening a reset link led to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResetLink {
    /// Show this reset flow (the token is now held server-side).
    Open(FlowId),
    /// The link is unknown, used or expired: show this recovery flow, which says so.
    Invalid(FlowId),
}

/// What a signed-in password change led to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PasswordChangeOutcome {
    /// Changed; every other session has ended. The caller renews this session.
    Changed,
    ShowFlow(FlowId),
}

impl Engine {
    /// Asks for a reset link for `email`. The answer is the same whether or not an
    /// account exists; only an existing, active account gets a mail.
    pub async fn submit_recovery_request(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        client: &ClientInfo,
        flow_id: &str,
        csrf_token: &str,
        email_input: &str,
    ) -> Result<FlowOutcome, FlowError> {
        let flow = match self
            .open_flow_for_submit(tenant, FlowKind::Recovery, flow_id, browser, csrf_token)
            .await?
        {
            Ok(flow) => flow,
            Err(fresh) => return Ok(FlowOutcome::ShowFlow(fresh)),
        };
        let mut context = flow.context.clone();
        context.email = Some(email_input.trim().chars().take(254).collect());
        let now = self.now();
        let email = match Email::parse(email_input) {
            Ok(e) => e,
            Err(err) => {
                let id = match err {
                    EmailError::Empty => messages::EMAIL_EMPTY,
                    EmailError::TooLong => messages::EMAIL_TOO_LONG,
                    EmailError::Malformed => messages::EMAIL_INVALID,
                };
                let state = transition(flow.kind, flow.state, FlowEvent::RequestRejected)
                    .map_err(|_| StoreError::Corrupt { what: "flow state" })?;
                store::flows::update_step(
                    self.db().conn(),
                    flow.id,
                    state,
                    &[Message::field_error("email", id)],
                    &context,
                    now,
                )
                .await?;
                return Ok(FlowOutcome::ShowFlow(flow.id));
            }
        };
        let policy = &tenant.policy.throttle;
        let keys = throttle::keys_for(
            policy,
            tenant.id,
            "recovery",
            email.as_str(),
            client.ip.as_deref(),
        );
        if let Admission::Throttled { retry_after } = self.admit_attempt(policy, &keys).await? {
            let seconds = ((retry_after.num_milliseconds() + 999) / 1000).max(1);
            store::flows::update_step(
                self.db().conn(),
                flow.id,
                flow.state,
                &[Message::error(messages::RECOVERY_THROTTLED).with_arg("seconds", seconds)],
                &context,
                now,
            )
            .await?;
            return Ok(FlowOutcome::ShowFlow(flow.id));
        }
        let state = transition(flow.kind, flow.state, FlowEvent::LinkRequested)
            .map_err(|_| StoreError::Corrupt { what: "flow state" })?;
        let candidate =
            store::accounts::find_login_candidate(self.db().conn(), tenant.id, &email).await?;
        // Both paths commit one write transaction, so their timing stays alike.
        let tx = self.db().begin().await?;
        let mut event = AuditEvent::new(tenant.id, "recovery.requested", client);
        if let Some(user) = candidate.filter(|c| c.status == AccountStatus::Active) {
            let id = Uuid::now_v7();
            let token = random_token();
            store::codes::supersede(&tx, user.user_id, PURPOSE_PASSWORD_RESET, now).await?;
            store::codes::insert(
                &tx,
                id,
                tenant.id,
                user.user_id,
                PURPOSE_PASSWORD_RESET,
                &sha256_hex(token.as_bytes()),
                None,
                &user.email,
                now + Duration::minutes(RESET_MINUTES),
                now,
                None,
            )
            .await?;
            let kind = MailKind::PasswordReset {
                name: user.display_name.clone(),
                link: mail::link(tenant, &format!("/recovery/reset?token={token}")),
                minutes: RESET_MINUTES,
            };
            self.queue_mail(&tx, tenant, &user.email, &kind).await?;
            event = event.subject(user.user_id);
        }
        store::flows::update_step(
            &tx,
            flow.id,
            state,
            &[Message::info(messages::RECOVERY_SENT)],
            &context,
            now,
        )
        .await?;
        store::audit::insert(&tx, now, &event).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(FlowOutcome::ShowFlow(flow.id))
    }

    /// Opens a reset link: a valid token becomes a reset flow bound to this browser.
    pub async fn open_reset_link(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        token: &str,
    ) -> Result<ResetLink, StoreError> {
        let now = self.now();
        let row = store::codes::find_by_token(
            self.db().conn(),
            tenant.id,
            &sha256_hex(token.trim().as_bytes()),
        )
        .await?;
        let live = row.filter(|r| {
            r.purpose == PURPOSE_PASSWORD_RESET && r.used_at.is_none() && r.expires_at > now
        });
        let Some(code) = live else {
            let flow = self
                .start_flow(
                    tenant,
                    FlowKind::Recovery,
                    browser,
                    None,
                    Some(Message::error(messages::RECOVERY_LINK_INVALID)),
                )
                .await?;
            return Ok(ResetLink::Invalid(flow.id));
        };
        let mut flow = self
            .start_flow(tenant, FlowKind::Reset, browser, None, None)
            .await?;
        flow.context.pending_user = Some(code.user_id);
        flow.context.email = Some(code.email.clone());
        flow.context.reset_code = Some(code.id);
        store::flows::update_step(
            self.db().conn(),
            flow.id,
            flow.state,
            &[],
            &flow.context,
            now,
        )
        .await?;
        Ok(ResetLink::Open(flow.id))
    }

    /// The reset flow a page shows: the one named if it is open and holds a link,
    /// otherwise a recovery flow saying the link no longer works.
    pub async fn reset_flow_for_page(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        flow_id: &str,
    ) -> Result<ResetLink, StoreError> {
        if let Ok(flow) = self
            .open_flow(tenant, FlowKind::Reset, flow_id, browser)
            .await?
            && flow.state == FlowState::ChoosePassword
            && flow.context.reset_code.is_some()
        {
            return Ok(ResetLink::Open(flow.id));
        }
        let flow = self
            .start_flow(
                tenant,
                FlowKind::Recovery,
                browser,
                None,
                Some(Message::error(messages::RECOVERY_LINK_INVALID)),
            )
            .await?;
        Ok(ResetLink::Invalid(flow.id))
    }

    /// Sets the new password of a reset flow.
    pub async fn submit_reset(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        client: &ClientInfo,
        flow_id: &str,
        csrf_token: &str,
        password: &str,
    ) -> Result<FlowOutcome, FlowError> {
        let flow = match self
            .open_flow_for_submit(tenant, FlowKind::Reset, flow_id, browser, csrf_token)
            .await?
        {
            Ok(flow) => flow,
            Err(fresh) => return Ok(FlowOutcome::ShowFlow(fresh)),
        };
        let (Some(user), Some(code_id), Some(email)) = (
            flow.context.pending_user,
            flow.context.reset_code,
            flow.context.email.clone(),
        ) else {
            return Ok(FlowOutcome::ShowFlow(flow.id));
        };
        let summary = store::accounts::find_summary(self.db().conn(), tenant.id, user).await?;
        let mut hints = vec![email.as_str()];
        if let Some(s) = &summary {
            hints.push(s.display_name.as_str());
        }
        let normalized = match self.check_new_password(tenant, password, &hints).await {
            Ok(p) => p,
            Err(problem) => {
                let state = transition(flow.kind, flow.state, FlowEvent::NewFirstFactorRejected)
                    .map_err(|_| StoreError::Corrupt { what: "flow state" })?;
                store::flows::update_step(
                    self.db().conn(),
                    flow.id,
                    state,
                    &[messages::password_problem(problem)],
                    &flow.context,
                    self.now(),
                )
                .await?;
                return Ok(FlowOutcome::ShowFlow(flow.id));
            }
        };
        let phc = self.hasher().hash(&normalized).await?;
        let now = self.now();
        let state = transition(flow.kind, flow.state, FlowEvent::PasswordChanged)
            .map_err(|_| StoreError::Corrupt { what: "flow state" })?;
        let tx = self.db().begin().await?;
        // One conditional update decides which of any concurrent submissions wins.
        if !store::codes::consume(&tx, code_id, now).await? {
            drop(tx);
            let fresh = self
                .start_flow(
                    tenant,
                    FlowKind::Recovery,
                    browser,
                    None,
                    Some(Message::error(messages::RECOVERY_LINK_INVALID)),
                )
                .await?;
            return Ok(FlowOutcome::ShowFlow(fresh.id));
        }
        store::flows::complete(&tx, flow.id, state, now).await?;
        store::accounts::set_password(&tx, tenant.id, user, &phc, now).await?;
        // The link reached this address: it is the customer's.
        store::accounts::mark_email_verified(&tx, user, &email, now).await?;
        store::sessions::delete_for_user(&tx, tenant.id, user).await?;
        let name = summary.map(|s| s.display_name).unwrap_or_default();
        let notice = MailKind::PasswordChanged {
            name,
            recovery_link: mail::link(tenant, "/recovery"),
            via_reset: true,
        };
        self.queue_mail(&tx, tenant, &email, &notice).await?;
        store::audit::insert(
            &tx,
            now,
            &AuditEvent::new(tenant.id, "password.reset_completed", client)
                .actor(user)
                .subject(user),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        // A customer who just proved their mailbox may sign in at once.
        let keys = throttle::keys_for(
            &tenant.policy.throttle,
            tenant.id,
            "password",
            &email,
            client.ip.as_deref(),
        );
        self.forgive_account(&keys).await?;
        let login = self
            .start_flow(
                tenant,
                FlowKind::Login,
                browser,
                None,
                Some(Message::info(messages::PASSWORD_RESET_DONE)),
            )
            .await?;
        Ok(FlowOutcome::ShowFlow(login.id))
    }

    /// Starts a password change for a signed-in customer.
    pub async fn start_password_change(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        user: UserId,
        flow_id: Option<&str>,
    ) -> Result<super::Flow, StoreError> {
        let mut flow = self
            .flow_for_page(
                tenant,
                FlowKind::PasswordChange,
                flow_id,
                browser,
                None,
                None,
            )
            .await?;
        if flow.context.pending_user != Some(user) {
            // A flow from another account (or a new one) never carries over.
            if flow.context.pending_user.is_some() {
                flow = self
                    .start_flow(tenant, FlowKind::PasswordChange, browser, None, None)
                    .await?;
            }
            flow.context.pending_user = Some(user);
            store::flows::update_step(
                self.db().conn(),
                flow.id,
                flow.state,
                &flow.messages,
                &flow.context,
                self.now(),
            )
            .await?;
        }
        Ok(flow)
    }

    /// Changes a signed-in customer's password: the current one must be right (and is
    /// throttled like any password check), the new one must pass the policy.
    #[allow(clippy::too_many_arguments)]
    pub async fn submit_password_change(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        client: &ClientInfo,
        user: UserId,
        flow_id: &str,
        csrf_token: &str,
        current: &str,
        new: &str,
    ) -> Result<PasswordChangeOutcome, FlowError> {
        let flow = match self
            .open_flow_for_submit(
                tenant,
                FlowKind::PasswordChange,
                flow_id,
                browser,
                csrf_token,
            )
            .await?
        {
            Ok(flow) if flow.context.pending_user == Some(user) => flow,
            Ok(_) => {
                return Ok(PasswordChangeOutcome::ShowFlow(
                    self.start_password_change(tenant, browser, user, None)
                        .await?
                        .id,
                ));
            }
            Err(fresh) => return Ok(PasswordChangeOutcome::ShowFlow(fresh)),
        };
        let Some(summary) =
            store::accounts::find_summary(self.db().conn(), tenant.id, user).await?
        else {
            return Ok(PasswordChangeOutcome::ShowFlow(flow.id));
        };
        let reject = |message: Message| async {
            let state = transition(flow.kind, flow.state, FlowEvent::NewFirstFactorRejected)
                .map_err(|_| StoreError::Corrupt { what: "flow state" })?;
            store::flows::update_step(
                self.db().conn(),
                flow.id,
                state,
                &[message],
                &flow.context,
                self.now(),
            )
            .await?;
            Ok::<_, FlowError>(PasswordChangeOutcome::ShowFlow(flow.id))
        };
        let policy = &tenant.policy.throttle;
        let keys = throttle::keys_for(
            policy,
            tenant.id,
            "password",
            &summary.email,
            client.ip.as_deref(),
        );
        let admission = self.admit_attempt(policy, &keys).await?;
        if let Admission::Throttled { retry_after } = admission {
            let seconds = ((retry_after.num_milliseconds() + 999) / 1000).max(1);
            return reject(Message::error(messages::LOGIN_THROTTLED).with_arg("seconds", seconds))
                .await;
        }
        let stored = store::accounts::find_password(self.db().conn(), user).await?;
        let current_ok = match &stored {
            Some(phc) => self.hasher().verify(&normalize(current), phc).await?,
            None => false,
        };
        if !current_ok {
            self.record_audit(
                AuditEvent::new(tenant.id, "password.change_failed", client)
                    .actor(user)
                    .subject(user),
            )
            .await?;
            return reject(Message::field_error(
                "current_password",
                messages::CURRENT_PASSWORD_WRONG,
            ))
            .await;
        }
        if normalize(current) == normalize(new) {
            return reject(Message::field_error(
                "password",
                messages::PASSWORD_UNCHANGED,
            ))
            .await;
        }
        let normalized = match self
            .check_new_password(tenant, new, &[&summary.email, &summary.display_name])
            .await
        {
            Ok(p) => p,
            Err(problem) => return reject(messages::password_problem(problem)).await,
        };
        let phc = self.hasher().hash(&normalized).await?;
        let now = self.now();
        let state = transition(flow.kind, flow.state, FlowEvent::PasswordChanged)
            .map_err(|_| StoreError::Corrupt { what: "flow state" })?;
        let tx = self.db().begin().await?;
        if !store::flows::complete(&tx, flow.id, state, now).await? {
            return Ok(PasswordChangeOutcome::ShowFlow(flow.id));
        }
        store::accounts::set_password(&tx, tenant.id, user, &phc, now).await?;
        store::sessions::delete_for_user(&tx, tenant.id, user).await?;
        let notice = MailKind::PasswordChanged {
            name: summary.display_name.clone(),
            recovery_link: mail::link(tenant, "/recovery"),
            via_reset: false,
        };
        self.queue_mail(&tx, tenant, &summary.email, &notice)
            .await?;
        store::audit::insert(
            &tx,
            now,
            &AuditEvent::new(tenant.id, "password.changed", client)
                .actor(user)
                .subject(user),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        self.forgive_after(&keys, admission).await?;
        Ok(PasswordChangeOutcome::Changed)
    }
}
