//! The shared schema of Jiayang: JSON Schemas for every canonical resource, the reference
//! code tables, and the one validator every door uses (gRPC, REST, native formats and the
//! conformance suite), so the same bad record gets the same violations wherever it enters.
//!
//! ```
//! use jiayang_schemas::{Kind, validate};
//! let record = serde_json::json!({"name": "王秀英"});
//! let violations = validate(Kind::Senior, &record);
//! assert!(violations.iter().any(|v| v.path == "/birthDate" && v.rule == "required"));
//! ```

mod kind;
pub mod reference;
pub mod rule;
mod rules;
pub mod schema;
mod violation;

use serde_json::Value;
use time::OffsetDateTime;

pub use kind::{Kind, UnknownKind};
pub use rules::{control_character, id_card_check_digit, uscc_check_character};
pub use violation::{Lang, LocalizedViolation, Message, Violation, child_pointer, push_pointer};

/// Every violation of `document` against the kind's schema and domain rules, in document
/// order of discovery: structure first, then the domain rules. Empty means valid.
pub fn validate(kind: Kind, document: &Value) -> Vec<Violation> {
    validate_at(kind, document, OffsetDateTime::now_utc())
}

/// [`validate`] as of a given moment, for the not-in-the-future rules.
pub fn validate_at(kind: Kind, document: &Value, now: OffsetDateTime) -> Vec<Violation> {
    let mut out = Vec::new();
    schema::check(kind, document, &mut out);
    rules::check(kind, document, now, &mut out);
    out
}

/// Parses `json` and validates it; text that is not JSON is one `json-syntax` violation.
pub fn validate_json(kind: Kind, json: &[u8]) -> Vec<Violation> {
    match serde_json::from_slice::<Value>(json) {
        Ok(document) => validate(kind, &document),
        Err(error) => vec![json_syntax(&error)],
    }
}

/// The violation for text that does not parse as JSON.
pub fn json_syntax(error: &serde_json::Error) -> Violation {
    let (line, column) = (error.line(), error.column());
    Violation::new(
        "",
        rule::JSON_SYNTAX,
        format!("不是有效的 JSON（第 {line} 行第 {column} 列）"),
        format!("not valid JSON (line {line}, column {column})"),
    )
}
