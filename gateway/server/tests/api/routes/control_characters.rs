//! Control characters (a NUL above all) in ids, filters, documents and lookups: refused
//! the same way on both databases, never a 500 (PostgreSQL cannot store a NUL at all).

use jiayang_proto::v1::{GetRequest, senior_service_client::SeniorServiceClient};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::{
    both,
    common::{TestApp, authorized, held_senior, send, senior},
};

async fn control_characters_are_refused_alike_on_every_database(app: &TestApp) {
    let id = held_senior(app, 1).await;
    let read = |method: Method, path: &str| {
        send(
            app.request(method, path)
                .header("x-jiayang-purpose", "SERVICE_DELIVERY"),
        )
    };
    // An id that cannot exist: not found, whichever route names it.
    for (method, path) in [
        (Method::GET, "/v1/seniors/sen_%00x".to_owned()),
        (Method::GET, "/v1/seniors/sen_%00x/access-history".into()),
        (Method::GET, "/v1/service-records/rec_%00".into()),
        (Method::GET, "/v1/providers/prv_%00/workers".into()),
        (Method::POST, "/v1/consents/cns_%00:withdraw".into()),
    ] {
        let (status, problem) = read(method.clone(), &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {problem}");
    }
    // A filter value: a malformed query.
    let (status, problem) = read(Method::GET, "/v1/service-records?senior=sen_%00").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(problem["violations"][0]["rule"], "query-format");

    // A document: a violation where the character is.
    let mut named = senior(2, "110105013000");
    named["name"] = "王\u{0}秀英".into();
    let (status, problem) = app.post("/v1/seniors", &named).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(problem["violations"][0]["path"], "/name");
    assert_eq!(problem["violations"][0]["rule"], "control-character");

    // In a batch only the item that holds one is refused.
    let mut foreign = senior(3, "110105013000");
    foreign["externalIds"][0]["id"] = "LNR-\u{0}3".into();
    let (status, body) = app
        .post(
            "/v1/seniors:batchCreate",
            &json!({"seniors": [foreign, senior(4, "110105013000")]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["results"][0]["violations"][0]["path"],
        "/externalIds/0/id"
    );
    assert!(body["results"][1]["id"].is_string(), "{body}");

    // A lookup key and a gRPC id, which no schema checks: refused, not a server error.
    let (status, problem) = send(
        app.request(Method::POST, "/v1/seniors:lookup")
            .header("x-jiayang-purpose", "SERVICE_DELIVERY")
            .json(&json!({"identityNumber": "11010519440308002\u{0}"})),
    )
    .await;
    assert!(status.is_client_error(), "{status}: {problem}");
    let mut client = SeniorServiceClient::new(app.channel().await);
    let mut request = authorized(
        &app.token,
        GetRequest {
            id: format!("{id}\u{0}"),
        },
    );
    request
        .metadata_mut()
        .insert("x-jiayang-purpose", "SERVICE_DELIVERY".parse().unwrap());
    let refused = client.get_senior(request).await.unwrap_err();
    assert!(
        matches!(
            refused.code(),
            tonic::Code::NotFound | tonic::Code::InvalidArgument
        ),
        "{refused:?}"
    );
}
both!(
    control_characters,
    control_characters_are_refused_alike_on_every_database
);
