//! Portico's schema: one set of migrations that runs unchanged on SQLite and PostgreSQL.
//!
//! Every migration has a working `down`. Names follow `mYYYYMMDD_HHMMSS_verb_noun`.

pub use sea_orm_migration::prelude::*;

mod m20261129_000001_create_tenants;
mod m20261129_000002_create_accounts;
mod m20261129_000003_create_flows_and_sessions;
mod m20261129_000004_create_audit_events;
mod m20261129_000005_create_throttles;
mod m20261129_000006_create_outbox_and_codes;
mod m20261129_000007_create_passkeys;
mod m20261129_000008_create_mfa_factors;
mod m20261129_000009_create_login_events;
mod m20261129_000010_add_sign_in_outcomes;
mod m20261129_000011_create_applications;
mod m20261129_000012_create_signing_keys;
mod m20261129_000013_create_oauth_grants;
mod m20261129_000014_create_device_authorizations;
mod m20261129_000015_add_client_keys;
mod m20261129_000016_create_user_roles;
mod m20261129_000017_create_federation;
mod m20261129_000018_create_theme_assets;
mod m20261129_000019_add_app_sign_in_methods;
mod m20261129_000020_add_user_locale;
mod m20261129_000021_add_user_delete_after;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261129_000001_create_tenants::Migration),
            Box::new(m20261129_000002_create_accounts::Migration),
            Box::new(m20261129_000003_create_flows_and_sessions::Migration),
            Box::new(m20261129_000004_create_audit_events::Migration),
            Box::new(m20261129_000005_create_throttles::Migration),
            Box::new(m20261129_000006_create_outbox_and_codes::Migration),
            Box::new(m20261129_000007_create_passkeys::Migration),
            Box::new(m20261129_000008_create_mfa_factors::Migration),
            Box::new(m20261129_000009_create_login_events::Migration),
            Box::new(m20261129_000010_add_sign_in_outcomes::Migration),
            Box::new(m20261129_000011_create_applications::Migration),
            Box::new(m20261129_000012_create_signing_keys::Migration),
            Box::new(m20261129_000013_create_oauth_grants::Migration),
            Box::new(m20261129_000014_create_device_authorizations::Migration),
            Box::new(m20261129_000015_add_client_keys::Migration),
            Box::new(m20261129_000016_create_user_roles::Migration),
            Box::new(m20261129_000017_create_federation::Migration),
            Box::new(m20261129_000018_create_theme_assets::Migration),
            Box::new(m20261129_000019_add_app_sign_in_methods::Migration),
            Box::new(m20261129_000020_add_user_locale::Migration),
            Box::new(m20261129_000021_add_user_delete_after::Migration),
        ]
    }
}
