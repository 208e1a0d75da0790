//! What each kind of participant may call (DESIGN §4.5), checked right after
//! authentication on every request, REST and gRPC alike. Ownership of a listing is
//! checked where the listing is read (`domain::resource`).
//!
//! Senior data is released under consent. At this gate: one profile (`GET`), consents
//! and the access history are open to every kind, and their handlers check the caller
//! against the senior (holder, active grants); the kinds that collect profiles register
//! and change them; every kind but regulators records services (the handler checks the
//! SERVICE_DELIVERY basis per record); everything else on seniors' data (lists,
//! searches, reading service records, native lists) stays the operator's until consent
//! covers it.

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
    if let Some(native) = path.strip_prefix("/v1/native/") {
        // `{format}/{kind}`: provider listings carry no personal data.
        return if native.ends_with("/provider") {
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

/// Reading one senior's profile: its handler decides what to release and audits that
/// decision itself, with the categories released.
pub fn audited_by_handler(method: &Method, path: &str) -> bool {
    is_senior_read(method, path)
}

fn is_senior_read(method: &Method, path: &str) -> bool {
    if path == "/jiayang.v1.SeniorService/GetSenior" {
        return true;
    }
    *method == Method::GET
        && path
            .strip_prefix("/v1/seniors/")
            .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
}

/// Routes on seniors' data whose handlers check the caller against the senior (holder,
/// grants) themselves: open to every kind at this gate.
fn decided_by_handler(method: &Method, path: &str) -> bool {
    is_senior_read(method, path)
        || path.starts_with("/v1/consents")
        || path.starts_with("/jiayang.v1.ConsentService/")
        || (path.starts_with("/v1/seniors/")
            && (path.ends_with("/consents") || path.ends_with("/access-history")))
}

/// Registering and changing senior profiles, one at a time or in bulk (a station's
/// ledger): the kinds that collect them. The registrant holds what it registers.
fn registers_seniors(method: &Method, path: &str) -> bool {
    let rest = matches!(
        (method.as_str(), path),
        ("POST", "/v1/seniors") | ("POST", "/v1/seniors:batchCreate") | ("PUT", _)
    ) && path.starts_with("/v1/seniors");
    let native =
        *method == Method::POST && path.starts_with("/v1/native/") && path.ends_with("/senior");
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
        || (*method == Method::POST
            && path.starts_with("/v1/native/")
            && path.ends_with("/service-record"));
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
    if caller.kind == Operator {
        return Ok(());
    }
    match area(path) {
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
        Area::SeniorData => Err(ApiError::PermissionDenied(
            "this gateway version releases seniors' data to other participants only one profile at a time, under consent (GET /v1/seniors/{id}); lists, searches, bulk and service-record access are the operator's until consent covers them".into(),
        )),
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
    fn senior_data_is_gated_by_kind_and_left_to_handlers_where_they_check_grants() {
        for kind in ParticipantKind::ALL {
            let who = caller(kind);
            for (method, path) in [
                (Method::GET, "/v1/seniors"),
                (Method::POST, "/v1/seniors:lookup"),
                (Method::GET, "/v1/service-records"),
                (Method::POST, "/jiayang.v1.SeniorService/ListSeniors"),
                (Method::GET, "/v1/native/housekeeping-app/customer"),
                (Method::GET, "/v1/participants"),
                (Method::POST, "/v1/participants/hk-daojia:rotate"),
            ] {
                let allowed = check(&who, &method, path).is_ok();
                assert_eq!(allowed, kind == ParticipantKind::Operator, "{kind} {path}");
            }
            assert!(touches_senior_data("/jiayang.v1.ConsentService/GetConsent"));
            // One profile, consents and access history: the handler decides, by holder
            // and grants.
            for (method, path) in [
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
            // Services are recorded by every kind but regulators; the handler checks the
            // basis for each record.
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
                assert_eq!(allowed, kind != ParticipantKind::Regulator, "{kind} {path}");
            }
            // Profiles are registered by the kinds that collect them.
            let collects = matches!(
                kind,
                ParticipantKind::Operator
                    | ParticipantKind::ElderCarePortal
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
