//! The embedded code tables are copies of the team's shared tables
//! (`shared/reference/*.csv`, beside the checkout on a developer's machine, or where
//! `JIAYANG_SHARED_DIR` says): a table changed there must be copied here, and this test
//! says so. A checkout without the shared folder (CI's clean clone) has nothing to
//! compare with and says that instead.

use std::path::PathBuf;

use jiayang_schemas::reference::{BEIJING_DIVISIONS_CSV, SERVICE_ITEMS_CSV};

#[test]
fn embedded_tables_equal_the_shared_ones() {
    let shared = std::env::var_os("JIAYANG_SHARED_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared"))
        .join("reference");
    if !shared.is_dir() {
        eprintln!(
            "no shared tables at {}: nothing to compare",
            shared.display()
        );
        return;
    }
    for (name, embedded) in [
        ("beijing_divisions.csv", BEIJING_DIVISIONS_CSV),
        ("service-items.csv", SERVICE_ITEMS_CSV),
    ] {
        let path = shared.join(name);
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            text.replace("\r\n", "\n") == embedded.replace("\r\n", "\n"),
            "schemas/reference/{name} differs from {}: copy it over",
            path.display()
        );
    }
}
