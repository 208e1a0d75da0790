//! The portal's tables (elder-portal.md).

use jiayang_adapters::{Format, RecordKind, import};
use serde_json::{Value, json};

use super::{common, out, with};

/// Converts one portal record and returns its canonical form; fails on any violation.
fn portal_in(kind: RecordKind, record: Value) -> Value {
    let sjlx = match kind {
        RecordKind::Senior => "LNRXX",
        RecordKind::ServiceRecord => "FWJL",
        RecordKind::Provider => "FWSXX",
        _ => "SQTY",
    };
    let envelope = json!({"BBH": "1.0", "SJLX": sjlx, "FSDW": "BJYLFW",
                          "FSSJ": "20261103110500", "JLS": [record]});
    let ctx = common::context(Format::ElderPortal);
    let batch = import(
        Format::ElderPortal,
        kind,
        &serde_json::to_vec(&envelope).unwrap(),
        &ctx,
    )
    .unwrap();
    assert!(
        batch.report.violations.is_empty(),
        "{record:#}\n{:#?}",
        batch.report.violations
    );
    batch.records[0].document.clone()
}

fn senior() -> Value {
    json!({"LNRBH": "LNR-1", "XM": "王秀英", "XBDM": "2", "CSRQ": "19440308", "ZJLX": "01",
           "ZJHM": "110105194403080027", "XZQHDM": "110105013000", "ZT": "1"})
}

/// A senior whose identity document does not encode a gender.
fn passport_senior() -> Value {
    json!({"LNRBH": "LNR-1", "XM": "Anna", "XBDM": "9", "CSRQ": "19440308", "ZJLX": "02",
           "ZJHM": "E12345678", "XZQHDM": "110105013000", "ZT": "1"})
}

#[test]
fn portal_gender_codes() {
    let table = [
        ("0", "UNKNOWN"),
        ("1", "MALE"),
        ("2", "FEMALE"),
        ("5", "MALE"),
        ("6", "FEMALE"),
        ("9", "UNSPECIFIED"),
    ];
    for (code, gender) in table {
        let canonical = portal_in(RecordKind::Senior, with(passport_senior(), "XBDM", code));
        assert_eq!(canonical["gender"], gender, "XBDM {code}");
        let back = out(Format::ElderPortal, RecordKind::Senior, canonical);
        // Outbound writes the four base codes only.
        let base = match gender {
            "UNKNOWN" => "0",
            "MALE" => "1",
            "FEMALE" => "2",
            _ => "9",
        };
        assert_eq!(back["XBDM"], base, "XBDM {code}");
    }
}

#[test]
fn portal_identity_document_types() {
    let table = [
        ("01", "RESIDENT_ID_CARD"),
        ("02", "PASSPORT"),
        ("03", "HK_MACAO_PERMIT"),
        ("04", "TAIWAN_PERMIT"),
        ("05", "FOREIGN_PERMANENT_RESIDENT"),
    ];
    for (code, kind) in table {
        let mut record = with(passport_senior(), "ZJLX", code);
        if code == "01" {
            record = senior();
        }
        let canonical = portal_in(RecordKind::Senior, record);
        assert_eq!(canonical["identityDocument"]["type"], kind);
        assert_eq!(
            out(Format::ElderPortal, RecordKind::Senior, canonical)["ZJLX"],
            code
        );
    }
}

/// The senior tables besides gender and document type.
#[test]
fn portal_senior_tables() {
    let living = [
        ("01", "LIVING_ALONE"),
        ("02", "EMPTY_NEST"),
        ("03", "LEFT_BEHIND"),
        ("04", "DISABLED"),
        ("05", "SEVERE_DISABILITY"),
        ("06", "SPECIAL_FAMILY"),
        ("07", "ADVANCED_AGE"),
        ("08", "LOW_INCOME"),
    ];
    for (code, value) in living {
        let canonical = portal_in(RecordKind::Senior, with(senior(), "TSLX", code));
        assert_eq!(canonical["livingSituation"], json!([value]));
        assert_eq!(
            out(Format::ElderPortal, RecordKind::Senior, canonical)["TSLX"],
            code
        );
    }
    let relations = [
        ("01", "SPOUSE"),
        ("02", "CHILD"),
        ("03", "RELATIVE"),
        ("04", "OTHER"),
    ];
    for (code, relation) in relations {
        let record = with(with(senior(), "JHRXM", "张伟"), "JHRGX", code);
        let canonical = portal_in(RecordKind::Senior, record);
        assert_eq!(canonical["guardians"][0]["relation"], relation);
        assert_eq!(
            out(Format::ElderPortal, RecordKind::Senior, canonical)["JHRGX"],
            code
        );
    }
    for (code, eligibility) in [
        ("1", json!(["BASIC_SERVICE_RECIPIENT"])),
        ("0", Value::Null),
    ] {
        let canonical = portal_in(RecordKind::Senior, with(senior(), "FWDX", code));
        assert_eq!(canonical["eligibility"], eligibility);
        assert_eq!(
            out(Format::ElderPortal, RecordKind::Senior, canonical)["FWDX"],
            code
        );
    }
    for (code, status) in [("1", "ACTIVE"), ("2", "INACTIVE"), ("3", "DECEASED")] {
        let canonical = portal_in(RecordKind::Senior, with(senior(), "ZT", code));
        assert_eq!(canonical["status"], status);
        assert_eq!(
            out(Format::ElderPortal, RecordKind::Senior, canonical)["ZT"],
            code
        );
    }
}

const PORTAL_SERVICES: [(&str, &str); 17] = [
    ("ZC01", "MEAL_DELIVERY"),
    ("ZC02", "MEAL_DINE_IN"),
    ("ZJ01", "CLEANING_DAILY"),
    ("ZJ02", "CLEANING_DEEP"),
    ("ZJ03", "LAUNDRY"),
    ("ZY01", "BATHING_HOME"),
    ("ZYI01", "MEDICAL_ESCORT"),
    ("ZYI02", "MEDICATION_REMINDER"),
    ("ZX01", "MOBILITY_ESCORT"),
    ("XS01", "VISIT_CHECK"),
    ("XS02", "PHONE_CHECK"),
    ("PB01", "COMPANION"),
    ("SH01", "PERSONAL_CARE"),
    ("KF01", "REHAB_CARE"),
    ("CX01", "RESPITE_CARE"),
    ("PR01", "COOKING"),
    ("SL01", "HOME_ADAPTATION"),
];

fn service_record() -> Value {
    json!({"FWJLBH": "FWJL-1", "LNRBH": "LNR-1", "TYSHXYDM": "91110105MA01ABCD13",
           "FWRYXM": "李春梅", "FWRYZH": "BJSM-2026-000731", "FWXMDM": "XS01", "FWZT": "3",
           "KSSJ": "2026-11-03 09:02:10", "JSSJ": "2026-11-03 09:32:10"})
}

#[test]
fn portal_service_codes_in_every_place_they_occur() {
    for (code, item) in PORTAL_SERVICES {
        let canonical = portal_in(RecordKind::Senior, with(senior(), "FWXQ", code));
        assert_eq!(canonical["careNeeds"], json!([item]));
        assert_eq!(
            out(Format::ElderPortal, RecordKind::Senior, canonical)["FWXQ"],
            code
        );

        let canonical = portal_in(
            RecordKind::ServiceRecord,
            with(service_record(), "FWXMDM", code),
        );
        assert_eq!(canonical["serviceItem"], item);
        assert_eq!(
            out(Format::ElderPortal, RecordKind::ServiceRecord, canonical)["FWXMDM"],
            code
        );

        let mut provider = provider();
        provider["FWXM"] = json!([{"XMDM": code, "XMMC": "x", "JG": "1", "JJDW": "01"}]);
        let canonical = portal_in(RecordKind::Provider, provider);
        assert_eq!(canonical["offerings"][0]["serviceItem"], item);
        let back = out(Format::ElderPortal, RecordKind::Provider, canonical);
        assert_eq!(back["FWXM"][0]["XMDM"], code);
    }
}

#[test]
fn portal_service_record_tables() {
    let statuses = [
        ("1", "SCHEDULED"),
        ("2", "IN_PROGRESS"),
        ("3", "COMPLETED"),
        ("4", "CANCELLED"),
        ("5", "NO_SHOW"),
    ];
    for (code, status) in statuses {
        let canonical = portal_in(
            RecordKind::ServiceRecord,
            with(service_record(), "FWZT", code),
        );
        assert_eq!(canonical["status"], status);
        assert_eq!(
            out(Format::ElderPortal, RecordKind::ServiceRecord, canonical)["FWZT"],
            code
        );
    }
    let findings = [
        ("01", "FALL_RISK"),
        ("02", "MEDICATION_ISSUE"),
        ("03", "COGNITIVE_DECLINE"),
        ("04", "NUTRITION_RISK"),
        ("05", "HOME_HAZARD"),
        ("06", "LONELINESS"),
        ("07", "HEALTH_CHANGE"),
        ("99", "OTHER"),
    ];
    for (code, finding) in findings {
        let canonical = portal_in(
            RecordKind::ServiceRecord,
            with(service_record(), "FXWT", code),
        );
        assert_eq!(
            canonical["observations"],
            json!([{"code": finding, "severity": "MEDIUM"}])
        );
        assert_eq!(
            out(Format::ElderPortal, RecordKind::ServiceRecord, canonical)["FXWT"],
            code
        );
    }
}

fn provider() -> Value {
    json!({"FWSBH": "FWS-1", "JGMC": "北京安心到家家政服务有限公司",
           "TYSHXYDM": "91110105MA01ABCD13", "JGLX": "01", "FWQY": "110105000000", "YYZT": "1"})
}

#[test]
fn portal_provider_tables() {
    let kinds = [
        ("01", "HOUSEKEEPING_COMPANY"),
        ("02", "ELDER_CARE_INSTITUTION"),
        ("03", "COMMUNITY_STATION"),
        ("04", "REGIONAL_CENTER"),
        ("05", "MEAL_POINT"),
        ("06", "DAY_CARE"),
    ];
    for (code, kind) in kinds {
        let canonical = portal_in(RecordKind::Provider, with(provider(), "JGLX", code));
        assert_eq!(canonical["kind"], kind);
        assert_eq!(
            out(Format::ElderPortal, RecordKind::Provider, canonical)["JGLX"],
            code
        );
    }
    let units = [
        ("01", "PER_VISIT"),
        ("02", "PER_HOUR"),
        ("03", "PER_MONTH"),
        ("04", "PER_MEAL"),
    ];
    for (code, unit) in units {
        let mut record = provider();
        record["FWXM"] = json!([{"XMDM": "ZJ01", "XMMC": "x", "JG": "1", "JJDW": code}]);
        let canonical = portal_in(RecordKind::Provider, record);
        assert_eq!(canonical["offerings"][0]["unit"], unit);
        let back = out(Format::ElderPortal, RecordKind::Provider, canonical);
        assert_eq!(back["FWXM"][0]["JJDW"], code);
    }
    for level in ["A", "B", "C", "D"] {
        let canonical = portal_in(RecordKind::Provider, with(provider(), "XYDJ", level));
        assert_eq!(
            canonical["credit"],
            json!({"level": level, "source": "北京养老服务网"})
        );
        assert_eq!(
            out(Format::ElderPortal, RecordKind::Provider, canonical)["XYDJ"],
            level
        );
    }
    for (code, member) in [("1", true), ("0", false)] {
        let canonical = portal_in(RecordKind::Provider, with(provider(), "RKZT", code));
        assert_eq!(canonical["inProviderLibrary"], member);
        assert_eq!(
            out(Format::ElderPortal, RecordKind::Provider, canonical)["RKZT"],
            code
        );
    }
    for (code, status) in [("1", "ACTIVE"), ("2", "SUSPENDED"), ("3", "CLOSED")] {
        let canonical = portal_in(RecordKind::Provider, with(provider(), "YYZT", code));
        assert_eq!(canonical["status"], status);
        assert_eq!(
            out(Format::ElderPortal, RecordKind::Provider, canonical)["YYZT"],
            code
        );
    }
}

fn consent() -> Value {
    json!({"SQBH": "SQ-1", "LNRBH": "LNR-1", "SQDX": "hk-daojia", "SQMD": "01",
           "SJLB": "01", "SQFS": "01", "SQSJ": "2026-11-01 10:00:00", "KSRQ": "20261101",
           "ZT": "1"})
}

#[test]
fn portal_consent_tables() {
    let purposes = [
        ("01", "SERVICE_DELIVERY"),
        ("02", "CARE_COORDINATION"),
        ("03", "SUBSIDY_ADMINISTRATION"),
        ("04", "EMERGENCY"),
    ];
    for (code, purpose) in purposes {
        let canonical = portal_in(RecordKind::Consent, with(consent(), "SQMD", code));
        assert_eq!(canonical["purposes"], json!([purpose]));
        assert_eq!(
            out(Format::ElderPortal, RecordKind::Consent, canonical)["SQMD"],
            code
        );
    }
    // The basis follows the categories: separate consent as soon as one is sensitive.
    let categories = [
        ("01", "BASIC", "CONSENT"),
        ("02", "CONTACT", "CONSENT"),
        ("03", "LOCATION", "SEPARATE_CONSENT"),
        ("04", "IDENTITY", "SEPARATE_CONSENT"),
        ("05", "HEALTH", "SEPARATE_CONSENT"),
        ("06", "FINANCIAL", "SEPARATE_CONSENT"),
    ];
    for (code, category, basis) in categories {
        let canonical = portal_in(RecordKind::Consent, with(consent(), "SJLB", code));
        assert_eq!(canonical["categories"], json!([category]));
        assert_eq!(canonical["basis"], basis);
        assert_eq!(
            out(Format::ElderPortal, RecordKind::Consent, canonical)["SJLB"],
            code
        );
    }
    let methods = [
        ("01", "SELF", "APP_CONFIRMATION"),
        ("02", "SELF", "PAPER_SIGNED"),
        ("03", "GUARDIAN", "PAPER_SIGNED"),
        ("04", "SELF", "PHONE_RECORDED"),
    ];
    for (code, granted_by, method) in methods {
        let mut record = with(consent(), "SQFS", code);
        if code == "03" {
            record = with(with(record, "DQRXM", "张伟"), "DQRGX", "02");
        }
        let canonical = portal_in(RecordKind::Consent, record);
        assert_eq!(canonical["grantedBy"]["kind"], granted_by);
        assert_eq!(canonical["evidence"]["method"], method);
        assert_eq!(
            out(Format::ElderPortal, RecordKind::Consent, canonical)["SQFS"],
            code
        );
    }
    for (code, status) in [("1", "ACTIVE"), ("0", "WITHDRAWN")] {
        let canonical = portal_in(RecordKind::Consent, with(consent(), "ZT", code));
        assert_eq!(canonical["status"], status);
        assert_eq!(
            out(Format::ElderPortal, RecordKind::Consent, canonical)["ZT"],
            code
        );
    }
}
