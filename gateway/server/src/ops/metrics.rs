//! Prometheus metrics: requests, latencies and errors by route (a route template or a
//! gRPC method, never a concrete path).

use std::{sync::OnceLock, time::Duration};

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide recorder once (several gateways in one test process share it).
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets(&[
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
            ])
            .expect("static buckets are valid")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder may already be installed (a host process); ours still renders.
        let _ = metrics::set_global_recorder(recorder);
        handle
    })
}

pub fn record(method: &str, route: &str, status: u16, elapsed: Duration) {
    install();
    let labels = [
        ("method", method.to_owned()),
        ("route", route.to_owned()),
        ("status", status.to_string()),
    ];
    metrics::counter!("jiayang_requests_total", &labels).increment(1);
    metrics::histogram!("jiayang_request_duration_seconds", &labels[..2])
        .record(elapsed.as_secs_f64());
    if status >= 500 {
        metrics::counter!("jiayang_request_errors_total", &labels).increment(1);
    }
}

pub fn render() -> String {
    install().render()
}
