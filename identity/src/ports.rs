//! The ports through which the engine reaches outside itself. Tests swap them.

use std::sync::Mutex;

use chrono::{DateTime, Utc};

/// Where the engine reads the time from.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The real wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to: for tests of expiry and timeouts.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    pub fn advance(&self, by: std::time::Duration) {
        let mut now = self.now.lock().unwrap_or_else(|e| e.into_inner());
        *now += chrono::Duration::from_std(by).unwrap_or(chrono::Duration::MAX);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A mail ready to hand to a transport.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingMail {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Why a transport could not take a mail.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    /// Worth retrying later (connection refused, 4xx reply).
    #[error("temporary failure: {0}")]
    Transient(String),
    /// Retrying will not help (bad address, 5xx reply).
    #[error("permanent failure: {0}")]
    Permanent(String),
}

/// Where mail leaves Portico (SMTP in production; a test transport in tests).
#[async_trait::async_trait]
pub trait Mailer: Send + Sync + 'static {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), MailError>;
}

/// A Pwned Passwords range API (k-anonymity): given the first 5 hex characters of a
/// password's SHA-1, the `SUFFIX:COUNT` lines of every breached password sharing them.
#[async_trait::async_trait]
pub trait PwnedPasswords: Send + Sync + 'static {
    async fn range(&self, prefix: &str) -> Result<String, String>;
}
