//! Data-driven checks of the validator against `schemas/fixtures/`:
//! every file under `<kind>/valid/` validates clean; every file under `<kind>/invalid/`
//! is `{"violates": {"path", "rule"}, "document": …}` and yields exactly that violation.

use std::{collections::BTreeSet, fs, path::PathBuf};

use jiayang_schemas::{Kind, rule, validate};
use serde_json::Value;

fn fixtures(kind: Kind, set: &str) -> Vec<(String, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(kind.as_str())
        .join(set);
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path).unwrap();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (
                name.clone(),
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}")),
            )
        })
        .collect()
}

#[test]
fn valid_fixtures_have_no_violations() {
    for kind in Kind::ALL {
        let set = fixtures(kind, "valid");
        assert!(!set.is_empty(), "no valid fixtures for {kind}");
        for (name, document) in set {
            let violations = validate(kind, &document);
            assert!(
                violations.is_empty(),
                "{kind}/valid/{name}: {violations:#?}"
            );
        }
    }
}

#[test]
fn each_invalid_fixture_breaks_exactly_the_rule_it_names() {
    for kind in Kind::ALL {
        for (name, fixture) in fixtures(kind, "invalid") {
            let expected = &fixture["violates"];
            let violations = validate(kind, &fixture["document"]);
            let got: Vec<(&str, &str)> = violations
                .iter()
                .map(|v| (v.path.as_str(), v.rule))
                .collect();
            assert_eq!(
                got,
                vec![(
                    expected["path"].as_str().unwrap(),
                    expected["rule"].as_str().unwrap()
                )],
                "{kind}/invalid/{name}"
            );
            for violation in &violations {
                assert!(!violation.message.zh.is_empty() && !violation.message.en.is_empty());
            }
        }
    }
}

#[test]
fn every_rule_has_a_failing_fixture() {
    let mut covered = BTreeSet::new();
    for kind in Kind::ALL {
        for (_, fixture) in fixtures(kind, "invalid") {
            covered.insert(fixture["violates"]["rule"].as_str().unwrap().to_owned());
        }
    }
    // json-syntax is the parser's, schema is the catch-all for keywords our schemas do not use.
    let uncovered: Vec<_> = rule::ALL
        .iter()
        .filter(|id| !matches!(**id, rule::JSON_SYNTAX | rule::SCHEMA))
        .filter(|id| !covered.contains(**id))
        .collect();
    assert!(
        uncovered.is_empty(),
        "rules without a failing fixture: {uncovered:?}"
    );
}

/// Amounts past the schema's maximum still reach the charge-sum rule, and their sum must
/// not overflow there (it panicked in debug builds and wrapped in release).
#[test]
fn amounts_whose_sum_leaves_i64_are_refused_not_a_panic() {
    let (_, fixture) = fixtures(Kind::ServiceRecord, "invalid")
        .into_iter()
        .find(|(name, _)| name == "charge-sum.json")
        .unwrap();
    let mut document = fixture["document"].clone();
    document["charge"] = serde_json::json!({
        "totalFen": 12000, "subsidyFen": i64::MAX, "selfPayFen": 1,
    });
    let rules: Vec<String> = validate(Kind::ServiceRecord, &document)
        .into_iter()
        .map(|v| v.rule.to_string())
        .collect();
    assert!(rules.iter().any(|r| r == rule::CHARGE_SUM), "{rules:?}");
}
