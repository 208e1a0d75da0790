//! A TLS proxy that sits between a client and a server and may change what passes: the
//! suite's own faults (a server that drops its ETag, a client's request refused with a
//! 503), and the tests' mutants, which prove that every requirement catches its fault.
//!
//! Each request and answer is read whole (gRPC trailers included), handed to a
//! [`Mutant`], and forwarded over HTTP/2 on a TLS connection of its own.

use std::{
    convert::Infallible,
    future::Future,
    net::SocketAddr,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
};

use http::{HeaderMap, Request, Response, header};
use http_body_util::BodyExt;
use hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};
use tokio_rustls::{TlsAcceptor, TlsConnector, rustls};

/// An answer, read whole.
#[derive(Debug, Clone)]
pub struct Reply {
    pub head: http::response::Parts,
    pub body: Bytes,
    /// gRPC's status and details come here (or in `head` for a trailers-only answer).
    pub trailers: Option<HeaderMap>,
}

impl Reply {
    /// The answer's status and headers, and a new body (its length recomputed).
    pub fn with_body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self.head.headers.remove(header::CONTENT_LENGTH);
        self
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProxyError {
    #[error("upstream: {0}")]
    Upstream(String),
}

pub type Forwarded<'a> = Pin<Box<dyn Future<Output = Result<Reply, ProxyError>> + Send + 'a>>;

/// What the proxy does with each exchange; [`Upstream::send`] passes it on unchanged.
pub trait Mutant: Send + Sync + 'static {
    fn exchange<'a>(&'a self, request: Request<Bytes>, upstream: &'a Upstream) -> Forwarded<'a>;
}

/// Passes everything on unchanged.
#[derive(Debug, Clone, Copy, Default)]
pub struct Transparent;

impl Mutant for Transparent {
    fn exchange<'a>(&'a self, request: Request<Bytes>, upstream: &'a Upstream) -> Forwarded<'a> {
        Box::pin(upstream.send(request))
    }
}

/// The server the proxy forwards to.
#[derive(Clone)]
pub struct Upstream {
    addr: SocketAddr,
    authority: String,
    domain: rustls::pki_types::ServerName<'static>,
    tls: TlsConnector,
}

impl std::fmt::Debug for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upstream")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// Headers that belong to one connection and are not forwarded.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "upgrade",
    "host",
];

impl Upstream {
    /// `addr` serving TLS for `host`, its certificate issued by `ca_pem`.
    pub fn new(addr: SocketAddr, host: &str, ca_pem: &[u8]) -> Result<Self, ProxyError> {
        let bad = |e: &dyn std::fmt::Display| ProxyError::Upstream(e.to_string());
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls::pki_types::pem::PemObject::pem_slice_iter(ca_pem) {
            roots.add(cert.map_err(|e| bad(&e))?).map_err(|e| bad(&e))?;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| bad(&e))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        config.alpn_protocols = vec![b"h2".to_vec()];
        Ok(Self {
            addr,
            authority: format!("{host}:{}", addr.port()),
            domain: rustls::pki_types::ServerName::try_from(host.to_owned())
                .map_err(|e| bad(&e))?,
            tls: TlsConnector::from(Arc::new(config)),
        })
    }

    /// Sends `request` on a connection of its own and reads the answer whole.
    pub async fn send(&self, request: Request<Bytes>) -> Result<Reply, ProxyError> {
        let fail = |e: &dyn std::fmt::Display| ProxyError::Upstream(e.to_string());
        let tcp = tokio::net::TcpStream::connect(self.addr)
            .await
            .map_err(|e| fail(&e))?;
        let tls = self
            .tls
            .connect(self.domain.clone(), tcp)
            .await
            .map_err(|e| fail(&e))?;
        let (mut sender, connection) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
                .await
                .map_err(|e| fail(&e))?;
        tokio::spawn(connection);
        let (mut head, body) = request.into_parts();
        let path = head
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        head.uri = format!("https://{}{path}", self.authority)
            .parse()
            .map_err(|e| fail(&e))?;
        head.version = http::Version::HTTP_2;
        for name in HOP_BY_HOP {
            head.headers.remove(*name);
        }
        let response = sender
            .send_request(Request::from_parts(head, Buffered::new(body, None)))
            .await
            .map_err(|e| fail(&e))?;
        let (mut head, incoming) = response.into_parts();
        let collected = incoming.collect().await.map_err(|e| fail(&e))?;
        let trailers = collected.trailers().cloned();
        for name in HOP_BY_HOP {
            head.headers.remove(*name);
        }
        Ok(Reply {
            head,
            body: collected.to_bytes(),
            trailers,
        })
    }
}

/// A body held whole: its bytes, then its trailers.
#[derive(Debug)]
struct Buffered {
    data: Option<Bytes>,
    trailers: Option<HeaderMap>,
}

impl Buffered {
    fn new(data: Bytes, trailers: Option<HeaderMap>) -> Self {
        Self {
            data: (!data.is_empty()).then_some(data),
            trailers,
        }
    }
}

impl Body for Buffered {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if let Some(data) = self.data.take() {
            return Poll::Ready(Some(Ok(Frame::data(data))));
        }
        Poll::Ready(self.trailers.take().map(|t| Ok(Frame::trailers(t))))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none() && self.trailers.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        match (&self.data, &self.trailers) {
            (data, None) => SizeHint::with_exact(data.as_ref().map_or(0, |d| d.len() as u64)),
            _ => SizeHint::default(),
        }
    }
}

/// A running proxy; dropped or [`Proxy::stop`]ped, it stops accepting.
#[derive(Debug)]
pub struct Proxy {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Proxy {
    /// Serves TLS (HTTP/1.1 and HTTP/2) on `listener` with `tls`, handing every exchange
    /// to `mutant`.
    pub fn start(
        listener: TcpListener,
        tls: Arc<rustls::ServerConfig>,
        upstream: Upstream,
        mutant: Arc<dyn Mutant>,
    ) -> std::io::Result<Self> {
        let addr = listener.local_addr()?;
        let (stop, mut stopped) = oneshot::channel();
        let acceptor = TlsAcceptor::from(tls);
        let upstream = Arc::new(upstream);
        let task = tokio::spawn(async move {
            loop {
                let (tcp, _) = tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok(accepted) => accepted,
                        Err(_) => continue,
                    },
                    _ = &mut stopped => return,
                };
                let (acceptor, upstream, mutant) =
                    (acceptor.clone(), upstream.clone(), mutant.clone());
                tokio::spawn(async move {
                    let Ok(stream) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let service = hyper::service::service_fn(move |request| {
                        let (upstream, mutant) = (upstream.clone(), mutant.clone());
                        async move { Ok::<_, Infallible>(relay(request, &upstream, &*mutant).await) }
                    });
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(Self {
            addr,
            stop: Some(stop),
            task,
        })
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.task).await;
    }
}

async fn relay(
    request: Request<Incoming>,
    upstream: &Upstream,
    mutant: &dyn Mutant,
) -> Response<Buffered> {
    let (head, incoming) = request.into_parts();
    let reply = match incoming.collect().await {
        Ok(body) => {
            mutant
                .exchange(Request::from_parts(head, body.to_bytes()), upstream)
                .await
        }
        Err(error) => Err(ProxyError::Upstream(error.to_string())),
    };
    match reply {
        Ok(reply) => {
            let mut head = reply.head;
            head.version = http::Version::default();
            Response::from_parts(head, Buffered::new(reply.body, reply.trailers))
        }
        Err(error) => {
            let mut response = Response::new(Buffered::new(Bytes::from(error.to_string()), None));
            *response.status_mut() = http::StatusCode::BAD_GATEWAY;
            response
        }
    }
}
