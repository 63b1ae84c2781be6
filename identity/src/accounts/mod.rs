//! Accounts: customers, their email addresses and their status.

pub mod deletion;
pub mod email_change;
pub mod export;

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::store::{self, StoreError};
use crate::{Engine, TenantId, UserId};

/// An email address in Portico's canonical form: trimmed, the domain in ASCII (IDNA),
/// the whole address lowercased. Two addresses that differ only in case are the same
/// account.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("enter your email address")]
    Empty,
    #[error("this email address is too long")]
    TooLong,
    #[error("this is not a valid email address")]
    Malformed,
}

const ATEXT_SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~";

impl Email {
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(EmailError::Empty);
        }
        if input.len() > 254 {
            return Err(EmailError::TooLong);
        }
        let (local, domain) = input.rsplit_once('@').ok_or(EmailError::Malformed)?;
        validate_local(local)?;
        let domain = validate_domain(domain)?;
        let address = format!("{}@{}", local.to_lowercase(), domain);
        if address.len() > 254 {
            return Err(EmailError::TooLong);
        }
        Ok(Self(address))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the `@`.
    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map(|(l, _)| l).unwrap_or(&self.0)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn validate_local(local: &str) -> Result<(), EmailError> {
    if local.is_empty() || local.len() > 64 {
        return Err(EmailError::Malformed);
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(EmailError::Malformed);
    }
    let ok = local.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || c == '.'
            || ATEXT_SPECIALS.contains(c)
            || (!c.is_ascii() && !c.is_control() && !c.is_whitespace())
    });
    if ok {
        Ok(())
    } else {
        Err(EmailError::Malformed)
    }
}

fn validate_domain(domain: &str) -> Result<String, EmailError> {
    if domain.is_empty() || domain.starts_with('[') {
        // Address literals are legal but never what a customer means to type.
        return Err(EmailError::Malformed);
    }
    let ascii = idna::domain_to_ascii(domain).map_err(|_| EmailError::Malformed)?;
    if ascii.len() > 253 {
        return Err(EmailError::TooLong);
    }
    let labels: Vec<&str> = ascii.split('.').collect();
    if labels.len() < 2 {
        return Err(EmailError::Malformed);
    }
    for label in &labels {
        let valid = !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !valid {
            return Err(EmailError::Malformed);
        }
    }
    let tld = labels.last().copied().unwrap_or_default();
    if tld.chars().all(|c| c.is_ascii_digit()) {
        return Err(EmailError::Malformed);
    }
    Ok(ascii)
}

/// A customer's display name: trimmed, 1–100 characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisplayName(String);

#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DisplayNameError {
    #[error("names can be at most 100 characters")]
    TooLong,
    #[error("names cannot contain control characters")]
    InvalidCharacters,
}

impl DisplayName {
    pub const MAX_CHARS: usize = 100;

    /// Parses an optional display name; an empty one becomes `None`.
    pub fn parse(input: &str) -> Result<Option<Self>, DisplayNameError> {
        let name = input.trim();
        if name.is_empty() {
            return Ok(None);
        }
        if name.chars().count() > Self::MAX_CHARS {
            return Err(DisplayNameError::TooLong);
        }
        if name.chars().any(char::is_control) {
            return Err(DisplayNameError::InvalidCharacters);
        }
        Ok(Some(Self(name.to_string())))
    }

    pub fn from_email(email: &Email) -> Self {
        Self(email.local_part().chars().take(Self::MAX_CHARS).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountStatus {
    Active,
    Locked,
    Disabled,
    /// The owner asked for deletion; signing in during the grace period offers to
    /// cancel, and afterwards the personal data is erased.
    DeletionPending,
}

impl AccountStatus {
    /// Whether its owner may sign in: active, or pending deletion (to cancel it).
    pub fn may_sign_in(self) -> bool {
        matches!(self, AccountStatus::Active | AccountStatus::DeletionPending)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Locked => "locked",
            AccountStatus::Disabled => "disabled",
            AccountStatus::DeletionPending => "deletion_pending",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "active" => Some(AccountStatus::Active),
            "locked" => Some(AccountStatus::Locked),
            "disabled" => Some(AccountStatus::Disabled),
            "deletion_pending" => Some(AccountStatus::DeletionPending),
            _ => None,
        }
    }
}

/// What the account page shows about a customer.
#[derive(Clone, Debug)]
pub struct AccountSummary {
    pub id: UserId,
    pub tenant_id: TenantId,
    pub display_name: String,
    pub email: String,
    pub email_verified: bool,
    pub status: AccountStatus,
    pub created_at: DateTime<Utc>,
    pub has_password: bool,
    /// The language the customer chose for pages and mails, if any.
    pub locale: Option<crate::i18n::Language>,
}

/// A role in the tenant's admin console. Admins must sign in with two factors.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything in the console: apps, users, policies, branding.
    Admin,
    /// Branding only.
    BrandManager,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::BrandManager => "brand_manager",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(Role::Admin),
            "brand_manager" => Some(Role::BrandManager),
            _ => None,
        }
    }
}

impl Engine {
    /// Keeps the language the customer chose, so their mails are written in it.
    pub async fn set_account_language(
        &self,
        tenant: TenantId,
        user: UserId,
        language: crate::i18n::Language,
    ) -> Result<(), StoreError> {
        store::accounts::set_locale(self.db().conn(), tenant, user, language, self.now()).await
    }

    /// The roles `user` holds in `tenant`.
    pub async fn roles(&self, tenant: TenantId, user: UserId) -> Result<Vec<Role>, StoreError> {
        Ok(store::accounts::roles(self.db().conn(), tenant, user)
            .await?
            .iter()
            .filter_map(|r| Role::parse(r))
            .collect())
    }

    /// Gives the account with `email` a role (audited). `None`: no such account;
    /// `Some(false)`: it already had the role.
    pub async fn grant_role(
        &self,
        tenant: &crate::tenants::Tenant,
        client: &crate::audit::ClientInfo,
        email: &Email,
        role: Role,
    ) -> Result<Option<bool>, StoreError> {
        self.change_role(tenant, client, email, role, true).await
    }

    /// Takes a role away (audited). `None`: no such account; `Some(false)`: it did
    /// not have the role.
    pub async fn revoke_role(
        &self,
        tenant: &crate::tenants::Tenant,
        client: &crate::audit::ClientInfo,
        email: &Email,
        role: Role,
    ) -> Result<Option<bool>, StoreError> {
        self.change_role(tenant, client, email, role, false).await
    }

    async fn change_role(
        &self,
        tenant: &crate::tenants::Tenant,
        client: &crate::audit::ClientInfo,
        email: &Email,
        role: Role,
        grant: bool,
    ) -> Result<Option<bool>, StoreError> {
        let Some(user) =
            store::accounts::find_user_by_email(self.db().conn(), tenant.id, email).await?
        else {
            return Ok(None);
        };
        let now = self.now();
        let tx = self.db().begin().await?;
        let changed = if grant {
            store::accounts::grant_role(&tx, tenant.id, user, role.as_str(), now).await?
        } else {
            store::accounts::revoke_role(&tx, tenant.id, user, role.as_str()).await?
        };
        if changed {
            let action = if grant {
                "role.granted"
            } else {
                "role.revoked"
            };
            let audit = crate::audit::AuditEvent::new(tenant.id, action, client)
                .subject(user)
                .detail("role", role.as_str());
            store::audit::insert(&tx, now, &audit).await?;
        }
        tx.commit().await?;
        Ok(Some(changed))
    }

    /// Who holds `role` in the tenant (email addresses).
    pub async fn role_holders(
        &self,
        tenant: TenantId,
        role: Role,
    ) -> Result<Vec<String>, StoreError> {
        Ok(
            store::accounts::role_holders(self.db().conn(), tenant, role.as_str())
                .await?
                .into_iter()
                .map(|(_, email)| email)
                .collect(),
        )
    }

    /// The account of `user` in `tenant`, if it exists.
    pub async fn account_summary(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> Result<Option<AccountSummary>, StoreError> {
        store::accounts::find_summary(self.db().conn(), tenant, user).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lowercased() {
        let e = Email::parse("  Ada.Lovelace@Example.COM ").unwrap();
        assert_eq!(e.as_str(), "ada.lovelace@example.com");
        assert_eq!(e.local_part(), "ada.lovelace");
    }

    #[test]
    fn international_domains_become_ascii() {
        let e = Email::parse("anna@bücher.example").unwrap();
        assert_eq!(e.as_str(), "anna@xn--bcher-kva.example");
    }

    #[test]
    fn valid_addresses() {
        for ok in [
            "a@b.co",
            "first.last+tag@sub.example.org",
            "o'brien@example.ie",
            "x_y-z@exa-mple.com",
        ] {
            assert!(Email::parse(ok).is_ok(), "{ok} rejected");
        }
    }

    #[test]
    fn invalid_addresses() {
        let cases = [
            ("", EmailError::Empty),
            ("   ", EmailError::Empty),
            ("plainaddress", EmailError::Malformed),
            ("@example.com", EmailError::Malformed),
            ("a@", EmailError::Malformed),
            ("a@localhost", EmailError::Malformed),
            ("a b@example.com", EmailError::Malformed),
            (".a@example.com", EmailError::Malformed),
            ("a..b@example.com", EmailError::Malformed),
            ("a@-example.com", EmailError::Malformed),
            ("a@example..com", EmailError::Malformed),
            ("a@example.123", EmailError::Malformed),
            ("a@[127.0.0.1]", EmailError::Malformed),
            ("a\"b@example.com", EmailError::Malformed),
            ("a@exa_mple.com", EmailError::Malformed),
        ];
        for (input, expected) in cases {
            assert_eq!(Email::parse(input), Err(expected), "{input:?}");
        }
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert_eq!(Email::parse(&long_local), Err(EmailError::Malformed));
        let long = format!("a@{}.com", "b".repeat(260));
        assert_eq!(Email::parse(&long), Err(EmailError::TooLong));
    }

    #[test]
    fn display_names() {
        assert_eq!(DisplayName::parse("  "), Ok(None));
        assert_eq!(
            DisplayName::parse(" Ada ").unwrap().unwrap().as_str(),
            "Ada"
        );
        assert_eq!(
            DisplayName::parse(&"x".repeat(101)),
            Err(DisplayNameError::TooLong)
        );
        assert_eq!(
            DisplayName::parse("a\u{0007}b"),
            Err(DisplayNameError::InvalidCharacters)
        );
        let e = Email::parse("grace@example.com").unwrap();
        assert_eq!(DisplayName::from_email(&e).as_str(), "grace");
    }
}
