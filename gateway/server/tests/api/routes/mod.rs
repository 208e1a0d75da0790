//! Tests of one route (or its gRPC twin) each, a file per resource or route family.

mod auth;
mod catalog;
mod consents;
mod control_characters;
mod grpc;
mod native;
mod ops;
mod participants;
mod providers;
mod seniors;
mod service_records;
mod workers;
