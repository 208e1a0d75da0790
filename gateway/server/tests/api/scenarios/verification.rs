//! Automatic verification (DESIGN §5): every rule with a record it flags and one it
//! passes, the checks across platforms (one worker certificate at two housekeeping
//! platforms at once), flagged records stored all the same, and an update checked again.

use jiayang_domain::ParticipantKind;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime, format_description::well_known::Rfc3339};

use super::reading::{call, grant_from};
use crate::{
    both,
    common::{TestApp, fixture, provider_of, senior},
};

const HK2: &str = "hk-58daojia";

fn at(time: OffsetDateTime) -> String {
    time.format(&Rfc3339).unwrap()
}

/// A completed cleaning visit (the record fixture) of `minutes` from `start`, checked in
/// at the senior's door, by the fixture's worker.
fn visit(senior: &str, provider: &str, start: OffsetDateTime, minutes: i64) -> Value {
    let mut record = fixture("service-record", "design-example.json");
    record.as_object_mut().unwrap().remove("externalIds");
    record["senior"] = json!({ "seniorId": senior });
    record["provider"] = json!({ "providerId": provider });
    let end = start + Duration::minutes(minutes);
    record["scheduled"] = json!({"start": at(start), "end": at(end)});
    record["checkIn"]["at"] = at(start).into();
    record["checkOut"]["at"] = at(end).into();
    record
}

/// A visit only scheduled: no check-in, no worker needed yet.
fn scheduled(senior: &str, provider: &str, start: OffsetDateTime) -> Value {
    let mut record = visit(senior, provider, start, 120);
    let record_map = record.as_object_mut().unwrap();
    for key in ["checkIn", "checkOut", "worker", "rating", "observations"] {
        record_map.remove(key);
    }
    record["status"] = "SCHEDULED".into();
    record
}

/// The rules a record was flagged with, as stored.
fn flagged(record: &Value) -> Vec<&str> {
    let verification = &record["verification"];
    let rules: Vec<&str> = verification["alerts"]
        .as_array()
        .unwrap_or_else(|| panic!("verified: {record}"))
        .iter()
        .map(|alert| {
            assert!(alert["alertId"].as_str().unwrap().starts_with("alr_"));
            alert["rule"].as_str().unwrap()
        })
        .collect();
    let status = if rules.is_empty() {
        "PASSED"
    } else {
        "ALERTED"
    };
    assert_eq!(verification["status"], status, "{record}");
    assert!(verification["checkedAt"].is_string());
    rules
}

async fn every_rule_flags_and_passes(app: &TestApp) {
    let hk = app
        .participant("hk-daojia", ParticipantKind::HousekeepingPlatform)
        .await;
    let hk2 = app
        .participant(HK2, ParticipantKind::HousekeepingPlatform)
        .await;
    let portal = app.token.clone();
    let (_, registered) = app.post("/v1/seniors", &senior(1, "110105013000")).await;
    let senior_id = registered["id"].as_str().unwrap().to_owned();
    let mut inactive = senior(2, "110105013000");
    inactive["status"] = "DECEASED".into();
    let (_, registered) = app.post("/v1/seniors", &inactive).await;
    let inactive_id = registered["id"].as_str().unwrap().to_owned();
    for (grantee, senior) in [
        ("hk-daojia", &senior_id),
        (HK2, &senior_id),
        ("hk-daojia", &inactive_id),
    ] {
        grant_from(
            app,
            &portal,
            senior,
            grantee,
            &["SERVICE_DELIVERY"],
            &["BASIC", "CONTACT", "LOCATION"],
        )
        .await;
    }
    // hk's provider (in the library, cleaning at 9 900 fen) with the fixture's worker and
    // one whose certificate has ended; another platform's provider employs the same
    // worker; a third provider is outside the library.
    let listing = |token: &str, n: u32, participant: &str, library: bool| {
        let mut body = provider_of("hk-daojia", n, &["110105000000"]);
        body["externalIds"] = json!([{"participant": participant, "id": format!("S{n}")}]);
        body["inProviderLibrary"] = library.into();
        let token = token.to_owned();
        async move {
            let (status, created) = call(
                app,
                &token,
                Method::POST,
                "/v1/providers",
                None,
                Some(&body),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{created}");
            created["id"].as_str().unwrap().to_owned()
        }
    };
    let mine = listing(&hk, 1, "hk-daojia", true).await;
    let theirs = listing(&hk2, 2, HK2, true).await;
    let outside = listing(&hk, 3, "hk-daojia", false).await;
    let mut expired = fixture("worker", "nurse.json");
    expired["certificateNo"] = "BJSM-2024-000007".into();
    expired["certificateValidUntil"] = "2025-12-31".into();
    expired["externalIds"] = json!([{"participant": "hk-daojia", "id": "A7"}]);
    let mut moonlighting = fixture("worker", "nurse.json");
    moonlighting["externalIds"] = json!([{"participant": HK2, "id": "W1"}]);
    let mut at_outside = fixture("worker", "nurse.json");
    at_outside["externalIds"] = json!([{"participant": "hk-daojia", "id": "A779"}]);
    for (token, provider, worker) in [
        (&hk, &mine, fixture("worker", "nurse.json")),
        (&hk, &mine, expired),
        (&hk2, &theirs, moonlighting),
        (&hk, &outside, at_outside),
    ] {
        let path = format!("/v1/providers/{provider}/workers");
        let (status, body) = call(app, token, Method::POST, &path, None, Some(&worker)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let submit = |token: &str, record: Value| {
        let token = token.to_owned();
        async move {
            let (status, stored) = call(
                app,
                &token,
                Method::POST,
                "/v1/service-records",
                None,
                Some(&record),
            )
            .await;
            assert_eq!(
                status,
                StatusCode::CREATED,
                "flagged records are stored: {stored}"
            );
            stored
        }
    };

    // Visits of two hours in slots three hours apart, all within the last 72 hours (one
    // certificate serves most of them: only those meant to overlap do).
    let now = OffsetDateTime::now_utc();
    let slot = |n: i64| now - Duration::hours(60) + Duration::hours(3 * n);
    // Passing: the fixture's visit.
    let passing = submit(&hk, visit(&senior_id, &mine, slot(0), 120)).await;
    assert_eq!(flagged(&passing), Vec::<&str>::new());
    let (_, read) = call(
        app,
        &hk,
        Method::GET,
        &format!("/v1/service-records/{}", passing["id"].as_str().unwrap()),
        None,
        None,
    )
    .await;
    assert_eq!(
        read["verification"], passing["verification"],
        "stored as answered"
    );

    // The same worker for another platform at the same time: what neither platform sees.
    let overlapping = submit(
        &hk2,
        visit(&senior_id, &theirs, slot(0) + Duration::minutes(30), 60),
    )
    .await;
    assert_eq!(flagged(&overlapping), ["WORKER_OVERLAP"]);
    let after = submit(&hk2, visit(&senior_id, &theirs, slot(1), 60)).await;
    assert_eq!(
        flagged(&after),
        Vec::<&str>::new(),
        "after the first visit ended"
    );

    let mut unknown = visit(&senior_id, &mine, slot(2), 120);
    unknown["worker"]["certificateNo"] = "BJSM-2026-999999".into();
    assert_eq!(flagged(&submit(&hk, unknown).await), ["WORKER_UNCERTIFIED"]);
    let mut ended = visit(&senior_id, &mine, slot(3), 120);
    ended["worker"]["certificateNo"] = "BJSM-2024-000007".into();
    assert_eq!(flagged(&submit(&hk, ended).await), ["WORKER_UNCERTIFIED"]);

    let mut away = visit(&senior_id, &mine, slot(4), 120);
    away["checkIn"]["geo"] = json!({"lat": 39.95, "lng": 116.40});
    assert_eq!(flagged(&submit(&hk, away).await), ["GEO_MISMATCH"]);

    let short = submit(&hk, visit(&senior_id, &mine, slot(5), 10)).await;
    assert_eq!(flagged(&short), ["DURATION_IMPLAUSIBLE"]);

    let late = submit(
        &hk,
        visit(&senior_id, &mine, now - Duration::hours(80), 120),
    )
    .await;
    assert_eq!(flagged(&late), ["LATE_SUBMISSION"]);

    let mut subsidised = visit(&senior_id, &outside, slot(6), 120);
    subsidised["worker"]["certificateNo"] = "BJSM-2026-000731".into();
    assert_eq!(
        flagged(&submit(&hk, subsidised.clone()).await),
        ["PROVIDER_NOT_ELIGIBLE"]
    );
    let (start, end) = (slot(7), slot(7) + Duration::minutes(120));
    subsidised["checkIn"]["at"] = at(start).into();
    subsidised["checkOut"]["at"] = at(end).into();
    subsidised["scheduled"] = json!({"start": at(start), "end": at(end)});
    subsidised["charge"] = json!({"totalFen": 12000, "subsidyFen": 0, "selfPayFen": 12000});
    assert_eq!(
        flagged(&submit(&hk, subsidised).await),
        Vec::<&str>::new(),
        "self-paid outside the library"
    );

    let mut overpaid = visit(&senior_id, &mine, slot(8), 120);
    overpaid["charge"] = json!({"totalFen": 25000, "subsidyFen": 20000, "selfPayFen": 5000});
    assert_eq!(flagged(&submit(&hk, overpaid).await), ["SUBSIDY_ANOMALY"]);

    // Two bookings of one senior, item and provider five minutes apart are one visit;
    // half an hour apart, two.
    let soon = now + Duration::days(2);
    let first = submit(&hk, scheduled(&senior_id, &mine, soon)).await;
    assert_eq!(flagged(&first), Vec::<&str>::new());
    let again = submit(
        &hk,
        scheduled(&senior_id, &mine, soon + Duration::minutes(5)),
    )
    .await;
    assert_eq!(flagged(&again), ["DUPLICATE"]);
    let later = submit(
        &hk,
        scheduled(&senior_id, &mine, soon + Duration::minutes(30)),
    )
    .await;
    assert_eq!(flagged(&later), Vec::<&str>::new());
    // A cancelled booking at the same time duplicates nothing.
    let mut cancelled = scheduled(&senior_id, &mine, soon + Duration::minutes(2));
    cancelled["status"] = "CANCELLED".into();
    assert_eq!(flagged(&submit(&hk, cancelled).await), Vec::<&str>::new());

    let deceased = submit(&hk, visit(&inactive_id, &mine, slot(9), 120)).await;
    assert_eq!(flagged(&deceased), ["SENIOR_INACTIVE"]);

    // An update is checked again: the corrected check-out passes, and the record's
    // verification says so.
    let mut corrected = visit(&senior_id, &mine, slot(5), 120);
    corrected.as_object_mut().unwrap().remove("verification");
    let path = format!("/v1/service-records/{}", short["id"].as_str().unwrap());
    let (status, updated) = crate::common::send(
        app.request_as(&hk, Method::PUT, &path)
            .header("if-match", "\"1\"")
            .json(&corrected),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(flagged(&updated), Vec::<&str>::new());
    let (_, read) = call(app, &hk, Method::GET, &path, None, None).await;
    assert_eq!(read["verification"], updated["verification"]);

    // A batch is verified like single records, across its own items too (checked
    // before its rows are written: the items are compared with each other in memory).
    let tomorrow = soon + Duration::days(1);
    let mut cancelled = scheduled(&senior_id, &mine, tomorrow);
    cancelled["status"] = "CANCELLED".into();
    let batch = json!({"serviceRecords": [
        visit(&senior_id, &mine, slot(10), 120),
        visit(&senior_id, &mine, slot(10) + Duration::minutes(60), 120),
        scheduled(&senior_id, &mine, tomorrow),
        scheduled(&senior_id, &mine, tomorrow + Duration::minutes(4)),
        cancelled,
    ]});
    let (status, results) = call(
        app,
        &hk,
        Method::POST,
        "/v1/service-records:batchCreate",
        None,
        Some(&batch),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{results}");
    let expected: [&[&str]; 5] = [
        &["WORKER_OVERLAP"],
        &["WORKER_OVERLAP"],
        &["DUPLICATE"],
        &["DUPLICATE"],
        &[],
    ];
    let results = results["results"].as_array().unwrap();
    assert_eq!(results.len(), expected.len());
    for (result, expected) in results.iter().zip(expected) {
        let path = format!("/v1/service-records/{}", result["id"].as_str().unwrap());
        let (_, stored) = call(app, &hk, Method::GET, &path, None, None).await;
        assert_eq!(flagged(&stored), expected, "{stored}");
    }

    // Two platforms writing overlapping visits of one worker at the same moment: the
    // later writer sees the earlier one's (on PostgreSQL it waits for it to commit), so
    // one of each pair is flagged, never neither.
    for n in 11..19 {
        let (first, second) = tokio::join!(
            submit(&hk, visit(&senior_id, &mine, slot(n), 120)),
            submit(
                &hk2,
                visit(&senior_id, &theirs, slot(n) + Duration::minutes(30), 60)
            ),
        );
        let mut pair = [flagged(&first), flagged(&second)];
        pair.sort();
        assert_eq!(pair, [vec![], vec!["WORKER_OVERLAP"]], "slot {n}");
    }
}
both!(verification, every_rule_flags_and_passes);
