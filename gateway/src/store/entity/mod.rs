//! sea-orm entities, one per table (see `../migration.rs` for the DDL).

pub mod api_token;
pub mod audit_entry;
pub mod audit_head;
pub mod client_certificate;
pub mod consent;
pub mod external_id;
pub mod idempotency_key;
pub mod participant;
pub mod provider;
pub mod provider_area;
pub mod provider_item;
pub mod senior;
pub mod service_record;
pub mod setting;
pub mod worker;
