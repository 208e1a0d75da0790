//! The gRPC API (tonic), beside REST on the same port. Each method converts the proto
//! request to canonical JSON (the proto3 JSON mapping, which is the canonical form),
//! makes the one domain call REST makes for the same operation (`crate::operations`
//! names both), and converts back.

mod alerts;
mod catalog;
mod consents;
mod convert;
mod events;
mod providers;
mod records;
mod seniors;

use jiayang_proto::v1::{
    alert_service_server::AlertServiceServer, catalog_service_server::CatalogServiceServer,
    consent_service_server::ConsentServiceServer, event_service_server::EventServiceServer,
    provider_service_server::ProviderServiceServer, senior_service_server::SeniorServiceServer,
    service_record_service_server::ServiceRecordServiceServer,
};

use std::{collections::HashSet, sync::LazyLock};

use jiayang_domain::Gateway;

/// Every RPC the gateway serves (`/jiayang.v1.SeniorService/GetSenior`, health,
/// reflection), from the embedded descriptors.
static METHODS: LazyLock<HashSet<String>> = LazyLock::new(|| {
    use prost::Message as _;
    let set = prost_types::FileDescriptorSet::decode(jiayang_proto::FILE_DESCRIPTOR_SET)
        .unwrap_or_default();
    let mut methods: HashSet<String> = set
        .file
        .iter()
        .flat_map(|file| {
            file.service.iter().flat_map(move |service| {
                service.method.iter().map(move |method| {
                    format!("/{}.{}/{}", file.package(), service.name(), method.name())
                })
            })
        })
        .collect();
    methods.insert("/grpc.health.v1.Health/Check".into());
    methods.insert("/grpc.health.v1.Health/Watch".into());
    methods.insert("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo".into());
    methods
});

/// Every RPC path the gateway serves.
pub fn methods() -> impl Iterator<Item = &'static str> {
    METHODS.iter().map(String::as_str)
}

/// Whether a path is an RPC the gateway serves: only those become metric labels.
pub fn is_method(path: &str) -> bool {
    METHODS.contains(path)
}

/// gRPC paths that need no credentials: health checks and reflection carry no data.
pub fn is_public(path: &str) -> bool {
    path.starts_with("/grpc.health.v1.") || path.starts_with("/grpc.reflection.")
}

/// The gRPC services, health and reflection, as an axum router to merge with REST.
pub fn routes(gateway: Gateway) -> axum::Router {
    let (health_reporter, health) = tonic_health::server::health_reporter();
    tokio::spawn(async move {
        health_reporter
            .set_serving::<SeniorServiceServer<seniors::Service>>()
            .await;
        health_reporter
            .set_serving::<ServiceRecordServiceServer<records::Service>>()
            .await;
        health_reporter
            .set_serving::<ProviderServiceServer<providers::Service>>()
            .await;
        health_reporter
            .set_serving::<CatalogServiceServer<catalog::Service>>()
            .await;
        health_reporter
            .set_serving::<ConsentServiceServer<consents::Service>>()
            .await;
        health_reporter
            .set_serving::<AlertServiceServer<alerts::Service>>()
            .await;
        health_reporter
            .set_serving::<EventServiceServer<events::Service>>()
            .await;
    });
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(jiayang_proto::FILE_DESCRIPTOR_SET)
        .build_v1()
        .expect("the embedded descriptor set is valid");
    // Each service gets its own path prefix in one axum router. tonic's `Routes` would
    // also install a catch-all that answers every unknown path, REST ones included, with
    // gRPC UNIMPLEMENTED; the app's own fallback must answer those.
    let router = axum::Router::new();
    let router = with_service(router, health);
    let router = with_service(router, reflection);
    let router = with_service(
        router,
        SeniorServiceServer::new(seniors::Service(gateway.clone()))
            .max_decoding_message_size(crate::BODY_LIMIT),
    );
    let router = with_service(
        router,
        ServiceRecordServiceServer::new(records::Service(gateway.clone()))
            .max_decoding_message_size(crate::BODY_LIMIT),
    );
    let router = with_service(
        router,
        ConsentServiceServer::new(consents::Service(gateway.clone())),
    );
    let router = with_service(
        router,
        AlertServiceServer::new(alerts::Service(gateway.clone())),
    );
    let router = with_service(
        router,
        EventServiceServer::new(events::Service(gateway.clone())),
    );
    let router = with_service(
        router,
        ProviderServiceServer::new(providers::Service(gateway))
            .max_decoding_message_size(crate::BODY_LIMIT),
    );
    with_service(router, CatalogServiceServer::new(catalog::Service))
}

fn with_service<S>(router: axum::Router, service: S) -> axum::Router
where
    S: tower::Service<http::Request<tonic::body::Body>, Error = std::convert::Infallible>
        + tonic::server::NamedService
        + Clone
        + Send
        + Sync
        + 'static,
    S::Response: axum::response::IntoResponse,
    S::Future: Send + 'static,
{
    use tower::ServiceExt as _;
    router.route_service(
        &format!("/{}/{{*rest}}", S::NAME),
        service.map_request(|request: http::Request<axum::body::Body>| {
            request.map(tonic::body::Body::new)
        }),
    )
}

/// A `LookupRequest`'s key, as the domain takes it.
fn lookup_key(
    request: jiayang_proto::v1::LookupRequest,
) -> Result<jiayang_domain::release::SeniorKey, jiayang_domain::Error> {
    use jiayang_domain::release::SeniorKey;
    use jiayang_proto::v1::lookup_request::Key;
    match request.key {
        Some(Key::ExternalId(external)) => Ok(SeniorKey::External {
            participant: external.participant,
            id: external.id,
        }),
        Some(Key::IdentityNumber(number)) => Ok(SeniorKey::IdentityNumber(number)),
        None => Err(crate::lookup::invalid_lookup()),
    }
}
