//! The risk engine: signals → score → decision, with a reason a person can read for
//! every point of the score.
//!
//! Each signal is a small pure function of a [`SignInContext`] (what this sign-in looks
//! like, next to the account's own history). [`assess`] weighs the signals that fire,
//! caps the score at 100 and applies the tenant's [`RiskPolicy`]: MFA off, always, or
//! adaptive with a step-up and a deny threshold, optionally in dry-run (decide and
//! record, but let the sign-in through). When the engine cannot assess, the decision is
//! step-up, never allow ([`Assessment::engine_failed`]).

pub mod geo;
pub mod signins;

use std::net::IpAddr;

use chrono::{DateTime, Timelike, Utc};
use serde::{Deserialize, Serialize};

pub use geo::{GeoIp, GeoPoint, MaxMindGeoIp, NetworkFlags, NoGeoIp, Place};

/// Faster than any airliner: two sign-ins further apart than this speed allows are not
/// the same person travelling.
pub const IMPOSSIBLE_KMH: f64 = 900.0;

/// A previous successful sign-in of the account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PastSignIn {
    pub at: DateTime<Utc>,
    pub place: Option<Place>,
}

/// What the engine knows about a sign-in.
#[derive(Clone, Debug, Default)]
pub struct SignInContext {
    pub now: DateTime<Utc>,
    pub ip: Option<IpAddr>,
    pub place: Option<Place>,
    pub network: NetworkFlags,
    /// The browser's device cookie has signed in to this account before.
    pub device_known: bool,
    /// The account's earlier successful sign-ins, newest first.
    pub history: Vec<PastSignIn>,
    /// Failed attempts in the recent window: on this account, and from this address.
    pub recent_failures_account: u32,
    pub recent_failures_ip: u32,
    /// The password just used is on a breached list.
    pub password_breached: bool,
}

/// One reason a sign-in looks risky.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "signal", rename_all = "snake_case")]
pub enum Signal {
    NewDevice,
    NewCountry {
        country: String,
    },
    ImpossibleTravel {
        from: String,
        to: String,
        km: f64,
        kmh: f64,
    },
    UnusualHour {
        hour: u32,
    },
    Velocity {
        account_failures: u32,
        ip_failures: u32,
    },
    AnonymousNetwork {
        flags: NetworkFlags,
    },
    BreachedPassword,
}

impl Signal {
    /// The stable name weights and dashboards use.
    pub fn kind(&self) -> SignalKind {
        match self {
            Signal::NewDevice => SignalKind::NewDevice,
            Signal::NewCountry { .. } => SignalKind::NewCountry,
            Signal::ImpossibleTravel { .. } => SignalKind::ImpossibleTravel,
            Signal::UnusualHour { .. } => SignalKind::UnusualHour,
            Signal::Velocity { .. } => SignalKind::Velocity,
            Signal::AnonymousNetwork { .. } => SignalKind::AnonymousNetwork,
            Signal::BreachedPassword => SignalKind::BreachedPassword,
        }
    }

    /// The reason in words, for the customer, the admin and the audit log.
    pub fn explain(&self) -> String {
        match self {
            Signal::NewDevice => "new device".into(),
            Signal::NewCountry { country } => format!("new country: {country}"),
            Signal::ImpossibleTravel { from, to, kmh, .. } => {
                format!("travel {from}→{to} at {} km/h", group_thousands(*kmh))
            }
            Signal::UnusualHour { hour } => format!("unusual hour: {hour:02}:00 UTC"),
            Signal::Velocity {
                account_failures,
                ip_failures,
            } => format!(
                "recent failures: {account_failures} on the account, {ip_failures} from the address"
            ),
            Signal::AnonymousNetwork { flags } => {
                format!("anonymising network: {}", flags.describe())
            }
            Signal::BreachedPassword => "password found in a data breach".into(),
        }
    }
}

fn group_thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    NewDevice,
    NewCountry,
    ImpossibleTravel,
    UnusualHour,
    Velocity,
    AnonymousNetwork,
    BreachedPassword,
}

// ---- Signals: one pure function each ------------------------------------------------

/// A browser this account has not signed in from. An account's very first sign-in has
/// nothing to compare with and does not count as new.
pub fn new_device(ctx: &SignInContext) -> Option<Signal> {
    (!ctx.device_known && !ctx.history.is_empty()).then_some(Signal::NewDevice)
}

/// A country none of the account's earlier sign-ins came from.
pub fn new_country(ctx: &SignInContext) -> Option<Signal> {
    let country = ctx.place.as_ref()?.country.clone()?;
    let known: Vec<&str> = ctx
        .history
        .iter()
        .filter_map(|p| p.place.as_ref()?.country.as_deref())
        .collect();
    (!known.is_empty() && !known.contains(&country.as_str()))
        .then_some(Signal::NewCountry { country })
}

/// The previous located sign-in is further away than [`IMPOSSIBLE_KMH`] allows.
pub fn impossible_travel(ctx: &SignInContext) -> Option<Signal> {
    let here = ctx.place.as_ref()?;
    let now_point = here.point?;
    let (past, past_place, past_point) = ctx.history.iter().find_map(|p| {
        let place = p.place.as_ref()?;
        Some((p, place, place.point?))
    })?;
    let km = past_point.km_to(now_point);
    // Within a city's accuracy, nobody travelled.
    if km < 100.0 {
        return None;
    }
    let hours = ((ctx.now - past.at).num_seconds().max(0) as f64 / 3600.0).max(1.0 / 60.0);
    let kmh = km / hours;
    (kmh > IMPOSSIBLE_KMH).then(|| Signal::ImpossibleTravel {
        from: past_place.label(),
        to: here.label(),
        km,
        kmh,
    })
}

/// An hour of the day (UTC) this account has never signed in near (±2 hours), judged
/// only once there are at least five earlier sign-ins to judge by.
pub fn unusual_hour(ctx: &SignInContext) -> Option<Signal> {
    if ctx.history.len() < 5 {
        return None;
    }
    let hour = ctx.now.hour();
    let near = |h: u32| {
        let d = hour.abs_diff(h);
        d.min(24 - d) <= 2
    };
    (!ctx.history.iter().any(|p| near(p.at.hour()))).then_some(Signal::UnusualHour { hour })
}

/// Recent failures on the account (3 or more) or from the address (10 or more).
pub fn velocity(ctx: &SignInContext) -> Option<Signal> {
    (ctx.recent_failures_account >= 3 || ctx.recent_failures_ip >= 10).then_some(Signal::Velocity {
        account_failures: ctx.recent_failures_account,
        ip_failures: ctx.recent_failures_ip,
    })
}

/// A VPN, Tor exit node, public proxy or hosting provider.
pub fn anonymous_network(ctx: &SignInContext) -> Option<Signal> {
    ctx.network
        .any()
        .then_some(Signal::AnonymousNetwork { flags: ctx.network })
}

pub fn breached_password(ctx: &SignInContext) -> Option<Signal> {
    ctx.password_breached.then_some(Signal::BreachedPassword)
}

/// Every signal, in the order reasons are listed.
pub const SIGNALS: &[fn(&SignInContext) -> Option<Signal>] = &[
    impossible_travel,
    new_country,
    new_device,
    anonymous_network,
    velocity,
    breached_password,
    unusual_hour,
];

// ---- Policy and decision --------------------------------------------------------------

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MfaMode {
    /// Never ask for a second factor.
    Off,
    /// Always ask.
    Always,
    /// Ask when the score reaches the step-up threshold.
    #[default]
    Adaptive,
}

/// Points each signal adds to the score.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Weights {
    pub new_device: u8,
    pub new_country: u8,
    pub impossible_travel: u8,
    pub unusual_hour: u8,
    pub velocity: u8,
    pub anonymous_network: u8,
    pub breached_password: u8,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            new_device: 35,
            new_country: 30,
            impossible_travel: 60,
            unusual_hour: 15,
            velocity: 25,
            anonymous_network: 40,
            breached_password: 35,
        }
    }
}

impl Weights {
    pub fn of(&self, kind: SignalKind) -> u8 {
        match kind {
            SignalKind::NewDevice => self.new_device,
            SignalKind::NewCountry => self.new_country,
            SignalKind::ImpossibleTravel => self.impossible_travel,
            SignalKind::UnusualHour => self.unusual_hour,
            SignalKind::Velocity => self.velocity,
            SignalKind::AnonymousNetwork => self.anonymous_network,
            SignalKind::BreachedPassword => self.breached_password,
        }
    }
}

/// A tenant's MFA and risk rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RiskPolicy {
    pub mode: MfaMode,
    pub weights: Weights,
    /// Adaptive: ask for a second factor from this score on.
    pub step_up_at: u8,
    /// Adaptive: refuse the sign-in from this score on.
    pub deny_at: u8,
    /// Decide and record, but let every sign-in through.
    pub dry_run: bool,
}

impl Default for RiskPolicy {
    fn default() -> Self {
        Self {
            mode: MfaMode::Adaptive,
            weights: Weights::default(),
            step_up_at: 30,
            deny_at: 90,
            dry_run: false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Allow,
    StepUp,
    Deny,
}

/// The engine's verdict on one sign-in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    pub score: u8,
    /// What the policy decided.
    pub decision: Decision,
    /// What happens: the decision, or `Allow` in dry-run.
    pub enforced: Decision,
    pub reasons: Vec<Signal>,
    /// The engine could not assess; `decision` is then step-up.
    pub engine_failed: bool,
}

impl Assessment {
    /// The verdict when the engine could not assess the sign-in: step up, never allow
    /// (not even in dry-run, and whatever the mode but `Off`).
    pub fn engine_failed(policy: &RiskPolicy) -> Self {
        let decision = match policy.mode {
            MfaMode::Off => Decision::Allow,
            _ => Decision::StepUp,
        };
        Self {
            score: 100,
            decision,
            enforced: decision,
            reasons: Vec::new(),
            engine_failed: true,
        }
    }

    /// The reasons in words, e.g. `["new device", "new country: SE"]`.
    pub fn explanations(&self) -> Vec<String> {
        if self.engine_failed {
            return vec!["risk engine unavailable".into()];
        }
        self.reasons.iter().map(Signal::explain).collect()
    }
}

/// Weighs the signals that fire and applies the policy.
pub fn assess(policy: &RiskPolicy, ctx: &SignInContext) -> Assessment {
    let reasons: Vec<Signal> = SIGNALS.iter().filter_map(|signal| signal(ctx)).collect();
    let score = reasons
        .iter()
        .map(|r| u32::from(policy.weights.of(r.kind())))
        .sum::<u32>()
        .min(100) as u8;
    let decision = match policy.mode {
        MfaMode::Off => Decision::Allow,
        MfaMode::Always => {
            if score >= policy.deny_at {
                Decision::Deny
            } else {
                Decision::StepUp
            }
        }
        MfaMode::Adaptive if score >= policy.deny_at => Decision::Deny,
        MfaMode::Adaptive if score >= policy.step_up_at => Decision::StepUp,
        MfaMode::Adaptive => Decision::Allow,
    };
    Assessment {
        score,
        decision,
        enforced: if policy.dry_run {
            Decision::Allow
        } else {
            decision
        },
        reasons,
        engine_failed: false,
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn geo() -> MaxMindGeoIp {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/geoip");
        MaxMindGeoIp::open(
            Some(&dir.join("GeoLite2-City-Test.mmdb")),
            Some(&dir.join("GeoIP2-Anonymous-IP-Test.mmdb")),
        )
        .unwrap()
    }

    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 27, hour, minute, 0).unwrap()
    }

    /// A sign-in from `ip` at `now`, located with the test databases.
    fn from(ip: &str, now: DateTime<Utc>) -> SignInContext {
        let geo = geo();
        let ip: IpAddr = ip.parse().unwrap();
        SignInContext {
            now,
            ip: Some(ip),
            place: geo.locate(ip),
            network: geo.network(ip),
            device_known: true,
            ..Default::default()
        }
    }

    fn past(ip: &str, at: DateTime<Utc>) -> PastSignIn {
        PastSignIn {
            at,
            place: geo().locate(ip.parse().unwrap()),
        }
    }

    const LONDON: &str = "81.2.69.142";
    const BOXFORD: &str = "2.125.160.216";
    const LINKOPING: &str = "89.160.20.112";
    const CHANGCHUN: &str = "175.16.199.1";
    const MILTON: &str = "216.160.83.56";

    #[test]
    fn impossible_travel_table() {
        // (previous, at, now, at, fires)
        let cases = [
            (LONDON, at(9, 0), CHANGCHUN, at(10, 0), true), // ~8,100 km in an hour
            (LONDON, at(9, 0), CHANGCHUN, at(23, 0), false), // 14 h: a long flight
            (LINKOPING, at(9, 0), MILTON, at(10, 30), true),
            (LONDON, at(9, 0), BOXFORD, at(9, 30), false), // ~90 km, same region
            (LONDON, at(9, 0), LONDON, at(9, 1), false),
            (LONDON, at(9, 0), CHANGCHUN, at(9, 0), true), // at the same instant
        ];
        for (before, then, now_ip, now, fires) in cases {
            let mut ctx = from(now_ip, now);
            ctx.history = vec![past(before, then)];
            let signal = impossible_travel(&ctx);
            assert_eq!(signal.is_some(), fires, "{before}→{now_ip}: {signal:?}");
        }
        let mut ctx = from(CHANGCHUN, at(10, 0));
        ctx.history = vec![past(LONDON, at(9, 0))];
        let explained = impossible_travel(&ctx).unwrap().explain();
        assert!(
            explained.starts_with("travel London, GB→Changchun, CN at "),
            "{explained}"
        );
        assert!(explained.ends_with(" km/h"));
        // Unknown places never fire.
        let mut ctx = from("10.1.2.3", at(10, 0));
        ctx.history = vec![past(LONDON, at(9, 59))];
        assert_eq!(impossible_travel(&ctx), None);
    }

    #[test]
    fn new_country_table() {
        let cases: [(&[&str], &str, Option<&str>); 5] = [
            (&[LONDON, BOXFORD], LINKOPING, Some("SE")),
            (&[LONDON], BOXFORD, None),
            (&[LONDON, LINKOPING], LINKOPING, None),
            (&[], LINKOPING, None),           // nothing to compare with
            (&["10.0.0.1"], LINKOPING, None), // no located history
        ];
        for (history, now_ip, expected) in cases {
            let mut ctx = from(now_ip, at(12, 0));
            ctx.history = history.iter().map(|ip| past(ip, at(8, 0))).collect();
            assert_eq!(
                new_country(&ctx),
                expected.map(|c| Signal::NewCountry { country: c.into() }),
                "{history:?} → {now_ip}"
            );
        }
        assert_eq!(
            Signal::NewCountry {
                country: "SE".into()
            }
            .explain(),
            "new country: SE"
        );
    }

    #[test]
    fn new_device_needs_a_history() {
        let mut ctx = from(LONDON, at(12, 0));
        ctx.device_known = false;
        assert_eq!(new_device(&ctx), None, "the first sign-in ever");
        ctx.history = vec![past(LONDON, at(8, 0))];
        assert_eq!(new_device(&ctx), Some(Signal::NewDevice));
        ctx.device_known = true;
        assert_eq!(new_device(&ctx), None);
    }

    #[test]
    fn unusual_hour_table() {
        let office: Vec<PastSignIn> = (0..6)
            .map(|d| PastSignIn {
                at: at(9, 0) - Duration::days(d) + Duration::hours(d % 3),
                place: None,
            })
            .collect();
        let cases = [
            (3, true),
            (9, false),
            (13, false),
            (14, true),
            (7, false),
            (23, true),
        ];
        for (hour, fires) in cases {
            let mut ctx = from(LONDON, at(hour, 15));
            ctx.history = office.clone();
            assert_eq!(unusual_hour(&ctx).is_some(), fires, "{hour}:15");
        }
        // Too little history to judge.
        let mut ctx = from(LONDON, at(3, 0));
        ctx.history = office[..4].to_vec();
        assert_eq!(unusual_hour(&ctx), None);
        // Around midnight wraps.
        let mut ctx = from(LONDON, at(1, 0));
        ctx.history = (0..5)
            .map(|d| PastSignIn {
                at: at(23, 30) - Duration::days(d + 1),
                place: None,
            })
            .collect();
        assert_eq!(unusual_hour(&ctx), None);
    }

    #[test]
    fn velocity_and_network_and_breach() {
        let mut ctx = from(LINKOPING, at(12, 0));
        assert_eq!(velocity(&ctx), None);
        ctx.recent_failures_account = 3;
        assert!(velocity(&ctx).is_some());
        ctx.recent_failures_account = 0;
        ctx.recent_failures_ip = 10;
        assert!(velocity(&ctx).is_some());

        assert_eq!(anonymous_network(&ctx), None);
        let flagged = from(LONDON, at(12, 0));
        let signal = anonymous_network(&flagged).unwrap();
        assert_eq!(
            signal.explain(),
            "anonymising network: Tor exit node, VPN, public proxy, hosting provider"
        );
        assert!(anonymous_network(&from("1.124.213.1", at(12, 0))).is_some());

        ctx.password_breached = true;
        assert_eq!(breached_password(&ctx), Some(Signal::BreachedPassword));
    }

    #[test]
    fn scoring_and_decisions() {
        let adaptive = RiskPolicy::default();
        // A known device at home: nothing fires.
        let mut home = from(LINKOPING, at(12, 0));
        home.history = vec![past(LINKOPING, at(8, 0))];
        let a = assess(&adaptive, &home);
        assert_eq!(
            (a.score, a.decision, a.enforced),
            (0, Decision::Allow, Decision::Allow)
        );
        assert!(a.explanations().is_empty());

        // A new device: step up, with the reason.
        let mut new = home.clone();
        new.device_known = false;
        let a = assess(&adaptive, &new);
        assert_eq!((a.score, a.decision), (35, Decision::StepUp));
        assert_eq!(a.explanations(), vec!["new device"]);

        // London then Changchun an hour later on a new device over a flagged network:
        // capped at 100, denied.
        let mut attack = from(CHANGCHUN, at(10, 0));
        attack.device_known = false;
        attack.network = NetworkFlags {
            tor: true,
            ..Default::default()
        };
        attack.history = vec![past(LONDON, at(9, 0))];
        let a = assess(&adaptive, &attack);
        assert_eq!(a.score, 100);
        assert_eq!(a.decision, Decision::Deny);
        let reasons = a.explanations();
        assert!(
            reasons[0].starts_with("travel London, GB→Changchun, CN"),
            "{reasons:?}"
        );
        assert!(reasons.contains(&"new country: CN".to_string()));
        assert!(reasons.contains(&"new device".to_string()));

        // Modes.
        let off = RiskPolicy {
            mode: MfaMode::Off,
            ..Default::default()
        };
        assert_eq!(assess(&off, &attack).decision, Decision::Allow);
        let always = RiskPolicy {
            mode: MfaMode::Always,
            ..Default::default()
        };
        assert_eq!(assess(&always, &home).decision, Decision::StepUp);
        // Dry run decides and records, and lets the sign-in through.
        let dry = RiskPolicy {
            dry_run: true,
            ..Default::default()
        };
        let a = assess(&dry, &attack);
        assert_eq!((a.decision, a.enforced), (Decision::Deny, Decision::Allow));
        // Weights and thresholds are the tenant's.
        let lenient = RiskPolicy {
            weights: Weights {
                new_device: 10,
                ..Default::default()
            },
            ..Default::default()
        };
        assert_eq!(assess(&lenient, &new).decision, Decision::Allow);
    }

    #[test]
    fn an_engine_failure_steps_up() {
        for mode in [MfaMode::Adaptive, MfaMode::Always] {
            let policy = RiskPolicy {
                mode,
                dry_run: true,
                ..Default::default()
            };
            let a = Assessment::engine_failed(&policy);
            assert_eq!(
                (a.decision, a.enforced),
                (Decision::StepUp, Decision::StepUp)
            );
            assert_eq!(a.explanations(), vec!["risk engine unavailable"]);
        }
    }

    #[test]
    fn assessments_round_trip_as_json() {
        let mut ctx = from(CHANGCHUN, at(10, 0));
        ctx.history = vec![past(LONDON, at(9, 0))];
        let a = assess(&RiskPolicy::default(), &ctx);
        let json = serde_json::to_string(&a).unwrap();
        assert!(json.contains("\"signal\":\"impossible_travel\""), "{json}");
        let back: Assessment = serde_json::from_str(&json).unwrap();
        assert_eq!(back, a);
    }
}
