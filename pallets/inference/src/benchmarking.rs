//! Benchmarks of the inference pallet (frame-benchmarking v2).
//!
//! Worker accounts are derived from `infr` keys generated in the benchmark keystore, so the
//! externalities must provide a keystore (the node's benchmark command and the mock do).
//! Batch benchmarks need `CommitPeriod >= MaxBatch / MaxJobsPerBlock`.

use super::*;
use crate::{testing_utils, Pallet as Inference};
use alloc::{vec, vec::Vec};
use frame_benchmarking::v2::*;
use frame_support::{
    pallet_prelude::TransactionSource,
    traits::{fungible::Mutate, Authorize},
};
use frame_system::RawOrigin;
use inferchain_primitives::output_commitment;
use sp_runtime::traits::{Bounded, One};

fn stop(msg: &'static str) -> BenchmarkError {
    BenchmarkError::Stop(msg)
}

/// A large balance that still leaves room for many accounts.
fn big<T: Config>() -> BalanceOf<T> {
    BalanceOf::<T>::max_value() / 1_000_000u32.into()
}

/// A funded plain account.
fn funded<T: Config>(name: &'static str, i: u32) -> T::AccountId {
    let who: T::AccountId = account(name, i, 0);
    T::Currency::set_balance(&who, big::<T>());
    who
}

/// Registers `n` workers whose accounts are derived from fresh `infr` keys.
fn workers<T: Config>(n: u32) -> Result<Vec<(crypto::Public, T::AccountId)>, BenchmarkError> {
    // Start from an empty active set: genesis workers (the dev chain's Alice) would otherwise
    // be drawn for the benchmark's jobs and count against `MaxWorkers`.
    for who in ActiveWorkers::<T>::take() {
        Workers::<T>::remove(&who);
    }
    let mut out = Vec::new();
    for _ in 0..n {
        let key = crypto::Public::generate_pair(None);
        let who = Inference::<T>::account_of(&key);
        T::Currency::set_balance(&who, big::<T>());
        Inference::<T>::do_register_worker(&who, T::MinWorkerBond::get())
            .map_err(|_| stop("register worker"))?;
        out.push((key, who));
    }
    Ok(out)
}

/// Canonical encoding of a one-tensor map `name: f32[1, elems]` filled with `fill`.
fn tensor_map(name: &[u8], elems: u32, fill: f32) -> Result<Vec<u8>, BenchmarkError> {
    testing_utils::f32_map(name, &[1, elems as u64], &vec![fill; elems as usize]).ok_or(stop("map"))
}

/// The `i`-th of four distinct outputs of `elems` elements near `fill`, all within the
/// benchmarks' tolerance (`abs` and `rel` of `1e-6`) of each other: comparing them takes the
/// element-wise path, not the equal-bytes shortcut.
fn near_output<T: Config>(elems: u32, fill: f32, i: usize) -> Result<RevealOf<T>, BenchmarkError> {
    let ulp = f32::from_bits(fill.to_bits() + 1) - fill;
    let value = fill + ulp * (i % 4) as f32;
    Ok(Reveal::Outputs(
        tensor_map(b"y", elems, value)?
            .try_into()
            .map_err(|_| stop("output"))?,
    ))
}

/// Number of f32 elements whose one-tensor map encodes in at most `bytes` bytes.
fn elems_for(bytes: u32) -> u32 {
    (bytes.saturating_sub(64) / 4).max(1)
}

/// Inserts an active model `x: f32[1, in_elems] -> y: f32[1, out_elems]`.
fn active_model<T: Config>(
    in_elems: u32,
    out_elems: u32,
    execution: ExecutionPolicy,
    replicas: u8,
) -> Result<ModelId, BenchmarkError> {
    let info = testing_utils::xy_info(&[1, in_elems as u64], &[1, out_elems as u64], &[], 1)
        .ok_or(stop("schema"))?;
    let owner = funded::<T>("owner", 0);
    let id = H256(sp_io::hashing::blake2_256(
        &(in_elems, out_elems, replicas).encode(),
    ));
    let policy = ModelPolicy {
        execution,
        replicas,
    };
    testing_utils::insert_active_model::<T>(id, owner, info, policy, One::one())
        .ok_or(stop("model"))?;
    Ok(id)
}

/// Creates `n` requests on `model` (spread over blocks to respect `MaxJobsPerBlock`).
fn requests<T: Config>(model: ModelId, n: u32) -> Result<Vec<JobId>, BenchmarkError> {
    let requester = funded::<T>("requester", 0);
    let inputs: BoundedVec<u8, T::MaxInputBytes> = tensor_map(b"x", 1, 1.0)?
        .try_into()
        .map_err(|_| stop("inputs"))?;
    let mut ids = Vec::new();
    for j in 0..n {
        if j > 0 && j % T::MaxJobsPerBlock::get() == 0 {
            let now = frame_system::Pallet::<T>::block_number();
            frame_system::Pallet::<T>::set_block_number(now.saturating_add(One::one()));
        }
        ids.push(NextJobId::<T>::get());
        Inference::<T>::request_inference(
            RawOrigin::Signed(requester.clone()).into(),
            model,
            inputs.clone(),
            big::<T>(),
        )
        .map_err(|_| stop("request"))?;
    }
    Ok(ids)
}

/// Sets up `n` jobs on an exact model with `MaxReplicas` workers that all committed, to
/// outputs of about `o` bytes, none revealed yet; the last worker committed to different
/// outputs. Returns the first worker's key and the jobs with its outputs: the costliest reveal
/// that does not settle (the output is decoded and hashed against every commitment).
fn reveal_setup<T: Config>(
    n: u32,
    o: u32,
) -> Result<(crypto::Public, RevealBatchOf<T>), BenchmarkError> {
    let r = T::MaxReplicas::get();
    let ws = workers::<T>(r)?;
    let elems = elems_for(o);
    let model = active_model::<T>(1, elems, ExecutionPolicy::Exact, r as u8)?;
    let ids = requests::<T>(model, n)?;
    let output: RevealOf<T> = Reveal::Outputs(
        tensor_map(b"y", elems, 1.5)?
            .try_into()
            .map_err(|_| stop("output"))?,
    );
    let other = tensor_map(b"y", elems, 2.5)?;
    let now = frame_system::Pallet::<T>::block_number();
    let last = ws.len().saturating_sub(1);
    for id in ids.iter() {
        for (i, (_, who)) in ws.iter().enumerate() {
            let c = if i == last {
                output_commitment(&other, &who.encode())
            } else {
                output.commitment(&who.encode())
            };
            Inference::<T>::do_commit(who, *id, c, now).map_err(|_| stop("commit"))?;
        }
    }
    let (key, _) = ws.first().cloned().ok_or(stop("no worker"))?;
    let items: RevealBatchOf<T> = ids
        .into_iter()
        .map(|id| (id, output.clone()))
        .collect::<Vec<_>>()
        .try_into()
        .map_err(|_| stop("batch"))?;
    Ok((key, items))
}

/// Signs a reveal batch with `key`.
fn reveal_call<T: Config>(
    key: crypto::Public,
    items: RevealBatchOf<T>,
) -> Result<Call<T>, BenchmarkError> {
    let payload = Inference::<T>::signing_payload(REVEAL_CONTEXT, &key, &items);
    let signature = key.sign(&payload).ok_or(stop("sign"))?;
    Ok(Call::<T>::reveal {
        worker: key,
        items,
        signature,
    })
}

/// Checks that no job of a reveal batch settled.
fn assert_pending<T: Config>(ids: &[JobId]) {
    for id in ids {
        assert_eq!(
            Jobs::<T>::get(id).map(|r| r.status),
            Some(JobStatus::Pending)
        );
    }
}

/// Sets up `n` jobs on an exact model with `MaxReplicas` workers; returns the first worker's
/// key and a commit batch for all jobs.
fn commit_setup<T: Config>(n: u32) -> Result<(crypto::Public, CommitBatchOf<T>), BenchmarkError> {
    let r = T::MaxReplicas::get();
    let ws = workers::<T>(r)?;
    let model = active_model::<T>(1, 1, ExecutionPolicy::Exact, r as u8)?;
    let ids = requests::<T>(model, n)?;
    let (key, who) = ws.first().cloned().ok_or(stop("no worker"))?;
    let items: CommitBatchOf<T> = ids
        .into_iter()
        .map(|id| (id, output_commitment(&id.encode(), &who.encode())))
        .collect::<Vec<_>>()
        .try_into()
        .map_err(|_| stop("batch"))?;
    Ok((key, items))
}

/// Creates `n` jobs in the current block on a tolerance model with `MaxReplicas` workers.
fn block_jobs<T: Config>(
    n: u32,
    out_elems: u32,
) -> Result<(Vec<JobId>, Vec<T::AccountId>), BenchmarkError> {
    let r = T::MaxReplicas::get();
    let ws = workers::<T>(r)?;
    let model = active_model::<T>(
        1,
        out_elems,
        ExecutionPolicy::Tolerance {
            abs: 1_000,
            rel: 1_000,
        },
        r as u8,
    )?;
    let ids = requests::<T>(model, n)?;
    Ok((ids, ws.into_iter().map(|(_, a)| a).collect()))
}

/// Creates `n` jobs in the current block on a tolerance model with `MaxReplicas` workers that
/// all committed to minimal outputs, all but the first of which revealed: each committee round
/// ends at its deadline with one worker absent, which escalates the job (what the hook's
/// settlement does whenever a round lasts to its deadline: a round whose members all revealed
/// ended with the last reveal). Returns the jobs and the block after their reveal deadline.
fn all_but_one_revealed<T: Config>(
    n: u32,
) -> Result<(Vec<JobId>, BlockNumberFor<T>), BenchmarkError> {
    let (ids, ws) = block_jobs::<T>(n, 1)?;
    let output: RevealOf<T> = Reveal::Outputs(
        tensor_map(b"y", 1, 1.5)?
            .try_into()
            .map_err(|_| stop("output"))?,
    );
    let now = frame_system::Pallet::<T>::block_number();
    for id in ids.iter() {
        for who in ws.iter() {
            let c = output.commitment(&who.encode());
            Inference::<T>::do_commit(who, *id, c, now).map_err(|_| stop("commit"))?;
        }
        for who in ws.iter().skip(1) {
            Inference::<T>::do_reveal(who, *id, output.clone(), now).map_err(|_| stop("reveal"))?;
        }
    }
    let after_reveal = now
        .saturating_add(T::CommitPeriod::get())
        .saturating_add(T::RevealPeriod::get())
        .saturating_add(One::one());
    Ok((ids, after_reveal))
}

/// Registers `n` more workers (keeping the active set), from fresh `infr` keys.
fn more_workers<T: Config>(n: u32) -> Result<Vec<T::AccountId>, BenchmarkError> {
    let mut out = Vec::new();
    for _ in 0..n {
        let key = crypto::Public::generate_pair(None);
        let who = Inference::<T>::account_of(&key);
        T::Currency::set_balance(&who, big::<T>());
        Inference::<T>::do_register_worker(&who, T::MinWorkerBond::get())
            .map_err(|_| stop("register worker"))?;
        out.push(who);
    }
    Ok(out)
}

/// Every worker `ws` of job `id` commits and reveals `output`: the job is provisional.
fn provisional<T: Config>(
    id: JobId,
    ws: &[T::AccountId],
    output: &RevealOf<T>,
) -> Result<(), BenchmarkError> {
    let now = frame_system::Pallet::<T>::block_number();
    for who in ws.iter() {
        let c = output.commitment(&who.encode());
        Inference::<T>::do_commit(who, id, c, now).map_err(|_| stop("commit"))?;
    }
    for who in ws.iter() {
        if Jobs::<T>::get(id).map(|r| r.status) != Some(JobStatus::Pending) {
            break;
        }
        Inference::<T>::do_reveal(who, id, output.clone(), now).map_err(|_| stop("reveal"))?;
    }
    if Jobs::<T>::get(id).map(|r| r.status) != Some(JobStatus::Provisional) {
        return Err(stop("not provisional"));
    }
    Ok(())
}

/// The value of every element of the validators' verdict in the dispute benchmarks (the
/// committee's outputs are all `1.5`: not within tolerance of it).
const VERDICT_FILL: f32 = 9.5;

/// A job on a tolerance model with `MaxReplicas` workers and outputs of `MaxOutputBytes`
/// whose committee agreed, challenged, with `v` more workers as the validator set. Returns the
/// job and the validators.
fn challenged_job<T: Config>(v: u32) -> Result<(JobId, Vec<T::AccountId>), BenchmarkError> {
    let elems = elems_for(T::MaxOutputBytes::get());
    let (ids, ws) = block_jobs::<T>(1, elems)?;
    let id = *ids.first().ok_or(stop("no job"))?;
    let committee: RevealOf<T> = Reveal::Outputs(
        tensor_map(b"y", elems, 1.5)?
            .try_into()
            .map_err(|_| stop("output"))?,
    );
    provisional::<T>(id, &ws, &committee)?;
    let challenger = funded::<T>("challenger", 0);
    Inference::<T>::do_challenge(&challenger, id).map_err(|_| stop("challenge"))?;
    let validators = more_workers::<T>(v)?;
    T::BenchmarkHelper::set_validators(&validators);
    Ok((id, validators))
}

#[benchmarks]
mod benchmarks {
    use super::*;

    #[benchmark]
    fn register_worker() {
        let key = crypto::Public::generate_pair(None);
        let who = Inference::<T>::account_of(&key);
        T::Currency::set_balance(&who, big::<T>());
        let bond = T::MinWorkerBond::get();
        #[extrinsic_call]
        _(RawOrigin::Signed(who.clone()), bond);
        assert!(Workers::<T>::contains_key(&who));
    }

    #[benchmark]
    fn bond_extra() -> Result<(), BenchmarkError> {
        let (_, who) = workers::<T>(1)?.pop().ok_or(stop("worker"))?;
        let amount = T::MinWorkerBond::get();
        #[extrinsic_call]
        _(RawOrigin::Signed(who.clone()), amount);
        Ok(())
    }

    #[benchmark]
    fn unregister_worker() -> Result<(), BenchmarkError> {
        let ws = workers::<T>(T::MaxWorkers::get())?;
        let (_, who) = ws.last().cloned().ok_or(stop("worker"))?;
        #[extrinsic_call]
        _(RawOrigin::Signed(who.clone()));
        assert!(!ActiveWorkers::<T>::get().contains(&who));
        Ok(())
    }

    #[benchmark]
    fn withdraw_bond() -> Result<(), BenchmarkError> {
        let (_, who) = workers::<T>(1)?.pop().ok_or(stop("worker"))?;
        Inference::<T>::unregister_worker(RawOrigin::Signed(who.clone()).into())
            .map_err(|_| stop("unregister"))?;
        let now = frame_system::Pallet::<T>::block_number();
        frame_system::Pallet::<T>::set_block_number(now.saturating_add(T::UnbondingPeriod::get()));
        #[extrinsic_call]
        _(RawOrigin::Signed(who.clone()));
        assert!(!Workers::<T>::contains_key(&who));
        Ok(())
    }

    #[benchmark]
    fn register_model(c: Linear<1, MAX_CHUNKS>) -> Result<(), BenchmarkError> {
        let owner = funded::<T>("owner", 1);
        let size = c.saturating_mul(MAX_CHUNK_BYTES);
        let hashes: ChunkHashes = (0..c)
            .map(|i| H256::repeat_byte(i as u8))
            .collect::<Vec<_>>()
            .try_into()
            .map_err(|_| stop("hashes"))?;
        let id = H256::repeat_byte(9);
        #[extrinsic_call]
        _(
            RawOrigin::Signed(owner),
            id,
            size,
            hashes,
            BoundedVec::default(),
            BoundedVec::default(),
            ModelPolicy::default(),
            One::one(),
        );
        assert!(Models::<T>::contains_key(id));
        Ok(())
    }

    #[benchmark]
    fn upload_chunk(b: Linear<1, MAX_CHUNK_BYTES>) -> Result<(), BenchmarkError> {
        let owner = funded::<T>("owner", 1);
        let last = vec![7u8; b as usize];
        let hashes: ChunkHashes = vec![H256::zero(), H256(sp_io::hashing::blake2_256(&last))]
            .try_into()
            .map_err(|_| stop("hashes"))?;
        let id = H256::repeat_byte(9);
        Inference::<T>::register_model(
            RawOrigin::Signed(owner.clone()).into(),
            id,
            MAX_CHUNK_BYTES.saturating_add(b),
            hashes,
            BoundedVec::default(),
            BoundedVec::default(),
            ModelPolicy::default(),
            One::one(),
        )
        .map_err(|_| stop("register"))?;
        let bytes: BoundedVec<u8, ConstU32<MAX_CHUNK_BYTES>> =
            last.try_into().map_err(|_| stop("chunk"))?;
        #[extrinsic_call]
        upload_chunk(RawOrigin::Signed(owner), id, 1, bytes);
        Ok(())
    }

    #[benchmark]
    fn upload_final_chunk(
        b: Linear<1, MAX_CHUNK_BYTES>,
        w: Linear<1, { T::MaxWorkers::get() }>,
    ) -> Result<(), BenchmarkError> {
        workers::<T>(w)?;
        let owner = funded::<T>("owner", 1);
        let (mut chunks, hashes) =
            testing_utils::chunked(&vec![7u8; b as usize]).ok_or(stop("chunks"))?;
        let bytes = chunks.pop().ok_or(stop("one chunk"))?;
        let id = H256::repeat_byte(9);
        Inference::<T>::register_model(
            RawOrigin::Signed(owner.clone()).into(),
            id,
            b,
            hashes,
            BoundedVec::default(),
            BoundedVec::default(),
            ModelPolicy::default(),
            One::one(),
        )
        .map_err(|_| stop("register"))?;
        let bytes: BoundedVec<u8, ConstU32<MAX_CHUNK_BYTES>> =
            bytes.try_into().map_err(|_| stop("chunk"))?;
        #[extrinsic_call]
        upload_chunk(RawOrigin::Signed(owner), id, 0, bytes);
        assert!(matches!(
            Models::<T>::get(id).map(|m| m.status),
            Some(ModelStatus::Validating(_))
        ));
        Ok(())
    }

    #[benchmark]
    fn set_price() -> Result<(), BenchmarkError> {
        let id = active_model::<T>(1, 1, ExecutionPolicy::Exact, 1)?;
        let owner = Models::<T>::get(id).ok_or(stop("model"))?.owner;
        #[extrinsic_call]
        _(RawOrigin::Signed(owner), id, 5u32.into());
        Ok(())
    }

    #[benchmark]
    fn revalidate(w: Linear<1, { T::MaxWorkers::get() }>) -> Result<(), BenchmarkError> {
        workers::<T>(w)?;
        let id = active_model::<T>(1, 1, ExecutionPolicy::Exact, 1)?;
        let owner = Models::<T>::get(id).ok_or(stop("model"))?.owner;
        Models::<T>::mutate(id, |m| {
            if let Some(m) = m {
                m.status = ModelStatus::Rejected(RejectReason::NoResponse);
                m.info = None;
            }
        });
        #[extrinsic_call]
        _(RawOrigin::Signed(owner), id);
        assert!(matches!(
            Models::<T>::get(id).map(|m| m.status),
            Some(ModelStatus::Validating(_))
        ));
        Ok(())
    }

    #[benchmark]
    fn retire_model(c: Linear<1, MAX_CHUNKS>) -> Result<(), BenchmarkError> {
        let owner = funded::<T>("owner", 1);
        let hashes: ChunkHashes = (0..c)
            .map(|i| H256::repeat_byte(i as u8))
            .collect::<Vec<_>>()
            .try_into()
            .map_err(|_| stop("hashes"))?;
        let id = H256::repeat_byte(9);
        Inference::<T>::register_model(
            RawOrigin::Signed(owner.clone()).into(),
            id,
            c.saturating_mul(MAX_CHUNK_BYTES),
            hashes,
            BoundedVec::default(),
            BoundedVec::default(),
            ModelPolicy::default(),
            One::one(),
        )
        .map_err(|_| stop("register"))?;
        #[extrinsic_call]
        _(RawOrigin::Signed(owner), id);
        assert!(!Models::<T>::contains_key(id));
        Ok(())
    }

    #[benchmark]
    fn request_inference(
        i: Linear<68, { T::MaxInputBytes::get() }>,
        w: Linear<{ T::MaxReplicas::get() }, { T::MaxWorkers::get() }>,
        r: Linear<1, { T::MaxReplicas::get() }>,
    ) -> Result<(), BenchmarkError> {
        workers::<T>(w)?;
        let elems = elems_for(i);
        let model = active_model::<T>(elems, 1, ExecutionPolicy::Exact, r as u8)?;
        let requester = funded::<T>("requester", 1);
        let inputs: BoundedVec<u8, T::MaxInputBytes> = tensor_map(b"x", elems, 1.0)?
            .try_into()
            .map_err(|_| stop("inputs"))?;
        #[extrinsic_call]
        _(RawOrigin::Signed(requester), model, inputs, big::<T>());
        assert_eq!(Jobs::<T>::get(0).map(|job| job.slots.len() as u32), Some(r));
        Ok(())
    }

    #[benchmark]
    fn commit(n: Linear<1, { T::MaxBatch::get() }>) -> Result<(), BenchmarkError> {
        let (key, items) = commit_setup::<T>(n)?;
        let payload = Inference::<T>::signing_payload(COMMIT_CONTEXT, &key, &items);
        let signature = key.sign(&payload).ok_or(stop("sign"))?;
        #[extrinsic_call]
        _(RawOrigin::Authorized, key, items, signature);
        Ok(())
    }

    #[benchmark]
    fn authorize_commit(n: Linear<1, { T::MaxBatch::get() }>) -> Result<(), BenchmarkError> {
        let (key, items) = commit_setup::<T>(n)?;
        let payload = Inference::<T>::signing_payload(COMMIT_CONTEXT, &key, &items);
        let signature = key.sign(&payload).ok_or(stop("sign"))?;
        let call = Call::<T>::commit {
            worker: key,
            items,
            signature,
        };
        #[block]
        {
            call.authorize(TransactionSource::External)
                .ok_or(stop("not authorizable"))?
                .map_err(|_| stop("unauthorized"))?;
        }
        Ok(())
    }

    #[benchmark]
    fn reveal(n: Linear<1, { T::MaxBatch::get() }>) -> Result<(), BenchmarkError> {
        let (key, items) = reveal_setup::<T>(n, 0)?;
        let ids: Vec<JobId> = items.iter().map(|(id, _)| *id).collect();
        let payload = Inference::<T>::signing_payload(REVEAL_CONTEXT, &key, &items);
        let signature = key.sign(&payload).ok_or(stop("sign"))?;
        #[extrinsic_call]
        reveal(RawOrigin::Authorized, key, items, signature);
        assert_pending::<T>(&ids);
        Ok(())
    }

    #[benchmark]
    fn reveal_bytes(b: Linear<68, { T::MaxOutputBytes::get() }>) -> Result<(), BenchmarkError> {
        let (key, items) = reveal_setup::<T>(1, b)?;
        let ids: Vec<JobId> = items.iter().map(|(id, _)| *id).collect();
        let payload = Inference::<T>::signing_payload(REVEAL_CONTEXT, &key, &items);
        let signature = key.sign(&payload).ok_or(stop("sign"))?;
        #[extrinsic_call]
        reveal(RawOrigin::Authorized, key, items, signature);
        assert_pending::<T>(&ids);
        Ok(())
    }

    /// A reveal batch of one applied item and `n` items skipped because their jobs already
    /// settled.
    #[benchmark]
    fn reveal_skipped(n: Linear<1, { T::MaxBatch::get() - 1 }>) -> Result<(), BenchmarkError> {
        let (key, items) = reveal_setup::<T>(n + 1, 0)?;
        let ids: Vec<JobId> = items.iter().map(|(id, _)| *id).collect();
        let (live, overtaken) = ids.split_first().ok_or(stop("no job"))?;
        for id in overtaken {
            Jobs::<T>::mutate(id, |job| {
                if let Some(job) = job {
                    job.status = JobStatus::Completed;
                }
            });
        }
        let payload = Inference::<T>::signing_payload(REVEAL_CONTEXT, &key, &items);
        let signature = key.sign(&payload).ok_or(stop("sign"))?;
        #[extrinsic_call]
        reveal(RawOrigin::Authorized, key, items, signature);
        assert_pending::<T>(&[*live]);
        Ok(())
    }

    #[benchmark]
    fn authorize_reveal(n: Linear<1, { T::MaxBatch::get() }>) -> Result<(), BenchmarkError> {
        let (key, items) = reveal_setup::<T>(n, 0)?;
        let call = reveal_call::<T>(key, items)?;
        #[block]
        {
            call.authorize(TransactionSource::External)
                .ok_or(stop("not authorizable"))?
                .map_err(|_| stop("unauthorized"))?;
        }
        Ok(())
    }

    #[benchmark]
    fn authorize_reveal_bytes(
        b: Linear<68, { T::MaxOutputBytes::get() }>,
    ) -> Result<(), BenchmarkError> {
        let (key, items) = reveal_setup::<T>(1, b)?;
        let call = reveal_call::<T>(key, items)?;
        #[block]
        {
            call.authorize(TransactionSource::External)
                .ok_or(stop("not authorizable"))?
                .map_err(|_| stop("unauthorized"))?;
        }
        Ok(())
    }

    #[benchmark]
    fn on_initialize_idle() {
        let now = frame_system::Pallet::<T>::block_number();
        #[block]
        {
            Inference::<T>::process_queues(now);
        }
    }

    #[benchmark]
    fn expire_jobs(n: Linear<0, { T::MaxJobsPerBlock::get() }>) -> Result<(), BenchmarkError> {
        let (ids, _) = block_jobs::<T>(n, 1)?;
        let at = frame_system::Pallet::<T>::block_number()
            .saturating_add(T::CommitPeriod::get())
            .saturating_add(One::one());
        #[block]
        {
            Inference::<T>::process_queues(at);
        }
        for id in ids {
            assert_eq!(
                Jobs::<T>::get(id).map(|r| r.status),
                Some(JobStatus::Expired)
            );
        }
        Ok(())
    }

    #[benchmark]
    fn settle_jobs(n: Linear<0, { T::MaxJobsPerBlock::get() }>) -> Result<(), BenchmarkError> {
        let (ids, at) = all_but_one_revealed::<T>(n)?;
        #[block]
        {
            Inference::<T>::process_queues(at);
        }
        for id in ids {
            assert_eq!(
                Jobs::<T>::get(id).map(|r| r.status),
                Some(JobStatus::Escalated)
            );
        }
        Ok(())
    }

    /// `n` provisional jobs become final in one block: each with `MaxReplicas` workers, all
    /// of which revealed (paid, their reveals removed).
    #[benchmark]
    fn finalize_jobs(n: Linear<0, { T::MaxJobsPerBlock::get() }>) -> Result<(), BenchmarkError> {
        let (ids, ws) = block_jobs::<T>(n, 1)?;
        let output: RevealOf<T> = Reveal::Outputs(
            tensor_map(b"y", 1, 1.5)?
                .try_into()
                .map_err(|_| stop("output"))?,
        );
        for id in ids.iter() {
            provisional::<T>(*id, &ws, &output)?;
        }
        // Provisional in this block: final in the block after the challenge period.
        let at = frame_system::Pallet::<T>::block_number()
            .saturating_add(T::ChallengePeriod::get())
            .saturating_add(One::one());
        #[block]
        {
            Inference::<T>::process_queues(at);
        }
        for id in ids {
            assert_eq!(
                Jobs::<T>::get(id).map(|r| r.status),
                Some(JobStatus::Completed)
            );
        }
        Ok(())
    }

    /// A challenge of a provisional result whose pruning slot is full (the escalation moves
    /// the job out of it).
    #[benchmark]
    fn challenge() -> Result<(), BenchmarkError> {
        let (ids, ws) = block_jobs::<T>(T::MaxJobsPerBlock::get(), 1)?;
        let id = *ids.first().ok_or(stop("no job"))?;
        let output: RevealOf<T> = Reveal::Outputs(
            tensor_map(b"y", 1, 1.5)?
                .try_into()
                .map_err(|_| stop("output"))?,
        );
        provisional::<T>(id, &ws, &output)?;
        let challenger = funded::<T>("challenger", 0);
        #[extrinsic_call]
        challenge(RawOrigin::Signed(challenger), id);
        assert_eq!(
            Jobs::<T>::get(id).map(|r| r.status),
            Some(JobStatus::Escalated)
        );
        Ok(())
    }

    /// Starting the validators' round of one challenged job with `v` validators: the
    /// committee's `MaxReplicas` reveals of `MaxOutputBytes` each move into the escalation.
    #[benchmark]
    fn start_escalation(v: Linear<1, { T::MaxValidators::get() }>) -> Result<(), BenchmarkError> {
        let (id, _) = challenged_job::<T>(v)?;
        let now = frame_system::Pallet::<T>::block_number();
        let started;
        #[block]
        {
            started = Inference::<T>::start_escalations(now);
        }
        assert_eq!(started, (1, v));
        assert!(Escalations::<T>::contains_key(id));
        Ok(())
    }

    /// Deciding one challenged job with `MaxValidators` validators, at its heaviest: distinct
    /// tolerance outputs of `MaxOutputBytes` (their median computed, each compared with it
    /// element by element), every validator agreeing (paid), the verdict overturning the
    /// committee (every member slashed, the challenger rewarded, the requester compensated).
    /// Measured at the largest set only, the worst case whatever the set.
    #[benchmark]
    fn decide_escalation() -> Result<(), BenchmarkError> {
        let (id, validators) = challenged_job::<T>(T::MaxValidators::get())?;
        let now = frame_system::Pallet::<T>::block_number();
        Inference::<T>::start_escalations(now);
        let esc = Escalations::<T>::get(id).ok_or(stop("escalation"))?;
        let elems = elems_for(T::MaxOutputBytes::get());
        let votes = (0..validators.len())
            .map(|i| near_output::<T>(elems, VERDICT_FILL, i))
            .collect::<Result<Vec<_>, _>>()?;
        for (who, vote) in validators.iter().zip(votes.iter()) {
            let c = vote.commitment(&who.encode());
            Inference::<T>::do_commit(who, id, c, now).map_err(|_| stop("validator commit"))?;
        }
        for (who, vote) in validators.iter().zip(votes.iter()) {
            Inference::<T>::do_reveal(who, id, vote.clone(), now)
                .map_err(|_| stop("validator reveal"))?;
        }
        let at = esc.reveal_deadline.saturating_add(One::one());
        frame_system::Pallet::<T>::set_block_number(at);
        let decided;
        #[block]
        {
            decided = Inference::<T>::decide_escalations(at);
        }
        assert_eq!(decided, 1);
        assert_eq!(
            Jobs::<T>::get(id).map(|r| r.status),
            Some(JobStatus::Completed)
        );
        let esc = Escalations::<T>::get(id).ok_or(stop("escalation"))?;
        assert!(esc.slots.iter().all(|s| s.agreed));
        assert!(Results::<T>::contains_key(id));
        Ok(())
    }

    /// Settling one tolerance job whose `MaxReplicas` workers all revealed distinct agreeing
    /// outputs of `b` bytes in total: the per-byte part of a settlement (reading and decoding
    /// the outputs, their median, comparing each with it element by element, storing the
    /// result).
    #[benchmark]
    fn settle_bytes(
        b: Linear<
            { 68 * T::MaxReplicas::get() },
            { T::MaxOutputBytes::get() * T::MaxReplicas::get() },
        >,
    ) -> Result<(), BenchmarkError> {
        let r = T::MaxReplicas::get();
        let elems = elems_for(b / r);
        let (ids, ws) = block_jobs::<T>(1, elems)?;
        let id = *ids.first().ok_or(stop("no job"))?;
        let outs = (0..ws.len())
            .map(|i| near_output::<T>(elems, 1.5, i))
            .collect::<Result<Vec<_>, _>>()?;
        let now = frame_system::Pallet::<T>::block_number();
        for (who, out) in ws.iter().zip(outs.iter()) {
            let c = out.commitment(&who.encode());
            Inference::<T>::do_commit(who, id, c, now).map_err(|_| stop("commit"))?;
        }
        let (last, others) = ws.split_last().ok_or(stop("no worker"))?;
        for (who, out) in others.iter().zip(outs.iter()) {
            Inference::<T>::do_reveal(who, id, out.clone(), now).map_err(|_| stop("reveal"))?;
        }
        // The last reveal is stored without settling, so that the block settles.
        let last_out = outs.last().cloned().ok_or(stop("no output"))?;
        Reveals::<T>::insert(id, last, last_out);
        Jobs::<T>::mutate(id, |job| {
            if let Some(slot) = job
                .as_mut()
                .and_then(|job| job.slots.iter_mut().find(|s| &s.worker == last))
            {
                slot.revealed = true;
            }
        });
        let job = Jobs::<T>::get(id).ok_or(stop("job"))?;
        #[block]
        {
            let _ = Inference::<T>::settle(id, job, None);
        }
        let settled = Jobs::<T>::get(id).ok_or(stop("job"))?;
        assert_eq!(settled.status, JobStatus::Provisional);
        assert!(settled.slots.iter().all(|s| s.agreed));
        Ok(())
    }

    /// The per-job part of a settlement in a reveal: an exact job with `r` replicas and
    /// minimal outputs, every worker committed to the same outputs, settled by the first
    /// reveal (in hand, never stored); everyone is paid, nobody slashed.
    #[benchmark]
    fn settle_one(r: Linear<1, { T::MaxReplicas::get() }>) -> Result<(), BenchmarkError> {
        let ws = workers::<T>(r)?;
        let model = active_model::<T>(1, 1, ExecutionPolicy::Exact, r as u8)?;
        let id = *requests::<T>(model, 1)?.first().ok_or(stop("no job"))?;
        let output: RevealOf<T> = Reveal::Outputs(
            tensor_map(b"y", 1, 1.5)?
                .try_into()
                .map_err(|_| stop("output"))?,
        );
        let now = frame_system::Pallet::<T>::block_number();
        for (_, who) in ws.iter() {
            let c = output.commitment(&who.encode());
            Inference::<T>::do_commit(who, id, c, now).map_err(|_| stop("commit"))?;
        }
        let mut job = Jobs::<T>::get(id).ok_or(stop("job"))?;
        let first = job.slots.iter_mut().next().ok_or(stop("no slot"))?;
        first.revealed = true;
        let done;
        #[block]
        {
            done = Inference::<T>::settle(id, job, Some((0, output)));
        }
        assert_eq!((done.stored, done.slashed), (0, 0));
        let settled = Jobs::<T>::get(id).ok_or(stop("job"))?;
        assert_eq!(settled.status, JobStatus::Provisional);
        assert!(settled.slots.iter().all(|s| s.agreed));
        Ok(())
    }

    /// A settlement in a reveal that reads `k` stored reveals: a tolerance job with `k + 1`
    /// replicas and minimal agreeing outputs, `k` revealed earlier, the last in hand. Only the
    /// slope over `k` is charged (on top of `settle_one`): one stored reveal read, removed,
    /// decoded and compared, and one more worker paid.
    #[benchmark]
    fn settle_stored(k: Linear<0, { T::MaxReplicas::get() - 1 }>) -> Result<(), BenchmarkError> {
        let ws = workers::<T>(k + 1)?;
        let model = active_model::<T>(
            1,
            1,
            ExecutionPolicy::Tolerance {
                abs: 1_000,
                rel: 1_000,
            },
            (k + 1) as u8,
        )?;
        let id = *requests::<T>(model, 1)?.first().ok_or(stop("no job"))?;
        let output: RevealOf<T> = Reveal::Outputs(
            tensor_map(b"y", 1, 1.5)?
                .try_into()
                .map_err(|_| stop("output"))?,
        );
        let now = frame_system::Pallet::<T>::block_number();
        for (_, who) in ws.iter() {
            let c = output.commitment(&who.encode());
            Inference::<T>::do_commit(who, id, c, now).map_err(|_| stop("commit"))?;
        }
        let mut job = Jobs::<T>::get(id).ok_or(stop("job"))?;
        for slot in job.slots.iter_mut() {
            slot.revealed = true;
        }
        // Every slot but the last (in draw order) revealed earlier.
        for slot in job.slots.iter().take(k as usize) {
            Reveals::<T>::insert(id, &slot.worker, output.clone());
        }
        let done;
        #[block]
        {
            done = Inference::<T>::settle(id, job, Some((k as usize, output)));
        }
        assert_eq!((done.stored, done.slashed), (k, 0));
        let settled = Jobs::<T>::get(id).ok_or(stop("job"))?;
        assert_eq!(settled.status, JobStatus::Provisional);
        assert!(settled.slots.iter().all(|s| s.agreed));
        Ok(())
    }

    /// One slash, at its heaviest: the worker's bond falls below the minimum and it leaves a
    /// full active set.
    #[benchmark]
    fn slash_worker() -> Result<(), BenchmarkError> {
        let ws = workers::<T>(T::MaxWorkers::get())?;
        let (_, who) = ws.last().cloned().ok_or(stop("no worker"))?;
        let slashed;
        #[block]
        {
            slashed = Inference::<T>::slash_worker(
                &who,
                0,
                Offence::WrongResult,
                Perbill::from_percent(50),
            );
        }
        assert!(slashed);
        assert!(!ActiveWorkers::<T>::get().contains(&who));
        Ok(())
    }

    #[benchmark]
    fn prune_jobs(n: Linear<0, { T::MaxJobsPerBlock::get() }>) -> Result<(), BenchmarkError> {
        let (ids, _) = block_jobs::<T>(n, 1)?;
        let now = frame_system::Pallet::<T>::block_number();
        let expire_at = now
            .saturating_add(T::CommitPeriod::get())
            .saturating_add(One::one());
        Inference::<T>::process_queues(expire_at);
        let at = now
            .saturating_add(T::CommitPeriod::get())
            .saturating_add(T::RevealPeriod::get())
            .saturating_add(One::one())
            .saturating_add(T::ChallengePeriod::get())
            .saturating_add(T::ResultRetention::get());
        #[block]
        {
            Inference::<T>::process_queues(at);
        }
        for id in ids {
            assert!(!Jobs::<T>::contains_key(id));
        }
        Ok(())
    }

    impl_benchmark_test_suite!(Inference, crate::mock::new_bench_ext(), crate::mock::Test);
}
