//! Storage invariants, checked by `try-runtime` and after every unit test.

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
