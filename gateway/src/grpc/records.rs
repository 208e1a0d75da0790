use jiayang_proto::v1::{
    BatchCreateResponse, BatchCreateServiceRecordsRequest, GetRequest, ImportSummary,
    ListServiceRecordsRequest, ListServiceRecordsResponse, LookupRequest, ServiceRecord,
    UpdateServiceRecordRequest, lookup_request::Key,
    service_record_service_server::ServiceRecordService,
};
use tokio::task::{JoinError, JoinHandle};
use tokio_stream::StreamExt;
use tonic::{Request, Response, Status, Streaming};

use super::convert::*;
use crate::{
    app::AppState,
    domain::references::invalid_lookup,
    domain::{
        ItemResult, PageRequest,
        records::{RecordFilter, ServiceRecords},
        release,
        resource::{self, MAX_BATCH, Resource},
    },
    error::ApiError,
};

pub struct Service(pub AppState);

#[tonic::async_trait]
impl ServiceRecordService for Service {
    async fn create_service_record(
        &self,
        request: Request<ServiceRecord>,
    ) -> Result<Response<ServiceRecord>, Status> {
        let body = to_json(request.get_ref());
        create::<ServiceRecords, _, _>(
            &self.0.gateway,
            &request,
            None,
            ServiceRecords::PREFIX,
            body,
        )
        .await
    }

    async fn get_service_record(
        &self,
        request: Request<GetRequest>,
    ) -> Result<Response<ServiceRecord>, Status> {
        let (lang, reader) = (lang(&request), reader(&request)?);
        let found = release::record(&self.0.gateway, &reader, &request.get_ref().id)
            .await
            .map_err(status(lang))?;
        released(found, lang)
    }

    async fn update_service_record(
        &self,
        request: Request<UpdateServiceRecordRequest>,
    ) -> Result<Response<ServiceRecord>, Status> {
        let asked = request.get_ref();
        let (id, record) = (&asked.id, asked.service_record.as_ref());
        update::<ServiceRecords, _, _>(
            &self.0.gateway,
            &request,
            None,
            id,
            record,
            asked.expected_version,
        )
        .await
    }

    async fn list_service_records(
        &self,
        request: Request<ListServiceRecordsRequest>,
    ) -> Result<Response<ListServiceRecordsResponse>, Status> {
        let (lang, reader) = (lang(&request), reader(&request)?);
        let q = request.into_inner();
        let page = PageRequest {
            page_size: page_size(q.page_size),
            page_token: given(&q.page_token).map(str::to_owned),
        };
        let owned = |text: &str| given(text).map(str::to_owned);
        let filter = RecordFilter {
            senior_id: owned(&q.senior_id),
            provider_id: owned(&q.provider_id),
            status: owned(&q.status),
            from: owned(&q.from),
            to: owned(&q.to),
        };
        let mut page = release::service_records(&self.0.gateway, &reader, &page, &filter)
            .await
            .map_err(status(lang))?;
        let (service_records, withheld) = released_items(&mut page, lang)?;
        Ok(Response::new(ListServiceRecordsResponse {
            service_records,
            next_page_token: page.next_page_token.unwrap_or_default(),
            withheld,
        }))
    }

    async fn lookup_service_record(
        &self,
        request: Request<LookupRequest>,
    ) -> Result<Response<ServiceRecord>, Status> {
        let (lang, reader) = (lang(&request), reader(&request)?);
        let Some(Key::ExternalId(external)) = request.into_inner().key else {
            return Err(invalid_lookup().to_status(lang));
        };
        let found = release::lookup_record(
            &self.0.gateway,
            &reader,
            &external.participant,
            &external.id,
        )
        .await
        .map_err(status(lang))?;
        released(found, lang)
    }

    async fn batch_create_service_records(
        &self,
        request: Request<BatchCreateServiceRecordsRequest>,
    ) -> Result<Response<BatchCreateResponse>, Status> {
        let (lang, caller) = (lang(&request), caller(&request)?);
        let items = request
            .into_inner()
            .service_records
            .iter()
            .map(to_json)
            .collect();
        let results =
            resource::batch_create::<ServiceRecords>(&self.0.gateway, &caller, None, items)
                .await
                .map_err(status(lang))?;
        Ok(Response::new(batch_response(&results, lang)))
    }

    /// Streams records in and stores them in batches as they arrive, so a bulk load of any
    /// size runs in bounded memory.
    async fn import_service_records(
        &self,
        request: Request<Streaming<ServiceRecord>>,
    ) -> Result<Response<ImportSummary>, Status> {
        let (lang, caller) = (lang(&request), caller(&request)?);
        let mut stream = request.into_inner();
        let mut summary = ImportSummary::default();
        let mut chunk = Vec::with_capacity(MAX_BATCH);
        let mut offset = 0usize;
        // One chunk is written while the next is received and decoded, so the client's
        // sending and the database's writing overlap. Chunks still commit in order.
        let mut writing: Option<(usize, JoinHandle<Result<Vec<ItemResult>, ApiError>>)> = None;
        loop {
            let next = stream.next().await;
            let finished = next.is_none();
            if let Some(record) = next {
                chunk.push(to_json(&record?));
            }
            if chunk.len() == MAX_BATCH || (finished && !chunk.is_empty()) {
                let items = std::mem::take(&mut chunk);
                let count = items.len();
                if let Some((at, previous)) = writing.take() {
                    tally(&mut summary, at, previous.await, lang)?;
                }
                let (gateway, caller) = (self.0.gateway.clone(), caller.clone());
                writing = Some((
                    offset,
                    tokio::spawn(async move {
                        resource::batch_create::<ServiceRecords>(&gateway, &caller, None, items)
                            .await
                    }),
                ));
                summary.received += count as i32;
                offset += count;
            }
            if finished {
                break;
            }
        }
        if let Some((at, last)) = writing {
            tally(&mut summary, at, last.await, lang)?;
        }
        Ok(Response::new(summary))
    }
}

/// Adds one written chunk's results, starting at record `offset`, to the summary.
fn tally(
    summary: &mut ImportSummary,
    offset: usize,
    written: Result<Result<Vec<ItemResult>, ApiError>, JoinError>,
    lang: jiayang_schemas::Lang,
) -> Result<(), Status> {
    let results = written
        .map_err(|e| status(lang)(ApiError::Internal(e.to_string())))?
        .map_err(status(lang))?;
    for (i, result) in results.iter().enumerate() {
        match result {
            ItemResult::Created { .. } => summary.imported += 1,
            other => summary.rejected.push(item_result(offset + i, other, lang)),
        }
    }
    Ok(())
}
