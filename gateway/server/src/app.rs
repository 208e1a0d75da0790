//! The application: the one router that serves REST, gRPC and the operations endpoints
//! side by side, with the request layers around them.

use axum::{Router, extract::DefaultBodyLimit, middleware};
use jiayang_api::{BODY_LIMIT, grpc, rest};
use jiayang_domain::Gateway;

use crate::{layers, ops};

/// REST + gRPC + operations, with the cross-cutting layers: request ids and logs,
/// metrics, time-outs, and (on the API) authentication, access and audit.
pub fn router(gateway: Gateway) -> Router {
    // The route is marked outside the guard, so that its refusals (401, 403) are
    // counted and logged under the route they refused, not as unmatched.
    let api = rest::routes()
        .with_state(gateway.clone())
        .merge(grpc::routes(gateway.clone()))
        .layer(middleware::from_fn_with_state(
            gateway.clone(),
            layers::guard,
        ))
        .layer(middleware::from_fn_with_state(
            layers::Breaker::default(),
            layers::breaker,
        ))
        .route_layer(middleware::from_fn(layers::mark_route));
    Router::new()
        .merge(api)
        .merge(ops::routes().with_state(gateway))
        .fallback(layers::unknown_route)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(layers::observe))
}
