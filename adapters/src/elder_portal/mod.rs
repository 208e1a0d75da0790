//! `elder-portal`: the Beijing elder-care portal's exchange format (shared/platforms/
//! elder-portal.md). A JSON envelope (`BBH`, `SJLX`, `FSDW`, `FSSJ`, `JLS`) around records
//! keyed by pinyin initials, every value a string.

pub mod codes;
mod consent;
mod fields;
pub mod provider;
mod senior;
mod service_record;

use serde_json::{Map, Value};

use crate::{
    Context, Exported, Format, MAX_RECORDS_PER_DOCUMENT, RecordKind, Unusable,
    batch::{Batch, Findings},
    beijing_time,
    canonical::{self, Object},
    native::{self, Obj},
    report::{Location, NotCarried},
    rule,
    trace::{FieldMap, Origin, Trace},
};

/// The participant id of the portal, when the caller names none.
pub const DEFAULT_PARTICIPANT: &str = "bj-elder-portal";
/// The sender code written into outbound envelopes when the caller names no participant.
pub const DEFAULT_SENDER: &str = "jiayang";

type Reader = fn(&mut Obj<'_>, &mut Findings, &str) -> Object;
type Writer = fn(&Value, &mut Findings, &str) -> Map<String, Value>;

/// `SJLX`, the record converters and the field map of a kind.
fn kind_parts(kind: RecordKind) -> Option<(&'static str, Reader, Writer, FieldMap)> {
    match kind {
        RecordKind::Senior | RecordKind::Customer => {
            Some(("LNRXX", senior::read, senior::write, senior::FIELDS))
        }
        RecordKind::ServiceRecord => Some((
            "FWJL",
            service_record::read,
            service_record::write,
            service_record::FIELDS,
        )),
        RecordKind::Provider => Some(("FWSXX", provider::read, provider::write, provider::FIELDS)),
        RecordKind::Consent => Some(("SQTY", consent::read, consent::write, consent::FIELDS)),
    }
}

pub(crate) fn import(kind: RecordKind, input: &[u8], ctx: &Context<'_>) -> Result<Batch, Unusable> {
    let (record_type, read, _, map) = kind_parts(kind).ok_or(Unusable::Unsupported {
        from: Format::ElderPortal,
        to: Format::Canonical,
        kind,
    })?;
    let participant = ctx.participant.unwrap_or(DEFAULT_PARTICIPANT);
    let document = native::parse_document(input)?;
    let Some(envelope) = document.as_object() else {
        return Err(Unusable::envelope(
            "",
            "门户报文应为 JSON 对象（含 BBH、SJLX、FSDW、FSSJ、JLS）",
            "a portal message is a JSON object (BBH, SJLX, FSDW, FSSJ, JLS)",
        ));
    };
    let records = check_envelope(envelope, record_type)?;
    let mut batch = Batch::new(kind.canonical());
    for key in envelope.keys() {
        if !["BBH", "SJLX", "FSDW", "FSSJ", "JLS"].contains(&key.as_str()) {
            batch.report.not_carried.push(NotCarried {
                location: Location::Document {
                    path: Some(jiayang_schemas::child_pointer("", key)),
                },
                message: crate::Note {
                    zh: "报文头中的未知字段，未转换",
                    en: "an unknown envelope field; it was left out",
                },
            });
        }
    }
    for (index, record) in records.iter().enumerate() {
        let mut findings = Findings::default();
        let trace = Trace::new(Origin::Record(index), map);
        let Some(mut fields) = Obj::root(record, &mut findings) else {
            batch.admit(Value::Null, trace, findings, ctx.now);
            continue;
        };
        let canonical = read(&mut fields, &mut findings, participant);
        fields.finish(&mut findings);
        batch.admit(Value::Object(canonical), trace, findings, ctx.now);
    }
    Ok(batch)
}

fn check_envelope<'a>(
    envelope: &'a Map<String, Value>,
    record_type: &str,
) -> Result<&'a Vec<Value>, Unusable> {
    match envelope.get("BBH") {
        Some(Value::String(version)) if version == "1.0" => {}
        other => {
            let found = other.map_or_else(|| "（无）".to_owned(), Value::to_string);
            return Err(Unusable::Envelope {
                path: "/BBH".into(),
                rule: rule::ENVELOPE_VERSION,
                message: jiayang_schemas::Message::new(
                    format!("只接受版本号 BBH \"1.0\"，收到 {found}"),
                    format!("only version BBH \"1.0\" is accepted, got {found}"),
                ),
            });
        }
    }
    match envelope.get("SJLX").and_then(Value::as_str) {
        Some(found) if found == record_type => {}
        found => {
            let found = found.unwrap_or("（无）");
            return Err(Unusable::envelope(
                "/SJLX",
                format!("数据类型 SJLX 应为 {record_type}，收到 {found}"),
                format!("record type SJLX must be {record_type} for this kind, got {found}"),
            ));
        }
    }
    if envelope
        .get("FSDW")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(Unusable::envelope(
            "/FSDW",
            "缺少发送单位 FSDW",
            "the sender code FSDW is missing",
        ));
    }
    let fssj = envelope.get("FSSJ").and_then(Value::as_str);
    if fssj
        .and_then(beijing_time::parse_compact_beijing_datetime)
        .is_none()
    {
        return Err(Unusable::envelope(
            "/FSSJ",
            "发送时间 FSSJ 应为北京时间 yyyyMMddHHmmss",
            "the send time FSSJ must be Beijing time yyyyMMddHHmmss",
        ));
    }
    match envelope.get("JLS") {
        Some(Value::Array(records)) if (1..=MAX_RECORDS_PER_DOCUMENT).contains(&records.len()) => {
            Ok(records)
        }
        _ => Err(Unusable::envelope(
            "/JLS",
            format!("记录 JLS 应为含 1 至 {MAX_RECORDS_PER_DOCUMENT} 条记录的数组"),
            format!("the records JLS must be an array of 1 to {MAX_RECORDS_PER_DOCUMENT} records"),
        )),
    }
}

pub(crate) fn export(
    kind: RecordKind,
    batch: &Batch,
    ctx: &Context<'_>,
) -> Result<Exported, Unusable> {
    let (record_type, _, write, _) = kind_parts(kind)
        .filter(|_| kind != RecordKind::Customer)
        .ok_or(Unusable::Unsupported {
            from: Format::Canonical,
            to: Format::ElderPortal,
            kind,
        })?;
    let participant = ctx.participant.unwrap_or(DEFAULT_PARTICIPANT);
    let mut exported = Exported {
        report: batch.report.clone(),
        ..Exported::default()
    };
    let mut records = Vec::new();
    for converted in &batch.records {
        let mut findings = Findings::default();
        let record = write(&converted.document, &mut findings, participant);
        if findings.into_report(&converted.trace, &mut exported.report) {
            records.push(Value::Object(record));
        }
    }
    let sender = ctx.participant.unwrap_or(DEFAULT_SENDER);
    let sent_at = beijing_time::compact_beijing_datetime(ctx.now);
    // The format holds 1 to 5000 records: nothing converted means no document at all.
    for chunk in records.chunks(MAX_RECORDS_PER_DOCUMENT) {
        let mut envelope = Map::new();
        envelope.insert("BBH".into(), "1.0".into());
        envelope.insert("SJLX".into(), record_type.into());
        envelope.insert("FSDW".into(), sender.into());
        envelope.insert("FSSJ".into(), sent_at.clone().into());
        envelope.insert("JLS".into(), Value::Array(chunk.to_vec()));
        exported.documents.push(Value::Object(envelope));
    }
    Ok(exported)
}

/// The record's number in the portal: the participant's own external id, else the
/// gateway's id. Other participants' ids are not carried.
fn native_id<'a>(doc: &'a Value, f: &mut Findings, participant: &str) -> Option<&'a str> {
    let own = canonical::own_external_id(doc, participant);
    for i in 0..canonical::list(doc, "externalIds").len() {
        if own.map(|(j, _)| j) != Some(i) {
            f.not_carried(format!("/externalIds/{i}"));
        }
    }
    own.map(|(_, id)| id).or_else(|| canonical::text(doc, "id"))
}

/// Server-set fields the format has no place for.
fn server_set(doc: &Value, f: &mut Findings, keys: &[&str]) {
    for key in keys {
        if doc.get(*key).is_some() {
            f.not_carried(format!("/{key}"));
        }
    }
}
