//! A software passkey authenticator (ES256, "none" attestation) for tests and
//! benchmarks: it answers the options Portico sends the way a browser and a platform
//! authenticator would, and can be told to misbehave — a foreign origin, another RP id,
//! no user verification, a counter that goes backwards, a credential id it reuses.
//!
//! Only built with the `soft-authenticator` feature.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{Signature, SigningKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::secrets::random_bytes;

/// One key the authenticator holds.
#[derive(Clone)]
pub struct SoftCredential {
    pub id: Vec<u8>,
    pub rp_id: String,
    pub user_handle: Vec<u8>,
    pub counter: u32,
    key: SigningKey,
}

/// How the next answer is bent, for negative tests.
#[derive(Clone, Debug, Default)]
pub struct Tweaks {
    /// Sign for this RP id instead of the one in the options.
    pub rp_id: Option<String>,
    /// Leave the user-verified flag off.
    pub skip_user_verification: bool,
    /// Create the next credential with this id.
    pub credential_id: Option<Vec<u8>>,
}

/// A platform authenticator in memory.
pub struct SoftAuthenticator {
    aaguid: [u8; 16],
    pub credentials: Vec<SoftCredential>,
    /// Report keys as backed up (synced passkeys).
    pub backed_up: bool,
    pub tweaks: Tweaks,
}

impl Default for SoftAuthenticator {
    fn default() -> Self {
        Self::new()
    }
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(text: &str) -> Result<Vec<u8>, String> {
    URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|e| format!("bad base64url: {e}"))
}

// Minimal CBOR, for the few shapes WebAuthn needs.
fn cbor_head(out: &mut Vec<u8>, major: u8, len: usize) {
    let m = major << 5;
    match len {
        0..=23 => out.push(m | len as u8),
        24..=255 => out.extend([m | 24, len as u8]),
        _ => {
            out.push(m | 25);
            out.extend((len as u16).to_be_bytes());
        }
    }
}

fn cbor_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    cbor_head(out, 2, bytes.len());
    out.extend(bytes);
}

fn cbor_text(out: &mut Vec<u8>, text: &str) {
    cbor_head(out, 3, text.len());
    out.extend(text.as_bytes());
}

/// A small signed integer (-24..=23).
fn cbor_int(out: &mut Vec<u8>, n: i8) {
    if n >= 0 {
        out.push(n as u8);
    } else {
        out.push(0x20 | (-1 - n) as u8);
    }
}

const UP: u8 = 0x01;
const UV: u8 = 0x04;
const BE: u8 = 0x08;
const BS: u8 = 0x10;
const AT: u8 = 0x40;

impl SoftAuthenticator {
    pub fn new() -> Self {
        Self {
            aaguid: [
                0x50, 0x4f, 0x52, 0x54, 0x49, 0x43, 0x4f, 0, 0, 0, 0, 0, 0, 0, 0, 1,
            ],
            credentials: Vec::new(),
            backed_up: false,
            tweaks: Tweaks::default(),
        }
    }

    fn flags(&self, extra: u8) -> u8 {
        let mut flags = UP | extra;
        if !self.tweaks.skip_user_verification {
            flags |= UV;
        }
        if self.backed_up {
            flags |= BE | BS;
        }
        flags
    }

    fn client_data(kind: &str, challenge: &str, origin: &str) -> Vec<u8> {
        json!({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": false})
            .to_string()
            .into_bytes()
    }

    /// Answers `navigator.credentials.create({publicKey})` for `options` (the JSON
    /// Portico sends: `{"publicKey": {...}}`) as a page on `origin` would.
    pub fn create(&mut self, options: &Value, origin: &str) -> Result<Value, String> {
        let pk = options.get("publicKey").unwrap_or(options);
        let challenge = pk["challenge"].as_str().ok_or("no challenge")?;
        let rp_id = self
            .tweaks
            .rp_id
            .clone()
            .or_else(|| pk["rp"]["id"].as_str().map(str::to_string))
            .ok_or("no rp id")?;
        let user_handle = unb64(pk["user"]["id"].as_str().ok_or("no user id")?)?;
        let excluded: Vec<Vec<u8>> = pk["excludeCredentials"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|c| c["id"].as_str().and_then(|s| unb64(s).ok()))
                    .collect()
            })
            .unwrap_or_default();
        if self
            .credentials
            .iter()
            .any(|c| c.rp_id == rp_id && excluded.contains(&c.id))
        {
            return Err(
                "InvalidStateError: this authenticator already holds a passkey for the account"
                    .into(),
            );
        }
        let key = SigningKey::from_slice(&random_bytes::<32>()).map_err(|e| e.to_string())?;
        let id = self
            .tweaks
            .credential_id
            .take()
            .unwrap_or_else(|| random_bytes::<16>().to_vec());
        let point = key.verifying_key().to_sec1_point(false);
        let xy = point.as_bytes();
        let (x, y) = (&xy[1..33], &xy[33..65]);

        let mut cose = vec![0xa5];
        cbor_int(&mut cose, 1);
        cbor_int(&mut cose, 2); // kty: EC2
        cbor_int(&mut cose, 3);
        cbor_int(&mut cose, -7); // alg: ES256
        cbor_int(&mut cose, -1);
        cbor_int(&mut cose, 1); // crv: P-256
        cbor_int(&mut cose, -2);
        cbor_bytes(&mut cose, x);
        cbor_int(&mut cose, -3);
        cbor_bytes(&mut cose, y);

        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        auth_data.push(self.flags(AT));
        auth_data.extend(0u32.to_be_bytes());
        auth_data.extend(self.aaguid);
        auth_data.extend((id.len() as u16).to_be_bytes());
        auth_data.extend(&id);
        auth_data.extend(cose);

        let mut attestation = vec![0xa3];
        cbor_text(&mut attestation, "fmt");
        cbor_text(&mut attestation, "none");
        cbor_text(&mut attestation, "attStmt");
        attestation.push(0xa0);
        cbor_text(&mut attestation, "authData");
        cbor_bytes(&mut attestation, &auth_data);

        let client_data = Self::client_data("webauthn.create", challenge, origin);
        self.credentials.push(SoftCredential {
            id: id.clone(),
            rp_id,
            user_handle,
            counter: 0,
            key,
        });
        Ok(json!({
            "id": b64(&id),
            "rawId": b64(&id),
            "type": "public-key",
            "response": {
                "attestationObject": b64(&attestation),
                "clientDataJSON": b64(&client_data),
                "transports": ["internal"],
            },
            "clientExtensionResults": {},
        }))
    }

    /// Answers `navigator.credentials.get({publicKey})` with the credential `which`
    /// (or the first one for the RP that the options allow).
    pub fn get(
        &mut self,
        options: &Value,
        origin: &str,
        which: Option<&[u8]>,
    ) -> Result<Value, String> {
        let pk = options.get("publicKey").unwrap_or(options);
        let challenge = pk["challenge"].as_str().ok_or("no challenge")?;
        let asked_rp = pk["rpId"].as_str().ok_or("no rp id")?.to_string();
        let rp_id = self.tweaks.rp_id.clone().unwrap_or(asked_rp.clone());
        let allowed: Vec<Vec<u8>> = pk["allowCredentials"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|c| c["id"].as_str().and_then(|s| unb64(s).ok()))
                    .collect()
            })
            .unwrap_or_default();
        let flags = self.flags(0);
        let credential = self
            .credentials
            .iter_mut()
            .find(|c| {
                c.rp_id == asked_rp
                    && (allowed.is_empty() || allowed.contains(&c.id))
                    && which.is_none_or(|w| w == c.id.as_slice())
            })
            .ok_or("NotAllowedError: no passkey for this site")?;
        credential.counter += 1;
        let mut auth_data = Sha256::digest(rp_id.as_bytes()).to_vec();
        auth_data.push(flags);
        auth_data.extend(credential.counter.to_be_bytes());
        let client_data = Self::client_data("webauthn.get", challenge, origin);
        let mut signed = auth_data.clone();
        signed.extend(Sha256::digest(&client_data));
        let signature: Signature = credential.key.sign(&signed);
        Ok(json!({
            "id": b64(&credential.id),
            "rawId": b64(&credential.id),
            "type": "public-key",
            "response": {
                "authenticatorData": b64(&auth_data),
                "clientDataJSON": b64(&client_data),
                "signature": b64(signature.to_der().as_bytes()),
                "userHandle": b64(&credential.user_handle),
            },
            "clientExtensionResults": {},
        }))
    }
}
