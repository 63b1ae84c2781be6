//! Which ways to sign in an app's sign-in page offers (password, passkey, which
//! providers), as JSON on the app; no value means all of them.

use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261129_000011_create_applications::Applications;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Applications::Table)
                    .add_column(text_null(AppSignIn::SignInMethods))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Applications::Table)
                    .drop_column(AppSignIn::SignInMethods)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum AppSignIn {
    SignInMethods,
}
