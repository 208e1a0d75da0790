//! 服务台账 (visit log) → ServiceRecord. Every row is a completed visit by the station
//! itself, in Beijing time on the service date.

use jiayang_schemas::reference::catalog;
use serde_json::Value;

use super::{
    Cells, date_cell, id_number,
    table::{Column, col},
};
use crate::{
    Context, Format, RecordKind, Unusable,
    batch::Findings,
    beijing_time,
    canonical::{Object, put, put_object},
    money::{self, MoneyError},
    rule,
    trace::{FieldMap, Trace},
};

pub(super) const COLUMNS: &[Column] = &[
    col("服务日期", true),
    col("开始时间", true),
    col("结束时间", true),
    col("老人姓名", false),
    col("身份证号", true),
    col("服务项目", true),
    col("服务人员", false),
    // Required for on-site items only: the validator says so per row.
    col("上门服务证号", false),
    col("服务时长(分钟)", false),
    col("金额(元)", false),
    col("补贴(元)", false),
    col("备注", false),
];

pub(super) const FIELDS: FieldMap = &[
    ("/senior", "身份证号"),
    ("/serviceItem", "服务项目"),
    ("/worker", "服务人员"),
    ("/worker/certificateNo", "上门服务证号"),
    ("/checkIn", "开始时间"),
    ("/checkOut", "结束时间"),
    ("/charge", "金额(元)"),
    ("/charge/subsidyFen", "补贴(元)"),
    ("/charge/selfPayFen", "补贴(元)"),
];

/// Tolerance between the stated duration and the times.
const DURATION_TOLERANCE_MINUTES: i64 = 5;

pub(super) fn check_context(ctx: &Context<'_>, kind: RecordKind) -> Result<(), Unusable> {
    let uscc = ctx.provider_uscc.ok_or(Unusable::OptionRequired {
        option: "--provider-uscc",
        format: Format::StationCsv,
        kind,
    })?;
    let valid = uscc.len() == 18
        && uscc.is_ascii()
        && jiayang_schemas::uscc_check_character(&uscc.as_bytes()[..17])
            .is_some_and(|c| c == uscc.as_bytes()[17]);
    if !valid {
        return Err(Unusable::OptionInvalid {
            option: "--provider-uscc",
            message: jiayang_schemas::Message::new(
                "不是有效的统一社会信用代码（GB 32100）",
                "not a valid unified social credit code (GB 32100)",
            ),
        });
    }
    Ok(())
}

/// The catalog item a Chinese service name names: the full name, or the short name
/// before `-` when only one item has it.
pub fn service_item(name: &str) -> Result<&'static str, Vec<&'static str>> {
    if let Some(item) = catalog().iter().find(|item| item.name_zh == name) {
        return Ok(item.code);
    }
    let short: Vec<&'static str> = catalog()
        .iter()
        .filter(|item| item.name_zh.split_once('-').is_some_and(|(s, _)| s == name))
        .map(|item| item.code)
        .collect();
    match short.as_slice() {
        [only] => Ok(only),
        _ => Err(short),
    }
}

pub(super) fn convert(
    cells: &Cells<'_>,
    ctx: &Context<'_>,
    f: &mut Findings,
    trace: &mut Trace,
) -> Object {
    let mut out = Object::new();
    let mut senior = Object::new();
    let number = id_number(cells, f, "身份证号");
    if let (Some(number), Some(written), Some(directory)) =
        (number.as_deref(), cells.get("老人姓名"), ctx.seniors)
        && directory
            .name_of(number)
            .is_some_and(|name| name != written)
    {
        f.violation(
            "老人姓名",
            rule::SENIOR_NAME_MISMATCH,
            "老人姓名与该身份证号登记的姓名不一致",
            "the senior's name differs from the name on record for this ID number",
        );
    }
    put(&mut senior, "identityNumber", number);
    out.insert("senior".into(), Value::Object(senior));
    let mut provider = Object::new();
    put(&mut provider, "uscc", ctx.provider_uscc);
    out.insert("provider".into(), Value::Object(provider));

    if let Some(name) = cells.get("服务项目") {
        match service_item(name) {
            Ok(code) => {
                out.insert("serviceItem".into(), code.into());
            }
            Err(candidates) if candidates.is_empty() => f.violation(
                "服务项目",
                rule::CODE_UNKNOWN,
                format!("服务项目“{name}”不在服务目录中"),
                format!("service “{name}” is not in the catalog"),
            ),
            Err(candidates) => {
                let names = candidates.join(", ");
                f.violation(
                    "服务项目",
                    rule::CODE_AMBIGUOUS,
                    format!("服务项目“{name}”可指多个项目（{names}），请写全称"),
                    format!("service “{name}” fits several items ({names}); write the full name"),
                );
            }
        }
    }
    let mut worker = Object::new();
    put(&mut worker, "name", cells.get("服务人员"));
    put(&mut worker, "certificateNo", cells.get("上门服务证号"));
    put_object(&mut out, "worker", worker);
    out.insert("status".into(), "COMPLETED".into());

    let date = date_cell(cells, f, "服务日期");
    if date.is_none() {
        // No day, no check-in: say it once, at the date.
        trace.redirect("/checkIn", "服务日期");
        trace.redirect("/checkOut", "服务日期");
    }
    let start = clock_cell(cells, f, "开始时间");
    let end = clock_cell(cells, f, "结束时间");
    for (name, clock) in [("checkIn", start), ("checkOut", end)] {
        if let (Some(date), Some(clock)) = (date, clock) {
            let mut presence = Object::new();
            let at = beijing_time::beijing_instant(date, clock);
            presence.insert("at".into(), beijing_time::rfc3339_utc(at).into());
            out.insert(name.into(), Value::Object(presence));
        }
    }
    if let Some(stated) = cells.get("服务时长(分钟)") {
        duration(f, stated, start.zip(end));
    }
    charge(cells, f, &mut out);
    out
}

fn clock_cell(cells: &Cells<'_>, f: &mut Findings, key: &'static str) -> Option<time::Time> {
    let text = cells.get(key)?;
    let parsed = super::cells::clock(text);
    if parsed.is_none() {
        f.violation(
            key,
            jiayang_schemas::rule::TIMESTAMP_FORMAT,
            format!("时间“{text}”无效：应为北京时间 9:05、09:05 或 9:05:00"),
            format!("“{text}” is not a Beijing time such as 9:05, 09:05 or 9:05:00"),
        );
    }
    parsed
}

fn duration(f: &mut Findings, stated: &str, times: Option<(time::Time, time::Time)>) {
    let minutes = (stated.len() <= 5 && stated.bytes().all(|b| b.is_ascii_digit()))
        .then(|| stated.parse::<i64>().ok())
        .flatten();
    let Some(minutes) = minutes else {
        f.violation(
            "服务时长(分钟)",
            rule::NUMBER_FORMAT,
            format!("服务时长“{stated}”应为整数分钟"),
            format!("the duration “{stated}” is not a whole number of minutes"),
        );
        return;
    };
    let Some((start, end)) = times else {
        return;
    };
    let actual = (end - start).whole_minutes();
    if (actual - minutes).abs() > DURATION_TOLERANCE_MINUTES {
        f.violation(
            "服务时长(分钟)",
            rule::DURATION_MISMATCH,
            format!("服务时长 {minutes} 分钟与开始、结束时间相差 {actual} 分钟不符（允许相差 5 分钟）"),
            format!("the duration of {minutes} minutes disagrees with start and end, {actual} minutes apart (5 minutes allowed)"),
        );
    }
}

fn yuan_cell(cells: &Cells<'_>, f: &mut Findings, key: &'static str) -> Option<i64> {
    let text = cells.get(key)?;
    match money::yuan_to_fen(text) {
        Ok(fen) => Some(fen),
        Err(problem) => {
            let (zh, en) = match problem {
                MoneyError::Format => (
                    "应为以元为单位、最多两位小数的数字",
                    "is not yuan with at most two decimals",
                ),
                MoneyError::TooLarge => ("超出范围", "is out of range"),
            };
            f.violation(
                key,
                rule::MONEY_FORMAT,
                format!("金额“{text}”{zh}"),
                format!("the amount “{text}” {en}"),
            );
            None
        }
    }
}

/// 金额 and 补贴 → charge; self-pay is what the subsidy leaves.
fn charge(cells: &Cells<'_>, f: &mut Findings, out: &mut Object) {
    let total = yuan_cell(cells, f, "金额(元)");
    let subsidy = yuan_cell(cells, f, "补贴(元)");
    let (total, subsidy) = match (total, subsidy) {
        (Some(total), subsidy) => (total, subsidy.unwrap_or(0)),
        (None, Some(_)) if cells.get("金额(元)").is_none() => {
            f.violation(
                "金额(元)",
                jiayang_schemas::rule::REQUIRED,
                "填写了补贴就必须填写金额",
                "a subsidy needs the amount it is part of",
            );
            return;
        }
        _ => return,
    };
    if subsidy > total {
        f.violation(
            "补贴(元)",
            jiayang_schemas::rule::CHARGE_SUM,
            format!(
                "补贴 {} 元超过金额 {} 元",
                money::fen_to_yuan(subsidy),
                money::fen_to_yuan(total)
            ),
            format!(
                "the subsidy of {} yuan exceeds the amount of {} yuan",
                money::fen_to_yuan(subsidy),
                money::fen_to_yuan(total)
            ),
        );
        return;
    }
    let mut charge = Object::new();
    charge.insert("totalFen".into(), total.into());
    charge.insert("subsidyFen".into(), subsidy.into());
    charge.insert("selfPayFen".into(), (total - subsidy).into());
    out.insert("charge".into(), Value::Object(charge));
}
