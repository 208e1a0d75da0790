//! The API suite: every operation over REST and gRPC, each test run against SQLite and
//! against PostgreSQL (`JIAYANG_TEST_POSTGRES_URL`, which `./scripts/test` sets).
//! Each test gets a fresh gateway with a fresh database, served over real TLS.

mod common;

mod audit;
mod auth;
mod consent;
mod consent_matrix;
mod grpc;
mod native;
mod ops;
mod participants;
mod providers;
mod records;
mod seniors;
mod visibility;
