//! Hostile documents for the validator and its reader (`validate_json`, which every
//! canonical write and `jiayang validate` go through): random bytes, valid fixtures with
//! bytes changed, and values of any type put anywhere. It must answer with violations,
//! never panic, and every violation must point where a caller can look: at a value in
//! the document, or at a member missing from an object that is there.
//!
//! `PROPTEST_CASES=20000 cargo test --release -p jiayang-schemas --test hostile` runs it
//! longer by hand.

use std::{fs, path::PathBuf};

use jiayang_schemas::{Kind, validate, validate_json};
use proptest::{prelude::*, sample::Index};
use serde_json::Value;

fn valid_fixtures() -> Vec<(Kind, Value)> {
    let mut all = Vec::new();
    for kind in Kind::ALL {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(kind.as_str())
            .join("valid");
        for entry in fs::read_dir(dir).unwrap() {
            let text = fs::read_to_string(entry.unwrap().path()).unwrap();
            all.push((kind, serde_json::from_str(&text).unwrap()));
        }
    }
    all
}

/// Whether `path` names a value of `document`, or members missing from it: where the
/// path stops resolving, it adds to an object (or to a null, which says "none"), never
/// reaches into a string or past the end of an array.
fn points_into(document: &Value, path: &str) -> bool {
    let mut prefix = String::new();
    for segment in path.split('/').skip(1) {
        let next = format!("{prefix}/{segment}");
        if document.pointer(&next).is_none() {
            return matches!(
                document.pointer(&prefix),
                Some(Value::Object(_) | Value::Null)
            );
        }
        prefix = next;
    }
    true
}

fn any_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,16}".prop_map(Value::from),
        "[\\x00-\\x1f\u{7f}\u{202e}]{1,3}".prop_map(Value::from),
        "[0-9X-]{0,20}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map("[a-zA-Z/~]{0,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let key = key.replace('~', "~0").replace('/', "~1");
                pointers(child, format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                pointers(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
    out.push(at);
}

proptest! {
    #[test]
    fn random_bytes_are_violations(kind in any::<Index>(), bytes in proptest::collection::vec(any::<u8>(), 0..1024)) {
        let kind = Kind::ALL[kind.index(Kind::ALL.len())];
        let violations = validate_json(kind, &bytes);
        if serde_json::from_slice::<Value>(&bytes).is_err() {
            prop_assert!(!violations.is_empty());
        }
    }

    #[test]
    fn damaged_fixtures_are_violations(seed in any::<Index>(), flips in proptest::collection::vec((any::<Index>(), 1u8..=255), 1..4)) {
        let fixtures = valid_fixtures();
        let (kind, document) = &fixtures[seed.index(fixtures.len())];
        let mut bytes = serde_json::to_vec(document).unwrap();
        for (at, bits) in &flips {
            let at = at.index(bytes.len());
            bytes[at] ^= bits;
        }
        let violations = validate_json(*kind, &bytes);
        if let Ok(damaged) = serde_json::from_slice::<Value>(&bytes) {
            for v in &violations {
                prop_assert!(points_into(&damaged, &v.path), "{} ({}) in {}", v.path, v.rule, damaged);
            }
        } else {
            prop_assert!(!violations.is_empty());
        }
    }

    #[test]
    fn any_value_anywhere_is_pointed_at(seed in any::<Index>(), places in proptest::collection::vec((any::<Index>(), any_value()), 1..4)) {
        let fixtures = valid_fixtures();
        let (kind, mut document) = fixtures[seed.index(fixtures.len())].clone();
        for (place, value) in places {
            let mut all = Vec::new();
            pointers(&document, String::new(), &mut all);
            let at = all[place.index(all.len())].clone();
            *document.pointer_mut(&at).unwrap() = value;
        }
        for v in validate(kind, &document) {
            prop_assert!(points_into(&document, &v.path), "{} ({}) in {}", v.path, v.rule, document);
        }
    }
}
