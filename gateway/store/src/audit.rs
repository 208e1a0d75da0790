//! The audit log: append-only, one entry per access decision on seniors' data (allow
//! and deny), per refused request, and per change, each holding the hash of the entry
//! before it. `verify` walks the chain and names the first entry that was edited,
//! deleted or moved.
//!
//! An entry's hash is SHA-256 over the previous hash and the entry's fields (its
//! sequence number included), so an edited field, a removed row or two swapped rows all
//! break the chain; the head row (last sequence number and hash) catches a removed tail.
//! Appending updates the head first, which on PostgreSQL locks it until the transaction
//! ends: appends are serialised and the chain stays linear.

use std::sync::{
    Arc,
    atomic::{AtomicU64, Ordering},
};

use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, ExprTrait, PostgresQueryBuilder, Query, UpdateStatement},
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use tokio::sync::{mpsc, oneshot};

use crate::{
    Store,
    entity::{audit_entry, audit_head},
    now_micros,
    rows::JsonInsert,
    values::push_hex,
};

/// What was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Deny,
    /// A resource was created or changed.
    Change,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "ALLOW",
            Decision::Deny => "DENY",
            Decision::Change => "CHANGE",
        }
    }
}

/// One entry as the code making it knows it; the log adds sequence, time and hashes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub participant: String,
    /// The route template or gRPC method, or a change such as `senior.created`.
    pub action: String,
    pub resource: Option<String>,
    pub senior: Option<String>,
    pub purpose: Option<String>,
    pub decision: Decision,
    pub reason: Option<String>,
    /// Data categories released, comma-separated.
    pub categories: Option<String>,
    pub request_id: Option<String>,
}

impl Entry {
    /// A change made by `participant` to resource `id`.
    pub fn change(participant: &str, action: &str, id: &str, senior: Option<&str>) -> Self {
        Self {
            participant: participant.to_owned(),
            action: action.to_owned(),
            resource: Some(id.to_owned()),
            senior: senior.map(str::to_owned),
            purpose: None,
            decision: Decision::Change,
            reason: None,
            categories: None,
            request_id: None,
        }
    }
}

/// The fields an entry's hash covers, in a fixed order.
#[derive(Serialize)]
struct Hashed<'a> {
    seq: i64,
    at: i64,
    participant: &'a str,
    action: &'a str,
    resource: Option<&'a str>,
    senior: Option<&'a str>,
    purpose: Option<&'a str>,
    decision: &'a str,
    reason: Option<&'a str>,
    categories: Option<&'a str>,
    request_id: Option<&'a str>,
}

fn hash_of(prev_hash: &str, row: &audit_entry::Model) -> String {
    let fields = Hashed {
        seq: row.seq,
        at: row.at,
        participant: &row.participant,
        action: &row.action,
        resource: row.resource.as_deref(),
        senior: row.senior.as_deref(),
        purpose: row.purpose.as_deref(),
        decision: &row.decision,
        reason: row.reason.as_deref(),
        categories: row.categories.as_deref(),
        request_id: row.request_id.as_deref(),
    };
    let mut hasher = Sha256::new();
    hasher.update(prev_hash.as_bytes());
    hasher.update(b"\n");
    hasher.update(serde_json::to_vec(&fields).expect("audit fields serialise"));
    let mut hex = String::with_capacity(64);
    push_hex(&mut hex, &hasher.finalize());
    hex
}

/// The chain's last entry, as the head row names it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Head {
    seq: i64,
    hash: String,
}

/// Entries as rows, not yet chained.
fn rows_of(entries: Vec<Entry>) -> Vec<audit_entry::Model> {
    let at = now_micros();
    entries
        .into_iter()
        .map(|entry| audit_entry::Model {
            seq: 0,
            at,
            participant: entry.participant,
            action: entry.action,
            resource: entry.resource,
            senior: entry.senior,
            purpose: entry.purpose,
            decision: entry.decision.as_str().to_owned(),
            reason: entry.reason,
            categories: entry.categories,
            request_id: entry.request_id,
            prev_hash: String::new(),
            hash: String::new(),
        })
        .collect()
}

/// Numbers and hashes `rows` as the entries after `head`; returns the head after them.
fn chain(head: &Head, rows: &mut [audit_entry::Model]) -> Head {
    let mut prev = head.clone();
    for row in rows {
        row.seq = prev.seq + 1;
        row.prev_hash = std::mem::take(&mut prev.hash);
        row.hash = hash_of(&row.prev_hash, row);
        prev = Head {
            seq: row.seq,
            hash: row.hash.clone(),
        };
    }
    prev
}

/// Appends entries inside the caller's transaction: they commit or vanish with it.
pub async fn append(conn: &impl ConnectionTrait, entries: Vec<Entry>) -> Result<(), DbErr> {
    if entries.is_empty() {
        return Ok(());
    }
    append_rows(conn, rows_of(entries)).await.map(drop)
}

/// Appends `rows` after the head, which it locks first; returns the new head.
async fn append_rows(
    conn: &impl ConnectionTrait,
    mut rows: Vec<audit_entry::Model>,
) -> Result<Head, DbErr> {
    let count = rows.len() as i64;
    // Moving the head first takes its row lock for this transaction, and reads it.
    let update = Query::update()
        .table(audit_head::Entity)
        .value(
            audit_head::Column::Seq,
            Expr::col(audit_head::Column::Seq).add(count),
        )
        .and_where(audit_head::Column::Id.eq(1))
        .returning(Query::returning().columns([audit_head::Column::Seq, audit_head::Column::Hash]))
        .to_owned();
    let moved = conn
        .query_one_raw(conn.get_database_backend().build(&update))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the audit head".into()))?;
    let head = Head {
        seq: moved.try_get::<i64>("", "seq")? - count,
        hash: moved.try_get("", "hash")?,
    };
    let next = chain(&head, &mut rows);
    let update = Query::update()
        .table(audit_head::Entity)
        .value(audit_head::Column::Hash, next.hash.clone())
        .and_where(audit_head::Column::Id.eq(1))
        .to_owned();
    if insert_with(conn, rows, update).await? != count as u64 {
        return Err(DbErr::Custom("the audit head moved under its lock".into()));
    }
    Ok(next)
}

/// Inserts `rows` and runs `update` of the head: on PostgreSQL in one statement, outside
/// a transaction as well; on SQLite, inside the caller's. Returns the rows inserted: none
/// when the update matched no row.
async fn insert_with(
    conn: &impl ConnectionTrait,
    rows: Vec<audit_entry::Model>,
    mut update: UpdateStatement,
) -> Result<u64, DbErr> {
    let rows: Vec<audit_entry::ActiveModel> = rows.into_iter().map(Into::into).collect();
    if conn.get_database_backend() == DbBackend::Postgres {
        // Every entry sets every column, each with a JSON form: the statement is one.
        let insert = JsonInsert::of(&rows)
            .ok_or_else(|| DbErr::Custom("audit entries without a JSON form".into()))?;
        let (update, values) = update
            .returning(Query::returning().column(audit_head::Column::Id))
            .to_owned()
            .build(PostgresQueryBuilder);
        let statement = insert.guarded(
            format!("WITH head AS ({update})"),
            values.0,
            "EXISTS (SELECT 1 FROM head)",
        );
        return Ok(conn.execute_raw(statement).await?.rows_affected());
    }
    if conn.execute(&update).await?.rows_affected() == 0 {
        return Ok(0);
    }
    let count = rows.len() as u64;
    crate::rows::insert_all(conn, rows).await?;
    Ok(count)
}

/// Appends decision entries for many requests at once (group commit): each request
/// hands its entry over and waits until the statement holding it has committed, so
/// "no entry, no answer" still holds, while concurrent requests share one commit and
/// one turn on the chain's head instead of queueing for one each.
///
/// The appender remembers the head it wrote last and writes the next group after it
/// only if the head is still that (one statement on PostgreSQL: no transaction around
/// it, no lock held across round trips). When another writer moved the head meanwhile
/// (a change, another node), the group is appended after the head as it is now.
#[derive(Clone, Debug)]
pub struct Appender {
    queue: mpsc::Sender<(Entry, oneshot::Sender<Result<(), DbErr>>)>,
    /// Groups appended after a head this appender did not know.
    unknown_heads: Arc<AtomicU64>,
}

/// Most entries one group commit takes.
const GROUP: usize = 512;

impl Appender {
    /// Starts the appending task on the current runtime; it ends when every handle is
    /// dropped.
    pub fn start(store: Store) -> Self {
        let (queue, mut waiting) =
            mpsc::channel::<(Entry, oneshot::Sender<Result<(), DbErr>>)>(4 * GROUP);
        let unknown_heads = Arc::new(AtomicU64::new(0));
        let counted = unknown_heads.clone();
        tokio::spawn(async move {
            let mut known = None;
            while let Some(first) = waiting.recv().await {
                let mut group = vec![first];
                while group.len() < GROUP {
                    match waiting.try_recv() {
                        Ok(next) => group.push(next),
                        Err(_) => break,
                    }
                }
                let (entries, done): (Vec<_>, Vec<_>) = group.into_iter().unzip();
                let written = append_group(&store, &mut known, rows_of(entries), &counted)
                    .await
                    .map_err(|error| match error {
                        // An unreachable database stays one, for the 503 each request answers.
                        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => error,
                        // Anything else is the group's failure, not any one request's.
                        other => DbErr::Custom(other.to_string()),
                    });
                for waiter in done {
                    let _ = waiter.send(written.clone());
                }
            }
        });
        Self {
            queue,
            unknown_heads,
        }
    }

    /// How many groups were appended after a head this appender did not know (its first,
    /// and each after another writer moved the head): each cost a transaction more.
    pub fn unknown_heads(&self) -> u64 {
        self.unknown_heads.load(Ordering::Relaxed)
    }

    /// Appends entries and returns once every one is committed.
    pub async fn record(&self, entries: Vec<Entry>) -> Result<(), DbErr> {
        let stopped = || DbErr::Custom("the audit appender has stopped".into());
        let mut waiting = Vec::with_capacity(entries.len());
        for entry in entries {
            let (done, committed) = oneshot::channel();
            self.queue
                .send((entry, done))
                .await
                .map_err(|_| stopped())?;
            waiting.push(committed);
        }
        for committed in waiting {
            match committed.await {
                Ok(Ok(())) => {}
                Ok(Err(error)) => return Err(error),
                Err(_) => return Err(stopped()),
            }
        }
        Ok(())
    }
}

/// Appends one group after the head `known` names, if it still is the head; otherwise
/// after the head as it is. `known` is the head after the group once it is written, and
/// forgotten when writing fails.
async fn append_group(
    store: &Store,
    known: &mut Option<Head>,
    mut rows: Vec<audit_entry::Model>,
    unknown_heads: &AtomicU64,
) -> Result<(), DbErr> {
    let count = rows.len() as u64;
    if let Some(head) = known.take() {
        let next = chain(&head, &mut rows);
        let update = Query::update()
            .table(audit_head::Entity)
            .values([
                (audit_head::Column::Seq, next.seq.into()),
                (audit_head::Column::Hash, next.hash.clone().into()),
            ])
            .and_where(audit_head::Column::Id.eq(1))
            .and_where(audit_head::Column::Seq.eq(head.seq))
            .and_where(audit_head::Column::Hash.eq(head.hash))
            .to_owned();
        let inserted = if store.backend() == DbBackend::Postgres {
            // Cloned: the rows are chained anew if the head moved.
            insert_with(&store.db, rows.clone(), update).await?
        } else {
            let write = store.write().await?;
            let inserted = insert_with(&write.txn, rows.clone(), update).await?;
            if inserted == count {
                write.commit_unannounced().await?;
            }
            inserted
        };
        if inserted == count {
            *known = Some(next);
            return Ok(());
        }
    }
    let write = store.write().await?;
    let next = append_rows(&write.txn, rows).await?;
    write.commit_unannounced().await?;
    unknown_heads.fetch_add(1, Ordering::Relaxed);
    *known = Some(next);
    Ok(())
}

/// The outcome of walking the chain.
#[derive(Debug, PartialEq, Eq)]
pub enum Verified {
    /// Every entry links to the one before and the head names the last.
    Intact { entries: i64 },
    /// The first entry (by sequence number) that does not fit, and why.
    Broken { seq: i64, reason: String },
}

/// Walks the whole chain from the first entry.
pub async fn verify(conn: &impl ConnectionTrait) -> Result<Verified, DbErr> {
    const PAGE: u64 = 1000;
    let mut prev = "0".repeat(64);
    let mut expected = 1i64;
    loop {
        let page = audit_entry::Entity::find()
            .filter(audit_entry::Column::Seq.gte(expected))
            .order_by_asc(audit_entry::Column::Seq)
            .limit(PAGE)
            .all(conn)
            .await?;
        for row in &page {
            if row.seq != expected {
                return Ok(Verified::Broken {
                    seq: expected,
                    reason: format!("entry {expected} is missing (the next is {})", row.seq),
                });
            }
            if row.prev_hash != prev {
                return Ok(Verified::Broken {
                    seq: row.seq,
                    reason: "it does not link to the entry before it (moved or replaced)".into(),
                });
            }
            if hash_of(&prev, row) != row.hash {
                return Ok(Verified::Broken {
                    seq: row.seq,
                    reason: "its contents do not match its hash (edited)".into(),
                });
            }
            prev = row.hash.clone();
            expected += 1;
        }
        if (page.len() as u64) < PAGE {
            break;
        }
    }
    let head = audit_head::Entity::find_by_id(1)
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the audit head".into()))?;
    let last = expected - 1;
    if head.seq != last || head.hash != prev {
        return Ok(Verified::Broken {
            seq: last + 1,
            reason: format!(
                "the log ends at entry {last} but its head names entry {} (entries removed from the end)",
                head.seq
            ),
        });
    }
    Ok(Verified::Intact { entries: last })
}

/// Who accessed one senior's data, newest first: the senior's access history.
pub async fn history(
    conn: &impl ConnectionTrait,
    senior: &str,
    limit: u64,
) -> Result<Vec<audit_entry::Model>, DbErr> {
    audit_entry::Entity::find()
        .filter(audit_entry::Column::Senior.eq(senior))
        .filter(audit_entry::Column::Decision.ne(Decision::Change.as_str()))
        .order_by_desc(audit_entry::Column::Seq)
        .limit(limit)
        .all(conn)
        .await
}
