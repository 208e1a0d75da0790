//! The tests of server mode, by topic. Each is an async function of a [`Probe`] that
//! passes, fails naming what it saw, or is skipped naming what it lacks.

pub mod auth;
pub mod consent;
pub mod events;
pub mod idempotency;
pub mod ops;
pub mod paging;
pub mod problems;
pub mod protocols;
pub mod versions;

use serde_json::Value;

use super::wire::{Party, Probe, Rest};
use crate::{
    fixtures,
    outcome::{Failure, fail, skip},
};

/// The purpose every read of a senior declares.
pub const PURPOSE: &str = "SERVICE_DELIVERY";

impl Probe<'_> {
    /// A fresh senior profile of this run, numbered within it.
    pub fn new_senior(&self, label: &str) -> Value {
        let external = format!("{}-{label}", self.s.prefix);
        let senior = fixtures::senior(&self.s.holder.id, &external);
        self.s
            .personal
            .lock()
            .expect("no test panics holding it")
            .extend(fixtures::personal_values(&senior));
        senior
    }

    /// The run's idempotency key for `label`.
    pub fn key(&self, label: &str) -> String {
        format!("{}-{label}", self.s.prefix)
    }

    pub fn holder(&self) -> Party {
        self.s.holder.clone()
    }

    /// The grantee, or a skip naming the options that give one.
    pub fn grantee(&self) -> Result<Party, Failure> {
        self.s.grantee.clone().ok_or_else(|| {
            skip(
                "未提供被授权方（--grantee 与 --grantee-token 或 --grantee-cert/--grantee-key），无法检查授权",
                "no grantee given (--grantee with --grantee-token or --grantee-cert/--grantee-key): consent cannot be checked",
            )
        })
    }

    /// Registers a fresh senior as the holder over REST: its id and the document sent.
    pub async fn register(&mut self, label: &str) -> Result<(String, Value), Failure> {
        let senior = self.new_senior(label);
        let holder = self.holder();
        let answer = self
            .rest(
                &holder,
                Rest::post("/v1/seniors", &senior).key(&self.key(label)),
            )
            .await?;
        match answer.text("/id") {
            Some(id) if answer.status == 201 => Ok((id.to_owned(), senior)),
            _ => Err(fail(
                format!("登记老年人返回 {}，预期 201 与编号", answer.status),
                format!(
                    "registering a senior answered {}, expected 201 with an id",
                    answer.status
                ),
            )),
        }
    }

    /// The holder grants the grantee BASIC, CONTACT and LOCATION for SERVICE_DELIVERY on
    /// `senior_id`: the consent's id.
    pub async fn grant(&mut self, senior_id: &str, grantee: &Party) -> Result<String, Failure> {
        let holder = self.holder();
        let consent = fixtures::grant(senior_id, &grantee.id);
        let key = self.key(&format!("grant-{senior_id}"));
        let answer = self
            .rest(&holder, Rest::post("/v1/consents", &consent).key(&key))
            .await?;
        match answer.text("/id") {
            Some(id) if answer.status == 201 => Ok(id.to_owned()),
            _ => Err(fail(
                format!("记录授权返回 {}，预期 201", answer.status),
                format!(
                    "recording a consent answered {}, expected 201",
                    answer.status
                ),
            )),
        }
    }

    /// Withdraws a grant the run made.
    pub async fn withdraw(&mut self, consent_id: &str) -> Result<(), Failure> {
        let holder = self.holder();
        let answer = self
            .rest(
                &holder,
                Rest::post(
                    format!("/v1/consents/{consent_id}:withdraw"),
                    &serde_json::json!({"reason": "conformance run"}),
                ),
            )
            .await?;
        if answer.status == 200 {
            Ok(())
        } else {
            Err(fail(
                format!("撤回授权返回 {}，预期 200", answer.status),
                format!(
                    "withdrawing a consent answered {}, expected 200",
                    answer.status
                ),
            ))
        }
    }
}

/// A profile as the gRPC message, or a failure: the suite's own document must convert.
pub fn as_message(senior: Value) -> Result<jiayang_proto::v1::SeniorProfile, Failure> {
    serde_json::from_value(senior).map_err(|e| {
        fail(
            format!("老年人档案无法转为 gRPC 消息：{e}"),
            format!("the profile does not convert to the gRPC message: {e}"),
        )
    })
}

/// A status the test did not expect, as a failure naming both.
pub fn unexpected(
    what_zh: &str,
    what_en: &str,
    got: impl std::fmt::Display,
    want: &str,
) -> Failure {
    fail(
        format!("{what_zh}：返回 {got}，预期 {want}"),
        format!("{what_en}: answered {got}, expected {want}"),
    )
}
