//! The node's inference service: what offchain workers and RPC clients reach through the node.
//!
//! - [`model_store`]: model chunks from the offchain database (written by offchain indexing
//!   during block import) and the models bundled with the node for genesis;
//! - [`host`]: the engine behind the `inference_host` runtime interface, shared by every
//!   offchain-worker run so compiled plans stay cached, with metrics and test-only fault injection;
//! - [`metrics`]: Prometheus metrics;
//! - [`peers`]: the node's peer count, recorded for offchain workers (they submit at once when
//!   the node has no peers);
//! - [`rpc`]: `inference_dryRun`, `inference_quote` and `inference_request`;
//! - [`watch`]: the `--inference-watch` list, recorded for the offchain workers' watcher.
//!
//! Models the node has not seen are first validated in a child process (the node binary
//! itself, through its hidden `validate-child` subcommand and
//! `inferchain_engine::sandbox::serve_child`) with memory and time limits, since tract can blow
//! up while it types a graph.
//!
//! Model bytes never enter the wasm runtime: the runtime passes a model id and chunk count, the
//! node assembles and checks the bytes here.

pub mod host;
pub mod metrics;
pub mod model_store;
pub mod peers;
pub mod rpc;
pub mod watch;

pub use host::{Fault, SharedEngine};
pub use model_store::OffchainChunkStore;
