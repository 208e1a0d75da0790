//! Bulk loads of any size in bounded memory: service records arrive one by one (the
//! gRPC client stream) and are stored [`MAX_BATCH`] at a time (or [`MAX_CHUNK_BYTES`],
//! whichever comes first), each chunk committed on its own, like a batch create. One
//! chunk is written while the next is received, so the sender's sending and the
//! database's writing overlap; chunks still commit in order.
//!
//! What one participant can make the gateway hold is bounded: a record's size (checked
//! by the protocol, which knows it encoded), two chunks per stream, the rejections listed
//! (the rest are counted), the records and bytes of one stream, how long a stream may
//! stay silent, and how many streams a participant has open on a node at once.

use std::time::Duration;

use jiayang_schemas::Message;
use serde_json::Value;
use tokio::task::JoinHandle;
use tokio_stream::{Stream, StreamExt};

use crate::{
    Call, Error, Gateway, ItemResult, ServiceRecords,
    resource::{self, MAX_BATCH},
    slots::Slots,
};

/// The largest record a stream may carry, encoded: a record is a few KiB.
pub const MAX_RECORD_BYTES: usize = 256 * 1024;
/// A chunk is written once it holds this much, even with fewer than [`MAX_BATCH`] records.
pub const MAX_CHUNK_BYTES: usize = 8 * 1024 * 1024;
/// The records one stream may carry; a larger load is several streams.
pub const MAX_RECORDS_PER_STREAM: usize = 1_000_000;
/// The bytes one stream may carry.
pub const MAX_BYTES_PER_STREAM: usize = 2 * 1024 * 1024 * 1024;
/// The rejections an answer lists, in stream order; `received − imported − listed`
/// more were refused.
pub const MAX_REJECTIONS_LISTED: usize = 1_000;
/// How many imports one participant may have open on one node at once.
pub const MAX_IMPORTS_PER_PARTICIPANT: usize = 2;
/// How long a stream may go without a record before it is ended.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// The imports open on this node, per participant, at most
/// [`MAX_IMPORTS_PER_PARTICIPANT`] each.
pub fn slots() -> Slots {
    Slots::new(MAX_IMPORTS_PER_PARTICIPANT, ("导入", "imports"))
}

/// What a load did: how many records arrived and were stored, and why each of the
/// others was not (by its 0-based position in the stream).
#[derive(Debug, Default)]
pub struct Imported {
    pub received: usize,
    pub imported: usize,
    pub rejected: Vec<(usize, ItemResult)>,
}

/// Why a load stopped before its end: the stream broke, it stayed silent for
/// [`IDLE_TIMEOUT`], or a chunk could not be written (or a bound was reached). The
/// chunks before stay stored.
#[derive(Debug)]
pub enum Stopped<E> {
    Stream(E),
    Idle,
    Write(Error),
}

type Writing = (usize, JoinHandle<Result<Vec<ItemResult>, Error>>);

/// Stores the service records `records` yields (each with its encoded size), a chunk at
/// a time; stops at the first item the stream fails on.
pub async fn service_records<E>(
    gateway: &Gateway,
    call: &Call,
    records: impl Stream<Item = Result<(Value, usize), E>>,
) -> Result<Imported, Stopped<E>> {
    let _slot = gateway.imports.take(call.me()).map_err(Stopped::Write)?;
    let mut records = std::pin::pin!(records);
    let mut imported = Imported::default();
    let mut chunk = Vec::with_capacity(MAX_BATCH);
    let (mut chunk_bytes, mut stream_bytes) = (0, 0);
    let mut writing: Option<Writing> = None;
    loop {
        let next = tokio::time::timeout(IDLE_TIMEOUT, records.next())
            .await
            .map_err(|_| Stopped::Idle)?;
        let finished = next.is_none();
        if let Some(record) = next {
            let (record, bytes) = record.map_err(Stopped::Stream)?;
            stream_bytes += bytes;
            if imported.received + chunk.len() >= MAX_RECORDS_PER_STREAM
                || stream_bytes > MAX_BYTES_PER_STREAM
            {
                return Err(Stopped::Write(Error::Exhausted(Message::new(
                    format!(
                        "一个导入流最多 {MAX_RECORDS_PER_STREAM} 条记录、{MAX_BYTES_PER_STREAM} 字节；请分多个流导入"
                    ),
                    format!(
                        "a stream carries at most {MAX_RECORDS_PER_STREAM} records and {MAX_BYTES_PER_STREAM} bytes: import in several streams"
                    ),
                ))));
            }
            chunk_bytes += bytes;
            chunk.push(record);
        }
        let full = chunk.len() == MAX_BATCH || chunk_bytes >= MAX_CHUNK_BYTES;
        if full || (finished && !chunk.is_empty()) {
            let items = std::mem::take(&mut chunk);
            chunk_bytes = 0;
            let count = items.len();
            if let Some(previous) = writing.take() {
                tally(&mut imported, previous).await?;
            }
            let (gateway, call) = (gateway.clone(), call.clone());
            writing = Some((
                imported.received,
                tokio::spawn(async move {
                    resource::batch_create::<ServiceRecords>(&gateway, &call, None, items).await
                }),
            ));
            imported.received += count;
        }
        if finished {
            break;
        }
    }
    if let Some(last) = writing {
        tally(&mut imported, last).await?;
    }
    Ok(imported)
}

/// Adds one written chunk's results, starting at record `offset`.
async fn tally<E>(imported: &mut Imported, (offset, written): Writing) -> Result<(), Stopped<E>> {
    let results = written
        .await
        .map_err(|_| Stopped::Write(Error::Internal("a chunk's write was cancelled".into())))?
        .map_err(Stopped::Write)?;
    for (i, result) in results.into_iter().enumerate() {
        match result {
            ItemResult::Created { .. } => imported.imported += 1,
            other if imported.rejected.len() < MAX_REJECTIONS_LISTED => {
                imported.rejected.push((offset + i, other));
            }
            _ => {}
        }
    }
    Ok(())
}
