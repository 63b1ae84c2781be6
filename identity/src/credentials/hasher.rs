//! Argon2id on a fixed pool of worker threads.
//!
//! Password hashing is nearly all the work of a password sign-in, and it must never
//! starve the async runtime. Each worker owns one reusable block of Argon2 memory; jobs
//! wait in a bounded queue; when the queue is full the caller gets
//! [`HashError::Busy`] with an estimate of when to retry, so every other endpoint keeps
//! its latency during a spike.
//!
//! Hashes are stored as PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`), the
//! format every other Argon2 implementation reads.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use argon2::{Algorithm, Argon2, Block, Params, Version};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use crossbeam_channel::{Sender, TrySendError, bounded};
use tokio::sync::oneshot;

use crate::secrets::{constant_time_eq, random_bytes};

/// Cost parameters and pool size.
#[derive(Clone, Debug)]
pub struct HasherConfig {
    /// Memory per hash in KiB (OWASP: 19 MiB).
    pub memory_kib: u32,
    /// Passes over memory (OWASP: 2).
    pub iterations: u32,
    /// Lanes (OWASP: 1).
    pub parallelism: u32,
    /// Worker threads; one per core is right for a dedicated server.
    pub workers: usize,
    /// Jobs that may wait for a worker before new ones are refused.
    pub queue_capacity: usize,
    /// Refuse new jobs at once when the estimated wait for a worker is longer than
    /// this (zero: only the queue capacity limits).
    pub max_wait: std::time::Duration,
}

impl Default for HasherConfig {
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            queue_capacity: 256,
            max_wait: std::time::Duration::from_secs(2),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum HashError {
    /// Every worker is busy and the queue is full.
    #[error("password hashing is at capacity; retry in {retry_after_ms} ms")]
    Busy { retry_after_ms: u64 },
    /// The stored hash is not a PHC string this pool can check.
    #[error("the stored password hash is malformed")]
    Malformed,
    /// The pool has shut down.
    #[error("password hashing is unavailable")]
    Unavailable,
}

/// Largest parameters accepted from a stored hash, so an imported hash cannot make one
/// check take minutes or gigabytes.
const MAX_MEMORY_KIB: u32 = 1024 * 1024;
const MAX_ITERATIONS: u32 = 16;
const MAX_PARALLELISM: u32 = 16;

enum Job {
    Hash {
        password: String,
        reply: oneshot::Sender<Result<String, HashError>>,
    },
    Verify {
        password: String,
        phc: Arc<str>,
        reply: oneshot::Sender<Result<bool, HashError>>,
    },
}

/// A handle to the pool; cheap to clone.
#[derive(Clone)]
pub struct PasswordHasher {
    inner: Arc<HasherInner>,
}

struct HasherInner {
    jobs: Sender<Job>,
    params: Params,
    workers: usize,
    /// Jobs queued or running.
    pending: Arc<std::sync::atomic::AtomicUsize>,
    max_wait: std::time::Duration,
    /// Moving average of one job's duration, in microseconds.
    avg_job_micros: Arc<AtomicU64>,
    dummy_phc: Arc<str>,
}

impl PasswordHasher {
    /// Starts the worker threads.
    pub fn start(config: HasherConfig) -> Result<Self, HashError> {
        let params = Params::new(
            config.memory_kib,
            config.iterations,
            config.parallelism,
            Some(32),
        )
        .map_err(|_| HashError::Malformed)?;
        let workers = config.workers.max(1);
        let (tx, rx) = bounded::<Job>(config.queue_capacity.max(1));
        let avg = Arc::new(AtomicU64::new(50_000));
        let pending = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        for n in 0..workers {
            let rx = rx.clone();
            let params = params.clone();
            let avg = avg.clone();
            let pending = pending.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{n}"))
                .spawn(move || {
                    lower_priority();
                    let mut memory = Vec::new();
                    while let Ok(job) = rx.recv() {
                        let started = Instant::now();
                        // Count the job done before answering, so a caller that got its
                        // answer never sees its own job still pending.
                        let finish = || {
                            let took = started.elapsed().as_micros() as u64;
                            let old = avg.load(Ordering::Relaxed);
                            avg.store((old * 7 + took) / 8, Ordering::Relaxed);
                            pending.fetch_sub(1, Ordering::AcqRel);
                        };
                        match job {
                            Job::Hash { password, reply } => {
                                let result = hash_phc(&params, &password, &mut memory);
                                finish();
                                let _ = reply.send(result);
                            }
                            Job::Verify {
                                password,
                                phc,
                                reply,
                            } => {
                                let result = verify_phc(&phc, &password, &mut memory);
                                finish();
                                let _ = reply.send(result);
                            }
                        }
                    }
                })
                .map_err(|_| HashError::Unavailable)?;
        }
        let mut scratch = Vec::new();
        let dummy = hash_phc(&params, "portico dummy password", &mut scratch)?;
        Ok(Self {
            inner: Arc::new(HasherInner {
                jobs: tx,
                params: params.clone(),
                workers,
                pending,
                max_wait: config.max_wait,
                avg_job_micros: avg,
                dummy_phc: dummy.into(),
            }),
        })
    }

    /// How long a job submitted now would wait for a worker, from the jobs queued and
    /// running and the recent average job time.
    pub fn estimated_wait(&self) -> std::time::Duration {
        let pending = self.inner.pending.load(Ordering::Acquire) as u64;
        let avg = self.inner.avg_job_micros.load(Ordering::Relaxed);
        std::time::Duration::from_micros(pending * avg / self.inner.workers as u64)
    }

    /// Refuses at once when the wait for a worker would exceed the configured bound:
    /// during a spike, the excess is told to come back rather than queued.
    pub fn admission(&self) -> Result<(), HashError> {
        let wait = self.estimated_wait();
        if !self.inner.max_wait.is_zero() && wait > self.inner.max_wait {
            return Err(self.busy());
        }
        Ok(())
    }

    fn busy(&self) -> HashError {
        let retry_after_ms = (self.estimated_wait().as_millis() as u64).max(250);
        HashError::Busy { retry_after_ms }
    }

    fn submit(&self, job: Job) -> Result<(), HashError> {
        self.admission()?;
        self.inner.pending.fetch_add(1, Ordering::AcqRel);
        match self.inner.jobs.try_send(job) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => {
                self.inner.pending.fetch_sub(1, Ordering::AcqRel);
                Err(self.busy())
            }
            Err(TrySendError::Disconnected(_)) => {
                self.inner.pending.fetch_sub(1, Ordering::AcqRel);
                Err(HashError::Unavailable)
            }
        }
    }

    /// Hashes a (normalised) password into a PHC string with a fresh salt.
    pub async fn hash(&self, password: &str) -> Result<String, HashError> {
        let (reply, rx) = oneshot::channel();
        self.submit(Job::Hash {
            password: password.to_string(),
            reply,
        })?;
        rx.await.map_err(|_| HashError::Unavailable)?
    }

    /// Checks a password against a stored PHC string.
    pub async fn verify(&self, password: &str, phc: &str) -> Result<bool, HashError> {
        let (reply, rx) = oneshot::channel();
        self.submit(Job::Verify {
            password: password.to_string(),
            phc: phc.into(),
            reply,
        })?;
        rx.await.map_err(|_| HashError::Unavailable)?
    }

    /// Whether a stored hash should be replaced after a successful check: another
    /// algorithm, version or cost than the ones configured now.
    pub fn needs_rehash(&self, phc: &str) -> bool {
        match parse_phc(phc) {
            Ok(p) => {
                p.algorithm != Algorithm::Argon2id
                    || p.version != Version::V0x13
                    || p.params.m_cost() != self.inner.params.m_cost()
                    || p.params.t_cost() != self.inner.params.t_cost()
                    || p.params.p_cost() != self.inner.params.p_cost()
            }
            Err(_) => true,
        }
    }

    /// Spends the same work as a real check, for accounts that do not exist, so the
    /// answer's timing says nothing about whether they do.
    pub async fn verify_dummy(&self, password: &str) -> Result<(), HashError> {
        let (reply, rx) = oneshot::channel();
        self.submit(Job::Verify {
            password: password.to_string(),
            phc: self.inner.dummy_phc.clone(),
            reply,
        })?;
        rx.await.map_err(|_| HashError::Unavailable)?.map(|_| ())
    }
}

/// Runs hashing threads below normal priority (nice ≈ 9 on Linux): when the async
/// runtime has work — pages, session checks, health, the quick 429s of admission
/// control — it goes first, and hashing takes every cycle left over. Without this, two
/// hashing threads on two cores hold back everything else during a spike.
fn lower_priority() {
    use thread_priority::{ThreadPriority, ThreadPriorityValue};
    if let Ok(value) = ThreadPriorityValue::try_from(25u8)
        && let Err(e) =
            thread_priority::set_current_thread_priority(ThreadPriority::Crossplatform(value))
    {
        tracing::debug!(error = ?e, "could not lower the hashing thread's priority");
    }
}

fn ensure_memory(memory: &mut Vec<Block>, blocks: usize) {
    if memory.len() < blocks {
        memory.resize(blocks, Block::default());
    }
}

fn hash_phc(params: &Params, password: &str, memory: &mut Vec<Block>) -> Result<String, HashError> {
    let salt = random_bytes::<16>();
    let mut out = [0u8; 32];
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    ensure_memory(memory, params.block_count());
    argon
        .hash_password_into_with_memory(
            password.as_bytes(),
            &salt,
            &mut out,
            &mut memory[..params.block_count()],
        )
        .map_err(|_| HashError::Malformed)?;
    Ok(format!(
        "$argon2id$v=19$m={},t={},p={}${}${}",
        params.m_cost(),
        params.t_cost(),
        params.p_cost(),
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(out)
    ))
}

/// A parsed Argon2 PHC string.
#[derive(Debug, PartialEq, Eq)]
struct Phc {
    algorithm: Algorithm,
    version: Version,
    params: Params,
    salt: Vec<u8>,
    hash: Vec<u8>,
}

fn parse_phc(phc: &str) -> Result<Phc, HashError> {
    let mut parts = phc.split('$');
    if parts.next() != Some("") {
        return Err(HashError::Malformed);
    }
    let algorithm = match parts.next() {
        Some("argon2id") => Algorithm::Argon2id,
        Some("argon2i") => Algorithm::Argon2i,
        Some("argon2d") => Algorithm::Argon2d,
        _ => return Err(HashError::Malformed),
    };
    let mut field = parts.next().ok_or(HashError::Malformed)?;
    let version = if let Some(v) = field.strip_prefix("v=") {
        field = parts.next().ok_or(HashError::Malformed)?;
        match v {
            "19" => Version::V0x13,
            "16" => Version::V0x10,
            _ => return Err(HashError::Malformed),
        }
    } else {
        Version::V0x10
    };
    let (mut m, mut t, mut p) = (None, None, None);
    for kv in field.split(',') {
        let (k, v) = kv.split_once('=').ok_or(HashError::Malformed)?;
        let v: u32 = v.parse().map_err(|_| HashError::Malformed)?;
        match k {
            "m" => m = Some(v),
            "t" => t = Some(v),
            "p" => p = Some(v),
            _ => return Err(HashError::Malformed),
        }
    }
    let (m, t, p) = match (m, t, p) {
        (Some(m), Some(t), Some(p)) => (m, t, p),
        _ => return Err(HashError::Malformed),
    };
    if m > MAX_MEMORY_KIB || t > MAX_ITERATIONS || p > MAX_PARALLELISM {
        return Err(HashError::Malformed);
    }
    let salt = STANDARD_NO_PAD
        .decode(parts.next().ok_or(HashError::Malformed)?)
        .map_err(|_| HashError::Malformed)?;
    let hash = STANDARD_NO_PAD
        .decode(parts.next().ok_or(HashError::Malformed)?)
        .map_err(|_| HashError::Malformed)?;
    if parts.next().is_some() || !(4..=64).contains(&hash.len()) {
        return Err(HashError::Malformed);
    }
    let params = Params::new(m, t, p, Some(hash.len())).map_err(|_| HashError::Malformed)?;
    Ok(Phc {
        algorithm,
        version,
        params,
        salt,
        hash,
    })
}

fn verify_phc(phc: &str, password: &str, memory: &mut Vec<Block>) -> Result<bool, HashError> {
    let phc = parse_phc(phc)?;
    let argon = Argon2::new(phc.algorithm, phc.version, phc.params.clone());
    let blocks = phc.params.block_count();
    ensure_memory(memory, blocks);
    let mut out = vec![0u8; phc.hash.len()];
    argon
        .hash_password_into_with_memory(
            password.as_bytes(),
            &phc.salt,
            &mut out,
            &mut memory[..blocks],
        )
        .map_err(|_| HashError::Malformed)?;
    Ok(constant_time_eq(&out, &phc.hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast() -> HasherConfig {
        HasherConfig {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
            workers: 2,
            queue_capacity: 8,
            max_wait: std::time::Duration::ZERO,
        }
    }

    #[tokio::test]
    async fn hash_then_verify() {
        let h = PasswordHasher::start(fast()).unwrap();
        let phc = h.hash("correct horse").await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(h.verify("correct horse", &phc).await.unwrap());
        assert!(!h.verify("correct horsf", &phc).await.unwrap());
        assert_ne!(
            phc,
            h.hash("correct horse").await.unwrap(),
            "salt must differ"
        );
    }

    #[tokio::test]
    async fn default_parameters_are_owasp() {
        let h = PasswordHasher::start(HasherConfig {
            workers: 1,
            ..HasherConfig::default()
        })
        .unwrap();
        let phc = h.hash("x").await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    }

    #[tokio::test]
    async fn reads_hashes_made_by_the_reference_encoder() {
        use argon2::PasswordHasher as _;
        let params = Params::new(256, 2, 1, None).unwrap();
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let phc = argon
            .hash_password_with_salt(b"hunter22", b"somesaltsomesalt")
            .unwrap()
            .to_string();
        assert!(phc.starts_with("$argon2id$v=19$m=256,t=2,p=1$"), "{phc}");
        let h = PasswordHasher::start(fast()).unwrap();
        assert!(h.verify("hunter22", &phc).await.unwrap());
        assert!(!h.verify("hunter23", &phc).await.unwrap());
    }

    #[tokio::test]
    async fn older_parameters_need_a_rehash() {
        let h = PasswordHasher::start(fast()).unwrap();
        let current = h.hash("pw").await.unwrap();
        assert!(!h.needs_rehash(&current));
        let older = PasswordHasher::start(HasherConfig {
            memory_kib: 32,
            ..fast()
        })
        .unwrap();
        assert!(h.needs_rehash(&older.hash("pw").await.unwrap()));
        assert!(h.needs_rehash("$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g"));
        assert!(h.needs_rehash("not a hash"));
    }

    #[test]
    fn malformed_hashes_are_refused() {
        for bad in [
            "",
            "plain",
            "$argon2id$v=19$m=64,t=1$c2FsdHNhbHQ$aGFzaGhhc2g",
            "$argon2id$v=19$m=64,t=1,p=1,x=2$c2FsdHNhbHQ$aGFzaGhhc2g",
            "$argon2id$v=20$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
            "$bcrypt$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
            "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g",
            "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g$extra",
        ] {
            assert_eq!(parse_phc(bad), Err(HashError::Malformed), "{bad}");
        }
    }

    #[tokio::test]
    async fn a_full_queue_answers_busy_with_a_retry_estimate() {
        let h = PasswordHasher::start(HasherConfig {
            memory_kib: 8 * 1024,
            iterations: 4,
            parallelism: 1,
            workers: 1,
            queue_capacity: 1,
            max_wait: std::time::Duration::ZERO,
        })
        .unwrap();
        let mut pending = Vec::new();
        let mut busy = None;
        for _ in 0..16 {
            let h2 = h.clone();
            pending.push(tokio::spawn(async move { h2.hash("pw").await }));
        }
        for p in pending {
            if let Err(HashError::Busy { retry_after_ms }) = p.await.unwrap() {
                busy = Some(retry_after_ms);
            }
        }
        let retry = busy.expect("a 1-slot queue must refuse some of 16 concurrent jobs");
        assert!(retry >= 250);
    }

    #[tokio::test]
    async fn a_long_estimated_wait_is_refused_before_queueing() {
        let h = PasswordHasher::start(HasherConfig {
            memory_kib: 8 * 1024,
            iterations: 4,
            parallelism: 1,
            workers: 1,
            queue_capacity: 1000,
            max_wait: std::time::Duration::from_millis(1),
        })
        .unwrap();
        // Learn the job time, then flood: most are refused although the queue has room.
        h.hash("warm up").await.unwrap();
        let mut pending = Vec::new();
        for _ in 0..50 {
            let h2 = h.clone();
            pending.push(tokio::spawn(async move { h2.hash("pw").await }));
        }
        let mut refused = 0;
        for p in pending {
            if matches!(p.await.unwrap(), Err(HashError::Busy { .. })) {
                refused += 1;
            }
        }
        assert!(refused > 40, "only {refused} of 50 refused");
        assert_eq!(
            h.estimated_wait(),
            std::time::Duration::ZERO,
            "nothing left pending"
        );
    }
}
