//! Credentials: how a customer proves who they are.

pub mod hasher;
pub mod password;
