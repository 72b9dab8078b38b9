//! `inferchain`: the command-line client of an Inferchain node.
//!
//! Register ONNX models, pay for verified inferences and manage workers over a node's
//! WebSocket RPC (subxt, with types generated from the committed runtime metadata
//! `client/metadata/inferchain.scale`). Every failure prints one line
//! on stderr and exits with status 1.

mod chain;
mod commands;
mod output;
mod parse;
mod runtime;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Command line of `inferchain`.
#[derive(Debug, Parser)]
#[command(
    name = "inferchain",
    version,
    about = "Register ONNX models and pay for verified inferences on an Inferchain node"
)]
pub struct Cli {
    /// WebSocket URL of the node.
    #[arg(long, global = true, default_value = "ws://127.0.0.1:9944")]
    pub url: String,
    /// Secret URI of the signing account: a dev URI such as //Alice, or a secret phrase
    /// (better given with --suri-file or the INFERCHAIN_SURI environment variable). Default:
    /// //Alice.
    #[arg(long, global = true)]
    pub suri: Option<String>,
    /// File whose first line is the secret URI or phrase of the signing account.
    #[arg(long, global = true)]
    pub suri_file: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Inspect or register ONNX models.
    #[command(subcommand)]
    Model(ModelCommand),
    /// Pay for an inference, wait for the verified result and print it.
    Infer(InferArgs),
    /// Show a request: status, workers, fee and result.
    Request(RequestArgs),
    /// Challenge a provisional result: hold the challenge bond and have the validators
    /// re-execute the request.
    Challenge(ChallengeArgs),
    /// List the registered models.
    Models,
    /// Register as a worker or show a worker's status.
    #[command(subcommand)]
    Worker(WorkerCommand),
    /// Show the balances of the signing account (or of ACCOUNT).
    Balance {
        /// Account (SS58 or 0x-hex public key); default: the signing account.
        account: Option<String>,
    },
    /// Load generator: fund derived accounts, flood the pool with paid requests and report
    /// settled requests per block, latency and (with --node-pid) node CPU per request.
    Bench(BenchArgs),
}

/// Arguments of `inferchain bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Model id (0x…) or registered name.
    #[arg(long, value_parser = parse::parse_model_ref)]
    pub model: parse::ModelRef,
    /// Input tensors (.json, .npz or .npy), the same for every request.
    #[arg(long)]
    pub input: PathBuf,
    /// Number of requests to submit.
    #[arg(long, default_value_t = 1000)]
    pub requests: usize,
    /// Number of accounts (derived from the signer as SIGNER//bench//i) sharing the load.
    #[arg(long, default_value_t = 100)]
    pub accounts: usize,
    /// Balance per request set aside for transaction fees when funding the accounts.
    #[arg(long, default_value = "1INFR", value_parser = parse::parse_amount)]
    pub tx_fee_allowance: u128,
    /// The ONNX file of the model: measures the engine's own run time as a baseline.
    #[arg(long)]
    pub model_file: Option<PathBuf>,
    /// PID of a local node process whose CPU time to measure (repeat for several nodes).
    #[arg(long)]
    pub node_pid: Vec<u32>,
    /// Stop after this many blocks without any request included or settled.
    #[arg(long, default_value_t = 30)]
    pub give_up_blocks: u32,
}

/// `inferchain model ...`.
#[derive(Debug, Subcommand)]
pub enum ModelCommand {
    /// Validate an ONNX file locally and print its schema, cost and model id.
    Inspect {
        /// ONNX model file.
        model: PathBuf,
    },
    /// Register an ONNX model, upload it and wait until validators accept or reject it.
    Register(RegisterArgs),
}

/// Arguments of `inferchain model register`.
#[derive(Debug, Args)]
pub struct RegisterArgs {
    /// ONNX model file.
    pub model: PathBuf,
    /// Name of the model (used by `infer --model NAME`).
    #[arg(long)]
    pub name: String,
    /// Description of the model.
    #[arg(long, default_value = "")]
    pub description: String,
    /// Royalty paid to you per request: base units, or tokens with a suffix (0.01INFR).
    #[arg(long, default_value = "0", value_parser = parse::parse_amount)]
    pub price: u128,
    /// Number of workers executing each request.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..))]
    pub replicas: u8,
    /// Compare outputs within ABS,REL tolerances (e.g. 1e-6,1e-3) instead of bit-exactly.
    #[arg(long, value_parser = parse::parse_tolerance)]
    pub tolerance: Option<(u64, u64)>,
    /// Return once uploaded, without waiting for validation.
    #[arg(long)]
    pub no_wait: bool,
}

/// Arguments of `inferchain infer`.
#[derive(Debug, Args)]
pub struct InferArgs {
    /// Model id (0x…) or registered name.
    #[arg(long, value_parser = parse::parse_model_ref)]
    pub model: parse::ModelRef,
    /// Input tensors: .json, .npz, or .npy for a single-input model.
    #[arg(long)]
    pub input: PathBuf,
    /// Largest fee you accept: base units, or tokens with a suffix (0.5INFR). Default: the
    /// quoted fee.
    #[arg(long, value_parser = parse::parse_amount)]
    pub max_fee: Option<u128>,
    /// Also write the outputs to this file (.json or .npz).
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Print the request id once the request is included, without waiting for the result.
    #[arg(long)]
    pub no_wait: bool,
    /// Return the committee's result as soon as it is provisional, marked as such (anyone can
    /// still challenge it until its challenge deadline), instead of waiting for the final
    /// result.
    #[arg(long, conflicts_with = "no_wait")]
    pub provisional: bool,
}

/// Arguments of `inferchain request`.
#[derive(Debug, Args)]
pub struct RequestArgs {
    /// Request id.
    pub id: u64,
    /// Also write the result to this file (.json or .npz).
    #[arg(long)]
    pub output: Option<PathBuf>,
}

/// Arguments of `inferchain challenge`.
#[derive(Debug, Args)]
pub struct ChallengeArgs {
    /// Job id of the provisional result (a request, or a model's validation).
    pub id: u64,
    /// Hold the challenge bond without asking (needed when stdin is not a terminal).
    #[arg(long)]
    pub yes: bool,
}

/// `inferchain worker ...`.
#[derive(Debug, Subcommand)]
pub enum WorkerCommand {
    /// Register the signing account as a worker, holding a bond.
    Register {
        /// Bond: base units, or tokens with a suffix (1000INFR).
        #[arg(long, value_parser = parse::parse_amount)]
        bond: u128,
    },
    /// Show a worker's bond, status and pending jobs.
    Status {
        /// Worker account (SS58 or 0x-hex); default: the signing account.
        account: Option<String>,
    },
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                e.exit();
            }
            // One line, like every other failure.
            let text = e.to_string();
            eprintln!("{}", text.lines().next().unwrap_or("error: bad arguments"));
            std::process::exit(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let result = runtime.block_on(commands::run(cli));
    // Background connection tasks must not keep the process alive.
    runtime.shutdown_timeout(std::time::Duration::from_millis(100));
    if let Err(e) = result {
        eprintln!("error: {}", one_line(&e));
        std::process::exit(1);
    }
}

/// The error and its causes on one line.
fn one_line(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let s = cause.to_string();
        let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
    }
    // Nested transport errors repeat their prefixes ("RPC error: client error: RPC error: ...").
    let mut segments: Vec<&str> = Vec::new();
    let joined = parts.join(": ");
    for seg in joined.split(": ") {
        if !segments.contains(&seg) {
            segments.push(seg);
        }
    }
    segments.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("inferchain").chain(args.iter().copied()))
    }

    #[test]
    fn cli_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn register_arguments() {
        let cli = parse(&[
            "model",
            "register",
            "m.onnx",
            "--name",
            "mlp",
            "--price",
            "0.5INFR",
            "--tolerance",
            "1e-6,1e-3",
        ])
        .unwrap();
        let Command::Model(ModelCommand::Register(a)) = cli.command else {
            panic!("not register");
        };
        assert_eq!(a.name, "mlp");
        assert_eq!(a.price, 500_000_000_000);
        assert_eq!(a.replicas, 3);
        assert_eq!(a.tolerance, Some((1_000, 1_000_000)));
        assert_eq!(cli.url, "ws://127.0.0.1:9944");
        assert!(
            parse(&["model", "register", "m.onnx"]).is_err(),
            "--name is required"
        );
        assert!(parse(&[
            "model",
            "register",
            "m.onnx",
            "--name",
            "a",
            "--replicas",
            "0"
        ])
        .is_err());
        assert!(parse(&[
            "model",
            "register",
            "m.onnx",
            "--name",
            "a",
            "--tolerance",
            "1"
        ])
        .is_err());
        assert!(parse(&["model", "register", "m.onnx", "--name", "a", "--price", "1.5"]).is_err());
    }

    #[test]
    fn infer_arguments() {
        let id = format!("0x{}", "01".repeat(32));
        let cli = parse(&[
            "--url",
            "ws://127.0.0.1:1234",
            "infer",
            "--model",
            &id,
            "--input",
            "in.npy",
            "--max-fee",
            "1000",
            "--no-wait",
            "--suri",
            "//Bob",
        ])
        .unwrap();
        assert_eq!(cli.url, "ws://127.0.0.1:1234");
        assert_eq!(cli.suri.as_deref(), Some("//Bob"));
        let Command::Infer(a) = cli.command else {
            panic!("not infer");
        };
        assert_eq!(a.model, parse::ModelRef::Id([1; 32]));
        assert_eq!(a.max_fee, Some(1000));
        assert!(a.no_wait);
        let cli = parse(&["infer", "--model", "sample", "--input", "x.json"]).unwrap();
        let Command::Infer(a) = cli.command else {
            panic!("not infer");
        };
        assert_eq!(a.model, parse::ModelRef::Name("sample".into()));
        assert_eq!(a.max_fee, None);
        assert!(parse(&["infer", "--model", "0x12", "--input", "x.json"]).is_err());
        assert!(parse(&["infer", "--input", "x.json"]).is_err());
    }

    #[test]
    fn other_arguments() {
        assert!(matches!(
            parse(&["worker", "register", "--bond", "100INFR"])
                .unwrap()
                .command,
            Command::Worker(WorkerCommand::Register {
                bond: 100_000_000_000_000
            })
        ));
        assert!(parse(&["worker", "register"]).is_err());
        assert!(matches!(
            parse(&["request", "7"]).unwrap().command,
            Command::Request(RequestArgs { id: 7, .. })
        ));
        assert!(parse(&["request", "x"]).is_err());
        assert!(matches!(
            parse(&["challenge", "3"]).unwrap().command,
            Command::Challenge(ChallengeArgs { id: 3, yes: false })
        ));
        assert!(matches!(
            parse(&["challenge", "3", "--yes"]).unwrap().command,
            Command::Challenge(ChallengeArgs { id: 3, yes: true })
        ));
        assert!(matches!(
            parse(&["models"]).unwrap().command,
            Command::Models
        ));
        assert!(matches!(
            parse(&["balance", "--suri-file", "/k"]).unwrap(),
            Cli {
                command: Command::Balance { account: None },
                ..
            }
        ));
    }

    #[test]
    fn errors_fit_one_line() {
        let e = anyhow::anyhow!("inner\nproblem").context("outer");
        assert_eq!(one_line(&e), "outer: inner problem");
        let e = anyhow::anyhow!("RPC error: client error: RPC error: client error: refused")
            .context("cannot connect");
        assert_eq!(
            one_line(&e),
            "cannot connect: RPC error: client error: refused"
        );
    }
}
