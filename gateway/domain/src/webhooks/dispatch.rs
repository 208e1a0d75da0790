//! Sending deliveries. One loop per gateway claims the endpoints that have work and are
//! due, and works each in a task of its own: the oldest pending delivery first, one at a
//! time, so an endpoint receives its events in feed order. A claim is a lease (taken
//! with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so two nodes never take one endpoint),
//! renewed before every attempt; a node that dies holding it loses it when it ends, and
//! another node sends what was in flight again (at least once, under the same
//! `webhook-id`).
//!
//! An attempt's outcome: a 2xx delivers; 410 disables the endpoint; anything else —
//! another status, a redirect (never followed), a time-out, a refused connection — is
//! retried after the schedule's next delay (with ±10 % jitter), or after `Retry-After`
//! on 429 and 503; once the schedule is spent the delivery is failed and the next one
//! goes. While the oldest waits for its retry, the later ones wait behind it.

use std::{future::Future, sync::Arc, time::Duration};

use jiayang_store::{
    entity::{participant, webhook, webhook_delivery},
    now_micros,
};
use rand::Rng;
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, DatabaseTransaction, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{LockBehavior, LockType, OnConflict, Query},
};
use tokio::task::JoinSet;

use super::{ACTIVE, DISABLED, signature, signing_secrets};
use crate::{Error, Gateway, document::new_id, events, participants::Status as ParticipantStatus};

/// How often the loop looks for due work when no event wakes it.
const TICK: Duration = Duration::from_secs(1);

/// Least time between two looks: under a stream of events the head moves all the time.
const PAUSE: Duration = Duration::from_millis(100);

/// Endpoints one claim takes.
const CLAIM: u64 = 16;

/// Events queued as deliveries at a time.
const QUEUE: u64 = 100;

/// A delivery as the transport sends it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    pub url: String,
    /// `webhook-id`, `webhook-timestamp`, `webhook-signature`, `content-type`.
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

/// What became of one attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// The endpoint answered with this status (a redirect too: it is not followed), and
    /// `Retry-After` in seconds when it sent one.
    Answered {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// No answer: a time-out, a refused connection, a target the policy refuses.
    Unreachable(String),
}

/// The HTTP client the server gives the dispatcher.
pub trait Transport: Send + Sync + 'static {
    fn send(&self, outgoing: Outgoing) -> impl Future<Output = Attempt> + Send;
}

/// How deliveries are retried and claimed.
#[derive(Clone, Debug, PartialEq)]
pub struct Dispatch {
    /// The delay before each attempt: the first is usually none.
    pub schedule: Vec<Duration>,
    /// How long a claim lasts unless renewed: longer than one attempt can take.
    pub lease: Duration,
}

impl Default for Dispatch {
    fn default() -> Self {
        let minutes = |m: u64| Duration::from_secs(60 * m);
        Self {
            schedule: vec![
                Duration::ZERO,
                Duration::from_secs(5),
                minutes(5),
                minutes(30),
                minutes(120),
                minutes(300),
                minutes(600),
                minutes(600),
            ],
            lease: Duration::from_secs(30),
        }
    }
}

fn micros(duration: Duration) -> i64 {
    duration.as_micros().min(i64::MAX as u128) as i64
}

/// Starts delivering on the current runtime, until the gateway's feed closes.
pub fn start<T: Transport>(gateway: Gateway, transport: T, dispatch: Dispatch) {
    let transport = Arc::new(transport);
    let node = new_id("node");
    tokio::spawn(async move {
        let mut head = gateway.feed.watch();
        let mut working = JoinSet::new();
        loop {
            while working.try_join_next().is_some() {}
            let known = *head.borrow_and_update();
            match claim(&gateway, &node, &dispatch, known).await {
                Ok(claimed) => {
                    for endpoint in claimed {
                        let (gateway, transport, node, dispatch) = (
                            gateway.clone(),
                            transport.clone(),
                            node.clone(),
                            dispatch.clone(),
                        );
                        working.spawn(async move {
                            let participant = endpoint.participant.clone();
                            if let Err(error) =
                                work(&gateway, &*transport, &node, &dispatch, endpoint).await
                            {
                                tracing::warn!(%participant, %error, "webhook delivery stopped");
                            }
                        });
                    }
                }
                Err(error) => tracing::warn!(%error, "webhook endpoints could not be claimed"),
            }
            tokio::time::sleep(PAUSE).await;
            tokio::select! {
                changed = head.changed() => if changed.is_err() {
                    tokio::time::sleep(TICK).await;
                },
                () = tokio::time::sleep(TICK) => {}
                () = gateway.feed.closed() => return,
            }
        }
    });
}

/// Takes up to [`CLAIM`] endpoints that are active, due, unleased and have work (events
/// past their cursor, or a pending delivery), leasing them to `node`.
async fn claim(
    gateway: &Gateway,
    node: &str,
    dispatch: &Dispatch,
    head: i64,
) -> Result<Vec<webhook::Model>, Error> {
    let now = now_micros();
    let pending = Query::select()
        .column(webhook_delivery::Column::Participant)
        .from(webhook_delivery::Entity)
        .and_where(webhook_delivery::Column::Status.eq(PENDING))
        .to_owned();
    let active = Query::select()
        .column(participant::Column::Id)
        .from(participant::Entity)
        .and_where(participant::Column::Status.eq(ParticipantStatus::Active.as_str()))
        .to_owned();
    let mut query = webhook::Entity::find()
        .filter(webhook::Column::Status.eq(ACTIVE))
        .filter(webhook::Column::DueAt.lte(now))
        .filter(
            Condition::any()
                .add(webhook::Column::LeaseUntil.is_null())
                .add(webhook::Column::LeaseUntil.lt(now)),
        )
        .filter(webhook::Column::Participant.in_subquery(active))
        .filter(
            Condition::any()
                .add(webhook::Column::Cursor.lt(head))
                .add(webhook::Column::Participant.in_subquery(pending)),
        )
        .order_by_asc(webhook::Column::DueAt)
        .limit(CLAIM);
    // A plain look first: most of the time there is nothing to claim, and a write
    // transaction (SQLite's one writer) is not worth taking for that.
    if query.clone().all(&gateway.store.db).await?.is_empty() {
        return Ok(Vec::new());
    }
    let write = gateway.store.write().await?;
    if gateway.store.backend() == DbBackend::Postgres {
        query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let rows = query.all(&write.txn).await?;
    if rows.is_empty() {
        return Ok(rows);
    }
    webhook::Entity::update_many()
        .col_expr(webhook::Column::LeaseOwner, node.into())
        .col_expr(
            webhook::Column::LeaseUntil,
            (now + micros(dispatch.lease)).into(),
        )
        .filter(webhook::Column::Participant.is_in(rows.iter().map(|r| r.participant.as_str())))
        .exec(&write.txn)
        .await?;
    write.commit().await?;
    Ok(rows)
}

pub(super) const PENDING: &str = "PENDING";
pub(super) const DELIVERED: &str = "DELIVERED";
pub(super) const FAILED: &str = "FAILED";

/// Delivers `endpoint`'s due deliveries in order while it holds the lease (taken by the
/// claim, renewed with each outcome written).
async fn work<T: Transport>(
    gateway: &Gateway,
    transport: &T,
    node: &str,
    dispatch: &Dispatch,
    endpoint: webhook::Model,
) -> Result<(), Error> {
    let participant = endpoint.participant.clone();
    let participant = participant.as_str();
    loop {
        // As it is now: its URL or secret may have been replaced.
        let Some(endpoint) = webhook::Entity::find_by_id(participant.to_owned())
            .one(&gateway.store.db)
            .await?
            .filter(|e| e.status == ACTIVE && e.lease_owner.as_deref() == Some(node))
        else {
            return Ok(()); // disabled, or another node holds it now
        };
        let delivery = match oldest_pending(gateway, participant).await? {
            Some(delivery) => delivery,
            None => match queue(gateway, &endpoint).await? {
                Some(delivery) => delivery,
                None => return release(gateway, participant, node, now_micros()).await,
            },
        };
        // Read after queueing: what was just queued is due now, not after the endpoint
        // is given up and claimed again (a pause and up to a tick per queued batch).
        let now = now_micros();
        if delivery.next_attempt_at > now {
            return release(gateway, participant, node, delivery.next_attempt_at).await;
        }
        let timestamp = now / 1_000_000;
        let secrets = signing_secrets(&gateway.keys, &endpoint, now)?;
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let outgoing = Outgoing {
            url: endpoint.url.clone(),
            headers: vec![
                ("content-type", "application/json".into()),
                ("webhook-id", delivery.event_id.clone()),
                ("webhook-timestamp", timestamp.to_string()),
                (
                    "webhook-signature",
                    signature::sign(&secrets, &delivery.event_id, timestamp, &delivery.body),
                ),
            ],
            body: delivery.body.clone(),
        };
        let attempt = transport.send(outgoing).await;
        if !record(gateway, dispatch, node, &endpoint, delivery, attempt).await? {
            return Ok(());
        }
    }
}

/// Extends `node`'s lease on the endpoint, in the transaction that writes an outcome;
/// whether it still held it.
async fn renew(
    txn: &DatabaseTransaction,
    participant: &str,
    node: &str,
    dispatch: &Dispatch,
) -> Result<bool, Error> {
    let until = now_micros() + micros(dispatch.lease);
    let kept = webhook::Entity::update_many()
        .col_expr(webhook::Column::LeaseUntil, until.into())
        .filter(webhook::Column::Participant.eq(participant))
        .filter(webhook::Column::LeaseOwner.eq(node))
        .filter(webhook::Column::Status.eq(ACTIVE))
        .exec(txn)
        .await?;
    Ok(kept.rows_affected == 1)
}

/// Gives the endpoint up until `due_at`.
async fn release(
    gateway: &Gateway,
    participant: &str,
    node: &str,
    due_at: i64,
) -> Result<(), Error> {
    let write = gateway.store.write().await?;
    webhook::Entity::update_many()
        .col_expr(webhook::Column::LeaseOwner, Option::<String>::None.into())
        .col_expr(webhook::Column::LeaseUntil, Option::<i64>::None.into())
        .col_expr(webhook::Column::DueAt, due_at.into())
        .filter(webhook::Column::Participant.eq(participant))
        .filter(webhook::Column::LeaseOwner.eq(node))
        .exec(&write.txn)
        .await?;
    write.commit().await?;
    Ok(())
}

async fn oldest_pending(
    gateway: &Gateway,
    participant: &str,
) -> Result<Option<webhook_delivery::Model>, Error> {
    Ok(webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::Participant.eq(participant))
        .filter(webhook_delivery::Column::Status.eq(PENDING))
        .order_by_asc(webhook_delivery::Column::Position)
        .one(&gateway.store.db)
        .await?)
}

/// Queues the next events past the endpoint's cursor that its participant may receive
/// now (judged as the feed judges a reader), moving the cursor past what it looked at;
/// the first of them, if any.
async fn queue(
    gateway: &Gateway,
    endpoint: &webhook::Model,
) -> Result<Option<webhook_delivery::Model>, Error> {
    let participant = &endpoint.participant;
    let Some(found) = participant::Entity::find_by_id(participant.clone())
        .one(&gateway.store.db)
        .await?
    else {
        return Ok(None);
    };
    let kind = found
        .kind
        .parse()
        .map_err(|_| Error::Internal("a participant of an unknown kind is registered".into()))?;
    let head = *gateway.feed.watch().borrow();
    let visible = events::visible(kind, participant);
    let (rows, looked) = events::next(gateway, &visible, endpoint.cursor, head, QUEUE).await?;
    if looked <= endpoint.cursor {
        return Ok(None);
    }
    let now = now_micros();
    let deliveries: Vec<webhook_delivery::ActiveModel> = rows
        .iter()
        .map(|row| {
            let delivered = events::delivered(row);
            webhook_delivery::ActiveModel {
                id: Set(new_id("dlv")),
                participant: Set(participant.clone()),
                event_id: Set(row.id.clone()),
                position: Set(row.position.unwrap_or_default()),
                body: Set(delivered.event.to_string()),
                status: Set(PENDING.into()),
                attempts: Set(0),
                next_attempt_at: Set(now),
                last_status: Set(None),
                last_error: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
        })
        .collect();
    let write = gateway.store.write().await?;
    if !deliveries.is_empty() {
        webhook_delivery::Entity::insert_many(deliveries)
            .on_conflict(
                OnConflict::columns([
                    webhook_delivery::Column::Participant,
                    webhook_delivery::Column::EventId,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(&write.txn)
            .await?;
    }
    webhook::Entity::update_many()
        .col_expr(webhook::Column::Cursor, looked.into())
        .filter(webhook::Column::Participant.eq(participant.as_str()))
        .filter(webhook::Column::Cursor.lt(looked))
        .exec(&write.txn)
        .await?;
    write.commit().await?;
    oldest_pending(gateway, participant).await
}

/// Writes an attempt's outcome on its delivery (and on the endpoint, for a 410) and
/// renews the lease, in one transaction; whether the endpoint is still `node`'s to work.
async fn record(
    gateway: &Gateway,
    dispatch: &Dispatch,
    node: &str,
    endpoint: &webhook::Model,
    delivery: webhook_delivery::Model,
    attempt: Attempt,
) -> Result<bool, Error> {
    let now = now_micros();
    let attempts = delivery.attempts + 1;
    let mut row = webhook_delivery::ActiveModel {
        id: Set(delivery.id.clone()),
        attempts: Set(attempts),
        updated_at: Set(now),
        ..Default::default()
    };
    let mut gone = false;
    match &attempt {
        Attempt::Answered { status, .. } if (200..300).contains(status) => {
            row.status = Set(DELIVERED.into());
            row.last_status = Set(Some(i32::from(*status)));
            row.last_error = Set(None);
        }
        failed => {
            let (status, retry_after, error) = match failed {
                Attempt::Answered {
                    status,
                    retry_after,
                } => (
                    Some(i32::from(*status)),
                    matches!(status, 429 | 503)
                        .then_some(*retry_after)
                        .flatten(),
                    match status {
                        300..400 => {
                            format!("redirected (HTTP {status}); redirects are not followed")
                        }
                        _ => format!("HTTP {status}"),
                    },
                ),
                Attempt::Unreachable(error) => (None, None, error.clone()),
            };
            row.last_status = Set(status);
            row.last_error = Set(Some(error));
            gone = status == Some(410);
            match dispatch.schedule.get(attempts as usize).filter(|_| !gone) {
                Some(delay) => {
                    let delay = retry_after.unwrap_or_else(|| jittered(*delay));
                    row.next_attempt_at = Set(now + micros(delay));
                }
                None => row.status = Set(FAILED.into()),
            }
        }
    }
    let write = gateway.store.write().await?;
    webhook_delivery::Entity::update(row)
        .exec(&write.txn)
        .await?;
    let kept = if gone {
        webhook::Entity::update_many()
            .col_expr(webhook::Column::Status, DISABLED.into())
            .col_expr(
                webhook::Column::DisabledReason,
                Some("the endpoint answered 410 Gone".to_owned()).into(),
            )
            .col_expr(webhook::Column::LeaseOwner, Option::<String>::None.into())
            .col_expr(webhook::Column::LeaseUntil, Option::<i64>::None.into())
            .col_expr(webhook::Column::UpdatedAt, now.into())
            .filter(webhook::Column::Participant.eq(endpoint.participant.as_str()))
            .exec(&write.txn)
            .await?;
        false
    } else {
        renew(&write.txn, &endpoint.participant, node, dispatch).await?
    };
    write.commit().await?;
    Ok(kept)
}

/// `delay` ± 10 %, so endpoints that failed together are not retried together.
fn jittered(delay: Duration) -> Duration {
    if delay.is_zero() {
        return delay;
    }
    delay.mul_f64(rand::thread_rng().gen_range(0.9..1.1))
}
