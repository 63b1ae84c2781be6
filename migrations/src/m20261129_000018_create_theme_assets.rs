//! Images a brand manager uploads for a theme (logo, favicon, the split layout's
//! picture), stored by content: a theme names an asset by its SHA-256, so an asset's URL
//! never changes meaning and can be cached for a year.

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
                    .table(ThemeAssets::Table)
                    .col(pk_uuid(ThemeAssets::Id))
                    .col(uuid(ThemeAssets::TenantId))
                    .col(string_len(ThemeAssets::Sha256, 64))
                    .col(string_len(ThemeAssets::ContentType, 32))
                    .col(integer(ThemeAssets::Size))
                    .col(blob(ThemeAssets::Bytes))
                    .col(uuid_null(ThemeAssets::CreatedBy))
                    .col(timestamp_with_time_zone(ThemeAssets::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ThemeAssets::Table, ThemeAssets::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_theme_assets_tenant_sha256")
                    .table(ThemeAssets::Table)
                    .col(ThemeAssets::TenantId)
                    .col(ThemeAssets::Sha256)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ThemeAssets::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ThemeAssets {
    Table,
    Id,
    TenantId,
    Sha256,
    ContentType,
    Size,
    Bytes,
    CreatedBy,
    CreatedAt,
}
