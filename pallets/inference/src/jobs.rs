//! Jobs: creation, deadline slots, expiry, pruning and the jobs still alive.
//!
//! Inference requests and model validations are both *jobs* ([`Job`]): a committee of workers
//! (`committee.rs`), a commit deadline and a reveal deadline (`commit_reveal.rs`), settled by
//! `settlement.rs`. Jobs created in a block share three queue slots (commit deadline, reveal
//! deadline, pruning) of at most [`Config::MaxJobsPerBlock`] jobs each, which bounds the hooks'
//! work per block. When a block creates more jobs than that, the excess takes the next block's
//! slots, i.e. gets deadlines one block later, for up to [`MAX_DEADLINE_SPILL`] blocks; beyond
//! that a request fails with `JobQueueFull`.
//!
//! Each block, `on_initialize` expires the jobs nobody committed to by their commit deadline
//! (full refund, everyone slashed for not committing), settles those whose reveal deadline
//! passed, and prunes final jobs [`Config::ResultRetention`] blocks after their reveal
//! deadline. No per-worker index of jobs is kept: offchain workers and the runtime API find a
//! worker's jobs in the reveal queues of the next blocks ([`Pallet::live_jobs`]).

use crate::*;

/// A new inference request, as reported by its event.
pub(crate) struct NewRequest<T: Config> {
    /// The job.
    pub job_id: JobId,
    /// The fee held.
    pub fee: BalanceOf<T>,
    /// The drawn workers.
    pub workers: DrawnWorkersOf<T>,
}

impl<T: Config> Pallet<T> {
    /// Creates an inference job of `model_id` on `inputs` for `requester`: checks the inputs
    /// against the model's schema, holds the quoted fee (at most `max_fee`), draws the
    /// workers and indexes the canonical inputs for them. Returns the request and how many
    /// full deadline slots were skipped (for the weight).
    pub(crate) fn do_request_inference(
        requester: &T::AccountId,
        model_id: ModelId,
        inputs: &[u8],
        max_fee: BalanceOf<T>,
    ) -> Result<(NewRequest<T>, u32), DispatchError> {
        let mut model = Models::<T>::get(model_id).ok_or(Error::<T>::ModelNotFound)?;
        ensure!(
            model.status == ModelStatus::Active,
            Error::<T>::ModelNotActive
        );
        let info = model.info.as_ref().ok_or(Error::<T>::ModelNotActive)?;
        ensure!(!Self::backlog_full(), Error::<T>::EscalationBacklogFull);
        let map = TensorMap::decode_checked(inputs).map_err(|_| Error::<T>::BadInputs)?;
        info.check_inputs(&map)
            .map_err(|_| Error::<T>::InputsSchemaMismatch)?;
        let canonical = map.canonical_bytes();
        let input_len = u32::try_from(canonical.len()).map_err(|_| Error::<T>::BadInputs)?;
        let quote = Self::quote_model(&model, input_len).ok_or(Error::<T>::Overflow)?;
        ensure!(quote.total <= max_fee, Error::<T>::FeeAboveMax);
        let id = Self::next_job_id()?;
        let workers = Self::draw_workers(id, model.policy.replicas as u32)?;
        Self::hold_request_fee(requester, quote.total)?;
        let spilled = Self::create_job(
            id,
            model_id,
            JobKind::Inference {
                requester: requester.clone(),
                royalty: quote.royalty,
                worker_fee: quote.worker_fee,
            },
            workers.clone(),
            input_len,
        )?;
        model.pending = model.pending.checked_add(1).ok_or(Error::<T>::Overflow)?;
        Models::<T>::insert(model_id, model);
        sp_io::offchain_index::set(&request_inputs_key(id), &canonical);
        let request = NewRequest {
            job_id: id,
            fee: quote.total,
            workers,
        };
        Ok((request, spilled))
    }

    /// Allocates a job id.
    pub(crate) fn next_job_id() -> Result<JobId, Error<T>> {
        NextJobId::<T>::try_mutate(|next| {
            let id = *next;
            *next = next.checked_add(1).ok_or(Error::<T>::Overflow)?;
            Ok(id)
        })
    }

    /// Records a new job and queues it at its deadlines. Returns how many full deadline slots
    /// were skipped (each cost a read).
    pub(crate) fn create_job(
        id: JobId,
        model_id: ModelId,
        kind: JobKind<T>,
        workers: DrawnWorkersOf<T>,
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
        // The reveal, finality and pruning slots are used by the jobs of the same start block
        // only (and pruning slots by as many decided escalations), so
        // they have room when the commit slot has, unless an upgrade changed the periods while
        // jobs were in flight: then the request fails like any full slot.
        RevealQueue::<T>::try_mutate(after_reveal, |q| q.try_push(id))
            .map_err(|_| Error::<T>::JobQueueFull)?;
        let final_at = after_reveal.saturating_add(T::ChallengePeriod::get());
        FinalityQueue::<T>::try_mutate(final_at, |q| q.try_push(id))
            .map_err(|_| Error::<T>::JobQueueFull)?;
        PruneQueue::<T>::try_mutate(final_at.saturating_add(T::ResultRetention::get()), |q| {
            q.try_push(id)
        })
        .map_err(|_| Error::<T>::JobQueueFull)?;
        let slots: BoundedVec<Slot<T>, T::MaxReplicas> = BoundedVec::truncate_from(
            workers
                .into_iter()
                .map(|worker| Slot {
                    worker,
                    commitment: None,
                    revealed: false,
                    agreed: false,
                })
                .collect(),
        );
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
                Some(job)
                    if job.status == JobStatus::Pending
                        && job.slots.iter().all(|s| s.commitment.is_none()) =>
                {
                    let done = Self::expire(*id, job);
                    extra = extra.saturating_add(Self::hook_extra_weight(&done, done.replicas));
                    expired = expired.saturating_add(1);
                }
                Some(job) if job.status == JobStatus::Pending && job.all_committed_revealed() => {
                    // Everyone who committed revealed while others were still allowed to commit.
                    let done = Self::settle(*id, job, None);
                    extra = extra
                        .saturating_add(Self::hook_extra_weight(&done, Self::SETTLE_JOBS_SLASHES));
                    settled = settled.saturating_add(1);
                }
                _ => skipped = skipped.saturating_add(1),
            }
        }
        for id in reveals.iter() {
            match Jobs::<T>::get(id) {
                Some(job) if job.status == JobStatus::Pending => {
                    let done = Self::settle(*id, job, None);
                    extra = extra
                        .saturating_add(Self::hook_extra_weight(&done, Self::SETTLE_JOBS_SLASHES));
                    settled = settled.saturating_add(1);
                }
                _ => skipped = skipped.saturating_add(1),
            }
        }
        let decided = Self::decide_escalations(now);
        let (started, validators) = Self::start_escalations(now);
        // A benchmark's fixed part is charged only when the hook did its work (`expire_jobs`'
        // includes the first slashes removing workers from a full active set).
        let when_any = |n: u32, w: Weight| if n == 0 { Weight::zero() } else { w };
        weight = weight
            .saturating_add(when_any(expired, T::WeightInfo::expire_jobs(expired)))
            .saturating_add(when_any(settled, T::WeightInfo::settle_jobs(settled)))
            .saturating_add(Self::escalation_weight(decided, started, validators))
            .saturating_add(extra)
            .saturating_add(T::DbWeight::get().reads(skipped));
        for id in prunes.iter() {
            Self::prune(*id);
        }
        weight = weight.saturating_add(T::WeightInfo::prune_jobs(prunes.len() as u32));
        // Last, within what the block has left: provisional results whose challenge window
        // closed become final.
        let limits = T::BlockWeights::get();
        let budget = limits
            .max_block
            .saturating_sub(limits.base_block)
            .saturating_sub(weight);
        weight.saturating_add(Self::finalize_due(now, budget))
    }

    /// Makes final the provisional jobs of the finality slots due by block `now` (those a
    /// lagging block left first, oldest first), within `budget`: pays the agreeing workers and
    /// removes the reveals. What does not fit stays queued, and [`FinalityLag`] records the
    /// oldest slot left, for the next block. Returns the weight used (at most `budget`).
    ///
    /// Finality is the only hook work that may wait: it is done last in the block, so the
    /// other hooks' worst case (`Pallet::hooks_weight_bound`) bounds the block's, and a block
    /// whose other hooks are heavy (many jobs expiring or ending their round with every worker
    /// slashed: what only an attacker paying those slashes can cause) defers it. A usual block
    /// makes final every job of its slot. A job made final after its pruning slot passed is
    /// pruned at once.
    pub(crate) fn finalize_due(now: BlockNumberFor<T>, budget: Weight) -> Weight {
        let one_job = T::WeightInfo::finalize_jobs(1)
            .saturating_sub(T::WeightInfo::finalize_jobs(0))
            .saturating_add(Self::hook_extra_weight(
                &Settlement {
                    model_queued: true,
                    ..Default::default()
                },
                0,
            ))
            .saturating_add(T::WeightInfo::prune_jobs(1));
        let slot = T::DbWeight::get().reads_writes(1, 1);
        // The benchmark's fixed part is charged with the first slot.
        let first_slot = slot.saturating_add(T::WeightInfo::finalize_jobs(0));
        let mut spent = Weight::zero();
        let mut at = FinalityLag::<T>::get().unwrap_or(now);
        let mut lag = None;
        while at <= now {
            let step = if spent.is_zero() { first_slot } else { slot };
            if spent.saturating_add(step).any_gt(budget) {
                lag = Some(at);
                break;
            }
            spent = spent.saturating_add(step);
            let mut due = FinalityQueue::<T>::take(at).into_inner();
            let mut done = 0usize;
            for id in due.iter() {
                if spent.saturating_add(one_job).any_gt(budget) {
                    break;
                }
                done = done.saturating_add(1);
                // A job queued early is skipped at its reserved slot (one read).
                let Some(job) = Jobs::<T>::get(id) else {
                    spent = spent.saturating_add(T::DbWeight::get().reads(1));
                    continue;
                };
                if job.status != JobStatus::Provisional {
                    spent = spent.saturating_add(T::DbWeight::get().reads(1));
                    continue;
                }
                let pruned_by = Self::reserved_prune_slot(&job);
                Self::finalize_provisional(*id, job);
                spent = spent.saturating_add(one_job);
                if pruned_by <= now {
                    Self::prune(*id);
                }
            }
            if done < due.len() {
                let rest = due.split_off(done);
                FinalityQueue::<T>::insert(at, BoundedVec::truncate_from(rest));
                lag = Some(at);
                break;
            }
            at = at.saturating_add(1u32.into());
        }
        FinalityLag::<T>::set(lag);
        spent
    }

    /// Expires a job nobody committed to: everyone is slashed for not committing, an
    /// inference is refunded in full, a validation rejects the model for no response.
    /// Returns what it did (slashes, model removal).
    pub(crate) fn expire(id: JobId, mut job: Job<T>) -> Settlement {
        let mut done = Settlement {
            replicas: job.slots.len() as u32,
            ..Default::default()
        };
        for s in job.slots.iter() {
            if Self::slash_worker(&s.worker, id, Offence::NoCommit, T::NoCommitSlash::get()) {
                done.slashed = done.slashed.saturating_add(1);
            }
        }
        job.status = JobStatus::Expired;
        match &job.kind {
            JobKind::Inference { requester, .. } => {
                Self::refund_all(&job, requester);
                Self::deposit_event(Event::InferenceExpired { job_id: id });
            }
            JobKind::Validation => {
                Self::conclude_validation(job.model_id, None, FeeShares::default(), true)
            }
        }
        done.model_queued = Self::finalize(id, job);
        done
    }

    /// Common end of a job: stores its final state and frees the model's pending count
    /// (queueing a retired model for removal when it was the last).
    /// Returns whether it queued the model for removal (`ModelsToRemove`, done in `on_idle`).
    pub(crate) fn finalize(id: JobId, job: Job<T>) -> bool {
        let mut queued = false;
        if let JobKind::Inference { .. } = job.kind {
            match Models::<T>::get(job.model_id) {
                Some(mut model) => {
                    model.pending = model.pending.saturating_sub(1);
                    if model.status == ModelStatus::Retired && model.pending == 0 {
                        ModelsToRemove::<T>::insert(job.model_id, ());
                        queued = true;
                    }
                    Models::<T>::insert(job.model_id, model);
                }
                None => {
                    defensive!("a model is removed only after its last job ends");
                }
            }
        }
        Jobs::<T>::insert(id, job);
        queued
    }

    /// Removes a final job, its result and its indexed inputs.
    pub(crate) fn prune(id: JobId) {
        let Some(job) = Jobs::<T>::get(id) else {
            return;
        };
        if job.status == JobStatus::Provisional {
            // Finality lags behind (`finalize_due`): the job is pruned once made final.
            return;
        }
        if !job.status.is_final() {
            defensive!("a job is final before its pruning slot (an escalation moves it)");
            return;
        }
        Jobs::<T>::remove(id);
        Results::<T>::remove(id);
        Escalations::<T>::remove(id);
        ChallengeDeadlines::<T>::remove(id);
        if let JobKind::Inference { .. } = job.kind {
            sp_io::offchain_index::clear(&request_inputs_key(id));
        }
        Self::deposit_event(Event::JobPruned { job_id: id });
    }

    /// Most blocks from a job's creation to the block whose `on_initialize` ends its committee
    /// round at the latest: `MAX_DEADLINE_SPILL + CommitPeriod + RevealPeriod + 1`.
    pub fn longest_job() -> BlockNumberFor<T> {
        T::CommitPeriod::get()
            .saturating_add(T::RevealPeriod::get())
            .saturating_add((MAX_DEADLINE_SPILL.saturating_add(1)).into())
    }

    /// Ids of the jobs that may still take commitments or reveals after block `now`'s
    /// `on_initialize`: every pending job is in the reveal queue of one of the next
    /// [`Pallet::longest_job`] blocks (earliest deadline first), every escalation in its round
    /// in the verdict queue of one of the next `CommitPeriod + RevealPeriod + 1` blocks; each
    /// id once. Off-chain use only (offchain worker, runtime API, invariants): it reads every
    /// such queue.
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
        // Escalations being re-executed: their verdict is at most a validators' round away.
        let last = now
            .saturating_add(T::CommitPeriod::get())
            .saturating_add(T::RevealPeriod::get())
            .saturating_add(1u32.into());
        let mut at = now;
        while at < last {
            at = at.saturating_add(1u32.into());
            // A job escalated before its reveal deadline is in its reveal slot too.
            for id in VerdictQueue::<T>::get(at) {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        ids
    }
}
