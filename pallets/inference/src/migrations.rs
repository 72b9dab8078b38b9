//! Storage migrations of the inference pallet, one module per storage version.

/// Version 1: one vocabulary. Inference requests and model validations are both *jobs*, so the
/// job map `Requests` is renamed `Jobs` and the id counter `NextRequestId` is renamed
/// `NextJobId`. The keys and values keep their encoding: only the storage prefix moves.
pub mod v1 {
    use crate::{Config, Job, Pallet};
    use core::marker::PhantomData;
    use frame_support::{
        migrations::VersionedMigration,
        storage::migration::{move_prefix, storage_key_iter},
        storage::{storage_prefix, unhashed},
        traits::{Get, PalletInfoAccess, UncheckedOnRuntimeUpgrade},
        weights::Weight,
        Twox64Concat,
    };

    /// Storage name of the job map in version 0.
    pub const OLD_JOBS: &[u8] = b"Requests";
    /// Storage name of the job id counter in version 0.
    pub const OLD_NEXT_JOB_ID: &[u8] = b"NextRequestId";
    /// Storage name of the job map from version 1 ([`crate::Jobs`]).
    pub const JOBS: &[u8] = b"Jobs";

    /// Moves `Requests` to `Jobs` and `NextRequestId` to `NextJobId`.
    pub struct RenameRequestsToJobs<T>(PhantomData<T>);

    impl<T: Config> UncheckedOnRuntimeUpgrade for RenameRequestsToJobs<T> {
        fn on_runtime_upgrade() -> Weight {
            let pallet = <Pallet<T> as PalletInfoAccess>::name().as_bytes();
            // Bounded by the jobs alive at once: `MaxJobsPerBlock` per block over a job's
            // lifetime and its retention.
            let jobs = storage_key_iter::<u64, Job<T>, Twox64Concat>(pallet, OLD_JOBS).count();
            move_prefix(
                &storage_prefix(pallet, OLD_JOBS),
                &storage_prefix(pallet, JOBS),
            );
            // A value's key is its prefix, which `move_prefix` (keys after the prefix) skips.
            if let Some(next) = unhashed::take::<u64>(&storage_prefix(pallet, OLD_NEXT_JOB_ID)) {
                crate::NextJobId::<T>::put(next);
            }
            log::info!(target: crate::LOG_TARGET, "moved {jobs} jobs to `Jobs`");
            // Counting reads every job; moving reads and writes it again and clears the old
            // key. The counter: one read, one write, one clear.
            let jobs = jobs as u64;
            T::DbWeight::get().reads_writes(
                jobs.saturating_mul(2).saturating_add(1),
                jobs.saturating_mul(2).saturating_add(2),
            )
        }

        #[cfg(feature = "try-runtime")]
        fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
            use codec::Encode;
            let pallet = <Pallet<T> as PalletInfoAccess>::name().as_bytes();
            let jobs = storage_key_iter::<u64, Job<T>, Twox64Concat>(pallet, OLD_JOBS).count();
            Ok((jobs as u64).encode())
        }

        #[cfg(feature = "try-runtime")]
        fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
            use codec::Decode;
            let before = u64::decode(&mut &state[..])
                .map_err(|_| sp_runtime::TryRuntimeError::Other("bad pre-upgrade state"))?;
            let after = crate::Jobs::<T>::iter_keys().count() as u64;
            frame_support::ensure!(before == after, "jobs lost in the move to `Jobs`");
            Ok(())
        }
    }

    /// [`RenameRequestsToJobs`] run once, from storage version 0 to 1.
    pub type MigrateV0ToV1<T> = VersionedMigration<
        0,
        1,
        RenameRequestsToJobs<T>,
        Pallet<T>,
        <T as frame_system::Config>::DbWeight,
    >;
}

/// Version 2: typed reveals. A stored reveal was the raw output bytes, the empty encoding
/// standing for an execution failure; it is now a [`crate::RevealOf`]: `Outputs(bytes)`, or
/// `ExecutionFailed` for the empty encoding. Commitments are unchanged (a reveal commits to the
/// same bytes as before), so jobs in flight settle as they would have.
pub mod v2 {
    use crate::{Config, OutputOf, Pallet, Reveals};
    use core::marker::PhantomData;
    use frame_support::{
        migrations::VersionedMigration,
        traits::{Get, UncheckedOnRuntimeUpgrade},
        weights::Weight,
    };
    use inferchain_primitives::Reveal;

    /// Rewrites every stored reveal as a typed reveal.
    pub struct TypeStoredReveals<T>(PhantomData<T>);

    impl<T: Config> UncheckedOnRuntimeUpgrade for TypeStoredReveals<T> {
        fn on_runtime_upgrade() -> Weight {
            // Bounded by the pending jobs' replicas: reveals are removed at settlement.
            let mut count: u64 = 0;
            Reveals::<T>::translate::<OutputOf<T>, _>(|_, _, raw| {
                count = count.saturating_add(1);
                Some(match raw.is_empty() {
                    true => Reveal::ExecutionFailed,
                    false => Reveal::Outputs(raw),
                })
            });
            log::info!(target: crate::LOG_TARGET, "typed {count} stored reveals");
            T::DbWeight::get().reads_writes(count.saturating_add(1), count)
        }
    }

    /// [`TypeStoredReveals`] run once, from storage version 1 to 2.
    pub type MigrateV1ToV2<T> = VersionedMigration<
        1,
        2,
        TypeStoredReveals<T>,
        Pallet<T>,
        <T as frame_system::Config>::DbWeight,
    >;
}

/// Version 3: provisional results. A job in flight at the upgrade reserved a deadline slot
/// and a pruning slot only; it now also needs its finality slot ([`crate::FinalityQueue`],
/// `ChallengePeriod` blocks after its reveal deadline) and its pruning slot moves that much
/// later, so that its round ends in a provisional result that becomes final (or is
/// challenged) before it is pruned. A job's reveal slot gives both, so no job is read.
pub mod v3 {
    use crate::{Config, FinalityQueue, JobId, Pallet, PruneQueue, RevealQueue};
    use alloc::vec::Vec;
    use core::marker::PhantomData;
    use frame_support::{
        defensive,
        migrations::VersionedMigration,
        traits::{Get, UncheckedOnRuntimeUpgrade},
        weights::Weight,
    };
    use frame_system::pallet_prelude::BlockNumberFor;
    use sp_runtime::{traits::UniqueSaturatedInto, Saturating};

    /// Queues every job of a future reveal slot for finality and moves its pruning.
    pub struct ScheduleFinalityOfJobsInFlight<T>(PhantomData<T>);

    impl<T: Config> UncheckedOnRuntimeUpgrade for ScheduleFinalityOfJobsInFlight<T> {
        fn on_runtime_upgrade() -> Weight {
            let now = frame_system::Pallet::<T>::block_number();
            let period = T::ChallengePeriod::get();
            let retention = T::ResultRetention::get();
            // Every job in flight is in the reveal slot of one of these blocks (`live_jobs`);
            // the slot of `now` too, in case this runs before `now`'s hooks.
            let last = now.saturating_add(Pallet::<T>::longest_job());
            let mut slots: Vec<(BlockNumberFor<T>, Vec<JobId>)> = Vec::new();
            let mut at = now;
            while at <= last {
                let ids = RevealQueue::<T>::get(at).into_inner();
                if !ids.is_empty() {
                    slots.push((at, ids));
                }
                at = at.saturating_add(1u32.into());
            }
            // Every old pruning entry is removed before any new one is added: a new slot may
            // be the old slot of a later reveal slot, which has room only once emptied.
            for (at, ids) in slots.iter() {
                PruneQueue::<T>::mutate(at.saturating_add(retention), |q| {
                    q.retain(|id| !ids.contains(id))
                });
            }
            let mut moved: u64 = 0;
            for (at, ids) in slots.iter() {
                let final_at = at.saturating_add(period);
                FinalityQueue::<T>::mutate(final_at, |q| {
                    for id in ids.iter() {
                        if q.try_push(*id).is_err() {
                            defensive!("a finality slot has room for one block's jobs");
                        }
                    }
                });
                PruneQueue::<T>::mutate(final_at.saturating_add(retention), |q| {
                    for id in ids.iter() {
                        if q.try_push(*id).is_err() {
                            defensive!("a pruning slot has room for one block's jobs");
                        }
                    }
                });
                moved = moved.saturating_add(ids.len() as u64);
            }
            log::info!(target: crate::LOG_TARGET, "scheduled the finality of {moved} jobs");
            // Every reveal slot read; per non-empty one, three slots read and written.
            let lifetime: u64 = Pallet::<T>::longest_job().unique_saturated_into();
            let read = lifetime.saturating_add(1);
            let full = slots.len() as u64;
            T::DbWeight::get().reads_writes(
                read.saturating_add(full.saturating_mul(3)),
                full.saturating_mul(3),
            )
        }
    }

    /// [`ScheduleFinalityOfJobsInFlight`] run once, from storage version 2 to 3.
    pub type MigrateV2ToV3<T> = VersionedMigration<
        2,
        3,
        ScheduleFinalityOfJobsInFlight<T>,
        Pallet<T>,
        <T as frame_system::Config>::DbWeight,
    >;
}
