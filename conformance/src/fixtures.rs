//! The data a server run makes for itself: synthetic seniors, each carrying an external id
//! under the run's prefix so that an operator can tell the suite's records from anyone's.
//! Their identity and phone numbers are random and valid, so they may be a real person's:
//! run the suite against a test environment.

use serde_json::{Value, json};
use ulid::Ulid;

const SENIOR: &str = include_str!("../../schemas/fixtures/senior/valid/design-example.json");
const CONSENT: &str = include_str!("../../schemas/fixtures/consent/valid/design-example.json");
const PROVIDER: &str = include_str!("../../schemas/fixtures/provider/valid/design-example.json");
const WORKER: &str = include_str!("../../schemas/fixtures/worker/valid/nurse.json");

const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
const GIVEN: &[&str] = &[
    "秀英", "桂兰", "淑珍", "玉兰", "凤英", "建国", "国华", "志强", "德明", "文华",
];

/// A fresh run prefix: `cf-` and 10 characters of a ULID, unique per run.
pub fn run_prefix() -> String {
    let ulid = Ulid::new().to_string().to_ascii_lowercase();
    format!("cf-{}", &ulid[16..])
}

/// A valid senior profile, different every call: a resident ID number with its check
/// digit (a woman born 1930–1945 in 朝阳区), a name and a phone of its own, registered by
/// `holder` under `external_id`.
pub fn senior(holder: &str, external_id: &str) -> Value {
    let random = Ulid::new().random();
    let pick = |n: u128, list: &[&'static str]| list[(n % list.len() as u128) as usize];
    let year = 1930 + (random % 16) as u32;
    let month = 1 + ((random >> 8) % 12) as u32;
    let day = 1 + ((random >> 16) % 28) as u32;
    // The 17th digit is even for a woman (GB 11643), matching the fixture's gender.
    let sequence = ((random >> 24) % 500) as u32 * 2;
    let first17 = format!("110105{year}{month:02}{day:02}{sequence:03}");
    let check = jiayang_schemas::id_card_check_digit(first17.as_bytes())
        .expect("17 digits have a check digit");
    let mut senior: Value = serde_json::from_str(SENIOR).expect("the fixture is JSON");
    senior["externalIds"] = json!([{"participant": holder, "id": external_id}]);
    senior["name"] = format!(
        "{}{}",
        pick(random >> 40, SURNAMES),
        pick(random >> 48, GIVEN)
    )
    .into();
    senior["birthDate"] = format!("{year}-{month:02}-{day:02}").into();
    senior["identityDocument"]["number"] = format!("{first17}{}", char::from(check)).into();
    senior["phone"] = format!("139{:08}", (random >> 56) % 100_000_000).into();
    senior
}

/// A street of Beijing picked at random: the seniors of one paging test live there, so
/// that listing them (filtered by it) pages through few besides.
pub fn street() -> &'static str {
    let divisions = jiayang_schemas::reference::divisions();
    let streets: Vec<&'static str> = divisions
        .iter()
        .filter(|d| d.level == jiayang_schemas::reference::DivisionLevel::Street)
        .map(|d| d.code)
        .collect();
    streets[(Ulid::new().random() % streets.len() as u128) as usize]
}

/// The values of `senior` that identify the person: what must never appear where
/// personal data has no place. Names are left out: drawn from a few common ones, they
/// also stand in documentation (the API document's examples), so finding one proves
/// nothing.
pub fn personal_values(senior: &Value) -> Vec<String> {
    ["/identityDocument/number", "/phone"]
        .iter()
        .filter_map(|p| senior.pointer(p).and_then(Value::as_str))
        .map(str::to_owned)
        .collect()
}

/// A grant of BASIC, CONTACT and LOCATION for SERVICE_DELIVERY to `grantee`, valid for
/// the years around now.
pub fn grant(senior_id: &str, grantee: &str) -> Value {
    let mut consent: Value = serde_json::from_str(CONSENT).expect("the fixture is JSON");
    consent["senior"] = json!({"seniorId": senior_id});
    consent["grantee"] = grantee.into();
    consent["purposes"] = json!(["SERVICE_DELIVERY"]);
    consent["categories"] = json!(["BASIC", "CONTACT", "LOCATION"]);
    consent["validFrom"] = "2020-01-01".into();
    consent["validUntil"] = "2099-12-31".into();
    consent
}

/// A provider listing numbered `n` (its own credit code), listed by `owner`, serving
/// 朝阳区 with daily cleaning.
pub fn provider(owner: &str, n: u32) -> Value {
    let first17 = format!("91110105MA{n:07}");
    let check = jiayang_schemas::uscc_check_character(first17.as_bytes())
        .expect("17 characters have a check character");
    let mut provider: Value = serde_json::from_str(PROVIDER).expect("the fixture is JSON");
    provider["uscc"] = format!("{first17}{}", char::from(check)).into();
    provider["name"] = format!("沙箱家政服务第{n}号有限公司").into();
    provider["externalIds"] = json!([{"participant": owner, "id": format!("SANDBOX-P{n}")}]);
    provider["serviceArea"] = json!(["110105000000"]);
    provider
}

/// A worker (a certified nurse) of a provider `owner` lists.
pub fn worker(owner: &str) -> Value {
    let mut worker: Value = serde_json::from_str(WORKER).expect("the fixture is JSON");
    worker["externalIds"] = json!([{"participant": owner, "id": "SANDBOX-W1"}]);
    worker
}

#[cfg(test)]
mod tests {
    use jiayang_schemas::{Kind, validate};

    use super::*;

    #[test]
    fn made_seniors_and_grants_are_valid_and_differ() {
        let a = senior("bj-elder-portal", "cf-x-1");
        let b = senior("bj-elder-portal", "cf-x-2");
        assert_eq!(validate(Kind::Senior, &a), vec![], "{a}");
        assert_ne!(a["identityDocument"], b["identityDocument"]);
        let consent = grant("sen_01JC8W9Q4M5V3X2K7T6N1R0B9A", "hk-daojia");
        assert_eq!(validate(Kind::Consent, &consent), vec![], "{consent}");
        assert_eq!(personal_values(&a).len(), 2);
        assert_eq!(validate(Kind::Provider, &provider("hk-daojia", 7)), vec![]);
        assert_eq!(validate(Kind::Worker, &worker("hk-daojia")), vec![]);
    }
}
