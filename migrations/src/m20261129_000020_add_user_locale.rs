//! The account's language: the one its mails are written in. Set at sign-up from the
//! pages' language and changed by the customer's own choice; no value means the
//! tenant's default.

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
                    .add_column(string_len_null(UserLocale::Locale, 8))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Users::Table)
                    .drop_column(UserLocale::Locale)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum UserLocale {
    Locale,
}
