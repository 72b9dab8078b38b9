//! Events: one for each state change. Jobs of both kinds report `Committed`, `Revealed`,
//! `WorkerSlashed` and `JobPruned`; a model validation's outcome is reported by `Model*`
//! events only, and `Inference*` events speak only of inference requests.

use frame_support::pallet_macros::pallet_section;

/// The pallet's events, imported into [`crate::pallet`].
#[pallet_section]
mod events {
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
        /// Every member of an inference's committee agreed: the result is provisional until
        /// `challenge_deadline` (anyone may challenge it until then), final after it.
        InferenceProvisional {
            /// The job.
            job_id: JobId,
            /// The agreed output encoding (`None`: an agreed execution failure).
            outputs: Option<OutputOf<T>>,
            /// The committee members that agreed.
            agreeing: BoundedVec<T::AccountId, T::MaxReplicas>,
            /// Last block of the challenge window.
            challenge_deadline: BlockNumberFor<T>,
        },
        /// A provisional result was challenged (the bond is held until the verdict).
        Challenged {
            /// The job.
            job_id: JobId,
            /// Who challenged.
            challenger: T::AccountId,
            /// The bond held.
            bond: BalanceOf<T>,
        },
        /// A job was escalated to the validators (queued in the backlog).
        JobEscalated {
            /// The job.
            job_id: JobId,
            /// Disagreement in the committee, an absent member or a challenge.
            cause: EscalationCause,
        },
        /// The validators' round of an escalated job started.
        EscalationStarted {
            /// The job.
            job_id: JobId,
            /// The validators' worker accounts, each with a slot.
            validators: Vec<T::AccountId>,
            /// Last block of the validators' reveals; the verdict is in the next block.
            reveal_deadline: BlockNumberFor<T>,
        },
        /// The validators decided an escalated job.
        EscalationDecided {
            /// The job.
            job_id: JobId,
            /// The output more than two thirds of the validator set revealed (`None`: no
            /// supermajority, the requester was refunded).
            verdict: Option<RevealOf<T>>,
            /// For a challenged job: whether the provisional result stands (no committee member
            /// whose output made it is outside the verdict's tolerance).
            upheld: Option<bool>,
            /// The validators that revealed the verdict.
            agreeing: Vec<T::AccountId>,
        },
        /// The verdict rejected a challenge: the challenger's bond went to the accused workers.
        ChallengeRejected {
            /// The job.
            job_id: JobId,
            /// The challenger.
            challenger: T::AccountId,
            /// The bond forfeited.
            forfeited: BalanceOf<T>,
        },
        /// The verdict overturned a challenged result: the challenger got its bond back and a
        /// reward from the slashed stake.
        ChallengeUpheld {
            /// The job.
            job_id: JobId,
            /// The challenger.
            challenger: T::AccountId,
            /// The reward paid.
            reward: BalanceOf<T>,
        },
        /// A requester whose provisional result was overturned was compensated from the slashed
        /// stake.
        RequesterCompensated {
            /// The job.
            job_id: JobId,
            /// The requester.
            requester: T::AccountId,
            /// The compensation paid.
            amount: BalanceOf<T>,
        },
        /// An inference request is final with these outputs (a canonical tensor map).
        InferenceCompleted {
            /// The job.
            job_id: JobId,
            /// The agreed output encoding.
            outputs: OutputOf<T>,
            /// The committee members whose outputs agree with the final result.
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
        /// An inference request failed for good: nothing revealed, no validator supermajority
        /// (the requester was refunded in full) or an agreed execution failure (the workers
        /// were paid, the royalty refunded).
        InferenceFailed {
            /// The job.
            job_id: JobId,
            /// Why.
            reason: FailureReason,
        },
        /// No worker committed to an inference request before the deadline; the requester was
        /// refunded in full.
        InferenceExpired {
            /// The job.
            job_id: JobId,
        },
        /// A final job and its result were pruned from state.
        JobPruned {
            /// The job.
            job_id: JobId,
        },
        /// Every member of a model validation's committee agreed: the outcome (in `Results`) is
        /// provisional until `challenge_deadline` (anyone may challenge it until then); the
        /// model is activated or rejected after it (`ModelActivated`, `ModelRejected`).
        ValidationProvisional {
            /// The model.
            model_id: ModelId,
            /// The validation job.
            job_id: JobId,
            /// The committee members that agreed.
            agreeing: BoundedVec<T::AccountId, T::MaxReplicas>,
            /// Last block of the challenge window.
            challenge_deadline: BlockNumberFor<T>,
        },
    }
}
