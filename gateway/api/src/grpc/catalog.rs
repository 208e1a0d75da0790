use jiayang_domain::catalog;
use jiayang_proto::v1::{
    ListServiceItemsRequest, ListServiceItemsResponse, catalog_service_server::CatalogService,
};
use tonic::{Request, Response, Status};

use super::convert::Ctx;

pub struct Service;

#[tonic::async_trait]
impl CatalogService for Service {
    async fn list_service_items(
        &self,
        request: Request<ListServiceItemsRequest>,
    ) -> Result<Response<ListServiceItemsResponse>, Status> {
        let ctx = Ctx::of(&request);
        ctx.call()?;
        Ok(Response::new(ListServiceItemsResponse {
            service_items: ctx.messages(catalog::service_items())?,
        }))
    }
}
