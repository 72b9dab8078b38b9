//! Hooks: the deadline queues each block (`jobs.rs`), removal of retired models in spare
//! weight (`registry.rs`), the offchain worker (`offchain/`), configuration checks and the
//! try-state invariants (`try_state.rs`).

use frame_support::pallet_macros::pallet_section;

/// The pallet's hooks, imported into [`crate::pallet`].
#[pallet_section]
mod hooks {
    #[pallet::hooks]
    impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
        fn on_initialize(now: BlockNumberFor<T>) -> Weight {
            Self::process_queues(now)
        }

        fn on_idle(_now: BlockNumberFor<T>, remaining: Weight) -> Weight {
            Self::remove_retired_models(remaining)
        }

        fn offchain_worker(now: BlockNumberFor<T>) {
            offchain::run::<T>(now);
        }

        fn integrity_test() {
            assert!(T::MaxReplicas::get() >= 1, "MaxReplicas must be at least 1");
            assert!(
                T::MaxReplicas::get() <= u8::MAX as u32,
                "MaxReplicas must fit a u8"
            );
            assert!(
                T::ValidationReplicas::get() >= 1
                    && T::ValidationReplicas::get() <= T::MaxReplicas::get(),
                "ValidationReplicas must be in 1..=MaxReplicas"
            );
            assert!(
                T::MaxOutputBytes::get() > MAX_MODEL_INFO_BYTES,
                "MaxOutputBytes must hold a validation outcome"
            );
            assert!(T::MaxJobsPerBlock::get() >= 1);
            assert!(T::MaxBatch::get() >= 1);
            assert!(!T::CommitPeriod::get().is_zero());
            assert!(!T::RevealPeriod::get().is_zero());
            assert!(
                T::UnbondingPeriod::get() > Self::longest_dispute(),
                "UnbondingPeriod must outlast a job and its escalation"
            );
            assert!(
                T::NoRevealSlash::get() >= T::WrongResultSlash::get(),
                "withholding a reveal must cost at least as much as revealing a wrong result"
            );
            assert!(
                T::NoCommitSlash::get() >= T::WrongResultSlash::get(),
                "an absence escalates like a wrong result and must cost at least as much"
            );
            assert!(T::MaxEscalationsPerBlock::get() >= 1);
            assert!(
                !T::ResultRetention::get().is_zero(),
                "a decided escalation is pruned in a later block"
            );
            assert!(
                T::ChallengerReward::get().saturating_add(T::RequesterCompensation::get())
                    <= Perbill::one(),
                "the challenger's and the requester's shares cannot exceed the slashed stake"
            );
        }

        #[cfg(feature = "try-runtime")]
        fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
            Self::do_try_state()
        }
    }
}
