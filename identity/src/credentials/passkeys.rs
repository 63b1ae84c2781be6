//! Passkeys: WebAuthn credentials through `webauthn-rs`, which does the cryptography.
//! This module adds what a relying party must add around it:
//!
//! - The relying party follows the tenant's configuration: its RP id is the host the
//!   tenant is configured to answer on (its base URL's, or one of its listed hosts), never
//!   a name a request merely claims; an IP address has no RP id, so passkeys are off there.
//! - Ceremony state lives on the server ([`store::passkeys`]), bound to the browser and
//!   to the flow or account that started it, expires after [`CEREMONY_LIFETIME`], and is
//!   deleted by the first answer: a challenge can be answered once.
//! - After every use the counter and backup flags are saved; a counter that goes
//!   backwards is refused and audited.
//! - Credential ids are unique across all accounts (a unique index).
//! - A failed passkey sign-in says the same thing whatever the reason, so nobody learns
//!   whether an account exists or has passkeys.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use webauthn_rs::prelude::{
    CreationChallengeResponse, DiscoverableAuthentication, Passkey, PasskeyAuthentication,
    PasskeyRegistration, PublicKeyCredential, RegisterPublicKeyCredential, Url, Webauthn,
    WebauthnBuilder, WebauthnError,
};

use crate::accounts::{DisplayName, Email};
use crate::audit::{AuditEvent, ClientInfo};
use crate::flows::login::{AuthMethod, FlowError, FlowOutcome};
use crate::flows::{
    BrowserBinding, Flow, FlowEvent, FlowKind, FlowState, Message, messages, transition,
};
use crate::secrets::constant_time_eq;
use crate::store::passkeys::{CeremonyRow, CredentialRow};
use crate::store::{self, StoreError};
use crate::tenants::Tenant;
use crate::{Engine, FlowId, TenantId, UserId};

/// How long a ceremony may take, from the options to the answer.
pub const CEREMONY_LIFETIME: Duration = Duration::minutes(5);

/// How recent a sign-in must be to delete a passkey.
pub const RECENT_SIGN_IN: Duration = Duration::minutes(15);

/// The longest passkey name, in characters.
pub const NAME_MAX_CHARS: usize = 64;

/// Relying parties by (tenant, host), built once.
#[derive(Default)]
pub(crate) struct RelyingParties {
    built: Mutex<HashMap<(TenantId, String), Arc<Webauthn>>>,
}

/// What the server keeps of a ceremony between its two halves.
#[derive(Serialize, Deserialize)]
enum CeremonyState {
    /// Creating an account with a passkey: the account's id, address and name wait here.
    Register {
        reg: PasskeyRegistration,
        user_id: UserId,
        email: String,
        display_name: String,
    },
    /// Signing in with a discoverable passkey.
    Login { auth: DiscoverableAuthentication },
    /// A signed-in customer adding a passkey.
    Enrol { reg: PasskeyRegistration },
    /// A passkey as the second factor after a password.
    SecondFactor { auth: PasskeyAuthentication },
}

impl CeremonyState {
    fn purpose(&self) -> &'static str {
        match self {
            CeremonyState::Register { .. } => "register",
            CeremonyState::Login { .. } => "login",
            CeremonyState::Enrol { .. } => "enrol",
            CeremonyState::SecondFactor { .. } => "second_factor",
        }
    }
}

/// The first half of a ceremony: what the browser passes to `navigator.credentials`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CeremonyStart {
    /// Names the server-side state; the answer must bring it back.
    pub ceremony: String,
    /// `{"publicKey": {...}}` with binary fields in base64url.
    pub options: serde_json::Value,
}

/// What starting a flow's ceremony led to.
#[derive(Clone, Debug)]
pub enum PasskeyStart {
    Options(CeremonyStart),
    /// Show this flow: it explains what to fix, or replaces one that cannot continue.
    ShowFlow(FlowId),
}

/// A passkey as its owner sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeySummary {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// Synced between devices (a backed-up passkey).
    pub synced: bool,
}

/// Why a passkey management step was refused; each says what to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PasskeyProblem {
    #[error("Passkeys need this site to be opened by its domain name.")]
    Unavailable,
    #[error("That request took too long. Please try again.")]
    Expired,
    #[error("Your passkey couldn't be added. Please try again.")]
    Rejected,
    #[error("This passkey is already registered.")]
    AlreadyRegistered,
    #[error("Give the passkey a name of 1 to 64 characters.")]
    NameInvalid,
    #[error("That passkey no longer exists.")]
    NotFound,
    #[error("This is your only way to sign in. Add a password or another passkey first.")]
    LastMethod,
    #[error("For your security, sign in again before removing a passkey.")]
    ReauthRequired,
}

#[derive(Debug, thiserror::Error)]
pub enum PasskeyError {
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<PasskeyError> for FlowError {
    fn from(err: PasskeyError) -> Self {
        match err {
            PasskeyError::Store(e) => FlowError::Store(e),
        }
    }
}

/// A credential id as stored and looked up: base64url without padding.
pub fn encode_credential_id(raw: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(raw)
}

/// Checks a passkey name: trimmed, 1 to 64 characters, no control characters.
pub fn parse_name(input: &str) -> Result<String, PasskeyProblem> {
    let name = input.trim();
    let count = name.chars().count();
    if count == 0 || count > NAME_MAX_CHARS || name.chars().any(char::is_control) {
        return Err(PasskeyProblem::NameInvalid);
    }
    Ok(name.to_string())
}

/// A name for a new passkey: the authenticator's maker when its AAGUID is well known,
/// else the browser and system it was made on.
pub fn default_name(aaguid: Option<Uuid>, user_agent: Option<&str>) -> String {
    if let Some(name) = aaguid.and_then(known_authenticator) {
        return name.to_string();
    }
    let (browser, system) = crate::user_agent::browser_and_system(user_agent);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b} on {s}"),
        (Some(b), None) => format!("Passkey in {b}"),
        (None, Some(s)) => format!("Passkey on {s}"),
        (None, None) => "Passkey".to_string(),
    }
}

/// Authenticators whose AAGUID names their maker (the passkey providers most customers use).
fn known_authenticator(aaguid: Uuid) -> Option<&'static str> {
    const KNOWN: &[(&str, &str)] = &[
        (
            "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4",
            "Google Password Manager",
        ),
        ("adce0002-35bc-c60a-648b-0b25f1f05503", "Chrome on Mac"),
        ("fbfc3007-154e-4ecc-8c0b-6e020557d7bd", "iCloud Keychain"),
        ("dd4ec289-e01d-41c9-bb89-70fa845d4bf2", "iCloud Keychain"),
        ("08987058-cadc-4b81-b6e1-30de50dcbe96", "Windows Hello"),
        ("9ddd1817-af5a-4672-a2b9-3e3dd95000a9", "Windows Hello"),
        ("6028b017-b1d4-4c02-b4b3-afcdafc96bb2", "Windows Hello"),
        ("bada5566-a7aa-401f-bd96-45619a55120d", "1Password"),
        ("d548826e-79b4-db40-a3d8-11116f7e8349", "Bitwarden"),
        ("531126d6-e717-415c-9320-3d9aa6981239", "Dashlane"),
        ("53414d53-554e-4700-0000-000000000000", "Samsung Pass"),
        ("fdb141b2-5d84-443e-8a35-4698c205a502", "KeePassXC"),
    ];
    let text = aaguid.to_string();
    KNOWN.iter().find(|(id, _)| *id == text).map(|(_, n)| *n)
}

/// What a registration's authenticator data says beyond the key: the AAGUID (bytes
/// 37..53) and the backup-eligible and backed-up flags (byte 32, bits 3 and 4).
struct Registered {
    aaguid: Option<Uuid>,
    backup_eligible: bool,
    backup_state: bool,
}

fn registered(reg: &RegisterPublicKeyCredential) -> Registered {
    let auth_data = auth_data_of(reg);
    let flags = auth_data
        .as_ref()
        .and_then(|d| d.get(32).copied())
        .unwrap_or(0);
    let aaguid = auth_data
        .as_ref()
        .and_then(|d| d.get(37..53))
        .and_then(|b| <[u8; 16]>::try_from(b).ok())
        .map(Uuid::from_bytes)
        .filter(|id| !id.is_nil());
    Registered {
        aaguid,
        backup_eligible: flags & 0x08 != 0,
        backup_state: flags & 0x10 != 0,
    }
}

fn auth_data_of(reg: &RegisterPublicKeyCredential) -> Option<Vec<u8>> {
    let value: serde_cbor_2::Value =
        serde_cbor_2::from_slice(&reg.response.attestation_object).ok()?;
    let serde_cbor_2::Value::Map(map) = value else {
        return None;
    };
    let auth_data = map.iter().find_map(|(k, v)| match (k, v) {
        (serde_cbor_2::Value::Text(k), serde_cbor_2::Value::Bytes(b)) if k == "authData" => Some(b),
        _ => None,
    })?;
    Some(auth_data.clone())
}

/// Ask for a discoverable credential (so the passkey can sign in without an email).
fn require_resident_key(ccr: &mut CreationChallengeResponse) {
    if let Some(selection) = ccr.public_key.authenticator_selection.as_mut() {
        selection.resident_key = Some(webauthn_rs_proto::ResidentKeyRequirement::Required);
        selection.require_resident_key = true;
    }
}

fn to_json<T: Serialize>(value: &T, what: &'static str) -> Result<serde_json::Value, StoreError> {
    serde_json::to_value(value).map_err(|_| StoreError::Corrupt { what })
}

/// A stored passkey and what webauthn-rs needs of it.
struct StoredPasskey {
    row: CredentialRow,
    passkey: Passkey,
}

impl StoredPasskey {
    fn load(row: CredentialRow) -> Result<Self, StoreError> {
        let passkey = serde_json::from_str(&row.passkey)
            .map_err(|_| StoreError::Corrupt { what: "passkey" })?;
        Ok(Self { row, passkey })
    }
}

/// A passkey sign-in that did not prove anyone: what the customer sees, and why (for
/// the audit log).
struct LoginFailure {
    message: &'static str,
    reason: &'static str,
    subject: Option<UserId>,
}

/// Why an assertion was not accepted (for the audit log; the customer sees one message).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AssertionFailure {
    Malformed,
    UnknownCredential,
    WrongUser,
    CounterRegressed,
    Invalid,
}

impl AssertionFailure {
    fn as_str(self) -> &'static str {
        match self {
            AssertionFailure::Malformed => "malformed",
            AssertionFailure::UnknownCredential => "unknown_credential",
            AssertionFailure::WrongUser => "wrong_user",
            AssertionFailure::CounterRegressed => "counter_regressed",
            AssertionFailure::Invalid => "invalid_assertion",
        }
    }
}

impl Engine {
    /// The relying party for `host` on `tenant`: that host when the tenant is configured
    /// for it (base URL or listed hosts), else the base URL's. `None` when the host is
    /// an IP address, which cannot be an RP id.
    pub async fn relying_party(
        &self,
        tenant: &Tenant,
        host: &str,
    ) -> Result<Option<(String, Arc<Webauthn>)>, StoreError> {
        let Ok(base) = Url::parse(&tenant.base_url) else {
            return Ok(None);
        };
        let base_host = match (base.host_str(), base.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            (None, _) => return Ok(None),
        };
        let host = host.trim().to_ascii_lowercase();
        let cache_key = (tenant.id, host.clone());
        if let Some(rp) = self.relying_parties().get(&cache_key) {
            return Ok(Some((host, rp)));
        }
        let configured = host == base_host
            || store::tenants::find_by_host(self.db().conn(), &host)
                .await?
                .is_some_and(|t| t.id == tenant.id);
        let host = if configured { host } else { base_host };
        let Ok(origin) = Url::parse(&format!("{}://{}", base.scheme(), host)) else {
            return Ok(None);
        };
        let Some(rp_id) = origin.domain().map(str::to_string) else {
            return Ok(None);
        };
        let built = WebauthnBuilder::new(&rp_id, &origin)
            .and_then(|b| {
                b.rp_name(&tenant.display_name)
                    .timeout(CEREMONY_LIFETIME.to_std().unwrap_or_default())
                    .build()
            })
            .ok();
        let Some(rp) = built.map(Arc::new) else {
            return Ok(None);
        };
        if configured {
            self.relying_parties().put(cache_key, rp.clone());
        }
        Ok(Some((host, rp)))
    }

    /// Stores a ceremony's server half and returns what the browser gets: its id and
    /// the options for `navigator.credentials`.
    #[allow(clippy::too_many_arguments)]
    async fn save_ceremony(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        flow: Option<FlowId>,
        user: Option<UserId>,
        rp_host: &str,
        state: &CeremonyState,
        options: &impl Serialize,
    ) -> Result<CeremonyStart, StoreError> {
        let now = self.now();
        let id = Uuid::now_v7();
        let state_json = serde_json::to_string(state).map_err(|_| StoreError::Corrupt {
            what: "ceremony state",
        })?;
        store::passkeys::insert_ceremony(
            self.db().conn(),
            CeremonyRow {
                id,
                tenant_id: tenant.id.0,
                purpose: state.purpose().to_string(),
                flow_id: flow.map(|f| f.0),
                user_id: user.map(|u| u.0),
                browser_binding: browser.as_str().to_string(),
                rp_host: rp_host.to_string(),
                state: state_json,
                expires_at: now + CEREMONY_LIFETIME,
                created_at: now,
            },
        )
        .await?;
        Ok(CeremonyStart {
            ceremony: id.to_string(),
            options: to_json(options, "passkey options")?,
        })
    }

    /// Takes a ceremony for its answer. `None` unless it exists, is unexpired, and was
    /// started by this browser for this flow or account; it is gone afterwards either way
    /// (once `db`, when a transaction, commits).
    async fn take_ceremony(
        &self,
        db: &impl ConnectionTrait,
        tenant: &Tenant,
        raw_id: &str,
        browser: &BrowserBinding,
        flow: Option<FlowId>,
        user: Option<UserId>,
    ) -> Result<Option<(String, CeremonyState)>, StoreError> {
        let Ok(id) = raw_id.parse::<Uuid>() else {
            return Ok(None);
        };
        // Read and delete in the caller's transaction (or connection); only the caller
        // whose delete removed the row may use it. Never a second pool connection while
        // a transaction is open: under load every connection can be held by a
        // transaction waiting for the write lock, and the holder would wait for a
        // connection that never comes (the pool and the lock deadlock until timeouts).
        let Some(row) = store::passkeys::find_ceremony(db, tenant.id, id).await? else {
            return Ok(None);
        };
        if !store::passkeys::delete_ceremony(db, id).await? {
            return Ok(None);
        }
        let bound = constant_time_eq(row.browser_binding.as_bytes(), browser.as_str().as_bytes())
            && row.flow_id == flow.map(|f| f.0)
            && row.user_id == user.map(|u| u.0)
            && row.expires_at > self.now();
        if !bound {
            return Ok(None);
        }
        let state = serde_json::from_str(&row.state).map_err(|_| StoreError::Corrupt {
            what: "ceremony state",
        })?;
        Ok(Some((row.rp_host, state)))
    }

    async fn relying_party_for(
        &self,
        tenant: &Tenant,
        rp_host: &str,
    ) -> Result<Option<Arc<Webauthn>>, StoreError> {
        Ok(self
            .relying_party(tenant, rp_host)
            .await?
            .filter(|(host, _)| host == rp_host)
            .map(|(_, rp)| rp))
    }

    /// Checks an assertion against the stored credential it names, and records the use
    /// (counter, backup flags, last use). `expected_user`, when given, must own it.
    #[allow(clippy::too_many_arguments)]
    async fn verify_assertion(
        &self,
        db: &impl ConnectionTrait,
        tenant: &Tenant,
        client: &ClientInfo,
        rp: &Webauthn,
        credential: &PublicKeyCredential,
        expected_user: Option<UserId>,
        check: impl FnOnce(
            &Webauthn,
            &Passkey,
        ) -> Result<webauthn_rs::prelude::AuthenticationResult, WebauthnError>,
    ) -> Result<Result<UserId, (AssertionFailure, Option<UserId>)>, StoreError> {
        let id = encode_credential_id(credential.get_credential_id());
        let Some(row) = store::passkeys::find_by_credential_id(db, tenant.id, &id).await? else {
            return Ok(Err((AssertionFailure::UnknownCredential, None)));
        };
        let owner = UserId(row.user_id);
        if expected_user.is_some_and(|u| u != owner) {
            return Ok(Err((AssertionFailure::WrongUser, Some(owner))));
        }
        let mut stored = StoredPasskey::load(row)?;
        let result = match check(rp, &stored.passkey) {
            Ok(result) => result,
            Err(WebauthnError::CredentialPossibleCompromise) => {
                self.audit_counter_regression(db, tenant, client, owner, &stored.row)
                    .await?;
                return Ok(Err((AssertionFailure::CounterRegressed, Some(owner))));
            }
            Err(e) => {
                tracing::debug!(error = ?e, "passkey assertion refused");
                return Ok(Err((AssertionFailure::Invalid, Some(owner))));
            }
        };
        let previous = stored.row.sign_count;
        stored.passkey.update_credential(&result);
        stored.row.passkey = serde_json::to_string(&stored.passkey)
            .map_err(|_| StoreError::Corrupt { what: "passkey" })?;
        stored.row.sign_count = i64::from(result.counter());
        stored.row.backup_eligible = result.backup_eligible();
        stored.row.backup_state = result.backup_state();
        let recorded =
            store::passkeys::record_use(db, stored.row.id, previous, &stored.row, self.now())
                .await?;
        if !recorded {
            // Another use of the same credential moved the counter meanwhile: a clone.
            self.audit_counter_regression(db, tenant, client, owner, &stored.row)
                .await?;
            return Ok(Err((AssertionFailure::CounterRegressed, Some(owner))));
        }
        Ok(Ok(owner))
    }

    async fn audit_counter_regression(
        &self,
        db: &impl ConnectionTrait,
        tenant: &Tenant,
        client: &ClientInfo,
        owner: UserId,
        row: &CredentialRow,
    ) -> Result<(), StoreError> {
        tracing::warn!(user = %owner, passkey = %row.id, "passkey counter went backwards: possible cloned authenticator");
        store::audit::insert(
            db,
            self.now(),
            &AuditEvent::new(tenant.id, "passkey.counter_regressed", client)
                .subject(owner)
                .reference("passkey", row.id),
        )
        .await
    }

    // ---- Sign-in ----------------------------------------------------------------

    /// Starts a passkey sign-in on a login flow: a discoverable-credential challenge,
    /// for the "Sign in with a passkey" button and for autofill alike.
    pub async fn start_passkey_login(
        &self,
        tenant: &Tenant,
        host: &str,
        browser: &BrowserBinding,
        flow_id: &str,
        csrf_token: &str,
    ) -> Result<PasskeyStart, FlowError> {
        let flow = match self
            .open_flow_for_submit(tenant, FlowKind::Login, flow_id, browser, csrf_token)
            .await?
        {
            Ok(flow) => flow,
            Err(fresh) => return Ok(PasskeyStart::ShowFlow(fresh)),
        };
        if flow.state != FlowState::Identify {
            return Ok(PasskeyStart::ShowFlow(flow.id));
        }
        if !flow.context.sign_in_methods().passkey {
            self.refuse_method(&flow).await?;
            return Ok(PasskeyStart::ShowFlow(flow.id));
        }
        let Some((rp_host, rp)) = self.relying_party(tenant, host).await? else {
            return self
                .flow_message(&flow, messages::PASSKEY_UNAVAILABLE)
                .await;
        };
        let Ok((rcr, auth)) = rp.start_discoverable_authentication() else {
            return self
                .flow_message(&flow, messages::PASSKEY_UNAVAILABLE)
                .await;
        };
        let ceremony = self
            .save_ceremony(
                tenant,
                browser,
                Some(flow.id),
                None,
                &rp_host,
                &CeremonyState::Login { auth },
                &rcr,
            )
            .await?;
        Ok(PasskeyStart::Options(ceremony))
    }

    /// Finishes a passkey sign-in. Any failure shows one message on the flow.
    ///
    /// One transaction holds it all — the ceremony's consumption, the credential's new
    /// counter, the flow's completion and the audit row — so a sign-in costs one commit.
    #[allow(clippy::too_many_arguments)]
    pub async fn finish_passkey_login(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        client: &ClientInfo,
        flow_id: &str,
        csrf_token: &str,
        ceremony: &str,
        credential_json: &str,
    ) -> Result<FlowOutcome, FlowError> {
        let flow = match self
            .open_flow_for_submit(tenant, FlowKind::Login, flow_id, browser, csrf_token)
            .await?
        {
            Ok(flow) => flow,
            Err(fresh) => return Ok(FlowOutcome::ShowFlow(fresh)),
        };
        if flow.state != FlowState::Identify {
            return Ok(FlowOutcome::ShowFlow(flow.id));
        }
        let tx = self.db().begin().await?;
        let proven = self
            .prove_passkey_login(
                &tx,
                tenant,
                client,
                browser,
                &flow,
                ceremony,
                credential_json,
            )
            .await?;
        match proven {
            Ok(user) => {
                let step = self
                    .first_factor_in(
                        &tx,
                        tenant,
                        browser,
                        client,
                        &flow,
                        &user,
                        AuthMethod::PASSKEY,
                        false,
                    )
                    .await?;
                self.conclude_first_factor(tx, step, tenant, browser, &flow)
                    .await
            }
            Err(failure) => {
                self.login_failed_in(&tx, tenant, client, &flow, failure)
                    .await?;
                tx.commit().await.map_err(StoreError::from)?;
                Ok(FlowOutcome::ShowFlow(flow.id))
            }
        }
    }

    /// Takes the ceremony, checks the assertion and records the use; the account it
    /// proves, or why not.
    #[allow(clippy::too_many_arguments)]
    async fn prove_passkey_login(
        &self,
        tx: &DatabaseTransaction,
        tenant: &Tenant,
        client: &ClientInfo,
        browser: &BrowserBinding,
        flow: &Flow,
        ceremony: &str,
        credential_json: &str,
    ) -> Result<Result<store::accounts::LoginCandidate, LoginFailure>, StoreError> {
        let failed = |message, reason, subject| {
            Ok(Err(LoginFailure {
                message,
                reason,
                subject,
            }))
        };
        let Some((rp_host, CeremonyState::Login { auth })) = self
            .take_ceremony(tx, tenant, ceremony, browser, Some(flow.id), None)
            .await?
        else {
            return failed(messages::PASSKEY_EXPIRED, "ceremony_invalid", None);
        };
        let Some(rp) = self.relying_party_for(tenant, &rp_host).await? else {
            return failed(messages::PASSKEY_FAILED, "rp_unavailable", None);
        };
        let Ok(credential) = serde_json::from_str::<PublicKeyCredential>(credential_json) else {
            return failed(
                messages::PASSKEY_FAILED,
                AssertionFailure::Malformed.as_str(),
                None,
            );
        };
        // The user handle the authenticator returned must name the credential's owner.
        let Some(handle) = rp
            .identify_discoverable_authentication(&credential)
            .ok()
            .map(|(uuid, _)| UserId(uuid))
        else {
            return failed(
                messages::PASSKEY_FAILED,
                AssertionFailure::Malformed.as_str(),
                None,
            );
        };
        let verified = self
            .verify_assertion(
                tx,
                tenant,
                client,
                &rp,
                &credential,
                Some(handle),
                |rp, passkey| rp.finish_discoverable_authentication_v2(&credential, auth, passkey),
            )
            .await?;
        let user_id = match verified {
            Ok(user) => user,
            Err((failure, owner)) => {
                return failed(messages::PASSKEY_FAILED, failure.as_str(), owner);
            }
        };
        match store::accounts::find_candidate_by_id(tx, tenant.id, user_id)
            .await?
            .filter(|u| u.status.may_sign_in())
        {
            Some(user) => Ok(Ok(user)),
            None => failed(
                messages::PASSKEY_FAILED,
                "account_not_active",
                Some(user_id),
            ),
        }
    }

    async fn login_failed_in(
        &self,
        tx: &DatabaseTransaction,
        tenant: &Tenant,
        client: &ClientInfo,
        flow: &Flow,
        failure: LoginFailure,
    ) -> Result<(), FlowError> {
        let now = self.now();
        let state = transition(flow.kind, flow.state, FlowEvent::FirstFactorRejected)
            .map_err(|_| StoreError::Corrupt { what: "flow state" })?;
        store::flows::update_step(
            tx,
            flow.id,
            state,
            &[Message::error(failure.message)],
            &flow.context,
            now,
        )
        .await?;
        let mut event = AuditEvent::new(tenant.id, "login.failed", client)
            .detail("method", "hwk")
            .detail("reason", failure.reason);
        if let Some(user) = failure.subject {
            event = event.subject(user);
        }
        store::audit::insert(tx, now, &event).await?;
        Ok(())
    }

    async fn flow_message(&self, flow: &Flow, message: &str) -> Result<PasskeyStart, FlowError> {
        store::flows::update_step(
            self.db().conn(),
            flow.id,
            flow.state,
            &[Message::error(message)],
            &flow.context,
            self.now(),
        )
        .await?;
        Ok(PasskeyStart::ShowFlow(flow.id))
    }

    // ---- Registration with a passkey -------------------------------------------

    /// Starts creating an account with a passkey instead of a password: checks the
    /// email and name, then returns the creation options.
    #[allow(clippy::too_many_arguments)]
    pub async fn start_passkey_registration(
        &self,
        tenant: &Tenant,
        host: &str,
        browser: &BrowserBinding,
        flow_id: &str,
        csrf_token: &str,
        email: &str,
        display_name: &str,
    ) -> Result<PasskeyStart, FlowError> {
        let flow = match self
            .open_flow_for_submit(tenant, FlowKind::Registration, flow_id, browser, csrf_token)
            .await?
        {
            Ok(flow) => flow,
            Err(fresh) => return Ok(PasskeyStart::ShowFlow(fresh)),
        };
        if flow.state != FlowState::Details {
            return Ok(PasskeyStart::ShowFlow(flow.id));
        }
        if !flow.context.sign_in_methods().passkey {
            self.refuse_method(&flow).await?;
            return Ok(PasskeyStart::ShowFlow(flow.id));
        }
        let mut problems = Vec::new();
        let parsed_email = Email::parse(email)
            .map_err(|e| problems.push(crate::flows::registration::email_message(e)))
            .ok();
        let name = DisplayName::parse(display_name)
            .map_err(|e| problems.push(crate::flows::registration::name_message(e)))
            .ok()
            .flatten();
        let mut context = flow.context.clone();
        context.email = Some(email.trim().chars().take(254).collect());
        context.display_name = Some(display_name.trim().chars().take(100).collect());
        let Some(parsed_email) = parsed_email.filter(|_| problems.is_empty()) else {
            let state = transition(flow.kind, flow.state, FlowEvent::DetailsRejected)
                .map_err(|_| StoreError::Corrupt { what: "flow state" })?;
            store::flows::update_step(
                self.db().conn(),
                flow.id,
                state,
                &problems,
                &context,
                self.now(),
            )
            .await?;
            return Ok(PasskeyStart::ShowFlow(flow.id));
        };
        let Some((rp_host, rp)) = self.relying_party(tenant, host).await? else {
            return self
                .flow_message(&flow, messages::PASSKEY_UNAVAILABLE)
                .await;
        };
        let name = name.unwrap_or_else(|| DisplayName::from_email(&parsed_email));
        let user_id = UserId::generate();
        let Ok((mut ccr, reg)) =
            rp.start_passkey_registration(user_id.0, parsed_email.as_str(), name.as_str(), None)
        else {
            return self
                .flow_message(&flow, messages::PASSKEY_UNAVAILABLE)
                .await;
        };
        require_resident_key(&mut ccr);
        store::flows::update_step(
            self.db().conn(),
            flow.id,
            flow.state,
            &[],
            &context,
            self.now(),
        )
        .await?;
        let ceremony = self
            .save_ceremony(
                tenant,
                browser,
                Some(flow.id),
                None,
                &rp_host,
                &CeremonyState::Register {
                    reg,
                    user_id,
                    email: parsed_email.as_str().to_string(),
                    display_name: name.as_str().to_string(),
                },
                &ccr,
            )
            .await?;
        Ok(PasskeyStart::Options(ceremony))
    }

    /// Finishes creating an account with a passkey; like a password sign-up, it ends on
    /// the verify step, and an address that already has an account gets the same answer
    /// (its owner is told by mail; the new passkey is discarded).
    #[allow(clippy::too_many_arguments)]
    pub async fn finish_passkey_registration(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        client: &ClientInfo,
        flow_id: &str,
        csrf_token: &str,
        ceremony: &str,
        credential_json: &str,
    ) -> Result<FlowOutcome, FlowError> {
        let flow = match self
            .open_flow_for_submit(tenant, FlowKind::Registration, flow_id, browser, csrf_token)
            .await?
        {
            Ok(flow) => flow,
            Err(fresh) => return Ok(FlowOutcome::ShowFlow(fresh)),
        };
        if flow.state != FlowState::Details {
            return Ok(FlowOutcome::ShowFlow(flow.id));
        }
        let reject = |message: &'static str| {
            let flow = flow.clone();
            async move {
                let state = transition(flow.kind, flow.state, FlowEvent::DetailsRejected)
                    .map_err(|_| StoreError::Corrupt { what: "flow state" })?;
                store::flows::update_step(
                    self.db().conn(),
                    flow.id,
                    state,
                    &[Message::error(message)],
                    &flow.context,
                    self.now(),
                )
                .await?;
                Ok::<_, FlowError>(FlowOutcome::ShowFlow(flow.id))
            }
        };
        let Some((
            rp_host,
            CeremonyState::Register {
                reg,
                user_id,
                email,
                display_name,
            },
        )) = self
            .take_ceremony(
                self.db().conn(),
                tenant,
                ceremony,
                browser,
                Some(flow.id),
                None,
            )
            .await?
        else {
            return reject(messages::PASSKEY_EXPIRED).await;
        };
        let Some(rp) = self.relying_party_for(tenant, &rp_host).await? else {
            return reject(messages::PASSKEY_UNAVAILABLE).await;
        };
        let Ok(credential) = serde_json::from_str::<RegisterPublicKeyCredential>(credential_json)
        else {
            return reject(messages::PASSKEY_REGISTRATION_FAILED).await;
        };
        let passkey = match rp.finish_passkey_registration(&credential, &reg) {
            Ok(p) => p,
            Err(e) => {
                tracing::debug!(error = ?e, "passkey registration refused");
                return reject(messages::PASSKEY_REGISTRATION_FAILED).await;
            }
        };
        let (Ok(email), Ok(Some(name))) = (Email::parse(&email), DisplayName::parse(&display_name))
        else {
            return Err(StoreError::Corrupt {
                what: "ceremony state",
            }
            .into());
        };
        let row = self.credential_row(tenant, user_id, &passkey, &credential, client)?;
        let now = self.now();
        let state = transition(flow.kind, flow.state, FlowEvent::DetailsAccepted)
            .map_err(|_| StoreError::Corrupt { what: "flow state" })?;
        let mut context = flow.context.clone();
        context.verify_email = Some(email.as_str().to_string());
        context.methods = AuthMethod::PASSKEY.to_vec();
        let sent = [Message::info(messages::VERIFICATION_SENT)];

        let tx = self.db().begin().await?;
        let created = store::accounts::insert_account(
            &tx,
            tenant.id,
            user_id,
            &email,
            &name,
            client.language,
            "passkey",
            now,
        )
        .await;
        match created {
            Ok(()) => {
                match store::passkeys::insert_credential(&tx, row.clone()).await {
                    Ok(()) => {}
                    Err(StoreError::Conflict { .. }) => {
                        drop(tx);
                        return reject(messages::PASSKEY_ALREADY_REGISTERED).await;
                    }
                    Err(e) => return Err(e.into()),
                }
                self.issue_verification(&tx, tenant, user_id, name.as_str(), email.as_str())
                    .await?;
                context.pending_user = Some(user_id);
                store::flows::update_step(&tx, flow.id, state, &sent, &context, now).await?;
                store::audit::insert(
                    &tx,
                    now,
                    &AuditEvent::new(tenant.id, "user.registered", client)
                        .actor(user_id)
                        .subject(user_id)
                        .detail("method", "hwk")
                        .reference("passkey", row.id),
                )
                .await?;
                tx.commit().await.map_err(StoreError::from)?;
            }
            Err(StoreError::Conflict { .. }) => {
                drop(tx);
                self.registration_for_taken_address(tenant, client, &flow, &email, context, state)
                    .await?;
            }
            Err(other) => return Err(other.into()),
        }
        Ok(FlowOutcome::ShowFlow(flow.id))
    }

    fn credential_row(
        &self,
        tenant: &Tenant,
        user: UserId,
        passkey: &Passkey,
        credential: &RegisterPublicKeyCredential,
        client: &ClientInfo,
    ) -> Result<CredentialRow, StoreError> {
        let registered = registered(credential);
        Ok(CredentialRow {
            id: Uuid::now_v7(),
            tenant_id: tenant.id.0,
            user_id: user.0,
            credential_id: encode_credential_id(passkey.cred_id()),
            passkey: serde_json::to_string(passkey)
                .map_err(|_| StoreError::Corrupt { what: "passkey" })?,
            name: default_name(registered.aaguid, client.user_agent.as_deref()),
            aaguid: registered.aaguid.map(|a| a.to_string()),
            sign_count: 0,
            backup_eligible: registered.backup_eligible,
            backup_state: registered.backup_state,
            created_at: self.now(),
            last_used_at: None,
        })
    }

    // ---- A signed-in customer's passkeys ----------------------------------------

    /// Starts adding a passkey to a signed-in customer's account.
    pub async fn start_passkey_enrolment(
        &self,
        tenant: &Tenant,
        host: &str,
        browser: &BrowserBinding,
        user: UserId,
    ) -> Result<Result<CeremonyStart, PasskeyProblem>, PasskeyError> {
        let Some(account) =
            store::accounts::find_candidate_by_id(self.db().conn(), tenant.id, user).await?
        else {
            return Ok(Err(PasskeyProblem::NotFound));
        };
        let Some((rp_host, rp)) = self.relying_party(tenant, host).await? else {
            return Ok(Err(PasskeyProblem::Unavailable));
        };
        let existing = store::passkeys::list_for_user(self.db().conn(), tenant.id, user)
            .await?
            .into_iter()
            .filter_map(|row| StoredPasskey::load(row).ok())
            .map(|s| s.passkey.cred_id().clone())
            .collect::<Vec<_>>();
        let exclude = (!existing.is_empty()).then_some(existing);
        let Ok((mut ccr, reg)) =
            rp.start_passkey_registration(user.0, &account.email, &account.display_name, exclude)
        else {
            return Ok(Err(PasskeyProblem::Unavailable));
        };
        require_resident_key(&mut ccr);
        let ceremony = self
            .save_ceremony(
                tenant,
                browser,
                None,
                Some(user),
                &rp_host,
                &CeremonyState::Enrol { reg },
                &ccr,
            )
            .await?;
        Ok(Ok(ceremony))
    }

    /// Finishes adding a passkey to a signed-in customer's account.
    pub async fn finish_passkey_enrolment(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        client: &ClientInfo,
        user: UserId,
        ceremony: &str,
        credential_json: &str,
    ) -> Result<Result<PasskeySummary, PasskeyProblem>, PasskeyError> {
        let Some((rp_host, CeremonyState::Enrol { reg })) = self
            .take_ceremony(
                self.db().conn(),
                tenant,
                ceremony,
                browser,
                None,
                Some(user),
            )
            .await?
        else {
            return Ok(Err(PasskeyProblem::Expired));
        };
        let Some(rp) = self.relying_party_for(tenant, &rp_host).await? else {
            return Ok(Err(PasskeyProblem::Unavailable));
        };
        let Ok(credential) = serde_json::from_str::<RegisterPublicKeyCredential>(credential_json)
        else {
            return Ok(Err(PasskeyProblem::Rejected));
        };
        let passkey = match rp.finish_passkey_registration(&credential, &reg) {
            Ok(p) => p,
            Err(e) => {
                tracing::debug!(error = ?e, "passkey enrolment refused");
                return Ok(Err(PasskeyProblem::Rejected));
            }
        };
        let row = self.credential_row(tenant, user, &passkey, &credential, client)?;
        let now = self.now();
        let tx = self.db().begin().await?;
        match store::passkeys::insert_credential(&tx, row.clone()).await {
            Ok(()) => {}
            Err(StoreError::Conflict { .. }) => return Ok(Err(PasskeyProblem::AlreadyRegistered)),
            Err(e) => return Err(e.into()),
        }
        if let Some(account) = store::accounts::find_candidate_by_id(&tx, tenant.id, user).await? {
            let notice = crate::mail::MailKind::PasskeyAdded {
                name: account.display_name.clone(),
                passkey: row.name.clone(),
                account_link: crate::mail::link(tenant, "/account#passkeys"),
            };
            self.queue_mail(&tx, tenant, &account.email, &notice)
                .await?;
        }
        store::audit::insert(
            &tx,
            now,
            &AuditEvent::new(tenant.id, "passkey.added", client)
                .actor(user)
                .subject(user)
                .reference("passkey", row.id),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(Ok(summary(&row)))
    }

    /// A customer's passkeys, oldest first.
    pub async fn passkeys(
        &self,
        tenant: &Tenant,
        user: UserId,
    ) -> Result<Vec<PasskeySummary>, StoreError> {
        Ok(
            store::passkeys::list_for_user(self.db().conn(), tenant.id, user)
                .await?
                .iter()
                .map(summary)
                .collect(),
        )
    }

    /// Renames one of a customer's passkeys.
    pub async fn rename_passkey(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        user: UserId,
        id: &str,
        name: &str,
    ) -> Result<Result<(), PasskeyProblem>, StoreError> {
        let name = match parse_name(name) {
            Ok(n) => n,
            Err(p) => return Ok(Err(p)),
        };
        let Ok(id) = id.parse::<Uuid>() else {
            return Ok(Err(PasskeyProblem::NotFound));
        };
        let tx = self.db().begin().await?;
        if !store::passkeys::rename(&tx, tenant.id, user, id, &name).await? {
            return Ok(Err(PasskeyProblem::NotFound));
        }
        store::audit::insert(
            &tx,
            self.now(),
            &AuditEvent::new(tenant.id, "passkey.renamed", client)
                .actor(user)
                .subject(user)
                .reference("passkey", id),
        )
        .await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(Ok(()))
    }

    /// Deletes one of a customer's passkeys. Refused when the sign-in is not recent, or
    /// when it is the account's last way to sign in.
    pub async fn delete_passkey(
        &self,
        tenant: &Tenant,
        client: &ClientInfo,
        user: UserId,
        authenticated_at: DateTime<Utc>,
        id: &str,
    ) -> Result<Result<(), PasskeyProblem>, StoreError> {
        let Ok(id) = id.parse::<Uuid>() else {
            return Ok(Err(PasskeyProblem::NotFound));
        };
        if !self.signed_in_recently(authenticated_at) {
            return Ok(Err(PasskeyProblem::ReauthRequired));
        }
        let tx = self.db().begin().await?;
        let passkeys = store::passkeys::count_for_user(&tx, tenant.id, user).await?;
        let password = store::accounts::has_password(&tx, user).await?;
        let linked = store::federation::count_linked(&tx, tenant.id, user).await?;
        if passkeys <= 1 && !password && linked == 0 {
            let owns = store::passkeys::list_for_user(&tx, tenant.id, user)
                .await?
                .iter()
                .any(|p| p.id == id);
            return Ok(Err(if owns {
                PasskeyProblem::LastMethod
            } else {
                PasskeyProblem::NotFound
            }));
        }
        if !store::passkeys::delete(&tx, tenant.id, user, id).await? {
            return Ok(Err(PasskeyProblem::NotFound));
        }
        store::audit::insert(
            &tx,
            self.now(),
            &AuditEvent::new(tenant.id, "passkey.deleted", client)
                .actor(user)
                .subject(user)
                .reference("passkey", id),
        )
        .await?;
        self.notify_factor_change(&tx, tenant, user, crate::mail::FactorChange::PasskeyRemoved)
            .await?;
        tx.commit().await.map_err(StoreError::from)?;
        Ok(Ok(()))
    }

    // ---- Second factor -------------------------------------------------------------

    /// Starts a passkey check for a customer who already gave a first factor (the MFA
    /// step), bound to the browser, the account and — on a login flow — the flow.
    /// `None` when the account has no passkey.
    pub async fn start_passkey_second_factor(
        &self,
        tenant: &Tenant,
        host: &str,
        browser: &BrowserBinding,
        flow: Option<FlowId>,
        user: UserId,
    ) -> Result<Option<CeremonyStart>, PasskeyError> {
        let passkeys: Vec<Passkey> =
            store::passkeys::list_for_user(self.db().conn(), tenant.id, user)
                .await?
                .into_iter()
                .filter_map(|row| StoredPasskey::load(row).ok())
                .map(|s| s.passkey)
                .collect();
        if passkeys.is_empty() {
            return Ok(None);
        }
        let Some((rp_host, rp)) = self.relying_party(tenant, host).await? else {
            return Ok(None);
        };
        let Ok((rcr, auth)) = rp.start_passkey_authentication(&passkeys) else {
            return Ok(None);
        };
        let ceremony = self
            .save_ceremony(
                tenant,
                browser,
                flow,
                Some(user),
                &rp_host,
                &CeremonyState::SecondFactor { auth },
                &rcr,
            )
            .await?;
        Ok(Some(ceremony))
    }

    /// Checks the answer to a second-factor passkey challenge; true when it proves the
    /// customer holds one of their passkeys.
    #[allow(clippy::too_many_arguments)]
    pub async fn finish_passkey_second_factor(
        &self,
        tenant: &Tenant,
        browser: &BrowserBinding,
        client: &ClientInfo,
        flow: Option<FlowId>,
        user: UserId,
        ceremony: &str,
        credential_json: &str,
    ) -> Result<bool, PasskeyError> {
        let Some((rp_host, CeremonyState::SecondFactor { auth })) = self
            .take_ceremony(
                self.db().conn(),
                tenant,
                ceremony,
                browser,
                flow,
                Some(user),
            )
            .await?
        else {
            return Ok(false);
        };
        let Some(rp) = self.relying_party_for(tenant, &rp_host).await? else {
            return Ok(false);
        };
        let Ok(credential) = serde_json::from_str::<PublicKeyCredential>(credential_json) else {
            return Ok(false);
        };
        let verified = self
            .verify_assertion(
                self.db().conn(),
                tenant,
                client,
                &rp,
                &credential,
                Some(user),
                |rp, _| rp.finish_passkey_authentication(&credential, &auth),
            )
            .await?;
        let ok = verified.is_ok();
        let mut event = AuditEvent::new(
            tenant.id,
            if ok { "mfa.succeeded" } else { "mfa.failed" },
            client,
        )
        .subject(user)
        .detail("method", "hwk");
        if let Err((failure, _)) = verified {
            event = event.detail("reason", failure.as_str());
        }
        store::audit::insert(self.db().conn(), self.now(), &event).await?;
        Ok(ok)
    }
}

impl RelyingParties {
    fn get(&self, key: &(TenantId, String)) -> Option<Arc<Webauthn>> {
        self.built
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned()
    }

    fn put(&self, key: (TenantId, String), rp: Arc<Webauthn>) {
        let mut built = self.built.lock().unwrap_or_else(|e| e.into_inner());
        if built.len() > 10_000 {
            built.clear();
        }
        built.insert(key, rp);
    }

    /// Forgets every relying party (after a tenant's hosts or base URL change).
    pub(crate) fn clear(&self) {
        self.built.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

fn summary(row: &CredentialRow) -> PasskeySummary {
    PasskeySummary {
        id: row.id,
        name: row.name.clone(),
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        synced: row.backup_state,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked() {
        assert_eq!(parse_name("  Work laptop "), Ok("Work laptop".into()));
        assert_eq!(parse_name(""), Err(PasskeyProblem::NameInvalid));
        assert_eq!(parse_name("   "), Err(PasskeyProblem::NameInvalid));
        assert_eq!(
            parse_name(&"x".repeat(65)),
            Err(PasskeyProblem::NameInvalid)
        );
        assert_eq!(parse_name("a\u{0007}b"), Err(PasskeyProblem::NameInvalid));
        assert!(parse_name(&"é".repeat(64)).is_ok());
    }

    #[test]
    fn default_names_follow_the_authenticator_then_the_browser() {
        let icloud: Uuid = "fbfc3007-154e-4ecc-8c0b-6e020557d7bd".parse().unwrap();
        assert_eq!(default_name(Some(icloud), None), "iCloud Keychain");
        let chrome_linux = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
        assert_eq!(default_name(None, Some(chrome_linux)), "Chrome on Linux");
        let safari_iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1";
        assert_eq!(default_name(None, Some(safari_iphone)), "Safari on iPhone");
        assert_eq!(default_name(None, None), "Passkey");
    }
}
