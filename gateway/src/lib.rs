//! The Jiayang gateway: one TLS port serving gRPC and REST over SQLite or PostgreSQL.
//! See ARCHITECTURE.md for the map of this crate.

pub mod access;
pub mod app;
pub mod audit;
pub mod auth;
pub mod crypto;
pub mod domain;
pub mod error;
pub mod files;
pub mod grpc;
pub mod http;
pub mod ops;
pub mod participants;
pub mod rest;
pub mod server;
pub mod store;
pub mod tls;
