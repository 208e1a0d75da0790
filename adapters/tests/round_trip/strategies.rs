//! Generators of valid canonical records holding only what a format carries.

use jiayang_schemas::{
    id_card_check_digit,
    reference::{DivisionLevel, catalog, divisions},
};
use proptest::{option, prelude::*, sample::subsequence};
use serde_json::{Map, Value, json};

const LIVING: [&str; 8] = [
    "LIVING_ALONE",
    "EMPTY_NEST",
    "LEFT_BEHIND",
    "DISABLED",
    "SEVERE_DISABILITY",
    "SPECIAL_FAMILY",
    "ADVANCED_AGE",
    "LOW_INCOME",
];
const FINDINGS: [&str; 8] = [
    "FALL_RISK",
    "MEDICATION_ISSUE",
    "COGNITIVE_DECLINE",
    "NUTRITION_RISK",
    "HOME_HAZARD",
    "LONELINESS",
    "HEALTH_CHANGE",
    "OTHER",
];
const USCC: &str = "91110105MA01ABCD13";

fn object(pairs: Vec<(&str, Option<Value>)>) -> Value {
    let mut out = Map::new();
    for (key, value) in pairs {
        if let Some(value) = value {
            out.insert(key.to_owned(), value);
        }
    }
    Value::Object(out)
}

fn items() -> Vec<&'static str> {
    catalog().iter().map(|item| item.code).collect()
}

pub fn streets() -> Vec<&'static str> {
    divisions()
        .iter()
        .filter(|d| d.level == DivisionLevel::Street)
        .map(|d| d.code)
        .collect()
}

pub fn districts() -> Vec<&'static str> {
    divisions().districts().map(|d| d.code).collect()
}

pub fn text() -> impl Strategy<Value = String> {
    "[\u{4e00}-\u{9fa5}]{2,12}"
}

fn mobile() -> impl Strategy<Value = String> {
    "1[3-9][0-9]{9}"
}

fn geo() -> impl Strategy<Value = Value> {
    (39.5f64..41.0, 115.5f64..117.5).prop_map(|(lat, lng)| json!({"lat": lat, "lng": lng}))
}

fn date(years: std::ops::RangeInclusive<i32>) -> impl Strategy<Value = (i32, u32, u32)> {
    (years, 1u32..=12, 1u32..=28)
}

fn iso((y, m, d): (i32, u32, u32)) -> String {
    format!("{y:04}-{m:02}-{d:02}")
}

/// An instant in 2026 before the tests' clock, in whole seconds.
fn instant() -> impl Strategy<Value = i64> {
    1_767_225_600i64..1_793_500_000
}

fn rfc3339(seconds: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp(seconds).unwrap();
    jiayang_adapters::beijing_time::rfc3339_utc(at)
}

pub fn senior() -> impl Strategy<Value = Value> {
    let person = (
        text(),
        prop::sample::select(vec!["UNKNOWN", "MALE", "FEMALE", "UNSPECIFIED"]),
        date(1920..=1965),
        0u32..1000,
        option::of(mobile()),
    );
    let address = (
        prop::sample::select(streets()),
        option::of(text()),
        option::of(geo()),
    );
    let assessment = option::of((
        (0i64..=32, 0i64..=15, 0i64..=28, 0i64..=15),
        date(2020..=2025),
        option::of(text()),
    ));
    let lists = (
        subsequence(LIVING.to_vec(), 0..=8),
        subsequence(items(), 0..=5),
        option::of((
            text(),
            prop::sample::select(vec!["SPOUSE", "CHILD", "RELATIVE", "OTHER"]),
            option::of(mobile()),
        )),
        any::<bool>(),
        prop::sample::select(vec!["ACTIVE", "INACTIVE", "DECEASED"]),
        "[A-Z0-9-]{1,20}",
    );
    (person, address, assessment, lists).prop_map(
        |((name, gender, birth, sequence, phone), (street, detail, geo), assessment, lists)| {
            let (living, needs, guardian, basic, status, number) = lists;
            // The 17th digit's parity is the gender (odd male), as GB 11643 says.
            let mut sequence = sequence;
            match gender {
                "MALE" if sequence % 2 == 0 => sequence = (sequence + 1) % 1000,
                "FEMALE" if sequence % 2 == 1 => sequence -= 1,
                _ => {}
            }
            let first17 = format!("110105{:04}{:02}{:02}{sequence:03}", birth.0, birth.1, birth.2);
            let check = id_card_check_digit(first17.as_bytes()).unwrap() as char;
            let assessment = assessment.map(|((a, b, c, d), on, assessor)| {
                let level = match a + b + c + d {
                    90.. => 0,
                    66..=89 => 1,
                    46..=65 => 2,
                    30..=45 => 3,
                    _ => 4,
                };
                object(vec![
                    ("level", Some(json!(level))),
                    ("assessedOn", Some(json!(iso(on)))),
                    ("assessor", assessor.map(Value::from)),
                    ("scores", Some(json!({"selfCare": a, "basicMobility": b, "mentalState": c, "perceptionSocial": d}))),
                ])
            });
            object(vec![
                ("externalIds", Some(json!([{"participant": "bj-elder-portal", "id": number}]))),
                ("name", Some(json!(name))),
                ("gender", Some(json!(gender))),
                ("birthDate", Some(json!(iso(birth)))),
                ("identityDocument", Some(json!({"type": "RESIDENT_ID_CARD", "number": format!("{first17}{check}")}))),
                ("phone", phone.map(Value::from)),
                ("address", Some(object(vec![
                    ("divisionCode", Some(json!(street))),
                    ("detail", detail.map(Value::from)),
                    ("geo", geo),
                ]))),
                ("livingSituation", (!living.is_empty()).then(|| json!(living))),
                ("capabilityAssessment", assessment),
                ("careNeeds", (!needs.is_empty()).then(|| json!(needs))),
                ("guardians", guardian.map(|(name, relation, phone)| {
                    json!([object(vec![
                        ("name", Some(json!(name))),
                        ("relation", Some(json!(relation))),
                        ("phone", phone.map(Value::from)),
                    ])])
                })),
                ("eligibility", basic.then(|| json!(["BASIC_SERVICE_RECIPIENT"]))),
                ("status", Some(json!(status))),
            ])
        },
    )
}

pub fn service_record() -> impl Strategy<Value = Value> {
    let who = (
        "[A-Z0-9-]{1,20}",
        "[A-Z0-9-]{1,20}",
        option::of(text()),
        "BJSM-[0-9]{4}-[0-9]{6}",
        prop::sample::select(items()),
    );
    let when = (
        prop::sample::select(vec![
            "SCHEDULED",
            "IN_PROGRESS",
            "COMPLETED",
            "CANCELLED",
            "NO_SHOW",
        ]),
        instant(),
        1i64..20_000,
        option::of((instant(), 60i64..20_000)),
        (option::of(geo()), option::of(geo())),
    );
    let what = (
        option::of((0i64..2_000_000, 0i64..2_000_000)),
        option::of((1i64..=5, option::of(text()))),
        subsequence(FINDINGS.to_vec(), 0..=3),
        option::of(text()),
    );
    (who, when, what).prop_map(|(who, when, what)| {
        let (number, senior, worker, certificate, item) = who;
        let (status, arrived, stayed, scheduled, (geo_in, geo_out)) = when;
        let (charge, rating, findings, note) = what;
        let check_in = matches!(status, "IN_PROGRESS" | "COMPLETED")
            .then(|| object(vec![("at", Some(json!(rfc3339(arrived)))), ("geo", geo_in)]));
        let check_out = (status == "COMPLETED").then(|| {
            object(vec![("at", Some(json!(rfc3339(arrived + stayed)))), ("geo", geo_out)])
        });
        object(vec![
            ("externalIds", Some(json!([{"participant": "bj-elder-portal", "id": number}]))),
            ("senior", Some(json!({"externalId": {"participant": "bj-elder-portal", "id": senior}}))),
            ("provider", Some(json!({"uscc": USCC}))),
            ("worker", Some(object(vec![
                ("name", worker.map(Value::from)),
                ("certificateNo", Some(json!(certificate))),
            ]))),
            ("serviceItem", Some(json!(item))),
            ("status", Some(json!(status))),
            ("scheduled", scheduled.map(|(start, length)| {
                json!({"start": rfc3339(start), "end": rfc3339(start + length)})
            })),
            ("checkIn", check_in),
            ("checkOut", check_out),
            ("charge", charge.map(|(subsidy, pay)| {
                json!({"totalFen": subsidy + pay, "subsidyFen": subsidy, "selfPayFen": pay})
            })),
            ("rating", rating.map(|(stars, comment)| {
                object(vec![("stars", Some(json!(stars))), ("comment", comment.map(Value::from))])
            })),
            ("observations", (!findings.is_empty()).then(|| {
                Value::Array(findings.iter().map(|code| object(vec![
                    ("code", Some(json!(code))),
                    ("severity", Some(json!("MEDIUM"))),
                    ("note", note.clone().map(Value::from)),
                ])).collect())
            })),
        ])
    })
}

/// Providers as a format carries them: `participant`, the credit source it implies, the
/// areas it can name, and whether offerings carry `subsidyEligible`.
pub fn provider(
    participant: &'static str,
    credit_source: &'static str,
    areas: Vec<&'static str>,
    subsidy_flag: bool,
) -> impl Strategy<Value = Value> {
    let listing = (
        "[A-Z0-9-]{1,20}",
        text(),
        prop::sample::select(vec![
            "HOUSEKEEPING_COMPANY",
            "ELDER_CARE_INSTITUTION",
            "COMMUNITY_STATION",
            "REGIONAL_CENTER",
            "MEAL_POINT",
            "DAY_CARE",
        ]),
        subsequence(areas, 1..=3),
        prop::sample::select(if participant == "hk-daojia" {
            vec!["ACTIVE", "SUSPENDED"]
        } else {
            vec!["ACTIVE", "SUSPENDED", "CLOSED"]
        }),
    );
    let offering = (
        prop::sample::select(items()),
        text(),
        0i64..1_000_000,
        prop::sample::select(vec!["PER_VISIT", "PER_HOUR", "PER_MONTH", "PER_MEAL"]),
        option::of(1i64..=600),
        option::of(any::<bool>()),
    );
    let extras = (
        prop::collection::vec(offering, 0..=3),
        option::of("010-[0-9]{8}"),
        option::of((option::of(text()), option::of(geo()))),
        option::of(prop::sample::select(vec!["A", "B", "C", "D"])),
        option::of(any::<bool>()),
    );
    (listing, extras).prop_map(move |(listing, extras)| {
        let (number, name, kind, area, status) = listing;
        let (offerings, phone, point, credit, library) = extras;
        let offerings: Vec<Value> = offerings
            .into_iter()
            .map(|(item, offering_name, price, unit, minutes, subsidy)| {
                object(vec![
                    ("serviceItem", Some(json!(item))),
                    ("name", Some(json!(offering_name))),
                    ("priceFen", Some(json!(price))),
                    ("unit", Some(json!(unit))),
                    ("durationMinutes", minutes.map(Value::from)),
                    (
                        "subsidyEligible",
                        subsidy.filter(|_| subsidy_flag).map(Value::from),
                    ),
                ])
            })
            .collect();
        // The one point a format carries has the provider's name and first area; it exists
        // when it says something.
        let point = point.filter(|(detail, geo)| detail.is_some() || geo.is_some());
        object(vec![
            (
                "externalIds",
                Some(json!([{"participant": participant, "id": number}])),
            ),
            ("name", Some(json!(name))),
            ("uscc", Some(json!(USCC))),
            ("kind", Some(json!(kind))),
            ("serviceArea", Some(json!(area))),
            (
                "offerings",
                (!offerings.is_empty()).then_some(Value::Array(offerings)),
            ),
            ("phone", phone.map(Value::from)),
            (
                "servicePoints",
                point.map(|(detail, geo)| {
                    json!([object(vec![
                        ("name", Some(json!(name))),
                        ("divisionCode", Some(json!(area[0]))),
                        ("detail", detail.map(Value::from)),
                        ("geo", geo),
                    ])])
                }),
            ),
            (
                "credit",
                credit.map(|level| json!({"level": level, "source": credit_source})),
            ),
            ("inProviderLibrary", library.map(Value::from)),
            ("status", Some(json!(status))),
        ])
    })
}

pub fn consent() -> impl Strategy<Value = Value> {
    let what = (
        "[A-Z0-9-]{1,20}",
        "[A-Z0-9-]{1,20}",
        subsequence(
            vec![
                "SERVICE_DELIVERY",
                "CARE_COORDINATION",
                "SUBSIDY_ADMINISTRATION",
                "EMERGENCY",
            ],
            1..=4,
        ),
        subsequence(
            vec![
                "BASIC",
                "CONTACT",
                "LOCATION",
                "IDENTITY",
                "HEALTH",
                "FINANCIAL",
            ],
            1..=6,
        ),
    );
    let how = (
        prop::sample::select(vec![
            ("SELF", "APP_CONFIRMATION"),
            ("SELF", "PAPER_SIGNED"),
            ("GUARDIAN", "PAPER_SIGNED"),
            ("SELF", "PHONE_RECORDED"),
        ]),
        (
            text(),
            prop::sample::select(vec!["SPOUSE", "CHILD", "RELATIVE", "OTHER"]),
        ),
        option::of("[A-Z0-9-]{1,20}"),
        instant(),
        date(2025..=2026),
        option::of(0i64..2000),
        option::of(instant()),
    );
    (what, how).prop_map(|(what, how)| {
        let (number, senior, purposes, categories) = what;
        let ((kind, method), (guardian, relation), reference, captured, from, until, withdrawn) =
            how;
        let sensitive = categories
            .iter()
            .any(|c| ["IDENTITY", "HEALTH", "FINANCIAL", "LOCATION"].contains(c));
        let from_date = time::Date::from_calendar_date(
            from.0,
            time::Month::try_from(from.1 as u8).unwrap(),
            from.2 as u8,
        )
        .unwrap();
        let granted_by = if kind == "GUARDIAN" {
            json!({"kind": kind, "name": guardian, "relation": relation})
        } else {
            json!({"kind": kind})
        };
        object(vec![
            (
                "externalIds",
                Some(json!([{"participant": "bj-elder-portal", "id": number}])),
            ),
            (
                "senior",
                Some(json!({"externalId": {"participant": "bj-elder-portal", "id": senior}})),
            ),
            ("grantee", Some(json!("hk-daojia"))),
            ("purposes", Some(json!(purposes))),
            ("categories", Some(json!(categories))),
            (
                "basis",
                Some(json!(if sensitive {
                    "SEPARATE_CONSENT"
                } else {
                    "CONSENT"
                })),
            ),
            ("grantedBy", Some(granted_by)),
            (
                "evidence",
                Some(object(vec![
                    ("method", Some(json!(method))),
                    ("reference", reference.map(Value::from)),
                    ("capturedAt", Some(json!(rfc3339(captured)))),
                ])),
            ),
            ("validFrom", Some(json!(iso(from)))),
            (
                "validUntil",
                until.map(|days| {
                    json!(jiayang_adapters::beijing_time::canonical_date(
                        from_date + time::Duration::days(days)
                    ))
                }),
            ),
            (
                "status",
                Some(json!(if withdrawn.is_some() {
                    "WITHDRAWN"
                } else {
                    "ACTIVE"
                })),
            ),
            ("withdrawnAt", withdrawn.map(|at| json!(rfc3339(at)))),
        ])
    })
}
