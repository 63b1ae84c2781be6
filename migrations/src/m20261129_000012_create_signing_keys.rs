//! The OpenID provider's signing keys, per tenant: private halves sealed with the
//! master key, public halves as JWKs; each key starts being used at `activate_at`
//! (published before that) and stays published while tokens it signed may live.

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
                    .table(SigningKeys::Table)
                    .col(string_len(SigningKeys::Kid, 64).primary_key())
                    .col(uuid(SigningKeys::TenantId))
                    .col(string_len(SigningKeys::Alg, 8))
                    .col(text(SigningKeys::SealedPrivateKey))
                    .col(text(SigningKeys::PublicJwk))
                    .col(timestamp_with_time_zone(SigningKeys::CreatedAt))
                    .col(timestamp_with_time_zone(SigningKeys::ActivateAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SigningKeys::Table, SigningKeys::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_signing_keys_tenant")
                    .table(SigningKeys::Table)
                    .col(SigningKeys::TenantId)
                    .col(SigningKeys::ActivateAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SigningKeys::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum SigningKeys {
    Table,
    Kid,
    TenantId,
    Alg,
    SealedPrivateKey,
    PublicJwk,
    CreatedAt,
    ActivateAt,
}
