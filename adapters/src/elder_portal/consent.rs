//! SQTY 授权同意 ⇄ Consent.

use serde_json::{Map, Value};

use super::{codes, fields};
use crate::{
    batch::Findings,
    canonical::{self, Object, put, put_list, text},
    native::Obj,
    rule,
    trace::FieldMap,
};

/// Categories PIPL art. 28 counts as sensitive: with any of them the portal's consent is
/// separate consent (单独同意).
const SENSITIVE: [&str; 4] = ["IDENTITY", "HEALTH", "FINANCIAL", "LOCATION"];

pub(super) const FIELDS: FieldMap = &[
    ("/externalIds", "/SQBH"),
    ("/senior", "/LNRBH"),
    ("/grantee", "/SQDX"),
    ("/purposes", "/SQMD"),
    ("/categories", "/SJLB"),
    ("/basis", "/SQFS"),
    ("/grantedBy", "/SQFS"),
    ("/grantedBy/name", "/DQRXM"),
    ("/grantedBy/relation", "/DQRGX"),
    ("/evidence", "/SQFS"),
    ("/evidence/reference", "/PZBH"),
    ("/evidence/capturedAt", "/SQSJ"),
    ("/validFrom", "/KSRQ"),
    ("/validUntil", "/JZRQ"),
    ("/status", "/ZT"),
    ("/withdrawnAt", "/CHSJ"),
];

pub(super) fn read(o: &mut Obj<'_>, f: &mut Findings, participant: &str) -> Object {
    let mut out = Object::new();
    put(
        &mut out,
        "externalIds",
        canonical::external_ids(participant, o.text(f, "SQBH")),
    );
    let mut senior = Object::new();
    put(
        &mut senior,
        "externalId",
        o.text(f, "LNRBH")
            .map(|id| canonical::external_id(participant, id)),
    );
    out.insert("senior".into(), Value::Object(senior));
    put(&mut out, "grantee", o.text(f, "SQDX"));
    let purposes = fields::codes(o, f, "SQMD", &codes::PURPOSE);
    put_list(
        &mut out,
        "purposes",
        purposes.into_iter().map(Value::from).collect(),
    );
    let categories = fields::codes(o, f, "SJLB", &codes::CATEGORY);
    let sensitive = categories.iter().any(|c| SENSITIVE.contains(c));
    put_list(
        &mut out,
        "categories",
        categories.into_iter().map(Value::from).collect(),
    );

    let method = fields::code(o, f, "SQFS", &codes::GRANT_METHOD).and_then(|m| m.split_once('/'));
    let mut granted_by = Object::new();
    let mut evidence = Object::new();
    if let Some((kind, method)) = method {
        out.insert(
            "basis".into(),
            if sensitive {
                "SEPARATE_CONSENT"
            } else {
                "CONSENT"
            }
            .into(),
        );
        granted_by.insert("kind".into(), kind.into());
        evidence.insert("method".into(), method.into());
    }
    put(&mut granted_by, "name", o.text(f, "DQRXM"));
    put(
        &mut granted_by,
        "relation",
        fields::code(o, f, "DQRGX", &codes::RELATION),
    );
    put(&mut evidence, "reference", o.text(f, "PZBH"));
    put(&mut evidence, "capturedAt", fields::datetime(o, f, "SQSJ"));
    // Kept even when empty: the validator names what is missing from them.
    out.insert("grantedBy".into(), Value::Object(granted_by));
    out.insert("evidence".into(), Value::Object(evidence));

    put(&mut out, "validFrom", fields::date(o, f, "KSRQ"));
    put(&mut out, "validUntil", fields::date(o, f, "JZRQ"));
    put(
        &mut out,
        "status",
        fields::code(o, f, "ZT", &codes::CONSENT_STATUS),
    );
    put(&mut out, "withdrawnAt", fields::datetime(o, f, "CHSJ"));
    out
}

pub(super) fn write(doc: &Value, f: &mut Findings, participant: &str) -> Map<String, Value> {
    let mut out = Map::new();
    let put_s = |out: &mut Map<String, Value>, key: &str, value: Option<&str>| {
        put(out, key, value.map(str::to_owned));
    };
    put_s(&mut out, "SQBH", super::native_id(doc, f, participant));
    let senior = doc
        .get("senior")
        .and_then(|s| s.get("externalId"))
        .filter(|r| text(r, "participant") == Some(participant))
        .and_then(|r| text(r, "id"));
    if senior.is_none() {
        f.violation(
            "/senior",
            rule::NOT_REPRESENTABLE,
            format!("门户以自己的老人编号指代老人；此授权的老人引用不是 {participant} 的外部编号"),
            format!(
                "the portal names seniors by its own number; this consent's senior reference is no external id of {participant}"
            ),
        );
    }
    put_s(&mut out, "LNRBH", senior);
    put_s(&mut out, "SQDX", text(doc, "grantee"));
    let purposes = canonical::strings(doc, "purposes");
    put(
        &mut out,
        "SQMD",
        fields::write_codes(f, "/purposes", purposes, &codes::PURPOSE),
    );
    let categories = canonical::strings(doc, "categories");
    put(
        &mut out,
        "SJLB",
        fields::write_codes(f, "/categories", categories, &codes::CATEGORY),
    );
    let sensitive = canonical::strings(doc, "categories").any(|(_, c)| SENSITIVE.contains(&c));
    match text(doc, "basis") {
        Some("SEPARATE_CONSENT") if !sensitive => f.not_carried_because(
            "/basis",
            "门户按数据类别推定授权依据：不含敏感类别时读作 CONSENT",
            "the portal derives the basis from the categories: without a sensitive one it reads as CONSENT",
        ),
        Some("SEPARATE_CONSENT" | "CONSENT") => {}
        Some(other) => f.violation(
            "/basis",
            rule::NOT_REPRESENTABLE,
            format!("门户的授权只能表达同意或单独同意，不能表达依据 {other}"),
            format!("a portal consent says consent or separate consent only, not basis {other}"),
        ),
        None => {}
    }

    let granted_by = doc.get("grantedBy");
    let evidence = doc.get("evidence");
    let kind = granted_by.and_then(|g| text(g, "kind"));
    let method = evidence.and_then(|e| text(e, "method"));
    if let (Some(kind), Some(method)) = (kind, method) {
        match codes::GRANT_METHOD.native(&format!("{kind}/{method}")) {
            Some(code) => put_s(&mut out, "SQFS", Some(code)),
            None => f.violation(
                "/evidence/method",
                rule::NOT_REPRESENTABLE,
                format!("门户的授权方式不能表达由 {kind} 以 {method} 方式授权"),
                format!("the portal's consent methods cannot say {kind} by {method}"),
            ),
        }
    }
    if let Some(granted_by) = granted_by {
        put_s(&mut out, "DQRXM", text(granted_by, "name"));
        put_s(
            &mut out,
            "DQRGX",
            text(granted_by, "relation").and_then(|r| codes::RELATION.native(r)),
        );
    }
    if let Some(evidence) = evidence {
        put_s(&mut out, "PZBH", text(evidence, "reference"));
        put(
            &mut out,
            "SQSJ",
            fields::write_datetime(f, "/evidence/capturedAt", text(evidence, "capturedAt")),
        );
    }
    put(&mut out, "KSRQ", fields::write_date(text(doc, "validFrom")));
    put(
        &mut out,
        "JZRQ",
        fields::write_date(text(doc, "validUntil")),
    );
    match text(doc, "status") {
        Some("EXPIRED") => f.violation(
            "/status",
            rule::NOT_REPRESENTABLE,
            "门户的授权状态只有有效和已撤回，不能表达已过期",
            "a portal consent is active or withdrawn; it cannot say EXPIRED",
        ),
        status => put_s(
            &mut out,
            "ZT",
            status.and_then(|s| codes::CONSENT_STATUS.native(s)),
        ),
    }
    put(
        &mut out,
        "CHSJ",
        fields::write_datetime(f, "/withdrawnAt", text(doc, "withdrawnAt")),
    );
    super::server_set(doc, f, &["capturedBy", "withdrawalReason"]);
    out
}
