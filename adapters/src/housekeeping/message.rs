//! Reading a housekeeping message: one object, or a batch `{"type", "items"}` whose items
//! are converted one by one while the text is parsed, so a batch of 5000 never sits in
//! memory as one JSON tree (and each item's memory is reused by the next).

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::{MAX_RECORDS_PER_DOCUMENT, Unusable};

/// Parses `bytes` and hands each record to `each` with its index. Returns the keys of a
/// batch other than `type` and `items` (nothing the spec defines: not carried); a batch
/// of the wrong type or size, or text that is no JSON object, is unusable.
pub(super) fn for_each_record(
    bytes: &[u8],
    batch_type: &str,
    each: &mut dyn FnMut(usize, Value),
) -> Result<Vec<String>, Unusable> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Unusable::Empty);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let message = MessageSeed { each }
        .deserialize(&mut deserializer)
        .and_then(|message| deserializer.end().map(|()| message))
        .map_err(|e| {
            if e.is_data() {
                not_an_object()
            } else {
                Unusable::NotJson {
                    line: e.line(),
                    column: e.column(),
                }
            }
        })?;
    match message {
        Message::Single(object) => {
            each(0, Value::Object(object));
            Ok(Vec::new())
        }
        Message::Batch { kind, count, extra } => {
            if kind.as_deref() != Some(batch_type) {
                let found = kind.unwrap_or_else(|| "（无）".into());
                return Err(Unusable::envelope(
                    "/type",
                    format!("批量消息的 type 应为 {batch_type}，收到 {found}"),
                    format!("the batch type must be {batch_type} for this kind, got {found}"),
                ));
            }
            match count {
                Some(count) if (1..=MAX_RECORDS_PER_DOCUMENT).contains(&count) => Ok(extra),
                _ => Err(Unusable::envelope(
                    "/items",
                    format!("items 应为含 1 至 {MAX_RECORDS_PER_DOCUMENT} 项的数组"),
                    format!("items must be an array of 1 to {MAX_RECORDS_PER_DOCUMENT} records"),
                )),
            }
        }
    }
}

fn not_an_object() -> Unusable {
    Unusable::envelope(
        "",
        "消息应为一个 JSON 对象，或批量消息 {\"type\", \"items\"}",
        "a message is one JSON object or a batch {\"type\", \"items\"}",
    )
}

enum Message {
    Single(Map<String, Value>),
    /// `count` is `None` when `items` was not an array; `extra` holds keys the batch
    /// should not have.
    Batch {
        kind: Option<String>,
        count: Option<usize>,
        extra: Vec<String>,
    },
}

struct MessageSeed<'f> {
    each: &'f mut dyn FnMut(usize, Value),
}

impl<'de> DeserializeSeed<'de> for MessageSeed<'_> {
    type Value = Message;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Message, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for MessageSeed<'_> {
    type Value = Message;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Message, A::Error> {
        let mut fields = Map::new();
        let mut count: Option<Option<usize>> = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "items" {
                count = Some(map.next_value_seed(ItemsSeed {
                    each: &mut *self.each,
                })?);
            } else {
                let value: Value = map.next_value()?;
                fields.insert(key, value);
            }
        }
        match count {
            None => Ok(Message::Single(fields)),
            Some(count) => Ok(Message::Batch {
                kind: fields
                    .get("type")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                count,
                extra: fields.keys().filter(|k| *k != "type").cloned().collect(),
            }),
        }
    }
}

/// The `items` array, each item handed over as soon as it is parsed.
struct ItemsSeed<'f> {
    each: &'f mut dyn FnMut(usize, Value),
}

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_> {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Option<usize>, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<usize>, A::Error> {
        let mut count = 0;
        while let Some(item) = seq.next_element::<Value>()? {
            // Past the limit the message is refused whole; parsing on only checks the text.
            if count < MAX_RECORDS_PER_DOCUMENT {
                (self.each)(count, item);
            }
            count += 1;
        }
        Ok(Some(count))
    }

    // Anything but an array: the batch is refused for its `items`.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<usize>, A::Error> {
        while map
            .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
            .is_some()
        {}
        Ok(None)
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Option<usize>, E> {
        Ok(None)
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Option<usize>, E> {
        Ok(None)
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Option<usize>, E> {
        Ok(None)
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Option<usize>, E> {
        Ok(None)
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Option<usize>, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Option<usize>, E> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<(usize, Value)>, Unusable> {
        let mut seen = Vec::new();
        for_each_record(text.as_bytes(), "orders", &mut |i, v| seen.push((i, v)))?;
        Ok(seen)
    }

    #[test]
    fn one_object_is_one_record_and_a_batch_its_items() {
        assert_eq!(read(r#"{"orderNo": "A"}"#).unwrap().len(), 1);
        let items =
            read(r#"{"items": [{"orderNo": "A"}, {"orderNo": "B"}], "type": "orders"}"#).unwrap();
        assert_eq!(items[1], (1, serde_json::json!({"orderNo": "B"})));
    }

    #[test]
    fn batches_of_the_wrong_type_or_size_and_non_objects_are_unusable() {
        for text in [
            r#"{"type": "stores", "items": [{}]}"#,
            r#"{"items": [{}]}"#,
            r#"{"type": "orders", "items": []}"#,
            r#"{"type": "orders", "items": {"a": 1}}"#,
            r#"[{"orderNo": "A"}]"#,
            r#""order""#,
        ] {
            assert!(
                matches!(read(text), Err(Unusable::Envelope { .. })),
                "{text}"
            );
        }
        assert!(matches!(
            read(r#"{"orderNo": "#),
            Err(Unusable::NotJson { .. })
        ));
        assert!(matches!(read(" \n"), Err(Unusable::Empty)));
        let too_many = format!(
            r#"{{"type": "orders", "items": [{}]}}"#,
            vec!["{}"; 5001].join(",")
        );
        assert!(matches!(read(&too_many), Err(Unusable::Envelope { .. })));
    }
}
