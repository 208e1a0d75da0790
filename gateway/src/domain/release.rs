//! Releasing a senior's profile to a caller (DESIGN §4.4): the holder and the operator
//! get it whole; anyone else declares a purpose and gets exactly the categories active
//! grants give it for that purpose, told which categories were withheld; with no grant
//! at all the request is refused, naming the purpose that has none.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use sea_orm::EntityTrait;

use super::{Caller, Gateway, consents, seniors::Seniors};
use crate::{audit, error::ApiError, participants::ParticipantKind, store::entity::senior};

/// The purposes a request may declare.
pub const PURPOSES: [&str; 4] = [
    "SERVICE_DELIVERY",
    "CARE_COORDINATION",
    "SUBSIDY_ADMINISTRATION",
    "EMERGENCY",
];

/// Every data category, in DESIGN's order.
pub const CATEGORIES: [&str; 6] = [
    "BASIC",
    "CONTACT",
    "LOCATION",
    "IDENTITY",
    "HEALTH",
    "FINANCIAL",
];

/// A profile as released: the document, and the categories left out of it.
#[derive(Debug)]
pub struct Released {
    pub resource: Value,
    pub withheld: Vec<&'static str>,
    /// The categories released (all of them to the holder and the operator).
    pub released: Vec<&'static str>,
}

/// The senior `id` as `caller` may see it for `purpose`.
pub async fn senior(
    gateway: &Gateway,
    caller: &Caller,
    purpose: Option<&str>,
    id: &str,
) -> Result<Released, ApiError> {
    let row = senior::Entity::find_by_id(id.to_owned())
        .one(&gateway.store.db)
        .await?
        .ok_or(ApiError::NotFound("senior"))?;
    let resource = Seniors::render(gateway, &row)?;
    if caller.kind == ParticipantKind::Operator || caller.participant == row.holder {
        return Ok(Released {
            resource,
            withheld: Vec::new(),
            released: CATEGORIES.to_vec(),
        });
    }
    let purpose = match purpose {
        Some(p) if PURPOSES.contains(&p) => p,
        Some(other) => {
            return Err(ApiError::PermissionDenied(format!(
                "`{other}` is not a purpose (x-jiayang-purpose: one of {})",
                PURPOSES.join(", ")
            )));
        }
        None => {
            return Err(ApiError::PermissionDenied(
                "declare the purpose of the request in x-jiayang-purpose".into(),
            ));
        }
    };
    let granted = consents::granted_categories(gateway, id, &caller.participant, purpose).await?;
    if granted.is_empty() {
        return Err(ApiError::PermissionDenied(format!(
            "no active consent grants {} data of this senior for {purpose}",
            caller.participant
        )));
    }
    let mut document = match resource {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    minimise(&mut document, &granted, &caller.participant);
    let (released, withheld) = CATEGORIES.into_iter().partition(|c| granted.contains(*c));
    Ok(Released {
        resource: Value::Object(document),
        withheld,
        released,
    })
}

/// What the audit entry of a release needs from the request.
#[derive(Debug)]
pub struct Asked<'a> {
    pub purpose: Option<&'a str>,
    /// The route or gRPC method.
    pub action: &'a str,
    pub request_id: Option<String>,
}

/// [`senior`], with its decision (allow with the categories released, or deny with the
/// reason) written to the audit log before anything is answered.
pub async fn senior_audited(
    gateway: &Gateway,
    caller: &Caller,
    asked: Asked<'_>,
    id: &str,
) -> Result<Released, ApiError> {
    let outcome = senior(gateway, caller, asked.purpose, id).await;
    if matches!(outcome, Err(ApiError::NotFound(_))) {
        return outcome;
    }
    let entry = audit::Entry {
        participant: caller.participant.clone(),
        action: asked.action.to_owned(),
        resource: Some(id.to_owned()),
        senior: Some(id.to_owned()),
        purpose: asked.purpose.map(str::to_owned),
        decision: if outcome.is_ok() {
            audit::Decision::Allow
        } else {
            audit::Decision::Deny
        },
        reason: outcome.as_ref().err().map(ToString::to_string),
        categories: outcome.as_ref().ok().map(|r| r.released.join(",")),
        request_id: asked.request_id,
    };
    gateway.audit.record(entry).await?;
    outcome
}

/// `livingSituation` values by the category they reveal.
fn situation_category(value: &str) -> &'static str {
    match value {
        "DISABLED" | "SEVERE_DISABILITY" => "HEALTH",
        "LOW_INCOME" => "FINANCIAL",
        _ => "BASIC",
    }
}

/// Keeps the fields of the granted categories (DESIGN §4.1's table) and what every
/// reader sees: ids, version, times, and the reader's own external ids.
pub fn minimise(document: &mut Map<String, Value>, granted: &BTreeSet<String>, reader: &str) {
    let has = |category: &str| granted.contains(category);
    let keep_field = |key: &str| match key {
        "id" | "version" | "createdAt" | "updatedAt" | "externalIds" | "address"
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
