//! Reading record files: a path or `-` for stdin, holding one JSON object, a JSON array
//! of them, or NDJSON (one value per line).

use std::{
    fs,
    io::{self, Read},
    path::Path,
};

use jiayang_schemas::{Violation, json_syntax};
use serde_json::Value;

/// Reads the whole file, or stdin for `-`.
pub fn read_source(path: &Path) -> io::Result<Vec<u8>> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        io::stdin().lock().read_to_end(&mut bytes)?;
        Ok(bytes)
    } else {
        fs::read(path)
    }
}

/// One record of the input: its JSON, or why its text is not JSON.
pub type Record = Result<Value, Violation>;

/// The input could not be read as JSON at all.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("the input is empty")]
    Empty,
    #[error("the input is not UTF-8 text")]
    NotUtf8,
    #[error("the input is not JSON: {0}")]
    NotJson(serde_json::Error),
}

/// Splits the input into records. A single value is one record (an array is its items);
/// several values one after another are NDJSON, where a line that does not parse becomes
/// a `json-syntax` violation of that record and the other lines still count.
pub fn records(bytes: &[u8]) -> Result<Vec<Record>, InputError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|_| InputError::NotUtf8)?;
    if text.trim().is_empty() {
        return Err(InputError::Empty);
    }
    let whole = serde_json::from_str::<Value>(text);
    match whole {
        Ok(Value::Array(items)) => return Ok(items.into_iter().map(Ok).collect()),
        Ok(value) => return Ok(vec![Ok(value)]),
        Err(_) => {}
    }
    let stream: Result<Vec<Value>, _> = serde_json::Deserializer::from_str(text)
        .into_iter::<Value>()
        .collect();
    if let Ok(values) = stream {
        return Ok(values.into_iter().map(Ok).collect());
    }
    let lines: Vec<Record> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str::<Value>(line).map_err(|e| json_syntax(&e)))
        .collect();
    if lines.iter().any(Result::is_ok) {
        Ok(lines)
    } else {
        Err(InputError::NotJson(whole.unwrap_err()))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn object() -> impl Strategy<Value = Value> {
        proptest::collection::btree_map(
            ".{0,6}",
            prop_oneof![
                Just(Value::Null),
                any::<i64>().prop_map(Value::from),
                ".{0,12}".prop_map(Value::from),
            ],
            0..4,
        )
        .prop_map(|m| Value::Object(m.into_iter().collect()))
    }

    proptest! {
        #[test]
        fn any_bytes_are_records_or_a_reason(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = records(&bytes);
        }

        /// NDJSON with broken lines: one record per non-blank line, in order, the good
        /// ones as written and each broken one a `json-syntax` violation.
        #[test]
        fn every_ndjson_line_is_one_record(
            lines in proptest::collection::vec((object(), any::<bool>()), 2..12),
            crlf in any::<bool>(),
        ) {
            let text: Vec<String> = lines
                .iter()
                .map(|(value, broken)| {
                    let line = value.to_string();
                    if *broken { line[..line.len() - 1].to_owned() } else { line }
                })
                .collect();
            let read = records(text.join(if crlf { "\r\n" } else { "\n" }).as_bytes());
            if lines.iter().all(|(_, broken)| *broken) {
                prop_assert!(matches!(read, Err(InputError::NotJson(_))));
                return Ok(());
            }
            let read = read.unwrap();
            prop_assert_eq!(read.len(), lines.len());
            for (record, (value, broken)) in read.iter().zip(&lines) {
                match record {
                    Ok(got) => prop_assert!(!broken && got == value),
                    Err(violation) => prop_assert!(*broken && violation.rule == "json-syntax"),
                }
            }
        }
    }

    #[test]
    fn objects_arrays_and_ndjson_are_records() {
        assert_eq!(records(br#"{"a":1}"#).unwrap().len(), 1);
        assert_eq!(records(br#"[{"a":1},{"a":2}]"#).unwrap().len(), 2);
        assert_eq!(
            records(b"{\"a\":1}\n{\"a\":2}\n\n{\"a\":3}\n")
                .unwrap()
                .len(),
            3
        );
    }

    #[test]
    fn one_broken_ndjson_line_is_one_bad_record() {
        let parsed = records(b"{\"a\":1}\n{\"a\":\n{\"a\":3}\n").unwrap();
        assert_eq!(parsed.len(), 3);
        assert!(parsed[0].is_ok() && parsed[2].is_ok());
        assert_eq!(parsed[1].as_ref().unwrap_err().rule, "json-syntax");
    }

    #[test]
    fn text_that_is_no_json_at_all_is_unusable() {
        assert!(matches!(
            records(b"name,gender\n"),
            Err(InputError::NotJson(_))
        ));
        assert!(matches!(records(b"  \n"), Err(InputError::Empty)));
        assert!(matches!(records(b"\xff\xfe{}"), Err(InputError::NotUtf8)));
    }
}
