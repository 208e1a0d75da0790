//! The API suite: every operation over REST and gRPC, each test run against SQLite and
//! against PostgreSQL (`JIAYANG_TEST_POSTGRES_URL`, which `./scripts/test` sets).
//! Each test gets a fresh gateway with a fresh database, served over real TLS.
//!
//! `routes/`: the tests of one route (or its gRPC twin) each, a file per resource or
//! route family. `scenarios/`: long, multi-step stories across routes and participants.
//! `rules.rs`: a failing case for every gateway rule id. A few tests run on SQLite only:
//! they are about the protocol (health, reflection, body limits, the served document,
//! long-polls at shutdown), where the database plays no part.

mod common;
#[path = "../support/receiver.rs"]
#[allow(dead_code)]
mod receiver;

#[path = "../support/tls.rs"]
mod tls;

mod routes;
mod rules;
mod scenarios;
