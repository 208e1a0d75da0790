//! Time as the formats write it: Beijing local time without an offset (UTC+8, no daylight
//! saving), compact dates, epoch milliseconds; and as the canonical model writes it: RFC 3339
//! in UTC with `Z`, dates `YYYY-MM-DD`. Parsers check digits by hand so that nothing but
//! the exact form passes and every day must exist.

use time::{
    Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset,
    format_description::well_known::Rfc3339,
};

/// Beijing time: UTC+8 all year.
pub const BEIJING: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => panic!("UTC+8 is a valid offset"),
};

fn number(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A calendar date from its parts, if that day exists.
pub fn ymd(year: u32, month: u32, day: u32) -> Option<Date> {
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?).ok()
}

/// `yyyyMMdd` → the day, if it exists.
pub fn parse_compact_date(text: &str) -> Option<Date> {
    if text.len() != 8 || !text.is_ascii() {
        return None;
    }
    ymd(
        number(&text[..4])?,
        number(&text[4..6])?,
        number(&text[6..])?,
    )
}

/// The day as `yyyyMMdd`.
pub fn compact_date(date: Date) -> String {
    format!(
        "{:04}{:02}{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// `YYYY-MM-DD` → the day, if it exists.
pub fn parse_canonical_date(text: &str) -> Option<Date> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    ymd(
        number(&text[..4])?,
        number(&text[5..7])?,
        number(&text[8..])?,
    )
}

/// The day as `YYYY-MM-DD`.
pub fn canonical_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// `HH:mm:ss` or `H:mm`, `HH:mm`, `H:mm:ss` when `loose` (spreadsheets drop the zero).
pub fn parse_clock(text: &str, loose: bool) -> Option<Time> {
    let mut parts = text.split(':');
    let (hour, minute) = (parts.next()?, parts.next()?);
    let second = parts.next();
    if parts.next().is_some() {
        return None;
    }
    let hour_ok = hour.len() == 2 || (loose && hour.len() == 1);
    let second_ok = second.is_some_and(|s| s.len() == 2) || (loose && second.is_none());
    if !hour_ok || minute.len() != 2 || !second_ok {
        return None;
    }
    let second = second.map_or(Some(0), number)?;
    Time::from_hms(
        u8::try_from(number(hour)?).ok()?,
        u8::try_from(number(minute)?).ok()?,
        u8::try_from(second).ok()?,
    )
    .ok()
}

/// A Beijing wall-clock moment as an instant.
pub fn beijing_instant(date: Date, time: Time) -> OffsetDateTime {
    PrimitiveDateTime::new(date, time)
        .assume_offset(BEIJING)
        .to_offset(UtcOffset::UTC)
}

/// `yyyy-MM-dd HH:mm:ss` in Beijing time → the instant.
pub fn parse_beijing_datetime(text: &str) -> Option<OffsetDateTime> {
    let (date, clock) = text.split_once(' ')?;
    Some(beijing_instant(
        parse_canonical_date(date)?,
        parse_clock(clock, false)?,
    ))
}

/// `yyyyMMddHHmmss` in Beijing time → the instant.
pub fn parse_compact_beijing_datetime(text: &str) -> Option<OffsetDateTime> {
    if text.len() != 14 || !text.is_ascii() {
        return None;
    }
    let date = parse_compact_date(&text[..8])?;
    let field = |range: std::ops::Range<usize>| u8::try_from(number(&text[range])?).ok();
    let time = Time::from_hms(field(8..10)?, field(10..12)?, field(12..14)?).ok()?;
    Some(beijing_instant(date, time))
}

/// The instant in Beijing time as `yyyy-MM-dd HH:mm:ss`, and whether a fraction of a
/// second had to be dropped to write it.
pub fn beijing_datetime(at: OffsetDateTime) -> (String, bool) {
    let local = at.to_offset(BEIJING);
    let text = format!(
        "{} {:02}:{:02}:{:02}",
        canonical_date(local.date()),
        local.hour(),
        local.minute(),
        local.second()
    );
    (text, local.nanosecond() != 0)
}

/// The instant in Beijing time as `yyyyMMddHHmmss`.
pub fn compact_beijing_datetime(at: OffsetDateTime) -> String {
    let local = at.to_offset(BEIJING);
    format!(
        "{}{:02}{:02}{:02}",
        compact_date(local.date()),
        local.hour(),
        local.minute(),
        local.second()
    )
}

/// The day it is in Beijing at this instant.
pub fn beijing_date(at: OffsetDateTime) -> Date {
    at.to_offset(BEIJING).date()
}

/// An RFC 3339 instant with any offset, as the canonical model accepts on input.
pub fn parse_rfc3339(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339).ok()
}

/// The instant as the canonical model writes it: UTC with `Z`, milliseconds (or finer)
/// only when there are any.
pub fn rfc3339_utc(at: OffsetDateTime) -> String {
    let utc = at.to_offset(UtcOffset::UTC);
    // Digit by digit: through `format!` the six instants of an order took about 8 % of
    // converting it. Years before 0 keep `format!`'s way of padding a sign.
    let Some(year) = u32::try_from(utc.year()).ok().filter(|y| *y <= 9999) else {
        return rfc3339_utc_formatted(utc);
    };
    let mut text = String::with_capacity(30);
    push_digits(&mut text, year, 4);
    text.push('-');
    push_digits(&mut text, u32::from(u8::from(utc.month())), 2);
    text.push('-');
    push_digits(&mut text, u32::from(utc.day()), 2);
    text.push('T');
    push_digits(&mut text, u32::from(utc.hour()), 2);
    text.push(':');
    push_digits(&mut text, u32::from(utc.minute()), 2);
    text.push(':');
    push_digits(&mut text, u32::from(utc.second()), 2);
    let nanos = utc.nanosecond();
    if nanos != 0 {
        text.push('.');
        if nanos.is_multiple_of(1_000_000) {
            push_digits(&mut text, nanos / 1_000_000, 3);
        } else if nanos.is_multiple_of(1_000) {
            push_digits(&mut text, nanos / 1_000, 6);
        } else {
            push_digits(&mut text, nanos, 9);
        }
    }
    text.push('Z');
    text
}

/// The last `width` decimal digits of `value`, zero-padded.
fn push_digits(text: &mut String, value: u32, width: u32) {
    for place in (0..width).rev() {
        let digit = value / 10u32.pow(place) % 10;
        text.push(char::from(b'0' + digit as u8));
    }
}

fn rfc3339_utc_formatted(utc: OffsetDateTime) -> String {
    let mut text = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    );
    let nanos = utc.nanosecond();
    if nanos != 0 {
        if nanos.is_multiple_of(1_000_000) {
            text.push_str(&format!(".{:03}", nanos / 1_000_000));
        } else if nanos.is_multiple_of(1_000) {
            text.push_str(&format!(".{:06}", nanos / 1_000));
        } else {
            text.push_str(&format!(".{nanos:09}"));
        }
    }
    text.push('Z');
    text
}

/// Epoch milliseconds → the instant, within the years the `time` crate can hold.
pub fn from_epoch_ms(ms: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
}

/// The instant as epoch milliseconds, and whether a part finer than a millisecond was lost.
pub fn epoch_ms(at: OffsetDateTime) -> (i64, bool) {
    let nanos = at.unix_timestamp_nanos();
    let ms = nanos.div_euclid(1_000_000);
    (
        i64::try_from(ms).unwrap_or(i64::MAX),
        nanos.rem_euclid(1_000_000) != 0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beijing_wall_clock_is_utc_plus_eight() {
        let at = parse_beijing_datetime("2026-11-03 09:02:10").unwrap();
        assert_eq!(rfc3339_utc(at), "2026-11-03T01:02:10Z");
        // Just after midnight in Beijing is the previous day in UTC.
        let at = parse_beijing_datetime("2026-01-01 00:30:00").unwrap();
        assert_eq!(rfc3339_utc(at), "2025-12-31T16:30:00Z");
        assert_eq!(beijing_datetime(at), ("2026-01-01 00:30:00".into(), false));
        let fssj = parse_compact_beijing_datetime("20261103110500").unwrap();
        assert_eq!(rfc3339_utc(fssj), "2026-11-03T03:05:00Z");
        assert_eq!(compact_beijing_datetime(fssj), "20261103110500");
    }

    #[test]
    fn only_exact_forms_and_real_days_parse() {
        for bad in [
            "2026-11-03T09:02:10",
            "2026-11-3 09:02:10",
            "2026-02-30 09:00:00",
            "2026-11-03 24:00:00",
            "2026-11-03 9:02:10",
            "2026-11-03 09:02",
        ] {
            assert!(parse_beijing_datetime(bad).is_none(), "{bad}");
        }
        assert_eq!(
            parse_compact_date("19440308").map(canonical_date),
            Some("1944-03-08".into())
        );
        assert!(parse_compact_date("19440230").is_none());
        assert!(parse_compact_date("1944-3-8").is_none());
        assert!(parse_compact_date("+1944030").is_none());
        assert!(parse_canonical_date("2024-02-29").is_some());
        assert!(parse_canonical_date("2023-02-29").is_none());
    }

    #[test]
    fn spreadsheet_clocks_may_drop_the_leading_zero() {
        for text in ["9:05", "09:05", "9:05:00", "09:05:00"] {
            assert_eq!(
                parse_clock(text, true),
                Some(Time::from_hms(9, 5, 0).unwrap()),
                "{text}"
            );
        }
        for bad in ["9:5", "25:00", "9", "09:05:0", "9.05", ""] {
            assert!(parse_clock(bad, true).is_none(), "{bad}");
        }
        assert!(parse_clock("9:05:00", false).is_none());
    }

    #[test]
    fn instants_are_written_as_format_writes_them() {
        // From the first millisecond `time` holds (-9999-01-01) to the last, with
        // milliseconds, microseconds and nanoseconds on the way.
        let mut ms = -377_705_116_800_000i64;
        while let Some(at) = from_epoch_ms(ms) {
            let fine = at.checked_add(time::Duration::nanoseconds(ms.rem_euclid(1_000_000_000)));
            for at in [Some(at), fine].into_iter().flatten() {
                let utc = at.to_offset(UtcOffset::UTC);
                assert_eq!(rfc3339_utc(at), rfc3339_utc_formatted(utc), "{ms}");
            }
            ms += 98_765_432_109 + ms.rem_euclid(1_000);
        }
        assert!(ms > 253_402_300_700_000, "stopped at {ms}");
    }

    #[test]
    fn epoch_milliseconds_round_trip() {
        let at = from_epoch_ms(1_793_667_730_000).unwrap();
        assert_eq!(rfc3339_utc(at), "2026-11-03T01:02:10Z");
        assert_eq!(epoch_ms(at), (1_793_667_730_000, false));
        let fine = from_epoch_ms(1_793_667_730_123).unwrap();
        assert_eq!(rfc3339_utc(fine), "2026-11-03T01:02:10.123Z");
        let parsed = parse_rfc3339("2026-11-03T09:02:10.123+08:00").unwrap();
        assert_eq!(epoch_ms(parsed), (1_793_667_730_123, false));
        assert!(from_epoch_ms(i64::MAX).is_none());
    }
}
