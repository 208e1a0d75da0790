//! What the checks read of a service record: the times, place and amounts its document
//! gives, and the ids its references resolved to.

use jiayang_schemas::reference::ServiceItem;
use serde_json::{Map, Value};

use super::Thresholds;

const MINUTE: i64 = 60_000_000;

/// A service record as the checks see it.
#[derive(Clone, Debug)]
pub(crate) struct Visit<'a> {
    pub id: &'a str,
    pub senior_id: &'a str,
    pub provider_id: &'a str,
    pub service_item: &'a str,
    pub status: &'a str,
    /// Check-in, else the scheduled start (microseconds).
    pub starts_at: Option<i64>,
    pub check_in: Option<i64>,
    /// GCJ-02 (lat, lng) of the check-in.
    pub check_in_geo: Option<(f64, f64)>,
    pub check_out: Option<i64>,
    pub certificate: Option<&'a str>,
    pub subsidy_fen: Option<i64>,
}

/// An RFC 3339 instant in microseconds.
pub(crate) fn instant_micros(text: &str) -> Option<i64> {
    let at = jiayang_proto::Timestamp::parse_rfc3339(text)?;
    Some(at.seconds * 1_000_000 + i64::from(at.nanos / 1_000))
}

fn instant_at(body: &Map<String, Value>, outer: &str, inner: &str) -> Option<i64> {
    body.get(outer)?
        .get(inner)?
        .as_str()
        .and_then(instant_micros)
}

impl<'a> Visit<'a> {
    pub fn of(
        id: &'a str,
        senior_id: &'a str,
        provider_id: &'a str,
        body: &'a Map<String, Value>,
    ) -> Self {
        let check_in = instant_at(body, "checkIn", "at");
        let geo = body.get("checkIn").and_then(|c| c.get("geo"));
        Self {
            id,
            senior_id,
            provider_id,
            service_item: body
                .get("serviceItem")
                .and_then(Value::as_str)
                .unwrap_or_default(),
            status: body
                .get("status")
                .and_then(Value::as_str)
                .unwrap_or_default(),
            starts_at: check_in.or_else(|| instant_at(body, "scheduled", "start")),
            check_in,
            check_in_geo: geo
                .and_then(|g| Some((g.get("lat")?.as_f64()?, g.get("lng")?.as_f64()?))),
            check_out: instant_at(body, "checkOut", "at"),
            certificate: body
                .get("worker")
                .and_then(|w| w.get("certificateNo"))
                .and_then(Value::as_str),
            subsidy_fen: body
                .get("charge")
                .and_then(|c| c.get("subsidyFen"))
                .and_then(Value::as_i64),
        }
    }

    pub fn item(&self) -> Option<&'static ServiceItem> {
        ServiceItem::get(self.service_item)
    }

    /// When the worker was there: check-in to check-out; while the visit runs, to
    /// check-in plus the item's longest plausible length (or the longest visit).
    pub fn span(&self, thresholds: &Thresholds) -> Option<(i64, i64)> {
        let from = self.check_in?;
        let until = self.check_out.unwrap_or_else(|| {
            let longest = self
                .item()
                .and_then(|item| item.max_minutes)
                .map(|minutes| i64::from(minutes) * MINUTE)
                .unwrap_or(i64::from(thresholds.longest_visit_hours) * 60 * MINUTE);
            from + longest
        });
        Some((from, until.max(from)))
    }
}
