//! The risk engine at sign-in: builds the context from the request and the account's
//! history, assesses it with the tenant's policy, and records the event and the device.

use std::net::IpAddr;

use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::{Assessment, Decision, GeoPoint, PastSignIn, Place, SignInContext, assess};
use crate::audit::ClientInfo;
use crate::flows::BrowserBinding;
use crate::flows::login::AuthMethod;
use crate::secrets::sha256_hex;
use crate::store::signins::LoginEventRow;
use crate::store::{self, StoreError};
use crate::tenants::Tenant;
use crate::{Engine, UserId};

/// How many earlier sign-ins the engine compares with.
const HISTORY: u64 = 20;

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
    pub reasons: Vec<String>,
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

    /// Assesses a sign-in whose first factor was proven and records it (event and
    /// device) in `db`. A failure to gather the context gives the engine-failure
    /// verdict (step up), never an allow.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn assess_sign_in(
        &self,
        db: &impl ConnectionTrait,
        tenant: &Tenant,
        browser: &BrowserBinding,
        client: &ClientInfo,
        user: UserId,
        methods: &[AuthMethod],
        password_breached: bool,
    ) -> Result<Assessment, StoreError> {
        let policy = &tenant.policy.risk;
        let now = self.now();
        let ip: Option<IpAddr> = client.ip.as_deref().and_then(|s| s.parse().ok());
        let geo = self.geoip();
        let place = ip.and_then(|ip| geo.locate(ip));
        let device = Self::device_hash(browser, user);
        let gathered = async {
            let device_known = store::signins::device_known(db, user, &device).await?;
            let history = store::signins::recent_events(db, tenant.id, user, HISTORY).await?;
            let (account_failures, ip_failures) = store::signins::recent_failures(
                db,
                tenant.id,
                user,
                client.ip.as_deref(),
                now - chrono::Duration::minutes(15),
            )
            .await?;
            Ok::<_, StoreError>((device_known, history, account_failures, ip_failures))
        }
        .await;
        let (assessment, device_known) = match gathered {
            Ok((device_known, history, account_failures, ip_failures)) => {
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
                (assess(policy, &ctx), device_known)
            }
            Err(e) => {
                tracing::error!(error = %e, "risk context unavailable; stepping up");
                (Assessment::engine_failed(policy), false)
            }
        };
        let reasons = serde_json::to_string(&assessment.reasons).unwrap_or_else(|_| "[]".into());
        store::signins::insert_event(
            db,
            LoginEventRow {
                id: Uuid::now_v7(),
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
            },
        )
        .await?;
        store::signins::touch_device(
            db,
            tenant.id,
            user,
            &device,
            client.user_agent.as_deref(),
            now,
        )
        .await?;
        Ok(assessment)
    }

    /// The account's recent sign-ins with the engine's verdicts, newest first.
    pub async fn recent_sign_ins(
        &self,
        tenant: &Tenant,
        user: UserId,
        limit: u64,
    ) -> Result<Vec<SignInRecord>, StoreError> {
        Ok(
            store::signins::recent_events(self.db().conn(), tenant.id, user, limit)
                .await?
                .iter()
                .map(|row| SignInRecord {
                    at: row.at,
                    place: place_of(row),
                    ip: row.ip.clone(),
                    user_agent: row.user_agent.clone(),
                    methods: row.methods.clone(),
                    score: row.score.clamp(0, 100) as u8,
                    decision: parse_decision(&row.decision),
                    enforced: parse_decision(&row.enforced),
                    reasons: serde_json::from_str::<Vec<super::Signal>>(&row.reasons)
                        .map(|signals| signals.iter().map(super::Signal::explain).collect())
                        .unwrap_or_default(),
                })
                .collect(),
        )
    }
}
