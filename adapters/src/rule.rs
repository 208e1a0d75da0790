//! Rule ids of the adapters' own violations, beside the validator's (`jiayang_schemas::rule`,
//! reused where the meaning is the same: `type`, `required`, `date-format`,
//! `timestamp-format`, `charge-sum`). Stable: clients key on them.

/// A value that is not in the format's code table (gender, service code, SKU, tag, …).
pub const CODE_UNKNOWN: &str = "code-unknown";
/// A name that fits several codes (a service short name such as `助餐`).
pub const CODE_AMBIGUOUS: &str = "code-ambiguous";
/// Yuan not written as digits with at most two decimals, or beyond the model's range.
pub const MONEY_FORMAT: &str = "money-format";
/// An integer field that does not hold an integer in range.
pub const NUMBER_FORMAT: &str = "number-format";
/// A coordinate that is not a decimal number, or one of a pair given alone.
pub const COORDINATE_FORMAT: &str = "coordinate-format";
/// A district or street name that matches no division.
pub const DIVISION_NAME_UNKNOWN: &str = "division-name-unknown";
/// A district or street name that matches several divisions.
pub const DIVISION_NAME_AMBIGUOUS: &str = "division-name-ambiguous";
/// An ID number a spreadsheet turned into a number (`1.10105E+17`).
pub const ID_NUMBER_AS_NUMBER: &str = "id-number-as-number";
/// A stated duration that disagrees with start and end by more than five minutes.
pub const DURATION_MISMATCH: &str = "duration-mismatch";
/// A senior's name that differs from the name on record for that ID number.
pub const SENIOR_NAME_MISMATCH: &str = "senior-name-mismatch";
/// Bytes that are neither UTF-8 nor GB18030.
pub const UNDECODABLE: &str = "undecodable";
/// A canonical value the target format has no way to say (it is not dropped silently:
/// the record is refused).
pub const NOT_REPRESENTABLE: &str = "not-representable";

// Whole-input problems (exit code 2): the input as a whole cannot be used.
pub const INPUT_NOT_JSON: &str = "input-not-json";
pub const INPUT_EMPTY: &str = "input-empty";
pub const ENVELOPE: &str = "envelope";
pub const ENVELOPE_VERSION: &str = "envelope-version";
pub const COLUMN_MISSING: &str = "column-missing";
pub const COLUMN_DUPLICATE: &str = "column-duplicate";
pub const CONVERSION_UNSUPPORTED: &str = "conversion-unsupported";
pub const OPTION_REQUIRED: &str = "option-required";
pub const OPTION_INVALID: &str = "option-invalid";

/// Every record-level rule id above.
pub const ALL: &[&str] = &[
    CODE_UNKNOWN,
    CODE_AMBIGUOUS,
    MONEY_FORMAT,
    NUMBER_FORMAT,
    COORDINATE_FORMAT,
    DIVISION_NAME_UNKNOWN,
    DIVISION_NAME_AMBIGUOUS,
    ID_NUMBER_AS_NUMBER,
    DURATION_MISMATCH,
    SENIOR_NAME_MISMATCH,
    UNDECODABLE,
    NOT_REPRESENTABLE,
];
