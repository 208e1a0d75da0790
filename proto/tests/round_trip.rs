//! Every valid fixture parses into the generated types; the DESIGN §4 examples
//! (`design-example.json`) serialise back to exactly the JSON they were, and every other
//! fixture reaches a fixed point after one trip (offsets normalise to UTC).

use std::{fs, path::Path};

use jiayang_proto::v1::{Consent, ProviderListing, SeniorProfile, ServiceRecord, Worker};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

fn round_trip<T: Serialize + DeserializeOwned>(kind: &str) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../schemas/fixtures")
        .join(kind)
        .join("valid");
    let mut checked = 0;
    for entry in fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = fs::read_to_string(&path).unwrap();
        let sent: Value = serde_json::from_str(&text).unwrap();
        let typed: T = serde_json::from_value(sent.clone())
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
        let back = serde_json::to_value(&typed).unwrap();
        if path
            .file_stem()
            .is_some_and(|stem| stem == "design-example")
        {
            assert_eq!(back, sent, "{} changed on the round trip", path.display());
        }
        let again: T = serde_json::from_value(back.clone()).unwrap();
        assert_eq!(
            serde_json::to_value(&again).unwrap(),
            back,
            "{} is not stable",
            path.display()
        );
        checked += 1;
    }
    checked
}

#[test]
fn senior_profiles_round_trip() {
    assert!(round_trip::<SeniorProfile>("senior") > 0);
}

#[test]
fn service_records_round_trip() {
    assert!(round_trip::<ServiceRecord>("service-record") > 0);
}

#[test]
fn provider_listings_round_trip() {
    assert!(round_trip::<ProviderListing>("provider") > 0);
}

#[test]
fn workers_round_trip() {
    assert!(round_trip::<Worker>("worker") > 0);
}

#[test]
fn consents_round_trip() {
    assert!(round_trip::<Consent>("consent") > 0);
}

#[test]
fn timestamps_with_an_offset_come_back_in_utc() {
    let record: ServiceRecord = serde_json::from_value(serde_json::json!({
        "checkIn": {"at": "2026-11-03T09:02:10+08:00"}
    }))
    .unwrap();
    let back = serde_json::to_value(&record).unwrap();
    assert_eq!(back["checkIn"]["at"], "2026-11-03T01:02:10Z");
}
