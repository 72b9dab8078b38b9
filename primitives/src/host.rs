//! The `inference_host` runtime interface: how an offchain worker asks the node to validate
//! or run a model.
//!
//! **Only offchain workers may call these functions.** Their results depend on the node's
//! local model store, CPU and configuration, so block import and any other consensus code path
//! must never call them; the runtime only ever stores and compares what workers submit.
//!
//! On the host side each call is forwarded to the [`InferenceHostExt`] externalities
//! extension, which wraps an implementation of [`InferenceHost`] (the node registers one backed
//! by the engine and its offchain model store; tests register a test double). Without the
//! extension every call returns [`HostError::NoExtension`]. A panic in the implementation is
//! caught and returned as [`HostError::Panicked`].

use crate::model::{ModelId, ModelInfo};
use crate::policy::ExecutionPolicy;
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode};
use scale_info::TypeInfo;
use sp_runtime_interface::{
    pass_by::{
        AllocateAndReturnByCodec, PassFatPointerAndDecode, PassFatPointerAndRead,
        PassPointerAndReadCopy,
    },
    runtime_interface,
};

/// Why a host call failed.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub enum HostError {
    /// No [`InferenceHostExt`] is registered (called outside an offchain worker, or on a node
    /// without an inference backend).
    NoExtension,
    /// The node does not have all chunks of the model.
    ModelUnavailable,
    /// The model bytes do not hash to the model id.
    IdMismatch,
    /// The model was rejected by validation; the reason is human-readable UTF-8.
    Invalid(Vec<u8>),
    /// The inputs are not a valid canonical tensor map or do not match the model's inputs;
    /// the reason is human-readable UTF-8.
    BadInputs(Vec<u8>),
    /// This node cannot execute the requested policy (e.g. Exact on a CPU tier it refuses);
    /// the reason is human-readable UTF-8.
    PolicyUnsupported(Vec<u8>),
    /// Execution failed (including time or memory bounds); the reason is human-readable UTF-8.
    Run(Vec<u8>),
    /// The backend panicked; the panic was contained.
    Panicked,
}

/// The node-side implementation behind the runtime interface.
pub trait InferenceHost {
    /// Assembles model `model_id` from its `chunks` chunks (offchain-index keys
    /// [`crate::offchain_keys::chunk_key`]), checks its id and validates it.
    fn validate_model(&mut self, model_id: ModelId, chunks: u32) -> Result<ModelInfo, HostError>;

    /// Runs model `model_id` (`chunks` chunks) on `inputs` (a canonical
    /// [`crate::tensor::TensorMap`] encoding) under `policy`, returning the canonical encoding
    /// of the outputs.
    fn run(
        &mut self,
        model_id: ModelId,
        chunks: u32,
        inputs: &[u8],
        policy: ExecutionPolicy,
    ) -> Result<Vec<u8>, HostError>;
}

#[cfg(feature = "std")]
sp_externalities::decl_extension! {
    /// Externalities extension giving the `inference_host` interface its backend.
    pub struct InferenceHostExt(Box<dyn InferenceHost + Send>);
}

#[cfg(feature = "std")]
impl InferenceHostExt {
    /// Wraps a backend.
    pub fn new(host: impl InferenceHost + Send + 'static) -> Self {
        InferenceHostExt(Box::new(host))
    }
}

/// Calls `f` on the registered backend, containing panics.
#[cfg(feature = "std")]
fn with_backend<R>(
    mut ext: &mut dyn sp_externalities::Externalities,
    f: impl FnOnce(&mut dyn InferenceHost) -> Result<R, HostError>,
) -> Result<R, HostError> {
    use sp_externalities::ExternalitiesExt;
    let Some(backend) = ext.extension::<InferenceHostExt>() else {
        return Err(HostError::NoExtension);
    };
    let backend: &mut dyn InferenceHost = &mut *backend.0;
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(backend)))
        .unwrap_or(Err(HostError::Panicked))
}

/// Without `std` there is no backend to dispatch to.
#[cfg(not(feature = "std"))]
fn with_backend<R>(
    _ext: &mut dyn sp_externalities::Externalities,
    _f: impl FnOnce(&mut dyn InferenceHost) -> Result<R, HostError>,
) -> Result<R, HostError> {
    Err(HostError::NoExtension)
}

/// Host functions for offchain workers; see the module documentation.
#[runtime_interface]
pub trait InferenceHost {
    /// Validates model `model_id` assembled from its `chunks` offchain-indexed chunks.
    /// Offchain workers only.
    fn validate_model(
        &mut self,
        model_id: PassPointerAndReadCopy<ModelId, 32>,
        chunks: u32,
    ) -> AllocateAndReturnByCodec<Result<ModelInfo, HostError>> {
        with_backend(*self, |b| b.validate_model(model_id, chunks))
    }

    /// Runs model `model_id` on canonical `inputs` under `policy`; returns canonical outputs.
    /// Offchain workers only.
    fn run(
        &mut self,
        model_id: PassPointerAndReadCopy<ModelId, 32>,
        chunks: u32,
        inputs: PassFatPointerAndRead<&[u8]>,
        policy: PassFatPointerAndDecode<ExecutionPolicy>,
    ) -> AllocateAndReturnByCodec<Result<Vec<u8>, HostError>> {
        with_backend(*self, |b| b.run(model_id, chunks, inputs, policy))
    }
}
