//! The gateway's layers, held: each crate in `gateway/` may depend only on those below it
//! (store ← domain ← api ← server), the lower ones on nothing of HTTP, gRPC, TLS or the
//! server, and inside the protocols REST and gRPC do not reach into each other. The
//! compiler already refuses an import of a crate that is not a dependency (and cargo a
//! dependency that closes a circle); this test refuses the dependency that would open
//! the way, and the `use` lines the compiler cannot see as layers.

use std::{
    fs,
    path::{Path, PathBuf},
};

/// What each crate may depend on, by name: the crates below it and the libraries of its
/// layer. Anything else — a crate above, or a protocol or server library below the
/// protocols — is a layering error.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "store",
        &[
            "jiayang-proto",
            "sea-orm",
            "sea-orm-migration",
            "serde",
            "serde_json",
            "sha2",
            "hmac",
            "aes-gcm",
            "rand",
            "base64",
            "rcgen",
            // Ed25519 signatures of audit checkpoints.
            "ring",
            "time",
            "tokio",
            "thiserror",
            // Its listener for credential changes has no caller to report a lost
            // connection to.
            "tracing",
        ],
    ),
    (
        "domain",
        &[
            "jiayang-store",
            "jiayang-schemas",
            "jiayang-proto",
            "jiayang-adapters",
            "sea-orm",
            "serde",
            "serde_json",
            "sha2",
            "hmac",
            "base64",
            "rand",
            "ulid",
            "time",
            "tokio",
            "tokio-stream",
            "thiserror",
            // Its background tasks (the event sequencer) have no caller to report to.
            "tracing",
        ],
    ),
    (
        "api",
        &[
            "jiayang-domain",
            "jiayang-schemas",
            "jiayang-proto",
            "jiayang-adapters",
            "tokio",
            "tokio-stream",
            "tonic",
            "tonic-prost",
            "tonic-health",
            "tonic-reflection",
            "tonic-types",
            "prost",
            "prost-types",
            "axum",
            "tower",
            "http",
            "serde",
            "serde_json",
            "thiserror",
            "tracing",
        ],
    ),
];

/// Modules of one crate that must not import each other: (crate, module, forbidden).
const APART: &[(&str, &str, &str)] = &[
    ("api", "rest", "crate::grpc"),
    ("api", "grpc", "crate::rest"),
];

fn gateway_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the server crate is in gateway/")
        .to_owned()
}

/// The names under a manifest's `[dependencies]`.
fn dependencies(manifest: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut inside = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == "[dependencies]";
            continue;
        }
        if !inside || line.is_empty() || line.starts_with('#') {
            continue;
        }
        let name = line.split(['=', '.', ' ']).next().unwrap_or_default();
        names.push(name.to_owned());
    }
    names
}

/// The dependencies of `krate` its layer does not allow.
fn forbidden_dependencies(krate: &str, manifest: &str) -> Vec<String> {
    let allowed = LAYERS
        .iter()
        .find(|(name, _)| *name == krate)
        .map(|(_, allowed)| *allowed)
        .unwrap_or_default();
    dependencies(manifest)
        .into_iter()
        .filter(|name| !allowed.contains(&name.as_str()))
        .collect()
}

/// `use` lines (and paths) of `source` naming `forbidden`.
fn forbidden_uses<'a>(source: &'a str, forbidden: &str) -> Vec<&'a str> {
    let bare = forbidden.trim_start_matches("crate::");
    source
        .lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .filter(|line| {
            line.contains(forbidden)
                || (line.trim_start().starts_with("use crate::")
                    && line.contains(&format!("{bare}::")))
                || (line.trim_start().starts_with("use crate::{") && line.contains(bare))
        })
        .collect()
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn every_gateway_crate_depends_only_on_the_layers_below_it() {
    for (krate, _) in LAYERS {
        let manifest = fs::read_to_string(gateway_dir().join(krate).join("Cargo.toml")).unwrap();
        assert!(
            !dependencies(&manifest).is_empty(),
            "{krate} has dependencies"
        );
        let forbidden = forbidden_dependencies(krate, &manifest);
        assert!(
            forbidden.is_empty(),
            "gateway/{krate} may not depend on {forbidden:?}: it would reach a layer above it"
        );
    }
}

#[test]
fn rest_and_grpc_do_not_reach_into_each_other() {
    for (krate, module, forbidden) in APART {
        let mut files = Vec::new();
        rust_files(
            &gateway_dir().join(krate).join("src").join(module),
            &mut files,
        );
        assert!(!files.is_empty(), "{krate}/src/{module} has sources");
        for file in files {
            let source = fs::read_to_string(&file).unwrap();
            let uses = forbidden_uses(&source, forbidden);
            assert!(
                uses.is_empty(),
                "{} uses {forbidden}: {uses:?}",
                file.display()
            );
        }
    }
}

/// The checks catch what they are for: a lower layer depending on a higher one or on a
/// protocol library, and one protocol importing the other.
#[test]
fn the_checks_refuse_a_back_import() {
    let domain_on_api = "[package]\nname = \"x\"\n\n[dependencies]\njiayang-store.workspace = true\njiayang-api.workspace = true\n\n[dev-dependencies]\naxum = \"1\"\n";
    assert_eq!(
        forbidden_dependencies("domain", domain_on_api),
        ["jiayang-api"]
    );
    let store_on_axum = "[dependencies]\naxum = { workspace = true }\nsea-orm.workspace = true\n";
    assert_eq!(forbidden_dependencies("store", store_on_axum), ["axum"]);
    assert_eq!(
        forbidden_uses(
            "use crate::{error::ApiError, grpc::convert};\n",
            "crate::grpc"
        )
        .len(),
        1
    );
    assert_eq!(
        forbidden_uses("    let x = crate::rest::routes();\n", "crate::rest").len(),
        1
    );
    assert!(forbidden_uses("use crate::{error::ApiError, wire};\n", "crate::grpc").is_empty());
}
