//! Hostile input to every parser that takes outside bytes: each native format the gateway
//! reads (portal and app JSON, station spreadsheets in UTF-8, GBK and GB18030) given
//! random bytes, its golden documents with bytes flipped, cut and spliced, values of the
//! wrong type at any place, re-encoded text with quotes, separators and characters no
//! legacy encoding has, and nesting deeper than any parser should follow. Each input must
//! end in records, a report or an unusable-input error — never a panic — and what comes
//! out stays proportional to what came in.
//!
//! CI runs proptest's default 256 cases per property; run longer by hand with
//! `PROPTEST_CASES=20000 cargo test --release -p jiayang-adapters --test hostile`.

mod common;

use std::{fs, path::PathBuf};

use jiayang_adapters::{Format, Lang, RecordKind, import, supported};
use proptest::{prelude::*, sample::Index};
use serde_json::Value;

/// Every (format, kind) the gateway reads from outside.
fn readable() -> Vec<(Format, RecordKind)> {
    Format::ALL
        .into_iter()
        .filter(|f| *f != Format::Canonical)
        .flat_map(|f| RecordKind::ALL.into_iter().map(move |k| (f, k)))
        .filter(|(f, k)| supported(*f, Format::Canonical, *k).is_ok())
        .collect()
}

/// The golden native inputs: (format, kind, bytes).
fn seeds() -> Vec<(Format, RecordKind, Vec<u8>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut seeds = Vec::new();
    for (format, kind) in readable() {
        let Ok(cases) = fs::read_dir(root.join(format.as_str()).join(kind.as_str())) else {
            continue;
        };
        for case in cases {
            let case = case.unwrap().path();
            for name in ["native.json", "native.csv"] {
                if let Ok(bytes) = fs::read(case.join(name)) {
                    seeds.push((format, kind, bytes));
                }
            }
        }
    }
    assert!(seeds.len() >= 8, "golden inputs not found: {}", seeds.len());
    seeds
}

fn json_seeds() -> Vec<(Format, RecordKind, Value)> {
    seeds()
        .into_iter()
        .filter_map(|(f, k, bytes)| Some((f, k, serde_json::from_slice(&bytes).ok()?)))
        .collect()
}

fn csv_seeds() -> Vec<(RecordKind, String)> {
    seeds()
        .into_iter()
        .filter(|(f, ..)| *f == Format::StationCsv)
        .map(|(_, k, bytes)| {
            let text = match std::str::from_utf8(&bytes) {
                Ok(text) => text.to_owned(),
                Err(_) => encoding_rs::GBK.decode(&bytes).0.into_owned(),
            };
            (k, text)
        })
        .collect()
}

/// Reads `input` as `format`/`kind` and checks what a caller relies on: it returns (no
/// panic), every record it produced has no violation of its own, and the output is
/// bounded by the input.
fn survives(format: Format, kind: RecordKind, input: &[u8]) {
    let ctx = common::context(format);
    let Ok(batch) = import(format, kind, input, &ctx) else {
        return;
    };
    let out = serde_json::to_vec(&batch.report.to_json(Lang::En))
        .unwrap()
        .len()
        + batch
            .documents()
            .map(|d| serde_json::to_vec(d).unwrap().len())
            .sum::<usize>();
    assert!(
        out <= 64 * input.len() + 64 * 1024,
        "{format}/{kind}: {} input bytes made {out} output bytes",
        input.len()
    );
    for record in &batch.records {
        assert!(
            jiayang_schemas::validate_at(kind.canonical(), &record.document, common::NOW)
                .is_empty()
                || kind == RecordKind::Customer,
            "{format}/{kind}: an accepted record does not validate: {}",
            record.document
        );
    }
}

/// One change to a byte string.
#[derive(Clone, Debug)]
enum Edit {
    Flip(Index, u8),
    Insert(Index, Vec<u8>),
    Delete(Index, usize),
    Truncate(Index),
    /// A copy of one part of the input pasted elsewhere (duplicated keys, rows, quotes).
    Splice(Index, Index, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), 1u8..=255).prop_map(|(i, b)| Edit::Flip(i, b)),
        (any::<Index>(), proptest::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        (any::<Index>(), 1usize..64).prop_map(|(i, n)| Edit::Delete(i, n)),
        any::<Index>().prop_map(Edit::Truncate),
        (any::<Index>(), any::<Index>(), 1usize..128).prop_map(|(a, b, n)| Edit::Splice(a, b, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    if bytes.is_empty() {
        return;
    }
    let len = bytes.len();
    match edit {
        Edit::Flip(i, b) => bytes[i.index(len)] ^= b,
        Edit::Insert(i, more) => {
            let at = i.index(len);
            bytes.splice(at..at, more.iter().copied());
        }
        Edit::Delete(i, n) => {
            let at = i.index(len);
            bytes.drain(at..(at + n).min(len));
        }
        Edit::Truncate(i) => bytes.truncate(i.index(len)),
        Edit::Splice(from, to, n) => {
            let from = from.index(len);
            let piece = bytes[from..(from + n).min(len)].to_vec();
            let to = to.index(len);
            bytes.splice(to..to, piece);
        }
    }
}

/// Any JSON value, up to a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
        "[0-9./: -]{0,24}".prop_map(Value::from),
        "[\\x00-\\x1f\u{7f}\u{feff}\u{202e}]{1,4}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(".{0,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// The JSON pointers of every node of `value`.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                pointers(
                    child,
                    format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")),
                    out,
                );
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
    #![proptest_config(common::proptest_config())]

    #[test]
    fn random_bytes(pair in any::<Index>(), bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let pairs = readable();
        let (format, kind) = pairs[pair.index(pairs.len())];
        survives(format, kind, &bytes);
    }

    #[test]
    fn damaged_documents(seed in any::<Index>(), edits in proptest::collection::vec(edit(), 1..6)) {
        let seeds = seeds();
        let (format, kind, mut bytes) = seeds[seed.index(seeds.len())].clone();
        for edit in &edits {
            apply(&mut bytes, edit);
        }
        survives(format, kind, &bytes);
    }

    #[test]
    fn values_of_the_wrong_shape(seed in any::<Index>(), places in proptest::collection::vec((any::<Index>(), json_value()), 1..4)) {
        let seeds = json_seeds();
        let (format, kind, mut document) = seeds[seed.index(seeds.len())].clone();
        for (place, value) in places {
            let mut all = Vec::new();
            pointers(&document, String::new(), &mut all);
            let at = &all[place.index(all.len())];
            match document.pointer_mut(at) {
                Some(node) => *node = value,
                None => unreachable!("{at} was listed"),
            }
        }
        survives(format, kind, &serde_json::to_vec(&document).unwrap());
    }

    #[test]
    fn spreadsheets_in_every_encoding(
        seed in any::<Index>(),
        inserts in proptest::collection::vec((any::<Index>(), prop_oneof![
            Just("\"".to_owned()), Just(",".to_owned()), Just("\r\n".to_owned()), Just("\n".to_owned()),
            Just("\u{feff}".to_owned()), Just("\"\"".to_owned()), Just("𠀀😀".to_owned()), Just("\0".to_owned()),
            "[一-龥0-9,\"]{1,6}",
        ]), 0..6),
        encoding in 0usize..3,
    ) {
        let seeds = csv_seeds();
        let (kind, text) = &seeds[seed.index(seeds.len())];
        let mut chars: Vec<char> = text.chars().collect();
        for (at, piece) in inserts {
            let at = at.index(chars.len() + 1);
            chars.splice(at..at, piece.chars());
        }
        let text: String = chars.into_iter().collect();
        let bytes = match encoding {
            0 => text.into_bytes(),
            1 => encoding_rs::GBK.encode(&text).0.into_owned(),
            _ => encoding_rs::GB18030.encode(&text).0.into_owned(),
        };
        survives(Format::StationCsv, *kind, &bytes);
    }
}

#[test]
fn nesting_deeper_than_any_parser_follows_is_refused() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let mut object = String::new();
    for _ in 0..50_000 {
        object.push_str("{\"a\":");
    }
    object.push('1');
    object.push_str(&"}".repeat(50_000));
    for (format, kind) in readable() {
        for input in [&deep, &object] {
            survives(format, kind, input.as_bytes());
        }
    }
}
