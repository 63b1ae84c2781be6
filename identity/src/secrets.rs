//! Random tokens, digests and constant-time comparison: the small pieces every secret uses.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// `n` bytes from the operating system's CSPRNG.
///
/// Panics only if the OS has no randomness at all, in which case nothing secure can run.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).expect("the operating system's random number generator failed");
    buf
}

/// A URL-safe random token carrying 256 bits.
pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// Hex SHA-256 of a value: how tokens are stored and looked up at rest.
pub fn sha256_hex(value: &[u8]) -> String {
    let digest = Sha256::digest(value);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from_digit((b >> 4) as u32, 16).unwrap_or('0'));
        out.push(char::from_digit((b & 0xf) as u32, 16).unwrap_or('0'));
    }
    out
}

/// Compares two secrets without leaking where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// The server's master key: seals secrets stored at rest (TOTP seeds) with AES-256-GCM.
/// A sealed value is bound to a context (the row it belongs to), so it cannot be moved
/// to another row and still open.
#[derive(Clone)]
pub struct SealingKey([u8; 32]);

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingKey(…)")
    }
}

impl SealingKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A key from 32 bytes in base64 (standard or URL-safe, padding optional).
    pub fn parse(text: &str) -> Option<Self> {
        use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
        let t = text.trim().trim_end_matches('=');
        let bytes = URL_SAFE_NO_PAD
            .decode(t)
            .or_else(|_| STANDARD_NO_PAD.decode(t))
            .ok()?;
        Some(Self(bytes.try_into().ok()?))
    }

    /// A fresh random key, base64url (what an operator puts in the configuration).
    pub fn generate_text() -> String {
        URL_SAFE_NO_PAD.encode(random_bytes::<32>())
    }

    /// `v1.` + base64url(nonce ‖ ciphertext ‖ tag).
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> String {
        use aes_gcm::aead::{Aead, KeyInit, Payload};
        let cipher = aes_gcm::Aes256Gcm::new_from_slice(&self.0).expect("a 32-byte key");
        let nonce_bytes = random_bytes::<12>();
        let nonce = aes_gcm::Nonce::from(nonce_bytes);
        let sealed = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: context,
                },
            )
            .expect("AES-GCM encryption cannot fail for in-memory data");
        let mut out = nonce_bytes.to_vec();
        out.extend(sealed);
        format!("v1.{}", URL_SAFE_NO_PAD.encode(out))
    }

    /// Opens what [`SealingKey::seal`] made with the same key and context.
    pub fn open(&self, sealed: &str, context: &[u8]) -> Option<Vec<u8>> {
        use aes_gcm::aead::{Aead, KeyInit, Payload};
        let bytes = URL_SAFE_NO_PAD.decode(sealed.strip_prefix("v1.")?).ok()?;
        if bytes.len() < 12 + 16 {
            return None;
        }
        let (nonce, body) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().ok()?;
        let cipher = aes_gcm::Aes256Gcm::new_from_slice(&self.0).ok()?;
        cipher
            .decrypt(
                &aes_gcm::Nonce::from(nonce),
                Payload {
                    msg: body,
                    aad: context,
                },
            )
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key_and_context() {
        let key = SealingKey::parse(&SealingKey::generate_text()).unwrap();
        let sealed = key.seal(b"JBSWY3DPEHPK3PXP", b"row-1");
        assert!(sealed.starts_with("v1."));
        assert!(!sealed.contains("JBSWY3DP"));
        assert_eq!(key.open(&sealed, b"row-1").unwrap(), b"JBSWY3DPEHPK3PXP");
        assert_eq!(key.open(&sealed, b"row-2"), None, "bound to its row");
        let other = SealingKey::from_bytes([7; 32]);
        assert_eq!(other.open(&sealed, b"row-1"), None);
        assert_ne!(
            key.seal(b"x", b"c"),
            key.seal(b"x", b"c"),
            "fresh nonce each time"
        );
        assert_eq!(key.open("v1.AAAA", b"row-1"), None);
        assert!(SealingKey::parse("too short").is_none());
        assert_eq!(format!("{key:?}"), "SealingKey(…)");
    }

    #[test]
    fn tokens_are_long_and_distinct() {
        let a = random_token();
        let b = random_token();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
    }

    #[test]
    fn sha256_matches_known_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn constant_time_eq_compares_content_and_length() {
        assert!(constant_time_eq(b"same", b"same"));
        assert!(!constant_time_eq(b"same", b"sane"));
        assert!(!constant_time_eq(b"same", b"same!"));
    }
}
