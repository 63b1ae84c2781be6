//! Token-signing keys of the OpenID provider, per tenant, with aws-lc-rs (a fast,
//! audited backend) for RS256, ES256 and EdDSA.
//!
//! - Generated at start-up when a tenant has none, one per algorithm; the private key
//!   (PKCS#8) is sealed with the master key, bound to its `kid`.
//! - Rotation publishes the new key before it is used: a rotated key becomes active
//!   [`PUBLISH_AHEAD`] later (clients refresh their JWKS meanwhile), and the key it
//!   replaces stays published for [`RETAIN`] after that, longer than any token lives.
//!   Keys are rotated on command (`portico keys rotate`) and when the active one is
//!   older than [`ROTATE_AFTER`].
//! - The JWKS lists exactly the keys a verifier may meet: upcoming, active, and
//!   replaced-but-retained.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RSA_PKCS1_SHA256,
    RsaKeyPair,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::oidc::apps::SigningAlg;
use crate::secrets::random_bytes;
use crate::store::keys::KeyRow;
use crate::store::{self, StoreError};
use crate::tenants::Tenant;
use crate::{Engine, TenantId};

/// How long a new key is published before it signs anything.
pub const PUBLISH_AHEAD: Duration = Duration::hours(24);
/// How long a replaced key stays published (longer than any token it signed lives).
pub const RETAIN: Duration = Duration::days(2);
/// Scheduled rotation: a key older than this gets a successor.
pub const ROTATE_AFTER: Duration = Duration::days(90);

const ALGS: [SigningAlg; 3] = [SigningAlg::RS256, SigningAlg::ES256, SigningAlg::EdDSA];

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("signing keys need the server's master key (secrets.master_key)")]
    NoMasterKey,
    #[error("no usable {0} signing key")]
    NoKey(&'static str),
    #[error("a signing key could not be generated or used")]
    Crypto,
    #[error(transparent)]
    Store(#[from] StoreError),
}

enum Material {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
}

/// A key ready to sign.
struct LoadedKey {
    kid: String,
    alg: SigningAlg,
    material: Material,
}

/// A tenant's keys as loaded: what signs, and what the JWKS publishes.
pub(crate) struct KeyRing {
    signing: HashMap<&'static str, Arc<LoadedKey>>,
    jwks: Value,
    /// When this view must be rebuilt (the next activation or retirement).
    valid_until: DateTime<Utc>,
}

/// Loaded key rings by tenant.
#[derive(Default)]
pub(crate) struct KeyCache {
    rings: RwLock<HashMap<TenantId, Arc<KeyRing>>>,
}

impl KeyCache {
    pub(crate) fn clear(&self) {
        self.rings
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Reads a DER length at `pos`; the length and the position after it.
fn der_len(der: &[u8], pos: usize) -> Option<(usize, usize)> {
    let first = *der.get(pos)?;
    if first < 0x80 {
        return Some((first as usize, pos + 1));
    }
    let n = (first & 0x7f) as usize;
    if n == 0 || n > 4 {
        return None;
    }
    let mut len = 0usize;
    for i in 0..n {
        len = (len << 8) | *der.get(pos + 1 + i)? as usize;
    }
    Some((len, pos + 1 + n))
}

/// The modulus and exponent of a PKCS#1 RSAPublicKey (SEQUENCE { n, e }), without the
/// sign padding byte.
fn rsa_components(der: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    if *der.first()? != 0x30 {
        return None;
    }
    let (_, mut pos) = der_len(der, 1)?;
    let mut ints = Vec::new();
    for _ in 0..2 {
        if *der.get(pos)? != 0x02 {
            return None;
        }
        let (len, start) = der_len(der, pos + 1)?;
        let mut int = der.get(start..start + len)?;
        while int.len() > 1 && int[0] == 0 {
            int = &int[1..];
        }
        ints.push(int.to_vec());
        pos = start + len;
    }
    let e = ints.pop()?;
    let n = ints.pop()?;
    Some((n, e))
}

fn public_jwk(kid: &str, alg: SigningAlg, material: &Material) -> Option<Value> {
    Some(match material {
        Material::Rsa(kp) => {
            let (n, e) = rsa_components(kp.public_key().as_ref())?;
            json!({"kty": "RSA", "kid": kid, "use": "sig", "alg": alg.as_str(), "n": b64(&n), "e": b64(&e)})
        }
        Material::Ec(kp) => {
            let point = kp.public_key().as_ref();
            if point.len() != 65 || point[0] != 4 {
                return None;
            }
            json!({"kty": "EC", "kid": kid, "use": "sig", "alg": alg.as_str(), "crv": "P-256",
                   "x": b64(&point[1..33]), "y": b64(&point[33..65])})
        }
        Material::Ed(kp) => {
            json!({"kty": "OKP", "kid": kid, "use": "sig", "alg": alg.as_str(), "crv": "Ed25519",
                   "x": b64(kp.public_key().as_ref())})
        }
    })
}

fn generate(alg: SigningAlg) -> Result<(Vec<u8>, Material), KeyError> {
    let rng = SystemRandom::new();
    match alg {
        SigningAlg::RS256 => {
            let kp = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| KeyError::Crypto)?;
            let der = kp.as_der().map_err(|_| KeyError::Crypto)?;
            Ok((der.as_ref().to_vec(), Material::Rsa(kp)))
        }
        SigningAlg::ES256 => {
            let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
                .map_err(|_| KeyError::Crypto)?;
            let der = doc.as_ref().to_vec();
            Ok((der.clone(), load(alg, &der)?))
        }
        SigningAlg::EdDSA => {
            let doc = Ed25519KeyPair::generate_pkcs8(&rng).map_err(|_| KeyError::Crypto)?;
            let der = doc.as_ref().to_vec();
            Ok((der.clone(), load(alg, &der)?))
        }
    }
}

fn load(alg: SigningAlg, pkcs8: &[u8]) -> Result<Material, KeyError> {
    match alg {
        SigningAlg::RS256 => RsaKeyPair::from_pkcs8(pkcs8).map(Material::Rsa),
        SigningAlg::ES256 => {
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8).map(Material::Ec)
        }
        SigningAlg::EdDSA => Ed25519KeyPair::from_pkcs8(pkcs8).map(Material::Ed),
    }
    .map_err(|_| KeyError::Crypto)
}

impl LoadedKey {
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let rng = SystemRandom::new();
        match &self.material {
            Material::Rsa(kp) => {
                let mut sig = vec![0; kp.public_modulus_len()];
                kp.sign(&RSA_PKCS1_SHA256, &rng, message, &mut sig)
                    .map_err(|_| KeyError::Crypto)?;
                Ok(sig)
            }
            Material::Ec(kp) => kp
                .sign(&rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| KeyError::Crypto),
            Material::Ed(kp) => Ok(kp.sign(message).as_ref().to_vec()),
        }
    }
}

/// Which keys of one algorithm matter at `now`: the one that signs, and the ones to
/// publish (upcoming, active, replaced within [`RETAIN`]). `rows` sorted by activation.
fn classify<'a>(rows: &[&'a KeyRow], now: DateTime<Utc>) -> (Option<&'a KeyRow>, Vec<&'a KeyRow>) {
    let active_index = rows.iter().rposition(|r| r.activate_at <= now);
    let active = active_index.map(|i| rows[i]);
    let published = rows
        .iter()
        .enumerate()
        .filter(|(i, r)| match active_index {
            Some(a) if *i < a => {
                // Replaced: kept while the key that replaced it is young.
                rows[i + 1].activate_at + RETAIN > now
            }
            _ => r.activate_at > now || Some(*i) == active_index,
        })
        .map(|(_, r)| *r)
        .collect();
    (active, published)
}

impl Engine {
    /// Makes sure the tenant has a signing key for every algorithm (generating what is
    /// missing) and rotates keys older than [`ROTATE_AFTER`]. Idempotent; run at
    /// start-up and periodically.
    pub async fn ensure_signing_keys(&self, tenant: &Tenant) -> Result<usize, KeyError> {
        let now = self.now();
        let rows = store::keys::list(self.db().conn(), tenant.id).await?;
        let mut made = 0;
        for alg in ALGS {
            let of_alg: Vec<&KeyRow> = rows.iter().filter(|r| r.alg == alg.as_str()).collect();
            let newest = of_alg.last();
            match newest {
                None => {
                    self.add_signing_key(tenant, alg, now).await?;
                    made += 1;
                }
                Some(k) if k.activate_at <= now - ROTATE_AFTER => {
                    self.add_signing_key(tenant, alg, now + PUBLISH_AHEAD)
                        .await?;
                    made += 1;
                }
                Some(_) => {}
            }
        }
        if made > 0 {
            self.inner.keys.clear();
        }
        Ok(made)
    }

    /// Rotates every algorithm's key: new keys are published now and sign from
    /// `now + PUBLISH_AHEAD` (or at once with `immediately`, after a compromise).
    pub async fn rotate_signing_keys(
        &self,
        tenant: &Tenant,
        immediately: bool,
    ) -> Result<Vec<String>, KeyError> {
        let at = if immediately {
            self.now()
        } else {
            self.now() + PUBLISH_AHEAD
        };
        let mut kids = Vec::new();
        for alg in ALGS {
            kids.push(self.add_signing_key(tenant, alg, at).await?);
        }
        self.inner.keys.clear();
        Ok(kids)
    }

    async fn add_signing_key(
        &self,
        tenant: &Tenant,
        alg: SigningAlg,
        activate_at: DateTime<Utc>,
    ) -> Result<String, KeyError> {
        let sealer = self.sealing_key().ok_or(KeyError::NoMasterKey)?;
        let kid = b64(&random_bytes::<16>());
        // Key generation (RSA especially) is CPU work: keep it off the async threads.
        let (pkcs8, material) = tokio::task::spawn_blocking(move || generate(alg))
            .await
            .map_err(|_| KeyError::Crypto)??;
        let jwk = public_jwk(&kid, alg, &material).ok_or(KeyError::Crypto)?;
        store::keys::insert(
            self.db().conn(),
            KeyRow {
                kid: kid.clone(),
                tenant_id: tenant.id.0,
                alg: alg.as_str().into(),
                sealed_private_key: sealer.seal(&pkcs8, kid.as_bytes()),
                public_jwk: jwk.to_string(),
                created_at: self.now(),
                activate_at,
            },
        )
        .await?;
        tracing::info!(tenant = %tenant.slug, alg = alg.as_str(), %kid, %activate_at, "signing key added");
        Ok(kid)
    }

    /// The tenant's key ring, loaded once and rebuilt when an activation or a
    /// retirement comes due.
    async fn key_ring(&self, tenant: &Tenant) -> Result<Arc<KeyRing>, KeyError> {
        let now = self.now();
        if let Some(ring) = self
            .inner
            .keys
            .rings
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&tenant.id)
            .filter(|r| r.valid_until > now)
        {
            return Ok(ring.clone());
        }
        let sealer = self.sealing_key().ok_or(KeyError::NoMasterKey)?;
        let rows = store::keys::list(self.db().conn(), tenant.id).await?;
        let mut signing = HashMap::new();
        let mut published = Vec::new();
        let mut valid_until = now + Duration::hours(1);
        for alg in ALGS {
            let of_alg: Vec<&KeyRow> = rows.iter().filter(|r| r.alg == alg.as_str()).collect();
            let (active, shown) = classify(&of_alg, now);
            for (i, r) in of_alg.iter().enumerate() {
                // The next moment this algorithm's picture changes.
                for t in [
                    Some(r.activate_at),
                    of_alg.get(i + 1).map(|n| n.activate_at + RETAIN),
                ]
                .into_iter()
                .flatten()
                {
                    if t > now && t < valid_until {
                        valid_until = t;
                    }
                }
            }
            published.extend(
                shown
                    .iter()
                    .filter_map(|r| serde_json::from_str::<Value>(&r.public_jwk).ok()),
            );
            if let Some(row) = active {
                let pkcs8 = sealer
                    .open(&row.sealed_private_key, row.kid.as_bytes())
                    .ok_or(KeyError::Crypto)?;
                signing.insert(
                    alg.as_str(),
                    Arc::new(LoadedKey {
                        kid: row.kid.clone(),
                        alg,
                        material: load(alg, &pkcs8)?,
                    }),
                );
            }
        }
        let ring = Arc::new(KeyRing {
            signing,
            jwks: json!({ "keys": published }),
            valid_until,
        });
        self.inner
            .keys
            .rings
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(tenant.id, ring.clone());
        Ok(ring)
    }

    /// The tenant's JSON Web Key Set (public keys only).
    pub async fn jwks(&self, tenant: &Tenant) -> Result<Value, KeyError> {
        Ok(self.key_ring(tenant).await?.jwks.clone())
    }

    /// Signs `claims` as a compact JWS with the tenant's active key for `alg`; `typ`
    /// is the header's type (`JWT`, or `at+jwt` for access tokens, RFC 9068).
    pub async fn sign_jwt(
        &self,
        tenant: &Tenant,
        alg: SigningAlg,
        typ: &str,
        claims: &Value,
    ) -> Result<String, KeyError> {
        let ring = self.key_ring(tenant).await?;
        let key = ring
            .signing
            .get(alg.as_str())
            .cloned()
            .ok_or(KeyError::NoKey(alg.as_str()))?;
        let header = json!({ "alg": key.alg.as_str(), "typ": typ, "kid": key.kid });
        let signing_input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let signature = key.sign(signing_input.as_bytes())?;
        Ok(format!("{signing_input}.{}", b64(&signature)))
    }

    /// Verifies a compact JWS that this tenant signed (with any key it still
    /// publishes) and returns its header and claims. Only the signature is checked
    /// here; the caller checks `typ`, issuer, audience and times. `alg` must be the
    /// key's own algorithm (no `none`, no algorithm confusion).
    pub async fn verify_own_jwt(
        &self,
        tenant: &Tenant,
        token: &str,
    ) -> Result<Option<(Value, Value)>, KeyError> {
        let ring = self.key_ring(tenant).await?;
        Ok(verify_with_jwks(&ring.jwks, token))
    }

    /// The tenant's keys for operators: kid, algorithm, activation, and state.
    pub async fn signing_keys(
        &self,
        tenant: &Tenant,
    ) -> Result<Vec<(String, String, DateTime<Utc>, &'static str)>, KeyError> {
        let now = self.now();
        let rows = store::keys::list(self.db().conn(), tenant.id).await?;
        let mut out = Vec::new();
        for alg in ALGS {
            let of_alg: Vec<&KeyRow> = rows.iter().filter(|r| r.alg == alg.as_str()).collect();
            let (active, shown) = classify(&of_alg, now);
            for r in &of_alg {
                let state = if active.is_some_and(|a| a.kid == r.kid) {
                    "active"
                } else if r.activate_at > now {
                    "next"
                } else if shown.iter().any(|s| s.kid == r.kid) {
                    "retiring"
                } else {
                    "retired"
                };
                out.push((r.kid.clone(), r.alg.clone(), r.activate_at, state));
            }
        }
        Ok(out)
    }
}

/// Checks a compact JWS against the keys of a JWKS; header and claims if it verifies.
/// The key is the one named by `kid` (or the only one); its algorithm is its `alg`, or
/// follows from its type — never from the token's header alone.
pub(crate) fn verify_with_jwks(jwks: &Value, token: &str) -> Option<(Value, Value)> {
    use aws_lc_rs::signature::{
        ECDSA_P256_SHA256_FIXED, ED25519, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents,
        UnparsedPublicKey,
    };
    if token.len() > 16 * 1024 {
        return None;
    }
    let (input, sig) = token.rsplit_once('.')?;
    let (header_b64, claims_b64) = input.split_once('.')?;
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header_b64).ok()?).ok()?;
    let alg = header.get("alg")?.as_str()?;
    let keys = jwks.get("keys")?.as_array()?;
    let jwk = match header.get("kid").and_then(Value::as_str) {
        Some(kid) => keys
            .iter()
            .find(|k| k.get("kid").and_then(Value::as_str) == Some(kid))?,
        None if keys.len() == 1 => &keys[0],
        None => return None,
    };
    let key_alg = match jwk.get("alg").and_then(Value::as_str) {
        Some(a) => a,
        None => match (
            jwk.get("kty").and_then(Value::as_str),
            jwk.get("crv").and_then(Value::as_str),
        ) {
            (Some("RSA"), _) => "RS256",
            (Some("EC"), Some("P-256")) => "ES256",
            (Some("OKP"), Some("Ed25519")) => "EdDSA",
            _ => return None,
        },
    };
    if key_alg != alg {
        return None;
    }
    let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
    let part = |k: &str| {
        jwk.get(k)
            .and_then(Value::as_str)
            .and_then(|v| URL_SAFE_NO_PAD.decode(v).ok())
    };
    let ok = match SigningAlg::parse(alg)? {
        SigningAlg::RS256 => RsaPublicKeyComponents {
            n: part("n")?,
            e: part("e")?,
        }
        .verify(&RSA_PKCS1_2048_8192_SHA256, input.as_bytes(), &sig)
        .is_ok(),
        SigningAlg::ES256 => {
            let mut point = vec![4];
            point.extend(part("x")?);
            point.extend(part("y")?);
            UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
                .verify(input.as_bytes(), &sig)
                .is_ok()
        }
        SigningAlg::EdDSA => UnparsedPublicKey::new(&ED25519, part("x")?)
            .verify(input.as_bytes(), &sig)
            .is_ok(),
    };
    if !ok {
        return None;
    }
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims_b64).ok()?).ok()?;
    claims.is_object().then_some((header, claims))
}

#[cfg(test)]
mod tests {
    use aws_lc_rs::signature::{
        ECDSA_P256_SHA256_FIXED, ED25519, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents,
        UnparsedPublicKey,
    };

    use super::*;

    fn unb64(s: &str) -> Vec<u8> {
        URL_SAFE_NO_PAD.decode(s).unwrap()
    }

    /// Verifies a compact JWS against a public JWK, the way a relying party does.
    fn verify(jws: &str, jwk: &Value) -> bool {
        let mut parts = jws.rsplitn(2, '.');
        let sig = unb64(parts.next().unwrap());
        let input = parts.next().unwrap().as_bytes();
        let s = |k: &str| unb64(jwk[k].as_str().unwrap());
        match jwk["kty"].as_str().unwrap() {
            "RSA" => RsaPublicKeyComponents {
                n: s("n"),
                e: s("e"),
            }
            .verify(&RSA_PKCS1_2048_8192_SHA256, input, &sig)
            .is_ok(),
            "EC" => {
                let mut point = vec![4];
                point.extend(s("x"));
                point.extend(s("y"));
                UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, point)
                    .verify(input, &sig)
                    .is_ok()
            }
            "OKP" => UnparsedPublicKey::new(&ED25519, s("x"))
                .verify(input, &sig)
                .is_ok(),
            _ => false,
        }
    }

    #[test]
    fn every_algorithm_signs_what_its_public_jwk_verifies() {
        for alg in ALGS {
            let (pkcs8, material) = generate(alg).unwrap();
            // Reloaded from PKCS#8 (as from the database) it is the same key.
            let key = LoadedKey {
                kid: "k1".into(),
                alg,
                material: load(alg, &pkcs8).unwrap(),
            };
            let jwk = public_jwk("k1", alg, &material).unwrap();
            assert_eq!(jwk["alg"], alg.as_str());
            let input = "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0";
            let jws = format!("{input}.{}", b64(&key.sign(input.as_bytes()).unwrap()));
            assert!(verify(&jws, &jwk), "{alg:?}");
            let tampered = format!("{input}x.{}", jws.rsplit('.').next().unwrap());
            assert!(!verify(&tampered, &jwk), "{alg:?} tampered");
        }
    }

    #[test]
    fn own_tokens_verify_and_forgeries_do_not() {
        for alg in ALGS {
            let (pkcs8, material) = generate(alg).unwrap();
            let key = LoadedKey {
                kid: format!("k-{}", alg.as_str()),
                alg,
                material: load(alg, &pkcs8).unwrap(),
            };
            let jwks = json!({ "keys": [public_jwk(&key.kid, alg, &material).unwrap()] });
            let header = json!({ "alg": alg.as_str(), "typ": "JWT", "kid": key.kid });
            let input = format!(
                "{}.{}",
                b64(header.to_string().as_bytes()),
                b64(br#"{"sub":"1"}"#)
            );
            let jws = format!("{input}.{}", b64(&key.sign(input.as_bytes()).unwrap()));
            let (_, claims) = verify_with_jwks(&jwks, &jws).expect("verifies");
            assert_eq!(claims["sub"], "1");
            // Another payload under the same signature, `alg: none`, another kid: no.
            let sig = jws.rsplit('.').next().unwrap();
            let forged = format!(
                "{}.{}.{sig}",
                b64(header.to_string().as_bytes()),
                b64(br#"{"sub":"2"}"#)
            );
            assert!(verify_with_jwks(&jwks, &forged).is_none());
            let none = json!({ "alg": "none", "kid": key.kid });
            let unsigned = format!(
                "{}.{}.",
                b64(none.to_string().as_bytes()),
                b64(br#"{"sub":"1"}"#)
            );
            assert!(verify_with_jwks(&jwks, &unsigned).is_none());
            let other = json!({ "alg": alg.as_str(), "kid": "other" });
            let wrong_kid = format!(
                "{}.{}.{sig}",
                b64(other.to_string().as_bytes()),
                b64(br#"{"sub":"1"}"#)
            );
            assert!(verify_with_jwks(&jwks, &wrong_kid).is_none());
        }
    }

    #[test]
    fn rsa_public_keys_are_read_from_der() {
        let (_, material) = generate(SigningAlg::RS256).unwrap();
        let jwk = public_jwk("k", SigningAlg::RS256, &material).unwrap();
        assert_eq!(
            unb64(jwk["n"].as_str().unwrap()).len(),
            256,
            "2048-bit modulus"
        );
        assert_eq!(jwk["e"], "AQAB");
    }

    fn row(kid: &str, activate_at: DateTime<Utc>) -> KeyRow {
        KeyRow {
            kid: kid.into(),
            tenant_id: uuid::Uuid::nil(),
            alg: "RS256".into(),
            sealed_private_key: String::new(),
            public_jwk: String::new(),
            created_at: activate_at,
            activate_at,
        }
    }

    #[test]
    fn keys_are_published_before_use_and_kept_after() {
        let t0 = Utc::now();
        let old = row("old", t0 - Duration::days(100));
        let new = row("new", t0 + Duration::hours(10));
        let rows = [&old, &new];
        // Before the new key activates: the old signs, both are published.
        let (active, shown) = classify(&rows, t0);
        assert_eq!(active.unwrap().kid, "old");
        assert_eq!(shown.len(), 2);
        // After: the new signs, the old stays published for RETAIN.
        let (active, shown) = classify(&rows, t0 + Duration::hours(11));
        assert_eq!(active.unwrap().kid, "new");
        assert_eq!(
            shown.iter().map(|r| r.kid.as_str()).collect::<Vec<_>>(),
            ["old", "new"]
        );
        // Later still, only the new one.
        let (_, shown) = classify(
            &rows,
            t0 + Duration::hours(10) + RETAIN + Duration::minutes(1),
        );
        assert_eq!(
            shown.iter().map(|r| r.kid.as_str()).collect::<Vec<_>>(),
            ["new"]
        );
    }
}
