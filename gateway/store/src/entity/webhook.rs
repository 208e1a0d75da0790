use sea_orm::entity::prelude::*;

/// A participant's webhook endpoint (one per participant) and its delivery state:
/// how far into the feed its events have been queued, and which node works it until
/// when (the lease).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhooks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub participant: String,
    pub url: String,
    /// The signing secret, sealed with the master key.
    pub secret: Vec<u8>,
    /// The secret it replaced, still signing (beside the new one) until `previous_until`.
    pub previous_secret: Option<Vec<u8>>,
    pub previous_until: Option<i64>,
    /// `ACTIVE` or `DISABLED`.
    pub status: String,
    pub disabled_reason: Option<String>,
    /// The feed position up to which events have been queued as deliveries.
    pub cursor: i64,
    /// No node works the endpoint before this (the head delivery's next attempt).
    pub due_at: i64,
    pub lease_owner: Option<String>,
    pub lease_until: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
