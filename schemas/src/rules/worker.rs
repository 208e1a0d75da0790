//! Worker rules (DESIGN §4.3).

use super::{
    Checker,
    common::{self, Object, str_field},
};

pub(super) fn check(c: &mut Checker<'_>, doc: &Object) {
    // A certificate's expiry may lie in the future; it must only be a real date.
    if let Some(until) = str_field(doc, "certificateValidUntil") {
        common::date(c, "/certificateValidUntil", until);
    }
}
