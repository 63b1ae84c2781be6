//! The registration flow: `Details → Complete`, creating an account with a password.

use super::login::{AuthMethod, FlowError, FlowOutcome};
use super::{FlowEvent, FlowKind, Message, messages, transition};
use crate::accounts::{DisplayName, DisplayNameError, Email, EmailError};
use crate::audit::{AuditEvent, ClientInfo};
use crate::mail::{self, MailKind};
use crate::store::{self, StoreError};
use crate::tenants::Tenant;
use crate::{Engine, UserId};

/// The fields of the registration form.
#[derive(Clone, Copy, Debug)]
pub struct PasswordRegistration<'a> {
    pub flow_id: &'a str,
    pub csrf_token: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    pub display_name: &'a str,
}

pub(crate) fn email_message(err: EmailError) -> Message {
    let id = match err {
        EmailError::Empty => messages::EMAIL_EMPTY,
        EmailError::TooLong => messages::EMAIL_TOO_LONG,
        EmailError::Malformed => messages::EMAIL_INVALID,
    };
    Message::field_error("email", id)
}

pub(crate) fn name_message(err: DisplayNameError) -> Message {
    match err {
        DisplayNameError::TooLong => Message::field_error("display_name", messages::NAME_TOO_LONG)
            .with_arg("max", DisplayName::MAX_CHARS),
        DisplayNameError::InvalidCharacters => {
            Message::field_error("display_name", messages::NAME_INVALID)
        }
    }
}

impl Engine {
    /// Creates an account with email and password, and sends the verification mail;
    /// the flow then waits for the code (see [`Engine::submit_verification`]).
    ///
    /// An address that already has an account gets the same answer — the flow waits
    /// for a code that will never come — while its owner gets a mail saying someone
    /// tried. The password is hashed either way, so the timing does not tell either.
    pub async fn submit_registration(
        &self,
        tenant: &Tenant,
        browser: &super::BrowserBinding,
        client: &ClientInfo,
        input: PasswordRegistration<'_>,
    ) -> Result<FlowOutcome, FlowError> {
        let flow = match self
            .open_flow_for_submit(
                tenant,
                FlowKind::Registration,
                input.flow_id,
                browser,
                input.csrf_token,
            )
            .await?
        {
            Ok(flow) => flow,
            Err(fresh) => return Ok(FlowOutcome::ShowFlow(fresh)),
        };
        if flow.state != super::FlowState::Details {
            return Ok(FlowOutcome::ShowFlow(flow.id));
        }
        if !flow.context.sign_in_methods().password {
            self.refuse_method(&flow).await?;
            return Ok(FlowOutcome::ShowFlow(flow.id));
        }

        let mut problems = Vec::new();
        let email = Email::parse(input.email)
            .map_err(|e| problems.push(email_message(e)))
            .ok();
        let name = DisplayName::parse(input.display_name)
            .map_err(|e| problems.push(name_message(e)))
            .ok()
            .flatten();
        let mut hints: Vec<&str> = Vec::new();
        if let Some(e) = &email {
            hints.push(e.as_str());
            hints.push(e.local_part());
        }
        if let Some(n) = &name {
            hints.push(n.as_str());
        }
        let password = self
            .check_new_password(tenant, input.password, &hints)
            .await
            .map_err(|p| problems.push(messages::password_problem(p)))
            .ok();

        let mut context = flow.context.clone();
        context.email = Some(input.email.trim().chars().take(254).collect());
        context.display_name = Some(input.display_name.trim().chars().take(100).collect());

        let (Some(email), Some(password), true) = (email, password, problems.is_empty()) else {
            let state = transition(flow.kind, flow.state, FlowEvent::DetailsRejected)
                .map_err(|_| StoreError::Corrupt { what: "flow state" })?;
            store::flows::update_step(
                self.db().conn(),
                flow.id,
                state,
                &problems,
                &context,
                self.now(),
            )
            .await?;
            return Ok(FlowOutcome::ShowFlow(flow.id));
        };

        let phc = self.hasher().hash(&password).await?;
        let name = name.unwrap_or_else(|| DisplayName::from_email(&email));
        let now = self.now();
        let user_id = UserId::generate();
        let state = transition(flow.kind, flow.state, FlowEvent::DetailsAccepted)
            .map_err(|_| StoreError::Corrupt { what: "flow state" })?;
        context.verify_email = Some(email.as_str().to_string());
        context.methods = vec![AuthMethod::Pwd];
        let sent = [Message::info(messages::VERIFICATION_SENT)];

        // The unique index on (tenant, address) decides: no read-then-write race.
        let tx = self.db().begin().await?;
        let created = store::accounts::insert_password_account(
            &tx,
            tenant.id,
            user_id,
            &email,
            &name,
            client.language,
            &phc,
            now,
        )
        .await;
        match created {
            Ok(()) => {
                self.issue_verification(&tx, tenant, user_id, name.as_str(), email.as_str())
                    .await?;
                context.pending_user = Some(user_id);
                store::flows::update_step(&tx, flow.id, state, &sent, &context, now).await?;
                store::audit::insert(
                    &tx,
                    now,
                    &AuditEvent::new(tenant.id, "user.registered", client)
                        .actor(user_id)
                        .subject(user_id)
                        .detail("method", "pwd"),
                )
                .await?;
                tx.commit().await.map_err(StoreError::from)?;
            }
            Err(StoreError::Conflict { .. }) => {
                drop(tx);
                self.registration_for_taken_address(tenant, client, &flow, &email, context, state)
                    .await?;
            }
            Err(other) => return Err(other.into()),
        }
        Ok(FlowOutcome::ShowFlow(flow.id))
    }

    /// The address has an account. Its owner hears about it; the stranger sees exactly
    /// what a new sign-up sees (the verify step), and no code will ever work.
    pub(crate) async fn registration_for_taken_address(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        flow: &super::Flow,
        email: &Email,
        mut context: super::FlowContext,
        state: super::FlowState,
    ) -> Result<(), StoreError> {
        let now = self.now();
        let tx = self.db().begin().await?;
        let kind = MailKind::RegistrationAttempt {
            login_link: mail::link(tenant, "/login"),
            recovery_link: mail::link(tenant, "/recovery"),
        };
        self.queue_mail(&tx, tenant, email.as_str(), &kind).await?;
        context.pending_user = None;
        let sent = [Message::info(messages::VERIFICATION_SENT)];
        store::flows::update_step(&tx, flow.id, state, &sent, &context, now).await?;
        let mut event = AuditEvent::new(tenant.id, "registration.duplicate_email", client);
        if let Some(owner) = store::accounts::find_user_by_email(&tx, tenant.id, email).await? {
            event = event.subject(owner);
        }
        store::audit::insert(&tx, now, &event).await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }
}
