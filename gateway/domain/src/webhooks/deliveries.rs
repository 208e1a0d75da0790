//! Deliveries as their participant (and the operator) see them: listed newest last,
//! by status, and sent again on request. A redelivery goes before the endpoint's later
//! pending deliveries (it is the oldest), after the ones it has already received.

use jiayang_schemas::Violation;
use jiayang_store::{
    entity::{webhook, webhook_delivery},
    micros_to_rfc3339, now_micros,
};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Value, json};

use super::dispatch::{DELIVERED, FAILED, PENDING};
use crate::{Call, Error, Gateway, Page, PageRequest, ParticipantKind, paging::Cursor, rules};

const LABEL: &str = "webhook delivery";

/// Filters of a delivery list.
#[derive(Clone, Debug, Default)]
pub struct DeliveryFilter {
    /// `pending`, `delivered` or `failed` (any case).
    pub status: Option<String>,
    /// The operator's choice of participant (others see their own only).
    pub participant: Option<String>,
}

fn render(row: &webhook_delivery::Model) -> Value {
    let event: Value = serde_json::from_str(&row.body).unwrap_or_default();
    let mut delivery = json!({
        "id": row.id,
        "participant": row.participant,
        "event": event,
        "status": row.status,
        "attempts": row.attempts,
        "createdAt": micros_to_rfc3339(row.created_at),
        "updatedAt": micros_to_rfc3339(row.updated_at),
    });
    if row.status == PENDING {
        delivery["nextAttemptAt"] = micros_to_rfc3339(row.next_attempt_at).into();
    }
    if let Some(status) = row.last_status {
        delivery["lastStatus"] = status.into();
    }
    if let Some(error) = &row.last_error {
        delivery["lastError"] = error.as_str().into();
    }
    delivery
}

/// Whose deliveries a call sees: the operator's choice, or the caller's own.
fn whose(call: &Call, asked: Option<&str>) -> Result<Option<String>, Error> {
    match (call.kind(), asked) {
        (ParticipantKind::Operator, asked) => Ok(asked.map(str::to_owned)),
        (_, Some(other)) if other != call.me() => Err(Error::denied(
            "参与方只能查看自己的 webhook 投递",
            "a participant sees its own webhook deliveries only",
        )),
        _ => Ok(Some(call.me().to_owned())),
    }
}

/// One page of deliveries, oldest first.
pub async fn list_deliveries(
    gateway: &Gateway,
    call: &Call,
    page: &PageRequest,
    filter: &DeliveryFilter,
) -> Result<Page, Error> {
    let owner = whose(call, filter.participant.as_deref())?;
    let status = match filter.status.as_deref().map(str::to_ascii_uppercase) {
        None => None,
        Some(status) if [PENDING, DELIVERED, FAILED].contains(&status.as_str()) => Some(status),
        Some(_) => {
            return Err(Error::invalid(Violation::new(
                "/status",
                rules::QUERY_FORMAT,
                "status 应为 pending、delivered 或 failed",
                "status is pending, delivered or failed",
            )));
        }
    };
    let cursor = Cursor::new(
        &gateway.keys,
        page,
        "webhook-deliveries",
        &[
            owner.as_deref().unwrap_or_default(),
            status.as_deref().unwrap_or_default(),
        ],
    )?;
    let mut query = webhook_delivery::Entity::find();
    if let Some(owner) = &owner {
        query = query.filter(webhook_delivery::Column::Participant.eq(owner.as_str()));
    }
    if let Some(status) = &status {
        query = query.filter(webhook_delivery::Column::Status.eq(status.as_str()));
    }
    if let Some(after) = &cursor.after {
        query = query.filter(webhook_delivery::Column::Id.gt(after.as_str()));
    }
    let mut rows = query
        .order_by_asc(webhook_delivery::Column::Id)
        .limit(cursor.limit + 1)
        .all(&gateway.store.db)
        .await?;
    let more = cursor.cut(&mut rows);
    Ok(Page {
        items: rows.iter().map(render).collect(),
        next_page_token: rows
            .last()
            .filter(|_| more)
            .map(|row| cursor.token_after(&row.id)),
    })
}

/// Sends a delivery again from its first attempt (its participant's, or the operator).
pub async fn redeliver(gateway: &Gateway, call: &Call, id: &str) -> Result<Value, Error> {
    let write = gateway.store.write().await?;
    let row = webhook_delivery::Entity::find_by_id(id.to_owned())
        .one(&write.txn)
        .await?
        .filter(|row| call.kind() == ParticipantKind::Operator || row.participant == call.me())
        .ok_or(Error::NotFound(LABEL))?;
    let now = now_micros();
    let updated = webhook_delivery::Entity::update(webhook_delivery::ActiveModel {
        id: Set(row.id.clone()),
        status: Set(PENDING.into()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .exec(&write.txn)
    .await?;
    webhook::Entity::update_many()
        .col_expr(webhook::Column::DueAt, now.into())
        .filter(webhook::Column::Participant.eq(row.participant.as_str()))
        .exec(&write.txn)
        .await?;
    write.commit().await?;
    Ok(render(&updated))
}
