//! Minimisation: a profile cut to the categories granted (DESIGN §4.1's table).

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// `livingSituation` values by the category they reveal.
fn situation_category(value: &str) -> &'static str {
    match value {
        "DISABLED" | "SEVERE_DISABILITY" => "HEALTH",
        "LOW_INCOME" => "FINANCIAL",
        _ => "BASIC",
    }
}

/// Keeps the fields of the granted categories (DESIGN §4.1's table) and what every
/// reader sees: ids, version, times, the registration's holder, and the reader's own
/// external ids.
pub(super) fn minimise(
    document: &mut Map<String, Value>,
    granted: &BTreeSet<String>,
    reader: &str,
) {
    let has = |category: &str| granted.contains(category);
    let keep_field = |key: &str| match key {
        "id" | "version" | "createdAt" | "updatedAt" | "holder" | "externalIds" | "address"
        | "livingSituation" => true,
        "name" | "gender" | "birthDate" | "status" => has("BASIC"),
        "phone" | "guardians" => has("CONTACT"),
        "identityDocument" => has("IDENTITY"),
        "capabilityAssessment" | "careNeeds" => has("HEALTH"),
        "eligibility" => has("FINANCIAL"),
        // A field DESIGN does not place in a category is not released.
        _ => false,
    };
    document.retain(|key, _| keep_field(key));
    if let Some(Value::Array(ids)) = document.get_mut("externalIds") {
        ids.retain(|id| id["participant"] == reader);
        if ids.is_empty() {
            document.remove("externalIds");
        }
    }
    if let Some(Value::Object(address)) = document.get_mut("address") {
        address.retain(|key, _| match key.as_str() {
            "divisionCode" => has("BASIC"),
            "detail" => has("CONTACT"),
            "geo" => has("LOCATION"),
            _ => false,
        });
        if address.is_empty() {
            document.remove("address");
        }
    }
    if let Some(Value::Array(values)) = document.get_mut("livingSituation") {
        values.retain(|v| v.as_str().is_some_and(|v| has(situation_category(v))));
        if values.is_empty() {
            document.remove("livingSituation");
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::release::CATEGORIES;

    fn granted(categories: &[&str]) -> BTreeSet<String> {
        categories.iter().map(|c| c.to_string()).collect()
    }

    fn profile() -> Map<String, Value> {
        let value = json!({
            "id": "sen_1", "version": 2, "createdAt": "t", "updatedAt": "t",
            "externalIds": [{"participant": "bj-elder-portal", "id": "L1"}, {"participant": "hk-daojia", "id": "C1"}],
            "name": "王秀英", "gender": "FEMALE", "birthDate": "1944-03-08", "status": "ACTIVE",
            "identityDocument": {"type": "RESIDENT_ID_CARD", "number": "110105194403080027"},
            "phone": "13800138000",
            "address": {"divisionCode": "110105013000", "detail": "团结湖北里", "geo": {"lat": 39.9, "lng": 116.4}},
            "livingSituation": ["LIVING_ALONE", "DISABLED", "LOW_INCOME"],
            "capabilityAssessment": {"level": 2}, "careNeeds": ["CLEANING_DAILY"],
            "guardians": [{"name": "张伟"}], "eligibility": ["LOW_INCOME_SUBSIDY"]
        });
        value.as_object().unwrap().clone()
    }

    fn keys(document: &Map<String, Value>) -> Vec<&str> {
        document.keys().map(String::as_str).collect()
    }

    #[test]
    fn each_category_releases_exactly_its_fields() {
        let always = ["createdAt", "externalIds", "id", "updatedAt", "version"];
        let cases: [(&str, &[&str]); 6] = [
            (
                "BASIC",
                &[
                    "address",
                    "birthDate",
                    "gender",
                    "livingSituation",
                    "name",
                    "status",
                ],
            ),
            ("CONTACT", &["address", "guardians", "phone"]),
            ("LOCATION", &["address"]),
            ("IDENTITY", &["identityDocument"]),
            (
                "HEALTH",
                &["capabilityAssessment", "careNeeds", "livingSituation"],
            ),
            ("FINANCIAL", &["eligibility", "livingSituation"]),
        ];
        for (category, fields) in cases {
            let mut document = profile();
            minimise(&mut document, &granted(&[category]), "hk-daojia");
            let mut expected: Vec<&str> = always.iter().chain(fields).copied().collect();
            expected.sort_unstable();
            assert_eq!(keys(&document), expected, "{category}");
            assert_eq!(
                document["externalIds"],
                json!([{"participant": "hk-daojia", "id": "C1"}])
            );
        }
        let mut document = profile();
        minimise(&mut document, &granted(&["CONTACT"]), "hk-daojia");
        assert_eq!(document["address"], json!({"detail": "团结湖北里"}));
        let mut document = profile();
        minimise(&mut document, &granted(&["HEALTH"]), "hk-daojia");
        assert_eq!(document["livingSituation"], json!(["DISABLED"]));
    }

    #[test]
    fn every_category_releases_the_whole_profile_but_others_external_ids() {
        let mut document = profile();
        minimise(&mut document, &granted(&CATEGORIES), "nobody");
        let mut whole = profile();
        whole.remove("externalIds");
        assert_eq!(document, whole);
    }
}
