//! Stored documents: what is kept, what the gateway sets, and how a stored row is turned
//! back into the canonical resource.

use std::sync::{Mutex, PoisonError};

use serde_json::{Map, Value, value::RawValue};

use jiayang_store::{entity::Stored, micros_to_rfc3339};

use crate::Error;

/// Fields only the gateway sets; a caller's values for them are dropped on write.
const SERVER_SET: [&str; 11] = [
    "id",
    "version",
    "createdAt",
    "updatedAt",
    "verification",
    "submittedBy",
    "submittedAt",
    "providerId",
    "capturedBy",
    "withdrawnAt",
    "holder",
];

/// The document without server-set fields.
pub(crate) fn without_server_fields(mut document: Value) -> Map<String, Value> {
    let mut object = match document.take() {
        Value::Object(object) => object,
        _ => Map::new(),
    };
    for key in SERVER_SET {
        object.remove(key);
    }
    object
}

/// A stored row as the canonical JSON resource: its body with id, version and times.
pub(crate) fn render(stored: Stored<'_>) -> Value {
    let body: Map<String, Value> = serde_json::from_str(stored.document).unwrap_or_default();
    let mut object = Map::with_capacity(body.len() + 4);
    object.insert("id".into(), stored.id.into());
    object.insert("version".into(), stored.version.into());
    object.insert(
        "createdAt".into(),
        micros_to_rfc3339(stored.created_at).into(),
    );
    object.insert(
        "updatedAt".into(),
        micros_to_rfc3339(stored.updated_at).into(),
    );
    object.extend(body);
    Value::Object(object)
}

/// [`render`] without parsing the body: the gateway's four fields written in front of
/// the stored text, which is spliced in as it is. For lists that answer documents as
/// stored (no release decision looks inside them), where parsing and writing each body
/// again was most of an answer's cost. The result is checked to be one JSON value, so a
/// damaged row fails the request instead of reaching a caller as broken JSON.
pub(crate) fn render_raw(stored: Stored<'_>) -> Result<Box<RawValue>, Error> {
    let damaged = || Error::Internal("a stored document is not a JSON object".into());
    let body = stored
        .document
        .trim()
        .strip_prefix('{')
        .ok_or_else(damaged)?;
    let mut text = String::with_capacity(stored.document.len() + 128);
    text.push_str("{\"id\":");
    text.push_str(&Value::from(stored.id).to_string());
    text.push_str(",\"version\":");
    text.push_str(&stored.version.to_string());
    for (name, micros) in [
        ("createdAt", stored.created_at),
        ("updatedAt", stored.updated_at),
    ] {
        text.push_str(",\"");
        text.push_str(name);
        text.push_str("\":\"");
        text.push_str(&micros_to_rfc3339(micros));
        text.push('"');
    }
    if !body.trim_start().starts_with('}') {
        text.push(',');
    }
    text.push_str(body);
    RawValue::from_string(text).map_err(|_| damaged())
}

/// The `(participant, id)` pairs of a document's `externalIds`.
pub(crate) fn external_ids(document: &Map<String, Value>) -> Vec<(String, String)> {
    document
        .get("externalIds")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            Some((
                entry.get("participant")?.as_str()?.to_owned(),
                entry.get("id")?.as_str()?.to_owned(),
            ))
        })
        .collect()
}

pub(crate) fn str_at<'v>(document: &'v Map<String, Value>, key: &str) -> &'v str {
    document
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The JSON text of an object, serialised in place (not through a cloned `Value`).
pub(crate) fn json_text(object: &Map<String, Value>) -> String {
    serde_json::to_string(object).expect("a JSON object always serialises")
}

/// A new resource id: the type prefix and a ULID from one process-wide monotonic
/// generator, so ids sort by creation even within a millisecond (the items of a batch
/// list in the order they were sent).
pub(crate) fn new_id(prefix: &str) -> String {
    static GENERATOR: Mutex<Option<ulid::Generator>> = Mutex::new(None);
    let mut generator = GENERATOR.lock().unwrap_or_else(PoisonError::into_inner);
    // The random part overflows only after 2^80 ids in one millisecond.
    let id = generator
        .get_or_insert_with(ulid::Generator::new)
        .generate()
        .unwrap_or_else(|_| ulid::Ulid::new());
    format!("{prefix}_{id}")
}
