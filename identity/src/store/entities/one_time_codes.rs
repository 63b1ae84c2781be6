use sea_orm::entity::prelude::*;

/// A single-use secret sent by mail: a link token and, for some purposes, a short code.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "one_time_codes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    pub purpose: String,
    /// SHA-256 of the link token.
    pub token_hash: String,
    /// SHA-256 of the row id and the short code, when there is one.
    pub code_hash: Option<String>,
    /// The address the secret was sent to.
    pub email: String,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// What the secret is about, for purposes that name something (e.g. the sign-in a
    /// "this wasn't me" link reports).
    pub reference_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
