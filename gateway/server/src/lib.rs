//! The Jiayang gateway: one TLS port serving gRPC and REST over SQLite or PostgreSQL, and
//! the `jiayang` command line. This crate is the top layer: the server (TLS, the router,
//! the request layers, the operations endpoints) over `jiayang-api` (the protocols),
//! `jiayang-domain` (every decision) and `jiayang-store` (storage, audit, keys). See
//! ARCHITECTURE.md.
//!
//! Its public surface is what starts a gateway in a process (the command line, the API
//! tests and the load tool): [`prepare`] a data directory and database, [`bind`] the
//! port, [`serve`] until a shutdown future resolves.

mod app;
mod connections;
mod layers;
mod ops;
mod server;
mod settings;
mod tls;
mod webhook;

pub use server::{Config, Prepared, ServeError, bind, prepare, serve, shutdown_signal, sqlite_url};
pub use tls::server_config;
