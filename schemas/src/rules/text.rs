//! Text as people write it: no control characters. A NUL or an escape sequence in a name
//! or an id is a fault of the sender (and PostgreSQL cannot store a NUL at all), so it is
//! refused where it stands, on every kind, whatever the database.

use serde_json::Value;

use super::Checker;
use crate::{Violation, child_pointer, rule};

/// A control character that has no place in any text: C0 controls and DEL. Tabs and
/// line breaks are allowed (comments and notes may have several lines).
fn is_control(c: char) -> bool {
    (c.is_ascii_control() && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{7f}'
}

/// For a text outside any document (a note, a reason, a participant's name): the
/// violation of its first control character, at `pointer`.
pub fn control_character(pointer: &str, text: &str) -> Option<Violation> {
    let c = text.chars().find(|c| is_control(*c))?;
    let code = format!("U+{:04X}", u32::from(c));
    Some(Violation::new(
        pointer,
        rule::CONTROL_CHARACTER,
        format!("文本含有控制字符 {code}"),
        format!("the text holds the control character {code}"),
    ))
}

pub(super) fn check(checker: &mut Checker<'_>, document: &Value) {
    // Every write validates its documents: the usual clean one is looked at without
    // building a pointer per field (that alone cost a fifth of the validation).
    if holds_control(document) {
        report(checker, document, "");
    }
}

fn holds_control(value: &Value) -> bool {
    match value {
        // A control character is one byte in UTF-8, and no byte of a multi-byte
        // character is below 0x80.
        Value::String(text) => text
            .bytes()
            .any(|b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0x7f),
        Value::Array(items) => items.iter().any(holds_control),
        Value::Object(fields) => fields.values().any(holds_control),
        _ => false,
    }
}

fn report(checker: &mut Checker<'_>, value: &Value, pointer: &str) {
    match value {
        Value::String(text) => {
            if let Some(c) = text.chars().find(|c| is_control(*c)) {
                let code = format!("U+{:04X}", u32::from(c));
                checker.report(
                    pointer,
                    rule::CONTROL_CHARACTER,
                    format!("文本含有控制字符 {code}"),
                    format!("the text holds the control character {code}"),
                );
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                report(checker, item, &child_pointer(pointer, &index.to_string()));
            }
        }
        Value::Object(fields) => {
            for (name, field) in fields {
                report(checker, field, &child_pointer(pointer, name));
            }
        }
        _ => {}
    }
}
