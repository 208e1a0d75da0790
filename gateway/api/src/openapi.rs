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

fn parameters(method: &str, path: &str) -> Vec<Value> {
    let mut parameters: Vec<Value> = path
        .split('/')
        .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    let query = |name: &str, description: &str| json!({"name": name, "in": "query", "required": false, "description": description, "schema": {"type": "string"}});
    if path.ends_with("access-history") {
        parameters.push(json!({"name": "pageSize", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 20}}));
    } else if method == "get" && !path.ends_with('}') && !path.ends_with("service-items") {
        parameters.push(json!({"name": "pageSize", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 20}}));
        parameters.push(query("pageToken", "the nextPageToken of the previous page"));
        match path {
            "/v1/seniors" => {
                parameters.push(query(
                    "division",
                    "12-digit division code: seniors living in it or under it",
                ));
                parameters.push(query("status", "ACTIVE, INACTIVE or DECEASED"));
            }
            "/v1/service-records" => {
                parameters.push(query("senior", "senior id"));
                parameters.push(query("provider", "provider id"));
                parameters.push(query("status", "record status"));
                parameters.push(query("from", "RFC 3339: records starting at or after"));
                parameters.push(query("to", "RFC 3339: records starting before"));
            }
            "/v1/alerts" => {
                parameters.push(query("rule", "a verification rule code"));
                parameters.push(query("status", "OPEN, ACKNOWLEDGED or RESOLVED"));
                parameters.push(query("provider", "provider id"));
                parameters.push(query(
                    "district",
                    "12-digit division code: alerts about seniors living in it or under it",
                ));
                parameters.push(query("from", "RFC 3339: alerts raised at or after"));
                parameters.push(query("to", "RFC 3339: alerts raised before"));
            }
            "/v1/webhook-deliveries" => {
                parameters.push(query("status", "pending, delivered or failed"));
                parameters.push(query(
                    "participant",
                    "whose deliveries (the operator; others see their own)",
                ));
            }
            "/v1/providers" => {
                parameters.push(query(
                    "district",
                    "division code on one line with a service-area code",
                ));
                parameters.push(query("serviceItem", "a catalog code the provider offers"));
                parameters.push(query("kind", "provider kind"));
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
        parameters.push(json!({"name": "If-Match", "in": "header", "required": true, "schema": {"type": "string"}, "description": "the version being replaced, e.g. \"3\""}));
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
        parameters.push(json!({"name": "pageSize", "in": "query", "required": false, "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 20}}));
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
                "200": {"description": "the format's document; x-jiayang-next-page-token names the next page, x-jiayang-omitted counts records the format cannot represent", "content": {"application/json": {"schema": {"type": "object"}}}},
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

fn operation(method: &str, path: &str) -> Value {
    if path.starts_with("/v1/native/") {
        return native_operation(method);
    }
    if path == "/v1/events" {
        return events_operation();
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
        json!({"description": label, "headers": {"x-jiayang-withheld-categories": {"description": "the data categories left out for this caller and purpose", "schema": {"type": "string"}}}, "content": {"application/json": {"schema": schema_ref(schema_name)}}})
    } else {
        json!({"description": label, "content": {"application/json": {"schema": schema_ref(schema_name)}}})
    };
    let mut responses = Map::new();
    responses.insert(
        if method == "post" && !path.contains(':') {
            "201"
        } else {
            "200"
        }
        .into(),
        success,
    );
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
            json!({"type": "object", "properties": {"note": {"type": "string", "maxLength": 2000}}})
        } else if path.ends_with("/webhook") {
            json!({"type": "object", "required": ["url"], "properties": {"url": {"type": "string", "format": "uri", "description": "https (plain http only to this machine, in development)"}}})
        } else if path.ends_with(":withdraw") {
            json!({"type": "object", "properties": {"reason": {"type": "string"}}})
        } else if path.ends_with(":lookup") {
            json!({"type": "object", "properties": {"externalId": schema_ref("ExternalId"), "identityNumber": {"type": "string"}}})
        } else if path.ends_with(":batchCreate") {
            json!({"type": "object", "maxProperties": 1, "additionalProperties": {"type": "array", "maxItems": 5000, "items": schema_ref(schema_name)}})
        } else {
            schema_ref(schema_name)
        };
        operation["requestBody"] =
            json!({"required": true, "content": {"application/json": {"schema": body}}});
    }
    operation
}

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
    schemas.insert("Common".into(), schema::document("common.schema.json"));
    schemas.insert(
        "ExternalId".into(),
        json!({"$ref": "common.schema.json#/$defs/ExternalId"}),
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
            "provider.created", "provider.updated", "worker.created", "worker.updated"]},
        "resource": {"type": "object", "required": ["kind", "id", "version"], "properties": {
            "kind": {"enum": ["senior", "service_record", "consent", "alert", "provider", "worker"]},
            "id": {"type": "string"}, "version": {"type": "integer"},
            "provider": {"type": "string", "description": "a worker's provider"}}},
        "senior": {"type": "string", "description": "the senior the resource is about"},
        "occurredAt": {"type": "string", "format": "date-time"}}}),
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
        "servers": [{"url": "https://localhost:7443"}],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "an API token issued by the operator"}}
        }
    })
}
