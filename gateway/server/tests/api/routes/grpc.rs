//! The gRPC twins of the REST operations, on the same port: seniors, providers, service
//! records and the catalog, field violations, bulk import, health and reflection.
//! Consents over gRPC: `consents.rs` and `scenarios/consent_lifecycle.rs`.

use jiayang_proto::v1::{
    GetRequest, ImportSummary, ListProvidersRequest, ListSeniorsRequest, ListServiceItemsRequest,
    LookupRequest, ProviderListing, SeniorProfile, ServiceRecord, UpdateSeniorRequest,
    catalog_service_client::CatalogServiceClient, lookup_request::Key,
    provider_service_client::ProviderServiceClient, senior_service_client::SeniorServiceClient,
    service_record_service_client::ServiceRecordServiceClient,
};
use tonic::{Code, Request};
use tonic_types::StatusExt;

use crate::{
    both,
    common::{PORTAL, TestApp, authed, fixture, fixture_of, provider, senior, typed},
};

async fn seniors_over_grpc(app: &TestApp) {
    let mut client = SeniorServiceClient::new(app.channel().await);
    let sent: SeniorProfile = typed(fixture("senior", "design-example.json"));
    let mut request = authed(app, sent.clone());
    request
        .metadata_mut()
        .insert("idempotency-key", "g-1".parse().unwrap());
    let created = client.create_senior(request).await.unwrap().into_inner();
    assert!(created.id.starts_with("sen_"));
    assert_eq!(created.name, sent.name);
    assert_eq!(created.identity_document, sent.identity_document);
    let mut again = authed(app, sent.clone());
    again
        .metadata_mut()
        .insert("idempotency-key", "g-1".parse().unwrap());
    assert_eq!(
        client.create_senior(again).await.unwrap().into_inner().id,
        created.id,
        "idempotent over gRPC too"
    );

    let fetched = client
        .get_senior(authed(
            app,
            GetRequest {
                id: created.id.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(fetched, created);

    let mut changed = sent.clone();
    changed.name = "王秀英（更新）".into();
    let stale = UpdateSeniorRequest {
        id: created.id.clone(),
        senior: Some(changed.clone()),
        expected_version: 9,
    };
    assert_eq!(
        client
            .update_senior(authed(app, stale))
            .await
            .unwrap_err()
            .code(),
        Code::Aborted
    );
    let update = UpdateSeniorRequest {
        id: created.id.clone(),
        senior: Some(changed),
        expected_version: 1,
    };
    let updated = client
        .update_senior(authed(app, update))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(updated.version, 2);

    let page = client
        .list_seniors(authed(
            app,
            ListSeniorsRequest {
                division: "110105000000".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.seniors.len(), 1);
    assert!(page.next_page_token.is_empty());

    let number = sent.identity_document.unwrap().number;
    let found = client
        .lookup_senior(authed(
            app,
            LookupRequest {
                key: Some(Key::IdentityNumber(number)),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(found.id, created.id);
}
both!(seniors, seniors_over_grpc);

/// A status's BadRequest field violations as (field, description).
fn field_violations(status: &tonic::Status) -> Vec<(String, String)> {
    status
        .get_error_details()
        .bad_request()
        .expect("BadRequest details")
        .field_violations
        .iter()
        .map(|v| (v.field.clone(), v.description.clone()))
        .collect()
}

fn owned<const N: usize>(pairs: [(&str, &str); N]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

async fn invalid_requests_carry_field_violations(app: &TestApp) {
    let mut client = SeniorServiceClient::new(app.channel().await);
    let mut sent: SeniorProfile = typed(fixture("senior", "design-example.json"));
    sent.phone = "12345".into();
    sent.name.clear();
    let mut request = authed(app, sent.clone());
    request
        .metadata_mut()
        .insert("accept-language", "en".parse().unwrap());
    let status = client.create_senior(request).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(status.message(), "the request breaks 2 rule(s)");
    assert_eq!(
        field_violations(&status),
        owned([
            ("/name", "required: required field name is missing"),
            (
                "/phone",
                "phone-format: a phone number is an 11-digit mobile (1[3-9]…) or a Beijing landline 010-xxxxxxxx",
            ),
        ])
    );
    assert_eq!(
        status
            .get_error_details()
            .error_info()
            .expect("ErrorInfo")
            .reason,
        "invalid-request"
    );

    // Without the header: Chinese; the code and the reason are the same.
    let status = client.create_senior(authed(app, sent)).await.unwrap_err();
    assert_eq!(status.code(), Code::InvalidArgument);
    assert_eq!(status.message(), "请求无效：2 处违反规则");
    assert_eq!(
        field_violations(&status),
        owned([
            ("/name", "required: 缺少必填字段 name"),
            (
                "/phone",
                "phone-format: 电话号码应为 11 位手机号（1[3-9] 开头）或北京固话 010-xxxxxxxx",
            ),
        ])
    );
    assert_eq!(
        status
            .get_error_details()
            .error_info()
            .expect("ErrorInfo")
            .reason,
        "invalid-request"
    );
}
both!(violations, invalid_requests_carry_field_violations);

async fn a_reused_idempotency_key_with_another_body_is_refused_over_grpc(app: &TestApp) {
    let mut client = SeniorServiceClient::new(app.channel().await);
    let keyed = |message: &SeniorProfile, key: &str, lang: Option<&str>| {
        let mut request = authed(app, message.clone());
        request
            .metadata_mut()
            .insert("idempotency-key", key.parse().unwrap());
        if let Some(lang) = lang {
            request
                .metadata_mut()
                .insert("accept-language", lang.parse().unwrap());
        }
        request
    };
    let sent: SeniorProfile = typed(senior(1, "110105013000"));
    let created = client
        .create_senior(keyed(&sent, "g-reuse", None))
        .await
        .unwrap()
        .into_inner();
    let replayed = client
        .create_senior(keyed(&sent, "g-reuse", None))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(replayed, created, "the same key and body: the same senior");

    let mut other = sent.clone();
    other.name = "李秀兰".into();
    for (lang, message) in [
        (None, "该幂等键已用于另一个请求体"),
        (
            Some("en"),
            "the idempotency key was already used with another request body",
        ),
    ] {
        let refused = client
            .create_senior(keyed(&other, "g-reuse", lang))
            .await
            .unwrap_err();
        assert_eq!(refused.code(), Code::FailedPrecondition, "{refused:?}");
        assert_eq!(refused.message(), message);
        assert_eq!(
            refused
                .get_error_details()
                .error_info()
                .map(|i| i.reason.as_str()),
            Some("idempotency-key-reused")
        );
    }
    // The refused body changed nothing.
    let fetched = client
        .get_senior(authed(
            app,
            GetRequest {
                id: created.id.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(fetched, created);
}
both!(
    idempotency_key_reused,
    a_reused_idempotency_key_with_another_body_is_refused_over_grpc
);

async fn providers_records_and_the_catalog_over_grpc(app: &TestApp) {
    let channel = app.channel().await;
    let mut providers = ProviderServiceClient::new(channel.clone());
    let listing: ProviderListing = typed(provider(1, &["110105000000"]));
    let created = providers
        .create_provider(authed(app, listing))
        .await
        .unwrap()
        .into_inner();
    let found = providers
        .list_providers(authed(
            app,
            ListProvidersRequest {
                district: "110105013000".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        found
            .providers
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>(),
        [created.id.as_str()]
    );

    let mut seniors = SeniorServiceClient::new(channel.clone());
    let senior_id = seniors
        .create_senior(authed(app, typed(senior(1, "110105013000"))))
        .await
        .unwrap()
        .into_inner()
        .id;
    let mut records = ServiceRecordServiceClient::new(channel.clone());
    let mut body = fixture_of("service-record", "design-example.json", PORTAL);
    body["senior"] = serde_json::json!({"seniorId": senior_id});
    body["provider"] = serde_json::json!({"providerId": created.id});
    body.as_object_mut().unwrap().remove("worker");
    body["status"] = "SCHEDULED".into();
    let record: ServiceRecord = typed(body);
    let stored = records
        .create_service_record(authed(app, record))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(stored.submitted_by, "bj-elder-portal");

    let mut catalog = CatalogServiceClient::new(channel);
    let items = catalog
        .list_service_items(authed(app, ListServiceItemsRequest {}))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        items.service_items.len(),
        jiayang_schemas::reference::catalog().len()
    );
}
both!(others, providers_records_and_the_catalog_over_grpc);

/// A senior and a provider of `PORTAL`'s, made over gRPC, and a scheduled record of it
/// with the external id given: what the import tests stream.
async fn import_world(app: &TestApp) -> impl Fn(String) -> ServiceRecord {
    let channel = app.channel().await;
    let senior_id = SeniorServiceClient::new(channel.clone())
        .create_senior(authed(app, typed(senior(1, "110105013000"))))
        .await
        .unwrap()
        .into_inner()
        .id;
    let provider_id = ProviderServiceClient::new(channel)
        .create_provider(authed(app, typed(provider(1, &["110105000000"]))))
        .await
        .unwrap()
        .into_inner()
        .id;
    move |id: String| {
        let mut body = fixture_of("service-record", "design-example.json", PORTAL);
        body["senior"] = serde_json::json!({"seniorId": senior_id});
        body["provider"] = serde_json::json!({"providerId": provider_id});
        body["externalIds"] = serde_json::json!([{"participant": PORTAL, "id": id}]);
        body.as_object_mut().unwrap().remove("worker");
        body["status"] = "SCHEDULED".into();
        typed(body)
    }
}

async fn a_bulk_import_streams_records_and_reports_the_rejected(app: &TestApp) {
    let record = import_world(app).await;
    let records: Vec<ServiceRecord> = (0..120)
        .map(|i| {
            let mut record = record(format!("IMP-{i}"));
            if i % 40 == 7 {
                record.service_item = "GARDENING".into();
            }
            record
        })
        .collect();
    let channel = app.channel().await;
    let mut client = ServiceRecordServiceClient::new(channel);
    let summary = client
        .import_service_records(authed(app, tokio_stream::iter(records)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(summary.received, 120);
    assert_eq!(summary.imported, 117);
    let rejected: Vec<i32> = summary.rejected.iter().map(|r| r.index).collect();
    assert_eq!(rejected, [7, 47, 87]);
    assert_eq!(
        summary.rejected[0].violations[0].rule,
        "service-item-unknown"
    );
}
both!(
    import,
    a_bulk_import_streams_records_and_reports_the_rejected
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_reflection_answer_without_credentials_and_the_api_does_not() {
    let app = TestApp::sqlite().await;
    let channel = app.channel().await;
    let mut health = tonic_health::pb::health_client::HealthClient::new(channel.clone());
    let answer = health
        .check(tonic_health::pb::HealthCheckRequest {
            service: "jiayang.v1.SeniorService".into(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        answer.status,
        tonic_health::pb::health_check_response::ServingStatus::Serving as i32
    );

    let mut reflection =
        tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient::new(
            channel.clone(),
        );
    let request = tonic_reflection::pb::v1::ServerReflectionRequest {
        host: String::new(),
        message_request: Some(
            tonic_reflection::pb::v1::server_reflection_request::MessageRequest::ListServices(
                String::new(),
            ),
        ),
    };
    let mut responses = reflection
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let answer = responses.message().await.unwrap().unwrap();
    let listed = format!("{:?}", answer.message_response);
    for service in [
        "jiayang.v1.SeniorService",
        "jiayang.v1.ServiceRecordService",
        "jiayang.v1.ProviderService",
    ] {
        assert!(
            listed.contains(service),
            "{service} not reflected: {listed}"
        );
    }

    let mut seniors = SeniorServiceClient::new(channel);
    let status = seniors
        .get_senior(Request::new(GetRequest { id: "sen_x".into() }))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    app.stop().await;
}

/// An import's bounds (issue 16): a record over the size limit ends the stream with
/// RESOURCE_EXHAUSTED; at most 1,000 rejections are
/// listed, the rest counted; a participant has at most two imports open at once.
async fn an_import_is_bounded(app: &TestApp) {
    let record = import_world(app).await;
    let channel = app.channel().await;
    let mut client = ServiceRecordServiceClient::new(channel);

    let mut huge = record("BIG".into());
    huge.observations[0].note = "长".repeat(100_000);
    let stream = vec![record("BEFORE".into()), huge, record("AFTER".into())];
    let refused = client
        .import_service_records(authed(app, tokio_stream::iter(stream)))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::ResourceExhausted, "{refused:?}");
    assert!(refused.message().contains("262144"), "{refused:?}");
    let lookup = |id: &str| LookupRequest {
        key: Some(Key::ExternalId(jiayang_proto::v1::ExternalId {
            participant: PORTAL.into(),
            id: id.into(),
        })),
    };
    // Nothing after the refused record is read (what came before is stored by whole
    // chunks only: a retry with the same external ids completes a load).
    assert_eq!(
        client
            .lookup_service_record(authed(app, lookup("AFTER")))
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );

    let mut unknown = record("X".into());
    unknown.service_item = "GARDENING".into();
    let refused_all = vec![unknown; 1_100];
    let summary = client
        .import_service_records(authed(app, tokio_stream::iter(refused_all)))
        .await
        .unwrap()
        .into_inner();
    assert_eq!((summary.received, summary.imported), (1_100, 0));
    assert_eq!(summary.rejected.len(), 1_000);
    assert_eq!(summary.rejected.last().unwrap().index, 999);

    // Two imports held open (their streams sent nothing yet and stay open); a third is
    // refused at once; once one ends, another may start. A held one that arrived while
    // a probe was inside was refused itself: it is opened again until both are in.
    type Held = (
        tokio::sync::mpsc::Sender<ServiceRecord>,
        tokio::task::JoinHandle<Result<tonic::Response<ImportSummary>, tonic::Status>>,
    );
    let holder = client.clone();
    let hold = || -> Held {
        let (sender, receiver) = tokio::sync::mpsc::channel::<ServiceRecord>(1);
        let mut client = holder.clone();
        let request = authed(app, tokio_stream::wrappers::ReceiverStream::new(receiver));
        (
            sender,
            tokio::spawn(async move { client.import_service_records(request).await }),
        )
    };
    let mut open: Vec<Held> = vec![hold(), hold()];
    let mut third = None;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        for held in &mut open {
            if held.1.is_finished() {
                *held = hold();
            }
        }
        if open.iter().any(|held| held.1.is_finished()) {
            continue;
        }
        let probe = client
            .import_service_records(authed(app, tokio_stream::iter(vec![record("T".into())])))
            .await;
        if let Err(status) = probe {
            third = Some(status);
            break;
        }
    }
    let third = third.expect("a third import is refused");
    assert_eq!(third.code(), Code::ResourceExhausted, "{third:?}");
    let (sender, call) = open.pop().unwrap();
    drop(sender);
    call.await.unwrap().unwrap();
    let fourth = client
        .import_service_records(authed(app, tokio_stream::iter(vec![record("F".into())])))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(fourth.imported, 1);
    drop(open);
}
both!(import_bounds, an_import_is_bounded);
