//! Engine benchmarks (a bench binary; `cargo bench -p inferchain-engine --bench engine`).
//!
//! The kernel mode is a per-process choice, so the parent process re-runs itself once per mode
//! (`off` = native kernels, `pinned`, `portable`) and prints Markdown tables:
//! 1. warm latency through `Engine::run_compiled` vs raw tract `plan.run` on the same plan;
//! 2. the cost of exactness: each mode's warm latency relative to native kernels;
//! 3. cold path: validate + compile time vs model size, cache hit vs miss;
//! 4. onnxruntime (CPU, one thread) on the same models, via `engine/tests/ort_reference.py`.
//!
//! Numbers are the best of six alternating rounds' medians. No assertions: timing belongs here, never in tests.

use inferchain_engine::tensor_conv::to_tract;
use inferchain_engine::{compile, exactness, tensor_io, Engine};
use inferchain_primitives::model::model_id;
use inferchain_primitives::policy::ExecutionPolicy;
use inferchain_primitives::tensor::TensorMap;
use prost::Message;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use tract_onnx::pb;
use tract_onnx::prelude::*;

fn root() -> PathBuf {
    Path::new(
        &std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string()),
    )
    .to_path_buf()
}

fn models() -> Vec<(String, PathBuf, PathBuf)> {
    let t = root().join("tests").join("models");
    let s = root().join("..").join("models").join("sample");
    let mut v = vec![(
        "sample-mlp 4-8-3".to_string(),
        s.join("mlp.onnx"),
        s.join("input.json"),
    )];
    for (name, label) in [
        ("mlp", "mlp 64-128-128-10"),
        ("cnn", "cnn 16x16 2conv"),
        ("int8", "int8 qlinearmatmul 64x32"),
        ("activations", "activations 64"),
    ] {
        v.push((
            label.to_string(),
            t.join(format!("{name}.onnx")),
            t.join(format!("{name}.input.json")),
        ));
    }
    v
}

/// Median seconds per call of `f`, sampling for about `budget`.
fn median(budget: Duration, mut f: impl FnMut()) -> f64 {
    for _ in 0..10 {
        f();
    }
    let mut samples = vec![];
    let start = Instant::now();
    while start.elapsed() < budget || samples.len() < 21 {
        let t = Instant::now();
        f();
        samples.push(t.elapsed().as_secs_f64());
        if samples.len() >= 200_000 {
            break;
        }
    }
    samples.sort_by(|a, b| a.total_cmp(b));
    samples[samples.len() / 2]
}

fn us(s: f64) -> String {
    format!("{:.2}", s * 1e6)
}

/// Child: warm latencies in this process's mode. Prints `name\tengine_s\traw_s`.
fn child() {
    let ex = exactness::current();
    eprintln!("child: {}", ex.describe());
    let policy = if ex.exact.is_ok() {
        ExecutionPolicy::Exact
    } else {
        ExecutionPolicy::Tolerance { abs: 0, rel: 0 }
    };
    let engine = Engine::default();
    for (name, m, i) in models() {
        let bytes = std::fs::read(&m).unwrap();
        let compiled = compile(&bytes).unwrap();
        let inputs: TensorMap = tensor_io::read_file(&i, None).unwrap();
        let raw_inputs: TVec<Tensor> = compiled
            .info
            .inputs
            .iter()
            .map(|s| to_tract(inputs.get(&s.name).unwrap()).unwrap())
            .collect();
        let plan = compiled.plan.clone();
        // Alternate engine and raw rounds and keep each path's best median, so that load
        // from other processes on this shared machine hits both paths alike.
        let budget = Duration::from_millis(150);
        let (mut e, mut r) = (f64::MAX, f64::MAX);
        for _ in 0..6 {
            e = e.min(median(budget, || {
                engine.run_compiled(&compiled, &inputs, policy).unwrap();
            }));
            r = r.min(median(budget, || {
                let tv: TVec<TValue> = raw_inputs.iter().map(|t| t.clone().into()).collect();
                plan.run(tv).unwrap();
            }));
        }
        println!("{name}\t{e}\t{r}");
    }
}

fn run_child(mode: &str) -> Vec<(String, f64, f64)> {
    let out = Command::new(std::env::current_exe().unwrap())
        .arg("--child")
        .env("INFERCHAIN_EXACT_MODE", mode)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprint!("{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (
                f[0].to_string(),
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
            )
        })
        .collect()
}

/// An f32 MLP `width → width → … → 10` with `layers` hidden layers, as ONNX bytes.
fn synthetic_mlp(width: usize, layers: usize) -> Vec<u8> {
    let mut inits = vec![];
    let mut nodes = vec![];
    let mut seed = 1u32;
    let mut rand = || {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5
    };
    let tensor = |name: String, dims: Vec<i64>, data: Vec<f32>| pb::TensorProto {
        name,
        dims,
        data_type: 1,
        raw_data: data.iter().flat_map(|v| v.to_le_bytes()).collect(),
        ..Default::default()
    };
    let mut prev = "x".to_string();
    for l in 0..=layers {
        let out_w = if l == layers { 10 } else { width };
        let w: Vec<f32> = (0..width * out_w).map(|_| rand() / width as f32).collect();
        inits.push(tensor(format!("w{l}"), vec![width as i64, out_w as i64], w));
        inits.push(tensor(
            format!("b{l}"),
            vec![out_w as i64],
            vec![0.01; out_w],
        ));
        let g = format!("g{l}");
        nodes.push(pb::NodeProto {
            op_type: "Gemm".into(),
            input: vec![prev.clone(), format!("w{l}"), format!("b{l}")],
            output: vec![if l == layers { "y".into() } else { g.clone() }],
            ..Default::default()
        });
        if l < layers {
            let r = format!("r{l}");
            nodes.push(pb::NodeProto {
                op_type: "Relu".into(),
                input: vec![g],
                output: vec![r.clone()],
                ..Default::default()
            });
            prev = r;
        }
    }
    let vi = |name: &str, dims: &[i64]| pb::ValueInfoProto {
        name: name.into(),
        r#type: Some(pb::TypeProto {
            value: Some(pb::type_proto::Value::TensorType(pb::type_proto::Tensor {
                elem_type: 1,
                shape: Some(pb::TensorShapeProto {
                    dim: dims
                        .iter()
                        .map(|d| pb::tensor_shape_proto::Dimension {
                            value: Some(pb::tensor_shape_proto::dimension::Value::DimValue(*d)),
                            ..Default::default()
                        })
                        .collect(),
                }),
            })),
            ..Default::default()
        }),
        ..Default::default()
    };
    pb::ModelProto {
        ir_version: 8,
        opset_import: vec![pb::OperatorSetIdProto {
            domain: String::new(),
            version: 13,
        }],
        graph: Some(pb::GraphProto {
            node: nodes,
            initializer: inits,
            input: vec![vi("x", &[1, width as i64])],
            output: vec![vi("y", &[1, 10])],
            ..Default::default()
        }),
        ..Default::default()
    }
    .encode_to_vec()
}

fn ort_median(model: &Path, input: &Path) -> Option<f64> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let dir = std::env::temp_dir().join(format!("inferchain-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let out = Command::new(python)
        .arg(root().join("tests").join("ort_reference.py"))
        .arg(model)
        .arg(input)
        .arg(dir.join("out.npz"))
        .arg("--bench")
        .arg("2000")
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!("onnxruntime: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    String::from_utf8(out.stdout)
        .ok()?
        .trim()
        .parse::<f64>()
        .ok()
        .map(|v| v / 1e6)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--child") {
        return child();
    }
    let native = run_child("off");
    let pinned = run_child("pinned");
    let portable = run_child("portable");

    println!("\n## Warm latency: engine API vs raw tract (same plan), native kernels\n");
    println!("| model | engine µs | raw tract µs | ratio |\n|---|---|---|---|");
    for (n, e, r) in &native {
        println!("| {n} | {} | {} | {:.3} |", us(*e), us(*r), e / r);
    }
    println!("\n## Cost of exactness (engine API, median µs; ratio vs native)\n");
    println!("| model | native | pinned AVX2+FMA tier | portable generic |\n|---|---|---|---|");
    for ((n, e, _), ((_, p, _), (_, g, _))) in native.iter().zip(pinned.iter().zip(portable.iter()))
    {
        println!(
            "| {n} | {} | {} ({:.2}×) | {} ({:.2}×) |",
            us(*e),
            us(*p),
            p / e,
            us(*g),
            g / e
        );
    }

    // Cold path in this (parent, pinned-mode) process.
    exactness::current();
    println!("\n## Cold path: validate + compile vs model size; cache hit vs miss\n");
    println!("| model | bytes | validate+compile ms | cache hit µs |\n|---|---|---|---|");
    for (width, layers) in [(64, 1), (256, 2), (512, 4), (1024, 4), (1536, 4)] {
        let bytes = synthetic_mlp(width, layers);
        let id = model_id(&bytes);
        let miss = median(Duration::from_millis(1500), || {
            compile(&bytes).unwrap();
        });
        let mut engine = Engine::default();
        engine.load(&bytes).unwrap();
        let hit = median(Duration::from_millis(300), || {
            engine.ensure_loaded(id, || None).unwrap();
        });
        println!(
            "| mlp {width}×{layers} | {} | {:.2} | {} |",
            bytes.len(),
            miss * 1e3,
            us(hit)
        );
    }

    println!("\n## onnxruntime 1 thread vs engine (native kernels / pinned)\n");
    println!("| model | onnxruntime µs | engine native µs | ratio | engine pinned µs | ratio |\n|---|---|---|---|---|---|");
    for ((name, m, i), ((_, e, _), (_, p, _))) in
        models().iter().zip(native.iter().zip(pinned.iter()))
    {
        match ort_median(m, i) {
            Some(o) => println!(
                "| {name} | {} | {} | {:.2} | {} | {:.2} |",
                us(o),
                us(*e),
                e / o,
                us(*p),
                p / o
            ),
            None => println!("| {name} | n/a | {} | | {} | |", us(*e), us(*p)),
        }
    }
}
