//! Cell values as spreadsheets leave them: dates in several forms or as Excel serial
//! numbers, clock times without leading zeros, ID numbers Excel turned into numbers.

use time::{Date, Duration, Time};

use crate::beijing_time;

/// Excel's day 0 for serials after its phantom 1900-02-29 (serial 60).
const EXCEL_EPOCH: Date = match Date::from_calendar_date(1899, time::Month::December, 30) {
    Ok(date) => date,
    Err(_) => panic!("1899-12-30 exists"),
};

/// `2026-11-03`, `2026/11/3`, `2026.11.3`, `2026年11月3日` or an Excel serial (`46329`).
///
/// Only five-digit serials are read (1927-05-18 to 2173-10-14): a shorter number is as
/// likely a year (`1944`) or a typo as a lost format, and the spec says never to guess.
pub fn date(text: &str) -> Option<Date> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        if text.len() != 5 {
            return None;
        }
        let serial: i64 = text.parse().ok()?;
        return EXCEL_EPOCH.checked_add(Duration::days(serial));
    }
    let parts: Vec<&str> = if let Some(rest) = text.strip_suffix('日') {
        let (year, rest) = rest.split_once('年')?;
        let (month, day) = rest.split_once('月')?;
        vec![year, month, day]
    } else {
        let separator = text.chars().find(|c| matches!(c, '-' | '/' | '.'))?;
        text.split(separator).collect()
    };
    let [year, month, day] = parts.as_slice() else {
        return None;
    };
    let digits = |s: &str, lengths: std::ops::RangeInclusive<usize>| {
        (lengths.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    beijing_time::ymd(
        digits(year, 4..=4)?,
        digits(month, 1..=2)?,
        digits(day, 1..=2)?,
    )
}

/// `9:05`, `09:05`, `9:05:00`.
pub fn clock(text: &str) -> Option<Time> {
    beijing_time::parse_clock(text, true)
}

/// Whether a cell looks like a number Excel wrote in scientific notation (`1.10105E+17`).
pub fn is_scientific(text: &str) -> bool {
    let Some((mantissa, exponent)) = text.split_once(['E', 'e']) else {
        return false;
    };
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    let mantissa_ok = {
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, "0"));
        !whole.is_empty()
            && whole.bytes().all(|b| b.is_ascii_digit())
            && fraction.bytes().all(|b| b.is_ascii_digit())
    };
    mantissa_ok && !exponent.is_empty() && exponent.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> Option<String> {
        date(text).map(beijing_time::canonical_date)
    }

    #[test]
    fn every_spec_date_form_reads_as_the_same_day() {
        for text in [
            "2026-11-03",
            "2026/11/3",
            "2026/11/03",
            "2026.11.3",
            "2026年11月3日",
            "46329",
        ] {
            assert_eq!(day(text).as_deref(), Some("2026-11-03"), "{text}");
        }
    }

    #[test]
    fn excel_serials_count_from_1899_12_30() {
        assert_eq!(day("45658").as_deref(), Some("2025-01-01"));
        assert_eq!(day("16139").as_deref(), Some("1944-03-08"));
        assert_eq!(day("10000").as_deref(), Some("1927-05-18"));
    }

    #[test]
    fn numbers_that_could_be_years_or_typos_are_not_read_as_serials() {
        for text in ["1944", "2026", "61", "7306", "100000", "20261103"] {
            assert_eq!(day(text), None, "{text}");
        }
    }

    #[test]
    fn days_that_do_not_exist_and_other_forms_are_refused() {
        for text in [
            "2026-02-30",
            "2026/13/1",
            "03/11/2026",
            "2026-11",
            "2026-11-03-01",
            "26-11-3",
            "2026年11月3",
            "46329.5",
            "二〇二六年十一月三日",
            "",
        ] {
            assert_eq!(day(text), None, "{text}");
        }
    }

    #[test]
    fn scientific_notation_is_recognised() {
        assert!(is_scientific("1.10105E+17"));
        assert!(is_scientific("1.10105e17"));
        assert!(!is_scientific("110105194403080027"));
        assert!(!is_scientific("11010519440308002X"));
        assert!(!is_scientific("E+17"));
    }
}
