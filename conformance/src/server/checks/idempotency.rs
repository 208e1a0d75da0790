//! JY-SRV-IDEMP-01/02: a create under an idempotency key happens once.

use jiayang_proto::v1::senior_service_client::SeniorServiceClient;
use serde_json::json;

use super::unexpected;
use crate::{
    outcome::{Outcome, ensure},
    server::wire::{Probe, Rest},
};

pub async fn replay(p: &mut Probe<'_>) -> Outcome {
    let holder = p.holder();
    let senior = p.new_senior("replay-rest");
    let key = p.key("replay-rest");
    let first = p
        .rest(&holder, Rest::post("/v1/seniors", &senior).key(&key))
        .await?;
    if first.status != 201 {
        return Err(unexpected(
            "首次创建",
            "the first create",
            first.status,
            "201",
        ));
    }
    let again = p
        .rest(&holder, Rest::post("/v1/seniors", &senior).key(&key))
        .await?;
    ensure(
        (200..300).contains(&again.status)
            && again.text("/id").is_some()
            && again.text("/id") == first.text("/id"),
        format!(
            "同一键、同一内容重放返回 {} 与编号 {:?}，预期首次的编号 {:?}",
            again.status,
            again.text("/id"),
            first.text("/id")
        ),
        format!(
            "the replay answered {} with id {:?}, expected the first create's {:?}",
            again.status,
            again.text("/id"),
            first.text("/id")
        ),
    )?;

    let senior = p.new_senior("replay-grpc");
    let typed = super::as_message(senior)?;
    let key = p.key("replay-grpc");
    let mut ids = Vec::new();
    for _ in 0..2 {
        let result = SeniorServiceClient::new(holder.channel())
            .create_senior(p.grpc(&holder, typed.clone(), None, Some(&key)))
            .await;
        p.keep_grpc(&holder, "SeniorService/CreateSenior", &typed, &result);
        match result {
            Ok(response) => ids.push(response.into_inner().id),
            Err(status) => {
                return Err(unexpected(
                    "gRPC 幂等创建",
                    "an idempotent create over gRPC",
                    format!("{:?}", status.code()),
                    "OK",
                ));
            }
        }
    }
    ensure(
        !ids[0].is_empty() && ids[0] == ids[1],
        format!("gRPC 重放返回了另一个编号：{} 与 {}", ids[0], ids[1]),
        format!(
            "the gRPC replay answered another id: {} and {}",
            ids[0], ids[1]
        ),
    )
}

pub async fn reused_key(p: &mut Probe<'_>) -> Outcome {
    let holder = p.holder();
    let key = p.key("reused");
    let first = p.new_senior("reused-1");
    let answer = p
        .rest(&holder, Rest::post("/v1/seniors", &first).key(&key))
        .await?;
    if answer.status != 201 {
        return Err(unexpected(
            "首次创建",
            "the first create",
            answer.status,
            "201",
        ));
    }
    let other = p.new_senior("reused-2");
    let answer = p
        .rest(&holder, Rest::post("/v1/seniors", &other).key(&key))
        .await?;
    ensure(
        (400..500).contains(&answer.status) && answer.is_problem(),
        format!("同一键配不同内容返回 {}，预期 4xx 问题文档", answer.status),
        format!(
            "the same key with another body answered {}, expected a 4xx problem document",
            answer.status
        ),
    )?;
    // And nothing was made of the other body, while the first is there to be found.
    let mut lookups = Vec::new();
    for senior in [&first, &other] {
        let number = senior["identityDocument"]["number"].clone();
        let found = p
            .rest(
                &holder,
                Rest::post("/v1/seniors:lookup", &json!({"identityNumber": number}))
                    .purpose(super::PURPOSE),
            )
            .await?;
        lookups.push(found.status);
    }
    ensure(
        lookups[0] == 200,
        format!("按证件号查找首次创建的老年人返回 {}，无法确认", lookups[0]),
        format!(
            "looking up the senior first created answered {}: nothing can be concluded",
            lookups[0]
        ),
    )?;
    let lookup = lookups[1];
    ensure(
        lookup == 404,
        format!("被拒绝的内容仍被登记了（查找返回 {lookup}）"),
        format!("the refused body was registered all the same (the lookup answered {lookup})"),
    )
}
