//! The offchain worker (`offchain/`): what a worker's node computes, stores and submits.

use super::*;

use crate::{offchain::RESUBMIT_AFTER, Call, KEY_TYPE};
use codec::Decode;
use frame_support::traits::Hooks;
use inferchain_primitives::host::{HostError, InferenceHostExt};
use sp_core::offchain::{
    testing::{PoolState, TestOffchainExt, TestTransactionPoolExt},
    OffchainDbExt, OffchainWorkerExt, TransactionPoolExt,
};
use sp_core::Pair;
use sp_keystore::{testing::MemoryKeystore, Keystore, KeystoreExt};
use std::sync::{atomic::Ordering, Arc};

type Pool = Arc<parking_lot::RwLock<PoolState>>;

/// Test externalities with offchain, pool, keystore (keys of workers 1..=6) and, if given,
/// the host double.
fn ocw_ext(host: Option<FakeHost>) -> (sp_io::TestExternalities, Pool) {
    let (ext, pool, _) = ocw_ext_with_state(host);
    (ext, pool)
}

/// [`ocw_ext`], also returning the offchain state (clock, local storage).
fn ocw_ext_with_state(
    host: Option<FakeHost>,
) -> (
    sp_io::TestExternalities,
    Pool,
    Arc<parking_lot::RwLock<sp_core::offchain::testing::OffchainState>>,
) {
    let mut ext = ExtBuilder::default().build();
    let (offchain, state) = TestOffchainExt::with_offchain_db(ext.offchain_db());
    let (pool, pool_state) = TestTransactionPoolExt::new();
    let keystore = MemoryKeystore::new();
    for i in 1..=6u8 {
        let seed: String = [i; 32].iter().map(|b| format!("{b:02x}")).collect();
        keystore
            .insert(KEY_TYPE, &format!("0x{seed}"), pair(i).public().as_ref())
            .expect("inserts");
    }
    assert_eq!(keystore.sr25519_public_keys(KEY_TYPE).len(), 6);
    ext.register_extension(OffchainWorkerExt::new(offchain.clone()));
    ext.register_extension(OffchainDbExt::new(offchain));
    ext.register_extension(TransactionPoolExt::new(pool));
    ext.register_extension(KeystoreExt::new(keystore));
    if let Some(h) = host {
        ext.register_extension(InferenceHostExt::new(h));
    }
    (ext, pool_state, state)
}

/// Transactions wait `SUBMIT_DELAY_MILLIS` for peers to import the block, unless the node
/// recorded that it has no peers.
#[test]
fn submission_waits_for_peers_only_when_there_are_peers() {
    use crate::offchain::SUBMIT_DELAY_MILLIS;
    use inferchain_primitives::offchain_keys::NODE_PEERS_KEY;
    use sp_runtime::offchain::{storage::StorageValueRef, Timestamp};
    for (peers, delay) in [
        (None, SUBMIT_DELAY_MILLIS),
        (Some(2u32), SUBMIT_DELAY_MILLIS),
        (Some(0u32), 0),
    ] {
        let (mut ext, pool, state) = ocw_ext_with_state(Some(FakeHost::default()));
        let _ = ext.execute_with(|| request(genesis_model()));
        ext.persist_offchain_overlay();
        ext.execute_with(|| {
            if let Some(n) = peers {
                StorageValueRef::persistent(NODE_PEERS_KEY).set(&n);
            }
            state.write().timestamp = Timestamp::from_unix_millis(10_000);
            Inference::offchain_worker(1);
            assert_eq!(drain(&pool).len(), 3, "three commits");
            assert_eq!(
                state.read().timestamp,
                Timestamp::from_unix_millis(10_000 + delay),
                "peers {peers:?}"
            );
        });
    }
}

/// Takes the pool's transactions and decodes their pallet calls.
fn drain(pool: &Pool) -> Vec<Call<Test>> {
    let txs = std::mem::take(&mut pool.write().transactions);
    txs.into_iter()
        .map(|tx| {
            let xt = Extrinsic::decode(&mut &tx[..]).expect("decodes");
            assert!(
                matches!(xt.preamble, sp_runtime::generic::Preamble::General(..)),
                "authorized transactions are general"
            );
            match xt.function {
                RuntimeCall::Inference(call) => call,
                other => panic!("unexpected call {other:?}"),
            }
        })
        .collect()
}

/// The worker index and item ids of a commit or reveal call.
fn summary(call: &Call<Test>) -> (u8, Vec<u64>) {
    match call {
        Call::commit { worker, items, .. } => (
            idx(&Inference::account_of(worker)),
            items.iter().map(|(id, _)| *id).collect(),
        ),
        Call::reveal { worker, items, .. } => (
            idx(&Inference::account_of(worker)),
            items.iter().map(|(id, _)| *id).collect(),
        ),
        other => panic!("unexpected call {other:?}"),
    }
}

#[test]
fn commits_once_then_reveals_and_completes() {
    let host = FakeHost::default();
    let calls = host.calls.clone();
    let (mut ext, pool) = ocw_ext(Some(host));
    let (a, b) = ext.execute_with(|| (request(genesis_model()), request(genesis_model())));
    ext.persist_offchain_overlay();
    ext.execute_with(|| {
        Inference::offchain_worker(1);
        let commits = drain(&pool);
        // One commit transaction per assigned local worker, batching both jobs.
        let mut expected: Vec<u8> = workers_of(a);
        expected.extend(workers_of(b));
        expected.sort();
        expected.dedup();
        assert_eq!(commits.len(), expected.len());
        for c in &commits {
            let (w, ids) = summary(c);
            let mut mine: Vec<u64> = [a, b]
                .into_iter()
                .filter(|id| workers_of(*id).contains(&w))
                .collect();
            mine.sort();
            let mut ids = ids;
            ids.sort();
            assert_eq!(ids, mine);
            if let Call::commit { items, .. } = c {
                for (_, h) in items.iter() {
                    assert_eq!(*h, commitment(w, &good()));
                }
            }
        }
        let runs = calls.load(Ordering::SeqCst);
        assert_eq!(runs, 6, "each assigned worker ran each job once");
        // Running again in the same block and a few blocks later submits nothing new.
        Inference::offchain_worker(1);
        assert!(drain(&pool).is_empty());
        for c in commits {
            assert_eq!(submit(c), Ok(()));
        }
        run_to_block(2);
        Inference::offchain_worker(2);
        let reveals = drain(&pool);
        assert_eq!(reveals.len(), expected.len());
        assert_eq!(
            calls.load(Ordering::SeqCst),
            runs,
            "reveals use stored outputs"
        );
        let mut results = Vec::new();
        for r in reveals {
            results.push(submit(r));
        }
        assert!(results.iter().any(|r| r.is_ok()));
        // Once a job settled, remaining reveals for it are refused at the pool.
        for r in results.iter().filter(|r| r.is_err()) {
            assert!(matches!(r, Err(TxError::Pool(_))));
        }
        for id in [a, b] {
            assert_eq!(
                Jobs::<Test>::get(id).expect("job").status,
                JobStatus::Provisional
            );
            assert_eq!(
                Results::<Test>::get(id).map(|o| o.into_inner()),
                Some(good())
            );
        }
        run_to_block(3);
        Inference::offchain_worker(3);
        assert!(drain(&pool).is_empty(), "nothing left to do");
        check_invariants();
    });
}

#[test]
fn reveal_batches_are_split_at_the_byte_limit() {
    // Room for one output per reveal: a worker with two jobs sends two reveals in the same
    // block.
    crate::mock::RevealBatchBytes::set(good().len() as u32 + 1);
    let (mut ext, pool) = ocw_ext(Some(FakeHost::default()));
    let (a, b) = ext.execute_with(|| (request(genesis_model()), request(genesis_model())));
    ext.persist_offchain_overlay();
    ext.execute_with(|| {
        let both: Vec<u8> = workers_of(a)
            .into_iter()
            .filter(|w| workers_of(b).contains(w))
            .collect();
        assert!(
            !both.is_empty(),
            "three of few workers: some have both jobs"
        );
        Inference::offchain_worker(1);
        for c in drain(&pool) {
            assert_eq!(submit(c), Ok(()));
        }
        run_to_block(2);
        Inference::offchain_worker(2);
        let reveals = drain(&pool);
        let sent: Vec<(u8, Vec<u64>)> = reveals.iter().map(summary).collect();
        for (_, ids) in &sent {
            assert_eq!(ids.len(), 1, "one output per reveal batch");
        }
        for w in &both {
            assert_eq!(
                sent.iter().filter(|(x, _)| x == w).count(),
                2,
                "worker {w} revealed both jobs in one block"
            );
        }
        for r in reveals {
            let _ = submit(r);
        }
        for id in [a, b] {
            assert_eq!(
                Jobs::<Test>::get(id).map(|r| r.status),
                Some(JobStatus::Provisional)
            );
        }
    });
    crate::mock::RevealBatchBytes::set(1024 * 1024);
}

/// More pending items than `MaxBatch` go out in several transactions in the same block.
#[test]
fn commits_beyond_max_batch_are_sent_in_several_transactions() {
    let (mut ext, pool) = ocw_ext(Some(FakeHost::default()));
    let ids = ext.execute_with(|| {
        // 20 jobs of three replicas over six workers (MaxJobsPerBlock = 4 per deadline
        // slot: later jobs spill to the next four slots).
        (0..20)
            .map(|_| request(genesis_model()))
            .collect::<Vec<u64>>()
    });
    ext.persist_offchain_overlay();
    ext.execute_with(|| {
        Inference::offchain_worker(1);
        let commits = drain(&pool);
        let sent: Vec<(u8, Vec<u64>)> = commits.iter().map(summary).collect();
        let mut per_worker: std::collections::BTreeMap<u8, Vec<u64>> = Default::default();
        for (w, items) in &sent {
            assert!(items.len() <= 8, "at most MaxBatch items per transaction");
            per_worker.entry(*w).or_default().extend(items);
        }
        let mut all: Vec<u64> = per_worker.values().flatten().copied().collect();
        all.sort();
        let expected: Vec<u64> = ids.iter().flat_map(|id| [*id; 3]).collect();
        assert_eq!(
            all, expected,
            "every worker of every job commits, in this block"
        );
        assert!(
            per_worker.values().any(|v| v.len() > 8),
            "some worker had more than MaxBatch jobs"
        );
        for c in commits {
            assert_eq!(submit(c), Ok(()));
        }
    });
}

#[test]
fn does_not_resubmit_before_timeout() {
    let (mut ext, pool) = ocw_ext(Some(FakeHost::default()));
    ext.execute_with(|| {
        let _ = request(genesis_model());
    });
    ext.persist_offchain_overlay();
    ext.execute_with(|| {
        Inference::offchain_worker(1);
        assert_eq!(drain(&pool).len(), 3);
        // The transactions were dropped: no resubmission before RESUBMIT_AFTER blocks.
        for b in 2..(1 + RESUBMIT_AFTER as u64).min(1 + COMMIT_PERIOD) {
            run_to_block(b);
            Inference::offchain_worker(b);
            assert!(drain(&pool).is_empty());
        }
    });
}

#[test]
fn reveal_uses_outputs_stored_before_restart() {
    let host = FakeHost::default();
    let skew = host.skew.clone();
    let (mut ext, pool) = ocw_ext(Some(host));
    let id = ext.execute_with(|| request(genesis_model()));
    ext.persist_offchain_overlay();
    ext.execute_with(|| {
        Inference::offchain_worker(1);
        for c in drain(&pool) {
            assert_eq!(submit(c), Ok(()));
        }
    });
    // "Restart" with a backend that would now compute something else.
    *skew.lock().expect("not poisoned") = 1.0;
    ext.execute_with(|| {
        run_to_block(2);
        Inference::offchain_worker(2);
        let reveals = drain(&pool);
        assert_eq!(reveals.len(), 3);
        for r in reveals {
            let _ = submit(r);
        }
        assert_eq!(
            Results::<Test>::get(id).map(|o| o.into_inner()),
            Some(good())
        );
    });
}

/// A node upgraded between its commit and its reveal finds the raw outputs the previous
/// runtime stored (under the legacy key) and reveals them: it is not slashed for the upgrade.
#[test]
fn reveal_uses_raw_outputs_stored_by_the_previous_runtime() {
    use sp_runtime::offchain::StorageKind;
    let host = FakeHost::default();
    let skew = host.skew.clone();
    let (mut ext, pool) = ocw_ext(Some(host));
    let id = ext.execute_with(|| request(genesis_model()));
    ext.persist_offchain_overlay();
    ext.execute_with(|| {
        Inference::offchain_worker(1);
        for c in drain(&pool) {
            assert_eq!(submit(c), Ok(()));
        }
        // What the previous runtime stored: the raw outputs under the legacy key, no typed
        // reveal.
        for w in workers_of(id) {
            let worker = acc(w).encode();
            sp_io::offchain::local_storage_clear(
                StorageKind::PERSISTENT,
                &crate::offchain::reveal_key(&worker, id),
            );
            sp_io::offchain::local_storage_set(
                StorageKind::PERSISTENT,
                &crate::offchain::legacy_output_key(&worker, id),
                &good(),
            );
        }
    });
    // The backend would now compute something else: only the stored outputs open the
    // commitments.
    *skew.lock().expect("not poisoned") = 1.0;
    ext.execute_with(|| {
        run_to_block(2);
        Inference::offchain_worker(2);
        let reveals = drain(&pool);
        assert_eq!(reveals.len(), 3);
        for r in reveals {
            let _ = submit(r);
        }
        assert_eq!(
            Results::<Test>::get(id).map(|o| o.into_inner()),
            Some(good())
        );
        assert!(slashes(id).is_empty());
    });
}

#[test]
fn without_backend_nothing_is_submitted() {
    let (mut ext, pool) = ocw_ext(None);
    ext.execute_with(|| {
        let _ = request(genesis_model());
    });
    ext.persist_offchain_overlay();
    ext.execute_with(|| {
        Inference::offchain_worker(1);
        assert!(drain(&pool).is_empty());
    });
}

#[test]
fn execution_failures_are_committed_as_such() {
    let host = FakeHost {
        run_error: Some(HostError::Run(b"division by zero".to_vec())),
        ..Default::default()
    };
    let (mut ext, pool) = ocw_ext(Some(host));
    let id = ext.execute_with(|| request(genesis_model()));
    ext.persist_offchain_overlay();
    ext.execute_with(|| {
        Inference::offchain_worker(1);
        let commits = drain(&pool);
        assert_eq!(commits.len(), 3);
        for c in commits {
            let (w, _) = summary(&c);
            if let Call::commit { items, .. } = &c {
                assert_eq!(items[0].1, commitment(w, &FAILED));
            }
            assert_eq!(submit(c), Ok(()));
        }
        run_to_block(2);
        Inference::offchain_worker(2);
        for r in drain(&pool) {
            let _ = submit(r);
        }
        run_to_final(id);
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Failed(FailureReason::ExecutionFailed)
        );
    });
}

#[test]
fn validates_uploaded_models() {
    let (mut ext, pool) = ocw_ext(Some(FakeHost::default()));
    let (model, job) = ext.execute_with(|| register_and_upload(100, 20));
    ext.persist_offchain_overlay();
    ext.execute_with(|| {
        Inference::offchain_worker(1);
        let commits = drain(&pool);
        assert_eq!(commits.len(), 3);
        for c in commits {
            assert_eq!(summary(&c).1, vec![job]);
            assert_eq!(submit(c), Ok(()));
        }
        run_to_block(2);
        Inference::offchain_worker(2);
        for r in drain(&pool) {
            let _ = submit(r);
        }
        run_to_final(job);
        assert_eq!(
            Models::<Test>::get(model).expect("model").status,
            ModelStatus::Active
        );
    });
}

#[test]
fn uploaded_model_serves_requests_end_to_end() {
    let (mut ext, pool) = ocw_ext(Some(FakeHost::default()));
    let (model, job) = ext.execute_with(|| register_and_upload(100, 40));
    ext.persist_offchain_overlay();
    // Block 1-2: the committee validates the model through its offchain workers; the outcome
    // is final after the challenge period.
    ext.execute_with(|| {
        Inference::offchain_worker(1);
        for c in drain(&pool) {
            assert_eq!(submit(c), Ok(()));
        }
        run_to_block(2);
        Inference::offchain_worker(2);
        for r in drain(&pool) {
            let _ = submit(r);
        }
        run_to_final(job);
        assert_eq!(
            Models::<Test>::get(model).expect("model").status,
            ModelStatus::Active
        );
    });
    // A request on the new model.
    let (id, at) = ext.execute_with(|| (request(model), System::block_number()));
    ext.persist_offchain_overlay();
    // The assigned workers execute, commit, reveal; the request settles.
    ext.execute_with(|| {
        Inference::offchain_worker(at);
        let commits = drain(&pool);
        assert_eq!(commits.len(), 3);
        for c in commits {
            assert_eq!(submit(c), Ok(()));
        }
        run_to_block(at + 1);
        Inference::offchain_worker(at + 1);
        for r in drain(&pool) {
            let _ = submit(r);
        }
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Provisional
        );
        run_to_final(id);
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Completed
        );
        assert_eq!(
            Results::<Test>::get(id).map(|o| o.into_inner()),
            Some(good())
        );
        // Owner: deposit held and royalty received.
        assert_eq!(free(&owner()), INITIAL - deposit_of(100) + PRICE);
        check_invariants();
    });
}

#[test]
fn rejected_models_are_reported() {
    let host = FakeHost {
        validation_error: Some(HostError::Invalid(b"unsupported op".to_vec())),
        ..Default::default()
    };
    let (mut ext, pool) = ocw_ext(Some(host));
    let (model, job) = ext.execute_with(|| register_and_upload(100, 21));
    ext.persist_offchain_overlay();
    ext.execute_with(|| {
        Inference::offchain_worker(1);
        for c in drain(&pool) {
            assert_eq!(submit(c), Ok(()));
        }
        run_to_block(2);
        Inference::offchain_worker(2);
        for r in drain(&pool) {
            let _ = submit(r);
        }
        run_to_final(job);
        assert_eq!(
            Models::<Test>::get(model).expect("model").status,
            ModelStatus::Rejected(RejectReason::Invalid)
        );
    });
}

/// An escalated job is re-executed by the validators' worker keys through the same
/// commit–reveal round, and their verdict settles it.
#[test]
fn validators_re_execute_escalated_jobs() {
    let (mut ext, pool) = ocw_ext(Some(FakeHost::default()));
    let id = ext.execute_with(|| request(genesis_model()));
    ext.persist_offchain_overlay();
    ext.execute_with(|| {
        let ws = workers_of(id);
        let vs = others(id);
        set_validator_workers(&vs);
        assert_ok!(commit(ws[0], id, &good()));
        assert_ok!(commit(ws[1], id, &bad()));
        assert_ok!(commit(ws[2], id, &good()));
        assert_ok!(reveal(ws[0], id, &good()));
        assert_ok!(reveal(ws[1], id, &bad()));
        assert_ok!(reveal(ws[2], id, &good()));
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Escalated
        );
        let esc = run_to_escalation_start(id);
        let now = System::block_number();
        Inference::offchain_worker(now);
        let commits = drain(&pool);
        let mut signers: Vec<u8> = commits.iter().map(|c| summary(c).0).collect();
        signers.sort();
        assert_eq!(
            signers, vs,
            "one commit per validator, none from the committee"
        );
        for c in commits {
            assert_eq!(summary(&c).1, vec![id]);
            assert_eq!(submit(c), Ok(()));
        }
        run_to_block(esc.commit_deadline + 1);
        Inference::offchain_worker(esc.commit_deadline + 1);
        let reveals = drain(&pool);
        assert_eq!(reveals.len(), vs.len());
        for r in reveals {
            assert_eq!(submit(r), Ok(()));
        }
        run_to_block(esc.reveal_deadline + 1);
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Completed
        );
        assert_eq!(
            Results::<Test>::get(id).map(|o| o.into_inner()),
            Some(good())
        );
        assert_eq!(
            slashes(id),
            vec![(ws[1], crate::Offence::WrongResult, MIN_BOND * 2 / 5)]
        );
        check_invariants();
    });
}

/// A challenged model validation is re-executed by the validators' worker keys (the engine's
/// validation through the host), and their verdict, the committee's outcome, activates the
/// model and forfeits the challenger's bond to the committee.
#[test]
fn validators_re_execute_a_challenged_validation() {
    let (mut ext, pool) = ocw_ext(Some(FakeHost::default()));
    let (model, job) = ext.execute_with(|| register_and_upload(100, 22));
    ext.persist_offchain_overlay();
    ext.execute_with(|| {
        let ws = workers_of(job);
        let vs = others(job);
        set_validator_workers(&vs);
        Inference::offchain_worker(1);
        for c in drain(&pool) {
            assert_eq!(submit(c), Ok(()));
        }
        run_to_block(2);
        Inference::offchain_worker(2);
        for r in drain(&pool) {
            let _ = submit(r);
        }
        assert_eq!(
            Jobs::<Test>::get(job).expect("job").status,
            JobStatus::Provisional
        );
        assert_ok!(Inference::challenge(RuntimeOrigin::signed(acc(7)), job));
        let esc = run_to_escalation_start(job);
        Inference::offchain_worker(System::block_number());
        let commits = drain(&pool);
        let mut signers: Vec<u8> = commits.iter().map(|c| summary(c).0).collect();
        signers.sort();
        assert_eq!(signers, vs, "one commit per validator");
        for c in commits {
            assert_eq!(submit(c), Ok(()));
        }
        run_to_block(esc.commit_deadline + 1);
        Inference::offchain_worker(esc.commit_deadline + 1);
        for r in drain(&pool) {
            assert_eq!(submit(r), Ok(()));
        }
        run_to_block(esc.reveal_deadline + 1);
        assert_eq!(
            Models::<Test>::get(model).expect("model").status,
            ModelStatus::Active
        );
        assert!(slashes(job).is_empty());
        let bond =
            <<Test as crate::Config>::ChallengeBond as frame_support::traits::Get<Balance>>::get();
        assert_eq!(free(&acc(7)), INITIAL - bond);
        for w in ws {
            assert_eq!(free(&acc(w)), INITIAL - MIN_BOND * 2 + bond / 3);
        }
        check_invariants();
    });
}

// ------------------------------------------------------------------ the watcher

/// Records a watch list as the node does for `--inference-watch`.
fn watch(list: inferchain_primitives::offchain_keys::Watched) {
    sp_runtime::offchain::storage::StorageValueRef::persistent(
        inferchain_primitives::offchain_keys::NODE_WATCH_KEY,
    )
    .set(&list);
}

/// Takes the pool's transactions and returns the signed challenges: the signer and job.
fn drain_challenges(pool: &Pool) -> Vec<(AccountId, u64)> {
    let txs = std::mem::take(&mut pool.write().transactions);
    txs.into_iter()
        .map(|tx| {
            let xt = Extrinsic::decode(&mut &tx[..]).expect("decodes");
            let sp_runtime::generic::Preamble::Signed(signer, ..) = xt.preamble else {
                panic!("a challenge is an ordinary signed transaction");
            };
            match xt.function {
                RuntimeCall::Inference(Call::challenge { job_id }) => (signer, job_id),
                other => panic!("unexpected call {other:?}"),
            }
        })
        .collect()
}

/// A committee that agrees on a wrong output: a watcher of the model re-executes the job,
/// finds its own output different and challenges it with a local key; the challenge applies
/// and the validators get the job. Nothing is submitted again while the job is escalated.
#[test]
fn a_watcher_challenges_a_wrong_provisional_result() {
    use inferchain_primitives::offchain_keys::Watched;
    let host = FakeHost::default();
    let calls = host.calls.clone();
    let (mut ext, pool) = ocw_ext(Some(host));
    let id = ext.execute_with(|| request(genesis_model()));
    ext.persist_offchain_overlay();
    ext.execute_with(|| {
        unanimous(id, &bad());
        watch(Watched::Models(vec![genesis_model()]));
        let runs = calls.load(Ordering::SeqCst);
        Inference::offchain_worker(1);
        assert_eq!(
            calls.load(Ordering::SeqCst),
            runs + 1,
            "the watcher ran the job"
        );
        let challenges = drain_challenges(&pool);
        assert_eq!(challenges.len(), 1, "{challenges:?}");
        let (challenger, job) = challenges[0].clone();
        assert_eq!(job, id);
        assert!(
            idx(&challenger) >= 1 && idx(&challenger) <= 6,
            "a local key"
        );
        // The next runs within the resubmission delay neither recompute nor resubmit.
        Inference::offchain_worker(1);
        assert!(drain_challenges(&pool).is_empty());
        assert_eq!(calls.load(Ordering::SeqCst), runs + 1);
        let before = free(&challenger);
        assert_ok!(Inference::challenge(
            RuntimeOrigin::signed(challenger.clone()),
            id
        ));
        assert_eq!(free(&challenger), before - CHALLENGE_BOND);
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Escalated
        );
        Inference::offchain_worker(1);
        assert!(
            drain(&pool)
                .iter()
                .all(|c| !matches!(c, Call::challenge { .. })),
            "an escalated job is not challenged"
        );
        check_invariants();
    });
}

/// The watcher challenges only what it watches and finds wrong: a correct result, a result
/// of a model it does not watch, or any result when the node records no watch list, cost
/// nothing but the re-execution of watched jobs.
#[test]
fn a_watcher_leaves_correct_and_unwatched_results_alone() {
    use inferchain_primitives::offchain_keys::Watched;
    let host = FakeHost::default();
    let calls = host.calls.clone();
    let (mut ext, pool) = ocw_ext(Some(host));
    let (right, other) = ext.execute_with(|| (request(genesis_model()), request(pair_model())));
    ext.persist_offchain_overlay();
    ext.execute_with(|| {
        unanimous(right, &good());
        unanimous(other, &bad());
        let runs = calls.load(Ordering::SeqCst);
        Inference::offchain_worker(1);
        assert!(drain(&pool).is_empty(), "no watch list: nothing to do");
        assert_eq!(calls.load(Ordering::SeqCst), runs);
        watch(Watched::Models(vec![genesis_model()]));
        Inference::offchain_worker(1);
        assert!(
            drain_challenges(&pool).is_empty(),
            "the watched result is right"
        );
        assert_eq!(
            calls.load(Ordering::SeqCst),
            runs + 1,
            "only the watched model's job ran"
        );
        watch(Watched::Every);
        Inference::offchain_worker(1);
        assert_eq!(
            drain_challenges(&pool).len(),
            1,
            "the other model's wrong result"
        );
        check_invariants();
    });
}

/// A watcher whose keys cannot hold the challenge bond does not submit a challenge that would
/// fail (it logs the wrong result instead); a provisional result past its window is not
/// checked.
#[test]
fn a_watcher_without_funds_or_time_does_not_challenge() {
    use frame_support::traits::fungible::Mutate;
    use inferchain_primitives::offchain_keys::Watched;
    let (mut ext, pool) = ocw_ext(Some(FakeHost::default()));
    let id = ext.execute_with(|| request(genesis_model()));
    ext.persist_offchain_overlay();
    ext.execute_with(|| {
        unanimous(id, &bad());
        watch(Watched::Every);
        for i in 1..=6u8 {
            let free_now = free(&acc(i));
            assert_ok!(Balances::burn_from(
                &acc(i),
                free_now - 1,
                frame_support::traits::tokens::Preservation::Expendable,
                frame_support::traits::tokens::Precision::Exact,
                frame_support::traits::tokens::Fortitude::Force,
            ));
        }
        Inference::offchain_worker(1);
        assert!(
            drain_challenges(&pool).is_empty(),
            "no key can hold the bond"
        );
        for i in 1..=6u8 {
            assert_ok!(Balances::mint_into(&acc(i), 1_000_000));
        }
        let deadline = Inference::challenge_deadline(id, &Jobs::<Test>::get(id).expect("job"));
        run_to_block(deadline);
        Inference::offchain_worker(deadline);
        assert!(
            drain_challenges(&pool).is_empty(),
            "a challenge sent now would be included after the window"
        );
        check_invariants();
    });
}
