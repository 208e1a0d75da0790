//! Rules the platform specs state that the golden files do not exercise: the portal
//! envelope's fields, the station options, what the portal and the app cannot say on
//! the way out, and files only GB18030 can encode.

mod common;

use jiayang_adapters::{Format, Location, RecordKind, Unusable, accept, export, import};
use serde_json::{Value, json};

fn golden(path: &str) -> Value {
    let path = format!("{}/tests/golden/{path}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn unusable(format: Format, kind: RecordKind, input: &[u8]) -> Unusable {
    import(format, kind, input, &common::context(format)).expect_err("the input is unusable")
}

fn at(error: &Unusable) -> (Option<String>, &'static str) {
    let path = match error.location() {
        Location::Document { path } => path,
        Location::Record { path, .. } => Some(path),
        Location::Cell { column, .. } => column,
    };
    (path, error.rule())
}

#[test]
fn every_portal_envelope_field_is_checked() {
    let envelope = golden("elder-portal/senior/design/native.json");
    let record = envelope["JLS"][0].clone();
    let cases: Vec<(&str, Value, &str)> = vec![
        ("/SJLX", json!("FWJL"), "envelope"),
        ("/FSDW", Value::Null, "envelope"),
        ("/FSDW", json!(""), "envelope"),
        ("/FSSJ", json!("2026-11-03 11:05:00"), "envelope"),
        ("/FSSJ", json!("20261332110500"), "envelope"),
        ("/JLS", json!([]), "envelope"),
        ("/JLS", Value::Array(vec![record; 5001]), "envelope"),
        ("/BBH", json!("2.0"), "envelope-version"),
    ];
    for (field, value, rule) in cases {
        let mut broken = envelope.clone();
        let key = &field[1..];
        if value.is_null() {
            broken.as_object_mut().unwrap().remove(key);
        } else {
            broken[key] = value;
        }
        let error = unusable(
            Format::ElderPortal,
            RecordKind::Senior,
            &serde_json::to_vec(&broken).unwrap(),
        );
        assert_eq!(at(&error), (Some(field.to_owned()), rule), "{field}");
    }
}

#[test]
fn station_options_must_name_a_district_and_a_valid_credit_code() {
    let mut ctx = common::context(Format::StationCsv);
    let ledger =
        "姓名,性别,身份证号,出生日期,所属街道\n王秀英,女,110105194403080027,1944-03-08,团结湖\n";
    for district in ["110105013000", "110000000000", "31010500000", "chaoyang"] {
        ctx.district = Some(district);
        let error = import(
            Format::StationCsv,
            RecordKind::Senior,
            ledger.as_bytes(),
            &ctx,
        )
        .expect_err(district);
        assert_eq!(error.rule(), "option-invalid", "{district}");
    }
    let visits = "服务日期,开始时间,结束时间,身份证号,服务项目\n2026-11-03,9:05,9:20,110105194403080027,电话问候\n";
    for uscc in ["91110105MA01ABCD12", "91110105MA01ABCD1", "not a code"] {
        ctx.provider_uscc = Some(uscc);
        let error = import(
            Format::StationCsv,
            RecordKind::ServiceRecord,
            visits.as_bytes(),
            &ctx,
        )
        .expect_err(uscc);
        assert_eq!(error.rule(), "option-invalid", "{uscc}");
    }
}

/// The portal consent of the design example, with one change, going out.
/// A change to a canonical record.
type Change = fn(&mut Value);

fn consent_out(change: Change) -> jiayang_adapters::Exported {
    let ctx = common::context(Format::ElderPortal);
    let mut consent = golden("elder-portal/consent/design/canonical.json")[0].clone();
    change(&mut consent);
    let batch = accept(RecordKind::Consent, [(0, consent)], &ctx);
    assert!(batch.report.violations.is_empty(), "{:?}", batch.report);
    export(Format::ElderPortal, RecordKind::Consent, &batch, &ctx).unwrap()
}

#[test]
fn the_portal_cannot_say_expired_other_bases_or_unknown_methods() {
    let cases: [(&str, Change); 3] = [
        ("/status", |c| c["status"] = "EXPIRED".into()),
        ("/basis", |c| c["basis"] = "STATUTORY_DUTY".into()),
        // SQFS has codes for SELF by app, paper and phone, and GUARDIAN on paper.
        ("/evidence/method", |c| {
            c["grantedBy"] = json!({"kind": "SELF"});
            c["evidence"]["method"] = "IN_PERSON".into();
        }),
    ];
    for (path, change) in cases {
        let exported = consent_out(change);
        let rules: Vec<(String, &str)> = exported
            .report
            .violations
            .iter()
            .map(|v| match &v.location {
                Location::Record { path, .. } => (path.clone(), v.rule),
                other => panic!("{other:?}"),
            })
            .collect();
        assert!(
            rules.contains(&(path.to_owned(), "not-representable")),
            "{path}: {rules:?}"
        );
        assert!(
            exported.documents.is_empty(),
            "the refused record is not written"
        );
    }
}

#[test]
fn a_closed_store_is_written_closed_and_street_areas_are_reported() {
    let ctx = common::context(Format::HousekeepingApp);
    let mut store = golden("housekeeping-app/provider/spec-example/canonical.json")[0].clone();
    store["status"] = "CLOSED".into();
    store["serviceArea"] = json!(["110105000000", "110105013000"]);
    let batch = accept(RecordKind::Provider, [(0, store)], &ctx);
    assert!(batch.report.violations.is_empty(), "{:?}", batch.report);
    let exported = export(Format::HousekeepingApp, RecordKind::Provider, &batch, &ctx).unwrap();
    let item = &exported.documents[0]["items"][0];
    assert_eq!(item["open"], false);
    let not_carried: Vec<String> = exported
        .report
        .not_carried
        .iter()
        .map(|n| match &n.location {
            Location::Record { path, .. } => path.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(
        not_carried.contains(&"/status".to_owned()),
        "{not_carried:?}"
    );
    assert!(
        not_carried.iter().any(|p| p.starts_with("/serviceArea/1")),
        "the street-level area is reported: {not_carried:?}"
    );
}

#[test]
fn a_gb18030_file_with_characters_gbk_lacks_is_read() {
    // 𠀀 (U+20000) is four bytes in GB18030 and has no GBK code.
    let text =
        "姓名,性别,身份证号,出生日期,所属街道\n王𠀀英,女,110105194403080027,1944-03-08,团结湖\n";
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
    assert!(!unmappable);
    assert!(
        bytes
            .windows(2)
            .any(|w| w[0] >= 0x81 && (0x30..=0x39).contains(&w[1])),
        "the file holds GB18030's four-byte sequences"
    );
    let batch = import(
        Format::StationCsv,
        RecordKind::Senior,
        &bytes,
        &common::context(Format::StationCsv),
    )
    .unwrap();
    assert!(batch.report.violations.is_empty(), "{:?}", batch.report);
    assert_eq!(batch.records[0].document["name"], "王𠀀英");
}

#[test]
fn unknown_keys_of_a_housekeeping_batch_are_reported_not_carried() {
    let order = golden("housekeeping-app/service-record/spec-example/native.json");
    let message = json!({"type": "orders", "items": [order], "traceId": "t-1"});
    let batch = import(
        Format::HousekeepingApp,
        RecordKind::ServiceRecord,
        &serde_json::to_vec(&message).unwrap(),
        &common::context(Format::HousekeepingApp),
    )
    .unwrap();
    assert_eq!(batch.records.len(), 1);
    assert!(batch.report.not_carried.iter().any(|n| n.location
        == Location::Document {
            path: Some("/traceId".into())
        }));
}
