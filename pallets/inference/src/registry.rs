//! The model registry: registration, chunk uploads, validation by a committee, price, retirement
//! and removal.
//!
//! A model's life: `Uploading` (registered, deposit held, chunks arriving; bytes go to the
//! offchain index, state keeps which chunks arrived) → `Validating(job)` (the last chunk starts
//! a validation job: a committee of [`Config::ValidationReplicas`] workers runs the engine's
//! checks through commit–reveal and reveals a [`ValidationOutcome`]; like an inference's, the
//! outcome is provisional until its challenge window closes, and any disagreement, absence or
//! challenge escalates it to the validators: `settlement.rs`, `disputes.rs`) → `Active`
//! (requests accepted) or `Rejected` (those who found it are paid [`Config::RejectionFee`] of
//! the deposit, the rest returned) → `Retired` by the owner → removed, deposit returned, once no
//! request is pending. The deposit's holds and payments are in `escrow.rs`.

use crate::*;
use inferchain_primitives::model::TensorSpecs;

/// What an upload did.
pub(crate) enum ChunkUpload {
    /// The chunk was stored; others are still missing.
    Stored,
    /// The chunk was the last missing one: the model's validation started among this many
    /// active workers.
    Completed {
        /// Size of the active set the committee was drawn from.
        active_workers: u32,
    },
}

impl<T: Config> Pallet<T> {
    /// Registers a model uploaded by `owner` and holds its deposit; returns the record.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn do_register_model(
        owner: &T::AccountId,
        model_id: ModelId,
        size: u32,
        chunk_hashes: ChunkHashes,
        name: BoundedVec<u8, T::MaxNameLen>,
        description: BoundedVec<u8, T::MaxDescriptionLen>,
        policy: ModelPolicy,
        price: BalanceOf<T>,
    ) -> Result<Model<T>, DispatchError> {
        ensure!(
            !Models::<T>::contains_key(model_id),
            Error::<T>::ModelExists
        );
        let chunks = Self::expected_chunks(size)?;
        ensure!(
            chunk_hashes.len() as u32 == chunks,
            Error::<T>::BadChunkCount
        );
        Self::check_policy(&policy)?;
        let deposit = Self::hold_model_deposit(owner, size)?;
        let received: ChunkBitmap = alloc::vec![0u8; chunks.div_ceil(8) as usize]
            .try_into()
            .map_err(|_| Error::<T>::BadChunkCount)?;
        let model = Model::<T> {
            owner: owner.clone(),
            name,
            description,
            size,
            chunk_hashes,
            received,
            received_count: 0,
            policy,
            price,
            deposit,
            status: ModelStatus::Uploading,
            info: None,
            pending: 0,
        };
        Models::<T>::insert(model_id, model.clone());
        Ok(model)
    }

    /// Records chunk `index` of a model (its bytes go to the offchain index); the last missing
    /// chunk starts the model's validation.
    pub(crate) fn do_upload_chunk(
        model_id: ModelId,
        index: u32,
        bytes: BoundedVec<u8, ConstU32<MAX_CHUNK_BYTES>>,
    ) -> Result<ChunkUpload, DispatchError> {
        let mut model = Models::<T>::get(model_id).ok_or(Error::<T>::ModelNotFound)?;
        ensure!(
            model.status == ModelStatus::Uploading,
            Error::<T>::NotUploading
        );
        let expected_hash = *model
            .chunk_hashes
            .get(index as usize)
            .ok_or(Error::<T>::BadChunkIndex)?;
        ensure!(
            !get_bit(&model.received, index),
            Error::<T>::ChunkAlreadyUploaded
        );
        ensure!(
            bytes.len() as u32 == Self::chunk_len(model.size, index),
            Error::<T>::BadChunkSize
        );
        ensure!(
            H256(sp_io::hashing::blake2_256(&bytes)) == expected_hash,
            Error::<T>::ChunkHashMismatch
        );
        set_bit(&mut model.received, index);
        model.received_count = model.received_count.saturating_add(1);
        sp_io::offchain_index::set(&chunk_key(&model_id, index), &bytes);
        Self::deposit_event(Event::ChunkUploaded { model_id, index });
        if model.received_count as usize == model.chunk_hashes.len() {
            Self::start_validation(model_id, model)?;
            Ok(ChunkUpload::Completed {
                active_workers: ActiveWorkers::<T>::decode_len().unwrap_or(0) as u32,
            })
        } else {
            Models::<T>::insert(model_id, model);
            Ok(ChunkUpload::Stored)
        }
    }

    /// Sets the royalty of a model that is not closed (owner only).
    pub(crate) fn do_set_price(
        who: &T::AccountId,
        model_id: ModelId,
        price: BalanceOf<T>,
    ) -> DispatchResult {
        let mut model = Models::<T>::get(model_id).ok_or(Error::<T>::ModelNotFound)?;
        ensure!(&model.owner == who, Error::<T>::NotModelOwner);
        ensure!(
            !matches!(
                model.status,
                ModelStatus::Retired | ModelStatus::Rejected(_)
            ),
            Error::<T>::ModelClosed
        );
        model.price = price;
        Models::<T>::insert(model_id, model);
        Ok(())
    }

    /// Retires a model (owner only); returns its chunk count (for the weight).
    pub(crate) fn do_retire_model(
        who: &T::AccountId,
        model_id: ModelId,
    ) -> Result<u32, DispatchError> {
        let mut model = Models::<T>::get(model_id).ok_or(Error::<T>::ModelNotFound)?;
        ensure!(&model.owner == who, Error::<T>::NotModelOwner);
        let chunks = model.chunk_hashes.len() as u32;
        match model.status {
            ModelStatus::Validating(_) => return Err(Error::<T>::ModelValidating.into()),
            ModelStatus::Retired => return Err(Error::<T>::ModelClosed.into()),
            ModelStatus::Uploading | ModelStatus::Rejected(_) => {
                Self::deposit_event(Event::ModelRetired { model_id });
                Self::remove_model(model_id, &model);
            }
            ModelStatus::Active => {
                model.status = ModelStatus::Retired;
                Self::deposit_event(Event::ModelRetired { model_id });
                if model.pending == 0 {
                    Self::remove_model(model_id, &model);
                } else {
                    Models::<T>::insert(model_id, model);
                }
            }
        }
        Ok(chunks)
    }

    /// Starts a new validation of a model whose validation was inconclusive or got no response
    /// (owner only), holding the deposit again.
    pub(crate) fn do_revalidate(who: &T::AccountId, model_id: ModelId) -> DispatchResult {
        let mut model = Models::<T>::get(model_id).ok_or(Error::<T>::ModelNotFound)?;
        ensure!(&model.owner == who, Error::<T>::NotModelOwner);
        ensure!(
            matches!(
                model.status,
                ModelStatus::Rejected(RejectReason::Inconclusive | RejectReason::NoResponse)
            ),
            Error::<T>::NotRevalidatable
        );
        model.deposit = Self::hold_model_deposit(who, model.size)?;
        Self::start_validation(model_id, model)
    }

    /// Number of chunks of a model of `size` bytes.
    pub fn expected_chunks(size: u32) -> Result<u32, Error<T>> {
        ensure!(
            (1..=MAX_MODEL_BYTES).contains(&size),
            Error::<T>::BadModelSize
        );
        Ok(size.div_ceil(MAX_CHUNK_BYTES))
    }

    /// Length of chunk `index` of a model of `size` bytes.
    fn chunk_len(size: u32, index: u32) -> u32 {
        let start = index.saturating_mul(MAX_CHUNK_BYTES);
        size.saturating_sub(start).min(MAX_CHUNK_BYTES)
    }

    /// Checks a model policy: a replica count in `1..=MaxReplicas` and reasonable tolerances.
    pub(crate) fn check_policy(policy: &ModelPolicy) -> Result<(), Error<T>> {
        ensure!(
            policy.replicas >= 1 && (policy.replicas as u32) <= T::MaxReplicas::get(),
            Error::<T>::BadPolicy
        );
        // Tolerances above 1e9 (absolute) or 100% (relative) make comparison meaningless.
        ensure!(policy.execution.within_bounds(), Error::<T>::BadPolicy);
        Ok(())
    }

    /// Whether a validated schema can be used by the chain.
    ///
    /// Besides non-empty inputs and outputs and a cost within `MAX_COST`, the canonical
    /// encoding of the model's inputs must fit `MaxInputBytes` and that of its outputs
    /// `MaxOutputBytes`: otherwise no request could be made, or no worker could reveal, and
    /// every request would end with workers slashed for not committing.
    pub(crate) fn usable(info: &ModelInfo) -> bool {
        let fits = |specs: &TensorSpecs, max: u32| {
            Self::encoded_bound(specs).is_some_and(|len| len <= max as u64)
        };
        !info.inputs.is_empty()
            && !info.outputs.is_empty()
            && info.cost <= MAX_COST
            && fits(&info.inputs, T::MaxInputBytes::get())
            && fits(&info.outputs, T::MaxOutputBytes::get())
    }

    /// Upper bound of the canonical encoding length of a tensor map with these specs
    /// (`None` on overflow): [`inferchain_primitives::model::max_canonical_len`].
    pub fn encoded_bound(specs: &TensorSpecs) -> Option<u64> {
        inferchain_primitives::model::max_canonical_len(specs)
    }

    /// Draws a validation committee for a completely uploaded model and starts its
    /// validation job.
    pub(crate) fn start_validation(model_id: ModelId, mut model: Model<T>) -> DispatchResult {
        let id = Self::next_job_id()?;
        let committee_size =
            T::ValidationReplicas::get().min(ActiveWorkers::<T>::decode_len().unwrap_or(0) as u32);
        ensure!(committee_size >= 1, Error::<T>::NotEnoughWorkers);
        let committee = Self::draw_workers(id, committee_size)?;
        Self::create_job(id, model_id, JobKind::Validation, committee.clone(), 0)?;
        model.status = ModelStatus::Validating(id);
        Models::<T>::insert(model_id, model);
        Self::deposit_event(Event::ModelValidationStarted {
            model_id,
            job_id: id,
            committee,
        });
        Ok(())
    }

    /// Applies the final outcome of a model validation: `Some(outcome)` is the agreed
    /// encoding, `None` means none was reached (`expired` if nobody committed). A rejection
    /// pays the rejection fee as `shares` says.
    pub(crate) fn conclude_validation(
        model_id: ModelId,
        outcome: Option<&OutputOf<T>>,
        shares: FeeShares<'_, T::AccountId>,
        expired: bool,
    ) {
        let Some(mut model) = Models::<T>::get(model_id) else {
            defensive!("a validation job's model is removed only after the job ends");
            return;
        };
        let decoded = outcome.and_then(|o| ValidationOutcome::decode_all(&mut &o[..]).ok());
        let reason = match decoded {
            Some(Ok(info)) if Self::usable(&info) => {
                let cost = info.cost;
                model.info = Some(info);
                model.status = ModelStatus::Active;
                Models::<T>::insert(model_id, model);
                Self::deposit_event(Event::ModelActivated { model_id, cost });
                return;
            }
            Some(Ok(_)) => RejectReason::Unusable,
            Some(Err(ValidationFailure::IdMismatch)) => RejectReason::IdMismatch,
            Some(Err(ValidationFailure::Invalid)) => RejectReason::Invalid,
            None if expired => RejectReason::NoResponse,
            None => RejectReason::Inconclusive,
        };
        // The rejection fee is paid only for a rejection that was agreed.
        let fee = if decoded.is_some() {
            Self::pay_rejection_fee(&model, shares)
        } else {
            Zero::zero()
        };
        Self::release_model_deposit(&model.owner, model.deposit.saturating_sub(fee));
        model.deposit = Zero::zero();
        model.status = ModelStatus::Rejected(reason);
        Models::<T>::insert(model_id, model);
        Self::deposit_event(Event::ModelRejected {
            model_id,
            reason,
            fee,
        });
    }

    /// Removes a model record, returns its deposit and clears its chunks from the offchain
    /// index.
    pub(crate) fn remove_model(model_id: ModelId, model: &Model<T>) {
        let returned = Self::release_model_deposit(&model.owner, model.deposit);
        for i in 0..model.chunk_hashes.len() as u32 {
            sp_io::offchain_index::clear(&chunk_key(&model_id, i));
        }
        Models::<T>::remove(model_id);
        Self::deposit_event(Event::ModelRemoved {
            model_id,
            deposit_returned: returned,
        });
    }

    /// Removes queued retired models (`ModelsToRemove`, filled when a retired model's last
    /// job ends) while `remaining` weight allows; returns the weight used.
    pub(crate) fn remove_retired_models(remaining: Weight) -> Weight {
        let per = Self::queued_removal_weight();
        // One read to find out whether anything is queued.
        let mut used = T::DbWeight::get().reads(1);
        if per.ref_time() == 0 || !used.all_lte(remaining) {
            return Weight::zero();
        }
        let fit = remaining
            .saturating_sub(used)
            .ref_time()
            .checked_div(per.ref_time())
            .unwrap_or(0);
        let proof_fit = remaining
            .saturating_sub(used)
            .proof_size()
            .checked_div(per.proof_size().max(1))
            .unwrap_or(0);
        let n = fit.min(proof_fit).min(u64::from(T::MaxJobsPerBlock::get()));
        let ids: Vec<ModelId> = ModelsToRemove::<T>::iter_keys().take(n as usize).collect();
        for model_id in ids {
            ModelsToRemove::<T>::remove(model_id);
            if let Some(model) = Models::<T>::get(model_id) {
                if model.status == ModelStatus::Retired && model.pending == 0 {
                    Self::remove_model(model_id, &model);
                }
            }
            used = used.saturating_add(per);
        }
        used
    }
}

/// Reads bit `i` of a chunk bitmap.
fn get_bit(bitmap: &ChunkBitmap, i: u32) -> bool {
    bitmap
        .get((i / 8) as usize)
        .map(|b| b & (1u8 << (i % 8)) != 0)
        .unwrap_or(false)
}

/// Sets bit `i` of a chunk bitmap, growing it if needed (within its bound).
pub(crate) fn set_bit(bitmap: &mut ChunkBitmap, i: u32) {
    let byte = (i / 8) as usize;
    while bitmap.len() <= byte {
        if bitmap.try_push(0).is_err() {
            return;
        }
    }
    if let Some(b) = bitmap.get_mut(byte) {
        *b |= 1u8 << (i % 8);
    }
}
