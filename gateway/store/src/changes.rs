//! Word that who may call has changed (a participant suspended, its credentials rotated),
//! passed to every process on the database, so that one which remembers credentials
//! forgets them before its next request.
//!
//! - In the process that made the change: at once, when its transaction commits.
//! - PostgreSQL, every other process and node: a `NOTIFY` sent inside the changing
//!   transaction (so it is delivered when, and only if, that commits) to a listener
//!   each serving node holds. A node whose listener is not connected reports no
//!   [`Stamp`], and nothing may be remembered until it is again; on reconnecting it
//!   reports a new one, since notifications sent meanwhile were lost.
//! - SQLite (one serving process, and the command line beside it): a file beside the
//!   database that every change grows by a byte after it commits; its length and
//!   modification time are read on each lookup (one `stat`).

use std::{
    fs,
    io::{self, Write as _},
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, SystemTime},
};

use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr};

/// The PostgreSQL channel of credential changes.
const CHANNEL: &str = "jiayang_credentials";

/// The signal file's name, beside the SQLite database file.
const SIGNAL_SUFFIX: &str = "-credentials";

/// A point in the sequence of credential changes: two lookups that see the same stamp
/// saw no change between them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    local: u64,
    file: Option<(u64, SystemTime)>,
}

/// Where a store learns of credential changes; shared by its clones.
#[derive(Clone, Debug)]
pub struct CredentialChanges {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// Changes this process committed, and (PostgreSQL) notifications and reconnections.
    local: AtomicU64,
    /// PostgreSQL: whether the listener holds a connection that receives notifications.
    listening: AtomicBool,
    backend: DbBackend,
    /// SQLite: the signal file (none for an in-memory database: one process only).
    file: Option<PathBuf>,
}

impl CredentialChanges {
    pub(crate) fn new(backend: DbBackend, sqlite_file: Option<&Path>) -> Self {
        let file = sqlite_file.map(|path| {
            let mut name = path.as_os_str().to_owned();
            name.push(SIGNAL_SUFFIX);
            PathBuf::from(name)
        });
        Self {
            inner: Arc::new(Inner {
                local: AtomicU64::new(0),
                listening: AtomicBool::new(false),
                backend,
                file,
            }),
        }
    }

    /// The current stamp, or none when changes made elsewhere could go unseen (the
    /// PostgreSQL listener is not connected, or the SQLite signal file cannot be read).
    pub fn stamp(&self) -> Option<Stamp> {
        let inner = &self.inner;
        if inner.backend == DbBackend::Postgres && !inner.listening.load(Ordering::Acquire) {
            return None;
        }
        let file = match &inner.file {
            Some(path) => {
                let metadata = fs::metadata(path).ok()?;
                Some((metadata.len(), metadata.modified().ok()?))
            }
            None => None,
        };
        Some(Stamp {
            local: inner.local.load(Ordering::Acquire),
            file,
        })
    }

    /// Inside the changing transaction: tells the other PostgreSQL nodes when it commits.
    pub(crate) async fn announce(&self, txn: &DatabaseTransaction) -> Result<(), DbErr> {
        if self.inner.backend == DbBackend::Postgres {
            txn.execute_unprepared(&format!("NOTIFY {CHANNEL}")).await?;
        }
        Ok(())
    }

    /// After the changing transaction committed: this process at once, and (SQLite) the
    /// other processes on the file.
    pub(crate) fn committed(&self) {
        self.inner.local.fetch_add(1, Ordering::AcqRel);
        if let Some(path) = &self.inner.file
            && let Err(error) = grow(path)
        {
            // The change is committed; a process that remembers credentials keeps them
            // until they expire. Said loudly, since a suspension waits that long.
            tracing::error!(%error, "could not signal a credential change to other processes");
        }
    }

    /// Creates the SQLite signal file if absent, so that a stamp can be read.
    pub(crate) fn prepare(&self) -> io::Result<()> {
        if let Some(path) = &self.inner.file {
            open(path)?;
        }
        Ok(())
    }

    /// Starts listening for other nodes' changes (PostgreSQL; nothing to do on SQLite),
    /// on a connection of `db`'s pool, for as long as the pool is open.
    pub fn listen(&self, db: &DatabaseConnection) {
        if self.inner.backend != DbBackend::Postgres {
            return;
        }
        let pool = db.get_postgres_connection_pool().clone();
        let inner = self.inner.clone();
        tokio::spawn(async move {
            use sea_orm::sqlx::{Error, postgres::PgListener};
            while !pool.is_closed() {
                let connected = async {
                    let mut listener = PgListener::connect_with(&pool).await?;
                    listener.listen(CHANNEL).await?;
                    Ok::<_, Error>(listener)
                };
                let mut listener = match connected.await {
                    Ok(listener) => listener,
                    Err(_) => {
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                };
                // Whatever changed while no listener was connected went unheard.
                inner.local.fetch_add(1, Ordering::AcqRel);
                inner.listening.store(true, Ordering::Release);
                loop {
                    match listener.try_recv().await {
                        Ok(Some(_)) => {}
                        // Lost and connected again: notifications in between are lost.
                        Ok(None) => {}
                        Err(_) => break,
                    }
                    inner.local.fetch_add(1, Ordering::AcqRel);
                }
                inner.listening.store(false, Ordering::Release);
                inner.local.fetch_add(1, Ordering::AcqRel);
            }
        });
    }
}

fn open(path: &Path) -> io::Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// One byte more: the length changes even when two changes share a modification time.
fn grow(path: &Path) -> io::Result<()> {
    open(path)?.write_all(b".")
}
