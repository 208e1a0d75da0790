//! /v1/native/{format}/{kind}: participants' own documents in, their own envelopes out,
//! with results and violations in their terms (record index or spreadsheet row, their
//! field names). The inputs are the adapters' golden files.

use std::path::PathBuf;

use jiayang_domain::ParticipantKind;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    both,
    common::{PORTAL, TestApp, consent, fixture_of, held_senior, send, senior},
};

fn golden(path: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../adapters/tests/golden")
        .join(path);
    std::fs::read(path).unwrap()
}

fn golden_json(path: &str) -> Value {
    serde_json::from_slice(&golden(path)).unwrap()
}

async fn post_native(app: &TestApp, path: &str, body: Vec<u8>) -> (StatusCode, Value) {
    send(app.request(Method::POST, path).body(body)).await
}

/// `(row or record, column or path, rule)` of every violation, for comparing reports.
fn located(report: &Value) -> Vec<(u64, String, String)> {
    let mut out: Vec<_> = report["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let at = v.get("row").or(v.get("record")).and_then(Value::as_u64);
            let field = v.get("column").or(v.get("path")).and_then(Value::as_str);
            (
                at.expect("every violation names its record or row"),
                field.unwrap_or_default().to_owned(),
                v["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

async fn a_housekeeping_order_lands_and_its_unresolved_references_name_its_own_fields(
    app: &TestApp,
) {
    let order = golden_json("housekeeping-app/service-record/spec-example/native.json");
    let path = "/v1/native/housekeeping-app/service-record";

    // Nobody it names exists yet: the refusal points at the order's own fields.
    let (status, body) = post_native(app, path, serde_json::to_vec(&order).unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["created"], json!([]));
    let refused = located(&body);
    assert!(
        refused.contains(&(
            0,
            "/elder/gatewaySeniorId".into(),
            "reference-unresolved".into()
        )),
        "{body}"
    );
    assert!(
        refused
            .iter()
            .all(|(_, path, _)| !path.starts_with("/senior")),
        "no canonical path leaks into a native report: {body}"
    );

    let (_, s) = app.post("/v1/seniors", &senior(1, "110105013000")).await;
    let (status, p) = app
        .post(
            "/v1/providers",
            &fixture_of("provider", "design-example.json", PORTAL),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    let provider_id = p["id"].as_str().unwrap();
    let (status, w) = app
        .post(
            &format!("/v1/providers/{provider_id}/workers"),
            &fixture_of("worker", "nurse.json", PORTAL),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{w}");

    let mut order = order;
    order["elder"]["gatewaySeniorId"] = s["id"].clone();
    let (status, body) = post_native(app, path, serde_json::to_vec(&order).unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["violations"], json!([]), "{body}");
    let created = &body["created"][0];
    assert_eq!(created["record"], 0);
    let (status, record) = app
        .get(&format!(
            "/v1/service-records/{}",
            created["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{record}");
    assert_eq!(record["senior"]["seniorId"], s["id"]);
    assert_eq!(record["provider"]["providerId"], p["id"]);
    assert_eq!(record["charge"]["totalFen"], 12000);
    assert_eq!(record["charge"]["selfPayFen"], 7000);
    assert_eq!(record["scheduled"]["start"], "2026-11-03T01:00:00Z");
    // The order number is the sender's id for the record.
    assert_eq!(
        record["externalIds"],
        json!([{"participant": "bj-elder-portal", "id": "HK202611030001"}])
    );

    // The same order again is a duplicate of the sender's id, reported at that order.
    let (_, body) = post_native(app, path, serde_json::to_vec(&order).unwrap()).await;
    assert_eq!(body["created"], json!([]));
    assert_eq!(body["violations"][0]["record"], 0);
    assert_eq!(body["violations"][0]["rule"], "already-exists", "{body}");
}
both!(
    housekeeping_order,
    a_housekeeping_order_lands_and_its_unresolved_references_name_its_own_fields
);

async fn portal_seniors_go_in_and_come_back_out_in_the_portal_envelope(app: &TestApp) {
    let list = "/v1/native/elder-portal/senior";
    let response = app.request(Method::GET, list).send().await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::NO_CONTENT,
        "an envelope holds one record at least"
    );

    let envelope = golden_json("elder-portal/senior/design/native.json");
    let (status, body) = post_native(app, list, serde_json::to_vec(&envelope).unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["violations"], json!([]), "{body}");
    let sent = envelope["JLS"].as_array().unwrap();
    assert_eq!(body["created"].as_array().unwrap().len(), sent.len());

    let response = app
        .request(Method::GET, &format!("{list}?pageSize=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let token = response.headers()["x-jiayang-next-page-token"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(response.headers()["x-jiayang-omitted"], "0");
    let first: Value = response.json().await.unwrap();
    assert_eq!(first["SJLX"], "LNRXX");
    assert_eq!(first["FSDW"], "bj-elder-portal");
    let (status, second) = app
        .get(&format!("{list}?pageSize=1&pageToken={token}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    // Seniors list in id order, which is not the order they were sent in: the two pages
    // of one hold both records, once each.
    let number_of = |record: &Value| record["LNRBH"].as_str().unwrap().to_owned();
    let out = [&first["JLS"][0], &second["JLS"][0]];
    let mut numbers: Vec<String> = out.iter().map(|r| number_of(r)).collect();
    let mut all: Vec<String> = sent.iter().map(number_of).collect();
    numbers.sort();
    all.sort();
    assert_eq!(numbers, all);
    // The portal's own number comes back as the record's number, the rest as sent.
    let out = out
        .into_iter()
        .find(|record| number_of(record) == number_of(&sent[0]))
        .unwrap();
    for field in [
        "XM", "XBDM", "CSRQ", "ZJHM", "LXDH", "XZQHDM", "NLDJ", "TSLX",
    ] {
        assert_eq!(out[field], sent[0][field], "{field}");
    }
}
both!(
    portal_seniors,
    portal_seniors_go_in_and_come_back_out_in_the_portal_envelope
);

async fn an_export_counts_the_profiles_it_leaves_out(app: &TestApp) {
    let hk = app
        .participant("hk-daojia", ParticipantKind::HousekeepingPlatform)
        .await;
    let whole = held_senior(app, 1).await;
    let minimised = held_senior(app, 2).await;
    // Not granted to the platform at all: never listed to it, so not left out either.
    held_senior(app, 3).await;
    for (senior_id, categories) in [
        (
            &whole,
            json!([
                "BASIC",
                "CONTACT",
                "LOCATION",
                "IDENTITY",
                "HEALTH",
                "FINANCIAL"
            ]),
        ),
        (&minimised, json!(["BASIC", "CONTACT"])),
    ] {
        let mut grant = consent(senior_id);
        grant["categories"] = categories;
        grant["validFrom"] = "2026-01-01".into();
        grant["validUntil"] = "2099-12-31".into();
        let (status, body) = app.post("/v1/consents", &grant).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let list = "/v1/native/elder-portal/senior";
    let export = |token: &str| {
        app.request_as(token, Method::GET, list)
            .header("x-jiayang-purpose", "SERVICE_DELIVERY")
            .send()
    };
    let omitted = |response: &reqwest::Response| {
        response.headers()["x-jiayang-omitted"]
            .to_str()
            .unwrap()
            .to_owned()
    };
    // Each exported profile's gateway id: the platform has no number of its own for it.
    let exported = |document: &Value| -> Vec<String> {
        let mut ids: Vec<String> = document["JLS"]
            .as_array()
            .unwrap()
            .iter()
            .map(|record| record["LNRBH"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        ids
    };

    // The platform sees the first whole and the second minimised: the envelope carries
    // whole profiles only, so the second is left out, and counted.
    let response = export(&hk).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(omitted(&response), "1");
    let document: Value = response.json().await.unwrap();
    assert_eq!(
        exported(&document),
        std::slice::from_ref(&whole),
        "{document}"
    );

    // The holder sees all three whole: nothing left out.
    let response = export(&app.token).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(omitted(&response), "0");
    let document: Value = response.json().await.unwrap();
    assert_eq!(document["JLS"].as_array().unwrap().len(), 3, "{document}");

    // The operator sees ids only: every profile left out, and no envelope to hold none.
    let response = export(&app.operator_token).await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(omitted(&response), "3");
}
both!(omitted, an_export_counts_the_profiles_it_leaves_out);

async fn a_gbk_station_ledger_reports_by_row_and_column_and_keeps_the_good_rows(app: &TestApp) {
    let csv = golden("station-csv/senior/gbk-ledger/native.csv");
    let expected = golden_json("station-csv/senior/gbk-ledger/report.json");
    let converted = golden_json("station-csv/senior/gbk-ledger/canonical.json");
    let (status, body) = post_native(
        app,
        "/v1/native/station-csv/senior?district=110105000000",
        csv,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // What conversion refused, and row 8: it converts, but repeats row 2's ID number, so
    // the gateway refuses the second profile of the same person.
    let mut refused = located(&expected);
    refused.push((8, String::new(), "already-exists".into()));
    refused.sort();
    assert_eq!(located(&body), refused, "{body}");
    let created = body["created"].as_array().unwrap();
    assert_eq!(created.len(), converted.as_array().unwrap().len() - 1);
    assert!(created.iter().all(|c| c["row"].as_u64().unwrap() >= 2));

    // The stored profile is the converted one.
    let (_, stored) = app
        .get(&format!(
            "/v1/seniors/{}",
            created[0]["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        stored["identityDocument"]["number"],
        converted[0]["identityDocument"]["number"]
    );
}
both!(
    station_ledger,
    a_gbk_station_ledger_reports_by_row_and_column_and_keeps_the_good_rows
);

async fn unusable_native_requests_are_problems_naming_what_is_wrong(app: &TestApp) {
    let cases: [(&str, &[u8], &str, &str); 4] = [
        (
            "/v1/native/fax/senior",
            b"{}",
            "/format",
            "conversion-unsupported",
        ),
        (
            "/v1/native/elder-portal/consent",
            b"{}",
            "",
            "conversion-unsupported",
        ),
        (
            "/v1/native/housekeeping-app/senior",
            b"{}",
            "",
            "conversion-unsupported",
        ),
        (
            "/v1/native/elder-portal/senior",
            b"{\"BBH\": ",
            "",
            "input-not-json",
        ),
    ];
    for (path, body, at, rule) in cases {
        let (status, problem) = post_native(app, path, body.to_vec()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {problem}");
        assert_eq!(problem["violations"][0]["rule"], rule, "{path}: {problem}");
        assert_eq!(problem["violations"][0]["path"], at, "{path}: {problem}");
    }
}
both!(
    unusable_requests,
    unusable_native_requests_are_problems_naming_what_is_wrong
);

async fn a_station_visit_log_is_checked_against_the_names_on_record(app: &TestApp) {
    let profile = senior(1, "110105013000");
    let (status, _) = app.post("/v1/seniors", &profile).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = app
        .post(
            "/v1/providers",
            &fixture_of("provider", "design-example.json", PORTAL),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let number = profile["identityDocument"]["number"].as_str().unwrap();
    let name = profile["name"].as_str().unwrap();
    let csv = format!(
        "服务日期,开始时间,结束时间,老人姓名,身份证号,服务项目\n\
         2026-11-03,9:05,9:20,{name},{number},电话问候\n\
         2026-11-03,10:05,10:20,张冠李,{number},电话问候\n"
    );
    let (status, body) = post_native(
        app,
        "/v1/native/station-csv/service-record?providerUscc=91110105MA01ABCD13",
        csv.into_bytes(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["created"].as_array().unwrap().len(), 1, "{body}");
    assert_eq!(body["created"][0]["row"], 2);
    assert_eq!(
        located(&body),
        vec![(3, "老人姓名".to_owned(), "senior-name-mismatch".to_owned())],
        "{body}"
    );
}
both!(
    station_visit_log,
    a_station_visit_log_is_checked_against_the_names_on_record
);
