use sea_orm::entity::prelude::*;

/// A holder of a service record's senior whose data gave the submitter its basis to
/// serve the senior when the record was written: its own registration, or its grant.
/// Those holders (besides the submitter) see the record.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "record_holders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub record_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub holder: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
