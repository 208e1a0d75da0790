//! Who may hold a connection. The port must stay usable when clients are slow, silent or
//! hostile (slowloris: many connections that never finish a request), so connections are
//! capped in all and per client address, and at a cap a newcomer takes the place of a
//! connection that is doing nothing: first the oldest that never finished a request,
//! then the oldest idle one. Only when every connection is busy is the newcomer turned
//! away, and then after it was accepted, so the listen queue keeps moving and descriptors
//! never run out.

use std::{
    collections::{BTreeMap, HashMap},
    net::IpAddr,
    pin::Pin,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};

use axum::body::{Body, Bytes};
use http::{Request, Response};
use http_body::{Body as _, Frame, SizeHint};
use hyper::body::Incoming;
use tokio::sync::oneshot;

/// How many descriptors the process keeps for itself (database pool, files, webhooks)
/// when the connection cap is derived from its limit.
const RESERVED_DESCRIPTORS: u64 = 256;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    pub total: usize,
    pub per_address: usize,
}

impl Limits {
    /// `wanted`, lowered to what the process's descriptor limit can hold once raised
    /// to its hard limit. Returns the limits and the descriptor limit seen.
    pub fn within_descriptor_limit(wanted: Limits) -> (Limits, Option<u64>) {
        let Ok(descriptors) = rlimit::increase_nofile_limit(u64::MAX) else {
            return (wanted, None);
        };
        let room = descriptors.saturating_sub(RESERVED_DESCRIPTORS).max(16);
        let total = wanted
            .total
            .min(usize::try_from(room).unwrap_or(usize::MAX));
        let limits = Limits {
            total,
            per_address: wanted.per_address.min(total),
        };
        (limits, Some(descriptors))
    }
}

/// What one connection is doing, as its requests see it.
#[derive(Debug, Default)]
pub struct Activity {
    in_flight: AtomicUsize,
    requested: AtomicBool,
}

impl Activity {
    fn enter(self: &Arc<Self>) -> Busy {
        self.requested.store(true, Ordering::Relaxed);
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        Busy(self.clone())
    }

    fn idle(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) == 0
    }

    fn requested(&self) -> bool {
        self.requested.load(Ordering::Relaxed)
    }
}

/// A request in flight on its connection.
struct Busy(Arc<Activity>);

/// How long, and how much, of a request body left unread is still read (HTTP/1.1), so
/// that closing does not reset the connection under a client still sending, which would
/// lose the answer it has not read yet ("lingering close").
const LINGER: (Duration, usize) = (Duration::from_secs(10), 64 << 20);

/// One request on its connection, from its head until its response has been sent.
pub struct Exchange {
    _busy: Busy,
}

impl Activity {
    /// Starts an exchange: the connection counts as busy until its response is sent
    /// (so a stream counts as long as it lasts).
    pub fn begin(self: &Arc<Self>, request: Request<Incoming>) -> (Request<Body>, Exchange) {
        let exchange = Exchange {
            _busy: self.enter(),
        };
        // HTTP/2 declines an unread body with a NO_ERROR reset once the answer is sent;
        // a client that asked `Expect: 100-continue` sends no body unless told to.
        let linger = request.version() < http::Version::HTTP_2
            && !request.headers().contains_key(http::header::EXPECT);
        let request = request.map(|body| {
            Body::new(Kept {
                body: Some(body),
                linger,
            })
        });
        (request, exchange)
    }
}

impl Exchange {
    /// The response, holding the exchange until its body has been sent.
    pub fn finish(self, response: Response<Body>) -> Response<Body> {
        response.map(|body| {
            Body::new(Tracked {
                body,
                _exchange: self,
            })
        })
    }
}

/// A request body that, dropped unread over HTTP/1.1 (an early refusal: 401, 403, 413),
/// is read to its end in the background.
struct Kept {
    body: Option<Incoming>,
    linger: bool,
}

impl http_body::Body for Kept {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        match self.body.as_mut() {
            Some(body) => Pin::new(body).poll_frame(cx),
            None => Poll::Ready(None),
        }
    }

    fn is_end_stream(&self) -> bool {
        self.body.as_ref().is_none_or(Incoming::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.body
            .as_ref()
            .map_or_else(|| SizeHint::with_exact(0), Incoming::size_hint)
    }
}

impl Drop for Kept {
    fn drop(&mut self) {
        if let Some(body) = self
            .body
            .take()
            .filter(|b| self.linger && !b.is_end_stream())
        {
            tokio::spawn(discard(body));
        }
    }
}

async fn discard(mut body: Incoming) {
    let reading = async {
        let mut read = 0;
        while let Some(Ok(frame)) =
            std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await
        {
            read += frame.data_ref().map_or(0, Bytes::len);
            if read > LINGER.1 {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(LINGER.0, reading).await;
}

struct Tracked {
    body: Body,
    _exchange: Exchange,
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The open connections.
#[derive(Clone)]
pub struct Connections {
    limits: Limits,
    table: Arc<Mutex<Table>>,
}

#[derive(Default)]
struct Table {
    next: u64,
    /// By admission order, so the first match is the oldest.
    open: BTreeMap<u64, Slot>,
    per_address: HashMap<IpAddr, usize>,
}

struct Slot {
    address: IpAddr,
    activity: Arc<Activity>,
    dismiss: oneshot::Sender<()>,
}

/// Why a connection was let go.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Dismissal {
    /// It never finished a request in time.
    Silent,
    /// Its place was given to a newcomer at a cap.
    Evicted,
}

/// A connection's place; leaving it (drop) frees the place.
pub struct Admitted {
    id: u64,
    table: Arc<Mutex<Table>>,
    pub activity: Arc<Activity>,
    dismissed: oneshot::Receiver<()>,
}

impl Connections {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            table: Arc::default(),
        }
    }

    /// Lets go of every connection with no request in flight (at shutdown: they have
    /// nothing to finish); how many are left, busy.
    pub fn dismiss_idle(&self) -> usize {
        let Ok(mut table) = self.table.lock() else {
            return 0;
        };
        let idle: Vec<u64> = table
            .open
            .iter()
            .filter(|(_, slot)| slot.activity.idle())
            .map(|(id, _)| *id)
            .collect();
        for id in idle {
            if let Some(slot) = table.remove(id) {
                let _ = slot.dismiss.send(());
            }
        }
        table.open.len()
    }

    /// A place for a connection from `address`, making room at a cap; `None` when every
    /// connection that could give way is busy.
    pub fn admit(&self, address: IpAddr) -> Option<Admitted> {
        let mut table = self.table.lock().expect("connection table");
        if table.per_address.get(&address).copied().unwrap_or(0) >= self.limits.per_address
            && !table.evict(Some(address))
        {
            return None;
        }
        if table.open.len() >= self.limits.total && !table.evict(None) {
            return None;
        }
        let id = table.next;
        table.next += 1;
        let activity = Arc::new(Activity::default());
        let (dismiss, dismissed) = oneshot::channel();
        table.open.insert(
            id,
            Slot {
                address,
                activity: activity.clone(),
                dismiss,
            },
        );
        *table.per_address.entry(address).or_default() += 1;
        metrics::gauge!("jiayang_connections_open").set(table.open.len() as f64);
        Some(Admitted {
            id,
            table: self.table.clone(),
            activity,
            dismissed,
        })
    }
}

impl Table {
    /// Dismisses the connection that can best give way (of `address`, when given).
    fn evict(&mut self, address: Option<IpAddr>) -> bool {
        let candidates = || {
            self.open.iter().filter(move |(_, slot)| {
                address.is_none_or(|a| slot.address == a) && slot.activity.idle()
            })
        };
        let victim = candidates()
            .find(|(_, slot)| !slot.activity.requested())
            .or_else(|| candidates().next())
            .map(|(id, _)| *id);
        let Some(slot) = victim.and_then(|id| self.remove(id)) else {
            return false;
        };
        let _ = slot.dismiss.send(());
        metrics::counter!("jiayang_connections_dismissed_total", "reason" => "evicted")
            .increment(1);
        true
    }

    fn remove(&mut self, id: u64) -> Option<Slot> {
        let slot = self.open.remove(&id)?;
        if let Some(count) = self.per_address.get_mut(&slot.address) {
            *count -= 1;
            if *count == 0 {
                self.per_address.remove(&slot.address);
            }
        }
        metrics::gauge!("jiayang_connections_open").set(self.open.len() as f64);
        Some(slot)
    }
}

impl Admitted {
    /// Resolves when the connection should be dropped: its place was given away, or it
    /// finished no request within `first_request` of being admitted.
    pub async fn dismissed(&mut self, first_request: Duration) -> Dismissal {
        let silent = async {
            tokio::time::sleep(first_request).await;
            if self.activity.requested() {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            _ = &mut self.dismissed => Dismissal::Evicted,
            () = silent => {
                metrics::counter!("jiayang_connections_dismissed_total", "reason" => "silent")
                    .increment(1);
                Dismissal::Silent
            }
        }
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        if let Ok(mut table) = self.table.lock() {
            table.remove(self.id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(last: u8) -> IpAddr {
        IpAddr::from([10, 0, 0, last])
    }

    fn connections(total: usize, per_address: usize) -> Connections {
        Connections::new(Limits { total, per_address })
    }

    #[test]
    fn at_the_cap_a_newcomer_replaces_one_that_never_finished_a_request() {
        let connections = connections(3, 3);
        let mut served = connections.admit(address(1)).unwrap();
        let _request = served.activity.enter();
        let mut silent = connections.admit(address(2)).unwrap();
        let idle = connections.admit(address(3)).unwrap();
        drop(_request);
        // All three are idle now; the one that never asked anything goes first,
        // though it is not the oldest.
        let _newcomer = connections.admit(address(4)).unwrap();
        assert!(silent.dismissed.try_recv().is_ok());
        assert!(served.dismissed.try_recv().is_err());
        drop(idle);
    }

    #[test]
    fn busy_connections_are_never_dismissed_and_a_full_house_turns_newcomers_away() {
        let connections = connections(2, 2);
        let first = connections.admit(address(1)).unwrap();
        let second = connections.admit(address(2)).unwrap();
        let _busy = (first.activity.enter(), second.activity.enter());
        assert!(connections.admit(address(3)).is_none());
        drop(_busy);
        assert!(connections.admit(address(3)).is_some());
    }

    #[test]
    fn one_address_at_its_cap_gives_way_only_among_its_own() {
        let connections = connections(10, 2);
        let mut other = connections.admit(address(9)).unwrap();
        let mut first = connections.admit(address(1)).unwrap();
        let _second = connections.admit(address(1)).unwrap();
        let _third = connections.admit(address(1)).unwrap();
        assert!(first.dismissed.try_recv().is_ok());
        assert!(other.dismissed.try_recv().is_err());
        let table = connections.table.lock().unwrap();
        assert_eq!(table.per_address[&address(1)], 2);
        assert_eq!(table.open.len(), 3);
    }

    #[test]
    fn leaving_frees_the_place_once() {
        let connections = connections(1, 1);
        let first = connections.admit(address(1)).unwrap();
        // Evicted: its place is gone from the table already; its drop must not free
        // the newcomer's.
        let second = connections.admit(address(1)).unwrap();
        drop(first);
        assert_eq!(connections.table.lock().unwrap().open.len(), 1);
        drop(second);
        let table = connections.table.lock().unwrap();
        assert!(table.open.is_empty() && table.per_address.is_empty());
    }

    #[test]
    fn at_shutdown_idle_connections_go_at_once_and_busy_ones_stay() {
        let connections = connections(4, 4);
        let mut busy = connections.admit(address(1)).unwrap();
        let _request = busy.activity.enter();
        let mut idle = connections.admit(address(2)).unwrap();
        assert_eq!(connections.dismiss_idle(), 1);
        assert!(idle.dismissed.try_recv().is_ok());
        assert!(busy.dismissed.try_recv().is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn a_connection_that_asks_nothing_in_time_is_let_go() {
        let connections = connections(4, 4);
        let mut quiet = connections.admit(address(1)).unwrap();
        assert_eq!(
            quiet.dismissed(Duration::from_secs(10)).await,
            Dismissal::Silent
        );
        let mut asking = connections.admit(address(2)).unwrap();
        let _request = asking.activity.enter();
        let waited = tokio::time::timeout(
            Duration::from_secs(60),
            asking.dismissed(Duration::from_secs(10)),
        )
        .await;
        assert!(waited.is_err(), "a connection that asked stays");
    }
}
