use sea_orm::entity::prelude::*;

/// A consent grant (see `jiayang_domain::consents`). Dates are `YYYY-MM-DD` text, which
/// orders as the dates do.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consents")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub senior_id: String,
    pub grantee: String,
    pub status: String,
    pub valid_from: String,
    pub valid_until: Option<String>,
    pub captured_by: String,
    /// The holder whose registration's data the grant gives: consent is per holder.
    pub holder: String,
    /// The grant's purposes and categories as `,A,B,` (for filtering in SQL).
    pub purposes: String,
    pub categories: String,
    pub version: i32,
    #[sea_orm(column_type = "Text")]
    pub document: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
