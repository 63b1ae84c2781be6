use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Throttles::Table)
                    .col(string_len(Throttles::Key, 64).primary_key())
                    .col(timestamp_with_time_zone(Throttles::WindowStart))
                    .col(integer(Throttles::Count))
                    .col(integer(Throttles::PrevCount))
                    .col(timestamp_with_time_zone(Throttles::NextAllowedAt))
                    .col(timestamp_with_time_zone(Throttles::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_throttles_updated_at")
                    .table(Throttles::Table)
                    .col(Throttles::UpdatedAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Throttles::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Throttles {
    Table,
    Key,
    WindowStart,
    Count,
    PrevCount,
    NextAllowedAt,
    UpdatedAt,
}
