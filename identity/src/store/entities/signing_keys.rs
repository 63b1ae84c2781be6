use sea_orm::entity::prelude::*;

/// A token-signing key of a tenant.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "signing_keys")]
pub struct Model {
    /// The JWK `kid`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub kid: String,
    pub tenant_id: Uuid,
    /// `RS256`, `ES256` or `EdDSA`.
    pub alg: String,
    /// PKCS#8, sealed with the master key (bound to the kid).
    pub sealed_private_key: String,
    /// The public JWK as JSON.
    pub public_jwk: String,
    pub created_at: DateTimeUtc,
    /// From then on it signs (until a newer key of its algorithm takes over).
    pub activate_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
