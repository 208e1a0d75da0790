//! Rule ids the gateway adds to the validator's (`jiayang_schemas::rule`): refusals that
//! need the database, or that are about the request rather than the document. Stable,
//! kebab-case, never reused. Every id here has a failing case in the API suite
//! (`every_gateway_rule_has_a_failing_case`), as every validator rule has a fixture.

/// A reference (senior, provider, worker certificate, grantee) names nothing the
/// gateway holds.
pub const REFERENCE_UNRESOLVED: &str = "reference-unresolved";
/// A consent is recorded ACTIVE; it is withdrawn with `:withdraw`.
pub const CONSENT_STATUS: &str = "consent-status";
/// A lookup carries exactly one of its keys.
pub const LOOKUP_FORMAT: &str = "lookup-format";
/// A batch body is `{"<plural>": [...]}`.
pub const BATCH_FORMAT: &str = "batch-format";
/// An idempotency key is 1–255 visible ASCII characters.
pub const IDEMPOTENCY_KEY_FORMAT: &str = "idempotency-key-format";
/// `If-Match` names a version: `"3"`.
pub const IF_MATCH_FORMAT: &str = "if-match-format";
/// A header (or gRPC metadata entry) the gateway reads is not text.
pub const HEADER_FORMAT: &str = "header-format";
/// A query parameter does not parse (`pageSize=abc`).
pub const QUERY_FORMAT: &str = "query-format";
/// The request body could not be read to its end.
pub const BODY_UNREADABLE: &str = "body-unreadable";
/// A participant as the operator describes it has unknown or missing fields.
pub const PARTICIPANT_FORMAT: &str = "participant-format";
/// A participant id is 2–63 lower-case letters, digits and `-`; there is one operator.
pub const PARTICIPANT_ID: &str = "participant-id";
/// A participant kind is one of DESIGN §4.5's.
pub const PARTICIPANT_KIND: &str = "participant-kind";

/// `externalIds` name the caller only (each holder records its own ids in its own
/// registration); the operator may name any participant that exists.
pub const EXTERNAL_ID_FOREIGN: &str = "external-id-foreign";
/// A registration's identity document is fixed: it names the person registered.
pub const IDENTITY_FIXED: &str = "identity-fixed";

/// An alert goes OPEN → ACKNOWLEDGED → RESOLVED (or OPEN → RESOLVED), never back.
pub const ALERT_TRANSITION: &str = "alert-transition";

/// A webhook URL is https (plain http only to this machine, in development) and points
/// at no private network unless the operator allows it.
pub const WEBHOOK_URL: &str = "webhook-url";

/// A conformance report that does not certify a participant: another suite's, made for
/// someone else, a MUST not passed, or too old.
pub const CERTIFICATION_REPORT: &str = "certification-report";

/// Every gateway rule id.
pub const ALL: &[&str] = &[
    REFERENCE_UNRESOLVED,
    CONSENT_STATUS,
    LOOKUP_FORMAT,
    BATCH_FORMAT,
    IDEMPOTENCY_KEY_FORMAT,
    IF_MATCH_FORMAT,
    HEADER_FORMAT,
    QUERY_FORMAT,
    BODY_UNREADABLE,
    PARTICIPANT_FORMAT,
    PARTICIPANT_ID,
    PARTICIPANT_KIND,
    EXTERNAL_ID_FOREIGN,
    IDENTITY_FIXED,
    ALERT_TRANSITION,
    WEBHOOK_URL,
    CERTIFICATION_REPORT,
];
