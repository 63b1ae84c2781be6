//! sea-orm entities, one per table. Only `store` and the modules' store functions use them.

pub mod app_redirect_uris;
pub mod app_secrets;
pub mod applications;
pub mod audit_events;
pub mod devices;
pub mod flows;
pub mod identities;
pub mod login_events;
pub mod one_time_codes;
pub mod outbox;
pub mod password_credentials;
pub mod recovery_codes;
pub mod sessions;
pub mod signing_keys;
pub mod tenant_hosts;
pub mod tenants;
pub mod theme_versions;
pub mod themes;
pub mod throttles;
pub mod totp_factors;
pub mod user_emails;
pub mod users;
pub mod webauthn_ceremonies;
pub mod webauthn_credentials;
