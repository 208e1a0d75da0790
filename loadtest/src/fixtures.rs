//! The documents the load is made of: the schema fixtures, made unique where the gateway
//! requires it (credit codes, identity numbers, external ids).

use jiayang_schemas::reference::{DivisionLevel, divisions};
use serde_json::{Value, json};

const PROVIDER: &str = include_str!("../../schemas/fixtures/provider/valid/design-example.json");
const SENIOR: &str = include_str!("../../schemas/fixtures/senior/valid/design-example.json");
const WORKER: &str = include_str!("../../schemas/fixtures/worker/valid/nurse.json");
const RECORD: &str =
    include_str!("../../schemas/fixtures/service-record/valid/design-example.json");

/// Marks where a record template takes its external id.
pub const EXTERNAL_ID_SLOT: &str = "@@EXTERNAL_ID@@";

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
    provider["externalIds"] = json!([{"participant": "hk-daojia", "id": format!("LOAD-S{n}")}]);
    provider["serviceArea"] = json!(area);
    provider
}

/// The one senior service records are about (the DESIGN example, valid as it is).
pub fn senior() -> Value {
    parse(SENIOR)
}

/// The worker whose certificate the records name.
pub fn worker() -> Value {
    parse(WORKER)
}

/// A service record (the DESIGN example: completed, with worker, check-in and check-out)
/// by reference ids, as JSON text with [`EXTERNAL_ID_SLOT`] where its external id goes.
pub fn record_template(senior_id: &str, provider_id: &str) -> String {
    let mut record = parse(RECORD);
    record["senior"] = json!({ "seniorId": senior_id });
    record["provider"] = json!({ "providerId": provider_id });
    record["externalIds"] = json!([{"participant": "hk-daojia", "id": EXTERNAL_ID_SLOT}]);
    record.to_string()
}

/// The record with its external id filled in.
pub fn record(template: &str, external_id: &str) -> String {
    template.replacen(EXTERNAL_ID_SLOT, external_id, 1)
}
