//! A well-formed order read straight from the text into borrowing structs, and the
//! ServiceRecord it becomes, without a `serde_json::Value` tree in between.
//!
//! It gives exactly what `order::read` gives, or nothing: `order::read` holds the
//! diagnostics, so whatever it would report as a violation is deferred to it rather than
//! said a second way here. The structs therefore refuse, at parse time, everything that
//! reader would judge in a way they cannot mirror exactly: a key it does not read (its
//! report depends on the map's key order), a key twice (it reads the last), a value of
//! another JSON type, an integer written as a float, an object or array where it only
//! notes that a value is there (their depth counts against the parser's limit), and an
//! array where an object belongs (serde's derive would take it as the fields in order).

use std::{borrow::Cow, fmt, marker::PhantomData};

use serde::{
    Deserialize,
    de::{self, Deserializer, MapAccess, Visitor, value::MapAccessDeserializer},
};
use serde_json::Value;

use super::codes;
use crate::{
    batch::Findings,
    beijing_time,
    canonical::{self, Object, put, put_list, put_object},
    codes::CodeTable,
    coords::{self, Datum, Point},
};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct Order<'a> {
    #[serde(borrow)]
    order_no: Option<Text<'a>>,
    #[serde(borrow)]
    elder: Option<Json<Elder<'a>>>,
    #[serde(borrow)]
    sku: Option<Json<Sku<'a>>>,
    #[serde(borrow)]
    aunt: Option<Json<Aunt<'a>>>,
    #[serde(borrow)]
    store: Option<Json<Store<'a>>>,
    #[serde(borrow)]
    status: Option<Text<'a>>,
    appointment: Option<Json<Appointment>>,
    #[serde(borrow)]
    check_in: Option<Json<Presence<'a>>>,
    #[serde(borrow)]
    check_out: Option<Json<Presence<'a>>>,
    price: Option<Json<Price>>,
    #[serde(borrow)]
    review: Option<Json<Review<'a>>>,
    #[serde(borrow)]
    findings: Option<Vec<Json<Finding<'a>>>>,
    updated_at: Option<Given>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Elder<'a> {
    #[serde(borrow)]
    gateway_senior_id: Option<Text<'a>>,
    #[serde(borrow)]
    customer_id: Option<Text<'a>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Sku<'a> {
    #[serde(borrow)]
    sku_code: Option<Text<'a>>,
    #[serde(rename = "skuName")]
    _name: Option<Given>,
    #[serde(rename = "category")]
    _category: Option<Given>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Aunt<'a> {
    #[serde(borrow)]
    name: Option<Text<'a>>,
    #[serde(borrow)]
    cert_no: Option<Text<'a>>,
    aunt_id: Option<Given>,
    service_code: Option<Given>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Store<'a> {
    #[serde(borrow)]
    credit_code: Option<Text<'a>>,
    #[serde(borrow)]
    store_id: Option<Text<'a>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Appointment {
    start_at: Option<i64>,
    end_at: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Presence<'a> {
    at: Option<i64>,
    lng: Option<f64>,
    lat: Option<f64>,
    #[serde(borrow)]
    coord_type: Option<Text<'a>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Price {
    total_fen: Option<i64>,
    subsidy_fen: Option<i64>,
    pay_fen: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Review<'a> {
    stars: Option<i64>,
    #[serde(borrow)]
    content: Option<Text<'a>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Finding<'a> {
    #[serde(borrow)]
    tag: Option<Text<'a>>,
    level: Option<i64>,
    #[serde(borrow)]
    remark: Option<Text<'a>>,
    #[serde(borrow)]
    sku_code: Option<Text<'a>>,
}

/// A struct read from a JSON object and nothing else: serde's derive also takes an array
/// of the fields in order, which the `Value` reader refuses as the wrong type.
pub(super) struct Json<T>(pub(super) T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Json<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = T;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }

        deserializer
            .deserialize_map(ObjectVisitor(PhantomData))
            .map(Json)
    }
}

/// A JSON string, borrowed from the input unless it had escapes. (`Option<Cow<str>>`
/// would always copy: serde borrows a `Cow` only when it is the field's whole type.)
pub(super) struct Text<'a>(pub(super) Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;

        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(text)))
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(text.to_owned())))
            }

            fn visit_string<E: de::Error>(self, text: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(text)))
            }
        }

        deserializer.deserialize_str(TextVisitor)
    }
}

/// A string, number or boolean the reader only notes as there (and reports as not
/// carried, or ignores). Parsed in full all the same, so that text the `Value` parser
/// would refuse (a lone surrogate escape, a number out of range) is refused here too.
struct Given;

impl<'de> Deserialize<'de> for Given {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct GivenVisitor;

        impl Visitor<'_> for GivenVisitor {
            type Value = Given;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, number or boolean")
            }

            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Given, E> {
                Ok(Given)
            }

            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Given, E> {
                Ok(Given)
            }

            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Given, E> {
                Ok(Given)
            }

            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Given, E> {
                Ok(Given)
            }

            fn visit_str<E: de::Error>(self, _: &str) -> Result<Given, E> {
                Ok(Given)
            }
        }

        deserializer.deserialize_any(GivenVisitor)
    }
}

/// `order::read` would report something about this order: it is left to that reader.
pub(super) struct Defer;

/// A string as `Obj::text` reads it: empty means not given.
fn text<'t>(field: &'t Option<Text<'_>>) -> Option<&'t str> {
    field
        .as_ref()
        .map(|t| t.0.as_ref())
        .filter(|t| !t.is_empty())
}

/// `code`'s canonical value, when the table has it.
fn code(table: &CodeTable, code: &str) -> Result<&'static str, Defer> {
    table.canonical(code).ok_or(Defer)
}

/// Epoch milliseconds → RFC 3339 UTC, as `housekeeping::instant`.
fn instant(ms: Option<i64>) -> Result<Option<String>, Defer> {
    let Some(ms) = ms else {
        return Ok(None);
    };
    beijing_time::from_epoch_ms(ms)
        .map(|at| Some(beijing_time::rfc3339_utc(at)))
        .ok_or(Defer)
}

/// A coordinate as `Obj::number` reads it.
fn coordinate(value: Option<f64>) -> Result<Option<f64>, Defer> {
    match value {
        Some(n) if !n.is_finite() => Err(Defer),
        other => Ok(other),
    }
}

/// `lng`, `lat` and `coordType` → a GCJ-02 `geo`, as `housekeeping::geo`.
fn geo(presence: &Presence<'_>) -> Result<Option<Value>, Defer> {
    let lng = coordinate(presence.lng)?;
    let lat = coordinate(presence.lat)?;
    let datum = match text(&presence.coord_type) {
        None => Some(Datum::Bd09),
        Some(name) => Datum::from_coord_type(code(&codes::COORD_TYPE, name)?),
    };
    match (lng, lat) {
        (Some(lng), Some(lat)) => Ok(datum.map(|datum| {
            let gcj = coords::to_gcj02(Point { lng, lat }, datum);
            canonical::geo(gcj.lng, gcj.lat)
        })),
        (None, None) => Ok(None),
        _ => Err(Defer),
    }
}

impl Order<'_> {
    /// The ServiceRecord, step for step as `order::read` builds it (same keys, same
    /// order), with the same values noted as not carried in the same order.
    pub(super) fn convert(&self, f: &mut Findings, participant: &str) -> Result<Object, Defer> {
        let mut out = Object::new();
        let order_no = text(&self.order_no);
        put(
            &mut out,
            "externalIds",
            canonical::external_ids(participant, order_no),
        );
        put(&mut out, "orderRef", order_no);

        let mut senior = Object::new();
        if let Some(Json(elder)) = &self.elder {
            match (text(&elder.gateway_senior_id), text(&elder.customer_id)) {
                (Some(id), customer) => {
                    senior.insert("seniorId".into(), id.into());
                    if customer.is_some() {
                        f.not_carried("/elder/customerId");
                    }
                }
                (None, Some(id)) => {
                    senior.insert("externalId".into(), canonical::external_id(participant, id));
                }
                (None, None) => {}
            }
        }
        out.insert("senior".into(), Value::Object(senior));

        if let Some(sku) = self.sku.as_ref().and_then(|Json(sku)| text(&sku.sku_code)) {
            put(&mut out, "serviceItem", Some(code(&codes::SKU, sku)?));
        }

        if let Some(Json(aunt)) = &self.aunt {
            let mut worker = Object::new();
            put(&mut worker, "name", text(&aunt.name));
            put(&mut worker, "certificateNo", text(&aunt.cert_no));
            put_object(&mut out, "worker", worker);
            if aunt.aunt_id.is_some() {
                f.not_carried("/aunt/auntId");
            }
            if aunt.service_code.is_some() {
                f.not_carried("/aunt/serviceCode");
            }
        }

        let mut provider = Object::new();
        if let Some(Json(store)) = &self.store {
            match (text(&store.credit_code), text(&store.store_id)) {
                (Some(uscc), store_id) => {
                    provider.insert("uscc".into(), uscc.into());
                    if store_id.is_some() {
                        f.not_carried("/store/storeId");
                    }
                }
                (None, Some(id)) => {
                    provider.insert("externalId".into(), canonical::external_id(participant, id));
                }
                (None, None) => {}
            }
        }
        out.insert("provider".into(), Value::Object(provider));

        if let Some(status) = text(&self.status) {
            put(
                &mut out,
                "status",
                Some(code(&codes::ORDER_STATUS, status)?),
            );
        }
        if let Some(Json(appointment)) = &self.appointment {
            let mut scheduled = Object::new();
            put(&mut scheduled, "start", instant(appointment.start_at)?);
            put(&mut scheduled, "end", instant(appointment.end_at)?);
            put_object(&mut out, "scheduled", scheduled);
        }
        for (name, presence) in [("checkIn", &self.check_in), ("checkOut", &self.check_out)] {
            if let Some(Json(presence)) = presence {
                let mut canonical = Object::new();
                put(&mut canonical, "at", instant(presence.at)?);
                put(&mut canonical, "geo", geo(presence)?);
                out.insert(name.into(), Value::Object(canonical));
            }
        }
        if let Some(Json(price)) = &self.price {
            let mut charge = Object::new();
            put(&mut charge, "totalFen", price.total_fen);
            put(&mut charge, "subsidyFen", price.subsidy_fen);
            put(&mut charge, "selfPayFen", price.pay_fen);
            out.insert("charge".into(), Value::Object(charge));
        }
        if let Some(Json(review)) = &self.review {
            let mut rating = Object::new();
            put(&mut rating, "stars", review.stars);
            put(&mut rating, "comment", text(&review.content));
            out.insert("rating".into(), Value::Object(rating));
        }
        let mut observations = Vec::new();
        for Json(finding) in self.findings.iter().flatten() {
            let mut observation = Object::new();
            if let Some(tag) = text(&finding.tag) {
                put(
                    &mut observation,
                    "code",
                    Some(code(&codes::FINDING_TAG, tag)?),
                );
            }
            if let Some(level) = finding.level {
                put(
                    &mut observation,
                    "severity",
                    Some(code(&codes::FINDING_LEVEL, &level.to_string())?),
                );
            }
            put(&mut observation, "note", text(&finding.remark));
            if let Some(sku) = text(&finding.sku_code) {
                put(
                    &mut observation,
                    "serviceItem",
                    Some(code(&codes::SKU, sku)?),
                );
            }
            observations.push(Value::Object(observation));
        }
        put_list(&mut out, "observations", observations);
        if self.updated_at.is_some() {
            f.not_carried("/updatedAt");
        }
        Ok(out)
    }
}
