//! Reading a native JSON record field by field. Every key the converter reads is marked;
//! what is left at the end is reported as not carried, so no value disappears unnoticed.
//! Wrong JSON types are violations at the key, in the caller's own terms.

use jiayang_schemas::{child_pointer, rule as schema_rule};
use serde_json::{Map, Value};

use crate::batch::Findings;

/// One JSON object of a native record.
pub(crate) struct Obj<'a> {
    map: &'a Map<String, Value>,
    at: String,
    used: Vec<&'a str>,
}

fn type_name(value: &Value) -> (&'static str, &'static str) {
    match value {
        Value::Null => ("null", "null"),
        Value::Bool(_) => ("布尔值", "a boolean"),
        Value::Number(_) => ("数字", "a number"),
        Value::String(_) => ("字符串", "a string"),
        Value::Array(_) => ("数组", "an array"),
        Value::Object(_) => ("对象", "an object"),
    }
}

pub(crate) fn wrong_type(f: &mut Findings, at: &str, value: &Value, zh: &str, en: &str) {
    let found = type_name(value);
    f.violation(
        at,
        schema_rule::TYPE,
        format!("类型错误：应为{zh}，实为{}", found.0),
        format!("must be {en}, not {}", found.1),
    );
}

impl<'a> Obj<'a> {
    /// The record itself, which must be an object.
    pub(crate) fn root(value: &'a Value, f: &mut Findings) -> Option<Self> {
        Self::at(value, String::new(), f)
    }

    fn at(value: &'a Value, at: String, f: &mut Findings) -> Option<Self> {
        match value {
            Value::Object(map) => Some(Self {
                map,
                at,
                used: Vec::with_capacity(map.len()),
            }),
            other => {
                wrong_type(f, &at, other, "对象", "an object");
                None
            }
        }
    }

    /// The pointer of a key of this object.
    pub(crate) fn path(&self, key: &str) -> String {
        child_pointer(&self.at, key)
    }

    /// The value at `key`, marked as read; `null` counts as absent.
    pub(crate) fn get(&mut self, key: &str) -> Option<&'a Value> {
        let (name, value) = self.map.get_key_value(key)?;
        self.used.push(name.as_str());
        (!value.is_null()).then_some(value)
    }

    /// Marks a key as read without carrying it (a value the spec calls informative).
    pub(crate) fn ignore(&mut self, key: &str) {
        self.get(key);
    }

    /// Marks a key as read and reports it as not carried when it holds a value.
    pub(crate) fn drop_field(&mut self, f: &mut Findings, key: &str) {
        if self.get(key).is_some() {
            f.not_carried(self.path(key));
        }
    }

    /// A string; in the portal's convention an empty string means "not given".
    pub(crate) fn text(&mut self, f: &mut Findings, key: &str) -> Option<&'a str> {
        match self.get(key)? {
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(s),
            other => {
                wrong_type(f, &self.path(key), other, "字符串", "a string");
                None
            }
        }
    }

    /// A JSON integer (not a float, not a string).
    pub(crate) fn integer(&mut self, f: &mut Findings, key: &str) -> Option<i64> {
        let value = self.get(key)?;
        let found = value.as_i64();
        if found.is_none() {
            wrong_type(f, &self.path(key), value, "整数", "an integer");
        }
        found
    }

    /// A JSON number.
    pub(crate) fn number(&mut self, f: &mut Findings, key: &str) -> Option<f64> {
        let value = self.get(key)?;
        let found = value.as_f64().filter(|n| n.is_finite());
        if found.is_none() {
            wrong_type(f, &self.path(key), value, "数字", "a number");
        }
        found
    }

    pub(crate) fn boolean(&mut self, f: &mut Findings, key: &str) -> Option<bool> {
        let value = self.get(key)?;
        let found = value.as_bool();
        if found.is_none() {
            wrong_type(f, &self.path(key), value, "布尔值", "true or false");
        }
        found
    }

    pub(crate) fn object(&mut self, f: &mut Findings, key: &str) -> Option<Obj<'a>> {
        let value = self.get(key)?;
        Self::at(value, self.path(key), f)
    }

    /// The items of an array with their pointers.
    pub(crate) fn array(
        &mut self,
        f: &mut Findings,
        key: &str,
    ) -> Option<Vec<(String, &'a Value)>> {
        match self.get(key)? {
            Value::Array(items) => {
                let base = self.path(key);
                Some(
                    items
                        .iter()
                        .enumerate()
                        .map(|(i, item)| (child_pointer(&base, &i.to_string()), item))
                        .collect(),
                )
            }
            other => {
                wrong_type(f, &self.path(key), other, "数组", "an array");
                None
            }
        }
    }

    /// An item of an array, which must be an object.
    pub(crate) fn item(value: &'a Value, at: String, f: &mut Findings) -> Option<Obj<'a>> {
        Self::at(value, at, f)
    }

    /// Reports every key nobody read as not carried.
    pub(crate) fn finish(self, f: &mut Findings) {
        for (key, value) in self.map {
            if !value.is_null() && !self.used.contains(&key.as_str()) {
                f.not_carried(child_pointer(&self.at, key));
            }
        }
    }
}

/// A whole JSON document (a UTF-8 byte-order mark is allowed).
pub(crate) fn parse_document(bytes: &[u8]) -> Result<Value, crate::Unusable> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(crate::Unusable::Empty);
    }
    serde_json::from_slice(bytes).map_err(|e| crate::Unusable::NotJson {
        line: e.line(),
        column: e.column(),
    })
}
