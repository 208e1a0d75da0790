//! Records converted per second, per format and direction, validation included: the
//! bytes of a whole document in, canonical records (or a native document) out.
//! `cargo bench -p jiayang-adapters --bench convert`; figures in BENCHMARKS.md.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jiayang_adapters::{
    Context, Format, RecordKind, accept, export, housekeeping::import_through_value, import,
};
use serde_json::{Value, json};
use time::macros::{date, datetime};

const RECORDS: usize = 1000;
const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden");

fn read_json(path: &str) -> Value {
    serde_json::from_slice(&std::fs::read(format!("{GOLDEN}/{path}")).unwrap()).unwrap()
}

fn context() -> Context<'static> {
    Context {
        participant: Some("hk-daojia"),
        district: Some("110105000000"),
        provider_uscc: Some("91110105MA01ABCD13"),
        file_date: Some(date!(2026 - 11 - 01)),
        ..Context::new(datetime!(2026-11-04 00:00 UTC))
    }
}

/// `RECORDS` copies of one record with distinct ids, as a batch or envelope.
fn orders() -> Vec<u8> {
    let order = read_json("housekeeping-app/service-record/spec-example/native.json");
    let items: Vec<Value> = (0..RECORDS)
        .map(|i| {
            let mut order = order.clone();
            order["orderNo"] = format!("HK{i:012}").into();
            order
        })
        .collect();
    serde_json::to_vec(&json!({"type": "orders", "items": items})).unwrap()
}

fn stores() -> Vec<u8> {
    let store = read_json("housekeeping-app/provider/spec-example/native.json");
    let items: Vec<Value> = (0..RECORDS).map(|_| store.clone()).collect();
    serde_json::to_vec(&json!({"type": "stores", "items": items})).unwrap()
}

fn portal(path: &str) -> Vec<u8> {
    let mut envelope = read_json(path);
    let first = envelope["JLS"][0].clone();
    envelope["JLS"] = (0..RECORDS).map(|_| first.clone()).collect();
    serde_json::to_vec(&envelope).unwrap()
}

fn ledger() -> Vec<u8> {
    let mut text = String::from(
        "序号,姓名,性别,身份证号,出生日期,联系电话,所属街道,详细地址,能力等级,特殊困难类型\r\n",
    );
    for i in 0..RECORDS {
        text.push_str(&format!(
            "{i},王秀英,女,110105194403080027,1944/3/8,13800138000,团结湖,\"团结湖北里3号楼2单元501\",中度失能,独居、高龄\r\n"
        ));
    }
    encoding_rs::GBK.encode(&text).0.into_owned()
}

fn visits() -> Vec<u8> {
    let mut text = String::from(
        "服务日期,开始时间,结束时间,身份证号,服务项目,服务人员,上门服务证号,金额(元),补贴(元)\n",
    );
    for _ in 0..RECORDS {
        text.push_str("2026/11/3,9:05,11:05,110105194403080027,助洁-日常保洁,李春梅,BJSM-2026-000731,120.00,50\n");
    }
    text.into_bytes()
}

fn inbound(c: &mut Criterion) {
    let ctx = context();
    let cases = [
        (
            "housekeeping orders → canonical",
            Format::HousekeepingApp,
            RecordKind::ServiceRecord,
            orders(),
        ),
        (
            "housekeeping stores → canonical",
            Format::HousekeepingApp,
            RecordKind::Provider,
            stores(),
        ),
        (
            "portal seniors → canonical",
            Format::ElderPortal,
            RecordKind::Senior,
            portal("elder-portal/senior/design/native.json"),
        ),
        (
            "portal service records → canonical",
            Format::ElderPortal,
            RecordKind::ServiceRecord,
            portal("elder-portal/service-record/design/native.json"),
        ),
        (
            "station ledger (GBK) → canonical",
            Format::StationCsv,
            RecordKind::Senior,
            ledger(),
        ),
        (
            "station visit log → canonical",
            Format::StationCsv,
            RecordKind::ServiceRecord,
            visits(),
        ),
    ];
    let mut group = c.benchmark_group("inbound");
    group.throughput(Throughput::Elements(RECORDS as u64));
    for (name, format, kind, input) in cases {
        let check = import(format, kind, &input, &ctx).unwrap();
        assert_eq!(
            check.records.len(),
            RECORDS,
            "{name}: {:?}",
            check.report.violations.first()
        );
        group.bench_function(name, |b| {
            b.iter(|| import(format, kind, black_box(&input), &ctx).unwrap())
        });
    }
    group.finish();

    // What an app sends most: one order per message.
    let order = std::fs::read(format!(
        "{GOLDEN}/housekeeping-app/service-record/spec-example/native.json"
    ))
    .unwrap();
    let mut single = c.benchmark_group("inbound single message");
    single.throughput(Throughput::Elements(1));
    single.bench_function("housekeeping order → canonical", |b| {
        b.iter(|| {
            import(
                Format::HousekeepingApp,
                RecordKind::ServiceRecord,
                black_box(&order),
                &ctx,
            )
            .unwrap()
        })
    });
    single.finish();
}

/// The typed order reader against the `Value` reader it stands in for, on the same input
/// in the same run, and the validator alone on the record both produce: the ratio and
/// what is left of an order's time do not depend on how busy the machine was.
fn order_readers(c: &mut Criterion) {
    let ctx = context();
    let batch = orders();
    let single = std::fs::read(format!(
        "{GOLDEN}/housekeeping-app/service-record/spec-example/native.json"
    ))
    .unwrap();
    let kind = RecordKind::ServiceRecord;
    let typed = |input: &[u8]| import(Format::HousekeepingApp, kind, input, &ctx).unwrap();
    let value = |input: &[u8]| import_through_value(kind, input, &ctx).unwrap();
    for input in [&batch, &single] {
        assert_eq!(format!("{:?}", typed(input)), format!("{:?}", value(input)));
    }

    let mut group = c.benchmark_group("orders batch of 1000");
    group.throughput(Throughput::Elements(RECORDS as u64));
    group.bench_function("typed reader", |b| b.iter(|| typed(black_box(&batch))));
    group.bench_function("Value reader", |b| b.iter(|| value(black_box(&batch))));
    group.finish();

    let mut group = c.benchmark_group("orders one per message");
    group.throughput(Throughput::Elements(1));
    group.bench_function("typed reader", |b| b.iter(|| typed(black_box(&single))));
    group.bench_function("Value reader", |b| b.iter(|| value(black_box(&single))));
    let record = typed(&single).records[0].document.clone();
    group.bench_function("validator alone", |b| {
        b.iter(|| jiayang_schemas::validate_at(kind.canonical(), black_box(&record), ctx.now))
    });
    group.finish();
}

fn outbound(c: &mut Criterion) {
    let ctx = Context {
        participant: Some("bj-elder-portal"),
        ..context()
    };
    let senior = read_json("elder-portal/senior/design/canonical.json")[0].clone();
    let mut customer = senior.clone();
    customer["id"] = "sen_01JC8W9Q4M5V3X2K7T6N1R0B9A".into();
    let store = read_json("housekeeping-app/provider/spec-example/canonical.json")[0].clone();
    let cases = [
        (
            "canonical seniors → portal",
            Format::ElderPortal,
            RecordKind::Senior,
            senior,
        ),
        (
            "canonical seniors → housekeeping customers",
            Format::HousekeepingApp,
            RecordKind::Customer,
            customer,
        ),
        (
            "canonical providers → housekeeping stores",
            Format::HousekeepingApp,
            RecordKind::Provider,
            store,
        ),
    ];
    let mut group = c.benchmark_group("outbound");
    group.throughput(Throughput::Elements(RECORDS as u64));
    for (name, format, kind, record) in cases {
        let records: Vec<Value> = (0..RECORDS).map(|_| record.clone()).collect();
        group.bench_function(name, |b| {
            b.iter(|| {
                // Validation of the canonical input is part of the conversion.
                let batch = accept(
                    kind,
                    black_box(records.clone()).into_iter().enumerate(),
                    &ctx,
                );
                export(format, kind, &batch, &ctx).unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, inbound, order_readers, outbound);
criterion_main!(benches);
