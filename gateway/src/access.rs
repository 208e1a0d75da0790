//! What each kind of participant may call (DESIGN §4.5), checked right after
//! authentication on every request, REST and gRPC alike. Ownership of a listing is
//! checked where the listing is read (`domain::resource`).
//!
//! Seniors' data: every read, and consents, pass this gate for every kind and are
//! decided per senior by their handlers (`domain::release`, `domain::consents`); the
//! kinds that collect profiles register and change them; every kind but regulators and
//! the operator records services (the handler checks the SERVICE_DELIVERY basis per
//! record). The operator holds no personal data, so it does neither.

use axum::http::Method;

use crate::{domain::Caller, error::ApiError, participants::ParticipantKind};

/// The part of the API a request is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Area {
    /// The participant registry: the operator's alone.
    Registry,
    SeniorData,
    Providers,
    Catalog,
}

fn area(path: &str) -> Area {
    let senior_data = ["/v1/seniors", "/v1/service-records", "/v1/consents"];
    let senior_services = [
        "/jiayang.v1.SeniorService/",
        "/jiayang.v1.ServiceRecordService/",
        "/jiayang.v1.ConsentService/",
    ];
    if path.starts_with("/v1/participants") {
        return Area::Registry;
    }
    if path.starts_with("/v1/native/") {
        // `{format}/{kind}`: provider listings carry no personal data.
        return if native_kind(path).as_deref() == Some("provider") {
            Area::Providers
        } else {
            Area::SeniorData
        };
    }
    if senior_data.iter().any(|p| path.starts_with(p))
        || senior_services.iter().any(|p| path.starts_with(p))
    {
        Area::SeniorData
    } else if path.starts_with("/v1/catalog") || path.starts_with("/jiayang.v1.CatalogService/") {
        Area::Catalog
    } else {
        Area::Providers
    }
}

/// Whether a request changes something: REST methods other than GET (a `:lookup` is a
/// search by POST), gRPC methods that create, update or import.
fn writes(method: &Method, path: &str) -> bool {
    if let Some(grpc_method) = path
        .rsplit('/')
        .next()
        .filter(|_| path.starts_with("/jiayang."))
    {
        return ["Create", "Update", "BatchCreate", "Import"]
            .iter()
            .any(|verb| grpc_method.starts_with(verb));
    }
    method != Method::GET && !path.ends_with(":lookup")
}

/// Whether a request touches seniors' data (and so is written to the audit log).
pub fn touches_senior_data(path: &str) -> bool {
    area(path) == Area::SeniorData
}

/// Routes on seniors' data whose handlers check the caller against each senior
/// (holder, grants, statutory role) themselves: every read, and consents (their
/// handlers check that the caller holds the senior). Open to every kind at this gate.
fn decided_by_handler(method: &Method, path: &str) -> bool {
    !writes(method, path)
        || path.starts_with("/v1/consents")
        || path.starts_with("/jiayang.v1.ConsentService/")
        || native_kind(path)
            .is_some_and(|kind| !["senior", "customer", "service-record"].contains(&kind.as_str()))
}

/// The `{kind}` of a `/v1/native/{format}/{kind}` path, percent-decoded as the handler's
/// `Path` extractor decodes it: the gate must judge the kind the handler will act on
/// (`%73enior` is `senior`). A kind that is not UTF-8 is no kind the handler takes.
fn native_kind(path: &str) -> Option<String> {
    let (_, kind) = path.strip_prefix("/v1/native/")?.split_once('/')?;
    percent_encoding::percent_decode_str(kind)
        .decode_utf8()
        .ok()
        .map(|kind| kind.into_owned())
}

/// Registering and changing senior profiles, one at a time or in bulk (a station's
/// ledger): the kinds that collect them. The registrant holds what it registers.
fn registers_seniors(method: &Method, path: &str) -> bool {
    let rest = matches!(
        (method.as_str(), path),
        ("POST", "/v1/seniors") | ("POST", "/v1/seniors:batchCreate") | ("PUT", _)
    ) && path.starts_with("/v1/seniors");
    // A housekeeping app's customer is a senior profile too.
    let native = *method == Method::POST
        && native_kind(path).is_some_and(|kind| kind == "senior" || kind == "customer");
    let grpc = matches!(
        path,
        "/jiayang.v1.SeniorService/CreateSenior"
            | "/jiayang.v1.SeniorService/UpdateSenior"
            | "/jiayang.v1.SeniorService/BatchCreateSeniors"
    );
    rest || native || grpc
}

/// Recording and changing service records (the handler checks the SERVICE_DELIVERY
/// basis per record, and that a changed record is the caller's own).
fn records_services(method: &Method, path: &str) -> bool {
    let rest = matches!(
        (method.as_str(), path),
        ("POST", "/v1/service-records") | ("POST", "/v1/service-records:batchCreate")
    ) || (*method == Method::PUT && path.starts_with("/v1/service-records/"))
        || (*method == Method::POST && native_kind(path).as_deref() == Some("service-record"));
    let grpc = [
        "CreateServiceRecord",
        "UpdateServiceRecord",
        "BatchCreateServiceRecords",
        "ImportServiceRecords",
    ]
    .iter()
    .any(|m| path == format!("/jiayang.v1.ServiceRecordService/{m}"));
    rest || grpc
}

/// Refuses what the caller's kind may not do.
pub fn check(caller: &Caller, method: &Method, path: &str) -> Result<(), ApiError> {
    use ParticipantKind::*;
    let area = area(path);
    if caller.kind == Operator {
        // It holds no personal data: it neither collects profiles nor records services.
        if area == Area::SeniorData
            && (registers_seniors(method, path) || records_services(method, path))
        {
            return Err(ApiError::PermissionDenied(
                "the operator holds no personal data: profiles are registered and services recorded by participants".into(),
            ));
        }
        return Ok(());
    }
    match area {
        Area::Registry => Err(ApiError::PermissionDenied(
            "only the operator manages participants".into(),
        )),
        Area::Catalog => Ok(()),
        Area::Providers if !writes(method, path) => Ok(()),
        Area::Providers => match caller.kind {
            Regulator => Err(ApiError::PermissionDenied(
                "a regulator reads provider listings; it does not write them".into(),
            )),
            _ => Ok(()),
        },
        Area::SeniorData if decided_by_handler(method, path) => Ok(()),
        Area::SeniorData
            if registers_seniors(method, path)
                && matches!(
                    caller.kind,
                    ElderCarePortal | ElderCareInstitution | CommunityStation
                ) =>
        {
            Ok(())
        }
        Area::SeniorData if records_services(method, path) && caller.kind != Regulator => Ok(()),
        Area::SeniorData if registers_seniors(method, path) => Err(ApiError::PermissionDenied(
            format!("a {} does not register senior profiles", caller.kind),
        )),
        Area::SeniorData if records_services(method, path) => Err(ApiError::PermissionDenied(
            "a regulator reads service records; it does not write them".into(),
        )),
        Area::SeniorData => Err(ApiError::PermissionDenied(format!(
            "a {} may not do this",
            caller.kind
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(kind: ParticipantKind) -> Caller {
        Caller {
            participant: "p".into(),
            kind,
        }
    }

    #[test]
    fn senior_data_is_gated_by_kind_and_left_to_handlers_where_they_check_each_senior() {
        for kind in ParticipantKind::ALL {
            let who = caller(kind);
            let operator = kind == ParticipantKind::Operator;
            for (method, path) in [
                (Method::GET, "/v1/participants"),
                (Method::POST, "/v1/participants/hk-daojia:rotate"),
            ] {
                assert_eq!(
                    check(&who, &method, path).is_ok(),
                    operator,
                    "{kind} {path}"
                );
            }
            assert!(touches_senior_data("/jiayang.v1.ConsentService/GetConsent"));
            // Reads, consents and the access history: the handler decides, senior by
            // senior, by holder, grants and statutory role.
            for (method, path) in [
                (Method::GET, "/v1/seniors"),
                (Method::POST, "/v1/seniors:lookup"),
                (Method::GET, "/v1/service-records"),
                (Method::GET, "/v1/service-records/rec_1"),
                (Method::POST, "/v1/service-records:lookup"),
                (Method::POST, "/jiayang.v1.SeniorService/ListSeniors"),
                (
                    Method::POST,
                    "/jiayang.v1.ServiceRecordService/GetServiceRecord",
                ),
                (Method::GET, "/v1/native/housekeeping-app/customer"),
                (Method::GET, "/v1/seniors/sen_1"),
                (Method::POST, "/jiayang.v1.SeniorService/GetSenior"),
                (Method::POST, "/v1/consents"),
                (Method::POST, "/v1/consents/cns_1:withdraw"),
                (Method::POST, "/jiayang.v1.ConsentService/WithdrawConsent"),
                (Method::GET, "/v1/seniors/sen_1/consents"),
                (Method::GET, "/v1/seniors/sen_1/access-history"),
            ] {
                assert!(check(&who, &method, path).is_ok(), "{kind} {path}");
            }
            // Services are recorded by every kind but regulators and the operator; the
            // handler checks the basis for each record.
            for (method, path) in [
                (Method::POST, "/v1/service-records"),
                (Method::POST, "/v1/service-records:batchCreate"),
                (Method::PUT, "/v1/service-records/rec_1"),
                (
                    Method::POST,
                    "/jiayang.v1.ServiceRecordService/ImportServiceRecords",
                ),
                (Method::POST, "/v1/native/housekeeping-app/service-record"),
            ] {
                let allowed = check(&who, &method, path).is_ok();
                let records =
                    !matches!(kind, ParticipantKind::Regulator | ParticipantKind::Operator);
                assert_eq!(allowed, records, "{kind} {path}");
            }
            // Profiles are registered by the kinds that collect them.
            let collects = matches!(
                kind,
                ParticipantKind::ElderCarePortal
                    | ParticipantKind::ElderCareInstitution
                    | ParticipantKind::CommunityStation
            );
            for (method, path) in [
                (Method::POST, "/v1/seniors"),
                (Method::POST, "/v1/seniors:batchCreate"),
                (Method::POST, "/v1/native/station-csv/senior"),
                (Method::PUT, "/v1/seniors/sen_1"),
                (Method::POST, "/jiayang.v1.SeniorService/CreateSenior"),
            ] {
                assert_eq!(
                    check(&who, &method, path).is_ok(),
                    collects,
                    "{kind} {path}"
                );
            }
        }
    }

    #[test]
    fn an_encoded_native_kind_is_judged_as_the_handler_decodes_it() {
        for kind in ParticipantKind::ALL {
            let who = caller(kind);
            let collects = matches!(
                kind,
                ParticipantKind::ElderCarePortal
                    | ParticipantKind::ElderCareInstitution
                    | ParticipantKind::CommunityStation
            );
            for path in [
                "/v1/native/elder-portal/%73enior",
                "/v1/native/housekeeping-app/%63ustomer",
            ] {
                assert_eq!(
                    check(&who, &Method::POST, path).is_ok(),
                    collects,
                    "{kind} {path}"
                );
            }
            let records = !matches!(kind, ParticipantKind::Regulator | ParticipantKind::Operator);
            let path = "/v1/native/housekeeping-app/service%2Drecord";
            assert_eq!(
                check(&who, &Method::POST, path).is_ok(),
                records,
                "{kind} {path}"
            );
            let path = "/v1/native/housekeeping-app/%70rovider";
            let writes_listings = kind != ParticipantKind::Regulator;
            assert_eq!(
                check(&who, &Method::POST, path).is_ok(),
                writes_listings,
                "{kind} {path}"
            );
        }
    }

    #[test]
    fn listings_are_read_by_all_and_written_by_all_but_regulators() {
        for kind in ParticipantKind::ALL {
            let who = caller(kind);
            for (method, path) in [
                (Method::GET, "/v1/providers"),
                (Method::POST, "/v1/providers:lookup"),
                (Method::POST, "/jiayang.v1.ProviderService/ListProviders"),
                (Method::GET, "/v1/catalog/service-items"),
            ] {
                assert!(check(&who, &method, path).is_ok(), "{kind} {path}");
            }
            for (method, path) in [
                (Method::POST, "/v1/providers"),
                (Method::PUT, "/v1/providers/prv_1"),
                (Method::POST, "/v1/providers/prv_1/workers"),
                (Method::POST, "/jiayang.v1.ProviderService/CreateProvider"),
                (Method::POST, "/v1/native/housekeeping-app/provider"),
            ] {
                let allowed = check(&who, &method, path).is_ok();
                assert_eq!(allowed, kind != ParticipantKind::Regulator, "{kind} {path}");
            }
        }
    }
}
