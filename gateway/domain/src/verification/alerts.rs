//! What a verification leaves: an alert per rule a record fails, and the record's
//! `verification`, which its row is written with (one write of the row, not two). A
//! record checked again (an update) keeps the open alert of a rule it still fails, and
//! the gateway resolves the open alerts of rules it now passes.

use std::collections::HashMap;

use jiayang_store::{entity::alert, micros_to_rfc3339, now_micros};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter,
};
use serde_json::{Value, json};

use super::{
    Rule, Visit, checks,
    neighbours::{self, Neighbours},
};
use crate::{
    Call, Error, Gateway,
    document::new_id,
    events::{self, Change},
};

/// Who changes an alert when the gateway does (an alert resolved on re-check).
const GATEWAY: &str = "jiayang";

/// Checks the records about to be written in `txn` (`replacing`: by an update), raises
/// and resolves their alerts; answers each record's `verification`, in order, which its
/// row is written with. `lookups` holds what the whole write's visits name of the
/// registry and the keys they lock, gathered before the write began
/// (`Resource::gather`).
pub(crate) async fn verify(
    gateway: &Gateway,
    txn: &DatabaseTransaction,
    call: &Call,
    lookups: &checks::Lookups,
    visits: &[Visit<'_>],
    replacing: bool,
) -> Result<Vec<Value>, Error> {
    let now = now_micros();
    let checked_at = micros_to_rfc3339(now);
    let mut open = if replacing {
        open_alerts(txn, visits).await?
    } else {
        HashMap::new()
    };
    neighbours::serialize(txn, &lookups.locks).await?;
    let neighbours = Neighbours::find(txn, &gateway.thresholds, visits).await?;
    let mut raised = Vec::new();
    let mut results = Vec::with_capacity(visits.len());
    for (index, visit) in visits.iter().enumerate() {
        let failed = checks::failing(
            &gateway.thresholds,
            visit,
            (&neighbours, index),
            now,
            lookups,
        );
        let mut listed = Vec::with_capacity(failed.len());
        for rule in failed {
            let id = match open.remove(&(visit.id.to_owned(), rule.code())) {
                Some(kept) => kept.id,
                None => {
                    let district = lookups
                        .senior(visit.senior_id)
                        .map(|s| s.district.clone())
                        .unwrap_or_default();
                    let id = new_id("alr");
                    raised.push(new_alert(gateway, call, visit, rule, &id, district, now));
                    id
                }
            };
            listed.push(json!({"rule": rule.code(), "alertId": id}));
        }
        results.push(if listed.is_empty() {
            json!({"status": "PASSED", "alerts": [], "checkedAt": checked_at})
        } else {
            json!({"status": "ALERTED", "alerts": listed, "checkedAt": checked_at})
        });
    }
    let mut changes: Vec<Change> = raised
        .iter()
        .map(|row: &alert::ActiveModel| {
            let (id, senior) = (row.id.clone().unwrap(), row.senior_id.clone().unwrap());
            Change::new(call.me(), "alert", "raised", &id, 1).about(Some(&senior))
        })
        .collect();
    if !raised.is_empty() {
        alert::Entity::insert_many(raised)
            .exec_without_returning(txn)
            .await?;
    }
    for (_, passing) in open {
        let (id, senior) = (passing.id.clone(), passing.senior_id.clone());
        let version = resolve_passing(txn, passing, now).await?;
        changes.push(Change::new(GATEWAY, "alert", "resolved", &id, version).about(Some(&senior)));
    }
    events::record(txn, changes).await?;
    Ok(results)
}

/// The records' alerts not yet resolved, by record and rule.
async fn open_alerts(
    txn: &DatabaseTransaction,
    visits: &[Visit<'_>],
) -> Result<HashMap<(String, &'static str), alert::Model>, Error> {
    let rows = alert::Entity::find()
        .filter(alert::Column::RecordId.is_in(visits.iter().map(|v| v.id)))
        .filter(alert::Column::Status.ne("RESOLVED"))
        .all(txn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let rule = Rule::ALL.into_iter().find(|r| r.code() == row.rule)?;
            Some(((row.record_id.clone(), rule.code()), row))
        })
        .collect())
}

fn new_alert(
    gateway: &Gateway,
    call: &Call,
    visit: &Visit<'_>,
    rule: Rule,
    id: &str,
    district: String,
    now: i64,
) -> alert::ActiveModel {
    let (zh, en) = rule.message(&gateway.thresholds);
    let document = json!({
        "message": {"zh": zh, "en": en},
        "history": [{"status": "OPEN", "at": micros_to_rfc3339(now), "by": GATEWAY}],
    });
    alert::ActiveModel {
        id: Set(id.to_owned()),
        record_id: Set(visit.id.to_owned()),
        senior_id: Set(visit.senior_id.to_owned()),
        provider_id: Set(visit.provider_id.to_owned()),
        submitted_by: Set(call.me().to_owned()),
        rule: Set(rule.code().to_owned()),
        severity: Set(rule.severity().to_owned()),
        status: Set("OPEN".to_owned()),
        district: Set(district),
        version: Set(1),
        document: Set(document.to_string()),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// Resolves an alert whose rule the record now passes, saying so in its history;
/// answers its new version.
async fn resolve_passing(
    txn: &DatabaseTransaction,
    alert: alert::Model,
    now: i64,
) -> Result<i32, Error> {
    let mut document: Value = serde_json::from_str(&alert.document).unwrap_or_default();
    let note = "记录更新后复核通过 / the record passes this rule since its update";
    if let Some(history) = document["history"].as_array_mut() {
        history.push(json!({
            "status": "RESOLVED", "at": micros_to_rfc3339(now), "by": GATEWAY, "note": note,
        }));
    }
    document["note"] = note.into();
    let version = alert.version + 1;
    let mut row = alert.into_active_model();
    row.status = Set("RESOLVED".into());
    row.document = Set(document.to_string());
    row.version = Set(version);
    row.updated_at = Set(now);
    row.update(txn).await?;
    Ok(version)
}
