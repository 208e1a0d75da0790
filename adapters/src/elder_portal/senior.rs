//! LNRXX 老年人信息 ⇄ SeniorProfile.

use serde_json::{Map, Value};

use super::{codes, fields};
use crate::{
    batch::Findings,
    canonical::{self, Object, put, put_list, put_object, text},
    native::Obj,
    trace::FieldMap,
};

pub(super) const FIELDS: FieldMap = &[
    ("/externalIds", "/LNRBH"),
    ("/name", "/XM"),
    ("/gender", "/XBDM"),
    ("/birthDate", "/CSRQ"),
    ("/identityDocument", "/ZJHM"),
    ("/identityDocument/type", "/ZJLX"),
    ("/identityDocument/number", "/ZJHM"),
    ("/phone", "/LXDH"),
    ("/address", "/XZQHDM"),
    ("/address/divisionCode", "/XZQHDM"),
    ("/address/detail", "/JZDZ"),
    ("/address/geo", "/JD"),
    ("/address/geo/lng", "/JD"),
    ("/address/geo/lat", "/WD"),
    ("/capabilityAssessment", "/NLDJ"),
    ("/capabilityAssessment/level", "/NLDJ"),
    ("/capabilityAssessment/assessedOn", "/PGRQ"),
    ("/capabilityAssessment/assessor", "/PGJG"),
    ("/capabilityAssessment/scores", "/ZLNL"),
    ("/capabilityAssessment/scores/selfCare", "/ZLNL"),
    ("/capabilityAssessment/scores/basicMobility", "/JCYD"),
    ("/capabilityAssessment/scores/mentalState", "/JSZT"),
    ("/capabilityAssessment/scores/perceptionSocial", "/GZCY"),
    ("/livingSituation", "/TSLX"),
    ("/careNeeds", "/FWXQ"),
    ("/guardians", "/JHRXM"),
    ("/guardians/*/name", "/JHRXM"),
    ("/guardians/*/relation", "/JHRGX"),
    ("/guardians/*/phone", "/JHRDH"),
    ("/eligibility", "/FWDX"),
    ("/status", "/ZT"),
];

const SCORES: [(&str, &str); 4] = [
    ("ZLNL", "selfCare"),
    ("JCYD", "basicMobility"),
    ("JSZT", "mentalState"),
    ("GZCY", "perceptionSocial"),
];

const SCORE_MAX: [i64; 4] = [32, 15, 28, 15];

fn strings(values: Vec<&'static str>) -> Vec<Value> {
    values.into_iter().map(Value::from).collect()
}

pub(super) fn read(o: &mut Obj<'_>, f: &mut Findings, participant: &str) -> Object {
    let mut out = Object::new();
    put(
        &mut out,
        "externalIds",
        canonical::external_ids(participant, o.text(f, "LNRBH")),
    );
    put(&mut out, "name", o.text(f, "XM"));
    put(
        &mut out,
        "gender",
        fields::code(o, f, "XBDM", &codes::GENDER),
    );
    put(&mut out, "birthDate", fields::date(o, f, "CSRQ"));

    let mut document = Object::new();
    let id_type = fields::code(o, f, "ZJLX", &codes::ID_TYPE);
    put(&mut document, "type", id_type);
    let number = o.text(f, "ZJHM").map(|n| {
        // The portal writes the ID card's check character in either case.
        if id_type == Some("RESIDENT_ID_CARD") {
            n.to_ascii_uppercase()
        } else {
            n.to_owned()
        }
    });
    put(&mut document, "number", number);
    put_object(&mut out, "identityDocument", document);

    put(&mut out, "phone", o.text(f, "LXDH"));

    let mut address = Object::new();
    put(&mut address, "divisionCode", o.text(f, "XZQHDM"));
    put(&mut address, "detail", o.text(f, "JZDZ"));
    put(&mut address, "geo", fields::geo(o, f, "JD", "WD"));
    put_object(&mut out, "address", address);

    let mut assessment = Object::new();
    put(
        &mut assessment,
        "level",
        fields::integer(o, f, "NLDJ", 0..=4),
    );
    put(&mut assessment, "assessedOn", fields::date(o, f, "PGRQ"));
    put(&mut assessment, "assessor", o.text(f, "PGJG"));
    let mut scores = Object::new();
    for ((key, name), max) in SCORES.into_iter().zip(SCORE_MAX) {
        put(&mut scores, name, fields::integer(o, f, key, 0..=max));
    }
    put_object(&mut assessment, "scores", scores);
    put_object(&mut out, "capabilityAssessment", assessment);

    let living = fields::codes(o, f, "TSLX", &codes::LIVING_SITUATION);
    put_list(&mut out, "livingSituation", strings(living));
    let needs = fields::codes(o, f, "FWXQ", &codes::SERVICE);
    put_list(&mut out, "careNeeds", strings(needs));

    let mut guardian = Object::new();
    put(&mut guardian, "name", o.text(f, "JHRXM"));
    put(
        &mut guardian,
        "relation",
        fields::code(o, f, "JHRGX", &codes::RELATION),
    );
    put(&mut guardian, "phone", o.text(f, "JHRDH"));
    if !guardian.is_empty() {
        put_list(&mut out, "guardians", vec![Value::Object(guardian)]);
    }

    if fields::code(o, f, "FWDX", &codes::BASIC_RECIPIENT) == Some("true") {
        put_list(
            &mut out,
            "eligibility",
            vec!["BASIC_SERVICE_RECIPIENT".into()],
        );
    }
    put(
        &mut out,
        "status",
        fields::code(o, f, "ZT", &codes::SENIOR_STATUS),
    );
    out
}

pub(super) fn write(doc: &Value, f: &mut Findings, participant: &str) -> Map<String, Value> {
    let mut out = Map::new();
    let put_s = |out: &mut Map<String, Value>, key: &str, value: Option<&str>| {
        put(out, key, value.map(str::to_owned));
    };
    put_s(&mut out, "LNRBH", super::native_id(doc, f, participant));
    put_s(&mut out, "XM", text(doc, "name"));
    put_s(
        &mut out,
        "XBDM",
        text(doc, "gender").and_then(|g| codes::GENDER.native(g)),
    );
    put(&mut out, "CSRQ", fields::write_date(text(doc, "birthDate")));
    if let Some(document) = doc.get("identityDocument") {
        put_s(
            &mut out,
            "ZJLX",
            text(document, "type").and_then(|t| codes::ID_TYPE.native(t)),
        );
        put_s(&mut out, "ZJHM", text(document, "number"));
    }
    put_s(&mut out, "LXDH", text(doc, "phone"));
    if let Some(address) = doc.get("address") {
        put_s(&mut out, "XZQHDM", text(address, "divisionCode"));
        put_s(&mut out, "JZDZ", text(address, "detail"));
        if let Some((lng, lat)) = canonical::point(address) {
            put(&mut out, "JD", Some(lng.to_string()));
            put(&mut out, "WD", Some(lat.to_string()));
        }
    }
    if let Some(assessment) = doc.get("capabilityAssessment") {
        put(
            &mut out,
            "NLDJ",
            canonical::int(assessment, "level").map(|l| l.to_string()),
        );
        put(
            &mut out,
            "PGRQ",
            fields::write_date(text(assessment, "assessedOn")),
        );
        put_s(&mut out, "PGJG", text(assessment, "assessor"));
        if let Some(scores) = assessment.get("scores") {
            for (key, name) in SCORES {
                put(
                    &mut out,
                    key,
                    canonical::int(scores, name).map(|s| s.to_string()),
                );
            }
        }
    }
    let living = canonical::strings(doc, "livingSituation");
    put(
        &mut out,
        "TSLX",
        fields::write_codes(f, "/livingSituation", living, &codes::LIVING_SITUATION),
    );
    let needs = canonical::strings(doc, "careNeeds");
    put(
        &mut out,
        "FWXQ",
        fields::write_codes(f, "/careNeeds", needs, &codes::SERVICE),
    );
    for (i, guardian) in canonical::list(doc, "guardians").iter().enumerate() {
        if i > 0 {
            f.not_carried_because(
                format!("/guardians/{i}"),
                "门户格式只能携带一位监护人",
                "the portal format carries one guardian only",
            );
            continue;
        }
        put_s(&mut out, "JHRXM", text(guardian, "name"));
        put_s(
            &mut out,
            "JHRGX",
            text(guardian, "relation").and_then(|r| codes::RELATION.native(r)),
        );
        put_s(&mut out, "JHRDH", text(guardian, "phone"));
    }
    let mut basic = false;
    for (i, value) in canonical::strings(doc, "eligibility") {
        if value == "BASIC_SERVICE_RECIPIENT" {
            basic = true;
        } else {
            f.not_carried(format!("/eligibility/{i}"));
        }
    }
    put_s(&mut out, "FWDX", Some(if basic { "1" } else { "0" }));
    put_s(
        &mut out,
        "ZT",
        text(doc, "status").and_then(|s| codes::SENIOR_STATUS.native(s)),
    );
    out
}
