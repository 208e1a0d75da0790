//! `housekeeping-app`: a large housekeeping platform's partner format (shared/platforms/
//! housekeeping-app.md). camelCase JSON, epoch milliseconds, money in fen, district names
//! instead of codes, BD-09 coordinates unless `coordType` says otherwise. One object, or a
//! batch `{"type", "items"}`.

pub mod codes;
mod customer;
mod message;
mod order;
pub mod store;
mod typed_message;
mod typed_order;

use serde_json::{Map, Value};

use crate::{
    Context, Exported, Format, MAX_RECORDS_PER_DOCUMENT, RecordKind, Unusable,
    batch::{Batch, Findings},
    beijing_time, canonical,
    coords::{self, Datum, Point},
    native::Obj,
    rule,
    trace::{FieldMap, Origin, Trace},
};

/// The credit source of levels the app reports.
pub const CREDIT_SOURCE: &str = "housekeeping-app";

type Reader = fn(&mut Obj<'_>, &mut Findings, &str) -> canonical::Object;

pub(crate) fn import(kind: RecordKind, input: &[u8], ctx: &Context<'_>) -> Result<Batch, Unusable> {
    if kind == RecordKind::ServiceRecord
        && let Some(batch) = import_typed_orders(input, ctx)
    {
        return Ok(batch);
    }
    import_through_value(kind, input, ctx)
}

/// Orders through the typed reader: the batch `import_through_value` returns for
/// `input`, or `None` where the typed reader cannot vouch for giving the same. Public
/// (hidden) so that the equivalence test can hold it to both halves of that promise.
#[doc(hidden)]
pub fn import_typed_orders(input: &[u8], ctx: &Context<'_>) -> Option<Batch> {
    typed_message::read_orders(input, ctx.participant?, ctx)
}

/// The reader every message goes through when the typed one for orders cannot vouch for
/// it: each record parsed into a `serde_json::Value` and read key by key. Its results and
/// diagnostics are the reference the typed reader is held to; public (hidden) so that the
/// benchmark and the equivalence test can run both on the same input.
#[doc(hidden)]
pub fn import_through_value(
    kind: RecordKind,
    input: &[u8],
    ctx: &Context<'_>,
) -> Result<Batch, Unusable> {
    let (batch_type, read, map): (&str, Reader, FieldMap) = match kind {
        RecordKind::ServiceRecord => ("orders", order::read, order::FIELDS),
        RecordKind::Provider => ("stores", store::read, store::FIELDS),
        _ => {
            return Err(Unusable::Unsupported {
                from: Format::HousekeepingApp,
                to: Format::Canonical,
                kind,
            });
        }
    };
    let participant = ctx.require_participant(Format::HousekeepingApp, kind)?;
    let mut batch = Batch::new(kind.canonical());
    let extra = message::for_each_record(input, batch_type, &mut |index, record| {
        admit_value(&mut batch, index, record, read, map, participant, ctx);
    })?;
    for key in extra {
        batch.report.not_carried.push(crate::NotCarried {
            location: crate::Location::Document {
                path: Some(jiayang_schemas::child_pointer("", &key)),
            },
            message: crate::Note {
                zh: "批量消息中的未知字段，未转换",
                en: "an unknown batch field; it was left out",
            },
        });
    }
    Ok(batch)
}

/// One record as a parsed `Value`, read key by key, into the batch.
fn admit_value(
    batch: &mut Batch,
    index: usize,
    record: Value,
    read: Reader,
    map: FieldMap,
    participant: &str,
    ctx: &Context<'_>,
) {
    let mut findings = Findings::default();
    let trace = Trace::new(Origin::Record(index), map);
    let Some(mut fields) = Obj::root(&record, &mut findings) else {
        batch.admit(Value::Null, trace, findings, ctx.now);
        return;
    };
    let canonical = read(&mut fields, &mut findings, participant);
    fields.finish(&mut findings);
    batch.admit(Value::Object(canonical), trace, findings, ctx.now);
}

pub(crate) fn export(
    kind: RecordKind,
    batch: &Batch,
    ctx: &Context<'_>,
) -> Result<Exported, Unusable> {
    type Writer = fn(&Value, &mut Findings, &Context<'_>) -> Map<String, Value>;
    let (batch_type, write): (&str, Writer) = match kind {
        RecordKind::Provider => ("stores", store::write),
        RecordKind::Customer => ("customers", customer::write),
        _ => {
            return Err(Unusable::Unsupported {
                from: Format::Canonical,
                to: Format::HousekeepingApp,
                kind,
            });
        }
    };
    let mut exported = Exported {
        report: batch.report.clone(),
        ..Exported::default()
    };
    let mut items = Vec::new();
    for converted in &batch.records {
        let mut findings = Findings::default();
        let item = write(&converted.document, &mut findings, ctx);
        if findings.into_report(&converted.trace, &mut exported.report) {
            items.push(Value::Object(item));
        }
    }
    // The format holds 1 to 5000 records: nothing converted means no document at all.
    for chunk in items.chunks(MAX_RECORDS_PER_DOCUMENT) {
        let mut message = Map::new();
        message.insert("type".into(), batch_type.into());
        message.insert("items".into(), Value::Array(chunk.to_vec()));
        exported.documents.push(Value::Object(message));
    }
    Ok(exported)
}

/// Epoch milliseconds → RFC 3339 UTC.
fn instant(o: &mut Obj<'_>, f: &mut Findings, key: &str) -> Option<String> {
    let ms = o.integer(f, key)?;
    let parsed = beijing_time::from_epoch_ms(ms).map(beijing_time::rfc3339_utc);
    if parsed.is_none() {
        f.violation(
            o.path(key),
            jiayang_schemas::rule::TIMESTAMP_FORMAT,
            format!("时间 {ms} 不是有效的纪元毫秒数"),
            format!("{ms} is not a usable time in epoch milliseconds"),
        );
    }
    parsed
}

/// `lng`, `lat` and `coordType` of an object → a GCJ-02 `geo`.
fn geo(o: &mut Obj<'_>, f: &mut Findings) -> Option<Value> {
    let lng = o.number(f, "lng");
    let lat = o.number(f, "lat");
    let datum = match o.text(f, "coordType") {
        None => Some(Datum::Bd09),
        Some(name) => codes::COORD_TYPE
            .read(f, || o.path("coordType"), name)
            .and_then(Datum::from_coord_type),
    };
    match (lng, lat) {
        (Some(lng), Some(lat)) => {
            let gcj = coords::to_gcj02(Point { lng, lat }, datum?);
            Some(canonical::geo(gcj.lng, gcj.lat))
        }
        (None, None) => None,
        (lng, _) => {
            let missing = if lng.is_none() { "lng" } else { "lat" };
            f.violation(
                o.path(missing),
                rule::COORDINATE_FORMAT,
                "经度和纬度必须同时提供",
                "lng and lat come together",
            );
            None
        }
    }
}

/// A GCJ-02 `geo` written as BD-09 `lng`, `lat` and `coordType`.
fn write_geo(out: &mut Map<String, Value>, holder: &Value) {
    if let Some((lng, lat)) = canonical::point(holder) {
        let bd = coords::gcj02_to_bd09(Point { lng, lat });
        out.insert("lng".into(), bd.lng.into());
        out.insert("lat".into(), bd.lat.into());
        out.insert("coordType".into(), Datum::Bd09.coord_type().into());
    }
}

/// The app's id of a record: the participant's external id, else the gateway's id. Other
/// participants' ids are not carried.
fn native_id<'a>(doc: &'a Value, f: &mut Findings, participant: Option<&str>) -> Option<&'a str> {
    let own = participant.and_then(|p| canonical::own_external_id(doc, p));
    for i in 0..canonical::list(doc, "externalIds").len() {
        if own.map(|(j, _)| j) != Some(i) {
            f.not_carried(format!("/externalIds/{i}"));
        }
    }
    own.map(|(_, id)| id).or_else(|| canonical::text(doc, "id"))
}
