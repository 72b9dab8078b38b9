//! Errors: one for each way a caller's request can fail. What only a bug can cause is not an
//! error here but a `defensive!` failure at the place it would happen.

use frame_support::pallet_macros::pallet_section;

/// The pallet's errors, imported into [`crate::pallet`].
#[pallet_section]
mod errors {
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
        /// Only a provisional result can be challenged (not a pending, escalated or final
        /// job, nor a model validation).
        NotChallengeable,
        /// The job's challenge window is over.
        ChallengeWindowClosed,
        /// Too many escalations wait for the validators: new requests are refused for now;
        /// try again later.
        EscalationBacklogFull,
    }
}
