//! Bulk loads of any size in bounded memory: service records arrive one by one (the
//! gRPC client stream) and are stored [`MAX_BATCH`] at a time, each chunk committed on
//! its own, like a batch create. One chunk is written while the next is received, so the
//! sender's sending and the database's writing overlap; chunks still commit in order.

use serde_json::Value;
use tokio::task::JoinHandle;
use tokio_stream::{Stream, StreamExt};

use crate::{
    Call, Error, Gateway, ItemResult, ServiceRecords,
    resource::{self, MAX_BATCH},
};

/// What a load did: how many records arrived and were stored, and why each of the
/// others was not (by its 0-based position in the stream).
#[derive(Debug, Default)]
pub struct Imported {
    pub received: usize,
    pub imported: usize,
    pub rejected: Vec<(usize, ItemResult)>,
}

/// Why a load stopped before its end: the stream broke, or a chunk could not be written.
#[derive(Debug)]
pub enum Stopped<E> {
    Stream(E),
    Write(Error),
}

type Writing = (usize, JoinHandle<Result<Vec<ItemResult>, Error>>);

/// Stores the service records `records` yields, a chunk at a time; stops at the first
/// item the stream fails on (the chunks before it stay stored).
pub async fn service_records<E>(
    gateway: &Gateway,
    call: &Call,
    records: impl Stream<Item = Result<Value, E>>,
) -> Result<Imported, Stopped<E>> {
    let mut records = std::pin::pin!(records);
    let mut imported = Imported::default();
    let mut chunk = Vec::with_capacity(MAX_BATCH);
    let mut writing: Option<Writing> = None;
    loop {
        let next = records.next().await;
        let finished = next.is_none();
        if let Some(record) = next {
            chunk.push(record.map_err(Stopped::Stream)?);
        }
        if chunk.len() == MAX_BATCH || (finished && !chunk.is_empty()) {
            let items = std::mem::take(&mut chunk);
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
            other => imported.rejected.push((offset + i, other)),
        }
    }
    Ok(())
}
