//! What every gRPC method shares: the request's language, id and call; proto messages to
//! and from canonical JSON (the proto3 JSON mapping is the canonical form); the one way
//! a failure becomes a status; and the generic create / get / update.

use jiayang_domain::{
    Call, Error, Gateway, ItemResult, PageRequest,
    release::{Released, ReleasedPage},
    resource::{self, Resource},
    rules,
};
use jiayang_proto::v1::{BatchCreateResponse, BatchItemResult, FieldViolation, Withheld};
use jiayang_schemas::{Lang, Violation};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Value, value::RawValue};
use tonic::{Request, Response, Status};

use crate::{
    error::ApiError,
    request::{RequestId, RequestLang, call_of},
    wire,
};

/// A gRPC request's language, id and authenticated call.
pub struct Ctx {
    pub lang: Lang,
    request_id: String,
    call: Option<Call>,
}

impl Ctx {
    pub fn of<T>(request: &Request<T>) -> Self {
        let extensions = request.extensions();
        Self {
            lang: RequestLang::of(extensions),
            request_id: RequestId::of(extensions).to_owned(),
            call: call_of(extensions).cloned(),
        }
    }

    /// The authenticated call (the server's guard put it there).
    pub fn call(&self) -> Result<&Call, Status> {
        self.call
            .as_ref()
            .ok_or_else(|| self.fail(Error::Unauthenticated))
    }

    /// The answer to a failed request: recorded as the call's outcome in its audit trail,
    /// then made a status.
    pub fn fail(&self, error: impl Into<ApiError>) -> Status {
        let error = error.into();
        if let Some(call) = &self.call {
            call.trail.failed(error.refusal());
        }
        error.status(self.lang, &self.request_id)
    }

    /// Canonical JSON as the message `M`. Stored documents always convert; a failure is
    /// ours (and its parser text, which may quote a value, is not kept).
    pub fn message<M: DeserializeOwned>(&self, value: Value) -> Result<M, Status> {
        serde_json::from_value(value).map_err(|_| {
            self.fail(Error::Internal(
                "a stored document does not convert to its proto message".into(),
            ))
        })
    }

    /// A released resource as the message `M`, with the categories left out of it in
    /// the response metadata.
    pub fn released<M: DeserializeOwned>(&self, released: Released) -> Result<Response<M>, Status> {
        let mut response = Response::new(self.message(released.resource)?);
        if let Ok(value) = released.withheld.join(",").parse() {
            response
                .metadata_mut()
                .insert(wire::WITHHELD_CATEGORIES, value);
        }
        Ok(response)
    }

    /// A released page's items as messages `M`, and what was withheld from which.
    pub fn released_items<M: DeserializeOwned>(
        &self,
        page: &mut ReleasedPage,
    ) -> Result<(Vec<M>, Vec<Withheld>), Status> {
        let items = std::mem::take(&mut page.items)
            .into_iter()
            .map(|v| self.message(v))
            .collect::<Result<_, _>>()?;
        let withheld = std::mem::take(&mut page.withheld)
            .into_iter()
            .map(|(id, categories)| Withheld {
                id,
                categories: categories.into_iter().map(str::to_owned).collect(),
            })
            .collect();
        Ok((items, withheld))
    }

    /// Items as messages `M`.
    pub fn messages<M: DeserializeOwned>(&self, items: Vec<Value>) -> Result<Vec<M>, Status> {
        items.into_iter().map(|v| self.message(v)).collect()
    }

    /// Items rendered to JSON text as messages `M`, read straight from the text.
    pub fn raw_messages<M: DeserializeOwned>(
        &self,
        items: &[Box<RawValue>],
    ) -> Result<Vec<M>, Status> {
        items
            .iter()
            .map(|item| {
                serde_json::from_str(item.get()).map_err(|_| {
                    self.fail(Error::Internal(
                        "a stored document does not convert to its proto message".into(),
                    ))
                })
            })
            .collect()
    }

    pub fn batch_response(&self, results: &[ItemResult]) -> BatchCreateResponse {
        BatchCreateResponse {
            results: results
                .iter()
                .enumerate()
                .map(|(i, r)| item_result(i, r, self.lang))
                .collect(),
        }
    }
}

/// A proto message as canonical JSON.
pub fn to_json<T: Serialize>(message: &T) -> Value {
    serde_json::to_value(message).unwrap_or(Value::Null)
}

/// The `idempotency-key` metadata entry, if any.
fn idempotency_key<T>(request: &Request<T>) -> Result<Option<&str>, Error> {
    match request.metadata().get(wire::IDEMPOTENCY_KEY) {
        None => Ok(None),
        Some(value) => value.to_str().map(Some).map_err(|_| {
            Error::invalid(Violation::new(
                "",
                rules::HEADER_FORMAT,
                format!("元数据 {} 无效", wire::IDEMPOTENCY_KEY),
                format!("the {} metadata is not valid text", wire::IDEMPOTENCY_KEY),
            ))
        }),
    }
}

/// An empty string is "not given" in proto3.
pub fn given(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}

/// `call`'s request for a page: proto3's 0 and "" are "not given".
pub fn page(call: &Call, size: i32, token: &str) -> PageRequest {
    PageRequest::new(
        call,
        (size != 0).then_some(i64::from(size)),
        given(token).map(str::to_owned),
    )
}

pub fn item_result(index: usize, result: &ItemResult, lang: Lang) -> BatchItemResult {
    let mut item = BatchItemResult {
        index: index as i32,
        ..Default::default()
    };
    match result {
        ItemResult::Created { id } => item.id = id.clone(),
        ItemResult::Invalid(violations) => {
            item.violations = violations
                .iter()
                .map(|v| {
                    let local = v.localized(lang);
                    FieldViolation {
                        path: local.path.to_owned(),
                        rule: local.rule.to_owned(),
                        message: local.message.to_owned(),
                    }
                })
                .collect();
        }
        ItemResult::Failed(error) => {
            item.error = format!("{}: {}", error.slug(), error.message().get(lang))
        }
    }
    item
}

/// `Create…`: `body` created (idempotently, with the `idempotency-key` metadata) and
/// answered as the message `M`.
pub async fn create<R: Resource, M: DeserializeOwned, T>(
    gateway: &Gateway,
    request: &Request<T>,
    parent: Option<&str>,
    body: Value,
) -> Result<Response<M>, Status> {
    let ctx = Ctx::of(request);
    let call = ctx.call()?;
    let key = idempotency_key(request).map_err(|e| ctx.fail(e))?;
    let created = resource::create::<R>(gateway, call, parent, body, key)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(Response::new(ctx.message(created.resource)?))
}

/// `Get…`: one resource without personal data as the message `M`.
pub async fn get<R: Resource, M: DeserializeOwned, T>(
    gateway: &Gateway,
    request: &Request<T>,
    parent: Option<&str>,
    id: &str,
) -> Result<Response<M>, Status> {
    let ctx = Ctx::of(request);
    ctx.call()?;
    let found = resource::get::<R>(gateway, parent, id)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(Response::new(ctx.message(found)?))
}

/// `Update…`: `resource` replaces the one at `expected` (0: not given).
pub async fn update<R: Resource, M: Serialize + DeserializeOwned + Default, T>(
    gateway: &Gateway,
    request: &Request<T>,
    parent: Option<&str>,
    id: &str,
    resource: Option<&M>,
    expected: i32,
) -> Result<Response<M>, Status> {
    let ctx = Ctx::of(request);
    let call = ctx.call()?;
    let body = resource.map_or_else(|| to_json(&M::default()), to_json);
    let expected = (expected > 0).then_some(expected);
    let updated = resource::update::<R>(gateway, call, parent, id, body, expected)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(Response::new(ctx.message(updated)?))
}

/// `BatchCreate…`: each item created or refused on its own.
pub async fn batch_create<R: Resource, T>(
    gateway: &Gateway,
    request: &Request<T>,
    items: Vec<Value>,
) -> Result<Response<BatchCreateResponse>, Status> {
    let ctx = Ctx::of(request);
    let call = ctx.call()?;
    let _batching = gateway.batches.take(call.me()).map_err(|e| ctx.fail(e))?;
    let results = resource::batch_create::<R>(gateway, call, None, items)
        .await
        .map_err(|e| ctx.fail(e))?;
    Ok(Response::new(ctx.batch_response(&results)))
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use jiayang_proto::v1::SeniorProfile;
    use serde_json::json;

    use super::*;

    /// Log lines written while `f` runs.
    fn logged(f: impl FnOnce()) -> String {
        let lines = Arc::new(Mutex::new(Vec::<u8>::new()));
        let sink = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || SharedWriter(sink.clone()))
            .finish();
        tracing::subscriber::with_default(subscriber, f);
        String::from_utf8(lines.lock().unwrap().clone()).unwrap()
    }

    struct SharedWriter(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for SharedWriter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A stored document that does not convert is our failure: logged once, with the
    /// request id, and neither the log nor the answer quotes a value of the document
    /// (a parser's message would).
    #[test]
    fn an_unconvertible_document_is_logged_once_without_its_values() {
        let ctx = Ctx {
            lang: Lang::En,
            request_id: "req-1".into(),
            call: None,
        };
        let mut status = None;
        let log = logged(|| {
            status = ctx
                .message::<SeniorProfile>(json!({"gender": "110105194403080027"}))
                .err();
        });
        let status = status.expect("the document does not convert");
        assert_eq!(status.code(), tonic::Code::Internal);
        assert!(!status.message().contains("110105194403080027"));
        assert_eq!(log.matches("internal error").count(), 1, "{log}");
        assert!(log.contains("req-1"), "{log}");
        assert!(!log.contains("110105194403080027"), "{log}");
    }
}
