//! Executing a job on this node through the `inference_host` host functions: the engine's
//! validation for a model validation, a run on the indexed inputs for an inference.

use crate::{
    Config, Job, JobId, JobKind, Models, ValidationFailure, ValidationOutcome, LOG_TARGET,
};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use inferchain_primitives::{
    host::{inference_host, HostError},
    offchain_keys::request_inputs_key,
    Reveal,
};
use sp_runtime::offchain::StorageKind;

/// Executes a job through the host interface: what the worker will reveal. `None` if this
/// node cannot do it.
pub fn compute<T: Config>(id: JobId, job: &Job<T>) -> Option<Reveal<Vec<u8>>> {
    let model = Models::<T>::get(job.model_id)?;
    let chunks = model.chunk_hashes.len() as u32;
    match job.kind {
        JobKind::Validation => {
            let outcome: ValidationOutcome =
                match inference_host::validate_model(job.model_id, chunks) {
                    Ok(info) => Ok(info),
                    Err(HostError::IdMismatch) => Err(ValidationFailure::IdMismatch),
                    Err(HostError::Invalid(_)) => Err(ValidationFailure::Invalid),
                    Err(e) => {
                        log::warn!(target: LOG_TARGET, "cannot validate model of job {id}: {e:?}");
                        return None;
                    }
                };
            Some(Reveal::Outputs(outcome.encode()))
        }
        JobKind::Inference { .. } => {
            let inputs = sp_io::offchain::local_storage_get(
                StorageKind::PERSISTENT,
                &request_inputs_key(id),
            );
            let Some(inputs) = inputs else {
                log::warn!(target: LOG_TARGET, "inputs of job {id} not in the offchain index");
                return None;
            };
            match inference_host::run(job.model_id, chunks, &inputs, model.policy.execution) {
                Ok(outputs) => Some(Reveal::Outputs(outputs)),
                // Failures that depend on the model and inputs, not on this node: report them
                // so that the request fails without punishing the workers.
                Err(e @ (HostError::BadInputs(_) | HostError::Run(_))) => {
                    log::info!(target: LOG_TARGET, "job {id} cannot be executed: {e:?}");
                    Some(Reveal::ExecutionFailed)
                }
                Err(e) => {
                    log::warn!(target: LOG_TARGET, "cannot run job {id}: {e:?}");
                    None
                }
            }
        }
    }
}

/// Decodes a validation outcome (for tools and tests).
pub fn decode_outcome(bytes: &[u8]) -> Option<ValidationOutcome> {
    ValidationOutcome::decode(&mut &bytes[..]).ok()
}
