//! The REST API (axum). Handlers only convert: path, query, headers and JSON in; one
//! domain call; JSON out. Errors are returned as [`ApiError`] and rendered once, in the
//! caller's language, by [`problems`]. Routes are registered from
//! [`crate::operations`], so every one names its operation.

mod alerts;
mod checkpoints;
mod consents;
mod events;
mod extract;
mod native;
mod participants;
mod providers;
mod records;
mod reply;
mod resource;
mod seniors;
mod webhooks;

use std::collections::HashSet;

use axum::{
    Router,
    extract::Request,
    handler::Handler,
    middleware::{self, Next},
    response::Response,
    routing::{MethodFilter, on},
};
use jiayang_domain::{
    Consents, Gateway, Operation, Operation::*, Providers, Seniors, ServiceRecords,
};

use crate::{
    error::ApiError,
    operations::{custom_verb, rest_route},
    request::{RequestId, RequestLang, call_of},
};

/// Every REST route of the API (operations endpoints are the server's).
pub fn routes() -> Router<Gateway> {
    Routes::default()
        .add(CreateSenior, resource::create::<Seniors>)
        .add(BatchCreateSeniors, resource::batch_create::<Seniors>)
        .add(GetSenior, seniors::get)
        .add(UpdateSenior, resource::update::<Seniors>)
        .add(ListSeniors, seniors::list)
        .add(LookupSenior, seniors::lookup)
        .add(SeniorAccessHistory, seniors::access_history)
        .add(ListSeniorConsents, seniors::consents)
        .add(CreateConsent, resource::create::<Consents>)
        .add(GetConsent, consents::get)
        .add(WithdrawConsent, consents::action)
        .add(CreateServiceRecord, resource::create::<ServiceRecords>)
        .add(
            BatchCreateServiceRecords,
            resource::batch_create::<ServiceRecords>,
        )
        .add(GetServiceRecord, records::get)
        .add(UpdateServiceRecord, resource::update::<ServiceRecords>)
        .add(ListServiceRecords, records::list)
        .add(LookupServiceRecord, records::lookup)
        .add(CreateProvider, resource::create::<Providers>)
        .add(BatchCreateProviders, resource::batch_create::<Providers>)
        .add(GetProvider, resource::fetch::<Providers>)
        .add(UpdateProvider, resource::update::<Providers>)
        .add(ListProviders, providers::list)
        .add(LookupProvider, resource::lookup::<Providers>)
        .add(CreateWorker, providers::create_worker)
        .add(GetWorker, providers::get_worker)
        .add(UpdateWorker, providers::update_worker)
        .add(ListWorkers, providers::list_workers)
        .add(ListServiceItems, providers::service_items)
        .add(ListAlerts, alerts::list)
        .add(GetAlert, alerts::get)
        .add(AcknowledgeAlert, alerts::action)
        .add(ResolveAlert, alerts::action)
        .add(ListEvents, events::list)
        .add(ListWebhookDeliveries, webhooks::list)
        .add(RedeliverWebhook, webhooks::redeliver)
        .add(GetAuditCheckpoint, checkpoints::get)
        .add(SetWebhook, webhooks::set)
        .add(ImportNative, native::import)
        .add(ExportNative, native::export)
        .add(ListParticipants, participants::list)
        .add(AddParticipant, participants::add)
        .add(SuspendParticipant, participants::action)
        .add(ResumeParticipant, participants::action)
        .add(RotateParticipant, participants::action)
        .router
        .layer(middleware::from_fn(problems))
}

/// The router under construction, registering each operation at its route.
#[derive(Default)]
struct Routes {
    router: Router<Gateway>,
    /// `{id}:verb` routes share one served path (`…/{id}`) and one handler, which reads
    /// the verb; the path is registered for the first of them.
    verb_paths: HashSet<&'static str>,
}

impl Routes {
    fn add<H, T>(mut self, operation: Operation, handler: H) -> Self
    where
        H: Handler<T, Gateway>,
        T: 'static,
    {
        let (method, path) = rest_route(operation);
        let path = match custom_verb(path) {
            Some((served, _)) if !self.verb_paths.insert(served) => return self,
            Some((served, _)) => served,
            None => path,
        };
        let filter = MethodFilter::try_from(method).expect("the API's methods are standard");
        self.router = self.router.route(path, on(filter, handler));
        self
    }
}

/// Renders an [`ApiError`] a handler answered with into a problem document (in the
/// caller's language, with the request id), and records it as the call's outcome in its
/// audit trail.
pub async fn problems(request: Request, next: Next) -> Response {
    let lang = RequestLang::of(request.extensions());
    let request_id = RequestId::of(request.extensions()).to_owned();
    let trail = call_of(request.extensions()).map(|call| call.trail.clone());
    let mut response = next.run(request).await;
    match response.extensions_mut().remove::<ApiError>() {
        Some(error) => {
            if let Some(trail) = &trail {
                trail.failed(error.refusal());
            }
            error.render(lang, &request_id)
        }
        None => response,
    }
}
