//! The embedded JSON Schemas (2020-12), compiled once, and the translation of their
//! errors into violations.

use std::sync::LazyLock;

use jsonschema::{Registry, Validator, error::ValidationErrorKind};
use serde_json::Value;

use crate::{Kind, Violation, rule, violation::child_pointer};

/// Base URI of every schema's `$id`.
pub const BASE_URI: &str = "https://schemas.jiayang.local/v1/";

/// The schema files, by file name, as embedded.
pub const FILES: [(&str, &str); 6] = [
    (
        "common.schema.json",
        include_str!("../json/common.schema.json"),
    ),
    (
        "senior.schema.json",
        include_str!("../json/senior.schema.json"),
    ),
    (
        "service-record.schema.json",
        include_str!("../json/service-record.schema.json"),
    ),
    (
        "provider.schema.json",
        include_str!("../json/provider.schema.json"),
    ),
    (
        "worker.schema.json",
        include_str!("../json/worker.schema.json"),
    ),
    (
        "consent.schema.json",
        include_str!("../json/consent.schema.json"),
    ),
];

/// The schema document of one kind, parsed.
pub fn schema_of(kind: Kind) -> Value {
    document(&file_name(kind))
}

/// The parsed schema file with this name (one of [`FILES`]).
pub fn document(name: &str) -> Value {
    let (_, text) = FILES
        .iter()
        .find(|(file, _)| *file == name)
        .unwrap_or_else(|| panic!("no embedded schema {name}"));
    serde_json::from_str(text).unwrap_or_else(|e| panic!("embedded schema {name} is not JSON: {e}"))
}

fn file_name(kind: Kind) -> String {
    format!("{}.schema.json", kind.as_str())
}

struct Compiled {
    validators: Vec<(Kind, Validator)>,
}

static COMPILED: LazyLock<Compiled> = LazyLock::new(|| {
    let mut registry = Registry::new();
    for (name, _) in FILES {
        registry = registry
            .add(format!("{BASE_URI}{name}"), document(name))
            .unwrap_or_else(|e| panic!("embedded schema {name} does not register: {e}"));
    }
    let registry = registry.prepare().expect("embedded schemas resolve");
    let validators = Kind::ALL
        .into_iter()
        .map(|kind| {
            let validator = jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .should_validate_formats(false)
                .with_registry(&registry)
                .build(&schema_of(kind))
                .unwrap_or_else(|e| panic!("embedded schema for {kind} does not compile: {e}"));
            (kind, validator)
        })
        .collect();
    Compiled { validators }
});

/// Checks `document` against the kind's JSON Schema and appends a violation per error.
pub fn check(kind: Kind, document: &Value, out: &mut Vec<Violation>) {
    let validator = &COMPILED
        .validators
        .iter()
        .find(|(k, _)| *k == kind)
        .expect("every kind compiled")
        .1;
    // The fast boolean path first: almost every record is valid.
    if validator.is_valid(document) {
        return;
    }
    for error in validator.iter_errors(document) {
        let at = error.instance_path().as_str().to_owned();
        translate(at, error.kind(), out);
    }
}

fn translate(at: String, kind: &ValidationErrorKind, out: &mut Vec<Violation>) {
    let violation = match kind {
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            Violation::new(
                child_pointer(&at, name),
                rule::REQUIRED,
                format!("缺少必填字段 {name}"),
                format!("required field {name} is missing"),
            )
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            for name in unexpected {
                out.push(Violation::new(
                    child_pointer(&at, name),
                    rule::UNKNOWN_FIELD,
                    format!("未知字段 {name}"),
                    format!("unknown field {name}"),
                ));
            }
            return;
        }
        ValidationErrorKind::Type { kind } => {
            let expected = type_name(&format!("{kind:?}"));
            Violation::new(
                at,
                rule::TYPE,
                format!("类型错误，应为{}", expected.0),
                format!("must be {}", expected.1),
            )
        }
        ValidationErrorKind::Enum { options } => {
            let allowed = options
                .as_array()
                .map(|values| {
                    values
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default();
            Violation::new(
                at,
                rule::ENUM,
                format!("取值无效，应为：{allowed}"),
                format!("must be one of: {allowed}"),
            )
        }
        ValidationErrorKind::Minimum { limit } => Violation::new(
            at,
            rule::MINIMUM,
            format!("不得小于 {limit}"),
            format!("must be at least {limit}"),
        ),
        ValidationErrorKind::Maximum { limit } => Violation::new(
            at,
            rule::MAXIMUM,
            format!("不得大于 {limit}"),
            format!("must be at most {limit}"),
        ),
        ValidationErrorKind::MinLength { limit: 1 } => {
            Violation::new(at, rule::EMPTY, "不得为空字符串", "must not be empty")
        }
        ValidationErrorKind::MaxLength { limit } => Violation::new(
            at,
            rule::MAX_LENGTH,
            format!("长度不得超过 {limit} 个字符"),
            format!("must be at most {limit} characters long"),
        ),
        ValidationErrorKind::MinItems { limit } => Violation::new(
            at,
            rule::MIN_ITEMS,
            format!("至少需要 {limit} 项"),
            format!("must have at least {limit} item(s)"),
        ),
        ValidationErrorKind::MaxItems { limit } => Violation::new(
            at,
            rule::MAX_ITEMS,
            format!("不得超过 {limit} 项"),
            format!("must have at most {limit} items"),
        ),
        ValidationErrorKind::UniqueItems => Violation::new(
            at,
            rule::UNIQUE_ITEMS,
            "列表中有重复项",
            "must not repeat an item",
        ),
        ValidationErrorKind::Pattern { .. } => {
            Violation::new(at, rule::PATTERN, "格式不正确", "has the wrong format")
        }
        other => Violation::new(
            at,
            rule::SCHEMA,
            format!("不符合模式：{other:?}"),
            format!("does not match the schema: {other:?}"),
        ),
    };
    out.push(violation);
}

/// Chinese and English names of a JSON type as jsonschema's `TypeKind` debug-prints it.
fn type_name(debug: &str) -> (&'static str, &'static str) {
    let lower = debug.to_ascii_lowercase();
    let pick = |name: &str| lower.contains(name);
    if pick("object") {
        ("对象", "an object")
    } else if pick("array") {
        ("数组", "an array")
    } else if pick("string") {
        ("字符串", "a string")
    } else if pick("integer") {
        ("整数", "an integer")
    } else if pick("number") {
        ("数字", "a number")
    } else if pick("boolean") {
        ("布尔值", "true or false")
    } else {
        ("其他类型", "another type")
    }
}
