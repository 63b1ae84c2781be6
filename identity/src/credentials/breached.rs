//! Breached passwords: an offline list shipped with Portico (the 100,000 most common
//! leaked passwords), and the k-anonymity check against a Pwned Passwords range API.

use std::sync::LazyLock;

use sha2::{Digest, Sha256};

static LIST: &str = include_str!("../../data/common-passwords-100k.txt");

/// The list as sorted 64-bit fingerprints: ~800 KB, one binary search per check.
static COMMON: LazyLock<Vec<u64>> = LazyLock::new(|| {
    let mut set: Vec<u64> = LIST
        .lines()
        .filter(|l| !l.is_empty())
        .map(fingerprint)
        .collect();
    set.sort_unstable();
    set.dedup();
    set
});

fn fingerprint(password: &str) -> u64 {
    let digest = Sha256::digest(password.as_bytes());
    u64::from_le_bytes(digest[..8].try_into().unwrap_or_default())
}

/// Loads the list now rather than on the first sign-up.
pub fn warm() -> usize {
    COMMON.len()
}

/// Whether `password` (normalised) is on the shipped list, as typed or in lower case.
pub fn is_common(password: &str) -> bool {
    let hit = |p: &str| COMMON.binary_search(&fingerprint(p)).is_ok();
    hit(password) || hit(&password.to_lowercase())
}

/// The SHA-1 of a password as the Pwned Passwords API uses it: upper-case hex, split
/// into the 5-character prefix that is sent and the suffix that never leaves.
pub fn range_key(password: &str) -> (String, String) {
    use sha1::Sha1;
    let digest = Sha1::digest(password.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02X}")).collect();
    let (prefix, suffix) = hex.split_at(5);
    (prefix.to_string(), suffix.to_string())
}

/// Whether a range response (`SUFFIX:COUNT` lines) lists `suffix` with a count above 0.
pub fn range_contains(body: &str, suffix: &str) -> bool {
    body.lines().any(|line| {
        let mut parts = line.trim().splitn(2, ':');
        let s = parts.next().unwrap_or_default();
        let count: u64 = parts
            .next()
            .and_then(|c| c.trim().parse().ok())
            .unwrap_or(0);
        count > 0 && s.eq_ignore_ascii_case(suffix)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_loaded_and_compact() {
        assert!(warm() > 99_000);
        assert!(is_common("123456"));
        assert!(is_common("password"));
        assert!(is_common("PASSWORD"), "case does not help");
        assert!(!is_common("correct horse battery staple"));
        assert!(!is_common("vT8#qL2m!xR9"));
    }

    #[test]
    fn range_keys_follow_the_api() {
        // SHA-1("password") = 5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8
        let (prefix, suffix) = range_key("password");
        assert_eq!(prefix, "5BAA6");
        assert_eq!(suffix, "1E4C9B93F3F0682250B6CF8331B7EE68FD8");
        let body = "0018A45C4D1DEF81644B54AB7F969B88D65:1\r\n1E4C9B93F3F0682250B6CF8331B7EE68FD8:9659365\r\n";
        assert!(range_contains(body, &suffix));
        assert!(
            !range_contains("1E4C9B93F3F0682250B6CF8331B7EE68FD8:0", &suffix),
            "padding entries count 0"
        );
        assert!(!range_contains(body, "0000000000000000000000000000000000A"));
    }
}
