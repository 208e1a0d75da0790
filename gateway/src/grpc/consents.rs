use jiayang_proto::v1::{
    Consent, GetRequest, ListConsentsRequest, ListConsentsResponse, WithdrawConsentRequest,
    consent_service_server::ConsentService,
};
use tonic::{Request, Response, Status};

use super::convert::*;
use crate::{app::AppState, domain::consents};

pub struct Service(pub AppState);

#[tonic::async_trait]
impl ConsentService for Service {
    async fn create_consent(&self, request: Request<Consent>) -> Result<Response<Consent>, Status> {
        let (lang, caller) = (lang(&request), caller(&request)?);
        let created = consents::create(&self.0.gateway, &caller, to_json(request.get_ref()))
            .await
            .map_err(status(lang))?;
        Ok(Response::new(from_json(created, lang)?))
    }

    async fn get_consent(&self, request: Request<GetRequest>) -> Result<Response<Consent>, Status> {
        let (lang, caller) = (lang(&request), caller(&request)?);
        let found = consents::get(&self.0.gateway, &caller, &request.get_ref().id)
            .await
            .map_err(status(lang))?;
        Ok(Response::new(from_json(found, lang)?))
    }

    async fn list_consents(
        &self,
        request: Request<ListConsentsRequest>,
    ) -> Result<Response<ListConsentsResponse>, Status> {
        let (lang, caller) = (lang(&request), caller(&request)?);
        let found =
            consents::list_for_senior(&self.0.gateway, &caller, &request.get_ref().senior_id)
                .await
                .map_err(status(lang))?;
        let consents = found
            .into_iter()
            .map(|c| from_json(c, lang))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Response::new(ListConsentsResponse { consents }))
    }

    async fn withdraw_consent(
        &self,
        request: Request<WithdrawConsentRequest>,
    ) -> Result<Response<Consent>, Status> {
        let (lang, caller) = (lang(&request), caller(&request)?);
        let WithdrawConsentRequest { id, reason } = request.get_ref();
        let reason = (!reason.is_empty()).then(|| reason.clone());
        let withdrawn = consents::withdraw(&self.0.gateway, &caller, id, reason)
            .await
            .map_err(status(lang))?;
        Ok(Response::new(from_json(withdrawn, lang)?))
    }
}
