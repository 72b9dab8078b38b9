//! Settlement: which outputs are agreed, who is paid, who is slashed and why.
//!
//! A job settles as soon as every committed worker has revealed after the commit phase closed
//! (or, under exact comparison, when one reveal opens every commitment), and at the latest in
//! the block after its reveal deadline. The largest group of agreeing workers
//! ([`Pallet::largest_group`]) decides if it is a strict majority of the assigned workers and
//! has at least two members when two or more workers are assigned ([`Pallet::is_majority`]).
//! Two colluding workers out of three *are* a majority: the protocol's security assumption is
//! an honest majority among the drawn replicas.
//!
//! A worker that cannot execute an inference for a reason that depends on the model and the
//! inputs reveals `Reveal::ExecutionFailed`; a majority agreeing on it fails the request with
//! `ExecutionFailed` (workers paid, royalty refunded, `escrow.rs`) so that requesters cannot
//! grief workers with inputs the model cannot process.
//!
//! Slashing (the slashed credit goes to [`Config::OnSlash`], burnt if `()`), only when the job
//! is decided or for what a worker failed to submit:
//! - revealed an output outside the winning group: [`Config::WrongResultSlash`]
//!   ([`Offence::WrongResult`]);
//! - committed but never revealed (or revealed something not matching the commitment, which is
//!   rejected and therefore counts as not revealed): [`Config::NoRevealSlash`]
//!   ([`Offence::NoReveal`]);
//! - never committed: [`Config::NoCommitSlash`] ([`Offence::NoCommit`]).
//!
//! A worker slashed below [`Config::MinWorkerBond`] leaves the active set (`workers.rs`).

use crate::*;
use frame_support::traits::{fungible::BalancedHold, Imbalance, OnUnbalanced};
use inferchain_primitives::agreement;

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
    pub(crate) fn policy_of(req: &Job<T>) -> ExecutionPolicy {
        match req.kind {
            JobKind::Validation => ExecutionPolicy::Exact,
            JobKind::Inference { .. } => Models::<T>::get(req.model_id)
                .map(|m| m.policy.execution)
                .unwrap_or(ExecutionPolicy::Exact),
        }
    }

    /// Finds the largest agreeing group among the revealed outputs of a job, by the agreement
    /// rule of [`inferchain_primitives::agreement`].
    ///
    /// Returns the representative output and, per slot, whether the worker agrees with it.
    /// A slot agrees if it revealed an output that matches the representative under the
    /// policy (`compare(policy, output, representative)`), or — under `Exact` — if it has not
    /// revealed and its commitment opens with the representative's bytes. An execution failure
    /// agrees only with itself. Ties go to the earliest reveal.
    pub fn largest_group(
        job: &Job<T>,
        reveals: &[(usize, RevealOf<T>)],
    ) -> Option<(RevealOf<T>, Vec<bool>)> {
        let policy = Self::policy_of(job);
        // Under a tolerance, inference outputs are compared as tensor maps, decoded once.
        let maps: Vec<Option<TensorMap>> = match (&job.kind, policy) {
            (JobKind::Inference { .. }, ExecutionPolicy::Tolerance { .. }) => reveals
                .iter()
                .map(|(_, r)| r.outputs().and_then(|o| TensorMap::decode_checked(o).ok()))
                .collect(),
            _ => Vec::new(),
        };
        let map_of = |i: usize| maps.get(i).and_then(Option::as_ref);
        let agrees = |candidate: usize, slot: usize| -> bool {
            let Some((_, rep)) = reveals.get(candidate) else {
                return false;
            };
            match reveals.iter().position(|(s, _)| *s == slot) {
                Some(j) => {
                    let Some((_, revealed)) = reveals.get(j) else {
                        return false;
                    };
                    match (revealed, rep) {
                        // An execution failure agrees only with an execution failure.
                        (Reveal::ExecutionFailed, Reveal::ExecutionFailed) => true,
                        (Reveal::Outputs(out), Reveal::Outputs(rep)) if maps.is_empty() => {
                            out == rep
                        }
                        (Reveal::Outputs(_), Reveal::Outputs(_)) => {
                            match (map_of(j), map_of(candidate)) {
                                (Some(a), Some(b)) => compare(&policy, a, b).is_ok(),
                                _ => false,
                            }
                        }
                        _ => false,
                    }
                }
                None => {
                    policy == ExecutionPolicy::Exact
                        && job.slots.get(slot).is_some_and(|s| {
                            !s.revealed && s.commitment == Some(rep.commitment(&s.worker.encode()))
                        })
                }
            }
        };
        let group = agreement::largest_group(job.slots.len(), reveals.len(), agrees)?;
        let (_, rep) = reveals.get(group.representative)?;
        Some((rep.clone(), group.members))
    }

    /// Whether `group` agreeing workers out of `assigned` decide:
    /// [`inferchain_primitives::agreement::is_majority`].
    pub fn is_majority(group: usize, assigned: usize) -> bool {
        agreement::is_majority(group, assigned)
    }

    /// Settles a pending job with the reveals it has: the stored ones and `in_hand` (the slot
    /// index and output of a reveal being applied, marked revealed but not stored). Returns
    /// what it did, for the weight.
    pub(crate) fn settle(
        id: JobId,
        mut req: Job<T>,
        mut in_hand: Option<(usize, RevealOf<T>)>,
    ) -> Settlement {
        let mut done = Settlement {
            replicas: req.slots.len() as u32,
            ..Default::default()
        };
        let mut reveals: Vec<(usize, RevealOf<T>)> = Vec::new();
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
            Some((reveal, members)) => {
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
                    .defensive_unwrap_or_default();
                match (req.kind.clone(), reveal) {
                    (
                        JobKind::Inference {
                            requester,
                            royalty,
                            worker_fee,
                        },
                        Reveal::Outputs(output),
                    ) => {
                        Self::pay(id, &req, &requester, royalty, worker_fee, &agreeing);
                        req.status = JobStatus::Completed;
                        Results::<T>::insert(id, output.clone());
                        Self::deposit_event(Event::InferenceCompleted {
                            job_id: id,
                            outputs: output,
                            agreeing,
                        });
                    }
                    (
                        JobKind::Inference {
                            requester,
                            worker_fee,
                            ..
                        },
                        Reveal::ExecutionFailed,
                    ) => {
                        // An agreed execution failure pays the workers but not the royalty.
                        Self::pay(id, &req, &requester, Zero::zero(), worker_fee, &agreeing);
                        req.status = JobStatus::Failed(FailureReason::ExecutionFailed);
                        Self::deposit_event(Event::InferenceFailed {
                            job_id: id,
                            reason: FailureReason::ExecutionFailed,
                        });
                    }
                    // A validation's outcome is reported by `ModelActivated`/`ModelRejected`.
                    (JobKind::Validation, Reveal::Outputs(output)) => {
                        Self::conclude_validation(req.model_id, Some(&output), &agreeing, false);
                        req.status = JobStatus::Completed;
                        Results::<T>::insert(id, output);
                    }
                    (JobKind::Validation, Reveal::ExecutionFailed) => {
                        defensive!("`check_reveal` refuses an execution failure for a validation");
                        Self::conclude_validation(req.model_id, None, &[], false);
                        req.status = JobStatus::Failed(FailureReason::Inconclusive);
                    }
                }
            }
            None => {
                req.status = JobStatus::Failed(FailureReason::Inconclusive);
                match &req.kind {
                    JobKind::Inference { requester, .. } => {
                        Self::refund_all(&req, requester);
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

    /// Slashes `fraction` of a worker's bond for `offence` on job `id`; removes the worker from
    /// the active set if its bond falls below the minimum. Returns whether it slashed.
    pub(crate) fn slash_worker(
        who: &T::AccountId,
        id: JobId,
        offence: Offence,
        fraction: Perbill,
    ) -> bool {
        let Some(mut worker) = Workers::<T>::get(who) else {
            defensive!("a drawn worker stays registered until its jobs end");
            return false;
        };
        let amount = fraction.mul_floor(worker.bond);
        if amount.is_zero() {
            return false;
        }
        let (credit, missing) = <T::Currency as BalancedHold<T::AccountId>>::slash(
            &HoldReason::WorkerBond.into(),
            who,
            amount,
        );
        let slashed = credit.peek();
        T::OnSlash::on_unbalanced(credit);
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
        true
    }
}
