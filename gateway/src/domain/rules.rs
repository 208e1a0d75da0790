//! Rule ids the gateway adds to the validator's (`jiayang_schemas::rule`): they need the
//! database, so the validator cannot know them.

/// A reference (senior, provider, worker certificate) names nothing the gateway holds.
pub const REFERENCE_UNRESOLVED: &str = "reference-unresolved";
