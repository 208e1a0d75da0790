//! Alerts as participants read and handle them (DESIGN §4.5's alerts column): a
//! regulator reads and handles all (OPEN → ACKNOWLEDGED → RESOLVED, at a version, with a
//! note), the operator reads all, an elder-care participant reads those on the records it
//! sees as a holder or wrote, a housekeeping platform those on its own records. An alert
//! names its record, senior and provider by id, and its message only the rule and its
//! threshold: nothing its reader could not read on the record. Raising them is
//! `crate::verification`. Every read and change is audited against the alert's senior.

use jiayang_schemas::{Violation, reference::significant_prefix};
use jiayang_store::{
    audit::Decision,
    entity::{Documents, alert, record_holder},
    micros_to_rfc3339, now_micros, starts_with,
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, EntityTrait, IntoActiveModel, QueryFilter,
    sea_query::Query,
};
use serde_json::{Value, json};

use crate::{
    Access, Call, Error, Gateway, Page, PageRequest, ParticipantKind, document,
    events::{self, Change},
    paging::{Cursor, check_division_filter, time_bound},
    rules,
    verification::Rule,
};

const LABEL: &str = "alert";
const STATUSES: [&str; 3] = ["OPEN", "ACKNOWLEDGED", "RESOLVED"];

/// Filters of an alert list.
#[derive(Clone, Debug, Default)]
pub struct AlertFilter {
    pub rule: Option<String>,
    pub status: Option<String>,
    pub provider_id: Option<String>,
    /// 12 digits: alerts about seniors living in it or under it.
    pub district: Option<String>,
    /// RFC 3339 bounds on when the alert was raised: `from` ≤ raised < `to`.
    pub from: Option<String>,
    pub to: Option<String>,
}

/// What a regulator does to an alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Handling {
    Acknowledge,
    Resolve,
}

impl Handling {
    fn status(self) -> &'static str {
        match self {
            Handling::Acknowledge => "ACKNOWLEDGED",
            Handling::Resolve => "RESOLVED",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Handling::Acknowledge => "acknowledged",
            Handling::Resolve => "resolved",
        }
    }
}

/// The alert as its readers see it: its stored message, note and history with its
/// columns.
fn render(row: &alert::Model) -> Value {
    let mut resource = document::render(<alert::Entity as Documents>::stored(row));
    resource["record"] = row.record_id.clone().into();
    resource["senior"] = row.senior_id.clone().into();
    resource["provider"] = row.provider_id.clone().into();
    resource["rule"] = row.rule.clone().into();
    resource["severity"] = row.severity.clone().into();
    resource["status"] = row.status.clone().into();
    resource
}

/// The alerts a call may read (a regulator declares its purpose).
fn visible(call: &Call) -> Result<Condition, Error> {
    if call.kind() == ParticipantKind::Regulator {
        call.required_purpose()?;
    }
    Ok(visible_to(call.kind(), call.me()))
}

/// The alerts a participant of `kind` may read.
pub(crate) fn visible_to(kind: ParticipantKind, me: &str) -> Condition {
    match kind {
        ParticipantKind::Operator | ParticipantKind::Regulator => Condition::all(),
        ParticipantKind::HousekeepingPlatform => {
            Condition::all().add(alert::Column::SubmittedBy.eq(me))
        }
        _ => Condition::any().add(alert::Column::SubmittedBy.eq(me)).add(
            alert::Column::RecordId.in_subquery(
                Query::select()
                    .column(record_holder::Column::RecordId)
                    .from(record_holder::Entity)
                    .and_where(record_holder::Column::Holder.eq(me))
                    .to_owned(),
            ),
        ),
    }
}

/// Records the read of an alert in the call's audit trail.
fn read(call: &Call, row: &alert::Model, outcome: Result<(), &Error>) {
    call.trail.push(Access {
        senior: row.senior_id.clone(),
        resource: row.id.clone(),
        decision: if outcome.is_ok() {
            Decision::Allow
        } else {
            Decision::Deny
        },
        reason: outcome.err().map(ToString::to_string),
        categories: outcome.ok().map(|()| "ALERT".to_owned()),
    });
}

/// The alert `id`, if the reader may see it (one it may not is not found).
pub async fn get(gateway: &Gateway, call: &Call, id: &str) -> Result<Value, Error> {
    let visible = visible(call)?;
    let db = &gateway.store.db;
    let row = alert::Entity::find_by_id(id.to_owned())
        .one(db)
        .await?
        .ok_or(Error::NotFound(LABEL))?;
    let seen = alert::Entity::find_by_id(id.to_owned())
        .filter(visible)
        .one(db)
        .await?
        .is_some();
    if !seen {
        let refused = Error::denied(
            format!("{} 无权读取此预警", call.me()),
            format!("{} may not read this alert", call.me()),
        );
        read(call, &row, Err(&refused));
        return Err(Error::NotFound(LABEL));
    }
    read(call, &row, Ok(()));
    Ok(render(&row))
}

fn invalid(path: &str, rule: &'static str, zh: String, en: String) -> Error {
    Error::invalid(Violation::new(path, rule, zh, en))
}

/// One page of the alerts the reader may see that match `filter`, oldest first.
pub async fn list(
    gateway: &Gateway,
    call: &Call,
    page: &PageRequest,
    filter: &AlertFilter,
) -> Result<Page, Error> {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let cursor = Cursor::new(
        &gateway.keys,
        page,
        "alerts",
        &[
            &text(&filter.rule),
            &text(&filter.status),
            &text(&filter.provider_id),
            &text(&filter.district),
            &text(&filter.from),
            &text(&filter.to),
        ],
    )?;
    let mut query = alert::Entity::find().filter(visible(call)?);
    if let Some(rule) = &filter.rule {
        if !Rule::ALL.iter().any(|r| r.code() == rule) {
            return Err(invalid(
                "/rule",
                rules::QUERY_FORMAT,
                "rule 应为核验规则代码".into(),
                "rule is one of the verification rule codes".into(),
            ));
        }
        query = query.filter(alert::Column::Rule.eq(rule.as_str()));
    }
    if let Some(status) = &filter.status {
        if !STATUSES.contains(&status.as_str()) {
            return Err(invalid(
                "/status",
                rules::QUERY_FORMAT,
                "status 应为 OPEN、ACKNOWLEDGED 或 RESOLVED".into(),
                "status is OPEN, ACKNOWLEDGED or RESOLVED".into(),
            ));
        }
        query = query.filter(alert::Column::Status.eq(status.as_str()));
    }
    if let Some(provider) = &filter.provider_id {
        query = query.filter(alert::Column::ProviderId.eq(provider.as_str()));
    }
    if let Some(code) = &filter.district {
        // Where a senior lives is personal data the operator does not see.
        if call.kind() == ParticipantKind::Operator {
            return Err(Error::denied(
                "运营方看不到老人所在区，不能按区筛选预警",
                "the operator sees no senior's district: it cannot filter alerts by it",
            ));
        }
        check_division_filter("district", code)?;
        query = query.filter(starts_with(
            alert::Column::District,
            significant_prefix(code),
        ));
    }
    if let Some(from) = &filter.from {
        query = query.filter(alert::Column::CreatedAt.gte(time_bound("from", from)?));
    }
    if let Some(to) = &filter.to {
        query = query.filter(alert::Column::CreatedAt.lt(time_bound("to", to)?));
    }
    let mut rows = cursor.rows(query, &gateway.store.db).await?;
    let more = cursor.cut(&mut rows);
    for row in &rows {
        read(call, row, Ok(()));
    }
    let items = rows.iter().map(render).collect();
    Ok(Page {
        items,
        next_page_token: rows
            .last()
            .filter(|_| more)
            .map(|row| cursor.token_after(&row.id)),
    })
}

/// Longest note a regulator may leave.
pub const MAX_NOTE: usize = 2000;

/// Acknowledges or resolves the alert `id` at `expected_version`, with an optional note:
/// regulators only (the kind gate), OPEN → ACKNOWLEDGED → RESOLVED (or OPEN → RESOLVED).
pub async fn handle(
    gateway: &Gateway,
    call: &Call,
    id: &str,
    handling: Handling,
    note: Option<String>,
    expected_version: Option<i32>,
) -> Result<Value, Error> {
    call.required_purpose()?;
    let expected_version = expected_version.ok_or(Error::PreconditionRequired)?;
    if note.as_ref().is_some_and(|n| n.chars().count() > MAX_NOTE) {
        return Err(invalid(
            "/note",
            jiayang_schemas::rule::MAX_LENGTH,
            format!("备注最多 {MAX_NOTE} 字"),
            format!("a note holds at most {MAX_NOTE} characters"),
        ));
    }
    let write = gateway.store.write().await?;
    let row = alert::Entity::find_by_id(id.to_owned())
        .one(&write.txn)
        .await?
        .ok_or(Error::NotFound(LABEL))?;
    if row.version != expected_version {
        return Err(Error::VersionMismatch {
            current: row.version,
        });
    }
    let allowed = match handling {
        Handling::Acknowledge => row.status == "OPEN",
        Handling::Resolve => row.status != "RESOLVED",
    };
    if !allowed {
        return Err(invalid(
            "/status",
            rules::ALERT_TRANSITION,
            format!(
                "状态为 {} 的预警不能再{}",
                row.status,
                match handling {
                    Handling::Acknowledge => "确认",
                    Handling::Resolve => "办结",
                }
            ),
            format!(
                "an alert that is {} cannot be {}",
                row.status,
                handling.status().to_lowercase()
            ),
        ));
    }
    let now = now_micros();
    let mut document: Value = serde_json::from_str(&row.document).unwrap_or_default();
    let mut change =
        json!({"status": handling.status(), "at": micros_to_rfc3339(now), "by": call.me()});
    if let Some(note) = &note {
        change["note"] = note.as_str().into();
        document["note"] = note.as_str().into();
    }
    if let Some(history) = document["history"].as_array_mut() {
        history.push(change);
    }
    let senior = row.senior_id.clone();
    let mut active = row.into_active_model();
    active.status = Set(handling.status().to_owned());
    active.document = Set(document.to_string());
    active.version = Set(expected_version + 1);
    active.updated_at = Set(now);
    // The version is checked in the update itself: two handlings of one version cannot
    // both succeed.
    let done = alert::Entity::update_many()
        .set(active)
        .filter(alert::Column::Id.eq(id))
        .filter(alert::Column::Version.eq(expected_version))
        .exec(&write.txn)
        .await?;
    let updated = alert::Entity::find_by_id(id.to_owned())
        .one(&write.txn)
        .await?
        .ok_or(Error::NotFound(LABEL))?;
    if done.rows_affected != 1 {
        return Err(Error::VersionMismatch {
            current: updated.version,
        });
    }
    let change = Change::new(call.me(), "alert", handling.what(), id, updated.version);
    events::record(&write.txn, vec![change.about(Some(&senior))]).await?;
    write.commit().await?;
    Ok(render(&updated))
}
