//! The password policy: length after NFKC normalisation and a strength estimate
//! (zxcvbn) that rejects the most common and most guessable passwords.

use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;

/// A tenant's password rules.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PasswordPolicy {
    /// Minimum length in characters, after normalisation.
    pub min_length: usize,
    /// Maximum length in characters; longer passwords are refused, never truncated.
    pub max_length: usize,
    /// Minimum zxcvbn score (0–4). 2 refuses passwords estimated to fall within a
    /// million guesses: the common-password lists and their obvious variations.
    pub min_strength: u8,
    /// Refuse the 100,000 most common breached passwords (shipped list).
    pub reject_breached: bool,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_length: 8,
            max_length: 256,
            min_strength: 2,
            reject_breached: true,
        }
    }
}

/// Why a new password was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PasswordProblem {
    Empty,
    TooShort {
        min: usize,
    },
    TooLong {
        max: usize,
    },
    /// On a list of passwords exposed in data breaches.
    Breached,
    TooCommon,
}

/// Normalises a password the same way for setting and for checking it, so a password
/// typed on another keyboard (composed vs decomposed accents, full-width digits) still
/// matches.
pub fn normalize(password: &str) -> String {
    password.nfkc().collect()
}

impl PasswordPolicy {
    /// Checks a new password. `hints` are words the customer gave us (email, name), which
    /// make a password easier to guess when it contains them.
    pub fn check(&self, password: &str, hints: &[&str]) -> Result<String, PasswordProblem> {
        if password.is_empty() {
            return Err(PasswordProblem::Empty);
        }
        let normalized = normalize(password);
        let length = normalized.chars().count();
        if length < self.min_length {
            return Err(PasswordProblem::TooShort {
                min: self.min_length,
            });
        }
        if length > self.max_length {
            return Err(PasswordProblem::TooLong {
                max: self.max_length,
            });
        }
        if self.reject_breached && super::breached::is_common(&normalized) {
            return Err(PasswordProblem::Breached);
        }
        if self.min_strength > 0 {
            let estimate = zxcvbn::zxcvbn(&normalized, hints);
            if (estimate.score() as u8) < self.min_strength {
                return Err(PasswordProblem::TooCommon);
            }
        }
        Ok(normalized)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> PasswordPolicy {
        PasswordPolicy::default()
    }

    #[test]
    fn length_is_counted_in_characters_after_normalisation() {
        assert_eq!(
            policy().check("Ab1!xyz", &[]),
            Err(PasswordProblem::TooShort { min: 8 })
        );
        // Eight characters, more than eight bytes.
        assert!(policy().check("ñöüßéàçø", &[]).is_ok());
        let long = "correct horse battery staple ".repeat(9);
        assert_eq!(
            policy().check(&long, &[]),
            Err(PasswordProblem::TooLong { max: 256 })
        );
    }

    #[test]
    fn normalisation_is_nfkc() {
        // Full-width digits and a decomposed é become their plain forms.
        assert_eq!(normalize("１２３"), "123");
        assert_eq!(normalize("e\u{301}"), "é");
    }

    #[test]
    fn breached_passwords_are_refused_first() {
        for breached in [
            "password1",
            "12345678",
            "qwertyuiop",
            "iloveyou123",
            "Password123",
        ] {
            assert_eq!(
                policy().check(breached, &[]),
                Err(PasswordProblem::Breached),
                "{breached}"
            );
        }
    }

    #[test]
    fn guessable_passwords_are_refused_even_without_the_list() {
        let lenient = PasswordPolicy {
            reject_breached: false,
            ..policy()
        };
        for common in [
            "password",
            "password1",
            "12345678",
            "qwertyuiop",
            "iloveyou123",
            "Password123",
        ] {
            assert_eq!(
                lenient.check(common, &[]),
                Err(PasswordProblem::TooCommon),
                "{common} accepted"
            );
        }
    }

    #[test]
    fn passwords_built_from_the_email_are_refused() {
        assert_eq!(
            policy().check("adalovelace", &["adalovelace@example.com", "adalovelace"]),
            Err(PasswordProblem::TooCommon)
        );
    }

    #[test]
    fn strong_passwords_pass() {
        for good in [
            "correct horse battery staple",
            "vT8#qL2m!xR9",
            "Kangaroo-Lamp-Violet-42",
        ] {
            assert!(policy().check(good, &[]).is_ok(), "{good} refused");
        }
    }

    #[test]
    fn empty_is_its_own_problem() {
        assert_eq!(policy().check("", &[]), Err(PasswordProblem::Empty));
    }
}
