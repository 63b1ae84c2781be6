//! The verify step of login and registration: the code from the mail, a new code, or
//! carrying on after the mail's link was opened (possibly on another device).

use super::login::{AuthMethod, FlowError, FlowOutcome, SignedIn};
use super::{BrowserBinding, Flow, FlowEvent, FlowKind, FlowState, Message, messages, transition};
use crate::Engine;
use crate::audit::{AuditEvent, ClientInfo};
use crate::risk::signins::SignInOutcome;
use crate::store::{self, StoreError};
use crate::tenants::Tenant;
use crate::throttle::{self, Admission};
use crate::verification::CodeCheck;

/// What the customer asked for on the verify step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifyIntent<'a> {
    /// Check this code.
    Code(&'a str),
    /// Send a new code.
    Resend,
    /// Carry on: the link in the mail has been opened.
    Continue,
}

/// The fields of the verify form.
#[derive(Clone, Copy, Debug)]
pub struct VerifySubmission<'a> {
    pub flow_id: &'a str,
    pub csrf_token: &'a str,
    pub intent: VerifyIntent<'a>,
}

impl Engine {
    /// Handles the verify step of a `kind` flow.
    pub async fn submit_verification(
        &self,
        tenant: &Tenant,
        kind: FlowKind,
        browser: &BrowserBinding,
        client: &ClientInfo,
        input: VerifySubmission<'_>,
    ) -> Result<FlowOutcome, FlowError> {
        let flow = match self
            .open_flow_for_submit(tenant, kind, input.flow_id, browser, input.csrf_token)
            .await?
        {
            Ok(flow) => flow,
            Err(fresh) => return Ok(FlowOutcome::ShowFlow(fresh)),
        };
        if flow.state != FlowState::VerifyEmail {
            return Ok(FlowOutcome::ShowFlow(flow.id));
        }
        let address = flow.context.verify_email.clone().unwrap_or_default();
        let purpose = match input.intent {
            VerifyIntent::Resend => "verification_mail",
            _ => "email_code",
        };
        let policy = &tenant.policy.throttle;
        let keys = throttle::keys_for(policy, tenant.id, purpose, &address, client.ip.as_deref());
        let admission = self.admit_attempt(policy, &keys).await?;
        if let Admission::Throttled { retry_after } = admission {
            let seconds = ((retry_after.num_milliseconds() + 999) / 1000).max(1);
            self.show(
                &flow,
                Message::error(messages::CODE_THROTTLED).with_arg("seconds", seconds),
            )
            .await?;
            return Ok(FlowOutcome::ShowFlow(flow.id));
        }

        // A sign-up through a provider confirms its address with a code of its own.
        if flow.kind == FlowKind::Login && flow.context.address_code.is_some() {
            let code = match input.intent {
                VerifyIntent::Code(code) => Some(code),
                VerifyIntent::Resend => None,
                VerifyIntent::Continue => {
                    self.show(&flow, Message::info(messages::VERIFICATION_NOT_YET))
                        .await?;
                    return Ok(FlowOutcome::ShowFlow(flow.id));
                }
            };
            return match self
                .verify_federated_address(tenant, browser, client, &flow, code)
                .await?
            {
                Ok(outcome) => {
                    self.forgive_after(&keys, admission).await?;
                    Ok(outcome)
                }
                Err(()) => {
                    let state = transition(flow.kind, flow.state, FlowEvent::CodeRejected)
                        .map_err(|_| StoreError::Corrupt { what: "flow state" })?;
                    let tx = self.db().begin().await?;
                    store::flows::update_step(
                        &tx,
                        flow.id,
                        state,
                        &[Message::field_error("code", messages::CODE_INVALID)],
                        &flow.context,
                        self.now(),
                    )
                    .await?;
                    store::audit::insert(
                        &tx,
                        self.now(),
                        &AuditEvent::new(tenant.id, "email.code_rejected", client),
                    )
                    .await?;
                    tx.commit().await.map_err(StoreError::from)?;
                    Ok(FlowOutcome::ShowFlow(flow.id))
                }
            };
        }
        let pending = flow.context.pending_user;
        match input.intent {
            VerifyIntent::Resend => {
                if let Some(user) = pending {
                    let tx = self.db().begin().await?;
                    let name = store::accounts::find_summary(&tx, tenant.id, user)
                        .await?
                        .map(|a| a.display_name)
                        .unwrap_or_default();
                    self.issue_verification(&tx, tenant, user, &name, &address)
                        .await?;
                    tx.commit().await.map_err(StoreError::from)?;
                }
                self.show(&flow, Message::info(messages::VERIFICATION_RESENT))
                    .await?;
                Ok(FlowOutcome::ShowFlow(flow.id))
            }
            VerifyIntent::Continue => {
                let verified = match pending {
                    Some(user) => store::accounts::find_summary(self.db().conn(), tenant.id, user)
                        .await?
                        .is_some_and(|a| a.email_verified && a.email == address),
                    None => false,
                };
                if verified {
                    self.finish_verified(tenant, browser, client, &flow).await
                } else {
                    self.show(&flow, Message::info(messages::VERIFICATION_NOT_YET))
                        .await?;
                    Ok(FlowOutcome::ShowFlow(flow.id))
                }
            }
            VerifyIntent::Code(code) => {
                let check = match pending {
                    Some(user) => self.verify_code(tenant, user, code).await?,
                    None => CodeCheck::Rejected,
                };
                match check {
                    CodeCheck::Verified { .. } => {
                        self.forgive_after(&keys, admission).await?;
                        self.finish_verified(tenant, browser, client, &flow).await
                    }
                    CodeCheck::Rejected => {
                        let state = transition(flow.kind, flow.state, FlowEvent::CodeRejected)
                            .map_err(|_| StoreError::Corrupt { what: "flow state" })?;
                        let tx = self.db().begin().await?;
                        store::flows::update_step(
                            &tx,
                            flow.id,
                            state,
                            &[Message::field_error("code", messages::CODE_INVALID)],
                            &flow.context,
                            self.now(),
                        )
                        .await?;
                        let mut event = AuditEvent::new(tenant.id, "email.code_rejected", client);
                        if let Some(user) = pending {
                            event = event.subject(user);
                        }
                        store::audit::insert(&tx, self.now(), &event).await?;
                        tx.commit().await.map_err(StoreError::from)?;
                        Ok(FlowOutcome::ShowFlow(flow.id))
                    }
                }
            }
        }
    }

    /// Stores one message on a flow, leaving its state alone.
    async fn show(&self, flow: &Flow, message: Message) -> Result<(), StoreError> {
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

    /// Completes a flow whose address is now verified: the customer is signed in, with
    /// the mailbox as a second proof. The risk engine records the sign-in (and may still
    /// refuse a login; a sign-up is only recorded), which makes this device known.
    async fn finish_verified(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        client: &ClientInfo,
        flow: &Flow,
    ) -> Result<FlowOutcome, FlowError> {
        let Some(user) = flow.context.pending_user else {
            return Ok(FlowOutcome::ShowFlow(flow.id));
        };
        let state = transition(flow.kind, flow.state, FlowEvent::CodeAccepted)
            .map_err(|_| StoreError::Corrupt { what: "flow state" })?;
        let now = self.now();
        let mut methods = flow.context.methods.clone();
        if !methods.contains(&AuthMethod::Email) {
            methods.push(AuthMethod::Email);
        }
        let tx = self.db().begin().await?;
        let assessed = self
            .assess_sign_in(
                &tx,
                tenant,
                browser,
                client,
                user,
                &methods,
                false,
                flow.kind == FlowKind::Login,
                false,
            )
            .await?;
        if assessed.outcome == SignInOutcome::Denied {
            let state = transition(flow.kind, flow.state, FlowEvent::FirstFactorRejected)
                .map_err(|_| StoreError::Corrupt { what: "flow state" })?;
            store::flows::update_step(
                &tx,
                flow.id,
                state,
                &[Message::error(messages::LOGIN_DENIED)],
                &flow.context,
                now,
            )
            .await?;
            store::audit::insert(
                &tx,
                now,
                &AuditEvent::new(tenant.id, "login.denied", client).subject(user),
            )
            .await?;
            tx.commit().await.map_err(StoreError::from)?;
            return Ok(FlowOutcome::ShowFlow(flow.id));
        }
        if !store::flows::complete(&tx, flow.id, state, now).await? {
            return Ok(FlowOutcome::ShowFlow(flow.id));
        }
        if flow.kind == FlowKind::Login {
            self.link_pending_in(&tx, tenant, client, flow.context.federated.as_ref(), user)
                .await?;
        }
        store::audit::insert(
            &tx,
            now,
            &AuditEvent::new(tenant.id, "email.verified", client)
                .actor(user)
                .subject(user),
        )
        .await?;
        store::audit::insert(
            &tx,
            now,
            &AuditEvent::new(tenant.id, "login.succeeded", client)
                .actor(user)
                .subject(user)
                .detail("method", "pwd"),
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
}
