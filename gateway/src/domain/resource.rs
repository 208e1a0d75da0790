//! The operations every resource shares — create (idempotent), get, update (If-Match),
//! batch create — written once over the [`Resource`] trait. Lists differ per resource
//! (their filters) and live in each resource's module.

use std::future::Future;

use jiayang_schemas::{Kind, Violation};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, ModelTrait,
    PrimaryKeyTrait, QueryFilter, TransactionTrait,
};
use serde_json::Value;

use super::{Caller, Created, Gateway, IdempotencyKey, ItemResult, document::new_id, idempotency};
use crate::{audit, error::ApiError, participants::ParticipantKind, store::is_unique_violation};

/// Most items one batch create takes.
pub const MAX_BATCH: usize = 5000;

/// One canonical resource kind and how it is stored.
pub trait Resource: Send + Sync + 'static {
    const KIND: Kind;
    /// Id prefix, e.g. `sen` in `sen_01JC…`.
    const PREFIX: &'static str;
    /// Name in messages, e.g. "senior".
    const LABEL: &'static str;
    /// A validated, resolved document ready to store.
    type Prepared: Send + Sync;
    /// What `prepare` may remember across the items of one batch (resolved references).
    type Cache: Default + Send;

    /// Validates the document and resolves its references; writes nothing.
    fn prepare(
        gateway: &Gateway,
        caller: &Caller,
        parent: Option<&str>,
        document: Value,
        conn: &impl ConnectionTrait,
        cache: &mut Self::Cache,
    ) -> impl Future<Output = Result<Self::Prepared, ApiError>> + Send;

    /// Stores a new resource and returns it as the caller will see it.
    fn insert(
        gateway: &Gateway,
        txn: &DatabaseTransaction,
        caller: &Caller,
        parent: Option<&str>,
        id: &str,
        prepared: &Self::Prepared,
    ) -> impl Future<Output = Result<Value, ApiError>> + Send;

    /// Stores several new resources; all or none (the caller wraps it in a savepoint).
    /// The default inserts one by one; bulk-loaded resources write multi-row inserts.
    fn insert_batch(
        gateway: &Gateway,
        txn: &DatabaseTransaction,
        caller: &Caller,
        parent: Option<&str>,
        items: &[(String, &Self::Prepared)],
    ) -> impl Future<Output = Result<(), ApiError>> + Send {
        async move {
            for (id, prepared) in items {
                Self::insert(gateway, txn, caller, parent, id, prepared).await?;
            }
            Ok(())
        }
    }

    /// Replaces the resource if it is at `expected_version`.
    fn replace(
        gateway: &Gateway,
        txn: &DatabaseTransaction,
        parent: Option<&str>,
        id: &str,
        expected_version: i32,
        prepared: &Self::Prepared,
    ) -> impl Future<Output = Result<Value, ApiError>> + Send;

    fn get(
        gateway: &Gateway,
        conn: &impl ConnectionTrait,
        parent: Option<&str>,
        id: &str,
    ) -> impl Future<Output = Result<Option<Value>, ApiError>> + Send;

    /// The participant whose resource this is (for a child, its parent's owner), when
    /// only that participant and the operator may change it. `id` is `None` on create.
    fn owner(
        _conn: &impl ConnectionTrait,
        _parent: Option<&str>,
        _id: Option<&str>,
    ) -> impl Future<Output = Result<Option<String>, ApiError>> + Send {
        async { Ok(None) }
    }

    /// The id stored under an external id of a participant.
    fn lookup_external(
        gateway: &Gateway,
        participant: &str,
        external_id: &str,
    ) -> impl Future<Output = Result<Option<Value>, ApiError>> + Send {
        async move {
            let conn = &gateway.store.db;
            let found: Option<String> =
                super::references::external(conn, Self::KIND, participant, external_id).await?;
            match found {
                Some(id) => Self::get(gateway, conn, None, &id).await,
                None => Ok(None),
            }
        }
    }
}

pub async fn create<R: Resource>(
    gateway: &Gateway,
    caller: &Caller,
    parent: Option<&str>,
    document: Value,
    key: Option<IdempotencyKey>,
) -> Result<Created, ApiError> {
    let db = &gateway.store.db;
    if parent.is_some() {
        owned_by_caller::<R>(db, caller, parent, None).await?;
    }
    if let Some(key) = &key
        && let Some(created) = replayed::<R>(gateway, caller, parent, key).await?
    {
        return Ok(created);
    }
    let prepared = R::prepare(
        gateway,
        caller,
        parent,
        document,
        db,
        &mut R::Cache::default(),
    )
    .await?;
    let attempt = async {
        let write = gateway.store.write().await?;
        // The id is made once the write may proceed, so ids follow commit order as closely
        // as the database allows (exactly, on SQLite's single writer).
        let id = new_id(R::PREFIX);
        let resource = R::insert(gateway, &write.txn, caller, parent, &id, &prepared).await?;
        if let Some(key) = &key {
            idempotency::remember(&write.txn, &caller.participant, key, &id)
                .await
                .map_err(|e| conflict(R::LABEL, e))?;
        }
        audit::append(&write.txn, vec![changed::<R>(caller, "created", &id)]).await?;
        write.commit().await?;
        Ok::<_, ApiError>(resource)
    };
    match attempt.await {
        Ok(resource) => Ok(Created {
            resource,
            replayed: false,
        }),
        // A concurrent request with the same key won the race: answer as it was answered.
        Err(ApiError::AlreadyExists(what)) if key.is_some() => {
            let key = key.as_ref().expect("checked");
            match replayed::<R>(gateway, caller, parent, key).await? {
                Some(created) => Ok(created),
                None => Err(ApiError::AlreadyExists(what)),
            }
        }
        Err(error) => Err(error),
    }
}

/// The resource an earlier request with this key created, as it is now.
async fn replayed<R: Resource>(
    gateway: &Gateway,
    caller: &Caller,
    parent: Option<&str>,
    key: &IdempotencyKey,
) -> Result<Option<Created>, ApiError> {
    let db = &gateway.store.db;
    let Some(id) = idempotency::replay(db, &caller.participant, key).await? else {
        return Ok(None);
    };
    let resource = R::get(gateway, db, parent, &id)
        .await?
        .ok_or(ApiError::NotFound(R::LABEL))?;
    Ok(Some(Created {
        resource,
        replayed: true,
    }))
}

pub async fn get<R: Resource>(
    gateway: &Gateway,
    parent: Option<&str>,
    id: &str,
) -> Result<Value, ApiError> {
    R::get(gateway, &gateway.store.db, parent, id)
        .await?
        .ok_or(ApiError::NotFound(R::LABEL))
}

pub async fn update<R: Resource>(
    gateway: &Gateway,
    caller: &Caller,
    parent: Option<&str>,
    id: &str,
    document: Value,
    expected_version: Option<i32>,
) -> Result<Value, ApiError> {
    let expected_version = expected_version.ok_or(ApiError::PreconditionRequired)?;
    owned_by_caller::<R>(&gateway.store.db, caller, parent, Some(id)).await?;
    let prepared = R::prepare(
        gateway,
        caller,
        parent,
        document,
        &gateway.store.db,
        &mut R::Cache::default(),
    )
    .await?;
    let write = gateway.store.write().await?;
    let resource = R::replace(gateway, &write.txn, parent, id, expected_version, &prepared).await?;
    audit::append(&write.txn, vec![changed::<R>(caller, "updated", id)]).await?;
    write.commit().await?;
    Ok(resource)
}

/// The audit entry of a change: `senior.created`, `provider.updated`, …
fn changed<R: Resource>(caller: &Caller, what: &str, id: &str) -> audit::Entry {
    let senior = (R::KIND == Kind::Senior).then_some(id);
    audit::Entry::change(
        &caller.participant,
        &format!("{}.{what}", R::KIND.as_str()),
        id,
        senior,
    )
}

/// Refuses a change to another participant's resource; the operator may change any.
async fn owned_by_caller<R: Resource>(
    conn: &impl ConnectionTrait,
    caller: &Caller,
    parent: Option<&str>,
    id: Option<&str>,
) -> Result<(), ApiError> {
    if caller.kind == ParticipantKind::Operator {
        return Ok(());
    }
    match R::owner(conn, parent, id).await? {
        Some(owner) if owner != caller.participant => Err(ApiError::PermissionDenied(format!(
            "this {} belongs to another participant",
            R::LABEL
        ))),
        _ => Ok(()),
    }
}

/// Items written per multi-row insert in a batch.
const CHUNK: usize = 500;

/// Creates up to [`MAX_BATCH`] resources in one transaction; each item succeeds or fails
/// on its own, so one bad item loses no good one. Valid items are written a chunk at a
/// time in a savepoint; a chunk that hits a conflict is retried item by item.
pub async fn batch_create<R: Resource>(
    gateway: &Gateway,
    caller: &Caller,
    parent: Option<&str>,
    documents: Vec<Value>,
) -> Result<Vec<ItemResult>, ApiError> {
    if documents.len() > MAX_BATCH {
        return Err(ApiError::Invalid(vec![Violation::new(
            "",
            jiayang_schemas::rule::MAX_ITEMS,
            format!("一次批量最多 {MAX_BATCH} 条"),
            format!("a batch holds at most {MAX_BATCH} items"),
        )]));
    }
    let db = &gateway.store.db;
    let mut cache = R::Cache::default();
    let mut results: Vec<Option<ItemResult>> = Vec::with_capacity(documents.len());
    let mut ready: Vec<(usize, String, R::Prepared)> = Vec::new();
    for (index, document) in documents.into_iter().enumerate() {
        match R::prepare(gateway, caller, parent, document, db, &mut cache).await {
            Ok(prepared) => {
                ready.push((index, String::new(), prepared));
                results.push(None);
            }
            Err(ApiError::Invalid(violations)) => {
                results.push(Some(ItemResult::Invalid(violations)))
            }
            Err(other) => results.push(Some(ItemResult::Failed(other))),
        }
    }
    let write = gateway.store.write().await?;
    for (_, id, _) in &mut ready {
        *id = new_id(R::PREFIX);
    }
    for chunk in ready.chunks(CHUNK) {
        let items: Vec<(String, &R::Prepared)> =
            chunk.iter().map(|(_, id, p)| (id.clone(), p)).collect();
        let savepoint = write.txn.begin().await?;
        match R::insert_batch(gateway, &savepoint, caller, parent, &items).await {
            Ok(()) => {
                savepoint.commit().await?;
                for (index, id, _) in chunk {
                    results[*index] = Some(ItemResult::Created { id: id.clone() });
                }
            }
            Err(ApiError::AlreadyExists(_)) => {
                savepoint.rollback().await?;
                for (index, id, prepared) in chunk {
                    results[*index] = Some(
                        insert_one::<R>(gateway, &write.txn, caller, parent, id, prepared).await?,
                    );
                }
            }
            Err(other) => return Err(other),
        }
    }
    let changes = results
        .iter()
        .filter_map(|r| match r {
            Some(ItemResult::Created { id }) => Some(changed::<R>(caller, "created", id)),
            _ => None,
        })
        .collect();
    audit::append(&write.txn, changes).await?;
    write.commit().await?;
    Ok(results
        .into_iter()
        .map(|r| r.expect("every item has a result"))
        .collect())
}

async fn insert_one<R: Resource>(
    gateway: &Gateway,
    txn: &DatabaseTransaction,
    caller: &Caller,
    parent: Option<&str>,
    id: &str,
    item: &R::Prepared,
) -> Result<ItemResult, ApiError> {
    let savepoint = txn.begin().await?;
    match R::insert(gateway, &savepoint, caller, parent, id, item).await {
        Ok(_) => {
            savepoint.commit().await?;
            Ok(ItemResult::Created { id: id.to_owned() })
        }
        Err(
            error @ (ApiError::AlreadyExists(_) | ApiError::Invalid(_) | ApiError::NotFound(_)),
        ) => {
            savepoint.rollback().await?;
            Ok(match error {
                ApiError::Invalid(violations) => ItemResult::Invalid(violations),
                other => ItemResult::Failed(other),
            })
        }
        Err(other) => Err(other),
    }
}

/// Writes `row` only if the stored version is still `expected`: the check and the write
/// are one statement, so two updates from the same version cannot both succeed.
pub(crate) async fn update_at_version<E>(
    txn: &DatabaseTransaction,
    label: &'static str,
    row: E::ActiveModel,
    id: &str,
    expected: i32,
    id_column: E::Column,
    version_column: E::Column,
) -> Result<E::Model, ApiError>
where
    E: EntityTrait,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<String>,
{
    let updated = E::update_many()
        .set(row)
        .filter(id_column.eq(id))
        .filter(version_column.eq(expected))
        .exec(txn)
        .await
        .map_err(|e| conflict(label, e))?;
    let current = E::find_by_id(id.to_owned())
        .one(txn)
        .await?
        .ok_or(ApiError::NotFound(label))?;
    if updated.rows_affected == 1 {
        return Ok(current);
    }
    let version = match current.get(version_column) {
        sea_orm::Value::Int(Some(version)) => version,
        _ => 0,
    };
    Err(ApiError::VersionMismatch { current: version })
}

/// Maps a database error on insert: unique violations become `already-exists` with a
/// message naming what collided; anything else is internal.
pub(crate) fn conflict(label: &str, error: sea_orm::DbErr) -> ApiError {
    if !is_unique_violation(&error) {
        return ApiError::from(error);
    }
    let text = error.to_string();
    let what = if text.contains("external_ids") {
        format!("a {label} with one of these externalIds")
    } else if text.contains("idempotency") {
        "the idempotency key".to_owned()
    } else {
        format!("a {label} with the same unique identifier")
    };
    ApiError::AlreadyExists(what)
}
