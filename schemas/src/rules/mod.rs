//! The domain rules JSON Schema cannot say. Each function reads the document as sent
//! (a `serde_json::Value`), so paths are pointers into exactly what the caller wrote, and
//! skips any part whose shape is wrong: the schema already reports that.

mod common;
mod consent;
mod national;
mod provider;
mod senior;
mod service_record;
mod text;
mod worker;

use serde_json::Value;
use time::{Date, OffsetDateTime, UtcOffset};

use crate::{Kind, Violation};

pub use national::{id_card_check_digit, uscc_check_character};
pub use text::control_character;

/// Beijing time, for "today" in not-in-the-future checks.
const BEIJING: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(offset) => offset,
    Err(_) => panic!("UTC+8 is a valid offset"),
};

/// What every rule needs: where to report, and the present moment.
pub(crate) struct Checker<'a> {
    out: &'a mut Vec<Violation>,
    now: OffsetDateTime,
    today: Date,
}

impl<'a> Checker<'a> {
    fn new(out: &'a mut Vec<Violation>, now: OffsetDateTime) -> Self {
        Self {
            out,
            now,
            today: now.to_offset(BEIJING).date(),
        }
    }

    fn report(
        &mut self,
        path: impl Into<String>,
        rule: &'static str,
        zh: impl Into<String>,
        en: impl Into<String>,
    ) {
        self.out.push(Violation::new(path, rule, zh, en));
    }
}

/// Applies the kind's domain rules to a document, as of `now`.
pub(crate) fn check(kind: Kind, document: &Value, now: OffsetDateTime, out: &mut Vec<Violation>) {
    let Some(doc) = document.as_object() else {
        return;
    };
    let mut checker = Checker::new(out, now);
    text::check(&mut checker, document);
    common::external_ids(&mut checker, doc);
    match kind {
        Kind::Senior => senior::check(&mut checker, doc),
        Kind::ServiceRecord => service_record::check(&mut checker, doc),
        Kind::Provider => provider::check(&mut checker, doc),
        Kind::Worker => worker::check(&mut checker, doc),
        Kind::Consent => consent::check(&mut checker, doc),
    }
}
