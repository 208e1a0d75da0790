//! The documents the load is made of: the schema fixtures, made unique where the gateway
//! requires it (credit codes, identity numbers, external ids).

use jiayang_schemas::reference::{DivisionLevel, divisions};
use serde_json::{Value, json};

use crate::harness::PORTAL;

const PROVIDER: &str = include_str!("../../schemas/fixtures/provider/valid/design-example.json");
const SENIOR: &str = include_str!("../../schemas/fixtures/senior/valid/design-example.json");
const WORKER: &str = include_str!("../../schemas/fixtures/worker/valid/nurse.json");
const RECORD: &str =
    include_str!("../../schemas/fixtures/service-record/valid/design-example.json");

/// Marks where a record template takes its external id.
pub const EXTERNAL_ID_SLOT: &str = "@@EXTERNAL_ID@@";

/// The text at `pointer` in a record, empty when there is none.
pub fn text_at(record: &Value, pointer: &str) -> String {
    record
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The instant at `pointer` in a record as the gateway stores it (microseconds).
pub fn micros_at(record: &Value, pointer: &str) -> Option<i64> {
    jiayang_proto::Timestamp::parse_rfc3339(&text_at(record, pointer))
        .map(|t| t.seconds * 1_000_000 + i64::from(t.nanos / 1_000))
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("schema fixtures are JSON")
}

/// Beijing's districts, each with its streets and townships.
pub fn districts() -> Vec<(&'static str, Vec<&'static str>)> {
    let table = divisions();
    table
        .districts()
        .map(|district| {
            let streets = table.streets_of(district.code).map(|s| s.code).collect();
            (district.code, streets)
        })
        .collect()
}

/// Every street code of the table: the search queries cycle through them.
pub fn street_codes() -> Vec<&'static str> {
    divisions()
        .iter()
        .filter(|d| d.level == DivisionLevel::Street)
        .map(|d| d.code)
        .collect()
}

/// A valid USCC (GB 32100) numbered `n`.
pub fn uscc(n: usize) -> String {
    let first17 = format!("91110105MA{:07}", n % 10_000_000);
    let check = jiayang_schemas::uscc_check_character(first17.as_bytes())
        .expect("17 characters of the code alphabet");
    format!("{first17}{}", char::from(check))
}

/// Provider `n` of a spread over the districts: provider `n` is in district `n % 16`;
/// every other provider of a district serves the whole district, the rest two of its
/// streets. So a street query matches half of its district's providers and more.
pub fn provider(n: usize, districts: &[(&'static str, Vec<&'static str>)]) -> Value {
    let (district, streets) = &districts[n % districts.len()];
    let k = n / districts.len();
    let area: Vec<&str> = if k.is_multiple_of(2) || streets.is_empty() {
        vec![district]
    } else {
        let first = (k / 2) % streets.len();
        let mut area = vec![streets[first], streets[(first + 1) % streets.len()]];
        area.dedup();
        area
    };
    let mut provider = parse(PROVIDER);
    provider["uscc"] = uscc(n).into();
    provider["name"] = format!("北京第{n}号家政服务有限公司").into();
    provider["externalIds"] = json!([{"participant": PORTAL, "id": format!("LOAD-S{n}")}]);
    provider["serviceArea"] = json!(area);
    provider
}

/// A service record (the DESIGN example: completed, with worker, check-in and check-out)
/// by reference ids, as JSON text with [`EXTERNAL_ID_SLOT`] where its external id goes.
pub fn record_template(senior_id: &str, provider_id: &str) -> String {
    let mut record = parse(RECORD);
    record["senior"] = json!({ "seniorId": senior_id });
    record["provider"] = json!({ "providerId": provider_id });
    record["externalIds"] = json!([{"participant": PORTAL, "id": EXTERNAL_ID_SLOT}]);
    record.to_string()
}

/// The record with its external id filled in.
pub fn record(template: &str, external_id: &str) -> String {
    template.replacen(EXTERNAL_ID_SLOT, external_id, 1)
}

/// Senior `n` of the load: the DESIGN example with its own identity number (and birth
/// date to match, in April: the example itself, born in March, stays free for the
/// consent scenario) and the portal's external id `LOAD-n`.
pub fn senior_numbered(n: usize) -> Value {
    let day = 1 + n % 28;
    // An even sequence digit: female, as the example is.
    let sequence = (n / 28 * 2) % 1000;
    let first17 = format!("110105194404{day:02}{sequence:03}");
    let check = jiayang_schemas::id_card_check_digit(first17.as_bytes()).expect("17 digits");
    let mut senior = parse(SENIOR);
    senior["birthDate"] = format!("1944-04-{day:02}").into();
    senior["identityDocument"]["number"] = format!("{first17}{}", char::from(check)).into();
    senior["externalIds"] = json!([{"participant": "bj-elder-portal", "id": format!("LOAD-{n}")}]);
    senior
}

/// Worker `n` of the load's provider, with its own certificate.
pub fn worker_numbered(n: usize) -> Value {
    let mut worker = parse(WORKER);
    worker["certificateNo"] = certificate(n).into();
    worker["externalIds"] = json!([]);
    worker
}

fn certificate(n: usize) -> String {
    format!("BJSM-2026-{n:06}")
}

/// Seniors in the load.
pub const SENIORS: usize = 800;
/// Workers of the load's provider: two per senior, so one worker's visits never overlap.
pub const WORKERS: usize = 2 * SENIORS;
/// Hours of visits each scenario's records take, one window after another, all of them
/// within the 72 hours a record may be submitted after its visit.
const WINDOW_HOURS: i64 = 13;
/// Minutes between one senior's visits: past the 10 minutes within which two are one
/// visit recorded twice.
const SLOT_MINUTES: i64 = 11;
/// A meal delivered in 15 minutes: within the catalog's bounds for MEAL_DELIVERY.
const VISIT_MINUTES: i64 = 15;

/// Where service records go, spread as real traffic is: over [`SENIORS`] seniors and
/// [`WORKERS`] workers, each senior visited every [`SLOT_MINUTES`], each worker in one
/// place at a time, within the last 70 hours. Each scenario writes in a window of
/// its own, so no record is a duplicate of, overlaps with or is late against another's;
/// a record passes every check unless a scenario writes more than a window holds
/// (`SENIORS` × 70 slots), when they wrap and collide.
#[derive(Clone, Debug)]
pub struct Spread {
    pub seniors: Vec<String>,
    pub provider_id: String,
    /// The first window's start, microseconds since the epoch.
    pub base: i64,
}

impl Spread {
    /// Record `i` of scenario `window`, as JSON text with [`EXTERNAL_ID_SLOT`] where
    /// its external id goes.
    pub fn record(&self, window: usize, i: usize) -> String {
        let minute = 60_000_000;
        let slots = WINDOW_HOURS * 60 / SLOT_MINUTES;
        let slot = (i / SENIORS) as i64 % slots;
        let start =
            self.base + window as i64 * WINDOW_HOURS * 60 * minute + slot * SLOT_MINUTES * minute;
        let at = |offset: i64| jiayang_store::micros_to_rfc3339(start + offset * minute);
        let mut record = parse(RECORD);
        record["senior"] = json!({ "seniorId": self.seniors[i % SENIORS] });
        record["provider"] = json!({ "providerId": self.provider_id });
        record["externalIds"] = json!([{"participant": PORTAL, "id": EXTERNAL_ID_SLOT}]);
        record["worker"]["certificateNo"] = certificate(i % WORKERS).into();
        record["serviceItem"] = "MEAL_DELIVERY".into();
        record["scheduled"] = json!({"start": at(0), "end": at(VISIT_MINUTES)});
        record["checkIn"]["at"] = at(0).into();
        record["checkOut"]["at"] = at(VISIT_MINUTES).into();
        record.to_string()
    }
}
