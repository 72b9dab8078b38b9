//! JSON-RPC methods of the inference service.
//!
//! - `inference_dryRun(model_id, inputs)`: runs the local engine on a registered model without
//!   touching chain state or submitting anything: a simulation before paying.
//! - `inference_quote(model_id, input_len)`: the fee a request would pay now.
//! - `inference_request(id)`: a request's status, result and the workers that agreed.

use super::host::SharedEngine;
use inferchain_engine::host::ChunkStore;
use inferchain_primitives::{output_digest, ModelId, TensorMap};
use inferchain_runtime::{opaque::Block, AccountId, Balance, BlockNumber};
use jsonrpsee::{
    core::RpcResult,
    proc_macros::rpc,
    types::{error::ErrorObjectOwned, ErrorObject},
};
use pallet_inference::{
    runtime_api::InferenceApi as InferenceRuntimeApi, FeeQuote, JobStatus, JobView, ModelStatus,
};
use serde::Serialize;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use std::sync::Arc;

/// A fee quote.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Quote {
    /// Royalty to the model owner.
    pub royalty: String,
    /// Fee to each agreeing worker.
    pub worker_fee: String,
    /// Workers executing the request.
    pub replicas: u8,
    /// Total held from the requester.
    pub total: String,
}

impl From<FeeQuote<Balance>> for Quote {
    fn from(q: FeeQuote<Balance>) -> Self {
        Quote {
            royalty: q.royalty.to_string(),
            worker_fee: q.worker_fee.to_string(),
            replicas: q.replicas,
            total: q.total.to_string(),
        }
    }
}

/// A request as the RPC reports it.
#[derive(Serialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    /// The model.
    pub model_id: ModelId,
    /// `Pending`, `Provisional` (the committee agreed; final after the challenge deadline),
    /// `Escalated` (the validators re-execute it), `Completed`, `Failed: <reason>` or
    /// `Expired`.
    pub status: String,
    /// The fee held or paid.
    pub fee: String,
    /// Workers assigned.
    pub workers: Vec<String>,
    /// Whether each assigned worker committed.
    pub committed: Vec<bool>,
    /// Whether each assigned worker revealed.
    pub revealed: Vec<bool>,
    /// The workers whose outputs agreed and decided the request (empty until settled).
    pub agreeing: Vec<String>,
    /// Block of the request.
    pub created: BlockNumber,
    /// Last block for commitments.
    pub commit_deadline: BlockNumber,
    /// Last block for reveals.
    pub reveal_deadline: BlockNumber,
    /// Last block in which the provisional result can be challenged.
    pub challenge_deadline: BlockNumber,
    /// Who challenged the result, if anyone did (until the verdict).
    pub challenger: Option<String>,
    /// The validators that re-executed the job (empty unless it was escalated).
    pub validators: Vec<String>,
    /// The validators whose outputs agreed with the verdict.
    pub agreeing_validators: Vec<String>,
    /// The outputs (while retained), as tensors: provisional while the status is
    /// `Provisional`, verified once `Completed`.
    pub outputs: Option<serde_json::Value>,
    /// Digest of the canonical output encoding.
    pub output_digest: Option<String>,
}

/// The outputs of a dry run.
#[derive(Serialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub struct DryRun {
    /// Output tensors.
    pub outputs: serde_json::Value,
    /// Digest of the canonical output encoding (what `inferchain-engine hash` prints).
    pub output_digest: String,
}

/// The `inference_*` RPC methods.
#[rpc(server, namespace = "inference")]
pub trait InferenceRpc {
    /// Runs model `model_id` on `inputs` (`{"name": {"dtype", "shape", "data"}}`) locally.
    #[method(name = "dryRun", blocking)]
    fn dry_run(&self, model_id: ModelId, inputs: serde_json::Value) -> RpcResult<DryRun>;

    /// The fee of a request with `input_len` bytes of canonical inputs, if the model is active.
    #[method(name = "quote")]
    fn quote(&self, model_id: ModelId, input_len: u32) -> RpcResult<Option<Quote>>;

    /// Request `id`, until it is pruned.
    #[method(name = "request")]
    fn request(&self, id: u64) -> RpcResult<Option<Request>>;
}

/// Implements the `inference_*` methods over the client and the node's engine.
pub struct Inference<C, S> {
    client: Arc<C>,
    engine: SharedEngine<S>,
}

impl<C, S> Inference<C, S> {
    /// The RPC handler.
    pub fn new(client: Arc<C>, engine: SharedEngine<S>) -> Self {
        Inference { client, engine }
    }
}

fn error(code: i32, message: impl Into<String>) -> ErrorObjectOwned {
    ErrorObject::owned(code, message.into(), None::<()>)
}

const RUNTIME_ERROR: i32 = 9001;
const UNKNOWN_MODEL: i32 = 9002;
const BAD_INPUTS: i32 = 9003;
const ENGINE_ERROR: i32 = 9004;

fn status_text(status: &JobStatus) -> String {
    match status {
        JobStatus::Pending => "Pending".into(),
        JobStatus::Provisional => "Provisional".into(),
        JobStatus::Escalated => "Escalated".into(),
        JobStatus::Completed => "Completed".into(),
        JobStatus::Failed(reason) => format!("Failed: {reason:?}"),
        JobStatus::Expired => "Expired".into(),
    }
}

fn request_json(view: JobView<AccountId, Balance, BlockNumber>) -> RpcResult<Request> {
    let (outputs, output_digest) = match &view.result {
        Some(bytes) => {
            let map = TensorMap::decode_checked(bytes).map_err(|e| {
                error(
                    RUNTIME_ERROR,
                    format!("stored result does not decode: {e:?}"),
                )
            })?;
            let json = inferchain_engine::tensor_io::to_json(&map)
                .map_err(|e| error(RUNTIME_ERROR, e.to_string()))?;
            (Some(json), Some(format!("{:?}", output_digest(bytes))))
        }
        None => (None, None),
    };
    Ok(Request {
        model_id: view.model_id,
        status: status_text(&view.status),
        fee: view.fee.to_string(),
        workers: view.workers.iter().map(|w| w.to_string()).collect(),
        committed: view.committed,
        revealed: view.revealed,
        agreeing: view
            .workers
            .iter()
            .zip(view.agreed.iter())
            .filter(|(_, a)| **a)
            .map(|(w, _)| w.to_string())
            .collect(),
        created: view.created,
        commit_deadline: view.commit_deadline,
        reveal_deadline: view.reveal_deadline,
        challenge_deadline: view.challenge_deadline,
        challenger: view.challenger.as_ref().map(|c| c.to_string()),
        agreeing_validators: view
            .validators
            .iter()
            .zip(view.validators_agreed.iter())
            .filter(|(_, a)| **a)
            .map(|(w, _)| w.to_string())
            .collect(),
        validators: view.validators.iter().map(|w| w.to_string()).collect(),
        outputs,
        output_digest,
    })
}

impl<C, S> InferenceRpcServer for Inference<C, S>
where
    C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
    C::Api: InferenceRuntimeApi<Block, AccountId, Balance, BlockNumber>,
    S: ChunkStore + Send + 'static,
{
    fn dry_run(&self, model_id: ModelId, inputs: serde_json::Value) -> RpcResult<DryRun> {
        let best = self.client.info().best_hash;
        let model = self
            .client
            .runtime_api()
            .model(best, model_id)
            .map_err(|e| error(RUNTIME_ERROR, e.to_string()))?
            .ok_or_else(|| error(UNKNOWN_MODEL, format!("unknown model {model_id:?}")))?;
        if !matches!(model.status, ModelStatus::Active) {
            return Err(error(
                UNKNOWN_MODEL,
                format!("model {model_id:?} is not active: {:?}", model.status),
            ));
        }
        let inputs = inferchain_engine::tensor_io::from_json(&inputs)
            .map_err(|e| error(BAD_INPUTS, format!("bad inputs: {e}")))?;
        if let Some(info) = &model.info {
            info.check_inputs(&inputs)
                .map_err(|e| error(BAD_INPUTS, inferchain_engine::run::describe_schema(&e)))?;
        }
        let outputs = self
            .engine
            .dry_run(
                model_id,
                model.chunks,
                &inputs.canonical_bytes(),
                model.policy.execution,
            )
            .map_err(|e| error(ENGINE_ERROR, format!("{e:?}")))?;
        let canonical = outputs.canonical_bytes();
        Ok(DryRun {
            outputs: inferchain_engine::tensor_io::to_json(&outputs)
                .map_err(|e| error(ENGINE_ERROR, e.to_string()))?,
            output_digest: format!("{:?}", output_digest(&canonical)),
        })
    }

    fn quote(&self, model_id: ModelId, input_len: u32) -> RpcResult<Option<Quote>> {
        let best = self.client.info().best_hash;
        self.client
            .runtime_api()
            .quote(best, model_id, input_len)
            .map(|q| q.map(Quote::from))
            .map_err(|e| error(RUNTIME_ERROR, e.to_string()))
    }

    fn request(&self, id: u64) -> RpcResult<Option<Request>> {
        let best = self.client.info().best_hash;
        let view = self
            .client
            .runtime_api()
            .job(best, id)
            .map_err(|e| error(RUNTIME_ERROR, e.to_string()))?;
        view.map(request_json).transpose()
    }
}
