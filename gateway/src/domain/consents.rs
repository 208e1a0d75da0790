//! Consents (DESIGN §4.4): recorded by the participant holding the senior's profile (or
//! the operator), read by those and by the grantee, withdrawn at once. The grants they
//! hold are what `super::release` asks before any other participant sees a senior.

use std::collections::{BTreeSet, HashMap};

use jiayang_schemas::{Kind, Violation};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::{Map, Value, json};
use time::{OffsetDateTime, UtcOffset, macros::format_description};

use super::{
    Caller, Gateway,
    document::{self, Meta, json_text, new_id, without_server_fields},
    records::resolve_senior,
    rules::REFERENCE_UNRESOLVED,
    validated,
};
use crate::{
    audit,
    error::ApiError,
    participants::ParticipantKind,
    store::{
        entity::{consent, participant, senior},
        now_micros,
    },
};

const LABEL: &str = "consent";

/// Today in Beijing, `YYYY-MM-DD`: validity dates are Beijing calendar days.
pub fn beijing_today() -> String {
    let beijing = UtcOffset::from_hms(8, 0, 0).expect("UTC+8 is an offset");
    OffsetDateTime::now_utc()
        .to_offset(beijing)
        .date()
        .format(format_description!("[year]-[month]-[day]"))
        .expect("a date formats")
}

fn render(row: &consent::Model, today: &str) -> Value {
    let mut rendered = document::render(
        &row.document,
        Meta {
            id: &row.id,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        },
    );
    // Expiry is a matter of the calendar, not of a write.
    if row.status == "ACTIVE"
        && row
            .valid_until
            .as_deref()
            .is_some_and(|until| until < today)
    {
        rendered["status"] = "EXPIRED".into();
    }
    rendered
}

fn delimited_list(body: &Map<String, Value>, key: &str) -> String {
    crate::store::migration::delimited(
        body.get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str),
    )
}

/// The participant holding a senior's profile, or 404 when there is no such senior.
async fn holder_of(gateway: &Gateway, senior_id: &str) -> Result<String, ApiError> {
    senior::Entity::find_by_id(senior_id.to_owned())
        .one(&gateway.store.db)
        .await?
        .map(|row| row.holder)
        .ok_or(ApiError::NotFound("senior"))
}

fn holds(caller: &Caller, holder: &str) -> bool {
    caller.kind == ParticipantKind::Operator || caller.participant == holder
}

/// Refuses anyone but the senior's holder and the operator (404 for no such senior).
pub async fn require_holder(
    gateway: &Gateway,
    caller: &Caller,
    senior_id: &str,
) -> Result<(), ApiError> {
    if holds(caller, &holder_of(gateway, senior_id).await?) {
        Ok(())
    } else {
        Err(ApiError::PermissionDenied(
            "only the participant holding the senior's profile (or the operator) sees this".into(),
        ))
    }
}

/// Records a consent for a senior the caller holds.
pub async fn create(
    gateway: &Gateway,
    caller: &Caller,
    document: Value,
) -> Result<Value, ApiError> {
    validated(Kind::Consent, &document)?;
    let mut body = without_server_fields(document);
    body.remove("withdrawalReason");
    let reference = body
        .get("senior")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let db = &gateway.store.db;
    let mut violations = Vec::new();
    let senior_id = resolve_senior(gateway, db, &reference).await?;
    if senior_id.is_none() {
        let key = reference.keys().next().map_or("seniorId", String::as_str);
        violations.push(Violation::new(
            format!("/senior/{key}"),
            REFERENCE_UNRESOLVED,
            "找不到该老年人",
            "no such senior",
        ));
    }
    let grantee = body
        .get("grantee")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if participant::Entity::find_by_id(grantee.clone())
        .one(db)
        .await?
        .is_none()
    {
        violations.push(Violation::new(
            "/grantee",
            REFERENCE_UNRESOLVED,
            "被授权方不是已登记的接入方",
            "the grantee is not a registered participant",
        ));
    }
    if body.get("status").and_then(Value::as_str) != Some("ACTIVE") {
        violations.push(Violation::new(
            "/status",
            "consent-status",
            "新记录的授权应为 ACTIVE",
            "a consent is recorded ACTIVE; withdraw it with :withdraw",
        ));
    }
    let Some(senior_id) = senior_id.filter(|_| violations.is_empty()) else {
        return Err(ApiError::Invalid(violations));
    };
    if !holds(caller, &holder_of(gateway, &senior_id).await?) {
        return Err(ApiError::PermissionDenied(
            "only the participant holding the senior's profile records consents for them".into(),
        ));
    }
    body.insert("senior".into(), json!({ "seniorId": senior_id }));
    body.insert("capturedBy".into(), caller.participant.clone().into());
    let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
    let now = now_micros();
    let write = gateway.store.write().await?;
    let id = new_id("cns");
    let row = consent::ActiveModel {
        id: Set(id.clone()),
        senior_id: Set(senior_id.clone()),
        grantee: Set(grantee),
        status: Set("ACTIVE".into()),
        valid_from: Set(text("validFrom").unwrap_or_default()),
        valid_until: Set(text("validUntil")),
        captured_by: Set(caller.participant.clone()),
        purposes: Set(delimited_list(&body, "purposes")),
        categories: Set(delimited_list(&body, "categories")),
        version: Set(1),
        document: Set(json_text(&body)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&write.txn)
    .await?;
    let entry = audit::Entry::change(
        &caller.participant,
        "consent.created",
        &id,
        Some(&senior_id),
    );
    audit::append(&write.txn, vec![entry]).await?;
    write.commit().await?;
    Ok(render(&row, &beijing_today()))
}

/// A consent, to the senior's holder, the grantee, a regulator or the operator.
pub async fn get(gateway: &Gateway, caller: &Caller, id: &str) -> Result<Value, ApiError> {
    let row = consent::Entity::find_by_id(id.to_owned())
        .one(&gateway.store.db)
        .await?
        .ok_or(ApiError::NotFound(LABEL))?;
    let visible = caller.kind == ParticipantKind::Regulator
        || caller.participant == row.grantee
        || holds(caller, &holder_of(gateway, &row.senior_id).await?);
    if !visible {
        // Whether a consent exists is itself not for everyone to know.
        return Err(ApiError::NotFound(LABEL));
    }
    Ok(render(&row, &beijing_today()))
}

/// A senior's consents, oldest first: all of them to the holder (and the operator and
/// regulators), only its own grants to a grantee.
pub async fn list_for_senior(
    gateway: &Gateway,
    caller: &Caller,
    senior_id: &str,
) -> Result<Vec<Value>, ApiError> {
    let holder = holder_of(gateway, senior_id).await?;
    let mut query = consent::Entity::find().filter(consent::Column::SeniorId.eq(senior_id));
    if !holds(caller, &holder) && caller.kind != ParticipantKind::Regulator {
        query = query.filter(consent::Column::Grantee.eq(caller.participant.as_str()));
    }
    let today = beijing_today();
    Ok(query
        .order_by_asc(consent::Column::Id)
        .all(&gateway.store.db)
        .await?
        .iter()
        .map(|row| render(row, &today))
        .collect())
}

/// Withdraws a consent at once (PIPL art. 15): from the next request on it grants nothing.
/// Withdrawing a withdrawn consent changes nothing and answers it as it is.
pub async fn withdraw(
    gateway: &Gateway,
    caller: &Caller,
    id: &str,
    reason: Option<String>,
) -> Result<Value, ApiError> {
    let write = gateway.store.write().await?;
    let row = consent::Entity::find_by_id(id.to_owned())
        .one(&write.txn)
        .await?
        .ok_or(ApiError::NotFound(LABEL))?;
    if !holds(caller, &holder_of(gateway, &row.senior_id).await?) {
        return Err(ApiError::PermissionDenied(
            "only the participant holding the senior's profile withdraws their consents".into(),
        ));
    }
    if row.status == "WITHDRAWN" {
        return Ok(render(&row, &beijing_today()));
    }
    let mut body: Map<String, Value> = serde_json::from_str(&row.document).unwrap_or_default();
    let now = now_micros();
    body.insert("status".into(), "WITHDRAWN".into());
    body.insert(
        "withdrawnAt".into(),
        crate::store::micros_to_rfc3339(now).into(),
    );
    if let Some(reason) = reason {
        body.insert("withdrawalReason".into(), reason.into());
    }
    let senior_id = row.senior_id.clone();
    let mut active: consent::ActiveModel = row.into();
    let version = active.version.clone().unwrap() + 1;
    active.status = Set("WITHDRAWN".into());
    active.document = Set(json_text(&body));
    active.version = Set(version);
    active.updated_at = Set(now);
    let row = active.update(&write.txn).await?;
    let entry = audit::Entry::change(
        &caller.participant,
        "consent.withdrawn",
        id,
        Some(&senior_id),
    );
    audit::append(&write.txn, vec![entry]).await?;
    write.commit().await?;
    Ok(render(&row, &beijing_today()))
}

/// The grants `grantee` holds for `purpose` today: active, begun and not expired. Read
/// afresh on every request (no cache: a withdrawal counts from the next request on).
pub fn active_grants(grantee: &str, purpose: &str, today: &str) -> Condition {
    Condition::all()
        .add(consent::Column::Grantee.eq(grantee))
        .add(consent::Column::Status.eq("ACTIVE"))
        .add(consent::Column::ValidFrom.lte(today))
        .add(
            Condition::any()
                .add(consent::Column::ValidUntil.is_null())
                .add(consent::Column::ValidUntil.gte(today)),
        )
        .add(consent::Column::Purposes.like(format!("%,{purpose},%")))
}

/// The data categories `grantee`'s grants give it for `purpose`, for each of the seniors
/// that has any.
pub async fn granted(
    gateway: &Gateway,
    grantee: &str,
    purpose: &str,
    senior_ids: &[&str],
) -> Result<HashMap<String, BTreeSet<String>>, ApiError> {
    if senior_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, String)> = consent::Entity::find()
        .select_only()
        .columns([consent::Column::SeniorId, consent::Column::Categories])
        .filter(active_grants(grantee, purpose, &beijing_today()))
        .filter(consent::Column::SeniorId.is_in(senior_ids.iter().copied()))
        .into_tuple()
        .all(&gateway.store.db)
        .await?;
    let mut granted: HashMap<String, BTreeSet<String>> = HashMap::new();
    for (senior, categories) in rows {
        granted
            .entry(senior)
            .or_default()
            .extend(categories_of(&categories));
    }
    Ok(granted)
}

/// A grant's `categories` column (`,A,B,`) as category codes.
pub fn categories_of(column: &str) -> impl Iterator<Item = String> + '_ {
    column
        .split(',')
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
}
