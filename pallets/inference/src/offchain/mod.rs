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
//! A node started with `--inference-watch` also checks the provisional results of the models
//! it watches and challenges the wrong ones ([`watch`]).
//!
//! Escalated jobs are executed the same way by the validators' worker keys, in the job's
//! second round ([`crate::commit_reveal::Round`]); a validator that was on the committee reuses
//! its stored outputs.
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
//! peers ([`inferchain_primitives::offchain_keys::NODE_PEERS_KEY`]) submits at once.
//!
//! Failures of the node itself (no backend, missing model chunks, unsupported policy, a
//! contained panic) are not reported: the worker does not commit and is slashed for not
//! committing, as it cannot do the work. Failures that depend on the model and the inputs
//! (`HostError::BadInputs`, `HostError::Run`) are committed to and revealed as
//! `Reveal::ExecutionFailed`, so that a requester cannot make honest workers lose their bond
//! with inputs the model cannot process. Caveat: `HostError::Run` also covers time limits,
//! which depend on the node; a worker that hits one while the others succeed is outvoted.

mod execute;
mod local_store;
mod submit;
pub mod watch;

pub use execute::{compute, decode_outcome};
pub use local_store::{jobs_key, legacy_output_key, reveal_key, sent_key};
pub use submit::{reveal_batches, submit_delay_millis};

use crate::{
    crypto, Call, CommitBatchOf, Config, JobId, JobStatus, OutputOf, Pallet, RevealOf, Workers,
    COMMIT_CONTEXT, LOG_TARGET, REVEAL_CONTEXT,
};
use alloc::{collections::BTreeSet, vec::Vec};
use codec::Encode;
use frame_support::traits::Get;
use frame_system::pallet_prelude::BlockNumberFor;
use inferchain_primitives::Reveal;
use local_store::{cleanup, sent_recently, store_reveal, stored_reveal};
use sp_core::H256;
use sp_runtime::{
    offchain::{
        storage_lock::{StorageLock, Time},
        Duration,
    },
    traits::Saturating,
    RuntimeAppPublic,
};
use submit::send_batch;

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
    watch::run::<T>(now, submit_at);
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
    let mut reveals: Vec<(JobId, RevealOf<T>)> = Vec::new();
    let mut reveal_bytes: usize = 0;

    let mut mine: BTreeSet<JobId> = BTreeSet::new();
    for &id in live {
        let Ok(round) = crate::commit_reveal::Round::<T>::load(id) else {
            continue;
        };
        if !matches!(round.job.status, JobStatus::Pending | JobStatus::Escalated) {
            continue;
        }
        let Some(slot) = round.slots().iter().find(|s| &s.worker == account) else {
            continue;
        };
        mine.insert(id);
        if slot.commitment.is_none() && round.commit_open(next) && commits.len() < ITEMS_PER_RUN {
            if sent_recently(b"commit", &worker, id, now_u32) {
                continue;
            }
            let reveal = match stored_reveal(&worker, id) {
                Some(r) => r,
                None => {
                    let Some(r) = compute::<T>(id, &round.job) else {
                        continue;
                    };
                    store_reveal(&worker, id, &r);
                    r
                }
            };
            if bounded::<T>(reveal.clone()).is_none() {
                log::warn!(target: LOG_TARGET, "outputs of job {id} exceed MaxOutputBytes");
                continue;
            }
            let commitment = reveal.commitment(&worker);
            if Pallet::<T>::check_commit(account, id, &commitment, next).is_ok() {
                commits.push((id, commitment));
            }
        } else if slot.commitment.is_some()
            && !slot.revealed
            && round.reveal_open(next)
            && reveals.len() < ITEMS_PER_RUN
        {
            if sent_recently(b"reveal", &worker, id, now_u32) {
                continue;
            }
            let Some(reveal) = stored_reveal(&worker, id).and_then(bounded::<T>) else {
                log::warn!(target: LOG_TARGET, "outputs of committed job {id} are lost");
                continue;
            };
            if Pallet::<T>::check_reveal(account, id, &reveal, next).is_err() {
                continue;
            }
            let bytes = reveal_bytes.saturating_add(reveal.output_bytes().len());
            if bytes > REVEAL_BYTES_PER_RUN && !reveals.is_empty() {
                continue;
            }
            reveals.push((id, reveal));
            reveal_bytes = bytes;
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

/// `reveal` with its outputs bounded by `MaxOutputBytes`, or `None` if they are larger.
fn bounded<T: Config>(reveal: Reveal<Vec<u8>>) -> Option<RevealOf<T>> {
    match reveal {
        Reveal::Outputs(o) => OutputOf::<T>::try_from(o).ok().map(Reveal::Outputs),
        Reveal::ExecutionFailed => Some(Reveal::ExecutionFailed),
    }
}
