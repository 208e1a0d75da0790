use jiayang_domain::{Gateway, Seniors, release};
use jiayang_proto::v1::{
    BatchCreateResponse, BatchCreateSeniorsRequest, GetRequest, ListSeniorsRequest,
    ListSeniorsResponse, LookupRequest, SeniorProfile, UpdateSeniorRequest,
    senior_service_server::SeniorService,
};
use tonic::{Request, Response, Status};

use super::{convert::*, lookup_key};

pub struct Service(pub Gateway);

#[tonic::async_trait]
impl SeniorService for Service {
    async fn create_senior(
        &self,
        request: Request<SeniorProfile>,
    ) -> Result<Response<SeniorProfile>, Status> {
        let body = to_json(request.get_ref());
        create::<Seniors, _, _>(&self.0, &request, None, body).await
    }

    async fn get_senior(
        &self,
        request: Request<GetRequest>,
    ) -> Result<Response<SeniorProfile>, Status> {
        let ctx = Ctx::of(&request);
        let found = release::senior(&self.0, ctx.call()?, &request.get_ref().id)
            .await
            .map_err(|e| ctx.fail(e))?;
        ctx.released(found)
    }

    async fn update_senior(
        &self,
        request: Request<UpdateSeniorRequest>,
    ) -> Result<Response<SeniorProfile>, Status> {
        let asked = request.get_ref();
        let (id, senior) = (&asked.id, asked.senior.as_ref());
        update::<Seniors, _, _>(&self.0, &request, None, id, senior, asked.expected_version).await
    }

    async fn list_seniors(
        &self,
        request: Request<ListSeniorsRequest>,
    ) -> Result<Response<ListSeniorsResponse>, Status> {
        let ctx = Ctx::of(&request);
        let q = request.get_ref();
        let page = page(ctx.call()?, q.page_size, &q.page_token);
        let mut page = release::seniors(
            &self.0,
            ctx.call()?,
            &page,
            given(&q.division),
            given(&q.status),
        )
        .await
        .map_err(|e| ctx.fail(e))?;
        let (seniors, withheld) = ctx.released_items(&mut page)?;
        Ok(Response::new(ListSeniorsResponse {
            seniors,
            next_page_token: page.next_page_token.unwrap_or_default(),
            withheld,
        }))
    }

    async fn lookup_senior(
        &self,
        request: Request<LookupRequest>,
    ) -> Result<Response<SeniorProfile>, Status> {
        let ctx = Ctx::of(&request);
        let key = lookup_key(request.into_inner()).map_err(|e| ctx.fail(e))?;
        let found = release::lookup_senior(&self.0, ctx.call()?, &key)
            .await
            .map_err(|e| ctx.fail(e))?;
        ctx.released(found)
    }

    async fn batch_create_seniors(
        &self,
        request: Request<BatchCreateSeniorsRequest>,
    ) -> Result<Response<BatchCreateResponse>, Status> {
        let items = request.get_ref().seniors.iter().map(to_json).collect();
        batch_create::<Seniors, _>(&self.0, &request, items).await
    }
}
