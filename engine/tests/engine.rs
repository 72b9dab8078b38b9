//! Engine API: validation info, plan cache bounds, the host backend over a chunk store, CLI.

mod common;

use common::{inputs, model, GOOD_MODELS};
use inferchain_engine::host::{ChunkStore, EngineHost};
use inferchain_engine::plan_cache::PlanCache;
use inferchain_engine::{compile, validate, Engine};
use inferchain_primitives::host::{HostError, InferenceHost};
use inferchain_primitives::limits::MAX_CHUNK_BYTES;
use inferchain_primitives::model::{model_id, ModelId};
use inferchain_primitives::policy::ExecutionPolicy;
use inferchain_primitives::tensor::{DType, TensorMap};
use std::collections::HashMap;
use std::path::Path;

const TOL: ExecutionPolicy = ExecutionPolicy::Tolerance { abs: 0, rel: 0 };

fn sample() -> Vec<u8> {
    std::fs::read(
        Path::new(
            &std::env::var("CARGO_MANIFEST_DIR")
                .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
        )
        .join("../models/sample/mlp.onnx"),
    )
    .unwrap()
}

#[test]
fn sample_mlp_info() {
    let info = validate(&sample()).unwrap();
    assert_eq!(info.inputs.len(), 1);
    assert_eq!(info.inputs[0].name.as_slice(), b"x");
    assert_eq!(info.inputs[0].dtype, DType::F32);
    assert_eq!(info.inputs[0].shape.to_vec(), vec![1, 4]);
    assert_eq!(info.outputs[0].name.as_slice(), b"y");
    assert_eq!(info.outputs[0].shape.to_vec(), vec![1, 3]);
    let ops: Vec<&[u8]> = info.ops.iter().map(|o| o.as_slice()).collect();
    assert_eq!(ops, vec![&b"Gemm"[..], b"Relu"]);
    assert_eq!(info.parameters, 4 * 8 + 8 + 8 * 3 + 3);
    // Two Gemms: 4·8 + 8·3 multiply-accumulates at least.
    assert!(info.cost >= 56, "cost {}", info.cost);
    for name in GOOD_MODELS {
        let info = validate(&std::fs::read(model(name).0).unwrap()).unwrap();
        assert!(info.cost > 0, "{name}");
        assert_eq!(info.check_inputs(&inputs(name)), Ok(()));
    }
}

#[test]
fn plan_cache_is_bounded() {
    let compiled: Vec<_> = GOOD_MODELS
        .iter()
        .map(|n| {
            let bytes = std::fs::read(model(n).0).unwrap();
            (model_id(&bytes), compile(&bytes).unwrap())
        })
        .collect();
    let mut cache = PlanCache::new(2, usize::MAX);
    for (id, c) in &compiled {
        cache.insert(*id, c.clone());
    }
    assert_eq!(cache.len(), 2);
    assert!(!cache.contains(&compiled[0].0) && !cache.contains(&compiled[1].0));
    assert!(cache.get(&compiled[2].0).is_some());
    assert!(cache.get(&compiled[0].0).is_none());
    assert_eq!(cache.stats(), (1, 1));
    // Recency: touching [2] makes [3] the one evicted next.
    cache.insert(compiled[0].0, compiled[0].1.clone());
    assert!(cache.contains(&compiled[2].0) && !cache.contains(&compiled[3].0));
    // Byte bound.
    let limit = compiled[0].1.model_bytes + compiled[2].1.model_bytes;
    let mut cache = PlanCache::new(16, limit);
    for (id, c) in &compiled {
        cache.insert(*id, c.clone());
        assert!(cache.bytes() <= limit);
    }
    let mut tiny = PlanCache::new(16, 10);
    tiny.insert(compiled[0].0, compiled[0].1.clone());
    assert!(
        tiny.is_empty(),
        "a model larger than the bound is not cached"
    );
}

#[test]
fn engine_runs_loaded_models() {
    let mut engine = Engine::default();
    for name in GOOD_MODELS {
        let bytes = std::fs::read(model(name).0).unwrap();
        let (id, info) = engine.load(&bytes).unwrap();
        assert_eq!(id, model_id(&bytes));
        let out = engine.run(&id, &inputs(name), TOL).unwrap();
        assert_eq!(out.len(), info.outputs.len());
        for (o, spec) in out.0.iter().zip(info.outputs.iter()) {
            assert_eq!(o.tensor.dtype, spec.dtype);
            assert_eq!(o.tensor.shape, spec.shape.to_vec());
        }
        assert_eq!(TensorMap::decode_checked(&out.canonical_bytes()), Ok(out));
    }
    let wrong = engine.ensure_loaded(ModelId::repeat_byte(9), || Some(sample()));
    assert!(wrong.is_err());
}

#[derive(Clone)]
struct Chunks(HashMap<(ModelId, u32), Vec<u8>>);

impl ChunkStore for Chunks {
    fn chunk(&self, id: &ModelId, index: u32) -> Option<Vec<u8>> {
        self.0.get(&(*id, index)).cloned()
    }
}

#[test]
fn engine_host_over_chunks() {
    let bytes = std::fs::read(model("mlp").0).unwrap();
    let id = model_id(&bytes);
    let chunk = 64 * 1024;
    assert!(chunk <= MAX_CHUNK_BYTES as usize);
    let store: HashMap<_, _> = bytes
        .chunks(chunk)
        .enumerate()
        .map(|(i, c)| ((id, i as u32), c.to_vec()))
        .collect();
    let n = store.len() as u32;
    // A missing chunk: unavailable (before anything is cached).
    let mut fresh = EngineHost::new(Chunks(store.clone()));
    assert_eq!(
        fresh.validate_model(id, n + 1),
        Err(HostError::ModelUnavailable)
    );
    // Sandboxed validation gives the same info.
    let mut sandboxed = EngineHost::with_sandbox(
        Chunks(store.clone()),
        env!("CARGO_BIN_EXE_inferchain-engine").into(),
        Default::default(),
    );
    assert_eq!(
        sandboxed.validate_model(id, n),
        Ok(validate(&bytes).unwrap())
    );
    let mut host = EngineHost::new(Chunks(store));
    let info = host.validate_model(id, n).unwrap();
    assert_eq!(info, validate(&bytes).unwrap());
    assert_eq!(
        host.validate_model(ModelId::zero(), n),
        Err(HostError::ModelUnavailable)
    );
    let x = inputs("mlp").canonical_bytes();
    let out = host.run(id, n, &x, TOL).unwrap();
    let expected = Engine::default()
        .run_bytes(&bytes, &inputs("mlp"), TOL)
        .unwrap();
    assert_eq!(out, expected.canonical_bytes());
    assert!(matches!(
        host.run(id, n, &[1, 2, 3], TOL),
        Err(HostError::BadInputs(_))
    ));
    // Exact depends on the process mode; either it runs or it is refused with a reason.
    match host.run(id, n, &x, ExecutionPolicy::Exact) {
        Ok(_) | Err(HostError::PolicyUnsupported(_)) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn cli_inspect_run_hash() {
    let exe = env!("CARGO_BIN_EXE_inferchain-engine");
    let root = Path::new(
        &std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
    )
    .join("..");
    let m = root.join("models/sample/mlp.onnx");
    let i = root.join("models/sample/input.json");
    let out = std::process::Command::new(exe)
        .arg("inspect")
        .arg(&m)
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = format!("0x{}", hex::encode(model_id(&sample()).as_bytes()));
    assert_eq!(v["model_id"], serde_json::json!(id));
    assert_eq!(v["inputs"][0]["name"], "x");
    assert_eq!(v["outputs"][0]["shape"], serde_json::json!([1, 3]));
    let run = |extra: &[&str]| {
        std::process::Command::new(exe)
            .arg("run")
            .arg(&m)
            .arg("--input")
            .arg(&i)
            .args(["--policy", "tolerance"])
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&["--repeat", "5"]);
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["y"]["shape"], serde_json::json!([1, 3]));
    assert!(String::from_utf8_lossy(&out.stderr).contains("median"));
    let dir = tempfile::tempdir().unwrap();
    let npz = dir.path().join("out.npz");
    assert!(run(&["--output", npz.to_str().unwrap()]).status.success());
    let from_npz = inferchain_engine::tensor_io::read_file(&npz, None).unwrap();
    let from_json = inferchain_engine::tensor_io::from_json(&v).unwrap();
    assert_eq!(from_npz, from_json);
    let hash = std::process::Command::new(exe)
        .args([
            "hash",
            m.to_str().unwrap(),
            "--input",
            i.to_str().unwrap(),
            "--policy",
            "tolerance",
        ])
        .output()
        .unwrap();
    assert!(hash.status.success());
    let digest = String::from_utf8(hash.stdout).unwrap();
    let expected = inferchain_primitives::output_digest(&from_json.canonical_bytes());
    assert_eq!(
        digest.trim(),
        format!("0x{}", hex::encode(expected.as_bytes()))
    );
    // .npy input for a single-input model.
    let npy = dir.path().join("x.npy");
    std::fs::write(
        &npy,
        inferchain_engine::tensor_io::to_npy(inputs_sample().get(b"x").unwrap()),
    )
    .unwrap();
    let out = std::process::Command::new(exe)
        .args([
            "run",
            m.to_str().unwrap(),
            "--input",
            npy.to_str().unwrap(),
            "--policy",
            "tolerance",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap(),
        v
    );
}

fn inputs_sample() -> TensorMap {
    let root = Path::new(
        &std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
    )
    .join("..");
    inferchain_engine::tensor_io::read_file(&root.join("models/sample/input.json"), None).unwrap()
}

#[test]
fn engine_host_is_send() {
    fn assert_send<T: Send + 'static>() {}
    // Required by `InferenceHostExt(Box<dyn InferenceHost + Send>)`.
    assert_send::<EngineHost<Chunks>>();
    assert_send::<Engine>();
}
