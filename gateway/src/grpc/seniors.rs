use jiayang_proto::v1::{
    BatchCreateResponse, BatchCreateSeniorsRequest, GetRequest, ListSeniorsRequest,
    ListSeniorsResponse, LookupRequest, SeniorProfile, UpdateSeniorRequest, lookup_request::Key,
    senior_service_server::SeniorService,
};
use tonic::{Request, Response, Status};

use super::convert::*;
use crate::{
    app::AppState,
    domain::references::invalid_lookup,
    domain::{
        PageRequest, release,
        resource::{self, Resource},
        seniors::Seniors,
    },
};

pub struct Service(pub AppState);

#[tonic::async_trait]
impl SeniorService for Service {
    async fn create_senior(
        &self,
        request: Request<SeniorProfile>,
    ) -> Result<Response<SeniorProfile>, Status> {
        let body = to_json(request.get_ref());
        create::<Seniors, _, _>(&self.0.gateway, &request, None, Seniors::PREFIX, body).await
    }

    async fn get_senior(
        &self,
        request: Request<GetRequest>,
    ) -> Result<Response<SeniorProfile>, Status> {
        let (lang, reader) = (lang(&request), reader(&request)?);
        let found = release::senior(&self.0.gateway, &reader, &request.get_ref().id)
            .await
            .map_err(status(lang))?;
        released(found, lang)
    }

    async fn update_senior(
        &self,
        request: Request<UpdateSeniorRequest>,
    ) -> Result<Response<SeniorProfile>, Status> {
        let asked = request.get_ref();
        let (id, senior) = (&asked.id, asked.senior.as_ref());
        update::<Seniors, _, _>(
            &self.0.gateway,
            &request,
            None,
            id,
            senior,
            asked.expected_version,
        )
        .await
    }

    async fn list_seniors(
        &self,
        request: Request<ListSeniorsRequest>,
    ) -> Result<Response<ListSeniorsResponse>, Status> {
        let (lang, reader) = (lang(&request), reader(&request)?);
        let q = request.into_inner();
        let page = PageRequest {
            page_size: page_size(q.page_size),
            page_token: given(&q.page_token).map(str::to_owned),
        };
        let mut page = release::seniors(
            &self.0.gateway,
            &reader,
            &page,
            given(&q.division),
            given(&q.status),
        )
        .await
        .map_err(status(lang))?;
        let (seniors, withheld) = released_items(&mut page, lang)?;
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
        let (lang, reader) = (lang(&request), reader(&request)?);
        let key = match request.into_inner().key {
            Some(Key::ExternalId(external)) => release::SeniorKey::External {
                participant: external.participant,
                id: external.id,
            },
            Some(Key::IdentityNumber(number)) => release::SeniorKey::IdentityNumber(number),
            None => return Err(invalid_lookup().to_status(lang)),
        };
        let found = release::lookup_senior(&self.0.gateway, &reader, &key)
            .await
            .map_err(status(lang))?;
        released(found, lang)
    }

    async fn batch_create_seniors(
        &self,
        request: Request<BatchCreateSeniorsRequest>,
    ) -> Result<Response<BatchCreateResponse>, Status> {
        let (lang, caller) = (lang(&request), caller(&request)?);
        let items = request.into_inner().seniors.iter().map(to_json).collect();
        let results = resource::batch_create::<Seniors>(&self.0.gateway, &caller, None, items)
            .await
            .map_err(status(lang))?;
        Ok(Response::new(batch_response(&results, lang)))
    }
}
