//! Failing fast while the database is down. The first request to find it unreachable
//! waits for the pool's acquire time-out and answers 503; for a second after, every API
//! request is answered 503 at once instead of waiting the same. Then one request is let
//! through as a probe: its success closes the breaker, another 503 opens it again.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::Response,
};
use jiayang_api::{
    error::ApiError,
    request::{RequestId, RequestLang},
    wire,
};
use jiayang_domain::Error;

/// How long an outage is assumed to last before a probe.
const OPEN_FOR: Duration = Duration::from_secs(1);

#[derive(Clone, Debug, Default)]
pub struct Breaker(Arc<Mutex<Circuit>>);

#[derive(Debug, Default)]
enum Circuit {
    #[default]
    Closed,
    Open(Instant),
    /// One request is finding out whether the database is back.
    Probing,
}

/// Whether a request may go on, and whether it is the probe.
#[derive(Debug, PartialEq)]
enum Admission {
    Pass { probe: bool },
    Refuse,
}

impl Breaker {
    fn admit(&self, now: Instant) -> Admission {
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match *state {
            Circuit::Closed => Admission::Pass { probe: false },
            Circuit::Open(until) if now < until => Admission::Refuse,
            Circuit::Open(_) => {
                *state = Circuit::Probing;
                Admission::Pass { probe: true }
            }
            Circuit::Probing => Admission::Refuse,
        }
    }

    fn answered(&self, probe: bool, unavailable: bool, now: Instant) {
        let mut state = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if unavailable {
            *state = Circuit::Open(now + OPEN_FOR);
        } else if probe || matches!(*state, Circuit::Open(_)) {
            // A request that started before the outage and succeeded also proves the way.
            *state = Circuit::Closed;
        }
    }
}

/// Around the API: refuses at once while the database is known to be down.
pub async fn breaker(State(breaker): State<Breaker>, request: Request, next: Next) -> Response {
    let probe = match breaker.admit(Instant::now()) {
        Admission::Pass { probe } => probe,
        Admission::Refuse => {
            let lang = RequestLang::of(request.extensions());
            let id = RequestId::of(request.extensions());
            let error = ApiError::Domain(Error::Unavailable);
            let mut response = if wire::is_grpc(request.headers()) {
                error.status(lang, id).into_http()
            } else {
                error.render(lang, id)
            };
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return response;
        }
    };
    let response = next.run(request).await;
    breaker.answered(probe, unavailable(&response), Instant::now());
    response
}

/// Whether an answer says the database is unavailable: 503, or gRPC's UNAVAILABLE (14).
pub fn unavailable(response: &Response) -> bool {
    response.status() == StatusCode::SERVICE_UNAVAILABLE
        || response
            .headers()
            .get("grpc-status")
            .map(HeaderValue::as_bytes)
            == Some(b"14")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outage_refuses_at_once_then_lets_one_probe_through() {
        let breaker = Breaker::default();
        let start = Instant::now();
        assert_eq!(breaker.admit(start), Admission::Pass { probe: false });
        breaker.answered(false, true, start);
        assert_eq!(breaker.admit(start), Admission::Refuse);
        let later = start + OPEN_FOR;
        assert_eq!(breaker.admit(later), Admission::Pass { probe: true });
        // While the probe runs, everyone else is still refused.
        assert_eq!(breaker.admit(later), Admission::Refuse);
        // The database is still down: open again.
        breaker.answered(true, true, later);
        assert_eq!(breaker.admit(later), Admission::Refuse);
        let again = later + OPEN_FOR;
        assert_eq!(breaker.admit(again), Admission::Pass { probe: true });
        breaker.answered(true, false, again);
        assert_eq!(breaker.admit(again), Admission::Pass { probe: false });
    }
}
