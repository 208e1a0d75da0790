//! /v1/catalog/service-items: the service catalog, every item of it.

use reqwest::StatusCode;

use crate::{both, common::TestApp};

async fn the_catalog_lists_every_service_item(app: &TestApp) {
    let (status, body) = app.get("/v1/catalog/service-items").await;
    assert_eq!(status, StatusCode::OK);
    let items = body["serviceItems"].as_array().unwrap();
    assert_eq!(items.len(), jiayang_schemas::reference::catalog().len());
    let cleaning = items
        .iter()
        .find(|i| i["code"] == "CLEANING_DAILY")
        .unwrap();
    assert_eq!(cleaning["onSite"], true);
    assert_eq!(cleaning["minMinutes"], 60);
}
both!(catalog, the_catalog_lists_every_service_item);
