//! The typed reader of housekeeping orders against the `Value` reader it stands in for.
//! For any message, `import` gives exactly what `import_through_value` gives: the same
//! records with their keys in the same order, the same report, the same unusable-input
//! error; and the typed reader, wherever it answers at all, answers the same. Orders as
//! the app sends them must be read typed. The same orders spelled otherwise (escapes,
//! whitespace, integers written as floats, a key twice) or damaged (values of another
//! type, keys added or removed, bytes changed) must come out as the `Value` reader has
//! them, whichever reader ends up reading them.
//!
//! `PROPTEST_CASES=20000 cargo test --release -p jiayang-adapters --test typed_orders`
//! runs it longer.

// The round-trip tests' generator of orders as the app sends them; only that part is used.
#[allow(dead_code)]
#[path = "round_trip/app.rs"]
mod app;
mod common;
#[allow(dead_code)]
#[path = "round_trip/strategies.rs"]
mod strategies;

use std::{
    fmt, fs,
    panic::{self, AssertUnwindSafe},
    path::PathBuf,
};

use jiayang_adapters::{
    Format, RecordKind, Unusable,
    housekeeping::{import_through_value, import_typed_orders},
    import,
};
use proptest::{collection::vec, prelude::*, sample::Index, sample::select};
use serde_json::{Value, json};

const PANICKED: &str = "panicked";

/// What reading gave, written out in full, or that it panicked.
fn outcome<T: fmt::Debug>(read: impl FnOnce() -> T) -> String {
    panic::catch_unwind(AssertUnwindSafe(read))
        .map_or_else(|_| PANICKED.to_owned(), |result| format!("{result:?}"))
}

/// Checks that every way in reads `input` alike; returns whether the typed reader
/// vouched for it. A panic is an outcome too: where one reader panics, so must the other.
fn reads_alike(input: &[u8]) -> Result<bool, TestCaseError> {
    let ctx = common::context(Format::HousekeepingApp);
    let kind = RecordKind::ServiceRecord;
    let reference = outcome(|| import_through_value(kind, input, &ctx));
    let typed = outcome(|| import_typed_orders(input, &ctx).map(Ok::<_, Unusable>));
    let vouched = typed != "None";
    if vouched {
        let expected = match reference.as_str() {
            PANICKED => PANICKED.to_owned(),
            result => format!("Some({result})"),
        };
        prop_assert_eq!(
            typed,
            expected,
            "the typed reader differs on {}",
            String::from_utf8_lossy(input)
        );
    }
    let public = outcome(|| import(Format::HousekeepingApp, kind, input, &ctx));
    prop_assert_eq!(
        public,
        reference,
        "import differs on {}",
        String::from_utf8_lossy(input)
    );
    Ok(vouched)
}

fn golden_orders() -> Vec<Value> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden/housekeeping-app/service-record");
    let mut seeds: Vec<Value> = fs::read_dir(root)
        .unwrap()
        .map(|case| {
            let bytes = fs::read(case.unwrap().path().join("native.json")).unwrap();
            serde_json::from_slice(&bytes).unwrap()
        })
        .collect();
    seeds.sort_by_key(Value::to_string);
    assert!(seeds.len() >= 2);
    seeds
}

// ---- Spelling: the same JSON written other ways ----

/// How to write a document: choices taken in turn (and cycled) per string, per integer
/// and per object.
#[derive(Clone, Debug)]
struct Spelling {
    /// Write every character of the string as a `\u` escape (keys too).
    escape: Vec<bool>,
    /// An integer as itself, `N.0` or `Ne0`.
    integer: Vec<u8>,
    /// Repeat the object's first key at its end with this value.
    repeat: Vec<Option<Value>>,
    /// Whitespace around every token.
    pad: &'static str,
}

impl Spelling {
    fn plain() -> Self {
        Self {
            escape: vec![false],
            integer: vec![0],
            repeat: vec![None],
            pad: "",
        }
    }

    fn write(&self, value: &Value) -> Vec<u8> {
        let mut writer = Writer {
            spelling: self,
            turns: [0; 3],
            out: String::new(),
        };
        writer.value(value);
        writer.out.into_bytes()
    }
}

struct Writer<'s> {
    spelling: &'s Spelling,
    turns: [usize; 3],
    out: String,
}

fn turn<T: Clone>(choices: &[T], count: &mut usize) -> T {
    let choice = choices[*count % choices.len()].clone();
    *count += 1;
    choice
}

impl Writer<'_> {
    fn value(&mut self, value: &Value) {
        let pad = self.spelling.pad;
        self.out.push_str(pad);
        match value {
            Value::String(text) => self.string(text),
            Value::Number(n) if !n.is_f64() => {
                match turn(&self.spelling.integer, &mut self.turns[1]) % 3 {
                    0 => self.out.push_str(&n.to_string()),
                    1 => self.out.push_str(&format!("{n}.0")),
                    _ => self.out.push_str(&format!("{n}e0")),
                }
            }
            Value::Array(items) => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.value(item);
                }
                self.out.push_str(pad);
                self.out.push(']');
            }
            Value::Object(map) => {
                self.out.push('{');
                for (i, (key, item)) in map.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.member(key, item);
                }
                let again = turn(&self.spelling.repeat, &mut self.turns[2]);
                if let (Some(again), Some(first)) = (again, map.keys().next()) {
                    self.out.push(',');
                    self.member(first, &again);
                }
                self.out.push_str(pad);
                self.out.push('}');
            }
            other => self.out.push_str(&other.to_string()),
        }
        self.out.push_str(pad);
    }

    fn member(&mut self, key: &str, value: &Value) {
        self.out.push_str(self.spelling.pad);
        self.string(key);
        self.out.push_str(self.spelling.pad);
        self.out.push(':');
        self.value(value);
    }

    fn string(&mut self, text: &str) {
        if turn(&self.spelling.escape, &mut self.turns[0]) {
            self.out.push('"');
            for unit in text.encode_utf16() {
                self.out.push_str(&format!("\\u{unit:04x}"));
            }
            self.out.push('"');
        } else {
            self.out.push_str(&Value::from(text).to_string());
        }
    }
}

/// Spellings the typed reader must still read: escapes and whitespace.
fn readable_spelling() -> impl Strategy<Value = Spelling> {
    (
        vec(prop::bool::weighted(0.2), 1..6),
        select(vec!["", " ", "\n\t "]),
    )
        .prop_map(|(escape, pad)| Spelling {
            escape,
            pad,
            ..Spelling::plain()
        })
}

fn any_spelling() -> impl Strategy<Value = Spelling> {
    (
        readable_spelling(),
        vec(
            prop_oneof![8 => Just(0u8), 1 => Just(1), 1 => Just(2)],
            1..6,
        ),
        vec(
            prop_oneof![8 => Just(None), 1 => Just(Some(Value::Null)), 1 => leaf().prop_map(Some)],
            1..6,
        ),
    )
        .prop_map(|(spelling, integer, repeat)| Spelling {
            integer,
            repeat,
            ..spelling
        })
}

// ---- Damage: values, keys and bytes changed ----

/// The keys of an order and a batch, to be added where they do not belong too.
const KEYS: [&str; 38] = [
    "orderNo",
    "elder",
    "gatewaySeniorId",
    "customerId",
    "sku",
    "skuCode",
    "skuName",
    "category",
    "aunt",
    "auntId",
    "name",
    "certNo",
    "serviceCode",
    "store",
    "storeId",
    "creditCode",
    "status",
    "appointment",
    "startAt",
    "endAt",
    "checkIn",
    "checkOut",
    "at",
    "lng",
    "lat",
    "coordType",
    "price",
    "totalFen",
    "subsidyFen",
    "payFen",
    "review",
    "stars",
    "content",
    "findings",
    "tag",
    "level",
    "remark",
    "updatedAt",
];

/// Values an order holds, right and wrong: codes, times, money, edge numbers, strings
/// of every kind.
fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        select(vec![
            "",
            "CLN-D-2H",
            "CLN-X",
            "COMPLETED",
            "PENDING",
            "FALL_RISK",
            "NEED_SERVICE",
            "BD09",
            "GCJ02",
            "WGS84",
            "GPS",
            "12000",
            "1793667600000",
            "91110105MA01ABCD13",
            "sen_01JC8W9Q4M5V3X2K7T6N1R0B9A",
            "李春梅",
            "😀\u{0}\"\\/\u{1f}\u{7f}\u{feff}",
            "orders",
        ])
        .prop_map(Value::from),
        (0i64..=5).prop_map(Value::from),
        select(vec![
            -1i64,
            0,
            12000,
            1_793_667_600_000,
            1_793_660_000_000,
            i64::MAX,
            i64::MIN,
            -377_705_116_800_001,
            253_402_300_800_000,
        ])
        .prop_map(Value::from),
        Just(Value::from(u64::MAX)),
        select(vec![116.474591, 39.930575, 1.5, -0.0, 1e300, 120.5]).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,6}".prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            vec((select(KEYS.to_vec()), inner), 0..4).prop_map(|pairs| Value::Object(
                pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

#[derive(Clone, Debug)]
enum Change {
    Replace(Index, Value),
    /// A string made empty, which the readers take as not given.
    Blank(Index),
    Remove(Index),
    Add(Index, String, Value),
}

fn change() -> impl Strategy<Value = Change> {
    let key = prop_oneof![
        4 => select(KEYS.to_vec()).prop_map(str::to_owned),
        1 => select(vec!["type", "items", "couponId"]).prop_map(str::to_owned),
        1 => ".{0,6}",
    ];
    prop_oneof![
        (any::<Index>(), json_value()).prop_map(|(at, v)| Change::Replace(at, v)),
        any::<Index>().prop_map(Change::Blank),
        any::<Index>().prop_map(Change::Remove),
        (any::<Index>(), key, json_value()).prop_map(|(at, k, v)| Change::Add(at, k, v)),
    ]
}

/// The JSON pointers of every node of `value`, the document itself first.
fn pointers(value: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let token = key.replace('~', "~0").replace('/', "~1");
                pointers(child, format!("{at}/{token}"), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                pointers(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

fn apply(document: &mut Value, change: &Change) {
    let mut all = Vec::new();
    pointers(document, String::new(), &mut all);
    match change {
        Change::Replace(at, value) => {
            *document.pointer_mut(&all[at.index(all.len())]).unwrap() = value.clone();
        }
        Change::Blank(at) => {
            let strings: Vec<&String> = all
                .iter()
                .filter(|p| document.pointer(p).is_some_and(Value::is_string))
                .collect();
            if strings.is_empty() {
                return;
            }
            let at = strings[at.index(strings.len())].clone();
            *document.pointer_mut(&at).unwrap() = Value::from("");
        }
        Change::Remove(at) => {
            let at = &all[at.index(all.len())];
            let Some((parent, token)) = at.rsplit_once('/') else {
                return;
            };
            let token = token.replace("~1", "/").replace("~0", "~");
            match document.pointer_mut(parent).unwrap() {
                Value::Object(map) => {
                    map.remove(&token);
                }
                Value::Array(items) => {
                    items.remove(token.parse::<usize>().unwrap());
                }
                _ => unreachable!("{parent} holds {at}"),
            }
        }
        Change::Add(at, key, value) => {
            let objects: Vec<&String> = all
                .iter()
                .filter(|p| document.pointer(p).is_some_and(Value::is_object))
                .collect();
            if objects.is_empty() {
                return;
            }
            let at = objects[at.index(objects.len())].clone();
            if let Some(Value::Object(map)) = document.pointer_mut(&at) {
                map.insert(key.clone(), value.clone());
            }
        }
    }
}

/// One change to the text.
#[derive(Clone, Debug)]
enum Edit {
    Flip(Index, u8),
    Insert(Index, &'static str),
    Delete(Index, usize),
    Truncate(Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<Index>(), 1u8..=255).prop_map(|(i, b)| Edit::Flip(i, b)),
        (
            any::<Index>(),
            select(vec![
                "\\ud800", "\\udc00", "\\u0000", "\"", ",", "{", "}", "[", "]", ":", "null", "0",
                "-", ".5", "e9", "\u{feff}", "\\", "\u{0}", "\u{80}",
            ])
        )
            .prop_map(|(i, piece)| Edit::Insert(i, piece)),
        (any::<Index>(), 1usize..16).prop_map(|(i, n)| Edit::Delete(i, n)),
        any::<Index>().prop_map(Edit::Truncate),
    ]
}

fn apply_edit(bytes: &mut Vec<u8>, edit: &Edit) {
    if bytes.is_empty() {
        return;
    }
    let len = bytes.len();
    match edit {
        Edit::Flip(i, b) => bytes[i.index(len)] ^= b,
        Edit::Insert(i, piece) => {
            let at = i.index(len);
            bytes.splice(at..at, piece.bytes());
        }
        Edit::Delete(i, n) => {
            let at = i.index(len);
            bytes.drain(at..(at + n).min(len));
        }
        Edit::Truncate(i) => bytes.truncate(i.index(len)),
    }
}

fn message() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => app::orders().prop_map(|orders| orders.message),
        1 => select(golden_orders()),
        1 => select(golden_orders()).prop_map(|golden| match golden.get("items") {
            Some(items) => items[0].clone(),
            None => json!({"type": "orders", "items": [golden.clone(), golden]}),
        }),
    ]
}

proptest! {
    #![proptest_config(common::proptest_config())]

    #[test]
    fn orders_as_the_app_sends_them_are_read_typed(
        orders in app::orders(),
        spelling in readable_spelling(),
    ) {
        prop_assert!(reads_alike(&spelling.write(&orders.message))?, "not read typed: {orders:?}");
        let items = match orders.message.get("items") {
            Some(Value::Array(items)) => items.clone(),
            _ => vec![orders.message.clone()],
        };
        // A message of one order is read typed or not at all: each order on its own
        // shows the typed reader vouched for it, not its fallback.
        for item in &items {
            prop_assert!(reads_alike(&spelling.write(item))?, "not read typed: {item:#}");
        }
    }

    #[test]
    fn orders_spelled_otherwise_or_damaged_read_alike(
        mut document in message(),
        changes in vec(change(), 0..4),
        spelling in any_spelling(),
        edits in prop_oneof![3 => Just(Vec::new()), 1 => vec(edit(), 1..3)],
        bom in prop::bool::weighted(0.1),
    ) {
        for change in &changes {
            apply(&mut document, change);
        }
        let mut bytes = spelling.write(&document);
        for edit in &edits {
            apply_edit(&mut bytes, edit);
        }
        if bom {
            bytes.splice(0..0, *b"\xEF\xBB\xBF");
        }
        reads_alike(&bytes)?;
    }
}

fn check(text: &str) -> bool {
    reads_alike(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn what_the_typed_reader_leaves_to_the_value_reader_reads_alike() {
    let ok = r#"{"orderNo": "A", "elder": {"customerId": "C1"}, "sku": {"skuCode": "CALL"},
        "store": {"creditCode": "91110105MA01ABCD13"}, "status": "PENDING"}"#;
    assert!(check(ok));
    assert!(check(&format!(
        r#"{{"type": "orders", "items": [{ok}, {ok}]}}"#
    )));
    assert!(check(&format!("\u{feff}{ok}\n")));
    // Escaped keys and strings are the same keys and strings.
    assert!(check(
        r#"{"order\u004eo": "\u0041\n", "sku": {"skuCode": "C\u0041LL"}, "status": null}"#
    ));
    for text in [
        // A key twice: the Value reader takes the last.
        r#"{"orderNo": "A", "orderNo": "B"}"#,
        r#"{"orderNo": "A", "orderNo": null}"#,
        r#"{"type": "orders", "items": [{}], "type": "orders"}"#,
        r#"{"type": "orders", "items": [{}], "items": [{"orderNo": "B"}]}"#,
        // Arrays where objects belong: serde would take them as the fields in order.
        r#"["A", {"customerId": "C1"}]"#,
        r#"{"elder": ["sen_01JC8W9Q4M5V3X2K7T6N1R0B9A", "C1"]}"#,
        r#"["orders", [{}]]"#,
        r#"{"type": "orders", "items": [["A"], {}]}"#,
        r#"{"type": "orders", "items": [null, "A", 1, {}]}"#,
        // Numbers the typed reader cannot take as the Value reader does.
        r#"{"price": {"totalFen": 1.0, "subsidyFen": 0, "payFen": 1}}"#,
        r#"{"price": {"totalFen": 1e3}}"#,
        r#"{"price": {"totalFen": 9223372036854775808}}"#,
        r#"{"price": {"totalFen": -0}}"#,
        r#"{"review": {"stars": "5"}}"#,
        r#"{"checkIn": {"at": 1793667730000, "lng": 1e400, "lat": 39.9}}"#,
        r#"{"checkIn": {"at": 1793667730000, "lng": 116.4}}"#,
        r#"{"appointment": {"startAt": 9223372036854775807}}"#,
        r#"{"findings": [{"level": 4}]}"#,
        r#"{"findings": {"level": 1}}"#,
        // Values only noted as there, of every kind.
        r#"{"updatedAt": {"at": 1}, "aunt": {"auntId": [1]}}"#,
        r#"{"updatedAt": false, "aunt": {"auntId": 778, "serviceCode": null}}"#,
        r#"{"sku": {"skuCode": "CALL", "skuName": "\ud800"}}"#,
        r#"{"updatedAt": "\udc00"}"#,
        r#"{"sku": {"skuCode": "CALL", "skuName": "\ud83d\ude00", "category": 1.5}}"#,
        // Keys no reader reads, and batches other than the plain one.
        r#"{"orderNo": "A", "couponId": "CP-1", "zzz": null}"#,
        r#"{"orderNo": "A", "type": "orders"}"#,
        r#"{"type": "orders", "items": [{}], "source": "app"}"#,
        r#"{"items": [{}], "type": "orders"}"#,
        r#"{"type": "stores", "items": [{}]}"#,
        r#"{"type": null, "items": [{}]}"#,
        r#"{"type": "orders", "items": []}"#,
        r#"{"type": "orders", "items": {}}"#,
        r#"{"items": [{}]}"#,
        // Not JSON, or not all of it.
        "",
        " \n",
        "null",
        r#""order""#,
        r#"{"orderNo": "A"} x"#,
        r#"{"type": "orders", "items": [{}, {"orderNo": "\ud800"}]}"#,
        r#"{"type": "orders", "items": [{}, {"orderNo": }]}"#,
        "{\"orderNo\": \"A\u{1}\"}",
    ] {
        check(text);
    }
    let invalid_utf8 = b"{\"type\": \"orders\", \"items\": [{}, {\"orderNo\": \"\xff\"}]}";
    reads_alike(invalid_utf8).unwrap();
}

/// An order whose `key` holds arrays `depth` deep.
fn nested(key: &str, depth: usize) -> String {
    format!(
        r#"{{"orderNo": "A", "{key}": {}1{}}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    )
}

#[test]
fn the_depth_limit_falls_where_the_value_reader_has_it() {
    // A key no reader reads, and one whose value is only noted as there.
    for key in ["couponId", "updatedAt"] {
        for depth in 118..=130 {
            let order = nested(key, depth);
            check(&order);
            check(&format!(
                r#"{{"type": "orders", "items": [{{}}, {order}]}}"#
            ));
        }
        check(&nested(key, 100_000));
    }
}

#[test]
fn a_batch_holds_at_most_5000_orders() {
    for count in [5000, 5001] {
        let items = vec![r#"{"orderNo": "A"}"#; count].join(",");
        let text = format!(r#"{{"type": "orders", "items": [{items}]}}"#);
        assert_eq!(check(&text), count == 5000);
    }
}

/// Amounts whose sum leaves i64 (the property test found them panicking the charge-sum
/// rule): refused alike by both readers as not adding up, not a panic.
#[test]
fn amounts_that_overflow_the_charge_sum_are_refused_alike() {
    let order = r#"{"orderNo": "A", "status": "CANCELLED",
        "price": {"totalFen": 1, "subsidyFen": 9223372036854775807, "payFen": 1}}"#;
    check(order);
    let ctx = common::context(Format::HousekeepingApp);
    let read = outcome(|| import_through_value(RecordKind::ServiceRecord, order.as_bytes(), &ctx));
    assert_ne!(read, PANICKED);
    assert!(read.contains("charge-sum"), "{read}");
}
