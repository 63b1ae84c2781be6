use sea_orm::entity::prelude::*;

/// What a customer allowed an app in one authorization: the scopes, how the customer
/// had signed in, the authorization code that opened it (hashed, single use), and —
/// through `refresh_tokens` — the family of tokens issued under it. Revoking the grant
/// revokes them all.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "oauth_grants")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub app_id: Uuid,
    pub user_id: Uuid,
    pub scope: String,
    pub auth_time: DateTimeUtc,
    pub amr: String,
    pub aal: i16,
    pub sid: String,
    pub nonce: Option<String>,
    pub redirect_uri: String,
    pub code_challenge: Option<String>,
    pub code_hash: Option<String>,
    pub code_expires_at: Option<DateTimeUtc>,
    pub code_redeemed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub last_used_at: Option<DateTimeUtc>,
    pub revoked_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
