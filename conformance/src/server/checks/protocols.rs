//! JY-SRV-PROTO-01: one resource, the same over REST and gRPC.

use jiayang_proto::v1::{GetRequest, senior_service_client::SeniorServiceClient};
use serde_json::Value;

use super::{PURPOSE, unexpected};
use crate::{
    outcome::{Failure, Outcome, fail},
    server::wire::{Party, Probe, Rest},
};

/// What the two protocols must agree on (server-set times may differ in precision).
const COMPARED: &[&str] = &[
    "/id",
    "/version",
    "/name",
    "/gender",
    "/birthDate",
    "/identityDocument/type",
    "/identityDocument/number",
    "/phone",
    "/address/divisionCode",
    "/address/detail",
    "/livingSituation",
    "/capabilityAssessment/level",
    "/status",
    "/externalIds",
];

/// A value as both protocols may write it: proto3 JSON writes 64-bit integers as strings.
fn same(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(Value::Number(n)), Some(Value::String(s)))
        | (Some(Value::String(s)), Some(Value::Number(n))) => n.to_string() == *s,
        (a, b) => a == b,
    }
}

fn differences(rest: &Value, grpc: &Value) -> Vec<&'static str> {
    COMPARED
        .iter()
        .copied()
        .filter(|p| !same(rest.pointer(p), grpc.pointer(p)))
        .collect()
}

async fn grpc_get(p: &mut Probe<'_>, party: &Party, id: &str) -> Result<Value, Failure> {
    let request = GetRequest { id: id.to_owned() };
    let result = SeniorServiceClient::new(party.channel())
        .get_senior(p.grpc(party, request.clone(), Some(PURPOSE), None))
        .await;
    p.keep_grpc(party, "SeniorService/GetSenior", &request, &result);
    match result {
        Ok(response) => Ok(serde_json::to_value(response.into_inner()).unwrap_or_default()),
        Err(status) => Err(unexpected(
            "gRPC 读取老年人",
            "reading the senior over gRPC",
            format!("{:?}", status.code()),
            "OK",
        )),
    }
}

async fn rest_get(p: &mut Probe<'_>, party: &Party, id: &str) -> Result<Value, Failure> {
    let answer = p
        .rest(
            party,
            Rest::get(format!("/v1/seniors/{id}")).purpose(PURPOSE),
        )
        .await?;
    if answer.status == 200 {
        Ok(answer.body)
    } else {
        Err(unexpected(
            "REST 读取老年人",
            "reading the senior over REST",
            answer.status,
            "200",
        ))
    }
}

pub async fn same_senior(p: &mut Probe<'_>) -> Outcome {
    let holder = p.holder();
    // Made over REST, read over both.
    let (rest_made, _) = p.register("proto-rest").await?;
    let over_rest = rest_get(p, &holder, &rest_made).await?;
    let over_grpc = grpc_get(p, &holder, &rest_made).await?;
    let differ = differences(&over_rest, &over_grpc);
    if !differ.is_empty() {
        return Err(fail(
            format!(
                "REST 创建的老年人经两种协议读取，字段不同：{}",
                differ.join("、")
            ),
            format!(
                "a senior made over REST reads differently over the two protocols at {}",
                differ.join(", ")
            ),
        ));
    }
    // Made over gRPC, read over both.
    let senior = p.new_senior("proto-grpc");
    let typed = super::as_message(senior.clone())?;
    let key = p.key("proto-grpc");
    let result = SeniorServiceClient::new(holder.channel())
        .create_senior(p.grpc(&holder, typed.clone(), None, Some(&key)))
        .await;
    p.keep_grpc(&holder, "SeniorService/CreateSenior", &typed, &result);
    let made = match result {
        Ok(response) => response.into_inner().id,
        Err(status) => {
            return Err(unexpected(
                "gRPC 登记老年人",
                "registering a senior over gRPC",
                format!("{:?}", status.code()),
                "OK",
            ));
        }
    };
    let over_rest = rest_get(p, &holder, &made).await?;
    let over_grpc = grpc_get(p, &holder, &made).await?;
    let differ = differences(&over_rest, &over_grpc);
    if differ.is_empty() {
        Ok(())
    } else {
        Err(fail(
            format!(
                "gRPC 创建的老年人经两种协议读取，字段不同：{}",
                differ.join("、")
            ),
            format!(
                "a senior made over gRPC reads differently over the two protocols at {}",
                differ.join(", ")
            ),
        ))
    }
}
