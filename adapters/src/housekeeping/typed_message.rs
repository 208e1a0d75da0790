//! Orders read without a `Value` tree: the fast path of `import` for the messages apps
//! send most, one order or a plain batch `{"type": "orders", "items"}`.
//!
//! Each item is first taken as its raw text (borrowed), then read into the typed order;
//! an item the typed reader cannot vouch for is parsed into a `Value` and read by
//! `order::read` as before, so a bad order is diagnosed by the one reader that always
//! did. Anything else (a batch with other keys, of another type or size, text that is
//! not JSON) leaves the whole message to `import_through_value`: this path returns
//! either the batch that reader would return or nothing.

use serde::Deserialize;
use serde_json::{Value, value::RawValue};

use super::{
    order,
    typed_order::{Json, Order, Text},
};
use crate::{
    Context, MAX_RECORDS_PER_DOCUMENT, RecordKind,
    batch::{Batch, Findings},
    trace::{Origin, Trace},
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Orders<'a> {
    #[serde(borrow, rename = "type")]
    kind: Text<'a>,
    #[serde(borrow)]
    items: Vec<&'a RawValue>,
}

/// The batch `import_through_value` would return for these bytes, when this path can
/// build the same; `None` leaves the message to it.
pub(super) fn read_orders(bytes: &[u8], participant: &str, ctx: &Context<'_>) -> Option<Batch> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // JSON text is UTF-8 throughout, so text that is not is refused by the `Value` reader
    // too; checked once here, the strings need no checking one by one.
    let text = std::str::from_utf8(bytes).ok()?;
    let mut batch = Batch::new(RecordKind::ServiceRecord.canonical());
    // One order alone: a batch fails this at its first key, so trying costs it nothing.
    if let Ok(Json(order)) = serde_json::from_str::<Json<Order>>(text) {
        let mut findings = Findings::default();
        let canonical = order.convert(&mut findings, participant).ok()?;
        admit(&mut batch, 0, canonical, findings, ctx);
        return Some(batch);
    }
    let Json(orders) = serde_json::from_str::<Json<Orders>>(text).ok()?;
    let count = orders.items.len();
    if orders.kind.0 != "orders" || !(1..=MAX_RECORDS_PER_DOCUMENT).contains(&count) {
        return None;
    }
    batch.records.reserve_exact(count);
    for (index, item) in orders.items.into_iter().enumerate() {
        let typed = serde_json::from_str::<Json<Order>>(item.get())
            .ok()
            .and_then(|Json(order)| {
                let mut findings = Findings::default();
                let canonical = order.convert(&mut findings, participant).ok()?;
                Some((canonical, findings))
            });
        match typed {
            Some((canonical, findings)) => admit(&mut batch, index, canonical, findings, ctx),
            None => {
                let record = as_batch_item(item.get())?;
                super::admit_value(
                    &mut batch,
                    index,
                    record,
                    order::read,
                    order::FIELDS,
                    participant,
                    ctx,
                );
            }
        }
    }
    Some(batch)
}

fn admit(
    batch: &mut Batch,
    index: usize,
    canonical: crate::canonical::Object,
    findings: Findings,
    ctx: &Context<'_>,
) {
    let trace = Trace::new(Origin::Record(index), order::FIELDS);
    batch.admit(Value::Object(canonical), trace, findings, ctx.now);
}

/// An item's text parsed as `message::for_each_record` parses it: nested as deep as in
/// the batch (two levels, the message and `items`), so the parser's depth limit falls
/// where it did. Text it refuses leaves the whole message to that reader, whose error
/// names the place in the document.
fn as_batch_item(text: &str) -> Option<Value> {
    let nested: [[Value; 1]; 1] = serde_json::from_str(&format!("[[{text}]]")).ok()?;
    let [[item]] = nested;
    Some(item)
}
