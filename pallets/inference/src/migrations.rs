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
