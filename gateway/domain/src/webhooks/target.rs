//! Where webhooks may be sent: https, or plain http to this machine only in development;
//! never to private networks unless the operator allows them (a webhook must not become
//! a way into the gateway's own network). Checked when an endpoint is registered, and
//! for every address a host resolves to when a delivery is sent (the transport asks
//! [`address_allowed`]), so a name that later points inward is refused too.

use std::net::IpAddr;

use jiayang_schemas::Violation;

use crate::{Error, rules};

/// What the operator allows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// Development: plain http, and this machine (loopback), as targets.
    pub allow_insecure: bool,
    /// Private, link-local and shared address ranges as targets.
    pub allow_private_networks: bool,
}

/// Longest URL taken.
const MAX_URL: usize = 2000;

fn refused(zh: &str, en: &str) -> Error {
    Error::invalid(Violation::new("/url", rules::WEBHOOK_URL, zh, en))
}

/// Refuses a URL the policy does not allow, saying why.
pub fn check_url(url: &str, policy: &Policy) -> Result<(), Error> {
    if url.len() > MAX_URL {
        return Err(refused("地址过长", "the URL is too long"));
    }
    let (secure, rest) = match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        _ => {
            return Err(refused(
                "地址应以 https:// 开头",
                "the URL starts with https://",
            ));
        }
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(refused(
            "地址不得含用户信息",
            "the URL carries no user information",
        ));
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    if host.is_empty() {
        return Err(refused("地址缺少主机名", "the URL names no host"));
    }
    let address = host.parse::<IpAddr>().ok();
    let loopback = address.is_some_and(|ip| ip.is_loopback())
        || host.eq_ignore_ascii_case("localhost")
        || host.to_ascii_lowercase().ends_with(".localhost");
    if !(secure || loopback && policy.allow_insecure) {
        return Err(refused(
            "地址应以 https:// 开头（明文 http 仅限开发时的本机地址）",
            "the URL starts with https:// (plain http only to this machine, in development)",
        ));
    }
    if loopback && !policy.allow_insecure {
        return Err(refused(
            "不得发往本机",
            "the URL may not point at this machine",
        ));
    }
    if let Some(ip) = address
        && !address_allowed(ip, policy)
    {
        return Err(refused(
            "不得发往内网地址",
            "the URL may not point into a private network",
        ));
    }
    Ok(())
}

/// Whether a delivery may connect to `ip`.
pub fn address_allowed(ip: IpAddr, policy: &Policy) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    };
    if ip.is_loopback() {
        return policy.allow_insecure;
    }
    if ip.is_unspecified() || ip.is_multicast() {
        return false;
    }
    let private = match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            v4.is_private()
                || v4.is_link_local()
                || v4.is_broadcast()
                // Shared address space (carrier-grade NAT), 100.64.0.0/10.
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            // Unique local fc00::/7 and link-local fe80::/10.
            (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
    };
    !private || policy.allow_private_networks
}

#[cfg(test)]
mod tests {
    use super::*;

    const STRICT: Policy = Policy {
        allow_insecure: false,
        allow_private_networks: false,
    };
    const DEVELOPMENT: Policy = Policy {
        allow_insecure: true,
        allow_private_networks: false,
    };

    #[test]
    fn https_to_the_internet_is_taken() {
        for url in [
            "https://hooks.daojia.example/jiayang",
            "https://hooks.daojia.example:8443/a?b=c",
            "https://203.0.113.7/hook",
            "https://[2001:db8::1]/hook",
        ] {
            assert_eq!(check_url(url, &STRICT), Ok(()), "{url}");
        }
    }

    #[test]
    fn plain_http_and_this_machine_only_in_development() {
        for url in [
            "http://hooks.daojia.example/x",
            "http://127.0.0.1:9000/x",
            "https://localhost/x",
            "https://[::1]/x",
        ] {
            assert!(check_url(url, &STRICT).is_err(), "{url}");
        }
        assert_eq!(check_url("http://127.0.0.1:9000/x", &DEVELOPMENT), Ok(()));
        assert_eq!(check_url("http://localhost:9000/x", &DEVELOPMENT), Ok(()));
        assert!(check_url("http://hooks.daojia.example/x", &DEVELOPMENT).is_err());
    }

    #[test]
    fn private_networks_only_when_allowed() {
        for url in [
            "https://10.0.0.8/x",
            "https://172.16.3.4/x",
            "https://192.168.1.1/x",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/x",
            "https://[fd00::1]/x",
            "https://[::ffff:10.0.0.8]/x",
            "https://0.0.0.0/x",
        ] {
            let Err(Error::Invalid(violations)) = check_url(url, &DEVELOPMENT) else {
                panic!("{url} refused");
            };
            assert_eq!(violations[0].path, "/url");
        }
        let open = Policy {
            allow_insecure: false,
            allow_private_networks: true,
        };
        assert_eq!(check_url("https://10.0.0.8/x", &open), Ok(()));
    }

    #[test]
    fn malformed_urls_are_refused() {
        for url in [
            "ftp://x/y",
            "https://",
            "https://user:pw@host/x",
            "hooks.example/x",
        ] {
            assert!(check_url(url, &STRICT).is_err(), "{url}");
        }
    }
}
