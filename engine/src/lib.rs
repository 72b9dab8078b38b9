//! ONNX validation and deterministic execution on tract for Inferchain workers.
//!
//! The crate follows tract's separation of model, plan and runtime:
//! - [`mod@validate`]: untrusted bytes → [`inferchain_primitives::model::ModelInfo`] + plan, with
//!   every bound checked before tract optimises anything;
//! - [`plan_cache`]: bounded LRU of compiled plans keyed by model id;
//! - [`run`]: the [`run::Engine`] that checks inputs and policy and runs plans with panics
//!   contained;
//! - [`exactness`]: the per-process kernel choice that makes the Exact policy bit-identical;
//! - [`tensor_io`]: JSON, `.npy` and `.npz` tensor files;
//! - [`sandbox`]: first validation of untrusted bytes in a resource-limited child process;
//! - [`host`]: an [`inferchain_primitives::host::InferenceHost`] backend over a chunk store.

#![deny(missing_docs)]

pub mod exactness;
pub mod host;
pub mod panic;
pub mod plan_cache;
pub mod run;
pub mod sandbox;
pub mod tensor_conv;
pub mod tensor_io;
pub mod validate;

pub use run::{Engine, RunError};
pub use validate::{compile, validate, Compiled, ValidationError};
