//! The proto (package jiayang.v1) and the JSON Schemas must describe the same thing: the
//! same fields under the same JSON names, the same enum values, compatible JSON types.
//! Any drift between them fails here, in CI.

use std::collections::{BTreeSet, HashMap};

use jiayang_schemas::{Kind, schema};
use prost::Message as _;
use prost_types::{
    DescriptorProto, EnumDescriptorProto, FileDescriptorSet,
    field_descriptor_proto::{Label, Type},
};
use serde_json::{Value, json};

/// Message and enum descriptors by fully qualified name (`.jiayang.v1.SeniorProfile`).
#[derive(Default)]
struct Descriptors {
    messages: HashMap<String, DescriptorProto>,
    enums: HashMap<String, EnumDescriptorProto>,
}

impl Descriptors {
    fn load() -> Self {
        let set = FileDescriptorSet::decode(jiayang_proto::FILE_DESCRIPTOR_SET).unwrap();
        let mut all = Descriptors::default();
        for file in set.file {
            let prefix = format!(".{}", file.package());
            for message in file.message_type {
                all.add_message(&prefix, message);
            }
            for enumeration in file.enum_type {
                all.enums
                    .insert(format!("{prefix}.{}", enumeration.name()), enumeration);
            }
        }
        all
    }

    fn add_message(&mut self, prefix: &str, message: DescriptorProto) {
        let name = format!("{prefix}.{}", message.name());
        for nested in &message.nested_type {
            self.add_message(&name, nested.clone());
        }
        for enumeration in &message.enum_type {
            self.enums.insert(
                format!("{name}.{}", enumeration.name()),
                enumeration.clone(),
            );
        }
        self.messages.insert(name, message);
    }
}

/// Follows `$ref`s (within a file or into another embedded file) to the schema they name.
fn resolve(node: &Value, file: &str) -> (Value, String) {
    let Some(reference) = node.get("$ref").and_then(Value::as_str) else {
        return (node.clone(), file.to_owned());
    };
    let (target_file, pointer) = reference.split_once('#').unwrap_or((reference, ""));
    let target_file = if target_file.is_empty() {
        file
    } else {
        target_file
    };
    let document = schema::document(target_file);
    let target = document
        .pointer(pointer)
        .unwrap_or_else(|| panic!("dangling $ref {reference} in {file}"));
    resolve(target, target_file)
}

/// Every difference between a message and the schema node that should describe it.
fn compare(
    all: &Descriptors,
    message_name: &str,
    node: &Value,
    file: &str,
    at: &str,
    drift: &mut Vec<String>,
) {
    let (node, file) = resolve(node, file);
    let message = &all.messages[message_name];
    if node.get("additionalProperties") != Some(&Value::Bool(false)) {
        drift.push(format!("{at}: schema allows unknown fields"));
    }
    let empty = serde_json::Map::new();
    let properties = node
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let schema_names: BTreeSet<&str> = properties.keys().map(String::as_str).collect();
    let proto_names: BTreeSet<&str> = message.field.iter().map(|f| f.json_name()).collect();
    for missing in proto_names.difference(&schema_names) {
        drift.push(format!(
            "{at}/{missing}: in {message_name} but not in the schema"
        ));
    }
    for extra in schema_names.difference(&proto_names) {
        drift.push(format!(
            "{at}/{extra}: in the schema but not in {message_name}"
        ));
    }
    for required in node
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let required = required.as_str().unwrap_or_default();
        if !schema_names.contains(required) {
            drift.push(format!(
                "{at}: requires {required}, which it does not define"
            ));
        }
    }
    for field in &message.field {
        let Some(property) = properties.get(field.json_name()) else {
            continue;
        };
        let here = format!("{at}/{}", field.json_name());
        let (mut property, mut property_file) = resolve(property, &file);
        if field.label() == Label::Repeated {
            if property.get("type") != Some(&json!("array")) {
                drift.push(format!(
                    "{here}: repeated in proto, not an array in the schema"
                ));
                continue;
            }
            (property, property_file) = resolve(&property["items"], &property_file);
        }
        match field.r#type() {
            Type::Message if field.type_name() == ".google.protobuf.Timestamp" => {
                if property.get("format") != Some(&json!("date-time")) {
                    drift.push(format!(
                        "{here}: a Timestamp, but not a date-time string in the schema"
                    ));
                }
            }
            Type::Message => compare(
                all,
                field.type_name(),
                &property,
                &property_file,
                &here,
                drift,
            ),
            Type::Enum => {
                let enumeration = &all.enums[field.type_name()];
                // Zero values named *_UNSPECIFIED are proto3's "not set"; JSON never carries them.
                let proto_values: BTreeSet<&str> = enumeration
                    .value
                    .iter()
                    .filter(|v| !(v.number() == 0 && v.name().ends_with("_UNSPECIFIED")))
                    .map(|v| v.name())
                    .collect();
                let schema_values: BTreeSet<&str> = property
                    .get("enum")
                    .and_then(Value::as_array)
                    .map(|values| values.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                if proto_values != schema_values {
                    drift.push(format!("{here}: enum values differ: proto {proto_values:?}, schema {schema_values:?}"));
                }
            }
            scalar => {
                let expected = match scalar {
                    Type::String => "string",
                    Type::Bool => "boolean",
                    Type::Double | Type::Float => "number",
                    Type::Int32 | Type::Sint32 | Type::Uint32 | Type::Fixed32 | Type::Sfixed32 => {
                        "integer"
                    }
                    other => panic!("{here}: no JSON mapping decided for proto type {other:?}"),
                };
                if property.get("type") != Some(&json!(expected)) {
                    drift.push(format!(
                        "{here}: proto {scalar:?} wants JSON type {expected}, schema has {}",
                        property["type"]
                    ));
                }
            }
        }
    }
}

fn drift_of(kind: Kind, root: &Value) -> Vec<String> {
    let all = Descriptors::load();
    let mut drift = Vec::new();
    let file = format!("{}.schema.json", kind.as_str());
    compare(
        &all,
        &format!(".{}", kind.message_name()),
        root,
        &file,
        "",
        &mut drift,
    );
    drift
}

#[test]
fn proto_and_json_schemas_describe_the_same_resources() {
    for kind in Kind::ALL {
        let drift = drift_of(kind, &schema::schema_of(kind));
        assert!(drift.is_empty(), "{kind} drifted:\n{}", drift.join("\n"));
    }
}

#[test]
fn a_missing_property_and_a_changed_enum_are_caught() {
    let mut senior = schema::schema_of(Kind::Senior);
    senior["properties"]
        .as_object_mut()
        .unwrap()
        .remove("phone");
    senior["properties"]["status"]["enum"] = json!(["ACTIVE", "INACTIVE"]);
    senior["properties"]["nickname"] = json!({"type": "string"});
    let drift = drift_of(Kind::Senior, &senior);
    assert!(
        drift
            .iter()
            .any(|d| d.starts_with("/phone: in .jiayang.v1.SeniorProfile but not in the schema")),
        "{drift:?}"
    );
    assert!(
        drift
            .iter()
            .any(|d| d.starts_with("/status: enum values differ")),
        "{drift:?}"
    );
    assert!(
        drift
            .iter()
            .any(|d| d.starts_with("/nickname: in the schema but not in")),
        "{drift:?}"
    );
}

#[test]
fn a_nested_type_change_is_caught() {
    let mut record = schema::schema_of(Kind::ServiceRecord);
    record["properties"]["rating"]["properties"]["stars"] = json!({"type": "string"});
    let drift = drift_of(Kind::ServiceRecord, &record);
    assert_eq!(drift.len(), 1, "{drift:?}");
    assert!(
        drift[0].starts_with("/rating/stars: proto Int32 wants JSON type integer"),
        "{drift:?}"
    );
}
