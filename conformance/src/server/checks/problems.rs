//! JY-SRV-PROB-01/02/03: a refusal says every thing wrong, where, and in the reader's
//! language.

use jiayang_proto::v1::senior_service_client::SeniorServiceClient;
use serde_json::Value;
use tonic_types::StatusExt;

use super::unexpected;
use crate::{
    outcome::{Failure, Outcome, ensure},
    server::wire::{Answer, Probe, Rest},
};

/// The two places [`invalid`] breaks.
const BROKEN: [&str; 2] = ["/identityDocument/number", "/phone"];

/// A profile with a wrong ID check digit and a phone that is not one.
fn invalid(p: &Probe<'_>) -> Value {
    let mut senior = p.new_senior("invalid");
    let number = senior["identityDocument"]["number"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let wrong = if number.ends_with('1') { '2' } else { '1' };
    senior["identityDocument"]["number"] = format!("{}{wrong}", &number[..17]).into();
    senior["phone"] = "12345".into();
    senior
}

async fn refused(
    p: &mut Probe<'_>,
    sent: &Value,
    language: Option<&str>,
) -> Result<Answer, Failure> {
    let holder = p.holder();
    let mut request = Rest::post("/v1/seniors", sent);
    if let Some(language) = language {
        request = request.header("accept-language", language);
    }
    let answer = p.rest(&holder, request).await?;
    if !(400..500).contains(&answer.status) {
        return Err(unexpected(
            "登记无效的老年人档案",
            "registering an invalid profile",
            answer.status,
            "422",
        ));
    }
    Ok(answer)
}

fn messages(answer: &Answer) -> Vec<&str> {
    answer
        .body
        .get("violations")
        .and_then(Value::as_array)
        .map(|v| {
            v.iter()
                .filter_map(|v| v.get("message")?.as_str())
                .collect()
        })
        .unwrap_or_default()
}

pub async fn violations(p: &mut Probe<'_>) -> Outcome {
    let sent = invalid(p);
    let answer = refused(p, &sent, None).await?;
    ensure(
        answer.is_problem(),
        "错误响应不是 application/problem+json",
        "the refusal is not application/problem+json",
    )?;
    let body = &answer.body;
    ensure(
        body.get("type").is_some_and(Value::is_string)
            && body.get("title").is_some_and(Value::is_string)
            && body.get("status").and_then(Value::as_u64) == Some(u64::from(answer.status)),
        "问题文档缺少 type、title，或 status 与响应状态不符",
        "the problem document lacks type or title, or its status differs from the answer's",
    )?;
    let violations = body
        .get("violations")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for v in &violations {
        let path = v.get("path").and_then(Value::as_str);
        ensure(
            path.is_some()
                && v.get("rule").is_some_and(Value::is_string)
                && v.get("message").is_some_and(Value::is_string),
            format!("违规项缺少 path、rule 或 message（路径 {path:?}）"),
            format!("a violation lacks path, rule or message (path {path:?})"),
        )?;
        let path = path.unwrap_or_default();
        ensure(
            path.is_empty() || sent.pointer(path).is_some(),
            format!("违规路径 {path} 不是指向所发送文档的 JSON Pointer"),
            format!("the violation path {path} is not a JSON Pointer into the document sent"),
        )?;
    }
    let paths: Vec<&str> = violations
        .iter()
        .filter_map(|v| v.get("path")?.as_str())
        .collect();
    let missing: Vec<&str> = BROKEN
        .iter()
        .copied()
        .filter(|b| !paths.contains(b))
        .collect();
    ensure(
        missing.is_empty(),
        format!("未列出全部违规：缺少 {}", missing.join("、")),
        format!(
            "not every violation is listed: {} missing",
            missing.join(", ")
        ),
    )
}

fn has_han(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

pub async fn languages(p: &mut Probe<'_>) -> Outcome {
    let sent = invalid(p);
    let zh = refused(p, &sent, None).await?;
    let en = refused(p, &sent, Some("en")).await?;
    let (zh, en) = (messages(&zh), messages(&en));
    ensure(
        !zh.is_empty() && zh.iter().all(|m| has_han(m)),
        format!("默认的违规说明不是中文：{zh:?}"),
        format!("the messages are not Chinese by default: {zh:?}"),
    )?;
    ensure(
        !en.is_empty() && en.iter().all(|m| !has_han(m)),
        format!("Accept-Language: en 时违规说明不是英文：{en:?}"),
        format!("the messages are not English on Accept-Language: en: {en:?}"),
    )
}

pub async fn grpc_details(p: &mut Probe<'_>) -> Outcome {
    let holder = p.holder();
    let sent = invalid(p);
    let typed = super::as_message(sent)?;
    let result = SeniorServiceClient::new(holder.channel())
        .create_senior(p.grpc(&holder, typed.clone(), None, None))
        .await;
    p.keep_grpc(&holder, "SeniorService/CreateSenior", &typed, &result);
    let status = match result {
        Err(status) if status.code() == tonic::Code::InvalidArgument => status,
        Err(status) => {
            return Err(unexpected(
                "gRPC 登记无效档案",
                "registering an invalid profile over gRPC",
                format!("{:?}", status.code()),
                "INVALID_ARGUMENT",
            ));
        }
        Ok(_) => {
            return Err(unexpected(
                "gRPC 登记无效档案",
                "registering an invalid profile over gRPC",
                "OK",
                "INVALID_ARGUMENT",
            ));
        }
    };
    let fields: Vec<String> = status
        .get_details_bad_request()
        .map(|b| b.field_violations.into_iter().map(|v| v.field).collect())
        .unwrap_or_default();
    if let Some(last) = p.evidence.last_mut() {
        last["fieldViolations"] = fields.clone().into();
    }
    // A field as a JSON Pointer or a dotted path, in the JSON names or the proto's
    // snake_case ones: all name the same place.
    let names = |wanted: &str| {
        let dotted = wanted.trim_start_matches('/').replace('/', ".");
        let snake: String = dotted
            .chars()
            .flat_map(|c| {
                if c.is_ascii_uppercase() {
                    vec!['_', c.to_ascii_lowercase()]
                } else {
                    vec![c]
                }
            })
            .collect();
        fields
            .iter()
            .any(|f| *f == wanted || *f == dotted || *f == snake)
    };
    let missing: Vec<&str> = BROKEN.iter().copied().filter(|b| !names(b)).collect();
    ensure(
        missing.is_empty(),
        format!(
            "google.rpc.BadRequest 未列出：{}（列出的是 {fields:?}）",
            missing.join("、")
        ),
        format!(
            "google.rpc.BadRequest does not name {} (it names {fields:?})",
            missing.join(", ")
        ),
    )
}
