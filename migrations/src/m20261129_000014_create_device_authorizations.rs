//! The device authorization grant (RFC 8628): a console or TV shows a short user code,
//! the customer enters it at /device on another screen, signs in and approves; the
//! device polls with its device code (stored hashed) until then.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261129_000001_create_tenants::Tenants;
use crate::m20261129_000011_create_applications::Applications;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DeviceAuthorizations::Table)
                    .col(pk_uuid(DeviceAuthorizations::Id))
                    .col(uuid(DeviceAuthorizations::TenantId))
                    .col(uuid(DeviceAuthorizations::AppId))
                    .col(string_len(DeviceAuthorizations::DeviceCodeHash, 64))
                    .col(string_len(DeviceAuthorizations::UserCode, 16))
                    .col(text(DeviceAuthorizations::Scope))
                    .col(string_len(DeviceAuthorizations::Status, 16))
                    .col(integer(DeviceAuthorizations::IntervalSecs))
                    .col(timestamp_with_time_zone(DeviceAuthorizations::CreatedAt))
                    .col(timestamp_with_time_zone(DeviceAuthorizations::ExpiresAt))
                    .col(timestamp_with_time_zone_null(
                        DeviceAuthorizations::LastPolledAt,
                    ))
                    .col(uuid_null(DeviceAuthorizations::UserId))
                    .col(timestamp_with_time_zone_null(
                        DeviceAuthorizations::AuthTime,
                    ))
                    .col(string_len_null(DeviceAuthorizations::Amr, 100))
                    .col(small_integer_null(DeviceAuthorizations::Aal))
                    .col(string_len_null(DeviceAuthorizations::Sid, 64))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DeviceAuthorizations::Table, DeviceAuthorizations::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DeviceAuthorizations::Table, DeviceAuthorizations::AppId)
                            .to(Applications::Table, Applications::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_device_authorizations_device_code")
                    .table(DeviceAuthorizations::Table)
                    .col(DeviceAuthorizations::DeviceCodeHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_device_authorizations_user_code")
                    .table(DeviceAuthorizations::Table)
                    .col(DeviceAuthorizations::TenantId)
                    .col(DeviceAuthorizations::UserCode)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DeviceAuthorizations::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum DeviceAuthorizations {
    Table,
    Id,
    TenantId,
    AppId,
    DeviceCodeHash,
    UserCode,
    Scope,
    Status,
    IntervalSecs,
    CreatedAt,
    ExpiresAt,
    LastPolledAt,
    UserId,
    AuthTime,
    Amr,
    Aal,
    Sid,
}
