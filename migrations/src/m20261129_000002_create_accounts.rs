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
                    .table(Users::Table)
                    .col(pk_uuid(Users::Id))
                    .col(uuid(Users::TenantId))
                    .col(string_len(Users::Status, 24))
                    .col(string_len(Users::DisplayName, 200))
                    .col(json(Users::Profile))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .col(timestamp_with_time_zone(Users::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Users::Table, Users::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_users_tenant_created")
                    .table(Users::Table)
                    .col(Users::TenantId)
                    .col(Users::CreatedAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(UserEmails::Table)
                    .col(pk_uuid(UserEmails::Id))
                    .col(uuid(UserEmails::TenantId))
                    .col(uuid(UserEmails::UserId))
                    .col(string_len(UserEmails::Address, 254))
                    .col(boolean(UserEmails::IsPrimary).default(false))
                    .col(timestamp_with_time_zone_null(UserEmails::VerifiedAt))
                    .col(timestamp_with_time_zone(UserEmails::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(UserEmails::Table, UserEmails::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_user_emails_tenant_address")
                    .table(UserEmails::Table)
                    .col(UserEmails::TenantId)
                    .col(UserEmails::Address)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_user_emails_user")
                    .table(UserEmails::Table)
                    .col(UserEmails::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Identities::Table)
                    .col(pk_uuid(Identities::Id))
                    .col(uuid(Identities::TenantId))
                    .col(uuid(Identities::UserId))
                    .col(string_len(Identities::Provider, 64))
                    .col(string_len(Identities::Subject, 255))
                    .col(timestamp_with_time_zone(Identities::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Identities::Table, Identities::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_identities_tenant_provider_subject")
                    .table(Identities::Table)
                    .col(Identities::TenantId)
                    .col(Identities::Provider)
                    .col(Identities::Subject)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_identities_user")
                    .table(Identities::Table)
                    .col(Identities::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PasswordCredentials::Table)
                    .col(uuid(PasswordCredentials::UserId).primary_key())
                    .col(uuid(PasswordCredentials::TenantId))
                    .col(string_len(PasswordCredentials::Phc, 512))
                    .col(timestamp_with_time_zone(PasswordCredentials::CreatedAt))
                    .col(timestamp_with_time_zone(PasswordCredentials::ChangedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PasswordCredentials::Table, PasswordCredentials::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PasswordCredentials::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Identities::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(UserEmails::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Users {
    Table,
    Id,
    TenantId,
    Status,
    DisplayName,
    Profile,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum UserEmails {
    Table,
    Id,
    TenantId,
    UserId,
    Address,
    IsPrimary,
    VerifiedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Identities {
    Table,
    Id,
    TenantId,
    UserId,
    Provider,
    Subject,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PasswordCredentials {
    Table,
    UserId,
    TenantId,
    Phc,
    CreatedAt,
    ChangedAt,
}
