//! What each kind of participant may call (DESIGN §4.5), written once against
//! [`Operation`]s. The server checks the rule of a request's operation right after
//! authentication, REST and gRPC alike; a native document is checked again as the batch
//! create (or list) of its kind once its kind is known.
//!
//! Seniors' data: every read, and consents, pass this gate for every kind and are decided
//! senior by senior by the operation itself (`crate::release`, `crate::consents`); the
//! kinds that collect profiles register and change them; every kind but regulators and
//! the operator records services (the basis for each record is checked as it is
//! prepared). The operator holds no personal data, so it does neither.

use crate::{Error, Operation, ParticipantKind};

/// Who may call an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Every authenticated participant; what it gets is decided by the operation.
    Anyone,
    /// The operator alone: the participant registry.
    Operator,
    /// The kinds that collect senior profiles (portal, institutions, stations).
    Collectors,
    /// Every kind but regulators and the operator: service records.
    Recorders,
    /// Every kind but regulators: provider listings and their workers.
    ListingWriters,
    /// Regulators alone: handling alerts (DESIGN §4.5: "read and acknowledge all").
    Supervisors,
}

/// The rule of each operation.
pub fn rule(operation: Operation) -> Rule {
    use Operation::*;
    match operation {
        ListParticipants | AddParticipant | SuspendParticipant | ResumeParticipant
        | RotateParticipant | SetWebhook => Rule::Operator,
        CreateSenior | BatchCreateSeniors | UpdateSenior => Rule::Collectors,
        CreateServiceRecord
        | BatchCreateServiceRecords
        | ImportServiceRecords
        | UpdateServiceRecord => Rule::Recorders,
        CreateProvider | BatchCreateProviders | UpdateProvider | CreateWorker | UpdateWorker => {
            Rule::ListingWriters
        }
        GetSenior
        | ListSeniors
        | LookupSenior
        | SeniorAccessHistory
        | ListSeniorConsents
        | CreateConsent
        | GetConsent
        | WithdrawConsent
        | GetServiceRecord
        | ListServiceRecords
        | LookupServiceRecord
        | GetProvider
        | ListProviders
        | LookupProvider
        | GetWorker
        | ListWorkers
        | ListServiceItems
        | ImportNative
        | ExportNative
        | ListAlerts
        | GetAlert
        | ListEvents
        | SubscribeEvents
        | ListWebhookDeliveries
        | RedeliverWebhook
        | GetAuditCheckpoint => Rule::Anyone,
        AcknowledgeAlert | ResolveAlert => Rule::Supervisors,
    }
}

/// Refuses what `kind` may not call, with a reason naming why.
pub fn check(kind: ParticipantKind, operation: Operation) -> Result<(), Error> {
    use ParticipantKind::*;
    let refused = |zh: String, en: String| Err(Error::denied(zh, en));
    let operator_holds_nothing = || {
        refused(
            "运营方不持有个人数据：老人档案由参与方登记，服务由参与方记录".into(),
            "the operator holds no personal data: profiles are registered and services recorded by participants"
                .into(),
        )
    };
    match (rule(operation), kind) {
        (Rule::Anyone, _) | (Rule::Operator, Operator) => Ok(()),
        (Rule::Operator, _) => refused(
            "只有运营方管理参与方".into(),
            "only the operator manages participants".into(),
        ),
        (Rule::Collectors, ElderCarePortal | ElderCareInstitution | CommunityStation) => Ok(()),
        (Rule::Collectors | Rule::Recorders, Operator) => operator_holds_nothing(),
        (Rule::Collectors, _) => refused(
            format!("{kind} 不登记老人档案"),
            format!("a {kind} does not register senior profiles"),
        ),
        (Rule::Recorders, Regulator) => refused(
            "监管方读取服务记录，不写入".into(),
            "a regulator reads service records; it does not write them".into(),
        ),
        (Rule::ListingWriters, Regulator) => refused(
            "监管方读取服务商信息，不写入".into(),
            "a regulator reads provider listings; it does not write them".into(),
        ),
        (Rule::Recorders | Rule::ListingWriters, _) => Ok(()),
        (Rule::Supervisors, Regulator) => Ok(()),
        (Rule::Supervisors, _) => refused(
            format!("{kind} 只能读取预警；由监管方确认和处理"),
            format!("a {kind} reads alerts; regulators acknowledge and resolve them"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Operation::*;
    use ParticipantKind::*;

    fn allowed(kind: ParticipantKind, operation: Operation) -> bool {
        check(kind, operation).is_ok()
    }

    #[test]
    fn each_kind_may_call_what_design_gives_it() {
        for kind in ParticipantKind::ALL {
            let collects = matches!(
                kind,
                ElderCarePortal | ElderCareInstitution | CommunityStation
            );
            for operation in [
                ListParticipants,
                AddParticipant,
                SuspendParticipant,
                ResumeParticipant,
                RotateParticipant,
            ] {
                assert_eq!(
                    allowed(kind, operation),
                    kind == Operator,
                    "{kind} {operation}"
                );
            }
            for operation in [CreateSenior, BatchCreateSeniors, UpdateSenior] {
                assert_eq!(allowed(kind, operation), collects, "{kind} {operation}");
            }
            for operation in [
                CreateServiceRecord,
                BatchCreateServiceRecords,
                ImportServiceRecords,
                UpdateServiceRecord,
            ] {
                let records = !matches!(kind, Regulator | Operator);
                assert_eq!(allowed(kind, operation), records, "{kind} {operation}");
            }
            for operation in [
                CreateProvider,
                BatchCreateProviders,
                UpdateProvider,
                CreateWorker,
                UpdateWorker,
            ] {
                assert_eq!(
                    allowed(kind, operation),
                    kind != Regulator,
                    "{kind} {operation}"
                );
            }
            // Reads and consents: decided senior by senior by the operation itself.
            for operation in [
                GetSenior,
                ListSeniors,
                LookupSenior,
                SeniorAccessHistory,
                ListSeniorConsents,
                CreateConsent,
                GetConsent,
                WithdrawConsent,
                GetServiceRecord,
                ListServiceRecords,
                LookupServiceRecord,
                GetProvider,
                ListProviders,
                LookupProvider,
                GetWorker,
                ListWorkers,
                ListServiceItems,
                ImportNative,
                ExportNative,
                ListAlerts,
                GetAlert,
                ListEvents,
                SubscribeEvents,
                ListWebhookDeliveries,
                RedeliverWebhook,
                GetAuditCheckpoint,
            ] {
                assert!(allowed(kind, operation), "{kind} {operation}");
            }
            for operation in [AcknowledgeAlert, ResolveAlert] {
                assert_eq!(
                    allowed(kind, operation),
                    kind == Regulator,
                    "{kind} {operation}"
                );
            }
        }
    }

    #[test]
    fn every_refusal_gives_its_reason_in_chinese_too() {
        for kind in ParticipantKind::ALL {
            for operation in Operation::ALL.iter().copied() {
                if let Err(refused) = check(kind, operation) {
                    let title = refused.message().zh;
                    // Participant kinds are codes (`HOUSEKEEPING_PLATFORM`), not words.
                    assert!(
                        !title.bytes().any(|b| b.is_ascii_lowercase()),
                        "{kind} {operation}: {title}"
                    );
                }
            }
        }
    }

    #[test]
    fn refusals_name_the_reason() {
        let Err(Error::PermissionDenied(reason)) = check(HousekeepingPlatform, CreateSenior) else {
            panic!("a housekeeping platform registers no profiles");
        };
        assert_eq!(
            reason.en,
            "a HOUSEKEEPING_PLATFORM does not register senior profiles"
        );
    }
}
