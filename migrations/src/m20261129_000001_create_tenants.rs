use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Tenants::Table)
                    .col(pk_uuid(Tenants::Id))
                    .col(string_len_uniq(Tenants::Slug, 63))
                    .col(string_len(Tenants::DisplayName, 200))
                    .col(string_len(Tenants::BaseUrl, 2048))
                    .col(boolean(Tenants::IsDefault).default(false))
                    .col(json(Tenants::Policy))
                    .col(timestamp_with_time_zone(Tenants::CreatedAt))
                    .col(timestamp_with_time_zone(Tenants::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TenantHosts::Table)
                    .col(string_len(TenantHosts::Host, 255).primary_key())
                    .col(uuid(TenantHosts::TenantId))
                    .col(timestamp_with_time_zone(TenantHosts::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TenantHosts::Table, TenantHosts::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_tenant_hosts_tenant")
                    .table(TenantHosts::Table)
                    .col(TenantHosts::TenantId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Themes::Table)
                    .col(pk_uuid(Themes::Id))
                    .col(uuid(Themes::TenantId))
                    .col(uuid_null(Themes::AppId))
                    .col(uuid_null(Themes::PublishedVersionId))
                    .col(timestamp_with_time_zone(Themes::CreatedAt))
                    .col(timestamp_with_time_zone(Themes::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Themes::Table, Themes::TenantId)
                            .to(Tenants::Table, Tenants::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_themes_tenant_app")
                    .table(Themes::Table)
                    .col(Themes::TenantId)
                    .col(Themes::AppId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ThemeVersions::Table)
                    .col(pk_uuid(ThemeVersions::Id))
                    .col(uuid(ThemeVersions::ThemeId))
                    .col(uuid(ThemeVersions::TenantId))
                    .col(integer(ThemeVersions::Version))
                    .col(string_len(ThemeVersions::Status, 16))
                    .col(json(ThemeVersions::Tokens))
                    .col(uuid_null(ThemeVersions::CreatedBy))
                    .col(timestamp_with_time_zone(ThemeVersions::CreatedAt))
                    .col(timestamp_with_time_zone_null(ThemeVersions::PublishedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ThemeVersions::Table, ThemeVersions::ThemeId)
                            .to(Themes::Table, Themes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_theme_versions_theme_version")
                    .table(ThemeVersions::Table)
                    .col(ThemeVersions::ThemeId)
                    .col(ThemeVersions::Version)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ThemeVersions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Themes::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(TenantHosts::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Tenants::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
pub enum Tenants {
    Table,
    Id,
    Slug,
    DisplayName,
    BaseUrl,
    IsDefault,
    Policy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TenantHosts {
    Table,
    Host,
    TenantId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Themes {
    Table,
    Id,
    TenantId,
    AppId,
    PublishedVersionId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ThemeVersions {
    Table,
    Id,
    ThemeId,
    TenantId,
    Version,
    Status,
    Tokens,
    CreatedBy,
    CreatedAt,
    PublishedAt,
}
