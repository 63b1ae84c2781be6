//! The app registry: the company's applications (OIDC clients), their exact redirect
//! URIs, and their client secrets (hashed; several live at once while one is rotated).

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
                    .table(Applications::Table)
                    .col(pk_uuid(Applications::Id))
                    .col(uuid(Applications::TenantId))
                    .col(string_len(Applications::ClientId, 64))
                    .col(string_len(Applications::Name, 100))
                    .col(string_len(Applications::Kind, 16))
                    .col(string_len(Applications::Status, 16))
                    .col(boolean(Applications::FirstParty))
                    .col(text(Applications::GrantTypes))
                    .col(text(Applications::Scopes))
                    .col(integer(Applications::AccessTokenSeconds))
                    .col(integer(Applications::RefreshTokenSeconds))
                    .col(string_len(Applications::IdTokenAlg, 8))
                    .col(timestamp_with_time_zone(Applications::CreatedAt))
                    .col(timestamp_with_time_zone(Applications::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Applications::Table, Applications::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_applications_client_id")
                    .table(Applications::Table)
                    .col(Applications::ClientId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AppRedirectUris::Table)
                    .col(pk_uuid(AppRedirectUris::Id))
                    .col(uuid(AppRedirectUris::AppId))
                    .col(string_len(AppRedirectUris::Purpose, 16))
                    .col(string_len(AppRedirectUris::Uri, 2000))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AppRedirectUris::Table, AppRedirectUris::AppId)
                            .to(Applications::Table, Applications::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_app_redirect_uris_app")
                    .table(AppRedirectUris::Table)
                    .col(AppRedirectUris::AppId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AppSecrets::Table)
                    .col(pk_uuid(AppSecrets::Id))
                    .col(uuid(AppSecrets::AppId))
                    .col(string_len(AppSecrets::SecretHash, 64))
                    .col(timestamp_with_time_zone(AppSecrets::CreatedAt))
                    .col(timestamp_with_time_zone_null(AppSecrets::ExpiresAt))
                    .col(timestamp_with_time_zone_null(AppSecrets::LastUsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AppSecrets::Table, AppSecrets::AppId)
                            .to(Applications::Table, Applications::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_app_secrets_app")
                    .table(AppSecrets::Table)
                    .col(AppSecrets::AppId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AppSecrets::Table.into_iden(),
            AppRedirectUris::Table.into_iden(),
            Applications::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
pub enum Applications {
    Table,
    Id,
    TenantId,
    ClientId,
    Name,
    Kind,
    Status,
    FirstParty,
    GrantTypes,
    Scopes,
    AccessTokenSeconds,
    RefreshTokenSeconds,
    IdTokenAlg,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AppRedirectUris {
    Table,
    Id,
    AppId,
    Purpose,
    Uri,
}

#[derive(DeriveIden)]
enum AppSecrets {
    Table,
    Id,
    AppId,
    SecretHash,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
}
