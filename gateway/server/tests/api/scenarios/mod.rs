//! Long, multi-step scenarios: several participants, several routes, REST and gRPC, each
//! step asserting what each participant may see or do. `reading.rs`: what they share.

mod alerts;
mod audit_chain;
mod audit_failure;
mod consent_lifecycle;
mod credentials_elsewhere;
mod events;
mod existence;
mod external_ids;
mod holders;
mod lists_and_searches;
mod outage;
mod reading;
mod release_matrix;
mod sealing;
mod second_registration;
mod service_record_visibility;
mod verification;
mod webhooks;
