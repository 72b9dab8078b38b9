//! Helpers shared by the engine integration tests.
#![allow(dead_code)]

use inferchain_engine::tensor_io;
use inferchain_primitives::tensor::TensorMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `engine/tests/models`.
pub fn models_dir() -> PathBuf {
    Path::new(
        &std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
    )
    .join("tests")
    .join("models")
}

/// The good test models, each with its `NAME.input.json`.
pub const GOOD_MODELS: &[&str] = &["mlp", "cnn", "int8", "activations"];

/// Model and input paths of a good test model.
pub fn model(name: &str) -> (PathBuf, PathBuf) {
    let dir = models_dir();
    (
        dir.join(format!("{name}.onnx")),
        dir.join(format!("{name}.input.json")),
    )
}

/// Inputs of a good test model.
pub fn inputs(name: &str) -> TensorMap {
    tensor_io::read_file(&model(name).1, None).expect("test inputs")
}

/// The Python interpreter (`PYTHON` or `python3`). Panics with instructions when Python or a
/// package from `engine/tests/requirements.txt` is missing: these tests must not skip.
pub fn python_with(modules: &[&str]) -> String {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let check = format!("import {}", modules.join(", "));
    let ok = Command::new(&python)
        .args(["-c", &check])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        ok,
        "{python} with {modules:?} is required: pip install -r engine/tests/requirements.txt"
    );
    python
}
