//! `EventService/Subscribe`: the change feed as a server stream. Each message carries
//! the cursor that resumes after it; a heartbeat is sent at once when nothing waits and
//! then after every [`HEARTBEAT`] of silence. A suspended participant's stream ends with
//! UNAUTHENTICATED; on the gateway's shutdown streams end (the subscriber resumes from
//! its last cursor, on another node or after the restart).

use std::time::Duration;

use jiayang_domain::{Gateway, events};
use jiayang_proto::{
    Timestamp,
    v1::{
        Heartbeat, SubscribeRequest, SubscribeResponse, event_service_server::EventService,
        subscribe_response::Message,
    },
};
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use super::convert::*;

/// Longest silence on a stream.
const HEARTBEAT: Duration = Duration::from_secs(15);

/// Events one read of the feed takes for a stream.
const READ: u64 = 500;

pub struct Service(pub Gateway);

fn now() -> Timestamp {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp {
        seconds: since.as_secs() as i64,
        nanos: since.subsec_nanos() as i32,
    }
}

#[tonic::async_trait]
impl EventService for Service {
    type SubscribeStream = ReceiverStream<Result<SubscribeResponse, Status>>;

    async fn subscribe(
        &self,
        request: Request<SubscribeRequest>,
    ) -> Result<Response<Self::SubscribeStream>, Status> {
        let ctx = Ctx::of(&request);
        let call = ctx.call()?.clone();
        let gateway = self.0.clone();
        let start = given(&request.get_ref().cursor);
        // A bad cursor is refused before the stream starts.
        let first = events::poll(&gateway, &call, start, Duration::ZERO, READ)
            .await
            .map_err(|e| ctx.fail(e))?;
        let (send, receive) = mpsc::channel(64);
        tokio::spawn(async move {
            let mut batch = first;
            loop {
                let cursor = batch.cursor.clone();
                let messages: Vec<SubscribeResponse> = if batch.events.is_empty() {
                    vec![SubscribeResponse {
                        message: Some(Message::Heartbeat(Heartbeat { at: Some(now()) })),
                        cursor: batch.cursor,
                    }]
                } else {
                    let mut messages = Vec::with_capacity(batch.events.len());
                    for delivered in batch.events {
                        match ctx.message(delivered.event) {
                            Ok(event) => messages.push(SubscribeResponse {
                                message: Some(Message::Event(event)),
                                cursor: delivered.cursor,
                            }),
                            Err(status) => {
                                let _ = send.send(Err(status)).await;
                                return;
                            }
                        }
                    }
                    messages
                };
                for message in messages {
                    if send.send(Ok(message)).await.is_err() {
                        return; // the subscriber has gone
                    }
                }
                if gateway.feed.is_closing() {
                    return;
                }
                // Asked after each read, before anything read is sent: nothing reaches
                // a participant suspended while it waited.
                let next = async {
                    let read =
                        events::poll(&gateway, &call, Some(&cursor), HEARTBEAT, READ).await?;
                    if !events::still_active(&gateway, call.me()).await? {
                        return Err(jiayang_domain::Error::Unauthenticated);
                    }
                    Ok(read)
                };
                tokio::select! {
                    read = next => match read {
                        Ok(read) => batch = read,
                        Err(error) => {
                            let _ = send.send(Err(ctx.fail(error))).await;
                            return;
                        }
                    },
                    () = send.closed() => return,
                }
            }
        });
        Ok(Response::new(ReceiverStream::new(receive)))
    }
}
