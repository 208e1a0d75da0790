//! Operations endpoints: no credentials, no personal data.

use reqwest::{Method, StatusCode};

use crate::common::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_metrics_and_docs_need_no_credentials() {
    let app = TestApp::sqlite().await;
    let get = |path: &'static str| app.client.get(app.url(path)).send();
    assert_eq!(get("/healthz").await.unwrap().status(), StatusCode::OK);
    let ready = get("/readyz").await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);
    let (status, created) = app
        .post("/v1/seniors", &crate::common::senior(1, "110105013000"))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = created["id"].as_str().unwrap();
    let (status, _) = app.get(&format!("/v1/seniors/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let refused = app
        .client
        .get(app.url(&format!("/v1/seniors/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    // The registry is the whole test process's, shared by every gateway in it, so only
    // that there is one is checked here; exact counts per route and status are checked
    // against a gateway process of its own (`tests/serve_cli.rs`).
    let metrics = get("/metrics").await.unwrap().text().await.unwrap();
    assert!(metrics.contains("jiayang_requests_total"), "{metrics}");
    assert!(!metrics.contains(id), "metrics never name a resource");
    let docs = get("/docs").await.unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(docs.text().await.unwrap().contains("/v1/service-records"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_is_served_and_documented_with_the_schemas_of_the_schemas_crate() {
    let app = TestApp::sqlite().await;
    let document: serde_json::Value = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    let routes: Vec<(Method, &str, String)> = jiayang_domain::Operation::ALL
        .iter()
        .copied()
        .filter_map(|op| {
            jiayang_api::operations::wire(op)
                .rest
                .map(|(method, path)| {
                    (
                        Method::from_bytes(method.as_str().as_bytes()).unwrap(),
                        path,
                        op.to_string(),
                    )
                })
        })
        .collect();
    for (method, path, op) in &routes {
        let method = method.as_str().to_ascii_lowercase();
        assert_eq!(
            document["paths"][path][&method]["x-jiayang-operation"],
            op.as_str(),
            "{method} {path} is not documented as {op}"
        );
        // Without credentials a served route answers 401; an unrouted one 404 or 405.
        let concrete = path.replace("{id}", "x").replace("{worker_id}", "y");
        let response = app
            .client
            .request(
                Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                app.url(&concrete),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{method} {path} is not served"
        );
    }
    let documented: usize = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|p| p.as_object().unwrap().len())
        .sum();
    assert_eq!(documented, routes.len());
    // And the probe itself can fail: an unrouted path is told apart.
    let (_, body) = app.get("/v1/no-such-thing").await;
    assert_eq!(
        body["type"],
        "https://schemas.jiayang.local/problems/unknown-route"
    );
    for kind in jiayang_schemas::Kind::ALL {
        let name = match kind {
            jiayang_schemas::Kind::Senior => "SeniorProfile",
            jiayang_schemas::Kind::ServiceRecord => "ServiceRecord",
            jiayang_schemas::Kind::Provider => "ProviderListing",
            jiayang_schemas::Kind::Worker => "Worker",
            jiayang_schemas::Kind::Consent => "Consent",
        };
        // The same schema, its references pointing into the document's components
        // (its own definitions hoisted there too), a USCC's form stated as a pattern.
        let mut documented = document["components"]["schemas"][name].clone();
        if let Some(uscc) = documented.pointer_mut("/properties/uscc") {
            uscc.as_object_mut().unwrap().remove("pattern");
        }
        let mut schema = jiayang_schemas::schema::schema_of(kind);
        let object = schema.as_object_mut().unwrap();
        for key in ["$id", "$schema", "$defs"] {
            object.remove(key);
        }
        into_components(&mut schema);
        assert_eq!(documented, schema, "{name}");
    }
    app.stop().await;
}

fn into_components(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Object(object) => {
            if let Some(Value::String(target)) = object.get_mut("$ref") {
                let name = target.rsplit_once("/$defs/").unwrap().1;
                *target = format!("#/components/schemas/{name}");
            }
            object.values_mut().for_each(into_components);
        }
        Value::Array(items) => items.iter_mut().for_each(into_components),
        _ => {}
    }
}
