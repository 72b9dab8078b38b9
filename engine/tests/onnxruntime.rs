//! Agreement with onnxruntime (CPU, one thread) on the generated models.

mod common;

use common::{model, python_with, GOOD_MODELS};
use inferchain_engine::{tensor_io, Engine};
use inferchain_primitives::policy::{compare, ExecutionPolicy};
use inferchain_primitives::tensor::DType;
use std::path::Path;
use std::process::Command;

/// abs 1e-5, rel 1e-4.
const TOLERANCE: ExecutionPolicy = ExecutionPolicy::Tolerance {
    abs: 10_000,
    rel: 100_000,
};

fn ort(model: &Path, input: &Path) -> inferchain_primitives::tensor::TensorMap {
    let python = python_with(&["onnxruntime", "numpy"]);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.npz");
    let script = Path::new(
        &std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
    )
    .join("tests")
    .join("ort_reference.py");
    let status = Command::new(python)
        .arg(script)
        .arg(model)
        .arg(input)
        .arg(&out)
        .status()
        .unwrap();
    assert!(
        status.success(),
        "onnxruntime failed on {}",
        model.display()
    );
    tensor_io::read_file(&out, None).unwrap()
}

#[test]
fn engine_agrees_with_onnxruntime() {
    let mut engine = Engine::default();
    let sample = Path::new(
        &std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
    )
    .join("..")
    .join("models")
    .join("sample");
    let mut cases: Vec<(String, std::path::PathBuf, std::path::PathBuf)> = GOOD_MODELS
        .iter()
        .map(|n| {
            let (m, i) = model(n);
            (n.to_string(), m, i)
        })
        .collect();
    cases.push((
        "sample-mlp".into(),
        sample.join("mlp.onnx"),
        sample.join("input.json"),
    ));
    for (name, m, i) in cases {
        let bytes = std::fs::read(&m).unwrap();
        let ours = engine
            .run_bytes(&bytes, &tensor_io::read_file(&i, None).unwrap(), TOLERANCE)
            .unwrap();
        let theirs = ort(&m, &i);
        let is_int = ours.0.iter().all(|t| t.tensor.dtype == DType::U8);
        if is_int {
            // Quantized outputs: requantisation may round differently by one step.
            for (a, b) in ours.0.iter().zip(theirs.0.iter()) {
                assert_eq!(a.name, b.name);
                assert_eq!(a.tensor.shape, b.tensor.shape);
                let worst = a
                    .tensor
                    .data
                    .iter()
                    .zip(&b.tensor.data)
                    .map(|(x, y)| x.abs_diff(*y))
                    .max();
                println!("{name}: max u8 difference {worst:?}");
                assert!(
                    worst.unwrap_or(0) <= 1,
                    "{name}: u8 outputs differ by {worst:?}"
                );
            }
        } else {
            println!("{name}: {:?}", compare(&TOLERANCE, &ours, &theirs));
            compare(&TOLERANCE, &ours, &theirs).unwrap_or_else(|m| panic!("{name}: {m:?}"));
        }
    }
}
