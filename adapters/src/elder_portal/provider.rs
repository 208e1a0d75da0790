//! FWSXX 服务商信息 ⇄ ProviderListing.

use serde_json::{Map, Value};

use super::{codes, fields};
use crate::{
    batch::Findings,
    canonical::{self, Object, put, put_list, put_object, text},
    money,
    native::Obj,
    trace::FieldMap,
};

/// The credit source the portal's own levels come from.
pub const CREDIT_SOURCE: &str = "北京养老服务网";

pub(super) const FIELDS: FieldMap = &[
    ("/externalIds", "/FWSBH"),
    ("/name", "/JGMC"),
    ("/uscc", "/TYSHXYDM"),
    ("/kind", "/JGLX"),
    ("/serviceArea", "/FWQY"),
    ("/offerings", "/FWXM"),
    ("/offerings/*", "/FWXM/*"),
    ("/offerings/*/serviceItem", "/FWXM/*/XMDM"),
    ("/offerings/*/name", "/FWXM/*/XMMC"),
    ("/offerings/*/priceFen", "/FWXM/*/JG"),
    ("/offerings/*/unit", "/FWXM/*/JJDW"),
    ("/offerings/*/durationMinutes", "/FWXM/*/SC"),
    ("/phone", "/LXDH"),
    ("/servicePoints", "/DZ"),
    ("/servicePoints/0/name", "/JGMC"),
    ("/servicePoints/0/divisionCode", "/FWQY"),
    ("/servicePoints/0/detail", "/DZ"),
    ("/servicePoints/0/geo", "/JD"),
    ("/servicePoints/0/geo/lng", "/JD"),
    ("/servicePoints/0/geo/lat", "/WD"),
    ("/credit", "/XYDJ"),
    ("/credit/level", "/XYDJ"),
    ("/inProviderLibrary", "/RKZT"),
    ("/status", "/YYZT"),
];

pub(super) fn read(o: &mut Obj<'_>, f: &mut Findings, participant: &str) -> Object {
    let mut out = Object::new();
    put(
        &mut out,
        "externalIds",
        canonical::external_ids(participant, o.text(f, "FWSBH")),
    );
    let name = o.text(f, "JGMC");
    put(&mut out, "name", name);
    put(&mut out, "uscc", o.text(f, "TYSHXYDM"));
    put(
        &mut out,
        "kind",
        fields::code(o, f, "JGLX", &codes::PROVIDER_KIND),
    );
    let area: Vec<&str> = o
        .text(f, "FWQY")
        .map(|codes| {
            codes
                .split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect()
        })
        .unwrap_or_default();
    put_list(
        &mut out,
        "serviceArea",
        area.iter().map(|c| Value::from(*c)).collect(),
    );

    let mut offerings = Vec::new();
    for (at, item) in o.array(f, "FWXM").unwrap_or_default() {
        let Some(mut item) = Obj::item(item, at, f) else {
            continue;
        };
        let mut offering = Object::new();
        put(
            &mut offering,
            "serviceItem",
            fields::code(&mut item, f, "XMDM", &codes::SERVICE),
        );
        put(&mut offering, "name", item.text(f, "XMMC"));
        put(&mut offering, "priceFen", fields::yuan(&mut item, f, "JG"));
        put(
            &mut offering,
            "unit",
            fields::code(&mut item, f, "JJDW", &codes::UNIT),
        );
        put(
            &mut offering,
            "durationMinutes",
            fields::integer(&mut item, f, "SC", 1..=10080),
        );
        item.finish(f);
        offerings.push(Value::Object(offering));
    }
    put_list(&mut out, "offerings", offerings);

    put(&mut out, "phone", o.text(f, "LXDH"));
    let detail = o.text(f, "DZ");
    let geo = fields::geo(o, f, "JD", "WD");
    if detail.is_some() || geo.is_some() {
        let mut point = Object::new();
        // The portal's one address is the institution's own: its point bears its name.
        put(&mut point, "name", name);
        put(&mut point, "divisionCode", area.first().copied());
        put(&mut point, "detail", detail);
        put(&mut point, "geo", geo);
        put_list(&mut out, "servicePoints", vec![Value::Object(point)]);
    }

    if let Some(level) = fields::code(o, f, "XYDJ", &codes::CREDIT) {
        let mut credit = Object::new();
        credit.insert("level".into(), level.into());
        credit.insert("source".into(), CREDIT_SOURCE.into());
        put_object(&mut out, "credit", credit);
    }
    put(
        &mut out,
        "inProviderLibrary",
        fields::code(o, f, "RKZT", &codes::IN_LIBRARY).map(|b| b == "true"),
    );
    put(
        &mut out,
        "status",
        fields::code(o, f, "YYZT", &codes::OPERATING),
    );
    out
}

pub(super) fn write(doc: &Value, f: &mut Findings, participant: &str) -> Map<String, Value> {
    let mut out = Map::new();
    let put_s = |out: &mut Map<String, Value>, key: &str, value: Option<&str>| {
        put(out, key, value.map(str::to_owned));
    };
    put_s(&mut out, "FWSBH", super::native_id(doc, f, participant));
    let name = text(doc, "name");
    put_s(&mut out, "JGMC", name);
    put_s(&mut out, "TYSHXYDM", text(doc, "uscc"));
    put_s(
        &mut out,
        "JGLX",
        text(doc, "kind").and_then(|k| codes::PROVIDER_KIND.native(k)),
    );
    let area: Vec<&str> = canonical::strings(doc, "serviceArea")
        .map(|(_, c)| c)
        .collect();
    if !area.is_empty() {
        out.insert("FWQY".into(), area.join(",").into());
    }
    let mut items = Vec::new();
    for (i, offering) in canonical::list(doc, "offerings").iter().enumerate() {
        let mut item = Map::new();
        put_s(
            &mut item,
            "XMDM",
            text(offering, "serviceItem").and_then(|s| codes::SERVICE.native(s)),
        );
        put_s(&mut item, "XMMC", text(offering, "name"));
        put(
            &mut item,
            "JG",
            canonical::int(offering, "priceFen").map(money::fen_to_yuan),
        );
        put_s(
            &mut item,
            "JJDW",
            text(offering, "unit").and_then(|u| codes::UNIT.native(u)),
        );
        put(
            &mut item,
            "SC",
            canonical::int(offering, "durationMinutes").map(|m| m.to_string()),
        );
        if offering.get("subsidyEligible").is_some() {
            f.not_carried(format!("/offerings/{i}/subsidyEligible"));
        }
        items.push(Value::Object(item));
    }
    if !items.is_empty() {
        out.insert("FWXM".into(), Value::Array(items));
    }
    if !canonical::list(doc, "packages").is_empty() {
        f.not_carried("/packages");
    }
    put_s(&mut out, "LXDH", text(doc, "phone"));
    for (i, point) in canonical::list(doc, "servicePoints").iter().enumerate() {
        if i > 0 {
            f.not_carried_because(
                format!("/servicePoints/{i}"),
                "门户格式只能携带一个地址",
                "the portal format carries one address only",
            );
            continue;
        }
        put_s(&mut out, "DZ", text(point, "detail"));
        if let Some((lng, lat)) = canonical::point(point) {
            put(&mut out, "JD", Some(lng.to_string()));
            put(&mut out, "WD", Some(lat.to_string()));
        }
        if text(point, "name") != name {
            f.not_carried("/servicePoints/0/name");
        }
        if text(point, "divisionCode") != area.first().copied() {
            f.not_carried("/servicePoints/0/divisionCode");
        }
        if text(point, "hours").is_some() {
            f.not_carried("/servicePoints/0/hours");
        }
    }
    if let Some(credit) = doc.get("credit") {
        put_s(&mut out, "XYDJ", text(credit, "level"));
        if text(credit, "source").is_some_and(|s| s != CREDIT_SOURCE) {
            f.not_carried("/credit/source");
        }
        if text(credit, "checkedOn").is_some() {
            f.not_carried("/credit/checkedOn");
        }
    }
    if let Some(member) = doc.get("inProviderLibrary").and_then(Value::as_bool) {
        put_s(&mut out, "RKZT", Some(if member { "1" } else { "0" }));
    }
    put_s(
        &mut out,
        "YYZT",
        text(doc, "status").and_then(|s| codes::OPERATING.native(s)),
    );
    out
}
