//! The error type every server function returns.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

/// What went wrong, in terms the page can act on. The full cause of an internal error
/// is logged on the server with the request id; the browser only sees the id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Too many sign-ins are being processed right now. Please try again in a few seconds.")]
    Busy { retry_after_ms: u64 },
    #[error("Please sign in to continue.")]
    Unauthorized,
    #[error("This request could not be verified. Reload the page and try again.")]
    Forbidden,
    #[error("Something went wrong on our side. Please try again. (Reference: {reference})")]
    Internal { reference: String },
    #[error("The request could not be processed: {0}")]
    Request(String),
    /// Signed in, but this page is for a role the account does not hold.
    #[error(
        "You don't have access to this page. Ask an administrator of this site if you need it."
    )]
    NoAccess,
    /// A sign-in request of an app that expired, was answered, or is not this browser's.
    #[error("This request has expired or was already answered. Go back to the app and try again.")]
    NotFound,
}

impl AppError {
    /// What the customer reads: the error in the page's language. (`Display` stays
    /// English, for logs and API clients.)
    pub fn in_page_language(&self) -> String {
        use crate::i18n::{t, tf};
        match self {
            AppError::Busy { .. } => t("error.busy"),
            AppError::Unauthorized => t("error.unauthorized"),
            AppError::Forbidden => t("error.forbidden"),
            AppError::Internal { reference } => tf("error.internal", &[("reference", reference)]),
            AppError::Request(detail) => tf("error.request", &[("detail", detail)]),
            AppError::NoAccess => t("error.no_access"),
            AppError::NotFound => t("error.not_found"),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Request(value.to_string())
    }
}
