//! Account deletion with a grace period: when a `deletion_pending` account is erased.
//! Indexed, so the periodic purge finds the due accounts without a scan.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261129_000002_create_accounts::Users;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .add_column(timestamp_with_time_zone_null(UserDeletion::DeleteAfter))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_users_delete_after")
                    .table(Users::Table)
                    .col(UserDeletion::DeleteAfter)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name("idx_users_delete_after").to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(UserDeletion::DeleteAfter)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum UserDeletion {
    DeleteAfter,
}
