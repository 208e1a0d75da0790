//! What each kind of participant may call (DESIGN §4.5), checked right after
//! authentication on every request, REST and gRPC alike. Ownership of a listing is
//! checked where the listing is read (`domain::resource`).
//!
//! Senior data (profiles, service records, and native documents holding them) is
//! released under consent. Until consent enforcement is in place, only the operator
//! reaches it: other participants are refused rather than given data no grant covers.

use axum::http::Method;

use crate::{domain::Caller, error::ApiError, participants::ParticipantKind};

/// The part of the API a request is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Area {
    SeniorData,
    Providers,
    Catalog,
}

fn area(path: &str) -> Area {
    let senior_data = ["/v1/seniors", "/v1/service-records"];
    let senior_services = [
        "/jiayang.v1.SeniorService/",
        "/jiayang.v1.ServiceRecordService/",
    ];
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

/// Refuses what the caller's kind may not do.
pub fn check(caller: &Caller, method: &Method, path: &str) -> Result<(), ApiError> {
    use ParticipantKind::*;
    if caller.kind == Operator {
        return Ok(());
    }
    match area(path) {
        Area::Catalog => Ok(()),
        Area::Providers if !writes(method, path) => Ok(()),
        Area::Providers => match caller.kind {
            Regulator => Err(ApiError::PermissionDenied(
                "a regulator reads provider listings; it does not write them".into(),
            )),
            _ => Ok(()),
        },
        Area::SeniorData => Err(ApiError::PermissionDenied(
            "seniors' data is released under consent, which this gateway version does not enforce yet; until it does, only the operator reaches it".into(),
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
    fn participants_other_than_the_operator_never_reach_senior_data_yet() {
        for kind in ParticipantKind::ALL {
            let who = caller(kind);
            for (method, path) in [
                (Method::GET, "/v1/seniors/sen_1"),
                (Method::POST, "/v1/seniors:lookup"),
                (Method::GET, "/v1/service-records"),
                (Method::POST, "/jiayang.v1.SeniorService/GetSenior"),
                (
                    Method::POST,
                    "/jiayang.v1.ServiceRecordService/ImportServiceRecords",
                ),
                (Method::GET, "/v1/native/housekeeping-app/customer"),
                (Method::POST, "/v1/native/station-csv/senior"),
            ] {
                let allowed = check(&who, &method, path).is_ok();
                assert_eq!(allowed, kind == ParticipantKind::Operator, "{kind} {path}");
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
