//! Commit–reveal: what a worker may submit for a job, and when.
//!
//! Each drawn worker commits `output_commitment(outputs, worker)`
//! ([`inferchain_primitives::Reveal::commitment`]) before the commit deadline, then reveals a
//! [`Reveal`] — its outputs, or `ExecutionFailed` when the model cannot run on the job's
//! inputs — which must open its commitment, before the reveal deadline. Reveals open once the
//! commit phase has closed or everyone has committed, so nobody can copy a revealed answer in
//! time to commit to it; a commitment already submitted by another worker of the job is
//! refused (`DuplicateCommitment`), and a commitment binds the worker's account, so a copied
//! one never opens. A job settles (`settlement.rs`) as soon as nothing more can change its
//! outcome.
//!
//! An escalated job gets a second round with the same rules, in which every validator has a
//! slot ([`Round`], `disputes.rs`).
//!
//! [`Pallet::commit`] and [`Pallet::reveal`] are *authorized general transactions*
//! (`#[pallet::authorize]`): the call carries the worker's `infr` public key and a signature
//! over the batch; the authorization checks the signature and every item against state, so an
//! invalid batch is rejected at the pool and never enters a block, and a valid one pays no fee.
//! Workers build their batches concurrently, so an item may be overtaken before its batch is
//! included (typically: under exact comparison another worker's reveal already settled the
//! job). Overtaken items (`CommitClosed`, `RevealClosed`, `AlreadyCommitted`,
//! `AlreadyRevealed`) are skipped and the rest of the batch applies; a batch in which no item
//! applies is refused with the first item's error, so a batch cannot be replayed.

use crate::*;
use sp_runtime::transaction_validity::{
    InvalidTransaction, TransactionValidityError, TransactionValidityWithRefund, ValidTransaction,
};

impl<T: Config> Pallet<T> {
    /// Applies a commit batch of `worker`: every item that is not overtaken.
    pub(crate) fn apply_commits(
        worker: &T::AccountId,
        items: CommitBatchOf<T>,
    ) -> Result<BatchOutcome<T>, Error<T>> {
        let now = frame_system::Pallet::<T>::block_number();
        Self::check_batch_ids(items.iter().map(|(id, _)| *id))?;
        let mut batch = BatchOutcome::<T>::default();
        for (id, commitment) in items {
            let result = Self::do_commit(worker, id, commitment, now);
            batch.record(result.map(|()| None), 0)?;
        }
        batch.finish()?;
        Ok(batch)
    }

    /// Applies a reveal batch of `worker`: every item that is not overtaken, settling the jobs
    /// whose outcome nothing more can change.
    pub(crate) fn apply_reveals(
        worker: &T::AccountId,
        items: RevealBatchOf<T>,
    ) -> Result<BatchOutcome<T>, Error<T>> {
        let now = frame_system::Pallet::<T>::block_number();
        Self::check_batch_ids(items.iter().map(|(id, _)| *id))?;
        let mut batch = BatchOutcome::<T>::default();
        for (id, reveal) in items {
            let len = reveal.output_bytes().len() as u32;
            batch.record(Self::do_reveal(worker, id, reveal, now), len)?;
        }
        batch.finish()?;
        Ok(batch)
    }

    /// Rejects batches that name a job twice.
    pub(crate) fn check_batch_ids(ids: impl Iterator<Item = JobId>) -> Result<(), Error<T>> {
        let mut seen: Vec<JobId> = ids.collect();
        ensure!(!seen.is_empty(), Error::<T>::EmptyBatch);
        let len = seen.len();
        seen.sort_unstable();
        seen.dedup();
        ensure!(seen.len() == len, Error::<T>::DuplicateInBatch);
        Ok(())
    }

    /// Checks that `worker` may commit `commitment` to job `id` at block `now`, in the job's
    /// open round (the committee's, or the validators' once an escalation started).
    pub fn check_commit(
        worker: &T::AccountId,
        id: JobId,
        commitment: &H256,
        now: BlockNumberFor<T>,
    ) -> Result<(Round<T>, usize), Error<T>> {
        let round = Round::<T>::load(id)?;
        let idx = round.slot_of(worker).ok_or(Error::<T>::NotAssigned)?;
        // A validator without a worker registration has a slot in every escalation but no
        // bond that could answer for its vote: it counts as absent.
        ensure!(Workers::<T>::contains_key(worker), Error::<T>::NotWorker);
        ensure!(round.commit_open(now), Error::<T>::CommitClosed);
        let slot = round.slots().get(idx).ok_or(Error::<T>::NotAssigned)?;
        ensure!(slot.commitment.is_none(), Error::<T>::AlreadyCommitted);
        ensure!(
            !round
                .slots()
                .iter()
                .any(|s| s.commitment.as_ref() == Some(commitment)),
            Error::<T>::DuplicateCommitment
        );
        Ok((round, idx))
    }

    /// Records a commitment.
    pub(crate) fn do_commit(
        worker: &T::AccountId,
        id: JobId,
        commitment: H256,
        now: BlockNumberFor<T>,
    ) -> Result<(), Error<T>> {
        let (mut round, idx) = Self::check_commit(worker, id, &commitment, now)?;
        if let Some(slot) = round.slot_mut(idx) {
            slot.commitment = Some(commitment);
        }
        round.store(id);
        Self::deposit_event(Event::Committed {
            job_id: id,
            worker: worker.clone(),
        });
        Ok(())
    }

    /// Checks that `worker` may reveal `reveal` for job `id` at block `now`: it opens the
    /// worker's commitment in the job's open round, and its outputs decode as the job's kind
    /// requires (a validation cannot fail to execute).
    pub fn check_reveal(
        worker: &T::AccountId,
        id: JobId,
        reveal: &RevealOf<T>,
        now: BlockNumberFor<T>,
    ) -> Result<(Round<T>, usize), Error<T>> {
        let round = Round::<T>::load(id)?;
        let idx = round.slot_of(worker).ok_or(Error::<T>::NotAssigned)?;
        ensure!(round.reveal_open(now), Error::<T>::RevealClosed);
        let slot = round.slots().get(idx).ok_or(Error::<T>::NotAssigned)?;
        let commitment = slot.commitment.ok_or(Error::<T>::NotCommitted)?;
        ensure!(!slot.revealed, Error::<T>::AlreadyRevealed);
        ensure!(
            reveal.commitment(&worker.encode()) == commitment,
            Error::<T>::CommitmentMismatch
        );
        match (&round.job.kind, reveal) {
            (JobKind::Inference { .. }, Reveal::ExecutionFailed) => {}
            (JobKind::Inference { .. }, Reveal::Outputs(output)) => {
                TensorMap::decode_checked(output).map_err(|_| Error::<T>::BadOutputs)?;
            }
            (JobKind::Validation, Reveal::Outputs(output)) => {
                let _outcome = ValidationOutcome::decode_all(&mut &output[..])
                    .map_err(|_| Error::<T>::BadOutputs)?;
            }
            (JobKind::Validation, Reveal::ExecutionFailed) => {
                return Err(Error::<T>::BadOutputs);
            }
        }
        Ok((round, idx))
    }

    /// Records a reveal. In the committee's round, settles the job if nothing more can change
    /// its outcome and returns what the settlement did; a reveal that settles its job is
    /// handed to the settlement, which stores it if the job stays open to a challenge. In the
    /// validators' round the reveal is stored; the verdict is reached at the round's reveal
    /// deadline (`disputes.rs`), in the hook, whose weight is bounded per block.
    pub(crate) fn do_reveal(
        worker: &T::AccountId,
        id: JobId,
        reveal: RevealOf<T>,
        now: BlockNumberFor<T>,
    ) -> Result<Option<Settlement>, Error<T>> {
        let (mut round, idx) = Self::check_reveal(worker, id, &reveal, now)?;
        if let Some(slot) = round.slot_mut(idx) {
            slot.revealed = true;
        }
        Self::deposit_event(Event::Revealed {
            job_id: id,
            worker: worker.clone(),
        });
        if round.escalation.is_some() {
            Reveals::<T>::insert(id, worker, reveal);
            round.store(id);
            return Ok(None);
        }
        let job = round.job;
        let exact = Self::policy_of(&job) == ExecutionPolicy::Exact;
        // Exact comparison: one reveal that opens every commitment decides.
        let opens_all = exact
            && job.all_committed()
            && job
                .slots
                .iter()
                .all(|s| s.commitment == Some(reveal.commitment(&s.worker.encode())));
        if opens_all || job.all_committed_revealed() {
            Ok(Some(Self::settle(id, job, Some((idx, reveal)))))
        } else {
            Reveals::<T>::insert(id, worker, reveal);
            Jobs::<T>::insert(id, job);
            Ok(None)
        }
    }

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
pub(crate) struct BatchOutcome<T: Config> {
    /// Items applied.
    pub applied: u32,
    /// Weight of settling the jobs that applied items settled.
    pub settle_weight: Weight,
    /// Output bytes of applied items.
    pub bytes: u32,
    /// Overtaken items skipped.
    pub skipped: u32,
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

/// The round of a job that accepts commitments and reveals: the committee's while the job is
/// `Pending`, the validators' once the job's escalation started.
pub struct Round<T: Config> {
    /// The job.
    pub job: Job<T>,
    /// The validators' round, if the job is escalated and its round started.
    pub escalation: Option<Escalation<T>>,
}

impl<T: Config> Round<T> {
    /// Loads job `id` and its validators' round, if any.
    pub fn load(id: JobId) -> Result<Self, Error<T>> {
        let job = Jobs::<T>::get(id).ok_or(Error::<T>::JobNotFound)?;
        let escalation = match job.status {
            JobStatus::Escalated => Escalations::<T>::get(id),
            _ => None,
        };
        Ok(Round { job, escalation })
    }

    /// The slots of the open round.
    pub fn slots(&self) -> &[Slot<T>] {
        match &self.escalation {
            Some(e) => &e.slots,
            None => &self.job.slots,
        }
    }

    fn slot_mut(&mut self, idx: usize) -> Option<&mut Slot<T>> {
        match &mut self.escalation {
            Some(e) => e.slots.get_mut(idx),
            None => self.job.slots.get_mut(idx),
        }
    }

    /// Index of `worker`'s slot in the open round.
    pub fn slot_of(&self, worker: &T::AccountId) -> Option<usize> {
        self.slots().iter().position(|s| &s.worker == worker)
    }

    /// Whether commitments are accepted at block `now`.
    pub fn commit_open(&self, now: BlockNumberFor<T>) -> bool {
        match (&self.escalation, self.job.status) {
            (None, _) => self.job.commit_open(now),
            (Some(e), JobStatus::Escalated) => now <= e.commit_deadline,
            _ => false,
        }
    }

    /// Whether reveals are accepted at block `now`.
    pub fn reveal_open(&self, now: BlockNumberFor<T>) -> bool {
        match (&self.escalation, self.job.status) {
            (None, _) => self.job.reveal_open(now),
            (Some(e), JobStatus::Escalated) => {
                now <= e.reveal_deadline && (now > e.commit_deadline || e.all_committed())
            }
            _ => false,
        }
    }

    /// Last block of the open round's commit phase.
    pub fn commit_deadline(&self) -> BlockNumberFor<T> {
        self.escalation
            .as_ref()
            .map_or(self.job.commit_deadline, |e| e.commit_deadline)
    }

    /// Last block of the open round's reveal phase.
    pub fn reveal_deadline(&self) -> BlockNumberFor<T> {
        self.escalation
            .as_ref()
            .map_or(self.job.reveal_deadline, |e| e.reveal_deadline)
    }

    /// Stores the open round's state.
    fn store(self, id: JobId) {
        match self.escalation {
            Some(e) => Escalations::<T>::insert(id, e),
            None => Jobs::<T>::insert(id, self.job),
        }
    }
}
