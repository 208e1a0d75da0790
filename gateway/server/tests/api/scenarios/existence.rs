//! Whether a person is registered is not for a participant that neither holds them nor
//! has a grant for them to learn. A platform with no grant names a registered senior and
//! an unregistered one — by identity number and by the holder's external id — through
//! every door that takes a senior reference: a REST create, a batch item, gRPC, the
//! import stream, a native spreadsheet and a consent. Each pair of answers is the same,
//! apart from the request's own id; every attempt on the registered one is a denial in
//! that senior's access history. Once the platform has a grant, the senior is known.

use jiayang_domain::ParticipantKind;
use jiayang_proto::v1::{ServiceRecord, service_record_service_client::ServiceRecordServiceClient};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::reading::{call, grant_from};
use crate::{
    both,
    common::{PORTAL, TestApp, authorized, fixture_of, id_number, provider_of, senior, typed},
};

const HK: &str = "hk-daojia";

/// An answer without what differs between any two requests (their ids).
fn comparable(mut answer: Value) -> Value {
    if let Some(object) = answer.as_object_mut() {
        object.remove("requestId");
    }
    answer
}

/// A service record by hk-daojia for the senior `reference` names, at its own provider.
fn record(reference: &Value, n: usize) -> Value {
    let mut record = fixture_of("service-record", "design-example.json", HK);
    record["senior"] = reference.clone();
    record["provider"] = json!({"uscc": provider_of(HK, 1, &["110105000000"])["uscc"]});
    record["externalIds"] = json!([{"participant": HK, "id": format!("EX-{n}")}]);
    record.as_object_mut().unwrap().remove("worker");
    record["status"] = "SCHEDULED".into();
    record
}

/// Every door's answer for a reference to the senior `number` / `external` names, as
/// `token`, made comparable.
async fn answers(app: &TestApp, token: &str, number: &str, external: &str) -> Vec<String> {
    let by_number = json!({"identityNumber": number});
    let by_external = json!({"externalId": {"participant": PORTAL, "id": external}});
    let mut out = Vec::new();
    for (n, reference) in [&by_number, &by_external].into_iter().enumerate() {
        let (status, body) = call(
            app,
            token,
            Method::POST,
            "/v1/service-records",
            None,
            Some(&record(reference, n)),
        )
        .await;
        out.push(format!("REST {status} {}", comparable(body)));
        let (status, body) = call(
            app,
            token,
            Method::POST,
            "/v1/service-records:batchCreate",
            None,
            Some(&json!({"serviceRecords": [record(reference, n)]})),
        )
        .await;
        out.push(format!("batch {status} {}", comparable(body)));
        let mut consent = crate::common::consent("sen_unused");
        consent["senior"] = reference.clone();
        let (status, body) = call(
            app,
            token,
            Method::POST,
            "/v1/consents",
            None,
            Some(&consent),
        )
        .await;
        out.push(format!("consent {status} {}", comparable(body)));
    }

    let mut records = ServiceRecordServiceClient::new(app.channel().await);
    let sent: ServiceRecord = typed(record(&by_number, 9));
    let refused = records
        .create_service_record(authorized(token, sent.clone()))
        .await
        .unwrap_err();
    out.push(format!(
        "gRPC {:?} {} {:?}",
        refused.code(),
        refused.message(),
        refused.details()
    ));
    let summary = records
        .import_service_records(authorized(token, tokio_stream::iter([sent])))
        .await
        .unwrap()
        .into_inner();
    out.push(format!("stream {summary:?}"));

    let csv = format!(
        "服务日期,开始时间,结束时间,老人姓名,身份证号,服务项目\n\
         2026-11-03,9:05,9:20,王秀英,{number},电话问候\n"
    );
    let uscc = provider_of(HK, 1, &["110105000000"])["uscc"].clone();
    let (status, body) = crate::common::send(
        app.request_as(
            token,
            Method::POST,
            &format!(
                "/v1/native/station-csv/service-record?providerUscc={}",
                uscc.as_str().unwrap()
            ),
        )
        .body(csv),
    )
    .await;
    out.push(format!("native {status} {}", comparable(body)));
    out
}

async fn a_reference_does_not_tell_whether_a_person_is_registered(app: &TestApp) {
    let hk = app
        .participant(HK, ParticipantKind::HousekeepingPlatform)
        .await;
    let registered = senior(1, "110105013000");
    let (status, created) = app.post("/v1/seniors", &registered).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let senior_id = created["id"].as_str().unwrap().to_owned();
    let (status, listing) = call(
        app,
        &hk,
        Method::POST,
        "/v1/providers",
        None,
        Some(&provider_of(HK, 1, &["110105000000"])),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{listing}");

    let known = registered["identityDocument"]["number"].as_str().unwrap();
    let unknown = id_number("11010519400101999");
    let seen = answers(app, &hk, known, "LNR-000001").await;
    let not_there = answers(app, &hk, &unknown, "LNR-999999").await;
    assert_eq!(seen.len(), 9);
    for (seen, not_there) in seen.iter().zip(&not_there) {
        assert_eq!(seen, not_there, "the answers tell the two apart");
    }
    // Each door reached the senior: the answer is about it (gRPC's is in its details).
    assert!(seen[0].starts_with("REST 400"), "{}", seen[0]);
    for answer in seen.iter().filter(|a| !a.starts_with("gRPC")) {
        assert!(answer.contains("reference-unresolved"), "{answer}");
    }

    // The holder sees every attempt as a denial in the senior's access history: the
    // three REST doors twice (by number and by external id), gRPC, the stream, native.
    let (status, history) = app
        .get(&format!(
            "/v1/seniors/{senior_id}/access-history?pageSize=200"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{history}");
    let denials: Vec<&str> = history["accesses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["participant"] == HK)
        .map(|a| {
            assert_eq!(a["decision"], "DENY", "{a}");
            a["action"].as_str().unwrap()
        })
        .collect();
    assert_eq!(denials.len(), 9, "{history}");

    // With a grant (for any purpose), the senior is the platform's to know: a record
    // without SERVICE_DELIVERY is refused for what it is.
    grant_from(
        app,
        &app.token,
        &senior_id,
        HK,
        &["CARE_COORDINATION"],
        &["BASIC"],
    )
    .await;
    let (status, refused) = call(
        app,
        &hk,
        Method::POST,
        "/v1/service-records",
        None,
        Some(&record(&json!({"identityNumber": known}), 20)),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
}
both!(
    no_existence_oracle,
    a_reference_does_not_tell_whether_a_person_is_registered
);
