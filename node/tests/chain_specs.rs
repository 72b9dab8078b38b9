//! Every chain spec committed under `chain-specs/` is accepted by the node: its genesis builds.

mod common;

use common::node_binary;
use std::{path::PathBuf, process::Command};

fn committed_specs() -> Vec<PathBuf> {
    let dir = PathBuf::from(
        &std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
    )
    .join("../chain-specs");
    let mut specs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("chain-specs/ exists")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    specs.sort();
    specs
}

#[test]
fn the_local_and_testnet_specs_are_committed() {
    let names: Vec<String> = committed_specs()
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    assert!(names.contains(&"local.json".to_string()), "{names:?}");
    assert!(names.contains(&"testnet.json".to_string()), "{names:?}");
}

#[test]
fn every_committed_spec_builds_its_genesis() {
    for spec in committed_specs() {
        // Converting to raw builds the genesis state from the spec: any bad field fails here.
        let output = Command::new(node_binary())
            .args(["build-spec", "--raw", "--chain"])
            .arg(&spec)
            .output()
            .expect("run build-spec");
        assert!(
            output.status.success(),
            "{} was refused:\n{}",
            spec.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        let raw: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("raw spec is JSON");
        assert!(
            raw["genesis"]["raw"]["top"].is_object(),
            "{} gives a raw genesis",
            spec.display()
        );
    }
}
