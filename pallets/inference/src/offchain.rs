//! The offchain worker: executes the jobs assigned to the node's local `infr` keys.
//!
//! On each imported block, the worker lists the jobs that may be pending (the reveal queues of
//! the next blocks, [`Pallet::live_jobs`]) and, for every local `infr` key whose account is a
//! registered worker, for each such pending job that account was drawn for:
//! - for a job it still has to commit to, computes the outputs through the
//!   `inference_host` host functions (`validate_model` for a validation, `run` for an
//!   inference, with the inputs read from the offchain index), stores them in offchain
//!   **persistent** local storage and commits to them;
//! - for a job whose reveal phase is open, reveals the stored outputs.
//!
//! Commitments and reveals of one key are batched into authorized transactions (`commit` /
//! `reveal`, signed by the `infr` key) of at most `MaxBatch` items (and `MaxRevealBatchBytes`
//! of outputs), as many per block as the work needs (up to [`ITEMS_PER_RUN`] items of each
//! kind): small transactions let block authors pack blocks close to full, as each is charged
//! its worst case until it is applied. A marker in local storage records when
//! a job's commit or reveal was submitted, so the same item is not submitted again unless it
//! is still missing on chain [`RESUBMIT_AFTER`] blocks later (e.g. the transaction was dropped).
//! Outputs survive a node restart, so a worker that committed can still reveal. Transactions
//! are submitted [`SUBMIT_DELAY_MILLIS`] after the run starts, so that peers have imported
//! the block they depend on when the transactions reach them; a node that records having no
//! peers ([`NODE_PEERS_KEY`]) submits at once.
//!
//! Failures of the node itself (no backend, missing model chunks, unsupported policy, a
//! contained panic) are not reported: the worker does not commit and is slashed for not
//! committing, as it cannot do the work. Failures that depend on the model and the inputs
//! (`HostError::BadInputs`, `HostError::Run`) are committed to as the empty output
//! [`crate::EXECUTION_FAILED`], so that a requester cannot make honest workers lose their bond
//! with inputs the model cannot process. Caveat: `HostError::Run` also covers time limits,
//! which depend on the node; a worker that hits one while the others succeed is outvoted.

use crate::{
    crypto, Call, CommitBatchOf, Config, Job, JobId, JobKind, JobStatus, Jobs, Models, OutputOf,
    Pallet, RevealBatchOf, ValidationFailure, ValidationOutcome, Workers, COMMIT_CONTEXT,
    LOG_TARGET, REVEAL_CONTEXT,
};
use alloc::{collections::BTreeSet, vec::Vec};
use codec::{Decode, Encode};
use frame_support::traits::Get;
use frame_system::{
    offchain::{CreateAuthorizedTransaction, SubmitTransaction},
    pallet_prelude::BlockNumberFor,
};
use inferchain_primitives::{
    host::{inference_host, HostError},
    offchain_keys::{request_inputs_key, NODE_PEERS_KEY},
    output_commitment,
};
use sp_core::H256;
use sp_runtime::{
    offchain::{
        storage::StorageValueRef,
        storage_lock::{StorageLock, Time},
        Duration, StorageKind,
    },
    traits::Saturating,
    RuntimeAppPublic,
};

/// Most commit items, and most reveal items, one run submits for one key; the rest waits for
/// the next block's run.
pub const ITEMS_PER_RUN: usize = 2048;

/// Most output bytes one run reveals for one key (about a block's length); the rest waits for
/// the next block's run. Bounds the run's memory and what it puts in the pool.
pub const REVEAL_BYTES_PER_RUN: usize = 4 * 1024 * 1024;

/// Blocks after which an item submitted but still missing on chain is submitted again.
pub const RESUBMIT_AFTER: u32 = 5;

/// How long one offchain worker run may hold a key's lock, in milliseconds.
pub const LOCK_MILLIS: u64 = 120_000;

/// Delay, from the start of an offchain worker run, before its transactions are submitted, in
/// milliseconds. The run starts as soon as this node imported the block; a peer that has not
/// imported it yet validates the transaction against the previous block, finds the job unknown
/// or its phase not open, rejects (and bans) it and is never sent it again, so the transaction
/// would wait until this node authors a block itself. One second covers block import between
/// peers on loopback and a LAN; the next block is at least one slot (2 s on dev) away. Not
/// applied when the node records that it has no peers ([`submit_delay_millis`]).
pub const SUBMIT_DELAY_MILLIS: u64 = 1_000;

/// The delay before this run's transactions are submitted: none if the node recorded that it
/// has no peers (nobody to race), else [`SUBMIT_DELAY_MILLIS`].
pub fn submit_delay_millis() -> u64 {
    match StorageValueRef::persistent(NODE_PEERS_KEY).get::<u32>() {
        Ok(Some(0)) => 0,
        _ => SUBMIT_DELAY_MILLIS,
    }
}

/// Local storage key of the outputs computed by `worker` for job `id`.
pub fn output_key(worker: &[u8], id: JobId) -> Vec<u8> {
    (b"inferchain/ocw/output/", worker, id).encode()
}

/// Local storage key of the block in which `worker` submitted `phase` (`b"commit"` or
/// `b"reveal"`) of job `id`.
pub fn sent_key(phase: &[u8], worker: &[u8], id: JobId) -> Vec<u8> {
    (b"inferchain/ocw/sent/", phase, worker, id).encode()
}

/// Local storage key of the list of jobs for which `worker` keeps local data.
pub fn jobs_key(worker: &[u8]) -> Vec<u8> {
    (b"inferchain/ocw/jobs/", worker).encode()
}

/// Entry point, called from the pallet's `offchain_worker` hook.
pub fn run<T: Config>(now: BlockNumberFor<T>) {
    let submit_at = sp_io::offchain::timestamp().add(Duration::from_millis(submit_delay_millis()));
    let mut live: Option<Vec<JobId>> = None;
    for key in crypto::Public::all() {
        let account = Pallet::<T>::account_of(&key);
        if !Workers::<T>::contains_key(&account) {
            continue;
        }
        let lock_key = (b"inferchain/ocw/lock/", &account).encode();
        let mut lock =
            StorageLock::<Time>::with_deadline(&lock_key, Duration::from_millis(LOCK_MILLIS));
        let Ok(_guard) = lock.try_lock() else {
            log::debug!(target: LOG_TARGET, "offchain worker already running for a key");
            continue;
        };
        let live = live.get_or_insert_with(|| Pallet::<T>::live_jobs(now));
        process_worker::<T>(&key, &account, live, now, submit_at);
    }
}

/// Whether `phase` of job `id` was submitted less than [`RESUBMIT_AFTER`] blocks ago.
fn sent_recently(phase: &[u8], worker: &[u8], id: JobId, now: u32) -> bool {
    let key = sent_key(phase, worker, id);
    match StorageValueRef::persistent(&key).get::<u32>() {
        Ok(Some(at)) => now < at.saturating_add(RESUBMIT_AFTER),
        _ => false,
    }
}

/// Records that `phase` of the jobs `ids` was submitted at block `now`.
fn mark_sent(phase: &[u8], worker: &[u8], ids: impl Iterator<Item = JobId>, now: u32) {
    for id in ids {
        StorageValueRef::persistent(&sent_key(phase, worker, id)).set(&now);
    }
}

/// Forgets local data of jobs that are no longer pending jobs of the worker (`mine`).
fn cleanup(worker: &[u8], mine: &BTreeSet<JobId>) {
    let key = jobs_key(worker);
    let store = StorageValueRef::persistent(&key);
    let jobs: Vec<JobId> = store.get().ok().flatten().unwrap_or_default();
    let (keep, drop): (Vec<JobId>, Vec<JobId>) = jobs.into_iter().partition(|id| mine.contains(id));
    if drop.is_empty() {
        return;
    }
    for id in drop {
        StorageValueRef::persistent(&output_key(worker, id)).clear();
        StorageValueRef::persistent(&sent_key(b"commit", worker, id)).clear();
        StorageValueRef::persistent(&sent_key(b"reveal", worker, id)).clear();
    }
    store.set(&keep);
}

/// Stores the outputs of job `id` locally.
fn store_output(worker: &[u8], id: JobId, output: &[u8]) {
    sp_io::offchain::local_storage_set(StorageKind::PERSISTENT, &output_key(worker, id), output);
    let key = jobs_key(worker);
    let store = StorageValueRef::persistent(&key);
    let mut jobs: Vec<JobId> = store.get().ok().flatten().unwrap_or_default();
    if !jobs.contains(&id) {
        jobs.push(id);
        store.set(&jobs);
    }
}

/// The outputs of job `id` stored locally, if any.
fn stored_output(worker: &[u8], id: JobId) -> Option<Vec<u8>> {
    sp_io::offchain::local_storage_get(StorageKind::PERSISTENT, &output_key(worker, id))
}

/// Executes a job through the host interface. `None` if this node cannot do it.
pub fn compute<T: Config>(id: JobId, req: &Job<T>) -> Option<Vec<u8>> {
    let model = Models::<T>::get(req.model_id)?;
    let chunks = model.chunk_hashes.len() as u32;
    match req.kind {
        JobKind::Validation => {
            let outcome: ValidationOutcome =
                match inference_host::validate_model(req.model_id, chunks) {
                    Ok(info) => Ok(info),
                    Err(HostError::IdMismatch) => Err(ValidationFailure::IdMismatch),
                    Err(HostError::Invalid(_)) => Err(ValidationFailure::Invalid),
                    Err(e) => {
                        log::warn!(target: LOG_TARGET, "cannot validate model of job {id}: {e:?}");
                        return None;
                    }
                };
            Some(outcome.encode())
        }
        JobKind::Inference { .. } => {
            let inputs = sp_io::offchain::local_storage_get(
                StorageKind::PERSISTENT,
                &request_inputs_key(id),
            );
            let Some(inputs) = inputs else {
                log::warn!(target: LOG_TARGET, "inputs of job {id} not in the offchain index");
                return None;
            };
            match inference_host::run(req.model_id, chunks, &inputs, model.policy.execution) {
                Ok(outputs) => Some(outputs),
                // Failures that depend on the model and inputs, not on this node: report them
                // so that the request fails without punishing the workers.
                Err(e @ (HostError::BadInputs(_) | HostError::Run(_))) => {
                    log::info!(target: LOG_TARGET, "job {id} cannot be executed: {e:?}");
                    Some(crate::EXECUTION_FAILED.to_vec())
                }
                Err(e) => {
                    log::warn!(target: LOG_TARGET, "cannot run job {id}: {e:?}");
                    None
                }
            }
        }
    }
}

/// Does the work of one local worker key on the jobs `live` that may be pending.
fn process_worker<T: Config>(
    key: &crypto::Public,
    account: &T::AccountId,
    live: &[JobId],
    now: BlockNumberFor<T>,
    submit_at: sp_runtime::offchain::Timestamp,
) {
    let worker = account.encode();
    // Transactions built now are included at the earliest in the next block; the pool
    // validates them against that block number too.
    let next = now.saturating_add(1u32.into());
    let now_u32: u32 = sp_runtime::SaturatedConversion::saturated_into(now);
    let mut commits: Vec<(JobId, H256)> = Vec::new();
    let mut reveals: Vec<(JobId, OutputOf<T>)> = Vec::new();
    let mut reveal_bytes: usize = 0;

    let mut mine: BTreeSet<JobId> = BTreeSet::new();
    for &id in live {
        let Some(req) = Jobs::<T>::get(id) else {
            continue;
        };
        if req.status != JobStatus::Pending {
            continue;
        }
        let Some(slot) = req.slots.iter().find(|s| &s.worker == account) else {
            continue;
        };
        mine.insert(id);
        if slot.commitment.is_none() && req.commit_open(next) && commits.len() < ITEMS_PER_RUN {
            if sent_recently(b"commit", &worker, id, now_u32) {
                continue;
            }
            let output = match stored_output(&worker, id) {
                Some(o) => o,
                None => {
                    let Some(o) = compute::<T>(id, &req) else {
                        continue;
                    };
                    store_output(&worker, id, &o);
                    o
                }
            };
            if OutputOf::<T>::try_from(output.clone()).is_err() {
                log::warn!(target: LOG_TARGET, "outputs of job {id} exceed MaxOutputBytes");
                continue;
            }
            let commitment = output_commitment(&output, &worker);
            if Pallet::<T>::check_commit(account, id, &commitment, next).is_ok() {
                commits.push((id, commitment));
            }
        } else if slot.commitment.is_some()
            && !slot.revealed
            && req.reveal_open(next)
            && reveals.len() < ITEMS_PER_RUN
        {
            if sent_recently(b"reveal", &worker, id, now_u32) {
                continue;
            }
            let Some(output) = stored_output(&worker, id) else {
                log::warn!(target: LOG_TARGET, "outputs of committed job {id} are lost");
                continue;
            };
            if Pallet::<T>::check_reveal(account, id, &output, next).is_err() {
                continue;
            }
            let bytes = reveal_bytes.saturating_add(output.len());
            if bytes > REVEAL_BYTES_PER_RUN && !reveals.is_empty() {
                continue;
            }
            if let Ok(bounded) = OutputOf::<T>::try_from(output) {
                reveals.push((id, bounded));
                reveal_bytes = bytes;
            }
        }
    }

    cleanup(&worker, &mine);
    if commits.is_empty() && reveals.is_empty() {
        return;
    }
    sp_io::offchain::sleep_until(submit_at);
    for chunk in commits.chunks(T::MaxBatch::get() as usize) {
        if let Ok(items) = CommitBatchOf::<T>::try_from(chunk.to_vec()) {
            let ids = chunk.iter().map(|(id, _)| *id);
            send_batch::<T, _>(
                key,
                &worker,
                COMMIT_CONTEXT,
                b"commit",
                ids,
                now_u32,
                items,
                |worker, items, signature| Call::<T>::commit {
                    worker,
                    items,
                    signature,
                },
            );
        }
    }
    for items in reveal_batches::<T>(reveals) {
        let ids: Vec<JobId> = items.iter().map(|(id, _)| *id).collect();
        send_batch::<T, _>(
            key,
            &worker,
            REVEAL_CONTEXT,
            b"reveal",
            ids.into_iter(),
            now_u32,
            items,
            |worker, items, signature| Call::<T>::reveal {
                worker,
                items,
                signature,
            },
        );
    }
}

/// Signs a batch of `phase` items (jobs `ids`) with `key` under `context`, submits the call
/// `make` builds from it, and marks the items sent at block `now` if the pool took it.
#[allow(clippy::too_many_arguments)]
fn send_batch<T: Config, I: Encode>(
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
pub fn reveal_batches<T: Config>(items: Vec<(JobId, OutputOf<T>)>) -> Vec<RevealBatchOf<T>> {
    let max_items = T::MaxBatch::get() as usize;
    let max_bytes = T::MaxRevealBatchBytes::get() as usize;
    let mut batches = Vec::new();
    let mut current: Vec<(JobId, OutputOf<T>)> = Vec::new();
    let mut largest: usize = 0;
    for (id, output) in items {
        let with = largest.max(output.len());
        let full = current.len() >= max_items
            || with.saturating_mul(current.len().saturating_add(1)) > max_bytes;
        if full && !current.is_empty() {
            batches.extend(RevealBatchOf::<T>::try_from(core::mem::take(&mut current)).ok());
            largest = 0;
        }
        largest = largest.max(output.len());
        current.push((id, output));
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

/// Decodes a validation outcome (for tools and tests).
pub fn decode_outcome(bytes: &[u8]) -> Option<ValidationOutcome> {
    ValidationOutcome::decode(&mut &bytes[..]).ok()
}
