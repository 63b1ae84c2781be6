//! The second-factor step of the login flow.
//!
//! When the risk engine asks for more than the first factor proved, the flow moves to
//! `SecondFactor` and offers what the account has, best first: a passkey, an
//! authenticator app, a recovery code — or, for a customer with none of these, a
//! 6-digit code mailed to their address (hashed, 10 minutes, single use, newest only).
//! Every check is throttled per account (and IP), so starting the sign-in again does
//! not reset the count. Only a verified factor completes the flow; the sign-in event
//! recorded at the first factor is then concluded, in the same transaction.

use chrono::Duration;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::login::{AuthMethod, FlowError, FlowOutcome, SignedIn};
use super::{BrowserBinding, Flow, FlowEvent, FlowKind, FlowState, Message, messages, transition};
use crate::audit::{AuditEvent, ClientInfo};
use crate::credentials::factors::FactorCheck;
use crate::credentials::passkeys::PasskeyStart;
use crate::secrets::{constant_time_eq, random_token, sha256_hex};
use crate::store::{self, StoreError};
use crate::tenants::Tenant;
use crate::throttle::Admission;
use crate::verification::{code_hash, six_digit_code};
use crate::{Engine, UserId};

pub const PURPOSE_SIGN_IN_CODE: &str = "sign_in_code";

/// How long a mailed sign-in code works.
pub const SIGN_IN_CODE_MINUTES: i64 = 10;

/// A way to pass the second-factor step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Factor {
    Passkey,
    Totp,
    RecoveryCode,
    /// A code mailed to the account's address (only for accounts with nothing else).
    Email,
}

impl Factor {
    pub fn as_str(self) -> &'static str {
        match self {
            Factor::Passkey => "passkey",
            Factor::Totp => "totp",
            Factor::RecoveryCode => "recovery_code",
            Factor::Email => "email",
        }
    }
}

/// What the customer did on the second-factor step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecondFactorIntent<'a> {
    Totp(&'a str),
    RecoveryCode(&'a str),
    EmailCode(&'a str),
    /// Mail a new sign-in code.
    SendEmailCode,
}

/// The fields of a second-factor form.
#[derive(Clone, Copy, Debug)]
pub struct SecondFactorSubmission<'a> {
    pub flow_id: &'a str,
    pub csrf_token: &'a str,
    pub intent: SecondFactorIntent<'a>,
}

/// `ada@example.com` → `a•••@example.com`: enough to recognise, not to harvest.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}\u{2022}\u{2022}\u{2022}@{domain}")
        }
        None => "\u{2022}\u{2022}\u{2022}".into(),
    }
}

impl Engine {
    /// The factors `user` can pass a second-factor step with, best first. The mailed
    /// code is offered only to accounts with nothing else: it is the weakest.
    pub(crate) async fn factors_of(
        &self,
        db: &impl sea_orm::ConnectionTrait,
        tenant: &Tenant,
        user: UserId,
    ) -> Result<Vec<Factor>, StoreError> {
        let mut factors = Vec::new();
        if store::passkeys::count_for_user(db, tenant.id, user).await? > 0 {
            factors.push(Factor::Passkey);
        }
        if store::factors::find_totp(db, tenant.id, user, true)
            .await?
            .is_some()
        {
            factors.push(Factor::Totp);
        }
        if store::factors::count_unused_recovery_codes(db, user).await? > 0 {
            factors.push(Factor::RecoveryCode);
        }
        if factors.is_empty() {
            factors.push(Factor::Email);
        }
        Ok(factors)
    }

    /// Moves a login flow whose first factor was proven to the second-factor step, in
    /// the caller's transaction. A customer with nothing but an address gets the code
    /// mailed at once.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn require_second_factor_in(
        &self,
        tx: &sea_orm::DatabaseTransaction,
        tenant: &Tenant,
        client: &ClientInfo,
        flow: &Flow,
        user: &store::accounts::LoginCandidate,
        methods: &[AuthMethod],
        event: Uuid,
    ) -> Result<FlowOutcome, FlowError> {
        let state = transition(flow.kind, flow.state, FlowEvent::SecondFactorRequired)
            .map_err(|_| StoreError::Corrupt { what: "flow state" })?;
        let factors = self.factors_of(tx, tenant, user.user_id).await?;
        let mut context = flow.context.clone();
        context.email = Some(user.email.clone());
        context.pending_user = Some(user.user_id);
        context.methods = methods.to_vec();
        context.sign_in_event = Some(event);
        context.factors = factors.clone();
        if factors == [Factor::Email] {
            self.issue_sign_in_code(tx, tenant, user.user_id, &user.display_name, &user.email)
                .await?;
            context.code_sent_to = Some(mask_email(&user.email));
        }
        let now = self.now();
        store::flows::update_step(tx, flow.id, state, &[], &context, now).await?;
        store::audit::insert(
            tx,
            now,
            &AuditEvent::new(tenant.id, "login.second_factor_required", client)
                .subject(user.user_id)
                .detail(
                    "method",
                    methods.first().map(|m| m.as_str()).unwrap_or("none"),
                ),
        )
        .await?;
        Ok(FlowOutcome::ShowFlow(flow.id))
    }

    /// Mails a fresh sign-in code (ending older ones), in `db`.
    async fn issue_sign_in_code(
        &self,
        db: &impl sea_orm::ConnectionTrait,
        tenant: &Tenant,
        user: UserId,
        name: &str,
        email: &str,
    ) -> Result<(), StoreError> {
        let now = self.now();
        let id = Uuid::now_v7();
        let code = six_digit_code();
        store::codes::supersede(db, user, PURPOSE_SIGN_IN_CODE, now).await?;
        store::codes::insert(
            db,
            id,
            tenant.id,
            user,
            PURPOSE_SIGN_IN_CODE,
            // No link for this code: the token is random and never sent.
            &sha256_hex(random_token().as_bytes()),
            Some(code_hash(id, &code)),
            email,
            now + Duration::minutes(SIGN_IN_CODE_MINUTES),
            now,
            None,
        )
        .await?;
        let kind = crate::mail::MailKind::SignInCode {
            name: name.to_string(),
            code,
            minutes: SIGN_IN_CODE_MINUTES,
        };
        self.queue_mail(db, tenant, email, &kind).await
    }

    /// Checks a mailed sign-in code: throttled, constant-time, consumed once.
    async fn verify_sign_in_code(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        user: UserId,
        code: &str,
    ) -> Result<FactorCheck, StoreError> {
        let (keys, admission) = match self
            .admit_factor(tenant, PURPOSE_SIGN_IN_CODE, user, client)
            .await?
        {
            Ok(admitted) => admitted,
            Err(throttled) => return Ok(throttled),
        };
        let now = self.now();
        let tx = self.db().begin().await?;
        let accepted = match store::codes::find_live(&tx, user, PURPOSE_SIGN_IN_CODE, now).await? {
            Some(row) if row.tenant_id == tenant.id => {
                let expected = row.code_hash.clone().unwrap_or_default();
                constant_time_eq(expected.as_bytes(), code_hash(row.id, code).as_bytes())
                    && store::codes::consume(&tx, row.id, now).await?
            }
            _ => false,
        };
        let event = AuditEvent::new(
            tenant.id,
            if accepted {
                "mfa.succeeded"
            } else {
                "mfa.failed"
            },
            client,
        )
        .subject(user)
        .detail("method", "email");
        store::audit::insert(&tx, now, &event).await?;
        tx.commit().await?;
        if accepted {
            self.forgive_after(&keys, admission).await?;
            Ok(FactorCheck::Accepted)
        } else {
            Ok(FactorCheck::Rejected)
        }
    }

    /// Opens a login flow for a second-factor submission: it must be on that step and
    /// name the account waiting for it. Otherwise the flow (or its replacement) to show.
    async fn open_second_factor(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        flow_id: &str,
        csrf_token: &str,
    ) -> Result<Result<(Flow, UserId), FlowOutcome>, FlowError> {
        let flow = match self
            .open_flow_for_submit(tenant, FlowKind::Login, flow_id, browser, csrf_token)
            .await?
        {
            Ok(flow) => flow,
            Err(fresh) => return Ok(Err(FlowOutcome::ShowFlow(fresh))),
        };
        match (flow.state, flow.context.pending_user) {
            (FlowState::SecondFactor, Some(user)) => Ok(Ok((flow, user))),
            _ => Ok(Err(FlowOutcome::ShowFlow(flow.id))),
        }
    }

    /// Handles the second-factor step of a login flow.
    pub async fn submit_second_factor(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        client: &ClientInfo,
        input: SecondFactorSubmission<'_>,
    ) -> Result<FlowOutcome, FlowError> {
        let (flow, user) = match self
            .open_second_factor(tenant, browser, input.flow_id, input.csrf_token)
            .await?
        {
            Ok(open) => open,
            Err(outcome) => return Ok(outcome),
        };
        let offered = |f: Factor| flow.context.factors.contains(&f);
        let (check, method, field) = match input.intent {
            SecondFactorIntent::Totp(code) if offered(Factor::Totp) => (
                self.verify_totp(tenant, client, user, code).await?,
                AuthMethod::Otp,
                "totp_code",
            ),
            SecondFactorIntent::RecoveryCode(code) if offered(Factor::RecoveryCode) => (
                self.use_recovery_code(tenant, client, user, code).await?,
                AuthMethod::RecoveryCode,
                "recovery_code",
            ),
            SecondFactorIntent::EmailCode(code) if offered(Factor::Email) => (
                self.verify_sign_in_code(tenant, client, user, code).await?,
                AuthMethod::Email,
                "email_code",
            ),
            SecondFactorIntent::SendEmailCode if offered(Factor::Email) => {
                return self.resend_sign_in_code(tenant, client, &flow, user).await;
            }
            _ => {
                self.show_second_factor(&flow, Message::error(messages::MFA_UNAVAILABLE))
                    .await?;
                return Ok(FlowOutcome::ShowFlow(flow.id));
            }
        };
        match check {
            FactorCheck::Accepted => {
                self.complete_second_factor(tenant, browser, client, &flow, user, &[method])
                    .await
            }
            FactorCheck::Rejected => {
                self.show_second_factor(&flow, Message::field_error(field, messages::MFA_INVALID))
                    .await?;
                Ok(FlowOutcome::ShowFlow(flow.id))
            }
            FactorCheck::Throttled { retry_after_secs } => {
                self.show_second_factor(
                    &flow,
                    Message::error(messages::MFA_THROTTLED)
                        .with_arg("seconds", retry_after_secs.max(1)),
                )
                .await?;
                Ok(FlowOutcome::ShowFlow(flow.id))
            }
        }
    }

    /// Mails a new sign-in code, at most as often as the throttle allows.
    async fn resend_sign_in_code(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        flow: &Flow,
        user: UserId,
    ) -> Result<FlowOutcome, FlowError> {
        let keys = self.factor_keys(tenant, "sign_in_code_mail", user, client);
        if let Admission::Throttled { retry_after } =
            self.admit_attempt(&tenant.policy.throttle, &keys).await?
        {
            let seconds = ((retry_after.num_milliseconds() + 999) / 1000).max(1);
            self.show_second_factor(
                flow,
                Message::error(messages::MFA_THROTTLED).with_arg("seconds", seconds),
            )
            .await?;
            return Ok(FlowOutcome::ShowFlow(flow.id));
        }
        let tx = self.db().begin().await?;
        if let Some(owner) = store::accounts::find_candidate_by_id(&tx, tenant.id, user).await? {
            self.issue_sign_in_code(&tx, tenant, user, &owner.display_name, &owner.email)
                .await?;
        }
        store::flows::update_step(
            &tx,
            flow.id,
            flow.state,
            &[Message::info(messages::MFA_CODE_SENT)],
            &flow.context,
            self.now(),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(FlowOutcome::ShowFlow(flow.id))
    }

    /// Stores a message on a second-factor step (its state stays: a wrong code is
    /// `SecondFactorRejected`, which leads back to the same step).
    async fn show_second_factor(&self, flow: &Flow, message: Message) -> Result<(), StoreError> {
        let state = transition(flow.kind, flow.state, FlowEvent::SecondFactorRejected)
            .map_err(|_| StoreError::Corrupt { what: "flow state" })?;
        store::flows::update_step(
            self.db().conn(),
            flow.id,
            state,
            &[message],
            &flow.context,
            self.now(),
        )
        .await
    }

    /// A second factor was verified: the flow completes, the recorded sign-in succeeds
    /// (device remembered, owner told of a new device) — one transaction — and the
    /// customer is signed in with both factors.
    async fn complete_second_factor(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        client: &ClientInfo,
        flow: &Flow,
        user: UserId,
        proven: &[AuthMethod],
    ) -> Result<FlowOutcome, FlowError> {
        let state = transition(flow.kind, flow.state, FlowEvent::SecondFactorVerified)
            .map_err(|_| StoreError::Corrupt { what: "flow state" })?;
        let now = self.now();
        let mut context = flow.context.clone();
        for m in proven {
            if !context.methods.contains(m) {
                context.methods.push(*m);
            }
        }
        let methods = context.methods.clone();
        let tx = self.db().begin().await?;
        if !store::flows::complete_with(&tx, flow.id, state, Some(&context), now).await? {
            drop(tx);
            let fresh = self
                .start_flow(
                    tenant,
                    FlowKind::Login,
                    browser,
                    flow.return_to.as_deref(),
                    Some(Message::info(messages::FLOW_COMPLETED)),
                )
                .await?;
            return Ok(FlowOutcome::ShowFlow(fresh.id));
        }
        if let Some(event) = flow.context.sign_in_event {
            self.sign_in_succeeded_in(&tx, tenant, browser, client, user, event, Some(&methods))
                .await?;
        }
        self.link_pending_in(&tx, tenant, client, flow.context.federated.as_ref(), user)
            .await?;
        store::audit::insert(
            &tx,
            now,
            &AuditEvent::new(tenant.id, "login.succeeded", client)
                .actor(user)
                .subject(user)
                .detail(
                    "method",
                    methods.first().map(|m| m.as_str()).unwrap_or("none"),
                )
                .detail(
                    "second_factor",
                    proven.first().map(|m| m.as_str()).unwrap_or("none"),
                ),
        )
        .await?;
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
                .unwrap_or_else(|| super::DEFAULT_RETURN_TO.to_string()),
        }))
    }

    /// Options for answering the second-factor step with a passkey.
    pub async fn start_second_factor_passkey(
        &self,
        tenant: &Tenant,
        host: &str,
        browser: &BrowserBinding,
        flow_id: &str,
        csrf_token: &str,
    ) -> Result<PasskeyStart, FlowError> {
        let (flow, user) = match self
            .open_second_factor(tenant, browser, flow_id, csrf_token)
            .await?
        {
            Ok(open) => open,
            Err(FlowOutcome::ShowFlow(id)) => return Ok(PasskeyStart::ShowFlow(id)),
            Err(FlowOutcome::SignedIn(_)) => unreachable!("opening a flow signs nobody in"),
        };
        if !flow.context.factors.contains(&Factor::Passkey) {
            self.show_second_factor(&flow, Message::error(messages::MFA_UNAVAILABLE))
                .await?;
            return Ok(PasskeyStart::ShowFlow(flow.id));
        }
        match self
            .start_passkey_second_factor(tenant, host, browser, Some(flow.id), user)
            .await?
        {
            Some(start) => Ok(PasskeyStart::Options(start)),
            None => {
                self.show_second_factor(&flow, Message::error(messages::PASSKEY_UNAVAILABLE))
                    .await?;
                Ok(PasskeyStart::ShowFlow(flow.id))
            }
        }
    }

    /// Answers the second-factor step with a passkey.
    #[allow(clippy::too_many_arguments)]
    pub async fn finish_second_factor_passkey(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        client: &ClientInfo,
        flow_id: &str,
        csrf_token: &str,
        ceremony: &str,
        credential_json: &str,
    ) -> Result<FlowOutcome, FlowError> {
        let (flow, user) = match self
            .open_second_factor(tenant, browser, flow_id, csrf_token)
            .await?
        {
            Ok(open) => open,
            Err(outcome) => return Ok(outcome),
        };
        let verified = self
            .finish_passkey_second_factor(
                tenant,
                browser,
                client,
                Some(flow.id),
                user,
                ceremony,
                credential_json,
            )
            .await?;
        if verified {
            self.complete_second_factor(tenant, browser, client, &flow, user, AuthMethod::PASSKEY)
                .await
        } else {
            self.show_second_factor(&flow, Message::error(messages::MFA_PASSKEY_FAILED))
                .await?;
            Ok(FlowOutcome::ShowFlow(flow.id))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_masked() {
        assert_eq!(mask_email("ada@example.com"), "a•••@example.com");
        assert_eq!(mask_email("é@x.org"), "é•••@x.org");
        assert_eq!(mask_email("nonsense"), "•••");
    }
}
