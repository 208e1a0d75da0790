//! Provider search the way users compare servers: each server in a process of its own,
//! loaded by `h2load` (nghttp2's load generator, Debian's `nghttp2-client`) from another,
//! over TLS and HTTP/2, with the same connections, the same duration and the same
//! queries (every street of Beijing in turn, one URI each, round robin):
//!
//! - `jiayang serve` on the data this run seeded (its request logs go to `/dev/null`);
//! - `jiayang-load --serve-bare sea-orm`: the gateway's sea-orm statement and rendering,
//!   with nothing else (no authentication, middleware, logs or metrics);
//! - `jiayang-load --serve-bare sqlx`: the same query in SQL through sqlx, the stored
//!   documents spliced into the answer as stored — what a lean handler does, so the
//!   cost of the ORM and of rendering shows.
//!
//! Latencies come from `h2load --log-file` (one line per request), the rate from the
//! requests it completed within the measured duration.

use std::{
    net::{SocketAddr, TcpListener},
    path::Path,
    process::Stdio,
    time::{Duration, Instant},
};

use serde::Deserialize;
use serde::de::IgnoredAny;
use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

use crate::{
    BoxError,
    config::Config,
    driver::Outcome,
    fixtures,
    harness::{Harness, tls_client},
    report::{Label, Measurement, Rate},
};

/// How long a server may take to start answering.
const START: Duration = Duration::from_secs(60);

pub async fn measure(h: &Harness, config: &Config) -> Result<Vec<Measurement>, BoxError> {
    let gateway_bin = match &config.gateway_bin {
        Some(path) => path.clone(),
        None => std::env::current_exe()?.with_file_name("jiayang"),
    };
    if !gateway_bin.exists() {
        return Err(format!(
            "{} is missing: build it (cargo build --release --bins) or name it with --gateway-bin",
            gateway_bin.display()
        )
        .into());
    }
    // The gateway that seeded stops: the one measured is the process started below.
    h.pause().await;
    let database_url = (h.database == "postgres").then_some(h.database_url.as_str());
    let mut measurements = Vec::new();

    let addr = free_loopback_addr()?;
    let mut command = Command::new(&gateway_bin);
    command
        .arg("serve")
        .arg("--data-dir")
        .arg(&h.data_dir)
        .arg("--listen")
        .arg(addr.to_string())
        .stdout(Stdio::null());
    match database_url {
        Some(url) => command.arg("--database-url").arg(url),
        None => command.env_remove("JIAYANG_DATABASE_URL"),
    };
    let gateway = Server::start(command, addr).await?;
    measurements.push(
        gateway
            .load(h, config, "gateway", Some(&h.bearer()))
            .await?,
    );

    for (kind, target) in [("sea-orm", "bare-sea-orm"), ("sqlx", "bare-sqlx")] {
        let addr = free_loopback_addr()?;
        let mut command = Command::new(std::env::current_exe()?);
        command
            .args(["--serve-bare", kind, "--listen"])
            .arg(addr.to_string())
            .arg("--data-dir")
            .arg(&h.data_dir)
            .stdout(Stdio::piped());
        if let Some(url) = database_url {
            command.arg("--database-url").arg(url);
        }
        let bare = Server::start(command, addr).await?;
        measurements.push(bare.load(h, config, target, None).await?);
    }
    Ok(measurements)
}

/// A loopback address no one listens on now (the server is told to listen there).
fn free_loopback_addr() -> Result<SocketAddr, BoxError> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?)
}

/// A server process, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    async fn start(mut command: Command, addr: SocketAddr) -> Result<Self, BoxError> {
        command.kill_on_drop(true).stdin(Stdio::null());
        let mut child = command.spawn()?;
        // A bare server says when it listens; drain what it prints so it never blocks.
        if let Some(stdout) = child.stdout.take() {
            tokio::spawn(async move {
                let mut lines = BufReader::new(stdout).lines();
                while let Ok(Some(_)) = lines.next_line().await {}
            });
        }
        let started = Instant::now();
        while tokio::net::TcpStream::connect(addr).await.is_err() {
            if let Some(status) = child.try_wait()? {
                return Err(format!("the server at {addr} exited at start: {status}").into());
            }
            if started.elapsed() > START {
                return Err(format!("nothing listens at {addr} after {START:?}").into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(Self { child, addr })
    }

    /// Checks one answer, then loads the server with `h2load` and stops it.
    async fn load(
        mut self,
        h: &Harness,
        config: &Config,
        target: &'static str,
        bearer: Option<&str>,
    ) -> Result<Measurement, BoxError> {
        let uris: Vec<String> = fixtures::street_codes()
            .iter()
            .map(|code| {
                format!(
                    "https://localhost:{}/v1/providers?district={code}&pageSize={}",
                    self.addr.port(),
                    config.page_size
                )
            })
            .collect();
        check_answer(h, self.addr, &uris[0], bearer, config.page_size).await?;
        let log = tempfile::NamedTempFile::new()?;
        let outcome = h2load(config, &uris, bearer, log.path()).await;
        let _ = self.child.kill().await;
        let outcome = outcome?;
        Ok(Measurement::new(
            Label {
                scenario: "provider-search",
                target,
                transport: "h2load/h2/tls",
                database: h.database,
                clients: config.clients,
                latency_of: format!("request ({} results)", config.page_size),
            },
            &outcome,
            Rate::Requests,
        ))
    }
}

#[derive(Deserialize)]
struct Page {
    providers: Vec<IgnoredAny>,
}

/// Whether the server answers the first query with a full page: a load generator
/// counts any answer, so a wrong one must be caught before.
async fn check_answer(
    h: &Harness,
    addr: SocketAddr,
    uri: &str,
    bearer: Option<&str>,
    page_size: usize,
) -> Result<(), BoxError> {
    let mut request = tls_client(&h.ca_pem, addr)?.get(uri);
    if let Some(bearer) = bearer {
        request = request.header("authorization", bearer);
    }
    let response = request.send().await?;
    let status = response.status();
    let body = response.bytes().await?;
    let page: Page = serde_json::from_slice(&body)
        .map_err(|e| format!("{uri}: {status}, not a page of providers: {e}"))?;
    if !status.is_success() || page.providers.len() != page_size {
        return Err(format!(
            "{uri}: {status} with {} providers, expected {page_size}",
            page.providers.len()
        )
        .into());
    }
    Ok(())
}

/// Runs `h2load` over `uris` for the configured duration (after the warm-up) and reads
/// its per-request log.
async fn h2load(
    config: &Config,
    uris: &[String],
    bearer: Option<&str>,
    log: &Path,
) -> Result<Outcome, BoxError> {
    let mut command = Command::new("h2load");
    command
        .arg(format!("--clients={}", config.clients))
        .arg("--max-concurrent-streams=1")
        // h2load takes whole numbers, with a unit.
        .arg(format!("--duration={}ms", config.duration.as_millis()))
        .arg(format!("--warm-up-time={}ms", config.warmup.as_millis()))
        .arg(format!("--log-file={}", log.display()))
        .args(uris)
        .stdin(Stdio::null())
        .kill_on_drop(true);
    if let Some(bearer) = bearer {
        command.arg(format!("--header=authorization: {bearer}"));
    }
    let output = command.output().await.map_err(|e| {
        format!("h2load does not run ({e}): install it (Debian: apt install nghttp2-client)")
    })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "h2load failed ({}): {}{}",
            output.status,
            stdout,
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let mut outcome = read_log(&std::fs::read_to_string(log)?);
    // h2load's own count: its log also holds requests the end of the run cut off.
    outcome.errors = failed(&stdout).ok_or_else(|| format!("h2load said: {stdout}"))?;
    if outcome.errors > 0 && outcome.first_error.is_none() {
        outcome.first_error = stdout
            .lines()
            .find(|l| l.starts_with("requests:"))
            .map(str::to_owned);
    }
    outcome.elapsed = config.duration;
    outcome.records = outcome.ok() * config.page_size as u64;
    if outcome.latencies_us.is_empty() {
        return Err(format!("h2load completed no request: {stdout}").into());
    }
    Ok(outcome)
}

/// `h2load --log-file` lines: start (µs since the epoch), status, duration (µs). Status
/// 0 is a request still open when the run ended (seen in runs whose summary counted no
/// failure); any other but 200, `-1` for a failed stream included, is named as the
/// first error (h2load's summary counts them).
fn read_log(log: &str) -> Outcome {
    let mut outcome = Outcome::default();
    for line in log.lines() {
        let mut fields = line.split('\t');
        let (_start, status, micros) = (fields.next(), fields.next(), fields.next());
        match (
            status.and_then(|s| s.parse::<u16>().ok()),
            micros.and_then(|m| m.parse().ok()),
        ) {
            (Some(200), Some(micros)) => outcome.latencies_us.push(micros),
            (Some(0), _) => {}
            _ => {
                outcome
                    .first_error
                    .get_or_insert_with(|| format!("h2load logged: {line}"));
            }
        }
    }
    outcome
}

/// The requests h2load's summary counts as failed, errored or timed out
/// (`requests: N total, N started, N done, N succeeded, N failed, N errored, N timeout`).
fn failed(summary: &str) -> Option<u64> {
    let line = summary.lines().find(|l| l.starts_with("requests:"))?;
    let mut total = 0;
    for part in line.trim_start_matches("requests:").split(',') {
        let mut words = part.split_whitespace();
        let (count, what) = (words.next()?.parse::<u64>().ok()?, words.next()?);
        if matches!(what, "failed" | "errored" | "timeout") {
            total += count;
        }
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::{failed, read_log};

    #[test]
    fn only_answers_of_200_are_timed_and_others_named() {
        let outcome = read_log(
            "1796400000000000\t200\t1500\n1796400000001000\t0\t7000\n\
             1796400000002000\t401\t900\n1796400000003000\t200\t2500\n",
        );
        assert_eq!(outcome.latencies_us, [1500, 2500]);
        assert!(outcome.first_error.unwrap().contains("\t401\t"));
    }

    #[test]
    fn the_summary_counts_the_failures() {
        let summary = "finished in 5.00s, 1546.40 req/s, 14.2MB/s\n\
            requests: 7749 total, 7749 started, 7733 done, 7730 succeeded, 3 failed, 2 errored, 1 timeout\n\
            status codes: 7730 2xx, 0 3xx, 3 4xx, 0 5xx\n";
        assert_eq!(failed(summary), Some(6));
        assert_eq!(failed("no summary"), None);
    }
}
