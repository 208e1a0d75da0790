//! Golden files: for every case under `tests/golden/<format>/<kind>/<case>/`, the native
//! input (`native.json` / `native.csv`) converts to `canonical.json` with `report.json`, and
//! the canonical records convert back to `back.json` (native documents and report) where
//! the format is written as well as read; the documents written back read as the same
//! canonical records. Outbound-only kinds start from `canonical.in.json`.
//!
//! `GOLDEN_BLESS=1 cargo test -p jiayang-adapters --test golden` rewrites the expected
//! files; review the diff before keeping it.

mod common;

use std::{fs, path::Path};

use jiayang_adapters::{Format, RecordKind, accept, export, import, supported};
use serde_json::{Value, json};

fn check(path: &Path, actual: &Value) {
    let text = serde_json::to_string_pretty(actual).unwrap() + "\n";
    if std::env::var_os("GOLDEN_BLESS").is_some() {
        fs::write(path, text).unwrap();
        return;
    }
    let expected: Value = serde_json::from_str(
        &fs::read_to_string(path).unwrap_or_else(|_| panic!("{} is missing", path.display())),
    )
    .unwrap();
    assert!(
        common::close(&expected, actual),
        "{} differs:\n{text}",
        path.display()
    );
}

fn run_case(format: Format, kind: RecordKind, dir: &Path) {
    let ctx = common::context(format);
    let canonical_in = dir.join("canonical.in.json");
    let batch = if canonical_in.exists() {
        let records: Vec<Value> =
            serde_json::from_str(&fs::read_to_string(&canonical_in).unwrap()).unwrap();
        let mut ctx = ctx;
        ctx.withheld = &["IDENTITY"];
        let batch = accept(kind, records.into_iter().enumerate(), &ctx);
        assert!(batch.report.violations.is_empty(), "{:?}", batch.report);
        batch
    } else {
        let native = ["native.json", "native.csv"]
            .iter()
            .map(|name| dir.join(name))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("{} has no native input", dir.display()));
        let batch = import(format, kind, &fs::read(native).unwrap(), &ctx).unwrap();
        check(&dir.join("canonical.json"), &common::documents(&batch));
        check(&dir.join("report.json"), &common::report(&batch.report));
        let records = batch.documents().cloned().enumerate();
        accept(kind, records, &ctx)
    };
    if supported(Format::Canonical, format, kind).is_err() {
        return;
    }
    let exported = export(format, kind, &batch, &ctx).unwrap();
    check(
        &dir.join("back.json"),
        &json!({"documents": exported.documents, "report": common::report(&exported.report)}),
    );
    if supported(format, Format::Canonical, kind).is_ok() {
        // What was written reads back as the records it was written from.
        for document in &exported.documents {
            let again = import(format, kind, &serde_json::to_vec(document).unwrap(), &ctx).unwrap();
            assert!(again.report.violations.is_empty(), "{:?}", again.report);
            assert!(
                common::close(&common::documents(&again), &common::documents(&batch)),
                "{} does not read back:\n{:#}",
                dir.display(),
                common::documents(&again)
            );
        }
    }
}

#[test]
fn every_golden_case_converts_as_recorded() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut cases = 0;
    for format in Format::ALL {
        for kind in RecordKind::ALL {
            let dir = root.join(format.as_str()).join(kind.as_str());
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            let mut entries: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
            entries.sort();
            for case in entries {
                run_case(format, kind, &case);
                cases += 1;
            }
        }
    }
    assert!(cases >= 12, "only {cases} golden cases found");
}
