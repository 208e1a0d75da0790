//! The housekeeping app's tables (housekeeping-app.md).

use jiayang_adapters::{Format, RecordKind, import};
use serde_json::{Value, json};

use super::{common, out, with};

/// Converts one housekeeping item and returns its canonical form; fails on any violation.
fn app_in(kind: RecordKind, item: &Value) -> Value {
    let ctx = common::context(Format::HousekeepingApp);
    let batch = import(
        Format::HousekeepingApp,
        kind,
        &serde_json::to_vec(item).unwrap(),
        &ctx,
    )
    .unwrap();
    assert!(
        batch.report.violations.is_empty(),
        "{item:#}\n{:#?}",
        batch.report.violations
    );
    batch.records[0].document.clone()
}

fn order() -> Value {
    json!({"orderNo": "HK1", "elder": {"customerId": "C1"}, "sku": {"skuCode": "CALL"},
           "store": {"creditCode": "91110105MA01ABCD13"}, "status": "PENDING",
           "appointment": {"startAt": 1793667600000_i64, "endAt": 1793668200000_i64}})
}

#[test]
fn app_sku_codes() {
    let skus = [
        ("MEAL-DLV", "MEAL_DELIVERY"),
        ("MEAL-DINE", "MEAL_DINE_IN"),
        ("CLN-D-2H", "CLEANING_DAILY"),
        ("CLN-D-3H", "CLEANING_DAILY"),
        ("CLN-D-4H", "CLEANING_DAILY"),
        ("CLN-DEEP", "CLEANING_DEEP"),
        ("LDRY", "LAUNDRY"),
        ("BATH-HOME", "BATHING_HOME"),
        ("ESC-MED", "MEDICAL_ESCORT"),
        ("MED-RMD", "MEDICATION_REMINDER"),
        ("ESC-OUT", "MOBILITY_ESCORT"),
        ("VISIT", "VISIT_CHECK"),
        ("CALL", "PHONE_CHECK"),
        ("CHAT", "COMPANION"),
        ("CARE-DAY", "PERSONAL_CARE"),
        ("REHAB", "REHAB_CARE"),
        ("RESPITE", "RESPITE_CARE"),
        ("COOK", "COOKING"),
        ("AGE-FRIENDLY", "HOME_ADAPTATION"),
    ];
    for (sku, item) in skus {
        let mut record = order();
        record["sku"]["skuCode"] = sku.into();
        assert_eq!(
            app_in(RecordKind::ServiceRecord, &record)["serviceItem"],
            item
        );

        let mut finding = order();
        finding["findings"] = json!([{"tag": "NEED_SERVICE", "level": 1, "skuCode": sku}]);
        let canonical = app_in(RecordKind::ServiceRecord, &finding);
        assert_eq!(canonical["observations"][0]["serviceItem"], item);

        // Outbound, the first SKU of an item unless the duration names another.
        let duration = sku
            .strip_prefix("CLN-D-")
            .map(|h| h[..1].parse::<i64>().unwrap() * 60);
        let written = if duration.is_some() {
            sku
        } else {
            first_sku(&skus, item)
        };
        let mut offering =
            json!({"serviceItem": item, "name": "x", "priceFen": 1, "unit": "PER_VISIT"});
        if let Some(minutes) = duration {
            offering["durationMinutes"] = minutes.into();
        }
        let mut provider = canonical_provider();
        provider["offerings"] = json!([offering]);
        let back = out(Format::HousekeepingApp, RecordKind::Provider, provider);
        assert_eq!(back["skus"][0]["skuCode"], written, "{item}");
    }
}

fn first_sku(skus: &[(&'static str, &'static str)], item: &str) -> &'static str {
    skus.iter().find(|(_, i)| *i == item).unwrap().0
}

fn canonical_provider() -> Value {
    json!({"externalIds": [{"participant": "hk-daojia", "id": "S1"}], "name": "某家政",
           "uscc": "91110105MA01ABCD13", "kind": "HOUSEKEEPING_COMPANY",
           "serviceArea": ["110105000000"], "status": "ACTIVE"})
}

#[test]
fn app_order_tables() {
    let statuses = [
        ("PENDING", "SCHEDULED"),
        ("SERVING", "IN_PROGRESS"),
        ("COMPLETED", "COMPLETED"),
        ("CANCELLED", "CANCELLED"),
        ("REFUNDED", "CANCELLED"),
        ("NO_SHOW", "NO_SHOW"),
    ];
    for (native, status) in statuses {
        let mut record = order();
        record["status"] = native.into();
        record["checkIn"] = json!({"at": 1793667700000_i64});
        record["checkOut"] = json!({"at": 1793668100000_i64});
        assert_eq!(app_in(RecordKind::ServiceRecord, &record)["status"], status);
    }
    let tags = [
        ("FALL_RISK", "FALL_RISK"),
        ("MEDICATION", "MEDICATION_ISSUE"),
        ("COGNITION", "COGNITIVE_DECLINE"),
        ("NUTRITION", "NUTRITION_RISK"),
        ("HOME_SAFETY", "HOME_HAZARD"),
        ("LONELY", "LONELINESS"),
        ("HEALTH", "HEALTH_CHANGE"),
        ("NEED_SERVICE", "NEEDS_SERVICE"),
        ("OTHER", "OTHER"),
    ];
    for (tag, code) in tags {
        let mut record = order();
        record["findings"] = json!([{"tag": tag, "level": 2, "skuCode": "VISIT"}]);
        assert_eq!(
            app_in(RecordKind::ServiceRecord, &record)["observations"][0]["code"],
            code
        );
    }
    for (level, severity) in [(1, "LOW"), (2, "MEDIUM"), (3, "HIGH")] {
        let mut record = order();
        record["findings"] = json!([{"tag": "OTHER", "level": level}]);
        let canonical = app_in(RecordKind::ServiceRecord, &record);
        assert_eq!(canonical["observations"][0]["severity"], severity);
    }
    // coordType: BD09 (also when absent), GCJ02 unchanged, WGS84 shifted by the published formula.
    for coord_type in [Some("BD09"), None, Some("GCJ02"), Some("WGS84")] {
        let mut record = order();
        record["status"] = "SERVING".into();
        record["checkIn"] = json!({"at": 1793667700000_i64, "lng": 116.4682, "lat": 39.9247});
        if let Some(coord_type) = coord_type {
            record["checkIn"]["coordType"] = coord_type.into();
        }
        let geo = &app_in(RecordKind::ServiceRecord, &record)["checkIn"]["geo"];
        let moved = (geo["lng"].as_f64().unwrap() - 116.4682).abs() > 1e-4;
        assert_eq!(moved, coord_type != Some("GCJ02"), "{coord_type:?}");
    }
}

fn store() -> Value {
    json!({"storeId": "S1", "storeName": "某家政", "creditCode": "91110105MA01ABCD13",
           "storeType": "HOUSEKEEPING", "districts": ["朝阳区"], "open": true})
}

#[test]
fn app_store_tables() {
    let types = [
        ("HOUSEKEEPING", "HOUSEKEEPING_COMPANY"),
        ("NURSING_HOME", "ELDER_CARE_INSTITUTION"),
        ("COMMUNITY_STATION", "COMMUNITY_STATION"),
        ("REGIONAL_CENTER", "REGIONAL_CENTER"),
        ("MEAL_POINT", "MEAL_POINT"),
        ("DAY_CARE", "DAY_CARE"),
    ];
    for (native, kind) in types {
        let canonical = app_in(RecordKind::Provider, &with(store(), "storeType", native));
        assert_eq!(canonical["kind"], kind);
        assert_eq!(
            out(Format::HousekeepingApp, RecordKind::Provider, canonical)["storeType"],
            native
        );
    }
    let units = [
        ("TIME", "PER_VISIT"),
        ("HOUR", "PER_HOUR"),
        ("MONTH", "PER_MONTH"),
        ("MEAL", "PER_MEAL"),
    ];
    for (native, unit) in units {
        let mut record = store();
        record["skus"] =
            json!([{"skuCode": "VISIT", "skuName": "x", "priceFen": 1, "unit": native}]);
        let canonical = app_in(RecordKind::Provider, &record);
        assert_eq!(canonical["offerings"][0]["unit"], unit);
        let back = out(Format::HousekeepingApp, RecordKind::Provider, canonical);
        assert_eq!(back["skus"][0]["unit"], native);
    }
    for level in ["A", "B", "C", "D"] {
        let canonical = app_in(RecordKind::Provider, &with(store(), "creditLevel", level));
        assert_eq!(
            canonical["credit"],
            json!({"level": level, "source": "housekeeping-app"})
        );
        assert_eq!(
            out(Format::HousekeepingApp, RecordKind::Provider, canonical)["creditLevel"],
            level
        );
    }
    for (open, status) in [(true, "ACTIVE"), (false, "SUSPENDED")] {
        let mut record = store();
        record["open"] = open.into();
        let canonical = app_in(RecordKind::Provider, &record);
        assert_eq!(canonical["status"], status);
        assert_eq!(
            out(Format::HousekeepingApp, RecordKind::Provider, canonical)["open"],
            open
        );
    }
}

#[test]
fn app_customer_tags_and_genders() {
    let tags = [
        ("LIVING_ALONE", Some("LIVES_ALONE")),
        ("EMPTY_NEST", Some("EMPTY_NEST")),
        ("ADVANCED_AGE", Some("ADVANCED_AGE")),
        ("DISABLED", Some("DISABLED")),
        ("SEVERE_DISABILITY", Some("DISABLED")),
        ("LEFT_BEHIND", None),
        ("SPECIAL_FAMILY", None),
        ("LOW_INCOME", None),
    ];
    for (situation, tag) in tags {
        let senior =
            json!({"id": "sen_01JC8W9Q4M5V3X2K7T6N1R0B9A", "livingSituation": [situation]});
        let customer = out(Format::HousekeepingApp, RecordKind::Customer, senior);
        assert_eq!(
            customer.get("tags"),
            tag.map(|t| json!([t])).as_ref(),
            "{situation}"
        );
    }
    for (gender, written) in [
        ("MALE", "MALE"),
        ("FEMALE", "FEMALE"),
        ("UNKNOWN", "UNKNOWN"),
        ("UNSPECIFIED", "UNKNOWN"),
    ] {
        let senior = json!({"id": "sen_01JC8W9Q4M5V3X2K7T6N1R0B9A", "gender": gender});
        assert_eq!(
            out(Format::HousekeepingApp, RecordKind::Customer, senior)["gender"],
            written
        );
    }
}
