//! 老年人台账 (ledger of seniors) → SeniorProfile.

use serde_json::Value;

use super::{
    Cells, date_cell, id_number,
    table::{Column, col},
};
use crate::{
    Context, Format, RecordKind, Unusable,
    batch::Findings,
    beijing_time,
    canonical::{Object, put, put_list},
    divisions::{self, NameError},
    rule,
    trace::{FieldMap, Trace},
};

pub(super) const COLUMNS: &[Column] = &[
    col("序号", false),
    col("姓名", true),
    col("性别", true),
    col("身份证号", true),
    col("出生日期", false),
    col("联系电话", false),
    col("所属街道", true),
    col("详细地址", false),
    col("能力等级", false),
    col("特殊困难类型", false),
    col("紧急联系人", false),
    col("联系人电话", false),
    col("备注", false),
];

pub(super) const FIELDS: FieldMap = &[
    ("/name", "姓名"),
    ("/gender", "性别"),
    ("/identityDocument", "身份证号"),
    ("/birthDate", "出生日期"),
    ("/phone", "联系电话"),
    ("/address", "所属街道"),
    ("/address/detail", "详细地址"),
    ("/capabilityAssessment", "能力等级"),
    ("/livingSituation", "特殊困难类型"),
    ("/guardians", "紧急联系人"),
    ("/guardians/*/phone", "联系人电话"),
];

const LEVELS: [&str; 5] = ["能力完好", "轻度失能", "中度失能", "重度失能", "完全失能"];

const SITUATIONS: [(&str, &str); 8] = [
    ("独居", "LIVING_ALONE"),
    ("空巢", "EMPTY_NEST"),
    ("留守", "LEFT_BEHIND"),
    ("失能", "DISABLED"),
    ("重度残疾", "SEVERE_DISABILITY"),
    ("计划生育特殊家庭", "SPECIAL_FAMILY"),
    ("高龄", "ADVANCED_AGE"),
    ("经济困难", "LOW_INCOME"),
];

pub(super) fn check_context(ctx: &Context<'_>, kind: RecordKind) -> Result<(), Unusable> {
    let district = ctx.district.ok_or(Unusable::OptionRequired {
        option: "--district",
        format: Format::StationCsv,
        kind,
    })?;
    if !divisions::is_district(district) {
        return Err(Unusable::OptionInvalid {
            option: "--district",
            message: jiayang_schemas::Message::new(
                format!("{district} 不是北京市某区的 12 位区划代码"),
                format!("{district} is not the 12-digit code of a Beijing district"),
            ),
        });
    }
    Ok(())
}

pub(super) fn convert(
    cells: &Cells<'_>,
    ctx: &Context<'_>,
    f: &mut Findings,
    trace: &mut Trace,
) -> Object {
    let mut out = Object::new();
    put(&mut out, "name", cells.get("姓名"));
    let gender = match cells.get("性别") {
        None => Some("UNKNOWN"),
        Some("男") => Some("MALE"),
        Some("女") => Some("FEMALE"),
        Some(other) => {
            f.violation(
                "性别",
                rule::CODE_UNKNOWN,
                format!("性别“{other}”无效：应为 男、女 或留空"),
                format!("gender “{other}” is not 男, 女 or empty"),
            );
            None
        }
    };
    put(&mut out, "gender", gender);

    let number = id_number(cells, f, "身份证号");
    let birth = match cells.get("出生日期") {
        Some(_) => date_cell(cells, f, "出生日期"),
        None => {
            trace.redirect("/birthDate", "身份证号");
            number
                .as_deref()
                .and_then(|n| n.get(6..14))
                .and_then(beijing_time::parse_compact_date)
        }
    };
    put(
        &mut out,
        "birthDate",
        birth.map(beijing_time::canonical_date),
    );
    if let Some(number) = number {
        let mut document = Object::new();
        document.insert("type".into(), "RESIDENT_ID_CARD".into());
        document.insert("number".into(), number.into());
        out.insert("identityDocument".into(), Value::Object(document));
    }
    put(&mut out, "phone", cells.get("联系电话"));

    let mut address = Object::new();
    let district = ctx.district.unwrap_or_default();
    if let Some(street) = cells.get("所属街道") {
        put(
            &mut address,
            "divisionCode",
            street_code(f, district, street),
        );
    }
    put(&mut address, "detail", cells.get("详细地址"));
    out.insert("address".into(), Value::Object(address));

    if let Some(level) = cells.get("能力等级") {
        match LEVELS.iter().position(|name| *name == level) {
            Some(level) => {
                let mut assessment = Object::new();
                assessment.insert("level".into(), level.into());
                let on = ctx
                    .file_date
                    .unwrap_or_else(|| beijing_time::beijing_date(ctx.now));
                assessment.insert("assessedOn".into(), beijing_time::canonical_date(on).into());
                put(&mut assessment, "assessor", ctx.participant);
                out.insert("capabilityAssessment".into(), Value::Object(assessment));
            }
            None => f.violation(
                "能力等级",
                rule::CODE_UNKNOWN,
                format!("能力等级“{level}”无效：应为 {}", LEVELS.join("、")),
                format!(
                    "capability level “{level}” is none of {}",
                    LEVELS.join(", ")
                ),
            ),
        }
    }

    let mut situations: Vec<Value> = Vec::new();
    for name in cells
        .get("特殊困难类型")
        .unwrap_or_default()
        .split(['、', ',', '，', ';', '；'])
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        match SITUATIONS.iter().find(|(zh, _)| *zh == name) {
            Some((_, code)) if !situations.iter().any(|s| s == code) => {
                situations.push((*code).into())
            }
            Some(_) => {}
            None => f.violation(
                "特殊困难类型",
                rule::CODE_UNKNOWN,
                format!("特殊困难类型“{name}”不在代码表中"),
                format!("“{name}” is not a known living situation"),
            ),
        }
    }
    put_list(&mut out, "livingSituation", situations);

    let guardian_name = cells.get("紧急联系人");
    let guardian_phone = cells.get("联系人电话");
    if guardian_name.is_some() || guardian_phone.is_some() {
        let mut guardian = Object::new();
        put(&mut guardian, "name", guardian_name);
        guardian.insert("relation".into(), "OTHER".into());
        put(&mut guardian, "phone", guardian_phone);
        out.insert(
            "guardians".into(),
            Value::Array(vec![Value::Object(guardian)]),
        );
    }
    // A ledger lists the seniors a station serves now.
    out.insert("status".into(), "ACTIVE".into());
    out
}

fn street_code(f: &mut Findings, district: &str, name: &str) -> Option<&'static str> {
    match divisions::street_code(district, name) {
        Ok(code) => Some(code),
        Err(NameError::Unknown) => {
            f.violation(
                "所属街道",
                rule::DIVISION_NAME_UNKNOWN,
                format!("“{name}”不是本区（{district}）的街道或乡镇"),
                format!("“{name}” is no street or township of district {district}"),
            );
            None
        }
        Err(NameError::Ambiguous(codes)) => {
            let codes = codes.join(", ");
            f.violation(
                "所属街道",
                rule::DIVISION_NAME_AMBIGUOUS,
                format!("“{name}”可指本区多个街道或乡镇（{codes}）"),
                format!("“{name}” fits several streets of the district ({codes})"),
            );
            None
        }
    }
}
