//! SeniorProfile rules (DESIGN §4.1).

use serde_json::Value;

use super::{
    Checker,
    common::{self, Object, array_field, object_field, str_field},
};
use crate::rule;

pub(super) fn check(c: &mut Checker<'_>, doc: &Object) {
    let birth = common::past_date(c, doc, "birthDate", "/birthDate");
    identity_document(c, doc, birth);
    common::phone(c, doc, "phone", "/phone");
    if let Some(address) = object_field(doc, "address") {
        if let Some(code) = str_field(address, "divisionCode") {
            common::division_code(c, "/address/divisionCode", code);
        }
        common::geo(c, address, "/address");
    }
    if let Some(assessment) = object_field(doc, "capabilityAssessment") {
        common::past_date(
            c,
            assessment,
            "assessedOn",
            "/capabilityAssessment/assessedOn",
        );
        capability_level(c, assessment);
    }
    for (i, need) in array_field(doc, "careNeeds") {
        if let Some(code) = need.as_str() {
            common::service_item(c, &format!("/careNeeds/{i}"), code);
        }
    }
    for (i, guardian) in array_field(doc, "guardians") {
        if let Some(guardian) = guardian.as_object() {
            common::phone(c, guardian, "phone", &format!("/guardians/{i}/phone"));
        }
    }
}

/// A resident ID card must be valid in itself and agree with `birthDate` and `gender`.
fn identity_document(c: &mut Checker<'_>, doc: &Object, birth: Option<time::Date>) {
    let Some(document) = object_field(doc, "identityDocument") else {
        return;
    };
    if str_field(document, "type") != Some("RESIDENT_ID_CARD") {
        return;
    }
    let Some(number) = str_field(document, "number") else {
        return;
    };
    let Some((encoded_birth, male)) = common::id_card(c, "/identityDocument/number", number) else {
        return;
    };
    if birth.is_some_and(|birth| birth != encoded_birth) {
        c.report(
            "/birthDate",
            rule::ID_CARD_BIRTH_DATE,
            format!("出生日期与身份证号码中的出生日期（{encoded_birth}）不一致"),
            format!("birthDate differs from the birth date in the ID number ({encoded_birth})"),
        );
    }
    let expected = if male { "MALE" } else { "FEMALE" };
    match str_field(doc, "gender") {
        Some(gender @ ("MALE" | "FEMALE")) if gender != expected => c.report(
            "/gender",
            rule::ID_CARD_GENDER,
            format!("性别与身份证号码第 17 位不符（奇数为男，偶数为女），应为 {expected}"),
            format!("gender disagrees with the ID number's 17th digit (odd male, even female): expected {expected}"),
        ),
        _ => {}
    }
}

/// GB/T 42195-2022: the level must match the score total's band, or be one level worse.
fn capability_level(c: &mut Checker<'_>, assessment: &Object) {
    let Some(level) = assessment.get("level").and_then(Value::as_i64) else {
        return;
    };
    let Some(scores) = object_field(assessment, "scores") else {
        return;
    };
    let dimensions = [
        "selfCare",
        "basicMobility",
        "mentalState",
        "perceptionSocial",
    ];
    let values: Option<Vec<i64>> = dimensions
        .iter()
        .map(|k| scores.get(*k).and_then(Value::as_i64))
        .collect();
    let Some(values) = values else { return };
    let total: i64 = values.iter().sum();
    let band = match total {
        90.. => 0,
        66..=89 => 1,
        46..=65 => 2,
        30..=45 => 3,
        _ => 4,
    };
    if level != band && level != (band + 1).min(4) {
        c.report(
            "/capabilityAssessment/level",
            rule::CAPABILITY_LEVEL_MISMATCH,
            format!("能力等级 {level} 与总分 {total} 不符：应为 {band}（或因认知障碍等上调一级）"),
            format!(
                "level {level} disagrees with the total score {total}: expected {band} (or one level worse for dementia and similar)"
            ),
        );
    }
}
