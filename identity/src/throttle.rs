//! One throttle for every secret check (passwords now; TOTP, codes and client secrets
//! later): per account, per client IP and per account-and-IP, with sliding windows and
//! exponential delays that are capped, so nobody can lock a customer out for long.
//!
//! A check is *admitted* or *throttled* before any expensive work runs. Every attempt
//! is counted exactly, also under concurrency; only admitted attempts move the time of
//! the next allowed one, so hammering a throttled key does not extend its wait. A
//! success forgives the account keys.
//!
//! The counters live behind [`ThrottleStore`]; [`DbThrottle`] keeps them in the
//! database, and a shared store (Redis) can take its place at scale.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::TenantId;
use crate::secrets::sha256_hex;
use crate::store::{self, Db, StoreError};

/// Limits for one kind of key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limit {
    /// Attempts within the window that never wait.
    pub free_attempts: u32,
    /// The first delay once the free attempts are used, doubling with each attempt.
    pub base_delay_ms: u64,
    /// The longest delay, whatever the count.
    pub max_delay_secs: u64,
}

/// A tenant's throttling rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ThrottlePolicy {
    /// Length of the sliding window in seconds.
    pub window_secs: u64,
    /// One account from one client: the tight limit on guessing.
    pub account_ip: Limit,
    /// One account from anywhere: slows distributed guessing; its cap stays short so
    /// an attacker cannot keep the owner out.
    pub account: Limit,
    /// One client across accounts: credential stuffing.
    pub ip: Limit,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            window_secs: 15 * 60,
            account_ip: Limit {
                free_attempts: 5,
                base_delay_ms: 2_000,
                max_delay_secs: 15 * 60,
            },
            account: Limit {
                free_attempts: 20,
                base_delay_ms: 1_000,
                max_delay_secs: 60,
            },
            ip: Limit {
                free_attempts: 100,
                base_delay_ms: 1_000,
                max_delay_secs: 15 * 60,
            },
        }
    }
}

/// What a key counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    AccountIp,
    Account,
    Ip,
}

/// A key to check: its kind and its hashed identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThrottleKey {
    pub kind: KeyKind,
    pub hash: String,
    pub limit: Limit,
}

impl ThrottleKey {
    fn new(kind: KeyKind, parts: &[&str], limit: Limit) -> Self {
        Self {
            kind,
            hash: sha256_hex(parts.join("\u{1f}").as_bytes()),
            limit,
        }
    }
}

/// The keys for a secret check of `purpose` (e.g. "password") on `account` (the
/// normalised identifier the customer typed, whether or not it exists) from `ip`.
pub fn keys_for(
    policy: &ThrottlePolicy,
    tenant: TenantId,
    purpose: &str,
    account: &str,
    ip: Option<&str>,
) -> Vec<ThrottleKey> {
    let tenant = tenant.to_string();
    let mut keys = vec![ThrottleKey::new(
        KeyKind::Account,
        &[purpose, "account", &tenant, account],
        policy.account,
    )];
    if let Some(ip) = ip {
        keys.push(ThrottleKey::new(
            KeyKind::AccountIp,
            &[purpose, "account-ip", &tenant, account, ip],
            policy.account_ip,
        ));
        keys.push(ThrottleKey::new(
            KeyKind::Ip,
            &[purpose, "ip", &tenant, ip],
            policy.ip,
        ));
    }
    keys
}

/// The outcome of a check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Go ahead. `earlier` is the most attempts any account key saw in its window
    /// before this one: with none, a success has nothing to forgive.
    Admitted {
        earlier: u32,
    },
    Throttled {
        retry_after: Duration,
    },
}

/// Where counters are kept.
#[async_trait]
pub trait ThrottleStore: Send + Sync + 'static {
    /// Counts one attempt on every key and decides whether it may go ahead.
    async fn admit(
        &self,
        keys: &[ThrottleKey],
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<Admission, StoreError>;

    /// Forgets the attempts on `keys` (after a success).
    async fn forgive(&self, keys: &[ThrottleKey]) -> Result<(), StoreError>;

    /// Drops counters idle for longer than `older_than`.
    async fn purge(&self, now: DateTime<Utc>, older_than: Duration) -> Result<u64, StoreError>;
}

/// A counter's state, as the sliding-window arithmetic sees it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub count: i32,
    pub prev_count: i32,
    pub next_allowed_at: DateTime<Utc>,
}

impl Window {
    /// Moves the window forward to the one containing `now`.
    pub fn roll(&mut self, now: DateTime<Utc>, window: Duration) {
        if window <= Duration::zero() || now < self.start + window {
            return;
        }
        let elapsed = (now - self.start).num_milliseconds() / window.num_milliseconds().max(1);
        self.prev_count = if elapsed == 1 { self.count } else { 0 };
        self.count = 0;
        self.start += window * (elapsed as i32);
    }

    /// Attempts in the last `window`, weighting the previous bucket by its overlap.
    pub fn estimate(&self, now: DateTime<Utc>, window: Duration) -> f64 {
        let into =
            (now - self.start).num_milliseconds() as f64 / window.num_milliseconds().max(1) as f64;
        self.prev_count as f64 * (1.0 - into.clamp(0.0, 1.0)) + self.count as f64
    }
}

/// How long to wait after an admitted attempt that brought the estimate to `attempts`.
pub fn delay_after(limit: &Limit, attempts: f64) -> Duration {
    let over = attempts - limit.free_attempts as f64;
    if over < 0.0 {
        return Duration::zero();
    }
    let factor = 2f64.powf(over.floor().min(40.0));
    let ms = (limit.base_delay_ms as f64 * factor).min(limit.max_delay_secs as f64 * 1000.0);
    Duration::milliseconds(ms as i64)
}

/// Decides one attempt on one counter (already rolled). Returns the wait if throttled.
pub fn decide(
    counter: &Window,
    limit: &Limit,
    now: DateTime<Utc>,
    window: Duration,
) -> Option<Duration> {
    let attempts = counter.estimate(now, window);
    (attempts > limit.free_attempts as f64 && now < counter.next_allowed_at)
        .then(|| counter.next_allowed_at - now)
}

/// Counters in the database, checked in one transaction per attempt.
pub struct DbThrottle {
    db: Db,
}

impl DbThrottle {
    pub fn new(db: Db) -> Self {
        Self { db }
    }
}

#[async_trait]
impl ThrottleStore for DbThrottle {
    async fn admit(
        &self,
        keys: &[ThrottleKey],
        window: Duration,
        now: DateTime<Utc>,
    ) -> Result<Admission, StoreError> {
        let tx = self.db.begin().await?;
        let mut counters = Vec::with_capacity(keys.len());
        for key in keys {
            store::throttles::ensure(&tx, &key.hash, now).await?;
        }
        for key in keys {
            let c = store::throttles::lock(&tx, &key.hash).await?;
            let mut w = Window {
                start: c.window_start,
                count: c.count,
                prev_count: c.prev_count,
                next_allowed_at: c.next_allowed_at,
            };
            w.roll(now, window);
            counters.push(w);
        }
        let earlier = keys
            .iter()
            .zip(&counters)
            .filter(|(k, _)| k.kind != KeyKind::Ip)
            .map(|(_, w)| w.estimate(now, window).ceil() as u32)
            .max()
            .unwrap_or(0);
        for w in counters.iter_mut() {
            w.count += 1;
        }
        let wait = keys
            .iter()
            .zip(&counters)
            .filter_map(|(k, w)| decide(w, &k.limit, now, window))
            .max();
        if wait.is_none() {
            for (k, w) in keys.iter().zip(counters.iter_mut()) {
                w.next_allowed_at = now + delay_after(&k.limit, w.estimate(now, window));
            }
        }
        for (k, w) in keys.iter().zip(&counters) {
            let counter = store::throttles::Counter {
                window_start: w.start,
                count: w.count,
                prev_count: w.prev_count,
                next_allowed_at: w.next_allowed_at,
            };
            store::throttles::save(&tx, &k.hash, &counter, now).await?;
        }
        tx.commit().await?;
        Ok(match wait {
            None => Admission::Admitted { earlier },
            Some(retry_after) => Admission::Throttled { retry_after },
        })
    }

    async fn forgive(&self, keys: &[ThrottleKey]) -> Result<(), StoreError> {
        let hashes: Vec<&str> = keys.iter().map(|k| k.hash.as_str()).collect();
        store::throttles::delete_many(self.db.conn(), &hashes).await
    }

    async fn purge(&self, now: DateTime<Utc>, older_than: Duration) -> Result<u64, StoreError> {
        store::throttles::delete_stale(self.db.conn(), now - older_than).await
    }
}

impl crate::Engine {
    pub fn throttle(&self) -> &Arc<dyn ThrottleStore> {
        &self.inner.throttle
    }

    /// Forgives the account keys among `keys` (never the IP's).
    pub async fn forgive_account(&self, keys: &[ThrottleKey]) -> Result<(), StoreError> {
        let account: Vec<ThrottleKey> = keys
            .iter()
            .filter(|k| k.kind != KeyKind::Ip)
            .cloned()
            .collect();
        self.inner.throttle.forgive(&account).await
    }

    /// After a success admitted as `admission`: forgives the account keys if they hold
    /// earlier attempts. With none there is nothing to forgive, and nothing is written.
    pub async fn forgive_after(
        &self,
        keys: &[ThrottleKey],
        admission: Admission,
    ) -> Result<(), StoreError> {
        match admission {
            Admission::Admitted { earlier: 0 } => Ok(()),
            _ => self.forgive_account(keys).await,
        }
    }

    /// Checks one secret-check attempt against the tenant's policy.
    pub async fn admit_attempt(
        &self,
        policy: &ThrottlePolicy,
        keys: &[ThrottleKey],
    ) -> Result<Admission, StoreError> {
        let window = Duration::seconds(policy.window_secs.max(1) as i64);
        self.inner.throttle.admit(keys, window, self.now()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    fn limit() -> Limit {
        Limit {
            free_attempts: 3,
            base_delay_ms: 1000,
            max_delay_secs: 10,
        }
    }

    /// Simulates attempts on one counter the way DbThrottle does.
    fn attempt(w: &mut Window, now: DateTime<Utc>) -> Option<Duration> {
        let window = Duration::minutes(15);
        w.roll(now, window);
        w.count += 1;
        let wait = decide(w, &limit(), now, window);
        if wait.is_none() {
            w.next_allowed_at = now + delay_after(&limit(), w.estimate(now, window));
        }
        wait
    }

    #[test]
    fn free_attempts_then_doubling_delays_capped() {
        assert_eq!(delay_after(&limit(), 2.0), Duration::zero());
        assert_eq!(delay_after(&limit(), 3.0), Duration::seconds(1));
        assert_eq!(delay_after(&limit(), 4.0), Duration::seconds(2));
        assert_eq!(delay_after(&limit(), 5.0), Duration::seconds(4));
        assert_eq!(delay_after(&limit(), 50.0), Duration::seconds(10));
    }

    #[test]
    fn a_burst_is_throttled_after_the_free_attempts() {
        let now = t0();
        let mut w = Window {
            start: now,
            count: 0,
            prev_count: 0,
            next_allowed_at: now,
        };
        let outcomes: Vec<bool> = (0..6).map(|_| attempt(&mut w, now).is_none()).collect();
        assert_eq!(outcomes, [true, true, true, false, false, false]);
        assert_eq!(w.count, 6, "every attempt is counted, admitted or not");
    }

    #[test]
    fn waiting_out_the_delay_admits_one_more() {
        let now = t0();
        let mut w = Window {
            start: now,
            count: 0,
            prev_count: 0,
            next_allowed_at: now,
        };
        for _ in 0..3 {
            assert!(attempt(&mut w, now).is_none());
        }
        // The third attempt set a 1 s delay; hammering does not extend it.
        assert!(attempt(&mut w, now + Duration::milliseconds(500)).is_some());
        assert!(attempt(&mut w, now + Duration::milliseconds(900)).is_some());
        assert!(attempt(&mut w, now + Duration::milliseconds(1000)).is_none());
    }

    #[test]
    fn the_window_slides() {
        let window = Duration::minutes(15);
        let now = t0();
        let mut w = Window {
            start: now,
            count: 10,
            prev_count: 0,
            next_allowed_at: now,
        };
        // Half-way through the next window, half the old count still weighs.
        let later = now + window + window / 2;
        w.roll(later, window);
        assert_eq!(w.prev_count, 10);
        assert_eq!(w.count, 0);
        assert!((w.estimate(later, window) - 5.0).abs() < 0.01);
        // Two windows later nothing is left: no permanent lock.
        let much_later = now + window * 3;
        w.roll(much_later, window);
        assert_eq!(w.estimate(much_later, window), 0.0);
    }

    #[test]
    fn keys_differ_by_kind_and_never_hold_the_email_in_clear() {
        let policy = ThrottlePolicy::default();
        let tenant = TenantId::generate();
        let keys = keys_for(
            &policy,
            tenant,
            "password",
            "ada@example.com",
            Some("192.0.2.1"),
        );
        assert_eq!(keys.len(), 3);
        assert!(
            keys.iter()
                .all(|k| k.hash.len() == 64 && k.hash.bytes().all(|b| b.is_ascii_hexdigit()))
        );
        let other = keys_for(
            &policy,
            TenantId::generate(),
            "password",
            "ada@example.com",
            Some("192.0.2.1"),
        );
        assert_ne!(keys[0].hash, other[0].hash, "tenants never share counters");
        assert_eq!(
            keys_for(&policy, tenant, "password", "ada@example.com", None).len(),
            1
        );
    }
}
