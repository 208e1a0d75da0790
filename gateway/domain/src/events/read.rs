//! A reader's events from a cursor: those it may read now, in feed order, waiting for
//! them up to a time. The cursor says how far the reader has looked, which may be past
//! its last event (events it may not read are passed over, not shown).

use std::time::Duration;

use jiayang_schemas::Violation;
use jiayang_store::{
    entity::{alert, consent, event, participant, service_record},
    events, micros_to_rfc3339,
};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Query, SelectStatement},
};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::{
    Call, Error, Gateway, ParticipantKind, alerts,
    grants::{beijing_today, current_grants},
    participants, records, rules,
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
/// may read providers and workers; a senior's events go to the registration's holder
/// and those its current grants cover (any purpose: an event carries no data); a
/// record's, consent's and alert's to those who may read that record, consent or alert.
pub(crate) fn visible(kind: ParticipantKind, me: &str) -> Condition {
    if matches!(kind, ParticipantKind::Regulator | ParticipantKind::Operator) {
        return Condition::all();
    }
    let of_kind = |name: &str| Condition::all().add(event::Column::ResourceKind.eq(name));
    let ids = |query: &mut SelectStatement, condition: Condition| {
        event::Column::ResourceId.in_subquery(query.cond_where(condition).to_owned())
    };
    let granted = Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(consent::Entity)
            .cond_where(
                current_grants(me, &beijing_today())
                    .add(
                        Expr::col((consent::Entity, consent::Column::SeniorId))
                            .equals((event::Entity, event::Column::SeniorId)),
                    )
                    .add(
                        Expr::col((consent::Entity, consent::Column::Holder))
                            .equals((event::Entity, event::Column::Holder)),
                    ),
            )
            .to_owned(),
    );
    let records = records::Visible::To {
        participant: me,
        held: kind != ParticipantKind::HousekeepingPlatform,
    };
    Condition::any()
        .add(event::Column::ResourceKind.is_in(["provider", "worker"]))
        .add(
            of_kind("senior").add(
                Condition::any()
                    .add(event::Column::Holder.eq(me))
                    .add(granted),
            ),
        )
        .add(
            of_kind("service_record").add(ids(
                Query::select()
                    .column(service_record::Column::Id)
                    .from(service_record::Entity),
                records.condition(),
            )),
        )
        .add(
            of_kind("consent").add(ids(
                Query::select()
                    .column(consent::Column::Id)
                    .from(consent::Entity),
                Condition::any()
                    .add(consent::Column::Holder.eq(me))
                    .add(consent::Column::Grantee.eq(me)),
            )),
        )
        .add(
            of_kind("alert").add(ids(
                Query::select()
                    .column(alert::Column::Id)
                    .from(alert::Entity),
                alerts::visible_to(kind, me),
            )),
        )
}
