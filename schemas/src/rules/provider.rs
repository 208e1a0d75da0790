//! ProviderListing rules (DESIGN §4.3).

use super::{
    Checker,
    common::{self, Object, array_field, object_field, str_field},
};

pub(super) fn check(c: &mut Checker<'_>, doc: &Object) {
    if let Some(code) = str_field(doc, "uscc") {
        common::uscc(c, "/uscc", code);
    }
    if let Some(credit) = object_field(doc, "credit") {
        common::past_date(c, credit, "checkedOn", "/credit/checkedOn");
    }
    for (i, offering) in array_field(doc, "offerings") {
        if let Some(code) = offering.get("serviceItem").and_then(|v| v.as_str()) {
            common::service_item(c, &format!("/offerings/{i}/serviceItem"), code);
        }
    }
    for (i, package) in array_field(doc, "packages") {
        let Some(package) = package.as_object() else {
            continue;
        };
        for (j, item) in array_field(package, "serviceItems") {
            if let Some(code) = item.as_str() {
                common::service_item(c, &format!("/packages/{i}/serviceItems/{j}"), code);
            }
        }
    }
    for (i, code) in array_field(doc, "serviceArea") {
        if let Some(code) = code.as_str() {
            common::division_code(c, &format!("/serviceArea/{i}"), code);
        }
    }
    for (i, point) in array_field(doc, "servicePoints") {
        let Some(point) = point.as_object() else {
            continue;
        };
        if let Some(code) = str_field(point, "divisionCode") {
            common::division_code(c, &format!("/servicePoints/{i}/divisionCode"), code);
        }
        common::geo(c, point, &format!("/servicePoints/{i}"));
    }
    common::phone(c, doc, "phone", "/phone");
}
