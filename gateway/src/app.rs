//! The application: shared state and the one router that serves REST, gRPC and the
//! operations endpoints side by side.

use std::time::Duration;

use axum::{Router, extract::DefaultBodyLimit, middleware};

use crate::{auth, domain::Gateway, grpc, http, ops, rest};

/// Largest request body: a 5000-item batch of service records fits with room to spare.
pub const BODY_LIMIT: usize = 32 * 1024 * 1024;
/// Longest a request may run before it is answered with a time-out.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Clone, Debug)]
pub struct AppState {
    pub gateway: Gateway,
    /// The data directory's TLS files: its CA issues participants' certificates.
    pub tls: crate::tls::TlsFiles,
}

/// REST + gRPC + operations, with the cross-cutting layers: request ids and logs,
/// metrics, problem rendering, time-outs and authentication.
pub fn router(state: AppState) -> Router {
    let api = rest::routes()
        .with_state(state.clone())
        .merge(grpc::routes(state.clone()))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::authenticate,
        ));
    Router::new()
        .merge(api)
        .merge(ops::routes().with_state(state))
        .fallback(http::unknown_route)
        .layer(middleware::from_fn(http::problems))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(http::observe))
}
