//! The gateway's protocols: REST (axum) and gRPC (tonic) over `jiayang-domain`. Each REST
//! route and gRPC method names one domain [`Operation`](jiayang_domain::Operation)
//! ([`operations`]), converts its request, makes one domain call and converts the answer
//! back; nothing here decides. Errors become answers once, in [`error`]. The server
//! (`jiayang-gateway`) mounts [`rest::routes`] and [`grpc::routes`] behind its request
//! layers, which put a [`request::RequestId`], a [`request::RequestLang`] and the
//! authenticated domain `Call` into every request.

pub mod error;
pub mod grpc;
pub mod openapi;
pub mod operations;
pub mod request;
pub mod rest;
pub mod wire;

mod lookup;

/// Largest request body, REST or gRPC: a 5000-item batch of service records fits with
/// room to spare.
pub const BODY_LIMIT: usize = 32 * 1024 * 1024;
