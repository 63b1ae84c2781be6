//! Credentials: how a customer proves who they are.

pub mod breached;
pub mod hasher;
pub mod password;
