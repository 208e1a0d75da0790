//! Consents (DESIGN §4.4): recorded by a holder of the senior for its own registration's
//! data, as a resource like any other (idempotent create), read by that holder, the
//! grantee, regulators and the operator, withdrawn at once by the holder (or the
//! operator). The grants they hold (`crate::grants`) are what `crate::release` asks
//! before any other participant sees a holder's registration.

use jiayang_schemas::{Kind, Violation};
use jiayang_store::{
    delimited,
    entity::{consent, participant},
    micros_to_rfc3339, now_micros,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter, QueryOrder,
};
use serde_json::{Map, Value, json};

use crate::{
    Call, Error, Gateway, ParticipantKind,
    document::json_text,
    events::{self, Change},
    grants::beijing_today,
    references::{SeniorRef, key_of, may_know_without_holding, resolve_senior},
    resource::{Columns, Prepared, Resource, Target, rendered},
    rules, seniors,
};

/// Consents as a resource.
pub struct Consents;

/// What a consent names besides its document: the senior (resolved) and the grantee.
pub struct Grant {
    senior_id: String,
    grantee: String,
}

const LABEL: &str = "consent";

/// A consent as of `today`.
fn render(row: &consent::Model, today: &str) -> Value {
    let mut rendered = rendered::<Consents>(row);
    // Expiry is a matter of the calendar, not of a write.
    if row.status == "ACTIVE"
        && row
            .valid_until
            .as_deref()
            .is_some_and(|until| until < today)
    {
        rendered["status"] = "EXPIRED".into();
    }
    rendered
}

fn delimited_list(body: &Map<String, Value>, key: &str) -> String {
    delimited(
        body.get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str),
    )
}

/// Refuses anyone but a holder of the senior and the operator (404 for no such senior).
pub(crate) async fn require_holder(
    gateway: &Gateway,
    call: &Call,
    senior_id: &str,
) -> Result<(), Error> {
    let db = &gateway.store.db;
    if !seniors::exists(db, senior_id).await? {
        return Err(Error::NotFound("senior"));
    }
    if call.kind() == ParticipantKind::Operator || seniors::holds(db, call.me(), senior_id).await? {
        Ok(())
    } else {
        Err(Error::denied(
            "只有持有该老人档案的参与方（或运营方）可以查看",
            "only a participant holding the senior's profile (or the operator) sees this",
        ))
    }
}

/// Whether the call may change the consent `row`: its holder's, or the operator's.
fn may_change(call: &Call, row: &consent::Model) -> bool {
    call.kind() == ParticipantKind::Operator || call.me() == row.holder
}

impl Resource for Consents {
    type Table = consent::Entity;
    const KIND: Kind = Kind::Consent;
    const PREFIX: &'static str = "cns";
    const LABEL: &'static str = LABEL;
    type Extra = Grant;
    type Cache = ();

    /// A consent is recorded ACTIVE, for a senior the caller holds, to a registered
    /// participant.
    async fn prepare(
        gateway: &Gateway,
        call: &Call,
        _parent: Option<&str>,
        body: &mut Map<String, Value>,
        conn: &impl ConnectionTrait,
        _cache: &mut (),
    ) -> Result<Grant, Error> {
        body.remove("withdrawalReason");
        let reference = body
            .get("senior")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let mut violations = Vec::new();
        // A senior the caller neither holds nor has a grant for is answered as unknown,
        // with the same queries run either way (`references::SeniorRef`).
        let found = resolve_senior(gateway, conn, &reference).await?;
        let id = found.as_deref().unwrap_or_default();
        let holds = seniors::holds(conn, call.me(), id).await?;
        let known = holds || may_know_without_holding(gateway, call, id).await?;
        let senior_id = SeniorRef::of(found, known).usable(call);
        if senior_id.is_none() {
            let key = match key_of(&reference) {
                "" => "seniorId",
                key => key,
            };
            violations.push(Violation::new(
                format!("/senior/{key}"),
                rules::REFERENCE_UNRESOLVED,
                "找不到该老年人",
                "no such senior",
            ));
        }
        let grantee = body
            .get("grantee")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if participant::Entity::find_by_id(grantee.clone())
            .one(conn)
            .await?
            .is_none()
        {
            violations.push(Violation::new(
                "/grantee",
                rules::REFERENCE_UNRESOLVED,
                "被授权方不是已登记的接入方",
                "the grantee is not a registered participant",
            ));
        }
        if body.get("status").and_then(Value::as_str) != Some("ACTIVE") {
            violations.push(Violation::new(
                "/status",
                rules::CONSENT_STATUS,
                "新记录的授权应为 ACTIVE",
                "a consent is recorded ACTIVE; withdraw it with :withdraw",
            ));
        }
        let Some(senior_id) = senior_id.filter(|_| violations.is_empty()) else {
            return Err(Error::Invalid(violations));
        };
        // A consent gives the data of its holder's registration: the operator, which holds
        // none, records none.
        if !holds {
            return Err(Error::denied(
                "只有持有该老人档案的参与方可以记录授权同意，且只为自己的登记",
                "only a participant holding the senior's profile records consents, for its own registration",
            ));
        }
        body.insert("senior".into(), json!({ "seniorId": senior_id }));
        body.insert("capturedBy".into(), call.me().into());
        Ok(Grant { senior_id, grantee })
    }

    fn columns(
        _gateway: &Gateway,
        _target: Target<'_>,
        prepared: &Prepared<Grant>,
    ) -> Columns<Self> {
        let body = &prepared.body;
        let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
        consent::ActiveModel {
            senior_id: Set(prepared.extra.senior_id.clone()),
            grantee: Set(prepared.extra.grantee.clone()),
            status: Set("ACTIVE".into()),
            valid_from: Set(text("validFrom").unwrap_or_default()),
            valid_until: Set(text("validUntil")),
            purposes: Set(delimited_list(body, "purposes")),
            categories: Set(delimited_list(body, "categories")),
            document: Set(json_text(body)),
            ..Default::default()
        }
    }

    /// The participant that records a consent is its `capturedBy`, and the holder whose
    /// registration's data it gives.
    fn creator(
        row: &mut Columns<Self>,
        call: &Call,
        _parent: Option<&str>,
        _prepared: &Prepared<Self::Extra>,
    ) {
        row.captured_by = Set(call.me().to_owned());
        row.holder = Set(call.me().to_owned());
    }

    fn render(_gateway: &Gateway, row: &consent::Model) -> Result<Value, Error> {
        Ok(render(row, &beijing_today()))
    }

    fn senior_of<'a>(_id: &'a str, prepared: &'a Prepared<Grant>) -> Option<&'a str> {
        Some(&prepared.extra.senior_id)
    }
}

/// A consent, to its holder, the grantee, a regulator or the operator.
pub async fn get(gateway: &Gateway, call: &Call, id: &str) -> Result<Value, Error> {
    let row = consent::Entity::find_by_id(id.to_owned())
        .one(&gateway.store.db)
        .await?
        .ok_or(Error::NotFound(LABEL))?;
    let visible = matches!(
        call.kind(),
        ParticipantKind::Regulator | ParticipantKind::Operator
    ) || call.me() == row.grantee
        || call.me() == row.holder;
    if !visible {
        // Whether a consent exists is itself not for everyone to know.
        return Err(Error::NotFound(LABEL));
    }
    Ok(render(&row, &beijing_today()))
}

/// A senior's consents, oldest first: all of them to regulators and the operator; to
/// anyone else those it recorded as a holder and those granted to it (another holder's
/// consents would tell that it holds the senior).
pub async fn list_for_senior(
    gateway: &Gateway,
    call: &Call,
    senior_id: &str,
) -> Result<Vec<Value>, Error> {
    let db = &gateway.store.db;
    if !seniors::exists(db, senior_id).await? {
        return Err(Error::NotFound("senior"));
    }
    let mut query = consent::Entity::find().filter(consent::Column::SeniorId.eq(senior_id));
    if !matches!(
        call.kind(),
        ParticipantKind::Regulator | ParticipantKind::Operator
    ) {
        query = query.filter(
            Condition::any()
                .add(consent::Column::Holder.eq(call.me()))
                .add(consent::Column::Grantee.eq(call.me())),
        );
    }
    let today = beijing_today();
    Ok(query
        .order_by_asc(consent::Column::Id)
        .all(db)
        .await?
        .iter()
        .map(|row| render(row, &today))
        .collect())
}

/// Withdraws a consent at once (PIPL art. 15): from the next request on it grants nothing.
/// Withdrawing a withdrawn consent changes nothing and answers it as it is.
pub async fn withdraw(
    gateway: &Gateway,
    call: &Call,
    id: &str,
    reason: Option<String>,
) -> Result<Value, Error> {
    let write = gateway.store.write().await?;
    let row = consent::Entity::find_by_id(id.to_owned())
        .one(&write.txn)
        .await?
        .ok_or(Error::NotFound(LABEL))?;
    if !may_change(call, &row) {
        return Err(Error::denied(
            "只有记录该授权同意的持有方可以撤回",
            "only the holder that recorded a consent withdraws it",
        ));
    }
    if row.status == "WITHDRAWN" {
        return Ok(render(&row, &beijing_today()));
    }
    let mut body: Map<String, Value> = serde_json::from_str(&row.document).unwrap_or_default();
    let now = now_micros();
    body.insert("status".into(), "WITHDRAWN".into());
    body.insert("withdrawnAt".into(), micros_to_rfc3339(now).into());
    if let Some(reason) = reason {
        body.insert("withdrawalReason".into(), reason.into());
    }
    let senior_id = row.senior_id.clone();
    let mut active: consent::ActiveModel = row.into();
    let version = active.version.clone().unwrap() + 1;
    active.status = Set("WITHDRAWN".into());
    active.document = Set(json_text(&body));
    active.version = Set(version);
    active.updated_at = Set(now);
    let row = active.update(&write.txn).await?;
    let change = Change::new(call.me(), "consent", "withdrawn", id, version);
    events::record(&write.txn, vec![change.about(Some(&senior_id))]).await?;
    write.commit().await?;
    Ok(render(&row, &beijing_today()))
}
