//! JY-SRV-AUTH-01: nothing without credentials.

use jiayang_proto::v1::{ListSeniorsRequest, senior_service_client::SeniorServiceClient};

use super::{PURPOSE, unexpected};
use crate::{
    outcome::{Outcome, ensure},
    server::wire::{Probe, Rest},
};

pub async fn no_credentials(p: &mut Probe<'_>) -> Outcome {
    let anonymous = p.s.anonymous.clone();
    let answer = p
        .rest(&anonymous, Rest::get("/v1/seniors").purpose(PURPOSE))
        .await?;
    if answer.status != 401 {
        return Err(unexpected(
            "无凭证列出老年人",
            "listing seniors without credentials",
            answer.status,
            "401",
        ));
    }
    ensure(
        answer.is_problem(),
        "401 的响应不是 application/problem+json",
        "the 401 is not application/problem+json",
    )?;
    let request = ListSeniorsRequest::default();
    let sent = request.clone();
    let result = SeniorServiceClient::new(anonymous.channel())
        .list_seniors(p.grpc(&anonymous, request, Some(PURPOSE), None))
        .await;
    p.keep_grpc(&anonymous, "SeniorService/ListSeniors", &sent, &result);
    match result {
        Err(status) if status.code() == tonic::Code::Unauthenticated => Ok(()),
        Err(status) => Err(unexpected(
            "无凭证调用 ListSeniors",
            "ListSeniors without credentials",
            format!("{:?}", status.code()),
            "UNAUTHENTICATED",
        )),
        Ok(_) => Err(unexpected(
            "无凭证调用 ListSeniors",
            "ListSeniors without credentials",
            "OK",
            "UNAUTHENTICATED",
        )),
    }
}
