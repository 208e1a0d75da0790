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
        let body = to_json(request.get_ref());
        create::<Providers, _, _>(&self.0.gateway, &request, None, Providers::PREFIX, body).await
    }

    async fn get_provider(
        &self,
        request: Request<GetRequest>,
    ) -> Result<Response<ProviderListing>, Status> {
        get::<Providers, _, _>(&self.0.gateway, &request, None, &request.get_ref().id).await
    }

    async fn update_provider(
        &self,
        request: Request<UpdateProviderRequest>,
    ) -> Result<Response<ProviderListing>, Status> {
        let asked = request.get_ref();
        let (id, provider) = (&asked.id, asked.provider.as_ref());
        update::<Providers, _, _>(
            &self.0.gateway,
            &request,
            None,
            id,
            provider,
            asked.expected_version,
        )
        .await
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
        let provider_id = &request.get_ref().provider_id;
        let body = to_json(&request.get_ref().worker.clone().unwrap_or_default());
        let operation = format!("wkr:{provider_id}");
        create::<Workers, _, _>(
            &self.0.gateway,
            &request,
            Some(provider_id),
            &operation,
            body,
        )
        .await
    }

    async fn get_worker(
        &self,
        request: Request<GetWorkerRequest>,
    ) -> Result<Response<Worker>, Status> {
        let q = request.get_ref();
        get::<Workers, _, _>(&self.0.gateway, &request, Some(&q.provider_id), &q.id).await
    }

    async fn update_worker(
        &self,
        request: Request<UpdateWorkerRequest>,
    ) -> Result<Response<Worker>, Status> {
        let asked = request.get_ref();
        update::<Workers, _, _>(
            &self.0.gateway,
            &request,
            Some(&asked.provider_id),
            &asked.id,
            asked.worker.as_ref(),
            asked.expected_version,
        )
        .await
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
