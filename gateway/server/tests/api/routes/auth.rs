//! Bearer tokens: required, checked on every request.

use reqwest::StatusCode;

use crate::{
    both,
    common::{TestApp, send},
};

async fn requests_without_a_known_token_are_refused(app: &TestApp) {
    let (status, problem) = send(app.client.get(app.url("/v1/seniors"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        problem["type"],
        "https://schemas.jiayang.local/problems/unauthenticated"
    );
    assert!(problem["requestId"].is_string());
    let (status, _) = send(
        app.client
            .get(app.url("/v1/seniors"))
            .bearer_auth("jy_not-a-token"),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = app.get("/v1/seniors").await;
    assert_eq!(status, StatusCode::OK);
}
both!(unknown_tokens, requests_without_a_known_token_are_refused);
