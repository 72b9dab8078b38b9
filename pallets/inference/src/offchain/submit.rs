//! Submitting a worker's batches: when (after the submit delay, so peers have imported the
//! block the transactions depend on), in what sizes, signed how.

use super::{local_store::mark_sent, SUBMIT_DELAY_MILLIS};
use crate::{crypto, Call, Config, JobId, Pallet, RevealBatchOf, RevealOf, LOG_TARGET};
use alloc::vec::Vec;
use codec::Encode;
use frame_support::traits::Get;
use frame_system::offchain::{CreateAuthorizedTransaction, SubmitTransaction};
use inferchain_primitives::offchain_keys::NODE_PEERS_KEY;
use sp_runtime::{offchain::storage::StorageValueRef, RuntimeAppPublic};

/// The delay before this run's transactions are submitted: none if the node recorded that it
/// has no peers (nobody to race), else [`SUBMIT_DELAY_MILLIS`].
pub fn submit_delay_millis() -> u64 {
    match StorageValueRef::persistent(NODE_PEERS_KEY).get::<u32>() {
        Ok(Some(0)) => 0,
        _ => SUBMIT_DELAY_MILLIS,
    }
}

/// Signs a batch of `phase` items (jobs `ids`) with `key` under `context`, submits the call
/// `make` builds from it, and marks the items sent at block `now` if the pool took it.
#[allow(clippy::too_many_arguments)]
pub(super) fn send_batch<T: Config, I: Encode>(
    key: &crypto::Public,
    worker: &[u8],
    context: &[u8],
    phase: &[u8],
    ids: impl Iterator<Item = JobId>,
    now: u32,
    items: I,
    make: impl FnOnce(crypto::Public, I, crypto::Signature) -> Call<T>,
) {
    let payload = Pallet::<T>::signing_payload(context, key, &items);
    let Some(signature) = key.sign(&payload) else {
        return;
    };
    if submit::<T>(make(key.clone(), items, signature)) {
        mark_sent(phase, worker, ids, now);
    }
}

/// Splits reveal items, in order, into batches of at most `MaxBatch` items whose largest
/// output times their item count stays within `MaxRevealBatchBytes` (what the runtime's block
/// length and weight checks assume); an item larger than that travels alone.
pub fn reveal_batches<T: Config>(items: Vec<(JobId, RevealOf<T>)>) -> Vec<RevealBatchOf<T>> {
    let max_items = T::MaxBatch::get() as usize;
    let max_bytes = T::MaxRevealBatchBytes::get() as usize;
    let mut batches = Vec::new();
    let mut current: Vec<(JobId, RevealOf<T>)> = Vec::new();
    let mut largest: usize = 0;
    for (id, reveal) in items {
        let len = reveal.output_bytes().len();
        let with = largest.max(len);
        let full = current.len() >= max_items
            || with.saturating_mul(current.len().saturating_add(1)) > max_bytes;
        if full && !current.is_empty() {
            batches.extend(RevealBatchOf::<T>::try_from(core::mem::take(&mut current)).ok());
            largest = 0;
        }
        largest = largest.max(len);
        current.push((id, reveal));
    }
    if !current.is_empty() {
        batches.extend(RevealBatchOf::<T>::try_from(current).ok());
    }
    batches
}

/// Submits an authorized transaction; `true` if the pool accepted it.
fn submit<T: Config>(call: Call<T>) -> bool {
    let xt =
        <T as CreateAuthorizedTransaction<Call<T>>>::create_authorized_transaction(call.into());
    match SubmitTransaction::<T, Call<T>>::submit_transaction(xt) {
        Ok(()) => true,
        Err(()) => {
            log::warn!(target: LOG_TARGET, "transaction pool refused a worker transaction");
            false
        }
    }
}
