//! The nine checks of DESIGN §5 on one record. What they read of the registry (the
//! providers, workers and seniors' registrations a chunk names) is gathered before the
//! write begins, a query per table for a whole chunk, and kept as the few facts the
//! checks use: the writer's lock is not held while the registry is read, and a bulk
//! load parses a provider's offerings once, not once per record.

use std::collections::{BTreeSet, HashMap};

use jiayang_store::entity::{provider, registration, worker};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use time::{OffsetDateTime, UtcOffset, macros::format_description};

use super::{
    Rule, Thresholds, Visit,
    neighbours::{self, Neighbours},
};
use crate::{Error, Gateway, seniors};

const MINUTE: i64 = 60_000_000;

/// What the checks need of a provider.
pub(crate) struct ProviderFacts {
    active: bool,
    in_library: bool,
    /// The highest price (fen) it offers each service item at.
    prices: HashMap<String, i64>,
}

impl From<&provider::Model> for ProviderFacts {
    fn from(row: &provider::Model) -> Self {
        let document: Value = serde_json::from_str(&row.document).unwrap_or_default();
        let mut prices = HashMap::new();
        for offering in document["offerings"].as_array().into_iter().flatten() {
            if let (Some(item), Some(price)) = (
                offering["serviceItem"].as_str(),
                offering["priceFen"].as_i64(),
            ) {
                let best = prices.entry(item.to_owned()).or_insert(price);
                *best = price.max(*best);
            }
        }
        Self {
            active: row.status == "ACTIVE",
            in_library: row.in_provider_library,
            prices,
        }
    }
}

/// What the checks need of a worker: whether it left, and when its certificate ends.
struct WorkerFacts {
    left: bool,
    valid_until: Option<String>,
}

/// What the checks (and a record's basis) need of a senior's registrations.
#[derive(Default)]
pub(crate) struct SeniorFacts {
    /// Who holds a registration of the senior.
    pub holders: Vec<String>,
    /// Whether any holder marked the senior inactive or deceased.
    inactive: bool,
    /// The address points the holders recorded (GCJ-02).
    homes: Vec<(f64, f64)>,
    /// The district of the most recently updated registration (an alert's district).
    pub district: String,
}

impl SeniorFacts {
    /// The facts of a senior's registrations; the home points are in their sealed parts.
    fn of(gateway: &Gateway, rows: &[registration::Model]) -> Self {
        let mut homes = Vec::new();
        for row in rows {
            // One holder's unreadable registration (written by hand, or by an older
            // node) must not stop others' records: its point is left out, and said.
            let Ok(sealed) = seniors::opened(gateway, row) else {
                tracing::error!("a registration does not open: its home point is not checked");
                continue;
            };
            let geo = sealed.get("address").and_then(|a| a.get("geo"));
            if let Some((Some(lat), Some(lng))) =
                geo.map(|geo| (geo["lat"].as_f64(), geo["lng"].as_f64()))
            {
                homes.push((lat, lng));
            }
        }
        Self {
            holders: rows.iter().map(|r| r.holder.clone()).collect(),
            inactive: rows
                .iter()
                .any(|r| r.status == "INACTIVE" || r.status == "DECEASED"),
            homes,
            district: rows
                .iter()
                .max_by_key(|r| r.updated_at)
                .map(|r| r.division_code.clone())
                .unwrap_or_default(),
        }
    }
}

/// The registry's facts a batch's checks read, each looked up once.
#[derive(Default)]
pub(crate) struct Lookups {
    providers: HashMap<String, Option<ProviderFacts>>,
    workers: HashMap<(String, String), Option<WorkerFacts>>,
    seniors: HashMap<String, SeniorFacts>,
    /// The keys the checks across records lock on PostgreSQL: every visit's of the
    /// write, gathered with the registry facts.
    pub locks: BTreeSet<i32>,
}

impl Lookups {
    /// Keeps a provider row already read (resolving a record's reference).
    pub fn know_provider(&mut self, row: &provider::Model) {
        self.providers.insert(row.id.clone(), Some(row.into()));
    }

    /// The seniors' facts, read for those not known yet (one query).
    pub async fn seniors(
        &mut self,
        gateway: &Gateway,
        conn: &impl ConnectionTrait,
        ids: &[&str],
    ) -> Result<(), Error> {
        let missing: BTreeSet<&str> = ids
            .iter()
            .copied()
            .filter(|id| !self.seniors.contains_key(*id))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let mut rows: HashMap<String, Vec<registration::Model>> = HashMap::new();
        for row in registration::Entity::find()
            .filter(registration::Column::SeniorId.is_in(missing.iter().copied()))
            .all(conn)
            .await?
        {
            rows.entry(row.senior_id.clone()).or_default().push(row);
        }
        for id in missing {
            let facts =
                SeniorFacts::of(gateway, rows.get(id).map(Vec::as_slice).unwrap_or_default());
            self.seniors.insert(id.to_owned(), facts);
        }
        Ok(())
    }

    /// What the visits of a whole write need and is not known yet, a query per table,
    /// and the keys they lock; before the write begins, so the checks inside it read
    /// nothing more.
    pub async fn prefetch(
        &mut self,
        gateway: &Gateway,
        conn: &impl ConnectionTrait,
        visits: &[Visit<'_>],
    ) -> Result<(), Error> {
        self.locks
            .extend(visits.iter().flat_map(neighbours::lock_keys));
        let providers: BTreeSet<&str> = visits
            .iter()
            .map(|v| v.provider_id)
            .filter(|id| !self.providers.contains_key(*id))
            .collect();
        if !providers.is_empty() {
            for id in &providers {
                self.providers.insert((*id).to_owned(), None);
            }
            for row in provider::Entity::find()
                .filter(provider::Column::Id.is_in(providers.iter().copied()))
                .all(conn)
                .await?
            {
                self.know_provider(&row);
            }
        }
        let pairs: BTreeSet<(&str, &str)> = visits
            .iter()
            .filter_map(|v| Some((v.provider_id, v.certificate?)))
            .filter(|(p, c)| {
                !self
                    .workers
                    .contains_key(&((*p).to_owned(), (*c).to_owned()))
            })
            .collect();
        if !pairs.is_empty() {
            for (provider, certificate) in &pairs {
                self.workers
                    .insert(((*provider).to_owned(), (*certificate).to_owned()), None);
            }
            let providers: BTreeSet<&str> = pairs.iter().map(|(p, _)| *p).collect();
            let certificates: BTreeSet<&str> = pairs.iter().map(|(_, c)| *c).collect();
            for row in worker::Entity::find()
                .filter(worker::Column::ProviderId.is_in(providers))
                .filter(worker::Column::CertificateNo.is_in(certificates))
                .all(conn)
                .await?
            {
                let key = (row.provider_id, row.certificate_no);
                if let Some(slot) = self.workers.get_mut(&key) {
                    let document: Value = serde_json::from_str(&row.document).unwrap_or_default();
                    *slot = Some(WorkerFacts {
                        left: row.status == "LEFT",
                        valid_until: document["certificateValidUntil"]
                            .as_str()
                            .map(str::to_owned),
                    });
                }
            }
        }
        let seniors: Vec<&str> = visits.iter().map(|v| v.senior_id).collect();
        self.seniors(gateway, conn, &seniors).await
    }

    /// A senior's facts, once read.
    pub fn senior(&self, id: &str) -> Option<&SeniorFacts> {
        self.seniors.get(id)
    }

    fn provider(&self, id: &str) -> Option<&ProviderFacts> {
        self.providers.get(id).and_then(Option::as_ref)
    }

    fn worker(&self, provider_id: &str, certificate: &str) -> Option<&WorkerFacts> {
        self.workers
            .get(&(provider_id.to_owned(), certificate.to_owned()))
            .and_then(Option::as_ref)
    }
}

/// The rules `visit` fails, checked at `now` (microseconds), in rule order, once
/// `lookups` holds what the visit names; what other records say of it is in
/// `neighbours`, under `index`.
pub(crate) fn failing(
    thresholds: &Thresholds,
    visit: &Visit<'_>,
    (neighbours, index): (&Neighbours, usize),
    now: i64,
    lookups: &Lookups,
) -> Vec<Rule> {
    let senior = lookups.senior(visit.senior_id);
    let mut failed = Vec::new();
    if uncertified(visit, lookups) {
        failed.push(Rule::WorkerUncertified);
    }
    if far_from_home(thresholds, visit, senior) {
        failed.push(Rule::GeoMismatch);
    }
    if implausible_length(visit) {
        failed.push(Rule::DurationImplausible);
    }
    if neighbours.overlaps(index) {
        failed.push(Rule::WorkerOverlap);
    }
    if visit
        .check_out
        .is_some_and(|out| now > out + i64::from(thresholds.late_submission_hours) * 60 * MINUTE)
    {
        failed.push(Rule::LateSubmission);
    }
    let (ineligible, overpaid) = provider_findings(visit, lookups);
    if ineligible {
        failed.push(Rule::ProviderNotEligible);
    }
    if overpaid {
        failed.push(Rule::SubsidyAnomaly);
    }
    if neighbours.duplicates(index) {
        failed.push(Rule::Duplicate);
    }
    if senior.is_some_and(|s| s.inactive) {
        failed.push(Rule::SeniorInactive);
    }
    failed
}

/// Beijing's calendar day of an instant, `YYYY-MM-DD` (certificates end on a day).
fn beijing_day(micros: i64) -> Option<String> {
    let beijing = UtcOffset::from_hms(8, 0, 0).ok()?;
    OffsetDateTime::from_unix_timestamp(micros / 1_000_000)
        .ok()?
        .to_offset(beijing)
        .date()
        .format(format_description!("[year]-[month]-[day]"))
        .ok()
}

/// `WORKER_UNCERTIFIED`: the certificate is not the provider's worker's, the worker has
/// left, or the certificate ended before the day of the visit.
fn uncertified(visit: &Visit<'_>, lookups: &Lookups) -> bool {
    let Some(certificate) = visit.certificate else {
        return false;
    };
    let Some(worker) = lookups.worker(visit.provider_id, certificate) else {
        return true;
    };
    if worker.left {
        return true;
    }
    let day = visit.starts_at.and_then(beijing_day);
    matches!((worker.valid_until.as_deref(), day), (Some(until), Some(day)) if until < day.as_str())
}

/// Metres between two GCJ-02 points (haversine; the datum's offsets cancel at this scale).
fn distance_m((lat1, lng1): (f64, f64), (lat2, lng2): (f64, f64)) -> f64 {
    const EARTH_RADIUS_M: f64 = 6_371_008.8;
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let dphi = (lat2 - lat1).to_radians();
    let dlambda = (lng2 - lng1).to_radians();
    let a = (dphi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (dlambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().asin()
}

/// `GEO_MISMATCH`: an on-site check-in far from every address the senior's holders
/// recorded (a person registered twice may live at either). Without a recorded address
/// point there is nothing to compare.
fn far_from_home(thresholds: &Thresholds, visit: &Visit<'_>, senior: Option<&SeniorFacts>) -> bool {
    let (Some(check_in), Some(item), Some(senior)) = (visit.check_in_geo, visit.item(), senior)
    else {
        return false;
    };
    item.on_site
        && !senior.homes.is_empty()
        && senior
            .homes
            .iter()
            .all(|home| distance_m(*home, check_in) > thresholds.geo_max_meters)
}

/// `DURATION_IMPLAUSIBLE`: check-in to check-out outside the catalog's bounds.
fn implausible_length(visit: &Visit<'_>) -> bool {
    let (Some(from), Some(until), Some(item)) = (visit.check_in, visit.check_out, visit.item())
    else {
        return false;
    };
    let minutes = (until - from) / MINUTE;
    item.min_minutes.is_some_and(|min| minutes < i64::from(min))
        || item.max_minutes.is_some_and(|max| minutes > i64::from(max))
}

/// `PROVIDER_NOT_ELIGIBLE` (suspended or closed, or a subsidy claimed outside the
/// provider library) and `SUBSIDY_ANOMALY` (a subsidy above the provider's price for
/// the item), from one look at the provider.
fn provider_findings(visit: &Visit<'_>, lookups: &Lookups) -> (bool, bool) {
    let Some(provider) = lookups.provider(visit.provider_id) else {
        return (false, false);
    };
    let subsidy = visit.subsidy_fen.unwrap_or(0);
    let ineligible = !provider.active || (subsidy > 0 && !provider.in_library);
    let price = provider.prices.get(visit.service_item);
    (ineligible, price.is_some_and(|price| subsidy > *price))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_are_metres_on_the_ground() {
        // 0.0027° of latitude is about 300 m anywhere.
        let d = distance_m((39.9247, 116.4682), (39.9274, 116.4682));
        assert!((d - 300.0).abs() < 2.0, "{d}");
        assert_eq!(distance_m((39.9, 116.4), (39.9, 116.4)), 0.0);
    }

    #[test]
    fn certificates_end_on_beijing_days() {
        // 2026-11-02T16:30Z is already 2026-11-03 in Beijing.
        let micros = 1_793_637_000 * 1_000_000;
        assert_eq!(beijing_day(micros).as_deref(), Some("2026-11-03"));
    }
}
