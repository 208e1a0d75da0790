//! Consent rules (DESIGN §4.4): which lawful basis may cover which categories and
//! purposes, who granted it, and when it is valid.

use super::{
    Checker,
    common::{self, Object, array_field, object_field, str_field},
};
use crate::rule;

/// Categories PIPL art. 28 counts as sensitive; they need separate consent.
pub(crate) const SENSITIVE: [&str; 4] = ["IDENTITY", "HEALTH", "FINANCIAL", "LOCATION"];

pub(super) fn check(c: &mut Checker<'_>, doc: &Object) {
    common::senior_ref(c, doc);
    basis(c, doc);
    granted_by(c, doc);
    if let Some(evidence) = object_field(doc, "evidence") {
        common::past_timestamp(c, evidence, "capturedAt", "/evidence/capturedAt");
    }
    let from = str_field(doc, "validFrom").and_then(|d| common::date(c, "/validFrom", d));
    let until = str_field(doc, "validUntil").and_then(|d| common::date(c, "/validUntil", d));
    if let (Some(from), Some(until)) = (from, until)
        && until < from
    {
        c.report(
            "/validUntil",
            rule::VALIDITY_END_BEFORE_START,
            "有效期截止日不能早于起始日",
            "validUntil must not come before validFrom",
        );
    }
    if let Some(text) = str_field(doc, "withdrawnAt") {
        common::timestamp(c, "/withdrawnAt", text);
    }
}

/// What each basis may cover: `None` means anything.
fn allowed(
    basis: &str,
) -> (
    Option<&'static [&'static str]>,
    Option<&'static [&'static str]>,
) {
    match basis {
        // Plain consent covers only what is not sensitive.
        "CONSENT" => (Some(&["BASIC", "CONTACT"]), None),
        // The senior ordered this service: what the visit needs, for the visit only.
        "CONTRACT" => (
            Some(&["BASIC", "CONTACT", "LOCATION"]),
            Some(&["SERVICE_DELIVERY"]),
        ),
        // Protecting life and health in an emergency (PIPL art. 13(4)).
        "VITAL_INTEREST" => (None, Some(&["EMERGENCY"])),
        _ => (None, None),
    }
}

fn basis(c: &mut Checker<'_>, doc: &Object) {
    let Some(basis) = str_field(doc, "basis") else {
        return;
    };
    let (categories, purposes) = allowed(basis);
    if let Some(categories) = categories {
        for (i, category) in array_field(doc, "categories") {
            let Some(category) = category.as_str() else {
                continue;
            };
            if !categories.contains(&category) {
                let need = if SENSITIVE.contains(&category) {
                    "SEPARATE_CONSENT"
                } else {
                    "another basis"
                };
                c.report(
                    format!("/categories/{i}"),
                    rule::BASIS_NOT_ALLOWED,
                    format!("依据 {basis} 不能涵盖数据类别 {category}（需要 {need}）"),
                    format!("basis {basis} cannot cover category {category} (needs {need})"),
                );
            }
        }
    }
    if let Some(purposes) = purposes {
        for (i, purpose) in array_field(doc, "purposes") {
            let Some(purpose) = purpose.as_str() else {
                continue;
            };
            if !purposes.contains(&purpose) {
                let allowed = purposes.join(", ");
                c.report(
                    format!("/purposes/{i}"),
                    rule::BASIS_NOT_ALLOWED,
                    format!("依据 {basis} 只能用于目的 {allowed}，不能用于 {purpose}"),
                    format!("basis {basis} serves only {allowed}, not {purpose}"),
                );
            }
        }
    }
}

fn granted_by(c: &mut Checker<'_>, doc: &Object) {
    let Some(granted_by) = object_field(doc, "grantedBy") else {
        return;
    };
    if str_field(granted_by, "kind") != Some("GUARDIAN") {
        return;
    }
    for key in ["name", "relation"] {
        if !granted_by.contains_key(key) {
            c.report(
                format!("/grantedBy/{key}"),
                rule::GUARDIAN_DETAILS_REQUIRED,
                format!("监护人代为授权时必须提供 {key}"),
                format!("a consent granted by a GUARDIAN needs the guardian's {key}"),
            );
        }
    }
}
