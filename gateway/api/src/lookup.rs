//! Lookups (`:lookup`, `Lookup…`): a resource found by a participant's external id, or a
//! senior by resident ID number, which travels in the body (never in a URL).

use jiayang_domain::{Error, release::SeniorKey, rules};
use jiayang_schemas::Violation;

/// A lookup that does not say what to look up. The message is fixed: a parser's would
/// echo the value sent, which may be an identity number.
pub fn invalid_lookup() -> Error {
    Error::invalid(Violation::new(
        "",
        rules::LOOKUP_FORMAT,
        "查找须恰好给出 externalId {participant, id} 或（仅老年人）identityNumber 之一",
        "a lookup carries exactly one of externalId {participant, id} or (seniors only) identityNumber",
    ))
}

/// A lookup's key: an external id, or (seniors only) an identity number.
pub fn external_only(key: SeniorKey) -> Result<(String, String), Error> {
    match key {
        SeniorKey::External { participant, id } => Ok((participant, id)),
        SeniorKey::IdentityNumber(_) => Err(invalid_lookup()),
    }
}
