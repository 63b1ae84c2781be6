//! The risk engine at sign-in: builds the context from the request and the account's
//! history, assesses it with the tenant's policy, and records the event and the device.

use std::net::IpAddr;

use sea_orm::{ConnectionTrait, TransactionTrait};
use uuid::Uuid;

use super::{Assessment, Decision, GeoPoint, PastSignIn, Place, SignInContext, assess};
use crate::audit::ClientInfo;
use crate::flows::BrowserBinding;
use crate::flows::login::AuthMethod;
use crate::mail::SignInReason;
use crate::secrets::sha256_hex;
use crate::store::signins::LoginEventRow;
use crate::store::{self, StoreError};
use crate::tenants::Tenant;
use crate::{Engine, UserId};

/// How many earlier sign-ins the engine compares with.
const HISTORY: u64 = 20;

/// How long a "this wasn't me" link in a new-sign-in mail works.
pub const REPORT_LINK_DAYS: i64 = 7;

pub const PURPOSE_REPORT_SIGN_IN: &str = "report_sign_in";

/// What became of a sign-in the engine assessed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInOutcome {
    /// Signed in.
    Succeeded,
    /// Waiting for a second factor (and, if abandoned, never more).
    Pending,
    /// Refused by the risk policy.
    Denied,
    /// The owner said it wasn't them.
    Reported,
}

impl SignInOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            SignInOutcome::Succeeded => "succeeded",
            SignInOutcome::Pending => "pending",
            SignInOutcome::Denied => "denied",
            SignInOutcome::Reported => "reported",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "pending" => SignInOutcome::Pending,
            "denied" => SignInOutcome::Denied,
            "reported" => SignInOutcome::Reported,
            _ => SignInOutcome::Succeeded,
        }
    }
}

/// The engine's verdict on a sign-in, as recorded.
#[derive(Clone, Debug)]
pub(crate) struct Assessed {
    /// The recorded event (`login_events`).
    pub event: Uuid,
    pub outcome: SignInOutcome,
}

/// A sign-in as the customer's security centre shows it.
#[derive(Clone, Debug)]
pub struct SignInRecord {
    pub at: chrono::DateTime<chrono::Utc>,
    pub place: Option<Place>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub methods: String,
    pub score: u8,
    pub decision: Decision,
    pub enforced: Decision,
    /// The reasons in English words (for logs and admins).
    pub reasons: Vec<String>,
    /// The reasons as signals, for pages that put them in the customer's language.
    pub signals: Vec<super::Signal>,
    pub outcome: SignInOutcome,
}

fn decision_str(d: Decision) -> &'static str {
    match d {
        Decision::Allow => "allow",
        Decision::StepUp => "step_up",
        Decision::Deny => "deny",
    }
}

fn parse_decision(s: &str) -> Decision {
    match s {
        "allow" => Decision::Allow,
        "deny" => Decision::Deny,
        _ => Decision::StepUp,
    }
}

fn place_of(row: &LoginEventRow) -> Option<Place> {
    let point = match (row.latitude, row.longitude) {
        (Some(lat), Some(lon)) => Some(GeoPoint { lat, lon }),
        _ => None,
    };
    (row.country.is_some() || point.is_some()).then(|| Place {
        country: row.country.clone(),
        city: row.city.clone(),
        point,
    })
}

impl Engine {
    /// This device's key for an account: the browser binding (the hash of its
    /// long-lived cookie), hashed again with the account so it links nothing across
    /// accounts.
    fn device_hash(browser: &BrowserBinding, user: UserId) -> String {
        sha256_hex(format!("{}:{}", browser.as_str(), user.0).as_bytes())
    }

    /// Assesses a sign-in whose first factor was proven and records it in `db`, with
    /// its outcome: denied, pending (a second factor is needed: `methods` alone are one
    /// kind of factor), or succeeded — then the device is remembered and a new device
    /// or country is mailed to the owner. With `enforce` off (a sign-up) the verdict is
    /// recorded but the sign-in succeeds. A failure to gather the context gives the
    /// engine-failure verdict (step up), never an allow.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn assess_sign_in(
        &self,
        db: &sea_orm::DatabaseTransaction,
        tenant: &Tenant,
        browser: &BrowserBinding,
        client: &ClientInfo,
        user: UserId,
        methods: &[AuthMethod],
        password_breached: bool,
        enforce: bool,
        force_step_up: bool,
    ) -> Result<Assessed, StoreError> {
        let policy = &tenant.policy.risk;
        let now = self.now();
        let ip: Option<IpAddr> = client.ip.as_deref().and_then(|s| s.parse().ok());
        let geo = self.geoip();
        let place = ip.and_then(|ip| geo.locate(ip));
        let device = Self::device_hash(browser, user);
        // Read in a savepoint: if it fails, rolling it back leaves the caller's
        // transaction usable (PostgreSQL aborts a transaction on any error).
        let savepoint = db.begin().await?;
        let gathered = async {
            let db = &savepoint;
            let device_known = store::signins::device_known(db, user, &device).await?;
            let history = store::signins::recent_events(db, tenant.id, user, HISTORY, true).await?;
            let (account_failures, ip_failures) = store::signins::recent_failures(
                db,
                tenant.id,
                user,
                client.ip.as_deref(),
                now - chrono::Duration::minutes(15),
            )
            .await?;
            let privileged = !store::accounts::roles(db, tenant.id, user)
                .await?
                .is_empty();
            Ok::<_, StoreError>((
                device_known,
                history,
                account_failures,
                ip_failures,
                privileged,
            ))
        }
        .await;
        match &gathered {
            Ok(_) => savepoint.commit().await?,
            Err(_) => savepoint.rollback().await?,
        }
        let (mut assessment, device_known, privileged) = match gathered {
            Ok((device_known, history, account_failures, ip_failures, privileged)) => {
                let ctx = SignInContext {
                    now,
                    ip,
                    place: place.clone(),
                    network: ip.map(|ip| geo.network(ip)).unwrap_or_default(),
                    device_known,
                    history: history
                        .iter()
                        .map(|row| PastSignIn {
                            at: row.at,
                            place: place_of(row),
                        })
                        .collect(),
                    recent_failures_account: account_failures,
                    recent_failures_ip: ip_failures,
                    password_breached,
                };
                (assess(policy, &ctx), device_known, privileged)
            }
            Err(e) => {
                tracing::error!(error = %e, "risk context unavailable; stepping up");
                (Assessment::engine_failed(policy), false, false)
            }
        };
        // Console roles (admin, brand manager) always sign in with two factors,
        // whatever the score and even in dry-run.
        if privileged && assessment.enforced == Decision::Allow {
            assessment.decision = Decision::StepUp;
            assessment.enforced = Decision::StepUp;
        }
        let outcome = match assessment.enforced {
            _ if !enforce => SignInOutcome::Succeeded,
            Decision::Deny => SignInOutcome::Denied,
            // "Confirm it's you" asks for the second factor an account has, whatever
            // the score.
            _ if force_step_up && AuthMethod::aal(methods) < 2 => SignInOutcome::Pending,
            Decision::StepUp if AuthMethod::aal(methods) < 2 => SignInOutcome::Pending,
            _ => SignInOutcome::Succeeded,
        };
        let reasons = serde_json::to_string(&assessment.reasons).unwrap_or_else(|_| "[]".into());
        let event = Uuid::now_v7();
        store::signins::insert_event(
            db,
            LoginEventRow {
                id: event,
                tenant_id: tenant.id.0,
                user_id: user.0,
                at: now,
                ip: client.ip.clone(),
                user_agent: client
                    .user_agent
                    .as_ref()
                    .map(|ua| ua.chars().take(512).collect()),
                country: place.as_ref().and_then(|p| p.country.clone()),
                city: place
                    .as_ref()
                    .and_then(|p| p.city.as_ref().map(|c| c.chars().take(128).collect())),
                latitude: place.as_ref().and_then(|p| p.point.map(|pt| pt.lat)),
                longitude: place.as_ref().and_then(|p| p.point.map(|pt| pt.lon)),
                device_known,
                methods: methods
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                score: i16::from(assessment.score),
                decision: decision_str(assessment.decision).into(),
                enforced: decision_str(assessment.enforced).into(),
                reasons,
                outcome: outcome.as_str().into(),
            },
        )
        .await?;
        if outcome == SignInOutcome::Succeeded {
            self.sign_in_succeeded_in(db, tenant, browser, client, user, event, None)
                .await?;
        }
        Ok(Assessed { event, outcome })
    }

    /// A recorded sign-in completed (at once, or after its second factor with the
    /// `methods` now proven): the event says so, the device is remembered, and a sign-in
    /// from a new device or country is mailed to the owner with a link to report it.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn sign_in_succeeded_in(
        &self,
        db: &impl ConnectionTrait,
        tenant: &Tenant,
        browser: &BrowserBinding,
        client: &ClientInfo,
        user: UserId,
        event: Uuid,
        methods: Option<&[AuthMethod]>,
    ) -> Result<(), StoreError> {
        let now = self.now();
        let methods = methods.map(|m| m.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(","));
        store::signins::set_outcome(db, event, SignInOutcome::Succeeded.as_str(), methods).await?;
        store::signins::touch_device(
            db,
            tenant.id,
            user,
            &Self::device_hash(browser, user),
            client.user_agent.as_deref(),
            now,
        )
        .await?;
        let Some(row) = store::signins::find_event(db, tenant.id, event).await? else {
            return Ok(());
        };
        let signals: Vec<super::Signal> = serde_json::from_str(&row.reasons).unwrap_or_default();
        let noteworthy: Vec<SignInReason> = signals
            .iter()
            .filter_map(|s| match s {
                super::Signal::NewDevice => Some(SignInReason::NewDevice),
                super::Signal::NewCountry { country } => {
                    Some(SignInReason::NewCountry(country.clone()))
                }
                super::Signal::ImpossibleTravel { from, to, kmh, .. } => {
                    Some(SignInReason::Travel {
                        from: from.clone(),
                        to: to.clone(),
                        kmh: kmh.max(0.0).round() as u64,
                    })
                }
                _ => None,
            })
            .collect();
        if noteworthy.is_empty() {
            return Ok(());
        }
        let Some(owner) = store::accounts::find_candidate_by_id(db, tenant.id, user).await? else {
            return Ok(());
        };
        let token = crate::secrets::random_token();
        store::codes::insert(
            db,
            Uuid::now_v7(),
            tenant.id,
            user,
            PURPOSE_REPORT_SIGN_IN,
            &sha256_hex(token.as_bytes()),
            None,
            &owner.email,
            now + chrono::Duration::days(REPORT_LINK_DAYS),
            now,
            Some(event),
        )
        .await?;
        let (browser, system) = crate::user_agent::browser_and_system(row.user_agent.as_deref());
        let kind = crate::mail::MailKind::NewSignIn {
            name: owner.display_name,
            at: now,
            place: place_of(&row)
                .filter(|p| p.city.is_some() || p.country.is_some())
                .map(|p| p.label()),
            browser: browser.map(str::to_string),
            system: system.map(str::to_string),
            reasons: noteworthy,
            report_link: crate::mail::link(tenant, &format!("/security/report?token={token}")),
            security_link: crate::mail::link(tenant, "/account/security"),
        };
        self.queue_mail(db, tenant, &owner.email, &kind).await
    }

    /// The account's recent sign-ins with the engine's verdicts, newest first.
    pub async fn recent_sign_ins(
        &self,
        tenant: &Tenant,
        user: UserId,
        limit: u64,
    ) -> Result<Vec<SignInRecord>, StoreError> {
        Ok(
            store::signins::recent_events(self.db().conn(), tenant.id, user, limit, false)
                .await?
                .iter()
                .map(|row| {
                    let signals: Vec<super::Signal> =
                        serde_json::from_str(&row.reasons).unwrap_or_default();
                    SignInRecord {
                        at: row.at,
                        place: place_of(row),
                        ip: row.ip.clone(),
                        user_agent: row.user_agent.clone(),
                        methods: row.methods.clone(),
                        score: row.score.clamp(0, 100) as u8,
                        decision: parse_decision(&row.decision),
                        enforced: parse_decision(&row.enforced),
                        reasons: signals.iter().map(super::Signal::explain).collect(),
                        signals,
                        outcome: SignInOutcome::parse(&row.outcome),
                    }
                })
                .collect(),
        )
    }
}
