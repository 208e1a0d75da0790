//! The change feed's order. A change writes its event in its own transaction (the
//! outbox) without a place in the feed; the sequencer gives committed events their
//! `position`s, one pass at a time, in the order they were inserted.
//!
//! Why not read "every event after id N"? On PostgreSQL ids (and sequence values) are
//! taken before commit and commits land in any order: a reader that has passed N would
//! never see a transaction that took N−1 and committed a moment later. Positions are
//! given only to committed events, by one sequencer at a time (an advisory lock on
//! PostgreSQL, the write gate on SQLite), each pass above every position before it:
//! a reader that has seen position P has seen every position below P, forever.
//!
//! SQLite has one writer (the write gate): there commit order is the order in which
//! transactions write, so an event takes its position as it is inserted ([`placed`]),
//! and the sequencer has nothing to do.
//!
//! Per resource, order holds too: a second change to a row waits for the first to
//! commit (the row's lock, or SQLite's one writer), so its event is inserted — and its
//! `seq` taken — after the first's is visible; the pass that finds it finds the first,
//! and orders both by `seq`.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, TransactionTrait};

use crate::Store;

/// Most events one pass sequences.
pub const PASS: u64 = 5000;

/// Any key no one else takes: the advisory lock that makes one node at a time sequence.
const SEQUENCER_LOCK: i64 = 0x6a69_6179_616e_6701;

/// Gives the committed events without a position theirs, if another node is not doing
/// so now. Answers how many it sequenced.
pub async fn sequence(store: &Store) -> Result<u64, DbErr> {
    let backend = store.backend();
    let pending = store
        .db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT seq FROM events WHERE position IS NULL LIMIT 1",
        ))
        .await?;
    if pending.is_none() {
        return Ok(0);
    }
    let gate = store.gate().await;
    let txn = store.db.begin().await?;
    if backend == DbBackend::Postgres {
        let locked = txn
            .query_one_raw(Statement::from_string(
                backend,
                format!("SELECT pg_try_advisory_xact_lock({SEQUENCER_LOCK}) AS locked"),
            ))
            .await?
            .map(|row| row.try_get::<bool>("", "locked"))
            .transpose()?
            .unwrap_or(false);
        if !locked {
            return Ok(0);
        }
    }
    // One statement: the base is read under the lock, so it is the last pass's end.
    let done = txn
        .execute_raw(Statement::from_string(
            backend,
            format!(
                "UPDATE events SET position = s.base + s.rank \
                 FROM (SELECT seq, \
                         (SELECT COALESCE(MAX(position), 0) FROM events) AS base, \
                         ROW_NUMBER() OVER (ORDER BY seq) AS rank \
                       FROM events WHERE position IS NULL ORDER BY seq LIMIT {PASS}) AS s \
                 WHERE events.seq = s.seq"
            ),
        ))
        .await?;
    txn.commit().await?;
    drop(gate);
    Ok(done.rows_affected())
}

/// Where the events a transaction inserts go, when they can be placed at once: after
/// the last position, on SQLite (whose writer is alone while it writes); `None` on
/// PostgreSQL, where the sequencer places them after commit.
pub async fn placed(txn: &impl ConnectionTrait) -> Result<Option<i64>, DbErr> {
    if txn.get_database_backend() == DbBackend::Postgres {
        return Ok(None);
    }
    head(txn).await.map(Some)
}

/// The last position given: the feed's head.
pub async fn head(conn: &impl ConnectionTrait) -> Result<i64, DbErr> {
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT COALESCE(MAX(position), 0) AS head FROM events",
        ))
        .await?;
    Ok(match row {
        Some(row) => row.try_get::<i64>("", "head")?,
        None => 0,
    })
}
