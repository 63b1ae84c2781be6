use sea_orm::entity::prelude::*;

/// A TOTP authenticator app bound to an account; the seed is sealed with the master key.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "totp_factors")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    pub sealed_secret: String,
    /// Set once a first code proved the app holds the seed.
    pub confirmed_at: Option<DateTimeUtc>,
    /// The newest time step accepted: a code is accepted once.
    pub last_used_step: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
