use jiayang_proto::v1::{
    ListServiceItemsRequest, ListServiceItemsResponse, catalog_service_server::CatalogService,
};
use tonic::{Request, Response, Status};

use super::convert::{caller, from_json, lang};
use crate::domain::catalog;

pub struct Service;

#[tonic::async_trait]
impl CatalogService for Service {
    async fn list_service_items(
        &self,
        request: Request<ListServiceItemsRequest>,
    ) -> Result<Response<ListServiceItemsResponse>, Status> {
        let (lang, _caller) = (lang(&request), caller(&request)?);
        let service_items = catalog::service_items()
            .into_iter()
            .map(|v| from_json(v, lang))
            .collect::<Result<_, _>>()?;
        Ok(Response::new(ListServiceItemsResponse { service_items }))
    }
}
