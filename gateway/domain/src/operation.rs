//! Every operation the gateway offers, whichever protocol carries it. A REST route and a
//! gRPC method each name one (`jiayang_api::operations` holds their wire names); the
//! access rules ([`crate::access`]) are written against these, and the audit log's
//! "does this touch seniors' data" is asked of them.

use std::fmt;

/// The enum and its list of every variant, from one list of names.
macro_rules! operations {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Operation {
            $($(#[$doc])* $name,)*
        }

        impl Operation {
            /// Every operation, in declaration order.
            pub const ALL: &'static [Operation] = &[$(Operation::$name,)*];
        }
    };
}

operations! {
    CreateSenior,
    BatchCreateSeniors,
    GetSenior,
    UpdateSenior,
    ListSeniors,
    LookupSenior,
    SeniorAccessHistory,
    ListSeniorConsents,

    CreateConsent,
    GetConsent,
    WithdrawConsent,

    CreateServiceRecord,
    BatchCreateServiceRecords,
    ImportServiceRecords,
    GetServiceRecord,
    UpdateServiceRecord,
    ListServiceRecords,
    LookupServiceRecord,

    CreateProvider,
    BatchCreateProviders,
    GetProvider,
    UpdateProvider,
    ListProviders,
    LookupProvider,
    CreateWorker,
    GetWorker,
    UpdateWorker,
    ListWorkers,

    ListServiceItems,

    ListAlerts,
    GetAlert,
    AcknowledgeAlert,
    ResolveAlert,

    /// The change feed, as a long-poll (REST) or a stream (gRPC).
    ListEvents,
    SubscribeEvents,
    ListWebhookDeliveries,
    RedeliverWebhook,
    /// A signed checkpoint of the audit chain (announced in the feed): anyone's to keep.
    GetAuditCheckpoint,

    /// A participant's own document in (`/v1/native/{format}/{kind}`): decided as the
    /// batch create of its kind.
    ImportNative,
    /// A page in a participant's own format: decided as the list of its kind.
    ExportNative,

    ListParticipants,
    AddParticipant,
    SuspendParticipant,
    ResumeParticipant,
    RotateParticipant,
    SetWebhook,
}

impl Operation {
    /// Whether the operation reaches seniors' data (profiles, consents, service records,
    /// or a native document that may hold them): such requests are written to the audit
    /// log, allowed or refused.
    pub fn touches_senior_data(self) -> bool {
        use Operation::*;
        match self {
            CreateSenior
            | BatchCreateSeniors
            | GetSenior
            | UpdateSenior
            | ListSeniors
            | LookupSenior
            | SeniorAccessHistory
            | ListSeniorConsents
            | CreateConsent
            | GetConsent
            | WithdrawConsent
            | CreateServiceRecord
            | BatchCreateServiceRecords
            | ImportServiceRecords
            | GetServiceRecord
            | UpdateServiceRecord
            | ListServiceRecords
            | LookupServiceRecord
            | ListAlerts
            | GetAlert
            | AcknowledgeAlert
            | ResolveAlert
            | ListEvents
            | SubscribeEvents
            | ListWebhookDeliveries
            | ImportNative
            | ExportNative => true,
            CreateProvider | BatchCreateProviders | GetProvider | UpdateProvider
            | ListProviders | LookupProvider | CreateWorker | GetWorker | UpdateWorker
            | ListWorkers | ListServiceItems | GetAuditCheckpoint | ListParticipants
            | AddParticipant | SuspendParticipant | ResumeParticipant | RotateParticipant
            | SetWebhook | RedeliverWebhook => false,
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}
