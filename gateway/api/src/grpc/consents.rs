use jiayang_domain::{Consents, Gateway, consents};
use jiayang_proto::v1::{
    Consent, GetRequest, ListConsentsRequest, ListConsentsResponse, WithdrawConsentRequest,
    consent_service_server::ConsentService,
};
use tonic::{Request, Response, Status};

use super::convert::*;

pub struct Service(pub Gateway);

#[tonic::async_trait]
impl ConsentService for Service {
    async fn create_consent(&self, request: Request<Consent>) -> Result<Response<Consent>, Status> {
        let body = to_json(request.get_ref());
        create::<Consents, _, _>(&self.0, &request, None, body).await
    }

    async fn get_consent(&self, request: Request<GetRequest>) -> Result<Response<Consent>, Status> {
        let ctx = Ctx::of(&request);
        let found = consents::get(&self.0, ctx.call()?, &request.get_ref().id)
            .await
            .map_err(|e| ctx.fail(e))?;
        Ok(Response::new(ctx.message(found)?))
    }

    async fn list_consents(
        &self,
        request: Request<ListConsentsRequest>,
    ) -> Result<Response<ListConsentsResponse>, Status> {
        let ctx = Ctx::of(&request);
        let found = consents::list_for_senior(&self.0, ctx.call()?, &request.get_ref().senior_id)
            .await
            .map_err(|e| ctx.fail(e))?;
        Ok(Response::new(ListConsentsResponse {
            consents: ctx.messages(found)?,
        }))
    }

    async fn withdraw_consent(
        &self,
        request: Request<WithdrawConsentRequest>,
    ) -> Result<Response<Consent>, Status> {
        let ctx = Ctx::of(&request);
        let WithdrawConsentRequest { id, reason } = request.get_ref();
        let reason = given(reason).map(str::to_owned);
        let withdrawn = consents::withdraw(&self.0, ctx.call()?, id, reason)
            .await
            .map_err(|e| ctx.fail(e))?;
        Ok(Response::new(ctx.message(withdrawn)?))
    }
}
