//! Provider search: `GET /v1/providers?district=<street>&pageSize=N`, cycling through
//! every street of Beijing; each answer must hold exactly N providers.

use std::sync::Arc;

use reqwest::{StatusCode, Version};
use serde::{Deserialize, de::IgnoredAny};

use super::{excerpt, timed};
use crate::{
    BoxError,
    config::Config,
    driver::Outcome,
    fixtures,
    harness::Harness,
    report::{Label, Measurement, Rate},
};

#[derive(Deserialize)]
struct Page {
    providers: Vec<IgnoredAny>,
}

/// Where the search goes: a list URL and, for the gateway, the bearer token.
pub(crate) struct Target {
    pub url: String,
    pub bearer: Option<String>,
}

pub async fn gateway(h: &Harness, config: &Config) -> Result<Measurement, BoxError> {
    let clients = (0..config.clients)
        .map(|_| h.rest_client())
        .collect::<Result<Vec<_>, _>>()?;
    let target = Target {
        url: h.url("/v1/providers"),
        bearer: Some(h.bearer()),
    };
    let outcome = load(config, clients, target).await;
    Ok(Measurement::new(
        label("gateway", "rest/h2/tls", h, config),
        &outcome,
        Rate::Requests,
    ))
}

pub(crate) fn label(
    target: &'static str,
    transport: &'static str,
    h: &Harness,
    config: &Config,
) -> Label {
    Label {
        scenario: "provider-search",
        target,
        transport,
        database: h.database,
        clients: config.clients,
        latency_of: format!("request ({} results)", config.page_size),
    }
}

/// Runs the search with one client per connection; answers must come over HTTP/2.
pub(crate) async fn load(
    config: &Config,
    clients: Vec<reqwest::Client>,
    target: Target,
) -> Outcome {
    let codes: Arc<Vec<&'static str>> = Arc::new(fixtures::street_codes());
    let clients = Arc::new(clients);
    let target = Arc::new(target);
    let page_size = config.page_size;
    timed(config, clients.len(), move |client, sequence| {
        let (clients, codes, target) = (clients.clone(), codes.clone(), target.clone());
        async move {
            let code = codes[sequence as usize % codes.len()];
            let mut request = clients[client].get(format!(
                "{}?district={code}&pageSize={page_size}",
                target.url
            ));
            if let Some(bearer) = &target.bearer {
                request = request.header("authorization", bearer);
            }
            let response = request.send().await.map_err(|e| e.to_string())?;
            let (status, version) = (response.status(), response.version());
            let body = response.bytes().await.map_err(|e| e.to_string())?;
            if status != StatusCode::OK {
                return Err(format!("{status}: {}", excerpt(&body)));
            }
            if version != Version::HTTP_2 {
                return Err(format!("answered over {version:?}, not HTTP/2"));
            }
            let page: Page = serde_json::from_slice(&body).map_err(|e| e.to_string())?;
            if page.providers.len() != page_size {
                return Err(format!(
                    "district {code}: {} providers, not {page_size}",
                    page.providers.len()
                ));
            }
            Ok(page_size as u64)
        }
    })
    .await
}
