//! Building canonical records (proto3 JSON) and reading the canonical records a caller
//! sends, which the validator has already found well-formed.

use serde_json::{Map, Value};

pub(crate) type Object = Map<String, Value>;

/// Sets `key` when there is a value.
pub(crate) fn put(object: &mut Object, key: &str, value: Option<impl Into<Value>>) {
    if let Some(value) = value {
        object.insert(key.to_owned(), value.into());
    }
}

/// Sets `key` to a sub-object when it holds anything.
pub(crate) fn put_object(object: &mut Object, key: &str, value: Object) {
    if !value.is_empty() {
        object.insert(key.to_owned(), Value::Object(value));
    }
}

/// Sets `key` to a list when it holds anything.
pub(crate) fn put_list(object: &mut Object, key: &str, values: Vec<Value>) {
    if !values.is_empty() {
        object.insert(key.to_owned(), Value::Array(values));
    }
}

/// `{"lat", "lng"}`.
pub(crate) fn geo(lng: f64, lat: f64) -> Value {
    let mut object = Object::new();
    object.insert("lat".into(), Value::from(lat));
    object.insert("lng".into(), Value::from(lng));
    Value::Object(object)
}

/// `[{participant, id}]`.
pub(crate) fn external_ids(participant: &str, id: Option<&str>) -> Option<Value> {
    id.map(|id| Value::Array(vec![external_id(participant, id)]))
}

pub(crate) fn external_id(participant: &str, id: &str) -> Value {
    let mut object = Object::new();
    object.insert("participant".into(), Value::from(participant));
    object.insert("id".into(), Value::from(id));
    Value::Object(object)
}

/// Read access to a canonical record.
pub(crate) fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

pub(crate) fn int(value: &Value, key: &str) -> Option<i64> {
    value.get(key).and_then(Value::as_i64)
}

pub(crate) fn list<'a>(value: &'a Value, key: &str) -> &'a [Value] {
    value
        .get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

pub(crate) fn strings<'a>(value: &'a Value, key: &str) -> impl Iterator<Item = (usize, &'a str)> {
    list(value, key)
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.as_str().map(|s| (i, s)))
}

/// `(lng, lat)` of a `geo` object.
pub(crate) fn point(value: &Value) -> Option<(f64, f64)> {
    let geo = value.get("geo")?;
    Some((geo.get("lng")?.as_f64()?, geo.get("lat")?.as_f64()?))
}

/// The id this participant knows the record by, if it has one.
pub(crate) fn own_external_id<'a>(value: &'a Value, participant: &str) -> Option<(usize, &'a str)> {
    list(value, "externalIds")
        .iter()
        .enumerate()
        .find_map(|(i, e)| {
            (e.get("participant")?.as_str()? == participant)
                .then(|| e.get("id")?.as_str())
                .flatten()
                .map(|id| (i, id))
        })
}
