use sea_orm::entity::prelude::*;

/// A passing conformance report the operator recorded for a participant (one row per
/// certification; the latest per mode is the participant's status in that mode).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub participant_id: String,
    /// data, server, client or webhook.
    pub mode: String,
    /// SHA-256 of the `results.json` file as the operator gave it.
    pub report_sha256: String,
    pub suite_version: String,
    pub report_finished_at: i64,
    pub certified_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
