//! Stable rule ids. Clients key on these, so an id never changes meaning; new rules get
//! new ids. The first group comes from the JSON Schemas, the rest from the domain rules.

// Structure, from the JSON Schemas.
pub const JSON_SYNTAX: &str = "json-syntax";
pub const REQUIRED: &str = "required";
pub const UNKNOWN_FIELD: &str = "unknown-field";
pub const TYPE: &str = "type";
pub const ENUM: &str = "enum";
pub const MINIMUM: &str = "minimum";
pub const MAXIMUM: &str = "maximum";
pub const EMPTY: &str = "empty";
pub const MAX_LENGTH: &str = "max-length";
pub const MIN_ITEMS: &str = "min-items";
pub const MAX_ITEMS: &str = "max-items";
pub const UNIQUE_ITEMS: &str = "unique-items";
pub const PATTERN: &str = "pattern";
pub const SCHEMA: &str = "schema";

// Formats JSON Schema cannot check fully.
pub const DATE_FORMAT: &str = "date-format";
pub const DATE_IN_FUTURE: &str = "date-in-future";
pub const TIMESTAMP_FORMAT: &str = "timestamp-format";
pub const TIME_IN_FUTURE: &str = "time-in-future";
pub const PHONE_FORMAT: &str = "phone-format";

// National codes.
pub const ID_CARD_FORMAT: &str = "id-card-format";
pub const ID_CARD_CHECK_DIGIT: &str = "id-card-check-digit";
pub const ID_CARD_BIRTH_DATE: &str = "id-card-birth-date";
pub const ID_CARD_GENDER: &str = "id-card-gender";
pub const USCC_FORMAT: &str = "uscc-format";
pub const USCC_CHECK_CHARACTER: &str = "uscc-check-character";
pub const DIVISION_CODE_FORMAT: &str = "division-code-format";
pub const DIVISION_CODE_UNKNOWN: &str = "division-code-unknown";
pub const GEO_OUTSIDE_BEIJING: &str = "geo-outside-beijing";
pub const SERVICE_ITEM_UNKNOWN: &str = "service-item-unknown";

// Resources.
pub const EXTERNAL_ID_DUPLICATE: &str = "external-id-duplicate";
pub const REFERENCE_EXACTLY_ONE: &str = "reference-exactly-one";
pub const CAPABILITY_LEVEL_MISMATCH: &str = "capability-level-mismatch";
pub const CHARGE_SUM: &str = "charge-sum";
pub const CHECK_IN_REQUIRED: &str = "check-in-required";
pub const CHECK_OUT_REQUIRED: &str = "check-out-required";
pub const CHECK_OUT_BEFORE_CHECK_IN: &str = "check-out-before-check-in";
pub const SCHEDULE_END_BEFORE_START: &str = "schedule-end-before-start";
pub const WORKER_CERTIFICATE_REQUIRED: &str = "worker-certificate-required";
pub const OBSERVATION_SERVICE_ITEM_REQUIRED: &str = "observation-service-item-required";
pub const BASIS_NOT_ALLOWED: &str = "basis-not-allowed";
pub const GUARDIAN_DETAILS_REQUIRED: &str = "guardian-details-required";
pub const VALIDITY_END_BEFORE_START: &str = "validity-end-before-start";
/// A text holds a control character (U+0000–U+001F but tab and line breaks, U+007F).
pub const CONTROL_CHARACTER: &str = "control-character";

/// Every rule id above, for documentation and coverage checks.
pub const ALL: &[&str] = &[
    JSON_SYNTAX,
    REQUIRED,
    UNKNOWN_FIELD,
    TYPE,
    ENUM,
    MINIMUM,
    MAXIMUM,
    EMPTY,
    MAX_LENGTH,
    MIN_ITEMS,
    MAX_ITEMS,
    UNIQUE_ITEMS,
    PATTERN,
    SCHEMA,
    DATE_FORMAT,
    DATE_IN_FUTURE,
    TIMESTAMP_FORMAT,
    TIME_IN_FUTURE,
    PHONE_FORMAT,
    ID_CARD_FORMAT,
    ID_CARD_CHECK_DIGIT,
    ID_CARD_BIRTH_DATE,
    ID_CARD_GENDER,
    USCC_FORMAT,
    USCC_CHECK_CHARACTER,
    DIVISION_CODE_FORMAT,
    DIVISION_CODE_UNKNOWN,
    GEO_OUTSIDE_BEIJING,
    SERVICE_ITEM_UNKNOWN,
    EXTERNAL_ID_DUPLICATE,
    REFERENCE_EXACTLY_ONE,
    CAPABILITY_LEVEL_MISMATCH,
    CHARGE_SUM,
    CHECK_IN_REQUIRED,
    CHECK_OUT_REQUIRED,
    CHECK_OUT_BEFORE_CHECK_IN,
    SCHEDULE_END_BEFORE_START,
    WORKER_CERTIFICATE_REQUIRED,
    OBSERVATION_SERVICE_ITEM_REQUIRED,
    BASIS_NOT_ALLOWED,
    GUARDIAN_DETAILS_REQUIRED,
    VALIDITY_END_BEFORE_START,
    CONTROL_CHARACTER,
];
