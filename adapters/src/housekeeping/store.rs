//! Store ⇄ ProviderListing.

use serde_json::{Map, Value};

use super::{CREDIT_SOURCE, codes};
use crate::{
    Context,
    batch::Findings,
    canonical::{self, Object, put, put_list, text},
    divisions::{self, NameError},
    native::Obj,
    rule,
    trace::FieldMap,
};

pub(super) const FIELDS: FieldMap = &[
    ("/externalIds", "/storeId"),
    ("/name", "/storeName"),
    ("/uscc", "/creditCode"),
    ("/kind", "/storeType"),
    ("/serviceArea", "/districts"),
    ("/serviceArea/*", "/districts/*"),
    ("/phone", "/phone"),
    ("/servicePoints", "/address"),
    ("/servicePoints/0/name", "/storeName"),
    ("/servicePoints/0/divisionCode", "/districts/0"),
    ("/servicePoints/0/detail", "/address"),
    ("/servicePoints/0/geo", "/lng"),
    ("/servicePoints/0/geo/lng", "/lng"),
    ("/servicePoints/0/geo/lat", "/lat"),
    ("/offerings", "/skus"),
    ("/offerings/*", "/skus/*"),
    ("/offerings/*/serviceItem", "/skus/*/skuCode"),
    ("/offerings/*/name", "/skus/*/skuName"),
    ("/offerings/*/priceFen", "/skus/*/priceFen"),
    ("/offerings/*/unit", "/skus/*/unit"),
    ("/offerings/*/durationMinutes", "/skus/*/durationMin"),
    ("/offerings/*/subsidyEligible", "/skus/*/subsidy"),
    ("/status", "/open"),
    ("/inProviderLibrary", "/inElderCareLibrary"),
    ("/credit", "/creditLevel"),
    ("/credit/level", "/creditLevel"),
];

pub(super) fn read(o: &mut Obj<'_>, f: &mut Findings, participant: &str) -> Object {
    let mut out = Object::new();
    put(
        &mut out,
        "externalIds",
        canonical::external_ids(participant, o.text(f, "storeId")),
    );
    let name = o.text(f, "storeName");
    put(&mut out, "name", name);
    put(&mut out, "uscc", o.text(f, "creditCode"));
    if let Some(store_type) = o.text(f, "storeType") {
        put(
            &mut out,
            "kind",
            codes::STORE_TYPE.read(f, || o.path("storeType"), store_type),
        );
    }
    let mut area = Vec::new();
    for (at, district) in o.array(f, "districts").unwrap_or_default() {
        match district.as_str() {
            Some(name) => area.push(district_code(f, &at, name)),
            None => crate::native::wrong_type(f, &at, district, "字符串", "a string"),
        }
    }
    let first_district = area.first().copied().flatten();
    put_list(
        &mut out,
        "serviceArea",
        area.into_iter().flatten().map(Value::from).collect(),
    );
    put(&mut out, "phone", o.text(f, "phone"));

    let detail = o.text(f, "address");
    let geo = super::geo(o, f);
    if detail.is_some() || geo.is_some() {
        let mut point = Object::new();
        put(&mut point, "name", name);
        put(&mut point, "divisionCode", first_district);
        put(&mut point, "detail", detail);
        put(&mut point, "geo", geo);
        put_list(&mut out, "servicePoints", vec![Value::Object(point)]);
    }

    let mut offerings = Vec::new();
    for (at, item) in o.array(f, "skus").unwrap_or_default() {
        let Some(mut sku) = Obj::item(item, at, f) else {
            continue;
        };
        let mut offering = Object::new();
        if let Some(code) = sku.text(f, "skuCode") {
            put(
                &mut offering,
                "serviceItem",
                codes::SKU.read(f, || sku.path("skuCode"), code),
            );
        }
        put(&mut offering, "name", sku.text(f, "skuName"));
        put(&mut offering, "priceFen", sku.integer(f, "priceFen"));
        if let Some(unit) = sku.text(f, "unit") {
            put(
                &mut offering,
                "unit",
                codes::UNIT.read(f, || sku.path("unit"), unit),
            );
        }
        put(
            &mut offering,
            "durationMinutes",
            sku.integer(f, "durationMin"),
        );
        put(&mut offering, "subsidyEligible", sku.boolean(f, "subsidy"));
        sku.finish(f);
        offerings.push(Value::Object(offering));
    }
    put_list(&mut out, "offerings", offerings);

    put(
        &mut out,
        "status",
        o.boolean(f, "open")
            .map(|open| if open { "ACTIVE" } else { "SUSPENDED" }),
    );
    put(
        &mut out,
        "inProviderLibrary",
        o.boolean(f, "inElderCareLibrary"),
    );
    if let Some(level) = o.text(f, "creditLevel")
        && let Some(level) = codes::CREDIT.read(f, || o.path("creditLevel"), level)
    {
        let mut credit = Object::new();
        credit.insert("level".into(), level.into());
        credit.insert("source".into(), CREDIT_SOURCE.into());
        out.insert("credit".into(), Value::Object(credit));
    }
    // Ratings are computed from service records, not taken from the app.
    o.drop_field(f, "rating");
    out
}

fn district_code(f: &mut Findings, at: &str, name: &str) -> Option<&'static str> {
    match divisions::district_code(name) {
        Ok(code) => Some(code),
        Err(NameError::Unknown) => {
            f.violation(
                at,
                rule::DIVISION_NAME_UNKNOWN,
                format!("“{name}”不是北京市的区"),
                format!("“{name}” is no district of Beijing"),
            );
            None
        }
        Err(NameError::Ambiguous(codes)) => {
            let codes = codes.join(", ");
            f.violation(
                at,
                rule::DIVISION_NAME_AMBIGUOUS,
                format!("“{name}”可指多个区（{codes}）"),
                format!("“{name}” fits several districts ({codes})"),
            );
            None
        }
    }
}

/// The SKU written for an item: the one whose hours match the offering's duration when
/// the item has several (`CLN-D-3H` for 180 minutes), else the table's first.
pub fn sku_for(item: &str, duration_minutes: Option<i64>) -> Option<&'static str> {
    let skus: Vec<&'static str> = codes::SKU
        .entries
        .iter()
        .filter(|(_, c)| *c == item)
        .map(|(sku, _)| *sku)
        .collect();
    let by_hours = duration_minutes.filter(|m| m % 60 == 0).and_then(|m| {
        let suffix = format!("-{}H", m / 60);
        skus.iter().find(|sku| sku.ends_with(&suffix)).copied()
    });
    by_hours.or_else(|| skus.first().copied())
}

pub(super) fn write(doc: &Value, f: &mut Findings, ctx: &Context<'_>) -> Map<String, Value> {
    let mut out = Map::new();
    let put_s = |out: &mut Map<String, Value>, key: &str, value: Option<&str>| {
        put(out, key, value.map(str::to_owned));
    };
    put_s(
        &mut out,
        "storeId",
        super::native_id(doc, f, ctx.participant),
    );
    let name = text(doc, "name");
    put_s(&mut out, "storeName", name);
    put_s(&mut out, "creditCode", text(doc, "uscc"));
    put_s(
        &mut out,
        "storeType",
        text(doc, "kind").and_then(|k| codes::STORE_TYPE.native(k)),
    );
    let mut districts = Vec::new();
    for (i, code) in canonical::strings(doc, "serviceArea") {
        match divisions::district_name(code) {
            Some(name) => districts.push(Value::from(name)),
            None => f.not_carried_because(
                format!("/serviceArea/{i}"),
                "应用的服务区域只到区一级，此街道级区划未转换",
                "the app's service area names districts only; this finer division was left out",
            ),
        }
    }
    if !districts.is_empty() {
        out.insert("districts".into(), Value::Array(districts));
    }
    put_s(&mut out, "phone", text(doc, "phone"));
    for (i, point) in canonical::list(doc, "servicePoints").iter().enumerate() {
        if i > 0 {
            f.not_carried_because(
                format!("/servicePoints/{i}"),
                "应用的门店只有一个地址",
                "an app store has one address",
            );
            continue;
        }
        put_s(&mut out, "address", text(point, "detail"));
        super::write_geo(&mut out, point);
        if text(point, "name") != name {
            f.not_carried("/servicePoints/0/name");
        }
        let first_area = canonical::strings(doc, "serviceArea")
            .next()
            .map(|(_, c)| c);
        if text(point, "divisionCode") != first_area {
            f.not_carried("/servicePoints/0/divisionCode");
        }
        if text(point, "hours").is_some() {
            f.not_carried("/servicePoints/0/hours");
        }
    }
    let mut skus = Vec::new();
    for (i, offering) in canonical::list(doc, "offerings").iter().enumerate() {
        let duration = canonical::int(offering, "durationMinutes");
        let Some(sku_code) = text(offering, "serviceItem").and_then(|s| sku_for(s, duration))
        else {
            f.not_carried_because(
                format!("/offerings/{i}"),
                "此服务项目在应用中没有对应的 SKU，未转换",
                "the app has no SKU for this service item; the offering was left out",
            );
            continue;
        };
        let mut sku = Map::new();
        sku.insert("skuCode".into(), sku_code.into());
        put_s(&mut sku, "skuName", text(offering, "name"));
        put(&mut sku, "priceFen", canonical::int(offering, "priceFen"));
        put_s(
            &mut sku,
            "unit",
            text(offering, "unit").and_then(|u| codes::UNIT.native(u)),
        );
        put(&mut sku, "durationMin", duration);
        put(
            &mut sku,
            "subsidy",
            offering.get("subsidyEligible").and_then(Value::as_bool),
        );
        skus.push(Value::Object(sku));
    }
    if !skus.is_empty() {
        out.insert("skus".into(), Value::Array(skus));
    }
    if !canonical::list(doc, "packages").is_empty() {
        f.not_carried("/packages");
    }
    match text(doc, "status") {
        Some("ACTIVE") => {
            out.insert("open".into(), true.into());
        }
        Some(status) => {
            out.insert("open".into(), false.into());
            if status == "CLOSED" {
                f.not_carried_because(
                    "/status",
                    "应用只区分营业与否：已注销写作 open: false",
                    "the app knows open or not: CLOSED is written as open: false",
                );
            }
        }
        None => {}
    }
    put(
        &mut out,
        "inElderCareLibrary",
        doc.get("inProviderLibrary").and_then(Value::as_bool),
    );
    if let Some(credit) = doc.get("credit") {
        put_s(&mut out, "creditLevel", text(credit, "level"));
        if text(credit, "source").is_some_and(|s| s != CREDIT_SOURCE) {
            f.not_carried("/credit/source");
        }
        if text(credit, "checkedOn").is_some() {
            f.not_carried("/credit/checkedOn");
        }
    }
    out
}
