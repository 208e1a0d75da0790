//! The request layers every API request passes, REST and gRPC alike: `observe` (request
//! id, language, time-out, one log line and metrics) around everything, and `guard`
//! (authentication, the access rule of the request's operation, the audit entries of
//! what it decided) around each route, inside `breaker` (503 at once while the database
//! is known to be down).

mod breaker;
mod guard;
mod observe;

pub use breaker::{Breaker, breaker};
pub use guard::{PeerCertificate, guard};
pub use observe::{mark_route, observe, unknown_route};
