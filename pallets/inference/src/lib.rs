//! # Inference pallet
//!
//! Verifiable ML inference on chain: a model registry, paid inference requests executed
//! redundantly by staked workers, commit–reveal of outputs, on-chain comparison of the revealed
//! outputs and settlement (payment, refund, slashing) before anyone is paid.
//!
//! ## Roles
//! - **Workers** bond at least [`Config::MinWorkerBond`] with a fungible hold
//!   ([`HoldReason::WorkerBond`]) via [`Pallet::register_worker`]. A worker's node holds the
//!   worker's `infr` key ([`crypto`]); the worker *account* is the account of that sr25519 key
//!   (`AccountId32` from the public key), so the offchain worker can sign for it.
//!   [`Pallet::unregister_worker`] starts [`Config::UnbondingPeriod`]; a worker slashed below
//!   the minimum leaves the active set the same way. [`Pallet::withdraw_bond`] releases the bond.
//! - **Model owners** register a model ([`Pallet::register_model`]), paying a deposit that grows
//!   with the model's size, upload its chunks ([`Pallet::upload_chunk`]: bytes go to the offchain
//!   index, state keeps which chunks arrived), and then a committee of workers validates the
//!   model through the same commit–reveal protocol as requests.
//! - **Requesters** call [`Pallet::request_inference`]; the fee
//!   (royalty + replicas × worker fee) is held until settlement.
//!
//! ## Jobs, deadlines and settlement
//! Inference requests and model validations are both *jobs* ([`types::Job`]) with a list of
//! assigned workers, a commit deadline and a reveal deadline. Each assigned worker commits
//! `output_commitment(outputs, worker)` ([`inferchain_primitives::output_commitment`]), then
//! reveals the outputs. A job settles as soon as every committed worker has revealed after the
//! commit phase closed (or, for exact comparison, when one reveal matches every commitment), and
//! at the latest in the block after its reveal deadline. The largest group of agreeing workers
//! decides if it is a strict majority of the assigned workers (and has at least two members when
//! two or more workers are assigned). Two colluding workers out of three *are* a majority: the
//! protocol's security assumption is an honest majority among the drawn replicas.
//!
//! A worker that cannot execute an inference for a reason that depends on the model and the
//! inputs reveals the empty output [`EXECUTION_FAILED`]; a majority agreeing on it fails the
//! request with `ExecutionFailed` (workers paid, royalty refunded) so that requesters cannot
//! grief workers with inputs the model cannot process.
//!
//! Slashing (the slashed credit goes to [`Config::OnSlash`], burnt if `()`):
//! - revealed an output outside the winning group: [`Config::WrongResultSlash`];
//! - committed but never revealed (or revealed something not matching the commitment, which is
//!   rejected and therefore counts as not revealed): [`Config::NoRevealSlash`];
//! - never committed: [`Config::NoCommitSlash`].
//!
//! ## Randomness
//! Workers are drawn with `blake2_256(parent_hash ‖ job id ‖ round)` (see
//! [`Pallet::draw_workers`]). The author of the parent block can grind its block (choice and
//! order of transactions) to influence which workers the next block's jobs get; a requester who
//! is also a block author can therefore bias which workers serve its own requests. It cannot
//! choose workers outside the active set, and each drawn worker still needs an honest majority
//! to be paid, which bounds the value of grinding.
//!
//! ## Transactions from workers
//! [`Pallet::commit`] and [`Pallet::reveal`] are *authorized general transactions*
//! (`#[pallet::authorize]`): the call carries the worker's `infr` public key and a signature
//! over the batch; the authorization checks the signature and every item against state, so an
//! invalid batch is rejected at the pool and never enters a block, and a valid one pays no fee.
//! Workers build their batches concurrently, so an item may be overtaken before its batch is
//! included (typically: under exact comparison another worker's reveal already settled the
//! job). Overtaken items (`CommitClosed`, `RevealClosed`, `AlreadyCommitted`,
//! `AlreadyRevealed`) are skipped and the rest of the batch applies; a batch in which no item
//! applies is refused with the first item's error, so a batch cannot be replayed.
//!
//! ## Deadline slots
//! Jobs created in a block share three queue slots (commit deadline, reveal deadline, pruning)
//! of at most [`Config::MaxJobsPerBlock`] jobs each, which bounds the hooks' work per block.
//! When a block creates more jobs than that, the excess takes the next block's slots, i.e. gets
//! deadlines one block later, for up to [`MAX_DEADLINE_SPILL`] blocks; beyond that a request
//! fails with `JobQueueFull`.
//!
//! ## Weights
//! The hooks charge what they do: `settle_jobs` / `expire_jobs` per job plus every slash past
//! the benchmarked ones. A retired model whose last job ends is queued ([`ModelsToRemove`]) and
//! removed, its deposit returned, in `on_idle` as the block's spare weight allows.
//! A reveal is charged per item and per output byte; each byte also pays its share of the
//! settlement that will read and compare it (`settle_bytes`), so settling a job costs only its
//! per-job part whoever settles it: `settle_jobs` in the hook, [`Pallet::settle_weight`] in a
//! reveal (the settling reveal is never stored; each stored reveal read and each slash is
//! charged). Before dispatch every item is assumed to make the heaviest settlement; after
//! dispatch the batch is charged what it did ([`Pallet::reveal_weight`]). Requests are charged
//! for their actual replica count and active worker set. No per-worker index of jobs is kept:
//! offchain workers and the runtime API find a worker's jobs in the reveal queues of the next
//! blocks ([`Pallet::live_jobs`]), so creating and settling a job writes nothing per worker
//! beyond the workers' fees.
//! The runtime must put `frame_system::AuthorizeCall` first in its transaction extension
//! pipeline and implement `frame_system::offchain::CreateAuthorizedTransaction` for the offchain
//! worker.
//!
//! ## Node requirements
//! Chunk bytes and request inputs reach workers through the offchain index, so nodes that run
//! workers need offchain indexing and offchain workers enabled, the `infr` key of the worker in
//! their keystore, and an `InferenceHostExt` (from `inferchain-primitives`) registered for
//! offchain workers. Genesis models are not in the offchain index: the node must put their
//! chunks in offchain persistent storage under `chunk_key(model_id, index)`.
//!
//! ## Runtime configuration constraints
//! Checked by `integrity_test`: `1 <= ValidationReplicas <= MaxReplicas <= 255`,
//! `MaxOutputBytes > MAX_MODEL_INFO_BYTES`, `UnbondingPeriod` longer than the longest job
//! (`CommitPeriod + RevealPeriod + MAX_DEADLINE_SPILL + 1`, so an unbonding worker's jobs have
//! all ended when its bond can be withdrawn). Benchmarks also assume
//! `CommitPeriod >= MaxBatch / MaxJobsPerBlock`. A chunk upload (`MAX_CHUNK_BYTES`) and a
//! reveal batch of `MaxRevealBatchBytes` (the offchain worker splits larger ones) must fit the
//! block length and weight.
//!
//! ## Example runtime configuration
//! ```ignore
//! parameter_types! {
//!     pub const InferenceRejectionFee: Perbill = Perbill::from_percent(10);
//!     pub const InferenceWrongSlash: Perbill = Perbill::from_percent(20);
//!     pub const InferenceNoRevealSlash: Perbill = Perbill::from_percent(10);
//!     pub const InferenceNoCommitSlash: Perbill = Perbill::from_percent(5);
//! }
//! impl pallet_inference::Config for Runtime {
//!     type RuntimeHoldReason = RuntimeHoldReason;
//!     type Currency = Balances;
//!     type OnSlash = (); // burn
//!     type WeightInfo = pallet_inference::weights::SubstrateWeight<Runtime>;
//!     type MinWorkerBond = ConstU128<{ 100 * UNIT }>;
//!     type UnbondingPeriod = ConstU32<{ 1 * DAYS }>;
//!     type MaxWorkers = ConstU32<256>;
//!     type MaxReplicas = ConstU32<5>;
//!     type ValidationReplicas = ConstU32<3>;
//!     type ModelDepositBase = ConstU128<{ 10 * UNIT }>;
//!     type ModelDepositPerByte = ConstU128<{ UNIT / 100_000 }>;
//!     type RejectionFee = InferenceRejectionFee;
//!     type MaxNameLen = ConstU32<64>;
//!     type MaxDescriptionLen = ConstU32<1024>;
//!     type MaxInputBytes = ConstU32<{ 64 * 1024 }>;
//!     type MaxOutputBytes = ConstU32<{ 32 * 1024 }>;
//!     type MaxBatch = ConstU32<8>;
//!     type MaxRevealBatchBytes = ConstU32<{ 1024 * 1024 }>;
//!     type MaxJobsPerBlock = ConstU32<8>;
//!     type CommitPeriod = ConstU32<10>;
//!     type RevealPeriod = ConstU32<10>;
//!     type ResultRetention = ConstU32<600>;
//!     type BaseWorkerFee = ConstU128<{ UNIT / 100 }>;
//!     type FeePerCostUnit = ConstU128<1>;
//!     type FeePerInputByte = ConstU128<{ UNIT / 1_000_000 }>;
//!     type WrongResultSlash = InferenceWrongSlash;
//!     type NoRevealSlash = InferenceNoRevealSlash;
//!     type NoCommitSlash = InferenceNoCommitSlash;
//!     type WorkerTxPriority = ConstU64<{ TransactionPriority::MAX / 2 }>;
//! }
//! ```
#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod migrations;
#[cfg(test)]
mod mock;
pub mod offchain;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use types::*;
pub use weights::WeightInfo;

use alloc::vec::Vec;
use codec::{Decode, DecodeAll, Encode};
use frame_support::{
    pallet_prelude::*,
    traits::{
        fungible::{self, BalancedHold, Inspect, MutateHold},
        tokens::{Fortitude, Precision, Restriction},
        Imbalance, OnUnbalanced,
    },
};
use frame_system::pallet_prelude::BlockNumberFor;
use inferchain_primitives::{
    compare,
    limits::{MAX_CHUNKS, MAX_CHUNK_BYTES, MAX_COST, MAX_MODEL_BYTES},
    model::MAX_MODEL_INFO_BYTES,
    offchain_keys::{chunk_key, request_inputs_key},
    output_commitment, ExecutionPolicy, ModelId, ModelInfo, TensorMap,
};
use sp_core::H256;
use sp_runtime::{
    traits::{Saturating, Zero},
    transaction_validity::{
        InvalidTransaction, TransactionValidityError, TransactionValidityWithRefund,
        ValidTransaction,
    },
    Perbill, RuntimeAppPublic, SaturatedConversion,
};

/// Key type of the workers' `infr` keys.
pub const KEY_TYPE: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"infr");

/// Signing context of a commit batch.
pub const COMMIT_CONTEXT: &[u8] = b"inferchain/commit";
/// The output a worker reveals for an inference it could not execute for a reason that does
/// not depend on its node (the engine rejected the inputs or the execution failed): the empty
/// encoding, which is never a valid tensor map. A majority agreeing on it fails the request
/// with [`FailureReason::ExecutionFailed`] instead of punishing workers for inputs a requester
/// chose.
pub const EXECUTION_FAILED: &[u8] = &[];

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
}

/// Log target of this pallet.
pub const LOG_TARGET: &str = "runtime::inference";

/// Balance type of the pallet's currency.
pub type BalanceOf<T> =
    <<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// Negative imbalance (credit) of the pallet's currency, produced by slashes.
pub type CreditOf<T> =
    fungible::Credit<<T as frame_system::Config>::AccountId, <T as Config>::Currency>;

/// Why a worker was slashed.
#[derive(
    Encode,
    Decode,
    codec::DecodeWithMemTracking,
    MaxEncodedLen,
    scale_info::TypeInfo,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
)]
pub enum Offence {
    /// Revealed an output outside the winning majority.
    WrongResult,
    /// Committed but did not reveal (a valid opening) before the reveal deadline.
    NoReveal,
    /// Did not commit before the commit deadline.
    NoCommit,
}

#[frame_support::pallet]
pub mod pallet {
    use super::*;
    use frame_system::pallet_prelude::*;

    /// The in-code storage version.
    const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

    #[pallet::pallet]
    #[pallet::storage_version(STORAGE_VERSION)]
    pub struct Pallet<T>(_);

    /// Configuration of the pallet.
    #[pallet::config]
    pub trait Config:
        frame_system::Config<AccountId: From<sp_core::sr25519::Public>>
        + frame_system::offchain::CreateAuthorizedTransaction<Call<Self>>
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
        /// longer than a job's lifetime (`CommitPeriod + RevealPeriod + MAX_DEADLINE_SPILL + 1`):
        /// a worker leaving the active set is drawn for no new job, so its jobs have all ended
        /// when the bond can be withdrawn.
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
        StorageDoubleMap<_, Twox64Concat, JobId, Blake2_128Concat, T::AccountId, OutputOf<T>>;

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

    /// Jobs to prune, by block.
    #[pallet::storage]
    pub type PruneQueue<T: Config> = StorageMap<
        _,
        Twox64Concat,
        BlockNumberFor<T>,
        BoundedVec<JobId, T::MaxJobsPerBlock>,
        ValueQuery,
    >;

    /// Retired models whose last pending job has ended: `on_idle` removes them and returns
    /// their deposits, as the block's spare weight allows (so that a block where many such
    /// jobs end stays within its weight).
    #[pallet::storage]
    pub type ModelsToRemove<T: Config> = StorageMap<_, Blake2_128Concat, ModelId, ()>;

    /// Genesis configuration.
    #[pallet::genesis_config]
    #[derive(frame_support::DefaultNoBound)]
    pub struct GenesisConfig<T: Config> {
        /// Workers and their bonds (held from their free balance, which must exist).
        pub workers: Vec<(T::AccountId, BalanceOf<T>)>,
        /// Models registered as `Active`, without deposit.
        pub models: Vec<GenesisModel<T::AccountId, BalanceOf<T>>>,
    }

    #[pallet::genesis_build]
    impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
        fn build(&self) {
            for (who, bond) in &self.workers {
                assert!(
                    *bond >= T::MinWorkerBond::get(),
                    "genesis worker bond below minimum"
                );
                Pallet::<T>::do_register_worker(who, *bond)
                    .expect("genesis worker must be registrable");
            }
            for m in &self.models {
                let info = ModelInfo::decode(&mut &m.info[..]).expect("genesis model info decodes");
                let policy =
                    ModelPolicy::decode(&mut &m.policy[..]).expect("genesis model policy decodes");
                Pallet::<T>::check_policy(&policy).expect("genesis model policy is valid");
                assert!(Pallet::<T>::usable(&info), "genesis model info is usable");
                let chunk_hashes: ChunkHashes = m
                    .chunk_hashes
                    .clone()
                    .try_into()
                    .expect("genesis chunk count within limit");
                assert_eq!(
                    Pallet::<T>::expected_chunks(m.size).ok(),
                    Some(chunk_hashes.len() as u32),
                    "genesis chunk count matches size"
                );
                assert!(
                    !Models::<T>::contains_key(m.model_id),
                    "duplicate genesis model"
                );
                let mut received = ChunkBitmap::default();
                for i in 0..chunk_hashes.len() as u32 {
                    set_bit(&mut received, i);
                }
                let model = Model::<T> {
                    owner: m.owner.clone(),
                    name: m
                        .name
                        .clone()
                        .try_into()
                        .expect("genesis model name within limit"),
                    description: Default::default(),
                    size: m.size,
                    received_count: chunk_hashes.len() as u32,
                    chunk_hashes,
                    received,
                    policy,
                    price: m.price,
                    deposit: Zero::zero(),
                    status: ModelStatus::Active,
                    info: Some(info),
                    pending: 0,
                };
                Models::<T>::insert(m.model_id, model);
            }
        }
    }

    /// Events of the pallet.
    #[pallet::event]
    #[pallet::generate_deposit(pub(super) fn deposit_event)]
    pub enum Event<T: Config> {
        /// A worker registered with a bond.
        WorkerRegistered {
            /// The worker account.
            worker: T::AccountId,
            /// The bond held.
            bond: BalanceOf<T>,
        },
        /// A worker increased its bond.
        BondIncreased {
            /// The worker account.
            worker: T::AccountId,
            /// The new total bond.
            bond: BalanceOf<T>,
        },
        /// A worker left the active set; its bond can be withdrawn from block `until`.
        WorkerUnbonding {
            /// The worker account.
            worker: T::AccountId,
            /// First block in which the bond can be withdrawn.
            until: BlockNumberFor<T>,
        },
        /// A worker was slashed below the minimum bond and removed from the active set.
        WorkerRemoved {
            /// The worker account.
            worker: T::AccountId,
            /// First block in which the rest of the bond can be withdrawn.
            until: BlockNumberFor<T>,
        },
        /// A worker withdrew its bond and is no longer registered.
        BondWithdrawn {
            /// The former worker account.
            worker: T::AccountId,
            /// The amount released.
            amount: BalanceOf<T>,
        },
        /// A worker was slashed.
        WorkerSlashed {
            /// The worker account.
            worker: T::AccountId,
            /// The job concerned.
            job_id: JobId,
            /// What the worker did wrong.
            offence: Offence,
            /// The amount slashed from the bond.
            amount: BalanceOf<T>,
        },
        /// A model was registered; its chunks can be uploaded.
        ModelRegistered {
            /// The model.
            model_id: ModelId,
            /// Its owner.
            owner: T::AccountId,
            /// Size in bytes.
            size: u32,
            /// Number of chunks.
            chunks: u32,
            /// Deposit held from the owner.
            deposit: BalanceOf<T>,
        },
        /// A chunk of a model was uploaded (to the offchain index).
        ChunkUploaded {
            /// The model.
            model_id: ModelId,
            /// The chunk index.
            index: u32,
        },
        /// All chunks arrived; the validation job started.
        ModelValidationStarted {
            /// The model.
            model_id: ModelId,
            /// The validation job.
            job_id: JobId,
            /// The workers validating it.
            committee: BoundedVec<T::AccountId, T::MaxReplicas>,
        },
        /// The committee validated the model; requests are accepted.
        ModelActivated {
            /// The model.
            model_id: ModelId,
            /// Its estimated cost per inference.
            cost: u64,
        },
        /// The model was rejected; `fee` was kept from the deposit.
        ModelRejected {
            /// The model.
            model_id: ModelId,
            /// Why.
            reason: RejectReason,
            /// Part of the deposit paid to the committee.
            fee: BalanceOf<T>,
        },
        /// The owner changed the royalty.
        ModelPriceSet {
            /// The model.
            model_id: ModelId,
            /// The new royalty.
            price: BalanceOf<T>,
        },
        /// The owner retired the model.
        ModelRetired {
            /// The model.
            model_id: ModelId,
        },
        /// The model record was removed and the deposit returned.
        ModelRemoved {
            /// The model.
            model_id: ModelId,
            /// The deposit released to the owner.
            deposit_returned: BalanceOf<T>,
        },
        /// An inference was requested.
        InferenceRequested {
            /// The job.
            job_id: JobId,
            /// The model.
            model_id: ModelId,
            /// Who pays.
            requester: T::AccountId,
            /// The fee held.
            fee: BalanceOf<T>,
            /// The assigned workers.
            workers: BoundedVec<T::AccountId, T::MaxReplicas>,
        },
        /// A worker committed to its outputs for a job.
        Committed {
            /// The job.
            job_id: JobId,
            /// The worker.
            worker: T::AccountId,
        },
        /// A worker revealed its outputs for a job.
        Revealed {
            /// The job.
            job_id: JobId,
            /// The worker.
            worker: T::AccountId,
        },
        /// A job completed with the agreed outputs (canonical tensor map of an inference, SCALE
        /// `ValidationOutcome` of a validation).
        InferenceCompleted {
            /// The job.
            job_id: JobId,
            /// The agreed output encoding.
            outputs: OutputOf<T>,
            /// The workers in the agreeing majority.
            agreeing: BoundedVec<T::AccountId, T::MaxReplicas>,
        },
        /// Fees of a completed inference were paid and the rest refunded.
        FeesPaid {
            /// The job.
            job_id: JobId,
            /// Royalty paid to the model owner.
            royalty: BalanceOf<T>,
            /// Total paid to the agreeing workers.
            worker_fee: BalanceOf<T>,
            /// Returned to the requester.
            refunded: BalanceOf<T>,
        },
        /// A job failed; the requester was refunded in full.
        InferenceFailed {
            /// The job.
            job_id: JobId,
            /// Why.
            reason: FailureReason,
        },
        /// No worker committed before the deadline; the requester was refunded in full.
        InferenceExpired {
            /// The job.
            job_id: JobId,
        },
        /// A final job and its result were pruned from state.
        JobPruned {
            /// The job.
            job_id: JobId,
        },
    }

    /// Errors of the pallet.
    #[pallet::error]
    pub enum Error<T> {
        /// The account is already a registered worker.
        AlreadyWorker,
        /// The bond is below `MinWorkerBond`.
        BondTooLow,
        /// The active set is full.
        TooManyWorkers,
        /// The account is not a registered worker.
        NotWorker,
        /// The worker is not in the active set.
        NotActiveWorker,
        /// The worker is still active: call `unregister_worker` first.
        NotUnbonding,
        /// The unbonding period has not ended.
        UnbondingNotOver,
        /// The balance is too low for the hold.
        InsufficientBalance,
        /// A model with this id is registered.
        ModelExists,
        /// No model with this id.
        ModelNotFound,
        /// Only the owner can do this.
        NotModelOwner,
        /// The size is zero or above `MAX_MODEL_BYTES`.
        BadModelSize,
        /// The number of chunk hashes does not match the size.
        BadChunkCount,
        /// The replica count is zero or above `MaxReplicas`, or a tolerance is unreasonably
        /// large.
        BadPolicy,
        /// The chunk index is out of range.
        BadChunkIndex,
        /// The chunk has the wrong length for its index.
        BadChunkSize,
        /// The chunk does not hash to its declared hash.
        ChunkHashMismatch,
        /// The chunk was already uploaded.
        ChunkAlreadyUploaded,
        /// The model is not accepting uploads.
        NotUploading,
        /// The model is not active.
        ModelNotActive,
        /// The model is being validated.
        ModelValidating,
        /// The model is retired or rejected.
        ModelClosed,
        /// The inputs are not a valid canonical tensor map.
        BadInputs,
        /// The inputs do not match the model's input schema.
        InputsSchemaMismatch,
        /// The fee quote exceeds `max_fee`.
        FeeAboveMax,
        /// Fewer active workers than the replicas to draw.
        NotEnoughWorkers,
        /// Too many jobs were created in this block.
        JobQueueFull,
        /// No job with this id.
        JobNotFound,
        /// The worker is not assigned to the job.
        NotAssigned,
        /// Commitments are not accepted for this job now.
        CommitClosed,
        /// The worker already committed.
        AlreadyCommitted,
        /// Another worker already submitted this commitment (copied commitments are refused).
        DuplicateCommitment,
        /// Reveals are not accepted for this job now.
        RevealClosed,
        /// The worker did not commit.
        NotCommitted,
        /// The worker already revealed.
        AlreadyRevealed,
        /// The revealed outputs do not match the commitment.
        CommitmentMismatch,
        /// The revealed outputs are not a valid encoding.
        BadOutputs,
        /// The batch is empty.
        EmptyBatch,
        /// The batch names a job twice.
        DuplicateInBatch,
        /// Only a model whose validation was inconclusive or got no response can be
        /// validated again.
        NotRevalidatable,
        /// An arithmetic overflow.
        Overflow,
    }

    #[pallet::hooks]
    impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
        fn on_initialize(now: BlockNumberFor<T>) -> Weight {
            Self::process_queues(now)
        }

        fn on_idle(_now: BlockNumberFor<T>, remaining: Weight) -> Weight {
            Self::remove_retired_models(remaining)
        }

        fn offchain_worker(now: BlockNumberFor<T>) {
            crate::offchain::run::<T>(now);
        }

        fn integrity_test() {
            assert!(T::MaxReplicas::get() >= 1, "MaxReplicas must be at least 1");
            assert!(
                T::MaxReplicas::get() <= u8::MAX as u32,
                "MaxReplicas must fit a u8"
            );
            assert!(
                T::ValidationReplicas::get() >= 1
                    && T::ValidationReplicas::get() <= T::MaxReplicas::get(),
                "ValidationReplicas must be in 1..=MaxReplicas"
            );
            assert!(
                T::MaxOutputBytes::get() > MAX_MODEL_INFO_BYTES,
                "MaxOutputBytes must hold a validation outcome"
            );
            assert!(T::MaxJobsPerBlock::get() >= 1);
            assert!(T::MaxBatch::get() >= 1);
            assert!(!T::CommitPeriod::get().is_zero());
            assert!(!T::RevealPeriod::get().is_zero());
            assert!(
                T::UnbondingPeriod::get() > Self::longest_job(),
                "UnbondingPeriod must outlast a job"
            );
        }

        #[cfg(feature = "try-runtime")]
        fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
            Self::do_try_state()
        }
    }

    #[pallet::call(weight(<T as Config>::WeightInfo))]
    impl<T: Config> Pallet<T> {
        /// Registers the caller as a worker, holding `bond` (at least `MinWorkerBond`).
        ///
        /// The caller's node must hold the caller's key as an `infr` key.
        #[pallet::call_index(0)]
        pub fn register_worker(origin: OriginFor<T>, bond: BalanceOf<T>) -> DispatchResult {
            let who = ensure_signed(origin)?;
            ensure!(bond >= T::MinWorkerBond::get(), Error::<T>::BondTooLow);
            Self::do_register_worker(&who, bond)?;
            Self::deposit_event(Event::WorkerRegistered { worker: who, bond });
            Ok(())
        }

        /// Adds `amount` to an active worker's bond.
        #[pallet::call_index(1)]
        pub fn bond_extra(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let mut worker = Workers::<T>::get(&who).ok_or(Error::<T>::NotWorker)?;
            ensure!(
                worker.status == WorkerStatus::Active,
                Error::<T>::NotActiveWorker
            );
            T::Currency::hold(&HoldReason::WorkerBond.into(), &who, amount)
                .map_err(|_| Error::<T>::InsufficientBalance)?;
            worker.bond = worker.bond.saturating_add(amount);
            let bond = worker.bond;
            Workers::<T>::insert(&who, worker);
            Self::deposit_event(Event::BondIncreased { worker: who, bond });
            Ok(())
        }

        /// Leaves the active set; the bond can be withdrawn after `UnbondingPeriod` (by then
        /// every job the worker was drawn for has ended).
        #[pallet::call_index(2)]
        pub fn unregister_worker(origin: OriginFor<T>) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let worker = Workers::<T>::get(&who).ok_or(Error::<T>::NotWorker)?;
            ensure!(
                worker.status == WorkerStatus::Active,
                Error::<T>::NotActiveWorker
            );
            let until = Self::start_unbonding(&who, worker);
            Self::deposit_event(Event::WorkerUnbonding { worker: who, until });
            Ok(())
        }

        /// Releases the bond of an unbonding worker whose period is over, and forgets the
        /// worker.
        #[pallet::call_index(3)]
        pub fn withdraw_bond(origin: OriginFor<T>) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let worker = Workers::<T>::get(&who).ok_or(Error::<T>::NotWorker)?;
            let WorkerStatus::Unbonding(until) = worker.status else {
                return Err(Error::<T>::NotUnbonding.into());
            };
            ensure!(
                frame_system::Pallet::<T>::block_number() >= until,
                Error::<T>::UnbondingNotOver
            );
            let amount = T::Currency::release_all(
                &HoldReason::WorkerBond.into(),
                &who,
                Precision::BestEffort,
            )?;
            Workers::<T>::remove(&who);
            Self::deposit_event(Event::BondWithdrawn {
                worker: who,
                amount,
            });
            Ok(())
        }

        /// Registers a model: its id (blake2-256 of the ONNX bytes), size, the blake2-256 hash of
        /// each chunk (`MAX_CHUNK_BYTES` each, the last one shorter), name, description,
        /// policy and royalty. Holds `ModelDepositBase + ModelDepositPerByte * size`.
        #[pallet::call_index(4)]
        #[pallet::weight(T::WeightInfo::register_model(chunk_hashes.len() as u32))]
        #[allow(clippy::too_many_arguments)]
        pub fn register_model(
            origin: OriginFor<T>,
            model_id: ModelId,
            size: u32,
            chunk_hashes: ChunkHashes,
            name: BoundedVec<u8, T::MaxNameLen>,
            description: BoundedVec<u8, T::MaxDescriptionLen>,
            policy: ModelPolicy,
            price: BalanceOf<T>,
        ) -> DispatchResult {
            let who = ensure_signed(origin)?;
            ensure!(
                !Models::<T>::contains_key(model_id),
                Error::<T>::ModelExists
            );
            let chunks = Self::expected_chunks(size)?;
            ensure!(
                chunk_hashes.len() as u32 == chunks,
                Error::<T>::BadChunkCount
            );
            Self::check_policy(&policy)?;
            let deposit = Self::model_deposit(size);
            T::Currency::hold(&HoldReason::ModelDeposit.into(), &who, deposit)
                .map_err(|_| Error::<T>::InsufficientBalance)?;
            let received: ChunkBitmap = alloc::vec![0u8; chunks.div_ceil(8) as usize]
                .try_into()
                .map_err(|_| Error::<T>::BadChunkCount)?;
            Models::<T>::insert(
                model_id,
                Model::<T> {
                    owner: who.clone(),
                    name,
                    description,
                    size,
                    chunk_hashes,
                    received,
                    received_count: 0,
                    policy,
                    price,
                    deposit,
                    status: ModelStatus::Uploading,
                    info: None,
                    pending: 0,
                },
            );
            Self::deposit_event(Event::ModelRegistered {
                model_id,
                owner: who,
                size,
                chunks,
                deposit,
            });
            Ok(())
        }

        /// Uploads chunk `index` of a model. The bytes go to the offchain index under
        /// `chunk_key(model_id, index)`; state records that the chunk arrived. The last missing
        /// chunk starts the model's validation. Anyone may upload (the hash authenticates the
        /// bytes).
        #[pallet::call_index(5)]
        #[pallet::weight(T::WeightInfo::upload_chunk(bytes.len() as u32)
            .max(Pallet::<T>::upload_final_chunk_weight(bytes.len() as u32, T::MaxWorkers::get())))]
        pub fn upload_chunk(
            origin: OriginFor<T>,
            model_id: ModelId,
            index: u32,
            bytes: BoundedVec<u8, ConstU32<MAX_CHUNK_BYTES>>,
        ) -> DispatchResultWithPostInfo {
            ensure_signed(origin)?;
            let mut model = Models::<T>::get(model_id).ok_or(Error::<T>::ModelNotFound)?;
            ensure!(
                model.status == ModelStatus::Uploading,
                Error::<T>::NotUploading
            );
            let expected_hash = *model
                .chunk_hashes
                .get(index as usize)
                .ok_or(Error::<T>::BadChunkIndex)?;
            ensure!(
                !get_bit(&model.received, index),
                Error::<T>::ChunkAlreadyUploaded
            );
            ensure!(
                bytes.len() as u32 == Self::chunk_len(model.size, index),
                Error::<T>::BadChunkSize
            );
            ensure!(
                H256(sp_io::hashing::blake2_256(&bytes)) == expected_hash,
                Error::<T>::ChunkHashMismatch
            );
            set_bit(&mut model.received, index);
            model.received_count = model.received_count.saturating_add(1);
            sp_io::offchain_index::set(&chunk_key(&model_id, index), &bytes);
            Self::deposit_event(Event::ChunkUploaded { model_id, index });
            let complete = model.received_count as usize == model.chunk_hashes.len();
            if complete {
                Self::start_validation(model_id, model)?;
                Ok(Some(Self::upload_final_chunk_weight(
                    bytes.len() as u32,
                    ActiveWorkers::<T>::decode_len().unwrap_or(0) as u32,
                ))
                .into())
            } else {
                Models::<T>::insert(model_id, model);
                Ok(Some(T::WeightInfo::upload_chunk(bytes.len() as u32)).into())
            }
        }

        /// Sets the royalty of a model (owner only).
        #[pallet::call_index(6)]
        pub fn set_price(
            origin: OriginFor<T>,
            model_id: ModelId,
            price: BalanceOf<T>,
        ) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let mut model = Models::<T>::get(model_id).ok_or(Error::<T>::ModelNotFound)?;
            ensure!(model.owner == who, Error::<T>::NotModelOwner);
            ensure!(
                !matches!(
                    model.status,
                    ModelStatus::Retired | ModelStatus::Rejected(_)
                ),
                Error::<T>::ModelClosed
            );
            model.price = price;
            Models::<T>::insert(model_id, model);
            Self::deposit_event(Event::ModelPriceSet { model_id, price });
            Ok(())
        }

        /// Retires a model (owner only): no new requests; the deposit is returned and the
        /// record removed now if no request is pending, else in `on_idle` once the last one
        /// has ended. A model still uploading is removed at
        /// once; a rejected model's record is removed.
        #[pallet::call_index(7)]
        #[pallet::weight(T::WeightInfo::retire_model(MAX_CHUNKS))]
        pub fn retire_model(origin: OriginFor<T>, model_id: ModelId) -> DispatchResultWithPostInfo {
            let who = ensure_signed(origin)?;
            let mut model = Models::<T>::get(model_id).ok_or(Error::<T>::ModelNotFound)?;
            ensure!(model.owner == who, Error::<T>::NotModelOwner);
            let chunks = model.chunk_hashes.len() as u32;
            match model.status {
                ModelStatus::Validating(_) => return Err(Error::<T>::ModelValidating.into()),
                ModelStatus::Retired => return Err(Error::<T>::ModelClosed.into()),
                ModelStatus::Uploading | ModelStatus::Rejected(_) => {
                    Self::deposit_event(Event::ModelRetired { model_id });
                    Self::remove_model(model_id, &model);
                }
                ModelStatus::Active => {
                    model.status = ModelStatus::Retired;
                    Self::deposit_event(Event::ModelRetired { model_id });
                    if model.pending == 0 {
                        Self::remove_model(model_id, &model);
                    } else {
                        Models::<T>::insert(model_id, model);
                    }
                }
            }
            Ok(Some(T::WeightInfo::retire_model(chunks)).into())
        }

        /// Requests an inference of an active model on `inputs` (a canonical tensor map
        /// encoding matching the model's inputs). Holds the quoted fee, which must not exceed
        /// `max_fee`, and draws the model's replica count of distinct workers.
        #[pallet::call_index(8)]
        #[pallet::weight(Pallet::<T>::request_weight(
            inputs.len() as u32,
            T::MaxWorkers::get(),
            T::MaxReplicas::get(),
            MAX_DEADLINE_SPILL,
        ))]
        pub fn request_inference(
            origin: OriginFor<T>,
            model_id: ModelId,
            inputs: BoundedVec<u8, T::MaxInputBytes>,
            max_fee: BalanceOf<T>,
        ) -> DispatchResultWithPostInfo {
            let who = ensure_signed(origin)?;
            let inputs_len = inputs.len() as u32;
            let mut model = Models::<T>::get(model_id).ok_or(Error::<T>::ModelNotFound)?;
            ensure!(
                model.status == ModelStatus::Active,
                Error::<T>::ModelNotActive
            );
            let info = model.info.as_ref().ok_or(Error::<T>::ModelNotActive)?;
            let map = TensorMap::decode_checked(&inputs).map_err(|_| Error::<T>::BadInputs)?;
            info.check_inputs(&map)
                .map_err(|_| Error::<T>::InputsSchemaMismatch)?;
            let canonical = map.canonical_bytes();
            let input_len = u32::try_from(canonical.len()).map_err(|_| Error::<T>::BadInputs)?;
            let quote = Self::quote_model(&model, input_len).ok_or(Error::<T>::Overflow)?;
            ensure!(quote.total <= max_fee, Error::<T>::FeeAboveMax);
            let id = Self::next_job_id()?;
            let replicas = model.policy.replicas as u32;
            let workers = Self::draw_workers(id, replicas)?;
            T::Currency::hold(&HoldReason::RequestFee.into(), &who, quote.total)
                .map_err(|_| Error::<T>::InsufficientBalance)?;
            let spilled = Self::create_job(
                id,
                model_id,
                JobKind::Inference {
                    requester: who.clone(),
                    royalty: quote.royalty,
                    worker_fee: quote.worker_fee,
                },
                workers.clone(),
                input_len,
            )?;
            model.pending = model.pending.checked_add(1).ok_or(Error::<T>::Overflow)?;
            Models::<T>::insert(model_id, model);
            sp_io::offchain_index::set(&request_inputs_key(id), &canonical);
            Self::deposit_event(Event::InferenceRequested {
                job_id: id,
                model_id,
                requester: who,
                fee: quote.total,
                workers,
            });
            let active = ActiveWorkers::<T>::decode_len().unwrap_or(0) as u32;
            Ok(Some(Self::request_weight(inputs_len, active, replicas, spilled)).into())
        }

        /// Commits a batch of output commitments of one worker (an authorized transaction:
        /// signed by the worker's `infr` key, feeless, checked at the pool).
        ///
        /// Items that another transaction overtook (the job settled, the phase closed, the
        /// item was already applied) are skipped; the batch fails only if no item applies,
        /// with the first such item's error. `signature` signs `(COMMIT_CONTEXT, worker,
        /// items)` SCALE-encoded.
        #[pallet::call_index(9)]
        #[pallet::weight(T::WeightInfo::commit(items.len() as u32))]
        #[pallet::authorize(Pallet::<T>::authorize_commit)]
        #[pallet::weight_of_authorize(T::WeightInfo::authorize_commit(items.len() as u32))]
        pub fn commit(
            origin: OriginFor<T>,
            worker: crypto::Public,
            items: CommitBatchOf<T>,
            signature: crypto::Signature,
        ) -> DispatchResult {
            ensure_authorized(origin)?;
            let _ = signature;
            let account = Self::account_of(&worker);
            let now = frame_system::Pallet::<T>::block_number();
            Self::check_batch_ids(items.iter().map(|(id, _)| *id))?;
            let mut batch = BatchOutcome::<T>::default();
            for (id, commitment) in items {
                let result = Self::do_commit(&account, id, commitment, now);
                batch.record(result.map(|()| None), 0)?;
            }
            Ok(batch.finish()?)
        }

        /// Reveals a batch of outputs of one worker (an authorized transaction: signed by the
        /// worker's `infr` key, feeless, checked at the pool). Each output must open the
        /// worker's commitment. A job settles as soon as nothing more can change its outcome.
        ///
        /// Items that another transaction overtook (typically: another worker's reveal
        /// already settled the job) are skipped; the batch fails only if no item applies, with
        /// the first such item's error. `signature` signs `(REVEAL_CONTEXT, worker, items)`
        /// SCALE-encoded.
        #[pallet::call_index(10)]
        #[pallet::weight(Pallet::<T>::reveal_weight_bound(items))]
        #[pallet::authorize(Pallet::<T>::authorize_reveal)]
        #[pallet::weight_of_authorize(Pallet::<T>::authorize_reveal_weight(items))]
        pub fn reveal(
            origin: OriginFor<T>,
            worker: crypto::Public,
            items: RevealBatchOf<T>,
            signature: crypto::Signature,
        ) -> DispatchResultWithPostInfo {
            ensure_authorized(origin)?;
            let _ = signature;
            let account = Self::account_of(&worker);
            let now = frame_system::Pallet::<T>::block_number();
            Self::check_batch_ids(items.iter().map(|(id, _)| *id))?;
            let mut batch = BatchOutcome::<T>::default();
            for (id, output) in items {
                let len = output.len() as u32;
                batch.record(Self::do_reveal(&account, id, output, now), len)?;
            }
            batch.finish()?;
            Ok(Some(Self::reveal_weight(
                batch.applied,
                batch.bytes,
                batch.settle_weight,
                batch.skipped,
            ))
            .into())
        }

        /// Starts a new validation of a model whose validation was inconclusive or got no
        /// response (owner only), holding the deposit again. The chunks are still in the
        /// offchain index, so nothing is uploaded again.
        #[pallet::call_index(11)]
        #[pallet::weight(T::WeightInfo::revalidate(T::MaxWorkers::get())
            .saturating_add(Pallet::<T>::spill_reads()))]
        pub fn revalidate(origin: OriginFor<T>, model_id: ModelId) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let mut model = Models::<T>::get(model_id).ok_or(Error::<T>::ModelNotFound)?;
            ensure!(model.owner == who, Error::<T>::NotModelOwner);
            ensure!(
                matches!(
                    model.status,
                    ModelStatus::Rejected(RejectReason::Inconclusive | RejectReason::NoResponse)
                ),
                Error::<T>::NotRevalidatable
            );
            let deposit = Self::model_deposit(model.size);
            T::Currency::hold(&HoldReason::ModelDeposit.into(), &who, deposit)
                .map_err(|_| Error::<T>::InsufficientBalance)?;
            model.deposit = deposit;
            Self::start_validation(model_id, model)
        }
    }
}

/// Reads bit `i` of a chunk bitmap.
fn get_bit(bitmap: &ChunkBitmap, i: u32) -> bool {
    bitmap
        .get((i / 8) as usize)
        .map(|b| b & (1u8 << (i % 8)) != 0)
        .unwrap_or(false)
}

/// Sets bit `i` of a chunk bitmap, growing it if needed (within its bound).
fn set_bit(bitmap: &mut ChunkBitmap, i: u32) {
    let byte = (i / 8) as usize;
    while bitmap.len() <= byte {
        if bitmap.try_push(0).is_err() {
            return;
        }
    }
    if let Some(b) = bitmap.get_mut(byte) {
        *b |= 1u8 << (i % 8);
    }
}

/// Maps a dispatch error of this pallet to a pool rejection with the error's index as code.
fn invalid<T: Config>(e: Error<T>) -> TransactionValidityError {
    let code = e.encode().first().copied().unwrap_or(u8::MAX);
    TransactionValidityError::Invalid(InvalidTransaction::Custom(code))
}

/// Whether a batch item failed only because another transaction overtook it (the job
/// settled, the phase closed or the item was already applied): such items are skipped.
fn overtaken<T: Config>(e: &Error<T>) -> bool {
    matches!(
        e,
        Error::<T>::CommitClosed
            | Error::<T>::RevealClosed
            | Error::<T>::AlreadyCommitted
            | Error::<T>::AlreadyRevealed
    )
}

/// Tally of the items of a commit or reveal batch.
struct BatchOutcome<T: Config> {
    /// Items applied.
    applied: u32,
    /// Weight of settling the jobs that applied items settled.
    settle_weight: Weight,
    /// Output bytes of applied items.
    bytes: u32,
    /// Overtaken items skipped.
    skipped: u32,
    /// Why the first skipped item was skipped.
    first_skip: Option<Error<T>>,
}

impl<T: Config> Default for BatchOutcome<T> {
    fn default() -> Self {
        Self {
            applied: 0,
            settle_weight: Weight::zero(),
            bytes: 0,
            skipped: 0,
            first_skip: None,
        }
    }
}

impl<T: Config> BatchOutcome<T> {
    /// Records one item's result (`Ok(Some(settlement))` if it settled a job); any error but
    /// an overtaken item fails the batch.
    fn record(
        &mut self,
        result: Result<Option<Settlement>, Error<T>>,
        bytes: u32,
    ) -> Result<(), Error<T>> {
        match result {
            Ok(settled) => {
                self.applied = self.applied.saturating_add(1);
                self.bytes = self.bytes.saturating_add(bytes);
                if let Some(settlement) = settled {
                    self.settle_weight = self
                        .settle_weight
                        .saturating_add(Pallet::<T>::settle_weight(&settlement));
                }
                Ok(())
            }
            Err(e) if overtaken(&e) => {
                self.skipped = self.skipped.saturating_add(1);
                self.first_skip.get_or_insert(e);
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Fails the batch with the first skipped item's error if no item applied.
    fn finish(&mut self) -> Result<(), Error<T>> {
        if self.applied > 0 {
            return Ok(());
        }
        Err(self.first_skip.take().unwrap_or(Error::<T>::EmptyBatch))
    }
}

impl<T: Config> Pallet<T> {
    // ---------------------------------------------------------------- workers

    /// Holds `bond` from `who` and adds it to the active set.
    pub(crate) fn do_register_worker(who: &T::AccountId, bond: BalanceOf<T>) -> DispatchResult {
        ensure!(!Workers::<T>::contains_key(who), Error::<T>::AlreadyWorker);
        ActiveWorkers::<T>::try_mutate(|set| set.try_push(who.clone()))
            .map_err(|_| Error::<T>::TooManyWorkers)?;
        T::Currency::hold(&HoldReason::WorkerBond.into(), who, bond)
            .map_err(|_| Error::<T>::InsufficientBalance)?;
        Workers::<T>::insert(
            who,
            Worker::<T> {
                bond,
                status: WorkerStatus::Active,
            },
        );
        Ok(())
    }

    /// Moves a worker out of the active set into unbonding; returns the end of the period.
    fn start_unbonding(who: &T::AccountId, mut worker: Worker<T>) -> BlockNumberFor<T> {
        let until =
            frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingPeriod::get());
        worker.status = WorkerStatus::Unbonding(until);
        Workers::<T>::insert(who, worker);
        ActiveWorkers::<T>::mutate(|set| set.retain(|w| w != who));
        until
    }

    /// The worker account of an `infr` key.
    pub fn account_of(key: &crypto::Public) -> T::AccountId {
        T::AccountId::from(sp_core::sr25519::Public::from(key.clone()))
    }

    /// Slashes `fraction` of a worker's bond for `offence` on job `id`; removes the worker from
    /// the active set if its bond falls below the minimum. Returns whether it slashed.
    pub(crate) fn slash_worker(
        who: &T::AccountId,
        id: JobId,
        offence: Offence,
        fraction: Perbill,
    ) -> bool {
        let Some(mut worker) = Workers::<T>::get(who) else {
            return false;
        };
        let amount = fraction.mul_floor(worker.bond);
        if amount.is_zero() {
            return false;
        }
        let (credit, _missing) = <T::Currency as BalancedHold<T::AccountId>>::slash(
            &HoldReason::WorkerBond.into(),
            who,
            amount,
        );
        let slashed = credit.peek();
        T::OnSlash::on_unbalanced(credit);
        worker.bond = worker.bond.saturating_sub(slashed);
        Self::deposit_event(Event::WorkerSlashed {
            worker: who.clone(),
            job_id: id,
            offence,
            amount: slashed,
        });
        if worker.status == WorkerStatus::Active && worker.bond < T::MinWorkerBond::get() {
            let until = Self::start_unbonding(who, worker);
            Self::deposit_event(Event::WorkerRemoved {
                worker: who.clone(),
                until,
            });
        } else {
            Workers::<T>::insert(who, worker);
        }
        true
    }

    /// Draws `count` distinct workers of the active set for job `id`.
    ///
    /// Randomness: `blake2_256(parent_hash ‖ id ‖ round)`; see the crate documentation for
    /// what a block author can bias. Reads only the active set.
    pub fn draw_workers(id: JobId, count: u32) -> Result<DrawnWorkersOf<T>, Error<T>> {
        ensure!(
            (1..=T::MaxReplicas::get()).contains(&count),
            Error::<T>::BadPolicy
        );
        let mut candidates: Vec<T::AccountId> = ActiveWorkers::<T>::get().into_inner();
        let parent = frame_system::Pallet::<T>::parent_hash();
        let mut chosen: BoundedVec<T::AccountId, T::MaxReplicas> = BoundedVec::new();
        let mut round: u32 = 0;
        while (chosen.len() as u32) < count {
            if candidates.is_empty() {
                return Err(Error::<T>::NotEnoughWorkers);
            }
            let seed =
                (b"inferchain/draw", parent, id, round).using_encoded(sp_io::hashing::blake2_256);
            round = round.saturating_add(1);
            let r = seed
                .first_chunk::<8>()
                .map(|c| u64::from_le_bytes(*c))
                .unwrap_or_default();
            let idx = (r % candidates.len() as u64) as usize;
            // The active set holds only active workers (checked by `do_try_state`).
            let who = candidates.swap_remove(idx);
            chosen.try_push(who).map_err(|_| Error::<T>::BadPolicy)?;
        }
        Ok(chosen)
    }

    // ---------------------------------------------------------------- models

    /// Number of chunks of a model of `size` bytes.
    pub fn expected_chunks(size: u32) -> Result<u32, Error<T>> {
        ensure!(
            (1..=MAX_MODEL_BYTES).contains(&size),
            Error::<T>::BadModelSize
        );
        Ok(size.div_ceil(MAX_CHUNK_BYTES))
    }

    /// Length of chunk `index` of a model of `size` bytes.
    fn chunk_len(size: u32, index: u32) -> u32 {
        let start = index.saturating_mul(MAX_CHUNK_BYTES);
        size.saturating_sub(start).min(MAX_CHUNK_BYTES)
    }

    /// Deposit of a model of `size` bytes.
    pub fn model_deposit(size: u32) -> BalanceOf<T> {
        T::ModelDepositBase::get()
            .saturating_add(T::ModelDepositPerByte::get().saturating_mul(size.into()))
    }

    /// Checks a model policy.
    pub(crate) fn check_policy(policy: &ModelPolicy) -> Result<(), Error<T>> {
        ensure!(
            policy.replicas >= 1 && (policy.replicas as u32) <= T::MaxReplicas::get(),
            Error::<T>::BadPolicy
        );
        if let ExecutionPolicy::Tolerance { abs, rel } = policy.execution {
            // Tolerances above 1e9 (absolute) or 100% (relative) make comparison meaningless.
            let unit = inferchain_primitives::policy::TOLERANCE_UNIT;
            ensure!(
                abs <= unit.saturating_mul(unit) && rel <= unit,
                Error::<T>::BadPolicy
            );
        }
        Ok(())
    }

    /// Whether a validated schema can be used by the chain.
    ///
    /// Besides non-empty inputs and outputs and a cost within `MAX_COST`, the canonical
    /// encoding of the model's inputs must fit `MaxInputBytes` and that of its outputs
    /// `MaxOutputBytes`: otherwise no request could be made, or no worker could reveal, and
    /// every request would end with workers slashed for not committing.
    pub(crate) fn usable(info: &ModelInfo) -> bool {
        let fits = |specs: &inferchain_primitives::model::TensorSpecs, max: u32| {
            Self::encoded_bound(specs).is_some_and(|len| len <= max as u64)
        };
        !info.inputs.is_empty()
            && !info.outputs.is_empty()
            && info.cost <= MAX_COST
            && fits(&info.inputs, T::MaxInputBytes::get())
            && fits(&info.outputs, T::MaxOutputBytes::get())
    }

    /// Upper bound of the canonical encoding length of a tensor map with these specs
    /// (`None` on overflow).
    pub fn encoded_bound(specs: &inferchain_primitives::model::TensorSpecs) -> Option<u64> {
        // Map length prefix, then per tensor: name (prefix + bytes), dtype, shape (prefix +
        // 8 bytes per dimension), data (prefix + bytes). Compact prefixes take at most 5 bytes.
        let mut total: u64 = 5;
        for spec in specs.iter() {
            let elements = spec
                .shape
                .iter()
                .try_fold(1u64, |acc, d| acc.checked_mul(*d))?;
            let data = elements.checked_mul(spec.dtype.size_in_bytes())?;
            let overhead = 5u64
                .checked_add(spec.name.len() as u64)?
                .checked_add(1)?
                .checked_add(5)?
                .checked_add(8u64.checked_mul(spec.shape.len() as u64)?)?
                .checked_add(5)?;
            total = total.checked_add(overhead)?.checked_add(data)?;
        }
        Some(total)
    }

    /// Draws a validation committee for a completely uploaded model and starts its
    /// validation job.
    fn start_validation(model_id: ModelId, mut model: Model<T>) -> DispatchResult {
        let id = Self::next_job_id()?;
        let committee_size =
            T::ValidationReplicas::get().min(ActiveWorkers::<T>::decode_len().unwrap_or(0) as u32);
        ensure!(committee_size >= 1, Error::<T>::NotEnoughWorkers);
        let committee = Self::draw_workers(id, committee_size)?;
        Self::create_job(id, model_id, JobKind::Validation, committee.clone(), 0)?;
        model.status = ModelStatus::Validating(id);
        Models::<T>::insert(model_id, model);
        Self::deposit_event(Event::ModelValidationStarted {
            model_id,
            job_id: id,
            committee,
        });
        Ok(())
    }

    /// Removes a model record, returns its deposit and clears its chunks from the offchain
    /// index.
    fn remove_model(model_id: ModelId, model: &Model<T>) {
        let returned = T::Currency::release(
            &HoldReason::ModelDeposit.into(),
            &model.owner,
            model.deposit,
            Precision::BestEffort,
        )
        .unwrap_or_else(|_| Zero::zero());
        for i in 0..model.chunk_hashes.len() as u32 {
            sp_io::offchain_index::clear(&chunk_key(&model_id, i));
        }
        Models::<T>::remove(model_id);
        Self::deposit_event(Event::ModelRemoved {
            model_id,
            deposit_returned: returned,
        });
    }

    /// Fee quote for a request of `input_len` bytes of canonical inputs on `model`.
    pub fn quote_model(model: &Model<T>, input_len: u32) -> Option<FeeQuote<BalanceOf<T>>> {
        let info = model.info.as_ref()?;
        let cost: BalanceOf<T> = info.cost.saturated_into();
        let worker_fee = T::BaseWorkerFee::get()
            .checked_add(&T::FeePerCostUnit::get().checked_mul(&cost)?)?
            .checked_add(&T::FeePerInputByte::get().checked_mul(&input_len.into())?)?;
        let replicas: BalanceOf<T> = (model.policy.replicas as u32).into();
        let total = model
            .price
            .checked_add(&worker_fee.checked_mul(&replicas)?)?;
        Some(FeeQuote {
            royalty: model.price,
            worker_fee,
            replicas: model.policy.replicas,
            total,
        })
    }

    // ---------------------------------------------------------------- jobs

    /// Allocates a job id.
    fn next_job_id() -> Result<JobId, Error<T>> {
        NextJobId::<T>::try_mutate(|next| {
            let id = *next;
            *next = next.checked_add(1).ok_or(Error::<T>::Overflow)?;
            Ok(id)
        })
    }

    /// Records a new job and queues it at its deadlines. Returns how many full deadline slots
    /// were skipped (each cost a read).
    fn create_job(
        id: JobId,
        model_id: ModelId,
        kind: JobKind<T>,
        workers: BoundedVec<T::AccountId, T::MaxReplicas>,
        input_len: u32,
    ) -> Result<u32, DispatchError> {
        let now = frame_system::Pallet::<T>::block_number();
        let one: BlockNumberFor<T> = 1u32.into();
        // The job's deadlines start from the first block, from now on, whose deadline queues
        // have room: a block may create more than `MaxJobsPerBlock` jobs, the excess gets
        // later deadlines. Every job started at a block uses the same three queue slots, so
        // the commit queue's length tells whether all three have room.
        let mut start = now;
        let mut skipped: u32 = 0;
        while CommitQueue::<T>::decode_len(
            start
                .saturating_add(T::CommitPeriod::get())
                .saturating_add(one),
        )
        .unwrap_or(0) as u32
            >= T::MaxJobsPerBlock::get()
        {
            ensure!(skipped < MAX_DEADLINE_SPILL, Error::<T>::JobQueueFull);
            skipped = skipped.saturating_add(1);
            start = start.saturating_add(one);
        }
        let commit_deadline = start.saturating_add(T::CommitPeriod::get());
        let reveal_deadline = commit_deadline.saturating_add(T::RevealPeriod::get());
        let after_reveal = reveal_deadline.saturating_add(one);
        CommitQueue::<T>::try_mutate(commit_deadline.saturating_add(one), |q| q.try_push(id))
            .map_err(|_| Error::<T>::JobQueueFull)?;
        RevealQueue::<T>::try_mutate(after_reveal, |q| q.try_push(id))
            .map_err(|_| Error::<T>::JobQueueFull)?;
        PruneQueue::<T>::try_mutate(
            after_reveal.saturating_add(T::ResultRetention::get()),
            |q| q.try_push(id),
        )
        .map_err(|_| Error::<T>::JobQueueFull)?;
        let mut slots: BoundedVec<Slot<T>, T::MaxReplicas> = BoundedVec::new();
        for w in workers {
            slots
                .try_push(Slot {
                    worker: w,
                    commitment: None,
                    revealed: false,
                    agreed: false,
                })
                .map_err(|_| Error::<T>::BadPolicy)?;
        }
        Jobs::<T>::insert(
            id,
            Job::<T> {
                model_id,
                kind,
                slots,
                created: now,
                commit_deadline,
                reveal_deadline,
                input_len,
                status: JobStatus::Pending,
            },
        );
        Ok(skipped)
    }

    /// Rejects batches that name a job twice.
    fn check_batch_ids(ids: impl Iterator<Item = JobId>) -> Result<(), Error<T>> {
        let mut seen: Vec<JobId> = ids.collect();
        ensure!(!seen.is_empty(), Error::<T>::EmptyBatch);
        let len = seen.len();
        seen.sort_unstable();
        seen.dedup();
        ensure!(seen.len() == len, Error::<T>::DuplicateInBatch);
        Ok(())
    }

    /// Weight of a request with `inputs` bytes of inputs among `workers` active workers that
    /// drew `replicas` workers, plus one read per full deadline slot skipped (`spilled`; the
    /// benchmark skips none).
    pub fn request_weight(inputs: u32, workers: u32, replicas: u32, spilled: u32) -> Weight {
        T::WeightInfo::request_inference(inputs, workers, replicas)
            .saturating_add(T::DbWeight::get().reads(spilled.into()))
    }

    /// Reads that finding a job's deadline slots may make beyond the benchmarks (every spill
    /// slot full).
    pub fn spill_reads() -> Weight {
        T::DbWeight::get().reads(MAX_DEADLINE_SPILL.into())
    }

    /// Weight of the upload that completes a model (`bytes` long, `workers` active workers).
    pub fn upload_final_chunk_weight(bytes: u32, workers: u32) -> Weight {
        T::WeightInfo::upload_final_chunk(bytes, workers).saturating_add(Self::spill_reads())
    }

    /// Total output bytes of a reveal batch (for weights).
    pub fn batch_bytes(items: &RevealBatchOf<T>) -> u32 {
        items
            .iter()
            .fold(0u32, |sum, (_, o)| sum.saturating_add(o.len() as u32))
    }

    /// Weight of a reveal batch that applied `applied` items with `bytes` output bytes in
    /// total, skipped `skipped` overtaken items and settled jobs worth `settle` (the sum of
    /// [`Pallet::settle_weight`] over the jobs it settled).
    ///
    /// Each revealed byte is charged its share of the settlement too (reading, comparing and
    /// storing outputs: `settle_bytes`), so settling a job costs only the per-job part
    /// whichever transaction or hook settles it.
    pub fn reveal_weight(applied: u32, bytes: u32, settle: Weight, skipped: u32) -> Weight {
        let above_zero = |f: fn(u32) -> Weight, x: u32| f(x).saturating_sub(f(0));
        T::WeightInfo::reveal(applied)
            .saturating_add(above_zero(T::WeightInfo::reveal_skipped, skipped))
            .saturating_add(above_zero(T::WeightInfo::reveal_bytes, bytes))
            .saturating_add(above_zero(T::WeightInfo::settle_bytes, bytes))
            .saturating_add(settle)
    }

    /// Weight of a settlement in a reveal: the per-job part (`settle_one`: the settling
    /// reveal in hand, payments, result), one `settle_stored` step per stored reveal read and
    /// one `slash_worker` per slash. The per-byte part is charged with each revealed byte.
    pub fn settle_weight(done: &Settlement) -> Weight {
        let stored = T::WeightInfo::settle_stored(done.stored)
            .saturating_sub(T::WeightInfo::settle_stored(0));
        T::WeightInfo::settle_one(done.replicas)
            .saturating_add(stored)
            .saturating_add(T::WeightInfo::slash_worker().saturating_mul(done.slashed.into()))
            .saturating_add(Self::model_removal_weight(done.model_queued))
    }

    /// Weight of queueing a retired model for removal with its last job (one write; the
    /// removal itself is charged in `on_idle`).
    fn model_removal_weight(queued: bool) -> Weight {
        if queued {
            T::DbWeight::get().writes(1)
        } else {
            Weight::zero()
        }
    }

    /// Weight a job the hook expired or settled used beyond its benchmark (`expire_jobs` or
    /// `settle_jobs`), which includes `benchmarked_slashes` slashes: further slashes and
    /// queueing a retired model for removal.
    fn hook_extra_weight(done: &Settlement, benchmarked_slashes: u32) -> Weight {
        let slashes = done.slashed.saturating_sub(benchmarked_slashes);
        T::WeightInfo::slash_worker()
            .saturating_mul(slashes.into())
            .saturating_add(Self::model_removal_weight(done.model_queued))
    }

    /// The hooks' heaviest block: `MaxJobsPerBlock` jobs expire, as many settle at their
    /// reveal deadline slashing every worker, as many are pruned, and every job queues a
    /// retired model for removal (removals happen in `on_idle`, within the spare weight).
    pub fn hooks_weight_bound() -> Weight {
        let jobs = T::MaxJobsPerBlock::get();
        let replicas = T::MaxReplicas::get();
        let worst = Settlement {
            replicas,
            stored: replicas,
            slashed: replicas,
            model_queued: true,
        };
        T::WeightInfo::on_initialize_idle()
            .saturating_add(T::WeightInfo::expire_jobs(jobs))
            .saturating_add(T::WeightInfo::settle_jobs(jobs))
            .saturating_add(T::WeightInfo::prune_jobs(jobs))
            .saturating_add(
                Self::hook_extra_weight(&worst, replicas)
                    .saturating_add(Self::hook_extra_weight(&worst, 1))
                    .saturating_mul(jobs.into()),
            )
    }

    /// The heaviest settlement a reveal can make: `MaxReplicas` replicas, all but the settling
    /// reveal stored, all but the settling worker slashed, the job's retired model queued for
    /// removal. (A reveal settles only when every
    /// committed worker revealed or its outputs open every commitment; the settling worker is
    /// slashed only if a majority without it decides, which leaves a majority unslashed.)
    pub fn settle_weight_bound() -> Weight {
        let replicas = T::MaxReplicas::get();
        Self::settle_weight(&Settlement {
            replicas,
            stored: replicas.saturating_sub(1),
            slashed: replicas.saturating_sub(1),
            model_queued: true,
        })
    }

    /// Weight charged before dispatching a reveal batch: every item applies and makes the
    /// heaviest settlement.
    pub fn reveal_weight_bound(items: &RevealBatchOf<T>) -> Weight {
        let n = items.len() as u32;
        let settle = Self::settle_weight_bound().saturating_mul(n.into());
        Self::reveal_weight(n, Self::batch_bytes(items), settle, 0)
    }

    /// Weight of checking a reveal batch at the pool.
    pub fn authorize_reveal_weight(items: &RevealBatchOf<T>) -> Weight {
        let bytes = Self::batch_bytes(items);
        T::WeightInfo::authorize_reveal(items.len() as u32).saturating_add(
            T::WeightInfo::authorize_reveal_bytes(bytes)
                .saturating_sub(T::WeightInfo::authorize_reveal_bytes(0)),
        )
    }

    /// Checks that `worker` may commit `commitment` to job `id` at block `now`.
    pub fn check_commit(
        worker: &T::AccountId,
        id: JobId,
        commitment: &H256,
        now: BlockNumberFor<T>,
    ) -> Result<(Job<T>, usize), Error<T>> {
        let req = Jobs::<T>::get(id).ok_or(Error::<T>::JobNotFound)?;
        let idx = req.slot_of(worker).ok_or(Error::<T>::NotAssigned)?;
        ensure!(req.commit_open(now), Error::<T>::CommitClosed);
        let slot = req.slots.get(idx).ok_or(Error::<T>::NotAssigned)?;
        ensure!(slot.commitment.is_none(), Error::<T>::AlreadyCommitted);
        ensure!(
            !req.slots
                .iter()
                .any(|s| s.commitment.as_ref() == Some(commitment)),
            Error::<T>::DuplicateCommitment
        );
        Ok((req, idx))
    }

    /// Records a commitment.
    fn do_commit(
        worker: &T::AccountId,
        id: JobId,
        commitment: H256,
        now: BlockNumberFor<T>,
    ) -> Result<(), Error<T>> {
        let (mut req, idx) = Self::check_commit(worker, id, &commitment, now)?;
        if let Some(slot) = req.slots.get_mut(idx) {
            slot.commitment = Some(commitment);
        }
        Jobs::<T>::insert(id, req);
        Self::deposit_event(Event::Committed {
            job_id: id,
            worker: worker.clone(),
        });
        Ok(())
    }

    /// Checks that `worker` may reveal `output` for job `id` at block `now`.
    pub fn check_reveal(
        worker: &T::AccountId,
        id: JobId,
        output: &[u8],
        now: BlockNumberFor<T>,
    ) -> Result<(Job<T>, usize), Error<T>> {
        let req = Jobs::<T>::get(id).ok_or(Error::<T>::JobNotFound)?;
        let idx = req.slot_of(worker).ok_or(Error::<T>::NotAssigned)?;
        ensure!(req.reveal_open(now), Error::<T>::RevealClosed);
        let slot = req.slots.get(idx).ok_or(Error::<T>::NotAssigned)?;
        let commitment = slot.commitment.ok_or(Error::<T>::NotCommitted)?;
        ensure!(!slot.revealed, Error::<T>::AlreadyRevealed);
        ensure!(
            output_commitment(output, &worker.encode()) == commitment,
            Error::<T>::CommitmentMismatch
        );
        match req.kind {
            JobKind::Inference { .. } => {
                if output != EXECUTION_FAILED {
                    TensorMap::decode_checked(output).map_err(|_| Error::<T>::BadOutputs)?;
                }
            }
            JobKind::Validation => {
                let _outcome = ValidationOutcome::decode_all(&mut &output[..])
                    .map_err(|_| Error::<T>::BadOutputs)?;
            }
        }
        Ok((req, idx))
    }

    /// Records a reveal and settles the job if nothing more can change its outcome; returns
    /// what the settlement did if it settled. A reveal that settles its job is never stored.
    fn do_reveal(
        worker: &T::AccountId,
        id: JobId,
        output: OutputOf<T>,
        now: BlockNumberFor<T>,
    ) -> Result<Option<Settlement>, Error<T>> {
        let (mut req, idx) = Self::check_reveal(worker, id, &output, now)?;
        if let Some(slot) = req.slots.get_mut(idx) {
            slot.revealed = true;
        }
        Self::deposit_event(Event::Revealed {
            job_id: id,
            worker: worker.clone(),
        });
        let exact = Self::policy_of(&req) == ExecutionPolicy::Exact;
        // Exact comparison: one reveal that opens every commitment decides.
        let opens_all = exact
            && req.all_committed()
            && req
                .slots
                .iter()
                .all(|s| s.commitment == Some(output_commitment(&output, &s.worker.encode())));
        if opens_all || req.all_committed_revealed() {
            Ok(Some(Self::settle(id, req, Some((idx, output)))))
        } else {
            Reveals::<T>::insert(id, worker, output);
            Jobs::<T>::insert(id, req);
            Ok(None)
        }
    }

    /// Execution policy used to compare a job's outputs.
    fn policy_of(req: &Job<T>) -> ExecutionPolicy {
        match req.kind {
            JobKind::Validation => ExecutionPolicy::Exact,
            JobKind::Inference { .. } => Models::<T>::get(req.model_id)
                .map(|m| m.policy.execution)
                .unwrap_or(ExecutionPolicy::Exact),
        }
    }

    /// Finds the largest agreeing group among the revealed outputs of a job.
    ///
    /// Returns the representative output and, per slot, whether the worker agrees with it.
    /// A slot agrees if it revealed an output that matches the representative under the
    /// policy (`compare(policy, output, representative)`), or — under `Exact` — if its
    /// commitment opens with the representative's bytes. Ties go to the earliest slot.
    pub fn largest_group(
        req: &Job<T>,
        reveals: &[(usize, OutputOf<T>)],
    ) -> Option<(OutputOf<T>, Vec<bool>)> {
        let policy = Self::policy_of(req);
        let maps: Vec<Option<TensorMap>> = match (&req.kind, policy) {
            (JobKind::Inference { .. }, ExecutionPolicy::Tolerance { .. }) => reveals
                .iter()
                .map(|(_, o)| TensorMap::decode_checked(o).ok())
                .collect(),
            _ => Vec::new(),
        };
        let mut best: Option<(usize, Vec<bool>, usize)> = None;
        for (c, (_, rep)) in reveals.iter().enumerate() {
            let mut members = alloc::vec![false; req.slots.len()];
            let mut count = 0usize;
            for (j, (slot_idx, out)) in reveals.iter().enumerate() {
                let agrees = if maps.is_empty() || out.is_empty() || rep.is_empty() {
                    // Exact comparison, or an execution failure (agrees only with itself).
                    out == rep
                } else {
                    match (
                        maps.get(j).and_then(|m| m.as_ref()),
                        maps.get(c).and_then(|m| m.as_ref()),
                    ) {
                        (Some(a), Some(b)) => compare(&policy, a, b).is_ok(),
                        _ => false,
                    }
                };
                if agrees {
                    if let Some(m) = members.get_mut(*slot_idx) {
                        *m = true;
                        count = count.saturating_add(1);
                    }
                }
            }
            if policy == ExecutionPolicy::Exact {
                for (i, s) in req.slots.iter().enumerate() {
                    if !s.revealed
                        && s.commitment == Some(output_commitment(rep, &s.worker.encode()))
                    {
                        if let Some(m) = members.get_mut(i) {
                            if !*m {
                                *m = true;
                                count = count.saturating_add(1);
                            }
                        }
                    }
                }
            }
            if best.as_ref().is_none_or(|(_, _, n)| count > *n) {
                best = Some((c, members, count));
            }
        }
        let (c, members, _) = best?;
        let (_, rep) = reveals.get(c)?;
        Some((rep.clone(), members))
    }

    /// Whether `group` agreeing workers out of `assigned` decide.
    pub fn is_majority(group: usize, assigned: usize) -> bool {
        group.saturating_mul(2) > assigned && (assigned < 2 || group >= 2)
    }

    /// Settles a pending job with the reveals it has: the stored ones and `in_hand` (the slot
    /// index and output of a reveal being applied, marked revealed but not stored). Returns
    /// what it did, for the weight.
    fn settle(id: JobId, mut req: Job<T>, mut in_hand: Option<(usize, OutputOf<T>)>) -> Settlement {
        let mut done = Settlement {
            replicas: req.slots.len() as u32,
            ..Default::default()
        };
        let mut reveals: Vec<(usize, OutputOf<T>)> = Vec::new();
        for (i, s) in req.slots.iter().enumerate().filter(|(_, s)| s.revealed) {
            let output = match in_hand.take_if(|(slot, _)| *slot == i) {
                Some((_, output)) => Some(output),
                None => {
                    let stored = Reveals::<T>::take(id, &s.worker);
                    done.stored = done.stored.saturating_add(1);
                    stored
                }
            };
            if let Some(output) = output {
                reveals.push((i, output));
            }
        }
        let group = Self::largest_group(&req, &reveals);
        let decided = group.as_ref().and_then(|(out, members)| {
            let n = members.iter().filter(|m| **m).count();
            Self::is_majority(n, req.slots.len()).then(|| (out.clone(), members.clone()))
        });
        // Slashes.
        for (i, s) in req.slots.iter().enumerate() {
            let agrees = decided
                .as_ref()
                .and_then(|(_, m)| m.get(i).copied())
                .unwrap_or(false);
            if agrees {
                continue;
            }
            if s.revealed {
                if decided.is_some()
                    && Self::slash_worker(
                        &s.worker,
                        id,
                        Offence::WrongResult,
                        T::WrongResultSlash::get(),
                    )
                {
                    done.slashed = done.slashed.saturating_add(1);
                }
            } else if s.commitment.is_some() {
                if Self::slash_worker(&s.worker, id, Offence::NoReveal, T::NoRevealSlash::get()) {
                    done.slashed = done.slashed.saturating_add(1);
                }
            } else if Self::slash_worker(&s.worker, id, Offence::NoCommit, T::NoCommitSlash::get())
            {
                done.slashed = done.slashed.saturating_add(1);
            }
        }
        match decided {
            Some((output, members)) => {
                for (s, m) in req.slots.iter_mut().zip(members.iter()) {
                    s.agreed = *m;
                }
                let agreeing: BoundedVec<T::AccountId, T::MaxReplicas> = req
                    .slots
                    .iter()
                    .zip(members.iter())
                    .filter(|(_, m)| **m)
                    .map(|(s, _)| s.worker.clone())
                    .collect::<Vec<_>>()
                    .try_into()
                    .unwrap_or_default();
                let failed = matches!(req.kind, JobKind::Inference { .. })
                    && output.as_slice() == EXECUTION_FAILED;
                match &req.kind {
                    JobKind::Inference {
                        requester,
                        royalty,
                        worker_fee,
                    } => {
                        // An agreed execution failure pays the workers but not the royalty.
                        let royalty = if failed { Zero::zero() } else { *royalty };
                        Self::pay(id, &req, requester, royalty, *worker_fee, &agreeing)
                    }
                    JobKind::Validation => {
                        Self::conclude_validation(req.model_id, Some(&output), &agreeing, false)
                    }
                }
                if failed {
                    req.status = JobStatus::Failed(FailureReason::ExecutionFailed);
                    Self::deposit_event(Event::InferenceFailed {
                        job_id: id,
                        reason: FailureReason::ExecutionFailed,
                    });
                } else {
                    req.status = JobStatus::Completed;
                    Results::<T>::insert(id, output.clone());
                    // A validation's outcome is reported by `ModelActivated`/`ModelRejected`.
                    if matches!(req.kind, JobKind::Inference { .. }) {
                        Self::deposit_event(Event::InferenceCompleted {
                            job_id: id,
                            outputs: output,
                            agreeing,
                        });
                    }
                }
            }
            None => {
                req.status = JobStatus::Failed(FailureReason::Inconclusive);
                match &req.kind {
                    JobKind::Inference { requester, .. } => {
                        Self::refund_all(id, &req, requester);
                        Self::deposit_event(Event::InferenceFailed {
                            job_id: id,
                            reason: FailureReason::Inconclusive,
                        });
                    }
                    JobKind::Validation => {
                        Self::conclude_validation(req.model_id, None, &[], false)
                    }
                }
            }
        }
        done.model_queued = Self::finalize(id, req);
        done
    }

    /// Expires a job nobody committed to; returns what it did (slashes, model removal).
    fn expire(id: JobId, mut req: Job<T>) -> Settlement {
        let mut done = Settlement {
            replicas: req.slots.len() as u32,
            ..Default::default()
        };
        for s in req.slots.iter() {
            if Self::slash_worker(&s.worker, id, Offence::NoCommit, T::NoCommitSlash::get()) {
                done.slashed = done.slashed.saturating_add(1);
            }
        }
        req.status = JobStatus::Expired;
        match &req.kind {
            JobKind::Inference { requester, .. } => {
                Self::refund_all(id, &req, requester);
                Self::deposit_event(Event::InferenceExpired { job_id: id });
            }
            JobKind::Validation => Self::conclude_validation(req.model_id, None, &[], true),
        }
        done.model_queued = Self::finalize(id, req);
        done
    }

    /// Total fee held for an inference job.
    fn held_fee(req: &Job<T>) -> BalanceOf<T> {
        match req.kind {
            JobKind::Inference {
                royalty,
                worker_fee,
                ..
            } => royalty.saturating_add(worker_fee.saturating_mul((req.slots.len() as u32).into())),
            JobKind::Validation => Zero::zero(),
        }
    }

    /// Pays the royalty and the agreeing workers' fees of a completed inference and refunds
    /// the rest.
    fn pay(
        id: JobId,
        req: &Job<T>,
        requester: &T::AccountId,
        royalty: BalanceOf<T>,
        worker_fee: BalanceOf<T>,
        agreeing: &[T::AccountId],
    ) {
        let reason: T::RuntimeHoldReason = HoldReason::RequestFee.into();
        let mut remaining = Self::held_fee(req);
        let owner = Models::<T>::get(req.model_id).map(|m| m.owner);
        let mut paid_royalty = Zero::zero();
        if let Some(owner) = owner {
            if let Ok(moved) = T::Currency::transfer_on_hold(
                &reason,
                requester,
                &owner,
                royalty,
                Precision::BestEffort,
                Restriction::Free,
                Fortitude::Force,
            ) {
                paid_royalty = moved;
                remaining = remaining.saturating_sub(moved);
            }
        }
        let mut paid_workers: BalanceOf<T> = Zero::zero();
        for w in agreeing {
            if let Ok(moved) = T::Currency::transfer_on_hold(
                &reason,
                requester,
                w,
                worker_fee,
                Precision::BestEffort,
                Restriction::Free,
                Fortitude::Force,
            ) {
                paid_workers = paid_workers.saturating_add(moved);
                remaining = remaining.saturating_sub(moved);
            }
        }
        let refunded = T::Currency::release(&reason, requester, remaining, Precision::BestEffort)
            .unwrap_or_else(|_| Zero::zero());
        Self::deposit_event(Event::FeesPaid {
            job_id: id,
            royalty: paid_royalty,
            worker_fee: paid_workers,
            refunded,
        });
    }

    /// Refunds the whole fee of an inference job.
    fn refund_all(_id: JobId, req: &Job<T>, requester: &T::AccountId) {
        let _ = T::Currency::release(
            &HoldReason::RequestFee.into(),
            requester,
            Self::held_fee(req),
            Precision::BestEffort,
        );
    }

    /// Applies the outcome of a model validation: `Some(outcome)` is the agreed encoding,
    /// `None` means no majority (`expired` if nobody committed).
    fn conclude_validation(
        model_id: ModelId,
        outcome: Option<&OutputOf<T>>,
        agreeing: &[T::AccountId],
        expired: bool,
    ) {
        let Some(mut model) = Models::<T>::get(model_id) else {
            return;
        };
        let decoded = outcome.and_then(|o| ValidationOutcome::decode_all(&mut &o[..]).ok());
        let reason = match decoded {
            Some(Ok(info)) if Self::usable(&info) => {
                let cost = info.cost;
                model.info = Some(info);
                model.status = ModelStatus::Active;
                Models::<T>::insert(model_id, model);
                Self::deposit_event(Event::ModelActivated { model_id, cost });
                return;
            }
            Some(Ok(_)) => RejectReason::Unusable,
            Some(Err(ValidationFailure::IdMismatch)) => RejectReason::IdMismatch,
            Some(Err(ValidationFailure::Invalid)) => RejectReason::Invalid,
            None if expired => RejectReason::NoResponse,
            None => RejectReason::Inconclusive,
        };
        let reason_hold: T::RuntimeHoldReason = HoldReason::ModelDeposit.into();
        // The committee is paid the rejection fee only when it agreed on a rejection.
        let mut fee_paid: BalanceOf<T> = Zero::zero();
        if decoded.is_some() && !agreeing.is_empty() {
            let fee = T::RejectionFee::get().mul_floor(model.deposit);
            let each = fee / (agreeing.len() as u32).into();
            for w in agreeing {
                if let Ok(moved) = T::Currency::transfer_on_hold(
                    &reason_hold,
                    &model.owner,
                    w,
                    each,
                    Precision::BestEffort,
                    Restriction::Free,
                    Fortitude::Force,
                ) {
                    fee_paid = fee_paid.saturating_add(moved);
                }
            }
        }
        let _ = T::Currency::release(
            &reason_hold,
            &model.owner,
            model.deposit.saturating_sub(fee_paid),
            Precision::BestEffort,
        );
        model.deposit = Zero::zero();
        model.status = ModelStatus::Rejected(reason);
        Models::<T>::insert(model_id, model);
        Self::deposit_event(Event::ModelRejected {
            model_id,
            reason,
            fee: fee_paid,
        });
    }

    /// Common end of a job: stores its final state and frees the model's pending count
    /// (removing a retired model when it was the last).
    /// Returns whether it queued the model for removal (`ModelsToRemove`, done in `on_idle`).
    fn finalize(id: JobId, req: Job<T>) -> bool {
        let mut queued = false;
        if let JobKind::Inference { .. } = req.kind {
            if let Some(mut model) = Models::<T>::get(req.model_id) {
                model.pending = model.pending.saturating_sub(1);
                if model.status == ModelStatus::Retired && model.pending == 0 {
                    ModelsToRemove::<T>::insert(req.model_id, ());
                    queued = true;
                }
                Models::<T>::insert(req.model_id, model);
            }
        }
        Jobs::<T>::insert(id, req);
        queued
    }

    /// Weight of removing one queued retired model in `on_idle`: what `retire_model` does for
    /// a model without pending jobs, at its largest chunk count, plus reading and removing the
    /// queue entry.
    pub fn queued_removal_weight() -> Weight {
        T::WeightInfo::retire_model(MAX_CHUNKS)
            .saturating_add(T::DbWeight::get().reads_writes(1, 1))
    }

    /// Removes queued retired models while `remaining` weight allows; returns the weight used.
    pub(crate) fn remove_retired_models(remaining: Weight) -> Weight {
        let per = Self::queued_removal_weight();
        // One read to find out whether anything is queued.
        let mut used = T::DbWeight::get().reads(1);
        if per.ref_time() == 0 || !used.all_lte(remaining) {
            return Weight::zero();
        }
        let fit = remaining
            .saturating_sub(used)
            .ref_time()
            .checked_div(per.ref_time())
            .unwrap_or(0);
        let proof_fit = remaining
            .saturating_sub(used)
            .proof_size()
            .checked_div(per.proof_size().max(1))
            .unwrap_or(0);
        let n = fit.min(proof_fit).min(u64::from(T::MaxJobsPerBlock::get()));
        let ids: Vec<ModelId> = ModelsToRemove::<T>::iter_keys().take(n as usize).collect();
        for model_id in ids {
            ModelsToRemove::<T>::remove(model_id);
            if let Some(model) = Models::<T>::get(model_id) {
                if model.status == ModelStatus::Retired && model.pending == 0 {
                    Self::remove_model(model_id, &model);
                }
            }
            used = used.saturating_add(per);
        }
        used
    }

    /// Processes the deadline and pruning queues of block `now`; returns the weight used.
    pub(crate) fn process_queues(now: BlockNumberFor<T>) -> Weight {
        let commits = CommitQueue::<T>::take(now);
        let reveals = RevealQueue::<T>::take(now);
        let prunes = PruneQueue::<T>::take(now);
        let mut weight = T::WeightInfo::on_initialize_idle();
        // Jobs that already settled in a reveal cost one read here; only the jobs this hook
        // expires or settles are charged the full benchmarked weight.
        let mut expired: u32 = 0;
        let mut settled: u32 = 0;
        let mut skipped: u64 = 0;
        // Beyond the benchmarks: slashes past the one `settle_jobs` includes per job (a job
        // may slash every worker) and retired models removed with their last job.
        let mut extra = Weight::zero();
        for id in commits.iter() {
            match Jobs::<T>::get(id) {
                Some(req)
                    if req.status == JobStatus::Pending
                        && req.slots.iter().all(|s| s.commitment.is_none()) =>
                {
                    let done = Self::expire(*id, req);
                    extra = extra.saturating_add(Self::hook_extra_weight(&done, done.replicas));
                    expired = expired.saturating_add(1);
                }
                Some(req) if req.status == JobStatus::Pending && req.all_committed_revealed() => {
                    // Everyone who committed revealed while others were still allowed to commit.
                    let done = Self::settle(*id, req, None);
                    extra = extra.saturating_add(Self::hook_extra_weight(&done, 1));
                    settled = settled.saturating_add(1);
                }
                _ => skipped = skipped.saturating_add(1),
            }
        }
        for id in reveals.iter() {
            match Jobs::<T>::get(id) {
                Some(req) if req.status == JobStatus::Pending => {
                    let done = Self::settle(*id, req, None);
                    extra = extra.saturating_add(Self::hook_extra_weight(&done, 1));
                    settled = settled.saturating_add(1);
                }
                _ => skipped = skipped.saturating_add(1),
            }
        }
        weight = weight
            .saturating_add(T::WeightInfo::expire_jobs(expired))
            .saturating_add(T::WeightInfo::settle_jobs(settled))
            .saturating_add(extra)
            .saturating_add(T::DbWeight::get().reads(skipped));
        for id in prunes.iter() {
            Self::prune(*id);
        }
        weight.saturating_add(T::WeightInfo::prune_jobs(prunes.len() as u32))
    }

    /// Removes a final job, its result and its indexed inputs.
    fn prune(id: JobId) {
        let Some(req) = Jobs::<T>::get(id) else {
            return;
        };
        if req.status == JobStatus::Pending {
            // Cannot happen: a job settles at its reveal deadline, before pruning.
            log::warn!(target: LOG_TARGET, "job {id} still pending at pruning");
            return;
        }
        Jobs::<T>::remove(id);
        Results::<T>::remove(id);
        if let JobKind::Inference { .. } = req.kind {
            sp_io::offchain_index::clear(&request_inputs_key(id));
        }
        Self::deposit_event(Event::JobPruned { job_id: id });
    }

    // ---------------------------------------------------------------- authorization

    /// The message a worker signs for a batch.
    pub fn signing_payload<I: Encode>(
        context: &[u8],
        worker: &crypto::Public,
        items: &I,
    ) -> Vec<u8> {
        (context, worker, items).encode()
    }

    /// Pool validation of [`Pallet::commit`].
    pub fn authorize_commit(
        _source: TransactionSource,
        worker: &crypto::Public,
        items: &CommitBatchOf<T>,
        signature: &crypto::Signature,
    ) -> TransactionValidityWithRefund {
        Self::authorize_batch(
            (COMMIT_CONTEXT, "InferenceCommit", T::CommitPeriod::get()),
            worker,
            items,
            signature,
            |account, now| {
                items
                    .iter()
                    .map(|(id, c)| (*id, Self::check_commit(account, *id, c, now).map(|_| ())))
                    .collect()
            },
        )
    }

    /// Pool validation of [`Pallet::reveal`].
    pub fn authorize_reveal(
        _source: TransactionSource,
        worker: &crypto::Public,
        items: &RevealBatchOf<T>,
        signature: &crypto::Signature,
    ) -> TransactionValidityWithRefund {
        Self::authorize_batch(
            (REVEAL_CONTEXT, "InferenceReveal", T::RevealPeriod::get()),
            worker,
            items,
            signature,
            |account, now| {
                items
                    .iter()
                    .map(|(id, o)| (*id, Self::check_reveal(account, *id, o, now).map(|_| ())))
                    .collect()
            },
        )
    }

    /// Pool validation shared by commit and reveal batches: `(context, tag, longevity)` name
    /// the signing context, the tag prefix and how long the transaction stays valid;
    /// `check_items` checks every item against state. Overtaken items are skipped, any other
    /// failure rejects the batch, and a batch with nothing to apply is rejected.
    fn authorize_batch<I: Encode>(
        (context, tag, longevity): (&[u8], &'static str, BlockNumberFor<T>),
        worker: &crypto::Public,
        items: &I,
        signature: &crypto::Signature,
        check_items: impl FnOnce(&T::AccountId, BlockNumberFor<T>) -> Vec<(JobId, Result<(), Error<T>>)>,
    ) -> TransactionValidityWithRefund {
        let payload = Self::signing_payload(context, worker, items);
        if !worker.verify(&payload, signature) {
            return Err(InvalidTransaction::BadProof.into());
        }
        let account = Self::account_of(worker);
        let now = frame_system::Pallet::<T>::block_number();
        let checked = check_items(&account, now);
        Self::check_batch_ids(checked.iter().map(|(id, _)| *id)).map_err(invalid::<T>)?;
        let mut builder = ValidTransaction::with_tag_prefix(tag)
            .priority(T::WorkerTxPriority::get())
            .longevity(longevity.saturated_into::<u64>().max(1))
            .propagate(true);
        let mut batch = BatchOutcome::<T>::default();
        for (id, result) in checked {
            if result.is_ok() {
                builder = builder.and_provides((&account, id));
            }
            batch
                .record(result.map(|()| None), 0)
                .map_err(invalid::<T>)?;
        }
        batch.finish().map_err(invalid::<T>)?;
        Ok((builder.build()?, Weight::zero()))
    }

    // ---------------------------------------------------------------- runtime API

    /// Runtime API: a model.
    pub fn model_view(model_id: ModelId) -> Option<ModelView<T::AccountId, BalanceOf<T>>> {
        let m = Models::<T>::get(model_id)?;
        Some(ModelView {
            owner: m.owner,
            name: m.name.into_inner(),
            description: m.description.into_inner(),
            size: m.size,
            chunks: m.chunk_hashes.len() as u32,
            chunks_received: m.received_count,
            policy: m.policy,
            price: m.price,
            deposit: m.deposit,
            status: m.status,
            info: m.info,
            pending: m.pending,
        })
    }

    /// Runtime API: a job.
    pub fn job_view(id: JobId) -> Option<JobView<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>> {
        let r = Jobs::<T>::get(id)?;
        let requester = match &r.kind {
            JobKind::Inference { requester, .. } => Some(requester.clone()),
            JobKind::Validation => None,
        };
        Some(JobView {
            model_id: r.model_id,
            requester,
            fee: Self::held_fee(&r),
            workers: r.slots.iter().map(|s| s.worker.clone()).collect(),
            committed: r.slots.iter().map(|s| s.commitment.is_some()).collect(),
            revealed: r.slots.iter().map(|s| s.revealed).collect(),
            agreed: r.slots.iter().map(|s| s.agreed).collect(),
            created: r.created,
            commit_deadline: r.commit_deadline,
            reveal_deadline: r.reveal_deadline,
            status: r.status,
            result: Results::<T>::get(id).map(|o| o.into_inner()),
        })
    }

    /// Runtime API: fee quote for `input_len` bytes of inputs on an active model.
    pub fn quote(model_id: ModelId, input_len: u32) -> Option<FeeQuote<BalanceOf<T>>> {
        let m = Models::<T>::get(model_id)?;
        if m.status != ModelStatus::Active {
            return None;
        }
        Self::quote_model(&m, input_len)
    }

    /// Most blocks from a job's creation to the block whose `on_initialize` settles it at the
    /// latest: `MAX_DEADLINE_SPILL + CommitPeriod + RevealPeriod + 1`.
    pub fn longest_job() -> BlockNumberFor<T> {
        T::CommitPeriod::get()
            .saturating_add(T::RevealPeriod::get())
            .saturating_add((MAX_DEADLINE_SPILL.saturating_add(1)).into())
    }

    /// Ids of the jobs that may still be pending after block `now`'s `on_initialize`, earliest
    /// reveal deadline first: every pending job is in the reveal queue of one of the next
    /// [`Pallet::longest_job`] blocks. Off-chain use only (offchain worker, runtime API,
    /// invariants): it reads every such queue.
    ///
    /// A runtime upgrade that shortens `CommitPeriod` or `RevealPeriod` (or
    /// `MAX_DEADLINE_SPILL`) while jobs are in flight would hide the later ones from offchain
    /// workers, which would then drop their stored outputs; such an upgrade needs a migration
    /// (or must wait until no job is pending).
    pub fn live_jobs(now: BlockNumberFor<T>) -> Vec<JobId> {
        let last = now.saturating_add(Self::longest_job());
        let mut ids = Vec::new();
        let mut at = now;
        while at < last {
            at = at.saturating_add(1u32.into());
            ids.extend(RevealQueue::<T>::get(at));
        }
        ids
    }

    /// Runtime API: jobs assigned to `worker` that are not final, and what
    /// it has to do now.
    pub fn pending_work(worker: &T::AccountId) -> Vec<PendingWork<BlockNumberFor<T>>> {
        let now = frame_system::Pallet::<T>::block_number();
        Self::live_jobs(now)
            .into_iter()
            .filter_map(|id| {
                let r = Jobs::<T>::get(id)?;
                if r.status != JobStatus::Pending {
                    return None;
                }
                let slot = r.slots.iter().find(|s| &s.worker == worker)?;
                let (next, deadline) = if slot.commitment.is_none() && r.commit_open(now) {
                    (WorkKind::Commit, r.commit_deadline)
                } else if slot.commitment.is_some() && !slot.revealed && r.reveal_open(now) {
                    (WorkKind::Reveal, r.reveal_deadline)
                } else {
                    (WorkKind::Wait, r.reveal_deadline)
                };
                Some(PendingWork {
                    job_id: id,
                    model_id: r.model_id,
                    validation: matches!(r.kind, JobKind::Validation),
                    next,
                    deadline,
                })
            })
            .collect()
    }

    // ---------------------------------------------------------------- invariants

    /// Checks the pallet's storage invariants.
    #[cfg(any(feature = "try-runtime", test))]
    pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
        use frame_support::traits::fungible::InspectHold;
        let active = ActiveWorkers::<T>::get();
        for w in active.iter() {
            let info = Workers::<T>::get(w).ok_or("active worker not registered")?;
            ensure!(
                info.status == WorkerStatus::Active,
                "active set holds a non-active worker"
            );
        }
        for (who, info) in Workers::<T>::iter() {
            let held = T::Currency::balance_on_hold(&HoldReason::WorkerBond.into(), &who);
            ensure!(held == info.bond, "worker bond differs from held amount");
            if info.status == WorkerStatus::Active {
                ensure!(
                    active.contains(&who),
                    "active worker missing from active set"
                );
            }
        }
        for (id, model) in Models::<T>::iter() {
            let done = model.status == ModelStatus::Retired && model.pending == 0;
            ensure!(
                done == ModelsToRemove::<T>::contains_key(id),
                "a retired model without pending jobs is not queued for removal, or the reverse"
            );
        }
        for id in ModelsToRemove::<T>::iter_keys() {
            ensure!(
                Models::<T>::contains_key(id),
                "a removed model is still queued"
            );
        }
        let now = frame_system::Pallet::<T>::block_number();
        let live: alloc::collections::BTreeSet<JobId> = Self::live_jobs(now).into_iter().collect();
        for (id, req) in Jobs::<T>::iter() {
            if req.status == JobStatus::Pending {
                ensure!(
                    live.contains(&id),
                    "pending job missing from the reveal queues"
                );
                for s in req.slots.iter() {
                    let worker = Workers::<T>::get(&s.worker).ok_or("job worker not registered")?;
                    if let WorkerStatus::Unbonding(until) = worker.status {
                        ensure!(
                            until > req.reveal_deadline,
                            "a worker can withdraw its bond before its job ends"
                        );
                    }
                }
            }
        }
        Ok(())
    }
}
