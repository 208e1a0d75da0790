//! FWJL 服务记录 ⇄ ServiceRecord.

use serde_json::{Map, Value};

use super::{codes, fields};
use crate::{
    batch::Findings,
    canonical::{self, Object, put, put_list, put_object, text},
    money,
    native::Obj,
    rule,
    trace::FieldMap,
};

pub(super) const FIELDS: FieldMap = &[
    ("/externalIds", "/FWJLBH"),
    ("/senior", "/LNRBH"),
    ("/provider", "/TYSHXYDM"),
    ("/worker", "/FWRYXM"),
    ("/worker/name", "/FWRYXM"),
    ("/worker/certificateNo", "/FWRYZH"),
    ("/serviceItem", "/FWXMDM"),
    ("/status", "/FWZT"),
    ("/scheduled", "/YYKSSJ"),
    ("/scheduled/start", "/YYKSSJ"),
    ("/scheduled/end", "/YYJSSJ"),
    ("/checkIn", "/KSSJ"),
    ("/checkIn/at", "/KSSJ"),
    ("/checkIn/geo", "/QDJD"),
    ("/checkIn/geo/lng", "/QDJD"),
    ("/checkIn/geo/lat", "/QDWD"),
    ("/checkOut", "/JSSJ"),
    ("/checkOut/at", "/JSSJ"),
    ("/checkOut/geo", "/QTJD"),
    ("/checkOut/geo/lng", "/QTJD"),
    ("/checkOut/geo/lat", "/QTWD"),
    ("/charge", "/FWJE"),
    ("/charge/totalFen", "/FWJE"),
    ("/charge/subsidyFen", "/BTJE"),
    ("/charge/selfPayFen", "/ZFJE"),
    ("/rating", "/PJXJ"),
    ("/rating/stars", "/PJXJ"),
    ("/rating/comment", "/PJNR"),
    ("/observations", "/FXWT"),
    ("/observations/*/note", "/FXWTMS"),
    ("/observations/*", "/FXWT"),
];

pub(super) fn read(o: &mut Obj<'_>, f: &mut Findings, participant: &str) -> Object {
    let mut out = Object::new();
    put(
        &mut out,
        "externalIds",
        canonical::external_ids(participant, o.text(f, "FWJLBH")),
    );
    let mut senior = Object::new();
    put(
        &mut senior,
        "externalId",
        o.text(f, "LNRBH")
            .map(|id| canonical::external_id(participant, id)),
    );
    out.insert("senior".into(), Value::Object(senior));
    let mut provider = Object::new();
    put(&mut provider, "uscc", o.text(f, "TYSHXYDM"));
    out.insert("provider".into(), Value::Object(provider));
    let mut worker = Object::new();
    put(&mut worker, "name", o.text(f, "FWRYXM"));
    put(&mut worker, "certificateNo", o.text(f, "FWRYZH"));
    put_object(&mut out, "worker", worker);
    put(
        &mut out,
        "serviceItem",
        fields::code(o, f, "FWXMDM", &codes::SERVICE),
    );
    put(
        &mut out,
        "status",
        fields::code(o, f, "FWZT", &codes::RECORD_STATUS),
    );

    let mut scheduled = Object::new();
    put(&mut scheduled, "start", fields::datetime(o, f, "YYKSSJ"));
    put(&mut scheduled, "end", fields::datetime(o, f, "YYJSSJ"));
    put_object(&mut out, "scheduled", scheduled);
    for (name, time, lng, lat) in [
        ("checkIn", "KSSJ", "QDJD", "QDWD"),
        ("checkOut", "JSSJ", "QTJD", "QTWD"),
    ] {
        let mut presence = Object::new();
        put(&mut presence, "at", fields::datetime(o, f, time));
        put(&mut presence, "geo", fields::geo(o, f, lng, lat));
        put_object(&mut out, name, presence);
    }

    let mut charge = Object::new();
    put(&mut charge, "totalFen", fields::yuan(o, f, "FWJE"));
    put(&mut charge, "subsidyFen", fields::yuan(o, f, "BTJE"));
    put(&mut charge, "selfPayFen", fields::yuan(o, f, "ZFJE"));
    put_object(&mut out, "charge", charge);

    let mut rating = Object::new();
    put(&mut rating, "stars", fields::integer(o, f, "PJXJ", 1..=5));
    put(&mut rating, "comment", o.text(f, "PJNR"));
    put_object(&mut out, "rating", rating);

    let findings = fields::codes(o, f, "FXWT", &codes::FINDING);
    let note = o.text(f, "FXWTMS");
    if findings.is_empty() && note.is_some() {
        f.not_carried(o.path("FXWTMS"));
    }
    let observations = findings
        .into_iter()
        .map(|code| {
            let mut observation = Object::new();
            observation.insert("code".into(), code.into());
            // The portal has no severity; the spec reads every finding as MEDIUM.
            observation.insert("severity".into(), "MEDIUM".into());
            put(&mut observation, "note", note);
            Value::Object(observation)
        })
        .collect();
    put_list(&mut out, "observations", observations);
    o.drop_field(f, "BZ");
    out
}

pub(super) fn write(doc: &Value, f: &mut Findings, participant: &str) -> Map<String, Value> {
    let mut out = Map::new();
    let put_s = |out: &mut Map<String, Value>, key: &str, value: Option<&str>| {
        put(out, key, value.map(str::to_owned));
    };
    put_s(&mut out, "FWJLBH", super::native_id(doc, f, participant));
    put_s(&mut out, "LNRBH", senior_number(doc, f, participant));
    match doc.get("provider").and_then(|p| p.get("uscc")).and_then(Value::as_str) {
        Some(uscc) => put_s(&mut out, "TYSHXYDM", Some(uscc)),
        None => f.violation(
            "/provider",
            rule::NOT_REPRESENTABLE,
            "门户以统一社会信用代码指代服务商；此记录的服务商引用不是信用代码",
            "the portal names providers by credit code; this record's provider reference is not one",
        ),
    }
    if let Some(worker) = doc.get("worker") {
        put_s(&mut out, "FWRYXM", text(worker, "name"));
        put_s(&mut out, "FWRYZH", text(worker, "certificateNo"));
    }
    put_s(
        &mut out,
        "FWXMDM",
        text(doc, "serviceItem").and_then(|s| codes::SERVICE.native(s)),
    );
    put_s(
        &mut out,
        "FWZT",
        text(doc, "status").and_then(|s| codes::RECORD_STATUS.native(s)),
    );
    if let Some(scheduled) = doc.get("scheduled") {
        put(
            &mut out,
            "YYKSSJ",
            fields::write_datetime(f, "/scheduled/start", text(scheduled, "start")),
        );
        put(
            &mut out,
            "YYJSSJ",
            fields::write_datetime(f, "/scheduled/end", text(scheduled, "end")),
        );
    }
    for (name, time, lng_key, lat_key) in [
        ("checkIn", "KSSJ", "QDJD", "QDWD"),
        ("checkOut", "JSSJ", "QTJD", "QTWD"),
    ] {
        let Some(presence) = doc.get(name) else {
            continue;
        };
        put(
            &mut out,
            time,
            fields::write_datetime(f, &format!("/{name}/at"), text(presence, "at")),
        );
        if let Some((lng, lat)) = canonical::point(presence) {
            put(&mut out, lng_key, Some(lng.to_string()));
            put(&mut out, lat_key, Some(lat.to_string()));
        }
    }
    if let Some(charge) = doc.get("charge") {
        for (key, name) in [
            ("FWJE", "totalFen"),
            ("BTJE", "subsidyFen"),
            ("ZFJE", "selfPayFen"),
        ] {
            put(
                &mut out,
                key,
                canonical::int(charge, name).map(money::fen_to_yuan),
            );
        }
    }
    if let Some(rating) = doc.get("rating") {
        put(
            &mut out,
            "PJXJ",
            canonical::int(rating, "stars").map(|s| s.to_string()),
        );
        put_s(&mut out, "PJNR", text(rating, "comment"));
    }
    observations(doc, f, &mut out);
    if text(doc, "orderRef").is_some() {
        f.not_carried("/orderRef");
    }
    super::server_set(doc, f, &["verification", "submittedBy", "submittedAt"]);
    out
}

/// The portal's senior number: the senior reference must be the participant's own id.
fn senior_number<'a>(doc: &'a Value, f: &mut Findings, participant: &str) -> Option<&'a str> {
    let reference = doc.get("senior")?.get("externalId");
    let own = reference
        .filter(|r| text(r, "participant") == Some(participant))
        .and_then(|r| text(r, "id"));
    if own.is_none() {
        f.violation(
            "/senior",
            rule::NOT_REPRESENTABLE,
            format!("门户以自己的老人编号指代老人；此记录的老人引用不是 {participant} 的外部编号"),
            format!(
                "the portal names seniors by its own number; this record's senior reference is no external id of {participant}"
            ),
        );
    }
    own
}

/// FXWT and FXWTMS: one note for all findings, no severity.
fn observations(doc: &Value, f: &mut Findings, out: &mut Map<String, Value>) {
    let mut codes_written = Vec::new();
    let mut note: Option<&str> = None;
    for (i, observation) in canonical::list(doc, "observations").iter().enumerate() {
        let Some(code) = text(observation, "code").and_then(|c| codes::FINDING.native(c)) else {
            f.not_carried(format!("/observations/{i}"));
            continue;
        };
        codes_written.push(code);
        f.not_carried_because(
            format!("/observations/{i}/severity"),
            "门户格式没有问题严重程度",
            "the portal format has no severity",
        );
        if text(observation, "serviceItem").is_some() {
            f.not_carried(format!("/observations/{i}/serviceItem"));
        }
        match (note, text(observation, "note")) {
            (None, Some(this)) => note = Some(this),
            (Some(first), Some(this)) if first != this => f.not_carried_because(
                format!("/observations/{i}/note"),
                "门户格式所有问题共用一条描述，只保留了第一条",
                "the portal format has one description for all findings; the first was kept",
            ),
            _ => {}
        }
    }
    if !codes_written.is_empty() {
        out.insert("FXWT".into(), codes_written.join(",").into());
        put(out, "FXWTMS", note.map(str::to_owned));
    }
}
