//! The HTTP client webhooks are sent with (the domain's `Transport`): rustls with the
//! system's roots, no redirects followed, a time-out per attempt, and every address a
//! host resolves to checked against the policy before connecting — a public name that
//! resolves inward is refused like a private address written in the URL.

use std::{
    net::{IpAddr, SocketAddr},
    sync::Arc,
    time::Duration,
};

use jiayang_domain::webhooks::{Attempt, Outgoing, Policy, Transport, address_allowed};
use reqwest::{
    Url,
    dns::{Addrs, Name, Resolve, Resolving},
    header::RETRY_AFTER,
    redirect,
};

pub struct HttpTransport {
    client: reqwest::Client,
    policy: Policy,
    timeout: Duration,
}

impl HttpTransport {
    pub fn new(policy: Policy, timeout: Duration) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .redirect(redirect::Policy::none())
            .timeout(timeout)
            .dns_resolver(Arc::new(Guarded { policy }))
            .user_agent(concat!("jiayang-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            client,
            policy,
            timeout,
        })
    }

    /// Why the URL may not be sent to now, if it may not (an address written in it is
    /// not resolved, so it is checked here).
    fn refusal(&self, url: &Url) -> Option<String> {
        if url.scheme() != "https" && !(url.scheme() == "http" && self.policy.allow_insecure) {
            return Some("the URL is not https".into());
        }
        let host = url.host_str()?;
        let address: IpAddr = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .ok()?;
        (!address_allowed(address, &self.policy))
            .then(|| "the target address is not allowed".to_owned())
    }
}

impl Transport for HttpTransport {
    async fn send(&self, outgoing: Outgoing) -> Attempt {
        let Ok(url) = Url::parse(&outgoing.url) else {
            return Attempt::Unreachable("the URL does not parse".into());
        };
        if let Some(refusal) = self.refusal(&url) {
            return Attempt::Unreachable(refusal);
        }
        let mut request = self.client.post(url).body(outgoing.body);
        for (name, value) in outgoing.headers {
            request = request.header(name, value);
        }
        match request.send().await {
            Ok(response) => Attempt::Answered {
                status: response.status().as_u16(),
                retry_after: response
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .map(Duration::from_secs),
            },
            Err(error) if error.is_timeout() => {
                Attempt::Unreachable(format!("no answer within {} s", self.timeout.as_secs()))
            }
            Err(error) if error.is_connect() => {
                // The resolver's refusal is the source of a connect error too.
                let refused = std::error::Error::source(&error)
                    .is_some_and(|source| source.to_string().contains(REFUSED));
                Attempt::Unreachable(if refused {
                    REFUSED.into()
                } else {
                    "the connection failed".into()
                })
            }
            Err(_) => Attempt::Unreachable("the request failed".into()),
        }
    }
}

const REFUSED: &str = "the host resolves only to addresses that are not allowed";

/// Resolves as the system does, then keeps only the addresses the policy allows.
struct Guarded {
    policy: Policy,
}

impl Resolve for Guarded {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy;
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0))
                .await?
                .filter(|address| address_allowed(address.ip(), &policy))
                .collect();
            if found.is_empty() {
                return Err(REFUSED.into());
            }
            let addresses: Addrs = Box::new(found.into_iter());
            Ok(addresses)
        })
    }
}
