use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261129_000002_create_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Devices::Table)
                    .col(pk_uuid(Devices::Id))
                    .col(uuid(Devices::TenantId))
                    .col(uuid(Devices::UserId))
                    .col(string_len(Devices::DeviceHash, 64))
                    .col(string_len_null(Devices::UserAgent, 512))
                    .col(timestamp_with_time_zone(Devices::FirstSeen))
                    .col(timestamp_with_time_zone(Devices::LastSeen))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Devices::Table, Devices::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_devices_user_hash")
                    .table(Devices::Table)
                    .col(Devices::UserId)
                    .col(Devices::DeviceHash)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LoginEvents::Table)
                    .col(pk_uuid(LoginEvents::Id))
                    .col(uuid(LoginEvents::TenantId))
                    .col(uuid(LoginEvents::UserId))
                    .col(timestamp_with_time_zone(LoginEvents::At))
                    .col(string_len_null(LoginEvents::Ip, 45))
                    .col(string_len_null(LoginEvents::UserAgent, 512))
                    .col(string_len_null(LoginEvents::Country, 2))
                    .col(string_len_null(LoginEvents::City, 128))
                    .col(double_null(LoginEvents::Latitude))
                    .col(double_null(LoginEvents::Longitude))
                    .col(boolean(LoginEvents::DeviceKnown))
                    .col(string_len(LoginEvents::Methods, 64))
                    .col(small_integer(LoginEvents::Score))
                    .col(string_len(LoginEvents::Decision, 16))
                    .col(string_len(LoginEvents::Enforced, 16))
                    .col(text(LoginEvents::Reasons))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LoginEvents::Table, LoginEvents::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_login_events_user_at")
                    .table(LoginEvents::Table)
                    .col(LoginEvents::UserId)
                    .col(LoginEvents::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LoginEvents::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Devices::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Devices {
    Table,
    Id,
    TenantId,
    UserId,
    DeviceHash,
    UserAgent,
    FirstSeen,
    LastSeen,
}

#[derive(DeriveIden)]
enum LoginEvents {
    Table,
    Id,
    TenantId,
    UserId,
    At,
    Ip,
    UserAgent,
    Country,
    City,
    Latitude,
    Longitude,
    DeviceKnown,
    Methods,
    Score,
    Decision,
    Enforced,
    Reasons,
}
