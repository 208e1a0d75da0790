//! JY-SRV-EVT-01: a change appears in the feed, as ids and versions, and the cursor
//! resumes after it.

use std::collections::BTreeSet;

use serde_json::Value;

use super::unexpected;
use crate::{
    fixtures,
    outcome::{Failure, Outcome, ensure, fail},
    server::wire::{Probe, Rest, escape_query},
};

/// Long-polls before the run's event is given up on, each waiting up to `WAIT` seconds.
/// The feed gives up sooner when a poll finds nothing new after the cursor moved past
/// the change.
const POLLS: usize = 6;
const WAIT: u32 = 5;
/// Pages of the existing feed read to reach its end.
const MOST_PAGES: usize = 1000;

/// One read of the holder's feed: its events and the cursor after them.
async fn poll(
    p: &mut Probe<'_>,
    after: Option<&str>,
    wait: u32,
) -> Result<(Vec<Value>, Option<String>), Failure> {
    let holder = p.holder();
    let mut path = format!("/v1/events?limit=500&waitSeconds={wait}");
    if let Some(after) = after {
        path.push_str(&format!("&after={}", escape_query(after)));
    }
    let answer = p.rest(&holder, Rest::get(path)).await?;
    if answer.status != 200 {
        return Err(unexpected(
            "读取事件流",
            "reading the event feed",
            answer.status,
            "200",
        ));
    }
    let events = answer
        .body
        .get("events")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    Ok((events, answer.text("/cursor").map(str::to_owned)))
}

pub async fn feed(p: &mut Probe<'_>) -> Outcome {
    // To the end of what is there: the run's event comes after it.
    let mut cursor = None;
    let mut reached = false;
    for page in 0..MOST_PAGES {
        let kept = p.evidence.len();
        let (events, next) = poll(p, cursor.as_deref(), 0).await?;
        if page > 0 {
            p.evidence.truncate(kept);
        }
        cursor = next.or(cursor);
        if events.is_empty() {
            reached = true;
            break;
        }
    }
    ensure(
        reached && cursor.is_some(),
        "未能读到事件流末尾，或事件流没有游标",
        "the feed's end was not reached, or it gave no cursor",
    )?;
    let (id, sent) = p.register("event").await?;
    let mut seen = Vec::new();
    let mut found = None;
    let mut moved = false;
    for _ in 0..POLLS {
        let (events, next) = poll(p, cursor.as_deref(), WAIT).await?;
        let quiet = next == cursor;
        moved |= !quiet;
        cursor = next.or(cursor);
        found = events
            .iter()
            .find(|e| e["type"] == "senior.created" && e["resource"]["id"] == id.as_str())
            .cloned();
        seen.extend(events);
        // The feed moved on past the registration and then stayed quiet: the event is
        // not coming.
        if found.is_some() || (moved && quiet) {
            break;
        }
    }
    let Some(event) = found else {
        return Err(fail(
            format!(
                "登记老年人 {id} 后 {} 秒内，事件流中没有 senior.created",
                POLLS as u32 * WAIT
            ),
            format!(
                "no senior.created for {id} in the feed within {} s of registering it",
                POLLS as u32 * WAIT
            ),
        ));
    };
    ensure(
        event["resource"]["version"].is_number() || event["resource"]["version"].is_string(),
        "事件未给出资源版本",
        "the event does not carry the resource's version",
    )?;
    let text = event.to_string();
    let leaked: Vec<String> = fixtures::personal_values(&sent)
        .into_iter()
        .filter(|v| text.contains(v.as_str()))
        .collect();
    ensure(
        leaked.is_empty(),
        "事件中含有老年人的个人信息",
        "the event carries the senior's personal data",
    )?;
    // Resumed from the cursor: nothing already read comes again.
    let (after, _) = poll(p, cursor.as_deref(), 0).await?;
    let ids: BTreeSet<String> = seen.iter().map(|e| e["id"].to_string()).collect();
    let repeated: Vec<String> = after
        .iter()
        .map(|e| e["id"].to_string())
        .filter(|id| ids.contains(id))
        .collect();
    ensure(
        repeated.is_empty(),
        format!("从游标续读时重复了事件 {repeated:?}"),
        format!("resuming from the cursor repeated events {repeated:?}"),
    )
}
