//! The station spreadsheets' value lists (station-csv.md).

use jiayang_adapters::{Format, RecordKind, import};
use serde_json::{Value, json};

use super::common;

/// Converts a one-row station ledger and returns the canonical record.
fn station_in(kind: RecordKind, header: &str, row: &str) -> Result<Value, Value> {
    let ctx = common::context(Format::StationCsv);
    let csv = format!("{header}\n{row}\n");
    let batch = import(Format::StationCsv, kind, csv.as_bytes(), &ctx).unwrap();
    match batch.records.first() {
        Some(record) => Ok(record.document.clone()),
        None => Err(common::report(&batch.report)["violations"].clone()),
    }
}

const LEDGER: &str = "姓名,性别,身份证号,所属街道,能力等级,特殊困难类型";

#[test]
fn station_ledger_tables() {
    // ID numbers of a woman and of a man, so that gender and ID agree.
    for (written, gender, id) in [
        ("女", "FEMALE", "110105194403080027"),
        ("男", "MALE", "110105195207140015"),
        ("", "UNKNOWN", "110105195207140015"),
    ] {
        let row = format!("王,{written},{id},团结湖,,");
        assert_eq!(
            station_in(RecordKind::Senior, LEDGER, &row).unwrap()["gender"],
            gender
        );
    }
    let levels = ["能力完好", "轻度失能", "中度失能", "重度失能", "完全失能"];
    for (level, name) in levels.iter().enumerate() {
        let row = format!("王,女,110105194403080027,团结湖,{name},");
        let canonical = station_in(RecordKind::Senior, LEDGER, &row).unwrap();
        assert_eq!(canonical["capabilityAssessment"]["level"], level);
        assert_eq!(
            canonical["capabilityAssessment"]["assessedOn"],
            "2026-11-01"
        );
    }
    let situations = [
        ("独居", "LIVING_ALONE"),
        ("空巢", "EMPTY_NEST"),
        ("留守", "LEFT_BEHIND"),
        ("失能", "DISABLED"),
        ("重度残疾", "SEVERE_DISABILITY"),
        ("计划生育特殊家庭", "SPECIAL_FAMILY"),
        ("高龄", "ADVANCED_AGE"),
        ("经济困难", "LOW_INCOME"),
    ];
    for (name, code) in situations {
        let row = format!("王,女,110105194403080027,团结湖,,{name}");
        let canonical = station_in(RecordKind::Senior, LEDGER, &row).unwrap();
        assert_eq!(canonical["livingSituation"], json!([code]));
    }
    for separator in ["、", ",", "，", ";"] {
        let row = format!("王,女,110105194403080027,团结湖,,\"独居{separator}高龄\"");
        let canonical = station_in(RecordKind::Senior, LEDGER, &row).unwrap();
        assert_eq!(
            canonical["livingSituation"],
            json!(["LIVING_ALONE", "ADVANCED_AGE"])
        );
    }
}

const VISITS: &str = "服务日期,开始时间,结束时间,身份证号,服务项目,上门服务证号";

#[test]
fn station_service_names() {
    let catalog = [
        ("助餐-送餐上门", "MEAL_DELIVERY"),
        ("助餐-堂食", "MEAL_DINE_IN"),
        ("助洁-日常保洁", "CLEANING_DAILY"),
        ("助洁-深度保洁", "CLEANING_DEEP"),
        ("助洁-衣物洗涤", "LAUNDRY"),
        ("助浴-上门助浴", "BATHING_HOME"),
        ("助医-陪同就医", "MEDICAL_ESCORT"),
        ("助医-用药提醒", "MEDICATION_REMINDER"),
        ("助行-陪同出行", "MOBILITY_ESCORT"),
        ("巡视探访", "VISIT_CHECK"),
        ("电话问候", "PHONE_CHECK"),
        ("陪伴聊天", "COMPANION"),
        ("生活照料", "PERSONAL_CARE"),
        ("康复护理", "REHAB_CARE"),
        ("喘息服务", "RESPITE_CARE"),
        ("烹饪", "COOKING"),
        ("适老化改造", "HOME_ADAPTATION"),
        // Short names before the `-` where only one item has them.
        ("助浴", "BATHING_HOME"),
        ("助行", "MOBILITY_ESCORT"),
    ];
    for (name, code) in catalog {
        // Long enough for every item's plausible duration, short of the longest minimum.
        let row = format!("2026-11-03,9:00,11:00,110105194403080027,{name},BJSM-2026-000731");
        let canonical = station_in(RecordKind::ServiceRecord, VISITS, &row).unwrap();
        assert_eq!(canonical["serviceItem"], code, "{name}");
    }
    for ambiguous in ["助餐", "助洁", "助医"] {
        let row = format!("2026-11-03,9:00,11:00,110105194403080027,{ambiguous},BJSM-2026-000731");
        let violations = station_in(RecordKind::ServiceRecord, VISITS, &row).unwrap_err();
        assert_eq!(violations[0]["rule"], "code-ambiguous", "{ambiguous}");
        assert_eq!(violations[0]["column"], "服务项目");
    }
}
