use sea_orm::entity::prelude::*;

/// A sign-in that proved its first factor, with the risk engine's verdict and reasons.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "login_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub user_id: Uuid,
    pub at: DateTimeUtc,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub country: Option<String>,
    pub city: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub device_known: bool,
    /// OIDC `amr` values, comma-separated.
    pub methods: String,
    pub score: i16,
    pub decision: String,
    pub enforced: String,
    /// The signals as JSON (`risk::Signal`), each with its explanation.
    pub reasons: String,
    /// `pending` (waiting for a second factor), `succeeded`, `denied` or `reported`
    /// (the owner said it wasn't them).
    pub outcome: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
