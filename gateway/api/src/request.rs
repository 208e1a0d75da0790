//! What the server's request layers put into every request for the protocols to read:
//! its id, the caller's language, and (once authenticated) the domain's [`Call`].

use http::{Extensions, HeaderMap, header};
use jiayang_domain::Call;
use jiayang_schemas::Lang;

/// The request id: the caller's `x-request-id` when it is sane, else a new one.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

impl RequestId {
    /// The id the server put into a request (empty when it has not run).
    pub fn of(extensions: &Extensions) -> &str {
        extensions.get::<RequestId>().map_or("", |id| id.0.as_str())
    }
}

/// The caller's language, from `Accept-Language` (Chinese unless English is asked for).
#[derive(Clone, Copy, Debug, Default)]
pub struct RequestLang(pub Lang);

impl RequestLang {
    /// The language the server put into a request (Chinese when it has not run).
    pub fn of(extensions: &Extensions) -> Lang {
        extensions
            .get::<RequestLang>()
            .copied()
            .unwrap_or_default()
            .0
    }

    /// The language `Accept-Language` asks for: its first entry decides (quality values
    /// are rare among our callers).
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let first = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(',')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        RequestLang(if first.starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        })
    }
}

/// The authenticated call, once the server's guard has put it into the request.
pub fn call_of(extensions: &Extensions) -> Option<&Call> {
    extensions.get::<Call>()
}
