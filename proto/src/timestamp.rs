//! `google.protobuf.Timestamp` with the proto3 JSON form the model promises: RFC 3339,
//! written in UTC with a `Z`, read with any offset. (pbjson-types writes `+00:00`.)

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error as _};
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

/// A point in time, wire-compatible with `google.protobuf.Timestamp`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Message)]
pub struct Timestamp {
    /// Seconds since 1970-01-01T00:00:00Z.
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    /// Non-negative fraction of a second, 0..=999_999_999.
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

impl Timestamp {
    /// Reads an RFC 3339 date-time with any offset.
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        OffsetDateTime::parse(text, &Rfc3339).ok().map(Self::from)
    }

    /// The same instant as a `time` value, or `None` when out of `time`'s range.
    pub fn to_offset_date_time(self) -> Option<OffsetDateTime> {
        let nanos = i128::from(self.seconds) * 1_000_000_000 + i128::from(self.nanos);
        OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
    }

    /// The instant in RFC 3339, UTC, with `Z` and only as many fraction digits as needed.
    pub fn to_rfc3339(self) -> String {
        match self.to_offset_date_time() {
            Some(at) => at.format(&Rfc3339).unwrap_or_default(),
            None => String::new(),
        }
    }
}

impl From<OffsetDateTime> for Timestamp {
    fn from(at: OffsetDateTime) -> Self {
        Self {
            seconds: at.unix_timestamp(),
            nanos: at.nanosecond() as i32,
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let at = self
            .to_offset_date_time()
            .ok_or_else(|| serde::ser::Error::custom("timestamp out of range"))?;
        let text = at.format(&Rfc3339).map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&text)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Self::parse_rfc3339(&text).ok_or_else(|| D::Error::custom("not an RFC 3339 date-time"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fractions_survive_and_offsets_normalise_to_utc() {
        let t = Timestamp::parse_rfc3339("2026-11-03T09:02:10.250+08:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-03T01:02:10.25Z");
    }

    #[test]
    fn text_without_an_offset_is_refused() {
        assert_eq!(Timestamp::parse_rfc3339("2026-11-03T09:02:10"), None);
    }
}
