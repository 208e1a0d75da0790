//! JY-SRV-OPS-01: the operations endpoints answer without credentials and carry nothing
//! of the people the run registered.

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
        ensure(
            answer.status == 200,
            format!("{endpoint} 无凭证访问返回 {}，预期 200", answer.status),
            format!(
                "{endpoint} answered {} without credentials, expected 200",
                answer.status
            ),
        )?;
        let text = match &answer.body {
            serde_json::Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        let found = personal
            .iter()
            .filter(|v| text.contains(v.as_str()))
            .count();
        ensure(
            found == 0,
            format!("{endpoint} 含有本次登记的 {found} 项个人信息"),
            format!("{endpoint} carries {found} personal values the run registered"),
        )?;
    }
    Ok(())
}
