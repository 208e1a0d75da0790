use sea_orm::entity::prelude::*;

/// A senior as one person: the id every holder's registration, consent, service record
/// and audit entry names, and the keyed hash of the identity document that makes one
/// person of every registration of that document. Nothing else: what is known of the
/// person is each holder's own (`registrations`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "persons")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(unique)]
    pub identity_hash: Option<String>,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
