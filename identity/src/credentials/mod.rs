//! Credentials: how a customer proves who they are.

pub mod breached;
pub mod factors;
pub mod hasher;
pub mod passkeys;
pub mod password;
#[cfg(feature = "soft-authenticator")]
pub mod soft_authenticator;
