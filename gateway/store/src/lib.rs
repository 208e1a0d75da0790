//! The gateway's bottom layer: the database (sea-orm over SQLite or PostgreSQL) with its
//! tables and migrations, the hash-chained audit log, and the secrets at rest (the master
//! key, sealing, keyed hashes, token hashes, and the CA that issues participants'
//! certificates). It decides nothing about who may see what; that is `jiayang-domain`,
//! the layer above, the only one that uses this crate besides the command line and the
//! load tool.
//!
//! - [`Store`]: the connection, and [`Store::write`] for a write transaction (SQLite
//!   writers queue in the process).
//! - [`entity`]: one sea-orm entity per table; [`entity::Documents`] names the columns
//!   every canonical document row has. [`migration`]: the DDL, append-only.
//! - [`audit`]: append (inside a transaction or group-committed), verify, history.
//! - [`events`]: the change feed's order (the sequencer) and its head.
//! - [`crypto`]: [`crypto::Keys`] (seal, open, index hashes), tokens.
//! - [`pki`]: the data directory's TLS files, dev certificates, participant certificates.
//! - [`rows`]: multi-row inserts (one JSON parameter on PostgreSQL).
//! - [`changes`]: word of credential changes, to every process on the database.

pub mod audit;
pub mod changes;
pub mod checkpoints;
pub mod crypto;
pub mod entity;
pub mod events;
pub mod files;
pub mod migration;
pub mod pki;
pub mod rows;

mod db;
mod values;

pub use db::{Store, Write, is_unique_violation, is_unstorable_text};
pub use values::{delimited, lists, micros_to_rfc3339, now_micros, starts_with};
