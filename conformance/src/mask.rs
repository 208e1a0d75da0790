//! Evidence without personal data: a report is passed around (to the operator, into a
//! ticket), so the values that identify a person are masked before they are kept.

use serde_json::{Map, Value};

/// Field names whose values identify or locate a person, wherever they appear (canonical
/// and native names alike).
const PERSONAL: &[&str] = &[
    "name",
    "number",
    "identityNumber",
    "phone",
    "lat",
    "lng",
    "birthDate",
    "reference",
    "XM",
    "SFZH",
    "LXDH",
    "XXDZ",
    "CSRQ",
    "realName",
    "idCardNo",
    "mobile",
];

/// Items of a long list kept in evidence.
const LIST_ITEMS: usize = 5;

/// `value` with personal values masked and long lists cut short.
pub fn value(value: &Value) -> Value {
    match value {
        Value::Object(object) => {
            let mut out = Map::new();
            for (key, v) in object {
                let masked = if PERSONAL.contains(&key.as_str()) {
                    personal(v)
                } else if key == "address" {
                    address(v)
                } else {
                    self::value(v)
                };
                out.insert(key.clone(), masked);
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            let mut out: Vec<Value> = items.iter().take(LIST_ITEMS).map(self::value).collect();
            if items.len() > LIST_ITEMS {
                out.push(Value::String(format!(
                    "… {} more",
                    items.len() - LIST_ITEMS
                )));
            }
            Value::Array(out)
        }
        other => other.clone(),
    }
}

/// A person's address: its street detail and place are personal, its division code is
/// not. (`detail` elsewhere — a problem document's explanation — is kept.)
fn address(value: &Value) -> Value {
    match value {
        Value::Object(object) => Value::Object(
            object
                .iter()
                .map(|(k, v)| {
                    let masked = if k == "detail" {
                        personal(v)
                    } else {
                        self::value(v)
                    };
                    (k.clone(), masked)
                })
                .collect(),
        ),
        other => personal(other),
    }
}

/// A personal value: a string keeps its first character (enough to tell two apart in a
/// report), everything else is replaced.
fn personal(value: &Value) -> Value {
    match value {
        Value::String(text) => {
            let mut chars = text.chars();
            let first: String = chars.next().into_iter().collect();
            Value::String(format!("{first}{}", "*".repeat(chars.count().min(8))))
        }
        Value::Null => Value::Null,
        Value::Object(_) => self::value(value),
        _ => Value::String("*".into()),
    }
}

/// A header value as evidence: credentials never.
pub fn header(name: &str, text: &str) -> String {
    if name.eq_ignore_ascii_case("authorization") {
        let scheme = text.split(' ').next().unwrap_or_default();
        format!("{scheme} ***")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn names_numbers_and_places_are_masked_everywhere_and_the_rest_kept() {
        let masked = value(&json!({
            "id": "sen_01",
            "name": "王秀英",
            "identityDocument": {"type": "RESIDENT_ID_CARD", "number": "110105194403080027"},
            "address": {"divisionCode": "110105013000", "detail": "团结湖北里3号楼", "geo": {"lat": 39.9, "lng": 116.4}},
            "guardians": [{"name": "张伟", "phone": "13900139000"}],
        }));
        let text = masked.to_string();
        for personal in [
            "秀英",
            "110105194403080027",
            "团结湖",
            "39.9",
            "13900139000",
            "张伟",
        ] {
            assert!(!text.contains(personal), "{personal} in {text}");
        }
        assert_eq!(masked["id"], "sen_01");
        assert_eq!(masked["name"], "王**");
        assert_eq!(masked["identityDocument"]["type"], "RESIDENT_ID_CARD");
        assert_eq!(header("Authorization", "Bearer secret"), "Bearer ***");
        // A problem's explanation is not an address.
        let problem = value(&json!({"detail": "x-jiayang-purpose is missing"}));
        assert_eq!(problem["detail"], "x-jiayang-purpose is missing");
    }

    #[test]
    fn long_lists_are_cut_short() {
        let masked = value(&json!((0..12).collect::<Vec<_>>()));
        assert_eq!(masked.as_array().unwrap().len(), LIST_ITEMS + 1);
        assert_eq!(masked[LIST_ITEMS], "… 7 more");
    }
}
