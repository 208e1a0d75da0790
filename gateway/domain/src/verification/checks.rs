//! The nine checks of DESIGN §5 on one record. What they read of the registry (the
//! providers, workers and seniors' registrations a chunk names) is fetched for the
//! whole chunk at once, a query per table.

use std::collections::{BTreeSet, HashMap};

use jiayang_store::entity::{provider, registration, worker};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use time::{OffsetDateTime, UtcOffset, macros::format_description};

use super::{Rule, Thresholds, Visit, neighbours::Neighbours};
use crate::Error;

const MINUTE: i64 = 60_000_000;

/// The registry's rows a batch's checks read, each looked up once.
#[derive(Default)]
pub(crate) struct Lookups {
    providers: HashMap<String, Option<provider::Model>>,
    workers: HashMap<(String, String), Option<worker::Model>>,
    registrations: HashMap<String, Vec<registration::Model>>,
}

impl Lookups {
    /// The registry's rows every visit of a chunk needs, a query per table.
    pub async fn prefetch(
        &mut self,
        conn: &impl ConnectionTrait,
        visits: &[Visit<'_>],
    ) -> Result<(), Error> {
        let providers: BTreeSet<&str> = visits.iter().map(|v| v.provider_id).collect();
        for id in &providers {
            self.providers.insert((*id).to_owned(), None);
        }
        for row in provider::Entity::find()
            .filter(provider::Column::Id.is_in(providers.iter().copied()))
            .all(conn)
            .await?
        {
            self.providers.insert(row.id.clone(), Some(row));
        }
        let pairs: BTreeSet<(&str, &str)> = visits
            .iter()
            .filter_map(|v| Some((v.provider_id, v.certificate?)))
            .collect();
        if !pairs.is_empty() {
            for (provider, certificate) in &pairs {
                self.workers
                    .insert(((*provider).to_owned(), (*certificate).to_owned()), None);
            }
            let certificates: BTreeSet<&str> = pairs.iter().map(|(_, c)| *c).collect();
            for row in worker::Entity::find()
                .filter(worker::Column::ProviderId.is_in(providers.iter().copied()))
                .filter(worker::Column::CertificateNo.is_in(certificates))
                .all(conn)
                .await?
            {
                let key = (row.provider_id.clone(), row.certificate_no.clone());
                if self.workers.contains_key(&key) {
                    self.workers.insert(key, Some(row));
                }
            }
        }
        let seniors: BTreeSet<&str> = visits.iter().map(|v| v.senior_id).collect();
        for id in &seniors {
            self.registrations.insert((*id).to_owned(), Vec::new());
        }
        for row in registration::Entity::find()
            .filter(registration::Column::SeniorId.is_in(seniors.iter().copied()))
            .all(conn)
            .await?
        {
            self.registrations
                .entry(row.senior_id.clone())
                .or_default()
                .push(row);
        }
        Ok(())
    }

    async fn provider(
        &mut self,
        conn: &impl ConnectionTrait,
        id: &str,
    ) -> Result<Option<&provider::Model>, Error> {
        if !self.providers.contains_key(id) {
            let row = provider::Entity::find_by_id(id.to_owned())
                .one(conn)
                .await?;
            self.providers.insert(id.to_owned(), row);
        }
        Ok(self.providers[id].as_ref())
    }

    async fn worker(
        &mut self,
        conn: &impl ConnectionTrait,
        provider_id: &str,
        certificate: &str,
    ) -> Result<Option<&worker::Model>, Error> {
        let key = (provider_id.to_owned(), certificate.to_owned());
        if !self.workers.contains_key(&key) {
            let row = worker::Entity::find()
                .filter(worker::Column::ProviderId.eq(provider_id))
                .filter(worker::Column::CertificateNo.eq(certificate))
                .one(conn)
                .await?;
            self.workers.insert(key.clone(), row);
        }
        Ok(self.workers[&key].as_ref())
    }

    /// Every holder's registration of the senior.
    pub async fn registrations(
        &mut self,
        conn: &impl ConnectionTrait,
        senior_id: &str,
    ) -> Result<&[registration::Model], Error> {
        if !self.registrations.contains_key(senior_id) {
            let rows = registration::Entity::find()
                .filter(registration::Column::SeniorId.eq(senior_id))
                .all(conn)
                .await?;
            self.registrations.insert(senior_id.to_owned(), rows);
        }
        Ok(&self.registrations[senior_id])
    }
}

/// The rules `visit` fails, checked at `now` (microseconds), in rule order; what other
/// records say of it is in `neighbours`, under `index`.
pub(crate) async fn failing(
    conn: &impl ConnectionTrait,
    thresholds: &Thresholds,
    visit: &Visit<'_>,
    (neighbours, index): (&Neighbours, usize),
    now: i64,
    lookups: &mut Lookups,
) -> Result<Vec<Rule>, Error> {
    let mut failed = Vec::new();
    if uncertified(conn, visit, lookups).await? {
        failed.push(Rule::WorkerUncertified);
    }
    if far_from_home(conn, thresholds, visit, lookups).await? {
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
    let (ineligible, overpaid) = provider_findings(conn, visit, lookups).await?;
    if ineligible {
        failed.push(Rule::ProviderNotEligible);
    }
    if overpaid {
        failed.push(Rule::SubsidyAnomaly);
    }
    if neighbours.duplicates(index) {
        failed.push(Rule::Duplicate);
    }
    let registrations = lookups.registrations(conn, visit.senior_id).await?;
    if registrations
        .iter()
        .any(|r| r.status == "INACTIVE" || r.status == "DECEASED")
    {
        failed.push(Rule::SeniorInactive);
    }
    Ok(failed)
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
async fn uncertified(
    conn: &impl ConnectionTrait,
    visit: &Visit<'_>,
    lookups: &mut Lookups,
) -> Result<bool, Error> {
    let Some(certificate) = visit.certificate else {
        return Ok(false);
    };
    let Some(worker) = lookups.worker(conn, visit.provider_id, certificate).await? else {
        return Ok(true);
    };
    if worker.status == "LEFT" {
        return Ok(true);
    }
    let document: Value = serde_json::from_str(&worker.document).unwrap_or_default();
    let valid_until = document["certificateValidUntil"].as_str();
    let day = visit.starts_at.and_then(beijing_day);
    Ok(matches!((valid_until, day), (Some(until), Some(day)) if until < day.as_str()))
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
async fn far_from_home(
    conn: &impl ConnectionTrait,
    thresholds: &Thresholds,
    visit: &Visit<'_>,
    lookups: &mut Lookups,
) -> Result<bool, Error> {
    let (Some(check_in), Some(item)) = (visit.check_in_geo, visit.item()) else {
        return Ok(false);
    };
    if !item.on_site {
        return Ok(false);
    }
    let homes: Vec<(f64, f64)> = lookups
        .registrations(conn, visit.senior_id)
        .await?
        .iter()
        .filter_map(|r| {
            let document: Value = serde_json::from_str(&r.document).ok()?;
            let geo = document.pointer("/address/geo")?;
            Some((geo["lat"].as_f64()?, geo["lng"].as_f64()?))
        })
        .collect();
    Ok(!homes.is_empty()
        && homes
            .into_iter()
            .all(|home| distance_m(home, check_in) > thresholds.geo_max_meters))
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
async fn provider_findings(
    conn: &impl ConnectionTrait,
    visit: &Visit<'_>,
    lookups: &mut Lookups,
) -> Result<(bool, bool), Error> {
    let Some(provider) = lookups.provider(conn, visit.provider_id).await? else {
        return Ok((false, false));
    };
    let subsidy = visit.subsidy_fen.unwrap_or(0);
    let ineligible = provider.status != "ACTIVE" || (subsidy > 0 && !provider.in_provider_library);
    let document: Value = serde_json::from_str(&provider.document).unwrap_or_default();
    let price = document["offerings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|offering| offering["serviceItem"] == visit.service_item)
        .filter_map(|offering| offering["priceFen"].as_i64())
        .max();
    Ok((ineligible, price.is_some_and(|price| subsidy > price)))
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
