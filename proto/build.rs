//! Compiles `proto/jiayang/v1/*.proto` with protox (a protobuf compiler in Rust, so no
//! `protoc` binary is needed), generates prost types, and adds proto3-JSON serde impls
//! with pbjson. The encoded descriptor set is kept in OUT_DIR for reflection and for the
//! proto ⇄ JSON Schema drift test.

use std::{env, fs, path::PathBuf};

use protox::prost::Message as _;

const PROTO_ROOT: &str = "proto";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    let mut files: Vec<PathBuf> = fs::read_dir(PathBuf::from(PROTO_ROOT).join("jiayang/v1"))?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.retain(|p| p.extension().is_some_and(|ext| ext == "proto"));
    files.sort();
    println!("cargo:rerun-if-changed={PROTO_ROOT}");

    let descriptors = protox::compile(&files, [PROTO_ROOT])?;
    let encoded = descriptors.encode_to_vec();
    fs::write(out_dir.join("jiayang_descriptor.bin"), &encoded)?;

    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .build_transport(false)
        .extern_path(".google.protobuf.Timestamp", "crate::Timestamp")
        .compile_fds(descriptors)?;

    pbjson_build::Builder::new()
        .register_descriptors(&encoded)?
        // pbjson names a `SELF` value `Self`, which is no valid Rust variant; prost calls it
        // `Self_`. Its serde impls are written by hand in src/lib.rs.
        .exclude([".jiayang.v1.Consent.GrantedBy.Kind"])
        .extern_path(".google.protobuf.Timestamp", "crate::Timestamp")
        .build(&[".jiayang"])?;
    Ok(())
}
