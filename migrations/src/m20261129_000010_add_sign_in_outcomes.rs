//! The second-factor step: a sign-in event has an outcome (it may wait for a second
//! factor, or be denied or reported), a password can be blocked until it is reset
//! ("this wasn't me"), and a mailed secret can name what it is about.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one change per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(LoginEvents::Table)
                    .add_column(string_len(LoginEvents::Outcome, 16).default("succeeded"))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PasswordCredentials::Table)
                    .add_column(timestamp_with_time_zone_null(
                        PasswordCredentials::BlockedAt,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(OneTimeCodes::Table)
                    .add_column(uuid_null(OneTimeCodes::ReferenceId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(OneTimeCodes::Table)
                    .drop_column(OneTimeCodes::ReferenceId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PasswordCredentials::Table)
                    .drop_column(PasswordCredentials::BlockedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(LoginEvents::Table)
                    .drop_column(LoginEvents::Outcome)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum LoginEvents {
    Table,
    Outcome,
}

#[derive(DeriveIden)]
enum PasswordCredentials {
    Table,
    BlockedAt,
}

#[derive(DeriveIden)]
enum OneTimeCodes {
    Table,
    ReferenceId,
}
