use sea_orm::entity::prelude::*;

/// One throttling key's sliding-window counter.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "throttles")]
pub struct Model {
    /// SHA-256 of the key, so the table holds no email address or IP in clear.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub window_start: DateTimeUtc,
    pub count: i32,
    pub prev_count: i32,
    pub next_allowed_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
