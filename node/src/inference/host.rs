//! The engine behind the `inference_host` runtime interface.
//!
//! Offchain workers get a fresh externalities extension for every block; all of them share one
//! [`SharedEngine`], so a model is compiled once and its plan stays cached across blocks.

use super::metrics::Metrics;
use inferchain_engine::host::{ChunkStore, EngineHost};
use inferchain_primitives::{
    host::{HostError, InferenceHost, InferenceHostExt},
    tensor::TensorMap,
    ExecutionPolicy, ModelId, ModelInfo,
};
use std::{
    sync::{Arc, Mutex},
    time::Instant,
};

/// Test-only fault injection: a faulty node reports wrong outputs so the slashing path can be
/// exercised on a real network. Never enable it on a node that holds value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Fault {
    /// Report what the engine computed.
    #[default]
    None,
    /// Invert every output byte before reporting it.
    WrongOutputs,
}

/// One engine (and plan cache) shared by every offchain-worker run and the RPC.
pub struct SharedEngine<S> {
    host: Arc<Mutex<EngineHost<S>>>,
    metrics: Option<Metrics>,
    fault: Fault,
}

impl<S> Clone for SharedEngine<S> {
    fn clone(&self) -> Self {
        SharedEngine {
            host: self.host.clone(),
            metrics: self.metrics.clone(),
            fault: self.fault,
        }
    }
}

impl<S: ChunkStore + Send + 'static> SharedEngine<S> {
    /// An engine over `store`, validating new models in-process, reporting to `metrics`, with
    /// `fault` injected: for tests with trusted models; the node uses [`SharedEngine::sandboxed`].
    #[cfg(test)]
    pub fn new(store: S, metrics: Option<Metrics>, fault: Fault) -> Self {
        Self::from_host(EngineHost::new(store), metrics, fault)
    }

    /// An engine over `store` that validates models it has not seen before in a child process
    /// (`exe validate-child`, see `inferchain_engine::sandbox`) under `limits`.
    pub fn sandboxed(
        store: S,
        exe: std::path::PathBuf,
        limits: inferchain_engine::sandbox::SandboxLimits,
        metrics: Option<Metrics>,
        fault: Fault,
    ) -> Self {
        Self::from_host(EngineHost::with_sandbox(store, exe, limits), metrics, fault)
    }

    fn from_host(host: EngineHost<S>, metrics: Option<Metrics>, fault: Fault) -> Self {
        SharedEngine {
            host: Arc::new(Mutex::new(host)),
            metrics,
            fault,
        }
    }

    /// The externalities extension for one offchain-worker run.
    pub fn extension(&self) -> InferenceHostExt {
        InferenceHostExt::new(self.clone())
    }

    /// Runs `model_id` on `inputs` locally and returns the decoded outputs, as the RPC's dry
    /// run does: no fault injection, nothing submitted.
    pub fn dry_run(
        &self,
        model_id: ModelId,
        chunks: u32,
        inputs: &[u8],
        policy: ExecutionPolicy,
    ) -> Result<TensorMap, HostError> {
        let canonical = self.locked(|host| host.run(model_id, chunks, inputs, policy))?;
        TensorMap::decode_checked(&canonical).map_err(|e| {
            HostError::Run(format!("engine produced undecodable outputs: {e:?}").into_bytes())
        })
    }

    fn locked<R>(
        &self,
        f: impl FnOnce(&mut EngineHost<S>) -> Result<R, HostError>,
    ) -> Result<R, HostError> {
        // A panic while locked is contained by the runtime interface; the engine's state is a
        // cache, so a poisoned lock is safe to reuse.
        let mut host = self
            .host
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (hits, misses) = host.engine().cache().stats();
        let result = f(&mut host);
        if let Some(metrics) = &self.metrics {
            let (hits_after, misses_after) = host.engine().cache().stats();
            metrics
                .plan_cache_hits
                .inc_by(hits_after.saturating_sub(hits));
            metrics
                .plan_cache_misses
                .inc_by(misses_after.saturating_sub(misses));
            if let Err(error) = &result {
                metrics.failures.with_label_values(&[cause(error)]).inc();
            }
        }
        result
    }
}

/// The label of a failure in the `inferchain_failures_total` metric.
fn cause(error: &HostError) -> &'static str {
    match error {
        HostError::NoExtension => "no_extension",
        HostError::ModelUnavailable => "model_unavailable",
        HostError::IdMismatch => "id_mismatch",
        HostError::Invalid(_) => "invalid_model",
        HostError::BadInputs(_) => "bad_inputs",
        HostError::PolicyUnsupported(_) => "policy_unsupported",
        HostError::Run(_) => "run",
        HostError::Panicked => "panicked",
    }
}

impl<S: ChunkStore + Send + 'static> InferenceHost for SharedEngine<S> {
    fn validate_model(&mut self, model_id: ModelId, chunks: u32) -> Result<ModelInfo, HostError> {
        let result = self.locked(|host| host.validate_model(model_id, chunks));
        if let Some(metrics) = &self.metrics {
            metrics.validations.inc();
        }
        result
    }

    fn run(
        &mut self,
        model_id: ModelId,
        chunks: u32,
        inputs: &[u8],
        policy: ExecutionPolicy,
    ) -> Result<Vec<u8>, HostError> {
        let started = Instant::now();
        let mut outputs = self.locked(|host| host.run(model_id, chunks, inputs, policy))?;
        if let Some(metrics) = &self.metrics {
            metrics.inferences.inc();
            metrics.run_seconds.observe(started.elapsed().as_secs_f64());
        }
        if self.fault == Fault::WrongOutputs {
            outputs = wrong_outputs(&outputs);
        }
        Ok(outputs)
    }
}

/// The same tensors with every data byte inverted: well-formed, and wrong under any policy.
fn wrong_outputs(canonical: &[u8]) -> Vec<u8> {
    match TensorMap::decode_checked(canonical) {
        Ok(mut map) => {
            for named in map.0.iter_mut() {
                for byte in named.tensor.data.iter_mut() {
                    *byte = !*byte;
                }
            }
            map.canonical_bytes()
        }
        Err(_) => canonical.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inference::model_store::{OffchainChunkStore, SAMPLE_MODEL};
    use inferchain_primitives::{
        limits::MAX_CHUNK_BYTES, model::model_id, DType, NamedTensor, Tensor,
    };
    use sp_core::offchain::storage::InMemOffchainStorage;

    fn sample_inputs() -> Vec<u8> {
        let data: Vec<u8> = [0.1f32, 0.2, 0.3, 0.4]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        TensorMap(vec![NamedTensor {
            name: b"x".to_vec(),
            tensor: Tensor {
                dtype: DType::F32,
                shape: vec![1, 4],
                data,
            },
        }])
        .canonical_bytes()
    }

    fn engine(fault: Fault) -> SharedEngine<OffchainChunkStore<InMemOffchainStorage>> {
        SharedEngine::new(
            OffchainChunkStore::new(InMemOffchainStorage::default()),
            None,
            fault,
        )
    }

    fn chunks() -> u32 {
        SAMPLE_MODEL.len().div_ceil(MAX_CHUNK_BYTES as usize) as u32
    }

    #[test]
    fn clones_share_one_plan_cache() {
        let engine = engine(Fault::None);
        let mut first = engine.clone();
        let mut second = engine.clone();
        let id = model_id(SAMPLE_MODEL);
        let a = first
            .run(id, chunks(), &sample_inputs(), ExecutionPolicy::Exact)
            .expect("run");
        let b = second
            .run(id, chunks(), &sample_inputs(), ExecutionPolicy::Exact)
            .expect("run");
        assert_eq!(a, b);
        let (hits, misses) = engine.host.lock().expect("lock").engine().cache().stats();
        assert!(
            hits >= 1,
            "the second run hit the cache ({hits} hits, {misses} misses)"
        );
    }

    #[test]
    fn a_faulty_node_reports_different_but_well_formed_outputs() {
        let id = model_id(SAMPLE_MODEL);
        let honest = engine(Fault::None)
            .run(id, chunks(), &sample_inputs(), ExecutionPolicy::Exact)
            .expect("run");
        let faulty = engine(Fault::WrongOutputs)
            .run(id, chunks(), &sample_inputs(), ExecutionPolicy::Exact)
            .expect("run");
        assert_ne!(honest, faulty);
        assert!(TensorMap::decode_checked(&faulty).is_ok());
    }

    #[test]
    fn an_unknown_model_is_unavailable_not_a_crash() {
        let mut engine = engine(Fault::None);
        let result = engine.run(
            model_id(b"nope"),
            1,
            &sample_inputs(),
            ExecutionPolicy::Exact,
        );
        assert_eq!(result, Err(HostError::ModelUnavailable));
    }
}
