//! What the pages receive from the server: plain, serialisable, and free of secrets
//! (except the CSRF token a form must echo).

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Tone {
    Info,
    Error,
}

/// A message ready to show, already in the customer's language.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    pub id: String,
    pub tone: Tone,
    pub field: Option<String>,
    pub text: String,
}

/// A login or registration flow as its page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowView {
    pub id: String,
    /// `login` or `registration`.
    pub kind: String,
    /// Which step to show: `identify`, `details` or `verify_email`.
    pub step: String,
    /// Where the verification mail went, on the verify step.
    pub verify_email: Option<String>,
    pub csrf_token: String,
    pub messages: Vec<MessageView>,
    pub email: String,
    pub display_name: String,
    /// Where signing in from here returns to, for links between login and register.
    pub return_to: Option<String>,
    pub password_min_length: usize,
    pub password_max_length: usize,
}

impl FlowView {
    /// Messages that belong to no field: shown above the form.
    pub fn general_messages(&self) -> Vec<MessageView> {
        self.messages
            .iter()
            .filter(|m| m.field.is_none())
            .cloned()
            .collect()
    }

    /// The first error for `field`, shown under that input.
    pub fn field_error(&self, field: &str) -> Option<MessageView> {
        self.messages
            .iter()
            .find(|m| m.field.as_deref() == Some(field) && m.tone == Tone::Error)
            .cloned()
    }
}

/// The brand a page is dressed in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrandView {
    pub name: String,
}

/// The signed-in customer's account page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub display_name: String,
    pub email: String,
    pub email_verified: bool,
    pub member_since: String,
    pub signed_in_at: String,
    pub sign_in_method: String,
    pub has_password: bool,
    pub passkeys: Vec<PasskeyView>,
    /// Echoed by the sign-out form.
    pub csrf_token: String,
}

/// One of the customer's passkeys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyView {
    pub id: String,
    pub name: String,
    pub created: String,
    pub last_used: Option<String>,
    pub synced: bool,
}

/// The first half of a passkey ceremony, or where to go instead.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyCeremony {
    pub ceremony: String,
    /// JSON for `navigator.credentials` (`{"publicKey": {...}}`).
    pub options: String,
    /// Go here instead (the flow has something to say).
    pub navigate: Option<String>,
    /// Show this instead (account page).
    pub error: Option<String>,
}

/// Where the browser goes after a passkey ceremony.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyNext {
    pub navigate: String,
}

/// What a submitted form leads to, for a hydrated page (a page without JavaScript
/// follows the redirect instead).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FormOutcome {
    /// The browser is being sent elsewhere (signed in, signed out).
    Navigate,
    /// Show this flow: it carries what to fix, or replaces one that could not continue.
    ShowFlow(Box<FlowView>),
}

/// The answer to opening a verification link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyLinkView {
    pub verified: bool,
    pub email: Option<String>,
    /// Whether this browser is signed in (to offer the account page rather than sign-in).
    pub signed_in: bool,
}

/// One mail in the dev mail viewer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevMailView {
    pub id: String,
    pub to: String,
    pub subject: String,
    pub template: String,
    pub status: String,
    pub created_at: String,
    pub text: String,
}
