//! Genesis: workers bonded and models registered as `Active` when the chain starts. Genesis
//! may panic on a bad configuration: the chain spec is refused before any block exists.

use frame_support::pallet_macros::pallet_section;

/// The genesis configuration and its build, imported into [`crate::pallet`].
#[pallet_section]
mod genesis {
    #[pallet::genesis_config]
    #[derive(frame_support::DefaultNoBound)]
    pub struct GenesisConfig<T: Config> {
        /// Workers and their bonds (held from their free balance, which must exist).
        pub workers: Vec<(T::AccountId, BalanceOf<T>)>,
        /// Models registered as `Active`, without deposit.
        pub models: Vec<GenesisModel<T::AccountId, BalanceOf<T>>>,
    }

    #[pallet::genesis_build]
    impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
        fn build(&self) {
            for (who, bond) in &self.workers {
                assert!(
                    *bond >= T::MinWorkerBond::get(),
                    "genesis worker bond below minimum"
                );
                Pallet::<T>::do_register_worker(who, *bond)
                    .expect("genesis worker must be registrable");
            }
            for m in &self.models {
                let info = ModelInfo::decode(&mut &m.info[..]).expect("genesis model info decodes");
                let policy =
                    ModelPolicy::decode(&mut &m.policy[..]).expect("genesis model policy decodes");
                Pallet::<T>::check_policy(&policy).expect("genesis model policy is valid");
                assert!(Pallet::<T>::usable(&info), "genesis model info is usable");
                let chunk_hashes: ChunkHashes = m
                    .chunk_hashes
                    .clone()
                    .try_into()
                    .expect("genesis chunk count within limit");
                assert_eq!(
                    Pallet::<T>::expected_chunks(m.size).ok(),
                    Some(chunk_hashes.len() as u32),
                    "genesis chunk count matches size"
                );
                assert!(
                    !Models::<T>::contains_key(m.model_id),
                    "duplicate genesis model"
                );
                let mut received = ChunkBitmap::default();
                for i in 0..chunk_hashes.len() as u32 {
                    set_bit(&mut received, i);
                }
                let model = Model::<T> {
                    owner: m.owner.clone(),
                    name: m
                        .name
                        .clone()
                        .try_into()
                        .expect("genesis model name within limit"),
                    description: Default::default(),
                    size: m.size,
                    received_count: chunk_hashes.len() as u32,
                    chunk_hashes,
                    received,
                    policy,
                    price: m.price,
                    deposit: Zero::zero(),
                    status: ModelStatus::Active,
                    info: Some(info),
                    pending: 0,
                };
                Models::<T>::insert(m.model_id, model);
            }
        }
    }
}
