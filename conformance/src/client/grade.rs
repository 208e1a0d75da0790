//! Grading what the sandbox saw: one test per requirement of client mode.

use std::time::Duration;

use serde_json::Value;

use super::recorder::{RETRY_AFTER, Seen};
use crate::outcome::{Outcome, TestCase, ensure, fail};

/// What a test finds in the recording: its outcome and the requests that show it.
pub type Graded = (Outcome, Vec<Value>);

/// A test of client mode and how it reads the recording (`senior`: the one granted).
#[derive(Clone, Copy)]
pub struct Grader {
    pub case: TestCase,
    pub grade: fn(&[Seen], &str) -> Graded,
}

impl std::fmt::Debug for Grader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.case.fmt(f)
    }
}

pub static GRADERS: &[Grader] = &[
    Grader {
        case: TestCase {
            name: "client.tasks",
            requirements: &["JY-CLI-TASKS-01"],
        },
        grade: tasks,
    },
    Grader {
        case: TestCase {
            name: "client.purpose",
            requirements: &["JY-CLI-PURPOSE-01"],
        },
        grade: purpose,
    },
    Grader {
        case: TestCase {
            name: "client.idempotency",
            requirements: &["JY-CLI-IDEMP-01"],
        },
        grade: idempotency,
    },
    Grader {
        case: TestCase {
            name: "client.if_match",
            requirements: &["JY-CLI-IFMATCH-01"],
        },
        grade: if_match,
    },
    Grader {
        case: TestCase {
            name: "client.precondition_failed",
            requirements: &["JY-CLI-STALE-01"],
        },
        grade: precondition_failed,
    },
    Grader {
        case: TestCase {
            name: "client.paging",
            requirements: &["JY-CLI-PAGE-01"],
        },
        grade: paging,
    },
    Grader {
        case: TestCase {
            name: "client.retry",
            requirements: &["JY-CLI-RETRY-01"],
        },
        grade: retry,
    },
    Grader {
        case: TestCase {
            name: "client.withheld",
            requirements: &["JY-CLI-WITHHELD-01"],
        },
        grade: withheld,
    },
];

/// A client may answer a Retry-After a little early by the sandbox's clock.
const CLOCK_SLACK: Duration = Duration::from_millis(100);

fn purpose(seen: &[Seen], _: &str) -> Graded {
    let show = |items: Vec<&Seen>| items.into_iter().map(Seen::evidence).collect::<Vec<_>>();

    let touching: Vec<&Seen> = seen.iter().filter(|s| s.touches_a_senior()).collect();
    let missing: Vec<&Seen> = touching
        .iter()
        .copied()
        .filter(|s| s.purpose.is_none())
        .collect();
    let outcome = if touching.is_empty() {
        Err(fail(
            "没有涉及老年人数据的请求",
            "no request touched a senior's data",
        ))
    } else {
        ensure(
            missing.is_empty(),
            format!("{} 个请求未声明 x-jiayang-purpose", missing.len()),
            format!("{} requests declared no x-jiayang-purpose", missing.len()),
        )
    };
    (
        outcome,
        show(if missing.is_empty() {
            touching
        } else {
            missing
        }),
    )
}

fn if_match(seen: &[Seen], _: &str) -> Graded {
    let show = |items: Vec<&Seen>| items.into_iter().map(Seen::evidence).collect::<Vec<_>>();

    let puts: Vec<&Seen> = seen.iter().filter(|s| s.method == "PUT").collect();
    let bare: Vec<&Seen> = puts
        .iter()
        .copied()
        .filter(|s| s.if_match.is_none())
        .collect();
    let outcome = if puts.is_empty() {
        Err(fail("没有更新请求", "no update was made"))
    } else {
        ensure(
            bare.is_empty(),
            format!("{} 个 PUT 未带 If-Match", bare.len()),
            format!("{} PUTs carried no If-Match", bare.len()),
        )
    };
    (outcome, show(if bare.is_empty() { puts } else { bare }))
}

fn withheld(seen: &[Seen], _: &str) -> Graded {
    let show = |items: Vec<&Seen>| items.into_iter().map(Seen::evidence).collect::<Vec<_>>();

    let refused: Vec<&Seen> = seen.iter().filter(|s| s.status == 403).collect();
    (
        ensure(
            refused.is_empty(),
            format!("{} 个请求被授权检查拒绝（403）", refused.len()),
            format!(
                "{} requests were refused by the consent check (403)",
                refused.len()
            ),
        ),
        show(refused),
    )
}

pub(super) fn tasks(seen: &[Seen], senior: &str) -> Graded {
    let done = |what: &dyn Fn(&Seen) -> bool| seen.iter().find(|s| what(s));
    // The last page: an answer with no nextPageToken (however large the pages asked).
    let listed = done(&|s| {
        s.method == "GET"
            && s.path == "/v1/providers"
            && s.status == 200
            && s.next_page_token.is_none()
    });
    let read = done(&|s| {
        s.method == "GET" && s.path == format!("/v1/seniors/{senior}") && s.status == 200
    });
    let created =
        done(&|s| s.method == "POST" && s.path == "/v1/service-records" && s.status == 201);
    let updated = done(&|s| {
        s.method == "PUT" && s.path.starts_with("/v1/service-records/") && s.status == 200
    });
    let tasks = [
        (
            listed,
            "列出服务商直到最后一页",
            "list the providers to the last page",
        ),
        (read, "读取指定的老年人", "read the senior"),
        (
            created,
            "提交一条已完成的服务记录",
            "submit a completed visit",
        ),
        (updated, "更新这条服务记录", "update the visit"),
    ];
    let (zh, en): (Vec<&str>, Vec<&str>) = tasks
        .iter()
        .filter(|(found, ..)| found.is_none())
        .map(|(_, zh, en)| (*zh, *en))
        .unzip();
    let evidence = tasks
        .iter()
        .filter_map(|(found, ..)| found.map(Seen::evidence))
        .collect();
    (
        ensure(
            zh.is_empty(),
            format!("未完成：{}", zh.join("；")),
            format!("not done: {}", en.join("; ")),
        ),
        evidence,
    )
}

fn idempotency(seen: &[Seen], _: &str) -> Graded {
    let creates: Vec<&Seen> = seen.iter().filter(|s| s.is_create()).collect();
    if creates.is_empty() {
        return (Err(fail("没有创建请求", "no create was made")), Vec::new());
    }
    let bare: Vec<&Seen> = creates
        .iter()
        .copied()
        .filter(|s| s.key.is_none())
        .collect();
    if !bare.is_empty() {
        return (
            Err(fail(
                format!("{} 个创建请求未带 Idempotency-Key", bare.len()),
                format!("{} creates carried no Idempotency-Key", bare.len()),
            )),
            bare.into_iter().map(Seen::evidence).collect(),
        );
    }
    // The create the sandbox refused with a 503 is retried under the same key.
    let refused = creates.iter().position(|s| s.injected);
    if let Some(at) = refused {
        let first = creates[at];
        let retry = creates[at + 1..].iter().find(|s| s.path == first.path);
        if let Some(retry) = retry
            && retry.key != first.key
        {
            return (
                Err(fail(
                    "503 之后的重试换了幂等键",
                    "the retry after the 503 used another idempotency key",
                )),
                vec![first.evidence(), retry.evidence()],
            );
        }
    }
    (Ok(()), creates.into_iter().map(Seen::evidence).collect())
}

fn precondition_failed(seen: &[Seen], _: &str) -> Graded {
    let Some(at) = seen
        .iter()
        .position(|s| s.method == "PUT" && s.status == 412)
    else {
        return (
            Err(fail("没有遇到 412 的更新", "no update met the 412")),
            Vec::new(),
        );
    };
    let stale = &seen[at];
    let after = &seen[at + 1..];
    let next_put = after
        .iter()
        .position(|s| s.method == "PUT" && s.path == stale.path);
    let read_again = after[..next_put.unwrap_or(after.len())]
        .iter()
        .any(|s| s.method == "GET" && s.path == stale.path && s.status == 200);
    let mut evidence = vec![stale.evidence()];
    let outcome = match next_put.map(|i| &after[i]) {
        None => Err(fail("412 之后没有再次更新", "no update after the 412")),
        Some(put) => {
            evidence.push(put.evidence());
            if !read_again {
                Err(fail(
                    "412 之后未重新读取就再次更新",
                    "updated again after the 412 without reading first",
                ))
            } else {
                ensure(
                    (200..300).contains(&put.status) && put.if_match != stale.if_match,
                    format!("412 之后的更新返回 {}", put.status),
                    format!("the update after the 412 answered {}", put.status),
                )
            }
        }
    };
    (outcome, evidence)
}

/// The value of `name` in a query string, percent-decoded.
fn query_value(query: &str, name: &str) -> Option<String> {
    let raw = query
        .split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")))?;
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

fn paging(seen: &[Seen], _: &str) -> Graded {
    let lists: Vec<&Seen> = seen
        .iter()
        .filter(|s| s.method == "GET" && s.path == "/v1/providers")
        .collect();
    if lists.is_empty() {
        return (
            Err(fail("没有列出服务商", "the providers were not listed")),
            Vec::new(),
        );
    }
    let asked: Vec<String> = lists
        .iter()
        .filter_map(|s| query_value(&s.query, "pageToken"))
        .collect();
    let dropped: Vec<&Seen> = lists
        .iter()
        .copied()
        .filter(|s| {
            s.next_page_token
                .as_ref()
                .is_some_and(|t| !asked.contains(t))
        })
        .collect();
    (
        ensure(
            dropped.is_empty(),
            format!("{} 个 nextPageToken 未被继续请求", dropped.len()),
            format!("{} nextPageTokens were not followed", dropped.len()),
        ),
        lists.into_iter().map(Seen::evidence).collect(),
    )
}

fn retry(seen: &[Seen], _: &str) -> Graded {
    let injected: Vec<usize> = (0..seen.len()).filter(|&i| seen[i].injected).collect();
    if injected.is_empty() {
        return (
            Err(fail(
                "客户端没有遇到沙箱注入的 503 或 429（未创建服务记录）",
                "the client never met the sandbox's 503 or 429 (no visit created)",
            )),
            Vec::new(),
        );
    }
    let mut evidence = Vec::new();
    for i in injected {
        let refused = &seen[i];
        evidence.push(refused.evidence());
        let again = seen[i + 1..].iter().find(|s| {
            s.method == refused.method && s.path == refused.path && s.query == refused.query
        });
        let Some(again) = again else {
            return (
                Err(fail(
                    format!(
                        "{} {} 被拒绝（{}）后没有重试",
                        refused.method, refused.path, refused.status
                    ),
                    format!(
                        "{} {} was not retried after its {}",
                        refused.method, refused.path, refused.status
                    ),
                )),
                evidence,
            );
        };
        evidence.push(again.evidence());
        let waited = again.at.saturating_sub(refused.at);
        if waited + CLOCK_SLACK < RETRY_AFTER {
            return (
                Err(fail(
                    format!(
                        "{} 后 {} 毫秒即重试，未按 Retry-After 等待",
                        refused.status,
                        waited.as_millis()
                    ),
                    format!(
                        "retried {} ms after the {}, not waiting as Retry-After said",
                        waited.as_millis(),
                        refused.status
                    ),
                )),
                evidence,
            );
        }
    }
    (Ok(()), evidence)
}
