//! sea-orm entities, one per table (see `../migration.rs` for the DDL).

pub mod alert;
pub mod api_token;
pub mod audit_checkpoint;
pub mod audit_entry;
pub mod audit_head;
pub mod certification;
pub mod client_certificate;
pub mod consent;
pub mod event;
pub mod external_id;
pub mod idempotency_key;
pub mod participant;
pub mod person;
pub mod provider;
pub mod provider_area;
pub mod provider_item;
pub mod record_holder;
pub mod registration;
pub mod service_record;
pub mod setting;
pub mod webhook;
pub mod webhook_delivery;
pub mod worker;

use sea_orm::{EntityTrait, FromQueryResult};

/// A table of canonical documents (seniors, providers, workers, service records,
/// consents): the columns every such row has, named once for the code that writes and
/// renders any of them.
pub trait Documents: EntityTrait {
    const ID: Self::Column;
    const VERSION: Self::Column;
    const CREATED_AT: Self::Column;
    const UPDATED_AT: Self::Column;
    const DOCUMENT: Self::Column;

    /// The row's id, version, times and stored body.
    fn stored(row: &Self::Model) -> Stored<'_>;
}

/// A document row read for its resource alone: the parts [`Stored`] names and none of
/// the row's other columns, so a list that only answers documents decodes no more.
#[derive(Clone, Debug, FromQueryResult)]
pub struct StoredRow {
    pub id: String,
    pub version: i32,
    pub created_at: i64,
    pub updated_at: i64,
    pub document: String,
}

impl StoredRow {
    pub fn stored(&self) -> Stored<'_> {
        Stored {
            id: &self.id,
            version: self.version,
            created_at: self.created_at,
            updated_at: self.updated_at,
            document: &self.document,
        }
    }
}

/// What every document row holds besides its resource's own columns.
#[derive(Clone, Copy, Debug)]
pub struct Stored<'a> {
    pub id: &'a str,
    pub version: i32,
    pub created_at: i64,
    pub updated_at: i64,
    /// The canonical JSON body as stored (without the fields above).
    pub document: &'a str,
}

macro_rules! documents {
    ($($table:ident: $id:ident $Id:ident),*) => {$(
        impl Documents for $table::Entity {
            const ID: $table::Column = $table::Column::$Id;
            const VERSION: $table::Column = $table::Column::Version;
            const CREATED_AT: $table::Column = $table::Column::CreatedAt;
            const UPDATED_AT: $table::Column = $table::Column::UpdatedAt;
            const DOCUMENT: $table::Column = $table::Column::Document;

            fn stored(row: &$table::Model) -> Stored<'_> {
                Stored {
                    id: &row.$id,
                    version: row.version,
                    created_at: row.created_at,
                    updated_at: row.updated_at,
                    document: &row.document,
                }
            }
        }
    )*};
}

// A registration's id is its senior's: every holder's registration of one person answers
// under the person's id.
documents!(
    provider: id Id,
    worker: id Id,
    service_record: id Id,
    consent: id Id,
    alert: id Id,
    registration: senior_id SeniorId
);
