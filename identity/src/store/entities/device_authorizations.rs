use sea_orm::entity::prelude::*;

/// A device authorization (RFC 8628): pending until the customer approves or denies it
/// at /device, then redeemed once by the polling device.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "device_authorizations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub app_id: Uuid,
    pub device_code_hash: String,
    /// Normalised: the 8 letters without the dash.
    pub user_code: String,
    pub scope: String,
    /// pending, approved, denied, redeemed
    pub status: String,
    pub interval_secs: i32,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub last_polled_at: Option<DateTimeUtc>,
    pub user_id: Option<Uuid>,
    pub auth_time: Option<DateTimeUtc>,
    pub amr: Option<String>,
    pub aal: Option<i16>,
    pub sid: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
