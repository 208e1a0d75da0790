//! Operations endpoints, reachable without credentials and carrying no personal data:
//! liveness, readiness, Prometheus metrics, the OpenAPI document and a docs page.

pub mod metrics;

use std::time::Duration;

use axum::{
    Json, Router,
    extract::State,
    http::{StatusCode, header},
    response::{Html, IntoResponse, Response},
    routing::get,
};
use serde_json::json;

use jiayang_api::openapi;
use jiayang_domain::Gateway;

pub fn routes() -> Router<Gateway> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .route("/openapi.json", get(openapi_json))
        .route("/docs", get(docs))
        .route_layer(axum::middleware::from_fn(crate::layers::mark_route))
}

/// The process is up.
async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

/// The process can serve: the database answers.
/// The database answers, within a second (an unreachable one must not hold the probe).
async fn readyz(State(gateway): State<Gateway>) -> Response {
    let ping = tokio::time::timeout(Duration::from_secs(1), gateway.store.ping()).await;
    if ping.unwrap_or(false) {
        Json(json!({"status": "ready"})).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "database unreachable"})),
        )
            .into_response()
    }
}

async fn metrics_text() -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        metrics::render(),
    )
        .into_response()
}

async fn openapi_json() -> Json<serde_json::Value> {
    Json(openapi::document().clone())
}

/// A self-contained page listing the API from the OpenAPI document (no scripts from
/// elsewhere: the gateway's networks are often closed).
async fn docs() -> Html<String> {
    let document = openapi::document();
    let mut rows = String::new();
    if let Some(paths) = document["paths"].as_object() {
        for (path, operations) in paths {
            for (method, operation) in operations.as_object().into_iter().flatten() {
                rows.push_str(&format!(
                    "<tr><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>\n",
                    method.to_uppercase(),
                    html_escape(path),
                    html_escape(operation["summary"].as_str().unwrap_or_default())
                ));
            }
        }
    }
    Html(format!(
        "<!doctype html><html lang=\"zh\"><head><meta charset=\"utf-8\"><title>Jiayang API</title>\
         <style>body{{font-family:sans-serif;margin:2em}}td{{padding:.2em 1em}}</style></head><body>\
         <h1>家养 Jiayang gateway API</h1><p>Machine-readable: <a href=\"/openapi.json\">/openapi.json</a> \
         (OpenAPI 3.1). gRPC: package <code>jiayang.v1</code>, with server reflection.</p>\
         <table><tr><th>method</th><th>path</th><th>summary</th></tr>{rows}</table></body></html>"
    ))
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
