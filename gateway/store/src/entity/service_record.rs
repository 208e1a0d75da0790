use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "service_records")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub submitted_by: String,
    pub version: i32,
    pub senior_id: String,
    pub provider_id: String,
    pub status: String,
    pub service_item: String,
    pub starts_at: Option<i64>,
    /// The visit as it happened (check-in to check-out, or to the item's longest
    /// plausible end while it runs), and the worker's certificate: what the checks
    /// across records look up.
    pub visit_from: Option<i64>,
    pub visit_until: Option<i64>,
    pub worker_certificate: Option<String>,
    /// `{status, alerts: [{rule, alertId}], checkedAt}` as JSON text, set by verification.
    #[sea_orm(column_type = "Text", nullable)]
    pub verification: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub document: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
