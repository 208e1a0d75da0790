//! Word that who may call has changed (a participant suspended, its credentials rotated),
//! passed to every process on the database, so that one which remembers credentials
//! forgets them before its next request.
//!
//! - In the process that made the change: at once, when its transaction commits.
//! - PostgreSQL, every other process and node: a `NOTIFY` sent inside the changing
//!   transaction (so it is delivered when, and only if, that commits) to a listener
//!   each serving node holds on a connection of its own, which after two quiet seconds
//!   proves that it still carries notifications. A node whose listener is not connected (or
//!   failed its proof) reports no [`Stamp`], and nothing may be remembered until it is
//!   again; on reconnecting it reports a new one, since notifications sent meanwhile
//!   were lost.
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

/// The payload of a listener's proof of its own connection (see `listen_once`); a
/// change's notification has none.
const ALIVE: &str = "alive";

/// How often a quiet listener proves its connection.
const PROVE_EVERY: Duration = Duration::from_secs(2);

/// How long a listener waits before connecting again.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

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
    /// PostgreSQL: where the listener connects, on a connection of its own.
    url: Option<String>,
}

impl CredentialChanges {
    pub(crate) fn new(backend: DbBackend, url: &str, sqlite_file: Option<&Path>) -> Self {
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
                url: (backend == DbBackend::Postgres).then(|| url.to_owned()),
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
    /// other processes on the file. An error means the change is committed but a
    /// process beside this one may accept the old credentials until they expire.
    pub(crate) fn committed(&self) -> io::Result<()> {
        self.inner.local.fetch_add(1, Ordering::AcqRel);
        match &self.inner.file {
            Some(path) => grow(path),
            None => Ok(()),
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
    /// on a connection of its own, until `db`'s pool is closed.
    pub fn listen(&self, db: &DatabaseConnection) {
        let Some(url) = self.inner.url.clone() else {
            return;
        };
        let pool = db.get_postgres_connection_pool().clone();
        let inner = self.inner.clone();
        tokio::spawn(async move {
            while !pool.is_closed() {
                if let Err(error) = listen_once(&inner, &url, || pool.is_closed()).await {
                    tracing::warn!(
                        %error,
                        "not listening for credential changes: credentials are read on every request until it is back"
                    );
                }
                inner.listening.store(false, Ordering::Release);
                inner.local.fetch_add(1, Ordering::AcqRel);
                tokio::time::sleep(RECONNECT_AFTER).await;
            }
        });
    }
}

/// Connects, listens and passes changes on until the connection fails, stops carrying
/// notifications, or `closed` says the store is closed. A connection quiet for
/// [`PROVE_EVERY`] is proved by a notification of this node's own, sent on it: one
/// that is not back by the next quiet spell ends it — a connection dead without having
/// been closed, or a pooler that does not keep the session, would otherwise look like
/// a quiet exchange. (Any notification received proves the session listens.)
async fn listen_once(
    inner: &Inner,
    url: &str,
    closed: impl Fn() -> bool,
) -> Result<(), sea_orm::sqlx::Error> {
    use sea_orm::sqlx::{Error, postgres::PgListener};
    let mut listener = PgListener::connect(url).await?;
    // A lost connection is reported at once (not after a reconnection of its own), so
    // that nothing is remembered while it is down.
    listener.eager_reconnect(false);
    listener.listen(CHANNEL).await?;
    // Whatever changed while no listener was connected went unheard.
    inner.local.fetch_add(1, Ordering::AcqRel);
    inner.listening.store(true, Ordering::Release);
    let mut unproved = false;
    while !closed() {
        match tokio::time::timeout(PROVE_EVERY, listener.try_recv()).await {
            Ok(Ok(Some(notification))) => {
                unproved = false;
                if notification.payload() != ALIVE {
                    inner.local.fetch_add(1, Ordering::AcqRel);
                }
            }
            Ok(Ok(None)) => return Err(Error::Protocol("the connection was lost".into())),
            Ok(Err(error)) => return Err(error),
            Err(_quiet) => {
                if unproved {
                    return Err(Error::Protocol(
                        "the connection stopped carrying notifications".into(),
                    ));
                }
                let notify = format!("NOTIFY {CHANNEL}, '{ALIVE}'");
                match tokio::time::timeout(
                    PROVE_EVERY,
                    sea_orm::sqlx::Executor::execute(
                        &mut listener,
                        sea_orm::sqlx::AssertSqlSafe(notify),
                    ),
                )
                .await
                {
                    Ok(Ok(_)) => unproved = true,
                    Ok(Err(error)) => return Err(error),
                    Err(_) => {
                        return Err(Error::Protocol("the connection stopped answering".into()));
                    }
                }
            }
        }
    }
    Ok(())
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
