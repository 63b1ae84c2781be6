//! Messages a flow shows: stable ids the UI translates, optionally tied to a field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    Info,
    Error,
}

/// One message, e.g. `{"id": "password.too_short", "field": "password", "args": {"min": "8"}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: String,
    pub kind: MessageKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, String>,
}

impl Message {
    pub fn info(id: &str) -> Self {
        Self {
            id: id.to_string(),
            kind: MessageKind::Info,
            field: None,
            args: BTreeMap::new(),
        }
    }

    pub fn error(id: &str) -> Self {
        Self {
            kind: MessageKind::Error,
            ..Self::info(id)
        }
    }

    pub fn field_error(field: &str, id: &str) -> Self {
        Self {
            field: Some(field.to_string()),
            ..Self::error(id)
        }
    }

    pub fn with_arg(mut self, key: &str, value: impl ToString) -> Self {
        self.args.insert(key.to_string(), value.to_string());
        self
    }
}

pub const FLOW_EXPIRED: &str = "flow.expired";
pub const FLOW_COMPLETED: &str = "flow.completed";
pub const FLOW_CSRF: &str = "flow.csrf";
pub const LOGIN_INVALID: &str = "login.invalid_credentials";
pub const LOGIN_THROTTLED: &str = "login.throttled";
pub const LOGIN_DENIED: &str = "login.denied";
pub const FEDERATION_FAILED: &str = "federation.failed";
pub const FEDERATION_CANCELLED: &str = "federation.cancelled";
pub const FEDERATION_UNAVAILABLE: &str = "federation.unavailable";
/// The app being signed in to does not offer this way to sign in.
pub const METHOD_UNAVAILABLE: &str = "login.method_unavailable";
pub const FEDERATION_LINK_EXISTING: &str = "federation.link_existing";
pub const FEDERATION_EMAIL_UNVERIFIED: &str = "federation.email_unverified";
pub const FEDERATION_LINKED: &str = "federation.linked";
pub const FEDERATION_DETAILS: &str = "federation.details";
pub const LOGIN_PASSWORD_BLOCKED: &str = "login.password_blocked";
pub const REAUTH_PROMPT: &str = "login.reauth_prompt";
pub const REAUTH_OTHER_ACCOUNT: &str = "login.reauth_other_account";
pub const MFA_INVALID: &str = "mfa.invalid_code";
pub const MFA_THROTTLED: &str = "mfa.throttled";
pub const MFA_PASSKEY_FAILED: &str = "mfa.passkey_failed";
pub const MFA_CODE_SENT: &str = "mfa.code_sent";
pub const MFA_UNAVAILABLE: &str = "mfa.unavailable";
pub const REGISTRATION_NOT_POSSIBLE: &str = "registration.not_possible";
pub const PASSKEY_FAILED: &str = "passkey.failed";
pub const PASSKEY_EXPIRED: &str = "passkey.expired";
pub const PASSKEY_REGISTRATION_FAILED: &str = "passkey.registration_failed";
pub const PASSKEY_ALREADY_REGISTERED: &str = "passkey.already_registered";
pub const PASSKEY_UNAVAILABLE: &str = "passkey.unavailable";
pub const EMAIL_EMPTY: &str = "email.empty";
pub const EMAIL_TOO_LONG: &str = "email.too_long";
pub const EMAIL_INVALID: &str = "email.invalid";
pub const PASSWORD_EMPTY: &str = "password.empty";
pub const PASSWORD_TOO_SHORT: &str = "password.too_short";
pub const PASSWORD_TOO_LONG: &str = "password.too_long";
pub const PASSWORD_TOO_COMMON: &str = "password.too_common";
pub const PASSWORD_BREACHED: &str = "password.breached";
pub const NAME_TOO_LONG: &str = "name.too_long";
pub const NAME_INVALID: &str = "name.invalid";
pub const BUSY: &str = "service.busy";
pub const VERIFICATION_SENT: &str = "verification.sent";
pub const VERIFICATION_RESENT: &str = "verification.resent";
pub const VERIFICATION_NOT_YET: &str = "verification.not_yet";
pub const CODE_INVALID: &str = "code.invalid";
pub const CODE_THROTTLED: &str = "code.throttled";
pub const RECOVERY_SENT: &str = "recovery.sent";
pub const RECOVERY_LINK_INVALID: &str = "recovery.link_invalid";
pub const RECOVERY_THROTTLED: &str = "recovery.throttled";
pub const PASSWORD_RESET_DONE: &str = "recovery.done";
pub const CURRENT_PASSWORD_WRONG: &str = "password.current_wrong";
pub const PASSWORD_UNCHANGED: &str = "password.unchanged";

/// The message under the password field for a refused new password.
pub fn password_problem(problem: crate::credentials::password::PasswordProblem) -> Message {
    use crate::credentials::password::PasswordProblem;
    match problem {
        PasswordProblem::Empty => Message::field_error("password", PASSWORD_EMPTY),
        PasswordProblem::TooShort { min } => {
            Message::field_error("password", PASSWORD_TOO_SHORT).with_arg("min", min)
        }
        PasswordProblem::TooLong { max } => {
            Message::field_error("password", PASSWORD_TOO_LONG).with_arg("max", max)
        }
        PasswordProblem::Breached => Message::field_error("password", PASSWORD_BREACHED),
        PasswordProblem::TooCommon => Message::field_error("password", PASSWORD_TOO_COMMON),
    }
}
