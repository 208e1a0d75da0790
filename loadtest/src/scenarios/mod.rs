//! The scenarios, run in the order the command line names them against one gateway.

pub mod bare;
pub mod bare_create;
pub mod consent;
pub mod create;
pub mod external;
pub mod feed;
pub mod import;
pub mod raw_db;
pub mod search;
pub mod webhook;

use std::future::Future;

use crate::{
    BoxError,
    config::{Config, Scenario},
    driver::{Limits, Outcome, closed_loop},
    harness::Harness,
    report::Measurement,
    seed,
};

/// The window of visit times (`fixtures::Spread`) each scenario's records take.
pub(crate) mod window {
    pub const CREATE_REST: usize = 0;
    pub const CREATE_GRPC: usize = 1;
    pub const IMPORT_GRPC: usize = 2;
    pub const IMPORT_REST: usize = 3;
    pub const FEED: usize = 4;
    /// The bare create's records are not verified: only their external ids need a
    /// window of their own (its times run past the present, which no check sees).
    pub const CREATE_BARE: usize = 5;
}

/// Sequence numbers of warm-up requests start here, so their external ids never collide
/// with the measured ones.
const WARMUP_SEQUENCE: u64 = 1 << 40;

/// A closed loop of `clients` running `op`: first an unmeasured warm-up, then the
/// measured run.
pub(crate) async fn timed<F, Fut>(config: &Config, clients: usize, op: F) -> Outcome
where
    F: Fn(usize, u64) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<u64, String>> + Send + 'static,
{
    if !config.warmup.is_zero() {
        let warm = op.clone();
        let limits = Limits {
            duration: config.warmup,
            max_requests: config.max_requests,
        };
        closed_loop(clients, limits, move |client, sequence| {
            warm(client, WARMUP_SEQUENCE + sequence)
        })
        .await;
    }
    let limits = Limits {
        duration: config.duration,
        max_requests: config.max_requests,
    };
    closed_loop(clients, limits, op).await
}

/// The start of an error message from a response body.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    text.chars().take(300).collect()
}

/// Seeds what the chosen scenarios need, then runs them in order, handing each
/// measurement to `emit` as soon as it is made.
pub async fn run_all(
    h: &Harness,
    config: &Config,
    emit: &mut dyn FnMut(&Measurement),
) -> Result<Vec<Measurement>, BoxError> {
    let seeder = h.rest_client()?;
    if config.runs(Scenario::Search)
        || config.runs(Scenario::Bare)
        || config.runs(Scenario::External)
    {
        eprintln!("seeding {} providers …", config.providers);
        seed::providers(h, &seeder, config.providers).await?;
    }
    let world = seed::world(h, &seeder, config.providers).await?;
    let mut all = Vec::new();
    let mut record = |measurement: Measurement| {
        emit(&measurement);
        all.push(measurement);
    };
    for scenario in &config.scenarios {
        eprintln!("running {scenario:?} …");
        match scenario {
            Scenario::Search => record(search::gateway(h, config).await?),
            Scenario::Bare => {
                for measurement in bare::measure(h, config).await? {
                    record(measurement);
                }
            }
            Scenario::Create => {
                record(create::rest(h, config, &world).await?);
                record(create::grpc(h, config, &world).await?);
                record(bare_create::measure(h, config, &world).await?);
            }
            Scenario::Import => {
                record(import::grpc(h, config, &world).await?);
                record(import::rest(h, config, &world).await?);
            }
            Scenario::Consent => {
                for measurement in consent::measure(h, config).await? {
                    record(measurement);
                }
            }
            Scenario::Feed => record(feed::lag(h, config, &world).await?),
            Scenario::Webhook => record(webhook::deliveries(h, config).await?),
            Scenario::External => {
                for measurement in external::measure(h, config).await? {
                    record(measurement);
                }
            }
            Scenario::RawDb => {
                record(raw_db::multi_row(h, config, &world).await?);
                record(raw_db::row_at_a_time(h, config, &world).await?);
            }
        }
    }
    Ok(all)
}
