use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261129_000001_create_tenants::Tenants;
use crate::m20261129_000002_create_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebauthnCredentials::Table)
                    .col(pk_uuid(WebauthnCredentials::Id))
                    .col(uuid(WebauthnCredentials::TenantId))
                    .col(uuid(WebauthnCredentials::UserId))
                    .col(string_len(WebauthnCredentials::CredentialId, 1400))
                    .col(text(WebauthnCredentials::Passkey))
                    .col(string_len(WebauthnCredentials::Name, 64))
                    .col(string_len_null(WebauthnCredentials::Aaguid, 36))
                    .col(big_integer(WebauthnCredentials::SignCount).default(0))
                    .col(boolean(WebauthnCredentials::BackupEligible).default(false))
                    .col(boolean(WebauthnCredentials::BackupState).default(false))
                    .col(timestamp_with_time_zone(WebauthnCredentials::CreatedAt))
                    .col(timestamp_with_time_zone_null(
                        WebauthnCredentials::LastUsedAt,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WebauthnCredentials::Table, WebauthnCredentials::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Credential ids are unique across every account and tenant.
        manager
            .create_index(
                Index::create()
                    .name("idx_webauthn_credentials_credential_id")
                    .table(WebauthnCredentials::Table)
                    .col(WebauthnCredentials::CredentialId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webauthn_credentials_user")
                    .table(WebauthnCredentials::Table)
                    .col(WebauthnCredentials::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(WebauthnCeremonies::Table)
                    .col(pk_uuid(WebauthnCeremonies::Id))
                    .col(uuid(WebauthnCeremonies::TenantId))
                    .col(string_len(WebauthnCeremonies::Purpose, 16))
                    .col(uuid_null(WebauthnCeremonies::FlowId))
                    .col(uuid_null(WebauthnCeremonies::UserId))
                    .col(string_len(WebauthnCeremonies::BrowserBinding, 64))
                    .col(string_len(WebauthnCeremonies::RpHost, 260))
                    .col(text(WebauthnCeremonies::State))
                    .col(timestamp_with_time_zone(WebauthnCeremonies::ExpiresAt))
                    .col(timestamp_with_time_zone(WebauthnCeremonies::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WebauthnCeremonies::Table, WebauthnCeremonies::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webauthn_ceremonies_expires")
                    .table(WebauthnCeremonies::Table)
                    .col(WebauthnCeremonies::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WebauthnCeremonies::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(WebauthnCredentials::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum WebauthnCredentials {
    Table,
    Id,
    TenantId,
    UserId,
    CredentialId,
    Passkey,
    Name,
    Aaguid,
    SignCount,
    BackupEligible,
    BackupState,
    CreatedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum WebauthnCeremonies {
    Table,
    Id,
    TenantId,
    Purpose,
    FlowId,
    UserId,
    BrowserBinding,
    RpHost,
    State,
    ExpiresAt,
    CreatedAt,
}
