use jiayang_domain::{
    Gateway,
    alerts::{self, AlertFilter, Handling},
};
use jiayang_proto::v1::{
    Alert, GetRequest, HandleAlertRequest, ListAlertsRequest, ListAlertsResponse,
    alert_service_server::AlertService,
};
use tonic::{Request, Response, Status};

use super::convert::*;

pub struct Service(pub Gateway);

impl Service {
    async fn handle(
        &self,
        request: Request<HandleAlertRequest>,
        handling: Handling,
    ) -> Result<Response<Alert>, Status> {
        let ctx = Ctx::of(&request);
        let HandleAlertRequest {
            id,
            note,
            expected_version,
        } = request.get_ref();
        let note = given(note).map(str::to_owned);
        let expected = (*expected_version > 0).then_some(*expected_version);
        let handled = alerts::handle(&self.0, ctx.call()?, id, handling, note, expected)
            .await
            .map_err(|e| ctx.fail(e))?;
        Ok(Response::new(ctx.message(handled)?))
    }
}

#[tonic::async_trait]
impl AlertService for Service {
    async fn list_alerts(
        &self,
        request: Request<ListAlertsRequest>,
    ) -> Result<Response<ListAlertsResponse>, Status> {
        let ctx = Ctx::of(&request);
        let q = request.get_ref();
        let owned = |text: &str| given(text).map(str::to_owned);
        let filter = AlertFilter {
            rule: owned(&q.rule),
            status: owned(&q.status),
            provider_id: owned(&q.provider_id),
            district: owned(&q.district),
            from: owned(&q.from),
            to: owned(&q.to),
        };
        let found = alerts::list(
            &self.0,
            ctx.call()?,
            &page(ctx.call()?, q.page_size, &q.page_token),
            &filter,
        )
        .await
        .map_err(|e| ctx.fail(e))?;
        Ok(Response::new(ListAlertsResponse {
            alerts: ctx.messages(found.items)?,
            next_page_token: found.next_page_token.unwrap_or_default(),
        }))
    }

    async fn get_alert(&self, request: Request<GetRequest>) -> Result<Response<Alert>, Status> {
        let ctx = Ctx::of(&request);
        let found = alerts::get(&self.0, ctx.call()?, &request.get_ref().id)
            .await
            .map_err(|e| ctx.fail(e))?;
        Ok(Response::new(ctx.message(found)?))
    }

    async fn acknowledge_alert(
        &self,
        request: Request<HandleAlertRequest>,
    ) -> Result<Response<Alert>, Status> {
        self.handle(request, Handling::Acknowledge).await
    }

    async fn resolve_alert(
        &self,
        request: Request<HandleAlertRequest>,
    ) -> Result<Response<Alert>, Status> {
        self.handle(request, Handling::Resolve).await
    }
}
