//! Running validated models: the [`Engine`] (plan cache + policy checks + panic containment).

use crate::exactness::{self, Exactness};
use crate::panic::contain;
use crate::plan_cache::{PlanCache, DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES};
use crate::tensor_conv::{from_tract, to_tract};
use crate::validate::{compile, Compiled, ValidationError};
use inferchain_primitives::model::{model_id, ModelId, ModelInfo, SchemaError};
use inferchain_primitives::policy::ExecutionPolicy;
use inferchain_primitives::tensor::{NamedTensor, TensorError, TensorMap};
use std::sync::Arc;
use tract_onnx::prelude::*;

/// Why a run failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    /// The model is not in the plan cache (load it first).
    #[error("model {0:?} is not loaded")]
    NotLoaded(ModelId),
    /// The model bytes do not hash to the requested id.
    #[error("model bytes hash to {actual:?}, not {expected:?}")]
    IdMismatch {
        /// Requested id.
        expected: ModelId,
        /// Id of the bytes supplied.
        actual: ModelId,
    },
    /// The model failed validation.
    #[error("model rejected: {0}")]
    Invalid(#[from] ValidationError),
    /// The inputs are not a valid tensor map.
    #[error("invalid inputs: {0:?}")]
    BadInputs(TensorError),
    /// The inputs do not match the model's inputs.
    #[error("{}", describe_schema(.0))]
    Schema(SchemaError),
    /// This process cannot run the requested policy.
    #[error("policy unsupported on this worker: {0}")]
    PolicyUnsupported(String),
    /// tract returned an error.
    #[error("execution failed: {0}")]
    Tract(String),
    /// tract panicked (contained).
    #[error("execution panicked: {0}")]
    Panicked(String),
    /// The outputs do not fit Inferchain tensor limits.
    #[error("outputs invalid: {0}")]
    BadOutputs(String),
}

/// A readable description of a schema error, naming the input and the mismatch.
pub fn describe_schema(e: &SchemaError) -> String {
    let s = |n: &[u8]| String::from_utf8_lossy(n).into_owned();
    match e {
        SchemaError::MissingInput { name } => format!("missing input {:?}", s(name)),
        SchemaError::UnexpectedInput { name } => {
            format!(
                "unexpected input {:?}: the model has no such input",
                s(name)
            )
        }
        SchemaError::DType {
            name,
            expected,
            actual,
        } => format!(
            "input {:?}: dtype {} but the model expects {}",
            s(name),
            actual.name(),
            expected.name()
        ),
        SchemaError::Shape {
            name,
            expected,
            actual,
        } => {
            format!(
                "input {:?}: shape {actual:?} but the model expects {expected:?}",
                s(name)
            )
        }
    }
}

/// Validates, caches and runs models.
pub struct Engine {
    cache: PlanCache,
    exactness: &'static Exactness,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new(DEFAULT_MAX_ENTRIES, DEFAULT_MAX_BYTES)
    }
}

impl Engine {
    /// An engine whose plan cache holds at most `max_entries` plans and `max_bytes` of models.
    /// Configures the process kernels ([`exactness::current`]) if not done yet.
    pub fn new(max_entries: usize, max_bytes: usize) -> Engine {
        Engine {
            cache: PlanCache::new(max_entries, max_bytes),
            exactness: exactness::current(),
        }
    }

    /// The process kernel configuration.
    pub fn exactness(&self) -> &'static Exactness {
        self.exactness
    }

    /// The plan cache.
    pub fn cache(&self) -> &PlanCache {
        &self.cache
    }

    /// The cached plan for `id`, if any (marks it recently used).
    pub fn cached(&mut self, id: &ModelId) -> Option<Arc<Compiled>> {
        self.cache.get(id)
    }

    /// Validates `bytes`, caches the plan and returns the model id and info.
    pub fn load(&mut self, bytes: &[u8]) -> Result<(ModelId, ModelInfo), ValidationError> {
        let id = model_id(bytes);
        if let Some(c) = self.cache.get(&id) {
            return Ok((id, c.info.clone()));
        }
        let compiled = compile(bytes)?;
        let info = compiled.info.clone();
        self.cache.insert(id, compiled);
        Ok((id, info))
    }

    /// The cached plan for `id`, or loads it with `bytes()` (checking the id).
    pub fn ensure_loaded(
        &mut self,
        id: ModelId,
        bytes: impl FnOnce() -> Option<Vec<u8>>,
    ) -> Result<Arc<Compiled>, RunError> {
        if let Some(c) = self.cache.get(&id) {
            return Ok(c);
        }
        let bytes = bytes().ok_or(RunError::NotLoaded(id))?;
        let actual = model_id(&bytes);
        if actual != id {
            return Err(RunError::IdMismatch {
                expected: id,
                actual,
            });
        }
        let compiled = compile(&bytes)?;
        Ok(self.cache.insert(id, compiled))
    }

    /// Runs cached model `id` on `inputs` under `policy`.
    pub fn run(
        &mut self,
        id: &ModelId,
        inputs: &TensorMap,
        policy: ExecutionPolicy,
    ) -> Result<TensorMap, RunError> {
        let compiled = self.cache.get(id).ok_or(RunError::NotLoaded(*id))?;
        self.run_compiled(&compiled, inputs, policy)
    }

    /// Runs a compiled model on `inputs` under `policy`.
    pub fn run_compiled(
        &self,
        compiled: &Compiled,
        inputs: &TensorMap,
        policy: ExecutionPolicy,
    ) -> Result<TensorMap, RunError> {
        if policy == ExecutionPolicy::Exact {
            self.exactness
                .exact
                .clone()
                .map_err(RunError::PolicyUnsupported)?;
        }
        inputs.validate().map_err(RunError::BadInputs)?;
        compiled
            .info
            .check_inputs(inputs)
            .map_err(RunError::Schema)?;
        let mut tvals: TVec<TValue> = tvec!();
        for spec in compiled.info.inputs.iter() {
            let t = inputs.get(&spec.name).ok_or_else(|| {
                RunError::Schema(SchemaError::MissingInput {
                    name: spec.name.to_vec(),
                })
            })?;
            tvals.push(
                to_tract(t)
                    .map_err(|e| RunError::Tract(format!("{e:#}")))?
                    .into(),
            );
        }
        let plan = &compiled.plan;
        let outputs = contain(|| plan.run(tvals))
            .map_err(RunError::Panicked)?
            .map_err(|e| RunError::Tract(format!("{e:#}")))?;
        let mut named = Vec::with_capacity(outputs.len());
        for (spec, value) in compiled.info.outputs.iter().zip(outputs.iter()) {
            let tensor = from_tract(value).map_err(|e| RunError::BadOutputs(format!("{e:#}")))?;
            if tensor.dtype != spec.dtype || tensor.shape.as_slice() != spec.shape.as_slice() {
                return Err(RunError::BadOutputs(format!(
                    "output {:?} is {:?}{:?}, the model declared {:?}{:?}",
                    String::from_utf8_lossy(&spec.name),
                    tensor.dtype,
                    tensor.shape,
                    spec.dtype,
                    spec.shape.to_vec()
                )));
            }
            named.push(NamedTensor {
                name: spec.name.to_vec(),
                tensor,
            });
        }
        TensorMap::new(named).map_err(|e| RunError::BadOutputs(format!("{e:?}")))
    }

    /// Runs `bytes` (loading and caching it if needed) on `inputs`: the one-call path used by
    /// the CLI.
    pub fn run_bytes(
        &mut self,
        bytes: &[u8],
        inputs: &TensorMap,
        policy: ExecutionPolicy,
    ) -> Result<TensorMap, RunError> {
        let id = model_id(bytes);
        let compiled = self.ensure_loaded(id, || Some(bytes.to_vec()))?;
        self.run_compiled(&compiled, inputs, policy)
    }
}
