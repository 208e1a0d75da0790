//! Automatic verification of service records (DESIGN §5). Every write of a record — one,
//! a batch, a stream, a native document, an import, an update — runs the nine checks in
//! its writing transaction; each failure raises an alert (`alerts.rs`), and the record
//! is stored all the same with `verification: {status, alerts: [{rule, alertId}],
//! checkedAt}`. The checks across records (`WORKER_OVERLAP`, `DUPLICATE`) look at every
//! participant's records through indexes bounded by time, so a check costs the same
//! however large the table grows. The checks run before the record's row is written, so
//! the verification is written with it; the registry rows they compare a record with are
//! read before the write begins (with the references and the basis, outside SQLite's
//! one writer), the records they compare it with inside it. `checks.rs` holds the checks,
//! `visit.rs` what they read of a record.

mod alerts;
mod checks;
mod neighbours;
mod visit;

use serde::Deserialize;

pub(crate) use alerts::verify;
pub(crate) use checks::Lookups;
pub(crate) use visit::{Visit, instant_micros};

/// The thresholds of the checks: DESIGN's values unless the configuration file's
/// `[verification]` table says otherwise.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    /// `GEO_MISMATCH`: how far (metres) an on-site check-in may be from the senior's
    /// address.
    pub geo_max_meters: f64,
    /// `LATE_SUBMISSION`: how long (hours) after check-out a record may arrive.
    pub late_submission_hours: u32,
    /// `DUPLICATE`: how close (minutes) two starts of one senior, item and provider are
    /// one visit.
    pub duplicate_window_minutes: u32,
    /// `WORKER_OVERLAP`: the longest visit (hours) the overlap search looks back over;
    /// a running visit without check-out counts until check-in plus the item's longest
    /// plausible duration.
    pub longest_visit_hours: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            geo_max_meters: 300.0,
            late_submission_hours: 72,
            duplicate_window_minutes: 10,
            longest_visit_hours: 24,
        }
    }
}

impl Thresholds {
    /// Refuses values no check can use, naming the key.
    pub fn check(&self) -> Result<(), String> {
        if !(self.geo_max_meters.is_finite() && self.geo_max_meters > 0.0) {
            return Err("verification.geo_max_meters must be a positive number of metres".into());
        }
        for (key, value) in [
            ("late_submission_hours", self.late_submission_hours),
            ("duplicate_window_minutes", self.duplicate_window_minutes),
            ("longest_visit_hours", self.longest_visit_hours),
        ] {
            if value == 0 {
                return Err(format!("verification.{key} must be at least 1"));
            }
        }
        Ok(())
    }
}

/// One of DESIGN §5's rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    WorkerUncertified,
    GeoMismatch,
    DurationImplausible,
    WorkerOverlap,
    LateSubmission,
    ProviderNotEligible,
    SubsidyAnomaly,
    Duplicate,
    SeniorInactive,
}

impl Rule {
    pub const ALL: [Rule; 9] = [
        Rule::WorkerUncertified,
        Rule::GeoMismatch,
        Rule::DurationImplausible,
        Rule::WorkerOverlap,
        Rule::LateSubmission,
        Rule::ProviderNotEligible,
        Rule::SubsidyAnomaly,
        Rule::Duplicate,
        Rule::SeniorInactive,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Rule::WorkerUncertified => "WORKER_UNCERTIFIED",
            Rule::GeoMismatch => "GEO_MISMATCH",
            Rule::DurationImplausible => "DURATION_IMPLAUSIBLE",
            Rule::WorkerOverlap => "WORKER_OVERLAP",
            Rule::LateSubmission => "LATE_SUBMISSION",
            Rule::ProviderNotEligible => "PROVIDER_NOT_ELIGIBLE",
            Rule::SubsidyAnomaly => "SUBSIDY_ANOMALY",
            Rule::Duplicate => "DUPLICATE",
            Rule::SeniorInactive => "SENIOR_INACTIVE",
        }
    }

    /// How urgent an alert of the rule is: money and people first.
    pub fn severity(self) -> &'static str {
        match self {
            Rule::WorkerUncertified
            | Rule::WorkerOverlap
            | Rule::ProviderNotEligible
            | Rule::SubsidyAnomaly
            | Rule::SeniorInactive => "HIGH",
            Rule::GeoMismatch | Rule::DurationImplausible | Rule::Duplicate => "MEDIUM",
            Rule::LateSubmission => "LOW",
        }
    }

    /// The alert's message: what the rule found, in words that name nothing beyond the
    /// record itself (no distance to an address, no other participant's record).
    pub fn message(self, thresholds: &Thresholds) -> (String, String) {
        let t = thresholds;
        match self {
            Rule::WorkerUncertified => (
                "服务人员的上门服务证不属于该服务商、已过期或已注销".into(),
                "the worker's certificate is unknown to the provider, expired or revoked at check-in".into(),
            ),
            Rule::GeoMismatch => (
                format!("签到位置距老人住址超过 {} 米", t.geo_max_meters),
                format!("check-in more than {} m from the senior's address", t.geo_max_meters),
            ),
            Rule::DurationImplausible => (
                "服务时长超出该服务项目的合理范围".into(),
                "the visit's length is outside the service item's plausible bounds".into(),
            ),
            Rule::WorkerOverlap => (
                "同一服务人员在同一时间另有上门服务".into(),
                "the same worker has another visit at the same time".into(),
            ),
            Rule::LateSubmission => (
                format!("签退后超过 {} 小时才提交", t.late_submission_hours),
                format!("submitted more than {} h after check-out", t.late_submission_hours),
            ),
            Rule::ProviderNotEligible => (
                "服务商已暂停或关闭，或不在服务商名录内却申领补贴".into(),
                "the provider is suspended or closed, or claims a subsidy outside the provider library".into(),
            ),
            Rule::SubsidyAnomaly => (
                "补贴金额高于该服务商此项服务的标价".into(),
                "the subsidy exceeds the provider's price for the item".into(),
            ),
            Rule::Duplicate => (
                format!("同一老人、服务项目和服务商在 {} 分钟内另有记录", t.duplicate_window_minutes),
                format!(
                    "another record of the same senior, item and provider starts within {} minutes",
                    t.duplicate_window_minutes
                ),
            ),
            Rule::SeniorInactive => (
                "老人档案已标记为停用或已故".into(),
                "the senior is marked inactive or deceased".into(),
            ),
        }
    }
}
