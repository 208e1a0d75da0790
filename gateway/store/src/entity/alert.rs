use sea_orm::entity::prelude::*;

/// An alert raised by verifying a service record (see `jiayang_domain::verification`).
/// Its message, note and history are in `document`; the columns are what lists filter on.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alerts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub record_id: String,
    pub senior_id: String,
    pub provider_id: String,
    /// The participant that submitted the record.
    pub submitted_by: String,
    pub rule: String,
    pub severity: String,
    pub status: String,
    /// The senior's division code when the alert was raised.
    pub district: String,
    pub version: i32,
    #[sea_orm(column_type = "Text")]
    pub document: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
