//! SeniorProfile → Customer (outbound only: the app has no verified identity, so it never
//! creates senior profiles). Minimisation happens before conversion; what the record
//! holds is what the reader may see.

use serde_json::{Map, Value};

use super::{codes, store::sku_for};
use crate::{
    Context,
    batch::Findings,
    canonical::{self, put, text},
    divisions, rule,
};

pub(super) fn write(doc: &Value, f: &mut Findings, ctx: &Context<'_>) -> Map<String, Value> {
    let mut out = Map::new();
    let put_s = |out: &mut Map<String, Value>, key: &str, value: Option<&str>| {
        put(out, key, value.map(str::to_owned));
    };
    // The app knows a senior by the gateway's id (it sends it back as gatewaySeniorId).
    let customer_id = text(doc, "id").or_else(|| {
        ctx.participant
            .and_then(|p| canonical::own_external_id(doc, p))
            .map(|(_, id)| id)
    });
    if customer_id.is_none() {
        f.violation(
            "/id",
            rule::NOT_REPRESENTABLE,
            "客户需要网关编号（id）或本接入方的外部编号",
            "a customer needs the gateway id or an external id of this participant",
        );
    }
    put_s(&mut out, "customerId", customer_id);
    for i in 0..canonical::list(doc, "externalIds").len() {
        f.not_carried(format!("/externalIds/{i}"));
    }
    put_s(&mut out, "name", text(doc, "name"));
    put_s(
        &mut out,
        "gender",
        text(doc, "gender").and_then(|g| codes::CUSTOMER_GENDER.native(g)),
    );
    if let Some(birth) = text(doc, "birthDate") {
        put(
            &mut out,
            "birthYear",
            birth.get(..4).and_then(|y| y.parse::<i64>().ok()),
        );
        f.not_carried_because(
            "/birthDate",
            "应用只接收出生年份",
            "the app receives the birth year only",
        );
    }
    put_s(&mut out, "mobile", text(doc, "phone"));
    if let Some(address) = doc.get("address") {
        out.insert("address".into(), Value::Object(address_of(address, f)));
    }
    let mut tags: Vec<Value> = Vec::new();
    for (i, situation) in canonical::strings(doc, "livingSituation") {
        match codes::CUSTOMER_TAG.native(situation) {
            Some(tag) if !tags.iter().any(|t| t == tag) => tags.push(tag.into()),
            Some(_) => {}
            None => f.not_carried(format!("/livingSituation/{i}")),
        }
    }
    if !tags.is_empty() {
        out.insert("tags".into(), Value::Array(tags));
    }
    if let Some(assessment) = doc.get("capabilityAssessment") {
        put(&mut out, "careLevel", canonical::int(assessment, "level"));
        for key in ["assessedOn", "assessor", "scores"] {
            if assessment.get(key).is_some() {
                f.not_carried(format!("/capabilityAssessment/{key}"));
            }
        }
    }
    let mut needs = Vec::new();
    for (i, item) in canonical::strings(doc, "careNeeds") {
        match sku_for(item, None) {
            Some(sku) => needs.push(Value::from(sku)),
            None => f.not_carried(format!("/careNeeds/{i}")),
        }
    }
    if !needs.is_empty() {
        out.insert("needs".into(), Value::Array(needs));
    }
    if !ctx.withheld.is_empty() {
        out.insert(
            "withheld".into(),
            ctx.withheld.iter().map(|c| Value::from(*c)).collect(),
        );
    }
    for key in ["identityDocument", "guardians", "eligibility", "status"] {
        if doc.get(key).is_some() {
            f.not_carried(format!("/{key}"));
        }
    }
    out
}

fn address_of(address: &Value, f: &mut Findings) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("province".into(), "北京市".into());
    out.insert("city".into(), "北京市".into());
    if let Some((district, street, finer)) =
        text(address, "divisionCode").and_then(divisions::names_of)
    {
        out.insert("district".into(), district.into());
        put(&mut out, "street", street);
        if finer {
            f.not_carried_because(
                "/address/divisionCode",
                "应用的地址只到街道（乡镇）一级，社区未转换",
                "the app's address stops at the street; the community was left out",
            );
        }
    }
    put(&mut out, "detail", text(address, "detail"));
    super::write_geo(&mut out, address);
    out
}
