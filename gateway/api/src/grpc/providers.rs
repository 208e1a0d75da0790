use jiayang_domain::{Gateway, Providers, Workers, providers::ProviderFilter, resource};
use jiayang_proto::v1::{
    BatchCreateProvidersRequest, BatchCreateResponse, CreateWorkerRequest, GetRequest,
    GetWorkerRequest, ListProvidersRequest, ListProvidersResponse, ListWorkersRequest,
    ListWorkersResponse, LookupRequest, ProviderListing, UpdateProviderRequest,
    UpdateWorkerRequest, Worker, provider_service_server::ProviderService,
};
use tonic::{Request, Response, Status};

use super::{convert::*, lookup_key};
use crate::lookup::external_only;

pub struct Service(pub Gateway);

#[tonic::async_trait]
impl ProviderService for Service {
    async fn create_provider(
        &self,
        request: Request<ProviderListing>,
    ) -> Result<Response<ProviderListing>, Status> {
        let body = to_json(request.get_ref());
        create::<Providers, _, _>(&self.0, &request, None, body).await
    }

    async fn get_provider(
        &self,
        request: Request<GetRequest>,
    ) -> Result<Response<ProviderListing>, Status> {
        get::<Providers, _, _>(&self.0, &request, None, &request.get_ref().id).await
    }

    async fn update_provider(
        &self,
        request: Request<UpdateProviderRequest>,
    ) -> Result<Response<ProviderListing>, Status> {
        let asked = request.get_ref();
        let (id, provider) = (&asked.id, asked.provider.as_ref());
        update::<Providers, _, _>(
            &self.0,
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
        let ctx = Ctx::of(&request);
        let q = request.get_ref();
        let page = page(ctx.call()?, q.page_size, &q.page_token);
        let owned = |text: &str| given(text).map(str::to_owned);
        let filter = ProviderFilter {
            district: owned(&q.district),
            service_item: owned(&q.service_item),
            kind: owned(&q.kind),
            in_provider_library: q.in_provider_library,
        };
        let page = Providers::list(&self.0, &page, &filter)
            .await
            .map_err(|e| ctx.fail(e))?;
        Ok(Response::new(ListProvidersResponse {
            providers: ctx.raw_messages(&page.items)?,
            next_page_token: page.next_page_token.unwrap_or_default(),
        }))
    }

    async fn lookup_provider(
        &self,
        request: Request<LookupRequest>,
    ) -> Result<Response<ProviderListing>, Status> {
        let ctx = Ctx::of(&request);
        ctx.call()?;
        let (participant, id) = lookup_key(request.into_inner())
            .and_then(external_only)
            .map_err(|e| ctx.fail(e))?;
        let found = resource::lookup_external::<Providers>(&self.0, &participant, &id)
            .await
            .map_err(|e| ctx.fail(e))?;
        Ok(Response::new(ctx.message(found)?))
    }

    async fn batch_create_providers(
        &self,
        request: Request<BatchCreateProvidersRequest>,
    ) -> Result<Response<BatchCreateResponse>, Status> {
        let items = request.get_ref().providers.iter().map(to_json).collect();
        batch_create::<Providers, _>(&self.0, &request, items).await
    }

    async fn create_worker(
        &self,
        request: Request<CreateWorkerRequest>,
    ) -> Result<Response<Worker>, Status> {
        let asked = request.get_ref();
        let body = to_json(&asked.worker.clone().unwrap_or_default());
        create::<Workers, _, _>(&self.0, &request, Some(&asked.provider_id), body).await
    }

    async fn get_worker(
        &self,
        request: Request<GetWorkerRequest>,
    ) -> Result<Response<Worker>, Status> {
        let q = request.get_ref();
        get::<Workers, _, _>(&self.0, &request, Some(&q.provider_id), &q.id).await
    }

    async fn update_worker(
        &self,
        request: Request<UpdateWorkerRequest>,
    ) -> Result<Response<Worker>, Status> {
        let asked = request.get_ref();
        update::<Workers, _, _>(
            &self.0,
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
        let ctx = Ctx::of(&request);
        let q = request.get_ref();
        let page = page(ctx.call()?, q.page_size, &q.page_token);
        let page = Workers::list(&self.0, &q.provider_id, &page)
            .await
            .map_err(|e| ctx.fail(e))?;
        Ok(Response::new(ListWorkersResponse {
            workers: ctx.messages(page.items)?,
            next_page_token: page.next_page_token.unwrap_or_default(),
        }))
    }
}
