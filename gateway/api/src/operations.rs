//! Where each domain [`Operation`] is on the wire: its REST route and its gRPC method.
//! This one list is what the REST router registers (`rest::routes`), what the OpenAPI
//! document describes (`openapi`), and how the server finds the operation of a request
//! to check its access rule (`jiayang_domain::access`) and audit it.

use std::{collections::HashMap, sync::LazyLock};

use http::Method;
use jiayang_domain::Operation;

/// An operation's REST route and gRPC method (either may be absent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wire {
    pub rest: Option<(Method, &'static str)>,
    /// The full gRPC path, `/jiayang.v1.SeniorService/CreateSenior`.
    pub grpc: Option<&'static str>,
}

const fn both(method: Method, path: &'static str, grpc: &'static str) -> Wire {
    Wire {
        rest: Some((method, path)),
        grpc: Some(grpc),
    }
}

const fn rest(method: Method, path: &'static str) -> Wire {
    Wire {
        rest: Some((method, path)),
        grpc: None,
    }
}

/// The wire names of every operation.
pub fn wire(operation: Operation) -> Wire {
    use Method as M;
    use Operation::*;
    match operation {
        CreateSenior => both(
            M::POST,
            "/v1/seniors",
            "/jiayang.v1.SeniorService/CreateSenior",
        ),
        BatchCreateSeniors => both(
            M::POST,
            "/v1/seniors:batchCreate",
            "/jiayang.v1.SeniorService/BatchCreateSeniors",
        ),
        GetSenior => both(
            M::GET,
            "/v1/seniors/{id}",
            "/jiayang.v1.SeniorService/GetSenior",
        ),
        UpdateSenior => both(
            M::PUT,
            "/v1/seniors/{id}",
            "/jiayang.v1.SeniorService/UpdateSenior",
        ),
        ListSeniors => both(
            M::GET,
            "/v1/seniors",
            "/jiayang.v1.SeniorService/ListSeniors",
        ),
        LookupSenior => both(
            M::POST,
            "/v1/seniors:lookup",
            "/jiayang.v1.SeniorService/LookupSenior",
        ),
        SeniorAccessHistory => rest(M::GET, "/v1/seniors/{id}/access-history"),
        ListSeniorConsents => both(
            M::GET,
            "/v1/seniors/{id}/consents",
            "/jiayang.v1.ConsentService/ListConsents",
        ),
        CreateConsent => both(
            M::POST,
            "/v1/consents",
            "/jiayang.v1.ConsentService/CreateConsent",
        ),
        GetConsent => both(
            M::GET,
            "/v1/consents/{id}",
            "/jiayang.v1.ConsentService/GetConsent",
        ),
        WithdrawConsent => both(
            M::POST,
            "/v1/consents/{id}:withdraw",
            "/jiayang.v1.ConsentService/WithdrawConsent",
        ),
        CreateServiceRecord => both(
            M::POST,
            "/v1/service-records",
            "/jiayang.v1.ServiceRecordService/CreateServiceRecord",
        ),
        BatchCreateServiceRecords => both(
            M::POST,
            "/v1/service-records:batchCreate",
            "/jiayang.v1.ServiceRecordService/BatchCreateServiceRecords",
        ),
        ImportServiceRecords => Wire {
            rest: None,
            grpc: Some("/jiayang.v1.ServiceRecordService/ImportServiceRecords"),
        },
        GetServiceRecord => both(
            M::GET,
            "/v1/service-records/{id}",
            "/jiayang.v1.ServiceRecordService/GetServiceRecord",
        ),
        UpdateServiceRecord => both(
            M::PUT,
            "/v1/service-records/{id}",
            "/jiayang.v1.ServiceRecordService/UpdateServiceRecord",
        ),
        ListServiceRecords => both(
            M::GET,
            "/v1/service-records",
            "/jiayang.v1.ServiceRecordService/ListServiceRecords",
        ),
        LookupServiceRecord => both(
            M::POST,
            "/v1/service-records:lookup",
            "/jiayang.v1.ServiceRecordService/LookupServiceRecord",
        ),
        CreateProvider => both(
            M::POST,
            "/v1/providers",
            "/jiayang.v1.ProviderService/CreateProvider",
        ),
        BatchCreateProviders => both(
            M::POST,
            "/v1/providers:batchCreate",
            "/jiayang.v1.ProviderService/BatchCreateProviders",
        ),
        GetProvider => both(
            M::GET,
            "/v1/providers/{id}",
            "/jiayang.v1.ProviderService/GetProvider",
        ),
        UpdateProvider => both(
            M::PUT,
            "/v1/providers/{id}",
            "/jiayang.v1.ProviderService/UpdateProvider",
        ),
        ListProviders => both(
            M::GET,
            "/v1/providers",
            "/jiayang.v1.ProviderService/ListProviders",
        ),
        LookupProvider => both(
            M::POST,
            "/v1/providers:lookup",
            "/jiayang.v1.ProviderService/LookupProvider",
        ),
        CreateWorker => both(
            M::POST,
            "/v1/providers/{id}/workers",
            "/jiayang.v1.ProviderService/CreateWorker",
        ),
        GetWorker => both(
            M::GET,
            "/v1/providers/{id}/workers/{worker_id}",
            "/jiayang.v1.ProviderService/GetWorker",
        ),
        UpdateWorker => both(
            M::PUT,
            "/v1/providers/{id}/workers/{worker_id}",
            "/jiayang.v1.ProviderService/UpdateWorker",
        ),
        ListWorkers => both(
            M::GET,
            "/v1/providers/{id}/workers",
            "/jiayang.v1.ProviderService/ListWorkers",
        ),
        ListServiceItems => both(
            M::GET,
            "/v1/catalog/service-items",
            "/jiayang.v1.CatalogService/ListServiceItems",
        ),
        ListAlerts => both(M::GET, "/v1/alerts", "/jiayang.v1.AlertService/ListAlerts"),
        GetAlert => both(
            M::GET,
            "/v1/alerts/{id}",
            "/jiayang.v1.AlertService/GetAlert",
        ),
        AcknowledgeAlert => both(
            M::POST,
            "/v1/alerts/{id}:acknowledge",
            "/jiayang.v1.AlertService/AcknowledgeAlert",
        ),
        ResolveAlert => both(
            M::POST,
            "/v1/alerts/{id}:resolve",
            "/jiayang.v1.AlertService/ResolveAlert",
        ),
        ListEvents => rest(M::GET, "/v1/events"),
        SubscribeEvents => Wire {
            rest: None,
            grpc: Some("/jiayang.v1.EventService/Subscribe"),
        },
        ListWebhookDeliveries => rest(M::GET, "/v1/webhook-deliveries"),
        RedeliverWebhook => rest(M::POST, "/v1/webhook-deliveries/{id}:redeliver"),
        GetAuditCheckpoint => rest(M::GET, "/v1/audit/checkpoints/{seq}"),
        ImportNative => rest(M::POST, "/v1/native/{format}/{kind}"),
        ExportNative => rest(M::GET, "/v1/native/{format}/{kind}"),
        ListParticipants => rest(M::GET, "/v1/participants"),
        AddParticipant => rest(M::POST, "/v1/participants"),
        SuspendParticipant => rest(M::POST, "/v1/participants/{id}:suspend"),
        ResumeParticipant => rest(M::POST, "/v1/participants/{id}:resume"),
        RotateParticipant => rest(M::POST, "/v1/participants/{id}:rotate"),
        SetWebhook => rest(M::PUT, "/v1/participants/{id}/webhook"),
    }
}

/// The REST route of an operation that has one.
pub(crate) fn rest_route(operation: Operation) -> (Method, &'static str) {
    wire(operation)
        .rest
        .unwrap_or_else(|| panic!("{operation} has no REST route"))
}

/// A route whose last segment is `{id}:verb` (a custom method on one resource): the
/// router serves the path up to `{id}` and the verb is read from the request's path.
pub(crate) fn custom_verb(path: &str) -> Option<(&str, &str)> {
    path.rsplit_once("}:")
        .map(|(base, verb)| (&path[..base.len() + 1], verb))
}

static BY_ROUTE: LazyLock<HashMap<(Method, &'static str), Operation>> = LazyLock::new(|| {
    Operation::ALL
        .iter()
        .copied()
        .filter_map(|operation| wire(operation).rest.map(|route| (route, operation)))
        .collect()
});

static BY_METHOD: LazyLock<HashMap<&'static str, Operation>> = LazyLock::new(|| {
    Operation::ALL
        .iter()
        .copied()
        .filter_map(|operation| wire(operation).grpc.map(|path| (path, operation)))
        .collect()
});

/// The operation a REST request calls: by its method and the route template that
/// matched (for `{id}:verb` routes, with the verb of the concrete `path`).
pub fn of_rest(method: &Method, template: &str, path: &str) -> Option<Operation> {
    let route = route_of(template, path);
    BY_ROUTE.get(&(method.clone(), route.as_ref())).copied()
}

/// The methods a served route takes, as an `Allow` header (`GET, POST`); `None` when no
/// operation is at the route (an unknown `:verb`).
pub fn allowed_methods(template: &str, path: &str) -> Option<&'static str> {
    let route = route_of(template, path);
    ALLOWED.get(route.as_ref()).map(String::as_str)
}

/// The route an operation is registered under: the template, or for a template that
/// ends in a parameter and a path whose last segment holds a verb, `{template}:{verb}`.
fn route_of<'a>(template: &'a str, path: &str) -> std::borrow::Cow<'a, str> {
    let verb = path
        .rsplit('/')
        .next()
        .and_then(|segment| segment.rsplit_once(':'))
        .map(|(_, verb)| verb);
    match verb {
        Some(verb) if template.ends_with('}') => format!("{template}:{verb}").into(),
        _ => template.into(),
    }
}

static ALLOWED: LazyLock<HashMap<&'static str, String>> = LazyLock::new(|| {
    let mut methods: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
    for (method, route) in BY_ROUTE.keys() {
        methods.entry(route).or_default().push(method.as_str());
    }
    methods
        .into_iter()
        .map(|(route, mut methods)| {
            methods.sort_unstable();
            (route, methods.join(", "))
        })
        .collect()
});

/// The operation a gRPC request calls, by its path.
pub fn of_grpc(path: &str) -> Option<Operation> {
    BY_METHOD.get(path).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_and_method_names_one_operation() {
        let mut routes = std::collections::HashSet::new();
        let mut methods = std::collections::HashSet::new();
        for operation in Operation::ALL.iter().copied() {
            let wire = wire(operation);
            assert!(
                wire.rest.is_some() || wire.grpc.is_some(),
                "{operation} is on no wire"
            );
            if let Some(route) = wire.rest {
                assert!(
                    routes.insert(route.clone()),
                    "{route:?} names two operations"
                );
                let (method, template) = route;
                let concrete = template.replace("{id}", "x1").replace("{worker_id}", "y");
                let matched = custom_verb(template).map_or(template, |(base, _)| base);
                assert_eq!(
                    of_rest(&method, matched, &concrete),
                    Some(operation),
                    "{template}"
                );
            }
            if let Some(path) = wire.grpc {
                assert!(methods.insert(path), "{path} names two operations");
                assert_eq!(of_grpc(path), Some(operation));
            }
        }
        assert_eq!(
            of_rest(
                &Method::POST,
                "/v1/participants/{id}",
                "/v1/participants/a:b"
            ),
            None
        );
    }

    #[test]
    fn every_grpc_method_of_the_proto_is_an_operation() {
        for path in crate::grpc::methods() {
            let ours = path.starts_with("/jiayang.");
            assert_eq!(of_grpc(path).is_some(), ours, "{path}");
        }
    }

    #[test]
    fn custom_verbs_split_off_the_served_path() {
        assert_eq!(
            custom_verb("/v1/participants/{id}:rotate"),
            Some(("/v1/participants/{id}", "rotate"))
        );
        assert_eq!(custom_verb("/v1/seniors:lookup"), None);
    }
}
