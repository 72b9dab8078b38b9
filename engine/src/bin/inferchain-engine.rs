//! `inferchain-engine`: inspect, run and hash ONNX models the way Inferchain workers do.
//!
//! - `inspect MODEL.onnx`: prints `ModelInfo` as JSON with `"model_id"`; exit 1 if rejected.
//! - `run MODEL.onnx --input FILE [--policy exact|tolerance] [--output OUT] [--repeat N]`:
//!   prints outputs as JSON (or writes OUT as .json/.npz); `--repeat N` runs N warm inferences
//!   and reports median and p90 latency on stderr.
//! - `hash MODEL.onnx --input FILE [--worker HEX]`: prints the blake2-256 digest of the
//!   canonical output encoding (with `--worker`, the worker's output commitment).
//!
//! The hidden `validate-child` subcommand is the child side of isolated validation
//! ([`inferchain_engine::sandbox::serve_child`]: model on stdin, SCALE answer on stdout).
//!
//! The kernel mode comes from `INFERCHAIN_EXACT_MODE` (pinned | portable | off).

use anyhow::{anyhow, bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use inferchain_engine::{exactness, sandbox, tensor_io, Engine};
use inferchain_primitives::model::{model_id, ModelInfo, TensorSpec};
use inferchain_primitives::policy::ExecutionPolicy;
use inferchain_primitives::{output_commitment, output_digest};
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Parser)]
#[command(
    name = "inferchain-engine",
    version,
    about = "Inspect, run and hash ONNX models as Inferchain workers do"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Policy {
    /// Bit-identical outputs across workers (pinned or portable kernels).
    Exact,
    /// Native kernels; outputs compared within a tolerance.
    Tolerance,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a model and print its ModelInfo as JSON.
    Inspect {
        /// ONNX model file.
        model: PathBuf,
    },
    /// Run a model on inputs and print or write the outputs.
    Run {
        /// ONNX model file.
        model: PathBuf,
        /// Input tensors (.json, .npz, or .npy for a single-input model).
        #[arg(long)]
        input: PathBuf,
        /// Execution policy.
        #[arg(long, value_enum, default_value = "exact")]
        policy: Policy,
        /// Write outputs to this file (.json or .npz) instead of stdout.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Run N warm inferences and report median and p90 latency on stderr.
        #[arg(long)]
        repeat: Option<usize>,
    },
    /// Print the digest of the canonical output encoding.
    Hash {
        /// ONNX model file.
        model: PathBuf,
        /// Input tensors (.json, .npz, or .npy for a single-input model).
        #[arg(long)]
        input: PathBuf,
        /// Execution policy.
        #[arg(long, value_enum, default_value = "exact")]
        policy: Policy,
        /// Worker account bytes (hex); prints the output commitment instead of the digest.
        #[arg(long)]
        worker: Option<String>,
    },
    /// The child side of isolated validation: reads a model on stdin and writes the
    /// SCALE-encoded answer on stdout (see `inferchain_engine::sandbox`).
    #[command(name = sandbox::CHILD_SUBCOMMAND, hide = true)]
    ValidateChild,
}

fn spec_json(s: &TensorSpec) -> serde_json::Value {
    json!({
        "name": String::from_utf8_lossy(&s.name),
        "dtype": s.dtype.name(),
        "shape": s.shape.to_vec(),
    })
}

fn info_json(bytes: &[u8], info: &ModelInfo) -> serde_json::Value {
    json!({
        "model_id": format!("0x{}", hex::encode(model_id(bytes).as_bytes())),
        "inputs": info.inputs.iter().map(spec_json).collect::<Vec<_>>(),
        "outputs": info.outputs.iter().map(spec_json).collect::<Vec<_>>(),
        "ops": info.ops.iter().map(|o| String::from_utf8_lossy(o).into_owned()).collect::<Vec<_>>(),
        "parameters": info.parameters,
        "cost": info.cost,
        "digest": format!("0x{}", hex::encode(info.digest().as_bytes())),
    })
}

fn policy(p: Policy) -> ExecutionPolicy {
    match p {
        Policy::Exact => ExecutionPolicy::Exact,
        // The CLI compares nothing; the tolerance values only matter on chain.
        Policy::Tolerance => ExecutionPolicy::Tolerance { abs: 0, rel: 0 },
    }
}

fn load(engine: &mut Engine, model: &PathBuf) -> Result<(Vec<u8>, ModelInfo)> {
    let bytes = std::fs::read(model).with_context(|| format!("reading {}", model.display()))?;
    let (_, info) = engine
        .load(&bytes)
        .map_err(|e| anyhow!("model rejected: {e}"))?;
    Ok((bytes, info))
}

fn single_input(info: &ModelInfo) -> Option<String> {
    match info.inputs.as_slice() {
        [one] => Some(String::from_utf8_lossy(&one.name).into_owned()),
        _ => None,
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let ix = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(ix).copied().unwrap_or(f64::NAN)
}

fn main_inner() -> Result<()> {
    // Configure kernels before anything touches tract.
    let ex = exactness::current();
    let cli = Cli::parse();
    let mut engine = Engine::default();
    match cli.command {
        Command::Inspect { model } => {
            let (bytes, info) = load(&mut engine, &model)?;
            println!(
                "{}",
                serde_json::to_string_pretty(&info_json(&bytes, &info))?
            );
        }
        Command::ValidateChild => sandbox::serve_child().context("answering the sandbox")?,
        Command::Run {
            model,
            input,
            policy: p,
            output,
            repeat,
        } => {
            let (bytes, info) = load(&mut engine, &model)?;
            let inputs = tensor_io::read_file(&input, single_input(&info).as_deref())?;
            let id = model_id(&bytes);
            let outputs = engine
                .run(&id, &inputs, policy(p))
                .map_err(|e| anyhow!("{e}"))?;
            if let Some(n) = repeat {
                if n == 0 {
                    bail!("--repeat must be at least 1");
                }
                let mut times = Vec::with_capacity(n);
                for _ in 0..n {
                    let t = Instant::now();
                    engine
                        .run(&id, &inputs, policy(p))
                        .map_err(|e| anyhow!("{e}"))?;
                    times.push(t.elapsed().as_secs_f64() * 1e6);
                }
                times.sort_by(|a, b| a.total_cmp(b));
                eprintln!(
                    "{n} warm inferences: median {:.1} µs, p90 {:.1} µs ({})",
                    percentile(&times, 0.5),
                    percentile(&times, 0.9),
                    ex.describe()
                );
            }
            match output {
                Some(path) => tensor_io::write_file(&path, &outputs)?,
                None => println!(
                    "{}",
                    serde_json::to_string_pretty(&tensor_io::to_json(&outputs)?)?
                ),
            }
        }
        Command::Hash {
            model,
            input,
            policy: p,
            worker,
        } => {
            let (bytes, info) = load(&mut engine, &model)?;
            let inputs = tensor_io::read_file(&input, single_input(&info).as_deref())?;
            let outputs = engine
                .run(&model_id(&bytes), &inputs, policy(p))
                .map_err(|e| anyhow!("{e}"))?;
            let canonical = outputs.canonical_bytes();
            let digest = match worker {
                Some(w) => {
                    let w =
                        hex::decode(w.trim_start_matches("0x")).context("--worker is not hex")?;
                    output_commitment(&canonical, &w)
                }
                None => output_digest(&canonical),
            };
            println!("0x{}", hex::encode(digest.as_bytes()));
        }
    }
    Ok(())
}

fn main() {
    if let Err(e) = main_inner() {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
