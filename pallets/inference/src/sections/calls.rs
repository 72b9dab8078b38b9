//! Calls: each checks the origin, hands over to the domain function of its protocol concern
//! (`workers.rs`, `registry.rs`, `jobs.rs`, `commit_reveal.rs`) and reports the event, unless
//! the domain function reports a sequence of events itself.

use frame_support::pallet_macros::pallet_section;

/// The pallet's calls, imported into [`crate::pallet`].
#[pallet_section]
mod calls {
    #[pallet::call(weight(<T as Config>::WeightInfo))]
    impl<T: Config> Pallet<T> {
        /// Registers the caller as a worker, holding `bond` (at least `MinWorkerBond`).
        ///
        /// The caller's node must hold the caller's key as an `infr` key.
        #[pallet::call_index(0)]
        pub fn register_worker(origin: OriginFor<T>, bond: BalanceOf<T>) -> DispatchResult {
            let who = ensure_signed(origin)?;
            Self::do_register_worker(&who, bond)?;
            Self::deposit_event(Event::WorkerRegistered { worker: who, bond });
            Ok(())
        }

        /// Adds `amount` to an active worker's bond.
        #[pallet::call_index(1)]
        pub fn bond_extra(origin: OriginFor<T>, amount: BalanceOf<T>) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let bond = Self::do_bond_extra(&who, amount)?;
            Self::deposit_event(Event::BondIncreased { worker: who, bond });
            Ok(())
        }

        /// Leaves the active set; the bond can be withdrawn after `UnbondingPeriod` (by then
        /// every job the worker was drawn for has ended).
        #[pallet::call_index(2)]
        pub fn unregister_worker(origin: OriginFor<T>) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let until = Self::do_unregister_worker(&who)?;
            Self::deposit_event(Event::WorkerUnbonding { worker: who, until });
            Ok(())
        }

        /// Releases the bond of an unbonding worker whose period is over, and forgets the
        /// worker.
        #[pallet::call_index(3)]
        pub fn withdraw_bond(origin: OriginFor<T>) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let amount = Self::do_withdraw_bond(&who)?;
            Self::deposit_event(Event::BondWithdrawn {
                worker: who,
                amount,
            });
            Ok(())
        }

        /// Registers a model: its id (blake2-256 of the ONNX bytes), size, the blake2-256 hash of
        /// each chunk (`MAX_CHUNK_BYTES` each, the last one shorter), name, description,
        /// policy and royalty. Holds `ModelDepositBase + ModelDepositPerByte * size`.
        #[pallet::call_index(4)]
        #[pallet::weight(T::WeightInfo::register_model(chunk_hashes.len() as u32))]
        #[allow(clippy::too_many_arguments)]
        pub fn register_model(
            origin: OriginFor<T>,
            model_id: ModelId,
            size: u32,
            chunk_hashes: ChunkHashes,
            name: BoundedVec<u8, T::MaxNameLen>,
            description: BoundedVec<u8, T::MaxDescriptionLen>,
            policy: ModelPolicy,
            price: BalanceOf<T>,
        ) -> DispatchResult {
            let owner = ensure_signed(origin)?;
            let model = Self::do_register_model(
                &owner,
                model_id,
                size,
                chunk_hashes,
                name,
                description,
                policy,
                price,
            )?;
            Self::deposit_event(Event::ModelRegistered {
                model_id,
                owner,
                size,
                chunks: model.chunk_hashes.len() as u32,
                deposit: model.deposit,
            });
            Ok(())
        }

        /// Uploads chunk `index` of a model. The bytes go to the offchain index under
        /// `chunk_key(model_id, index)`; state records that the chunk arrived. The last missing
        /// chunk starts the model's validation. Anyone may upload (the hash authenticates the
        /// bytes).
        #[pallet::call_index(5)]
        #[pallet::weight(T::WeightInfo::upload_chunk(bytes.len() as u32)
            .max(Pallet::<T>::upload_final_chunk_weight(bytes.len() as u32, T::MaxWorkers::get())))]
        pub fn upload_chunk(
            origin: OriginFor<T>,
            model_id: ModelId,
            index: u32,
            bytes: BoundedVec<u8, ConstU32<MAX_CHUNK_BYTES>>,
        ) -> DispatchResultWithPostInfo {
            ensure_signed(origin)?;
            let len = bytes.len() as u32;
            let weight = match Self::do_upload_chunk(model_id, index, bytes)? {
                ChunkUpload::Stored => T::WeightInfo::upload_chunk(len),
                ChunkUpload::Completed { active_workers } => {
                    Self::upload_final_chunk_weight(len, active_workers)
                }
            };
            Ok(Some(weight).into())
        }

        /// Sets the royalty of a model (owner only).
        #[pallet::call_index(6)]
        pub fn set_price(
            origin: OriginFor<T>,
            model_id: ModelId,
            price: BalanceOf<T>,
        ) -> DispatchResult {
            let who = ensure_signed(origin)?;
            Self::do_set_price(&who, model_id, price)?;
            Self::deposit_event(Event::ModelPriceSet { model_id, price });
            Ok(())
        }

        /// Retires a model (owner only): no new requests; the deposit is returned and the
        /// record removed now if no request is pending, else in `on_idle` once the last one
        /// has ended. A model still uploading is removed at once; a rejected model's record is
        /// removed.
        #[pallet::call_index(7)]
        #[pallet::weight(T::WeightInfo::retire_model(MAX_CHUNKS))]
        pub fn retire_model(origin: OriginFor<T>, model_id: ModelId) -> DispatchResultWithPostInfo {
            let who = ensure_signed(origin)?;
            let chunks = Self::do_retire_model(&who, model_id)?;
            Ok(Some(T::WeightInfo::retire_model(chunks)).into())
        }

        /// Requests an inference of an active model on `inputs` (a canonical tensor map
        /// encoding matching the model's inputs). Holds the quoted fee, which must not exceed
        /// `max_fee`, and draws the model's replica count of distinct workers.
        #[pallet::call_index(8)]
        #[pallet::weight(Pallet::<T>::request_weight(
            inputs.len() as u32,
            T::MaxWorkers::get(),
            T::MaxReplicas::get(),
            MAX_DEADLINE_SPILL,
        ))]
        pub fn request_inference(
            origin: OriginFor<T>,
            model_id: ModelId,
            inputs: BoundedVec<u8, T::MaxInputBytes>,
            max_fee: BalanceOf<T>,
        ) -> DispatchResultWithPostInfo {
            let requester = ensure_signed(origin)?;
            let inputs_len = inputs.len() as u32;
            let (request, spilled) =
                Self::do_request_inference(&requester, model_id, &inputs, max_fee)?;
            let replicas = request.workers.len() as u32;
            Self::deposit_event(Event::InferenceRequested {
                job_id: request.job_id,
                model_id,
                requester,
                fee: request.fee,
                workers: request.workers,
            });
            let active = ActiveWorkers::<T>::decode_len().unwrap_or(0) as u32;
            Ok(Some(Self::request_weight(inputs_len, active, replicas, spilled)).into())
        }

        /// Commits a batch of output commitments of one worker (an authorized transaction:
        /// signed by the worker's `infr` key, feeless, checked at the pool).
        ///
        /// Items that another transaction overtook (the job settled, the phase closed, the
        /// item was already applied) are skipped; the batch fails only if no item applies,
        /// with the first such item's error. `signature` signs `(COMMIT_CONTEXT, worker,
        /// items)` SCALE-encoded.
        #[pallet::call_index(9)]
        #[pallet::weight(T::WeightInfo::commit(items.len() as u32))]
        #[pallet::authorize(Pallet::<T>::authorize_commit)]
        #[pallet::weight_of_authorize(T::WeightInfo::authorize_commit(items.len() as u32))]
        pub fn commit(
            origin: OriginFor<T>,
            worker: crypto::Public,
            items: CommitBatchOf<T>,
            signature: crypto::Signature,
        ) -> DispatchResult {
            ensure_authorized(origin)?;
            // Checked by the authorization.
            let _ = signature;
            Self::apply_commits(&Self::account_of(&worker), items)?;
            Ok(())
        }

        /// Reveals a batch of outputs of one worker (an authorized transaction: signed by the
        /// worker's `infr` key, feeless, checked at the pool). Each output must open the
        /// worker's commitment. A job settles as soon as nothing more can change its outcome.
        ///
        /// Items that another transaction overtook (typically: another worker's reveal
        /// already settled the job) are skipped; the batch fails only if no item applies, with
        /// the first such item's error. `signature` signs `(REVEAL_CONTEXT, worker, items)`
        /// SCALE-encoded.
        #[pallet::call_index(10)]
        #[pallet::weight(Pallet::<T>::reveal_weight_bound(items))]
        #[pallet::authorize(Pallet::<T>::authorize_reveal)]
        #[pallet::weight_of_authorize(Pallet::<T>::authorize_reveal_weight(items))]
        pub fn reveal(
            origin: OriginFor<T>,
            worker: crypto::Public,
            items: RevealBatchOf<T>,
            signature: crypto::Signature,
        ) -> DispatchResultWithPostInfo {
            ensure_authorized(origin)?;
            // Checked by the authorization.
            let _ = signature;
            let batch = Self::apply_reveals(&Self::account_of(&worker), items)?;
            Ok(Some(Self::reveal_weight(
                batch.applied,
                batch.bytes,
                batch.settle_weight,
                batch.skipped,
            ))
            .into())
        }

        /// Starts a new validation of a model whose validation was inconclusive or got no
        /// response (owner only), holding the deposit again. The chunks are still in the
        /// offchain index, so nothing is uploaded again.
        #[pallet::call_index(11)]
        #[pallet::weight(T::WeightInfo::revalidate(T::MaxWorkers::get())
            .saturating_add(Pallet::<T>::spill_reads()))]
        pub fn revalidate(origin: OriginFor<T>, model_id: ModelId) -> DispatchResult {
            let who = ensure_signed(origin)?;
            Self::do_revalidate(&who, model_id)
        }

        /// Challenges the provisional result of inference job `job_id`, holding
        /// `ChallengeBond` from the caller until the validators' verdict: any account may
        /// (the requester, a worker, a watcher), within the job's challenge window
        /// (`disputes.rs`).
        #[pallet::call_index(12)]
        #[pallet::weight(T::WeightInfo::challenge())]
        pub fn challenge(origin: OriginFor<T>, job_id: JobId) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let bond = Self::do_challenge(&who, job_id)?;
            Self::deposit_event(Event::Challenged {
                job_id,
                challenger: who,
                bond,
            });
            Ok(())
        }
    }
}
