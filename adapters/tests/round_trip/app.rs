//! The housekeeping app's one-way documents (housekeeping-app.md): orders as the app sends
//! them with the ServiceRecord each must become, and the customers the gateway sends it,
//! with the values the spec maps from a senior. Expectations are written from the spec's
//! tables here, not taken from the adapter's.

use std::fmt;

use jiayang_schemas::{
    reference::{DivisionLevel, divisions},
    uscc_check_character,
};
use proptest::{collection::vec, option, prelude::*, sample::select, sample::subsequence};
use serde_json::{Map, Value, json};
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, macros::date};

use super::strategies::{senior, text};

/// The participant the app is.
pub const APP: &str = "hk-daojia";

/// The spec's SKU table, in its order: the first SKU of an item is the one sent for it.
const SKUS: [(&str, &str); 19] = [
    ("MEAL-DLV", "MEAL_DELIVERY"),
    ("MEAL-DINE", "MEAL_DINE_IN"),
    ("CLN-D-2H", "CLEANING_DAILY"),
    ("CLN-D-3H", "CLEANING_DAILY"),
    ("CLN-D-4H", "CLEANING_DAILY"),
    ("CLN-DEEP", "CLEANING_DEEP"),
    ("LDRY", "LAUNDRY"),
    ("BATH-HOME", "BATHING_HOME"),
    ("ESC-MED", "MEDICAL_ESCORT"),
    ("MED-RMD", "MEDICATION_REMINDER"),
    ("ESC-OUT", "MOBILITY_ESCORT"),
    ("VISIT", "VISIT_CHECK"),
    ("CALL", "PHONE_CHECK"),
    ("CHAT", "COMPANION"),
    ("CARE-DAY", "PERSONAL_CARE"),
    ("REHAB", "REHAB_CARE"),
    ("RESPITE", "RESPITE_CARE"),
    ("COOK", "COOKING"),
    ("AGE-FRIENDLY", "HOME_ADAPTATION"),
];

const ORDER_STATUS: [(&str, &str); 6] = [
    ("PENDING", "SCHEDULED"),
    ("SERVING", "IN_PROGRESS"),
    ("COMPLETED", "COMPLETED"),
    ("CANCELLED", "CANCELLED"),
    ("REFUNDED", "CANCELLED"),
    ("NO_SHOW", "NO_SHOW"),
];

const FINDING_TAGS: [(&str, &str); 9] = [
    ("FALL_RISK", "FALL_RISK"),
    ("MEDICATION", "MEDICATION_ISSUE"),
    ("COGNITION", "COGNITIVE_DECLINE"),
    ("NUTRITION", "NUTRITION_RISK"),
    ("HOME_SAFETY", "HOME_HAZARD"),
    ("LONELY", "LONELINESS"),
    ("HEALTH", "HEALTH_CHANGE"),
    ("NEED_SERVICE", "NEEDS_SERVICE"),
    ("OTHER", "OTHER"),
];

const SEVERITIES: [&str; 3] = ["LOW", "MEDIUM", "HIGH"];

/// The published datum conversions (the formulas the spec names), written out here so
/// that the adapter's are checked against them rather than against themselves.
pub mod published {
    use std::f64::consts::PI;

    const X_PI: f64 = PI * 3000.0 / 180.0;
    /// Krasovsky 1940, the ellipsoid GCJ-02 is defined on.
    const A: f64 = 6_378_245.0;
    const EE: f64 = 0.006_693_421_622_965_943;

    /// BD-09 → GCJ-02, as `(lng, lat)`.
    pub fn bd09_to_gcj02(lng: f64, lat: f64) -> (f64, f64) {
        let (x, y) = (lng - 0.0065, lat - 0.006);
        let z = (x * x + y * y).sqrt() - 0.00002 * (y * X_PI).sin();
        let theta = y.atan2(x) - 0.000003 * (x * X_PI).cos();
        (z * theta.cos(), z * theta.sin())
    }

    fn shift_lat(x: f64, y: f64) -> f64 {
        let mut d = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
        d += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
        d += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
        d += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
        d
    }

    fn shift_lng(x: f64, y: f64) -> f64 {
        let mut d = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
        d += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
        d += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
        d += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
        d
    }

    /// WGS-84 → GCJ-02, as `(lng, lat)`.
    pub fn wgs84_to_gcj02(lng: f64, lat: f64) -> (f64, f64) {
        let d_lat = shift_lat(lng - 105.0, lat - 35.0);
        let d_lng = shift_lng(lng - 105.0, lat - 35.0);
        let rad_lat = lat / 180.0 * PI;
        let magic = 1.0 - EE * rad_lat.sin() * rad_lat.sin();
        let sqrt_magic = magic.sqrt();
        let d_lat = (d_lat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrt_magic) * PI);
        let d_lng = (d_lng * 180.0) / (A / sqrt_magic * rad_lat.cos() * PI);
        (lng + d_lng, lat + d_lat)
    }
}

fn object(pairs: Vec<(&str, Option<Value>)>) -> Value {
    let mut out = Map::new();
    for (key, value) in pairs {
        if let Some(value) = value {
            out.insert(key.to_owned(), value);
        }
    }
    Value::Object(out)
}

fn non_empty(value: Value) -> Option<Value> {
    (value != json!({})).then_some(value)
}

// ---- Order → ServiceRecord ----

/// Orders in one message and the records they must become, in order.
#[derive(Clone)]
pub struct Orders {
    pub message: Value,
    pub expected: Vec<Value>,
}

impl fmt::Debug for Orders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "message: {:#}", self.message)?;
        write!(f, "expected: {:#}", Value::Array(self.expected.clone()))
    }
}

/// A moment on Beijing's wall clock, to the millisecond, and the instant it is.
fn beijing(from: Date, to: Date) -> impl Strategy<Value = OffsetDateTime> {
    (
        from.to_julian_day()..=to.to_julian_day(),
        0u8..24,
        0u8..60,
        0u8..60,
        prop_oneof![Just(0u16), 0u16..1000],
    )
        .prop_map(|(day, h, m, s, ms)| {
            let date = Date::from_julian_day(day).unwrap();
            let time = Time::from_hms_milli(h, m, s, ms).unwrap();
            PrimitiveDateTime::new(date, time).assume_offset(UtcOffset::from_hms(8, 0, 0).unwrap())
        })
}

fn epoch_ms(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap()
}

/// The instant in UTC; the comparison in `main.rs` accepts any RFC 3339 UTC spelling of it.
fn utc(at: OffsetDateTime) -> String {
    let at = at.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

fn uscc() -> impl Strategy<Value = String> {
    "91110[0-9]{3}[0-9A-HJ-NPQRTUWXY]{9}".prop_map(|first17| {
        let check = uscc_check_character(first17.as_bytes()).unwrap() as char;
        format!("{first17}{check}")
    })
}

/// A check-in or check-out: the moment, and maybe where, in the datum the order names
/// (none named: BD-09).
fn presence(at: OffsetDateTime) -> impl Strategy<Value = (Value, Value)> {
    option::of((
        39.5f64..41.0,
        115.5f64..117.5,
        option::of(select(vec!["BD09", "GCJ02", "WGS84"])),
    ))
    .prop_map(move |geo| {
        let native = object(vec![
            ("at", Some(json!(epoch_ms(at)))),
            ("lng", geo.map(|(_, lng, _)| json!(lng))),
            ("lat", geo.map(|(lat, _, _)| json!(lat))),
            (
                "coordType",
                geo.and_then(|(_, _, datum)| datum).map(Value::from),
            ),
        ]);
        let canonical = object(vec![
            ("at", Some(json!(utc(at)))),
            (
                "geo",
                geo.map(|(lat, lng, datum)| {
                    let (lng, lat) = match datum.unwrap_or("BD09") {
                        "BD09" => published::bd09_to_gcj02(lng, lat),
                        "WGS84" => published::wgs84_to_gcj02(lng, lat),
                        _ => (lng, lat),
                    };
                    json!({"lat": lat, "lng": lng})
                }),
            ),
        ]);
        (native, canonical)
    })
}

/// When things happened: the appointment (any time), and the visit as the status says
/// it went (a check-in once serving, a check-out once completed, both in the past; an
/// order called off may have started first).
fn times(status: &'static str) -> impl Strategy<Value = Times> {
    let called_off = matches!(status, "CANCELLED" | "REFUNDED");
    (
        option::of((
            beijing(date!(2025 - 01 - 01), date!(2027 - 12 - 31)),
            1i64..20_000_000,
        )),
        beijing(date!(2025 - 01 - 01), date!(2026 - 11 - 02)),
        1i64..20_000_000,
        (any::<bool>(), any::<bool>()),
    )
        .prop_flat_map(move |(appointment, arrived, stayed_ms, (began, ended))| {
            let started = matches!(status, "SERVING" | "COMPLETED") || (called_off && began);
            let completed = status == "COMPLETED" || (called_off && began && ended);
            let left = arrived + time::Duration::milliseconds(stayed_ms);
            (
                Just(appointment),
                if started {
                    presence(arrived).prop_map(Some).boxed()
                } else {
                    Just(None).boxed()
                },
                if completed {
                    presence(left).prop_map(Some).boxed()
                } else {
                    Just(None).boxed()
                },
            )
        })
}

fn order() -> impl Strategy<Value = (Value, Value)> {
    let ids = (
        "[A-Z]{0,3}[0-9]{1,20}",
        prop_oneof![
            ("sen_[0-9A-HJKMNP-TV-Z]{26}", Just(None)).prop_map(|(g, c)| (Some(g), c)),
            "[A-Z]{0,2}[0-9]{1,10}".prop_map(|c| (None, Some(c))),
            ("sen_[0-9A-HJKMNP-TV-Z]{26}", "[A-Z]{0,2}[0-9]{1,10}")
                .prop_map(|(g, c)| (Some(g), Some(c))),
        ],
        prop_oneof![
            uscc().prop_map(|u| (Some(u), None)),
            "S[0-9]{1,8}".prop_map(|s| (None, Some(s))),
            (uscc(), "S[0-9]{1,8}").prop_map(|(u, s)| (Some(u), Some(s))),
        ],
    );
    let what = (
        select(SKUS.to_vec()),
        (option::of(text()), option::of("[A-Z]{3,12}")),
        (
            option::of("A[0-9]{1,6}"),
            option::of(text()),
            option::of("BJSM-[0-9]{4}-[0-9]{6}"),
            option::of("JZM[0-9]{11}"),
        ),
        "BJSM-[0-9]{4}-[0-9]{6}",
        select(ORDER_STATUS.to_vec()),
    );
    let money = (
        option::of((0i64..1_000_000, 0i64..1_000_000)),
        option::of((1i64..=5, option::of(text()))),
        vec(
            (
                select(FINDING_TAGS.to_vec()),
                1usize..=3,
                option::of(text()),
                select(SKUS.to_vec()),
            ),
            0..=3,
        ),
        option::of(1_767_225_600_000i64..1_793_700_000_000),
    );
    (ids, what, money).prop_flat_map(|(ids, what, money)| {
        let status = (what.4).0;
        times(status)
            .prop_map(move |times| build_order(ids.clone(), what.clone(), money.clone(), times))
    })
}

type Ids = (
    String,
    (Option<String>, Option<String>),
    (Option<String>, Option<String>),
);
type What = (
    (&'static str, &'static str),
    (Option<String>, Option<String>),
    (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    ),
    String,
    (&'static str, &'static str),
);
type Money = (
    Option<(i64, i64)>,
    Option<(i64, Option<String>)>,
    Vec<(
        (&'static str, &'static str),
        usize,
        Option<String>,
        (&'static str, &'static str),
    )>,
    Option<i64>,
);
type Times = (
    Option<(OffsetDateTime, i64)>,
    Option<(Value, Value)>,
    Option<(Value, Value)>,
);

fn build_order(ids: Ids, what: What, money: Money, times: Times) -> (Value, Value) {
    let (order_no, (gateway_id, customer_id), (credit_code, store_id)) = ids;
    let ((sku, item), (sku_name, category), aunt, on_site_cert, (status, canonical_status)) = what;
    let (auntie_id, auntie_name, cert, service_code) = aunt;
    let (price, review, findings, updated_at) = money;
    let (appointment, check_in, check_out) = times;
    // On-site work that has started needs the worker's 上门服务证.
    let on_site = jiayang_schemas::reference::ServiceItem::get(item)
        .unwrap()
        .on_site;
    let cert = if on_site && check_in.is_some() {
        Some(on_site_cert)
    } else {
        cert
    };
    let native = object(vec![
        ("orderNo", Some(json!(order_no))),
        (
            "elder",
            Some(object(vec![
                ("gatewaySeniorId", gateway_id.clone().map(Value::from)),
                ("customerId", customer_id.clone().map(Value::from)),
            ])),
        ),
        (
            "sku",
            Some(object(vec![
                ("skuCode", Some(json!(sku))),
                ("skuName", sku_name.map(Value::from)),
                ("category", category.map(Value::from)),
            ])),
        ),
        (
            "aunt",
            non_empty(object(vec![
                ("auntId", auntie_id.map(Value::from)),
                ("name", auntie_name.clone().map(Value::from)),
                ("certNo", cert.clone().map(Value::from)),
                ("serviceCode", service_code.map(Value::from)),
            ])),
        ),
        (
            "store",
            Some(object(vec![
                ("storeId", store_id.clone().map(Value::from)),
                ("creditCode", credit_code.clone().map(Value::from)),
            ])),
        ),
        ("status", Some(json!(status))),
        (
            "appointment",
            appointment.map(|(start, length)| {
                json!({"startAt": epoch_ms(start), "endAt": epoch_ms(start) + length})
            }),
        ),
        ("checkIn", check_in.clone().map(|(native, _)| native)),
        ("checkOut", check_out.clone().map(|(native, _)| native)),
        (
            "price",
            price.map(|(subsidy, pay)| {
                json!({"totalFen": subsidy + pay, "subsidyFen": subsidy, "payFen": pay})
            }),
        ),
        (
            "review",
            review.clone().map(|(stars, content)| {
                object(vec![
                    ("stars", Some(json!(stars))),
                    ("content", content.map(Value::from)),
                ])
            }),
        ),
        (
            "findings",
            (!findings.is_empty()).then(|| {
                findings
                    .iter()
                    .map(|((tag, _), level, remark, (wanted, _))| {
                        object(vec![
                            ("tag", Some(json!(tag))),
                            ("level", Some(json!(level))),
                            ("remark", remark.clone().map(Value::from)),
                            (
                                "skuCode",
                                (*tag == "NEED_SERVICE").then(|| json!(wanted)),
                            ),
                        ])
                    })
                    .collect()
            }),
        ),
        ("updatedAt", updated_at.map(Value::from)),
    ]);
    let canonical = object(vec![
        ("externalIds", Some(json!([{"participant": APP, "id": order_no}]))),
        ("orderRef", Some(json!(order_no))),
        (
            "senior",
            Some(match gateway_id {
                Some(id) => json!({"seniorId": id}),
                None => json!({"externalId": {"participant": APP, "id": customer_id}}),
            }),
        ),
        ("serviceItem", Some(json!(item))),
        (
            "worker",
            non_empty(object(vec![
                ("name", auntie_name.map(Value::from)),
                ("certificateNo", cert.map(Value::from)),
            ])),
        ),
        (
            "provider",
            Some(match credit_code {
                Some(uscc) => json!({"uscc": uscc}),
                None => json!({"externalId": {"participant": APP, "id": store_id}}),
            }),
        ),
        ("status", Some(json!(canonical_status))),
        (
            "scheduled",
            appointment.map(|(start, length)| {
                json!({
                    "start": utc(start),
                    "end": utc(start + time::Duration::milliseconds(length)),
                })
            }),
        ),
        ("checkIn", check_in.map(|(_, canonical)| canonical)),
        ("checkOut", check_out.map(|(_, canonical)| canonical)),
        (
            "charge",
            price.map(|(subsidy, pay)| {
                json!({"totalFen": subsidy + pay, "subsidyFen": subsidy, "selfPayFen": pay})
            }),
        ),
        (
            "rating",
            review.map(|(stars, comment)| {
                object(vec![
                    ("stars", Some(json!(stars))),
                    ("comment", comment.map(Value::from)),
                ])
            }),
        ),
        (
            "observations",
            (!findings.is_empty()).then(|| {
                findings
                    .iter()
                    .map(|((tag, code), level, remark, (_, wanted))| {
                        object(vec![
                            ("code", Some(json!(code))),
                            ("severity", Some(json!(SEVERITIES[level - 1]))),
                            ("note", remark.clone().map(Value::from)),
                            (
                                "serviceItem",
                                (*tag == "NEED_SERVICE").then(|| json!(wanted)),
                            ),
                        ])
                    })
                    .collect()
            }),
        ),
    ]);
    (native, canonical)
}

/// One order alone, or 1 to 4 in a batch `{"type": "orders", "items"}`.
pub fn orders() -> impl Strategy<Value = Orders> {
    (vec(order(), 1..=4), any::<bool>()).prop_map(|(orders, alone)| {
        let (natives, expected): (Vec<Value>, Vec<Value>) = orders.into_iter().unzip();
        let message = if alone && natives.len() == 1 {
            natives[0].clone()
        } else {
            json!({"type": "orders", "items": natives})
        };
        Orders { message, expected }
    })
}

// ---- SeniorProfile → Customer ----

/// Data categories and the senior's fields in each (DESIGN §4.1).
const CATEGORIES: [&str; 6] = [
    "BASIC",
    "CONTACT",
    "LOCATION",
    "IDENTITY",
    "HEALTH",
    "FINANCIAL",
];

/// Seniors minimised for the app, and the categories withheld from it.
#[derive(Debug, Clone)]
pub struct Customers {
    pub seniors: Vec<Value>,
    pub withheld: Vec<&'static str>,
}

/// Leaves out what `withheld` covers, as release does before conversion.
fn minimise(senior: &mut Map<String, Value>, withheld: &[&str]) {
    let situations_withheld = |situation: &str| {
        let category = match situation {
            "DISABLED" | "SEVERE_DISABILITY" => "HEALTH",
            "LOW_INCOME" => "FINANCIAL",
            _ => "BASIC",
        };
        withheld.contains(&category)
    };
    for category in withheld {
        let fields: &[&str] = match *category {
            "BASIC" => &["name", "gender", "birthDate", "status"],
            "CONTACT" => &["phone", "guardians"],
            "IDENTITY" => &["identityDocument"],
            "HEALTH" => &["capabilityAssessment", "careNeeds"],
            "FINANCIAL" => &["eligibility"],
            _ => &[],
        };
        for field in fields {
            senior.remove(*field);
        }
        let address_part = match *category {
            "BASIC" => "divisionCode",
            "CONTACT" => "detail",
            "LOCATION" => "geo",
            _ => continue,
        };
        if let Some(Value::Object(address)) = senior.get_mut("address") {
            address.remove(address_part);
        }
    }
    if senior.get("address") == Some(&json!({})) {
        senior.remove("address");
    }
    if let Some(Value::Array(situations)) = senior.get_mut("livingSituation") {
        situations.retain(|s| !situations_withheld(s.as_str().unwrap()));
        if situations.is_empty() {
            senior.remove("livingSituation");
        }
    }
}

/// One to three seniors with their gateway ids, as released to the app.
pub fn customers() -> impl Strategy<Value = Customers> {
    let one = (
        senior(),
        // The address at its street (as generated), its district or a community in it.
        prop_oneof![Just(None), Just(Some(0u16)), (1u16..1000).prop_map(Some)],
        "sen_[0-9A-HJKMNP-TV-Z]{26}",
        option::of("[A-Z0-9]{1,20}"),
        any::<bool>(),
    );
    // Mostly a reader entitled to most of a profile, so that most fields are there to map.
    let withheld = prop_oneof![
        2 => Just(Vec::new()),
        2 => subsequence(CATEGORIES.to_vec(), 1..=2),
        1 => subsequence(CATEGORIES.to_vec(), 0..=CATEGORIES.len()),
    ];
    (vec(one, 1..=3), withheld).prop_map(|(seniors, withheld)| {
        let seniors = seniors
            .into_iter()
            .map(|(senior, precision, id, own_id, others_ids)| {
                let Value::Object(mut senior) = senior else {
                    unreachable!()
                };
                let street = senior["address"]["divisionCode"]
                    .as_str()
                    .unwrap()
                    .to_owned();
                senior["address"]["divisionCode"] = match precision {
                    None => json!(street),
                    Some(0) => json!(format!("{}000000", &street[..6])),
                    Some(community) => json!(format!("{}{community:03}", &street[..9])),
                };
                minimise(&mut senior, &withheld);
                senior.insert("id".into(), json!(id));
                // Another participant's ids are never released; the app's own may be.
                let mut ids: Vec<Value> = if others_ids {
                    senior["externalIds"].as_array().unwrap().clone()
                } else {
                    Vec::new()
                };
                ids.extend(own_id.map(|id| json!({"participant": APP, "id": id})));
                senior.remove("externalIds");
                if !ids.is_empty() {
                    senior.insert("externalIds".into(), Value::Array(ids));
                }
                Value::Object(senior)
            })
            .collect();
        Customers { seniors, withheld }
    })
}

/// The customer the spec makes of a (minimised) senior, with the address's coordinates
/// left in GCJ-02: `main.rs` converts the customer's BD-09 back with the published formula.
pub fn customer_of(senior: &Value, withheld: &[&str]) -> Value {
    let text = |key: &str| senior.get(key).cloned();
    let mut tags: Vec<&str> = senior
        .get("livingSituation")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| match s.as_str().unwrap() {
            "LIVING_ALONE" => Some("LIVES_ALONE"),
            "EMPTY_NEST" => Some("EMPTY_NEST"),
            "ADVANCED_AGE" => Some("ADVANCED_AGE"),
            "DISABLED" | "SEVERE_DISABILITY" => Some("DISABLED"),
            _ => None,
        })
        .collect();
    // Tags are a set; `main.rs` sorts the customer's too.
    tags.sort_unstable();
    tags.dedup();
    let needs: Vec<&str> = senior
        .get("careNeeds")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|item| {
            SKUS.iter()
                .find(|(_, i)| *i == item.as_str().unwrap())
                .unwrap()
                .0
        })
        .collect();
    // The app's address names the district and the street (not the community) a code is in.
    let address = senior.get("address").map(|address| {
        let code = address.get("divisionCode").and_then(Value::as_str);
        let district = code.map(|code| {
            let district = divisions().get(&format!("{}000000", &code[..6])).unwrap();
            assert_eq!(district.level, DivisionLevel::District);
            district
        });
        let street = code
            .filter(|code| &code[6..] != "000000")
            .map(|code| divisions().get(&format!("{}000", &code[..9])).unwrap());
        let geo = address.get("geo");
        object(vec![
            ("province", Some(json!("北京市"))),
            ("city", Some(json!("北京市"))),
            ("district", district.map(|d| json!(d.name))),
            ("street", street.map(|s| json!(s.name))),
            ("detail", address.get("detail").cloned()),
            ("lng", geo.map(|g| g["lng"].clone())),
            ("lat", geo.map(|g| g["lat"].clone())),
            ("coordType", geo.map(|_| json!("BD09"))),
        ])
    });
    object(vec![
        ("customerId", text("id")),
        ("name", text("name")),
        (
            "gender",
            text("gender").map(|g| match g.as_str().unwrap() {
                "MALE" => json!("MALE"),
                "FEMALE" => json!("FEMALE"),
                _ => json!("UNKNOWN"),
            }),
        ),
        (
            "birthYear",
            text("birthDate").map(|d| json!(d.as_str().unwrap()[..4].parse::<i64>().unwrap())),
        ),
        ("mobile", text("phone")),
        ("address", address),
        ("tags", (!tags.is_empty()).then(|| json!(tags))),
        (
            "careLevel",
            senior
                .get("capabilityAssessment")
                .map(|a| a["level"].clone()),
        ),
        ("needs", (!needs.is_empty()).then(|| json!(needs))),
        (
            "withheld",
            (!withheld.is_empty()).then(|| {
                let mut withheld = withheld.to_vec();
                withheld.sort_unstable();
                json!(withheld)
            }),
        ),
    ])
}

/// The customer with its BD-09 coordinates converted back to GCJ-02 by the published
/// formula, and its sets (tags, withheld categories) in order, for comparison with
/// [`customer_of`].
pub fn comparable(customer: &Value) -> Value {
    let mut customer = customer.clone();
    for set in ["tags", "withheld"] {
        if let Some(Value::Array(values)) = customer.get_mut(set) {
            values.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
        }
    }
    if let Some(address) = customer.get_mut("address")
        && let (Some(lng), Some(lat)) = (address["lng"].as_f64(), address["lat"].as_f64())
    {
        let (lng, lat) = published::bd09_to_gcj02(lng, lat);
        address["lng"] = json!(lng);
        address["lat"] = json!(lat);
    }
    customer
}
