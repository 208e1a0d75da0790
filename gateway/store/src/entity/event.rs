use sea_orm::entity::prelude::*;

/// One event of the change feed (see `crate::events`): written by the change's own
/// transaction with no `position`; the sequencer gives it one once it has committed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    /// Insertion order (a database sequence): orders the events the sequencer finds.
    #[sea_orm(primary_key)]
    pub seq: i64,
    /// The place in the feed, given after commit: readers follow this.
    pub position: Option<i64>,
    pub id: String,
    /// `senior.created`, `alert.raised`, …
    pub event_type: String,
    /// `senior`, `service_record`, `consent`, `alert`, `provider`, `worker`.
    pub resource_kind: String,
    pub resource_id: String,
    pub version: i32,
    /// The resource a worker belongs to (its provider).
    pub parent_id: Option<String>,
    pub senior_id: Option<String>,
    /// For a senior's events, the participant whose registration changed.
    pub holder: Option<String>,
    pub occurred_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
