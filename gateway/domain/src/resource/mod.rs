//! Canonical resources and how they are stored, written once. A [`Resource`] declares its
//! table, what `prepare` checks and resolves, which columns a write sets and how a row
//! renders; inserting (one or many), replacing at a version, getting, external ids and
//! side indexes are done here for all of them. The operations callers make (create,
//! get, update, batch create) are in `write.rs`; lists differ per resource (their filters)
//! and live in each resource's module.

mod write;

use std::future::Future;

use jiayang_schemas::Kind;
use jiayang_store::{
    entity::{Documents, Stored},
    now_micros,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QuerySelect,
};
use serde_json::{Map, Value};

use jiayang_schemas::Violation;
use jiayang_store::entity::participant;

use crate::{Call, Error, Gateway, ParticipantKind, document, document::new_id, references, rules};

pub use write::{
    MAX_BATCH, MAX_BATCHES_PER_PARTICIPANT, batch_create, batch_slots, create, get,
    lookup_external, update,
};

/// A validated document ready to store: its body without server-set fields, its
/// external ids, and what the resource's `prepare` added (resolved references, sealed
/// parts, index values).
pub struct Prepared<X> {
    pub body: Map<String, Value>,
    pub external_ids: Vec<(String, String)>,
    pub extra: X,
}

/// The row a write lands in: its id, the version it will have, and who writes it (a
/// sealed value is bound to all three).
#[derive(Clone, Copy, Debug)]
pub struct Target<'a> {
    pub id: &'a str,
    pub version: i32,
    pub writer: &'a str,
}

/// The row type and the active model (the columns of a write) of a resource's table.
pub type Row<R> = <<R as Resource>::Table as EntityTrait>::Model;
pub type Columns<R> = <<R as Resource>::Table as EntityTrait>::ActiveModel;

/// One canonical resource kind and how it is stored.
pub trait Resource: Sized + Send + Sync + 'static {
    /// The table its rows live in.
    type Table: Documents<
            Model: IntoActiveModel<<Self::Table as EntityTrait>::ActiveModel> + Send + Sync,
            ActiveModel: Send + Sync,
        >;
    const KIND: Kind;
    /// Id prefix, e.g. `sen` in `sen_01JC…`.
    const PREFIX: &'static str;
    /// Name in messages, e.g. "senior".
    const LABEL: &'static str;
    /// What `prepare` adds to a document.
    type Extra: Send + Sync;
    /// What `prepare` may remember across the items of one batch (resolved references).
    type Cache: Default + Send;

    /// Checks a validated `body` (server-set fields already dropped) and resolves what it
    /// names, in the caller's name; may rewrite it (references become ids). Writes nothing.
    fn prepare(
        gateway: &Gateway,
        call: &Call,
        parent: Option<&str>,
        body: &mut Map<String, Value>,
        conn: &impl ConnectionTrait,
        cache: &mut Self::Cache,
    ) -> impl Future<Output = Result<Self::Extra, Error>> + Send;

    /// The columns every write of `prepared` sets (insert and replace); the id, version
    /// and times are set by the caller.
    fn columns(
        gateway: &Gateway,
        target: Target<'_>,
        prepared: &Prepared<Self::Extra>,
    ) -> Columns<Self>;

    /// The columns only an insert sets: who made the resource, under which parent, and
    /// what no later write changes.
    fn creator(
        row: &mut Columns<Self>,
        call: &Call,
        parent: Option<&str>,
        prepared: &Prepared<Self::Extra>,
    );

    /// A stored row as the canonical resource.
    fn render(gateway: &Gateway, row: &Row<Self>) -> Result<Value, Error>;

    /// Resolves, for a whole batch before its items are prepared one by one, what
    /// [`Resource::prepare`] would otherwise look up item by item (a record's seniors).
    /// The documents are not validated yet: what it reads of an invalid one is not used.
    fn preload(
        _gateway: &Gateway,
        _call: &Call,
        _conn: &impl ConnectionTrait,
        _cache: &mut Self::Cache,
        _documents: &[Value],
    ) -> impl Future<Output = Result<(), Error>> + Send {
        async { Ok(()) }
    }

    /// Reads, for all items before the write begins (so not under SQLite's one writer),
    /// what [`Resource::beside`] will check them against: a record's registry rows.
    fn gather(
        _gateway: &Gateway,
        _conn: &impl ConnectionTrait,
        _cache: &mut Self::Cache,
        _items: &[&Prepared<Self::Extra>],
    ) -> impl Future<Output = Result<(), Error>> + Send {
        async { Ok(()) }
    }

    /// What a resource writes beside its rows and checks them against, in the writing
    /// transaction just before the rows are written: side rows (a provider's areas and
    /// items, a record's holders) and verification (a record's, which it sets in the
    /// row, `rows[i]` for `items[i]`). `items` are new rows, or with `replacing` an
    /// update's.
    fn beside(
        _gateway: &Gateway,
        _txn: &DatabaseTransaction,
        _call: &Call,
        _cache: &Self::Cache,
        _items: &[(&str, &Prepared<Self::Extra>)],
        _rows: &mut [Columns<Self>],
        _replacing: bool,
    ) -> impl Future<Output = Result<(), Error>> + Send {
        async { Ok(()) }
    }

    /// The rows `parent` holds (a worker exists only under its provider).
    fn within(_parent: Option<&str>) -> Condition {
        Condition::all()
    }

    /// The column naming the participant whose resource a row is (its owner or
    /// submitter), when only that participant (and the operator) may change it.
    const OWNER: Option<<Self::Table as EntityTrait>::Column> = None;

    /// For a resource each participant keeps its own row of under one id (a senior's
    /// registrations), the column naming that participant: a write, a replay and the
    /// external ids a write replaces are then the caller's row only, and another's row
    /// under the same id is as if it were not there.
    const OWN: Option<<Self::Table as EntityTrait>::Column> = None;

    /// The ids of the rows about to be inserted for `items`, in order: new ones, unless
    /// rows may share an id (a senior's registrations find or make their person here,
    /// inside the inserting transaction).
    fn ids(
        _gateway: &Gateway,
        _txn: &DatabaseTransaction,
        items: &[&Prepared<Self::Extra>],
    ) -> impl Future<Output = Result<Vec<String>, Error>> + Send {
        let ids = items.iter().map(|_| new_id(Self::PREFIX)).collect();
        async { Ok(ids) }
    }

    /// Refuses an update: called with the row as the update left it, before the write
    /// commits (an error rolls it back), so the columns only [`Resource::creator`] sets
    /// still hold what the insert wrote.
    fn check_update(_updated: &Row<Self>, _prepared: &Prepared<Self::Extra>) -> Result<(), Error> {
        Ok(())
    }

    /// The participant whose resource this is (for a child, its parent's owner), when only
    /// it may change it; `id` is `None` on create. A missing parent is not found.
    fn owner(
        conn: &impl ConnectionTrait,
        _parent: Option<&str>,
        id: Option<&str>,
    ) -> impl Future<Output = Result<Option<String>, Error>> + Send {
        async move {
            match (Self::OWNER, id) {
                (Some(column), Some(id)) => owner_of::<Self>(conn, column, id).await,
                _ => Ok(None),
            }
        }
    }

    /// The senior a change concerns, for its audit entry.
    fn senior_of<'a>(_id: &'a str, _prepared: &'a Prepared<Self::Extra>) -> Option<&'a str> {
        None
    }

    /// The idempotency scope of a create: keys are per resource kind (and parent).
    fn scope(parent: Option<&str>) -> String {
        match parent {
            Some(parent) => format!("{}:{parent}", Self::PREFIX),
            None => Self::PREFIX.to_owned(),
        }
    }
}

/// The stored parts of a row, as [`document::render`] makes them into a resource.
pub(crate) fn stored<R: Resource>(row: &Row<R>) -> Stored<'_> {
    <R::Table as Documents>::stored(row)
}

/// A row's id, version and times with its body: the resource before its own additions.
pub(crate) fn rendered<R: Resource>(row: &Row<R>) -> Value {
    document::render(stored::<R>(row))
}

/// The rows a call's write may touch: with [`Resource::OWN`], the caller's own.
pub(crate) fn own<R: Resource>(call: &Call) -> Condition {
    match R::OWN {
        Some(column) => Condition::all().add(column.eq(call.me())),
        None => Condition::all(),
    }
}

/// Validates `document`, drops what the server sets and lets the resource prepare it.
pub(crate) async fn prepare<R: Resource>(
    gateway: &Gateway,
    call: &Call,
    parent: Option<&str>,
    document: Value,
    conn: &impl ConnectionTrait,
    cache: &mut R::Cache,
) -> Result<Prepared<R::Extra>, Error> {
    crate::validated(R::KIND, &document)?;
    let mut body = document::without_server_fields(document);
    let external_ids = document::external_ids(&body);
    check_external_ids(call, &external_ids, conn).await?;
    let extra = R::prepare(gateway, call, parent, &mut body, conn, cache).await?;
    Ok(Prepared {
        external_ids,
        body,
        extra,
    })
}

/// External ids name the caller: another participant's would claim that participant's
/// ids, so its own create with them would later be refused as a conflict (and the
/// conflict would tell whose ids the gateway holds). The operator, migrating listings,
/// may record any participant's ids, as long as that participant exists.
async fn check_external_ids(
    call: &Call,
    external_ids: &[(String, String)],
    conn: &impl ConnectionTrait,
) -> Result<(), Error> {
    let mut violations = Vec::new();
    for (i, (participant, _)) in external_ids.iter().enumerate() {
        if participant == call.me() {
            continue;
        }
        let at = format!("/externalIds/{i}/participant");
        if call.kind() != ParticipantKind::Operator {
            violations.push(Violation::new(
                at,
                rules::EXTERNAL_ID_FOREIGN,
                "只能记录本接入方自己的外部编号",
                "only the caller's own external ids may be recorded",
            ));
        } else if participant::Entity::find_by_id(participant.clone())
            .one(conn)
            .await?
            .is_none()
        {
            violations.push(Violation::new(
                at,
                rules::REFERENCE_UNRESOLVED,
                "外部编号所属的参与方不存在",
                "the external id names no participant",
            ));
        }
    }
    if violations.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(violations))
    }
}

/// The columns of a new row: the resource's, its creator's, id, version 1 and times.
fn new_row<R: Resource>(
    gateway: &Gateway,
    call: &Call,
    parent: Option<&str>,
    id: &str,
    now: i64,
    prepared: &Prepared<R::Extra>,
) -> Columns<R> {
    let target = Target {
        id,
        version: 1,
        writer: call.me(),
    };
    let mut row = R::columns(gateway, target, prepared);
    R::creator(&mut row, call, parent, prepared);
    row.set(R::Table::ID, id.into());
    row.set(R::Table::VERSION, 1.into());
    row.set(R::Table::CREATED_AT, now.into());
    row.set(R::Table::UPDATED_AT, now.into());
    row
}

/// Stores a new resource, its external ids and side rows; returns its id and the
/// resource rendered.
async fn insert<R: Resource>(
    gateway: &Gateway,
    txn: &DatabaseTransaction,
    call: &Call,
    parent: Option<&str>,
    cache: &R::Cache,
    prepared: &Prepared<R::Extra>,
) -> Result<(String, Value), Error> {
    let id = R::ids(gateway, txn, &[prepared]).await?.remove(0);
    let mut rows = [new_row::<R>(
        gateway,
        call,
        parent,
        &id,
        now_micros(),
        prepared,
    )];
    R::beside(
        gateway,
        txn,
        call,
        cache,
        &[(&id, prepared)],
        &mut rows,
        false,
    )
    .await?;
    let [row] = rows;
    let row = row.insert(txn).await.map_err(|e| conflict(R::LABEL, e))?;
    references::insert_external(txn, R::KIND, &id, &prepared.external_ids)
        .await
        .map_err(|e| conflict(R::LABEL, e))?;
    Ok((id, R::render(gateway, &row)?))
}

/// Stores several new resources with one multi-row insert for the rows and one for
/// their external ids; all or none (the caller wraps it in a savepoint). Returns their
/// ids, in order.
async fn insert_many<R: Resource>(
    gateway: &Gateway,
    txn: &DatabaseTransaction,
    call: &Call,
    parent: Option<&str>,
    cache: &R::Cache,
    items: &[&Prepared<R::Extra>],
) -> Result<Vec<String>, Error> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let ids = R::ids(gateway, txn, items).await?;
    let now = now_micros();
    let mut rows: Vec<Columns<R>> = ids
        .iter()
        .zip(items)
        .map(|(id, prepared)| new_row::<R>(gateway, call, parent, id, now, prepared))
        .collect();
    let indexed: Vec<(&str, &Prepared<R::Extra>)> = ids
        .iter()
        .map(String::as_str)
        .zip(items.iter().copied())
        .collect();
    R::beside(gateway, txn, call, cache, &indexed, &mut rows, false).await?;
    jiayang_store::rows::insert_all(txn, rows)
        .await
        .map_err(|e| conflict(R::LABEL, e))?;
    let external: Vec<(String, Vec<(String, String)>)> = ids
        .iter()
        .zip(items)
        .map(|(id, prepared)| (id.clone(), prepared.external_ids.clone()))
        .collect();
    references::insert_external_many(txn, R::KIND, &external)
        .await
        .map_err(|e| conflict(R::LABEL, e))?;
    Ok(ids)
}

/// Replaces the caller's resource `id` if it is still at version `expected`: the check
/// and the write are one `UPDATE … WHERE id = ? AND version = ?`, so two updates from the
/// same version cannot both succeed. Only what changes is set.
async fn replace<R: Resource>(
    gateway: &Gateway,
    txn: &DatabaseTransaction,
    call: &Call,
    parent: Option<&str>,
    (id, expected): (&str, i32),
    cache: &R::Cache,
    prepared: &Prepared<R::Extra>,
) -> Result<Value, Error> {
    let own = own::<R>(call);
    let target = Target {
        id,
        version: expected + 1,
        writer: call.me(),
    };
    let mut columns = [R::columns(gateway, target, prepared)];
    R::beside(
        gateway,
        txn,
        call,
        cache,
        &[(id, prepared)],
        &mut columns,
        true,
    )
    .await?;
    let [mut columns] = columns;
    columns.set(R::Table::VERSION, (expected + 1).into());
    columns.set(R::Table::UPDATED_AT, now_micros().into());
    let updated = R::Table::update_many()
        .set(columns)
        .filter(R::Table::ID.eq(id))
        .filter(R::Table::VERSION.eq(expected))
        .filter(R::within(parent))
        .filter(own.clone())
        .exec(txn)
        .await
        .map_err(|e| conflict(R::LABEL, e))?;
    let current = row::<R>(txn, own, parent, id)
        .await?
        .ok_or(Error::NotFound(R::LABEL))?;
    if updated.rows_affected != 1 {
        return Err(Error::VersionMismatch {
            current: stored::<R>(&current).version,
        });
    }
    R::check_update(&current, prepared)?;
    let only = R::OWN.map(|_| call.me());
    references::replace_external(txn, R::KIND, id, &prepared.external_ids, only)
        .await
        .map_err(|e| conflict(R::LABEL, e))?;
    R::render(gateway, &current)
}

/// The participant named in `column` of the row `id`.
pub(crate) async fn owner_of<R: Resource>(
    conn: &impl ConnectionTrait,
    column: <R::Table as EntityTrait>::Column,
    id: &str,
) -> Result<Option<String>, Error> {
    Ok(R::Table::find()
        .filter(R::Table::ID.eq(id))
        .select_only()
        .column(column)
        .into_tuple::<String>()
        .one(conn)
        .await?)
}

/// The row `id` (under `parent`, among the rows `own` admits), if there is one.
pub(crate) async fn row<R: Resource>(
    conn: &impl ConnectionTrait,
    own: Condition,
    parent: Option<&str>,
    id: &str,
) -> Result<Option<Row<R>>, Error> {
    Ok(R::Table::find()
        .filter(R::Table::ID.eq(id))
        .filter(R::within(parent))
        .filter(own)
        .one(conn)
        .await?)
}

/// Maps a database error on a write: unique violations become `already-exists` with a
/// message naming what collided; anything else passes on.
pub(crate) fn conflict(label: &str, error: sea_orm::DbErr) -> Error {
    if !jiayang_store::is_unique_violation(&error) {
        return Error::from(error);
    }
    let text = error.to_string();
    let what = if text.contains("external_ids") {
        format!("a {label} with one of these externalIds")
    } else if text.contains("idempotency") {
        "the idempotency key".to_owned()
    } else {
        format!("a {label} with the same unique identifier")
    };
    Error::AlreadyExists(what)
}
