use sea_orm::entity::prelude::*;

/// One event to deliver to one participant's endpoint, with its attempts so far.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub participant: String,
    pub event_id: String,
    /// The event's feed position: deliveries to one endpoint go in this order.
    pub position: i64,
    /// The body sent, the same on every attempt.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// `PENDING`, `DELIVERED` or `FAILED`.
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: i64,
    /// The HTTP status of the last attempt, if one came back.
    pub last_status: Option<i32>,
    /// What went wrong on the last attempt (a time-out, a refused connection, …).
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
