//! Settlement: which outputs are agreed, who is paid, who is slashed and why.
//!
//! A job's committee round ends as soon as every committed worker has revealed after the
//! commit phase closed (or, under exact comparison, when one reveal opens every commitment),
//! and at the latest in the block after its reveal deadline. Then, for an **inference**:
//! - nothing revealed: the job fails as `Inconclusive`, the requester is refunded in full and
//!   the absent are slashed;
//! - every member agrees with one representative ([`Pallet::largest_group`] contains every
//!   slot: it revealed the same bytes, or under `Tolerance` an output within the tolerance of
//!   the outputs' element-wise median, which is then the result, or under `Exact` committed to
//!   the representative without revealing it): the result is **provisional**
//!   (`JobStatus::Provisional`, `InferenceProvisional`). Nobody is paid or slashed yet: anyone
//!   may challenge it until [`Pallet::challenge_deadline`] (`ChallengePeriod` blocks after the
//!   block it became provisional in, or after the reveal deadline at the latest);
//!   unchallenged, it becomes final in a later block (`Pallet::finalize_provisional`) and the
//!   workers are paid;
//! - otherwise the job is **escalated** to the validators (`disputes.rs`), whatever the head
//!   count: outputs against outputs, or outputs against an execution failure
//!   (`EscalationCause::Disagreement`), or agreeing outputs with a member that did not commit
//!   or reveal (`EscalationCause::Absence`). A colluding majority of the committee therefore
//!   cannot outvote an honest member, nor keep it away and pass unchecked, and one faulty
//!   reveal cannot force a free, refunded answer.
//!
//! A **model validation** follows the same rules, its outputs being the encoded
//! [`ValidationOutcome`] (compared exactly): nothing revealed rejects the model as
//! inconclusive (`RejectReason::Inconclusive`, deposit returned); a whole committee's outcome
//! is provisional (`ValidationProvisional`) and activates or rejects the model when final
//! (`registry.rs`); anything else is escalated.
//!
//! A worker that cannot execute an inference for a reason that depends on the model and the
//! inputs reveals `Reveal::ExecutionFailed`; an agreed execution failure fails the request
//! with `ExecutionFailed` (workers paid, royalty refunded, `escrow.rs`) so that requesters
//! cannot grief workers with inputs the model cannot process.
//!
//! Slashing (the slashed credit goes to [`Config::OnSlash`], burnt if `()`, except in an
//! escalation, which distributes it, `disputes.rs`):
//! - revealed an output that differs from the final result: [`Config::WrongResultSlash`]
//!   ([`Offence::WrongResult`]), at the verdict (only an escalation can find one);
//! - absent members, at the verdict of the escalation their absence caused (or when the round
//!   ends, if nothing was revealed): committed but never revealed (or revealed something not
//!   matching the commitment, which is rejected and therefore counts as not revealed):
//!   [`Config::NoRevealSlash`] ([`Offence::NoReveal`]); never committed:
//!   [`Config::NoCommitSlash`] ([`Offence::NoCommit`]). Both are at least the slash for a
//!   wrong result (`integrity_test`): withholding a losing output never pays, and an absence,
//!   which costs the validators an escalation like a wrong output does, costs its author as
//!   much.
//!
//! A worker slashed below [`Config::MinWorkerBond`] leaves the active set (`workers.rs`).

use crate::*;
use frame_support::traits::{fungible::BalancedHold, Imbalance, OnUnbalanced};
use inferchain_primitives::{agreement, median::median_reference};

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
    PartialOrd,
    Ord,
    Debug,
)]
pub enum Offence {
    /// Revealed an output that differs from the final result.
    WrongResult,
    /// Committed but did not reveal (a valid opening) before the reveal deadline.
    NoReveal,
    /// Did not commit before the commit deadline.
    NoCommit,
}

/// What settling one job did, which its weight depends on.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Settlement {
    /// Workers drawn for the job.
    pub replicas: u32,
    /// Reveals read and removed from storage (the reveal that settled the job, if any, was in
    /// hand and never stored).
    pub stored: u32,
    /// Workers slashed.
    pub slashed: u32,
    /// Whether the job was the last of a retired model, which was queued for removal.
    pub model_queued: bool,
}

impl<T: Config> Pallet<T> {
    /// Execution policy used to compare a job's outputs.
    pub(crate) fn policy_of(job: &Job<T>) -> ExecutionPolicy {
        match job.kind {
            JobKind::Validation => ExecutionPolicy::Exact,
            JobKind::Inference { .. } => Models::<T>::get(job.model_id)
                .map(|m| m.policy.execution)
                .unwrap_or(ExecutionPolicy::Exact),
        }
    }

    /// Finds the largest agreeing group among the revealed outputs of a job.
    ///
    /// Returns the representative output and, per slot, whether the worker agrees with it.
    /// - Under `Tolerance` (inference jobs), the representative of the outputs is their
    ///   element-wise median ([`inferchain_primitives::median`]), and a slot agrees if it
    ///   revealed an output within the tolerance of it; execution failures form their own
    ///   group, which represents the job if it is larger. Nothing depends on the order of the
    ///   reveals.
    /// - Otherwise, by the agreement rule of [`inferchain_primitives::agreement`]: a slot
    ///   agrees if it revealed the representative's bytes, or — under `Exact` — if it has not
    ///   revealed and its commitment opens with them. An execution failure agrees only with
    ///   itself. Ties go to the earliest reveal (every candidate is a whole byte string, so
    ///   the groups are disjoint and the order decides only between equal-sized groups).
    pub fn largest_group(
        job: &Job<T>,
        slots: &[Slot<T>],
        reveals: &[(usize, RevealOf<T>)],
    ) -> Option<(RevealOf<T>, Vec<bool>)> {
        let policy = Self::policy_of(job);
        if let (JobKind::Inference { .. }, ExecutionPolicy::Tolerance { .. }) = (&job.kind, policy)
        {
            return Self::median_group(&policy, slots.len(), reveals);
        }
        let agrees = |candidate: usize, slot: usize| -> bool {
            let Some((_, rep)) = reveals.get(candidate) else {
                return false;
            };
            match reveals.iter().find(|(s, _)| *s == slot) {
                Some((_, revealed)) => revealed == rep,
                None => {
                    policy == ExecutionPolicy::Exact
                        && slots.get(slot).is_some_and(|s| {
                            !s.revealed && s.commitment == Some(rep.commitment(&s.worker.encode()))
                        })
                }
            }
        };
        let group = agreement::largest_group(slots.len(), reveals.len(), agrees)?;
        let (_, rep) = reveals.get(group.representative)?;
        Some((rep.clone(), group.members))
    }

    /// The `Tolerance` rule of [`Pallet::largest_group`]: the outputs' median and the slots
    /// within the tolerance of it, or the execution failures if they are more.
    fn median_group(
        policy: &ExecutionPolicy,
        slots: usize,
        reveals: &[(usize, RevealOf<T>)],
    ) -> Option<(RevealOf<T>, Vec<bool>)> {
        let maps: Vec<(usize, TensorMap)> = reveals
            .iter()
            .filter_map(|(i, r)| {
                let map = TensorMap::decode_checked(r.outputs()?).ok()?;
                Some((*i, map))
            })
            .collect();
        let outputs: Vec<TensorMap> = maps.iter().map(|(_, m)| m.clone()).collect();
        let mut members = alloc::vec![false; slots];
        let mut failed = alloc::vec![false; slots];
        for (i, r) in reveals.iter() {
            if matches!(r, Reveal::ExecutionFailed) {
                if let Some(f) = failed.get_mut(*i) {
                    *f = true;
                }
            }
        }
        let failures = failed.iter().filter(|f| **f).count();
        let reference = median_reference(&outputs).and_then(|m| {
            let bytes: OutputOf<T> = m.canonical_bytes().try_into().ok()?;
            Some((m, bytes))
        });
        let Some((reference, bytes)) = reference else {
            return (failures > 0).then_some((Reveal::ExecutionFailed, failed));
        };
        for (i, map) in maps.iter() {
            if compare(policy, map, &reference).is_ok() {
                if let Some(m) = members.get_mut(*i) {
                    *m = true;
                }
            }
        }
        let agreeing = members.iter().filter(|m| **m).count();
        if failures > agreeing {
            return Some((Reveal::ExecutionFailed, failed));
        }
        Some((Reveal::Outputs(bytes), members))
    }

    /// Whether two reveals of `job` agree under its policy (`compare` under a tolerance,
    /// identical bytes otherwise; an execution failure agrees only with itself).
    pub fn reveals_agree(job: &Job<T>, a: &RevealOf<T>, b: &RevealOf<T>) -> bool {
        match (a, b) {
            (Reveal::ExecutionFailed, Reveal::ExecutionFailed) => true,
            (Reveal::Outputs(x), Reveal::Outputs(y)) => match (&job.kind, Self::policy_of(job)) {
                (JobKind::Inference { .. }, policy @ ExecutionPolicy::Tolerance { .. }) => {
                    match (TensorMap::decode_checked(x), TensorMap::decode_checked(y)) {
                        (Ok(x), Ok(y)) => compare(&policy, &x, &y).is_ok(),
                        _ => false,
                    }
                }
                _ => x == y,
            },
            _ => false,
        }
    }

    /// The reveals of a job's committee: the stored ones (read, not removed) and `in_hand`
    /// (the slot index and reveal being applied, marked revealed but not stored yet).
    fn committee_reveals(
        id: JobId,
        job: &Job<T>,
        in_hand: Option<(usize, RevealOf<T>)>,
        done: &mut Settlement,
    ) -> Vec<(usize, RevealOf<T>)> {
        let mut in_hand = in_hand;
        let mut reveals = Vec::new();
        for (i, s) in job.slots.iter().enumerate().filter(|(_, s)| s.revealed) {
            let reveal = match in_hand.take_if(|(slot, _)| *slot == i) {
                Some((_, reveal)) => Some(reveal),
                None => {
                    done.stored = done.stored.saturating_add(1);
                    Reveals::<T>::get(id, &s.worker)
                }
            };
            if let Some(reveal) = reveal {
                reveals.push((i, reveal));
            }
        }
        reveals
    }

    /// Ends a job's committee round with the reveals it has: the stored ones and `in_hand`
    /// (the slot index and reveal of a reveal being applied, marked revealed but not stored).
    /// See the [module documentation](self). Returns what it did, for the weight.
    pub(crate) fn settle(
        id: JobId,
        mut job: Job<T>,
        in_hand: Option<(usize, RevealOf<T>)>,
    ) -> Settlement {
        let mut done = Settlement {
            replicas: job.slots.len() as u32,
            ..Default::default()
        };
        let hand_slot = in_hand.as_ref().map(|(i, _)| *i);
        let reveals = Self::committee_reveals(id, &job, in_hand, &mut done);
        if reveals.is_empty() {
            // Nothing to judge: the job fails now, the absent are slashed.
            done.slashed = Self::slash_absent(id, &job.slots, |_| true);
            job.status = JobStatus::Failed(FailureReason::Inconclusive);
            match &job.kind {
                JobKind::Inference { requester, .. } => {
                    Self::refund_all(&job, requester);
                    Self::deposit_event(Event::InferenceFailed {
                        job_id: id,
                        reason: FailureReason::Inconclusive,
                    });
                }
                JobKind::Validation => {
                    Self::conclude_validation(job.model_id, None, FeeShares::default(), false)
                }
            }
            done.model_queued = Self::finalize(id, job);
            return done;
        }
        // The reveal in hand is kept like the others until the job is final.
        if let Some((_, reveal)) = reveals.iter().find(|(i, _)| Some(*i) == hand_slot) {
            if let Some(slot) = hand_slot.and_then(|i| job.slots.get(i)) {
                Reveals::<T>::insert(id, &slot.worker, reveal.clone());
            }
        }
        let Some((reveal, members)) = Self::largest_group(&job, &job.slots, &reveals) else {
            Self::escalate(id, job, EscalationCause::Disagreement);
            return done;
        };
        let agrees = |i: usize| members.get(i).copied().unwrap_or(false);
        if !reveals.iter().all(|(i, _)| agrees(*i)) {
            Self::escalate(id, job, EscalationCause::Disagreement);
            return done;
        }
        for (s, m) in job.slots.iter_mut().zip(members.iter()) {
            s.agreed = *m;
        }
        if job.slots.iter().any(|s| !s.agreed) {
            // The outputs revealed agree, but not the whole committee is behind them: the
            // validators decide, and the absent are slashed at their verdict. The members
            // marked `agreed` record why the job was escalated (`Pallet::escalation_cause`).
            Self::escalate(id, job, EscalationCause::Absence);
            return done;
        }
        let agreeing: DrawnWorkersOf<T> =
            BoundedVec::truncate_from(job.slots.iter().map(|s| s.worker.clone()).collect());
        let outputs = match reveal {
            Reveal::Outputs(output) => {
                Results::<T>::insert(id, output.clone());
                Some(output)
            }
            Reveal::ExecutionFailed => None,
        };
        job.status = JobStatus::Provisional;
        let now = frame_system::Pallet::<T>::block_number();
        let challenge_deadline = Self::schedule_finality(id, &job, now);
        match job.kind {
            JobKind::Inference { .. } => Self::deposit_event(Event::InferenceProvisional {
                job_id: id,
                outputs,
                agreeing,
                challenge_deadline,
            }),
            JobKind::Validation => Self::deposit_event(Event::ValidationProvisional {
                model_id: job.model_id,
                job_id: id,
                agreeing,
                challenge_deadline,
            }),
        }
        Jobs::<T>::insert(id, job);
        done
    }

    /// Makes a provisional job final once its challenge window closed: an inference pays the
    /// agreeing workers (and the royalty, unless the agreed result is an execution failure), a
    /// validation activates or rejects its model; the stored reveals are removed. Nobody is
    /// slashed. Returns what it did, for the weight.
    pub(crate) fn finalize_provisional(id: JobId, mut job: Job<T>) -> Settlement {
        let mut done = Settlement {
            replicas: job.slots.len() as u32,
            ..Default::default()
        };
        for s in job.slots.iter().filter(|s| s.revealed) {
            Reveals::<T>::remove(id, &s.worker);
            done.stored = done.stored.saturating_add(1);
        }
        let agreeing: DrawnWorkersOf<T> = BoundedVec::truncate_from(
            job.slots
                .iter()
                .filter(|s| s.agreed)
                .map(|s| s.worker.clone())
                .collect(),
        );
        match job.kind.clone() {
            JobKind::Validation => {
                // A validation's outcome is reported by `ModelActivated`/`ModelRejected`.
                let outcome = Results::<T>::get(id);
                if outcome.is_none() {
                    defensive!("`check_reveal` refuses an execution failure for a validation");
                }
                let shares = FeeShares {
                    agreeing: &agreeing,
                    committee: job.slots.len() as u32,
                    validators: &[],
                };
                Self::conclude_validation(job.model_id, outcome.as_ref(), shares, false);
                job.status = JobStatus::Completed;
            }
            JobKind::Inference {
                requester,
                royalty,
                worker_fee,
            } => {
                let payees: Vec<_> = agreeing.iter().map(|w| (w.clone(), worker_fee)).collect();
                match Results::<T>::get(id) {
                    Some(outputs) => {
                        Self::pay(id, &job, &requester, royalty, &payees);
                        job.status = JobStatus::Completed;
                        Self::deposit_event(Event::InferenceCompleted {
                            job_id: id,
                            outputs,
                            agreeing,
                        });
                    }
                    None => {
                        Self::pay(id, &job, &requester, Zero::zero(), &payees);
                        job.status = JobStatus::Failed(FailureReason::ExecutionFailed);
                        Self::deposit_event(Event::InferenceFailed {
                            job_id: id,
                            reason: FailureReason::ExecutionFailed,
                        });
                    }
                }
            }
        }
        done.model_queued = Self::finalize(id, job);
        done
    }

    /// Slashes the workers of `slots` selected by `absent` that did not reveal: for not
    /// revealing if they committed, for not committing otherwise. Returns how many it slashed.
    pub(crate) fn slash_absent(
        id: JobId,
        slots: &[Slot<T>],
        absent: impl Fn(&Slot<T>) -> bool,
    ) -> u32 {
        let mut slashed: u32 = 0;
        for s in slots.iter().filter(|s| !s.revealed && absent(s)) {
            let hit = if s.commitment.is_some() {
                Self::slash_worker(&s.worker, id, Offence::NoReveal, T::NoRevealSlash::get())
            } else {
                Self::slash_worker(&s.worker, id, Offence::NoCommit, T::NoCommitSlash::get())
            };
            if hit {
                slashed = slashed.saturating_add(1);
            }
        }
        slashed
    }

    /// Slashes `fraction` of a worker's bond for `offence` on job `id` and hands the credit to
    /// [`Config::OnSlash`]; removes the worker from the active set if its bond falls below the
    /// minimum. Returns whether it slashed.
    pub(crate) fn slash_worker(
        who: &T::AccountId,
        id: JobId,
        offence: Offence,
        fraction: Perbill,
    ) -> bool {
        match Self::slash(who, id, offence, fraction) {
            Some(credit) => {
                T::OnSlash::on_unbalanced(credit);
                true
            }
            None => false,
        }
    }

    /// Slashes `fraction` of a worker's bond for `offence` on job `id` and returns the credit
    /// (`None` if nothing was slashed); removes the worker from the active set if its bond
    /// falls below the minimum.
    pub(crate) fn slash(
        who: &T::AccountId,
        id: JobId,
        offence: Offence,
        fraction: Perbill,
    ) -> Option<CreditOf<T>> {
        let Some(mut worker) = Workers::<T>::get(who) else {
            // A validator without a worker registration has no bond to slash; a committee
            // member stays registered until its jobs end.
            log::debug!(target: LOG_TARGET, "no bond to slash for job {id}");
            return None;
        };
        let amount = fraction.mul_floor(worker.bond);
        if amount.is_zero() {
            return None;
        }
        let (credit, missing) = <T::Currency as BalancedHold<T::AccountId>>::slash(
            &HoldReason::WorkerBond.into(),
            who,
            amount,
        );
        let slashed = credit.peek();
        worker.bond = worker.bond.saturating_sub(slashed);
        if !missing.is_zero() {
            defensive!("a worker's bond is held in full (checked by try-state)");
        }
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
        Some(credit)
    }
}
