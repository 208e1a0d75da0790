//! How values are written into columns: times as microseconds, lists as `,A,B,` text.

/// Microseconds since the epoch, the unit of every time column.
pub fn now_micros() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000) as i64
}

/// A time column as RFC 3339 (UTC, `Z`).
pub fn micros_to_rfc3339(micros: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    jiayang_proto::Timestamp::from(at).to_rfc3339()
}

/// `["A", "B"]` as `,A,B,`: enum codes that SQL matches with `LIKE '%,A,%'`.
pub fn delimited<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    let mut text = String::from(",");
    for value in values {
        text.push_str(value);
        text.push(',');
    }
    text
}
