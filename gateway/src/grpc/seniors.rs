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
    error::ApiError,
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
        let (lang, caller) = (lang(&request), caller(&request)?);
        let asked = release::Asked {
            purpose: request
                .metadata()
                .get(crate::auth::PURPOSE)
                .and_then(|v| v.to_str().ok()),
            action: "jiayang.v1.SeniorService/GetSenior",
            request_id: request
                .extensions()
                .get::<crate::http::RequestId>()
                .map(|id| id.0.clone()),
        };
        let released =
            release::senior_audited(&self.0.gateway, &caller, asked, &request.get_ref().id)
                .await
                .map_err(status(lang))?;
        let mut response = Response::new(from_json(released.resource, lang)?);
        if let Ok(value) = released.withheld.join(",").parse() {
            response
                .metadata_mut()
                .insert(crate::rest::WITHHELD_CATEGORIES, value);
        }
        Ok(response)
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
        let (lang, _caller) = (lang(&request), caller(&request)?);
        let q = request.into_inner();
        let page = PageRequest {
            page_size: page_size(q.page_size),
            page_token: given(&q.page_token).map(str::to_owned),
        };
        let page = Seniors::list(&self.0.gateway, &page, given(&q.division), given(&q.status))
            .await
            .map_err(status(lang))?;
        let seniors = page
            .items
            .into_iter()
            .map(|v| from_json(v, lang))
            .collect::<Result<_, _>>()?;
        Ok(Response::new(ListSeniorsResponse {
            seniors,
            next_page_token: page.next_page_token.unwrap_or_default(),
        }))
    }

    async fn lookup_senior(
        &self,
        request: Request<LookupRequest>,
    ) -> Result<Response<SeniorProfile>, Status> {
        let (lang, _caller) = (lang(&request), caller(&request)?);
        let gateway = &self.0.gateway;
        let found = match request.into_inner().key {
            Some(Key::ExternalId(external)) => {
                Seniors::lookup_external(gateway, &external.participant, &external.id).await
            }
            Some(Key::IdentityNumber(number)) => {
                Seniors::find_by_identity(gateway, "RESIDENT_ID_CARD", &number).await
            }
            None => Err(invalid_lookup()),
        }
        .map_err(status(lang))?;
        Ok(Response::new(from_json(
            found
                .ok_or(ApiError::NotFound("senior"))
                .map_err(status(lang))?,
            lang,
        )?))
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
