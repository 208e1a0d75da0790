//! JY-SRV-OPS-01: the operations endpoints answer without credentials and carry nothing
//! of the people the run registered.

use serde_json::{Value, json};

use crate::{
    outcome::{Outcome, ensure},
    server::wire::{Probe, Rest},
};

const ENDPOINTS: &[&str] = &["/healthz", "/readyz", "/metrics", "/openapi.json"];

pub async fn no_personal_data(p: &mut Probe<'_>) -> Outcome {
    let anonymous = p.s.anonymous.clone();
    let personal =
        p.s.personal
            .lock()
            .expect("no test panics holding it")
            .clone();
    for endpoint in ENDPOINTS {
        let answer = p.rest(&anonymous, Rest::get(*endpoint)).await?;
        // A server may keep its metrics and its API document for the authenticated;
        // then there is nothing here to look at. Health must answer anyone.
        if *endpoint != "/healthz" && matches!(answer.status, 401 | 403) {
            continue;
        }
        ensure(
            answer.status == 200,
            format!("{endpoint} 无凭证访问返回 {}，预期 200", answer.status),
            format!(
                "{endpoint} answered {} without credentials, expected 200",
                answer.status
            ),
        )?;
        let text = match &answer.body {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        let leaks = |line: &&str| personal.iter().any(|v| line.contains(v.as_str()));
        let lines: Vec<&str> = text.lines().filter(leaks).collect();
        // The lines that leak are the evidence (a long body is cut in the exchange kept);
        // the report must not repeat the values themselves.
        for line in lines.iter().take(5) {
            let around = around_leak(line, &personal);
            p.evidence
                .push(json!({"endpoint": endpoint, "leakingLine": around}));
        }
        p.scrub(&personal);
        ensure(
            lines.is_empty(),
            format!("{endpoint} 有 {} 行含有本次登记的个人信息", lines.len()),
            format!(
                "{endpoint} has {} lines carrying personal values the run registered",
                lines.len()
            ),
        )?;
    }
    Ok(())
}

/// The part of `line` around the first personal value in it (a JSON document is one long
/// line).
fn around_leak(line: &str, personal: &[String]) -> String {
    const MARGIN: usize = 60;
    let Some((at, len)) = personal
        .iter()
        .filter_map(|v| line.find(v.as_str()).map(|at| (at, v.len())))
        .min()
    else {
        return String::new();
    };
    let mut start = at.saturating_sub(MARGIN);
    while !line.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (at + len + MARGIN).min(line.len());
    while !line.is_char_boundary(end) {
        end += 1;
    }
    line[start..end].to_owned()
}
