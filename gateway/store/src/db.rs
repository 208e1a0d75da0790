//! The connection: SQLite (the embedded default) or PostgreSQL through sea-orm. Every
//! table and constraint is in `migration.rs`; uniqueness (external ids per participant,
//! idempotency keys, credit codes, identity documents) is enforced by the database, so
//! parallel duplicates cannot both succeed on either backend.

use std::{sync::Arc, time::Duration};

use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, SqlErr,
    TransactionTrait,
};
use sea_orm_migration::MigratorTrait;

use crate::{changes::CredentialChanges, migration};
use tokio::sync::{Mutex, MutexGuard, Notify};

/// The database, and for SQLite a gate that lets one write transaction in at a time.
///
/// SQLite allows one writer; a deferred transaction that reads and then writes can fail
/// at once with `SQLITE_BUSY` instead of waiting. Queuing writers in the process removes
/// that failure mode; a SQLite gateway is one node, so the process is the whole writer set.
#[derive(Clone, Debug)]
pub struct Store {
    pub db: DatabaseConnection,
    write_gate: Option<Arc<Mutex<()>>>,
    committed: Arc<Notify>,
    /// Word of suspensions and rotations, from this process and every other.
    pub credentials: CredentialChanges,
}

/// A write transaction, holding the SQLite gate while it lives.
pub struct Write<'a> {
    pub txn: DatabaseTransaction,
    _gate: Option<MutexGuard<'a, ()>>,
    committed: &'a Notify,
    credentials: Option<&'a CredentialChanges>,
}

impl Write<'_> {
    /// Commits, and wakes whoever waits for [`Store::committed`].
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await?;
        self.committed.notify_one();
        if let Some(credentials) = self.credentials {
            credentials.committed().map_err(|error| {
                DbErr::Custom(format!(
                    "the change is committed, but a gateway running beside this process \
                     may accept the old credentials for up to ten seconds more: the signal \
                     file could not be written ({error})"
                ))
            })?;
        }
        Ok(())
    }

    /// Commits a transaction that wrote no event: the feed's sequencer, woken by
    /// [`Self::commit`], has nothing to order.
    pub(crate) async fn commit_unannounced(self) -> Result<(), DbErr> {
        debug_assert!(self.credentials.is_none());
        self.txn.commit().await
    }
}

impl<'a> Write<'a> {
    /// Marks the transaction as one that takes credentials away (a suspension, a
    /// rotation): once it commits, every process that remembers credentials forgets
    /// them (see [`crate::changes`]).
    pub async fn changes_credentials(&mut self, store: &'a Store) -> Result<(), DbErr> {
        store.credentials.announce(&self.txn).await?;
        self.credentials = Some(&store.credentials);
        Ok(())
    }
}

impl Store {
    /// Connects (creating an SQLite file when absent) and runs the migrations.
    pub async fn open(url: &str) -> Result<Self, DbErr> {
        let sqlite = url.starts_with("sqlite:");
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .max_connections(if sqlite { 8 } else { 16 })
            .min_connections(1)
            // An unreachable database is a 503 after this long (then at once, while the
            // server's breaker is open), not a request held for half a minute.
            .connect_timeout(Duration::from_secs(3))
            .acquire_timeout(Duration::from_secs(5))
            .sqlx_logging(false);
        if sqlite {
            options.map_sqlx_sqlite_opts(|opts| {
                opts.create_if_missing(true)
                    .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
            });
        }
        let db = Database::connect(options).await?;
        migration::Migrator::up(&db, None).await?;
        let credentials =
            CredentialChanges::new(db.get_database_backend(), url, sqlite_file(url)?.as_deref());
        credentials
            .prepare()
            .map_err(|error| DbErr::Custom(format!("the credential signal file: {error}")))?;
        Ok(Self {
            db,
            write_gate: sqlite.then(|| Arc::new(Mutex::new(()))),
            committed: Arc::new(Notify::new()),
            credentials,
        })
    }

    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// Begins a write transaction (waiting for the SQLite gate first).
    pub async fn write(&self) -> Result<Write<'_>, DbErr> {
        let gate = self.gate().await;
        Ok(Write {
            txn: self.db.begin().await?,
            _gate: gate,
            committed: &self.committed,
            credentials: None,
        })
    }

    /// The SQLite gate, for a write of this crate's own.
    pub(crate) async fn gate(&self) -> Option<MutexGuard<'_, ()>> {
        match &self.write_gate {
            Some(gate) => Some(gate.lock().await),
            None => None,
        }
    }

    /// Resolves after a [`Write`] has committed (at once if one has since the last
    /// call): the sequencer's signal that events may wait for a position.
    pub async fn committed(&self) {
        self.committed.notified().await
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        self.db.ping().await.is_ok()
    }
}

/// The file of an SQLite database on disk; none for PostgreSQL or an in-memory one.
fn sqlite_file(url: &str) -> Result<Option<std::path::PathBuf>, DbErr> {
    if !url.starts_with("sqlite:") || url.contains(":memory:") || url.contains("mode=memory") {
        return Ok(None);
    }
    let options: sea_orm::sqlx::sqlite::SqliteConnectOptions = url
        .parse()
        .map_err(|_| DbErr::Custom("the SQLite database URL does not parse".into()))?;
    Ok(Some(options.get_filename().to_owned()))
}

/// Whether a database error is a unique-constraint violation.
pub fn is_unique_violation(error: &DbErr) -> bool {
    matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Whether the database refused a text it cannot hold: PostgreSQL stores no NUL
/// (SQLSTATE 22021, "invalid byte sequence for encoding UTF8: 0x00"; 22P05 when the
/// text came inside the JSON of a multi-row insert, `\u0000`). SQLite takes it.
pub fn is_unstorable_text(error: &DbErr) -> bool {
    match error {
        DbErr::Query(sea_orm::RuntimeErr::SqlxError(e))
        | DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e)) => e
            .as_database_error()
            .and_then(|d| d.code())
            .is_some_and(|code| code == "22021" || code == "22P05"),
        _ => false,
    }
}
