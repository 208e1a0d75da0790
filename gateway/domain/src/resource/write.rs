//! The operations every resource shares — create (idempotent), get, update (at a
//! version), batch create, lookup by external id — written once over [`Resource`].

use jiayang_schemas::Violation;
use sea_orm::{Condition, DatabaseTransaction, TransactionTrait};
use serde_json::Value;

use super::{Prepared, Resource, conflict, insert, insert_many, own, prepare, replace, row};
use crate::{
    Call, Created, Error, Gateway, ItemResult, ParticipantKind,
    events::{self, Change},
    idempotency::{self, IdempotencyKey},
    references,
    slots::Slots,
};

/// Most items one batch create takes.
pub const MAX_BATCH: usize = 5000;

/// Items written per multi-row insert in a batch.
const CHUNK: usize = 500;

/// Creates a resource from `document`; with an idempotency `key`, a repeat of the same
/// request answers what the first created (`replayed`), and the same key with another
/// body is refused.
pub async fn create<R: Resource>(
    gateway: &Gateway,
    call: &Call,
    parent: Option<&str>,
    document: Value,
    key: Option<&str>,
) -> Result<Created, Error> {
    let db = &gateway.store.db;
    let key = key
        .map(|key| IdempotencyKey::new(key, &R::scope(parent), &document))
        .transpose()?;
    if parent.is_some() {
        owned_by_caller::<R>(db, call, parent, None).await?;
    }
    if let Some(key) = &key
        && let Some(created) = replayed::<R>(gateway, call, parent, key).await?
    {
        return Ok(created);
    }
    let mut cache = R::Cache::default();
    let prepared = prepare::<R>(gateway, call, parent, document, db, &mut cache).await?;
    R::gather(gateway, db, &mut cache, &[&prepared]).await?;
    let attempt = async {
        let write = gateway.store.write().await?;
        // The id is made once the write may proceed, so ids follow commit order as closely
        // as the database allows (exactly, on SQLite's single writer).
        let (id, resource) =
            insert::<R>(gateway, &write.txn, call, parent, &cache, &prepared).await?;
        if let Some(key) = &key {
            idempotency::remember(&write.txn, call.me(), key, &id)
                .await
                .map_err(|e| conflict(R::LABEL, e))?;
        }
        events::record(
            &write.txn,
            vec![changed::<R>(call, parent, "created", &id, 1, &prepared)],
        )
        .await?;
        write.commit().await?;
        Ok::<_, Error>(resource)
    };
    match attempt.await {
        Ok(resource) => Ok(Created {
            resource,
            replayed: false,
        }),
        // A concurrent request with the same key won the race: answer as it was answered.
        Err(Error::AlreadyExists(what)) if key.is_some() => {
            let key = key.as_ref().expect("checked");
            match replayed::<R>(gateway, call, parent, key).await? {
                Some(created) => Ok(created),
                None => Err(Error::AlreadyExists(what)),
            }
        }
        Err(error) => Err(error),
    }
}

/// The resource an earlier request with this key created, as it is now.
async fn replayed<R: Resource>(
    gateway: &Gateway,
    call: &Call,
    parent: Option<&str>,
    key: &IdempotencyKey,
) -> Result<Option<Created>, Error> {
    let db = &gateway.store.db;
    let Some(id) = idempotency::replay(db, call.me(), key).await? else {
        return Ok(None);
    };
    let found = row::<R>(db, own::<R>(call), parent, &id)
        .await?
        .ok_or(Error::NotFound(R::LABEL))?;
    Ok(Some(Created {
        resource: R::render(gateway, &found)?,
        replayed: true,
    }))
}

/// The resource `id` (under `parent`), whole. Only for resources without personal data:
/// seniors and service records are read through `crate::release`.
pub async fn get<R: Resource>(
    gateway: &Gateway,
    parent: Option<&str>,
    id: &str,
) -> Result<Value, Error> {
    let found = row::<R>(&gateway.store.db, Condition::all(), parent, id)
        .await?
        .ok_or(Error::NotFound(R::LABEL))?;
    R::render(gateway, &found)
}

/// The resource stored under a participant's external id.
pub async fn lookup_external<R: Resource>(
    gateway: &Gateway,
    participant: &str,
    external_id: &str,
) -> Result<Value, Error> {
    let id = references::external(&gateway.store.db, R::KIND, participant, external_id)
        .await?
        .ok_or(Error::NotFound(R::LABEL))?;
    get::<R>(gateway, None, &id).await
}

/// Replaces the resource `id` with `document` if it is at `expected_version`.
pub async fn update<R: Resource>(
    gateway: &Gateway,
    call: &Call,
    parent: Option<&str>,
    id: &str,
    document: Value,
    expected_version: Option<i32>,
) -> Result<Value, Error> {
    let expected_version = expected_version.ok_or(Error::PreconditionRequired)?;
    let db = &gateway.store.db;
    owned_by_caller::<R>(db, call, parent, Some(id)).await?;
    let mut cache = R::Cache::default();
    let prepared = prepare::<R>(gateway, call, parent, document, db, &mut cache).await?;
    R::gather(gateway, db, &mut cache, &[&prepared]).await?;
    let write = gateway.store.write().await?;
    let resource = replace::<R>(
        gateway,
        &write.txn,
        call,
        parent,
        (id, expected_version),
        &cache,
        &prepared,
    )
    .await?;
    events::record(
        &write.txn,
        vec![changed::<R>(
            call,
            parent,
            "updated",
            id,
            expected_version + 1,
            &prepared,
        )],
    )
    .await?;
    write.commit().await?;
    Ok(resource)
}

/// The audit entry and event of a change: `senior.created`, `provider.updated`, …
fn changed<R: Resource>(
    call: &Call,
    parent: Option<&str>,
    what: &'static str,
    id: &str,
    version: i32,
    prepared: &Prepared<R::Extra>,
) -> Change {
    let mut change = Change::new(call.me(), events::kind_name(R::KIND), what, id, version)
        .about(R::senior_of(id, prepared));
    change.parent = parent.map(str::to_owned);
    change.holder = R::OWN.map(|_| call.me().to_owned());
    change
}

/// Refuses a change to another participant's resource (the operator may change any), and
/// one under a parent that does not exist.
async fn owned_by_caller<R: Resource>(
    conn: &impl sea_orm::ConnectionTrait,
    call: &Call,
    parent: Option<&str>,
    id: Option<&str>,
) -> Result<(), Error> {
    let owner = R::owner(conn, parent, id).await?;
    if call.kind() == ParticipantKind::Operator {
        return Ok(());
    }
    match owner {
        Some(owner) if owner != call.me() => Err(Error::denied(
            "该资源属于另一参与方",
            format!("this {} belongs to another participant", R::LABEL),
        )),
        _ => Ok(()),
    }
}

/// How many batches one participant may have being written on one node at once: a
/// batch holds up to [`MAX_BATCH`] documents (a 32 MiB body), so a few at once is all a
/// sender needs to keep the writer busy.
pub const MAX_BATCHES_PER_PARTICIPANT: usize = 4;

/// The batches being written on this node, per participant (the protocols take a slot
/// before reading a batch's body).
pub fn batch_slots() -> Slots {
    Slots::new(MAX_BATCHES_PER_PARTICIPANT, ("批量写入", "batches"))
}

/// Creates up to [`MAX_BATCH`] resources in one transaction; each item succeeds or fails
/// on its own, so one bad item loses no good one. Valid items are written a chunk at a
/// time in a savepoint; a chunk that hits a conflict is retried item by item.
pub async fn batch_create<R: Resource>(
    gateway: &Gateway,
    call: &Call,
    parent: Option<&str>,
    documents: Vec<Value>,
) -> Result<Vec<ItemResult>, Error> {
    if documents.len() > MAX_BATCH {
        return Err(Error::invalid(Violation::new(
            "",
            jiayang_schemas::rule::MAX_ITEMS,
            format!("一次批量最多 {MAX_BATCH} 条"),
            format!("a batch holds at most {MAX_BATCH} items"),
        )));
    }
    let db = &gateway.store.db;
    let mut cache = R::Cache::default();
    // The documents are not validated yet: a reference the database refuses (a NUL in
    // an id) must fail its own item only, so after a failed preload each item resolves
    // its own.
    if R::preload(gateway, call, db, &mut cache, &documents)
        .await
        .is_err()
    {
        cache = R::Cache::default();
    }
    let mut results: Vec<Option<ItemResult>> = Vec::with_capacity(documents.len());
    let mut ready: Vec<(usize, Prepared<R::Extra>)> = Vec::new();
    for (index, document) in documents.into_iter().enumerate() {
        match prepare::<R>(gateway, call, parent, document, db, &mut cache).await {
            Ok(prepared) => {
                ready.push((index, prepared));
                results.push(None);
            }
            Err(Error::Invalid(violations)) => results.push(Some(ItemResult::Invalid(violations))),
            Err(other) => results.push(Some(ItemResult::Failed(other))),
        }
    }
    let all: Vec<&Prepared<R::Extra>> = ready.iter().map(|(_, p)| p).collect();
    R::gather(gateway, db, &mut cache, &all).await?;
    let write = gateway.store.write().await?;
    for chunk in ready.chunks(CHUNK) {
        let items: Vec<&Prepared<R::Extra>> = chunk.iter().map(|(_, p)| p).collect();
        let savepoint = write.txn.begin().await?;
        match insert_many::<R>(gateway, &savepoint, call, parent, &cache, &items).await {
            Ok(ids) => {
                savepoint.commit().await?;
                for ((index, _), id) in chunk.iter().zip(ids) {
                    results[*index] = Some(ItemResult::Created { id });
                }
            }
            Err(Error::AlreadyExists(_)) => {
                savepoint.rollback().await?;
                for (index, prepared) in chunk {
                    results[*index] = Some(
                        insert_one::<R>(gateway, &write.txn, call, parent, &cache, prepared)
                            .await?,
                    );
                }
            }
            Err(other) => return Err(other),
        }
    }
    let changes = ready
        .iter()
        .filter_map(|(index, prepared)| match &results[*index] {
            Some(ItemResult::Created { id }) => {
                Some(changed::<R>(call, parent, "created", id, 1, prepared))
            }
            _ => None,
        })
        .collect();
    events::record(&write.txn, changes).await?;
    write.commit().await?;
    Ok(results
        .into_iter()
        .map(|r| r.expect("every item has a result"))
        .collect())
}

async fn insert_one<R: Resource>(
    gateway: &Gateway,
    txn: &DatabaseTransaction,
    call: &Call,
    parent: Option<&str>,
    cache: &R::Cache,
    item: &Prepared<R::Extra>,
) -> Result<ItemResult, Error> {
    let savepoint = txn.begin().await?;
    match insert::<R>(gateway, &savepoint, call, parent, cache, item).await {
        Ok((id, _)) => {
            savepoint.commit().await?;
            Ok(ItemResult::Created { id })
        }
        Err(error @ (Error::AlreadyExists(_) | Error::Invalid(_) | Error::NotFound(_))) => {
            savepoint.rollback().await?;
            Ok(match error {
                Error::Invalid(violations) => ItemResult::Invalid(violations),
                other => ItemResult::Failed(other),
            })
        }
        Err(other) => Err(other),
    }
}
