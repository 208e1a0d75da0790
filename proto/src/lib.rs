//! The canonical Jiayang model, package `jiayang.v1`, as Rust types.
//!
//! The types are generated from `proto/jiayang/v1/*.proto` by prost; their serde impls
//! follow the proto3 JSON mapping (lowerCamelCase names, enum values as strings, RFC 3339
//! timestamps), which is the JSON form every participant exchanges.

/// Generated types of package `jiayang.v1`.
#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod v1 {
    include!(concat!(env!("OUT_DIR"), "/jiayang.v1.rs"));
    include!(concat!(env!("OUT_DIR"), "/jiayang.v1.serde.rs"));
}

/// The encoded `FileDescriptorSet` of every file in package `jiayang.v1` (with its imports),
/// for gRPC reflection and for checking the JSON Schemas against the proto.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/jiayang_descriptor.bin"));

mod timestamp;

pub use timestamp::Timestamp;

/// Serde for `Consent.GrantedBy.Kind`, which pbjson cannot generate (see build.rs).
mod granted_by_kind_serde {
    use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error as _};

    use crate::v1::consent::granted_by::Kind;

    impl Serialize for Kind {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.serialize_str(self.as_str_name())
        }
    }

    impl<'de> Deserialize<'de> for Kind {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
            Kind::from_str_name(&name).ok_or_else(|| {
                D::Error::unknown_variant(&name, &["KIND_UNSPECIFIED", "SELF", "GUARDIAN"])
            })
        }
    }
}
