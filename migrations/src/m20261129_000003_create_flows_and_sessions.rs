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
                    .table(Flows::Table)
                    .col(pk_uuid(Flows::Id))
                    .col(uuid(Flows::TenantId))
                    .col(string_len(Flows::Kind, 24))
                    .col(string_len(Flows::State, 24))
                    .col(uuid_null(Flows::AppId))
                    .col(string_len_null(Flows::ReturnTo, 2048))
                    .col(string_len(Flows::BrowserBinding, 64))
                    .col(string_len(Flows::CsrfToken, 64))
                    .col(json(Flows::Messages))
                    .col(json(Flows::Context))
                    .col(timestamp_with_time_zone(Flows::ExpiresAt))
                    .col(timestamp_with_time_zone(Flows::CreatedAt))
                    .col(timestamp_with_time_zone(Flows::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Flows::Table, Flows::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_flows_expires_at")
                    .table(Flows::Table)
                    .col(Flows::ExpiresAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(string_len(Sessions::Id, 64).primary_key())
                    .col(text(Sessions::Data))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .col(uuid_null(Sessions::TenantId))
                    .col(uuid_null(Sessions::UserId))
                    .col(timestamp_with_time_zone_null(Sessions::AuthenticatedAt))
                    .col(string_len_null(Sessions::Ip, 64))
                    .col(string_len_null(Sessions::UserAgent, 512))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sessions_user")
                    .table(Sessions::Table)
                    .col(Sessions::UserId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_sessions_expires_at")
                    .table(Sessions::Table)
                    .col(Sessions::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Sessions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Flows::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Flows {
    Table,
    Id,
    TenantId,
    Kind,
    State,
    AppId,
    ReturnTo,
    BrowserBinding,
    CsrfToken,
    Messages,
    Context,
    ExpiresAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    Data,
    ExpiresAt,
    TenantId,
    UserId,
    AuthenticatedAt,
    Ip,
    UserAgent,
    CreatedAt,
    UpdatedAt,
}
