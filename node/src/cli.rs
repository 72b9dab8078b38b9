//! Command-line interface of the node.

use sc_cli::RunCmd;

/// The node's command line: run a node, or one of the subcommands.
#[derive(Debug, clap::Parser)]
pub struct Cli {
    /// A subcommand; without one, the node runs.
    #[command(subcommand)]
    pub subcommand: Option<Subcommand>,

    /// Options of a running node.
    #[clap(flatten)]
    pub run: RunCmd,

    /// Watch the provisional results of these models (model ids separated by commas, or
    /// `all`): re-execute each one on this node and challenge a wrong one with the first local
    /// `infr` key whose account can hold the challenge bond (it pays the fee and risks the
    /// bond; it is rewarded when the validators overturn the result). Off by default.
    #[arg(long, value_name = "MODELS", value_parser = crate::inference::watch::parse)]
    pub inference_watch: Option<inferchain_primitives::offchain_keys::Watched>,

    /// TEST ONLY: make this node's engine report wrong outputs, to exercise slashing.
    #[arg(long, hide = true)]
    pub inference_fault_inject: bool,
}

/// Node subcommands.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
    /// Key management: generate, inspect, insert (`--key-type infr` for a worker key).
    #[command(subcommand)]
    Key(sc_cli::KeySubcommand),

    /// Build a chain specification.
    BuildSpec(sc_cli::BuildSpecCmd),

    /// Validate blocks.
    CheckBlock(sc_cli::CheckBlockCmd),

    /// Export blocks.
    ExportBlocks(sc_cli::ExportBlocksCmd),

    /// Export the state of a given block into a chain spec.
    ExportState(sc_cli::ExportStateCmd),

    /// Import blocks.
    ImportBlocks(sc_cli::ImportBlocksCmd),

    /// Remove the whole chain.
    PurgeChain(sc_cli::PurgeChainCmd),

    /// Revert the chain to a previous state.
    Revert(sc_cli::RevertCmd),

    /// Runtime benchmarks (build with `--features runtime-benchmarks`).
    #[cfg(feature = "runtime-benchmarks")]
    #[command(subcommand)]
    Benchmark(frame_benchmarking_cli::BenchmarkCmd),

    /// Runtime benchmarks: this binary was built without them.
    #[cfg(not(feature = "runtime-benchmarks"))]
    Benchmark(BenchmarkUnavailable),

    /// Database metadata.
    ChainInfo(sc_cli::ChainInfoCmd),

    /// Validates a model read from stdin in this process and writes the SCALE-encoded answer
    /// to stdout (`inferchain_engine::sandbox::serve_child`). The node runs itself with this
    /// subcommand, under memory and time limits, to validate untrusted models.
    #[command(name = inferchain_engine::sandbox::CHILD_SUBCOMMAND, hide = true)]
    ValidateChild,
}

/// Arguments accepted (and refused) by `benchmark` in a build without benchmarks.
#[cfg(not(feature = "runtime-benchmarks"))]
#[derive(Debug, clap::Args)]
pub struct BenchmarkUnavailable {
    /// Ignored.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    pub args: Vec<String>,
}
