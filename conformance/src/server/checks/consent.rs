//! JY-SRV-CONS-01..04 and JY-SRV-HIST-01: what a participant that is not the holder gets
//! of a senior, and what the senior can learn of it.

use jiayang_proto::v1::{GetRequest, senior_service_client::SeniorServiceClient};
use serde_json::Value;

use super::{PURPOSE, unexpected};
use crate::{
    outcome::{Failure, Outcome, ensure, fail},
    server::wire::{Party, Probe, Rest},
};

/// Fields of categories the grant leaves out (IDENTITY, HEALTH), present in every
/// profile the run registers.
const WITHHELD_FIELDS: &[&str] = &["identityDocument", "capabilityAssessment"];
const WITHHELD_CATEGORIES: &[&str] = &["IDENTITY", "HEALTH"];

/// What the grantee got of a senior over one protocol: the profile and the withheld
/// categories, or the refusal's status.
#[derive(Debug)]
enum Read {
    Released {
        profile: Value,
        withheld: String,
    },
    /// The status, and the answer's text (a REST problem or a gRPC message).
    Refused(String, String),
}

async fn read_rest(
    p: &mut Probe<'_>,
    grantee: &Party,
    id: &str,
    purpose: Option<&str>,
) -> Result<Read, Failure> {
    let mut request = Rest::get(format!("/v1/seniors/{id}"));
    if let Some(purpose) = purpose {
        request = request.purpose(purpose);
    }
    let answer = p.rest(grantee, request).await?;
    Ok(if answer.status == 200 {
        Read::Released {
            withheld: answer
                .header("x-jiayang-withheld-categories")
                .unwrap_or_default()
                .to_owned(),
            profile: answer.body,
        }
    } else {
        Read::Refused(answer.status.to_string(), answer.body.to_string())
    })
}

async fn read_grpc(p: &mut Probe<'_>, grantee: &Party, id: &str, purpose: Option<&str>) -> Read {
    let request = GetRequest { id: id.to_owned() };
    let result = SeniorServiceClient::new(grantee.channel())
        .get_senior(p.grpc(grantee, request.clone(), purpose, None))
        .await;
    p.keep_grpc(grantee, "SeniorService/GetSenior", &request, &result);
    match result {
        Ok(response) => Read::Released {
            withheld: response
                .metadata()
                .get("x-jiayang-withheld-categories")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned(),
            profile: serde_json::to_value(response.into_inner()).unwrap_or_default(),
        },
        Err(status) => Read::Refused(format!("{:?}", status.code()), status.message().to_owned()),
    }
}

/// Both protocols refused (403 and PERMISSION_DENIED).
fn both_refused(rest: &Read, grpc: &Read, what_zh: &str, what_en: &str) -> Outcome {
    let got = |r: &Read| match r {
        Read::Released { .. } => "OK".to_owned(),
        Read::Refused(status, _) => status.clone(),
    };
    ensure(
        matches!(rest, Read::Refused(s, _) if s == "403")
            && matches!(grpc, Read::Refused(s, _) if s == "PermissionDenied"),
        format!(
            "{what_zh}：REST 返回 {}，gRPC 返回 {}，预期 403 与 PERMISSION_DENIED",
            got(rest),
            got(grpc)
        ),
        format!(
            "{what_en}: REST answered {}, gRPC {}, expected 403 and PERMISSION_DENIED",
            got(rest),
            got(grpc)
        ),
    )
}

pub async fn purpose_required(p: &mut Probe<'_>) -> Outcome {
    let grantee = p.grantee()?;
    let (id, _) = p.register("no-purpose").await?;
    let consent = p.grant(&id, &grantee).await?;
    let rest = read_rest(p, &grantee, &id, None).await;
    let grpc = read_grpc(p, &grantee, &id, None).await;
    // The grant goes whatever the reads showed.
    p.withdraw(&consent).await?;
    let rest = rest?;
    both_refused(&rest, &grpc, "未声明目的的读取", "a read with no purpose")?;
    // The refusal must say what is missing.
    let named = matches!(&rest, Read::Refused(_, text) if text.to_ascii_lowercase().contains("x-jiayang-purpose"));
    ensure(
        named,
        "拒绝未说明缺少 x-jiayang-purpose",
        "the refusal does not name x-jiayang-purpose",
    )
}

pub async fn no_grant(p: &mut Probe<'_>) -> Outcome {
    let grantee = p.grantee()?;
    let (id, _) = p.register("no-grant").await?;
    let rest = read_rest(p, &grantee, &id, Some(PURPOSE)).await?;
    let grpc = read_grpc(p, &grantee, &id, Some(PURPOSE)).await;
    both_refused(&rest, &grpc, "没有授权的读取", "a read with no grant")
}

/// The released profile keeps no field of a withheld category, and the withheld
/// categories are named.
fn is_minimised(read: &Read, protocol: &str) -> Outcome {
    let Read::Released { profile, withheld } = read else {
        return Err(fail(
            format!("{protocol}：有授权的读取被拒绝"),
            format!("{protocol}: a read under a grant was refused"),
        ));
    };
    let leaked: Vec<&str> = WITHHELD_FIELDS
        .iter()
        .copied()
        .filter(|f| profile.get(*f).is_some_and(|v| !v.is_null()))
        .collect();
    ensure(
        leaked.is_empty(),
        format!("{protocol}：返回了未授权类别的字段 {}", leaked.join("、")),
        format!(
            "{protocol}: fields of categories not granted were released: {}",
            leaked.join(", ")
        ),
    )?;
    ensure(
        profile.get("name").is_some_and(Value::is_string),
        format!("{protocol}：授权的 BASIC 类别（姓名）未返回"),
        format!("{protocol}: the granted BASIC category (the name) was not released"),
    )?;
    let named: Vec<&str> = withheld.split(',').map(str::trim).collect();
    let unnamed: Vec<&str> = WITHHELD_CATEGORIES
        .iter()
        .copied()
        .filter(|c| !named.contains(c))
        .collect();
    ensure(
        unnamed.is_empty(),
        format!(
            "{protocol}：x-jiayang-withheld-categories 为 “{withheld}”，未列出 {}",
            unnamed.join("、")
        ),
        format!(
            "{protocol}: x-jiayang-withheld-categories is “{withheld}”, not naming {}",
            unnamed.join(", ")
        ),
    )
}

pub async fn minimised(p: &mut Probe<'_>) -> Outcome {
    let grantee = p.grantee()?;
    let (id, _) = p.register("minimised").await?;
    let consent = p.grant(&id, &grantee).await?;
    let rest = read_rest(p, &grantee, &id, Some(PURPOSE)).await;
    let grpc = read_grpc(p, &grantee, &id, Some(PURPOSE)).await;
    p.withdraw(&consent).await?;
    is_minimised(&rest?, "REST")?;
    is_minimised(&grpc, "gRPC")
}

pub async fn withdrawn(p: &mut Probe<'_>) -> Outcome {
    let grantee = p.grantee()?;
    let (id, _) = p.register("withdrawn").await?;
    let consent = p.grant(&id, &grantee).await?;
    let before = read_rest(p, &grantee, &id, Some(PURPOSE)).await;
    p.withdraw(&consent).await?;
    if let Read::Refused(status, _) = before? {
        return Err(unexpected(
            "撤回前有授权的读取",
            "a read under the grant before withdrawal",
            status,
            "200",
        ));
    }
    let rest = read_rest(p, &grantee, &id, Some(PURPOSE)).await?;
    let grpc = read_grpc(p, &grantee, &id, Some(PURPOSE)).await;
    both_refused(&rest, &grpc, "撤回授权后的读取", "a read after withdrawal")
}

pub async fn history(p: &mut Probe<'_>) -> Outcome {
    let grantee = p.grantee()?;
    let holder = p.holder();
    let (id, _) = p.register("history").await?;
    // A read allowed under a grant.
    let consent = p.grant(&id, &grantee).await?;
    let read = read_rest(p, &grantee, &id, Some(PURPOSE)).await;
    p.withdraw(&consent).await?;
    read?;
    let answer = p
        .rest(
            &holder,
            Rest::get(format!("/v1/seniors/{id}/access-history?pageSize=200")).purpose(PURPOSE),
        )
        .await?;
    if answer.status != 200 {
        return Err(unexpected(
            "持有方读取访问记录",
            "the holder reading the access history",
            answer.status,
            "200",
        ));
    }
    let accesses = answer
        .body
        .get("accesses")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let listed = accesses.iter().any(|a| {
        a["participant"] == grantee.id.as_str()
            && a["decision"] == "ALLOW"
            && a["purpose"] == PURPOSE
    });
    ensure(
        listed,
        format!("访问记录未列出 {} 以 {PURPOSE} 为目的的读取", grantee.id),
        format!(
            "the access history does not list the read by {} for {PURPOSE}",
            grantee.id
        ),
    )
}
