//! Every scenario, very briefly, against SQLite: it must complete with no failed request.
//! Nothing here is timed; the figures live in BENCHMARKS.md.

use clap::Parser;
use jiayang_loadtest::{Config, run};

#[test]
fn every_scenario_completes_without_errors() {
    let config = Config::parse_from([
        "jiayang-load",
        "--duration=0.2",
        "--warmup=0.1",
        "--clients=2",
        "--providers=64",
        "--page-size=2",
        "--import-records=300",
        "--batch-size=100",
        "--batch-clients=2",
        "--rows-per-insert=50",
        "--gateway-logs=off",
        "--scenarios=search,bare,create,import,raw-db,consent,feed,webhook",
        "--feed-rate=50",
        "--webhook-events=20",
    ]);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut seen = 0;
    let measurements = runtime
        .block_on(run(&config, &mut |_| seen += 1))
        .expect("the run completes");
    assert_eq!(measurements.len(), 14, "every scenario measured");
    assert_eq!(seen, measurements.len());
    for m in &measurements {
        assert_eq!(m.errors, 0, "{}", m.json_line());
        assert!(m.operations > 0 && m.records > 0, "{}", m.json_line());
    }
    let imported: u64 = measurements
        .iter()
        .filter(|m| m.scenario == "bulk-import")
        .map(|m| m.records)
        .sum();
    assert_eq!(imported, 600, "both bulk loads carried every record");
}
