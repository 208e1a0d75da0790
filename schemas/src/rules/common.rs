//! Checks shared by several resources.

use std::collections::HashSet;

use serde_json::{Map, Value};
use time::{
    Date, Duration, OffsetDateTime, format_description::well_known::Rfc3339,
    macros::format_description,
};

use super::{
    Checker,
    national::{self, IdCardProblem, UsccProblem},
};
use crate::{reference, rule};

pub(super) type Object = Map<String, Value>;

/// Clock skew tolerated before an instant counts as "in the future".
const CLOCK_SKEW: Duration = Duration::minutes(10);

/// Beijing's bounding box, in degrees (DESIGN §4.1).
const LAT_RANGE: (f64, f64) = (39.4, 41.1);
const LNG_RANGE: (f64, f64) = (115.4, 117.6);

pub(super) fn str_field<'v>(object: &'v Object, key: &str) -> Option<&'v str> {
    object.get(key).and_then(Value::as_str)
}

pub(super) fn object_field<'v>(object: &'v Object, key: &str) -> Option<&'v Object> {
    object.get(key).and_then(Value::as_object)
}

/// The items of an array field with their indexes, or nothing when it is not an array.
pub(super) fn array_field<'v>(
    object: &'v Object,
    key: &str,
) -> impl Iterator<Item = (usize, &'v Value)> {
    object
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
}

/// A `YYYY-MM-DD` date that exists, or a violation at `path`.
pub(super) fn date(c: &mut Checker<'_>, path: &str, text: &str) -> Option<Date> {
    let parsed = Date::parse(text, format_description!("[year]-[month]-[day]"))
        .ok()
        .filter(|_| text.len() == 10);
    if parsed.is_none() {
        c.report(
            path,
            rule::DATE_FORMAT,
            format!("日期“{text}”无效，应为存在的日期，格式 YYYY-MM-DD"),
            format!("“{text}” is not a date that exists in the form YYYY-MM-DD"),
        );
    }
    parsed
}

/// A date field that must exist and must not lie after today (Beijing time).
pub(super) fn past_date(
    c: &mut Checker<'_>,
    object: &Object,
    key: &str,
    path: &str,
) -> Option<Date> {
    let parsed = date(c, path, str_field(object, key)?)?;
    if parsed > c.today {
        c.report(
            path,
            rule::DATE_IN_FUTURE,
            "日期不能晚于今天",
            "must not be later than today",
        );
    }
    Some(parsed)
}

/// An RFC 3339 instant, or a violation at `path`.
pub(super) fn timestamp(c: &mut Checker<'_>, path: &str, text: &str) -> Option<OffsetDateTime> {
    let parsed = OffsetDateTime::parse(text, &Rfc3339).ok();
    if parsed.is_none() {
        c.report(
            path,
            rule::TIMESTAMP_FORMAT,
            format!("时间“{text}”无效，应为带时区的 RFC 3339 时间，如 2026-11-03T01:02:10Z"),
            format!(
                "“{text}” is not an RFC 3339 date-time with an offset, e.g. 2026-11-03T01:02:10Z"
            ),
        );
    }
    parsed
}

/// An instant field that must parse and must not lie in the future.
pub(super) fn past_timestamp(
    c: &mut Checker<'_>,
    object: &Object,
    key: &str,
    path: &str,
) -> Option<OffsetDateTime> {
    let parsed = timestamp(c, path, str_field(object, key)?)?;
    if parsed > c.now + CLOCK_SKEW {
        c.report(
            path,
            rule::TIME_IN_FUTURE,
            "时间不能晚于当前时间",
            "must not be later than now",
        );
    }
    Some(parsed)
}

/// `geo` inside Beijing's bounding box.
pub(super) fn geo(c: &mut Checker<'_>, object: &Object, path: &str) {
    let Some(geo) = object_field(object, "geo") else {
        return;
    };
    let (Some(lat), Some(lng)) = (
        geo.get("lat").and_then(Value::as_f64),
        geo.get("lng").and_then(Value::as_f64),
    ) else {
        return;
    };
    let inside =
        (LAT_RANGE.0..=LAT_RANGE.1).contains(&lat) && (LNG_RANGE.0..=LNG_RANGE.1).contains(&lng);
    if !inside {
        c.report(
            format!("{path}/geo"),
            rule::GEO_OUTSIDE_BEIJING,
            "坐标不在北京范围内（纬度 39.4–41.1，经度 115.4–117.6，GCJ-02）",
            "coordinates lie outside Beijing (lat 39.4–41.1, lng 115.4–117.6, GCJ-02)",
        );
    }
}

/// A division code that exists in Beijing's table.
pub(super) fn division_code(c: &mut Checker<'_>, path: &str, code: &str) {
    if !reference::is_division_code(code) {
        c.report(
            path,
            rule::DIVISION_CODE_FORMAT,
            "区划代码应为 12 位数字",
            "a division code has 12 digits",
        );
    } else if !reference::divisions().is_known(code) {
        c.report(
            path,
            rule::DIVISION_CODE_UNKNOWN,
            format!("区划代码 {code} 不是北京市的区、街道（乡镇）或其下社区"),
            format!("division code {code} is no district, street or community of Beijing"),
        );
    }
}

pub(super) fn phone(c: &mut Checker<'_>, object: &Object, key: &str, path: &str) {
    let Some(text) = str_field(object, key) else {
        return;
    };
    if !national::is_phone(text) {
        c.report(
            path,
            rule::PHONE_FORMAT,
            "电话号码应为 11 位手机号（1[3-9] 开头）或北京固话 010-xxxxxxxx",
            "a phone number is an 11-digit mobile (1[3-9]…) or a Beijing landline 010-xxxxxxxx",
        );
    }
}

pub(super) fn service_item(c: &mut Checker<'_>, path: &str, code: &str) {
    if reference::ServiceItem::get(code).is_none() {
        c.report(
            path,
            rule::SERVICE_ITEM_UNKNOWN,
            format!("服务项目代码 {code} 不在服务目录中"),
            format!("service item {code} is not in the catalog"),
        );
    }
}

/// A resident ID number: form, check digit, and a birth date that exists. Returns what
/// it encodes for the caller's cross-checks.
pub(super) fn id_card(c: &mut Checker<'_>, path: &str, number: &str) -> Option<(Date, bool)> {
    match national::parse_id_card(number) {
        Ok(parsed) => Some(parsed),
        Err(IdCardProblem::Format) => {
            c.report(
                path,
                rule::ID_CARD_FORMAT,
                "居民身份证号码应为 18 位：17 位数字加 1 位数字或大写 X",
                "a resident ID number has 18 characters: 17 digits and a digit or upper-case X",
            );
            None
        }
        Err(IdCardProblem::CheckDigit { .. }) => {
            c.report(
                path,
                rule::ID_CARD_CHECK_DIGIT,
                "居民身份证号码校验码错误（GB 11643）",
                "the resident ID number's check digit is wrong (GB 11643)",
            );
            None
        }
        Err(IdCardProblem::BirthDate) => {
            c.report(
                path,
                rule::ID_CARD_BIRTH_DATE,
                "居民身份证号码中的出生日期不存在",
                "the birth date inside the resident ID number does not exist",
            );
            None
        }
    }
}

pub(super) fn uscc(c: &mut Checker<'_>, path: &str, code: &str) {
    match national::check_uscc(code) {
        Ok(()) => {}
        Err(UsccProblem::Format) => c.report(
            path,
            rule::USCC_FORMAT,
            "统一社会信用代码应为 18 位，由数字和大写字母（不含 I、O、S、V、Z）组成",
            "a unified social credit code has 18 digits and upper-case letters (no I, O, S, V, Z)",
        ),
        Err(UsccProblem::CheckCharacter { .. }) => c.report(
            path,
            rule::USCC_CHECK_CHARACTER,
            "统一社会信用代码校验码错误（GB 32100）",
            "the unified social credit code's check character is wrong (GB 32100)",
        ),
    }
}

/// A reference object carrying exactly one of `keys`: which one, and its value.
pub(super) fn exactly_one<'v>(
    c: &mut Checker<'_>,
    object: &'v Object,
    key: &str,
    keys: [&'static str; 3],
) -> Option<(&'static str, &'v Value)> {
    let reference = object_field(object, key)?;
    let mut present = keys
        .into_iter()
        .filter_map(|k| reference.get(k).map(|v| (k, v)));
    match (present.next(), present.next()) {
        (Some(only), None) => Some(only),
        _ => {
            let names = keys.join(", ");
            c.report(
                format!("/{key}"),
                rule::REFERENCE_EXACTLY_ONE,
                format!("引用必须恰好包含 {names} 之一"),
                format!("a reference carries exactly one of {names}"),
            );
            None
        }
    }
}

/// `senior` names a senior in exactly one way; an identity number must be a valid one.
pub(super) fn senior_ref(c: &mut Checker<'_>, object: &Object) {
    let keys = ["seniorId", "externalId", "identityNumber"];
    if let Some(("identityNumber", Value::String(number))) = exactly_one(c, object, "senior", keys)
    {
        id_card(c, "/senior/identityNumber", number);
    }
}

/// At most one external id per participant in one resource.
pub(super) fn external_ids(c: &mut Checker<'_>, object: &Object) {
    let mut seen = HashSet::new();
    for (i, entry) in array_field(object, "externalIds") {
        let Some(participant) = entry.get("participant").and_then(Value::as_str) else {
            continue;
        };
        if !seen.insert(participant) {
            c.report(
                format!("/externalIds/{i}/participant"),
                rule::EXTERNAL_ID_DUPLICATE,
                format!("接入方 {participant} 的外部编号重复出现"),
                format!("participant {participant} has more than one external id here"),
            );
        }
    }
}
