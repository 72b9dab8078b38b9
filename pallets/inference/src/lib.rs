//! # Inference pallet
//!
//! Verifiable ML inference on chain: a model registry, paid inference requests executed
//! redundantly by staked workers, commit–reveal of outputs, on-chain comparison of the revealed
//! outputs and settlement (payment, refund, slashing) before anyone is paid.
//!
//! ## The protocol in one paragraph
//! **Workers** bond and join the active set. **Model owners** register a model, pay a deposit
//! and upload its chunks; a committee of workers validates it. **Requesters** pay for an
//! inference on an active model. Inference requests and model validations are both **jobs**
//! ([`Job`]): a committee is drawn, each member commits to its outputs, then reveals them; the
//! chain compares the revealed outputs under the model's policy. The result of a committee whose
//! every member agreed is **provisional**: anyone may challenge it for
//! [`Config::ChallengePeriod`] blocks, then it is final and paid (or, for a validation, the
//! model is activated or rejected). Any disagreement, absent member or challenge **escalates**
//! the job: every validator re-executes it, and the output revealed by more than two thirds of
//! the validator set is the verdict; whoever revealed something else, or nothing, is slashed. Results are kept for
//! [`Config::ResultRetention`] blocks after they are final, then pruned.
//!
//! ## Where each rule lives
//! | question | file |
//! |---|---|
//! | How does a worker bond, leave and get its bond back? | `workers.rs` |
//! | How is a model registered, uploaded, validated, retired and removed? | `registry.rs` |
//! | Where does the requester's money go? The owner's deposit? | `escrow.rs` |
//! | Who is drawn for a job, with what randomness? | `committee.rs` |
//! | When are a job's deadlines, and what happens at them (finality within the block's spare weight)? | `jobs.rs` |
//! | What may a worker commit or reveal, and when? Who may submit? | `commit_reveal.rs` |
//! | Which outputs are agreed? Who is slashed and why? What does finality pay? | `settlement.rs` (the rules themselves: `primitives/src/agreement.rs`, `primitives/src/median.rs`) |
//! | When is a result final? Who may challenge it? How do the validators decide? | `disputes.rs` |
//! | What is each call and hook charged? | `weights_ext.rs` (built on `weights.rs`) |
//! | What do clients and nodes read? | `views.rs`, `runtime_api.rs` |
//! | What must always hold in storage? | `try_state.rs` |
//! | What does a worker's node do each block? What does a watcher check and challenge? | `offchain/` (the watcher: `offchain/watch.rs`) |
//! | Calls, events, errors, hooks, genesis | `sections/` (imported into [`pallet`]) |
//! | Storage records and call arguments | `types.rs`; migrations in `migrations.rs` |
//!
//! ## Node requirements
//! Chunk bytes and request inputs reach workers through the offchain index, so nodes that run
//! workers need offchain indexing and offchain workers enabled, the `infr` key of the worker in
//! their keystore, and an `InferenceHostExt` (from `inferchain-primitives`) registered for
//! offchain workers. Genesis models are not in the offchain index: the node must put their
//! chunks in offchain persistent storage under `chunk_key(model_id, index)`. The runtime must
//! put `frame_system::AuthorizeCall` first in its transaction extension pipeline and implement
//! `frame_system::offchain::CreateAuthorizedTransaction` for the offchain worker, and
//! `frame_system::offchain::CreateSignedTransaction` (with `MultiSigner`/`MultiSignature` signing
//! types) for a watcher's challenges, which are ordinary signed transactions of its `infr` key's
//! account. A node started with `--inference-watch` records the models it watches in offchain
//! persistent storage under `NODE_WATCH_KEY` (`inferchain-primitives`).
//!
//! ## Runtime configuration constraints
//! Checked by `integrity_test`: `1 <= ValidationReplicas <= MaxReplicas <= 255`,
//! `MaxOutputBytes > MAX_MODEL_INFO_BYTES`, `UnbondingPeriod` longer than the longest dispute
//! (`Pallet::longest_dispute`: a job, its challenge window, the escalation backlog and the
//! validators' round, so an unbonding worker's jobs have all been decided when its bond can be
//! withdrawn), `NoRevealSlash >= WrongResultSlash`, `ChallengerReward + RequesterCompensation
//! <= 100 %`. Benchmarks also assume
//! `CommitPeriod >= MaxBatch / MaxJobsPerBlock`. A chunk upload (`MAX_CHUNK_BYTES`) and a
//! reveal batch of `MaxRevealBatchBytes` (the offchain worker splits larger ones) must fit the
//! block length and weight.
//!
//! ## Runtime configuration
//! Inferchain's runtime (`runtime/src/configs/mod.rs`, embedded here from the source):
#![doc = docify::embed!("../../runtime/src/configs/mod.rs", inference_config)]
#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod commit_reveal;
pub mod committee;
pub mod disputes;
pub mod escrow;
pub mod jobs;
pub mod migrations;
#[cfg(test)]
mod mock;
pub mod offchain;
pub mod registry;
pub mod runtime_api;
mod sections;
pub mod settlement;
#[cfg(any(test, feature = "runtime-benchmarks"))]
mod testing_utils;
#[cfg(test)]
mod tests;
pub mod try_state;
pub mod types;
pub mod views;
pub mod weights;
pub mod weights_ext;
pub mod workers;

pub use escrow::FeeShares;
pub use settlement::{Offence, Settlement};
pub use types::*;
pub use views::{JobView, ModelView, PendingWork, WorkKind};
pub use weights::WeightInfo;

/// What the benchmarks need from the runtime beyond the pallet's own storage.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId> {
    /// Makes `accounts` the validator set that [`Config::Validators`] returns.
    fn set_validators(accounts: &[AccountId]);
}

use alloc::vec::Vec;
use codec::{Decode, DecodeAll, Encode};
use frame_support::{
    defensive,
    pallet_macros::import_section,
    pallet_prelude::*,
    traits::{
        fungible::{self, Inspect},
        Defensive, OnUnbalanced,
    },
};
use frame_system::pallet_prelude::BlockNumberFor;
use inferchain_primitives::{
    compare,
    limits::{MAX_CHUNKS, MAX_CHUNK_BYTES, MAX_COST, MAX_MODEL_BYTES},
    model::MAX_MODEL_INFO_BYTES,
    offchain_keys::{chunk_key, request_inputs_key},
    ExecutionPolicy, ModelId, ModelInfo, Reveal, TensorMap,
};
use registry::{set_bit, ChunkUpload};
use sp_core::H256;
use sp_runtime::{
    traits::{Saturating, Zero},
    Perbill, RuntimeAppPublic, SaturatedConversion,
};

/// Key type of the workers' `infr` keys.
pub const KEY_TYPE: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"infr");

/// Signing context of a commit batch.
pub const COMMIT_CONTEXT: &[u8] = b"inferchain/commit";

/// Signing context of a reveal batch.
pub const REVEAL_CONTEXT: &[u8] = b"inferchain/reveal";

/// How many later blocks' deadline slots a new job may take when the slots of the block it
/// is created in are full (`MaxJobsPerBlock`); beyond that the request fails with
/// `JobQueueFull`.
pub const MAX_DEADLINE_SPILL: u32 = 4;

/// The workers' `infr` application crypto (sr25519).
pub mod crypto {
    use super::KEY_TYPE;
    use sp_application_crypto::{app_crypto, sr25519};
    app_crypto!(sr25519, KEY_TYPE);

    /// Signs ordinary signed transactions with a local `infr` key: a watcher's challenges
    /// (`offchain/watch.rs`), paid for by the key's account like any user's transaction.
    pub struct InfrSigner;

    impl frame_system::offchain::AppCrypto<sp_runtime::MultiSigner, sp_runtime::MultiSignature>
        for InfrSigner
    {
        type RuntimeAppPublic = Public;
        type GenericSignature = sp_core::sr25519::Signature;
        type GenericPublic = sp_core::sr25519::Public;
    }
}

/// Log target of this pallet.
pub const LOG_TARGET: &str = "runtime::inference";

/// Balance type of the pallet's currency.
pub type BalanceOf<T> =
    <<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// Bound of a pruning slot: the jobs created at one block plus the escalations decided at one
/// block.
pub struct PruneQueueBound<T>(core::marker::PhantomData<T>);

impl<T: Config> Get<u32> for PruneQueueBound<T> {
    fn get() -> u32 {
        T::MaxJobsPerBlock::get().saturating_add(T::MaxEscalationsPerBlock::get())
    }
}

/// Negative imbalance (credit) of the pallet's currency, produced by slashes.
pub type CreditOf<T> =
    fungible::Credit<<T as frame_system::Config>::AccountId, <T as Config>::Currency>;

/// The pallet: its configuration and storage here, its calls, events, errors, hooks and
/// genesis in `sections/`, its logic in one module per protocol concern.
#[import_section(sections::calls::calls)]
#[import_section(sections::events::events)]
#[import_section(sections::errors::errors)]
#[import_section(sections::genesis::genesis)]
#[import_section(sections::hooks::hooks)]
#[frame_support::pallet]
pub mod pallet {
    use super::*;
    use frame_system::pallet_prelude::*;

    /// The in-code storage version.
    const STORAGE_VERSION: StorageVersion = StorageVersion::new(3);

    #[pallet::pallet]
    #[pallet::storage_version(STORAGE_VERSION)]
    pub struct Pallet<T>(_);

    /// Configuration of the pallet.
    #[pallet::config]
    pub trait Config:
        frame_system::Config<AccountId: From<sp_core::sr25519::Public>>
        + frame_system::offchain::CreateAuthorizedTransaction<Call<Self>>
        + frame_system::offchain::CreateSignedTransaction<Call<Self>>
        + frame_system::offchain::SigningTypes<
            Public = sp_runtime::MultiSigner,
            Signature = sp_runtime::MultiSignature,
        >
    {
        /// The overarching hold reason.
        type RuntimeHoldReason: From<HoldReason>;

        /// The currency holding bonds, deposits and fees.
        type Currency: fungible::Mutate<Self::AccountId>
            + fungible::MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>
            + fungible::BalancedHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;

        /// Receives slashed worker bonds (`()` burns them).
        type OnSlash: OnUnbalanced<CreditOf<Self>>;

        /// Weights of the calls and hooks.
        type WeightInfo: WeightInfo;

        /// Smallest bond of an active worker.
        #[pallet::constant]
        type MinWorkerBond: Get<BalanceOf<Self>>;

        /// Blocks between leaving the active set and being able to withdraw the bond. Must be
        /// longer than the longest dispute (`Pallet::longest_dispute`): a worker leaving the
        /// active set is drawn for no new job, so its jobs have all been decided, and any slash
        /// applied, when the bond can be withdrawn.
        #[pallet::constant]
        type UnbondingPeriod: Get<BlockNumberFor<Self>>;

        /// Largest number of active workers.
        #[pallet::constant]
        type MaxWorkers: Get<u32>;

        /// Largest replica count of a model, and largest validation committee.
        #[pallet::constant]
        type MaxReplicas: Get<u32>;

        /// Size of a model's validation committee (capped by the number of available workers).
        #[pallet::constant]
        type ValidationReplicas: Get<u32>;

        /// Fixed part of a model's storage deposit.
        #[pallet::constant]
        type ModelDepositBase: Get<BalanceOf<Self>>;

        /// Per-byte part of a model's storage deposit.
        #[pallet::constant]
        type ModelDepositPerByte: Get<BalanceOf<Self>>;

        /// Part of the deposit kept (and paid to the agreeing committee) when a model is
        /// rejected.
        #[pallet::constant]
        type RejectionFee: Get<Perbill>;

        /// Longest model name.
        #[pallet::constant]
        type MaxNameLen: Get<u32>;

        /// Longest model description.
        #[pallet::constant]
        type MaxDescriptionLen: Get<u32>;

        /// Largest input encoding of a request.
        #[pallet::constant]
        type MaxInputBytes: Get<u32>;

        /// Largest output encoding a worker can reveal (and that is stored as a result). Must be
        /// at least `MAX_MODEL_INFO_BYTES + 1` so validation outcomes fit.
        #[pallet::constant]
        type MaxOutputBytes: Get<u32>;

        /// Largest number of items in one commit or reveal batch.
        #[pallet::constant]
        type MaxBatch: Get<u32>;

        /// Most output bytes (items × largest output) the offchain worker puts in one reveal
        /// batch; the rest goes in further batches. Keeps every reveal within the block's
        /// length and weight whatever the outputs' size.
        #[pallet::constant]
        type MaxRevealBatchBytes: Get<u32>;

        /// Largest number of jobs created per block (bounds the deadline queues and so the work
        /// of the hooks).
        #[pallet::constant]
        type MaxJobsPerBlock: Get<u32>;

        /// Blocks after creation during which commitments are accepted.
        #[pallet::constant]
        type CommitPeriod: Get<BlockNumberFor<Self>>;

        /// Blocks after the commit deadline during which reveals are accepted.
        #[pallet::constant]
        type RevealPeriod: Get<BlockNumberFor<Self>>;

        /// Blocks a final job and its result are kept after the reveal deadline.
        #[pallet::constant]
        type ResultRetention: Get<BlockNumberFor<Self>>;

        /// Fixed part of the fee of each worker.
        #[pallet::constant]
        type BaseWorkerFee: Get<BalanceOf<Self>>;

        /// Worker fee per unit of the model's estimated cost ([`ModelInfo::cost`]).
        #[pallet::constant]
        type FeePerCostUnit: Get<BalanceOf<Self>>;

        /// Worker fee per byte of canonical inputs.
        #[pallet::constant]
        type FeePerInputByte: Get<BalanceOf<Self>>;

        /// Part of the bond slashed for revealing an output outside the winning majority.
        #[pallet::constant]
        type WrongResultSlash: Get<Perbill>;

        /// Part of the bond slashed for committing without revealing.
        #[pallet::constant]
        type NoRevealSlash: Get<Perbill>;

        /// Part of the bond slashed for not committing.
        #[pallet::constant]
        type NoCommitSlash: Get<Perbill>;

        /// Priority of workers' commit and reveal transactions.
        #[pallet::constant]
        type WorkerTxPriority: Get<TransactionPriority>;

        /// Blocks during which a provisional result can be challenged: from the block it became
        /// provisional in, and at most until this many blocks after the job's reveal deadline
        /// (`FinalityQueue`); it becomes final in the block after (`disputes.rs`).
        #[pallet::constant]
        type ChallengePeriod: Get<BlockNumberFor<Self>>;

        /// Held from a challenger until the verdict: returned with a reward if the verdict
        /// overturns the challenged result, paid to the accused workers if it upholds it.
        #[pallet::constant]
        type ChallengeBond: Get<BalanceOf<Self>>;

        /// Part of the stake slashed in an escalation paid to a challenger whose challenge
        /// overturned the result.
        #[pallet::constant]
        type ChallengerReward: Get<Perbill>;

        /// Part of the stake slashed in an escalation paid to the requester whose provisional
        /// result was overturned.
        #[pallet::constant]
        type RequesterCompensation: Get<Perbill>;

        /// The worker accounts of the current validators (each authority's worker account is
        /// the account of its consensus key, see `disputes.rs`). Every one of them has a slot
        /// in each escalation; the verdict needs more than two thirds of them.
        type Validators: Get<Vec<Self::AccountId>>;

        /// Largest validator set. The runtime must keep `Validators` within it (Inferchain's
        /// Aura `MaxAuthorities` equals it); a longer set is truncated, defensively.
        #[pallet::constant]
        type MaxValidators: Get<u32>;

        /// Most escalations started per block; the rest wait in the backlog, oldest first.
        #[pallet::constant]
        type MaxEscalationsPerBlock: Get<u32>;

        /// Backlog length at which new requests are refused (`EscalationBacklogFull`) until
        /// the validators catch up. Escalations caused by disagreement and challenges are
        /// always queued (at most one per live job), so filling the backlog never makes a
        /// provisional result unchallengeable.
        #[pallet::constant]
        type MaxEscalationBacklog: Get<u32>;

        /// Sets the validator set in benchmarks, whose source (`Validators`) belongs to the
        /// runtime.
        #[cfg(feature = "runtime-benchmarks")]
        type BenchmarkHelper: BenchmarkHelper<Self::AccountId>;
    }

    /// Reasons for holding funds.
    #[pallet::composite_enum]
    pub enum HoldReason {
        /// A worker's bond.
        WorkerBond,
        /// A model's storage deposit.
        ModelDeposit,
        /// Fees of pending inference requests.
        RequestFee,
        /// A challenger's bond, until the verdict.
        ChallengeBond,
    }

    /// Registered workers.
    #[pallet::storage]
    pub type Workers<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, Worker<T>>;

    /// Workers that can be drawn for new jobs.
    #[pallet::storage]
    pub type ActiveWorkers<T: Config> =
        StorageValue<_, BoundedVec<T::AccountId, T::MaxWorkers>, ValueQuery>;

    /// Registered models.
    #[pallet::storage]
    pub type Models<T: Config> = StorageMap<_, Blake2_128Concat, ModelId, Model<T>>;

    /// Next job id.
    #[pallet::storage]
    pub type NextJobId<T: Config> = StorageValue<_, JobId, ValueQuery>;

    /// Jobs (inference requests and model validations) until pruned.
    #[pallet::storage]
    pub type Jobs<T: Config> = StorageMap<_, Twox64Concat, JobId, Job<T>>;

    /// Revealed outputs of pending jobs.
    #[pallet::storage]
    pub type Reveals<T: Config> =
        StorageDoubleMap<_, Twox64Concat, JobId, Blake2_128Concat, T::AccountId, RevealOf<T>>;

    /// Agreed outputs of completed jobs, until pruned.
    #[pallet::storage]
    pub type Results<T: Config> = StorageMap<_, Twox64Concat, JobId, OutputOf<T>>;

    /// Jobs whose commit deadline passed at the end of the previous block, by block.
    #[pallet::storage]
    pub type CommitQueue<T: Config> = StorageMap<
        _,
        Twox64Concat,
        BlockNumberFor<T>,
        BoundedVec<JobId, T::MaxJobsPerBlock>,
        ValueQuery,
    >;

    /// Jobs whose reveal deadline passed at the end of the previous block, by block.
    #[pallet::storage]
    pub type RevealQueue<T: Config> = StorageMap<
        _,
        Twox64Concat,
        BlockNumberFor<T>,
        BoundedVec<JobId, T::MaxJobsPerBlock>,
        ValueQuery,
    >;

    /// Jobs to prune, by block: the jobs created at one block (their slot is reserved at
    /// creation) and the escalations decided at one block.
    #[pallet::storage]
    pub type PruneQueue<T: Config> = StorageMap<
        _,
        Twox64Concat,
        BlockNumberFor<T>,
        BoundedVec<JobId, PruneQueueBound<T>>,
        ValueQuery,
    >;

    /// Jobs whose challenge window closed at the end of the previous block, by block: those
    /// still provisional become final. Every job reserves a slot at creation
    /// (`ChallengePeriod` blocks after its reveal deadline); a job provisional before its
    /// reveal deadline is also queued `ChallengePeriod` blocks after the block it became
    /// provisional in, when that slot has room (the reserved entry is then skipped). All the
    /// reserved entries of a slot are queued before any early one (the jobs that reserve slot
    /// `X` are created before block `X − ChallengePeriod − 1`, in which the last early entry
    /// for `X` can be queued, because a job is created before its reveal deadline), so at most
    /// `MaxJobsPerBlock` jobs become final per block.
    #[pallet::storage]
    pub type FinalityQueue<T: Config> = StorageMap<
        _,
        Twox64Concat,
        BlockNumberFor<T>,
        BoundedVec<JobId, T::MaxJobsPerBlock>,
        ValueQuery,
    >;

    /// The oldest `FinalityQueue` slot with jobs still to make final, when a block's hooks had
    /// too little weight left for all of them (`Pallet::finalize_due`); `None` when finality
    /// is up to date.
    #[pallet::storage]
    pub type FinalityLag<T: Config> = StorageValue<_, BlockNumberFor<T>, OptionQuery>;

    /// The challenge deadline of a job queued early in `FinalityQueue` (others have the reserved
    /// one, [`Job::challenge_deadline`]); removed when the job is pruned.
    #[pallet::storage]
    pub type ChallengeDeadlines<T: Config> =
        StorageMap<_, Twox64Concat, JobId, BlockNumberFor<T>, OptionQuery>;

    /// The validators' round of escalated jobs that started, until the job is pruned.
    #[pallet::storage]
    pub type Escalations<T: Config> = StorageMap<_, Twox64Concat, JobId, Escalation<T>>;

    /// Challenger and bond of challenged jobs, until the verdict.
    #[pallet::storage]
    pub type Challenges<T: Config> =
        StorageMap<_, Twox64Concat, JobId, (T::AccountId, BalanceOf<T>)>;

    /// Escalated jobs waiting for their validators' round, by position (see `BacklogRange`).
    #[pallet::storage]
    pub type EscalationBacklog<T: Config> = StorageMap<_, Twox64Concat, u32, JobId>;

    /// Positions `(first, end)` of the escalation backlog: entries `first..end` are queued.
    #[pallet::storage]
    pub type BacklogRange<T: Config> = StorageValue<_, (u32, u32), ValueQuery>;

    /// Escalations whose validators' reveal deadline passed at the end of the previous block,
    /// by block (at most `MaxEscalationsPerBlock` start per block, all with the same periods).
    #[pallet::storage]
    pub type VerdictQueue<T: Config> = StorageMap<
        _,
        Twox64Concat,
        BlockNumberFor<T>,
        BoundedVec<JobId, T::MaxEscalationsPerBlock>,
        ValueQuery,
    >;

    /// Retired models whose last pending job has ended: `on_idle` removes them and returns
    /// their deposits, as the block's spare weight allows (so that a block where many such
    /// jobs end stays within its weight).
    #[pallet::storage]
    pub type ModelsToRemove<T: Config> = StorageMap<_, Blake2_128Concat, ModelId, ()>;
}
