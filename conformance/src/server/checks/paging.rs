//! JY-SRV-PAGE-01: following the page tokens reaches every item once.

use std::collections::BTreeSet;

use jiayang_proto::v1::{ListSeniorsRequest, senior_service_client::SeniorServiceClient};
use serde_json::{Value, json};

use super::{PURPOSE, unexpected};
use crate::{
    fixtures,
    outcome::{Failure, Outcome, ensure, fail, skip},
    server::wire::{Probe, Rest, escape_query},
};

// The run's seniors live in a street of their own choosing and the list is filtered by
// it: on a server holding many seniors, small pages of all of them would take long.

/// Small pages, so that the run's own items span several.
const PAGE_SIZE: u32 = 3;
/// A server holding more than this many pages for the participant is not paged through.
const MOST_PAGES: usize = 2000;
/// Items the run adds before paging.
const ITEMS: usize = 7;

/// Registers [`ITEMS`] seniors living in `street` in one batch: their ids.
async fn seven(p: &mut Probe<'_>, label: &str, street: &str) -> Result<Vec<String>, Failure> {
    let holder = p.holder();
    let seniors: Vec<Value> = (0..ITEMS)
        .map(|n| {
            let mut senior = p.new_senior(&format!("{label}-{n}"));
            senior["address"]["divisionCode"] = street.into();
            senior
        })
        .collect();
    let answer = p
        .rest(
            &holder,
            Rest::post("/v1/seniors:batchCreate", &json!({ "seniors": seniors })),
        )
        .await?;
    let ids: Vec<String> = answer
        .body
        .get("results")
        .and_then(Value::as_array)
        .map(|results| {
            results
                .iter()
                .filter_map(|r| r.get("id").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    if answer.status == 200 && ids.len() == ITEMS {
        Ok(ids)
    } else {
        Err(fail(
            format!(
                "批量登记返回 {}，{} 条中只有 {} 条成功",
                answer.status,
                ITEMS,
                ids.len()
            ),
            format!(
                "the batch create answered {}, {} of {} registered",
                answer.status,
                ids.len(),
                ITEMS
            ),
        ))
    }
}

/// No id twice, and every made id among those seen.
fn judge(seen: &[String], made: &[String]) -> Outcome {
    let mut once = BTreeSet::new();
    let repeated: Vec<&String> = seen.iter().filter(|id| !once.insert(*id)).collect();
    ensure(
        repeated.is_empty(),
        format!("分页中重复出现：{repeated:?}"),
        format!("items repeated across pages: {repeated:?}"),
    )?;
    let missing: Vec<&String> = made.iter().filter(|id| !once.contains(id)).collect();
    ensure(
        missing.is_empty(),
        format!("分页读到末尾仍缺少本次登记的：{missing:?}"),
        format!("paged to the end, the run's own items are missing: {missing:?}"),
    )
}

/// A page that hands back the token it was asked with: following it never ends.
fn looping() -> Failure {
    fail(
        "nextPageToken 与请求的 pageToken 相同，分页不会结束",
        "nextPageToken is the pageToken asked with: paging never ends",
    )
}

fn too_many() -> Failure {
    skip(
        format!("超过 {MOST_PAGES} 页，未读到末尾"),
        format!("more than {MOST_PAGES} pages: not paged to the end"),
    )
}

pub async fn rest(p: &mut Probe<'_>) -> Outcome {
    let holder = p.holder();
    let street = fixtures::street();
    let made = seven(p, "page-rest", street).await?;
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    for number in 0..MOST_PAGES {
        let mut path = format!("/v1/seniors?pageSize={PAGE_SIZE}&division={street}");
        if let Some(token) = &token {
            path.push_str(&format!("&pageToken={}", escape_query(token)));
        }
        // Only the first and last pages are kept as evidence: the rest say nothing new.
        let kept = p.evidence.len();
        let page = p.rest(&holder, Rest::get(path).purpose(PURPOSE)).await?;
        if page.status != 200 {
            return Err(unexpected("读取一页", "reading a page", page.status, "200"));
        }
        let items = page.body.get("seniors").and_then(Value::as_array);
        let items = items.map(Vec::as_slice).unwrap_or_default();
        ensure(
            items.len() <= PAGE_SIZE as usize,
            format!("一页有 {} 项，超过 pageSize {PAGE_SIZE}", items.len()),
            format!(
                "a page held {} items, over pageSize {PAGE_SIZE}",
                items.len()
            ),
        )?;
        seen.extend(
            items
                .iter()
                .filter_map(|s| s.get("id").and_then(Value::as_str).map(str::to_owned)),
        );
        let next = page
            .text("/nextPageToken")
            .filter(|t| !t.is_empty())
            .map(str::to_owned);
        if next.is_some() && next == token {
            return Err(looping());
        }
        token = next;
        if token.is_none() {
            return judge(&seen, &made);
        }
        if number > 0 {
            p.evidence.truncate(kept);
        }
    }
    Err(too_many())
}

pub async fn grpc(p: &mut Probe<'_>) -> Outcome {
    let holder = p.holder();
    let street = fixtures::street();
    let made = seven(p, "page-grpc", street).await?;
    let mut seen = Vec::new();
    let mut token = String::new();
    let mut client = SeniorServiceClient::new(holder.channel());
    for page in 0..MOST_PAGES {
        let request = ListSeniorsRequest {
            page_size: PAGE_SIZE as i32,
            page_token: token.clone(),
            division: street.to_owned(),
            ..Default::default()
        };
        let result = client
            .list_seniors(p.grpc(&holder, request.clone(), Some(PURPOSE), None))
            .await;
        if page == 0 {
            p.keep_grpc(&holder, "SeniorService/ListSeniors", &request, &result);
        }
        let response = match result {
            Ok(response) => response.into_inner(),
            Err(status) => {
                p.keep_grpc::<()>(
                    &holder,
                    "SeniorService/ListSeniors",
                    &request,
                    &Err(status.clone()),
                );
                return Err(unexpected(
                    "gRPC 读取一页",
                    "reading a page over gRPC",
                    format!("{:?}", status.code()),
                    "OK",
                ));
            }
        };
        ensure(
            response.seniors.len() <= PAGE_SIZE as usize,
            format!(
                "一页有 {} 项，超过 pageSize {PAGE_SIZE}",
                response.seniors.len()
            ),
            format!(
                "a page held {} items, over pageSize {PAGE_SIZE}",
                response.seniors.len()
            ),
        )?;
        seen.extend(response.seniors.into_iter().map(|s| s.id));
        if response.next_page_token.is_empty() {
            return judge(&seen, &made);
        }
        if response.next_page_token == token {
            return Err(looping());
        }
        token = response.next_page_token;
    }
    Err(too_many())
}
