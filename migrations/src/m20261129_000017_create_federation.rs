//! Social and enterprise sign-in: the upstream providers a tenant trusts, the
//! single-use `state` of each trip to one, and what an identity remembers about its
//! provider account (the address it asserted, when it was last used).

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261129_000001_create_tenants::Tenants;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FederationProviders::Table)
                    .col(pk_uuid(FederationProviders::Id))
                    .col(uuid(FederationProviders::TenantId))
                    .col(string_len(FederationProviders::Slug, 32))
                    .col(string_len(FederationProviders::DisplayName, 64))
                    .col(string_len(FederationProviders::Kind, 16))
                    .col(string_len_null(FederationProviders::Preset, 16))
                    .col(string_len_null(FederationProviders::Issuer, 512))
                    .col(string_len_null(FederationProviders::DiscoveryUrl, 512))
                    .col(string_len_null(FederationProviders::AuthorizeUrl, 512))
                    .col(string_len_null(FederationProviders::TokenUrl, 512))
                    .col(string_len_null(FederationProviders::UserinfoUrl, 512))
                    .col(string_len_null(FederationProviders::JwksUri, 512))
                    .col(string_len(FederationProviders::ClientId, 255))
                    .col(text_null(FederationProviders::ClientSecretSealed))
                    .col(string_len(FederationProviders::Scopes, 512))
                    .col(text(FederationProviders::Settings))
                    .col(boolean(FederationProviders::Enabled))
                    .col(timestamp_with_time_zone(FederationProviders::CreatedAt))
                    .col(timestamp_with_time_zone(FederationProviders::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(FederationProviders::Table, FederationProviders::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_federation_providers_tenant_slug")
                    .table(FederationProviders::Table)
                    .col(FederationProviders::TenantId)
                    .col(FederationProviders::Slug)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FederationStates::Table)
                    .col(pk_uuid(FederationStates::Id))
                    .col(uuid(FederationStates::TenantId))
                    .col(string_len(FederationStates::StateHash, 64))
                    .col(uuid(FederationStates::ProviderId))
                    .col(string_len(FederationStates::Purpose, 16))
                    .col(uuid_null(FederationStates::FlowId))
                    .col(uuid_null(FederationStates::UserId))
                    .col(string_len(FederationStates::BrowserHash, 64))
                    .col(string_len(FederationStates::Nonce, 64))
                    .col(text(FederationStates::PkceVerifierSealed))
                    .col(timestamp_with_time_zone(FederationStates::ExpiresAt))
                    .col(timestamp_with_time_zone_null(FederationStates::UsedAt))
                    .col(timestamp_with_time_zone(FederationStates::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(FederationStates::Table, FederationStates::ProviderId)
                            .to(FederationProviders::Table, FederationProviders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_federation_states_hash")
                    .table(FederationStates::Table)
                    .col(FederationStates::StateHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_federation_states_expiry")
                    .table(FederationStates::Table)
                    .col(FederationStates::ExpiresAt)
                    .to_owned(),
            )
            .await?;

        // SQLite takes one change per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(Identities::Table)
                    .add_column(string_len_null(Identities::Email, 254))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Identities::Table)
                    .add_column(timestamp_with_time_zone_null(Identities::LastUsedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Identities::Table)
                    .drop_column(Identities::LastUsedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Identities::Table)
                    .drop_column(Identities::Email)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(FederationStates::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(FederationProviders::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum FederationProviders {
    Table,
    Id,
    TenantId,
    Slug,
    DisplayName,
    Kind,
    Preset,
    Issuer,
    DiscoveryUrl,
    AuthorizeUrl,
    TokenUrl,
    UserinfoUrl,
    JwksUri,
    ClientId,
    ClientSecretSealed,
    Scopes,
    Settings,
    Enabled,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FederationStates {
    Table,
    Id,
    TenantId,
    StateHash,
    ProviderId,
    Purpose,
    FlowId,
    UserId,
    BrowserHash,
    Nonce,
    PkceVerifierSealed,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Identities {
    Table,
    Email,
    LastUsedAt,
}
