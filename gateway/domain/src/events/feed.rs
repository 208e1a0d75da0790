//! The sequencer, and the feed's head as waiting readers see it. One task per gateway:
//! woken by every local commit (and on a tick, for what other nodes wrote), it gives
//! committed events their positions and publishes the highest. Readers wait on the
//! published head instead of polling the database.

use std::{sync::Arc, time::Duration};

use jiayang_store::{Store, events};
use tokio::sync::watch;

/// How often the sequencer looks without being woken: the longest another node's event
/// waits for its place, and this node's readers for another node's sequencing.
const TICK: Duration = Duration::from_millis(250);

/// After a failed pass (the database away), the wait before the next.
const RETRY: Duration = Duration::from_secs(1);

/// The feed's head as this gateway knows it, and whether the gateway is closing (its
/// readers then stop waiting, so a shutdown does not wait for them).
#[derive(Clone, Debug)]
pub struct Feed {
    head: watch::Receiver<i64>,
    closing: Arc<watch::Sender<bool>>,
}

impl Feed {
    /// Starts the sequencer on the current runtime; it ends when the last `Feed` clone
    /// is dropped.
    pub fn start(store: Store) -> Self {
        let (publish, head) = watch::channel(0);
        tokio::spawn(async move {
            loop {
                let wait = match pass(&store, &publish).await {
                    Ok(true) => Duration::ZERO,
                    Ok(false) => TICK,
                    Err(error) => {
                        tracing::warn!(%error, "the event sequencer could not run");
                        RETRY
                    }
                };
                if wait.is_zero() {
                    continue;
                }
                tokio::select! {
                    () = store.committed() => {}
                    () = tokio::time::sleep(wait) => {}
                    () = publish.closed() => return,
                }
            }
        });
        Self {
            head,
            closing: Arc::new(watch::Sender::new(false)),
        }
    }

    /// Ends every wait for events now and from now on: the gateway is shutting down.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }

    pub fn is_closing(&self) -> bool {
        *self.closing.borrow()
    }

    /// Resolves once [`Feed::close`] has been called.
    pub(crate) async fn closed(&self) {
        let mut closing = self.closing.subscribe();
        let _ = closing.wait_for(|closing| *closing).await;
    }

    /// A receiver of the head, marked as seen at its current value.
    pub(crate) fn watch(&self) -> watch::Receiver<i64> {
        let mut head = self.head.clone();
        head.mark_unchanged();
        head
    }
}

/// One pass: sequences what waits and publishes the head. Answers whether a backlog
/// remains (a full pass), so the next follows at once.
async fn pass(store: &Store, publish: &watch::Sender<i64>) -> Result<bool, sea_orm::DbErr> {
    let sequenced = events::sequence(store).await?;
    let head = events::head(&store.db).await?;
    publish.send_if_modified(|known| {
        let moved = *known != head;
        *known = head;
        moved
    });
    Ok(sequenced >= events::PASS)
}
