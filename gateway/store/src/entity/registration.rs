use sea_orm::entity::prelude::*;

/// One holder's registration of a senior (see `person`): the profile that holder
/// collected, its version and times. One per (senior, holder).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "registrations")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub senior_id: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub holder: String,
    pub version: i32,
    pub status: String,
    pub division_code: String,
    /// The person's identity hash, kept here so that an update cannot move the
    /// registration to another person.
    pub identity_hash: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub document: String,
    pub sealed: Vec<u8>,
    /// How `sealed` was made (see `M0013Sealing`): 2 for every row once the gateway has
    /// started on it.
    pub sealing: i32,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
