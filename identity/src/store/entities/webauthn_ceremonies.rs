use sea_orm::entity::prelude::*;

/// The server half of a WebAuthn ceremony in progress: single use, short-lived, bound
/// to the browser (and flow or account) that started it.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "webauthn_ceremonies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub purpose: String,
    pub flow_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub browser_binding: String,
    /// The host whose relying party started it; finishing uses the same one.
    pub rp_host: String,
    /// webauthn-rs' ceremony state and Portico's extras, as JSON.
    pub state: String,
    pub expires_at: DateTimeUtc,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
