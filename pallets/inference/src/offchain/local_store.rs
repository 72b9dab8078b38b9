//! What a worker's node keeps in offchain **persistent** local storage: what it will reveal for
//! each job, its outputs or an execution failure (so that a worker that committed can still
//! reveal after a restart), when it submitted each
//! commit and reveal (so an item is resubmitted only if still missing on chain
//! [`super::RESUBMIT_AFTER`] blocks later), and which jobs it keeps data for (so the data of
//! ended jobs is cleared).

use super::RESUBMIT_AFTER;
use crate::JobId;
use alloc::{collections::BTreeSet, vec::Vec};
use codec::{Decode, Encode};
use inferchain_primitives::Reveal;
use sp_runtime::offchain::{storage::StorageValueRef, StorageKind};

/// Local storage key of what `worker` will reveal for job `id` (a SCALE [`Reveal`]).
pub fn reveal_key(worker: &[u8], id: JobId) -> Vec<u8> {
    (b"inferchain/ocw/reveal/", worker, id).encode()
}

/// Local storage key under which runtimes before the typed [`Reveal`] kept the raw outputs of
/// `worker` for job `id` (empty for an execution failure); still read, so that a node upgraded
/// between its commit and its reveal reveals what it committed to.
pub fn legacy_output_key(worker: &[u8], id: JobId) -> Vec<u8> {
    (b"inferchain/ocw/output/", worker, id).encode()
}

/// Local storage key of the block in which `worker` submitted `phase` (`b"commit"`,
/// `b"reveal"`, or the watcher's `b"challenge"`) of job `id`.
pub fn sent_key(phase: &[u8], worker: &[u8], id: JobId) -> Vec<u8> {
    (b"inferchain/ocw/sent/", phase, worker, id).encode()
}

/// Local storage key of the list of jobs for which `worker` keeps local data.
pub fn jobs_key(worker: &[u8]) -> Vec<u8> {
    (b"inferchain/ocw/jobs/", worker).encode()
}

/// Whether `phase` of job `id` was submitted less than [`RESUBMIT_AFTER`] blocks ago.
pub(super) fn sent_recently(phase: &[u8], worker: &[u8], id: JobId, now: u32) -> bool {
    let key = sent_key(phase, worker, id);
    match StorageValueRef::persistent(&key).get::<u32>() {
        Ok(Some(at)) => now < at.saturating_add(RESUBMIT_AFTER),
        _ => false,
    }
}

/// Records that `phase` of the jobs `ids` was submitted at block `now`.
pub(super) fn mark_sent(phase: &[u8], worker: &[u8], ids: impl Iterator<Item = JobId>, now: u32) {
    for id in ids {
        StorageValueRef::persistent(&sent_key(phase, worker, id)).set(&now);
    }
}

/// Forgets local data of jobs that are no longer pending jobs of the worker (`mine`).
pub(super) fn cleanup(worker: &[u8], mine: &BTreeSet<JobId>) {
    let key = jobs_key(worker);
    let store = StorageValueRef::persistent(&key);
    let jobs: Vec<JobId> = store.get().ok().flatten().unwrap_or_default();
    let (keep, drop): (Vec<JobId>, Vec<JobId>) = jobs.into_iter().partition(|id| mine.contains(id));
    if drop.is_empty() {
        return;
    }
    for id in drop {
        StorageValueRef::persistent(&reveal_key(worker, id)).clear();
        StorageValueRef::persistent(&legacy_output_key(worker, id)).clear();
        StorageValueRef::persistent(&sent_key(b"commit", worker, id)).clear();
        StorageValueRef::persistent(&sent_key(b"reveal", worker, id)).clear();
        StorageValueRef::persistent(&sent_key(b"challenge", worker, id)).clear();
    }
    store.set(&keep);
}

/// Stores what `worker` will reveal for job `id`.
pub(super) fn store_reveal(worker: &[u8], id: JobId, reveal: &Reveal<Vec<u8>>) {
    sp_io::offchain::local_storage_set(
        StorageKind::PERSISTENT,
        &reveal_key(worker, id),
        &reveal.encode(),
    );
    let key = jobs_key(worker);
    let store = StorageValueRef::persistent(&key);
    let mut jobs: Vec<JobId> = store.get().ok().flatten().unwrap_or_default();
    if !jobs.contains(&id) {
        jobs.push(id);
        store.set(&jobs);
    }
}

/// What `worker` stored to reveal for job `id`, if anything.
pub(super) fn stored_reveal(worker: &[u8], id: JobId) -> Option<Reveal<Vec<u8>>> {
    let get = |key: &[u8]| sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, key);
    if let Some(bytes) = get(&reveal_key(worker, id)) {
        return Reveal::decode(&mut &bytes[..]).ok();
    }
    get(&legacy_output_key(worker, id)).map(|raw| match raw.is_empty() {
        true => Reveal::ExecutionFailed,
        false => Reveal::Outputs(raw),
    })
}
