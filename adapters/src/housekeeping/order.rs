//! Order → ServiceRecord (inbound only: the app sends orders, never receives them).

use serde_json::Value;

use super::codes;
use crate::{
    batch::Findings,
    canonical::{self, Object, put, put_list, put_object},
    native::Obj,
    trace::FieldMap,
};

pub(super) const FIELDS: FieldMap = &[
    ("/externalIds", "/orderNo"),
    ("/orderRef", "/orderNo"),
    ("/senior", "/elder"),
    ("/senior/seniorId", "/elder/gatewaySeniorId"),
    ("/senior/externalId", "/elder/customerId"),
    ("/provider", "/store"),
    ("/provider/uscc", "/store/creditCode"),
    ("/provider/externalId", "/store/storeId"),
    ("/worker", "/aunt"),
    ("/worker/name", "/aunt/name"),
    ("/worker/certificateNo", "/aunt/certNo"),
    ("/serviceItem", "/sku/skuCode"),
    ("/status", "/status"),
    ("/scheduled", "/appointment"),
    ("/scheduled/start", "/appointment/startAt"),
    ("/scheduled/end", "/appointment/endAt"),
    ("/checkIn", "/checkIn"),
    ("/checkIn/at", "/checkIn/at"),
    ("/checkOut", "/checkOut"),
    ("/checkOut/at", "/checkOut/at"),
    ("/charge", "/price"),
    ("/charge/totalFen", "/price/totalFen"),
    ("/charge/subsidyFen", "/price/subsidyFen"),
    ("/charge/selfPayFen", "/price/payFen"),
    ("/rating", "/review"),
    ("/rating/stars", "/review/stars"),
    ("/rating/comment", "/review/content"),
    ("/observations", "/findings"),
    ("/observations/*", "/findings/*"),
    ("/observations/*/code", "/findings/*/tag"),
    ("/observations/*/severity", "/findings/*/level"),
    ("/observations/*/note", "/findings/*/remark"),
    ("/observations/*/serviceItem", "/findings/*/skuCode"),
];

pub(super) fn read(o: &mut Obj<'_>, f: &mut Findings, participant: &str) -> Object {
    let mut out = Object::new();
    let order_no = o.text(f, "orderNo");
    put(
        &mut out,
        "externalIds",
        canonical::external_ids(participant, order_no),
    );
    put(&mut out, "orderRef", order_no);

    let mut senior = Object::new();
    if let Some(mut elder) = o.object(f, "elder") {
        let gateway_id = elder.text(f, "gatewaySeniorId");
        let customer_id = elder.text(f, "customerId");
        match (gateway_id, customer_id) {
            (Some(id), customer) => {
                senior.insert("seniorId".into(), id.into());
                if customer.is_some() {
                    f.not_carried(elder.path("customerId"));
                }
            }
            (None, Some(id)) => {
                senior.insert("externalId".into(), canonical::external_id(participant, id));
            }
            (None, None) => {}
        }
        elder.finish(f);
    }
    out.insert("senior".into(), Value::Object(senior));

    if let Some(mut sku) = o.object(f, "sku") {
        if let Some(code) = sku.text(f, "skuCode") {
            put(
                &mut out,
                "serviceItem",
                codes::SKU.read(f, || sku.path("skuCode"), code),
            );
        }
        // The SKU's name and category restate its code.
        sku.ignore("skuName");
        sku.ignore("category");
        sku.finish(f);
    }

    if let Some(mut aunt) = o.object(f, "aunt") {
        let mut worker = Object::new();
        put(&mut worker, "name", aunt.text(f, "name"));
        put(&mut worker, "certificateNo", aunt.text(f, "certNo"));
        put_object(&mut out, "worker", worker);
        aunt.drop_field(f, "auntId");
        aunt.drop_field(f, "serviceCode");
        aunt.finish(f);
    }

    let mut provider = Object::new();
    if let Some(mut store) = o.object(f, "store") {
        let credit_code = store.text(f, "creditCode");
        let store_id = store.text(f, "storeId");
        match (credit_code, store_id) {
            (Some(code), store_id) => {
                provider.insert("uscc".into(), code.into());
                if store_id.is_some() {
                    f.not_carried(store.path("storeId"));
                }
            }
            (None, Some(id)) => {
                provider.insert("externalId".into(), canonical::external_id(participant, id));
            }
            (None, None) => {}
        }
        store.finish(f);
    }
    out.insert("provider".into(), Value::Object(provider));

    if let Some(status) = o.text(f, "status") {
        put(
            &mut out,
            "status",
            codes::ORDER_STATUS.read(f, || o.path("status"), status),
        );
    }
    if let Some(mut appointment) = o.object(f, "appointment") {
        let mut scheduled = Object::new();
        put(
            &mut scheduled,
            "start",
            super::instant(&mut appointment, f, "startAt"),
        );
        put(
            &mut scheduled,
            "end",
            super::instant(&mut appointment, f, "endAt"),
        );
        put_object(&mut out, "scheduled", scheduled);
        appointment.finish(f);
    }
    for name in ["checkIn", "checkOut"] {
        if let Some(mut presence) = o.object(f, name) {
            let mut canonical = Object::new();
            put(&mut canonical, "at", super::instant(&mut presence, f, "at"));
            put(&mut canonical, "geo", super::geo(&mut presence, f));
            out.insert(name.into(), Value::Object(canonical));
            presence.finish(f);
        }
    }
    if let Some(mut price) = o.object(f, "price") {
        let mut charge = Object::new();
        put(&mut charge, "totalFen", price.integer(f, "totalFen"));
        put(&mut charge, "subsidyFen", price.integer(f, "subsidyFen"));
        put(&mut charge, "selfPayFen", price.integer(f, "payFen"));
        out.insert("charge".into(), Value::Object(charge));
        price.finish(f);
    }
    if let Some(mut review) = o.object(f, "review") {
        let mut rating = Object::new();
        put(&mut rating, "stars", review.integer(f, "stars"));
        put(&mut rating, "comment", review.text(f, "content"));
        out.insert("rating".into(), Value::Object(rating));
        review.finish(f);
    }
    let mut observations = Vec::new();
    for (at, item) in o.array(f, "findings").unwrap_or_default() {
        let Some(mut finding) = Obj::item(item, at, f) else {
            continue;
        };
        let mut observation = Object::new();
        if let Some(tag) = finding.text(f, "tag") {
            put(
                &mut observation,
                "code",
                codes::FINDING_TAG.read(f, || finding.path("tag"), tag),
            );
        }
        if let Some(level) = finding.integer(f, "level") {
            let at = finding.path("level");
            put(
                &mut observation,
                "severity",
                codes::FINDING_LEVEL.read(f, || at, &level.to_string()),
            );
        }
        put(&mut observation, "note", finding.text(f, "remark"));
        if let Some(sku) = finding.text(f, "skuCode") {
            put(
                &mut observation,
                "serviceItem",
                codes::SKU.read(f, || finding.path("skuCode"), sku),
            );
        }
        finding.finish(f);
        observations.push(Value::Object(observation));
    }
    put_list(&mut out, "observations", observations);
    o.drop_field(f, "updatedAt");
    out
}
