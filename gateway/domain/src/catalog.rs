//! The shared service catalog, served from the embedded reference table.

use jiayang_schemas::reference::catalog;
use serde_json::{Value, json};

/// Every catalog item as canonical JSON (the gRPC `CatalogItem` mapping).
pub fn service_items() -> Vec<Value> {
    catalog()
        .iter()
        .map(|item| {
            let mut entry = json!({
                "code": item.code,
                "nameZh": item.name_zh,
                "nameEn": item.name_en,
                "category": item.category,
                "onSite": item.on_site,
            });
            if let Some(min) = item.min_minutes {
                entry["minMinutes"] = json!(min);
            }
            if let Some(max) = item.max_minutes {
                entry["maxMinutes"] = json!(max);
            }
            entry
        })
        .collect()
}
