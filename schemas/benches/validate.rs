//! Validation throughput per resource, parsing included: bytes in, violations out, the
//! way every door of the gateway calls the validator.

use std::{fs, hint::black_box, path::PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jiayang_schemas::{Kind, validate_json};

fn fixture(kind: Kind, name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(kind.as_str())
        .join("valid")
        .join(name);
    fs::read(path).unwrap()
}

fn parse_and_validate(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse+validate");
    group.throughput(Throughput::Elements(1));
    for (kind, name) in [
        (Kind::Senior, "design-example.json"),
        (Kind::ServiceRecord, "design-example.json"),
        (Kind::Provider, "design-example.json"),
        (Kind::Worker, "nurse.json"),
        (Kind::Consent, "design-example.json"),
    ] {
        let bytes = fixture(kind, name);
        assert!(
            validate_json(kind, &bytes).is_empty(),
            "{kind} fixture must be valid for the benchmark"
        );
        group.bench_function(kind.as_str(), |b| {
            b.iter(|| validate_json(kind, black_box(&bytes)))
        });
    }
    group.finish();

    // The floor: parsing alone, to see what validation adds on top.
    let mut group = c.benchmark_group("parse-only");
    group.throughput(Throughput::Elements(1));
    let record = fixture(Kind::ServiceRecord, "design-example.json");
    group.bench_function("service-record", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&record)).unwrap())
    });
    group.finish();

    // An invalid record takes the slow path: every error collected and translated.
    let mut group = c.benchmark_group("invalid");
    group.throughput(Throughput::Elements(1));
    let invalid = br#"{"senior":{},"provider":{"uscc":"91110105MA01ABCD12"},"serviceItem":"X","status":"COMPLETED"}"#;
    group.bench_function("service-record", |b| {
        b.iter(|| validate_json(Kind::ServiceRecord, black_box(invalid)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(50).measurement_time(std::time::Duration::from_secs(3));
    targets = parse_and_validate
}
criterion_main!(benches);
