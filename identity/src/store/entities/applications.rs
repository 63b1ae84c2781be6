use sea_orm::entity::prelude::*;

/// An application (OIDC client) of a tenant.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "applications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub client_id: String,
    pub name: String,
    /// `web`, `spa`, `native`, `machine` or `device`.
    pub kind: String,
    /// `active` or `disabled`.
    pub status: String,
    pub first_party: bool,
    /// JSON array of grant type names.
    pub grant_types: String,
    /// JSON array of scope names.
    pub scopes: String,
    pub access_token_seconds: i32,
    pub refresh_token_seconds: i32,
    pub id_token_alg: String,
    /// The app's public keys (a JWKS as JSON) for `private_key_jwt`.
    pub jwks: Option<String>,
    /// The app's sign-in methods (JSON); none: all of them.
    pub sign_in_methods: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
