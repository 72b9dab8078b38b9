//! Storage records and call argument types of the inference pallet.

use crate::{BalanceOf, Config};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::traits::Get;
use frame_support::{
    pallet_prelude::ConstU32, BoundedVec, CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use frame_system::pallet_prelude::BlockNumberFor;
use inferchain_primitives::{limits::MAX_CHUNKS, ExecutionPolicy, ModelId, ModelInfo};
use scale_info::TypeInfo;
use sp_core::H256;
use sp_runtime::Saturating;

/// Identifier of a job: an inference request or a model validation. Allocated sequentially.
pub type JobId = u64;

/// The declared chunk hashes of a model (blake2-256 of each chunk), at most
/// [`MAX_CHUNKS`].
pub type ChunkHashes = BoundedVec<H256, ConstU32<MAX_CHUNKS>>;

/// Bitmap of received chunks (bit `i` of byte `i / 8` is chunk `i`).
pub type ChunkBitmap = BoundedVec<u8, ConstU32<{ MAX_CHUNKS.div_ceil(8) }>>;

/// Revealed outputs of one worker for one job: the canonical output encoding of an inference,
/// or the SCALE encoding of a [`ValidationOutcome`] for a model validation.
pub type OutputOf<T> = BoundedVec<u8, <T as Config>::MaxOutputBytes>;

/// A batch of commitments `(job, commitment)` submitted by one worker in one transaction.
pub type CommitBatchOf<T> = BoundedVec<(JobId, H256), <T as Config>::MaxBatch>;

/// What one worker reveals for one job: its outputs, or that the model could not be executed
/// on the job's inputs.
pub type RevealOf<T> = inferchain_primitives::Reveal<OutputOf<T>>;

/// A batch of reveals `(job, reveal)` submitted by one worker in one transaction.
pub type RevealBatchOf<T> = BoundedVec<(JobId, RevealOf<T>), <T as Config>::MaxBatch>;

/// The workers drawn for a job.
pub type DrawnWorkersOf<T> =
    BoundedVec<<T as frame_system::Config>::AccountId, <T as Config>::MaxReplicas>;

/// What a validation committee member reports for a model: the [`ModelInfo`] found by the
/// engine, or why the model is not acceptable. The SCALE encoding of this value is what workers
/// commit to and reveal; agreement is on identical encodings.
pub type ValidationOutcome = Result<ModelInfo, ValidationFailure>;

/// Why a model failed validation, as reported by the validation committee.
///
/// Only failures that depend on the model itself are reported; a worker whose node cannot run
/// validation (no backend, missing chunks) reports nothing and is treated as not having
/// committed.
#[derive(
    Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub enum ValidationFailure {
    /// The model bytes do not hash to the declared model id.
    IdMismatch,
    /// The engine rejected the model (unsupported operator, dynamic shapes, limits, ...).
    Invalid,
}

/// How a model is executed and how many workers execute each request.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
)]
pub struct ModelPolicy {
    /// The engine's execution policy (exact or with tolerance).
    pub execution: ExecutionPolicy,
    /// Number of distinct workers executing each request: `1..=MaxReplicas`.
    pub replicas: u8,
}

impl Default for ModelPolicy {
    fn default() -> Self {
        ModelPolicy {
            execution: ExecutionPolicy::Exact,
            replicas: 3,
        }
    }
}

/// Why a model was rejected.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
)]
pub enum RejectReason {
    /// The committee agreed that the model bytes do not hash to the model id.
    IdMismatch,
    /// The committee agreed that the engine cannot accept the model.
    Invalid,
    /// The committee agreed on a schema that the chain cannot use (no inputs or outputs,
    /// cost above the limit).
    Unusable,
    /// The committee did not reach a majority.
    Inconclusive,
    /// No committee member committed before the deadline.
    NoResponse,
}

/// Life cycle of a registered model.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
)]
pub enum ModelStatus {
    /// Registered; chunks are being uploaded.
    Uploading,
    /// All chunks uploaded; the validation job with this id is running.
    Validating(JobId),
    /// Validated: requests are accepted.
    Active,
    /// Validation failed. The owner got the deposit back minus the rejection fee and may remove
    /// the record with `retire_model`.
    Rejected(RejectReason),
    /// Retired by the owner: no new requests; the record and deposit go once no request is
    /// pending.
    Retired,
}

/// A registered model.
#[derive(
    Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct Model<T: Config> {
    /// Who registered the model, receives its royalty and holds its deposit.
    pub owner: T::AccountId,
    /// Human-readable name.
    pub name: BoundedVec<u8, T::MaxNameLen>,
    /// Human-readable description.
    pub description: BoundedVec<u8, T::MaxDescriptionLen>,
    /// Size of the ONNX file in bytes.
    pub size: u32,
    /// Declared blake2-256 hash of each chunk.
    pub chunk_hashes: ChunkHashes,
    /// Which chunks have been uploaded.
    pub received: ChunkBitmap,
    /// Number of chunks uploaded.
    pub received_count: u32,
    /// Execution policy and replica count.
    pub policy: ModelPolicy,
    /// Royalty paid to the owner for each completed request.
    pub price: BalanceOf<T>,
    /// Storage deposit held from the owner.
    pub deposit: BalanceOf<T>,
    /// Life-cycle state.
    pub status: ModelStatus,
    /// Schema and cost, known once the model is `Active`.
    pub info: Option<ModelInfo>,
    /// Number of requests on this model that are not final yet.
    pub pending: u32,
}

/// What a job is about.
#[derive(
    Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub enum JobKind<T: Config> {
    /// A paid inference request.
    Inference {
        /// Who pays and gets the result.
        requester: T::AccountId,
        /// Royalty for the model owner (held from the requester).
        royalty: BalanceOf<T>,
        /// Fee for each agreeing worker (held from the requester, once per replica).
        worker_fee: BalanceOf<T>,
    },
    /// Validation of a newly uploaded model.
    Validation,
}

/// Final or intermediate state of a job.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
)]
pub enum JobStatus {
    /// Waiting for commitments and reveals.
    Pending,
    /// A majority agreed; the result is stored until the job is pruned.
    Completed,
    /// The job failed and the requester was refunded.
    Failed(FailureReason),
    /// No worker committed before the commit deadline; the requester was refunded.
    Expired,
    /// Every revealed output agreed: the result is provisional (in `Results`; no result means
    /// an agreed execution failure) and can be challenged until its challenge deadline
    /// (`Pallet::challenge_deadline`), after which it becomes final and is paid
    /// (`disputes.rs`).
    Provisional,
    /// The revealed outputs disagreed or the provisional result was challenged: the
    /// validators re-execute the job (or will, once its escalation leaves the backlog); their
    /// verdict decides (`disputes.rs`).
    Escalated,
}

impl JobStatus {
    /// Whether the job is final (nothing more can change its outcome or its payments).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            JobStatus::Completed | JobStatus::Failed(_) | JobStatus::Expired
        )
    }
}

/// Why a job failed.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
)]
pub enum FailureReason {
    /// Outputs were revealed but no group of agreeing workers formed a majority.
    Inconclusive,
    /// A majority of the workers agreed that the model cannot be executed on these inputs
    /// (they revealed `Reveal::ExecutionFailed`). The agreeing
    /// workers are paid their fee; the royalty is refunded.
    ExecutionFailed,
    /// The job was escalated and no output was revealed by more than two thirds of the
    /// validator set: the requester was refunded in full, only the absent were slashed.
    NoSupermajority,
}

/// Why a job was escalated to the validators.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
)]
pub enum EscalationCause {
    /// The committee's revealed outputs disagreed.
    Disagreement,
    /// An account challenged the provisional result (its bond is in `Challenges`).
    Challenge,
    /// The revealed outputs agreed, but a committee member did not commit or reveal: the
    /// result of an incomplete committee is never provisional, whoever kept the others away.
    Absence,
}

/// The validators' re-execution of an escalated job: a second commit–reveal round in which
/// every validator's worker account has a slot.
#[derive(
    Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct Escalation<T: Config> {
    /// Why the job was escalated.
    pub cause: EscalationCause,
    /// The validators' worker accounts, in authority order; `agreed` marks those whose reveal
    /// matches the verdict.
    pub slots: BoundedVec<Slot<T>, T::MaxValidators>,
    /// What each committee member revealed (same order as the job's slots; `None` if it did
    /// not), moved here from `Reveals` when the escalation started so that validators reveal
    /// into `Reveals`. Emptied once the verdict is applied.
    pub committee_reveals: BoundedVec<Option<RevealOf<T>>, T::MaxReplicas>,
    /// Block in which the validators' round started.
    pub started: BlockNumberFor<T>,
    /// Last block in which validators' commitments are accepted.
    pub commit_deadline: BlockNumberFor<T>,
    /// Last block in which validators' reveals are accepted.
    pub reveal_deadline: BlockNumberFor<T>,
}

impl<T: Config> Escalation<T> {
    /// Whether every validator slot has committed.
    pub fn all_committed(&self) -> bool {
        all_committed(&self.slots)
    }
}

/// Whether every slot of `slots` has committed.
fn all_committed<T: Config>(slots: &[Slot<T>]) -> bool {
    slots.iter().all(|s| s.commitment.is_some())
}

/// One assigned worker's progress on a job.
#[derive(
    Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct Slot<T: Config> {
    /// The assigned worker.
    pub worker: T::AccountId,
    /// Its commitment, once submitted.
    pub commitment: Option<H256>,
    /// Whether it revealed (the outputs are in `Reveals` until settlement, except those of the
    /// reveal that settled the job, which are never stored).
    pub revealed: bool,
    /// Whether it was in the agreeing majority that decided the job (set at settlement).
    pub agreed: bool,
}

/// An inference request or a model validation.
#[derive(
    Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct Job<T: Config> {
    /// The model executed or validated.
    pub model_id: ModelId,
    /// Inference or validation, with the payment details of an inference.
    pub kind: JobKind<T>,
    /// The assigned workers, distinct, in draw order.
    pub slots: BoundedVec<Slot<T>, T::MaxReplicas>,
    /// Block in which the job was created.
    pub created: BlockNumberFor<T>,
    /// Last block in which commitments are accepted.
    pub commit_deadline: BlockNumberFor<T>,
    /// Last block in which reveals are accepted.
    pub reveal_deadline: BlockNumberFor<T>,
    /// Length of the canonical input encoding (0 for validations).
    pub input_len: u32,
    /// State of the job.
    pub status: JobStatus,
}

impl<T: Config> Job<T> {
    /// Whether every assigned worker has committed.
    pub fn all_committed(&self) -> bool {
        all_committed(&self.slots)
    }

    /// Whether every worker that committed has revealed.
    pub fn all_committed_revealed(&self) -> bool {
        self.slots
            .iter()
            .all(|s| s.commitment.is_none() || s.revealed)
    }

    /// Index of `worker`'s slot.
    pub fn slot_of(&self, worker: &T::AccountId) -> Option<usize> {
        self.slots.iter().position(|s| &s.worker == worker)
    }

    /// The latest challenge deadline: `ChallengePeriod` blocks after the reveal deadline, the
    /// slot reserved at creation. A result provisional earlier usually gets an earlier one
    /// (`Pallet::challenge_deadline`).
    pub fn challenge_deadline(&self) -> BlockNumberFor<T> {
        self.reveal_deadline
            .saturating_add(<T as Config>::ChallengePeriod::get())
    }

    /// Whether reveals are accepted at block `now`.
    pub fn reveal_open(&self, now: BlockNumberFor<T>) -> bool {
        self.status == JobStatus::Pending
            && now <= self.reveal_deadline
            && (now > self.commit_deadline || self.all_committed())
    }

    /// Whether commitments are accepted at block `now`.
    pub fn commit_open(&self, now: BlockNumberFor<T>) -> bool {
        self.status == JobStatus::Pending && now <= self.commit_deadline
    }
}

/// State of a registered worker.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    MaxEncodedLen,
    TypeInfo,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
)]
pub enum WorkerStatus<BlockNumber> {
    /// In the active set: can be drawn for new jobs.
    Active,
    /// Left the active set (by `unregister_worker` or because a slash took the bond below the
    /// minimum); the bond can be withdrawn from this block on (its jobs have all ended).
    Unbonding(BlockNumber),
}

/// A registered worker.
#[derive(
    Encode, Decode, MaxEncodedLen, TypeInfo, CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct Worker<T: Config> {
    /// Amount held as bond.
    pub bond: BalanceOf<T>,
    /// Active or unbonding.
    pub status: WorkerStatus<BlockNumberFor<T>>,
}

/// Fee quote of an inference request.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct FeeQuote<Balance> {
    /// Royalty for the model owner.
    pub royalty: Balance,
    /// Fee for each worker.
    pub worker_fee: Balance,
    /// Number of workers.
    pub replicas: u8,
    /// `royalty + replicas * worker_fee`.
    pub total: Balance,
}

/// A model registered at genesis (already `Active`; its chunks must be provided to the nodes'
/// offchain storage at [`chunk_key`](inferchain_primitives::offchain_keys::chunk_key) by the
/// node, since genesis cannot write the offchain index).
#[derive(
    Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GenesisModel<AccountId, Balance> {
    /// Model id (blake2-256 of the ONNX bytes).
    pub model_id: ModelId,
    /// Owner, receives the royalty. No deposit is held for genesis models.
    pub owner: AccountId,
    /// Human-readable name (hex in JSON).
    #[serde(with = "sp_core::bytes")]
    pub name: Vec<u8>,
    /// Size of the ONNX file in bytes.
    pub size: u32,
    /// Blake2-256 of each chunk (chunks of `MAX_CHUNK_BYTES`, the last one shorter).
    pub chunk_hashes: Vec<H256>,
    /// SCALE encoding of the model's [`ModelInfo`] (hex in JSON).
    #[serde(with = "sp_core::bytes")]
    pub info: Vec<u8>,
    /// SCALE encoding of the model's [`ModelPolicy`] (hex in JSON).
    #[serde(with = "sp_core::bytes")]
    pub policy: Vec<u8>,
    /// Royalty per request.
    pub price: Balance,
}

impl<AccountId, Balance> GenesisModel<AccountId, Balance> {
    /// Builds a genesis model from typed values.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        model_id: ModelId,
        owner: AccountId,
        name: Vec<u8>,
        size: u32,
        chunk_hashes: Vec<H256>,
        info: &ModelInfo,
        policy: ModelPolicy,
        price: Balance,
    ) -> Self {
        GenesisModel {
            model_id,
            owner,
            name,
            size,
            chunk_hashes,
            info: info.encode(),
            policy: policy.encode(),
            price,
        }
    }
}
