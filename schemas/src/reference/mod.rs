//! Reference code tables embedded in the crate: Beijing's division codes and the shared
//! service catalog. Copies of `shared/reference/*.csv`; `tests/reference_tables.rs` keeps
//! them equal when the shared folder is beside the checkout.

mod catalog;
mod divisions;

pub use catalog::{ServiceItem, catalog};
pub use divisions::{
    Division, DivisionLevel, Divisions, divisions, is_division_code, on_one_line,
    significant_prefix,
};

/// The CSV files as embedded, for tests and tools that want the raw tables.
pub const BEIJING_DIVISIONS_CSV: &str = include_str!("../../reference/beijing_divisions.csv");
pub const SERVICE_ITEMS_CSV: &str = include_str!("../../reference/service-items.csv");

/// Splits a simple comma-separated line (the embedded tables quote nothing).
fn cells(line: &str) -> Vec<&str> {
    line.trim_end_matches('\r').split(',').collect()
}
