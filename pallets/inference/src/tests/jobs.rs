//! Jobs (`jobs.rs`): requests, deadlines, expiry and pruning.

use super::*;

#[test]
fn request_inference_works() {
    let mut ext = ExtBuilder::default().build();
    let id = ext.execute_with(|| {
        let id = request(genesis_model());
        let r = Jobs::<Test>::get(id).expect("job");
        assert_eq!(r.slots.len(), 3);
        let mut ws = workers_of(id);
        ws.sort();
        ws.dedup();
        assert_eq!(ws.len(), 3, "workers are distinct");
        assert_eq!(held(HoldReason::RequestFee, &requester()), FEE3);
        assert_eq!(r.commit_deadline, 1 + COMMIT_PERIOD);
        assert_eq!(r.reveal_deadline, 1 + COMMIT_PERIOD + REVEAL_PERIOD);
        for w in workers_of(id) {
            let work = Inference::pending_work(&acc(w));
            assert_eq!(work.len(), 1);
            assert_eq!(work[0].job_id, id);
        }
        assert_eq!(Inference::live_jobs(System::block_number()), vec![id]);
        let q = Inference::quote(genesis_model(), inputs(1.0, 2.0).len() as u32).expect("quote");
        assert_eq!(q.total, FEE3);
        assert_eq!(q.worker_fee, WORKER_FEE);
        let view = Inference::job_view(id).expect("view");
        assert_eq!(view.fee, FEE3);
        assert_eq!(view.requester, Some(requester()));
        assert!(System::events().iter().any(|e| matches!(
            e.event,
            RuntimeEvent::Inference(Event::InferenceRequested { job_id, fee, .. })
                if job_id == id && fee == FEE3
        )));
        check_invariants();
        id
    });
    ext.persist_offchain_overlay();
    assert_eq!(
        ext.offchain_db().get(&request_inputs_key(id)),
        Some(inputs(1.0, 2.0))
    );
}

#[test]
fn request_inference_errors() {
    ExtBuilder::default().build_and_execute(|| {
        let req = |who: AccountId, model, bytes: Vec<u8>, max| {
            Inference::request_inference(
                RuntimeOrigin::signed(who),
                model,
                bytes.try_into().expect("short"),
                max,
            )
        };
        assert_noop!(
            req(requester(), H256::zero(), inputs(1.0, 2.0), 10_000),
            Error::<Test>::ModelNotFound
        );
        let (uploading, _) = register(100, 10, exact(3));
        assert_noop!(
            req(requester(), uploading, inputs(1.0, 2.0), 10_000),
            Error::<Test>::ModelNotActive
        );
        assert_noop!(
            req(requester(), genesis_model(), vec![1, 2, 3], 10_000),
            Error::<Test>::BadInputs
        );
        assert_noop!(
            req(requester(), genesis_model(), outputs(1.0, 2.0), 10_000),
            Error::<Test>::InputsSchemaMismatch
        );
        assert_noop!(
            req(requester(), genesis_model(), inputs(1.0, 2.0), FEE3 - 1),
            Error::<Test>::FeeAboveMax
        );
        assert_noop!(
            req(pauper(), genesis_model(), inputs(1.0, 2.0), FEE3),
            Error::<Test>::InsufficientBalance
        );
        // Four jobs per block share a deadline slot; the next four get the next block's
        // deadlines, and so on for `MAX_DEADLINE_SPILL` blocks.
        let spill = crate::MAX_DEADLINE_SPILL as u64;
        let now = System::block_number();
        for k in 0..=spill {
            for _ in 0..4 {
                let id = crate::NextJobId::<Test>::get();
                assert_ok!(req(requester(), single_model(), inputs(1.0, 2.0), FEE3));
                let job = Jobs::<Test>::get(id).expect("job");
                assert_eq!(job.commit_deadline, now + COMMIT_PERIOD + k);
                assert_eq!(job.reveal_deadline, now + COMMIT_PERIOD + k + REVEAL_PERIOD);
            }
        }
        assert_noop!(
            req(requester(), single_model(), inputs(1.0, 2.0), FEE3),
            Error::<Test>::JobQueueFull
        );
    });
    ExtBuilder::default().workers(2).build_and_execute(|| {
        assert_noop!(
            Inference::request_inference(
                RuntimeOrigin::signed(requester()),
                genesis_model(),
                inputs(1.0, 2.0).try_into().expect("short"),
                FEE3
            ),
            Error::<Test>::NotEnoughWorkers
        );
    });
}

#[test]
fn no_commitment_expires_with_full_refund() {
    ExtBuilder::default().build_and_execute(|| {
        let id = request(genesis_model());
        run_to_block(1 + COMMIT_PERIOD);
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Pending
        );
        run_to_block(2 + COMMIT_PERIOD);
        assert_eq!(
            Jobs::<Test>::get(id).expect("job").status,
            JobStatus::Expired
        );
        assert!(has_event(Event::InferenceExpired { job_id: id }));
        assert_eq!(free(&requester()), INITIAL);
        assert_eq!(held(HoldReason::RequestFee, &requester()), 0);
        assert_eq!(slashes(id).len(), 3);
        check_invariants();
    });
}

#[test]
fn results_and_inputs_are_pruned() {
    let mut ext = ExtBuilder::default().build();
    let id = ext.execute_with(|| {
        let id = request(genesis_model());
        for w in workers_of(id) {
            assert_ok!(commit(w, id, &good()));
        }
        assert_ok!(reveal(workers_of(id)[0], id, &good()));
        id
    });
    ext.persist_offchain_overlay();
    assert!(ext.offchain_db().get(&request_inputs_key(id)).is_some());
    ext.execute_with(|| {
        let prune_at = 1 + COMMIT_PERIOD + REVEAL_PERIOD + 1 + CHALLENGE_PERIOD + RETENTION;
        run_to_block(prune_at - 1);
        assert!(Results::<Test>::get(id).is_some());
        assert!(Inference::job_view(id).expect("view").result.is_some());
        run_to_block(prune_at);
        assert!(Results::<Test>::get(id).is_none());
        assert!(Jobs::<Test>::get(id).is_none());
        assert!(has_event(Event::JobPruned { job_id: id }));
        check_invariants();
    });
    ext.persist_offchain_overlay();
    assert!(ext.offchain_db().get(&request_inputs_key(id)).is_none());
}

#[test]
fn bounded_vec_inputs_limit() {
    ExtBuilder::default().build_and_execute(|| {
        let too_long: Result<BoundedVec<u8, <Test as crate::Config>::MaxInputBytes>, _> =
            vec![0u8; 4097].try_into();
        assert!(too_long.is_err());
    });
}

#[test]
fn request_id_overflow_is_an_error() {
    ExtBuilder::default().build_and_execute(|| {
        crate::NextJobId::<Test>::put(u64::MAX);
        assert_noop!(
            Inference::request_inference(
                RuntimeOrigin::signed(requester()),
                genesis_model(),
                inputs(1.0, 2.0).try_into().expect("short"),
                FEE3
            ),
            Error::<Test>::Overflow
        );
    });
}

/// The weight of making one job final in `finalize_due`, and of reading or writing one slot.
fn one_final_job() -> Weight {
    use crate::weights::WeightInfo;
    <() as WeightInfo>::finalize_jobs(1) - <() as WeightInfo>::finalize_jobs(0)
        + db_write()
        + <() as WeightInfo>::prune_jobs(1)
}

/// A block whose other hooks leave too little weight makes final what fits and leaves the
/// rest queued (`FinalityLag`); the next block makes them final first. Nothing is lost, paid
/// twice or challengeable after its window.
#[test]
fn finality_that_does_not_fit_waits_for_the_next_block() {
    use crate::weights::WeightInfo;
    ExtBuilder::default().build_and_execute(|| {
        let ids: Vec<u64> = (0..3).map(|_| request(genesis_model())).collect();
        for id in &ids {
            unanimous(*id, &good());
        }
        let at = final_block(ids[0]);
        assert!(ids.iter().all(|id| final_block(*id) == at));
        run_to_block(at - 1);
        // Block `at` with room for the slot and two jobs only.
        System::set_block_number(at);
        let budget = <() as WeightInfo>::finalize_jobs(0)
            + db_read()
            + db_write()
            + one_final_job() * 2;
        let used = Inference::finalize_due(at, budget);
        assert!(used.all_lte(budget));
        let status = |id: u64| Jobs::<Test>::get(id).expect("job").status;
        assert_eq!(status(ids[0]), JobStatus::Completed);
        assert_eq!(status(ids[1]), JobStatus::Completed);
        assert_eq!(status(ids[2]), JobStatus::Provisional);
        assert_eq!(crate::FinalityLag::<Test>::get(), Some(at));
        check_invariants();
        assert_noop!(
            Inference::challenge(RuntimeOrigin::signed(acc(7)), ids[2]),
            Error::<Test>::ChallengeWindowClosed
        );
        // The next block catches up.
        run_to_block(at + 1);
        assert_eq!(status(ids[2]), JobStatus::Completed);
        assert_eq!(crate::FinalityLag::<Test>::get(), None);
        let paid = ids
            .iter()
            .filter(|id| {
                System::events().iter().any(|r| {
                    matches!(&r.event, RuntimeEvent::Inference(Event::InferenceCompleted { job_id, .. }) if job_id == *id)
                })
            })
            .count();
        assert_eq!(paid, 3);
    });
}

/// A job made final only after its pruning slot passed (finality lagged that long) is pruned
/// at once: it neither stays forever nor is pruned while provisional.
#[test]
fn a_job_made_final_after_its_pruning_slot_is_pruned_at_once() {
    ExtBuilder::default().build_and_execute(|| {
        let id = request(genesis_model());
        unanimous(id, &good());
        let at = final_block(id);
        let reserved = Jobs::<Test>::get(id).expect("job").challenge_deadline() + 1;
        run_to_block(at - 1);
        // Finality lags from this block on; the pruning slot passes while it is provisional.
        System::set_block_number(at);
        assert_eq!(Inference::finalize_due(at, Weight::zero()), Weight::zero());
        assert_eq!(crate::FinalityLag::<Test>::get(), Some(at));
        let prune_at = reserved + RETENTION;
        System::set_block_number(prune_at);
        Inference::prune(id);
        assert_eq!(
            Jobs::<Test>::get(id).map(|j| j.status),
            Some(JobStatus::Provisional)
        );
        Inference::finalize_due(prune_at, Weight::MAX);
        assert!(!Jobs::<Test>::contains_key(id));
        assert!(has_event(Event::JobPruned { job_id: id }));
        assert_eq!(crate::FinalityLag::<Test>::get(), None);
    });
}
