use sea_orm::entity::prelude::*;

/// A passkey or security key bound to an account.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "webauthn_credentials")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    /// The authenticator's credential id, base64url; unique across all accounts.
    pub credential_id: String,
    /// webauthn-rs' `Passkey` as JSON: public key, counter, flags.
    pub passkey: String,
    pub name: String,
    pub aaguid: Option<String>,
    pub sign_count: i64,
    pub backup_eligible: bool,
    pub backup_state: bool,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
