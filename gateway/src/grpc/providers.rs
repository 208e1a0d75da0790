use jiayang_proto::v1::{
    BatchCreateProvidersRequest, BatchCreateResponse, CreateWorkerRequest, GetRequest,
    GetWorkerRequest, ListProvidersRequest, ListProvidersResponse, ListWorkersRequest,
    ListWorkersResponse, LookupRequest, ProviderListing, UpdateProviderRequest,
    UpdateWorkerRequest, Worker, lookup_request::Key, provider_service_server::ProviderService,
};
use tonic::{Request, Response, Status};

use super::convert::*;
use crate::{
    app::AppState,
    domain::references::invalid_lookup,
    domain::{
        PageRequest,
        providers::{ProviderFilter, Providers},
        resource::{self, Resource},
        workers::Workers,
    },
    error::ApiError,
};

pub struct Service(pub AppState);

#[tonic::async_trait]
impl ProviderService for Service {
    async fn create_provider(
        &self,
        request: Request<ProviderListing>,
    ) -> Result<Response<ProviderListing>, Status> {
        let (lang, caller) = (lang(&request), caller(&request)?);
        let body = to_json(request.get_ref());
        let key = idempotency_key(&request, "prv", &body)?;
        let created = resource::create::<Providers>(&self.0.gateway, &caller, None, body, key)
            .await
            .map_err(status(lang))?;
        Ok(Response::new(from_json(created.resource, lang)?))
    }

    async fn get_provider(
        &self,
        request: Request<GetRequest>,
    ) -> Result<Response<ProviderListing>, Status> {
        let (lang, _caller) = (lang(&request), caller(&request)?);
        let found = resource::get::<Providers>(&self.0.gateway, None, &request.get_ref().id)
            .await
            .map_err(status(lang))?;
        Ok(Response::new(from_json(found, lang)?))
    }

    async fn update_provider(
        &self,
        request: Request<UpdateProviderRequest>,
    ) -> Result<Response<ProviderListing>, Status> {
        let (lang, caller) = (lang(&request), caller(&request)?);
        let update = request.into_inner();
        let body = to_json(&update.provider.unwrap_or_default());
        let version = expected_version(update.expected_version);
        let updated = resource::update::<Providers>(
            &self.0.gateway,
            &caller,
            None,
            &update.id,
            body,
            version,
        )
        .await
        .map_err(status(lang))?;
        Ok(Response::new(from_json(updated, lang)?))
    }

    async fn list_providers(
        &self,
        request: Request<ListProvidersRequest>,
    ) -> Result<Response<ListProvidersResponse>, Status> {
        let (lang, _caller) = (lang(&request), caller(&request)?);
        let q = request.into_inner();
        let page = PageRequest {
            page_size: page_size(q.page_size),
            page_token: given(&q.page_token).map(str::to_owned),
        };
        let owned = |text: &str| given(text).map(str::to_owned);
        let filter = ProviderFilter {
            district: owned(&q.district),
            service_item: owned(&q.service_item),
            kind: owned(&q.kind),
            in_provider_library: q.in_provider_library,
        };
        let page = Providers::list(&self.0.gateway, &page, &filter)
            .await
            .map_err(status(lang))?;
        let providers = page
            .items
            .into_iter()
            .map(|v| from_json(v, lang))
            .collect::<Result<_, _>>()?;
        Ok(Response::new(ListProvidersResponse {
            providers,
            next_page_token: page.next_page_token.unwrap_or_default(),
        }))
    }

    async fn lookup_provider(
        &self,
        request: Request<LookupRequest>,
    ) -> Result<Response<ProviderListing>, Status> {
        let (lang, _caller) = (lang(&request), caller(&request)?);
        let found = match request.into_inner().key {
            Some(Key::ExternalId(external)) => {
                Providers::lookup_external(&self.0.gateway, &external.participant, &external.id)
                    .await
                    .map_err(status(lang))?
            }
            _ => return Err(invalid_lookup().to_status(lang)),
        };
        Ok(Response::new(from_json(
            found
                .ok_or(ApiError::NotFound(Providers::LABEL))
                .map_err(status(lang))?,
            lang,
        )?))
    }

    async fn batch_create_providers(
        &self,
        request: Request<BatchCreateProvidersRequest>,
    ) -> Result<Response<BatchCreateResponse>, Status> {
        let (lang, caller) = (lang(&request), caller(&request)?);
        let items = request.into_inner().providers.iter().map(to_json).collect();
        let results = resource::batch_create::<Providers>(&self.0.gateway, &caller, None, items)
            .await
            .map_err(status(lang))?;
        Ok(Response::new(batch_response(&results, lang)))
    }

    async fn create_worker(
        &self,
        request: Request<CreateWorkerRequest>,
    ) -> Result<Response<Worker>, Status> {
        let (lang, caller) = (lang(&request), caller(&request)?);
        let provider_id = request.get_ref().provider_id.clone();
        let body = to_json(&request.get_ref().worker.clone().unwrap_or_default());
        let key = idempotency_key(&request, &format!("wkr:{provider_id}"), &body)?;
        let created =
            resource::create::<Workers>(&self.0.gateway, &caller, Some(&provider_id), body, key)
                .await
                .map_err(status(lang))?;
        Ok(Response::new(from_json(created.resource, lang)?))
    }

    async fn get_worker(
        &self,
        request: Request<GetWorkerRequest>,
    ) -> Result<Response<Worker>, Status> {
        let (lang, _caller) = (lang(&request), caller(&request)?);
        let q = request.get_ref();
        let found = resource::get::<Workers>(&self.0.gateway, Some(&q.provider_id), &q.id)
            .await
            .map_err(status(lang))?;
        Ok(Response::new(from_json(found, lang)?))
    }

    async fn update_worker(
        &self,
        request: Request<UpdateWorkerRequest>,
    ) -> Result<Response<Worker>, Status> {
        let (lang, caller) = (lang(&request), caller(&request)?);
        let update = request.into_inner();
        let body = to_json(&update.worker.unwrap_or_default());
        let version = expected_version(update.expected_version);
        let updated = resource::update::<Workers>(
            &self.0.gateway,
            &caller,
            Some(&update.provider_id),
            &update.id,
            body,
            version,
        )
        .await
        .map_err(status(lang))?;
        Ok(Response::new(from_json(updated, lang)?))
    }

    async fn list_workers(
        &self,
        request: Request<ListWorkersRequest>,
    ) -> Result<Response<ListWorkersResponse>, Status> {
        let (lang, _caller) = (lang(&request), caller(&request)?);
        let q = request.into_inner();
        let page = PageRequest {
            page_size: page_size(q.page_size),
            page_token: given(&q.page_token).map(str::to_owned),
        };
        let page = Workers::list(&self.0.gateway, &q.provider_id, &page)
            .await
            .map_err(status(lang))?;
        let workers = page
            .items
            .into_iter()
            .map(|v| from_json(v, lang))
            .collect::<Result<_, _>>()?;
        Ok(Response::new(ListWorkersResponse {
            workers,
            next_page_token: page.next_page_token.unwrap_or_default(),
        }))
    }
}
