//! An [`InferenceHost`] backend: the engine over a store of offchain-indexed model chunks.
//!
//! The node implements [`ChunkStore`] over its offchain database (keys from
//! [`inferchain_primitives::offchain_keys::chunk_key`]) and registers
//! `InferenceHostExt::new(EngineHost::new(store))` for offchain workers.

use crate::run::{describe_schema, Engine, RunError};
use crate::sandbox::{validate_isolated, SandboxLimits};
use inferchain_primitives::host::{HostError, InferenceHost};
use inferchain_primitives::limits::{MAX_CHUNKS, MAX_CHUNK_BYTES, MAX_MODEL_BYTES};
use inferchain_primitives::model::{ModelId, ModelInfo};
use inferchain_primitives::policy::ExecutionPolicy;
use inferchain_primitives::tensor::TensorMap;
use std::path::PathBuf;

/// Read access to model chunks.
pub trait ChunkStore {
    /// Chunk `index` of model `model_id`, if present.
    fn chunk(&self, model_id: &ModelId, index: u32) -> Option<Vec<u8>>;
}

/// The engine as an [`InferenceHost`].
pub struct EngineHost<S> {
    store: S,
    engine: Engine,
    sandbox: Option<(PathBuf, SandboxLimits)>,
}

impl<S: ChunkStore> EngineHost<S> {
    /// A host over `store` with a default engine, validating in-process. Use
    /// [`EngineHost::with_sandbox`] for untrusted models (see [`crate::sandbox`]).
    pub fn new(store: S) -> Self {
        EngineHost {
            store,
            engine: Engine::default(),
            sandbox: None,
        }
    }

    /// A host that validates every model it has not compiled yet in a child process under
    /// `limits`, before compiling it in-process. `exe` is a binary whose hidden
    /// [`crate::sandbox::CHILD_SUBCOMMAND`] runs [`crate::sandbox::serve_child`] (the
    /// `inferchain-engine` CLI, or the node binary).
    pub fn with_sandbox(store: S, exe: PathBuf, limits: SandboxLimits) -> Self {
        EngineHost {
            store,
            engine: Engine::default(),
            sandbox: Some((exe, limits)),
        }
    }

    /// Validates (isolated if configured) and compiles `bytes` into the plan cache.
    fn load(&mut self, model_id: ModelId, bytes: Vec<u8>) -> Result<ModelInfo, HostError> {
        if let Some((exe, limits)) = &self.sandbox {
            validate_isolated(exe, &bytes, limits)
                .map_err(|e| HostError::Invalid(e.to_string().into_bytes()))?;
        }
        let compiled = self
            .engine
            .ensure_loaded(model_id, || Some(bytes))
            .map_err(run_error)?;
        Ok(compiled.info.clone())
    }

    /// The engine (its plan cache and statistics).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Assembles model bytes from chunks, enforcing chunk and model limits.
    pub fn assemble(&self, model_id: &ModelId, chunks: u32) -> Result<Vec<u8>, HostError> {
        if chunks == 0 || chunks > MAX_CHUNKS {
            return Err(HostError::ModelUnavailable);
        }
        let mut bytes = Vec::new();
        for i in 0..chunks {
            let chunk = self
                .store
                .chunk(model_id, i)
                .ok_or(HostError::ModelUnavailable)?;
            if chunk.len() > MAX_CHUNK_BYTES as usize
                || bytes.len() + chunk.len() > MAX_MODEL_BYTES as usize
            {
                return Err(HostError::Invalid(b"chunk or model too large".to_vec()));
            }
            bytes.extend_from_slice(&chunk);
        }
        if inferchain_primitives::model::model_id(&bytes) != *model_id {
            return Err(HostError::IdMismatch);
        }
        Ok(bytes)
    }
}

fn run_error(e: RunError) -> HostError {
    match e {
        RunError::NotLoaded(_) => HostError::ModelUnavailable,
        RunError::IdMismatch { .. } => HostError::IdMismatch,
        RunError::Invalid(v) => HostError::Invalid(v.to_string().into_bytes()),
        RunError::BadInputs(t) => HostError::BadInputs(format!("{t:?}").into_bytes()),
        RunError::Schema(s) => HostError::BadInputs(describe_schema(&s).into_bytes()),
        RunError::PolicyUnsupported(m) => HostError::PolicyUnsupported(m.into_bytes()),
        e @ (RunError::Tract(_) | RunError::Panicked(_) | RunError::BadOutputs(_)) => {
            HostError::Run(e.to_string().into_bytes())
        }
    }
}

impl<S: ChunkStore> InferenceHost for EngineHost<S> {
    fn validate_model(&mut self, model_id: ModelId, chunks: u32) -> Result<ModelInfo, HostError> {
        if let Some(c) = self.engine.cached(&model_id) {
            return Ok(c.info.clone());
        }
        let bytes = self.assemble(&model_id, chunks)?;
        self.load(model_id, bytes)
    }

    fn run(
        &mut self,
        model_id: ModelId,
        chunks: u32,
        inputs: &[u8],
        policy: ExecutionPolicy,
    ) -> Result<Vec<u8>, HostError> {
        let inputs = TensorMap::decode_checked(inputs)
            .map_err(|e| HostError::BadInputs(format!("{e:?}").into_bytes()))?;
        if !self.engine.cache().contains(&model_id) {
            let bytes = self.assemble(&model_id, chunks)?;
            self.engine
                .ensure_loaded(model_id, || Some(bytes))
                .map_err(run_error)?;
        }
        let outputs = self
            .engine
            .run(&model_id, &inputs, policy)
            .map_err(run_error)?;
        Ok(outputs.canonical_bytes())
    }
}
