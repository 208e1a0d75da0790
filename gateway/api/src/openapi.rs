//! The OpenAPI 3.1 document of the REST API. Its component schemas are the JSON Schemas
//! of `jiayang-schemas`, embedded as they are; the paths are made from
//! `crate::operations`, the list the router registers, so a route cannot exist
//! undocumented. Each operation names its domain operation (`x-jiayang-operation`).

use std::sync::LazyLock;

use jiayang_schemas::{Kind, schema};
use serde_json::{Map, Value, json};

use jiayang_domain::Operation;

use crate::operations::wire;

static DOCUMENT: LazyLock<Value> = LazyLock::new(build);

pub fn document() -> &'static Value {
    &DOCUMENT
}

/// The resource a path is about: its schema name and its label.
fn resource_of(path: &str) -> (&'static str, &'static str) {
    if path.starts_with("/v1/webhook-deliveries") {
        ("WebhookDelivery", "webhook delivery")
    } else if path.ends_with("/webhook") {
        ("Webhook", "webhook endpoint")
    } else if path.contains("/workers") {
        ("Worker", "worker")
    } else if path.contains("consents") {
        ("Consent", "consent")
    } else if path.starts_with("/v1/alerts") {
        ("Alert", "alert")
    } else if path.contains("participants") {
        ("Participant", "participant")
    } else if path.starts_with("/v1/seniors") {
        ("SeniorProfile", "senior")
    } else if path.starts_with("/v1/service-records") {
        ("ServiceRecord", "service record")
    } else if path.starts_with("/v1/providers") {
        ("ProviderListing", "provider")
    } else {
        ("CatalogItem", "catalog item")
    }
}

/// The key of a batch body (`{"seniors": [...]}`).
fn batch_key(path: &str) -> &'static str {
    if path.starts_with("/v1/seniors") {
        "seniors"
    } else if path.starts_with("/v1/providers") {
        "providers"
    } else {
        "serviceRecords"
    }
}

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn summary(method: &str, path: &str, label: &str) -> String {
    let action = match (method, path) {
        (_, p) if p.ends_with(":batchCreate") => {
            "Create up to 5000 at once, with a result per item"
        }
        (_, p) if p.ends_with(":lookup") => {
            "Find one by external id (seniors: or identity number, in the body)"
        }
        (_, p) if p.ends_with("service-items") => "List the shared service catalog",
        (_, p) if p.ends_with(":suspend") => {
            "Refuse every credential of the participant from now on"
        }
        (_, p) if p.ends_with(":resume") => "Let a suspended participant connect again",
        (_, p) if p.ends_with(":rotate") => {
            "Revoke the participant's certificates and tokens; the new ones are in this answer only"
        }
        ("post", "/v1/participants") => {
            "Register a participant; its certificate, key and token are in this answer only"
        }
        ("get", "/v1/participants") => "Every participant (operator only)",
        (_, p) if p.ends_with(":acknowledge") => {
            "Acknowledge (regulators; If-Match: its version; body: optional {\"note\"})"
        }
        (_, p) if p.ends_with(":resolve") => {
            "Resolve (regulators; If-Match: its version; body: optional {\"note\"})"
        }
        (_, p) if p.ends_with(":redeliver") => "Send again, from a first attempt",
        ("put", p) if p.ends_with("/webhook") => {
            "Register or replace the participant's endpoint (operator; its new secret is in this answer only)"
        }
        (_, p) if p.ends_with(":withdraw") => {
            "Withdraw at once (body: optional {\"reason\"}); from the next request on it grants nothing"
        }
        ("get", p) if p.ends_with("/consents") => {
            "A senior's consents (all to its holder; a grantee sees its own)"
        }
        (_, p) if p.ends_with("access-history") => {
            "Who accessed this senior's data, when and for what purpose (newest first, pageSize entries)"
        }
        ("post", _) => "Create (idempotent with Idempotency-Key)",
        ("put", _) => "Replace (If-Match: the version being replaced)",
        ("get", p) if p.ends_with('}') => "Get one",
        _ => "List with keyset pagination (pageSize, pageToken) and filters",
    };
    format!("{action}: {label}")
}

fn division() -> Value {
    json!({"type": "string", "pattern": "^[0-9]{12}$"})
}

fn date_time() -> Value {
    json!({"type": "string", "format": "date-time"})
}

/// The enum of `field` of the resource schema `name`, as the schemas declare it.
fn enum_of(name: &str, field: &str) -> Value {
    let kind = match name {
        "ServiceRecord" => Kind::ServiceRecord,
        _ => Kind::Provider,
    };
    let schema = schema::schema_of(kind);
    json!({"enum": schema["properties"][field]["enum"]})
}

/// `pageSize`: the server clamps a value outside 1–200 rather than refusing it.
fn page_size() -> Value {
    json!({"name": "pageSize", "in": "query", "required": false, "description": "items per page, 1 to 200 (a value outside is clamped)", "schema": {"type": "integer", "default": 20}})
}

/// A query filter that must match `schema` (the server refuses anything else, 400).
fn filter(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

fn parameters(method: &str, path: &str) -> Vec<Value> {
    // `{id}` may be followed by a verb in its segment (`{id}:withdraw`).
    let mut parameters: Vec<Value> = path
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.split_once('}')))
        .map(|(name, _)| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    let query = |name: &str, description: &str| json!({"name": name, "in": "query", "required": false, "description": description, "schema": {"type": "string"}});
    if path.ends_with("access-history") {
        parameters.push(page_size());
    } else if method == "get"
        && !path.ends_with('}')
        && !path.ends_with("service-items")
        && !path.ends_with("/consents")
    {
        parameters.push(page_size());
        parameters.push(query("pageToken", "the nextPageToken of the previous page"));
        match path {
            "/v1/seniors" => {
                parameters.push(filter(
                    "division",
                    "12-digit division code: seniors living in it or under it",
                    division(),
                ));
                parameters.push(filter(
                    "status",
                    "the profile's status",
                    json!({"enum": ["ACTIVE", "INACTIVE", "DECEASED"]}),
                ));
            }
            "/v1/service-records" => {
                parameters.push(query("senior", "senior id"));
                parameters.push(query("provider", "provider id"));
                parameters.push(filter(
                    "status",
                    "record status",
                    enum_of("ServiceRecord", "status"),
                ));
                parameters.push(filter("from", "records starting at or after", date_time()));
                parameters.push(filter("to", "records starting before", date_time()));
            }
            "/v1/alerts" => {
                parameters.push(filter(
                    "rule",
                    "a verification rule code",
                    json!({"enum": jiayang_domain::verification::Rule::ALL.map(|rule| rule.code())}),
                ));
                parameters.push(filter(
                    "status",
                    "the alert's status",
                    json!({"enum": ["OPEN", "ACKNOWLEDGED", "RESOLVED"]}),
                ));
                parameters.push(query("provider", "provider id"));
                parameters.push(filter(
                    "district",
                    "12-digit division code: alerts about seniors living in it or under it",
                    division(),
                ));
                parameters.push(filter("from", "alerts raised at or after", date_time()));
                parameters.push(filter("to", "alerts raised before", date_time()));
            }
            "/v1/webhook-deliveries" => {
                parameters.push(filter(
                    "status",
                    "the delivery's state",
                    json!({"enum": ["pending", "delivered", "failed"]}),
                ));
                parameters.push(query(
                    "participant",
                    "whose deliveries (the operator; others see their own)",
                ));
            }
            "/v1/providers" => {
                parameters.push(filter(
                    "district",
                    "division code on one line with a service-area code",
                    division(),
                ));
                parameters.push(query("serviceItem", "a catalog code the provider offers"));
                parameters.push(filter(
                    "kind",
                    "provider kind",
                    enum_of("ProviderListing", "kind"),
                ));
                parameters.push(json!({"name": "inProviderLibrary", "in": "query", "required": false, "schema": {"type": "boolean"}}));
            }
            _ => {}
        }
    }
    if method == "post" && !path.contains(':') {
        parameters.push(json!({"name": "Idempotency-Key", "in": "header", "required": false, "schema": {"type": "string", "maxLength": 255}}));
    }
    if (method == "put" && !path.ends_with("/webhook"))
        || path.ends_with(":acknowledge")
        || path.ends_with(":resolve")
    {
        parameters.push(json!({"name": "If-Match", "in": "header", "required": true, "schema": {"type": "string", "pattern": "^(W/)?\"?[1-9][0-9]{0,9}\"?$"}, "description": "the version being replaced, e.g. \"3\""}));
    }
    let senior_data = [
        "/v1/seniors",
        "/v1/service-records",
        "/v1/native/",
        "/v1/alerts",
    ]
    .iter()
    .any(|prefix| path.starts_with(prefix));
    if senior_data && (method == "get" || path.ends_with(":lookup")) {
        parameters.push(json!({"name": "x-jiayang-purpose", "in": "header", "required": false, "schema": {"enum": jiayang_domain::release::PURPOSES}, "description": "why the caller reads (required of anyone reading seniors it does not hold); what is released depends on it"}));
    }
    parameters.push(json!({"name": "Accept-Language", "in": "header", "required": false, "schema": {"type": "string"}, "description": "en for English messages; Chinese otherwise"}));
    parameters
}

/// `/v1/native/{format}/{kind}`: bodies are the participants' own documents (JSON
/// envelopes and batches, or CSV), described in `shared/platforms/`, not by our schemas.
fn native_operation(method: &str) -> Value {
    let string = |values: &[&str]| json!({"type": "string", "enum": values});
    let mut parameters = vec![
        json!({"name": "format", "in": "path", "required": true, "schema": string(&["elder-portal", "housekeeping-app", "station-csv"])}),
        json!({"name": "kind", "in": "path", "required": true, "schema": string(&["senior", "service-record", "provider", "customer"])}),
    ];
    let query = |name: &str, description: &str, schema: Value| json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema});
    let problem = json!({"description": "a problem (RFC 9457)", "content": {"application/problem+json": {"schema": schema_ref("Problem")}}});
    if method == "post" {
        parameters.push(query(
            "district",
            "station-csv seniors: the station's 12-digit district code",
            json!({"type": "string"}),
        ));
        parameters.push(query(
            "providerUscc",
            "station-csv visit logs: the station's credit code",
            json!({"type": "string"}),
        ));
        json!({
            "operationId": "post_v1_native",
            "summary": "Import a document in the participant's own format; results and violations name its records (or rows) and fields",
            "parameters": parameters,
            "requestBody": {"required": true, "content": {"application/json": {"schema": {}}, "text/csv": {"schema": {"type": "string"}}}},
            "responses": {
                "200": {"description": "created records and violations, located in the document as sent", "content": {"application/json": {"schema": {"type": "object", "properties": {
                    "created": {"type": "array", "items": {"type": "object"}},
                    "violations": {"type": "array", "items": {"type": "object"}},
                    "notCarried": {"type": "array", "items": {"type": "object"}}}}}}},
                "default": problem,
            },
            "security": [{"bearer": []}],
        })
    } else {
        parameters.push(page_size());
        parameters.push(query(
            "pageToken",
            "the x-jiayang-next-page-token of the previous page",
            json!({"type": "string"}),
        ));
        json!({
            "operationId": "get_v1_native",
            "summary": "One page of records as the format's own envelope or batch",
            "parameters": parameters,
            "responses": {
                "200": {"description": "the format's document; x-jiayang-next-page-token names the next page, x-jiayang-omitted counts records of the page left out: the format cannot represent them as released to this reader (minimised profiles), or the reader sees ids only (the operator)", "content": {"application/json": {"schema": {"type": "object"}}}},
                "204": {"description": "no record on this page can be written in the format"},
                "default": problem,
            },
            "security": [{"bearer": []}],
        })
    }
}

/// `GET /v1/events`: the change feed as a long-poll.
fn events_operation() -> Value {
    let query = |name: &str, description: &str, schema: Value| json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema});
    json!({
        "operationId": "get_v1_events",
        "summary": "The events about what the caller may read, after a cursor, in order; waits up to waitSeconds for the first",
        "parameters": [
            query("after", "a cursor this feed gave (the previous answer's cursor); absent: the feed's start", json!({"type": "string"})),
            query("waitSeconds", "how long to wait when no event waits", json!({"type": "integer", "minimum": 0, "maximum": 50, "default": 0})),
            query("limit", "most events in the answer", json!({"type": "integer", "minimum": 1, "maximum": 1000, "default": 100})),
        ],
        "responses": {
            "200": {"description": "events, and the cursor to send as `after` next (past events the caller may not read, too)", "content": {"application/json": {"schema": {"type": "object", "required": ["events", "cursor"], "properties": {
                "events": {"type": "array", "items": schema_ref("Event")},
                "cursor": {"type": "string"}}}}}},
            "default": {"description": "a problem (RFC 9457)", "content": {"application/problem+json": {"schema": schema_ref("Problem")}}},
        },
        "security": [{"bearer": []}],
    })
}

/// `GET /v1/audit/checkpoints/{seq}`: a signed checkpoint of the audit chain.
fn checkpoint_operation() -> Value {
    json!({
        "operationId": "get_v1_audit_checkpoints__seq_",
        "summary": "A signed checkpoint of the audit chain (the feed announces each as audit_checkpoint.signed): keep it; `jiayang audit verify --checkpoints FILE` checks the chain against the checkpoints kept",
        "parameters": [{"name": "seq", "in": "path", "required": true, "description": "the audit entry the checkpoint signs (the event's resource id)", "schema": {"type": "string", "pattern": "^[0-9]{1,19}$"}}],
        "responses": {
            "200": {"description": "the checkpoint", "content": {"application/json": {"schema": schema_ref("AuditCheckpoint")}}},
            "default": {"description": "a problem (RFC 9457)", "content": {"application/problem+json": {"schema": schema_ref("Problem")}}},
        },
        "security": [{"bearer": []}],
    })
}

fn operation(method: &str, path: &str) -> Value {
    if path.starts_with("/v1/native/") {
        return native_operation(method);
    }
    if path == "/v1/events" {
        return events_operation();
    }
    if path == "/v1/audit/checkpoints/{seq}" {
        return checkpoint_operation();
    }
    let (schema_name, label) = resource_of(path);
    let problem = json!({"description": "a problem (RFC 9457)", "content": {"application/problem+json": {"schema": schema_ref("Problem")}}});
    let success = if path.ends_with(":batchCreate") {
        json!({"description": "per-item results", "content": {"application/json": {"schema": schema_ref("BatchResults")}}})
    } else if method == "get" && !path.ends_with('}') {
        json!({"description": "one page of what the caller may see; `withheld: [{id, categories}]` names the categories left out of minimised items", "content": {"application/json": {"schema": {"type": "object"}}}})
    } else if (method == "get" || path.ends_with(":lookup"))
        && (path.starts_with("/v1/seniors/{id}")
            && !path.contains("/consents")
            && !path.contains("access-history")
            || path.starts_with("/v1/service-records")
            || path == "/v1/seniors:lookup")
    {
        json!({"description": label, "headers": {"x-jiayang-withheld-categories": {"description": "the data categories left out for this caller and purpose", "schema": {"type": "string"}}}, "content": {"application/json": {"schema": schema_ref(&format!("{schema_name}Released"))}}})
    } else if path == "/v1/participants" && method == "post" {
        json!({"description": "the participant and its credentials (in this answer only)", "content": {"application/json": {"schema": schema_ref("ParticipantCredentials")}}})
    } else if path.ends_with(":rotate") {
        json!({"description": "the participant's new credentials (in this answer only)", "content": {"application/json": {"schema": schema_ref("ParticipantCredentials")}}})
    } else if path.ends_with(":suspend") || path.ends_with(":resume") {
        json!({"description": "the participant's status now", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": false, "required": ["id", "status"], "properties": {
            "id": {"type": "string"}, "status": {"enum": ["ACTIVE", "SUSPENDED"]}}}}}})
    } else {
        json!({"description": label, "content": {"application/json": {"schema": schema_ref(schema_name)}}})
    };
    let mut responses = Map::new();
    let creates = method == "post" && !path.contains(':');
    if creates && path != "/v1/participants" {
        // A retry with the same Idempotency-Key answers what the first one created.
        let mut replayed = success.clone();
        replayed["description"] =
            format!("{label}, as first created (a retry with the same Idempotency-Key)").into();
        responses.insert("200".into(), replayed);
    }
    responses.insert(if creates { "201" } else { "200" }.into(), success);
    responses.insert("default".into(), problem);
    let mut operation = json!({
        "operationId": format!("{method}{}", path.replace(['/', '{', '}', ':', '-'], "_")),
        "summary": summary(method, path, label),
        "parameters": parameters(method, path),
        "responses": responses,
        "security": [{"bearer": []}],
    });
    let bodiless = [":suspend", ":resume", ":rotate", ":redeliver"]
        .iter()
        .any(|verb| path.ends_with(verb));
    if (method == "post" || method == "put") && !bodiless {
        let body = if path.ends_with(":acknowledge") || path.ends_with(":resolve") {
            json!({"type": "object", "properties": {"note": {"type": "string", "minLength": 1, "maxLength": 2000, "pattern": NO_CONTROL_CHARACTERS}}})
        } else if path.ends_with("/webhook") {
            json!({"type": "object", "required": ["url"], "properties": {"url": {"type": "string", "format": "uri", "description": "https (plain http only to this machine, in development)"}}})
        } else if path.ends_with(":withdraw") {
            json!({"type": "object", "properties": {"reason": schema_ref("Text")}})
        } else if path.ends_with(":lookup") {
            let mut properties = json!({"externalId": schema_ref("ExternalId")});
            if path.starts_with("/v1/seniors") {
                properties["identityNumber"] = json!({"type": "string", "minLength": 1});
            }
            json!({"type": "object", "description": "exactly one key", "additionalProperties": false,
                   "minProperties": 1, "maxProperties": 1, "properties": properties})
        } else if path.ends_with(":batchCreate") {
            let plural = batch_key(path);
            json!({"type": "object", "additionalProperties": false, "required": [plural], "properties": {
                plural: {"type": "array", "maxItems": 5000, "items": schema_ref(schema_name)}}})
        } else if path == "/v1/participants" {
            schema_ref("NewParticipant")
        } else {
            schema_ref(schema_name)
        };
        operation["requestBody"] =
            json!({"required": true, "content": {"application/json": {"schema": body}}});
    }
    operation
}

/// Removes `schema`'s own identity and definitions, returning the definitions; its
/// references are rewritten into the document's components.
fn take_defs(schema: &mut Value) -> Vec<(String, Value)> {
    let Some(object) = schema.as_object_mut() else {
        return Vec::new();
    };
    object.remove("$id");
    object.remove("$schema");
    let defs = match object.remove("$defs") {
        Some(Value::Object(defs)) => defs.into_iter().collect(),
        _ => Vec::new(),
    };
    rewrite_refs(schema);
    defs.into_iter()
        .map(|(name, mut definition)| {
            rewrite_refs(&mut definition);
            (name, definition)
        })
        .collect()
}

fn rewrite_refs(value: &mut Value) {
    match value {
        Value::Object(object) => {
            if let Some(Value::String(target)) = object.get_mut("$ref")
                && let Some((_, name)) = target.rsplit_once("/$defs/")
            {
                *target = format!("#/components/schemas/{name}");
            }
            object.values_mut().for_each(rewrite_refs);
        }
        Value::Array(items) => items.iter_mut().for_each(rewrite_refs),
        _ => {}
    }
}

/// What the validator checks by rule (formats, one-of, no control characters), stated
/// in the document too, so that a request valid by the document is not refused for a
/// form the document did not tell. (Rules across fields — check digits, a division code
/// that exists, Beijing's bounds — remain the validator's, named in its violations.)
fn stated_as_enforced(schemas: &mut Map<String, Value>) {
    let mut set = |name: &str, pointer: &str, key: &str, value: Value| {
        if let Some(Value::Object(target)) = schemas
            .get_mut(name)
            .and_then(|schema| schema.pointer_mut(pointer))
        {
            target.insert(key.into(), value);
        }
    };
    set("Text", "", "pattern", json!(NO_CONTROL_CHARACTERS));
    set("DivisionCode", "", "pattern", json!("^[0-9]{12}$"));
    set(
        "Phone",
        "",
        "pattern",
        json!("^(1[3-9][0-9]{9}|010-[0-9]{8})$"),
    );
    set(
        "ProviderListing",
        "/properties/uscc",
        "pattern",
        json!("^[0-9A-HJ-NP-RTUW-Y]{18}$"),
    );
    for reference in ["SeniorRef", "ProviderRef"] {
        set(reference, "", "minProperties", json!(1));
        set(reference, "", "maxProperties", json!(1));
    }
}

/// Text the validator accepts: no control character (rule `control-character`).
const NO_CONTROL_CHARACTERS: &str = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f]*$";

fn build() -> Value {
    let mut paths = Map::new();
    for op in Operation::ALL.iter().copied() {
        let Some((method, path)) = wire(op).rest else {
            continue;
        };
        let method = method.as_str().to_ascii_lowercase();
        let entry = paths.entry(path.to_owned()).or_insert_with(|| json!({}));
        let mut described = operation(&method, path);
        described["x-jiayang-operation"] = op.to_string().into();
        entry[method] = described;
    }
    let mut schemas = Map::new();
    for (kind, name) in [
        (Kind::Senior, "SeniorProfile"),
        (Kind::ServiceRecord, "ServiceRecord"),
        (Kind::Provider, "ProviderListing"),
        (Kind::Worker, "Worker"),
        (Kind::Consent, "Consent"),
    ] {
        schemas.insert(name.into(), schema::schema_of(kind));
    }
    // The shared definitions become components of their own, and every reference points
    // into this document (`#/components/schemas/X`): client generators and fuzzers do not
    // resolve the schemas' relative `common.schema.json#/$defs/X`.
    let mut common = schema::document("common.schema.json");
    for (name, definition) in take_defs(&mut common) {
        schemas.insert(name, definition);
    }
    let names: Vec<String> = schemas.keys().cloned().collect();
    for name in names {
        let mut hoisted = Vec::new();
        if let Some(schema) = schemas.get_mut(&name) {
            hoisted = take_defs(schema);
        }
        schemas.extend(hoisted);
    }
    stated_as_enforced(&mut schemas);
    // As read: a minimised profile or record leaves out the fields of the categories it
    // withholds (x-jiayang-withheld-categories names them), so no field is required.
    for name in ["SeniorProfile", "ServiceRecord"] {
        let mut released = schemas[name].clone();
        if let Some(object) = released.as_object_mut() {
            object.remove("required");
            object.insert(
                "description".into(),
                "As released to this caller: the fields of withheld categories are absent.".into(),
            );
        }
        schemas.insert(format!("{name}Released"), released);
    }
    schemas.insert(
        "NewParticipant".into(),
        json!({"type": "object", "additionalProperties": false, "required": ["id", "kind", "name"], "properties": {
        "id": schema_ref("ParticipantId"),
        "kind": {"enum": ["ELDER_CARE_PORTAL", "HOUSEKEEPING_PLATFORM", "ELDER_CARE_INSTITUTION", "COMMUNITY_STATION", "REGULATOR"]},
        "name": schema_ref("Text"), "uscc": {"type": "string"}, "nativeFormat": {"type": "string"}}}),
    );
    schemas.insert(
        "ParticipantCredentials".into(),
        json!({"type": "object", "readOnly": true, "required": ["id", "credentials"], "properties": {
        "id": {"type": "string"},
        "kind": {"type": "string"},
        "credentials": {"type": "object", "required": ["token", "certificatePem", "keyPem"], "properties": {
            "token": {"type": "string"}, "certificatePem": {"type": "string"}, "keyPem": {"type": "string"}}}}}),
    );
    schemas.insert(
        "Participant".into(),
        json!({"type": "object", "required": ["id", "kind", "name"], "properties": {
        "id": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{1,62}$"},
        "kind": {"enum": ["ELDER_CARE_PORTAL", "HOUSEKEEPING_PLATFORM", "ELDER_CARE_INSTITUTION", "COMMUNITY_STATION", "REGULATOR"]},
        "name": {"type": "string"}, "uscc": {"type": "string"}, "nativeFormat": {"type": "string"},
        "status": {"enum": ["ACTIVE", "SUSPENDED"], "readOnly": true},
        "conformance": {"type": "array", "readOnly": true, "description": "The latest certification in each conformance mode passed.",
            "items": {"type": "object", "properties": {
            "mode": {"enum": ["data", "server", "client", "webhook"]}, "reportSha256": {"type": "string"},
            "suiteVersion": {"type": "string"}, "reportFinishedAt": {"type": "string", "format": "date-time"},
            "certifiedAt": {"type": "string", "format": "date-time"}}}}}}),
    );
    schemas.insert(
        "Alert".into(),
        json!({"type": "object", "readOnly": true, "properties": {
        "id": {"type": "string"}, "version": {"type": "integer"},
        "createdAt": {"type": "string", "format": "date-time"}, "updatedAt": {"type": "string", "format": "date-time"},
        "record": {"type": "string"}, "senior": {"type": "string"}, "provider": {"type": "string"},
        "rule": {"type": "string"}, "severity": {"enum": ["HIGH", "MEDIUM", "LOW"]},
        "message": {"type": "object", "properties": {"zh": {"type": "string"}, "en": {"type": "string"}}},
        "status": {"enum": ["OPEN", "ACKNOWLEDGED", "RESOLVED"]}, "note": {"type": "string"},
        "history": {"type": "array", "items": {"type": "object", "properties": {
            "status": {"type": "string"}, "at": {"type": "string", "format": "date-time"},
            "by": {"type": "string"}, "note": {"type": "string"}}}}}}),
    );
    schemas.insert(
        "Event".into(),
        json!({"type": "object", "readOnly": true, "required": ["id", "type", "resource", "occurredAt"], "properties": {
        "id": {"type": "string"},
        "type": {"enum": ["senior.created", "senior.updated", "service_record.created", "service_record.updated",
            "consent.created", "consent.withdrawn", "alert.raised", "alert.acknowledged", "alert.resolved",
            "provider.created", "provider.updated", "worker.created", "worker.updated",
            "audit_checkpoint.signed"]},
        "resource": {"type": "object", "required": ["kind", "id", "version"], "properties": {
            "kind": {"enum": ["senior", "service_record", "consent", "alert", "provider", "worker",
                "audit_checkpoint"]},
            "id": {"type": "string"}, "version": {"type": "integer"},
            "provider": {"type": "string", "description": "a worker's provider"}}},
        "senior": {"type": "string", "description": "the senior the resource is about"},
        "occurredAt": {"type": "string", "format": "date-time"}}}),
    );
    schemas.insert(
        "AuditCheckpoint".into(),
        json!({"type": "object", "readOnly": true, "required": ["seq", "hash", "at", "signedAt", "signature", "message", "algorithm", "publicKey"], "properties": {
        "seq": {"type": "integer", "description": "the audit entry signed: the chain's head then"},
        "hash": {"type": "string", "description": "that entry's hash (hex)"},
        "at": {"type": "integer", "description": "when it was signed, µs since the epoch"},
        "signedAt": {"type": "string", "format": "date-time"},
        "signature": {"type": "string", "description": "Ed25519 over `message`, base64"},
        "message": {"type": "string", "description": "what is signed: `jiayang audit checkpoint v1`, seq, hash and at, one per line"},
        "algorithm": {"const": "Ed25519"},
        "publicKey": {"type": "string", "description": "the gateway's checkpoint key (32 bytes, base64): pin it the first time"}}}),
    );
    schemas.insert(
        "Webhook".into(),
        json!({"type": "object", "readOnly": true, "properties": {
        "participant": {"type": "string"}, "url": {"type": "string"},
        "secret": {"type": "string", "description": "whsec_…: signs deliveries (Standard Webhooks); shown in this answer only"}}}),
    );
    schemas.insert(
        "WebhookDelivery".into(),
        json!({"type": "object", "readOnly": true, "properties": {
        "id": {"type": "string"}, "participant": {"type": "string"},
        "event": schema_ref("Event"),
        "status": {"enum": ["PENDING", "DELIVERED", "FAILED"]},
        "attempts": {"type": "integer"},
        "nextAttemptAt": {"type": "string", "format": "date-time"},
        "lastStatus": {"type": "integer", "description": "the HTTP status of the last attempt"},
        "lastError": {"type": "string"},
        "createdAt": {"type": "string", "format": "date-time"}, "updatedAt": {"type": "string", "format": "date-time"}}}),
    );
    schemas.insert(
        "CatalogItem".into(),
        json!({"type": "object", "properties": {
        "code": {"type": "string"}, "nameZh": {"type": "string"}, "nameEn": {"type": "string"},
        "category": {"type": "string"}, "onSite": {"type": "boolean"},
        "minMinutes": {"type": "integer"}, "maxMinutes": {"type": "integer"}}}),
    );
    schemas.insert(
        "Violation".into(),
        json!({"type": "object", "required": ["path", "rule", "message"], "properties": {
        "path": {"type": "string", "description": "JSON Pointer into the document as sent"},
        "rule": {"type": "string"}, "message": {"type": "string"}}}),
    );
    schemas.insert("Problem".into(), json!({"type": "object", "properties": {
        "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
        "requestId": {"type": "string"}, "violations": {"type": "array", "items": schema_ref("Violation")}}}));
    schemas.insert("BatchResults".into(), json!({"type": "object", "properties": {"results": {"type": "array", "items": {
        "type": "object", "properties": {"index": {"type": "integer"}, "id": {"type": "string"},
        "violations": {"type": "array", "items": schema_ref("Violation")}, "error": schema_ref("Problem")}}}}}));
    json!({
        "openapi": "3.1.0",
        "info": {"title": "Jiayang (家养) gateway", "version": env!("CARGO_PKG_VERSION"),
                 "description": "The elder-care ⇄ housekeeping data gateway. Every route also has a gRPC twin in package jiayang.v1."},
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        // Relative: wherever this document is served from, whatever `--listen` says.
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "an API token issued by the operator"}}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs<'a>(value: &'a Value, found: &mut Vec<&'a str>) {
        match value {
            Value::Object(object) => {
                if let Some(Value::String(target)) = object.get("$ref") {
                    found.push(target);
                }
                object.values().for_each(|v| refs(v, found));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
            _ => {}
        }
    }

    #[test]
    fn every_reference_resolves_inside_the_document() {
        let document = document();
        let mut found = Vec::new();
        refs(document, &mut found);
        assert!(found.len() > 50, "{} references", found.len());
        for target in found {
            let pointer = target
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("{target} points outside the document"));
            assert!(
                document.pointer(pointer).is_some(),
                "{target} does not resolve"
            );
        }
        assert!(!document.to_string().contains("\"$id\""));
    }

    #[test]
    fn every_path_parameter_is_declared_and_servers_are_relative() {
        let document = document();
        for (path, item) in document["paths"].as_object().unwrap() {
            let names: Vec<&str> = path
                .split('{')
                .skip(1)
                .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
                .collect();
            for (method, operation) in item.as_object().unwrap() {
                for name in &names {
                    assert!(
                        operation["parameters"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .any(|p| p["in"] == "path" && p["name"] == *name),
                        "{method} {path} does not declare {name}"
                    );
                }
            }
        }
        assert_eq!(document["servers"], json!([{"url": "/"}]));
    }
}
