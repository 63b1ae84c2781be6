//! Client authentication with signed JWTs (`private_key_jwt`, RFC 7523): an app's
//! public keys (a JWKS) on the app, and the ids of assertions already used, kept until
//! they expire so none is accepted twice.

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
                    .add_column(text_null(AppJwks::Jwks))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ClientAssertions::Table)
                    .col(string_len(ClientAssertions::Key, 64).primary_key())
                    .col(timestamp_with_time_zone(ClientAssertions::ExpiresAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ClientAssertions::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Applications::Table)
                    .drop_column(AppJwks::Jwks)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum AppJwks {
    Jwks,
}

#[derive(DeriveIden)]
enum ClientAssertions {
    Table,
    Key,
    ExpiresAt,
}
