//! A reader's events from a cursor: those it may read now, in feed order, waiting for
//! them up to a time. The cursor says how far the reader has looked, which may be past
//! its last event (events it may not read are passed over, not shown).

use std::time::Duration;

use jiayang_schemas::Violation;
use jiayang_store::{
    entity::{alert, consent, event, participant, record_holder, service_record},
    events, micros_to_rfc3339,
};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{DynIden, Expr, ExprTrait, IntoColumnRef, IntoIden, Query},
};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::{
    Call, Error, Gateway, ParticipantKind,
    grants::{beijing_today, current_grants},
    participants, rules,
};

/// Longest a read waits for an event (under the gateway's request time-out).
pub const MAX_WAIT: Duration = Duration::from_secs(50);

/// Most events one read answers.
pub const MAX_LIMIT: u64 = 1000;

/// Positions one query looks through: a reader that may read few events costs bounded
/// work per query however long the feed.
const WINDOW: i64 = 10_000;

/// What a read found.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    pub events: Vec<Delivered>,
    /// Where to resume: past every event above and everything passed over.
    pub cursor: String,
}

/// One event with the cursor that resumes after it.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivered {
    pub event: Value,
    pub cursor: String,
}

/// The events after `after` (the feed's start when `None`) that the caller may read, at
/// most `limit`, waiting up to `wait` (at most [`MAX_WAIT`]) for the first.
pub async fn poll(
    gateway: &Gateway,
    call: &Call,
    after: Option<&str>,
    wait: Duration,
    limit: u64,
) -> Result<Batch, Error> {
    let mut after = match after {
        Some(cursor) => parse(cursor)?,
        None => 0,
    };
    let limit = limit.clamp(1, MAX_LIMIT);
    let deadline = Instant::now() + wait.min(MAX_WAIT);
    let visible = visible(call.kind(), call.me());
    let mut head = gateway.feed.watch();
    let mut known = *head.borrow();
    if after > known {
        // This node may not have published yet what another has sequenced.
        known = events::head(&gateway.store.db).await?;
        if after > known {
            return Err(bad_cursor(
                "游标超出事件流",
                "the cursor is beyond the feed",
            ));
        }
    }
    loop {
        let (rows, looked) = next(gateway, &visible, after, known, limit).await?;
        after = looked;
        if !rows.is_empty() {
            return Ok(Batch {
                events: rows.iter().map(delivered).collect(),
                cursor: after.to_string(),
            });
        }
        let moved = tokio::select! {
            moved = tokio::time::timeout_at(deadline, head.changed()) => matches!(moved, Ok(Ok(()))),
            () = gateway.feed.closed() => false,
        };
        if !moved {
            // Timed out, or the gateway is shutting down: nothing more now.
            return Ok(Batch {
                events: Vec::new(),
                cursor: after.to_string(),
            });
        }
        known = Ord::max(known, *head.borrow_and_update());
    }
}

/// The events after `after`, up to `head`, that `visible` admits, at most `limit`;
/// and how far it looked (the last event's position when it found `limit`).
pub(crate) async fn next(
    gateway: &Gateway,
    visible: &Condition,
    mut after: i64,
    head: i64,
    limit: u64,
) -> Result<(Vec<event::Model>, i64), Error> {
    while after < head {
        let upto = Ord::min(head, after + WINDOW);
        let rows = event::Entity::find()
            .filter(event::Column::Position.gt(after))
            .filter(event::Column::Position.lte(upto))
            .filter(visible.clone())
            .order_by_asc(event::Column::Position)
            .limit(limit)
            .all(&gateway.store.db)
            .await?;
        if rows.len() as u64 == limit {
            let last = rows.last().and_then(|r| r.position).unwrap_or(upto);
            return Ok((rows, last));
        }
        if !rows.is_empty() {
            return Ok((rows, upto));
        }
        after = upto;
    }
    Ok((Vec::new(), after))
}

/// Whether `participant` may still receive events (a stream asks between reads: a
/// suspension ends it).
pub async fn still_active(gateway: &Gateway, participant: &str) -> Result<bool, Error> {
    Ok(participant::Entity::find_by_id(participant.to_owned())
        .filter(participant::Column::Status.eq(participants::Status::Active.as_str()))
        .one(&gateway.store.db)
        .await?
        .is_some())
}

fn parse(cursor: &str) -> Result<i64, Error> {
    cursor
        .parse::<i64>()
        .ok()
        .filter(|p| *p >= 0 && cursor.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| bad_cursor("游标格式不正确", "the cursor is not one the feed gave"))
}

fn bad_cursor(zh: &str, en: &str) -> Error {
    Error::invalid(Violation::new("/after", rules::QUERY_FORMAT, zh, en))
}

/// An event as its receivers see it: `{id, type, resource: {kind, id, version}, senior,
/// occurredAt}` (a worker's resource names its `provider`).
pub(crate) fn delivered(row: &event::Model) -> Delivered {
    let mut resource = json!({
        "kind": row.resource_kind, "id": row.resource_id, "version": row.version,
    });
    if let Some(provider) = &row.parent_id {
        resource["provider"] = provider.as_str().into();
    }
    let mut event = json!({
        "id": row.id,
        "type": row.event_type,
        "resource": resource,
        "occurredAt": micros_to_rfc3339(row.occurred_at),
    });
    if let Some(senior) = &row.senior_id {
        event["senior"] = senior.as_str().into();
    }
    Delivered {
        event,
        cursor: row.position.unwrap_or_default().to_string(),
    }
}

/// The events a participant may receive: about what it may read now (DESIGN §4.5).
/// Regulators and the operator receive every event (ids and versions only); anyone
/// may read providers, workers and the audit chain's signed checkpoints; a senior's events go to the registration's holder
/// and those its current grants cover (any purpose: an event carries no data); a
/// record's, consent's and alert's to those who may read that record, consent or alert.
/// Each is asked of the event's own resource by its key (a correlated `EXISTS`), so a
/// read costs what the events it looks at cost, not what the tables hold.
pub(crate) fn visible(kind: ParticipantKind, me: &str) -> Condition {
    if matches!(kind, ParticipantKind::Regulator | ParticipantKind::Operator) {
        return Condition::all();
    }
    let of_kind = |name: &str| Condition::all().add(event::Column::ResourceKind.eq(name));
    // A row of `table` keyed `key` = the value of `column` (of the outer row), meeting
    // `condition`.
    let exists = |table, key, column: (DynIden, DynIden), condition: Condition| {
        Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(table)
                .cond_where(
                    Condition::all()
                        .add(Expr::col(key).equals(column))
                        .add(condition),
                )
                .to_owned(),
        )
    };
    let event_resource = || {
        (
            event::Entity.into_iden(),
            event::Column::ResourceId.into_iden(),
        )
    };
    let granted = exists(
        consent::Entity.into_iden(),
        (consent::Entity, consent::Column::SeniorId).into_column_ref(),
        (
            event::Entity.into_iden(),
            event::Column::SeniorId.into_iden(),
        ),
        current_grants(me, &beijing_today()).add(
            Expr::col((consent::Entity, consent::Column::Holder))
                .equals((event::Entity, event::Column::Holder)),
        ),
    );
    let held = kind != ParticipantKind::HousekeepingPlatform;
    // The holders a record was written under see it, its alerts too (collecting kinds).
    let holds = |record: (DynIden, DynIden)| {
        let holder = exists(
            record_holder::Entity.into_iden(),
            (record_holder::Entity, record_holder::Column::RecordId).into_column_ref(),
            record,
            Condition::all()
                .add(Expr::col((record_holder::Entity, record_holder::Column::Holder)).eq(me)),
        );
        if held {
            Condition::any().add(holder)
        } else {
            Condition::any()
        }
    };
    let record = exists(
        service_record::Entity.into_iden(),
        (service_record::Entity, service_record::Column::Id).into_column_ref(),
        event_resource(),
        Condition::all()
            .add(Expr::col((service_record::Entity, service_record::Column::SubmittedBy)).eq(me)),
    );
    let consent = exists(
        consent::Entity.into_iden(),
        (consent::Entity, consent::Column::Id).into_column_ref(),
        event_resource(),
        Condition::any()
            .add(Expr::col((consent::Entity, consent::Column::Holder)).eq(me))
            .add(Expr::col((consent::Entity, consent::Column::Grantee)).eq(me)),
    );
    let alert = exists(
        alert::Entity.into_iden(),
        (alert::Entity, alert::Column::Id).into_column_ref(),
        event_resource(),
        holds((
            alert::Entity.into_iden(),
            alert::Column::RecordId.into_iden(),
        ))
        .add(Expr::col((alert::Entity, alert::Column::SubmittedBy)).eq(me)),
    );
    Condition::any()
        .add(event::Column::ResourceKind.is_in(["provider", "worker", "audit_checkpoint"]))
        .add(
            of_kind("senior").add(
                Condition::any()
                    .add(event::Column::Holder.eq(me))
                    .add(granted),
            ),
        )
        .add(of_kind("service_record").add(holds(event_resource()).add(record)))
        .add(of_kind("consent").add(consent))
        .add(of_kind("alert").add(alert))
}
