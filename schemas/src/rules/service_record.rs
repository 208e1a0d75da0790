//! ServiceRecord rules (DESIGN §4.2).

use serde_json::Value;

use super::{
    Checker,
    common::{self, Object, array_field, object_field, str_field},
};
use crate::{reference::ServiceItem, rule};

pub(super) fn check(c: &mut Checker<'_>, doc: &Object) {
    common::senior_ref(c, doc);
    let keys = ["providerId", "externalId", "uscc"];
    if let Some(("uscc", Value::String(code))) = common::exactly_one(c, doc, "provider", keys) {
        common::uscc(c, "/provider/uscc", code);
    }
    let item = str_field(doc, "serviceItem");
    if let Some(code) = item {
        common::service_item(c, "/serviceItem", code);
    }
    scheduled(c, doc);
    presence(c, doc);
    worker_certificate(c, doc, item);
    charge(c, doc);
    observations(c, doc);
    common::past_timestamp(c, doc, "submittedAt", "/submittedAt");
}

fn scheduled(c: &mut Checker<'_>, doc: &Object) {
    let Some(scheduled) = object_field(doc, "scheduled") else {
        return;
    };
    let start =
        str_field(scheduled, "start").and_then(|t| common::timestamp(c, "/scheduled/start", t));
    let end = str_field(scheduled, "end").and_then(|t| common::timestamp(c, "/scheduled/end", t));
    if let (Some(start), Some(end)) = (start, end)
        && end <= start
    {
        c.report(
            "/scheduled/end",
            rule::SCHEDULE_END_BEFORE_START,
            "预约结束时间必须晚于开始时间",
            "the scheduled end must come after the start",
        );
    }
}

/// Check-in and check-out: present as the status demands, in order, in the past, in Beijing.
fn presence(c: &mut Checker<'_>, doc: &Object) {
    let status = str_field(doc, "status");
    let check_in = object_field(doc, "checkIn");
    let check_out = object_field(doc, "checkOut");
    if check_in.is_none() && matches!(status, Some("COMPLETED" | "IN_PROGRESS")) {
        c.report(
            "/checkIn",
            rule::CHECK_IN_REQUIRED,
            "状态为服务中或已完成的记录必须有签到",
            "a record IN_PROGRESS or COMPLETED needs a checkIn",
        );
    }
    if check_out.is_none() && status == Some("COMPLETED") {
        c.report(
            "/checkOut",
            rule::CHECK_OUT_REQUIRED,
            "已完成的记录必须有签退",
            "a COMPLETED record needs a checkOut",
        );
    }
    let at = |c: &mut Checker<'_>, presence: Option<&Object>, name: &str| {
        let presence = presence?;
        common::geo(c, presence, &format!("/{name}"));
        common::past_timestamp(c, presence, "at", &format!("/{name}/at"))
    };
    let arrived = at(c, check_in, "checkIn");
    let left = at(c, check_out, "checkOut");
    if let (Some(arrived), Some(left)) = (arrived, left)
        && left <= arrived
    {
        c.report(
            "/checkOut/at",
            rule::CHECK_OUT_BEFORE_CHECK_IN,
            "签退时间必须晚于签到时间",
            "checkOut.at must come after checkIn.at",
        );
    }
}

/// On-site work that has started needs the worker's 上门服务证 number.
fn worker_certificate(c: &mut Checker<'_>, doc: &Object, item: Option<&str>) {
    let started = matches!(str_field(doc, "status"), Some("IN_PROGRESS" | "COMPLETED"));
    let on_site = item
        .and_then(ServiceItem::get)
        .is_some_and(|item| item.on_site);
    let has_certificate =
        object_field(doc, "worker").is_some_and(|w| w.contains_key("certificateNo"));
    // A worker that is no object is already a type violation at `/worker`; a path into
    // it would point inside an array or a string.
    let malformed = doc
        .get("worker")
        .is_some_and(|w| !w.is_object() && !w.is_null());
    if started && on_site && !has_certificate && !malformed {
        c.report(
            "/worker/certificateNo",
            rule::WORKER_CERTIFICATE_REQUIRED,
            "上门服务开始后必须提供服务人员的上门服务证号",
            "an on-site service that has started needs the worker's certificateNo",
        );
    }
}

fn charge(c: &mut Checker<'_>, doc: &Object) {
    let Some(charge) = object_field(doc, "charge") else {
        return;
    };
    let fen = |key: &str| charge.get(key).and_then(Value::as_i64);
    if let (Some(total), Some(subsidy), Some(self_pay)) =
        (fen("totalFen"), fen("subsidyFen"), fen("selfPayFen"))
        // Two amounts whose sum leaves i64 are not the total either (and must not panic).
        && subsidy.checked_add(self_pay) != Some(total)
    {
        c.report(
            "/charge",
            rule::CHARGE_SUM,
            format!("补贴 {subsidy} 分加自付 {self_pay} 分不等于总额 {total} 分"),
            format!("subsidyFen {subsidy} plus selfPayFen {self_pay} is not totalFen {total}"),
        );
    }
}

fn observations(c: &mut Checker<'_>, doc: &Object) {
    for (i, observation) in array_field(doc, "observations") {
        let Some(observation) = observation.as_object() else {
            continue;
        };
        match str_field(observation, "serviceItem") {
            Some(code) => common::service_item(c, &format!("/observations/{i}/serviceItem"), code),
            None if str_field(observation, "code") == Some("NEEDS_SERVICE") => c.report(
                format!("/observations/{i}/serviceItem"),
                rule::OBSERVATION_SERVICE_ITEM_REQUIRED,
                "“需要服务”类发现必须注明所需的服务项目",
                "a NEEDS_SERVICE observation names the wanted serviceItem",
            ),
            None => {}
        }
    }
}
