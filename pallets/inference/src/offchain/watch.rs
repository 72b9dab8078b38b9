//! The watcher: a node started with `--inference-watch` re-executes the provisional results of
//! the models it names and challenges the ones its own engine disagrees with, so a user who
//! does not trust a committee runs one honest node and is safe (`disputes.rs`: one honest
//! watcher suffices to bring a wrong result before the validators).
//!
//! Each run reads the watch list the node wrote under
//! [`inferchain_primitives::offchain_keys::NODE_WATCH_KEY`] (nothing to do without one), lists
//! the jobs still challengeable in the next block ([`Pallet::challengeable_jobs`], earliest
//! deadline first) and, for those of watched models, computes the job exactly as a worker
//! would ([`super::compute`]: a run for an inference, the engine's validation for a model
//! validation), at most [`WATCH_JOBS_PER_RUN`] new ones per run, keeping what it computed in
//! local storage. A result that does not agree with this node's under the model's policy
//! ([`Pallet::reveals_agree`]) is challenged with an ordinary signed `challenge` transaction
//! of the first local `infr` key whose account can hold [`Config::ChallengeBond`]: that account
//! pays the fee and risks the bond, and is rewarded if the validators overturn the result.
//! A challenge is submitted again only if the job is still challengeable
//! [`super::RESUBMIT_AFTER`] blocks later (e.g. the transaction was dropped).
//!
//! A node whose engine cannot run a model, or that hits its local limits, does not challenge:
//! only a result this node computed and found different is challenged.

use super::{
    bounded, compute,
    local_store::{cleanup, mark_sent, sent_recently, store_reveal, stored_reveal},
};
use crate::{crypto, Call, Config, HoldReason, JobId, Pallet, LOG_TARGET};
use alloc::{collections::BTreeSet, vec::Vec};
use frame_support::traits::{fungible::InspectHold, Get};
use frame_system::{
    offchain::{CreateSignedTransaction, SubmitTransaction},
    pallet_prelude::BlockNumberFor,
};
use inferchain_primitives::offchain_keys::{Watched, NODE_WATCH_KEY};
use sp_runtime::{
    offchain::{
        storage::StorageValueRef,
        storage_lock::{StorageLock, Time},
        Duration, Timestamp,
    },
    traits::Saturating,
    RuntimeAppPublic, SaturatedConversion,
};

/// Most jobs one run computes; the others wait for the next block's run (what was computed is
/// kept).
pub const WATCH_JOBS_PER_RUN: usize = 16;

/// Namespace of the watcher's local storage (what it computed, when it challenged), kept apart
/// from the workers' (which are keyed by their 32-byte accounts).
pub const WATCHER: &[u8] = b"inferchain/watcher";

/// The watch list the node recorded, if any.
pub fn watched() -> Option<Watched> {
    StorageValueRef::persistent(NODE_WATCH_KEY)
        .get::<Watched>()
        .ok()
        .flatten()
}

/// Checks the challengeable results of watched models and challenges the wrong ones; the
/// transactions wait until `submit_at`.
pub fn run<T: Config>(now: BlockNumberFor<T>, submit_at: Timestamp) {
    let Some(watched) = watched() else {
        return;
    };
    let mut lock = StorageLock::<Time>::with_deadline(
        b"inferchain/ocw/watch-lock",
        Duration::from_millis(super::LOCK_MILLIS),
    );
    let Ok(_guard) = lock.try_lock() else {
        log::debug!(target: LOG_TARGET, "watcher already running");
        return;
    };
    let now_u32: u32 = now.saturated_into();
    let mut watching: BTreeSet<JobId> = BTreeSet::new();
    let mut wrong: Vec<JobId> = Vec::new();
    let mut computed: usize = 0;
    for (id, job) in Pallet::<T>::challengeable_jobs(now) {
        if !watched.includes(&job.model_id) {
            continue;
        }
        watching.insert(id);
        let local = match stored_reveal(WATCHER, id) {
            Some(r) => r,
            None => {
                if computed >= WATCH_JOBS_PER_RUN {
                    continue;
                }
                computed = computed.saturating_add(1);
                let Some(r) = compute::<T>(id, &job) else {
                    continue;
                };
                store_reveal(WATCHER, id, &r);
                r
            }
        };
        let Some(local) = bounded::<T>(local) else {
            log::warn!(target: LOG_TARGET, "watcher: outputs of job {id} exceed MaxOutputBytes");
            continue;
        };
        let Some(provisional) = Pallet::<T>::provisional_reveal(id) else {
            continue;
        };
        if Pallet::<T>::reveals_agree(&job, &local, &provisional) {
            continue;
        }
        log::warn!(
            target: LOG_TARGET,
            "watcher: the provisional result of job {id} differs from this node's"
        );
        if !sent_recently(b"challenge", WATCHER, id, now_u32) {
            wrong.push(id);
        }
    }
    cleanup(WATCHER, &watching);
    if wrong.is_empty() {
        return;
    }
    let bond = T::ChallengeBond::get();
    let reason = HoldReason::ChallengeBond.into();
    let Some(key) = crypto::Public::all()
        .into_iter()
        .find(|k| T::Currency::can_hold(&reason, &Pallet::<T>::account_of(k), bond))
    else {
        log::warn!(
            target: LOG_TARGET,
            "watcher: no local `infr` key can hold the challenge bond; {} wrong result(s) \
             left unchallenged",
            wrong.len()
        );
        return;
    };
    sp_io::offchain::sleep_until(submit_at);
    let account = Pallet::<T>::account_of(&key);
    let public = sp_runtime::MultiSigner::from(sp_core::sr25519::Public::from(key));
    let mut nonce = frame_system::Pallet::<T>::account_nonce(&account);
    for id in wrong {
        let call = Call::<T>::challenge { job_id: id };
        let Some(xt) = <T as CreateSignedTransaction<Call<T>>>::create_signed_transaction::<
            crypto::InfrSigner,
        >(call.into(), public.clone(), account.clone(), nonce) else {
            log::warn!(target: LOG_TARGET, "watcher: cannot sign the challenge of job {id}");
            continue;
        };
        if SubmitTransaction::<T, Call<T>>::submit_transaction(xt).is_ok() {
            log::info!(
                target: LOG_TARGET,
                "watcher: challenged job {id} as {account:?}"
            );
            mark_sent(b"challenge", WATCHER, core::iter::once(id), now_u32);
            nonce = nonce.saturating_add(1u32.into());
        } else {
            log::warn!(target: LOG_TARGET, "watcher: the pool refused the challenge of job {id}");
        }
    }
}
