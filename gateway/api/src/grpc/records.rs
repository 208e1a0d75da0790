use jiayang_domain::{Gateway, ServiceRecords, import, records::RecordFilter, release};
use jiayang_proto::v1::{
    BatchCreateResponse, BatchCreateServiceRecordsRequest, GetRequest, ImportSummary,
    ListServiceRecordsRequest, ListServiceRecordsResponse, LookupRequest, ServiceRecord,
    UpdateServiceRecordRequest, service_record_service_server::ServiceRecordService,
};
use prost::Message as _;
use tokio_stream::StreamExt;
use tonic::{Request, Response, Status, Streaming};

use super::{convert::*, lookup_key};
use crate::lookup::external_only;

pub struct Service(pub Gateway);

#[tonic::async_trait]
impl ServiceRecordService for Service {
    async fn create_service_record(
        &self,
        request: Request<ServiceRecord>,
    ) -> Result<Response<ServiceRecord>, Status> {
        let body = to_json(request.get_ref());
        create::<ServiceRecords, _, _>(&self.0, &request, None, body).await
    }

    async fn get_service_record(
        &self,
        request: Request<GetRequest>,
    ) -> Result<Response<ServiceRecord>, Status> {
        let ctx = Ctx::of(&request);
        let found = release::record(&self.0, ctx.call()?, &request.get_ref().id)
            .await
            .map_err(|e| ctx.fail(e))?;
        ctx.released(found)
    }

    async fn update_service_record(
        &self,
        request: Request<UpdateServiceRecordRequest>,
    ) -> Result<Response<ServiceRecord>, Status> {
        let asked = request.get_ref();
        let (id, record) = (&asked.id, asked.service_record.as_ref());
        update::<ServiceRecords, _, _>(&self.0, &request, None, id, record, asked.expected_version)
            .await
    }

    async fn list_service_records(
        &self,
        request: Request<ListServiceRecordsRequest>,
    ) -> Result<Response<ListServiceRecordsResponse>, Status> {
        let ctx = Ctx::of(&request);
        let q = request.get_ref();
        let page = page(ctx.call()?, q.page_size, &q.page_token);
        let owned = |text: &str| given(text).map(str::to_owned);
        let filter = RecordFilter {
            senior_id: owned(&q.senior_id),
            provider_id: owned(&q.provider_id),
            status: owned(&q.status),
            from: owned(&q.from),
            to: owned(&q.to),
        };
        let mut page = release::service_records(&self.0, ctx.call()?, &page, &filter)
            .await
            .map_err(|e| ctx.fail(e))?;
        let (service_records, withheld) = ctx.released_items(&mut page)?;
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
        let ctx = Ctx::of(&request);
        let (participant, id) = lookup_key(request.into_inner())
            .and_then(external_only)
            .map_err(|e| ctx.fail(e))?;
        let found = release::lookup_record(&self.0, ctx.call()?, &participant, &id)
            .await
            .map_err(|e| ctx.fail(e))?;
        ctx.released(found)
    }

    async fn batch_create_service_records(
        &self,
        request: Request<BatchCreateServiceRecordsRequest>,
    ) -> Result<Response<BatchCreateResponse>, Status> {
        let items = request
            .get_ref()
            .service_records
            .iter()
            .map(to_json)
            .collect();
        batch_create::<ServiceRecords, _>(&self.0, &request, items).await
    }

    /// Streams records in; the domain stores them a chunk at a time as they arrive, so a
    /// bulk load of any size runs in bounded memory.
    async fn import_service_records(
        &self,
        request: Request<Streaming<ServiceRecord>>,
    ) -> Result<Response<ImportSummary>, Status> {
        let ctx = Ctx::of(&request);
        let records = request.into_inner().map(|record| {
            let record = record?;
            let bytes = record.encoded_len();
            if bytes > import::MAX_RECORD_BYTES {
                return Err(Status::resource_exhausted(format!(
                    "a record of {bytes} bytes: an import takes records of at most {} bytes",
                    import::MAX_RECORD_BYTES
                )));
            }
            Ok((to_json(&record), bytes))
        });
        let imported = import::service_records(&self.0, ctx.call()?, records)
            .await
            .map_err(|stopped| match stopped {
                import::Stopped::Stream(status) => status,
                import::Stopped::Idle => Status::deadline_exceeded(format!(
                    "no record for {} s: the import ended (the records before it are stored)",
                    import::IDLE_TIMEOUT.as_secs()
                )),
                import::Stopped::Write(error) => ctx.fail(error),
            })?;
        Ok(Response::new(ImportSummary {
            received: imported.received as i32,
            imported: imported.imported as i32,
            rejected: imported
                .rejected
                .iter()
                .map(|(index, result)| item_result(*index, result, ctx.lang))
                .collect(),
        }))
    }
}
