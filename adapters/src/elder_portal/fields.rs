//! The portal's value conventions: every value a string, empty meaning "not given", dates
//! `yyyyMMdd`, date-times `yyyy-MM-dd HH:mm:ss` in Beijing time, yuan as decimals, lists
//! joined with `,`. Readers report malformed values at their key; writers are the inverse.

use jiayang_schemas::rule as schema_rule;
use serde_json::Value;

use crate::{
    batch::Findings,
    beijing_time, canonical,
    codes::CodeTable,
    money::{self, MoneyError},
    native::Obj,
    rule,
};

/// `yyyyMMdd` → `YYYY-MM-DD`.
pub(super) fn date(o: &mut Obj<'_>, f: &mut Findings, key: &str) -> Option<String> {
    let text = o.text(f, key)?;
    let parsed = beijing_time::parse_compact_date(text).map(beijing_time::canonical_date);
    if parsed.is_none() {
        f.violation(
            o.path(key),
            schema_rule::DATE_FORMAT,
            format!("日期“{text}”无效，应为存在的日期，格式 yyyyMMdd"),
            format!("“{text}” is not a date that exists in the form yyyyMMdd"),
        );
    }
    parsed
}

/// `yyyy-MM-dd HH:mm:ss` Beijing time → RFC 3339 UTC.
pub(super) fn datetime(o: &mut Obj<'_>, f: &mut Findings, key: &str) -> Option<String> {
    let text = o.text(f, key)?;
    let parsed = beijing_time::parse_beijing_datetime(text).map(beijing_time::rfc3339_utc);
    if parsed.is_none() {
        f.violation(
            o.path(key),
            schema_rule::TIMESTAMP_FORMAT,
            format!("时间“{text}”无效，应为北京时间 yyyy-MM-dd HH:mm:ss"),
            format!("“{text}” is not a Beijing time in the form yyyy-MM-dd HH:mm:ss"),
        );
    }
    parsed
}

/// Yuan → fen, exactly.
pub(super) fn yuan(o: &mut Obj<'_>, f: &mut Findings, key: &str) -> Option<i64> {
    let text = o.text(f, key)?;
    match money::yuan_to_fen(text) {
        Ok(fen) => Some(fen),
        Err(MoneyError::Format) => {
            f.violation(
                o.path(key),
                rule::MONEY_FORMAT,
                format!("金额“{text}”格式错误：应为以元为单位、最多两位小数的数字，如 120.00"),
                format!("“{text}” is not an amount in yuan with at most two decimals, e.g. 120.00"),
            );
            None
        }
        Err(MoneyError::TooLarge) => {
            f.violation(
                o.path(key),
                rule::MONEY_FORMAT,
                format!("金额“{text}”超出范围"),
                format!("the amount “{text}” is out of range"),
            );
            None
        }
    }
}

/// A whole number written as digits, within `range`.
pub(super) fn integer(
    o: &mut Obj<'_>,
    f: &mut Findings,
    key: &str,
    range: std::ops::RangeInclusive<i64>,
) -> Option<i64> {
    let text = o.text(f, key)?;
    let parsed = (text.len() <= 9 && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse::<i64>().ok())
        .flatten()
        .filter(|n| range.contains(n));
    if parsed.is_none() {
        let (low, high) = (range.start(), range.end());
        f.violation(
            o.path(key),
            rule::NUMBER_FORMAT,
            format!("“{text}”应为 {low} 到 {high} 之间的整数"),
            format!("“{text}” is not a whole number from {low} to {high}"),
        );
    }
    parsed
}

/// One code of a table.
pub(super) fn code(
    o: &mut Obj<'_>,
    f: &mut Findings,
    key: &str,
    table: &CodeTable,
) -> Option<&'static str> {
    let text = o.text(f, key)?;
    table.read(f, || o.path(key), text)
}

/// A `,`-joined list of codes; each unknown code is a violation at the key.
pub(super) fn codes(
    o: &mut Obj<'_>,
    f: &mut Findings,
    key: &str,
    table: &CodeTable,
) -> Vec<&'static str> {
    let Some(text) = o.text(f, key) else {
        return Vec::new();
    };
    let at = o.path(key);
    text.split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .filter_map(|c| table.read(f, || at.clone(), c))
        .collect()
}

/// A decimal degree: optional minus, digits, optional fraction.
pub(crate) fn decimal(text: &str) -> Option<f64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (all_digits(whole) && all_digits(fraction))
        .then(|| text.parse().ok())
        .flatten()
}

/// A GCJ-02 `geo` from a longitude key and a latitude key: both or neither.
pub(super) fn geo(
    o: &mut Obj<'_>,
    f: &mut Findings,
    lng_key: &str,
    lat_key: &str,
) -> Option<Value> {
    let lng = o.text(f, lng_key);
    let lat = o.text(f, lat_key);
    let read = |f: &mut Findings, key: &str, text: &str| {
        let parsed = decimal(text);
        if parsed.is_none() {
            f.violation(
                o.path(key),
                rule::COORDINATE_FORMAT,
                format!("坐标“{text}”应为十进制度数"),
                format!("the coordinate “{text}” is not in decimal degrees"),
            );
        }
        parsed
    };
    match (lng, lat) {
        (None, None) => None,
        (Some(lng), Some(lat)) => {
            let (lng, lat) = (read(f, lng_key, lng), read(f, lat_key, lat));
            Some(canonical::geo(lng?, lat?))
        }
        (Some(_), None) | (None, Some(_)) => {
            let missing = if lng.is_none() { lng_key } else { lat_key };
            f.violation(
                o.path(missing),
                rule::COORDINATE_FORMAT,
                "经度和纬度必须同时提供",
                "longitude and latitude come together",
            );
            None
        }
    }
}

/// RFC 3339 (any offset) → Beijing `yyyy-MM-dd HH:mm:ss`; a dropped fraction of a second
/// is reported as not carried.
pub(super) fn write_datetime(f: &mut Findings, at: &str, text: Option<&str>) -> Option<String> {
    let instant = beijing_time::parse_rfc3339(text?)?;
    let (written, lost) = beijing_time::beijing_datetime(instant);
    if lost {
        f.not_carried_because(
            at,
            "门户时间精确到秒，秒以下部分未转换",
            "the portal writes whole seconds; the fraction was left out",
        );
    }
    Some(written)
}

/// `YYYY-MM-DD` → `yyyyMMdd`.
pub(super) fn write_date(text: Option<&str>) -> Option<String> {
    beijing_time::parse_canonical_date(text?).map(beijing_time::compact_date)
}

/// A list of canonical values → the `,`-joined codes; values without a code are reported.
pub(super) fn write_codes<'a>(
    f: &mut Findings,
    base: &str,
    values: impl Iterator<Item = (usize, &'a str)>,
    table: &CodeTable,
) -> Option<String> {
    let mut codes = Vec::new();
    for (i, value) in values {
        match table.native(value) {
            Some(code) => codes.push(code),
            None => f.not_carried(format!("{base}/{i}")),
        }
    }
    (!codes.is_empty()).then(|| codes.join(","))
}
