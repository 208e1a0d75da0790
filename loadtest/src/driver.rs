//! Closed-loop load: N clients, each sending its next request when the previous one is
//! answered, until a deadline or a request budget is reached.

use std::{
    future::Future,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

/// When a run stops: whichever comes first.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub duration: Duration,
    pub max_requests: u64,
}

/// What a run observed.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Latency of every successful request, in microseconds.
    pub latencies_us: Vec<u64>,
    /// Records the successful operations carried or returned.
    pub records: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    /// From the start until the last in-flight request was answered.
    pub elapsed: Duration,
}

impl Outcome {
    pub fn ok(&self) -> u64 {
        self.latencies_us.len() as u64
    }
}

/// Runs `clients` loops of `op(client, sequence)`, which answers how many records the
/// operation carried. The sequence number is unique across all clients (so it can make
/// unique external ids) and below `limits.max_requests`.
pub async fn closed_loop<F, Fut>(clients: usize, limits: Limits, op: F) -> Outcome
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<u64, String>> + Send + 'static,
{
    let op = Arc::new(op);
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + limits.duration;
    let mut tasks = Vec::with_capacity(clients);
    for client in 0..clients {
        let (op, next) = (op.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut outcome = Outcome::default();
            // Every client sends at least one request, then goes on until the deadline.
            loop {
                let sequence = next.fetch_add(1, Ordering::Relaxed);
                if sequence >= limits.max_requests {
                    break;
                }
                let sent = Instant::now();
                match op(client, sequence).await {
                    Ok(records) => {
                        outcome.latencies_us.push(sent.elapsed().as_micros() as u64);
                        outcome.records += records;
                    }
                    Err(error) => {
                        outcome.errors += 1;
                        outcome.first_error.get_or_insert(error);
                    }
                }
                if Instant::now() >= deadline {
                    break;
                }
            }
            outcome
        }));
    }
    let mut total = Outcome::default();
    for task in tasks {
        match task.await {
            Ok(outcome) => {
                total.latencies_us.extend(outcome.latencies_us);
                total.records += outcome.records;
                total.errors += outcome.errors;
                if total.first_error.is_none() {
                    total.first_error = outcome.first_error;
                }
            }
            Err(error) => {
                total.errors += 1;
                total.first_error.get_or_insert(error.to_string());
            }
        }
    }
    total.elapsed = started.elapsed();
    total
}
