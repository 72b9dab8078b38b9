//! Block time as chain-spec data.
//!
//! Aura's slot duration and the timestamp pallet's minimum period are read from storage set
//! at genesis, so one wasm runtime serves both 6-second production chains and 1-second test
//! chains: the chain spec decides. The value cannot change after genesis (Aura would stall).

pub use pallet::*;

/// Slot duration used when a chain spec does not set one: six seconds.
pub const DEFAULT_SLOT_DURATION_MS: u64 = 6_000;

/// Shortest slot a chain spec may ask for.
pub const MIN_SLOT_DURATION_MS: u64 = 500;

#[frame_support::pallet]
pub mod pallet {
    use super::{DEFAULT_SLOT_DURATION_MS, MIN_SLOT_DURATION_MS};
    use frame_support::pallet_prelude::*;

    /// The pallet holding the chain's block time.
    #[pallet::pallet]
    pub struct Pallet<T>(_);

    /// Configuration: nothing beyond `frame_system`.
    #[pallet::config]
    pub trait Config: frame_system::Config {}

    /// Default slot duration, used only when storage was never written.
    #[pallet::type_value]
    pub fn DefaultSlotDuration() -> u64 {
        DEFAULT_SLOT_DURATION_MS
    }

    /// Milliseconds per Aura slot, fixed at genesis.
    #[pallet::storage]
    pub type SlotDurationMs<T> = StorageValue<_, u64, ValueQuery, DefaultSlotDuration>;

    /// Genesis configuration: the slot duration in milliseconds.
    #[pallet::genesis_config]
    #[derive(frame_support::DefaultNoBound)]
    pub struct GenesisConfig<T: Config> {
        /// Milliseconds per slot; an even number of at least 500.
        pub slot_duration_ms: u64,
        #[serde(skip)]
        /// Binds the config to the runtime.
        pub _config: core::marker::PhantomData<T>,
    }

    #[pallet::genesis_build]
    impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
        fn build(&self) {
            let value = if self.slot_duration_ms == 0 {
                DEFAULT_SLOT_DURATION_MS
            } else {
                self.slot_duration_ms
            };
            // Genesis is built off-chain when a spec is made: a bad value must stop it there.
            assert!(
                value >= MIN_SLOT_DURATION_MS && value % 2 == 0,
                "blockTime.slotDurationMs must be an even number of milliseconds >= {MIN_SLOT_DURATION_MS}, got {value}"
            );
            SlotDurationMs::<T>::put(value);
        }
    }

    impl<T: Config> Pallet<T> {
        /// Milliseconds per slot.
        pub fn slot_duration() -> u64 {
            SlotDurationMs::<T>::get()
        }
    }
}

/// `Get` for Aura's `SlotDuration`: the genesis value.
pub struct SlotDuration<T>(core::marker::PhantomData<T>);
impl<T: Config> frame_support::traits::Get<u64> for SlotDuration<T> {
    fn get() -> u64 {
        Pallet::<T>::slot_duration()
    }
}

/// `Get` for the timestamp pallet's `MinimumPeriod`: half a slot.
pub struct MinimumPeriod<T>(core::marker::PhantomData<T>);
impl<T: Config> frame_support::traits::Get<u64> for MinimumPeriod<T> {
    fn get() -> u64 {
        Pallet::<T>::slot_duration() / 2
    }
}
