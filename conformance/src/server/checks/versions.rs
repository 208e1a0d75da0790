//! JY-SRV-VER-01/02/03: optimistic concurrency with ETag and If-Match.

use serde_json::Value;

use super::{PURPOSE, unexpected};
use crate::{
    outcome::{Failure, Outcome, ensure},
    server::wire::{Answer, Probe, Rest},
};

async fn read(p: &mut Probe<'_>, id: &str) -> Result<Answer, Failure> {
    let holder = p.holder();
    let answer = p
        .rest(
            &holder,
            Rest::get(format!("/v1/seniors/{id}")).purpose(PURPOSE),
        )
        .await?;
    if answer.status == 200 {
        Ok(answer)
    } else {
        Err(unexpected(
            "读取老年人",
            "reading the senior",
            answer.status,
            "200",
        ))
    }
}

/// The holder replaces senior `id` with `body`, at `version` when given.
async fn put(
    p: &mut Probe<'_>,
    id: &str,
    body: &Value,
    version: Option<i64>,
) -> Result<Answer, Failure> {
    let holder = p.holder();
    let mut request = Rest::put(format!("/v1/seniors/{id}"), body).purpose(PURPOSE);
    if let Some(version) = version {
        request = request.header("if-match", format!("\"{version}\""));
    }
    p.rest(&holder, request).await
}

fn version(answer: &Answer) -> Option<i64> {
    answer.body.get("version").and_then(Value::as_i64)
}

pub async fn etag(p: &mut Probe<'_>) -> Outcome {
    let (id, _) = p.register("etag").await?;
    let answer = read(p, &id).await?;
    let expected = version(&answer).map(|v| format!("\"{v}\""));
    ensure(
        expected.is_some() && answer.header("etag") == expected.as_deref(),
        format!(
            "ETag 为 {:?}，预期与 version 相同的 {:?}",
            answer.header("etag"),
            expected
        ),
        format!(
            "the ETag is {:?}, expected the version, {:?}",
            answer.header("etag"),
            expected
        ),
    )
}

pub async fn stale(p: &mut Probe<'_>) -> Outcome {
    let (id, mut sent) = p.register("stale").await?;
    let current = version(&read(p, &id).await?).unwrap_or(1);
    sent["address"]["detail"] = "团结湖北里5号楼1单元101".into();
    let updated = put(p, &id, &sent, Some(current)).await?;
    if updated.status != 200 {
        return Err(unexpected(
            "以当前版本更新",
            "an update at the current version",
            updated.status,
            "200",
        ));
    }
    ensure(
        version(&updated) == Some(current + 1),
        format!("更新后版本为 {:?}，预期 {}", version(&updated), current + 1),
        format!(
            "the version after the update is {:?}, expected {}",
            version(&updated),
            current + 1
        ),
    )?;
    // The same version again is now stale.
    sent["address"]["detail"] = "团结湖北里7号楼2单元202".into();
    let refused = put(p, &id, &sent, Some(current)).await?;
    if refused.status != 412 {
        return Err(unexpected(
            "以过期版本更新",
            "an update at a stale version",
            refused.status,
            "412",
        ));
    }
    let after = read(p, &id).await?;
    ensure(
        version(&after) == Some(current + 1)
            && after.body.pointer("/address/detail") != sent.pointer("/address/detail"),
        "412 之后资源仍被修改了",
        "the resource changed all the same after the 412",
    )
}

pub async fn missing(p: &mut Probe<'_>) -> Outcome {
    let (id, mut sent) = p.register("no-if-match").await?;
    sent["address"]["detail"] = "团结湖北里9号楼3单元303".into();
    let answer = put(p, &id, &sent, None).await?;
    if answer.status != 428 {
        return Err(unexpected(
            "不带 If-Match 更新",
            "an update without If-Match",
            answer.status,
            "428",
        ));
    }
    let after = read(p, &id).await?;
    ensure(
        after.body.pointer("/address/detail") != sent.pointer("/address/detail"),
        "428 之后资源仍被修改了",
        "the resource changed all the same after the 428",
    )
}
