//! Storage invariants, checked by `try-runtime`, after every unit test and after every block a
//! unit test runs: the active set and the bonds, the retired models' removal queue, that every
//! pending job is in the reveal queues and outlives its workers' unbonding, that every
//! provisional job is queued to become final after its challenge window, that no pending or
//! escalated job is undecided past the longest dispute, that every
//! escalated job is queued or in its validators' round, and that the fee, deposit and
//! challenge-bond holds are exactly what the jobs, models and challenges record.

use crate::*;

impl<T: Config> Pallet<T> {
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
        // The request-fee hold of each account is the fees of its inference jobs that are not
        // final, the deposit hold of each owner the deposits of its models, the challenge-bond
        // hold of each challenger the bonds of its open challenges.
        let mut fees: alloc::collections::BTreeMap<T::AccountId, BalanceOf<T>> = Default::default();
        for job in Jobs::<T>::iter_values().filter(|j| !j.status.is_final()) {
            if let JobKind::Inference { requester, .. } = &job.kind {
                let sum = fees.entry(requester.clone()).or_insert_with(Zero::zero);
                *sum = sum.saturating_add(Self::held_fee(&job));
            }
        }
        let mut deposits: alloc::collections::BTreeMap<T::AccountId, BalanceOf<T>> =
            Default::default();
        for model in Models::<T>::iter_values() {
            let sum = deposits
                .entry(model.owner.clone())
                .or_insert_with(Zero::zero);
            *sum = sum.saturating_add(model.deposit);
        }
        for (who, fee) in fees.iter() {
            let held = T::Currency::balance_on_hold(&HoldReason::RequestFee.into(), who);
            ensure!(
                held == *fee,
                "a requester's fee hold differs from its pending jobs' fees"
            );
        }
        for (who, deposit) in deposits.iter() {
            let held = T::Currency::balance_on_hold(&HoldReason::ModelDeposit.into(), who);
            ensure!(
                held == *deposit,
                "an owner's deposit hold differs from its models' deposits"
            );
        }
        let mut bonds: alloc::collections::BTreeMap<T::AccountId, BalanceOf<T>> =
            Default::default();
        for (id, (who, bond)) in Challenges::<T>::iter() {
            ensure!(
                Jobs::<T>::get(id).map(|j| j.status) == Some(JobStatus::Escalated),
                "an open challenge's job is not escalated"
            );
            let sum = bonds.entry(who).or_insert_with(Zero::zero);
            *sum = sum.saturating_add(bond);
        }
        for (who, bond) in bonds.iter() {
            let held = T::Currency::balance_on_hold(&HoldReason::ChallengeBond.into(), who);
            ensure!(
                held == *bond,
                "a challenger's bond hold differs from its open challenges"
            );
        }
        // Every escalated job is in the backlog or in its validators' round.
        let (first, end) = BacklogRange::<T>::get();
        let mut queued: alloc::collections::BTreeSet<JobId> = Default::default();
        let mut at = first;
        while at != end {
            queued.insert(EscalationBacklog::<T>::get(at).ok_or("a backlog entry is missing")?);
            at = at.wrapping_add(1);
        }
        for (id, job) in Jobs::<T>::iter() {
            if job.status == JobStatus::Escalated {
                ensure!(
                    queued.contains(&id) ^ Escalations::<T>::contains_key(id),
                    "an escalated job is neither queued nor in its validators' round (or both)"
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
        for (id, job) in Jobs::<T>::iter() {
            if job.status == JobStatus::Pending {
                ensure!(
                    live.contains(&id),
                    "pending job missing from the reveal queues"
                );
                for s in job.slots.iter() {
                    let worker = Workers::<T>::get(&s.worker).ok_or("job worker not registered")?;
                    if let WorkerStatus::Unbonding(until) = worker.status {
                        ensure!(
                            until > job.reveal_deadline,
                            "a worker can withdraw its bond before its job ends"
                        );
                    }
                }
            }
            // No job stays undecided past its committee round, challenge window, wait in the
            // escalation backlog and validators' round.
            if matches!(job.status, JobStatus::Pending | JobStatus::Escalated) {
                ensure!(
                    now <= job.created.saturating_add(Self::longest_dispute()),
                    "a job is undecided past the longest dispute"
                );
            }
            if job.status == JobStatus::Provisional {
                // Its finality slot holds it and is still ahead, or is one that a lagging block
                // left (`FinalityLag`), processed first.
                let final_at = Self::challenge_deadline(id, &job).saturating_add(1u32.into());
                let due = final_at > now || FinalityLag::<T>::get().is_some_and(|l| l <= final_at);
                ensure!(
                    due && FinalityQueue::<T>::get(final_at).contains(&id),
                    "a provisional job is not queued for finality after its challenge window"
                );
            }
        }
        Ok(())
    }
}
