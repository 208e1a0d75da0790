//! The grants consents give (DESIGN §4.4): which participant may see which categories of
//! which holder's registration of a senior for which purpose, today. Read afresh on every request (no cache:
//! a withdrawal counts from the next request on). Expiry is a matter of Beijing's
//! calendar day; the stored status stays ACTIVE.

use std::collections::{BTreeSet, HashMap};

use jiayang_store::{entity::consent, lists};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect};
use time::{OffsetDateTime, UtcOffset, macros::format_description};

use crate::{Error, Gateway};

/// Today in Beijing, `YYYY-MM-DD`: validity dates are Beijing calendar days.
pub(crate) fn beijing_today() -> String {
    let beijing = UtcOffset::from_hms(8, 0, 0).expect("UTC+8 is an offset");
    OffsetDateTime::now_utc()
        .to_offset(beijing)
        .date()
        .format(format_description!("[year]-[month]-[day]"))
        .expect("a date formats")
}

/// The grants `grantee` holds for `purpose` today: active, begun and not expired.
pub(crate) fn active_grants(grantee: &str, purpose: &str, today: &str) -> Condition {
    current_grants(grantee, today).add(lists(consent::Column::Purposes, purpose))
}

/// The grants `grantee` holds today for any purpose.
pub(crate) fn current_grants(grantee: &str, today: &str) -> Condition {
    Condition::all()
        .add(consent::Column::Grantee.eq(grantee))
        .add(consent::Column::Status.eq("ACTIVE"))
        .add(consent::Column::ValidFrom.lte(today))
        .add(
            Condition::any()
                .add(consent::Column::ValidUntil.is_null())
                .add(consent::Column::ValidUntil.gte(today)),
        )
}

/// The data categories `grantee`'s grants give it for `purpose`, for each registration
/// of the seniors that has any, by `(senior, holder)`: a grant gives its holder's data.
pub(crate) async fn granted(
    gateway: &Gateway,
    grantee: &str,
    purpose: &str,
    senior_ids: &[&str],
) -> Result<HashMap<(String, String), BTreeSet<String>>, Error> {
    if senior_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, String, String)> = consent::Entity::find()
        .select_only()
        .columns([
            consent::Column::SeniorId,
            consent::Column::Holder,
            consent::Column::Categories,
        ])
        .filter(active_grants(grantee, purpose, &beijing_today()))
        .filter(consent::Column::SeniorId.is_in(senior_ids.iter().copied()))
        .into_tuple()
        .all(&gateway.store.db)
        .await?;
    let mut granted: HashMap<(String, String), BTreeSet<String>> = HashMap::new();
    for (senior, holder, categories) in rows {
        granted
            .entry((senior, holder))
            .or_default()
            .extend(categories_of(&categories));
    }
    Ok(granted)
}

/// A grant's `categories` column (`,A,B,`) as category codes.
pub(crate) fn categories_of(column: &str) -> impl Iterator<Item = String> + '_ {
    column
        .split(',')
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
}
