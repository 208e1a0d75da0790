//! Certification: the operator records a participant's passing conformance report
//! (the suite's `results.json`), kept by its SHA-256. What makes a report acceptable is
//! decided here: the suite's own manifest, made for this participant, every MUST
//! passed, and recent.
//!
//! Certification is a record, not yet a gate: a participant may write whether or not it
//! is certified. The gate belongs with the client mode (the one that proves a client
//! writes correctly); until then the operator certifies before onboarding and everyone
//! can see the status (`GET /v1/participants`, `jiayang participant list`).

use std::collections::BTreeMap;

use jiayang_schemas::Violation;
use jiayang_store::{Store, audit, entity::certification, micros_to_rfc3339, now_micros};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, QueryOrder};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

use super::{OPERATOR, registry::existing};
use crate::{Error, rules};

/// The suite whose reports certify.
pub const SUITE: &str = "jiayang-conformance";
/// The oldest report that still certifies.
pub const MAX_AGE_DAYS: i64 = 90;
const MODES: [&str; 4] = ["data", "server", "client", "webhook"];

/// A participant's latest certification in one mode.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Certification {
    pub mode: String,
    pub report_sha256: String,
    pub suite_version: String,
    /// When the suite finished the run (RFC 3339).
    pub report_finished_at: String,
    pub certified_at: String,
}

impl From<certification::Model> for Certification {
    fn from(row: certification::Model) -> Self {
        Self {
            mode: row.mode,
            report_sha256: row.report_sha256,
            suite_version: row.suite_version,
            report_finished_at: micros_to_rfc3339(row.report_finished_at),
            certified_at: micros_to_rfc3339(row.certified_at),
        }
    }
}

/// What certification reads of a manifest; the rest of it is evidence for people.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Manifest {
    suite: String,
    version: String,
    mode: String,
    participant: Option<String>,
    finished_at: String,
    passed: bool,
    requirements: Vec<Judged>,
}

#[derive(Debug, Deserialize)]
struct Judged {
    id: String,
    level: String,
    verdict: String,
}

fn refused(path: impl Into<String>, zh: String, en: String) -> Violation {
    Violation::new(path, rules::CERTIFICATION_REPORT, zh, en)
}

/// The MUST requirements of each mode, as the suite's catalog lists them: a report must
/// show every one of its mode's passed (a hand-made manifest listing none proves nothing).
pub type Required = BTreeMap<String, Vec<String>>;

/// Why `manifest` does not certify `participant` at `now`: every reason, each at its
/// place in the report.
fn judge(
    manifest: &Manifest,
    participant: &str,
    required: &Required,
    now: OffsetDateTime,
) -> Vec<Violation> {
    let mut violations = Vec::new();
    if manifest.suite != SUITE {
        violations.push(refused(
            "/suite",
            format!("不是 {SUITE} 的报告"),
            format!("not a report of {SUITE}"),
        ));
    }
    if !MODES.contains(&manifest.mode.as_str()) {
        violations.push(refused(
            "/mode",
            format!("未知的模式 {}", manifest.mode),
            format!("unknown mode {}", manifest.mode),
        ));
    }
    if manifest.participant.as_deref() != Some(participant) {
        violations.push(refused(
            "/participant",
            format!("报告不是为 {participant} 运行的（运行时请给出 --participant {participant}）"),
            format!(
                "the report was not made for {participant} (run with --participant {participant})"
            ),
        ));
    }
    for (index, judged) in manifest.requirements.iter().enumerate() {
        if judged.level == "MUST" && judged.verdict != "PASS" {
            violations.push(refused(
                format!("/requirements/{index}/verdict"),
                format!("必须要求 {} 未通过（{}）", judged.id, judged.verdict),
                format!("MUST {} did not pass ({})", judged.id, judged.verdict),
            ));
        }
    }
    for id in required.get(&manifest.mode).into_iter().flatten() {
        if !manifest.requirements.iter().any(|r| r.id == *id) {
            violations.push(refused(
                "/requirements",
                format!("报告未列出必须要求 {id}"),
                format!("the report does not list MUST {id}"),
            ));
        }
    }
    if !manifest.passed && violations.is_empty() {
        violations.push(refused(
            "/passed",
            "报告自称未通过".into(),
            "the report says it did not pass".into(),
        ));
    }
    match OffsetDateTime::parse(&manifest.finished_at, &Rfc3339) {
        Ok(finished) if finished > now + time::Duration::minutes(5) => violations.push(refused(
            "/finishedAt",
            "报告的完成时间在未来".into(),
            "the report finished in the future".into(),
        )),
        Ok(finished) if now - finished > time::Duration::days(MAX_AGE_DAYS) => {
            violations.push(refused(
                "/finishedAt",
                format!("报告已超过 {MAX_AGE_DAYS} 天，请重新运行"),
                format!("the report is more than {MAX_AGE_DAYS} days old: run the suite again"),
            ));
        }
        Ok(_) => {}
        Err(_) => violations.push(refused(
            "/finishedAt",
            "完成时间不是 RFC 3339 时间".into(),
            "finishedAt is not an RFC 3339 time".into(),
        )),
    }
    violations
}

/// Records `report` (the bytes of a `results.json`) as `participant`'s certification in
/// the report's mode, audited as the operator's.
pub async fn certify(
    store: &Store,
    participant: &str,
    report: &[u8],
    required: &Required,
) -> Result<Certification, Error> {
    let manifest: Manifest = serde_json::from_slice(report).map_err(|e| {
        Error::invalid(refused(
            "",
            format!("不是一次一致性测试运行的 results.json：{e}"),
            format!("not the results.json of a conformance run: {e}"),
        ))
    })?;
    let violations = judge(&manifest, participant, required, OffsetDateTime::now_utc());
    if !violations.is_empty() {
        return Err(Error::Invalid(violations));
    }
    let finished = OffsetDateTime::parse(&manifest.finished_at, &Rfc3339)
        .map_err(|e| Error::Internal(e.to_string()))?;
    // Through the SQLite write gate: a read that turns into a write would otherwise meet
    // another writer as "database is locked".
    let write = store.write().await?;
    let txn = &write.txn;
    let registered = existing(txn, participant).await?;
    if registered.id == OPERATOR {
        return Err(Error::invalid(refused(
            "/participant",
            "运营方无需认证".into(),
            "the operator is not certified".into(),
        )));
    }
    let row = certification::ActiveModel {
        id: Set(format!("crt_{}", ulid::Ulid::new())),
        participant_id: Set(participant.to_owned()),
        mode: Set(manifest.mode.clone()),
        report_sha256: Set(Sha256::digest(report)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()),
        suite_version: Set(manifest.version.clone()),
        report_finished_at: Set((finished.unix_timestamp_nanos() / 1000) as i64),
        certified_at: Set(now_micros()),
    }
    .insert(txn)
    .await?;
    audit::append(
        txn,
        vec![audit::Entry::change(
            OPERATOR,
            "participant.certified",
            participant,
            None,
        )],
    )
    .await?;
    write.commit().await?;
    Ok(row.into())
}

/// Every participant's latest certification per mode, by participant, modes in order.
pub(super) async fn latest(store: &Store) -> Result<BTreeMap<String, Vec<Certification>>, Error> {
    let rows = certification::Entity::find()
        .order_by_asc(certification::Column::CertifiedAt)
        .all(&store.db)
        .await?;
    let mut by_mode: BTreeMap<(String, String), certification::Model> = BTreeMap::new();
    for row in rows {
        by_mode.insert((row.participant_id.clone(), row.mode.clone()), row);
    }
    let mut latest: BTreeMap<String, Vec<Certification>> = BTreeMap::new();
    for ((participant, _), row) in by_mode {
        latest.entry(participant).or_default().push(row.into());
    }
    Ok(latest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(participant: &str, finished: &str, verdict: &str) -> Manifest {
        serde_json::from_value(serde_json::json!({
            "suite": SUITE, "version": "0.1.0", "mode": "data", "participant": participant,
            "finishedAt": finished, "passed": verdict == "PASS",
            "requirements": [
                {"id": "JY-DATA-REC-01", "level": "MUST", "verdict": verdict},
                {"id": "JY-DATA-CARRY-01", "level": "SHOULD", "verdict": "FAIL"},
            ],
        }))
        .unwrap()
    }

    #[test]
    fn a_recent_passing_report_for_the_participant_certifies_and_nothing_else_does() {
        let now = time::macros::datetime!(2026-12-04 00:00 UTC);
        let recent = "2026-12-01T00:00:00Z";
        let required: Required = [("data".to_owned(), vec!["JY-DATA-REC-01".to_owned()])].into();
        let paths = |m: Manifest, who: &str| -> Vec<String> {
            judge(&m, who, &required, now)
                .into_iter()
                .map(|v| v.path)
                .collect()
        };
        assert_eq!(
            paths(manifest("hk-daojia", recent, "PASS"), "hk-daojia"),
            Vec::<String>::new()
        );
        assert_eq!(
            paths(manifest("hk-daojia", recent, "PASS"), "hk-other"),
            ["/participant"]
        );
        assert_eq!(
            paths(manifest("hk-daojia", recent, "SKIP"), "hk-daojia"),
            ["/requirements/0/verdict"]
        );
        assert_eq!(
            paths(
                manifest("hk-daojia", "2026-08-01T00:00:00Z", "PASS"),
                "hk-daojia"
            ),
            ["/finishedAt"]
        );
        assert_eq!(
            paths(
                manifest("hk-daojia", "2027-01-01T00:00:00Z", "PASS"),
                "hk-daojia"
            ),
            ["/finishedAt"]
        );
        let mut other = manifest("hk-daojia", recent, "PASS");
        other.suite = "another-suite".into();
        assert_eq!(paths(other, "hk-daojia"), ["/suite"]);
        // A manifest that leaves a MUST out proves nothing about it.
        let mut bare = manifest("hk-daojia", recent, "PASS");
        bare.requirements.clear();
        assert_eq!(paths(bare, "hk-daojia"), ["/requirements"]);
    }
}
